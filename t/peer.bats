#!/usr/bin/env bats
# SPEC 2's client address and plaintext policy end to end: pop3d and
# smtpd behind a small superserver inside a private network namespace,
# reached over a veth pair on documentation addresses (RFC 5737 TEST-NET-2
# or -3, RFC 3849 2001:db8::/32: whichever this machine does not use
# itself; a VM may sit on TEST-NET-1) and over the namespace's own
# loopback; then behind the real fronts operators put there: HAProxy
# with the PROXY protocol (v1 and v2) to systemd-socket-activate and
# xinetd, and stunnel's exec for implicit TLS, its clients' failed logins
# found by fail2ban. Every listener exists only inside that namespace.
# Needs root (CAP_NET_ADMIN).

load lib/helpers
load lib/deploy
source "$BATS_TEST_DIRNAME/lib/syslog.bash"
source "$BATS_TEST_DIRNAME/lib/fail2ban.bash"

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root for a network namespace"
	mail_setup
	mailbox_put alice "$BATS_TEST_DIRNAME/pop3d/01-rfc1939-example.mrose.before"
	NET4=
	for net in 198.51.100 203.0.113; do
		ip route get "$net.1" 2>/dev/null | grep -q ' via ' && {
			NET4=$net
			break
		}
	done
	[ -n "$NET4" ] || skip "both spare TEST-NETs are routed here"
	NET6=2001:db8:6d61:696c
	NS=mailtest$$
	VETH=mt$$
	ip netns add "$NS"
	ip link add "${VETH}a" type veth peer name "${VETH}b"
	ip link set "${VETH}b" netns "$NS"
	ip addr add "$NET4.2/24" dev "${VETH}a"
	ip addr add "$NET6::2/64" dev "${VETH}a" nodad
	ip link set "${VETH}a" up
	ip netns exec "$NS" ip addr add "$NET4.1/24" dev "${VETH}b"
	ip netns exec "$NS" ip addr add "$NET6::1/64" dev "${VETH}b" nodad
	ip netns exec "$NS" ip link set "${VETH}b" up
	ip netns exec "$NS" ip link set lo up
	PIDS=()
	# what lib/deploy.bash starts and waits for is in the namespace
	NETNS_EXEC=(ip netns exec "$NS")
}

teardown() {
	[ "$(id -u)" -eq 0 ] || return 0
	stop_all
	syslog_stop
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
	ip netns del "$NS" 2>/dev/null || true
	ip link del "${VETH}a" 2>/dev/null || true
	mail_teardown
}

# serve PORT PROGRAM ARGS...: inside the namespace, dual-stack on PORT.
serve() {
	local port="$1"
	shift
	ip netns exec "$NS" python3 "$BATS_TEST_DIRNAME/lib/superserver.py" \
	    :: "$port" "$@" >"$BATS_TEST_TMPDIR/ready.$port" \
	    2>>"$BATS_TEST_TMPDIR/log" &
	PIDS+=($!)
	while ! grep -q listening "$BATS_TEST_TMPDIR/ready.$port" 2>/dev/null; do
		sleep 0.05
	done
}

# python_in [netns] ARGS...: the Python script on stdin, with ARGS, in
# the test's namespace when the first word is netns.
python_in() {
	if [ "$1" = netns ]; then
		shift
		ip netns exec "$NS" python3 - "$@"
	else
		python3 - "$@"
	fi
}

# talk [netns] ADDR PORT LINES...: one session; the replies, without CR.
talk() {
	python_in "$@" <<'PY'
import socket, sys, time
addr, port, lines = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
s = socket.create_connection((addr, port), timeout=10)
f = s.makefile("rb")
out = [f.readline()]
for line in lines:
    s.sendall(line.encode() + b"\r\n")
    time.sleep(0.05)
s.shutdown(socket.SHUT_WR)
out += f.readlines()
sys.stdout.write(b"".join(out).decode(errors="replace").replace("\r", ""))
PY
}

@test "pop3d: USER and AUTH PLAIN refused over TEST-NET (v4, v6, v4-mapped), offered over loopback" {
	serve 1110 "$BIN/pop3d" "${POP3D_ARGS[@]}" -l
	for addr in "$NET4.1" "$NET6::1"; do
		run talk "$addr" 1110 CAPA "USER alice" "AUTH PLAIN AGFsaWNlAGFsaWNlLXB3" QUIT
		echo "$addr: $output"
		! echo "$output" | grep -qx USER
		# bob's secret is a hash: CRAM-MD5 is not offered either
		! echo "$output" | grep -q '^SASL'
		[ "$(echo "$output" | grep -c 'Plaintext authentication disallowed')" -eq 2 ]
	done
	for addr in 127.0.0.1 ::1; do
		run talk netns "$addr" 1110 CAPA "USER alice" "PASS alice-pw" QUIT
		echo "$addr: $output"
		echo "$output" | grep -qx USER
		echo "$output" | grep -q '^+OK Logged in, 2 messages'
	done
	cat "$BATS_TEST_TMPDIR/log"
	# IPv4 clients of the IPv6 socket are named as IPv4 (never ::ffff:)
	grep -Eq "connect client=$NET4.2( |\$)" "$BATS_TEST_TMPDIR/log"
	grep -q "connect client=$NET6::2" "$BATS_TEST_TMPDIR/log"
	grep -Eq 'connect client=127.0.0.1( |$)' "$BATS_TEST_TMPDIR/log"
	! grep -q 'client=::ffff:' "$BATS_TEST_TMPDIR/log"
	grep -q 'connect client=::1' "$BATS_TEST_TMPDIR/log"
}

@test "pop3d -P, and smtpd: AUTH PLAIN and LOGIN only to loopback unless -P; CRAM-MD5 to all when every secret is {PLAIN}" {
	serve 1111 "$BIN/pop3d" "${POP3D_ARGS[@]}" -P
	run talk "$NET4.1" 1111 CAPA "USER alice" "PASS alice-pw" QUIT
	echo "$output"
	echo "$output" | grep -q '^+OK Logged in, 2 messages'
	serve 2525 "$BIN/smtpd" "${SMTPD_ARGS[@]}"
	run talk "$NET4.1" 2525 "EHLO c" "AUTH PLAIN AGFsaWNlAGFsaWNlLXB3" QUIT
	echo "$output"
	! echo "$output" | grep -q '^250-AUTH'
	echo "$output" | grep -q '^538 5.7.11'
	run talk netns 127.0.0.1 2525 "EHLO c" "AUTH PLAIN AGFsaWNlAGFsaWNlLXB3" QUIT
	echo "$output"
	echo "$output" | grep -qx '250-AUTH PLAIN LOGIN'
	echo "$output" | grep -q '^235 2.7.0'
	serve 2527 "$BIN/smtpd" "${SMTPD_ARGS[@]}" -p "$PLAIN_USERS"
	run talk "$NET4.1" 2527 "EHLO c" QUIT
	echo "$output"
	echo "$output" | grep -qx '250-AUTH CRAM-MD5'
	run talk netns 127.0.0.1 2527 "EHLO c" QUIT
	echo "$output" | grep -qx '250-AUTH CRAM-MD5 PLAIN LOGIN'
	serve 2526 "$BIN/smtpd" "${SMTPD_ARGS[@]}" -P
	run talk "$NET6::1" 2526 "EHLO c" "AUTH PLAIN AGFsaWNlAGFsaWNlLXB3" QUIT
	echo "$output"
	echo "$output" | grep -q '^235 2.7.0'
}

# raw [netns] ADDR PORT BYTES [WAIT]: sends BYTES (backslash escapes as
# in Python) and after WAIT seconds (default 0.3) ends its side; prints
# what came back, "(nothing)" when the server closed without a byte.
raw() {
	python_in "$@" <<'PY'
import socket, sys, time
addr, port = sys.argv[1], int(sys.argv[2])
data = sys.argv[3].encode().decode("unicode_escape").encode("latin-1")
wait = float(sys.argv[4]) if len(sys.argv) > 4 else 0.3
s = socket.create_connection((addr, port), timeout=15)
s.sendall(data)
time.sleep(wait)
try:
    s.shutdown(socket.SHUT_WR)
except OSError:
    pass
out = b""
while True:
    try:
        d = s.recv(65536)
    except (ConnectionResetError, socket.timeout):
        break
    if not d:
        break
    out += d
print(out.decode(errors="replace").replace("\r", "") or "(nothing)")
PY
}

# in_ns_bg LOG CMD...: CMD inside the namespace, in the background (its
# process group stopped by stop_all), its stderr appended to LOG.
in_ns_bg() {
	local log="$1"
	shift
	start_bg ip netns exec "$NS" "$@" 2>>"$log"
}

@test "HAProxy in front, send-proxy and send-proxy-v2, to systemd-socket-activate and to xinetd: the client's TEST-NET address (v4 and v6) in the log, in Received and in the plaintext decision" {
	command -v haproxy >/dev/null || skip "needs haproxy (Debian package haproxy)"
	command -v xinetd >/dev/null || skip "needs xinetd (Debian package xinetd)"
	log="$BATS_TEST_TMPDIR/servers.log"
	in_ns_bg "$log" systemd-socket-activate -l 127.0.0.1:2601 --accept \
	    --inetd "$BIN/smtpd" "${SMTPD_ARGS[@]}" -H 127.0.0.1 -l
	in_ns_bg "$log" systemd-socket-activate -l 127.0.0.1:2602 --accept \
	    --inetd "$BIN/pop3d" "${POP3D_ARGS[@]}" -H 127.0.0.1,::1 -l
	# the shipped xinetd service, as nobody (the spool's owner here)
	dir="$BATS_TEST_TMPDIR/xinetd"
	mkdir -p "$dir/d"
	xinetd_service smtpd 2603 127.0.0.1 -H 127.0.0.0/8 |
	    sed 's/^\tuser\t*= mail$/\tuser = nobody/' >"$dir/d/smtpd"
	xinetd_start "$dir"
	cat >"$BATS_TEST_TMPDIR/haproxy.cfg" <<EOF
global
	maxconn 64
defaults
	mode tcp
	timeout connect 5s
	timeout client 30s
	timeout server 30s
listen smtp_v1
	bind $NET4.1:2525
	bind [$NET6::1]:2525
	server smtpd 127.0.0.1:2601 send-proxy
listen smtp_v2
	bind $NET4.1:2526
	server smtpd 127.0.0.1:2601 send-proxy-v2
listen pop_v2
	bind $NET4.1:1110
	server pop3d 127.0.0.1:2602 send-proxy-v2
listen xinetd_v1
	bind $NET4.1:2527
	server xinetd 127.0.0.1:2603 send-proxy
EOF
	in_ns_bg "$BATS_TEST_TMPDIR/haproxy.log" haproxy -db -f "$BATS_TEST_TMPDIR/haproxy.cfg"
	for port in 2601 2602 2603; do wait_port 127.0.0.1 "$port"; done
	wait_port "$NET4.1" 2527
	for to in "$NET4.1 2525 v1" "$NET4.1 2526 v2" "$NET6::1 2525 v1-over-v6" "$NET4.1 2527 xinetd"; do
		set -- $to
		run talk "$1" "$2" "EHLO c" "AUTH PLAIN AGFsaWNlAGFsaWNlLXB3" \
		    "MAIL FROM:<s@x.example>" "RCPT TO:<jones@test.example>" DATA \
		    "Subject: $3" "" "through haproxy" . QUIT
		echo "$3: $output"
		# remote: no plaintext AUTH offered or taken
		! echo "$output" | grep -q '^250-AUTH'
		echo "$output" | grep -q '^538 5.7.11'
		echo "$output" | grep -q '^250 2.0.0 OK id='
	done
	cat "$SPOOL/mail/jones"
	for subject in v1 v2 xinetd; do
		grep -B4 "^Subject: $subject\$" "$SPOOL/mail/jones" |
		    grep -q "^Received: from c (\[$NET4.2\])\$"
	done
	grep -B4 '^Subject: v1-over-v6$' "$SPOOL/mail/jones" |
	    grep -q "^Received: from c (\[$NET6::2\])\$"
	run talk "$NET4.1" 1110 CAPA "USER alice" QUIT
	echo "$output"
	! echo "$output" | grep -qx USER
	echo "$output" | grep -q 'Plaintext authentication disallowed'
	cat "$log"
	grep -q "smtpd: connect client=$NET4.2\$" "$log"
	grep -q "smtpd: connect client=$NET6::2\$" "$log"
	grep -q "pop3d: connect client=$NET4.2\$" "$log"
	! grep -q 'client=127.0.0.1' "$log"
	# the same servers reached without HAProxy, from the proxy's own
	# address: no header, no greeting
	run raw netns 127.0.0.1 2601 'EHLO c\r\nQUIT\r\n'
	[ "$output" = "(nothing)" ]
}

@test "-H: a PROXY line from a peer not trusted is an ordinary bad command; a trusted peer's truncated, garbage, oversized or slow header closes the connection unanswered, logged" {
	log="$BATS_TEST_TMPDIR/servers.log"
	in_ns_bg "$log" systemd-socket-activate -l 127.0.0.1:2611 --accept \
	    --inetd "$BIN/smtpd" "${SMTPD_ARGS[@]}" -H 192.0.2.1 -l
	in_ns_bg "$log" systemd-socket-activate -l 127.0.0.1:2612 --accept \
	    --inetd "$BIN/pop3d" "${POP3D_ARGS[@]}" -H 192.0.2.1 -l
	in_ns_bg "$log" systemd-socket-activate -l 127.0.0.1:2613 --accept \
	    --inetd "$BIN/smtpd" "${SMTPD_ARGS[@]}" -H 127.0.0.1 -l
	for port in 2611 2612 2613; do wait_port 127.0.0.1 "$port"; done
	run raw netns 127.0.0.1 2611 'PROXY TCP4 192.0.2.7 127.0.0.1 5555 25\r\nQUIT\r\n'
	echo "$output"
	echo "$output" | grep -q '^220 '
	echo "$output" | grep -q '^500 5.5.'
	run raw netns 127.0.0.1 2612 'PROXY TCP4 192.0.2.7 127.0.0.1 5555 110\r\nQUIT\r\n'
	echo "$output"
	echo "$output" | grep -q '^-ERR '
	# trusted: the first command pipelined in the same segment is kept
	run raw netns 127.0.0.1 2613 'PROXY TCP4 192.0.2.7 127.0.0.1 5555 25\r\nEHLO c\r\nQUIT\r\n'
	echo "$output"
	echo "$output" | grep -q '^250-test.example'
	echo "$output" | grep -q '^221 '
	for bad in 'PROXY TCP4 192.0.2.7 127.0.0.1 5555' \
	    'PROXY TCP4 garbage here\r\nEHLO c\r\n' 'EHLO c\r\nQUIT\r\nNOOP\r\n' \
	    "PROXY UNKNOWN $(printf 'x%.0s' $(seq 100))\\r\\n" \
	    '\r\n\r\n\x00\r\nQUIT\n\x21\x11\xff\xff'; do
		run raw netns 127.0.0.1 2613 "$bad"
		echo "$bad: $output"
		[ "$output" = "(nothing)" ]
	done
	# slow: nothing in 5 seconds
	run raw netns 127.0.0.1 2613 '' 7
	[ "$output" = "(nothing)" ]
	cat "$log"
	grep -q 'smtpd: connect client=192.0.2.7$' "$log"
	grep -q 'smtpd: proxy client=127.0.0.1: malformed PROXY header, closing' "$log"
	grep -q 'smtpd: proxy client=127.0.0.1: connection closed before the PROXY header, closing' "$log"
	grep -q 'smtpd: proxy client=127.0.0.1: no PROXY header in time, closing' "$log"
}

@test "stunnel's exec on 465 and 995 (implicit TLS): logs name the TEST-NET client, not 127.0.0.1; plaintext logins are offered under TLS; fail2ban-regex finds the client and a private fail2ban-server bans it" {
	command -v stunnel >/dev/null || skip "needs stunnel (Debian package stunnel4)"
	command -v fail2ban-server >/dev/null || skip "needs fail2ban (Debian package fail2ban)"
	dir="$BATS_TEST_TMPDIR/stunnel"
	mkdir -p "$dir"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/key.pem" \
	    -out "$dir/cert.pem" -days 2 -subj /CN=localhost 2>/dev/null
	cat >"$dir/stunnel.conf" <<EOF
foreground = yes
pid = $dir/stunnel.pid
output = $dir/stunnel.log
cert = $dir/cert.pem
key = $dir/key.pem

[smtps]
accept = $NET4.1:465
exec = $BIN/smtpd
execArgs = smtpd ${SMTPD_ARGS[*]}

[pop3s]
accept = $NET4.1:995
exec = $BIN/pop3d
execArgs = pop3d ${POP3D_ARGS[*]}
EOF
	log="$BATS_TEST_TMPDIR/mail.log"
	: >"$log"
	fail2ban_start "$log"
	# the log daemon started here, so that syslog_stop can end it
	with_syslog "$log" true
	with_syslog "$log" ip netns exec "$NS" stunnel "$dir/stunnel.conf" &
	PIDS+=($!)
	for _ in $(seq 100); do [ -s "$dir/stunnel.pid" ] && break; sleep 0.05; done
	PIDS+=("$(cat "$dir/stunnel.pid")")
	wait_port "$NET4.1" 465
	run python3 - "$NET4.1" <<'PY'
import poplib, smtplib, ssl, sys
ctx = ssl.create_default_context()
ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
s = smtplib.SMTP_SSL(sys.argv[1], 465, context=ctx, timeout=20)
s.ehlo("c")
print("smtps AUTH:", s.esmtp_features.get("auth"))
for _ in range(2):
    try:
        s.login("alice", "wrong")
    except smtplib.SMTPAuthenticationError as e:
        print("smtps:", e.smtp_code)
p = poplib.POP3_SSL(sys.argv[1], 995, context=ctx, timeout=20)
print("pop3s CAPA:", sorted(p.capa()))
try:
    p.user("alice")
    p.pass_("wrong")
except poplib.error_proto as e:
    print("pop3s:", e)
PY
	echo "$output"
	echo "$output" | grep -q "^smtps AUTH: .*PLAIN"
	echo "$output" | grep -q "^pop3s CAPA: .*'USER'"
	fail2ban_banned "$NET4.2"
	kill "$(cat "$dir/stunnel.pid")"
	syslog_stop
	cat "$log"
	grep -q "smtpd\[[0-9]*\]: auth failed client=$NET4.2 " "$log"
	grep -q "pop3d\[[0-9]*\]: login failed client=$NET4.2 " "$log"
	! grep -q 'client=127.0.0.1' "$log"
	fail2ban-regex --config "$F2B" -o ip "$log" mailservers | sort -u >"$BATS_TEST_TMPDIR/ips"
	cat "$BATS_TEST_TMPDIR/ips"
	[ "$(cat "$BATS_TEST_TMPDIR/ips")" = "$NET4.2" ]
}

@test "TCP6REMOTEIP (ucspi-tcp6, indimail) on a pipe: a remote client, in Received and the log; no plaintext login" {
	run bash -c 'printf "EHLO c\r\nMAIL FROM:<s@x>\r\nRCPT TO:<jones@test.example>\r\nDATA\r\nSubject: six\r\n\r\nx\r\n.\r\nQUIT\r\n" |
	    TCP6REMOTEIP=2001:db8::42 "$@" 2>&1' _ "$BIN/smtpd" "${SMTPD_ARGS[@]}" -l
	echo "$output"
	! echo "$output" | grep -q '^250-AUTH'
	echo "$output" | grep -q 'connect client=2001:db8::42$'
	grep -q '^Received: from c (\[2001:db8::42\])$' "$SPOOL/mail/jones"
	run bash -c 'printf "CAPA\r\nUSER alice\r\nQUIT\r\n" | TCP6REMOTEIP=2001:db8::42 "$@"' _ "$BIN/pop3d" "${POP3D_ARGS[@]}"
	echo "$output"
	echo "$output" | grep -q 'Plaintext authentication disallowed'
}
