/* libFuzzer target for cgroup detection: how src/lib/cgroup/cgroup.c reads
 * /proc/self/mountinfo, /proc/cgroups and /proc/self/cgroup into the list of
 * hierarchies, and where it then places a container (hier_path). Those
 * readers are static and read fixed paths, so this file includes cgroup.c
 * with read_file() renamed to a stand-in that serves the input's sections
 * ("== mountinfo", "== cgroups", "== cgroup", "== path" for
 * linux.cgroupsPath) in place of the /proc files. Nothing is created.
 * Runs in: the fuzzer only. Must not call: exit. */
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

int fuzz_read_file(const char *path, char **ret, size_t *ret_len, ocirun_error_t *err);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define read_file fuzz_read_file
#include "cgroup/cgroup.c"
#undef read_file

enum { SEC_MOUNTINFO, SEC_CGROUPS, SEC_CGROUP, SEC_PATH, SEC_N };
static const char *const sec_names[SEC_N] = {"mountinfo", "cgroups", "cgroup", "path"};
static const char *sec[SEC_N];
static size_t sec_len[SEC_N];

int fuzz_read_file(const char *path, char **ret, size_t *ret_len, ocirun_error_t *err)
{
	int i = strcmp(path, "/proc/self/mountinfo") == 0 ? SEC_MOUNTINFO
		: strcmp(path, "/proc/cgroups") == 0      ? SEC_CGROUPS
		: strcmp(path, "/proc/self/cgroup") == 0  ? SEC_CGROUP
							  : -1;
	char *s;

	if (i < 0)
		return oerr_msg(err, ENOENT, "fuzz: no stand-in for \"%s\"", path);
	s = xmalloc(sec_len[i] + 1);
	if (sec_len[i])
		memcpy(s, sec[i], sec_len[i]);
	s[sec_len[i]] = '\0';
	*ret = s;
	if (ret_len)
		*ret_len = sec_len[i];
	return 0;
}

/* "== name\n" starts a section; a section runs to the next such line. */
static void split(const char *p, size_t size)
{
	const char *end = p + size;

	memset(sec, 0, sizeof(sec));
	memset(sec_len, 0, sizeof(sec_len));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *body, *next;
		int which = -1;

		if (!nl || end - p < 3 || memcmp(p, "== ", 3) != 0)
			return;
		for (int i = 0; i < SEC_N; i++)
			if ((size_t)(nl - p - 3) == strlen(sec_names[i]) &&
			    !memcmp(p + 3, sec_names[i], strlen(sec_names[i])))
				which = i;
		body = nl + 1;
		for (next = body; next < end; next++)
			if ((next == body || next[-1] == '\n') && end - next >= 3 && !memcmp(next, "== ", 3))
				break;
		if (which >= 0) {
			sec[which] = body;
			sec_len[which] = (size_t)(next - body);
		}
		p = next;
	}
}

static void place(const struct hier_info *v, size_t n, enum cg_mode mode)
{
	ocirun_error_t err = {0};
	_cleanup_free_ char *path = NULL, *inner = NULL;
	struct cgroup_opts o = {.id = "fuzz-ctr"};
	bool abs = false;

	if (sec[SEC_PATH])
		path = strndup(sec[SEC_PATH], sec_len[SEC_PATH]);
	o.path = path;
	if (resolve_inner(&o, &inner, &abs, &err) < 0)
		return;
	for (size_t i = 0; i < n; i++)
		free(hier_path(&v[i], mode, inner, abs));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ocirun_error_t err = {0};

	split((const char *)data, size);
	for (int pure_v2 = 0; pure_v2 < 2; pure_v2++) {
		struct hier_info *v = NULL;
		size_t n = 0;

		memset(&err, 0, sizeof(err));
		if (read_mounts(pure_v2, &v, &n, &err) < 0)
			continue;
		if (read_own_cgroups(v, n, pure_v2, &err) == 0)
			place(v, n, pure_v2 ? CG_MODE_UNIFIED : CG_MODE_HYBRID);
		infos_free(v, n);
	}
	return 0;
}
