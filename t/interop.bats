#!/usr/bin/env bats
# SPEC 6, beside the other mail programs of a box: each the real program
# from Debian (Exim, procmail and its lockfile(1), Python's mailbox,
# util-linux flock(1)), on one spool with our servers. The concurrent
# cases account for every acknowledged message with t/lib/invariant.py;
# the lock-holder cases show which of our locks each program's lock meets
# (t/mutants.bats breaks each lock in turn and expects one of these to
# fail). Needs root (the other programs run as the spool's owner); a
# missing program skips its cases with the package to install.

load lib/helpers

setup() {
	source "$BATS_TEST_DIRNAME/lib/mail.bash"
	mail_setup
	mail_export
	HEAD='EHLO c.example\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<alice@test.example>\r\nDATA\r\nSubject: ours\r\n\r\n'
}

teardown() {
	[ -z "${HOLDER:-}" ] || { kill "$HOLDER" 2>/dev/null; wait "$HOLDER" 2>/dev/null || true; }
	mail_teardown
}

need() {
	[ "$(id -u)" -eq 0 ] || skip "needs root to run the other programs as the spool's owner"
	command -v "$1" >/dev/null || skip "needs $1 (Debian package $2)"
}

owner() {
	stat -c %U "$SPOOL/mail"
}

# smtpd delivering one message to alice, -w 1; replies without CR.
deliver_alice() {
	run bash -c 'printf "$0" | "$@" | tr -d "\r"' \
	    "${HEAD}from smtpd\r\n.\r\nQUIT\r\n" "$BIN/smtpd" "${SMTPD_ARGS[@]}" -w 1
}

empty_alice() {
	: >"$SPOOL/mail/alice"
	chmod 0600 "$SPOOL/mail/alice"
	chown "$(owner)" "$SPOOL/mail/alice"
}

@test "Exim (default locking: lock file and fcntl) and smtpd deliver while pop3d DELEs and QUITs a 3,000-message mailbox: none lost" {
	need exim4 exim4-daemon-light
	run python3 "$BATS_TEST_DIRNAME/lib/interop.py" exim --messages 30 --seed 3
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "Python's mailbox.mbox rewrites the mailbox (lock, discard, flush) while smtpd delivers: none lost" {
	need python3 python3
	run python3 "$BATS_TEST_DIRNAME/lib/interop.py" pymailbox --messages 30 --big 1000 --seed 5
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "procmail and smtpd deliver while pop3d DELEs and QUITs: none lost" {
	need procmail procmail
	run python3 "$BATS_TEST_DIRNAME/lib/interop.py" procmail --messages 20 --big 1000 --seed 7
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "lockfile(1) holding alice.lock: smtpd answers 451 4.2.0 after -w, pop3d [IN-USE]; both go on once it is gone" {
	need lockfile procmail
	empty_alice
	runuser -u "$(owner)" -- lockfile -r0 "$SPOOL/mail/alice.lock"
	deliver_alice
	echo "$output"
	echo "$output" | grep -q '^451 4.2.0 '
	[ ! -s "$SPOOL/mail/alice" ]
	run bash -c 'printf "USER alice\r\nPASS alice-pw\r\nQUIT\r\n" | "$@" | tr -d "\r"' \
	    _ "$BIN/pop3d" "${POP3D_ARGS[@]}" -w 1
	echo "$output"
	echo "$output" | grep -q '^-ERR \[IN-USE\]'
	rm -f "$SPOOL/mail/alice.lock"
	deliver_alice
	echo "$output" | grep -q '^250 2.0.0 '
	grep -q '^from smtpd$' "$SPOOL/mail/alice"
}

@test "smtpd's dotlock while it appends: lockfile(1) cannot take alice.lock, and finds it gone after" {
	need lockfile procmail
	empty_alice
	# a slow client keeps nothing locked; the append itself is short, so
	# hold one with spooltool as a delivery would
	"$BIN/spooltool" lock "$SPOOL/mail" alice 2 >"$BATS_TEST_TMPDIR/lock" &
	HOLDER=$!
	while ! grep -q locked "$BATS_TEST_TMPDIR/lock" 2>/dev/null; do sleep 0.05; done
	cat "$SPOOL/mail/alice.lock"
	grep -Eq "^$HOLDER [^ ]+$" "$SPOOL/mail/alice.lock"
	run runuser -u "$(owner)" -- lockfile -r0 "$SPOOL/mail/alice.lock"
	[ "$status" -ne 0 ]
	wait "$HOLDER"
	HOLDER=
	[ ! -e "$SPOOL/mail/alice.lock" ]
	runuser -u "$(owner)" -- lockfile -r0 "$SPOOL/mail/alice.lock"
}

@test "Exim holding only its fcntl lock (use_lockfile = false, a slow transport filter): smtpd waits, 451 after -w, delivers after" {
	need exim4 exim4-daemon-light
	empty_alice
	conf=$(python3 -c '
import interop
print(interop.exim_setup(extra="  use_lockfile = false\n  transport_filter = /bin/sh -c \"sleep 3; exec cat\"\n"))')
	ino=$(stat -c %i "$SPOOL/mail/alice")
	printf 'EHLO x\r\nMAIL FROM:<e@client.example>\r\nRCPT TO:<alice@test.example>\r\nDATA\r\nSubject: from exim\r\n\r\nexim body\r\n.\r\nQUIT\r\n' |
	    runuser -u "$(owner)" -- /usr/sbin/exim4 -C "$conf" -bs -odi >"$BATS_TEST_TMPDIR/exim.out" 2>&1 &
	HOLDER=$!
	# Exim's POSIX lock on the mailbox, as /proc/locks shows it
	for _ in $(seq 1 100); do
		grep -Eq "POSIX +ADVISORY +WRITE .*:$ino " /proc/locks && break
		sleep 0.05
	done
	grep -E "POSIX +ADVISORY +WRITE .*:$ino " /proc/locks
	[ ! -e "$SPOOL/mail/alice.lock" ]
	deliver_alice
	echo "$output"
	echo "$output" | grep -q '^451 4.2.0 '
	wait "$HOLDER"
	HOLDER=
	grep -q '^exim body$' "$SPOOL/mail/alice"
	deliver_alice
	echo "$output" | grep -q '^250 2.0.0 '
	[ "$(grep -c '^From ' "$SPOOL/mail/alice")" -eq 2 ]
}

@test "flock(1) holding the mailbox: smtpd answers 451 after -w" {
	need flock util-linux
	empty_alice
	runuser -u "$(owner)" -- flock "$SPOOL/mail/alice" sleep 3 &
	HOLDER=$!
	for _ in $(seq 1 100); do
		grep -Eq "FLOCK .*:$(stat -c %i "$SPOOL/mail/alice") " /proc/locks && break
		sleep 0.05
	done
	deliver_alice
	echo "$output"
	echo "$output" | grep -q '^451 4.2.0 '
	wait "$HOLDER"
	HOLDER=
	deliver_alice
	echo "$output" | grep -q '^250 2.0.0 '
}

@test "stale dotlocks: one naming a dead process of this host goes at once, an old foreign one after 5 minutes, each logged; a fresh foreign one stays" {
	empty_alice
	# a process that is gone
	sh -c 'exit 0' & dead=$!
	wait "$dead"
	printf '%d %s\n' "$dead" "$(hostname)" >"$SPOOL/mail/alice.lock"
	run bash -c 'printf "$0" | "$@" 2>&1 | tr -d "\r"' \
	    "${HEAD}one\r\n.\r\nQUIT\r\n" "$BIN/smtpd" "${SMTPD_ARGS[@]}" -w 2 -l
	echo "$output"
	echo "$output" | grep -q '^250 2.0.0 '
	echo "$output" | grep -q "removed the stale lock file alice.lock (process $dead is gone)"
	[ ! -e "$SPOOL/mail/alice.lock" ]
	# another program's lock (empty, as Exim's), untouched for 6 minutes
	: >"$SPOOL/mail/alice.lock"
	touch -d '6 minutes ago' "$SPOOL/mail/alice.lock"
	run bash -c 'printf "$0" | "$@" 2>&1 | tr -d "\r"' \
	    "${HEAD}two\r\n.\r\nQUIT\r\n" "$BIN/smtpd" "${SMTPD_ARGS[@]}" -w 2 -l
	echo "$output"
	echo "$output" | grep -q '^250 2.0.0 '
	echo "$output" | grep -q "removed the stale lock file alice.lock (not refreshed for 3[0-9][0-9] s)"
	# the same, fresh: a live holder
	: >"$SPOOL/mail/alice.lock"
	deliver_alice
	echo "$output" | grep -q '^451 4.2.0 '
	[ -e "$SPOOL/mail/alice.lock" ]
	# a live process of ours, however old its lock: refreshed, so only
	# the age rule could break it, and 4 minutes is under it
	printf '%d %s\n' "$$" "$(hostname)" >"$SPOOL/mail/alice.lock"
	touch -d '4 minutes ago' "$SPOOL/mail/alice.lock"
	deliver_alice
	echo "$output" | grep -q '^451 4.2.0 '
	[ "$(grep -c '^From ' "$SPOOL/mail/alice")" -eq 2 ]
}

@test "a spool directory where no lock file can be made: the servers say so at start" {
	chmod 0555 "$SPOOL/mail"
	run bash -c 'printf "QUIT\r\n" | "$@" -l 2>&1 | tr -d "\r"' _ "$BIN/smtpd" "${SMTPD_ARGS[@]}"
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | grep -q 'cannot create lock files in'
	echo "$output" | grep -q '^421 '
	run bash -c 'printf "QUIT\r\n" | "$@" -l 2>&1 | tr -d "\r"' _ "$BIN/pop3d" "${POP3D_ARGS[@]}"
	echo "$output"
	echo "$output" | grep -q 'cannot create lock files in'
	echo "$output" | grep -q '^-ERR'
}
