/* Regression tests for what the fuzz targets (tests/fuzz/) found: each input
 * that once crashed or hung a target, run through the same library call.
 * Every case runs in a child with a 5 s alarm, so a hang is a failure here,
 * not a stuck test run. The same inputs are kept as corpus files named
 * regress-* and replayed by `tests/fuzz/run replay`. */
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/json.h"
#include "base/util.h"
#include "cgroup/internal.h"
#include "spec/spec.h"
#include "state/state.h"
#include "unit.h"

/* Run fn in a child that SIGALRM ends after 5 s; true when it exited 0. */
static bool in_child(void (*fn)(void), const char *what)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return false;
	if (pid == 0) {
		alarm(5);
		fn();
		_exit(unit_failed_checks ? 1 : 0);
	}
	if (waitpid(pid, &status, 0) < 0)
		return false;
	if (WIFSIGNALED(status))
		fprintf(stderr, "# %s: killed by signal %d%s\n", what, WTERMSIG(status),
			WTERMSIG(status) == SIGALRM ? " (hung for 5 s)" : "");
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* fuzz_cgroup_files, corpus regress-cpu-list-uint64-max.txt: a CPU list
 * (cpuset.cpus, cpuacct.usage_percpu) holding 2^64-1 looped forever in
 * cg_parse_list: `for (x = a; x <= b; x++)` never ends when b is UINT64_MAX. */
static void cpu_list_max_child(void)
{
	static const char *const lists[] = {"18446744073709551615",
					    "18446744073709551614-18446744073709551615"};

	for (size_t i = 0; i < ARRAY_SIZE(lists); i++) {
		struct cg_u64v v = {0};
		int r = cg_parse_list(lists[i], &v);
		/* refused, or read as the one or two numbers it names */
		CHECK(r < 0 || (v.n >= 1 && v.n <= 2 && v.v[v.n - 1] == UINT64_MAX));
		free(v.v);
	}
}

TEST(cpu_list_uint64_max)
{
	CHECK(in_child(cpu_list_max_child, "cg_parse_list"));
}

/* fuzz_cgroup_files, corpus regress-pid-wraps-to-minus-1.txt: cgroup.procs
 * lines are read as int64 and cast to pid_t, so "4294967295" became -1 (and
 * "4294967296" 0): kill(-1, sig) in cg_signal_all would signal every process
 * the runtime may signal. No pid read back may be below 1. */
static void procs_range_child(void)
{
	char dir[] = "/tmp/ocirun-unit-procs.XXXXXX";
	pid_t *pids = NULL;
	size_t n = 0;
	ocirun_error_t err = {0};
	_cleanup_free_ char *file = NULL;

	if (!mkdtemp(dir)) {
		CHECK(!"mkdtemp");
		return;
	}
	file = xasprintf("%s/cgroup.procs", dir);
	CHECK(write_file(file, "7\n4294967295\n4294967296\n2147483648\n", 36, &err) == 0);
	if (cg_read_pids(dir, &pids, &n, &err) == 0) {
		for (size_t i = 0; i < n; i++)
			CHECK(pids[i] > 0);
		CHECK(n >= 1 && pids[0] == 7);
		free(pids);
	}
	unlink(file);
	rmdir(dir);
}

TEST(procs_pid_out_of_range)
{
	CHECK(in_child(procs_range_child, "cg_read_pids"));
}

/* Found by hand while writing fuzz_state (its inputs are capped at 64 KiB):
 * json_parse has no depth limit (the spec parser checks depth itself, but
 * state.json and the cgroup record go straight to json_parse), and
 * yajl_tree_free recurses once per level, so a state.json of a million
 * nested arrays (2 MB) crashed `state`, `list` and `delete --force`. Such a
 * document must be refused (or parsed and freed) without a crash. */
static char *deep_doc(size_t depth, size_t *ret_len)
{
	const char *head = "{\"id\":\"x\",\"bundle\":\"/b\",\"x\":";
	size_t hl = strlen(head), len = hl + 2 * depth + 1;
	char *t = xmalloc(len + 1);

	memcpy(t, head, hl);
	memset(t + hl, '[', depth);
	memset(t + hl + depth, ']', depth);
	t[len - 1] = '}';
	t[len] = '\0';
	*ret_len = len;
	return t;
}

static void deep_json_child(void)
{
	size_t len;
	_cleanup_free_ char *t = deep_doc(1000000, &len);
	ocirun_error_t err = {0};
	json_t *v = NULL;

	if (json_parse(t, len, &v, &err) == 0)
		json_free(v);
}

TEST(json_deep_nesting)
{
	CHECK(in_child(deep_json_child, "json_parse of 1000000 levels"));
}

static void deep_state_child(void)
{
	char dir[] = "/tmp/ocirun-unit-state.XXXXXX";
	size_t len;
	_cleanup_free_ char *t = deep_doc(1000000, &len);
	ocirun_error_t err = {0};
	struct container_state *st = NULL;
	int fd;

	if (!mkdtemp(dir)) {
		CHECK(!"mkdtemp");
		return;
	}
	fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	CHECK(fd >= 0 && write_file_at(fd, STATE_FILE, t, len, &err) == 0);
	if (state_read(fd, &st, &err) == 0)
		state_free(st);
	unlinkat(fd, STATE_FILE, 0);
	close(fd);
	rmdir(dir);
}

TEST(state_deep_nesting)
{
	CHECK(in_child(deep_state_child, "state_read of 1000000 levels"));
}

/* fuzz_spec, fuzz_process, fuzz_resources, corpus regress-nul-mark-overflow.json:
 * spec.c precheck() sizes its rewritten copy by the "\u0000" escapes it
 * counts inside strings, then rewrites every "\u0000" (6 bytes) into the
 * 24-byte NUL_MARK, inside strings or not: one escape in a string and more
 * outside overflowed the heap buffer (a config.json with 5000 of them
 * crashed `ocirun create`). The document is invalid JSON: it must be refused. */
static void nul_mark_child(void)
{
	size_t n = 5000, len;
	const char *head = "{\"ociVersion\":\"1.0.2\",\"x\":\"\\u0000\"}";
	char *t = xmalloc(strlen(head) + 6 * n + 1), *p;
	ocirun_error_t err = {0};
	struct oci_spec *s = NULL;
	struct oci_process *pr = NULL;
	struct oci_resources *r = NULL;

	p = t + sprintf(t, "%s", head);
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "\\u0000");
	len = (size_t)(p - t);
	CHECK(spec_parse(t, len, "config.json", &s, &err) < 0);
	CHECK(spec_parse_process(t, len, "process.json", &pr, &err) < 0);
	CHECK(spec_parse_resources(t, len, "resources.json", &r, &err) < 0);
	free(t);
}

TEST(nul_escapes_outside_strings)
{
	CHECK(in_child(nul_mark_child, "spec_parse with \\u0000 outside strings"));
}

int main(void)
{
	RUN(cpu_list_uint64_max);
	RUN(procs_pid_out_of_range);
	RUN(json_deep_nesting);
	RUN(state_deep_nesting);
	RUN(nul_escapes_outside_strings);
	return UNIT_END();
}
