#!/usr/bin/env bats
# spool/ under concurrency, SIGKILL and injected errors (SPEC section 6):
# no acknowledged message is lost, none is half-written, a failed
# operation leaves the mailbox byte for byte as it was.

load lib/helpers

setup() {
	spool_setup
	ACKED="$BATS_TEST_TMPDIR/acked"
	: >"$ACKED"
}

@test "20 concurrent appenders x 50 messages: exactly 1000 intact messages" {
	for p in $(seq 1 20); do
		(for m in $(seq 1 50); do send_msg box "p$p-m$m" $((100 + p * m)); done) &
	done
	wait
	[ "$(wc -l <"$ACKED")" -eq 1000 ]
	run mbox_check "$SPOOL/box" "$ACKED"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(msg_count box)" -eq 1000 ]
}

@test "SIGKILL at every write, pwrite and fsync of a large append: nothing partial" {
	send_msg box first 5000
	send_msg box second 7000
	cp "$SPOOL/box" "$BATS_TEST_TMPDIR/before"
	make_msg big 3000000 >"$BATS_TEST_TMPDIR/big"
	trials=0 completed=0
	for call in write pwrite64 fsync; do
		for n in $(seq 1 80); do
			run under_strace -f -o /dev/null \
			    -e inject=$call:signal=SIGKILL:when=$n \
			    "$BIN/spooltool" deliver "$SPOOL" s@x box \
			    <"$BATS_TEST_TMPDIR/big"
			if [ "$status" -eq 0 ]; then
				# past the last such call: delivered whole
				"$BIN/spooltool" delete "$SPOOL" box 3
				break
			fi
			trials=$((trials + 1))
			# the next locker recovers; the big one is whole or absent
			msg_count box >/dev/null
			echo "big:3000000" >"$BATS_TEST_TMPDIR/maybe"
			run mbox_check "$SPOOL/box" "$ACKED" --allow "$BATS_TEST_TMPDIR/maybe"
			[ "$status" -eq 0 ] || { echo "$call #$n: $output"; false; }
			if [ "$(msg_count box)" -eq 3 ]; then
				completed=$((completed + 1))
				"$BIN/spooltool" delete "$SPOOL" box 3
			fi
			assert_same_file "$BATS_TEST_TMPDIR/before" "$SPOOL/box"
		done
	done
	echo "killed trials: $trials, of which complete before the kill: $completed"
	[ "$trials" -ge 50 ]
}

@test "SIGKILL at random moments of many appends: every mailbox parses" {
	make_msg big 2000000 >"$BATS_TEST_TMPDIR/big"
	: >"$BATS_TEST_TMPDIR/maybe"
	for trial in $(seq 1 40); do
		send_msg box "ok$trial" 3000
		"$BIN/spooltool" deliver "$SPOOL" s@x box other <"$BATS_TEST_TMPDIR/big" &
		pid=$!
		sleep "0.0$((RANDOM % 10))$((RANDOM % 10))"
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" || true
		msg_count box >/dev/null
		echo "big:2000000" >"$BATS_TEST_TMPDIR/maybe"
		run mbox_check "$SPOOL/box" "$ACKED" --allow "$BATS_TEST_TMPDIR/maybe"
		[ "$status" -eq 0 ] || { echo "trial $trial: $output"; false; }
		# remove a completed big one so the next trial can tell again
		while "$BIN/spooltool" scan "$SPOOL" box | grep -q ' ' &&
		    [ "$(msg_count box)" -gt "$(wc -l <"$ACKED")" ]; do
			"$BIN/spooltool" delete "$SPOOL" box "$(msg_count box)"
		done
	done
	[ -z "$(find "$SPOOL" -name '.msg.*')" ]
}

@test "a rewrite racing with appends loses nothing" {
	for m in $(seq 1 20); do send_msg box "pre$m" 500; done
	(for m in $(seq 1 150); do send_msg box "race$m" 800; done) &
	appender=$!
	popped="$BATS_TEST_TMPDIR/popped"
	: >"$popped"
	while kill -0 "$appender" 2>/dev/null; do
		if out=$("$BIN/spooltool" pop "$SPOOL" box 1); then
			echo "$out" | sed -n 's/^Subject: //p' >>"$popped"
		fi
	done
	wait "$appender"
	[ "$(wc -l <"$popped")" -gt 5 ]
	# what was acknowledged is in the mailbox, or was popped: never both
	grep -vxF -f "$popped" "$ACKED" >"$BATS_TEST_TMPDIR/remaining" || true
	run mbox_check "$SPOOL/box" "$BATS_TEST_TMPDIR/remaining"
	echo "$output"
	[ "$status" -eq 0 ]
	[ $(( $(wc -l <"$popped") + $(wc -l <"$BATS_TEST_TMPDIR/remaining") )) -eq 170 ]
}

@test "SIGKILL at every step of a rewrite: the old mailbox or the new, never a mix" {
	for m in $(seq 1 30); do send_msg box "m$m" 20000; done
	cp "$SPOOL/box" "$BATS_TEST_TMPDIR/old"
	grep -vx 'm2:20000' "$ACKED" | grep -vx 'm29:20000' >"$BATS_TEST_TMPDIR/new"
	for call in write fsync renameat; do
		for n in 1 2 3 5 8; do
			run under_strace -f -o /dev/null \
			    -e inject=$call:signal=SIGKILL:when=$n \
			    "$BIN/spooltool" delete "$SPOOL" box 2 29
			if [ "$status" -eq 0 ]; then
				cp "$BATS_TEST_TMPDIR/old" "$SPOOL/box"
				continue
			fi
			if cmp -s "$SPOOL/box" "$BATS_TEST_TMPDIR/old"; then
				continue
			fi
			run mbox_check "$SPOOL/box" "$BATS_TEST_TMPDIR/new"
			[ "$status" -eq 0 ] || { echo "$call #$n: $output"; false; }
			cp "$BATS_TEST_TMPDIR/old" "$SPOOL/box"
		done
	done
}

@test "ENOSPC and EIO on write, pwrite and fsync of a delivery: reported, mailbox unchanged" {
	send_msg box first 5000
	cp "$SPOOL/box" "$BATS_TEST_TMPDIR/before"
	make_msg big 600000 >"$BATS_TEST_TMPDIR/big"
	faults=0
	for fault in write:ENOSPC:13 write:EIO:14 pwrite64:ENOSPC:13 fsync:EIO:14 fsync:ENOSPC:13; do
		IFS=: read -r call err want <<<"$fault"
		for n in $(seq 1 40); do
			run under_strace -f -o /dev/null \
			    -e inject=$call:error=$err:when=$n \
			    "$BIN/spooltool" deliver "$SPOOL" s@x box other \
			    <"$BATS_TEST_TMPDIR/big"
			if [ "$status" -eq 0 ]; then
				# past the last such call: delivered; undo for the next fault
				"$BIN/spooltool" delete "$SPOOL" box 2
				"$BIN/spooltool" delete "$SPOOL" other 1
				break
			fi
			faults=$((faults + 1))
			echo "$call=$err #$n: $output"
			[ "$status" -eq "$want" ]
			assert_same_file "$BATS_TEST_TMPDIR/before" "$SPOOL/box"
			[ ! -s "$SPOOL/other" ]
		done
		[ "$status" -eq 0 ]
	done
	echo "faults injected: $faults"
	[ "$faults" -ge 15 ]
}

@test "ENOSPC and EIO on write, fsync and rename of a rewrite: reported, mailbox unchanged" {
	for m in $(seq 1 10); do send_msg box "m$m" 100000; done
	cp "$SPOOL/box" "$BATS_TEST_TMPDIR/before"
	# glibc's rename() is the renameat system call
	for fault in write:ENOSPC:13 write:EIO:14 fsync:EIO:14 renameat:EIO:14 renameat:ENOSPC:13; do
		IFS=: read -r call err want <<<"$fault"
		run under_strace -f -o /dev/null -e inject=$call:error=$err:when=1 \
		    "$BIN/spooltool" delete "$SPOOL" box 3
		echo "$call=$err: $output"
		[ "$status" -eq "$want" ]
		assert_same_file "$BATS_TEST_TMPDIR/before" "$SPOOL/box"
		[ ! -e "$SPOOL/.box.rewrite" ]
	done
}
