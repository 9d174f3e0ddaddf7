#!/usr/bin/env bats
# The content filter (smtpd -f, SPEC 9): what the command is given, what
# its exit status and output make of the message, its time limit, and
# that it never holds a message in memory or half-delivers one.

load lib/helpers
source "$BATS_TEST_DIRNAME/lib/mail.bash"

setup() {
	mail_setup
	FILTER_DIR="$SPOOL/filter"
	mkdir "$FILTER_DIR"
	chmod 1777 "$FILTER_DIR"
	sed "s|@FILTER_DIR@|$FILTER_DIR|" "$BATS_TEST_DIRNAME/filter/hook" \
	    >"$FILTER_DIR/hook"
	chmod 755 "$FILTER_DIR/hook"
	HOOK="$FILTER_DIR/hook"
}

teardown() {
	mail_teardown
}

# session BYTES SMTPD-OPTION...: the replies (CR dropped) in $output
session() {
	run bash -c 'printf "$0" | "$@" | tr -d "\r"' "$1" "$BIN/smtpd" \
	    "${SMTPD_ARGS[@]}" "${@:2}"
}

# msg SUBJECT: one transaction to alice whose Subject tells the hook what
# to do (as printf text, for session).
msg() {
	printf '%s' "MAIL FROM:<s@x.example>\r\nRCPT TO:<alice@test.example>\r\nDATA\r\nSubject: $1\r\n\r\nFrom the body\r\n.\r\n"
}

@test "exit 0: the filter's header lines after Return-Path; it was given the message as stored, the session in a clean environment, fds 0-2 only" {
	plain=$(printf '\0alice\0alice-pw' | base64 -w0)
	in="EHLO c.example\r\nAUTH PLAIN $plain\r\nMAIL FROM:<s@x.example>\r\nRCPT TO:<alice@test.example>\r\nRCPT TO:<jones+tag@test.example>\r\nDATA\r\nSubject: tag\r\n\r\nFrom the body\r\n..dot\r\n.\r\nQUIT\r\n"
	# a superserver's stray descriptor and environment must not reach it
	run bash -c 'f=$1; shift; printf "$0" | TCPREMOTEIP=192.0.2.7 SECRET=leak "$@" 5<"$f" | tr -d "\r"' \
	    "$in" "$USERS" "$BIN/smtpd" "${SMTPD_ARGS[@]}" -P -f "$HOOK"
	echo "$output"
	echo "$output" | grep -q '^250 2.0.0 OK id='
	id=$(echo "$output" | sed -n 's/^250 2.0.0 OK id=//p')
	cat "$SPOOL/mail/alice"
	# From_, Return-Path, the filter's lines (LF, fold kept), Received
	sed -n '2,5p' "$SPOOL/mail/alice" >"$BATS_TEST_TMPDIR/top"
	printf '%s\n' 'Return-Path: <s@x.example>' 'X-Filter: checked' \
	    'X-Filter-Score: 1.5,' '	folded' | diff - "$BATS_TEST_TMPDIR/top"
	sed -n 6p "$SPOOL/mail/alice" | grep -q '^Received: from c.example (\[192.0.2.7\])$'
	cmp "$SPOOL/mail/alice" "$SPOOL/mail/jones"
	# it read exactly what was stored, less its own lines
	sed -e 1d -e '/^X-Filter/d' -e '/^\tfolded$/d' -e '$d' "$SPOOL/mail/alice" |
	    sed 's/^>From /From /' | cmp - "$FILTER_DIR/in"
	tail -n 2 "$FILTER_DIR/in" | grep -q '^\.dot$'
	# the environment: the session, PATH, and what sh itself sets
	names=$(tr '\0' '\n' <"$FILTER_DIR/env" | grep -o '^[A-Z_]*=' | sort | tr -d '=' | tr '\n' ' ')
	echo "names: $names"
	[ "$names" = "PATH PWD SMTP_AUTH_USER SMTP_CLIENT_ADDR SMTP_HELO SMTP_HOSTNAME SMTP_MESSAGE_ID SMTP_PROTOCOL SMTP_RECIPIENTS SMTP_SENDER " ]
	env0() { tr '\0' '\n' <"$FILTER_DIR/env" | sed -n "s/^$1=//p"; }
	[ "$(env0 SMTP_CLIENT_ADDR)" = 192.0.2.7 ]
	[ "$(env0 SMTP_HELO)" = c.example ]
	[ "$(env0 SMTP_SENDER)" = s@x.example ]
	[ "$(env0 SMTP_AUTH_USER)" = alice ]
	[ "$(env0 SMTP_PROTOCOL)" = ESMTPA ]
	[ "$(env0 SMTP_MESSAGE_ID)" = "$id" ]
	[ "$(env0 SMTP_HOSTNAME)" = test.example ]
	[ "$(env0 PATH)" = /usr/local/bin:/usr/bin:/bin ]
	printf '%s\n' alice@test.example jones+tag@test.example | diff - "$FILTER_DIR/rcpts"
	# 0, 1, 2, and the directory ls itself is reading
	[ "$(tr '\n' ' ' <"$FILTER_DIR/fds")" = "0 1 2 3 " ]
	if [ "$(id -u)" -eq 0 ]; then
		[ "$(cat "$FILTER_DIR/uid")" = "$(id -u nobody)" ]
	fi
}

@test "exit 0 with nothing printed: delivered as is; the null sender and a pipe client are empty values" {
	session "HELO c\r\nMAIL FROM:<>\r\nRCPT TO:<alice@test.example>\r\nDATA\r\nSubject: quiet\r\n\r\nx\r\n.\r\nQUIT\r\n" -f "$HOOK"
	echo "$output" | grep -q '^250 2.0.0 OK'
	sed -n 3p "$SPOOL/mail/alice" | grep -q '^Received: from c$'
	tr '\0' '\n' <"$FILTER_DIR/env" | grep -qx 'SMTP_SENDER='
	tr '\0' '\n' <"$FILTER_DIR/env" | grep -qx 'SMTP_CLIENT_ADDR='
	tr '\0' '\n' <"$FILTER_DIR/env" | grep -qx 'SMTP_PROTOCOL=SMTP'
}

@test "exit 20: 554 5.7.1 with the first stderr line, made printable; the session goes on" {
	in="EHLO c\r\n$(msg refuse)$(msg refuse-forged)$(msg refuse-binary)$(msg refuse-quiet)$(msg tag)QUIT\r\n"
	run bash -c 'log=$1; shift; printf "$0" | "$@" 2>"$log" | tr -d "\r"' "$in" \
	    "$BATS_TEST_TMPDIR/log" "$BIN/smtpd" "${SMTPD_ARGS[@]}" -l -f "$HOOK"
	echo "$output"
	cat >"$BATS_TEST_TMPDIR/want" <<-'EOF'
	554 5.7.1 Spam detected: score 999 < evil@x.example >
	554 5.7.1 no
	554 5.7.1 bad?byte?tab?
	554 5.7.1 Message refused by the content filter
	EOF
	echo "$output" | grep '^554' | diff "$BATS_TEST_TMPDIR/want" -
	! echo "$output" | grep -q 'FAKE'
	! echo "$output" | grep -q 'second line'
	[ "$(echo "$output" | grep -c '^250 2.0.0 OK id=')" -eq 1 ]
	[ "$(grep -c '^Subject:' "$SPOOL/mail/alice")" -eq 1 ]
	grep -q '^Subject: tag' "$SPOOL/mail/alice"
	cat "$BATS_TEST_TMPDIR/log"
	grep -q 'reject client=local id=[0-9A-F]* from=<s@x.example>: 554 5.7.1 Message refused by the content filter' "$BATS_TEST_TMPDIR/log"
	grep -q 'filter says: Spam detected' "$BATS_TEST_TMPDIR/log"
}

@test "any other exit, a signal, or output that is not header lines: 451 4.7.1, nothing delivered" {
	cases="fail tempfail signal empty-line not-header from-line fold-first blank-fold control long-line too-much"
	in="EHLO c\r\n"
	for c in $cases; do in="$in$(msg "$c")"; done
	in="$in$(msg tag)QUIT\r\n"
	run bash -c 'log=$1; shift; printf "$0" | "$@" 2>"$log" | tr -d "\r"' "$in" \
	    "$BATS_TEST_TMPDIR/log" "$BIN/smtpd" "${SMTPD_ARGS[@]}" -l -f "$HOOK"
	echo "$output"
	cat "$BATS_TEST_TMPDIR/log"
	[ "$(echo "$output" | grep -c '^451 4.7.1 Content filter unavailable, try again later$')" -eq 11 ]
	[ "$(echo "$output" | grep -c '^250 2.0.0 OK id=')" -eq 1 ]
	[ "$(grep -c '^Subject:' "$SPOOL/mail/alice")" -eq 1 ]
	grep -q '^Subject: tag' "$SPOOL/mail/alice"
	! grep -q '^X-A\|^X-B\|^this is\|^X-Filler\|^From evil\|^>From evil' "$SPOOL/mail/alice"
	grep -q 'exited 1: scanner broke' "$BATS_TEST_TMPDIR/log"
	grep -q 'exited 75' "$BATS_TEST_TMPDIR/log"
	grep -q 'killed by signal 9' "$BATS_TEST_TMPDIR/log"
	grep -q 'printed an empty line' "$BATS_TEST_TMPDIR/log"
	grep -q 'printed a line that is not a header field' "$BATS_TEST_TMPDIR/log"
	grep -q 'printed a folded line before any field' "$BATS_TEST_TMPDIR/log"
	grep -q 'printed a line of white space' "$BATS_TEST_TMPDIR/log"
	grep -q 'printed a control character' "$BATS_TEST_TMPDIR/log"
	grep -q 'printed a line over 998 characters' "$BATS_TEST_TMPDIR/log"
	grep -q 'printed over 16384 bytes of header' "$BATS_TEST_TMPDIR/log"
	# a command that cannot run at all
	session "HELO c\r\n$(msg tag)QUIT\r\n" -f "$SPOOL/no-such-filter"
	echo "$output" | grep -q '^451 4.7.1'
	[ "$(grep -c '^Subject:' "$SPOOL/mail/alice")" -eq 1 ]
}

@test "the time limit (-t): a filter that hangs, reading or not, gets killed and the client 451" {
	# it read the message, then sleeps
	start=$(date +%s)
	session "HELO c\r\n$(msg hang)$(msg tag)QUIT\r\n" -t 2 -f "$HOOK"
	echo "$output"
	[ $(($(date +%s) - start)) -lt 20 ]
	echo "$output" | grep -q '^451 4.7.1'
	[ "$(grep -c '^Subject:' "$SPOOL/mail/alice")" -eq 1 ]
	# it never reads a message larger than a pipe holds
	python3 -c '
import sys
sys.stdout.buffer.write(b"HELO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<alice@test.example>\r\nDATA\r\n" + b"y" * 70 + b"\r\n" + (b"x" * 78 + b"\r\n") * 20000 + b".\r\nQUIT\r\n")' >"$BATS_TEST_TMPDIR/big"
	start=$(date +%s)
	"$BIN/smtpd" "${SMTPD_ARGS[@]}" -l -t 2 -f 'sleep 60' <"$BATS_TEST_TMPDIR/big" 2>"$BATS_TEST_TMPDIR/log" | tr -d '\r' >"$BATS_TEST_TMPDIR/out"
	cat "$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/log"
	[ $(($(date +%s) - start)) -lt 20 ]
	grep -q '^451 4.7.1' "$BATS_TEST_TMPDIR/out"
	grep -q 'filter id=[0-9A-F]*: sleep 60 took over 2 s, killed' "$BATS_TEST_TMPDIR/log"
	[ "$(grep -c '^Subject:' "$SPOOL/mail/alice")" -eq 1 ]
	! grep -q '^yyyy' "$SPOOL/mail/alice"
}

@test "a filter may judge without reading the message: its verdict stands" {
	python3 -c '
import sys
sys.stdout.buffer.write(b"HELO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<alice@test.example>\r\nDATA\r\nSubject: big\r\n\r\n" + (b"x" * 78 + b"\r\n") * 20000 + b".\r\nQUIT\r\n")' >"$BATS_TEST_TMPDIR/big"
	"$BIN/smtpd" "${SMTPD_ARGS[@]}" -f 'echo X-Verdict: fine' <"$BATS_TEST_TMPDIR/big" | tr -d '\r' >"$BATS_TEST_TMPDIR/out"
	grep -q '^250 2.0.0 OK' "$BATS_TEST_TMPDIR/out"
	sed -n 3p "$SPOOL/mail/alice" | grep -qx 'X-Verdict: fine'
	[ "$(grep -c '^x\{78\}$' "$SPOOL/mail/alice")" -eq 20000 ]
	printf '#!/bin/sh\necho "sender blocked" >&2\nexit 20\n' >"$FILTER_DIR/no"
	chmod 755 "$FILTER_DIR/no"
	"$BIN/smtpd" "${SMTPD_ARGS[@]}" -f "$FILTER_DIR/no" <"$BATS_TEST_TMPDIR/big" | tr -d '\r' >"$BATS_TEST_TMPDIR/out"
	grep -qx '554 5.7.1 sender blocked' "$BATS_TEST_TMPDIR/out"
	[ "$(grep -c '^Subject: big' "$SPOOL/mail/alice")" -eq 1 ]
}

@test "a 50 MB message through the filter: streamed both ways, peak RSS bounded, delivered whole" {
	[ "${SANITIZE:-0}" = 1 ] && skip "sanitizer runtimes inflate RSS"
	python3 -c '
import sys
out = sys.stdout.buffer
out.write(b"HELO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<alice@test.example>\r\nDATA\r\nSubject: tag\r\n\r\n")
for _ in range(500):
    out.write((b"x" * 998 + b"\r\n") * 100)
out.write(b".\r\nQUIT\r\n")' >"$BATS_TEST_TMPDIR/big"
	/usr/bin/time -f '%M' -o "$BATS_TEST_TMPDIR/rss" "$BIN/smtpd" \
	    "${SMTPD_ARGS[@]}" -z 60000000 -f "$HOOK" <"$BATS_TEST_TMPDIR/big" >"$BATS_TEST_TMPDIR/out"
	grep -q '^250 2.0.0 OK' "$BATS_TEST_TMPDIR/out"
	echo "peak RSS $(cat "$BATS_TEST_TMPDIR/rss") KB"
	[ "$(cat "$BATS_TEST_TMPDIR/rss")" -lt 8192 ]
	sed -n 3p "$SPOOL/mail/alice" | grep -qx 'X-Filter: checked'
	# what the filter read is what was stored, less its lines
	sed -e 1d -e '/^X-Filter/d' -e '/^\tfolded$/d' -e '$d' "$SPOOL/mail/alice" | cmp - "$FILTER_DIR/in"
	[ "$(stat -c %s "$FILTER_DIR/in")" -gt 49900000 ]
}

@test "BDAT and the relay: the filter runs once for a chunked message, and the relay gets its lines too" {
	session "EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<alice@test.example>\r\nBDAT 16\r\nSubject: tag\r\n\r\nBDAT 3 LAST\r\nx\r\nQUIT\r\n" -f "$HOOK"
	echo "$output"
	echo "$output" | grep -q '^250 2.0.0 OK id='
	sed -n 3p "$SPOOL/mail/alice" | grep -qx 'X-Filter: checked'
	mkdir "$SPOOL/relay"
	chmod 1777 "$SPOOL/relay"
	printf '#!/bin/sh\ncat >%s/in\n' "$SPOOL/relay" >"$SPOOL/relay/stub"
	chmod 755 "$SPOOL/relay/stub"
	plain=$(printf '\0alice\0alice-pw' | base64 -w0)
	session "EHLO c\r\nAUTH PLAIN $plain\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<x@remote.example>\r\nDATA\r\nSubject: tag\r\n\r\nx\r\n.\r\nQUIT\r\n" -f "$HOOK" -x "$SPOOL/relay/stub"
	echo "$output" | grep -q '^250 2.0.0 OK id='
	cat "$SPOOL/relay/in"
	head -n 1 "$SPOOL/relay/in" | grep -qx 'X-Filter: checked'
	sed -n 4p "$SPOOL/relay/in" | grep -q '^Received: from c$'
	tr '\0' '\n' <"$FILTER_DIR/env" | grep -qx 'SMTP_RECIPIENTS=x@remote.example'
}

@test "with -f, recipients past what the filter's environment holds get 452 4.5.3; the message goes to the others" {
	# 230-octet addresses: about 283 fit in 64 KiB
	domain=$(printf 'd%049d.' 1 2 3)test.example
	python3 -c '
import sys
d = sys.argv[1]
rcpts = b"".join(b"RCPT TO:<jones+%058d@%s>\r\n" % (i, d.encode()) for i in range(300))
sys.stdout.buffer.write(b"EHLO c\r\nMAIL FROM:<a@b.example>\r\n" + rcpts + b"DATA\r\nSubject: quiet\r\n\r\nx\r\n.\r\nQUIT\r\n")' "$domain" >"$BATS_TEST_TMPDIR/in"
	"$BIN/smtpd" "${SMTPD_ARGS[@]}" -d "$domain" -r 1000 -f "$HOOK" <"$BATS_TEST_TMPDIR/in" | tr -d '\r' >"$BATS_TEST_TMPDIR/out"
	ok=$(grep -c '^250 2.1.5' "$BATS_TEST_TMPDIR/out")
	full=$(grep -c '^452 4.5.3' "$BATS_TEST_TMPDIR/out")
	echo "accepted $ok, 452 for $full"
	[ "$ok" -gt 200 ] && [ "$full" -gt 0 ] && [ $((ok + full)) -eq 300 ]
	grep -q '^250 2.0.0 OK id=' "$BATS_TEST_TMPDIR/out"
	[ "$(wc -l <"$FILTER_DIR/rcpts")" -eq "$ok" ]
	[ "$(grep -c '^Subject: quiet' "$SPOOL/mail/jones")" -eq 1 ]
	# without -f, -r alone decides
	"$BIN/smtpd" "${SMTPD_ARGS[@]}" -d "$domain" -r 1000 <"$BATS_TEST_TMPDIR/in" | tr -d '\r' >"$BATS_TEST_TMPDIR/out"
	[ "$(grep -c '^250 2.1.5' "$BATS_TEST_TMPDIR/out")" -eq 300 ]
}

@test "smtpd killed while the filter runs: nothing delivered, nothing left in the spool" {
	printf '#!/bin/sh\ncat >/dev/null\necho $$ >%s/running\nexec sleep 30\n' "$FILTER_DIR" >"$FILTER_DIR/slow"
	chmod 755 "$FILTER_DIR/slow"
	mkfifo "$BATS_TEST_TMPDIR/in"
	"$BIN/smtpd" "${SMTPD_ARGS[@]}" -f "$FILTER_DIR/slow" <"$BATS_TEST_TMPDIR/in" >/dev/null &
	pid=$!
	exec 7>"$BATS_TEST_TMPDIR/in"
	printf "HELO c\r\n$(msg big)" >&7
	for _ in $(seq 100); do [ -s "$FILTER_DIR/running" ] && break; sleep 0.1; done
	kill -9 "$pid"
	wait "$pid" || true
	exec 7>&-
	kill "$(cat "$FILTER_DIR/running")"
	[ ! -s "$SPOOL/mail/alice" ]
	[ -z "$(find "$SPOOL/mail" -name '.msg.*')" ]
}
