#!/usr/bin/env bats
# SPEC 6 across hosts: one GlusterFS volume (Debian's glusterfs-server and
# glusterfs-client), one brick on 127.0.0.1, mounted twice with the FUSE
# client; each mount keeps its own caches, as a host would. Our servers
# work through both mounts at once and t/lib/invariant.py accounts for
# every acknowledged message. Needs root and /dev/fuse; skipped with the
# reason otherwise.

load lib/helpers

setup_file() {
	export GLUSTER_SKIP=
	source "$BATS_TEST_DIRNAME/lib/gluster.bash"
	if why=$(gluster_missing); then
		export GLUSTER_SKIP="$why"
	fi
}

setup() {
	[ -z "$GLUSTER_SKIP" ] || skip "$GLUSTER_SKIP"
	source "$BATS_TEST_DIRNAME/lib/mail.bash"
	source "$BATS_TEST_DIRNAME/lib/gluster.bash"
	mail_setup
	GDIR="$SPOOL/gluster"
	mkdir "$GDIR"
	gluster_start "$GDIR"
	mkdir "$GDIR/m1/mail"
	chown nobody "$GDIR/m1/mail"
	# the programs' -s: the spool through mount 1; SPOOL2 through mount 2
	SMTPD_ARGS=(-n test.example -s "$GDIR/m1/mail" -p "$USERS" -U nobody)
	POP3D_ARGS=(-n test.example -s "$GDIR/m1/mail" -p "$USERS" -U nobody)
	SPOOL="$GDIR/m1"
	export SPOOL2="$GDIR/m2/mail"
	mail_export
}

teardown() {
	[ -n "$GLUSTER_SKIP" ] && return 0
	gluster_stop
	rm -rf "${SPOOL%/gluster/m1}"
}

msg() {
	printf 'EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<alice@test.example>\r\nDATA\r\nSubject: %s\r\n\r\nbody\r\n.\r\nQUIT\r\n' "$1"
}

@test "GlusterFS, two mounts: 1,000 deliveries and 100+ QUITs spread over both, none lost" {
	run python3 "$BATS_TEST_DIRNAME/lib/shared.py" traffic --deliveries 1000 --quits 100 --seed 17
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "GlusterFS, two mounts: SIGKILL smtpd and pop3d on mount 1 at random moments while mount 2 works, none lost" {
	run python3 "$BATS_TEST_DIRNAME/lib/shared.py" kill --trials 60 --seed 19
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "GlusterFS: the mailbox renamed over on mount 2 while still open there: smtpd on mount 1 appends to the new file" {
	msg first | "$BIN/smtpd" "${SMTPD_ARGS[@]}" | grep -q '^250 2.0.0'
	cat "$GDIR/m1/mail/alice" >/dev/null
	# a rewrite on the other host, its old file kept open (as pop3d keeps
	# it until it has replied)
	runuser -u nobody -- python3 -c '
import os, sys, time
d = sys.argv[1]
old = os.open(d + "/alice", os.O_RDONLY)
with open(d + "/.alice.rewrite", "wb") as f:
    f.write(os.read(old, 1 << 20))
os.chmod(d + "/.alice.rewrite", 0o600)
os.rename(d + "/.alice.rewrite", d + "/alice")
open(d + "/.renamed", "w").close()
time.sleep(3)
' "$SPOOL2" &
	holder=$!
	while [ ! -e "$SPOOL2/.renamed" ]; do sleep 0.01; done
	msg second | "$BIN/smtpd" "${SMTPD_ARGS[@]}" | grep -q '^250 2.0.0'
	wait "$holder"
	grep '^Subject: ' "$SPOOL2/alice"
	[ "$(grep -c '^Subject: \(first\|second\)$' "$SPOOL2/alice")" -eq 2 ]
}

@test "GlusterFS: stale handles (ESTALE) from a client with the default caching translators are retried, not answered 451" {
	msg first | "$BIN/smtpd" "${SMTPD_ARGS[@]}" | grep -q '^250 2.0.0'
	# mount 3 (md-cache) caches the mailbox; mount 1 replaces it
	cat "$GDIR/m3/mail/alice" >/dev/null
	runuser -u nobody -- sh -c 'cp "$1/alice" "$1/.alice.x" && mv "$1/.alice.x" "$1/alice"' _ "$GDIR/m1/mail"
	run bash -c 'msg() { printf "EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<alice@test.example>\r\nDATA\r\nSubject: %s\r\n\r\nbody\r\n.\r\nQUIT\r\n" "$1"; }; msg second | "$@" | tr -d "\r"' \
	    _ "$BIN/smtpd" -n test.example -s "$GDIR/m3/mail" -p "$USERS" -U nobody -w 5
	echo "$output"
	echo "$output" | grep -q '^250 2.0.0 '
	sleep 1
	[ "$(grep -c '^Subject: \(first\|second\)$' "$SPOOL2/alice")" -eq 2 ]
}

@test "GlusterFS: a POP3 session on mount 1 makes a second one on mount 2 [IN-USE]; deliveries through mount 2 go on" {
	msg first | "$BIN/smtpd" "${SMTPD_ARGS[@]}" | grep -q '^250 2.0.0'
	# the session lock is an fcntl lock, which the brick holds for both
	runuser -u nobody -- "$BIN/spooltool" hold "$GDIR/m1/mail" alice 3 >"$BATS_TEST_TMPDIR/hold" &
	holder=$!
	while ! grep -q open "$BATS_TEST_TMPDIR/hold" 2>/dev/null; do sleep 0.05; done
	run bash -c 'printf "USER alice\r\nPASS alice-pw\r\nQUIT\r\n" | "$@" | tr -d "\r"' \
	    _ "$BIN/pop3d" -n test.example -s "$SPOOL2" -p "$USERS" -U nobody
	echo "$output"
	echo "$output" | grep -q '^-ERR \[IN-USE\]'
	msg second | "$BIN/smtpd" -n test.example -s "$SPOOL2" -p "$USERS" -U nobody | grep -q '^250 2.0.0'
	wait "$holder"
	[ "$(grep -c '^Subject: \(first\|second\)$' "$SPOOL2/alice")" -eq 2 ]
}
