/*
 * users: the users file of SPEC section 5, a subset of Dovecot's
 * passwd-file: "name:{SCHEME}secret[:uid:gid:gecos:home:shell:extra]",
 * '#' comments. Of the fields after the secret only the extra fields
 * are read, for the user's own mailbox limit (common/quota.h).
 *
 * users_name_valid() is the one check every user name passes before any
 * path is built from it. Lookups ignore case. Every failure of
 * users_pass_verify() costs one crypt(3) (of the file's first hash when
 * the user is unknown or has a {PLAIN} secret), so that the work done
 * tells nothing about which names exist; the callers also answer all
 * failures at one fixed delay (common/sasl.h). An empty secret never
 * authenticates.
 */
#ifndef COMMON_USERS_H
#define COMMON_USERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* SPEC 5: names are 1-64 of A-Z a-z 0-9 . _ + -, not starting with '.'. */
#define USERS_NAME_MAX	64
/* A name ending so would be another mailbox's dotlock. */
#define USERS_LOCK_SUFFIX	".lock"
#define USERS_LOCK_SUFFIX_LEN	(sizeof USERS_LOCK_SUFFIX - 1)

enum users_scheme {
	USERS_PLAIN,		/* {PLAIN}, {CLEARTEXT}: usable for APOP, CRAM-MD5 */
	USERS_CRYPT,		/* {CRYPT}, {*-CRYPT} or no prefix: crypt(3) */
};

/* The passwd-file field after whose ':' the extra fields begin. */
#define USERS_EXTRA_FIELD	7
/* An entry's quota when the file gives none: -q's applies. */
#define USERS_QUOTA_UNSET	(-1)

struct users_entry {
	const char		*name;	/* lower case */
	const char		*secret;
	enum users_scheme	 scheme;
	int64_t			 quota;	/* the largest its mailbox may grow
					   to, 0 for none, or
					   USERS_QUOTA_UNSET */
};

struct users {
	struct users_entry	*entries;	/* sorted by name */
	size_t			 count;
	char			*text;		/* the file; entries point here */
	size_t			 text_len;
	const char		*dummy_hash;	/* crypt(3) work for unknown users */
	bool			 all_plain;	/* every user has a {PLAIN} secret:
						   APOP, CRAM-MD5 may be offered */
};

/*
 * Reads and parses path. Malformed lines are logged and skipped. Returns 0,
 * or -1 with errno (EFBIG when the file exceeds max_bytes).
 */
int	users_load(struct users *u, const char *path, size_t max_bytes);
/* Releases what users_load() took; u is empty afterwards. */
void	users_free(struct users *u);

/* The len bytes of name are a user name SPEC 5 allows (no path in it). */
bool	users_name_valid(const char *name, size_t len);

/* The entry for name (any case), or NULL for an unknown or invalid name. */
const struct users_entry *users_find(const struct users *u, const char *name);

/* e has a non-empty {PLAIN} secret: APOP and CRAM-MD5 can check it. */
bool	users_plain_usable(const struct users_entry *e);

/*
 * True when pass (len bytes, NUL-terminated) is the password of e. e may be
 * NULL (unknown user): the same work is done and the answer is false.
 */
bool	users_pass_verify(const struct users *u, const struct users_entry *e,
	    const char *pass, size_t len);

#endif
