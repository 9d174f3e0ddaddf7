#!/usr/bin/env bats
# SPEC sections 1 and 7: the programs behind real superservers
# (systemd-socket-activate, xinetd with the shipped service files, stunnel
# for implicit TLS), real clients (Python's smtplib and poplib, curl),
# make run, and make install. Listeners are on 127.0.0.1 and ::1 only.

load lib/helpers
load lib/deploy

setup() {
	mail_setup
}

teardown() {
	stop_all
	mail_teardown
}

@test "systemd-socket-activate: smtplib sends with and without AUTH, poplib fetches the exact bytes; the client's address is in Received:" {
	sp=$(free_port) pp=$(free_port)
	activate "127.0.0.1:$sp" "$BIN/smtpd" "${SMTPD_ARGS[@]}"
	activate "127.0.0.1:$pp" "$BIN/pop3d" "${POP3D_ARGS[@]}"
	wait_port 127.0.0.1 "$sp"
	wait_port 127.0.0.1 "$pp"
	run e2e send 127.0.0.1 "$sp" a@b.example alice@test.example "plain $$"
	echo "$output"
	[ "$status" -eq 0 ]
	run e2e send 127.0.0.1 "$sp" a@b.example alice@test.example "auth $$" --auth alice alice-pw
	[ "$status" -eq 0 ]
	run e2e fetch 127.0.0.1 "$pp" alice alice-pw "plain $$"
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | grep -q '^Received: from client.example (\[127.0.0.1\])$'
	echo "$output" | grep -q 'by test.example with ESMTP id '
	run e2e fetch 127.0.0.1 "$pp" alice alice-pw "auth $$"
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | grep -q 'with ESMTPA id '
	if has_ipv6_loopback; then
		sp6=$(free_port) pp6=$(free_port)
		activate "[::1]:$sp6" "$BIN/smtpd" "${SMTPD_ARGS[@]}"
		activate "[::1]:$pp6" "$BIN/pop3d" "${POP3D_ARGS[@]}"
		wait_port ::1 "$sp6"
		wait_port ::1 "$pp6"
		run e2e send ::1 "$sp6" a@b.example alice@test.example "six $$"
		[ "$status" -eq 0 ]
		run e2e fetch ::1 "$pp6" alice alice-pw "six $$"
		echo "$output"
		[ "$status" -eq 0 ]
		echo "$output" | grep -q '^Received: from client.example (\[::1\])$'
	else
		echo "no ::1 on this machine: IPv6 part not run" >&3
	fi
}

@test "curl: smtp:// upload with --mail-from/--mail-rcpt, pop3:// list and retrieve" {
	sp=$(free_port) pp=$(free_port)
	activate "127.0.0.1:$sp" "$BIN/smtpd" "${SMTPD_ARGS[@]}"
	activate "127.0.0.1:$pp" "$BIN/pop3d" "${POP3D_ARGS[@]}"
	wait_port 127.0.0.1 "$sp"
	wait_port 127.0.0.1 "$pp"
	printf 'Subject: through curl\r\n\r\nsent by curl\r\n' >"$BATS_TEST_TMPDIR/msg"
	run curl -sS "smtp://127.0.0.1:$sp" --mail-from a@b.example \
	    --mail-rcpt jones@test.example --upload-file "$BATS_TEST_TMPDIR/msg"
	echo "$output"
	[ "$status" -eq 0 ]
	run bash -c 'curl -sS "$0" | tr -d "\r"' "pop3://jones:jones-pw@127.0.0.1:$pp/"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^1\ [0-9]+$ ]]
	run curl -sS "pop3://jones:jones-pw@127.0.0.1:$pp/1"
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | grep -q '^Subject: through curl'
	echo "$output" | grep -q '^sent by curl'
}

@test "curl at its defaults, with a {SHA512-CRYPT} user: AUTH, an LF text file uploaded, POP3 login; CRAM-MD5 and APOP not offered" {
	sp=$(free_port) pp=$(free_port)
	activate "127.0.0.1:$sp" "$BIN/smtpd" "${SMTPD_ARGS[@]}" -l
	activate "127.0.0.1:$pp" "$BIN/pop3d" "${POP3D_ARGS[@]}" -l
	wait_port 127.0.0.1 "$sp"
	wait_port 127.0.0.1 "$pp"
	# an ordinary text file: LF line ends, and a line of one dot
	printf 'Subject: an LF file\n\nline one\n.\nline three\n' >"$BATS_TEST_TMPDIR/msg"
	run curl -sS --user bob:bob-pw "smtp://127.0.0.1:$sp" --mail-from a@b.example \
	    --mail-rcpt bob@test.example --upload-file "$BATS_TEST_TMPDIR/msg"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q 'auth client=127.0.0.1 user=bob mech=PLAIN' "$BATS_TEST_TMPDIR/activate.log"
	run curl -sS "pop3://bob:bob-pw@127.0.0.1:$pp/1"
	echo "$output"
	[ "$status" -eq 0 ]
	body=$(echo "$output" | tr -d '\r' | sed -n '/^$/,$p')
	[ "$body" = $'\nline one\n.\nline three' ]
	grep -q 'login client=[^ ]* user=bob method=PLAIN' "$BATS_TEST_TMPDIR/activate.log"
}

@test "Exim's smtp transport at its defaults sends by BDAT (CHUNKING) through systemd-socket-activate; the message arrives byte-exact" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to run Exim as the spool's owner"
	command -v exim4 >/dev/null || skip "needs exim4 (Debian package exim4-daemon-light)"
	sp=$(free_port)
	# the wire as smtpd reads it, to see the BDAT commands
	activate "127.0.0.1:$sp" sh -c 'tee -a "$0" | exec "$@"' \
	    "$BATS_TEST_TMPDIR/wire" "$BIN/smtpd" "${SMTPD_ARGS[@]}"
	wait_port 127.0.0.1 "$sp"
	exim_client "$sp"
	python3 -c '
import sys
body = b"".join(b"line %04d: . .. \xc3\xa9 text\n" % i for i in range(3000))
sys.stdout.buffer.write(b"Subject: chunked by exim\n\n.\n..\n" + body)' >"$BATS_TEST_TMPDIR/msg"
	exim_run -odi -oi -f sender@client.example alice@test.example \
	    <"$BATS_TEST_TMPDIR/msg"
	# K: the message went by BDAT
	cat "$BATS_TEST_TMPDIR/exim.log"
	grep -q '=> alice@test.example .* K C="250 2.0.0 OK id=' "$BATS_TEST_TMPDIR/exim.log"
	grep -aq '^BDAT [0-9]* LAST' "$BATS_TEST_TMPDIR/wire"
	! grep -aq '^DATA' "$BATS_TEST_TMPDIR/wire"
	# the body Exim was given is the body alice has, byte for byte
	python3 - "$BATS_TEST_TMPDIR/msg" "$SPOOL/mail/alice" <<'PY'
import sys
sent = open(sys.argv[1], "rb").read()
box = open(sys.argv[2], "rb").read()
assert box.startswith(b"From sender@client.example "), box[:80]
# (smtpd reads through tee here, so it sees a local client)
assert b"\nReceived: from exim.example\n\tby test.example with ESMTP id " in box
message = box[box.index(b"\nSubject: chunked by exim\n") + 1:]
body, want = message.split(b"\n\n", 1)[1], sent.split(b"\n\n", 1)[1]
assert body == want + b"\n", (len(body), len(want))
PY
}

@test "xinetd with the shipped service files: send, fetch, and only protocol lines reach the client" {
	command -v xinetd
	[ "$(id -u)" -eq 0 ] || skip "xinetd runs the services as user mail: needs root"
	dir="$BATS_TEST_TMPDIR/xinetd"
	mkdir -p "$dir/d"
	chown mail "$SPOOL/mail"	# the services run as user mail
	sp=$(free_port) pp=$(free_port)
	xinetd_service smtpd "$sp" >"$dir/d/smtpd"
	xinetd_service pop3d "$pp" >"$dir/d/pop3d"
	cat "$dir/d/smtpd"
	grep -q '^	user		= mail$' "$dir/d/smtpd"
	xinetd_start "$dir"
	wait_port 127.0.0.1 "$sp"
	wait_port 127.0.0.1 "$pp"
	run e2e send 127.0.0.1 "$sp" a@b.example brown@test.example "xinetd $$"
	echo "$output"
	[ "$status" -eq 0 ]
	run e2e fetch 127.0.0.1 "$pp" brown brown-pw "xinetd $$"
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | grep -q '^Received: from client.example (\[127.0.0.1\])$'
	[ "$(stat -c %U "$SPOOL/mail/brown")" = mail ]
	# failures and refusals are logged, never written to the client
	python3 - 127.0.0.1 "$sp" "$pp" >"$BATS_TEST_TMPDIR/smtp" 3>"$BATS_TEST_TMPDIR/pop" <<'PY'
import os, socket, sys, time
def session(port, lines):
    s = socket.create_connection((sys.argv[1], int(port)), timeout=10)
    for line in lines:
        s.sendall(line + b"\r\n")
        time.sleep(0.02)
    s.shutdown(socket.SHUT_WR)
    out = b""
    while chunk := s.recv(65536):
        out += chunk
    return out.replace(b"\r", b"")
sys.stdout.buffer.write(session(sys.argv[2], [b"EHLO c", b"BOGUS", b"AUTH PLAIN AGFsaWNlAHdyb25n",
    b"MAIL FROM:<a@b.example>", b"RCPT TO:<nobody@test.example>", b"RCPT TO:<x@elsewhere.example>", b"QUIT"]))
os.write(3, session(sys.argv[3], [b"USER alice", b"PASS wrong", b"BOGUS", b"QUIT"]))
PY
	cat "$BATS_TEST_TMPDIR/smtp" "$BATS_TEST_TMPDIR/pop"
	only_protocol_lines smtp "$BATS_TEST_TMPDIR/smtp"
	only_protocol_lines pop3 "$BATS_TEST_TMPDIR/pop"
	grep -q '^535 5.7.8' "$BATS_TEST_TMPDIR/smtp"
	grep -q '^550 5.1.1' "$BATS_TEST_TMPDIR/smtp"
	grep -q '^-ERR \[AUTH\]' "$BATS_TEST_TMPDIR/pop"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/pop")" -eq 5 ]
}

@test "stunnel in front (implicit TLS): SMTP_SSL with AUTH sends, POP3_SSL fetches" {
	command -v stunnel
	dir="$BATS_TEST_TMPDIR/tls"
	mkdir -p "$dir"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/key.pem" \
	    -out "$dir/cert.pem" -days 2 -subj /CN=localhost 2>/dev/null
	sp=$(free_port) pp=$(free_port)
	cat >"$dir/stunnel.conf" <<EOF
foreground = yes
pid =
output = $dir/stunnel.log
cert = $dir/cert.pem
key = $dir/key.pem

[smtps]
accept = 127.0.0.1:$sp
exec = $BIN/smtpd
execArgs = smtpd ${SMTPD_ARGS[*]}

[pop3s]
accept = 127.0.0.1:$pp
exec = $BIN/pop3d
execArgs = pop3d ${POP3D_ARGS[*]}
EOF
	start_bg stunnel "$dir/stunnel.conf"
	wait_port 127.0.0.1 "$sp"
	wait_port 127.0.0.1 "$pp"
	run e2e send 127.0.0.1 "$sp" a@b.example alice@test.example "tls $$" --ssl --auth alice alice-pw
	echo "$output"
	[ "$status" -eq 0 ]
	run e2e fetch 127.0.0.1 "$pp" alice alice-pw "tls $$" --ssl
	echo "$output"
	[ "$status" -eq 0 ]
	# stunnel's REMOTE_HOST: the client, under TLS (SPEC 2)
	echo "$output" | grep -q 'with ESMTPSA id '
	echo "$output" | grep -q '^Received: from client.example (\[127.0.0.1\])$'
}

@test "make run: the commands it prints send and fetch a message on its ports; stopped by PID" {
	if [ "$(id -u)" -eq 0 ] && ! runuser -u nobody -- test -x "$REPO"; then
		# a checkout nobody can enter: one line saying why, at once
		run env -u MAKEFLAGS -u MAKELEVEL make -C "$REPO" --no-print-directory run
		echo "$output"
		[ "$status" -ne 0 ]
		echo "$output" | grep -q '^make run: as root the servers run as nobody, who cannot enter'
		return 0
	fi
	ports=(2525 1100)
	for p in 2525 1100; do
		! wait_port 127.0.0.1 "$p" 2>/dev/null || {
			ports=("$(free_port)" "$(free_port)")
			echo "2525 or 1100 in use here: make run on ${ports[*]}" >&3
			break
		}
	done
	start_bg env -u MAKEFLAGS -u MAKELEVEL SMTP_PORT="${ports[0]}" \
	    POP3_PORT="${ports[1]}" make -C "$REPO" --no-print-directory run \
	    >"$BATS_TEST_TMPDIR/run.out" 2>&1
	for _ in $(seq 1 600); do
		grep -q 'Ctrl-C stops both' "$BATS_TEST_TMPDIR/run.out" && break
		sleep 0.1
	done
	cat "$BATS_TEST_TMPDIR/run.out"
	wait_port 127.0.0.1 "${ports[0]}"
	wait_port 127.0.0.1 "${ports[1]}"
	grep -q 'user demo, password demo' "$BATS_TEST_TMPDIR/run.out"
	# run exactly what it tells a newcomer to type
	grep -E '^  (printf|curl) ' "$BATS_TEST_TMPDIR/run.out" |
	    sed "s|/tmp/msg.txt|$BATS_TEST_TMPDIR/msg.txt|g" >"$BATS_TEST_TMPDIR/commands"
	cat "$BATS_TEST_TMPDIR/commands"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/commands")" -eq 4 ]
	run bash -e "$BATS_TEST_TMPDIR/commands"
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | grep -Eq '^[0-9]+ [0-9]+'
	echo "$output" | grep -q '^It works.'
	stop_all
	! wait_port 127.0.0.1 "${ports[0]}" 2>/dev/null
	! pgrep -f "systemd-socket-activate -l 127.0.0.1:${ports[0]}"
}

@test "a checkout in a private directory: make test tests a scratch copy, make run stops at once with one line" {
	[ "$(id -u)" -eq 0 ] || skip "only root's servers drop to other users"
	private="$BATS_TEST_TMPDIR/home/root"
	mkdir -p "$private/bin" "$private/scripts"
	chmod 0700 "$BATS_TEST_TMPDIR/home"
	cp "$BIN/smtpd" "$BIN/pop3d" "$private/bin/"
	set -- $("$REPO/scripts/test-scratch.sh" "$private/bin" "$private/logs" 2>/dev/null)
	echo "$*"
	[ "$3" != - ] && [ "$1" = "$3" ] && [ "$2" = "$3/sanitizer-logs" ]
	runuser -u nobody -- test -x "$1/smtpd"
	runuser -u mail -- test -x "$1/pop3d"
	cmp "$BIN/smtpd" "$1/smtpd"
	rm -rf "$3"
	# a reachable BIN is used as it is
	if runuser -u nobody -- test -x "$BIN/smtpd" &&
	    runuser -u mail -- test -x "$BIN/smtpd"; then
		[ "$("$REPO/scripts/test-scratch.sh" "$BIN" /x/logs)" = "$BIN /x/logs -" ]
	fi
	cp "$REPO/scripts/run-demo.sh" "$private/scripts/"
	run "$private/scripts/run-demo.sh"
	echo "$output"
	[ "$status" -eq 77 ]
	[ "${#lines[@]}" -eq 1 ]
	echo "$output" | grep -q "cannot enter $private .*clone the repository under a directory others can enter"
	[ ! -e "$private/demo" ]
}

@test "make install DESTDIR=... PREFIX=/usr: the expected tree, paths filled in, users file 0640; upgrades keep edited /etc files (.dist beside); uninstall keeps them and removes the jail link" {
	dest="$BATS_TEST_TMPDIR/root"
	inst() {
		env -u MAKEFLAGS -u MAKELEVEL make -C "$REPO" --no-print-directory -s \
		    "$@" DESTDIR="$dest" PREFIX=/usr
	}
	inst install >/dev/null
	(cd "$dest" && find . -type f | sort) >"$BATS_TEST_TMPDIR/tree"
	cat "$BATS_TEST_TMPDIR/tree"
	diff -u - "$BATS_TEST_TMPDIR/tree" <<'EOF'
./etc/fail2ban/filter.d/mailservers.conf
./etc/mail/passwd
./etc/mailservers/aliases
./etc/mailservers/fail2ban-jail.conf
./etc/mailservers/pop3d-stls
./etc/mailservers/pop3d-stls.conf
./etc/mailservers/pop3d.args
./etc/mailservers/smtpd-starttls
./etc/mailservers/smtpd-starttls.conf
./etc/mailservers/smtpd.args
./etc/mailservers/spamassassin
./etc/mailservers/submission.args
./etc/xinetd.d/pop3d
./etc/xinetd.d/smtpd
./etc/xinetd.d/submission
./usr/lib/systemd/system/pop3d.socket
./usr/lib/systemd/system/pop3d@.service
./usr/lib/systemd/system/smtpd.socket
./usr/lib/systemd/system/smtpd@.service
./usr/lib/systemd/system/submission.socket
./usr/lib/systemd/system/submission@.service
./usr/sbin/mailservers-cert
./usr/sbin/pop3d
./usr/sbin/smtpd
./usr/share/mailservers/conffiles.md5
./usr/share/man/man8/mailservers-cert.8
./usr/share/man/man8/pop3d.8
./usr/share/man/man8/smtpd.8
EOF
	[ -x "$dest/usr/sbin/smtpd" ] && [ -x "$dest/usr/sbin/pop3d" ]
	# xinetd and systemd read the same options file
	for p in smtpd pop3d submission; do
		grep -Eqx "ExecStart=/usr/sbin/(smtpd|pop3d) -C /etc/mailservers/$p.args" \
		    "$dest/usr/lib/systemd/system/$p@.service"
		grep -q "^	server_args	= -C /etc/mailservers/$p.args$" "$dest/etc/xinetd.d/$p"
	done
	grep -q '^	server		= /usr/sbin/smtpd$' "$dest/etc/xinetd.d/smtpd"
	grep -q '^Accept=yes$' "$dest/usr/lib/systemd/system/pop3d.socket"
	# 587 stays off until there is a certificate
	grep -q '^	disable		= yes$' "$dest/etc/xinetd.d/submission"
	grep -q '^	disable		= no$' "$dest/etc/xinetd.d/smtpd"
	grep -qx 'ConditionPathExists=/etc/mailservers/mail.key' "$dest/usr/lib/systemd/system/submission.socket"
	grep -q '^ListenStream=587$' "$dest/usr/lib/systemd/system/submission.socket"
	grep -qx -- '-T /etc/mailservers/smtpd-starttls' "$dest/etc/mailservers/submission.args"
	grep -qx 'exec = /usr/sbin/smtpd' "$dest/etc/mailservers/smtpd-starttls.conf"
	grep -qx 'key = /etc/mailservers/mail.key' "$dest/etc/mailservers/pop3d-stls.conf"
	[ -x "$dest/etc/mailservers/smtpd-starttls" ] && [ -x "$dest/etc/mailservers/pop3d-stls" ]
	[ -x "$dest/etc/mailservers/spamassassin" ]
	grep -q '^failregex' "$dest/etc/fail2ban/filter.d/mailservers.conf"
	# the users file: empty, root:mail 0640 (hashes are secrets)
	[ "$(stat -c '%a %U:%G %s' "$dest/etc/mail/passwd")" = "640 root:mail 0" ]
	# an upgrade: edited files kept with the new one beside (.dist) and
	# said; unedited ones replaced; a removed one left removed
	echo '-d example.org' >>"$dest/etc/mailservers/smtpd.args"
	sed -i 's/disable		= yes/disable		= no/' "$dest/etc/xinetd.d/submission"
	echo '# edited' >>"$dest/etc/mailservers/spamassassin"
	rm "$dest/etc/xinetd.d/pop3d"
	# as if an older version had shipped another aliases file
	echo '# an older shipped version' >>"$dest/etc/mailservers/aliases"
	sum=$(md5sum <"$dest/etc/mailservers/aliases" | cut -d' ' -f1)
	sed -i "s|^[0-9a-f]* /etc/mailservers/aliases$|$sum /etc/mailservers/aliases|" \
	    "$dest/usr/share/mailservers/conffiles.md5"
	run inst install
	echo "$output"
	echo "$output" | grep -qx 'make install: kept your edited /etc/mailservers/smtpd.args; the new version is /etc/mailservers/smtpd.args.dist'
	echo "$output" | grep -qx 'make install: kept your edited /etc/xinetd.d/submission; the new version is /etc/xinetd.d/submission.dist'
	echo "$output" | grep -q 'kept your edited /etc/mailservers/spamassassin'
	echo "$output" | grep -qx 'make install: /etc/xinetd.d/pop3d was removed after an install: left removed'
	! echo "$output" | grep -q aliases
	grep -qx -- '-d example.org' "$dest/etc/mailservers/smtpd.args"
	cmp "$REPO/etc/smtpd.args" "$dest/etc/mailservers/smtpd.args.dist"
	grep -q '^	disable		= no$' "$dest/etc/xinetd.d/submission"
	grep -qx '# edited' "$dest/etc/mailservers/spamassassin"
	[ ! -e "$dest/etc/xinetd.d/pop3d" ]
	cmp "$REPO/etc/aliases" "$dest/etc/mailservers/aliases"
	[ ! -e "$dest/etc/mailservers/aliases.dist" ]
	# a second upgrade still tells the edits from the shipped version
	run inst install
	echo "$output" | grep -q 'kept your edited /etc/mailservers/smtpd.args'
	for page in "$dest"/usr/share/man/man8/*.8; do
		run groff -man -ww -z "$page"
		echo "$page: $output"
		[ "$status" -eq 0 ] && [ -z "$output" ]
	done
	mkdir -p "$dest/etc/fail2ban/jail.d"
	ln -s /etc/mailservers/fail2ban-jail.conf "$dest/etc/fail2ban/jail.d/mailservers.conf"
	echo 'alice:{PLAIN}x' >>"$dest/etc/mail/passwd"
	run inst uninstall
	echo "$output"
	echo "$output" | grep -q 'kept your edited /etc/mailservers/smtpd.args'
	echo "$output" | grep -q 'removed the fail2ban jail link'
	echo "$output" | grep -q 'kept /etc/mail/passwd'
	(cd "$dest" && find . -type f -o -type l | sort) >"$BATS_TEST_TMPDIR/left"
	diff -u - "$BATS_TEST_TMPDIR/left" <<'EOF'
./etc/mail/passwd
./etc/mailservers/smtpd.args
./etc/mailservers/spamassassin
./etc/xinetd.d/submission
EOF
}

@test "the shipped systemd units pass systemd-analyze verify" {
	command -v systemd-analyze
	dir="$BATS_TEST_TMPDIR/units"
	mkdir -p "$dir"
	# the binaries as built here, so verify can check ExecStart=
	for f in smtpd.socket smtpd@.service pop3d.socket pop3d@.service \
	    submission.socket submission@.service; do
		sed "s|/usr/local/sbin|$BIN|g" "$REPO/systemd/$f" >"$dir/$f"
	done
	cp "$dir/smtpd@.service" "$dir/smtpd@1.service"
	cp "$dir/pop3d@.service" "$dir/pop3d@1.service"
	cp "$dir/submission@.service" "$dir/submission@1.service"
	run systemd-analyze verify --man=no "$dir/smtpd.socket" \
	    "$dir/pop3d.socket" "$dir/submission.socket" "$dir/smtpd@1.service" \
	    "$dir/pop3d@1.service" "$dir/submission@1.service"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	# and it would notice a mistake
	printf 'BogusKey=1\n' >>"$dir/smtpd@1.service"
	run systemd-analyze verify --man=no "$dir/smtpd@1.service"
	echo "$output" | grep -q 'Unknown key'
}

@test "IPv6: xinetd's shipped files with flags = IPv6 on ::1, and systemd-socket-activate on [::1] (a ListenStream=[::1]:PORT socket): Received and the login policy see ::1" {
	has_ipv6_loopback || skip "no ::1 on this host"
	command -v xinetd >/dev/null || skip "needs xinetd (Debian package xinetd)"
	[ "$(id -u)" -eq 0 ] || skip "xinetd runs the services as user mail: needs root"
	dir="$BATS_TEST_TMPDIR/xinetd"
	mkdir -p "$dir/d"
	chown mail "$SPOOL/mail"	# the services run as user mail
	sp=$(free_port) pp=$(free_port) ap=$(free_port)
	xinetd_service smtpd "$sp" ::1 >"$dir/d/smtpd"
	xinetd_service pop3d "$pp" ::1 >"$dir/d/pop3d"
	grep -q 'flags = IPv6' "$dir/d/smtpd"
	xinetd_start "$dir"
	wait_port ::1 "$sp"
	wait_port ::1 "$pp"
	run e2e send ::1 "$sp" a@b.example brown@test.example "xinetd6 $$" --auth brown brown-pw
	echo "$output"
	[ "$status" -eq 0 ]
	run e2e fetch ::1 "$pp" brown brown-pw "xinetd6 $$"
	echo "$output"
	[ "$status" -eq 0 ]
	# ::1 is loopback: plaintext logins allowed, and it is in Received
	echo "$output" | grep -q '^Received: from client.example (\[::1\])$'
	echo "$output" | grep -q 'with ESMTPA id '
	activate "[::1]:$ap" runuser -u mail -- "$BIN/smtpd" -n test.example \
	    -s "$SPOOL/mail" -p "$USERS"
	wait_port ::1 "$ap"
	run e2e send ::1 "$ap" a@b.example brown@test.example "systemd6 $$"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -B4 "^Subject: systemd6 $$\$" "$SPOOL/mail/brown" |
	    grep -q '^Received: from client.example (\[::1\])$'
}
