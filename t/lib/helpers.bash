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

# A test message: "Subject: NAME:SIZE", an empty line, then the token
# repeated to SIZE bytes. mboxcheck.py knows the form.
make_msg() {
	local token="$1:$2" size="$2"
	printf 'Subject: %s\n\n' "$token"
	yes "$token" | head -c "$size"
	# end the last line when the cut fell inside one
	[ $((size % (${#token} + 1))) -eq 0 ] || echo
}

# Sends make_msg NAME SIZE to USER; on success records the token in $ACKED.
send_msg() {
	local token="$2:$3"
	make_msg "$2" "$3" | "$BIN/spooltool" ${SPOOLTOOL_OPTS:-} deliver "$SPOOL" s@x "$1" &&
	    echo "$token" >>"$ACKED"
}

mbox_check() {
	python3 "$BATS_TEST_DIRNAME/lib/mboxcheck.py" "$@"
}
