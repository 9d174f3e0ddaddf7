# Running smtpd on transcripts (see mail.bash for the spool).

source "$BATS_TEST_DIRNAME/lib/mail.bash"

# Ids and dates differ from run to run.
normalise() {
	sed -E -e 's/id=[0-9A-F]+/id=ID/' -e 's/ id [0-9A-F]+/ id ID/' \
	    -e 's/^(From [^ ]+) .*/\1 DATE/' \
	    -e 's/^\t[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} .*/\tDATE/'
}

# transcript_spool DIR NAME: an empty spool, then each DIR/NAME.USER.before
# as USER's mailbox.
transcript_spool() {
	local before user
	find "$SPOOL/mail" -mindepth 1 -delete
	for before in "$1/$2".*.before; do
		[ -e "$before" ] || continue
		user=${before%.before}
		mailbox_put "${user##*.}" "$before"
	done
}

# transcript NAME: pipes t/smtpd/NAME.in (or .lf.in) into smtpd, whole
# and line by line, each on the spool NAME.USER.before files make; both
# must give NAME.out, and each NAME.USER.after must be USER's mailbox
# afterwards (from the whole run). NAME.args adds options; NAME.aliases
# is given as the aliases file (-a), NAME.users as the users file (-p).
transcript() {
	local dir="$BATS_TEST_DIRNAME/smtpd" name="$1" in args=()
	in="$dir/$name.in"
	[ -f "$in" ] || in="$dir/$name.lf.in"
	transcript_args "$dir/$name.args"
	args=("${ARGS[@]}")
	[ -f "$dir/$name.aliases" ] && args+=(-a "$dir/$name.aliases")
	[ -f "$dir/$name.users" ] && args+=(-p "$dir/$name.users")
	transcript_input "$in" >"$BATS_TEST_TMPDIR/in"
	transcript_spool "$dir" "$name"
	"$BIN/smtpd" "${SMTPD_ARGS[@]}" "${args[@]}" <"$BATS_TEST_TMPDIR/in" |
	    tr -d '\r' | normalise >"$BATS_TEST_TMPDIR/whole"
	for mbox in "$dir/$name".*.after; do
		[ -e "$mbox" ] || continue
		user=${mbox%.after}
		user=${user##*.}
		normalise <"$SPOOL/mail/$user" >"$BATS_TEST_TMPDIR/mbox"
		diff -u "$mbox" "$BATS_TEST_TMPDIR/mbox"
	done
	diff -u "$dir/$name.out" "$BATS_TEST_TMPDIR/whole"
	transcript_spool "$dir" "$name"
	python3 "$BATS_TEST_DIRNAME/lib/feed.py" <"$BATS_TEST_TMPDIR/in" |
	    "$BIN/smtpd" "${SMTPD_ARGS[@]}" "${args[@]}" | tr -d '\r' |
	    normalise >"$BATS_TEST_TMPDIR/bylines"
	diff -u "$dir/$name.out" "$BATS_TEST_TMPDIR/bylines"
}
