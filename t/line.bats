#!/usr/bin/env bats
# The line reader and reply writer through real pipes: pipelining,
# switching to raw data without losing bytes, batching, idle timeout.

load lib/helpers

@test "pipelined lines then DATA then lines: no byte is lost" {
	run bash -c "printf 'A\r\nDATA\r\nxx\r\n.y\r\n.\r\nB\r\n' | '$BIN/linetool' 512 5"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "OK CRLF 1 A" ]
	# "xx\r\n.y\r\n" is 8 bytes
	[ "${lines[1]}" = "DATA 8" ]
	[ "${lines[2]}" = "OK CRLF 1 B" ]
	[ "${lines[3]}" = "EOF" ]
}

@test "a 100 KB line gets one TOOLONG and its tail is not a command" {
	run bash -c "{ head -c 100000 /dev/zero | tr '\0' x; printf 'QUIT\r\nNOOP\r\n'; } | '$BIN/linetool' 512 5"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "TOOLONG" ]
	[ "${lines[1]}" = "OK CRLF 4 NOOP" ]
	[ "${lines[2]}" = "EOF" ]
}

@test "replies to a pipelined transcript are batched into few writes" {
	for i in $(seq 1 200); do printf 'NOOP %d\r\n' "$i"; done >"$BATS_TEST_TMPDIR/in"
	under_strace -f -e trace=write -o "$BATS_TEST_TMPDIR/trace" \
	    "$BIN/linetool" 512 5 <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/out")" -eq 201 ]
	writes=$(grep -c '^[0-9]* *write(1,' "$BATS_TEST_TMPDIR/trace" || true)
	echo "writes to stdout: $writes"
	[ "$writes" -le 3 ]
}

@test "an interactive client gets each reply before the next line is read" {
	# The reply to A must arrive while the writer side still waits.
	coproc LT { "$BIN/linetool" 512 5; }
	# bash unsets LT_PID, and closes LT's descriptors, once it reaps the
	# coprocess: keep the pid and a copy of the read end now.
	pid=$LT_PID
	exec {from}<&"${LT[0]}"
	printf 'A\r\n' >&"${LT[1]}"
	IFS= read -r -t 3 reply <&"$from"
	[ "$reply" = "OK CRLF 1 A" ]
	exec {LT[1]}>&-
	IFS= read -r -t 3 reply <&"$from"
	[ "$reply" = "EOF" ]
	exec {from}<&-
	wait "$pid"
}

@test "idle timeout: nothing for the idle time ends the read" {
	start=$(date +%s)
	run bash -c "{ printf 'A\r\n'; sleep 4; } | '$BIN/linetool' 512 1"
	end=$(date +%s)
	[ "${lines[0]}" = "OK CRLF 1 A" ]
	[ "${lines[1]}" = "TIMEOUT" ]
	[ $((end - start)) -lt 4 ] || [ $((end - start)) -le 5 ]
}
