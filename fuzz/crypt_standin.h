/*
 * crypt_standin: what the fuzzers use for crypt(3). Real crypt was two
 * thirds of a session's time (5000 SHA-512 rounds for every failed login,
 * known user or not) and is not our code. The stand-in keeps what callers
 * rely on: a string that starts like the setting and depends on the key,
 * or NULL for a setting crypt(3) refuses (empty, or with ':').
 */
#ifndef FUZZ_CRYPT_STANDIN_H
#define FUZZ_CRYPT_STANDIN_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static inline char *
crypt_standin(const char *key, const char *setting)
{
	static char out[128];
	const char *end = strrchr(setting, '$');
	size_t head = end != NULL ? (size_t)(end - setting) + 1 : 2;
	uint64_t h = 14695981039346656037u;	/* FNV-1a */

	if (setting[0] == '\0' || strchr(setting, ':') != NULL ||
	    head > sizeof out - 17 || strlen(setting) < head)
		return NULL;
	for (const char *k = key; *k != '\0'; k++)
		h = (h ^ (unsigned char)*k) * 1099511628211u;
	memcpy(out, setting, head);
	snprintf(out + head, sizeof out - head, "%016llx",
	    (unsigned long long)h);
	return out;
}

#endif
