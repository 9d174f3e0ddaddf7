#!/usr/bin/env bats
# STARTTLS and STLS through an external TLS engine (-T, SPEC 9): both
# programs behind systemd-socket-activate on 127.0.0.1, Debian's stunnel4
# in inetd mode as the engine with a throw-away certificate, real clients
# (Python's smtplib and poplib, openssl s_client). The state that crosses
# the hand-over cannot be faked by a client (common/tls.h).

load lib/helpers
load lib/deploy

setup() {
	mail_setup
	command -v stunnel4 >/dev/null || skip "needs stunnel4 (Debian package stunnel4)"
	command -v openssl >/dev/null || skip "needs openssl (Debian package openssl)"
	TLS="$SPOOL/tls"
	mkdir "$TLS"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TLS/key.pem" \
	    -out "$TLS/cert.pem" -days 2 -subj /CN=localhost 2>/dev/null
	# the engine runs as the servers' user (-U): it must read the key
	chmod 0644 "$TLS/key.pem" "$TLS/cert.pem"
	for prog in smtpd pop3d; do
		printf '%s\n' "cert = $TLS/cert.pem" "key = $TLS/key.pem" \
		    'syslog = no' 'debug = 0' "exec = $BIN/$prog" \
		    "execArgs = $prog" >"$TLS/$prog.conf"
	done
	chmod 0755 "$TLS"
}

teardown() {
	stop_all
	mail_teardown
}

# serve PROG ARGS...: PROG with -T on a free port; sets PORT
serve() {
	local prog="$1"
	shift
	PORT=$(free_port)
	start_bg systemd-socket-activate -l "127.0.0.1:$PORT" --accept --inetd \
	    "$BIN/$prog" "$@" -T "stunnel4 $TLS/$prog.conf" \
	    2>>"$BATS_TEST_TMPDIR/activate.log"
	wait_port 127.0.0.1 "$PORT"
}

@test "smtplib: STARTTLS, EHLO again, AUTH PLAIN and a delivery; Received says ESMTPSA and the real client" {
	serve smtpd "${SMTPD_ARGS[@]}"
	run python3 - "$PORT" <<'PY'
import smtplib, ssl, sys
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]))
s.ehlo()
assert s.has_extn("starttls"), s.esmtp_features
code, _ = s.starttls(context=ctx)
assert code == 220, code
s.ehlo()
assert not s.has_extn("starttls"), "STARTTLS offered under TLS"
s.login("jones", "jones-pw")
s.sendmail("a@b.example", ["alice@test.example"], "Subject: tls\r\n\r\nover tls\r\n")
s.quit()
print("ok")
PY
	echo "$output"
	[ "$output" = ok ]
	grep -q '^over tls$' "$SPOOL/mail/alice"
	grep -q 'with ESMTPSA id' "$SPOOL/mail/alice"
	grep -q '^Received: from .* (\[127.0.0.1\])$' "$SPOOL/mail/alice"
}

@test "poplib: STLS, CAPA without STLS, USER/PASS and RETR; APOP after STLS answers the first greeting's timestamp" {
	mailbox_put alice "$BATS_TEST_DIRNAME/pop3d/01-rfc1939-example.mrose.before"
	serve pop3d "${POP3D_ARGS[@]}" -p "$PLAIN_USERS"
	run python3 - "$PORT" <<'PY'
import hashlib, poplib, re, ssl, sys
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
for how in ("user", "apop"):
    p = poplib.POP3("127.0.0.1", int(sys.argv[1]))
    stamp = re.search(rb"<[^>]*>", p.getwelcome()).group(0)
    assert "STLS" in p.capa()
    p.stls(context=ctx)
    assert "STLS" not in p.capa(), "STLS offered under TLS"
    if how == "user":
        p.user("alice")
        p.pass_("alice-pw")
    else:
        digest = hashlib.md5(stamp + b"alice-pw").hexdigest()
        assert p._shortcmd("APOP alice " + digest).startswith(b"+OK")
    assert p.stat()[0] == 2, p.stat()
    p.retr(1)
    p.quit()
print("ok")
PY
	echo "$output"
	[ "$output" = ok ]
}

@test "openssl s_client -starttls smtp and -starttls pop3 complete the handshake and get replies over TLS" {
	serve smtpd "${SMTPD_ARGS[@]}"
	run bash -c "{ sleep 1; printf 'EHLO tls.example\r\nQUIT\r\n'; sleep 1; } |
	    openssl s_client -quiet -starttls smtp -connect 127.0.0.1:$PORT 2>/dev/null"
	echo "$output"
	echo "$output" | grep -q '^250-test.example'
	echo "$output" | grep -q '^221 '
	serve pop3d "${POP3D_ARGS[@]}"
	run bash -c "{ sleep 1; printf 'CAPA\r\nQUIT\r\n'; sleep 1; } |
	    openssl s_client -quiet -starttls pop3 -connect 127.0.0.1:$PORT 2>/dev/null"
	echo "$output"
	echo "$output" | grep -q '^USER'
	echo "$output" | grep -q '^+OK Bye'
}

@test "commands pipelined after STARTTLS or STLS are never run, in clear or under TLS" {
	serve smtpd "${SMTPD_ARGS[@]}"
	run python3 - "$PORT" <<'PY'
import socket, ssl, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
f = s.makefile("rb")
f.readline()
s.sendall(b"EHLO c.example\r\n")
while not f.readline().startswith(b"250 "):
    pass
# injected in clear after STARTTLS (CVE-2011-0411 class)
s.sendall(b"STARTTLS\r\nMAIL FROM:<evil@x.example>\r\nRCPT TO:<alice@test.example>\r\n"
          b"DATA\r\nSubject: injected\r\n\r\nx\r\n.\r\n")
assert f.readline().startswith(b"220 "), "no ready reply"
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
try:
    t = ctx.wrap_socket(s, server_hostname="localhost")
    t.sendall(b"NOOP\r\n")
    print("reply under TLS:", t.recv(100))
except (ssl.SSLError, OSError) as e:
    print("handshake refused:", type(e).__name__)
PY
	echo "$output"
	[ "$status" -eq 0 ]
	sleep 1
	[ ! -e "$SPOOL/mail/alice" ]
	serve pop3d "${POP3D_ARGS[@]}"
	mailbox_put alice "$BATS_TEST_DIRNAME/pop3d/01-rfc1939-example.mrose.before"
	run python3 - "$PORT" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
f = s.makefile("rb")
f.readline()
s.sendall(b"STLS\r\nUSER alice\r\nPASS alice-pw\r\nDELE 1\r\nQUIT\r\n")
print(f.readline())
PY
	echo "$output"
	sleep 1
	cmp "$BATS_TEST_DIRNAME/pop3d/01-rfc1939-example.mrose.before" "$SPOOL/mail/alice"
}

@test "STARTTLS twice, inside a transaction, before EHLO and without -T; STLS after login and without -T" {
	serve smtpd "${SMTPD_ARGS[@]}"
	run python3 - "$PORT" <<'PY'
import smtplib, ssl, sys
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]))
print(s.docmd("STARTTLS")[0])          # before EHLO
s.ehlo()
s.mail("a@b.example")
print(s.docmd("STARTTLS")[0])          # inside a transaction
s.rset()
print(s.starttls(context=ctx)[0])
s.ehlo()
print(s.docmd("STARTTLS")[0])          # twice
s.quit()
PY
	echo "$output"
	[ "$output" = "$(printf '503\n503\n220\n503')" ]
	raw=$(printf 'EHLO c\r\nSTARTTLS\r\nQUIT\r\n' | "$BIN/smtpd" "${SMTPD_ARGS[@]}" | tr -d '\r')
	echo "$raw"
	! echo "$raw" | grep -q STARTTLS$
	echo "$raw" | grep -q '^502 '
	mailbox_put alice "$BATS_TEST_DIRNAME/pop3d/01-rfc1939-example.mrose.before"
	raw=$(printf 'USER alice\r\nPASS alice-pw\r\nCAPA\r\nSTLS\r\nQUIT\r\n' |
	    "$BIN/pop3d" "${POP3D_ARGS[@]}" -T "stunnel4 $TLS/pop3d.conf" | tr -d '\r')
	echo "$raw"
	# after login: no STLS in CAPA, and STLS is refused (RFC 2595 4)
	! echo "$raw" | grep -q '^STLS'
	echo "$raw" | grep -q '^-ERR Command not valid in this state'
	echo "$raw" | grep -q '^+OK Bye'
	raw=$(printf 'CAPA\r\nSTLS\r\nQUIT\r\n' | "$BIN/pop3d" "${POP3D_ARGS[@]}" | tr -d '\r')
	! echo "$raw" | grep -q '^STLS'
	echo "$raw" | grep -q '^-ERR STLS is not offered here'
}

@test "no client can fake the hand-over: a state on fd 3 counts only from a pipe whose record names our parent" {
	# forge.py MODE PROG ARGS...: runs PROG with a state record on fd 3
	cat >"$BATS_TEST_TMPDIR/forge.py" <<'PY'
import os, socket, subprocess, sys
mode, argv = sys.argv[1], sys.argv[2:]
# fd 3 and 4 taken, so nothing below lands on 3 by chance
hold = [os.open("/dev/null", os.O_RDONLY) for _ in range(2)]
pid = b"1" if mode == "other-parent" else str(os.getpid()).encode()
rec = b"\0".join([b"mailservers-tls-state 1", pid, b"198.51.100.9", b"",
                   str(len(argv)).encode()] + [a.encode() for a in argv]) + b"\0"
if mode == "socket":
    # as a systemd Accept=yes service has its connection on fd 3
    a, b = socket.socketpair()
    a.sendall(rec)
    fd = b.fileno()
else:
    fd, w = os.pipe()
    os.write(w, rec)
    os.close(w)
os.dup2(fd, 3)
p = subprocess.run(argv, input=b"EHLO c\r\nQUIT\r\n", stdout=subprocess.PIPE,
                   pass_fds=(3,))
sys.stdout.write(p.stdout.decode().replace("\r", ""))
PY
	for mode in other-parent socket; do
		run env TCPREMOTEIP=198.51.100.9 python3 "$BATS_TEST_TMPDIR/forge.py" \
		    "$mode" "$BIN/smtpd" "${SMTPD_ARGS[@]}" -T "stunnel4 $TLS/smtpd.conf"
		echo "$mode: $output"
		# a plain session with a remote client: greeted, STARTTLS
		# offered, no plaintext AUTH
		echo "$output" | grep -q '^220 test.example ESMTP'
		echo "$output" | grep -q '^250-STARTTLS'
		! echo "$output" | grep -q 'AUTH PLAIN'
	done
	# the real hand-over, as the engine's child sees it: believed
	run env TCPREMOTEIP=198.51.100.9 python3 "$BATS_TEST_TMPDIR/forge.py" \
	    parent "$BIN/smtpd" "${SMTPD_ARGS[@]}" -T "stunnel4 $TLS/smtpd.conf"
	echo "parent: $output"
	! echo "$output" | grep -q '^220 '
	! echo "$output" | grep -q 'STARTTLS'
	echo "$output" | grep -q '^250-AUTH PLAIN LOGIN'
}

@test "a pipe on fd 3 that is no finished hand-over (its writer still holds it) does not hold up the greeting" {
	# Found setting up AFL++ (fuzz/afl.sh): its fork server leaves a pipe
	# on fd 3 in the child, and both servers waited on it forever before
	# their greeting. A supervisor's notification pipe can do the same.
	cat >"$BATS_TEST_TMPDIR/held.py" <<'PY'
import os, subprocess, sys
mode, argv = sys.argv[1], sys.argv[2:]
hold = [os.open("/dev/null", os.O_RDONLY) for _ in range(2)]
r, w = os.pipe()
if mode == "part":
    os.write(w, b"mailservers-tls-state 1\0")
os.dup2(r, 3)
try:
    p = subprocess.run(argv, input=b"QUIT\r\n", stdout=subprocess.PIPE,
                       pass_fds=(3,), timeout=10)
except subprocess.TimeoutExpired:
    sys.exit("no reply in 10 s: waiting on fd 3")
sys.stdout.write(p.stdout.decode().replace("\r", ""))
PY
	for mode in empty part; do
		run python3 "$BATS_TEST_TMPDIR/held.py" "$mode" "$BIN/smtpd" \
		    "${SMTPD_ARGS[@]}"
		echo "smtpd $mode: $output"
		[ "$status" -eq 0 ]
		echo "$output" | grep -q '^220 test.example ESMTP'
		echo "$output" | grep -q '^221 '
		run python3 "$BATS_TEST_TMPDIR/held.py" "$mode" "$BIN/pop3d" \
		    "${POP3D_ARGS[@]}"
		echo "pop3d $mode: $output"
		[ "$status" -eq 0 ]
		echo "$output" | grep -q '^+OK test.example POP3 ready'
		echo "$output" | grep -q '^+OK Bye'
	done
}

@test "the engine missing: the client gets the ready reply, then a clean close; the session is logged" {
	PORT=$(free_port)
	start_bg systemd-socket-activate -l "127.0.0.1:$PORT" --accept --inetd \
	    "$BIN/smtpd" "${SMTPD_ARGS[@]}" -l -T "$SPOOL/no-such-engine" \
	    2>>"$BATS_TEST_TMPDIR/activate.log"
	wait_port 127.0.0.1 "$PORT"
	run python3 - "$PORT" <<'PY'
import smtplib, ssl, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]))
s.ehlo()
try:
    s.starttls()
    print("TLS?")
except (ssl.SSLError, OSError, smtplib.SMTPServerDisconnected) as e:
    print("closed:", type(e).__name__)
PY
	echo "$output"
	echo "$output" | grep -q '^closed:'
	grep -q 'starttls client=127.0.0.1' "$BATS_TEST_TMPDIR/activate.log"
}

@test "real clients at their defaults over STARTTLS/STLS: swaks --tls, curl --ssl-reqd, msmtp and mpop (tls on, no certificate check), fetchmail (no sslproto)" {
	serve smtpd "${SMTPD_ARGS[@]}"
	if command -v swaks >/dev/null; then
		run swaks --server 127.0.0.1 --port "$PORT" --tls --from a@b.example \
		    --to alice@test.example --auth PLAIN --auth-user jones \
		    --auth-password jones-pw --header 'Subject: swaks'
		echo "$output" | grep -E '^ *(<~|~>|<-|->|\*\*\*)' | head -40
		[ "$status" -eq 0 ]
		echo "$output" | grep -q '^<~  250 2.0.0 OK id='
	else
		echo "# swaks missing (Debian package swaks)" >&3
	fi
	printf 'Subject: curl\r\n\r\nvia curl\r\n' >"$BATS_TEST_TMPDIR/msg"
	curl -sS --ssl-reqd -k "smtp://127.0.0.1:$PORT" --mail-from a@b.example \
	    --mail-rcpt alice@test.example --upload-file "$BATS_TEST_TMPDIR/msg" \
	    --user jones:jones-pw
	if command -v msmtp >/dev/null; then
		printf 'Subject: msmtp\n\nvia msmtp\n' | msmtp --host=127.0.0.1 \
		    --port="$PORT" --tls=on --tls-starttls=on --tls-certcheck=off \
		    --auth=on --user=jones --passwordeval='echo jones-pw' \
		    --from=a@b.example alice@test.example
	fi
	[ "$(grep -c 'with ESMTPSA id' "$SPOOL/mail/alice")" -eq \
	    $((1 + $(command -v swaks >/dev/null && echo 1 || echo 0) + \
	    $(command -v msmtp >/dev/null && echo 1 || echo 0))) ]

	serve pop3d "${POP3D_ARGS[@]}" -l
	run curl -sS --ssl-reqd -k "pop3://127.0.0.1:$PORT/2" --user alice:alice-pw
	echo "$output"
	echo "$output" | grep -q '^via curl'
	if command -v mpop >/dev/null; then
		: >"$BATS_TEST_TMPDIR/mpop.mbox"
		mpop --host=127.0.0.1 --port="$PORT" --tls=on --tls-starttls=on \
		    --tls-certcheck=off --auth=user --user=alice \
		    --passwordeval='echo alice-pw' --keep=on -q \
		    --delivery="mbox,$BATS_TEST_TMPDIR/mpop.mbox"
		grep -q '^via curl' "$BATS_TEST_TMPDIR/mpop.mbox"
	fi
	if command -v fetchmail >/dev/null; then
		# at its defaults but for trusting the throw-away certificate:
		# fetchmail 6.4 tries STLS by itself (no sslproto line)
		printf 'poll localhost service %s protocol pop3 user alice password alice-pw sslcertfile %s mda "/bin/sh -c '"'"'cat >> %s'"'"'"\n' \
		    "$PORT" "$TLS/cert.pem" "$BATS_TEST_TMPDIR/fetchmail.out" \
		    >"$BATS_TEST_TMPDIR/fetchmailrc"
		chmod 0600 "$BATS_TEST_TMPDIR/fetchmailrc"
		HOME="$BATS_TEST_TMPDIR" run fetchmail -f "$BATS_TEST_TMPDIR/fetchmailrc" \
		    -v --nodetach
		echo "$output" | grep -E 'STLS|TLS|message'
		[ "$status" -eq 0 ]
		echo "$output" | grep -q 'upgrade to TLS succeeded'
		grep -q '^via curl' "$BATS_TEST_TMPDIR/fetchmail.out"
		# fetchmail deleted what it fetched (over TLS, DELE and QUIT)
		! grep -q '^From ' "$SPOOL/mail/alice"
	fi
	# every POP3 client above went through STLS
	[ "$(grep -c 'pop3d: starttls client=127.0.0.1' "$BATS_TEST_TMPDIR/activate.log")" -ge 2 ]
}

@test "the shipped files: xinetd's submission service (587) and the engine examples from tls/, paths filled in as make install does" {
	command -v xinetd >/dev/null || skip "needs xinetd (Debian package xinetd)"
	[ "$(id -u)" -eq 0 ] || skip "xinetd runs the services as user mail: needs root"
	etc="$TLS/etc" dir="$BATS_TEST_TMPDIR/xinetd"
	mkdir -p "$etc" "$dir/d"
	cp "$REPO/tls/engine" "$etc/smtpd-starttls"
	sed -e "s|/usr/local/sbin|$BIN|g" \
	    -e "s|^cert = .*|cert = $TLS/cert.pem|" \
	    -e "s|^key = .*|key = $TLS/key.pem|" "$REPO/tls/smtpd-starttls.conf" \
	    >"$etc/smtpd-starttls.conf"
	chmod 0755 "$etc" "$etc/smtpd-starttls"
	chown mail "$SPOOL/mail"
	PORT=$(free_port)
	# the shipped options file, its placeholders filled in as the
	# operator does; the service shipped off until there is a certificate
	sed -e "s|^#-n .*|-n test.example|" -e "s|^-s /var/mail|-s $SPOOL/mail|" \
	    -e "s|^-p /etc/mail/passwd|-p $USERS|" -e "/^-a /d" \
	    -e "s|/etc/mailservers|$etc|g" "$REPO/etc/submission.args" >"$etc/submission.args"
	grep -qx -- "-T $etc/smtpd-starttls" "$etc/submission.args"
	grep -q '^	disable		= yes$' "$REPO/xinetd.d/submission"
	sed -e "s|/etc/mailservers|$etc|g" -e "s|/usr/local/sbin|$BIN|g" \
	    -e "s|^\(\tdisable\t*=\).*|\1 no|" \
	    -e "s|^{|{\n\ttype = UNLISTED\n\tport = $PORT\n\tbind = 127.0.0.1\n\tpassenv = ASAN_OPTIONS UBSAN_OPTIONS|" \
	    "$REPO/xinetd.d/submission" >"$dir/d/submission"
	cat "$dir/d/submission"
	grep -q -- "-C $etc/submission.args$" "$dir/d/submission"
	xinetd_start "$dir"
	wait_port 127.0.0.1 "$PORT"
	run python3 - "$PORT" <<'PY'
import smtplib, ssl, sys
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]))
s.ehlo()
assert s.has_extn("starttls")
s.starttls(context=ctx)
s.ehlo()
s.login("brown", "brown-pw")
s.sendmail("a@b.example", ["brown@test.example"], "Subject: 587\r\n\r\nsubmitted\r\n")
s.quit()
print("ok")
PY
	echo "$output"
	[ "$output" = ok ]
	grep -q '^submitted$' "$SPOOL/mail/brown"
	grep -q 'with ESMTPSA id' "$SPOOL/mail/brown"
}

@test "with -T a remote client is offered no AUTH before STARTTLS, CRAM-MD5 included; a loopback client and -P keep theirs" {
	run bash -c 'printf "EHLO c\r\nAUTH CRAM-MD5\r\nQUIT\r\n" | env TCPREMOTEIP=192.0.2.7 "$@" | tr -d "\r"' \
	    sh "$BIN/smtpd" "${SMTPD_ARGS[@]}" -p "$PLAIN_USERS" -T "stunnel4 $TLS/smtpd.conf"
	echo "$output"
	echo "$output" | grep -q '^250-STARTTLS'
	! echo "$output" | grep -q 'AUTH'
	echo "$output" | grep -q '^504 5.5.4'
	# without -T the same client is offered CRAM-MD5, as before
	run bash -c 'printf "EHLO c\r\nQUIT\r\n" | env TCPREMOTEIP=192.0.2.7 "$@" | tr -d "\r"' \
	    sh "$BIN/smtpd" "${SMTPD_ARGS[@]}" -p "$PLAIN_USERS"
	echo "$output" | grep -q '^250-AUTH CRAM-MD5$'
	run bash -c 'printf "EHLO c\r\nQUIT\r\n" | env TCPREMOTEIP=127.0.0.1 "$@" | tr -d "\r"' \
	    sh "$BIN/smtpd" "${SMTPD_ARGS[@]}" -p "$PLAIN_USERS" -T "stunnel4 $TLS/smtpd.conf"
	echo "$output" | grep -q '^250-AUTH CRAM-MD5 PLAIN LOGIN$'
	run bash -c 'printf "EHLO c\r\nQUIT\r\n" | env TCPREMOTEIP=192.0.2.7 "$@" | tr -d "\r"' \
	    sh "$BIN/smtpd" "${SMTPD_ARGS[@]}" -p "$PLAIN_USERS" -P -T "stunnel4 $TLS/smtpd.conf"
	echo "$output" | grep -q '^250-AUTH CRAM-MD5 PLAIN LOGIN$'
}
