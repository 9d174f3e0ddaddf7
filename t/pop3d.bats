#!/usr/bin/env bats
# pop3d, SPEC sections 2, 4 and 6 (SASL AUTH aside): transcripts under
# t/pop3d/ (each run whole and line by line), then poplib sessions over a
# socketpair and raw-byte cases built here.

load lib/helpers
load lib/pop3d

setup() {
	mail_setup
	export PYTHONPATH="$BATS_TEST_DIRNAME/lib"
}

teardown() {
	mail_teardown
}

# bats test_tags=transcript
@test "RFC 1939 10: the example session, APOP to QUIT" { pop_transcript 01-rfc1939-example; }
# bats test_tags=transcript
@test "CAPA in both states; USER/PASS; unknown user and wrong password alike" { pop_transcript 02-capa-user-pass; }
# bats test_tags=transcript
@test "three failed logins end the session" { pop_transcript 03-three-failures; }
# bats test_tags=transcript
@test "APOP: right digest in any case; an unknown user fails like a wrong digest" { pop_transcript 04-apop; }
# bats test_tags=transcript
@test "wrong states, bad arguments and numbers: -ERR and the session goes on" { pop_transcript 05-transaction-errors; }
# bats test_tags=transcript
@test "RSET unmarks; QUIT removes only what is marked" { pop_transcript 06-dele-rset; }
# bats test_tags=transcript
@test "a session ending without QUIT deletes nothing" { pop_transcript 07-eof-keeps; }
# bats test_tags=transcript
@test "255-octet lines pass, longer ones get one -ERR each" { pop_transcript 08-long-lines; }
# bats test_tags=transcript
@test "no mailbox file: an empty mailbox, and QUIT creates none" {
	pop_transcript 09-empty-mailbox
	[ ! -e "$SPOOL/mail/jones" ]
}
# bats test_tags=transcript
@test "LF-only input works; output is CRLF" { pop_transcript 10-lf-session; }
# bats test_tags=transcript
@test "the twentieth protocol error ends the session" { pop_transcript 11-too-many-errors; }
# bats test_tags=transcript
@test "TOP: header, empty line, n body lines; unquoting; no final newline" { pop_transcript 12-top; }
# bats test_tags=transcript
@test "AUTH lists mechanisms; PLAIN: cancel, malformed, authzid, failure, success" { pop_transcript 13-auth-plain; }
# bats test_tags=transcript
@test "AUTH LOGIN with and without an initial response" { pop_transcript 14-auth-login; }
# bats test_tags=transcript
@test "AUTH CRAM-MD5: no initial response; an unknown user fails like a wrong digest" { pop_transcript 15-auth-cram-md5; }

# bats test_tags=transcript
@test "a hashed secret in the users file: no APOP timestamp, no CRAM-MD5; both refused as not offered" { pop_transcript 16-no-apop-with-hashes; }

# Sends raw bytes (printf format) to pop3d; replies without CR in $output.
raw_session() {
	run bash -c 'printf "$0" | "$@" | tr -d "\r"' "$1" "$BIN/pop3d" \
	    "${POP3D_ARGS[@]}" "${@:2}"
}

LOGIN='USER alice\r\nPASS alice-pw\r\n'

@test "the corpus: LIST size == RETR octets, RETR exact, TOP 0 and 3 exact (mboxrd and mboxo)" {
	run python3 "$BATS_TEST_DIRNAME/lib/popcorpus.py" "$BIN/spooltool" \
	    "$SPOOL/mail" "$BIN/pop3d" "${POP3D_ARGS[@]}"
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | grep -q '^alice: 11 messages exact'
	echo "$output" | grep -q '^brown: 10 messages exact'
}

@test "NUL bytes and 300-octet lines in both states: one -ERR each, session goes on" {
	long=$(printf 'x%.0s' $(seq 300))
	raw_session "NO\000OP\r\nUSER al\000ice\r\n${long}\r\n${LOGIN}ST\000AT\r\nRETR \000\r\n${long}\r\nSTAT\r\nQUIT\r\n"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | grep -c '^-ERR NUL byte in command')" -eq 4 ]
	[ "$(echo "$output" | grep -c '^-ERR Line too long')" -eq 2 ]
	echo "$output" | grep -q '^+OK Logged in'
	[ "${lines[-2]}" = "+OK 0 0" ]
	[ "${lines[-1]}" = "+OK Bye" ]
}

@test "binary garbage in both states: the session ends cleanly, mailbox unchanged" {
	mailbox_put alice "$BATS_TEST_DIRNAME/pop3d/01-rfc1939-example.mrose.before"
	for state in auth trans; do
		python3 -c '
import random, sys
random.seed(int(sys.argv[1]))
if sys.argv[2] == "trans":
    sys.stdout.buffer.write(b"USER alice\r\nPASS alice-pw\r\nDELE 1\r\n")
sys.stdout.buffer.write(bytes(random.getrandbits(8) for _ in range(200000)))
' 7 "$state" >"$BATS_TEST_TMPDIR/garbage"
		run bash -c '"$@" <"$0" | tr -d "\r"' "$BATS_TEST_TMPDIR/garbage" \
		    "$BIN/pop3d" "${POP3D_ARGS[@]}"
		echo "$state: $(echo "$output" | tail -n 3)"
		[ "$status" -eq 0 ]
		[ "${lines[-1]}" = "-ERR Too many errors, closing connection" ]
		cmp "$BATS_TEST_DIRNAME/pop3d/01-rfc1939-example.mrose.before" "$SPOOL/mail/alice"
	done
}

@test "poplib drives a whole session: stat, list, uidl, retr, top, dele, quit; then apop" {
	mailbox_put alice "$BATS_TEST_DIRNAME/pop3d/01-rfc1939-example.mrose.before"
	# every secret {PLAIN}, so that APOP is offered
	run python3 - "$BIN/pop3d" "${POP3D_ARGS[@]}" -p "$PLAIN_USERS" <<'PY'
import sys
from pipeclients import PipePOP3
box = PipePOP3(sys.argv[1:])
assert box.getwelcome().startswith(b"+OK test.example POP3 ready <")
caps = box.capa()
for cap in ("TOP", "USER", "UIDL", "RESP-CODES", "AUTH-RESP-CODE",
            "PIPELINING", "EXPIRE", "IMPLEMENTATION"):
    assert cap in caps, cap
assert caps["EXPIRE"] == ["NEVER"]
box.user("alice")
box.pass_("alice-pw")
assert box.stat() == (2, 320)
_, listing, _ = box.list()
assert listing == [b"1 120", b"2 200"]
_, uids, _ = box.uidl()
assert len(uids) == 2 and uids[0] != uids[1]
_, lines, octets = box.retr(2)
assert octets == 200 and lines[2] == b"Subject: second of two"
_, lines, _ = box.top(1, 0)
assert lines[-1] == b"" and lines[2] == b"Subject: first of two"
box.dele(1)
assert box.stat() == (1, 200)
print(box.quit())
# APOP, as poplib computes it from the greeting
box = PipePOP3(sys.argv[1:])
assert box.apop("alice", "alice-pw").startswith(b"+OK Logged in, 1 messages")
box.quit()
PY
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "b'+OK Bye, 1 deleted'" ]
	[ "$(grep -c '^From ' "$SPOOL/mail/alice")" -eq 1 ]
	grep -q '^Subject: second of two' "$SPOOL/mail/alice"
}

@test "UIDL: stable across sessions and deletions, unique for identical deliveries" {
	for i in 1 2 3; do
		printf 'Subject: same bytes\n\nidentical\n' |
		    "$BIN/spooltool" deliver "$SPOOL/mail" s@x.example alice
	done
	printf 'Subject: other\n\nother\n' |
	    "$BIN/spooltool" deliver "$SPOOL/mail" s@x.example alice
	[ "$(id -u)" -ne 0 ] || chown nobody "$SPOOL/mail/alice" "$SPOOL/mail/.alice.journal"
	# and twice the same message through smtpd
	for i in 1 2; do
		printf 'HELO c\r\nMAIL FROM:<s@x.example>\r\nRCPT TO:<alice@test.example>\r\nDATA\r\nSubject: same again\r\n\r\nidentical\r\n.\r\nQUIT\r\n' |
		    "$BIN/smtpd" "${SMTPD_ARGS[@]}" >/dev/null
	done
	run python3 - "$BIN/pop3d" "${POP3D_ARGS[@]}" <<'PY'
import re, sys
from pipeclients import PipePOP3

def uids():
    box = PipePOP3(sys.argv[1:])
    box.user("alice")
    box.pass_("alice-pw")
    _, lines, _ = box.uidl()
    one = box.uidl(2).split()
    return box, dict(l.split() for l in lines), one

box, first, one = uids()
box.quit()
assert len(first) == 6 and len(set(first.values())) == 6, first
assert one == [b"+OK", b"2", first[b"2"]], one
for uid in first.values():
    assert re.fullmatch(rb"[\x21-\x7e]{1,70}", uid), uid
box, second, _ = uids()
assert second == first, (first, second)
box.dele(4)          # the other message, between the identical ones
box.quit()
box, third, _ = uids()
box.quit()
after = [v for k, v in sorted(first.items(), key=lambda kv: int(kv[0]))
         if k != b"4"]
now = [v for k, v in sorted(third.items(), key=lambda kv: int(kv[0]))]
assert now == after, (first, third)
print("uids ok")
PY
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "uids ok" ]
}

@test "a second login gets [IN-USE]; mail delivered during a session survives its QUIT" {
	mailbox_put alice "$BATS_TEST_DIRNAME/pop3d/01-rfc1939-example.mrose.before"
	run python3 - "$BIN/pop3d" "${POP3D_ARGS[@]}" -- "$BIN/smtpd" "${SMTPD_ARGS[@]}" -w 1 <<'PY'
import poplib, subprocess, sys
from pipeclients import PipePOP3

cut = sys.argv.index("--")
pop, smtpd = sys.argv[1:cut], sys.argv[cut + 1:]
box = PipePOP3(pop)
box.user("alice")
box.pass_("alice-pw")
assert box.stat() == (2, 320)
other = PipePOP3(pop)
other.user("alice")
try:
    other.pass_("alice-pw")
    raise SystemExit("a second login was accepted")
except poplib.error_proto as e:
    assert e.args[0].startswith(b"-ERR [IN-USE]"), e
other.quit()
box.dele(1)
# the open session holds no mailbox lock: the delivery cannot wait (-w 1)
out = subprocess.run(smtpd, capture_output=True, input=
    b"HELO c\r\nMAIL FROM:<s@x.example>\r\nRCPT TO:<alice@test.example>\r\n"
    b"DATA\r\nSubject: arrived during the session\r\n\r\nhello\r\n.\r\n"
    b"QUIT\r\n").stdout
assert b"250 2.0.0 OK" in out, out
assert box.stat() == (1, 200)    # the session's view is its login's
print(box.quit())
box = PipePOP3(pop)
box.user("alice")
box.pass_("alice-pw")
count, _ = box.stat()
subjects = [box.top(i, 0)[1] for i in range(1, count + 1)]
assert count == 2, subjects
assert b"Subject: second of two" in subjects[0], subjects
assert b"Subject: arrived during the session" in subjects[1], subjects
box.quit()
print("kept")
PY
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "b'+OK Bye, 1 deleted'" ]
	[ "${lines[1]}" = "kept" ]
}

# pop_env SCRIPT VAR=VALUE... -- OPTION...: sends the CRLF transcript
# SCRIPT through popsession.py to pop3d run under env VAR=VALUE...;
# replies without CR in $output.
pop_env() {
	local script="$1" envs=()
	shift
	while [ "$1" != "--" ]; do envs+=("$1"); shift; done
	shift
	run bash -c 'printf "%s" "$0" | "$@" | tr -d "\r"' "$script" \
	    env "${envs[@]}" python3 "$BATS_TEST_DIRNAME/lib/popsession.py" \
	    "$BIN/pop3d" "${POP3D_ARGS[@]}" "$@"
}

@test "plaintext logins follow -P: pipe, loopback and TLS yes; other peers only with -P; APOP always" {
	mailbox_put alice "$BATS_TEST_DIRNAME/pop3d/01-rfc1939-example.mrose.before"
	POP3D_ARGS+=(-p "$PLAIN_USERS")
	plain=$'CAPA\r\nUSER alice\r\nPASS alice-pw\r\nQUIT\r\n'
	apop=$'APOP alice @APOP:alice-pw@\r\nQUIT\r\n'
	sasl=$'AUTH\r\nAUTH PLAIN AGFsaWNlAGFsaWNlLXB3\r\nAUTH LOGIN\r\nAUTH CRAM-MD5\r\n@CRAM:alice:alice-pw@\r\nQUIT\r\n'
	for case in '|-|yes' '127.0.0.1|-|yes' '127.9.9.9|-|yes' '::1|-|yes' \
	    '::ffff:127.0.0.2|-|yes' '192.0.2.7|-|no' '::ffff:192.0.2.7|-|no' \
	    '2001:db8::7|-|no' '192.0.2.7|-P|yes' \
	    '192.0.2.7|SSL_PROTOCOL=TLSv1.3|yes' \
	    '2001:db8::7|TLS_PROTOCOL=TLSv1.2|yes'; do
		IFS='|' read -r addr extra want <<<"$case"
		envs=("TCPREMOTEIP=$addr") args=()
		[[ "$extra" != *=* ]] || envs+=("$extra")
		[ "$extra" != -P ] || args=(-P)
		pop_env "$plain" "${envs[@]}" -- "${args[@]}"
		echo "peer '$addr' $extra: $output"
		[ "$status" -eq 0 ]
		if [ "$want" = yes ]; then
			echo "$output" | grep -qx USER
			echo "$output" | grep -qx 'SASL CRAM-MD5 PLAIN LOGIN'
			echo "$output" | grep -q '^+OK Logged in, 2 messages'
			continue
		fi
		! echo "$output" | grep -qx USER
		echo "$output" | grep -qx 'SASL CRAM-MD5'
		echo "$output" | grep -qx -- '-ERR \[AUTH\] Plaintext authentication disallowed on non-secure connections'
		echo "$output" | grep -qx -- '-ERR Send USER first'
		! echo "$output" | grep -q '^+OK Logged in'
		# APOP and CRAM-MD5 send no password: they work from anywhere;
		# AUTH PLAIN and LOGIN do not
		pop_env "$apop" "${envs[@]}" --
		echo "$output" | grep -q '^+OK Logged in, 2 messages'
		pop_env "$sasl" "${envs[@]}" --
		echo "$output"
		[ "$(echo "$output" | grep -cx -- '-ERR \[AUTH\] Plaintext authentication disallowed on non-secure connections')" -eq 2 ]
		[ "$(echo "$output" | sed -n '3,4p' | tr '\n' ' ')" = "CRAM-MD5 . " ]
		echo "$output" | grep -q '^+OK Logged in, 2 messages'
	done
}

@test "startup failures: sysexits code and an -ERR line, before any greeting" {
	run "$BIN/pop3d" -Q
	[ "$status" -eq 64 ]
	[ "$(echo "$output" | tr -d '\r' | tail -n 1)" = "-ERR [SYS/TEMP] Service not available" ]
	run "$BIN/pop3d" "${POP3D_ARGS[@]}" extra
	[ "$status" -eq 64 ]
	run "$BIN/pop3d" "${POP3D_ARGS[@]}" -t 0
	[ "$status" -eq 64 ]
	run "$BIN/pop3d" "${POP3D_ARGS[@]}" -p "$SPOOL/missing"
	[ "$status" -eq 66 ]
	echo "$output" | grep -q '^-ERR '
	! echo "$output" | grep -q '^+OK'
	if [ "$(id -u)" -eq 0 ]; then
		# as root, with no -U and a spool owned by root: refuse
		run "$BIN/pop3d" -l -n t -s "$SPOOL" -p "$USERS" </dev/null
		[ "$status" -eq 77 ]
		echo "$output" | grep -q 'refusing to run as root'
		run "$BIN/pop3d" "${POP3D_ARGS[@]}" -l -U no-such-user-here </dev/null
		[ "$status" -eq 77 ]
		echo "$output" | grep -q 'no such user no-such-user-here in /etc/passwd'
	fi
}

@test "syslog lines: connect, login and failure without the password, deleted, disconnect" {
	mailbox_put alice "$BATS_TEST_DIRNAME/pop3d/01-rfc1939-example.mrose.before"
	run bash -c 'printf "$0" | "$@" 2>&1 >/dev/null' \
	    "USER alice\r\nPASS secret-guess\r\n${LOGIN}RETR 1\r\nDELE 1\r\nQUIT\r\n" \
	    "$BIN/pop3d" "${POP3D_ARGS[@]}" -l
	echo "$output"
	echo "$output" | grep -q 'connect client=local'
	echo "$output" | grep -q 'login failed client=local user=alice method=user'
	! echo "$output" | grep -q 'secret-guess'
	! echo "$output" | grep -q 'alice-pw'
	echo "$output" | grep -q 'login client=local user=alice method=user messages=2 octets=320'
	echo "$output" | grep -q 'deleted client=local user=alice messages=1 octets=120'
	echo "$output" | grep -q 'disconnect client=local user=alice how=quit retrieved=1 retrieved_octets=120'
}

@test "nothing reaches stderr without -l" {
	run bash -c 'printf "USER alice\r\nPASS bad\r\nBOGUS\r\n${0}STAT\r\nQUIT\r\n" | "$@" 2>&1 >/dev/null' \
	    "$LOGIN" "$BIN/pop3d" "${POP3D_ARGS[@]}"
	[ -z "$output" ]
}

@test "a failed login is answered after about a second" {
	start=$(date +%s%N)
	raw_session "USER alice\r\nPASS bad\r\nQUIT\r\n"
	elapsed=$((($(date +%s%N) - start) / 1000000))
	echo "$elapsed ms: $output"
	[ "${lines[2]}" = "-ERR [AUTH] Authentication failed" ]
	[ "$elapsed" -ge 950 ]
}

@test "idle timeout: -ERR, the session ends, nothing deleted" {
	mailbox_put alice "$BATS_TEST_DIRNAME/pop3d/01-rfc1939-example.mrose.before"
	run bash -c '{ printf "$0"; sleep 3; } | "$@" | tr -d "\r"' \
	    "${LOGIN}DELE 1\r\n" "$BIN/pop3d" "${POP3D_ARGS[@]}" -t 1
	echo "$output"
	[ "${lines[-1]}" = "-ERR Idle timeout, closing connection" ]
	cmp "$BATS_TEST_DIRNAME/pop3d/01-rfc1939-example.mrose.before" "$SPOOL/mail/alice"
}

@test "a mailbox lock held past -w: [IN-USE] at login, [SYS/TEMP] at QUIT, nothing removed" {
	box="$BATS_TEST_DIRNAME/pop3d/01-rfc1939-example.mrose.before"
	mailbox_put alice "$box"
	"$BIN/spooltool" lock "$SPOOL/mail" alice 3 >"$BATS_TEST_TMPDIR/lock" &
	pid=$!
	while ! grep -q locked "$BATS_TEST_TMPDIR/lock" 2>/dev/null; do sleep 0.05; done
	raw_session "${LOGIN}QUIT\r\n" -w 1
	echo "$output"
	[ "${lines[2]}" = "-ERR [IN-USE] Mailbox busy, try again later" ]
	wait "$pid"
	# logged in; then the lock is taken and held over QUIT
	{ printf "${LOGIN}DELE 1\r\n"; sleep 2; printf 'QUIT\r\n'; } |
	    "$BIN/pop3d" "${POP3D_ARGS[@]}" -w 1 >"$BATS_TEST_TMPDIR/out" &
	pid=$!
	while ! grep -q 'Message deleted' "$BATS_TEST_TMPDIR/out"; do sleep 0.05; done
	"$BIN/spooltool" lock "$SPOOL/mail" alice 4 >"$BATS_TEST_TMPDIR/lock" &
	lock_pid=$!
	wait "$pid"
	wait "$lock_pid"
	tr -d '\r' <"$BATS_TEST_TMPDIR/out"
	grep -q '^+OK Logged in, 2 messages' "$BATS_TEST_TMPDIR/out"
	[ "$(tail -n 1 "$BATS_TEST_TMPDIR/out" | tr -d '\r')" = "-ERR [SYS/TEMP] Unable to remove the deleted messages, try again later" ]
	cmp "$box" "$SPOOL/mail/alice"
}

@test "unsafe or foreign mailboxes: [SYS/TEMP] or [SYS/PERM] at login, nothing touched" {
	mailbox_put brown "$BATS_TEST_DIRNAME/pop3d/01-rfc1939-example.mrose.before"
	ln -s brown "$SPOOL/mail/alice"
	raw_session "${LOGIN}QUIT\r\n"
	echo "$output"
	[ "${lines[2]}" = "-ERR [SYS/TEMP] Unable to open the mailbox, try again later" ]
	rm "$SPOOL/mail/alice"
	printf 'not an mbox\n' >"$BATS_TEST_TMPDIR/junk"
	mailbox_put alice "$BATS_TEST_TMPDIR/junk"
	raw_session "${LOGIN}QUIT\r\n"
	echo "$output"
	[ "${lines[2]}" = "-ERR [SYS/PERM] The mailbox is not in mbox format" ]
	cmp "$BATS_TEST_TMPDIR/junk" "$SPOOL/mail/alice"
	[ "${lines[3]}" = "+OK Bye" ]
}

@test "QUIT when the rewrite fails: -ERR [SYS/TEMP], nothing removed" {
	box="$BATS_TEST_DIRNAME/pop3d/01-rfc1939-example.mrose.before"
	# the rewrite's first fsync and write, found by path; the session's
	# one renameat (strace cannot match a path relative to a dirfd)
	new="$SPOOL/mail/.alice.rewrite"
	for fault in fsync:ENOSPC:"$new" write:EIO:"$new" renameat:EIO:/; do
		IFS=: read -r call err path <<<"$fault"
		mailbox_put alice "$box"
		filter=()
		[ "$path" = / ] || filter=(-P "$path")
		run bash -c 'printf "$0" | ASAN_OPTIONS=detect_leaks=0 strace -f -o /dev/null -e trace=$1 -e inject=$1:error=$2:when=1 "${@:3}" | tr -d "\r"' \
		    "${LOGIN}DELE 1\r\nQUIT\r\n" "$call" "$err" "${filter[@]}" \
		    "$BIN/pop3d" "${POP3D_ARGS[@]}"
		echo "$call=$err: $output"
		[ "${lines[-1]}" = "-ERR [SYS/TEMP] Unable to remove the deleted messages, try again later" ]
		cmp "$box" "$SPOOL/mail/alice"
		[ ! -e "$SPOOL/mail/.alice.rewrite" ]
	done
}

@test "QUIT after another program replaced the mailbox: -ERR [SYS/TEMP], its file kept" {
	box="$BATS_TEST_DIRNAME/pop3d/01-rfc1939-example.mrose.before"
	mailbox_put alice "$box"
	run python3 - "$SPOOL/mail/alice" "$BIN/pop3d" "${POP3D_ARGS[@]}" <<'PY'
import os, poplib, shutil, sys
from pipeclients import PipePOP3
path = sys.argv[1]
box = PipePOP3(sys.argv[2:])
box.user("alice")
box.pass_("alice-pw")
box.dele(1)
st = os.stat(path)
shutil.copy(path, path + ".new")
with open(path + ".new", "ab") as f:
    f.write(b"From other@example.org Thu Jan  1 00:00:02 1998\nSubject: third\n\n")
os.chown(path + ".new", st.st_uid, st.st_gid)
os.replace(path + ".new", path)
try:
    box.quit()
    raise SystemExit("QUIT succeeded")
except poplib.error_proto as e:
    print(e.args[0].decode())
PY
	echo "$output"
	[ "$output" = "-ERR [SYS/TEMP] The mailbox was changed by another program; none was removed" ]
	[ "$(grep -c '^From ' "$SPOOL/mail/alice")" -eq 3 ]
}

@test "QUIT after another program rewrote the mailbox in place: -ERR [SYS/TEMP], nothing removed" {
	box="$BATS_TEST_DIRNAME/pop3d/01-rfc1939-example.mrose.before"
	# the From_ line of the kept message (2), then of the deleted one (1)
	for target in 2 1; do
		mailbox_put alice "$box"
		run python3 - "$SPOOL/mail/alice" "$target" "$BIN/pop3d" "${POP3D_ARGS[@]}" <<'PY'
import poplib, sys
from pipeclients import PipePOP3
path, target = sys.argv[1], int(sys.argv[2])
box = PipePOP3(sys.argv[3:])
box.user("alice")
box.pass_("alice-pw")
box.dele(1)
with open(path, "r+b") as f:
    data = f.read()
    # a From_ line starts the file or follows an empty line
    at = 0 if target == 1 else data.index(b"\n\nFrom ") + 2
    f.seek(at)
    f.write(b"Xrom ")
try:
    box.quit()
    raise SystemExit("QUIT succeeded")
except poplib.error_proto as e:
    print(e.args[0].decode())
PY
		echo "message $target: $output"
		[ "$output" = "-ERR [SYS/TEMP] The mailbox was changed by another program; none was removed" ]
		[ "$(grep -c '^Xrom ' "$SPOOL/mail/alice")" -eq 1 ]
		[ ! -e "$SPOOL/mail/.alice.rewrite" ]
	done
}

# A realistic mailbox: N messages of about 3 KB, some >From lines, 8-bit.
big_mailbox() {
	python3 - "$1" "$2" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
with open(path, "wb") as f:
    for i in range(n):
        f.write(b"From sender%d@example.org Mon Nov 23 10:00:00 2026\n" % (i % 97))
        f.write(b"Received: from mx%d.example.org by test.example\n" % i)
        f.write(b"From: Sender <sender%d@example.org>\nTo: alice@test.example\n" % i)
        f.write(b"Subject: message %d caf\xc3\xa9\nMessage-ID: <%d@example.org>\n\n" % (i, i))
        for j in range(35 + i % 20):
            f.write(b">From a quoted line\n" if j == 7 and i % 5 == 0 else
                    b"line %d of message %d, some text to make it realistic\n" % (j, i))
        f.write(b"\n")
PY
}

@test "10,000 messages: login and STAT read the file once; memory grows with messages, not size" {
	big_mailbox 10000 "$BATS_TEST_TMPDIR/big"
	mailbox_put alice "$BATS_TEST_TMPDIR/big"
	size=$(stat -c %s "$SPOOL/mail/alice")
	printf "${LOGIN}STAT\r\nQUIT\r\n" >"$BATS_TEST_TMPDIR/in"
	ASAN_OPTIONS=detect_leaks=0 strace -f -o "$BATS_TEST_TMPDIR/trace" -e trace=read,pread64 \
	    -P "$SPOOL/mail/alice" "$BIN/pop3d" "${POP3D_ARGS[@]}" <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out"
	grep -q '^+OK 10000 ' "$BATS_TEST_TMPDIR/out"
	read_bytes=$(sed -nE 's/.*= ([0-9]+)$/\1/p' "$BATS_TEST_TMPDIR/trace" | paste -sd+ | bc)
	calls=$(grep -c 'read' "$BATS_TEST_TMPDIR/trace")
	echo "file $size bytes; read $read_bytes bytes in $calls calls"
	[ "$read_bytes" -le $((size + 65536)) ]
	[ "$calls" -le $((size / 131072 + 8)) ]
	[ "${SANITIZE:-0}" = 1 ] && skip "sanitizer runtimes inflate RSS"
	printf "${LOGIN}STAT\r\nUIDL\r\nLIST\r\nQUIT\r\n" >"$BATS_TEST_TMPDIR/in"
	/usr/bin/time -f '%M' -o "$BATS_TEST_TMPDIR/rss" "$BIN/pop3d" \
	    "${POP3D_ARGS[@]}" <"$BATS_TEST_TMPDIR/in" >/dev/null
	echo "10,000 messages: peak RSS $(cat "$BATS_TEST_TMPDIR/rss") KB"
	[ "$(cat "$BATS_TEST_TMPDIR/rss")" -lt 8192 ]
	# one 20 MB message: RETR streams it
	{ printf 'From s@x Mon Nov 23 10:00:00 2026\nSubject: big\n\n'
	  yes 'a line of a big message' | head -c 20000000; printf '\n'; } >"$BATS_TEST_TMPDIR/one"
	mailbox_put alice "$BATS_TEST_TMPDIR/one"
	printf "${LOGIN}RETR 1\r\nQUIT\r\n" >"$BATS_TEST_TMPDIR/in"
	/usr/bin/time -f '%M' -o "$BATS_TEST_TMPDIR/rss" "$BIN/pop3d" \
	    "${POP3D_ARGS[@]}" <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out"
	echo "20 MB message: peak RSS $(cat "$BATS_TEST_TMPDIR/rss") KB"
	[ "$(cat "$BATS_TEST_TMPDIR/rss")" -lt 8192 ]
	[ "$(stat -c %s "$BATS_TEST_TMPDIR/out")" -gt 20000000 ]
}

@test "an empty {PLAIN} secret never logs in: PASS, AUTH PLAIN, APOP, CRAM-MD5; smtpd AUTH likewise" {
	printf 'demo:{PLAIN}\nalice:{PLAIN}alice-pw\n' >"$SPOOL/empty"
	chmod 0644 "$SPOOL/empty"
	empty=$(printf '\0demo\0' | base64 -w0)
	pop_env $'USER demo\r\nPASS \r\nAUTH PLAIN '"$empty"$'\r\nAPOP demo @APOP:@\r\nQUIT\r\n' -- -p "$SPOOL/empty"
	echo "$output"
	[ "$(echo "$output" | grep -c '^-ERR \[AUTH\] Authentication failed')" -eq 2 ]
	! echo "$output" | grep -q '^+OK Logged in'
	pop_env $'AUTH CRAM-MD5\r\n@CRAM:demo:@\r\nQUIT\r\n' -- -p "$SPOOL/empty"
	echo "$output"
	echo "$output" | grep -q '^-ERR \[AUTH\] Authentication failed'
	run bash -c 'printf "$0" | "$@" | tr -d "\r"' "EHLO c\r\nAUTH PLAIN $empty\r\nQUIT\r\n" \
	    "$BIN/smtpd" "${SMTPD_ARGS[@]}" -p "$SPOOL/empty"
	echo "$output"
	echo "$output" | grep -qx '535 5.7.8 Authentication credentials invalid'
}

