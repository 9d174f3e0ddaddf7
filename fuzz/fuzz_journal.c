/*
 * The journal record parser (spool/journal.c): a record is text another
 * process left in DIR/.user.journal, so any bytes. What it accepts has
 * before <= after and a head within SPOOL_HEAD_MAX, and formats to a
 * record that parses back to the same fields.
 */
#include "fuzz/fuzz.h"
#include "spool/internal.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), again[JOURNAL_RECORD_MAX];
	struct journal_record rec, rec2;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (journal_parse(text, &rec)) {
		if (rec.before < 0 || rec.after < rec.before ||
		    rec.head_len > SPOOL_HEAD_MAX)
			abort();
		journal_format(again, sizeof again, rec.begun, rec.ino,
		    (off_t)rec.before, (off_t)rec.after,
		    (const char *)rec.head, rec.head_len);
		if (again[sizeof again - 1] != '\n')
			abort();
		again[sizeof again - 1] = '\0';
		if (!journal_parse(again, &rec2) || rec2.begun != rec.begun ||
		    rec2.ino != rec.ino || rec2.before != rec.before ||
		    rec2.after != rec.after || rec2.head_len != rec.head_len ||
		    memcmp(rec2.head, rec.head, rec.head_len) != 0)
			abort();
	}
	free(text);
	return 0;
}
