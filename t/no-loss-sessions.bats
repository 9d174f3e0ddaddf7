#!/usr/bin/env bats
# No lost mail (SPEC 6) through whole sessions: what every client was told,
# checked against the final spool by t/lib/invariant.py, under concurrency,
# SIGKILL at random moments and a system-call fault matrix.

load lib/helpers

setup() {
	source "$BATS_TEST_DIRNAME/lib/mail.bash"
	mail_setup
	mail_export
}

teardown() {
	mail_teardown
}

@test "the invariant checker catches lost, duplicated, stray, cut and half-deleted mail" {
	run python3 "$BATS_TEST_DIRNAME/lib/invariant_selftest.py"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "50 SMTP sessions at once, 2-4 recipients each, while POP3 sessions DELE and QUIT: every 250 accounted for" {
	run python3 "$BATS_TEST_DIRNAME/lib/stress.py" concurrent --sessions 50 --seed 7
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "SIGKILL smtpd at 200 random moments of 512 KB messages to 2-4 mailboxes: invariant after each" {
	run python3 "$BATS_TEST_DIRNAME/lib/stress.py" kill-smtpd --trials 200 --seed 11
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "SIGKILL pop3d at 200 random moments of the QUIT rewrite of a 1000-message mailbox: invariant after each" {
	run python3 "$BATS_TEST_DIRNAME/lib/stress.py" kill-pop3d --trials 200 --seed 13
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "smtpd: ENOSPC, EIO, EINTR and SIGKILL at every write, pwrite, fsync, openat, ftruncate, lock and dotlock call of a session" {
	run python3 "$BATS_TEST_DIRNAME/lib/faultmatrix.py" smtpd
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "pop3d: ENOSPC, EIO, EINTR and SIGKILL at every write, pwrite, fsync, renameat, openat, ftruncate, lock and dotlock call of a session" {
	run python3 "$BATS_TEST_DIRNAME/lib/faultmatrix.py" pop3d
	echo "$output"
	[ "$status" -eq 0 ]
}
