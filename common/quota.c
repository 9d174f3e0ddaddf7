#include <stdbool.h>
#include <string.h>

#include "common/quota.h"
#include "common/size.h"

#define QUOTA_RULE_KEY		"userdb_quota_rule="
#define QUOTA_STORAGE_KEY	"userdb_quota_storage_size="
#define QUOTA_UNLIMITED		"unlimited"
/* Dovecot 2.3 counts storage= in kilobytes, bytes= in bytes. */
#define QUOTA_STORAGE_UNIT	1024

/* The len bytes at p are word. */
static bool
quota_word(const char *p, size_t len, const char *word)
{
	return len == strlen(word) && memcmp(p, word, len) == 0;
}

/* The limits of one name=value of a rule, after its "*:". */
static enum quota_found
quota_rule_limit(const char *p, size_t len, int64_t *limit)
{
	const char *eq = memchr(p, '=', len);
	size_t name_len, value_len;
	int64_t ignored;

	if (eq == NULL)
		return QUOTA_INVALID;
	name_len = (size_t)(eq - p);
	value_len = len - name_len - 1;
	if (quota_word(p, name_len, "storage"))
		return size_parse(eq + 1, value_len, QUOTA_STORAGE_UNIT,
		    limit) ? QUOTA_SET : QUOTA_INVALID;
	if (quota_word(p, name_len, "bytes"))
		return size_parse(eq + 1, value_len, 1, limit) ? QUOTA_SET :
		    QUOTA_INVALID;
	if (quota_word(p, name_len, "messages"))
		return size_parse(eq + 1, value_len, 1, &ignored) ?
		    QUOTA_UNSET : QUOTA_INVALID;
	return QUOTA_INVALID;
}

/* "*:storage=1G:messages=100", "?:bytes=5000", "*:ignore", "Trash:..." */
static enum quota_found
quota_rule(const char *rule, size_t len, int64_t *limit)
{
	enum quota_found found = QUOTA_UNSET;

	if (len < 2 || (rule[0] != '*' && rule[0] != '?') || rule[1] != ':')
		return QUOTA_UNSET;
	rule += 2;
	len -= 2;
	if (quota_word(rule, len, "ignore")) {
		*limit = 0;
		return QUOTA_SET;
	}
	for (;;) {
		const char *colon = memchr(rule, ':', len);
		size_t n = colon != NULL ? (size_t)(colon - rule) : len;
		int64_t one;

		switch (quota_rule_limit(rule, n, &one)) {
		case QUOTA_INVALID:
			return QUOTA_INVALID;
		case QUOTA_SET:
			*limit = one;
			found = QUOTA_SET;
			break;
		case QUOTA_UNSET:
			break;
		}
		if (colon == NULL)
			return found;
		rule += n + 1;
		len -= n + 1;
	}
}

static enum quota_found
quota_storage_size(const char *value, size_t len, int64_t *limit)
{
	if (quota_word(value, len, QUOTA_UNLIMITED)) {
		*limit = 0;
		return QUOTA_SET;
	}
	return size_parse(value, len, 1, limit) ? QUOTA_SET : QUOTA_INVALID;
}

enum quota_found
quota_parse_fields(const char *fields, int64_t *limit)
{
	enum quota_found found = QUOTA_UNSET, one;
	size_t rule_key = strlen(QUOTA_RULE_KEY);
	size_t storage_key = strlen(QUOTA_STORAGE_KEY);
	int64_t value = 0;

	for (const char *p = fields; *p != '\0';) {
		size_t n = strcspn(p, " ");

		one = QUOTA_UNSET;
		if (n >= rule_key && memcmp(p, QUOTA_RULE_KEY, rule_key) == 0)
			one = quota_rule(p + rule_key, n - rule_key, &value);
		else if (n >= storage_key &&
		    memcmp(p, QUOTA_STORAGE_KEY, storage_key) == 0)
			one = quota_storage_size(p + storage_key,
			    n - storage_key, &value);
		if (one == QUOTA_INVALID)
			return QUOTA_INVALID;
		if (one == QUOTA_SET) {
			*limit = value;
			found = QUOTA_SET;
		}
		p += n;
		p += strspn(p, " ");
	}
	return found;
}
