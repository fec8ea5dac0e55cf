/* rtbench: the measurements of bench/run that hyperfine cannot make.
 *
 *   rtbench steps N ID BUNDLE RUNTIME [GLOBAL ARGS...]
 *       N times: `create -b BUNDLE ID`, `start ID`, wait for the container's process to exit,
 *       `delete ID`; prints per step: mean, median and min wall time (ms), the largest peak RSS
 *       (kB) and the mean minor page faults of the runtime process (its waited-for children
 *       included, as wait4 reports them).
 *   rtbench rss N CMD [ARGS...]
 *       runs CMD N times; prints the same figures for it.
 *
 * With RTBENCH_RAW set in the environment it prints "name ms maxrss minflt" for every call
 * instead. It is a child subreaper, so the container processes that `create` leaves behind become its
 * children and are reaped here. Output: one line per step, "name mean median min maxrss minflt". */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct stat_acc {
	const char *name;
	double *ms;
	size_t n;
	long maxrss;
	double minflt;
};

static int raw; /* RTBENCH_RAW set: one line per call instead of the summary */

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Run argv with stdin/stdout on /dev/null; 0 when it exited 0. */
static int run(char *const *argv, struct stat_acc *acc)
{
	struct rusage ru;
	double t0 = now_ms();
	int st;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(null, 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	while (wait4(pid, &st, 0, &ru) < 0)
		if (errno != EINTR)
			return -1;
	acc->ms[acc->n++] = now_ms() - t0;
	if (raw)
		printf("%s %.3f %ld %ld\n", acc->name, acc->ms[acc->n - 1], ru.ru_maxrss, ru.ru_minflt);
	if (ru.ru_maxrss > acc->maxrss)
		acc->maxrss = ru.ru_maxrss;
	acc->minflt += (double)ru.ru_minflt;
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "rtbench: %s %s failed (status %d)\n", argv[0], acc->name, st);
		return -1;
	}
	return 0;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void report(struct stat_acc *a)
{
	double sum = 0;

	if (!a->n || raw)
		return;
	for (size_t i = 0; i < a->n; i++)
		sum += a->ms[i];
	qsort(a->ms, a->n, sizeof(double), cmp);
	printf("%s %.3f %.3f %.3f %ld %.0f\n", a->name, sum / (double)a->n, a->ms[a->n / 2], a->ms[0],
	       a->maxrss, a->minflt / (double)a->n);
}

/* RUNTIME [GLOBAL ARGS...] VERB [VERB ARGS...] as one argv. */
static char **cmdline(char **rt, int nrt, const char *verb, const char *a1, const char *a2, const char *a3)
{
	char **v = calloc((size_t)nrt + 5, sizeof(char *));
	int n = 0;

	for (int i = 0; i < nrt; i++)
		v[n++] = rt[i];
	v[n++] = (char *)verb;
	if (a1)
		v[n++] = (char *)a1;
	if (a2)
		v[n++] = (char *)a2;
	if (a3)
		v[n++] = (char *)a3;
	return v;
}

static int steps(int n, const char *id, const char *bundle, char **rt, int nrt)
{
	struct stat_acc acc[3] = {{.name = "create"}, {.name = "start"}, {.name = "delete"}};
	char **create = cmdline(rt, nrt, "create", "-b", bundle, id);
	char **start = cmdline(rt, nrt, "start", id, NULL, NULL);
	char **del = cmdline(rt, nrt, "delete", id, NULL, NULL);
	int r = 0;

	for (int i = 0; i < 3; i++)
		acc[i].ms = calloc((size_t)n, sizeof(double));
	for (int i = 0; i < n && r == 0; i++) {
		int st;

		if (run(create, &acc[0]) < 0) {
			r = 1;
			break;
		}
		if (run(start, &acc[1]) < 0) {
			r = 1; /* bench/run deletes what is left with delete -f */
			break;
		}
		/* The container's process: an orphan of `create`, now ours. */
		while (waitpid(-1, &st, 0) > 0)
			;
		if (run(del, &acc[2]) < 0)
			r = 1;
	}
	for (int i = 0; i < 3; i++)
		report(&acc[i]);
	return r;
}

static int rss(int n, char **argv)
{
	struct stat_acc acc = {.name = "cmd"};

	acc.ms = calloc((size_t)n, sizeof(double));
	for (int i = 0; i < n; i++)
		if (run(argv, &acc) < 0)
			return 1;
	report(&acc);
	return 0;
}

int main(int argc, char **argv)
{
	raw = getenv("RTBENCH_RAW") != NULL;
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	if (argc >= 6 && !strcmp(argv[1], "steps"))
		return steps(atoi(argv[2]), argv[3], argv[4], argv + 5, argc - 5);
	if (argc >= 4 && !strcmp(argv[1], "rss"))
		return rss(atoi(argv[2]), argv + 3);
	fprintf(stderr, "usage: rtbench steps N ID BUNDLE RUNTIME [ARGS...] | rtbench rss N CMD [ARGS...]\n");
	return 2;
}
