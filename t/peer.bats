#!/usr/bin/env bats
# SPEC 2's plaintext policy end to end: pop3d and smtpd behind a small
# superserver inside a private network namespace, reached over a veth pair
# on documentation addresses (RFC 5737 TEST-NET-2 or -3, RFC 3849
# 2001:db8::/32: whichever this machine does not use itself; a VM may sit
# on TEST-NET-1) and over the namespace's own loopback. The listener
# exists only inside that namespace. Needs root (CAP_NET_ADMIN).

load lib/helpers
load lib/mail

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
}

teardown() {
	[ "$(id -u)" -eq 0 ] || return 0
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

# talk [netns] ADDR PORT LINES...: one session; the replies, without CR.
talk() {
	local in_ns=()
	if [ "$1" = netns ]; then
		in_ns=(ip netns exec "$NS")
		shift
	fi
	"${in_ns[@]}" python3 - "$@" <<'PY'
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
	grep -q "connect client=::ffff:$NET4.2" "$BATS_TEST_TMPDIR/log"
	grep -q "connect client=$NET6::2" "$BATS_TEST_TMPDIR/log"
	grep -q 'connect client=::ffff:127.0.0.1' "$BATS_TEST_TMPDIR/log"
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
