/* seccomp_probe CALL...: makes each raw syscall CALL (a number, or one of the names below) with all
 * arguments 0 and prints one line per call: "CALL ok" or "CALL ENAME" (the errno's name). Built
 * static by seccomp.bats, so that it runs under a profile that allows little. Raw syscalls: a libc
 * wrapper could turn an ENOSYS into a fallback. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static const struct {
	const char *name;
	long nr;
} names[] = {
    {"getsid", SYS_getsid},           /* with 0: ok */
    {"getpgid", SYS_getpgid},         /* with 0: ok */
    {"clone3", SYS_clone3},           /* with NULL, 0: EINVAL */
    {"getpriority", SYS_getpriority}, /* with 0, 0: ok */
};

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		long nr = -1;
		const char *e;

		for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++)
			if (strcmp(argv[i], names[k].name) == 0)
				nr = names[k].nr;
		if (nr < 0)
			nr = strtol(argv[i], NULL, 0);
		e = syscall(nr, 0, 0, 0, 0, 0, 0) < 0 ? strerrorname_np(errno) : "ok";
		printf("%s %s\n", argv[i], e ? e : "?");
	}
	return 0;
}
