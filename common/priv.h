/*
 * priv: never run as root (SPEC 2). Started as root, become user -- or,
 * without one, the owner of dir, which must not be root -- then prove the
 * change holds (setuid(0) must fail). Not root: nothing to do. user is
 * looked up in /etc/passwd (common/passwd.h says why not getpwnam).
 */
#ifndef COMMON_PRIV_H
#define COMMON_PRIV_H

#include <stddef.h>

/* 0, or -1 with why (a phrase for the fatal message) in err. */
int	priv_drop(const char *user, const char *dir, char *err, size_t errsize);

#endif
