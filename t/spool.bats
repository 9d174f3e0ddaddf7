#!/usr/bin/env bats
# spool/: the mbox format, read-back, ids, deletion, locking and refusal
# of unsafe files (SPEC section 6). Failures and crashes: no-loss-spool.bats.

load lib/helpers

setup() {
	spool_setup
	export TZ=UTC
}

deliver() {
	"$BIN/spooltool" deliver "$SPOOL" "$@"
}

@test "round trip of tricky bodies: read back equals what was written" {
	i=0
	for body in 'From at depth 0\nFrom me\n' \
	    '>From at depth 1\n>From me\n' \
	    'depths 2 and 3\n>>From a\n>>>From b\n' \
	    'dot lines\n.\n..\n.x\n' \
	    'CRLF inside\r\nFrom crlf\r\n' \
	    '8-bit caf\303\251 and a NUL \000 here\n' \
	    'no final newline' \
	    '' \
	    '\n\nempty lines around\n\n'; do
		i=$((i + 1))
		printf "$body" >"$BATS_TEST_TMPDIR/in.$i"
		deliver a@b.example alice <"$BATS_TEST_TMPDIR/in.$i"
	done
	[ "$(msg_count alice)" -eq "$i" ]
	for n in $(seq 1 "$i"); do
		read_msg alice "$n" >"$BATS_TEST_TMPDIR/out.$n"
		# a missing final newline is added: mbox lines end in LF
		if [ -s "$BATS_TEST_TMPDIR/in.$n" ] &&
		    [ "$(tail -c 1 "$BATS_TEST_TMPDIR/in.$n" | od -An -c | tr -d ' ')" != '\n' ]; then
			printf '\n' >>"$BATS_TEST_TMPDIR/in.$n"
		fi
		assert_same_file "$BATS_TEST_TMPDIR/in.$n" "$BATS_TEST_TMPDIR/out.$n"
	done
}

@test "the stored form is mboxrd with a From_ line and an empty last line" {
	printf 'Subject: x\n\nFrom here\n>From there\nlast' |
	    "$BIN/spooltool" -T 0 deliver "$SPOOL" a@b.example alice
	printf 'body\n' | "$BIN/spooltool" -T 86400 deliver "$SPOOL" "" alice
	printf '%s\n' 'From a@b.example Thu Jan  1 00:00:00 1970' 'Subject: x' '' \
	    '>From here' '>>From there' 'last' '' \
	    'From MAILER-DAEMON Fri Jan  2 00:00:00 1970' 'body' '' \
	    >"$BATS_TEST_TMPDIR/want"
	assert_same_file "$BATS_TEST_TMPDIR/want" "$SPOOL/alice"
	[ "$(stat -c %a "$SPOOL/alice")" = 600 ]
}

@test "CRLF sizes equal the bytes a CRLF read sends, TOP sends header + N lines" {
	printf 'H: 1\nH2: 2\n\nb1\nFrom b2\nb3\n' | deliver a@b alice
	run "$BIN/spooltool" scan "$SPOOL" alice
	size=$(echo "${lines[1]}" | cut -d' ' -f2)
	[ "$("$BIN/spooltool" read "$SPOOL" alice 1 -1 crlf | wc -c)" -eq "$size" ]
	[ "$size" -eq $((6 + 7 + 2 + 4 + 9 + 4)) ]
	run "$BIN/spooltool" read "$SPOOL" alice 1 0 crlf
	[ "$output" = "$(printf 'H: 1\r\nH2: 2\r\n\r')" ]
	run "$BIN/spooltool" read "$SPOOL" alice 1 2 crlf
	[ "$output" = "$(printf 'H: 1\r\nH2: 2\r\n\r\nb1\r\nFrom b2\r')" ]
	# more lines than the body has: the whole message
	run "$BIN/spooltool" read "$SPOOL" alice 1 99 crlf
	[ "$(printf '%s\n' "$output" | wc -c)" -eq "$size" ]
}

@test "mbox files written by Python's mailbox module (mboxo) read back" {
	python3 - "$SPOOL/py" <<'PY'
import mailbox, sys
box = mailbox.mbox(sys.argv[1])
box.add(b"Subject: one\n\nFrom the start of a line\nplain\n")
box.add(b"Subject: two\n\n.\n..\n8-bit \xc3\xa9\n")
box.add(b"Subject: three\n\nno final newline")
box.flush()
PY
	[ "$(msg_count py)" -eq 3 ]
	read_msg py 1 >"$BATS_TEST_TMPDIR/1"
	printf 'Subject: one\n\nFrom the start of a line\nplain\n' >"$BATS_TEST_TMPDIR/want"
	assert_same_file "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/1"
	read_msg py 2 >"$BATS_TEST_TMPDIR/2"
	printf 'Subject: two\n\n.\n..\n8-bit \303\251\n' >"$BATS_TEST_TMPDIR/want"
	assert_same_file "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/2"
	run read_msg py 3
	[ "$output" = "$(printf 'Subject: three\n\nno final newline')" ]
}

@test "sizes of a hostile multi-megabyte mbox match a line-by-line reference" {
	# CR LF, lone CRs, From_ lines quoted and not, empty lines and long
	# lines, at every offset of the scanner's 16-byte blocks and 256 KB
	# reads; sizes worked out in Python, then some checked against RETR.
	for seed in 1 2 3 4; do
		python3 "$BATS_TEST_DIRNAME/lib/mboxsizes.py" "$seed" \
		    "$SPOOL/big" >"$BATS_TEST_TMPDIR/want"
		"$BIN/spooltool" scan "$SPOOL" big | tail -n +2 | cut -d' ' -f1,2 \
		    >"$BATS_TEST_TMPDIR/got"
		assert_same_file "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
		total=$(wc -l <"$BATS_TEST_TMPDIR/want")
		for n in 1 $((total / 3)) $((total / 2)) $((total - 1)) "$total"; do
			size=$(sed -n "${n}p" "$BATS_TEST_TMPDIR/want" | cut -d' ' -f2)
			[ "$("$BIN/spooltool" read "$SPOOL" big "$n" -1 crlf | wc -c)" -eq "$size" ]
		done
	done
}

@test "a hand-written procmail-style mbox reads back, sizes match" {
	cp "$BATS_TEST_DIRNAME/data/procmail.mbox" "$SPOOL/pm"
	[ "$(msg_count pm)" -eq 3 ]
	run read_msg pm 1
	[ "${lines[3]}" = "From an mboxo-quoted line" ]
	run read_msg pm 2
	[ "$output" = "$(printf 'Subject: second, with a trailing remote-from\n\nBody line.')" ]
	run read_msg pm 3
	[ "${lines[-1]}" = "last line has no newline" ]
	for n in 1 2 3; do
		size=$("$BIN/spooltool" scan "$SPOOL" pm | sed -n "$((n + 1))p" | cut -d' ' -f2)
		[ "$("$BIN/spooltool" read "$SPOOL" pm "$n" -1 crlf | wc -c)" -eq "$size" ]
	done
	# Our append after a last line without newline keeps both messages whole.
	printf 'appended\n' | deliver x@y pm
	[ "$(msg_count pm)" -eq 4 ]
	run read_msg pm 3
	[ "${lines[-1]}" = "last line has no newline" ]
	run read_msg pm 4
	[ "$output" = "appended" ]
	python3 -c "import mailbox,sys; assert len(mailbox.mbox(sys.argv[1])) == 4" "$SPOOL/pm"
}

@test "a file that is not an mbox is refused, not cut" {
	printf 'Subject: no From_ line\n\nbody\n' >"$SPOOL/junk"
	cp "$SPOOL/junk" "$BATS_TEST_TMPDIR/before"
	run "$BIN/spooltool" scan "$SPOOL" junk
	[ "$status" -eq 17 ]
	assert_same_file "$BATS_TEST_TMPDIR/before" "$SPOOL/junk"
}

@test "ids: unique for identical bytes, stable across sessions and deletions" {
	for n in 1 2 3; do printf 'Subject: %s\n\nbody\n' "$n" | deliver a@b alice; done
	# the same bytes twice, even with the same From_ line date
	printf 'same\n' | "$BIN/spooltool" -T 1000 deliver "$SPOOL" a@b alice
	printf 'same\n' | "$BIN/spooltool" -T 1000 deliver "$SPOOL" a@b alice
	"$BIN/spooltool" scan "$SPOOL" alice | tail -n +2 | cut -d' ' -f3 >"$BATS_TEST_TMPDIR/ids1"
	[ "$(sort -u "$BATS_TEST_TMPDIR/ids1" | wc -l)" -eq 5 ]
	grep -Eqx '[0-9a-f]{32}(-[0-9]+)?' "$BATS_TEST_TMPDIR/ids1"
	"$BIN/spooltool" scan "$SPOOL" alice | tail -n +2 | cut -d' ' -f3 >"$BATS_TEST_TMPDIR/ids2"
	assert_same_file "$BATS_TEST_TMPDIR/ids1" "$BATS_TEST_TMPDIR/ids2"
	"$BIN/spooltool" delete "$SPOOL" alice 2
	"$BIN/spooltool" scan "$SPOOL" alice | tail -n +2 | cut -d' ' -f3 >"$BATS_TEST_TMPDIR/ids3"
	sed 2d "$BATS_TEST_TMPDIR/ids1" >"$BATS_TEST_TMPDIR/want"
	assert_same_file "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/ids3"
}

@test "delete first, middle, last and all; the rest stays byte for byte" {
	for n in 1 2 3 4 5; do printf 'Subject: %s\n\nbody %s\n' "$n" "$n" | deliver a@b alice; done
	"$BIN/spooltool" delete "$SPOOL" alice 1 3 5
	[ "$(msg_count alice)" -eq 2 ]
	# (bats leaves empty lines out of $lines)
	run read_msg alice 1
	[ "${lines[1]}" = "body 2" ]
	run read_msg alice 2
	[ "${lines[1]}" = "body 4" ]
	python3 -c "import mailbox,sys; assert len(mailbox.mbox(sys.argv[1])) == 2" "$SPOOL/alice"
	"$BIN/spooltool" delete "$SPOOL" alice 1 2
	[ "$(msg_count alice)" -eq 0 ]
	[ ! -s "$SPOOL/alice" ]
	[ ! -e "$SPOOL/.alice.rewrite" ]
}

@test "mail delivered while a session is open survives its deletions" {
	for n in 1 2; do printf 'old %s\n' "$n" | deliver a@b alice; done
	"$BIN/spooltool" -s 2 delete "$SPOOL" alice 1 >"$BATS_TEST_TMPDIR/del" &
	pid=$!
	while ! grep -q scanned "$BATS_TEST_TMPDIR/del" 2>/dev/null; do sleep 0.05; done
	printf 'new during session\n' | deliver a@b alice
	wait "$pid"
	[ "$(msg_count alice)" -eq 2 ]
	run read_msg alice 1
	[ "$output" = "old 2" ]
	run read_msg alice 2
	[ "$output" = "new during session" ]
}

@test "a second session gets IN-USE; deliveries still proceed" {
	printf 'x\n' | deliver a@b alice
	"$BIN/spooltool" hold "$SPOOL" alice 3 >"$BATS_TEST_TMPDIR/hold" &
	pid=$!
	while ! grep -q open "$BATS_TEST_TMPDIR/hold" 2>/dev/null; do sleep 0.05; done
	run "$BIN/spooltool" scan "$SPOOL" alice
	[ "$status" -eq 12 ]
	run deliver a@b alice <<<"during the session"
	[ "$status" -eq 0 ]
	kill "$pid"
	wait "$pid" || true
	[ "$(msg_count alice)" -eq 2 ]
}

@test "a held mailbox lock times out into a temporary failure, file unchanged" {
	printf 'x\n' | deliver a@b alice
	cp "$SPOOL/alice" "$BATS_TEST_TMPDIR/before"
	"$BIN/spooltool" lock "$SPOOL" alice 4 >"$BATS_TEST_TMPDIR/lock" &
	pid=$!
	while ! grep -q locked "$BATS_TEST_TMPDIR/lock" 2>/dev/null; do sleep 0.05; done
	start=$(date +%s)
	run "$BIN/spooltool" -w 1 deliver "$SPOOL" a@b alice <<<"blocked"
	[ "$status" -eq 11 ]
	[ $(($(date +%s) - start)) -le 3 ]
	kill "$pid"
	wait "$pid" || true
	assert_same_file "$BATS_TEST_TMPDIR/before" "$SPOOL/alice"
}

@test "a waiting delivery gets the lock as soon as it is released" {
	"$BIN/spooltool" lock "$SPOOL" alice 1 >"$BATS_TEST_TMPDIR/lock" &
	pid=$!
	while ! grep -q locked "$BATS_TEST_TMPDIR/lock" 2>/dev/null; do sleep 0.05; done
	run "$BIN/spooltool" -w 10 deliver "$SPOOL" a@b alice <<<"waited"
	[ "$status" -eq 0 ]
	wait "$pid"
	[ "$(msg_count alice)" -eq 1 ]
}

@test "symlinks, FIFOs, hard links and other owners' files are refused" {
	printf 'precious\n' >"$BATS_TEST_TMPDIR/target"
	ln -s "$BATS_TEST_TMPDIR/target" "$SPOOL/sym"
	mkfifo "$SPOOL/fifo"
	printf 'From a@b Thu Jan  1 00:00:00 1970\nx\n\n' >"$SPOOL/linked"
	ln "$SPOOL/linked" "$BATS_TEST_TMPDIR/second-link"
	for user in sym fifo linked; do
		run deliver a@b "$user" <<<"attack"
		echo "$user: $status $output"
		[ "$status" -eq 15 ]
		run "$BIN/spooltool" scan "$SPOOL" "$user"
		[ "$status" -eq 15 ]
	done
	[ "$(cat "$BATS_TEST_TMPDIR/target")" = "precious" ]
	if [ "$(id -u)" -eq 0 ]; then
		printf 'From a@b Thu Jan  1 00:00:00 1970\nx\n\n' >"$SPOOL/other"
		chown nobody "$SPOOL/other"
		run deliver a@b other <<<"not mine"
		[ "$status" -eq 15 ]
	fi
}

@test "invalid names touch nothing" {
	for user in ../escape .hidden "a/b" "" "$(printf 'x%.0s' $(seq 1 65))"; do
		run deliver a@b "$user" <<<"x"
		[ "$status" -eq 16 ]
		run "$BIN/spooltool" scan "$SPOOL" "$user"
		[ "$status" -eq 16 ]
	done
	[ -z "$(ls -A "$SPOOL")" ]
	[ ! -e "$BATS_TEST_TMPDIR/escape" ]
}

@test "all or nothing across mailboxes: one refused, none changed" {
	printf 'a\n' | deliver a@b alice
	printf 'b\n' | deliver a@b bob
	cp "$SPOOL/alice" "$BATS_TEST_TMPDIR/alice"
	cp "$SPOOL/bob" "$BATS_TEST_TMPDIR/bob"
	ln -s /etc/passwd "$SPOOL/carol"
	run deliver a@b bob carol alice <<<"to three"
	[ "$status" -eq 15 ]
	[ "${lines[0]}" = "failed: carol" ]
	assert_same_file "$BATS_TEST_TMPDIR/alice" "$SPOOL/alice"
	assert_same_file "$BATS_TEST_TMPDIR/bob" "$SPOOL/bob"
	# duplicates and case are folded: one copy each
	run deliver a@b Alice alice BOB <<<"twice"
	[ "$status" -eq 0 ]
	[ "$(msg_count alice)" -eq 2 ]
	[ "$(msg_count bob)" -eq 2 ]
}

@test "a large message streams through bounded memory" {
	[ "${SANITIZE:-0}" = 1 ] && skip "sanitizer runtimes inflate RSS"
	python3 -c '
import sys
line = b"x" * 999 + b"\n"
for i in range(20000):
    sys.stdout.buffer.write(b"From x\n" if i % 1000 == 0 else line)
' >"$BATS_TEST_TMPDIR/big"
	/usr/bin/time -f '%M' -o "$BATS_TEST_TMPDIR/rss" \
	    "$BIN/spooltool" deliver "$SPOOL" a@b alice <"$BATS_TEST_TMPDIR/big"
	echo "peak RSS: $(cat "$BATS_TEST_TMPDIR/rss") KB for a 20 MB message"
	[ "$(cat "$BATS_TEST_TMPDIR/rss")" -lt 8192 ]
	read_msg alice 1 | cmp - "$BATS_TEST_TMPDIR/big"
	/usr/bin/time -f '%M' -o "$BATS_TEST_TMPDIR/rss" \
	    "$BIN/spooltool" read "$SPOOL" alice 1 -1 crlf >/dev/null
	[ "$(cat "$BATS_TEST_TMPDIR/rss")" -lt 8192 ]
}
