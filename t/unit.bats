#!/usr/bin/env bats
# The C table tests: byte machines and helpers, one row per input.

load lib/helpers

@test "line reader: CRLF, LF, over-long lines, NUL, bytewise arrival" {
	run "$BIN/unit_line"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "md5: RFC 1321 test suite and the RFC 1939 APOP example" {
	run "$BIN/unit_md5"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "users: name validation and constant-time comparison" {
	run "$BIN/unit_users"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "mboxrd quoting: stored form, read back, CRLF size == scan size" {
	run "$BIN/unit_quote"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "smtpd paths: RFC 5321 syntax, literals, routes, quoting, limits" {
	run "$BIN/unit_address"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "smtpd content filter output: header lines checked, CRLF made LF" {
	run "$BIN/unit_headers"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "smtpd DATA machine: terminators, dot-stuffing, every smuggling variant" {
	run "$BIN/unit_data"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "base64 (RFC 4648, strict) and HMAC-MD5 (RFC 2104, RFC 2195's CRAM-MD5 example)" {
	run "$BIN/unit_sasl"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "peer: address classes, real TCP over 127.0.0.1, ::1 and v4-mapped, Unix sockets, TCPREMOTEIP, TLS" {
	run "$BIN/unit_peer"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "passwd: the run-as account by name and by uid, malformed lines skipped" {
	run "$BIN/unit_passwd"
	echo "$output"
	[ "$status" -eq 0 ]
}

# DESIGN.md: within a folder, calls form no circle, and every public
# declaration carries a contract. The checker is shown to fail first.
@test "code shape: no two files of a folder call each other; every public declaration has a contract" {
	fake="$BATS_TEST_TMPDIR/tree"
	mkdir -p "$fake/spool"
	printf 'int\na(void)\n{\n\treturn b();\n}\n' >"$fake/spool/a.c"
	printf 'int\nb(void)\n{\n\treturn a();\n}\n' >"$fake/spool/b.c"
	printf 'int\ta(void);\n' >"$fake/spool/a.h"
	run env CODEMAP_ROOT="$fake" python3 "$BATS_TEST_DIRNAME/../scripts/codemap.py" circles
	[ "$status" -eq 1 ] && [[ "$output" == *"spool/a.c <-> spool/b.c"* ]]
	run env CODEMAP_ROOT="$fake" python3 "$BATS_TEST_DIRNAME/../scripts/codemap.py" contracts
	[ "$status" -eq 1 ] && [[ "$output" == *"a.h:1"* ]]
	run python3 "$BATS_TEST_DIRNAME/../scripts/codemap.py" circles
	echo "$output"
	[ "$status" -eq 0 ]
	run python3 "$BATS_TEST_DIRNAME/../scripts/codemap.py" contracts
	echo "$output"
	[ "$status" -eq 0 ]
}
