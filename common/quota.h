/*
 * quota: a user's own mailbox limit, from the extra fields of the users
 * file (SPEC 5), in the spellings Dovecot reads from the same file, and
 * read as Dovecot reads them (checked against doveadm in t/users.bats):
 *   userdb_quota_rule=*:storage=SIZE   Dovecot 2.3: a bare number counts
 *                                      kilobytes; bytes=N counts bytes;
 *                                      "?" as well as "*"; messages= is
 *                                      not ours and passed over
 *   userdb_quota_rule=*:ignore         no limit
 *   userdb_quota_storage_size=SIZE     Dovecot 2.4: bare bytes, or
 *                                      "unlimited"
 * A limit of 0 is no limit, and a later field wins over an earlier one,
 * as in Dovecot. Rules for other mailboxes (Trash:...) are not ours.
 */
#ifndef COMMON_QUOTA_H
#define COMMON_QUOTA_H

#include <stdint.h>

enum quota_found {
	QUOTA_UNSET,		/* no limit of the user's own: -q's applies */
	QUOTA_SET,		/* *limit is the user's (0: none) */
	QUOTA_INVALID,		/* a limit Dovecot would refuse too */
};

/* The limit in fields, Dovecot's space-separated extra fields. */
enum quota_found quota_parse_fields(const char *fields, int64_t *limit);

#endif
