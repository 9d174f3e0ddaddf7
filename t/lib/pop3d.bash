# Running pop3d on transcripts (see mail.bash for the spool).

source "$BATS_TEST_DIRNAME/lib/mail.bash"

# The APOP timestamp and CRAM-MD5 challenges differ from run to run.
pop_normalise() {
	tr -d '\r' | sed -E -e 's/<[0-9]+\.[0-9]+\.[0-9]+@/<TIMESTAMP@/' \
	    -e 's/^\+ [A-Za-z0-9+\/=]{40,}$/+ CHALLENGE/'
}

# pop_transcript NAME: sends t/pop3d/NAME.in (or .lf.in) to pop3d, whole
# and line by line; both must give NAME.out. Before each run every
# NAME.USER.before becomes USER's mailbox; after it, that mailbox must
# equal NAME.USER.after if there is one, else be unchanged. NAME.args
# adds options.
pop_transcript() {
	local dir="$BATS_TEST_DIRNAME/pop3d" name="$1" in args=() mode
	in="$dir/$name.in"
	[ -f "$in" ] || in="$dir/$name.lf.in"
	transcript_args "$dir/$name.args"
	args=("${ARGS[@]}")
	transcript_input "$in" >"$BATS_TEST_TMPDIR/in"
	for mode in --whole --bylines; do
		for mbox in "$dir/$name".*.before; do
			[ -e "$mbox" ] || continue
			user=${mbox%.before}
			mailbox_put "${user##*.}" "$mbox"
		done
		python3 "$BATS_TEST_DIRNAME/lib/popsession.py" \
		    ${mode/--whole/} "$BIN/pop3d" "${POP3D_ARGS[@]}" \
		    "${args[@]}" <"$BATS_TEST_TMPDIR/in" | pop_normalise \
		    >"$BATS_TEST_TMPDIR/out"
		echo "mode $mode"
		diff -u "$dir/$name.out" "$BATS_TEST_TMPDIR/out"
		for mbox in "$dir/$name".*.before; do
			[ -e "$mbox" ] || continue
			user=${mbox%.before}
			want=$mbox
			[ ! -e "$dir/$name.${user##*.}.after" ] ||
			    want="$dir/$name.${user##*.}.after"
			diff -u "$want" "$SPOOL/mail/${user##*.}"
		done
	done
}
