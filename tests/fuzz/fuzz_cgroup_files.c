/* libFuzzer target for the cgroup file readers: what `events --stats`,
 * `ps`, `pause` and `delete` read back from a container's cgroup (cpu.stat,
 * memory.stat, io.stat, blkio.*, cpuset lists, pids.*, cgroup.procs,
 * cgroup.events, freezer.state...). The input holds files, each introduced
 * by a line "== NAME"; they are written into a temp dir that a v1 (legacy)
 * and a v2 (unified) cgroup record both point at, then cgroup_stats,
 * cgroup_is_frozen and cgroup_pids read them.
 * Runs in: the fuzzer only. Must not call: exit. */
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/json.h"
#include "base/util.h"
#include "cgroup/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FILES 64

static char dir[4096];
static int dir_fd = -1;
static cgroup_t legacy, unified;
static struct cg_hier v1_hiers[7], v2_hier;

static void setup(void)
{
	static const char *const v1[] = {"cpu,cpuacct", "cpuset",  "memory", "pids",
					 "blkio",       "hugetlb", "freezer"};
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/ocirun-fuzz-cgroup.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		abort();
	dir_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0)
		abort();
	for (size_t i = 0; i < ARRAY_SIZE(v1); i++)
		v1_hiers[i] = (struct cg_hier){.controllers = (char *)v1[i],
					       .mount = "/sys/fs/cgroup",
					       .path = dir,
					       .ops = &cg_v1_backend};
	legacy =
	    (cgroup_t){.mode = CG_MODE_LEGACY, .hiers = v1_hiers, .n_hiers = ARRAY_SIZE(v1), .v2_fd = -1};
	v2_hier = (struct cg_hier){.unified = true,
				   .controllers = "cpuset cpu io memory hugetlb pids rdma misc",
				   .mount = "/sys/fs/cgroup",
				   .path = dir,
				   .ops = &cg_v2_backend};
	unified = (cgroup_t){.mode = CG_MODE_UNIFIED, .hiers = &v2_hier, .n_hiers = 1, .v2_fd = -1};
}

/* A file name the input may use: a cgroup-like word, nothing that leaves the dir. */
static bool good_name(const char *s, size_t n)
{
	if (n == 0 || n > 64 || s[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		      s[i] == '_'))
			return false;
	return true;
}

/* Split "== name\n<content>" sections into files; returns how many names were written. */
static size_t write_files(const char *p, size_t size, char names[MAX_FILES][65])
{
	const char *end = p + size;
	size_t n = 0;

	while (p < end && n < MAX_FILES) {
		const char *nl, *name, *body, *next;
		size_t nlen;

		if (end - p < 3 || memcmp(p, "== ", 3) != 0)
			break;
		name = p + 3;
		nl = memchr(name, '\n', (size_t)(end - name));
		if (!nl)
			break;
		nlen = (size_t)(nl - name);
		body = nl + 1;
		next = body;
		while (next < end && !(next + 3 <= end && memcmp(next, "== ", 3) == 0 &&
				       (next == body || next[-1] == '\n')))
			next++;
		if (good_name(name, nlen)) {
			ocirun_error_t err = {0};
			memcpy(names[n], name, nlen);
			names[n][nlen] = '\0';
			if (write_file_at(dir_fd, names[n], body, (size_t)(next - body), &err) < 0)
				abort();
			n++;
		}
		p = next;
	}
	return n;
}

static void read_back(const cgroup_t *cg)
{
	ocirun_error_t err = {0};
	json_gen_t *g = json_gen_new(false);
	pid_t *pids = NULL;
	size_t n = 0;

	/* as `events --stats` does: the generator is read only on success */
	if (cgroup_stats(cg, g, &err) == 0)
		free(json_gen_finish(g, NULL));
	json_gen_free(g);
	(void)cgroup_is_frozen(cg);
	memset(&err, 0, sizeof(err));
	if (cgroup_pids(cg, &pids, &n, &err) == 0) {
		/* a pid that is not positive would make kill(2) signal a group or every process */
		for (size_t i = 0; i < n; i++)
			if (pids[i] <= 0)
				__builtin_trap();
		free(pids);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char names[MAX_FILES][65];
	size_t n;

	if (dir_fd < 0)
		setup();
	n = write_files((const char *)data, size, names);
	read_back(&legacy);
	read_back(&unified);
	for (size_t i = 0; i < n; i++)
		unlinkat(dir_fd, names[i], 0);
	return 0;
}
