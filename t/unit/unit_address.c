/* The RFC 5321 path parser, one row per input. */
#include <string.h>

#include "smtpd/address.h"
#include "unit.h"

static const struct {
	const char	*input;
	bool		 utf8;
	bool		 no_domain;
	size_t		 taken;		/* 0: refused */
	const char	*local;
	const char	*domain;
} rows[] = {
	{ "<>", false, false, 2, "", "" },
	{ "<jones@test.example>", false, false, 20, "jones", "test.example" },
	{ "<Smith@Alpha.ARPA> SIZE=10", false, false, 18, "Smith", "Alpha.ARPA" },
	{ "<first.last+tag@a-b.example>", false, false, 28, "first.last+tag",
	    "a-b.example" },
	{ "<!#$%&'*+-/=?^_`{|}~@x.example>", false, false, 31,
	    "!#$%&'*+-/=?^_`{|}~", "x.example" },
	/* quoted local parts: spaces, escaped quote and backslash */
	{ "<\"john doe\"@x.example>", false, false, 22, "john doe", "x.example" },
	{ "<\"a\\\"b\\\\c\"@x.example>", false, false, 21, "a\"b\\c", "x.example" },
	/* address literals */
	{ "<u@[127.0.0.1]>", false, false, 15, "u", "[127.0.0.1]" },
	{ "<u@[IPv6:::1]>", false, false, 14, "u", "[IPv6:::1]" },
	{ "<u@[IPv6:2001:db8::1]>", false, false, 22, "u", "[IPv6:2001:db8::1]" },
	{ "<u@[x-tag:something]>", false, false, 21, "u", "[x-tag:something]" },
	/* source routes are parsed and ignored */
	{ "<@a.example,@b.example:u@c.example>", false, false, 35, "u",
	    "c.example" },
	/* postmaster without a domain only where allowed */
	{ "<postmaster>", false, true, 12, "postmaster", "" },
	{ "<postmaster>", false, false, 0, NULL, NULL },
	/* SMTPUTF8 */
	{ "<j\xc3\xb6rg@b\xc3\xbc" "cher.example>", true, false, 23,
	    "j\xc3\xb6rg", "b\xc3\xbc" "cher.example" },
	{ "<j\xc3\xb6rg@x.example>", false, false, 0, NULL, NULL },
	{ "<\xe2\x82\xac@x.example>", true, false, 15, "\xe2\x82\xac", "x.example" },
	{ "<\xf0\x9f\x93\xa7@x.example>", true, false, 16, "\xf0\x9f\x93\xa7",
	    "x.example" },
	/* not well-formed UTF-8, or C1 controls: refused (logs, From_ line) */
	{ "<a\xc2\x85" "b@x.example>", true, false, 0, NULL, NULL },
	{ "<\"a\xc2\x9b\"@x.example>", true, false, 0, NULL, NULL },
	{ "<a\xff@x.example>", true, false, 0, NULL, NULL },
	{ "<a\xc3@x.example>", true, false, 0, NULL, NULL },
	{ "<a\xc0\xaf@x.example>", true, false, 0, NULL, NULL },
	{ "<a\xe0\x80\xaf@x.example>", true, false, 0, NULL, NULL },
	{ "<a\xed\xa0\x80@x.example>", true, false, 0, NULL, NULL },
	{ "<a\xf4\x90\x80\x80@x.example>", true, false, 0, NULL, NULL },
	{ "<a@b\x9f" ".example>", true, false, 0, NULL, NULL },
	/* refused */
	{ "jones@x.example", false, false, 0, NULL, NULL },
	{ "<jones@x.example", false, false, 0, NULL, NULL },
	{ "<jones@>", false, false, 0, NULL, NULL },
	{ "<@x.example>", false, false, 0, NULL, NULL },
	{ "<.jones@x.example>", false, false, 0, NULL, NULL },
	{ "<jo..nes@x.example>", false, false, 0, NULL, NULL },
	{ "<jones.@x.example>", false, false, 0, NULL, NULL },
	{ "<jo nes@x.example>", false, false, 0, NULL, NULL },
	{ "<jones@-x.example>", false, false, 0, NULL, NULL },
	{ "<jones@x-.example>", false, false, 0, NULL, NULL },
	{ "<jones@x..example>", false, false, 0, NULL, NULL },
	{ "<jones@x.example.>", false, false, 0, NULL, NULL },
	{ "<u@[300.0.0.1]>", false, false, 0, NULL, NULL },
	{ "<u@[IPv6:zz::1]>", false, false, 0, NULL, NULL },
	{ "<u@[127.0.0.1>", false, false, 0, NULL, NULL },
	{ "<\"unterminated@x.example>", false, false, 0, NULL, NULL },
	{ "<\"bad\x01\"@x.example>", false, false, 0, NULL, NULL },
	{ "<@a.example:>", false, false, 0, NULL, NULL },
	/* 65-octet local part; 64 is the limit */
	{ "<12345678901234567890123456789012345678901234567890123456789012345"
	    "@x.example>", false, false, 0, NULL, NULL },
	{ "<1234567890123456789012345678901234567890123456789012345678901234"
	    "@x.example>", false, false, 76,
	    "1234567890123456789012345678901234567890123456789012345678901234",
	    "x.example" },
	/* a 64-octet label; 63 is the limit */
	{ "<u@1234567890123456789012345678901234567890123456789012345678901234"
	    ".example>", false, false, 0, NULL, NULL },
};

int
main(void)
{
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct smtp_path p;
		size_t n = address_parse_path(rows[i].input, rows[i].utf8,
		    rows[i].no_domain, &p);

		CHECK(n == rows[i].taken, "%s: took %zu, want %zu",
		    rows[i].input, n, rows[i].taken);
		if (n == 0 || rows[i].taken == 0)
			continue;
		CHECK(strcmp(p.local, rows[i].local) == 0 &&
		    strcmp(p.domain, rows[i].domain) == 0,
		    "%s: local \"%s\" domain \"%s\"", rows[i].input, p.local,
		    p.domain);
	}
	return UNIT_DONE();
}
