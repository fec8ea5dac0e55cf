/* The "cgroup" mount type. On a cgroup v2 host: cgroup2 itself. On a v1 or hybrid host: a tmpfs
 * holding one directory per hierarchy, each the container's own cgroup bound read-only (or, in a
 * new cgroup namespace, a fresh mount of the hierarchy, which shows the namespace's root). */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "base/util.h"
#include "fs/fs-internal.h"

#define CGROUP_ROOT "/sys/fs/cgroup"

struct cg_ctx {
	const struct fs_config *c;
	int rootfd;
	const char *dest;
	unsigned long flags; /* MS_* for each hierarchy (MS_RDONLY with "ro") */
	char *self;          /* /proc/self/cgroup */
};

/* The path of the calling process in a hierarchy: the third field of the /proc/self/cgroup line
 * whose first controller is among the mount's superblock options `fs_opts`, or the v2 line
 * (empty controller field) when fs_opts is NULL. The line's controllers go to ctrls. */
static const char *own_path(const char *self, const char *fs_opts, char *path, size_t psize, char *ctrls,
			    size_t csize)
{
	for (const char *line = self; line && *line;) {
		const char *nl = strchrnul(line, '\n');
		const char *c1 = memchr(line, ':', nl - line);
		const char *c2 = c1 ? memchr(c1 + 1, ':', nl - c1 - 1) : NULL;
		size_t clen = c2 ? (size_t)(c2 - c1 - 1) : 0;
		bool match = false;

		if (c2 && !fs_opts) {
			match = clen == 0;
		} else if (c2 && clen > 0 && clen < csize) {
			char first[256];

			memcpy(ctrls, c1 + 1, clen);
			ctrls[clen] = '\0';
			snprintf(first, sizeof(first), "%.*s", (int)strcspn(ctrls, ","), ctrls);
			match = fs_mountinfo_has_opt(fs_opts, first);
		}
		if (match) {
			snprintf(path, psize, "%.*s", (int)(nl - c2 - 1), c2 + 1);
			return path;
		}
		line = *nl ? nl + 1 : NULL;
	}
	return NULL;
}

/* Host source of a hierarchy mounted at m->target: the container's cgroup inside it. */
static char *bind_source(const struct fs_mountinfo *m, const char *path)
{
	size_t n = strlen(m->root);

	if (!path || !strcmp(m->root, "/"))
		return xasprintf("%s%s", m->target, path && strcmp(path, "/") ? path : "");
	if (!strncmp(path, m->root, n) && (path[n] == '/' || path[n] == '\0'))
		return xasprintf("%s%s", m->target, path + n);
	return xstrdup(m->target);
}

static int bind_ro(struct cg_ctx *x, const char *src, int dstfd, const char *what, ocirun_error_t *err)
{
	_cleanup_close_ int mnt = -1;
	_cleanup_free_ char *real = NULL;

	if (fs_bind_on_fd(AT_FDCWD, src, dstfd, false, x->flags, 0, &mnt, what, err) < 0)
		return oerr_ret(err);
	if (mnt >= 0)
		return 0;
	if (fs_container_path(dstfd, x->c->rootfs, &real, err) < 0)
		return oerr_ret(err);
	mnt = fs_reopen_mount(x->rootfd, x->c->rootfs, what, real, err);
	if (mnt < 0)
		return mnt;
	return fs_remount_fd(mnt, x->flags, 0, false, what, err);
}

static int mount_v2(struct cg_ctx *x, int dstfd, ocirun_error_t *err)
{
	char path[4096], ctrl[8];
	ocirun_error_t first;
	_cleanup_free_ char *src = NULL;

	if (fs_mount_on_fd("cgroup2", dstfd, "cgroup2", x->flags, NULL, x->dest, &first) == 0)
		return 0;
	if (first.code != EPERM && first.code != EBUSY) {
		*err = first;
		return oerr_ret(err);
	}
	/* Refused (a user namespace without a cgroup namespace): bind our own cgroup. */
	src = xasprintf(CGROUP_ROOT "%s",
			own_path(x->self, NULL, path, sizeof(path), ctrl, sizeof(ctrl)) ?: "");
	return bind_ro(x, src, dstfd, x->dest, err);
}

/* Co-mounted controllers ("cpu,cpuacct") also get one symlink per controller, as on the host. */
static void link_controllers(int tmpfd, const char *name)
{
	_cleanup_free_ char *copy = xstrdup(name);
	char *save = NULL;

	if (!strchr(name, ','))
		return;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
		symlinkat(name, tmpfd, t);
}

static int mount_hierarchy(struct cg_ctx *x, int tmpfd, const struct fs_mountinfo *m, ocirun_error_t *err)
{
	const char *name = strrchr(m->target, '/') + 1;
	bool v2 = !strcmp(m->fstype, "cgroup2");
	_cleanup_free_ char *sub = xasprintf("%s/%s", x->dest, name);
	_cleanup_free_ char *src = NULL;
	_cleanup_close_ int subfd = -1;
	char path[4096], ctrl[256];
	const char *own = own_path(x->self, v2 ? NULL : m->fs_opts, path, sizeof(path), ctrl, sizeof(ctrl));

	if (!v2 && !own)
		return 0; /* a hierarchy this process is not in (not a controller hierarchy) */
	subfd = fs_open_in_root(x->rootfd, sub, FS_CREATE_DIR, err);
	if (subfd < 0)
		return subfd;
	if (x->c->new_cgroupns) {
		if (fs_mount_on_fd(v2 ? "cgroup2" : "cgroup", subfd, m->fstype, x->flags, v2 ? NULL : ctrl,
				   sub, err) < 0)
			return oerr_ret(err);
	} else {
		src = bind_source(m, own);
		if (bind_ro(x, src, subfd, sub, err) < 0)
			return oerr_ret(err);
	}
	if (!v2)
		link_controllers(tmpfd, name);
	return 0;
}

/* The hierarchies mounted directly under /sys/fs/cgroup, the topmost when mounted twice. */
static bool wanted(const struct fs_mountinfo *v, size_t n, size_t i)
{
	const char *t = v[i].target;

	if (strcmp(v[i].fstype, "cgroup") && strcmp(v[i].fstype, "cgroup2"))
		return false;
	if (strncmp(t, CGROUP_ROOT "/", sizeof(CGROUP_ROOT)) || strchr(t + sizeof(CGROUP_ROOT), '/'))
		return false;
	for (size_t j = i + 1; j < n; j++)
		if (!strcmp(v[j].target, t))
			return false;
	return true;
}

static int mount_v1(struct cg_ctx *x, int dstfd, ocirun_error_t *err)
{
	_cleanup_free_ char *real = NULL;
	_cleanup_close_ int tmpfd = -1;
	struct fs_mountinfo *v = NULL;
	size_t n = 0;
	int r = 0;

	if (fs_mount_on_fd("tmpfs", dstfd, "tmpfs",
			   (x->flags & ~MS_RDONLY) | MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755", x->dest,
			   err) < 0)
		return oerr_ret(err);
	if (fs_container_path(dstfd, x->c->rootfs, &real, err) < 0)
		return oerr_ret(err);
	tmpfd = fs_reopen_mount(x->rootfd, x->c->rootfs, x->dest, real, err);
	if (tmpfd < 0)
		return tmpfd;
	if (fs_mountinfo_list(NULL, &v, &n, err) < 0)
		return oerr_ret(err);
	for (size_t i = 0; i < n && r == 0; i++)
		if (wanted(v, n, i))
			r = mount_hierarchy(x, tmpfd, &v[i], err);
	fs_mountinfo_free(v, n);
	if (r < 0)
		return r;
	if (x->flags & MS_RDONLY)
		return fs_remount_fd(tmpfd, MS_RDONLY, 0, false, x->dest, err);
	return 0;
}

int fs_mount_cgroup(const struct fs_config *c, int rootfd, const char *dest, int dstfd,
		    const struct fs_mount_flags *mf, ocirun_error_t *err)
{
	struct cg_ctx x = {.c = c, .rootfd = rootfd, .dest = dest};
	struct statfs st;
	int r;

	/* Read-only when the options say "ro", as for any mount and as in runc (whose tests drop
	 * the "ro" of the default config to make sub-cgroups from inside); the default config
	 * says it, so that the container cannot reconfigure its own cgroup. */
	x.flags = mf->flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
	if (statfs(CGROUP_ROOT, &st) < 0)
		return oerr(err, errno, "statfs \"%s\"", CGROUP_ROOT);
	/* In a new cgroup namespace /proc/self/cgroup says "0::/"; a bind fallback needs the
	 * path as the host sees it, read before the unshare. */
	if (c->cgroup_self)
		x.self = xstrdup(c->cgroup_self);
	else if (read_file("/proc/self/cgroup", &x.self, NULL, err) < 0)
		return oerr_ret(err);
	if (st.f_type == CGROUP2_SUPER_MAGIC)
		r = mount_v2(&x, dstfd, err);
	else
		r = mount_v1(&x, dstfd, err);
	free(x.self);
	return r;
}
