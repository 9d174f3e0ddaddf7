/*
 * The aliases file on any text: every alias expands without overflowing
 * its output, to users that exist, each at most once.
 */
#include "fuzz/fuzz.h"
#include "common/aliases.h"

#define FUZZ_OUT_MAX	4

static struct users users;
static int loaded;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char file[] = "alice:{PLAIN}a\nbob:{PLAIN}b\n"
	    "carol:{PLAIN}c\nteam:{PLAIN}t\n";
	struct aliases a;

	if (!loaded && users_load(&users, fuzz_file("users", file,
	    sizeof file - 1), 1 << 20) == -1)
		abort();
	loaded = 1;
	if (aliases_load(&a, fuzz_file("aliases", data, size), 1 << 20) == -1)
		return 0;
	for (size_t i = 0; i < a.count; i++) {
		const char *out[FUZZ_OUT_MAX], *bad = "";
		struct nameset set = { .names = out, .max = FUZZ_OUT_MAX };
		size_t count;

		(void)aliases_expand(&a, &users, a.entries[i].name, &set, &bad);
		count = set.count;
		if (count > FUZZ_OUT_MAX)
			abort();
		for (size_t j = 0; j < count; j++) {
			if (users_find(&users, out[j]) == NULL)
				abort();
			for (size_t k = 0; k < j; k++)
				if (strcmp(out[j], out[k]) == 0)
					abort();
		}
	}
	aliases_free(&a);
	return 0;
}
