/* /proc/self/mountinfo through libmount: the only file of ocirun that uses libmount. */
#include <errno.h>
#include <libmount.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "fs/fs-internal.h"

#define MOUNTINFO "/proc/self/mountinfo"

static void table_freep(struct libmnt_table **tb)
{
	if (*tb)
		mnt_unref_table(*tb);
}
#define _cleanup_table_ __attribute__((cleanup(table_freep)))

static void iter_freep(struct libmnt_iter **it)
{
	if (*it)
		mnt_free_iter(*it);
}
#define _cleanup_iter_ __attribute__((cleanup(iter_freep)))

static char *dup_or_empty(const char *s)
{
	return xstrdup(s ? s : "");
}

static void fill(struct fs_mountinfo *m, struct libmnt_fs *fs)
{
	const char *opt = mnt_fs_get_optional_fields(fs);
	unsigned long flags = 0;

	m->target = dup_or_empty(mnt_fs_get_target(fs));
	m->root = dup_or_empty(mnt_fs_get_root(fs));
	m->fstype = dup_or_empty(mnt_fs_get_fstype(fs));
	m->source = dup_or_empty(mnt_fs_get_source(fs));
	m->vfs_opts = dup_or_empty(mnt_fs_get_vfs_options(fs));
	m->fs_opts = dup_or_empty(mnt_fs_get_fs_options(fs));
	if (mnt_optstr_get_flags(m->vfs_opts, &flags, mnt_get_builtin_optmap(MNT_LINUX_MAP)) == 0)
		m->flags = flags;
	m->shared = opt && strstr(opt, "shared:");
}

static int load(struct libmnt_table **ret, ocirun_error_t *err)
{
	struct libmnt_table *tb = mnt_new_table();
	int r;

	if (!tb)
		return oerr(err, ENOMEM, "parse %s", MOUNTINFO);
	r = mnt_table_parse_file(tb, MOUNTINFO);
	if (r < 0) {
		mnt_unref_table(tb);
		return oerr(err, r == -1 ? EINVAL : -r, "parse %s", MOUNTINFO);
	}
	*ret = tb;
	return 0;
}

int fs_mountinfo_list(const char *fstype, struct fs_mountinfo **ret, size_t *ret_n, ocirun_error_t *err)
{
	_cleanup_table_ struct libmnt_table *tb = NULL;
	_cleanup_iter_ struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
	struct fs_mountinfo *v = NULL;
	struct libmnt_fs *fs;
	size_t n = 0;

	if (!it)
		return oerr(err, ENOMEM, "parse %s", MOUNTINFO);
	if (load(&tb, err) < 0)
		return oerr_ret(err);
	while (mnt_table_next_fs(tb, it, &fs) == 0) {
		const char *type = mnt_fs_get_fstype(fs);

		if (fstype && (!type || strcmp(type, fstype) != 0))
			continue;
		v = xrealloc(v, (n + 1) * sizeof(*v));
		memset(&v[n], 0, sizeof(v[n]));
		fill(&v[n++], fs);
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

void fs_mountinfo_free(struct fs_mountinfo *m, size_t n)
{
	for (size_t i = 0; m && i < n; i++) {
		free(m[i].target);
		free(m[i].root);
		free(m[i].fstype);
		free(m[i].source);
		free(m[i].vfs_opts);
		free(m[i].fs_opts);
	}
	free(m);
}

int fs_mountinfo_find(const char *path, struct fs_mountinfo **ret, ocirun_error_t *err)
{
	_cleanup_table_ struct libmnt_table *tb = NULL;
	struct libmnt_fs *fs;

	if (load(&tb, err) < 0)
		return oerr_ret(err);
	fs = mnt_table_find_mountpoint(tb, path, MNT_ITER_BACKWARD);
	if (!fs)
		return oerr_msg(err, ENOENT, "no mount point above \"%s\" in %s", path, MOUNTINFO);
	*ret = xzalloc(sizeof(**ret));
	fill(*ret, fs);
	return 0;
}

bool fs_mountinfo_has_opt(const char *optstr, const char *name)
{
	const char *eq = strchr(name, '=');
	_cleanup_free_ char *key = eq ? strndup(name, eq - name) : xstrdup(name);
	char *value = NULL;
	size_t len = 0;

	if (!key || mnt_optstr_get_option(optstr, key, &value, &len) != 0)
		return false;
	if (!eq)
		return true;
	return value && len == strlen(eq + 1) && !strncmp(value, eq + 1, len);
}
