/* glibc (libxcrypt) declares crypt(3) in <crypt.h>, musl in <unistd.h>. */
#if defined(__has_include)
#if __has_include(<crypt.h>)
#include <crypt.h>
#endif
#endif
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/ascii.h"
#include "common/log.h"
#include "common/quota.h"
#include "common/secret.h"
#include "common/textfile.h"
#include "common/users.h"

struct users_scheme_name {
	const char		*name;
	enum users_scheme	 scheme;
	const char		*hash_prefix;	/* what the crypt string starts with */
};

/* Dovecot's names for the schemes SPEC section 5 lists. */
static const struct users_scheme_name users_schemes[] = {
	{ "PLAIN",		USERS_PLAIN,	"" },
	{ "CLEARTEXT",		USERS_PLAIN,	"" },
	{ "CRYPT",		USERS_CRYPT,	"" },
	{ "MD5-CRYPT",		USERS_CRYPT,	"$1$" },
	{ "SHA256-CRYPT",	USERS_CRYPT,	"$5$" },
	{ "SHA512-CRYPT",	USERS_CRYPT,	"$6$" },
	{ "BLF-CRYPT",		USERS_CRYPT,	"$2" },
};

/* Used as crypt(3) setting for unknown users when the file has no hash. */
static const char users_fallback_hash[] =
    "$6$usersdummysalt$"
    "Ufb1qyWx7sX9hxY5bq0Cbr2C6tV1Qdz5HBN7vO3k2n9iQm4wE1rT8yU0pL6aZ3sD"
    "5fG7hJ9kK1lM3nB5vC7x";

static int users_parse_line(void *ctx, char *line, size_t lineno);
static int64_t users_quota(const char *line, size_t lineno);
static char *users_scheme(char *secret, enum users_scheme *scheme);
static int users_entry_cmp(const void *a, const void *b);

bool
users_name_valid(const char *name, size_t len)
{
	if (len == 0 || len > USERS_NAME_MAX || name[0] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		    c == '+' || c == '-'))
			return false;
	}
	/* DIR/NAME.lock is the dotlock of mailbox NAME (SPEC 5, 6) */
	return !(len >= USERS_LOCK_SUFFIX_LEN &&
	    strncasecmp(name + len - USERS_LOCK_SUFFIX_LEN, USERS_LOCK_SUFFIX,
	    USERS_LOCK_SUFFIX_LEN) == 0);
}

/*
 * The user's own limit in the extra fields of line (which follow the
 * USERS_EXTRA_FIELD-th ':'), or USERS_QUOTA_UNSET. One that Dovecot
 * would refuse is logged and passed over: -q then applies, and the user
 * still gets mail.
 */
static int64_t
users_quota(const char *line, size_t lineno)
{
	const char *p = line;
	int64_t limit;

	for (int field = 0; field < USERS_EXTRA_FIELD; field++) {
		if ((p = strchr(p, ':')) == NULL)
			return USERS_QUOTA_UNSET;
		p++;
	}
	switch (quota_parse_fields(p, &limit)) {
	case QUOTA_SET:
		return limit;
	case QUOTA_INVALID:
		log_warnx("users file line %zu: a quota field that is not "
		    "understood, passed over (the -q limit applies)", lineno);
		return USERS_QUOTA_UNSET;
	case QUOTA_UNSET:
		break;
	}
	return USERS_QUOTA_UNSET;
}

/*
 * The "{SCHEME}secret" at secret: its scheme in *scheme and the secret
 * after the braces, or NULL for an unknown scheme or a hash that is not
 * of its scheme.
 */
static char *
users_scheme(char *secret, enum users_scheme *scheme)
{
	const struct users_scheme_name *found = NULL;
	char *close = strchr(secret, '}');

	for (size_t i = 0; close != NULL &&
	    i < sizeof users_schemes / sizeof users_schemes[0]; i++) {
		size_t n = strlen(users_schemes[i].name);

		if ((size_t)(close - secret - 1) == n &&
		    strncasecmp(secret + 1, users_schemes[i].name, n) == 0)
			found = &users_schemes[i];
	}
	if (found == NULL || strncmp(close + 1, found->hash_prefix,
	    strlen(found->hash_prefix)) != 0)
		return NULL;
	*scheme = found->scheme;
	return close + 1;
}

/* Adds the entry on line, or logs why not. Returns -1 only on ENOMEM. */
static int
users_parse_line(void *ctx, char *line, size_t lineno)
{
	struct users *u = ctx;
	char *secret, *end;
	enum users_scheme scheme = USERS_CRYPT;
	int64_t quota;

	if (line[0] == '#' || line[strspn(line, " \t\r")] == '\0')
		return 0;
	line[strcspn(line, "\r")] = '\0';
	/* read before the fields are cut apart */
	quota = users_quota(line, lineno);
	secret = strchr(line, ':');
	if (secret == NULL) {
		log_warnx("users file line %zu: no ':' after the name, skipped",
		    lineno);
		return 0;
	}
	*secret++ = '\0';
	if ((end = strchr(secret, ':')) != NULL)
		*end = '\0';
	if (!users_name_valid(line, strlen(line))) {
		log_warnx("users file line %zu: invalid user name, skipped",
		    lineno);
		return 0;
	}
	if (secret[0] == '{' && (secret = users_scheme(secret, &scheme)) ==
	    NULL) {
		log_warnx("users file line %zu: unknown scheme or malformed "
		    "hash, skipped", lineno);
		return 0;
	}
	if (scheme == USERS_CRYPT && secret[0] == '\0') {
		log_warnx("users file line %zu: empty hash, skipped", lineno);
		return 0;
	}
	ascii_lower_copy(line, line, strlen(line));

	struct users_entry *grown = realloc(u->entries,
	    (u->count + 1) * sizeof *u->entries);
	if (grown == NULL)
		return -1;
	u->entries = grown;
	u->entries[u->count++] = (struct users_entry){
		.name = line, .secret = secret, .scheme = scheme,
		.quota = quota,
	};
	if (scheme == USERS_CRYPT && u->dummy_hash == users_fallback_hash)
		u->dummy_hash = secret;
	return 0;
}

static int
users_entry_cmp(const void *a, const void *b)
{
	const struct users_entry *ea = a, *eb = b;

	return strcmp(ea->name, eb->name);
}

int
users_load(struct users *u, const char *path, size_t max_bytes)
{
	int saved;

	*u = (struct users){ .dummy_hash = users_fallback_hash };
	if (textfile_read(path, max_bytes, &u->text, &u->text_len) == -1)
		return -1;
	if (textfile_each_line(u->text, users_parse_line, u) == -1)
		goto fail;
	/* The first line for a name wins, as with Dovecot's passwd-file. */
	u->count = textfile_keep_first(u->entries, u->count,
	    sizeof *u->entries, "users file");
	u->all_plain = u->count > 0;
	for (size_t i = 0; i < u->count; i++)
		u->all_plain &= u->entries[i].scheme == USERS_PLAIN;
	return 0;
fail:
	saved = errno;
	users_free(u);
	errno = saved;
	return -1;
}

void
users_free(struct users *u)
{
	if (u->text != NULL)
		secret_wipe(u->text, u->text_len);
	free(u->text);
	free(u->entries);
	*u = (struct users){ .dummy_hash = users_fallback_hash };
}

const struct users_entry *
users_find(const struct users *u, const char *name)
{
	char lower[USERS_NAME_MAX + 1];
	size_t len = strlen(name);
	struct users_entry key = { .name = lower };

	if (!users_name_valid(name, len) || u->count == 0)
		return NULL;
	ascii_lower_copy(lower, name, len + 1);
	return bsearch(&key, u->entries, u->count, sizeof *u->entries,
	    users_entry_cmp);
}

bool
users_plain_usable(const struct users_entry *e)
{
	return e != NULL && e->scheme == USERS_PLAIN && e->secret[0] != '\0';
}

bool
users_pass_verify(const struct users *u, const struct users_entry *e,
    const char *pass, size_t len)
{
	/* A NUL inside the password can never match; still do the work. */
	bool clean = strlen(pass) == len;
	const char *hash;

	if (e != NULL && e->scheme == USERS_PLAIN) {
		if (users_plain_usable(e) && clean &&
		    secret_equal(pass, len, e->secret, strlen(e->secret)))
			return true;
		/* a failure costs what an unknown user's does */
		(void)crypt(pass, u->dummy_hash);
		return false;
	}
	hash = crypt(pass, e != NULL ? e->secret : u->dummy_hash);
	if (e == NULL || hash == NULL || hash[0] == '*')
		return false;
	return secret_equal(hash, strlen(hash), e->secret, strlen(e->secret)) &&
	    clean;
}
