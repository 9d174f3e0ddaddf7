#!/usr/bin/env bats
# Each lock of SPEC 6 earns its place: a build with one of them switched
# off (make MUTANT=NAME, spool/lock.c) must fail the test that shows what
# it guards against, with the real program that relies on it. Runs once,
# in the plain suite (the sanitized and musl suites would only build them
# again).

load lib/helpers

setup() {
	[ "${SANITIZE:-0}" != 1 ] && [ "${VARIANT:-plain}" = plain ] ||
	    skip "runs in the plain suite only"
	REPO=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
}

# mutant NAME FILE FILTER: builds the mutant, runs the tests of FILE that
# FILTER names against it, and passes when one of them fails.
mutant() {
	env -u MAKEFLAGS -u MAKELEVEL make -s -C "$REPO" MUTANT="$1" mutant >"$BATS_TEST_TMPDIR/build.log" 2>&1 ||
	    { cat "$BATS_TEST_TMPDIR/build.log"; return 1; }
	run env BIN="$REPO/build/mut-$1/bin" bats -f "$3" "$BATS_TEST_DIRNAME/$2"
	echo "$output"
	if echo "$output" | grep -q '# skip'; then
		skip "the test that would catch it was skipped"
	fi
	echo "$output" | grep -q '^not ok '
}

@test "without the dotlock, lockfile(1)'s lock is ignored: a test fails" {
	mutant NO_DOTLOCK interop.bats 'lockfile.1. holding'
}

@test "without the fcntl lock, Exim's is ignored: a test fails" {
	mutant NO_FCNTL interop.bats 'Exim holding only its fcntl lock'
}

@test "without flock, flock(1)'s lock is ignored: a test fails" {
	mutant NO_FLOCK interop.bats 'flock.1. holding'
}

@test "without the ESTALE retry, a GlusterFS client's stale handle becomes a 451: a test fails" {
	mutant NO_ESTALE_RETRY shared.bats 'stale handles'
}
