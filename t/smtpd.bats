#!/usr/bin/env bats
# smtpd, SPEC sections 2 and 3 (AUTH aside): transcripts under t/smtpd/
# (each run whole and line by line), then raw-byte cases built here.

load lib/helpers
load lib/smtpd

setup() {
	mail_setup
	export PYTHONPATH="$BATS_TEST_DIRNAME/lib"
}

teardown() {
	mail_teardown
}

# bats test_tags=transcript
@test "greeting and QUIT" { transcript 01-greeting-quit; }
# bats test_tags=transcript
@test "RFC 5321 D.1: Jones and Brown get it, Green is refused" { transcript 02-rfc5321-d1; }
# bats test_tags=transcript
@test "HELO, null sender, one recipient: SMTP, MAILER-DAEMON, for <>" { transcript 03-helo-one-recipient; }
# bats test_tags=transcript
@test "commands out of sequence get 503 and the session goes on" { transcript 04-sequence-503; }
# bats test_tags=transcript
@test "syntax errors get 501 with the right enhanced code" { transcript 05-syntax-501; }
# bats test_tags=transcript
@test "VRFY 252, EXPN and old verbs 502, unknown 500, HELP, NOOP" { transcript 06-other-commands; }
# bats test_tags=transcript
@test "MAIL parameters: SIZE, BODY, SMTPUTF8, unknown 555, none after HELO" { transcript 07-mail-params; }
# bats test_tags=transcript
@test "other domains and address literals: relay denied" { transcript 08-relay-denied; }
# bats test_tags=transcript
@test "postmaster, user+tag and case in local parts" { transcript 09-postmaster-plus-case; }
# bats test_tags=transcript
@test "the tenth error ends the session with 421" { transcript 10-too-many-errors; }
# bats test_tags=transcript
@test "recipients over -r get 452 4.5.3" { transcript 11-too-many-recipients; }
# bats test_tags=transcript
@test "messages over -z are read to the end, then 552; nothing delivered" { transcript 12-size-limit; }
# bats test_tags=transcript
@test "an LF transcript ends its message at LF.LF" { transcript 13-lf-session; }
# bats test_tags=transcript
@test "-d adds local domains" { transcript 14-local-domains; }
# bats test_tags=transcript
@test "RFC 5321 D.2: an aborted transaction delivers nothing" {
	transcript 15-rfc5321-d2-aborted
	[ ! -e "$SPOOL/mail/jones" ]
	# each run starts on an empty spool: the line-by-line run's delivery
	[ "$(grep -c '^From ' "$SPOOL/mail/brown")" -eq 1 ]
}

# Sends raw bytes (printf format) to smtpd; replies without CR in $output.
raw_session() {
	run bash -c 'printf "$0" | "$@" | tr -d "\r"' "$1" "$BIN/smtpd" \
	    "${SMTPD_ARGS[@]}" "${@:2}"
}

HEAD='EHLO c.example\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<alice@test.example>\r\nDATA\r\n'

@test "SMTP smuggling: no variant ends the message; a bare CR refuses it, bare LFs are line ends" {
	for client in local 192.0.2.7; do
		for fake in '\n.\n' '\n.\r\n' '\r.\r' '\r\n.\r' '\r\n.\n' '\r.\r\n'; do
			env=()
			[ "$client" = local ] || env=(TCPREMOTEIP=$client)
			run bash -c 'printf "$0" | env "$@" | tr -d "\r"' \
			    "${HEAD}a${fake}MAIL FROM:<evil@x.example>\r\nRCPT TO:<jones@test.example>\r\nDATA\r\nsmuggled\r\n.\r\nQUIT\r\n" \
			    "${env[@]}" "$BIN/smtpd" "${SMTPD_ARGS[@]}"
			echo "$client, variant $fake: $output"
			[ "$status" -eq 0 ]
			# one reply to the whole data, then QUIT's
			[ "$(echo "$output" | grep -c '^250 2.1.0')" -eq 1 ]
			[ "$(echo "$output" | grep -c '^354')" -eq 1 ]
			[ "${lines[-1]}" = "221 2.0.0 Bye" ]
			[ ! -e "$SPOOL/mail/jones" ]
			bare_cr=no
			case "$fake" in '\r.\r' | '\r\n.\r' | '\r.\r\n') bare_cr=yes ;; esac
			if [ "$bare_cr" = yes ]; then
				echo "$output" | grep -q '^550 5.6.0 Message refused: a bare CR'
				[ ! -s "$SPOOL/mail/alice" ]
			else
				# the fake end and commands are text of one message
				echo "$output" | grep -q '^250 2.0.0 OK'
				[ "$(grep -c '^From ' "$SPOOL/mail/alice")" -eq 1 ]
				grep -qx 'MAIL FROM:<evil@x.example>' "$SPOOL/mail/alice"
				grep -qx '\.' "$SPOOL/mail/alice"
			fi
			rm -f "$SPOOL/mail/alice"
		done
	done
}

@test "a network client's DATA that ended in a bare LF is not an LF session: LF.LF ends nothing" {
	run bash -c 'printf "$0" | env TCPREMOTEIP=192.0.2.7 "$@" | tr -d "\r"' \
	    "EHLO c\nMAIL FROM:<a@b.example>\nRCPT TO:<alice@test.example>\nDATA\nline\n.\nMAIL FROM:<evil@x.example>\nRCPT TO:<jones@test.example>\nQUIT\n" \
	    "$BIN/smtpd" "${SMTPD_ARGS[@]}"
	echo "$output"
	[ "${lines[-1]}" = "354 End data with <CR><LF>.<CR><LF>" ]
	[ ! -e "$SPOOL/mail/alice" ]
	[ ! -e "$SPOOL/mail/jones" ]
	# the same typed by a local client (a pipe) is one
	run bash -c 'printf "$0" | "$@" | tr -d "\r"' \
	    "EHLO c\nMAIL FROM:<a@b.example>\nRCPT TO:<alice@test.example>\nDATA\nline\n.\nQUIT\n" \
	    "$BIN/smtpd" "${SMTPD_ARGS[@]}"
	echo "$output" | grep -q '^250 2.0.0 OK'
	[ "${lines[-1]}" = "221 2.0.0 Bye" ]
}

@test "pipelining (smtplib): a refused MAIL's 12 RCPTs and DATA get 503 echoes that are not errors; the next message goes through" {
	run python3 - "$BIN/smtpd" "${SMTPD_ARGS[@]}" <<'PY'
import sys
from pipeclients import PipeSMTP
s = PipeSMTP(sys.argv[1:])
s.ehlo("mta.example")
assert "pipelining" in s.esmtp_features
for size in ("SIZE=999999999", "SIZE=x"):    # 552, then a 501 syntax error
    group = "MAIL FROM:<a@b.example> %s\r\n" % size
    group += "".join("RCPT TO:<jones+%d@test.example>\r\n" % i for i in range(12))
    group += "DATA\r\n"
    s.send(group.encode())
    codes = [s.getreply()[0] for _ in range(14)]
    print(codes)
    assert codes[0] in (552, 501) and codes[1:] == [503] * 13, codes
# refused recipients, then DATA: its 503 is an echo too
s.send(b"MAIL FROM:<a@b.example>\r\n" + b"RCPT TO:<ghost@test.example>\r\n" * 3 + b"DATA\r\n")
codes = [s.getreply()[0] for _ in range(5)]
print(codes)
assert codes == [250, 550, 550, 550, 503], codes
s.rset()
print(s.sendmail("a@b.example", ["jones@test.example"], b"Subject: after\r\n\r\nx\r\n"))
print(s.quit()[0])
PY
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = 221 ]
	grep -q '^Subject: after' "$SPOOL/mail/jones"
	# a 503 that echoes nothing still counts: RCPT and DATA with no MAIL
	run bash -c 'printf "$0" | "$@" | tr -d "\r" | tail -n 2' \
	    "EHLO c\r\n$(printf 'RCPT TO:<jones@test.example>\\r\\nDATA\\r\\n%.0s' 1 2 3 4 5)QUIT\r\n" \
	    "$BIN/smtpd" "${SMTPD_ARGS[@]}"
	echo "$output"
	[ "${lines[1]}" = "421 4.7.0 Too many errors, closing connection" ]
	# and echoes are bounded: -r 5 lets 6 pass, then they count again
	run bash -c 'printf "$0" | "$@" | tr -d "\r"' \
	    "EHLO c\r\nMAIL FROM:<a@b.example> SIZE=999999999\r\n$(printf 'RCPT TO:<jones@test.example>\\r\\n%.0s' $(seq 1 20))QUIT\r\n" \
	    "$BIN/smtpd" "${SMTPD_ARGS[@]}" -r 5
	echo "$output"
	[ "$(echo "$output" | grep -c '^503 ')" -eq 16 ]
	[ "${lines[-1]}" = "421 4.7.0 Too many errors, closing connection" ]
}

@test "junk: the 101st NOOP, RSET, VRFY, EXPN or HELP gets 421 and the end; a delivered message starts the count again" {
	# EXPN counts too, but its 502 is also an error: five of them
	junk=$(printf 'EXPN x\\r\\n%.0s' 1 2 3 4 5; for i in $(seq 1 19); do printf 'NOOP\\r\\nRSET\\r\\nVRFY x\\r\\nHELP\\r\\nNOOP\\r\\n'; done)
	# the log (-l) apart from the replies, so they cannot interleave
	run bash -c 'printf "$0" | "$@" 2>"$BATS_TEST_TMPDIR/log" | tr -d "\r"' \
	    "EHLO c\r\n${junk}NOOP\r\nQUIT\r\n" "$BIN/smtpd" "${SMTPD_ARGS[@]}" -l
	echo "$output" | tail -n 4
	[ "${lines[-1]}" = "421 4.7.0 Too many commands that move no mail, closing connection" ]
	[ "$(echo "$output" | grep -c '^250 2.0.0 OK$')" -eq 58 ]
	grep -q '^smtpd: too many junk commands client=local' "$BATS_TEST_TMPDIR/log"
	half=$(for i in $(seq 1 12); do printf 'NOOP\\r\\nRSET\\r\\nVRFY x\\r\\nHELP\\r\\nNOOP\\r\\n'; done)
	run bash -c 'printf "$0" | "$@" | tr -d "\r"' \
	    "EHLO c\r\n${half}${HEAD#EHLO c.example\\r\\n}x\r\n.\r\n${half}QUIT\r\n" \
	    "$BIN/smtpd" "${SMTPD_ARGS[@]}"
	echo "$output" | tail -n 2
	[ "${lines[-1]}" = "221 2.0.0 Bye" ]
	echo "$output" | grep -q '^250 2.0.0 OK id='
}

@test "HELO takes a host name or an address literal, nothing that could fake a Received: field" {
	run bash -c 'printf "$0" | "$@" | tr -d "\r"' \
	    "HELO my_pc.example\r\nEHLO [192.0.2.1]\r\nEHLO [IPv6:2001:db8::1]\r\nHELO x(from.evil.example)\r\nEHLO a]b\r\nHELO x;by=y\r\nEHLO [x(y)]\r\nHELO \"q\"\r\nEHLO []\r\nQUIT\r\n" \
	    "$BIN/smtpd" "${SMTPD_ARGS[@]}"
	echo "$output"
	[ "$(echo "$output" | grep -c '^250 test.example$')" -eq 1 ]
	[ "$(echo "$output" | grep -c '^250-test.example$')" -eq 2 ]
	[ "$(echo "$output" | grep -c '^501 5.5.4 Syntax: HELO or EHLO hostname$')" -eq 6 ]
}

@test "NUL in a command is an error, 8-bit and NUL in a body are kept" {
	raw_session "EHLO c.example\r\nNO\000OP\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<alice@test.example>\r\nDATA\r\ncaf\303\251 \000 \377\r\n.\r\nQUIT\r\n"
	echo "$output" | grep -qx "500 5.5.2 NUL byte in command"
	[ "${lines[-2]}" = "250 2.0.0 OK id=${lines[-2]#250 2.0.0 OK id=}" ]
	tail -n 2 "$SPOOL/mail/alice" | head -n 1 | cmp - <(printf 'caf\303\251 \000 \377\n')
}

@test "command lines: 512 octets with CRLF pass, 513 get one 500 5.5.2" {
	ok="NOOP $(printf 'x%.0s' $(seq 1 505))"	# 510 + CRLF = 512
	long="NOOP $(printf 'x%.0s' $(seq 1 506))"	# 513
	huge="NOOP $(head -c 100000 /dev/zero | tr '\0' x)"
	raw_session "$ok\r\n$long\r\n$huge\r\nQUIT\r\n"
	[ "${lines[1]}" = "250 2.0.0 OK" ]
	[ "${lines[2]}" = "500 5.5.2 Line too long" ]
	[ "${lines[3]}" = "500 5.5.2 Line too long" ]
	[ "${lines[4]}" = "221 2.0.0 Bye" ]
	[ "${#lines[@]}" -eq 5 ]
}

@test "idle timeout: 421 4.4.2 and nothing delivered, also inside DATA" {
	run bash -c '{ printf "EHLO c\r\n"; sleep 3; } | "$@" | tr -d "\r"' \
	    _ "$BIN/smtpd" "${SMTPD_ARGS[@]}" -t 1
	[ "${lines[-1]}" = "421 4.4.2 Idle timeout, closing connection" ]
	run bash -c '{ printf "$0"; printf "half a message\r\n"; sleep 3; } | "$@" | tr -d "\r"' \
	    "$HEAD" "$BIN/smtpd" "${SMTPD_ARGS[@]}" -t 1
	[ "${lines[-1]}" = "421 4.4.2 Idle timeout, closing connection" ]
	[ ! -s "$SPOOL/mail/alice" ]
}

@test "a client that disconnects inside DATA gets nothing delivered" {
	raw_session "${HEAD}Subject: cut\r\npartial"
	[ "$status" -eq 0 ]
	[ ! -s "$SPOOL/mail/alice" ]
}

@test "the delivered mailbox reads back with Python's mailbox module" {
	raw_session "${HEAD}Subject: one\r\n\r\nFrom me\r\n.\r\nMAIL FROM:<b@c.example>\r\nRCPT TO:<alice@test.example>\r\nDATA\r\nSubject: two\r\n\r\nbody\r\n.\r\nQUIT\r\n"
	python3 - "$SPOOL/mail/alice" <<'PY'
import mailbox, sys
msgs = list(mailbox.mbox(sys.argv[1]))
assert len(msgs) == 2, len(msgs)
assert msgs[0]["Subject"] == "one" and msgs[1]["Subject"] == "two"
assert msgs[0]["Return-Path"] == "<a@b.example>"
assert msgs[1].get_payload() == "body\n", repr(msgs[1].get_payload())
assert msgs[0].get_from().startswith("a@b.example ")
PY
}

@test "more than 50 Received: headers is a loop: 554 5.4.6" {
	many=$(for i in $(seq 1 51); do printf 'Received: from hop%d\\r\\n' "$i"; done)
	raw_session "${HEAD}${many}Subject: loop\r\n\r\nx\r\n.\r\nQUIT\r\n"
	echo "$output" | grep -q '^554 5.4.6 '
	[ ! -s "$SPOOL/mail/alice" ]
	fifty=$(for i in $(seq 1 50); do printf 'Received: from hop%d\\r\\n' "$i"; done)
	raw_session "${HEAD}${fifty}Subject: fine\r\n\r\nx\r\n.\r\nQUIT\r\n"
	echo "$output" | grep -q '^250 2.0.0 OK'
}

@test "CHUNKING: transcripts of BDAT with DATA, refused MAIL, bad sizes, and -z across chunks" {
	transcript 20-chunking
	mail_teardown
	mail_setup
	transcript 21-chunking-size
}

@test "BDAT is binary-safe: a message split at every octet arrives whole, NUL and 8-bit kept, no dot or CRLF read as framing" {
	run python3 - "$BIN/smtpd" "${SMTPD_ARGS[@]}" <<'PY'
import re, subprocess, sys
argv = sys.argv[1:]
body = (b"Subject: bytes\r\n\r\nnul \x00 high \xe9\xff\r\n.\r\n..\r\n"
        b"\r\n.\r\nMAIL FROM:<x@y.example>\r\nRCPT TO:<jones@test.example>\r\n"
        b"DATA\r\nend")
head = b"EHLO c.example\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<alice@test.example>\r\n"
for cut in range(0, len(body) + 1):
    a, b = body[:cut], body[cut:]
    wire = head + b"BDAT %d\r\n" % len(a) + a + b"BDAT %d LAST\r\n" % len(b) + b + b"QUIT\r\n"
    out = subprocess.run(argv, input=wire, stdout=subprocess.PIPE, check=True).stdout
    replies = out.decode("latin-1").split("\r\n")
    want = ["250 2.0.0 %d octets received" % len(a)]
    assert replies[-4:-3] == want and replies[-3].startswith("250 2.0.0 OK id="), (cut, replies)
    assert replies[-2] == "221 2.0.0 Bye", (cut, replies)
mbox = open(sys.argv[sys.argv.index("-s") + 1] + "/alice", "rb").read()
stored = body.replace(b"\r\n", b"\n")   # a final LF is added on store
# each message: From_ line, our two trace fields (Received: folded), the body
got = [m[m.index(b"\nSubject: ") + 1:] for m in mbox.split(b"\n\nFrom ")]
assert len(got) == len(body) + 1, len(got)
got[-1] = got[-1][:-2]     # that LF and the last separator
assert set(got) == {stored}, set(got)
print("ok")
PY
	echo "$output"
	[ "$status" -eq 0 ]
	# the smuggled commands inside the chunks never ran
	[ ! -e "$SPOOL/mail/jones" ]
}

@test "BDAT: a bare CR refuses the message, more than 50 Received: is a loop, chunks without LAST deliver nothing" {
	cr='Subject: cr\r\n\r\na\rb\r\n'
	raw_session "EHLO c.example\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<alice@test.example>\r\nBDAT $(printf "$cr" | wc -c) LAST\r\n${cr}QUIT\r\n"
	echo "$output"
	echo "$output" | grep -q '^550 5.6.0 '
	many=$(for i in $(seq 1 51); do printf 'Received: from hop%02d\\r\\n' "$i"; done)
	raw_session "EHLO c.example\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<alice@test.example>\r\nBDAT $(printf "$many" | wc -c)\r\n${many}BDAT 5 LAST\r\n\r\nx\r\nQUIT\r\n"
	echo "$output"
	echo "$output" | grep -q '^554 5.4.6 '
	raw_session "EHLO c.example\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<alice@test.example>\r\nBDAT 3\r\nx\r\nQUIT\r\n"
	echo "$output" | grep -q '^250 2.0.0 3 octets received'
	raw_session "EHLO c.example\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<alice@test.example>\r\nBDAT 9 LAST\r\nx\r\n"
	[ ! -s "$SPOOL/mail/alice" ]
}

@test "BDAT after a refused MAIL: every chunk is read and its 503 is an echo, not an error" {
	chunks=$(for i in $(seq 1 12); do printf 'BDAT 6\\r\\nNOOP\\r\\n'; done)
	raw_session "EHLO c.example\r\nMAIL FROM:<broken\r\nRCPT TO:<alice@test.example>\r\n${chunks}BDAT 6 LAST\r\nQUIT\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<alice@test.example>\r\nBDAT 3 LAST\r\nx\r\nQUIT\r\n"
	echo "$output"
	[ "$(echo "$output" | grep -c '^503 5.5.1 Send RCPT first')" -eq 13 ]
	! echo "$output" | grep -q '^421'
	! echo "$output" | grep -q '^221.*' || [ "$(echo "$output" | grep -c '^221')" -eq 1 ]
	echo "$output" | grep -q '^250 2.0.0 OK id='
	# outside any transaction, chunks still count as errors: the tenth closes
	chunks=$(for i in $(seq 1 10); do printf 'BDAT 1\\r\\nx'; done)
	raw_session "EHLO c.example\r\n${chunks}QUIT\r\n"
	echo "$output" | grep -q '^421 4.7.0 Too many errors'
}

@test "startup failures: sysexits code and a 421 line, before any greeting" {
	run "$BIN/smtpd" -Q
	[ "$status" -eq 64 ]
	[ "$(echo "$output" | tr -d '\r' | tail -n 1)" = "421 4.3.0 Service not available" ]
	run "$BIN/smtpd" "${SMTPD_ARGS[@]}" -p "$SPOOL/missing"
	[ "$status" -eq 66 ]
	echo "$output" | grep -q '^421 '
	run "$BIN/smtpd" "${SMTPD_ARGS[@]}" -z 0
	[ "$status" -eq 64 ]
	if [ "$(id -u)" -eq 0 ]; then
		# as root, with no -U and a spool owned by root: refuse
		run "$BIN/smtpd" -l -n t -s "$SPOOL" -p "$USERS" </dev/null
		[ "$status" -eq 77 ]
		echo "$output" | grep -q 'refusing to run as root'
		# -U names an account of /etc/passwd (a static binary has no NSS)
		run "$BIN/smtpd" "${SMTPD_ARGS[@]}" -l -U no-such-user-here </dev/null
		[ "$status" -eq 77 ]
		echo "$output" | grep -q 'no such user no-such-user-here in /etc/passwd'
	fi
}

@test "a bad option: nothing on stderr (the client's socket) without -l; with -l it names the option" {
	for prog in smtpd pop3d; do
		"$BIN/$prog" -Q </dev/null >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" && false || [ $? -eq 64 ]
		[ ! -s "$BATS_TEST_TMPDIR/err" ] || { cat "$BATS_TEST_TMPDIR/err"; false; }
		grep -Eq '^(421 |-ERR )' "$BATS_TEST_TMPDIR/out"
		"$BIN/$prog" -s </dev/null >/dev/null 2>"$BATS_TEST_TMPDIR/err" && false || [ $? -eq 64 ]
		[ ! -s "$BATS_TEST_TMPDIR/err" ]
		run "$BIN/$prog" -l -Q </dev/null
		[ "$status" -eq 64 ]
		echo "$output" | grep -q 'unknown option -Q; usage:'
		run "$BIN/$prog" -l -s </dev/null
		echo "$output" | grep -q 'option -s needs an argument'
		! echo "$output" | grep -q 'invalid option'
	done
}

@test "-C FILE: options one a line, the argument the rest of the line (no quoting); bad lines refused with the line" {
	args="$BATS_TEST_TMPDIR/smtpd.args"
	# what xinetd's server_args cannot carry: a filter command with
	# blanks and quotes in it, on a line of its own
	printf '%s\n' '# the options of smtpd' '' "  -n mx.example.org  " \
	    '-d example.org' "-s $SPOOL/mail" "-p $USERS" \
	    "-f /bin/sh -c 'echo \"X-Args: \$1 \$2\"' sh one 'two three'" \
	    >"$args"
	[ "$(id -u)" -ne 0 ] || echo '-U nobody' >>"$args"
	run bash -c 'printf "$0" | "$@" | tr -d "\r"' \
	    'EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\nhi\r\n.\r\nQUIT\r\n' \
	    "$BIN/smtpd" -C "$args"
	echo "$output"
	echo "$output" | grep -qx '220 mx.example.org ESMTP'
	echo "$output" | grep -q '^250 2.0.0 OK'
	grep -qx "X-Args: one two three" "$SPOOL/mail/alice"
	# the command line after -C adds to the file's options
	run bash -c 'printf "QUIT\r\n" | "$@" | tr -d "\r"' _ "$BIN/smtpd" -C "$args" -n other.example
	echo "$output" | grep -qx '220 other.example ESMTP'
	# pop3d reads its own
	grep -v '^-[df]' "$args" >"$BATS_TEST_TMPDIR/pop3d.args"
	run bash -c 'printf "QUIT\r\n" | "$@" | tr -d "\r"' _ "$BIN/pop3d" -C "$BATS_TEST_TMPDIR/pop3d.args"
	echo "$output" | grep -q '^+OK .*mx.example.org'
	# each bad line names the file and the line, exit 78, nothing on the
	# socket but the failure line
	for case in '-q|-q needs an argument' '-P yes|-P takes no argument' \
	    '-lP|-l and its argument need a blank' '-Z 1|-Z is not an option' \
	    'spool /var/mail|spool is not an option' '-C other|-C is not an option'; do
		printf '%s\n' '# first' "${case%%|*}" >"$BATS_TEST_TMPDIR/bad"
		"$BIN/smtpd" -C "$BATS_TEST_TMPDIR/bad" -l </dev/null \
		    >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" && false || [ $? -eq 78 ]
		grep -q '^421 4.3.0 Service not available' "$BATS_TEST_TMPDIR/out"
		[ ! -s "$BATS_TEST_TMPDIR/err" ]
		run script -qc "$BIN/smtpd -C $BATS_TEST_TMPDIR/bad" /dev/null </dev/null
		echo "$output" | grep -q "bad line 2: ${case#*|}"
	done
	run "$BIN/pop3d" -C "$BATS_TEST_TMPDIR/none" </dev/null
	[ "$status" -eq 66 ]
	head -c 5000 /dev/zero | tr '\0' '#' >"$BATS_TEST_TMPDIR/big"
	run "$BIN/pop3d" -C "$BATS_TEST_TMPDIR/big" </dev/null
	[ "$status" -eq 66 ]
}

@test "-d takes domain names only: a stray word of a split quoted option is refused at start" {
	for bad in "127.0.0.1'" 'example..org' '-example.org' 'exa_mple.org' \
	    'example.org.' "$(printf 'a%.0s' {1..64}).org" ''; do
		run script -qc "$BIN/smtpd $(printf '%q ' "${SMTPD_ARGS[@]}") -d $(printf '%q' "$bad")" /dev/null </dev/null
		echo "$bad: $output"
		echo "$output" | grep -q 'not a domain name'
		echo "$output" | grep -q '^421 '
	done
	run bash -c 'printf "QUIT\r\n" | "$@"' _ "$BIN/smtpd" "${SMTPD_ARGS[@]}" -d mail-1.Example.ORG -d localhost
	echo "$output" | grep -q '^221'
}

@test "a 50 MB one-line message: delivered, peak RSS bounded" {
	[ "${SANITIZE:-0}" = 1 ] && skip "sanitizer runtimes inflate RSS"
	{ printf "$HEAD"; head -c 50000000 /dev/zero | tr '\0' x; printf '\r\n.\r\nQUIT\r\n'; } >"$BATS_TEST_TMPDIR/big"
	/usr/bin/time -f '%M' -o "$BATS_TEST_TMPDIR/rss" "$BIN/smtpd" \
	    "${SMTPD_ARGS[@]}" -z 60000000 <"$BATS_TEST_TMPDIR/big" >"$BATS_TEST_TMPDIR/out"
	grep -q '^250 2.0.0 OK' "$BATS_TEST_TMPDIR/out"
	echo "peak RSS $(cat "$BATS_TEST_TMPDIR/rss") KB"
	[ "$(cat "$BATS_TEST_TMPDIR/rss")" -lt 8192 ]
	[ "$(stat -c %s "$SPOOL/mail/alice")" -gt 50000000 ]
	# and over -z: refused after reading it all, memory the same
	/usr/bin/time -f '%M' -o "$BATS_TEST_TMPDIR/rss" "$BIN/smtpd" \
	    "${SMTPD_ARGS[@]}" <"$BATS_TEST_TMPDIR/big" >"$BATS_TEST_TMPDIR/out"
	grep -q '^552 5.3.4' "$BATS_TEST_TMPDIR/out"
	grep -q '^221' "$BATS_TEST_TMPDIR/out"
	[ "$(cat "$BATS_TEST_TMPDIR/rss")" -lt 8192 ]
}

@test "syslog lines: connect, delivery with id and size, reject, disconnect" {
	run bash -c 'printf "$0" | "$@" 2>&1 >/dev/null' \
	    "${HEAD}x\r\n.\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<ghost@test.example>\r\nQUIT\r\n" \
	    "$BIN/smtpd" "${SMTPD_ARGS[@]}" -l
	echo "$output"
	echo "$output" | grep -q 'connect client=local'
	echo "$output" | grep -Eq 'delivered client=local id=[0-9A-F]+ from=<a@b.example> size=3 rcpts=1'
	echo "$output" | grep -q 'reject client=.* rcpt=<ghost@test.example>: no such user'
	echo "$output" | grep -q 'disconnect client=local'
}

@test "nothing reaches stderr without -l" {
	run bash -c 'printf "HELO c\r\nBOGUS\r\nQUIT\r\n" | "$@" 2>&1 >/dev/null' \
	    _ "$BIN/smtpd" "${SMTPD_ARGS[@]}"
	[ -z "$output" ]
}

@test "a held mailbox lock: 451 4.2.0 after -w, mailbox unchanged, session goes on" {
	: >"$SPOOL/mail/alice"
	[ "$(id -u)" -ne 0 ] || chown nobody "$SPOOL/mail/alice"
	"$BIN/spooltool" lock "$SPOOL/mail" alice 4 >"$BATS_TEST_TMPDIR/lock" &
	pid=$!
	while ! grep -q locked "$BATS_TEST_TMPDIR/lock" 2>/dev/null; do sleep 0.05; done
	raw_session "${HEAD}x\r\n.\r\nNOOP\r\nQUIT\r\n" -w 1
	kill "$pid"; wait "$pid" || true
	echo "$output"
	echo "$output" | grep -q '^451 4.2.0 Mailbox busy'
	[ "${lines[-2]}" = "250 2.0.0 OK" ]
	[ ! -s "$SPOOL/mail/alice" ]
}

@test "disk full and I/O errors: 452 4.3.1 and 451 4.3.0, nothing delivered" {
	for fault in fsync:ENOSPC:'452 4.3.1' pwrite64:EIO:'451 4.3.0'; do
		IFS=: read -r call err want <<<"$fault"
		# the first write to a mailbox: skip smtpd's own reply writes
		run bash -c 'printf "$0" | ASAN_OPTIONS=detect_leaks=0 strace -f -o /dev/null -e inject=$1:error=$2:when=1 -e trace=$1 -P "$3/alice" "${@:4}" | tr -d "\r"' \
		    "${HEAD}two recipients\r\n.\r\nQUIT\r\n" "$call" "$err" "$SPOOL/mail" \
		    "$BIN/smtpd" "${SMTPD_ARGS[@]}"
		echo "$call=$err: $output"
		echo "$output" | grep -q "^$want "
		[ ! -s "$SPOOL/mail/alice" ]
	done
}

@test "250 is sent only after the mailboxes are fsync'ed" {
	printf "${HEAD}x\r\n.\r\nQUIT\r\n" >"$BATS_TEST_TMPDIR/in"
	ASAN_OPTIONS=detect_leaks=0 strace -f -s 4096 -e trace=fsync,write -o "$BATS_TEST_TMPDIR/trace" \
	    "$BIN/smtpd" "${SMTPD_ARGS[@]}" <"$BATS_TEST_TMPDIR/in" >/dev/null
	fsync_line=$(grep -n 'fsync(' "$BATS_TEST_TMPDIR/trace" | head -n 1 | cut -d: -f1)
	reply_line=$(grep -n 'write(1, .*250 2.0.0 OK' "$BATS_TEST_TMPDIR/trace" | cut -d: -f1)
	echo "fsync at $fsync_line, 250 at $reply_line"
	[ -n "$fsync_line" ] && [ -n "$reply_line" ]
	[ "$fsync_line" -lt "$reply_line" ]
}

# bats test_tags=transcript
@test "AUTH: sequence, unknown mechanism, bad base64, cancel, failure, success, AUTH=, ESMTPA" { transcript 16-auth; }
# bats test_tags=transcript
@test "the third failed AUTH ends the session with 421" { transcript 17-auth-three-failures; }

@test "smtplib logs in with each mechanism, with and without initial responses, and sends" {
	run python3 - "$BIN/smtpd" "${SMTPD_ARGS[@]}" -p "$PLAIN_USERS" <<'PY'
import sys
from pipeclients import PipeSMTP
argv = sys.argv[1:]
s = PipeSMTP(argv)
s.ehlo("client.example")
assert s.esmtp_features["auth"].split() == ["CRAM-MD5", "PLAIN", "LOGIN"], s.esmtp_features
code, _ = s.login("alice", "alice-pw")        # smtplib prefers CRAM-MD5
assert code == 235, code
s.sendmail("a@b.example", ["jones@test.example"], b"Subject: via login\r\n\r\nx\r\n")
s.quit()
for mech in ("CRAM-MD5", "PLAIN", "LOGIN"):
    for initial in (True, False):
        s = PipeSMTP(argv)
        s.ehlo("client.example")
        s.user, s.password = "alice", "alice-pw"
        obj = getattr(s, "auth_" + mech.lower().replace("-", "_"))
        code, _ = s.auth(mech, obj, initial_response_ok=initial)
        assert code == 235, (mech, initial, code)
        s.quit()
    s = PipeSMTP(argv)
    s.ehlo("client.example")
    s.user, s.password = "alice", "not-it"
    try:
        s.auth(mech, getattr(s, "auth_" + mech.lower().replace("-", "_")))
        raise SystemExit(mech + ": a wrong password was accepted")
    except Exception as e:
        assert "535" in str(e), e
    s.drop()
print("ok")
PY
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
	grep -q 'with ESMTPA id' "$SPOOL/mail/jones"
}

@test "AUTH lines up to 12288 octets; longer ones, and longer responses, are refused" {
	pad=$(head -c 6000 /dev/zero | tr '\0' A)
	big=$(head -c 13000 /dev/zero | tr '\0' A)
	raw_session "EHLO c\r\nAUTH PLAIN ${pad}${pad}\r\nAUTH PLAIN ${big}\r\nAUTH LOGIN\r\n${big}\r\nNOOP $(head -c 600 /dev/zero | tr '\0' x)\r\nQUIT\r\n"
	echo "$output" | grep -v '^250-'
	# past the greeting and EHLO's lines
	mapfile -t lines < <(echo "$output" | grep -v '^250-' | tail -n +3)
	[ "${lines[0]}" = "501 5.5.2 Cannot decode response" ]
	[ "${lines[1]}" = "500 5.5.2 Line too long" ]
	[ "${lines[2]}" = "334 VXNlcm5hbWU6" ]
	[ "${lines[3]}" = "500 5.5.6 Authentication exchange line is too long" ]
	[ "${lines[4]}" = "500 5.5.2 Line too long" ]
	[ "${lines[5]}" = "221 2.0.0 Bye" ]
}

@test "AUTH PLAIN and LOGIN follow -P; CRAM-MD5 only when every secret is {PLAIN}" {
	plain=$(printf '\0alice\0alice-pw' | base64 -w0)
	for users in "$PLAIN_USERS" "$USERS"; do
		cram="CRAM-MD5 " only_cram='250-AUTH CRAM-MD5'
		if [ "$users" = "$USERS" ]; then
			# bob's secret is a hash, which CRAM-MD5 cannot use
			cram= only_cram='250 HELP'
		fi
		for case in '|-|yes' '127.0.0.1|-|yes' '::1|-|yes' '192.0.2.7|-|no' \
		    '::ffff:192.0.2.7|-|no' '192.0.2.7|-P|yes' '192.0.2.7|SSL_PROTOCOL=TLSv1.3|yes'; do
			IFS='|' read -r addr extra want <<<"$case"
			envs=("TCPREMOTEIP=$addr") args=()
			[[ "$extra" != *=* ]] || envs+=("$extra")
			[ "$extra" != -P ] || args=(-P)
			run bash -c 'printf "$0" | env "$@" | tr -d "\r"' \
			    "EHLO c\r\nAUTH PLAIN $plain\r\nQUIT\r\n" "${envs[@]}" \
			    "$BIN/smtpd" "${SMTPD_ARGS[@]}" -p "$users" "${args[@]}"
			echo "$users peer '$addr' $extra: $output"
			if [ "$want" = yes ]; then
				echo "$output" | grep -qx "250-AUTH ${cram}PLAIN LOGIN"
				echo "$output" | grep -qx '235 2.7.0 Authentication successful'
			else
				[ "$(echo "$output" | grep -A1 '^250-CHUNKING' | tail -n 1)" = "$only_cram" ]
				echo "$output" | grep -qx '538 5.7.11 Encryption required for requested authentication mechanism'
			fi
		done
	done
	# CRAM-MD5 from a remote peer
	run env TCPREMOTEIP=192.0.2.7 python3 - "$BIN/smtpd" "${SMTPD_ARGS[@]}" -p "$PLAIN_USERS" <<'PY'
import sys
from pipeclients import PipeSMTP
s = PipeSMTP(sys.argv[1:])
s.ehlo("c")
print(s.login("alice", "alice-pw")[0])
s.quit()
PY
	[ "$output" = 235 ]
	# not offered, not taken: 504, and no strike against the client
	cram=$(printf 'alice 0123456789abcdef0123456789abcdef' | base64 -w0)
	run bash -c 'printf "$0" | "$@" | tr -d "\r"' \
	    "EHLO c\r\nAUTH CRAM-MD5\r\n$cram\r\nAUTH PLAIN $(printf '\0bob\0bob-pw' | base64 -w0)\r\nQUIT\r\n" \
	    "$BIN/smtpd" "${SMTPD_ARGS[@]}"
	echo "$output"
	echo "$output" | grep -qx '504 5.5.4 Unrecognized authentication type'
	echo "$output" | grep -qx '235 2.7.0 Authentication successful'
}

@test "AUTH in the log: the user and mechanism, never the password; delivered with auth=" {
	plain=$(printf '\0alice\0alice-pw' | base64 -w0)
	wrong=$(printf '\0alice\0guess-123' | base64 -w0)
	run bash -c 'printf "$0" | "$@" 2>&1 >/dev/null' \
	    "EHLO c\r\nAUTH PLAIN $wrong\r\nAUTH PLAIN $plain\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<jones@test.example>\r\nDATA\r\nx\r\n.\r\nQUIT\r\n" \
	    "$BIN/smtpd" "${SMTPD_ARGS[@]}" -l
	echo "$output"
	echo "$output" | grep -q 'auth failed client=local user=alice mech=PLAIN'
	echo "$output" | grep -q 'auth client=local user=alice mech=PLAIN'
	echo "$output" | grep -Eq 'delivered client=local id=[0-9A-F]+ auth=alice from=<a@b.example>'
	! echo "$output" | grep -q -e guess-123 -e alice-pw -e "$wrong" -e "$plain"
}

# bats test_tags=transcript
@test "aliases: lists, aliases of aliases, once per mailbox; loops and dead targets get 451 4.3.0" { transcript 18-aliases; }
# bats test_tags=transcript
@test "the catch-all takes unknown local recipients, +tag or not" { transcript 19-catch-all; }

@test "aliases and catch-all at start: missing file 66, a catch-all that reaches nobody 78" {
	run "$BIN/smtpd" "${SMTPD_ARGS[@]}" -a "$SPOOL/missing" </dev/null
	[ "$status" -eq 66 ]
	run "$BIN/smtpd" "${SMTPD_ARGS[@]}" -c nobody-at-all </dev/null
	[ "$status" -eq 78 ]
	echo "$output" | grep -q '^421 '
	run "$BIN/smtpd" "${SMTPD_ARGS[@]}" -a "$BATS_TEST_DIRNAME/smtpd/18-aliases.aliases" -c loop2 -l </dev/null
	[ "$status" -eq 78 ]
	echo "$output" | grep -q 'the alias is broken at loop2'
	run "$BIN/smtpd" "${SMTPD_ARGS[@]}" -a "$BATS_TEST_DIRNAME/smtpd/18-aliases.aliases" -c team </dev/null
	[ "$status" -eq 0 ]
}

@test "an alias loop is logged and names the alias; path-like targets are refused" {
	run bash -c 'printf "$0" | "$@" 2>&1 >/dev/null' \
	    "HELO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<loop2@test.example>\r\nQUIT\r\n" \
	    "$BIN/smtpd" "${SMTPD_ARGS[@]}" -a "$BATS_TEST_DIRNAME/smtpd/18-aliases.aliases" -l
	echo "$output"
	echo "$output" | grep -q 'aliases: loop at loop2, expanding loop2'
	echo "$output" | grep -q 'aliases line 13: target is not a user or alias name'
}

# A stub relay command that records its arguments and input and exits
# with the status in $SPOOL/relay/exit.
relay_stub() {
	mkdir -p "$SPOOL/relay"
	chmod 1777 "$SPOOL/relay"
	cat >"$SPOOL/relay/stub" <<'SH'
#!/bin/sh
dir=$(dirname "$0")
printf '%s\n' "$@" >"$dir/args"
cat >"$dir/in"
exit "$(cat "$dir/exit")"
SH
	chmod 755 "$SPOOL/relay/stub"
}

@test "relay hand-off (-x): authenticated remote recipients go to CMD -f SENDER -- RCPT...; exit 0, 75, 1" {
	relay_stub
	plain=$(printf '\0alice\0alice-pw' | base64 -w0)
	session="EHLO c.example\r\nAUTH PLAIN $plain\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<x@remote.example>\r\nRCPT TO:<jones@test.example>\r\nRCPT TO:<-f@remote.example>\r\nRCPT TO:<\"\$(touch $SPOOL/pwned)\"@remote.example>\r\nRCPT TO:<x@remote.example>\r\nDATA\r\nSubject: relayed\r\n\r\nbody line\r\n.\r\nQUIT\r\n"
	echo 0 >"$SPOOL/relay/exit"
	raw_session "$session" -x "$SPOOL/relay/stub -i"
	echo "$output"
	echo "$output" | grep -q '^250 2.0.0 OK id='
	cat "$SPOOL/relay/args"
	[ "$(cat "$SPOOL/relay/args")" = "$(printf '%s\n' -i -f a@b.example -- x@remote.example -f@remote.example "\"\$(touch $SPOOL/pwned)\"@remote.example")" ]
	[ ! -e "$SPOOL/pwned" ]
	cat "$SPOOL/relay/in"
	head -n 1 "$SPOOL/relay/in" | grep -q '^Received: from c.example$'
	! grep -q '^Return-Path' "$SPOOL/relay/in"
	grep -q 'with ESMTPA id' "$SPOOL/relay/in"
	[ "$(tail -n 3 "$SPOOL/relay/in")" = "$(printf 'Subject: relayed\n\nbody line')" ]
	[ "$(grep -c '^Subject: relayed' "$SPOOL/mail/jones")" -eq 1 ]
	# a temporary failure: 4xx, and nothing delivered locally either
	echo 75 >"$SPOOL/relay/exit"
	raw_session "$session" -x "$SPOOL/relay/stub"
	echo "$output" | tail -n 3
	echo "$output" | grep -q '^451 4.4.0 Relay hand-off failed'
	[ "$(grep -c '^Subject: relayed' "$SPOOL/mail/jones")" -eq 1 ]
	# a permanent one: 5xx, nothing delivered
	echo 1 >"$SPOOL/relay/exit"
	raw_session "$session" -x "$SPOOL/relay/stub"
	echo "$output" | tail -n 3
	echo "$output" | grep -q '^554 5.3.0 The relay refused the message'
	[ "$(grep -c '^Subject: relayed' "$SPOOL/mail/jones")" -eq 1 ]
	# killed by a signal: 4xx
	printf '#!/bin/sh\ncat >/dev/null\nkill -9 $$\n' >"$SPOOL/relay/stub"
	raw_session "$session" -x "$SPOOL/relay/stub"
	echo "$output" | tail -n 3
	echo "$output" | grep -q '^451 4.4.0 Relay hand-off failed'
	[ "$(grep -c '^Subject: relayed' "$SPOOL/mail/jones")" -eq 1 ]
}

@test "relaying needs both AUTH and -x: 554 5.7.1 otherwise" {
	relay_stub
	echo 0 >"$SPOOL/relay/exit"
	plain=$(printf '\0alice\0alice-pw' | base64 -w0)
	raw_session "EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<x@remote.example>\r\nQUIT\r\n" -x "$SPOOL/relay/stub"
	echo "$output" | grep -q '^554 5.7.1 Relay access denied'
	raw_session "EHLO c\r\nAUTH PLAIN $plain\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<x@remote.example>\r\nQUIT\r\n"
	echo "$output" | grep -q '^554 5.7.1 Relay access denied'
	[ ! -e "$SPOOL/relay/args" ]
}

@test "relay hand-off of a message too big to stay in memory: the bytes arrive whole, unquoted" {
	relay_stub
	echo 0 >"$SPOOL/relay/exit"
	plain=$(printf '\0alice\0alice-pw' | base64 -w0)
	python3 -c '
import sys
body = b"".join(b"From line %d\r\n..dot %d\r\n" % (i, i) + b"x" * 70 + b"\r\n" for i in range(4000))
sys.stdout.buffer.write(b"EHLO c\r\nAUTH PLAIN " + sys.argv[1].encode() + b"\r\nMAIL FROM:<>\r\nRCPT TO:<x@remote.example>\r\nDATA\r\nSubject: big\r\n\r\n" + body + b".\r\nQUIT\r\n")
' "$plain" >"$BATS_TEST_TMPDIR/in"
	"$BIN/smtpd" "${SMTPD_ARGS[@]}" -x "$SPOOL/relay/stub" <"$BATS_TEST_TMPDIR/in" | tr -d '\r' >"$BATS_TEST_TMPDIR/out"
	grep -q '^250 2.0.0 OK' "$BATS_TEST_TMPDIR/out"
	[ "$(sed -n 2p "$SPOOL/relay/args")" = "<>" ]
	python3 -c '
import sys
got = open(sys.argv[1], "rb").read()
want = b"".join(b"From line %d\n.dot %d\n" % (i, i) + b"x" * 70 + b"\n" for i in range(4000))
assert got.endswith(b"Subject: big\n\n" + want), len(got)
print("relayed", len(got), "bytes")
' "$SPOOL/relay/in"
}
