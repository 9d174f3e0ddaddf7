/*
 * mboxrd quoting, one row per body: what is stored after the From_ line,
 * written whole and one byte per call; then read back as stored (must
 * equal the input, plus a final LF if it had none) and with CRLF line
 * ends (must be exactly as long as the scanner's size).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spool/spool.h"
#include "unit.h"

static const struct {
	const char	*why;
	const char	*body;
	size_t		 body_len;	/* 0: strlen */
	const char	*stored;	/* after the From_ line */
	size_t		 stored_len;	/* 0: strlen */
} rows[] = {
	{ "plain", "a\nb\n", 0, "a\nb\n\n", 0 },
	{ "From at depth 0", "From me\n", 0, ">From me\n\n", 0 },
	{ "From at depth 1", ">From me\n", 0, ">>From me\n\n", 0 },
	{ "From at depth 3", ">>>From me\n", 0, ">>>>From me\n\n", 0 },
	{ "From not at line start", "x From y\n", 0, "x From y\n\n", 0 },
	{ "From without the space", "Fromage\n", 0, "Fromage\n\n", 0 },
	{ "> alone and partial prefixes", ">\n>Fro\nFrom\n", 0,
	    ">\n>Fro\nFrom\n\n", 0 },
	{ "no final newline", "last", 0, "last\n\n", 0 },
	{ "no final newline in a prefix", ">>Fr", 0, ">>Fr\n\n", 0 },
	{ "no final newline after From", "From", 0, "From\n\n", 0 },
	{ "dot lines are plain here", ".\n..\n", 0, ".\n..\n\n", 0 },
	{ "CRLF inside", "a\r\nFrom x\r\n", 0, "a\r\n>From x\r\n\n", 0 },
	{ "8-bit and NUL", "caf\xc3\xa9\0z\n", 8, "caf\xc3\xa9\0z\n\n", 9 },
	{ "empty body", "", 0, "\n", 0 },
	{ "ends in an empty line", "a\n\n", 0, "a\n\n\n", 0 },
	{ "only empty lines", "\n\n", 0, "\n\n\n", 0 },
};

static char dir[] = "/tmp/unit_quote.XXXXXX";

struct buf {
	char	data[4096];
	size_t	len;
};

static int
sink(void *ctx, const char *data, size_t len)
{
	struct buf *b = ctx;

	if (b->len + len > sizeof b->data)
		return -1;
	memcpy(b->data + b->len, data, len);
	b->len += len;
	return 0;
}

static void
check_row(size_t i, size_t piece)
{
	static struct spool_msg m;
	const struct spool_rcpt users[] = { { .user = "quote" } };
	const char *body = rows[i].body;
	size_t len = rows[i].body_len ? rows[i].body_len : strlen(body);
	size_t stored_len = rows[i].stored_len ? rows[i].stored_len :
	    strlen(rows[i].stored);
	struct spool_box box;
	struct buf asis = { .len = 0 }, crlf = { .len = 0 };
	char file[256], got[4096];
	const char *nl;
	ssize_t n;
	FILE *f;

	snprintf(file, sizeof file, "%s/quote", dir);
	unlink(file);
	spool_msg_open(&m, dir, "a@b", 0);
	for (size_t off = 0; off < len; off += piece)
		spool_msg_write(&m, body + off, len - off < piece ?
		    len - off : piece);
	CHECK(spool_deliver(&m, users, 1, 1, NULL, NULL) == SPOOL_OK, "%s: deliver",
	    rows[i].why);
	spool_msg_close(&m);

	f = fopen(file, "rb");
	n = f != NULL ? (ssize_t)fread(got, 1, sizeof got, f) : -1;
	if (f != NULL)
		fclose(f);
	nl = n > 0 ? memchr(got, '\n', (size_t)n) : NULL;
	CHECK(nl != NULL && (size_t)(got + n - nl - 1) == stored_len &&
	    memcmp(nl + 1, rows[i].stored, stored_len) == 0,
	    "%s (piece %zu): stored form differs", rows[i].why, piece);

	CHECK(spool_open(&box, dir, "quote", 1, 10) == SPOOL_OK &&
	    box.count == 1, "%s: one message", rows[i].why);
	if (box.count != 1)
		return;
	spool_read(&box, 0, -1, SPOOL_EOL_ASIS, sink, &asis);
	spool_read(&box, 0, -1, SPOOL_EOL_CRLF, sink, &crlf);
	CHECK(asis.len >= len && memcmp(asis.data, body, len) == 0 &&
	    (asis.len == len || (asis.len == len + 1 &&
	    asis.data[len] == '\n' && (len == 0 || body[len - 1] != '\n'))),
	    "%s: read back differs", rows[i].why);
	CHECK((off_t)crlf.len == box.msgs[0].size,
	    "%s: CRLF read %zu bytes, scan said %jd", rows[i].why, crlf.len,
	    (intmax_t)box.msgs[0].size);
	spool_close(&box);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL)
		return 2;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		check_row(i, 65536);
		check_row(i, 1);
	}
	/* Leave nothing behind. */
	if (fork() == 0)
		execlp("rm", "rm", "-rf", dir, (char *)NULL);
	return UNIT_DONE();
}
