/*
 * size: byte counts as operators write them, in options (-q, -R) and in
 * the users file's quota fields, read as Dovecot reads them: decimal
 * digits, then an optional unit b, k, M, G or T in any case (powers of
 * 1024), which may be followed by a b ("kB", "MB"). No sign, fraction,
 * space or anything after the unit; a count past SIZE_BYTES_MAX is
 * refused, never wrapped.
 */
#ifndef COMMON_SIZE_H
#define COMMON_SIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest count taken: what an off_t holds, where mailboxes grow. */
#define SIZE_BYTES_MAX	INT64_MAX

/*
 * The len bytes of s as a byte count in *bytes; a number without a unit
 * counts bare_unit bytes each (Dovecot 2.3's storage= counts kilobytes).
 * False, *bytes untouched, for anything else.
 */
bool	size_parse(const char *s, size_t len, int64_t bare_unit,
	    int64_t *bytes);

#endif
