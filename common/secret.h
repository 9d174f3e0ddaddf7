/*
 * secret: handling of passwords and other secrets.
 *
 * secret_equal() takes time that depends only on the lengths, never on
 * where the first difference is. secret_wipe() clears memory in a way the
 * compiler may not optimise away; call it on every buffer that held a
 * password once it is no longer needed.
 */
#ifndef COMMON_SECRET_H
#define COMMON_SECRET_H

#include <stdbool.h>
#include <stddef.h>

/* a and b hold the same bytes, in time that depends on the lengths only. */
bool	secret_equal(const void *a, size_t alen, const void *b, size_t blen);
/* Zeroes len bytes at p, and the compiler may not skip it. */
void	secret_wipe(void *p, size_t len);

#endif
