/* /proc/self/mountinfo through libmount: the only file of ocirun that uses libmount.
 *
 * libmount is opened with dlopen the first time it is needed, not linked: it
 * pulls in libblkid, libselinux and pcre2, whose start-up code (statfs
 * calls, reading /proc/filesystems and /etc/selinux) would otherwise run in
 * every ocirun command, most of which never read mountinfo. */
#include <dlfcn.h>
#include <errno.h>
#include <libmount.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "fs/fs-internal.h"

#define MOUNTINFO "/proc/self/mountinfo"

#define LIBMOUNT_FUNCS(X)                                                                                    \
	X(mnt_free_iter)                                                                                     \
	X(mnt_fs_get_fs_options)                                                                             \
	X(mnt_fs_get_fstype)                                                                                 \
	X(mnt_fs_get_optional_fields)                                                                        \
	X(mnt_fs_get_root)                                                                                   \
	X(mnt_fs_get_source)                                                                                 \
	X(mnt_fs_get_target)                                                                                 \
	X(mnt_fs_get_vfs_options)                                                                            \
	X(mnt_get_builtin_optmap)                                                                            \
	X(mnt_new_iter)                                                                                      \
	X(mnt_new_table)                                                                                     \
	X(mnt_optstr_get_flags)                                                                              \
	X(mnt_optstr_get_option)                                                                             \
	X(mnt_table_find_mountpoint)                                                                         \
	X(mnt_table_next_fs)                                                                                 \
	X(mnt_table_parse_file)                                                                              \
	X(mnt_unref_table)

static struct {
	bool loaded;
#define LM_FIELD(name) __typeof__(name) *name;
	LIBMOUNT_FUNCS(LM_FIELD)
#undef LM_FIELD
} lm;

static int lm_load(ocirun_error_t *err)
{
	void *h;

	if (lm.loaded)
		return 0;
	h = dlopen("libmount.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return oerr_msg(err, ENOENT, "load libmount: %s", dlerror());
#define LM_SYM(name)                                                                                         \
	if (!(lm.name = (__typeof__(lm.name))dlsym(h, #name)))                                               \
		return oerr_msg(err, ENOENT, "load libmount: no symbol %s", #name);
	LIBMOUNT_FUNCS(LM_SYM)
#undef LM_SYM
	lm.loaded = true;
	return 0;
}

#define mnt_free_iter              (*lm.mnt_free_iter)
#define mnt_fs_get_fs_options      (*lm.mnt_fs_get_fs_options)
#define mnt_fs_get_fstype          (*lm.mnt_fs_get_fstype)
#define mnt_fs_get_optional_fields (*lm.mnt_fs_get_optional_fields)
#define mnt_fs_get_root            (*lm.mnt_fs_get_root)
#define mnt_fs_get_source          (*lm.mnt_fs_get_source)
#define mnt_fs_get_target          (*lm.mnt_fs_get_target)
#define mnt_fs_get_vfs_options     (*lm.mnt_fs_get_vfs_options)
#define mnt_get_builtin_optmap     (*lm.mnt_get_builtin_optmap)
#define mnt_new_iter               (*lm.mnt_new_iter)
#define mnt_new_table              (*lm.mnt_new_table)
#define mnt_optstr_get_flags       (*lm.mnt_optstr_get_flags)
#define mnt_optstr_get_option      (*lm.mnt_optstr_get_option)
#define mnt_table_find_mountpoint  (*lm.mnt_table_find_mountpoint)
#define mnt_table_next_fs          (*lm.mnt_table_next_fs)
#define mnt_table_parse_file       (*lm.mnt_table_parse_file)
#define mnt_unref_table            (*lm.mnt_unref_table)

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
	struct libmnt_table *tb;
	int r;

	if (lm_load(err) < 0)
		return oerr_ret(err);
	tb = mnt_new_table();
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
	_cleanup_iter_ struct libmnt_iter *it = NULL;
	struct fs_mountinfo *v = NULL;
	struct libmnt_fs *fs;
	size_t n = 0;

	if (load(&tb, err) < 0)
		return oerr_ret(err);
	it = mnt_new_iter(MNT_ITER_FORWARD);
	if (!it)
		return oerr(err, ENOMEM, "parse %s", MOUNTINFO);
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

	if (!key || lm_load(NULL) < 0 || mnt_optstr_get_option(optstr, key, &value, &len) != 0)
		return false;
	if (!eq)
		return true;
	return value && len == strlen(eq + 1) && !strncmp(value, eq + 1, len);
}
