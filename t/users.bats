#!/usr/bin/env bats
# The users file of SPEC section 5: every scheme, wrong passwords, unknown
# users, malformed lines, and names that could leave the spool.

load lib/helpers

setup() {
	USERS="$BATS_TEST_TMPDIR/passwd"
	{
		echo "# comment line, then a blank one"
		echo ""
		echo "plain:{PLAIN}pw-plain"
		echo "clear:{CLEARTEXT}pw clear:1000:1000::/home/clear:/bin/sh"
		echo "sha512:{SHA512-CRYPT}$(mkpasswd -m sha512crypt pw-512)"
		echo "sha256:{SHA256-CRYPT}$(mkpasswd -m sha256crypt pw-256)"
		echo "blf:{BLF-CRYPT}$(mkpasswd -m bcrypt pw-blf)"
		# doveadm pw -s BLF-CRYPT writes the $2y$ form
		echo "blfy:{BLF-CRYPT}$(mkpasswd -m bcrypt pw-blfy | sed 's/^\$2b\$/$2y$/')"
		echo "crypt:{CRYPT}$(mkpasswd -m sha512crypt pw-crypt)"
		echo "bare:$(mkpasswd -m sha256crypt pw-bare)"
		# traditional DES and MD5-crypt, as old /etc/shadow lines have
		echo "des:{CRYPT}$(mkpasswd -m des pw-des)"
		echo "md5:{CRYPT}$(mkpasswd -m md5crypt pw-md5)"
		echo "MixedCase:{plain}pw-mixed"
		echo "empty:{PLAIN}"
		echo "emptyclear:{CLEARTEXT}:1000:1000::/home/e:/bin/sh"
	} >"$USERS"
}

check() {
	run bash -c '"$0" check "$1" "$2" "$3" 2>/dev/null' "$BIN/usertool" "$USERS" "$1" "$2"
	[ "$status" -eq 0 ]
	echo "user $1: $output (want $3)"
	[ "$output" = "$3" ]
}

@test "an empty {PLAIN} secret never authenticates, not even with an empty password" {
	check empty "" wrong
	check emptyclear "" wrong
	check empty x wrong
	# still a user: mail is delivered to it
	"$BIN/usertool" list "$USERS" 2>/dev/null | grep -qx empty
}

@test "each scheme accepts its password" {
	check plain pw-plain ok
	check clear "pw clear" ok
	check sha512 pw-512 ok
	check sha256 pw-256 ok
	check blf pw-blf ok
	check blfy pw-blfy ok
	check crypt pw-crypt ok
	check bare pw-bare ok
	check des pw-des ok
	check md5 pw-md5 ok
}

@test "each scheme refuses a wrong password" {
	check plain pw-plainx wrong
	check plain pw-plai wrong
	check plain "" wrong
	check clear pw wrong
	check sha512 pw-256 wrong
	check sha256 pw-512 wrong
	check blf pw-bl wrong
	check crypt "" wrong
	check bare pw-bare2 wrong
	check des pw-de wrong
	check md5 pw-md wrong
}

@test "a hash is never accepted as the password" {
	hash=$(sed -n 's/^sha512:{SHA512-CRYPT}//p' "$USERS")
	check sha512 "$hash" wrong
}

@test "names are looked up without regard to case" {
	check PLAIN pw-plain ok
	check mixedcase pw-mixed ok
	check MIXEDCASE pw-mixed ok
}

@test "unknown users are told apart from nothing but the answer" {
	check nobody pw-plain unknown
	check "" x unknown
}

@test "malformed lines are skipped and logged, the rest still load" {
	{
		echo "good:{PLAIN}ok"
		echo "no-colon-here"
		echo "../etc:{PLAIN}x"
		echo ".dot:{PLAIN}x"
		echo "weird:{ROT13}x"
		echo "liar:{SHA512-CRYPT}\$1\$notsha512"
		echo "empty:"
		echo "good:{PLAIN}second-line-ignored"
	} >"$USERS"
	run bash -c "'$BIN/usertool' list '$USERS' 2>/dev/null"
	[ "$output" = "good" ]
	run bash -c "'$BIN/usertool' list '$USERS' 2>&1 >/dev/null"
	echo "$output"
	[ "$(echo "$output" | grep -c 'skipped')" -eq 6 ]
	grep -q 'appears more than once' <<<"$output"
	check good ok ok
	check good second-line-ignored wrong
}

@test "names with /, .., a leading dot or over 64 octets are refused" {
	for name in "a/b" ".." "../x" ".hidden" "$(printf 'x%.0s' $(seq 1 65))" \
	    "sp ace" "ab:c"; do
		run "$BIN/usertool" valid "$name"
		echo "$name -> $output"
		[ "$output" = "invalid" ]
	done
	run "$BIN/usertool" valid "$(printf 'x%.0s' $(seq 1 64))"
	[ "$output" = "valid" ]
}

@test "an unreadable or missing users file is an error" {
	run "$BIN/usertool" list "$BATS_TEST_TMPDIR/missing"
	[ "$status" -ne 0 ]
	run "$BIN/usertool" list "$BATS_TEST_TMPDIR"
	[ "$status" -ne 0 ]
}
