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

/* A file's content (malloc'd), NULL when it cannot be read; with trim, without the trailing
 * newlines and spaces. */
static inline char *unit_slurp(const char *path, int trim)
{
	FILE *f = fopen(path, "re");
	size_t len = 0, cap = 256, n;
	char *s;

	if (!f)
		return NULL;
	s = malloc(cap);
	while (s && (n = fread(s + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (len + 1 == cap)
			s = realloc(s, cap *= 2);
	}
	fclose(f);
	if (!s)
		abort();
	s[len] = '\0';
	while (trim && len > 0 && (s[len - 1] == '\n' || s[len - 1] == ' '))
		s[--len] = '\0';
	return s;
}

#define UNIT_END() (printf("1..%d\n", unit_test_no), unit_fail_count ? 1 : 0)

#endif
