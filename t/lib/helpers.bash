# Shared by every bats file. make test sets BIN (the binaries under test)
# and SANITIZE; each test gets a throwaway spool under BATS_TEST_TMPDIR.

: "${BIN:?run the suite through make test}"

spool_setup() {
	SPOOL="$BATS_TEST_TMPDIR/spool"
	mkdir -p "$SPOOL"
	chmod 0700 "$SPOOL"
}

# Sanitizer runtimes cannot track leaks under ptrace (strace).
under_strace() {
	ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" strace "$@"
}

# Fails the test with a message when the two files differ.
assert_same_file() {
	if ! cmp -s "$1" "$2"; then
		echo "files differ: $1 $2" >&2
		cmp "$1" "$2" >&2 || true
		return 1
	fi
}

# The body of message N of USER, as stored (unquoted, LF line ends).
read_msg() {
	"$BIN/spooltool" read "$SPOOL" "$1" "$2"
}

msg_count() {
	"$BIN/spooltool" scan "$SPOOL" "$1" | head -n 1
}
