/* Minimal unit-test harness: each test_*.c defines tests with TEST(name) and
 * lists them in main via RUN(name). Output is TAP so run-unit can count it. */
#ifndef OCIRUN_UNIT_H
#define OCIRUN_UNIT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int unit_failed_checks;
static int unit_test_no;
static int unit_fail_count;

#define TEST(name) static void test_##name(void)

#define CHECK(cond)                                                                                          \
	do {                                                                                                 \
		if (!(cond)) {                                                                               \
			fprintf(stderr, "# %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);           \
			unit_failed_checks++;                                                                \
		}                                                                                            \
	} while (0)

#define CHECK_STR(a, b)                                                                                      \
	do {                                                                                                 \
		const char *_a = (a), *_b = (b);                                                             \
		if (!_a || !_b || strcmp(_a, _b) != 0) {                                                     \
			fprintf(stderr, "# %s:%d: \"%s\" != \"%s\"\n", __FILE__, __LINE__,                   \
				_a ? _a : "(null)", _b ? _b : "(null)");                                     \
			unit_failed_checks++;                                                                \
		}                                                                                            \
	} while (0)

/* substring check, for error messages */
#define CHECK_CONTAINS(hay, needle)                                                                          \
	do {                                                                                                 \
		const char *_h = (hay), *_n = (needle);                                                      \
		if (!_h || !strstr(_h, _n)) {                                                                \
			fprintf(stderr, "# %s:%d: \"%s\" does not contain \"%s\"\n", __FILE__, __LINE__,     \
				_h ? _h : "(null)", _n);                                                     \
			unit_failed_checks++;                                                                \
		}                                                                                            \
	} while (0)

#define RUN(name)                                                                                            \
	do {                                                                                                 \
		int _before = unit_failed_checks;                                                            \
		test_##name();                                                                               \
		unit_test_no++;                                                                              \
		if (unit_failed_checks == _before)                                                           \
			printf("ok %d - %s\n", unit_test_no, #name);                                         \
		else {                                                                                       \
			printf("not ok %d - %s\n", unit_test_no, #name);                                     \
			unit_fail_count++;                                                                   \
		}                                                                                            \
		fflush(stdout);                                                                              \
	} while (0)

#define UNIT_END() (printf("1..%d\n", unit_test_no), unit_fail_count ? 1 : 0)

#endif
