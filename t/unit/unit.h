/* unit: the smallest table-test harness: CHECK counts and reports. */
#ifndef T_UNIT_H
#define T_UNIT_H

#include <stdio.h>

static int unit_failures;
static int unit_checks;

#define CHECK(cond, ...) do {						\
	unit_checks++;							\
	if (!(cond)) {							\
		unit_failures++;					\
		printf("FAIL %s:%d: ", __FILE__, __LINE__);		\
		printf(__VA_ARGS__);					\
		printf("\n");						\
	}								\
} while (0)

/* The plain closing line CI reads: "N passed, N failed". */
#define UNIT_DONE() (printf("%d passed, %d failed\n",			\
	unit_checks - unit_failures, unit_failures), unit_failures != 0)

#endif
