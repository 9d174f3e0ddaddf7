# A throwaway mail system for the server tests: a spool the dropped user
# can write (as root the servers must switch user; tests use nobody), a
# users file, and the arguments both programs take to use them.

mail_setup() {
	SPOOL=$(mktemp -d /tmp/mail-test.XXXXXX)
	chmod 0755 "$SPOOL"
	USERS="$SPOOL/passwd"
	# mrose is RFC 1939's example user; bob's secret is hashed, so APOP
	# cannot check it.
	printf '%s\n' 'jones:{PLAIN}jones-pw' 'brown:{PLAIN}brown-pw' \
	    'alice:{PLAIN}alice-pw' 'user+tag:{PLAIN}x' \
	    'mrose:{PLAIN}tanstaaf' \
	    'bob:{SHA512-CRYPT}$6$olzLCfkEulH8SZkR$J0jVHOjp0Dv52sQZ87O2JTQ0lcLkvy.ilCwalAI7AEHWSK6AvkZRKCQe1EqkuNSbV/KQH07Q8cipfhdwFVQoD0' \
	    >"$USERS"
	chmod 0644 "$USERS"
	# Every secret {PLAIN}: only then are APOP and CRAM-MD5 offered
	# (SPEC 3, 4). A transcript's .args names it as @PLAIN_USERS@.
	PLAIN_USERS="$SPOOL/passwd-plain"
	grep -v '^bob:' "$USERS" >"$PLAIN_USERS"
	chmod 0644 "$PLAIN_USERS"
	mkdir "$SPOOL/mail"
	SMTPD_ARGS=(-n test.example -s "$SPOOL/mail" -p "$USERS")
	POP3D_ARGS=(-n test.example -s "$SPOOL/mail" -p "$USERS")
	if [ "$(id -u)" -eq 0 ]; then
		chown nobody "$SPOOL/mail"
		SMTPD_ARGS+=(-U nobody)
		POP3D_ARGS+=(-U nobody)
	fi
}

# For the Python helpers (t/lib/stress.py and those built on it): where
# the spool and binaries are and how the programs are run.
mail_export() {
	export SPOOL BIN SMTPD_ARGV="${SMTPD_ARGS[*]}" POP3D_ARGV="${POP3D_ARGS[*]}"
	export PYTHONPATH="$BATS_TEST_DIRNAME/lib"
}

mail_teardown() {
	rm -rf "$SPOOL"
}

# Installs file $2 as the mailbox of user $1, owned as the servers need.
mailbox_put() {
	cp "$2" "$SPOOL/mail/$1"
	chmod 0600 "$SPOOL/mail/$1"
	[ "$(id -u)" -ne 0 ] || chown nobody "$SPOOL/mail/$1"
}

# Reads the options of a transcript's .args file $1 into the array ARGS.
transcript_args() {
	ARGS=()
	[ -f "$1" ] || return 0
	read -r -a ARGS <"$1"
	ARGS=("${ARGS[@]//@PLAIN_USERS@/$PLAIN_USERS}")
}

# Strips the '#' lines that say why a case matters; CRLF unless .lf.in.
transcript_input() {
	local in="$1"
	if [[ "$in" == *.lf.in ]]; then
		grep -v '^#' "$in"
	else
		grep -v '^#' "$in" | sed 's/$/\r/'
	fi
}
