/* libFuzzer target for the mountinfo reader (src/lib/fs/mountinfo.c, the
 * one user of libmount) and the string helpers applied to what it returns:
 * mount option parsing, path cleaning and containment. mountinfo.c parses
 * the fixed path /proc/self/mountinfo through a libmount it dlopens, so this
 * file includes it and points its mnt_table_parse_file at a stand-in that
 * parses the input instead.
 * Runs in: the fuzzer only. Must not call: exit. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fs/mountinfo.c"
#undef mnt_table_parse_file

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *input;
static size_t input_size;

/* mnt_table_parse_file(tb, "/proc/self/mountinfo"), reading the input. */
static int parse_input(struct libmnt_table *tb, const char *filename)
{
	FILE *f = fmemopen((void *)input, input_size, "r");
	int r;

	(void)filename;
	if (!f)
		return -1;
	r = mnt_table_parse_stream(tb, f, "fuzz-mountinfo");
	fclose(f);
	return r;
}

#include "base/util.h"

/* Split a comma-separated option string into a vector and parse it as mount options. */
static void parse_options(const char *opts)
{
	_cleanup_free_ char *copy = xstrdup(opts);
	_cleanup_strv_ char **v = NULL;
	struct fs_mount_flags f;
	ocirun_error_t err = {0};

	for (char *save = NULL, *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
		strv_push(&v, t);
	if (fs_parse_mount_options(v, &f, &err) == 0)
		fs_mount_flags_done(&f);
}

static void check_one(const struct fs_mountinfo *m)
{
	_cleanup_free_ char *clean = fs_path_clean(m->target);
	_cleanup_free_ char *again = fs_path_clean(clean);

	/* cleaning is idempotent and stays absolute */
	if (strcmp(clean, again) != 0 || clean[0] != '/')
		__builtin_trap();
	(void)fs_path_under(clean, "/sys/fs/cgroup");
	(void)fs_mountinfo_has_opt(m->vfs_opts, "ro");
	(void)fs_mountinfo_has_opt(m->fs_opts, "mode=755");
	(void)fs_propagation_flag(m->source);
	parse_options(m->vfs_opts);
	parse_options(m->fs_opts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const types[] = {NULL, "cgroup2", "cgroup", "proc"};
	ocirun_error_t err = {0};
	struct fs_mountinfo *v = NULL, *one = NULL;
	size_t n = 0;

	if (!lm.loaded) {
		if (lm_load(&err) < 0)
			abort();
		lm.mnt_table_parse_file = parse_input;
	}
	input = data;
	input_size = size;
	for (size_t t = 0; t < ARRAY_SIZE(types); t++) {
		memset(&err, 0, sizeof(err));
		if (fs_mountinfo_list(types[t], &v, &n, &err) < 0)
			continue;
		for (size_t i = 0; i < n; i++)
			check_one(&v[i]);
		fs_mountinfo_free(v, n);
	}
	if (fs_mountinfo_find("/sys/fs/cgroup/memory", &one, &err) == 0)
		fs_mountinfo_free(one, 1);
	return 0;
}
