/* The container init's three filesystem steps: prepare the root (propagation, the root's bind,
 * config mounts, /dev), enter it (pivot_root or MS_MOVE + chroot), finalize it (read-only and
 * masked paths, read-only root). */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "fs/fs-internal.h"

static const char *propagation_name(const struct fs_config *c)
{
	const struct oci_linux *l = c->spec->linux_;

	return l && l->rootfs_propagation && l->rootfs_propagation[0] ? l->rootfs_propagation : NULL;
}

/* The mount holding the root must not be shared: the root's bind would join its peer group
 * (every later mount would appear on the host) and pivot_root refuses shared parents. */
static int make_parent_private(const char *rootfs, unsigned long flag, ocirun_error_t *err)
{
	unsigned long to = flag & MS_SLAVE ? MS_SLAVE : MS_PRIVATE;
	struct fs_mountinfo *m = NULL;
	int r = 0;

	/* After a recursive slave or private change of "/" no mount of this namespace is shared
	 * any more: skip reading mountinfo (0.1 ms) in the default (rslave) case. */
	if ((flag & MS_REC) && (flag & (MS_SLAVE | MS_PRIVATE)))
		return 0;
	if (fs_mountinfo_find(rootfs, &m, err) < 0)
		return oerr_ret(err);
	if (m->shared && mount(NULL, m->target, NULL, to, NULL) < 0)
		r = oerr(err, errno, "make \"%s\" %s", m->target, to == MS_SLAVE ? "slave" : "private");
	fs_mountinfo_free(m, 1);
	return r;
}

/* /dev is populated unless the config binds a whole /dev from the host. */
static bool setup_dev_needed(const struct oci_spec *s)
{
	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct oci_mount *m = &s->mounts[i];
		_cleanup_free_ char *dest = fs_path_clean(m->destination ? m->destination : "");
		struct fs_mount_flags mf;
		bool bind;

		if (strcmp(dest, "/dev") != 0 || fs_parse_mount_options(m->options, &mf, NULL) < 0)
			continue;
		bind = (mf.flags & MS_BIND) || (m->type && !strcmp(m->type, "bind"));
		fs_mount_flags_done(&mf);
		if (bind)
			return false;
	}
	return true;
}

/* A /dev mounted with "ro" (not a bind) was mounted writable so that its nodes, symlinks, /dev/pts
 * and /dev/console could be made in it (runc does the same): read-only now, at the end. */
static int readonly_dev(const struct oci_spec *s, int rootfd, ocirun_error_t *err)
{
	for (size_t i = s->n_mounts; i-- > 0;) {
		const struct oci_mount *m = &s->mounts[i];
		_cleanup_free_ char *dest = fs_path_clean(m->destination ? m->destination : "");
		struct fs_mount_flags mf;
		bool ro;

		if (strcmp(dest, "/dev") != 0)
			continue;
		if (fs_parse_mount_options(m->options, &mf, err) < 0)
			return oerr_ret(err);
		ro =
		    (mf.flags & MS_RDONLY) && !(mf.flags & MS_BIND) && !(m->type && !strcmp(m->type, "bind"));
		fs_mount_flags_done(&mf);
		if (!ro)
			return 0;
		_cleanup_close_ int fd = fs_open_in_root(rootfd, "/dev", FS_NO_CREATE, err);
		if (fd < 0)
			return oerr_ret(err);
		return fs_remount_fd(fd, MS_RDONLY, 0, false, "/dev", err);
	}
	return 0;
}

int fs_prepare_rootfs(const struct fs_config *c, ocirun_error_t *err)
{
	const char *prop = propagation_name(c);
	unsigned long flag = MS_SLAVE | MS_REC;
	_cleanup_close_ int rootfd = -1;

	if (prop && !(flag = fs_propagation_flag(prop)))
		return oerr_msg(err, EINVAL, "linux.rootfsPropagation: unknown mode \"%s\"", prop);
	/* Without pivot_root the host's mounts stay below the root: a private root would keep
	 * them pinned in this namespace, out of reach of the host's unmounts. */
	if (c->no_pivot && flag & MS_PRIVATE)
		return oerr_msg(err, EINVAL, "linux.rootfsPropagation: \"%s\" is not safe without pivot_root",
				prop);
	/* Nothing mounted from here on may reach the host's mount namespace: "/" becomes a
	 * slave (or what rootfsPropagation asks for) before the first mount. Unbindable would
	 * forbid binding the root on itself: slave for now, fs_enter_rootfs applies it. */
	if (flag & MS_UNBINDABLE)
		flag = MS_SLAVE | MS_REC;
	if (mount(NULL, "/", NULL, flag, NULL) < 0)
		return oerr(err, errno, "change the propagation of \"/\" to %s", prop ? prop : "rslave");
	if (make_parent_private(c->rootfs, flag, err) < 0)
		return oerr_ret(err);
	/* An overlay root is assembled on the root's path now that nothing propagates to the host;
	 * the bind below then takes the overlay. */
	if (fs_overlay_mount(c, err) < 0)
		return oerr_ret(err);
	/* pivot_root needs the new root to be a mount point. */
	if (mount(c->rootfs, c->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return oerr(err, errno, "bind mount the root \"%s\" on itself", c->rootfs);
	rootfd = open(c->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return oerr(err, errno, "open the root \"%s\"", c->rootfs);
	for (size_t i = 0; i < c->spec->n_mounts; i++)
		if (fs_apply_mount(c, rootfd, i, err) < 0)
			return oerr_ret(err);
	if (setup_dev_needed(c->spec) && fs_setup_dev(c, rootfd, err) < 0)
		return oerr_prefix(err, "set up /dev");
	return 0;
}

static int pivot(const char *rootfs, ocirun_error_t *err)
{
	_cleanup_close_ int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int newroot = open(rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);

	if (oldroot < 0)
		return oerr(err, errno, "open \"/\"");
	if (newroot < 0)
		return oerr(err, errno, "open the root \"%s\"", rootfs);
	if (fchdir(newroot) < 0)
		return oerr(err, errno, "chdir to \"%s\"", rootfs);
	/* pivot_root(".", "."): the old root ends up mounted under the new one, at the same
	 * place, with no need for a put_old directory inside the image. */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return oerr(err, errno, "pivot_root to \"%s\"", rootfs);
	if (fchdir(oldroot) < 0)
		return oerr(err, errno, "chdir to the old root");
	/* Make the old root a slave before detaching it so that the unmount does not propagate
	 * to the host's mounts. */
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return oerr(err, errno, "make the old root rslave");
	if (umount2(".", MNT_DETACH) < 0)
		return oerr(err, errno, "detach the old root");
	if (chdir("/") < 0)
		return oerr(err, errno, "chdir to \"/\"");
	return 0;
}

/* --no-pivot: the host's procfs and sysfs mounts stay reachable from the chroot's mount
 * namespace; detach them (or cover them) so a chroot escape does not find them. */
static int hide_host_kernfs(const char *rootfs, ocirun_error_t *err)
{
	struct fs_mountinfo *v = NULL;
	size_t n = 0;

	if (fs_mountinfo_list(NULL, &v, &n, err) < 0)
		return oerr_ret(err);
	for (size_t i = n; i-- > 0;) {
		if (strcmp(v[i].fstype, "proc") && strcmp(v[i].fstype, "sysfs"))
			continue;
		if (fs_path_under(v[i].target, rootfs))
			continue;
		if (umount2(v[i].target, MNT_DETACH) < 0 &&
		    mount("tmpfs", v[i].target, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  "size=0k") < 0)
			log_debug("cannot hide \"%s\": %m", v[i].target);
	}
	fs_mountinfo_free(v, n);
	return 0;
}

static int move_root(const char *rootfs, ocirun_error_t *err)
{
	if (chdir(rootfs) < 0)
		return oerr(err, errno, "chdir to \"%s\"", rootfs);
	if (hide_host_kernfs(rootfs, err) < 0)
		return oerr_ret(err);
	if (mount(rootfs, "/", NULL, MS_MOVE, NULL) < 0)
		return oerr(err, errno, "move the root \"%s\" to \"/\"", rootfs);
	/* chroot only changes this process's root: a process with CAP_SYS_CHROOT can walk back
	 * out through a second chroot, which is why pivot_root is the default. */
	if (chroot(".") < 0)
		return oerr(err, errno, "chroot to \"%s\"", rootfs);
	if (chdir("/") < 0)
		return oerr(err, errno, "chdir to \"/\"");
	return 0;
}

/* Stdio on the caller's /dev/null (conmon gives the container its own as stdin) is a file on a
 * mount of the host's namespace, which the container cannot see: CRIU refuses to dump such an fd
 * ("Can't lookup mount=N for fd=0 path=/dev/null"). As runc does, once the root is the
 * container's, fds 0-2 that are the null device become the container's own /dev/null. */
static int reopen_dev_null(ocirun_error_t *err)
{
	_cleanup_close_ int null = open("/dev/null", O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	if (null < 0)
		return oerr(err, errno, "open the container's \"/dev/null\"");
	if (fstat(null, &st) < 0)
		return oerr(err, errno, "stat the container's \"/dev/null\"");
	if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
		return oerr_msg(err, EPERM, "the container's \"/dev/null\" is not the null device (1:3)");
	for (int fd = 0; fd < 3; fd++) {
		if (fstat(fd, &st) < 0) {
			if (errno == EBADF)
				continue;
			return oerr(err, errno, "stat fd %d", fd);
		}
		if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3) && dup3(null, fd, 0) < 0)
			return oerr(err, errno, "point fd %d at the container's \"/dev/null\"", fd);
	}
	return 0;
}

int fs_enter_rootfs(const struct fs_config *c, ocirun_error_t *err)
{
	const char *prop = propagation_name(c);
	unsigned long flag = prop ? fs_propagation_flag(prop) : 0;
	int r = c->no_pivot ? move_root(c->rootfs, err) : pivot(c->rootfs, err);

	if (r < 0)
		return r;
	if (setup_dev_needed(c->spec) && reopen_dev_null(err) < 0)
		return oerr_ret(err);
	/* Shared or unbindable applies to the new "/" only now: on the root before pivot_root it
	 * would reach the host's mounts. Private and slave were set before the first mount (and
	 * the root's parent mount kept from being shared). Like runc, this is recursive for the
	 * r forms and overrides the propagation options of single mounts. */
	if (flag & (MS_SHARED | MS_UNBINDABLE) && mount(NULL, "/", NULL, flag, NULL) < 0)
		return oerr(err, errno, "change the propagation of \"/\" to %s", prop);
	return 0;
}

static int readonly_path(int rootfd, const char *path, ocirun_error_t *err)
{
	_cleanup_close_ int fd =
	    fs_openat2(rootfd, path, O_PATH | O_CLOEXEC, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
	_cleanup_close_ int mnt = -1;

	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return oerr(err, -fd, "open \"%s\"", path);
	/* Only MS_RDONLY is added: the flags the path already has (nosuid, nodev, noexec on
	 * /proc/sys) are kept as they are. */
	if (fs_bind_on_fd(fd, "", fd, true, MS_RDONLY, 0, &mnt, path, err) < 0)
		return oerr_ret(err);
	if (mnt < 0) {
		mnt = fs_openat2(rootfd, path, O_PATH | O_CLOEXEC, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
		if (mnt < 0)
			return oerr(err, -mnt, "open \"%s\"", path);
		return fs_remount_fd(mnt, MS_RDONLY, 0, false, path, err);
	}
	/* Submounts (e.g. binfmt_misc under /proc/sys) become read-only too. */
	return fs_setattr_fd(mnt, MOUNT_ATTR_RDONLY, 0, true, path, err);
}

/* CVE-2025-31133: the container's /dev/null could have been replaced (by an image or a
 * create-time hook) with a symlink to a procfs file; binding "whatever /dev/null is" over a
 * masked path would then expose that file. Open it once without following links, check it is
 * the null device, and bind from that fd. */
static int open_dev_null(int rootfd, ocirun_error_t *err)
{
	_cleanup_close_ int fd = fs_openat2(rootfd, "/dev/null", O_PATH | O_CLOEXEC,
					    RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
	struct stat st;

	if (fd < 0)
		return oerr(err, -fd, "open \"/dev/null\"");
	if (fstat(fd, &st) < 0)
		return oerr(err, errno, "stat \"/dev/null\"");
	if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
		return oerr_msg(err, EPERM, "\"/dev/null\" is not the null device (1:3)");
	return TAKE_FD(fd);
}

/* Masked directories share one empty read-only tmpfs (as runc's do). The first one gets the
 * tmpfs itself; later ones get a clone of it. Kernels before 6.15 cannot clone a detached mount
 * (EINVAL), so the clone is always taken once the tmpfs is attached: *masktmp then refers to it. */
static int mask_dir(int fd, const char *path, int *masktmp, ocirun_error_t *err)
{
	_cleanup_close_ int fsfd = -1, clone = -1;

	if (!fs_have_mount_api())
		return fs_mount_on_fd("tmpfs", fd, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
				      "size=0k", path, err);
	if (*masktmp < 0) {
		fsfd = fsopen("tmpfs", FSOPEN_CLOEXEC);
		if (fsfd < 0 || fsconfig(fsfd, FSCONFIG_SET_STRING, "source", "tmpfs", 0) < 0 ||
		    fsconfig(fsfd, FSCONFIG_SET_STRING, "size", "0", 0) < 0 ||
		    fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
			return oerr(err, errno, "create a tmpfs to mask \"%s\"", path);
		clone = fsmount(fsfd, FSMOUNT_CLOEXEC,
				MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
		if (clone < 0)
			return oerr(err, errno, "create a tmpfs to mask \"%s\"", path);
	} else {
		clone = open_tree(*masktmp, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
		if (clone < 0)
			return oerr(err, errno, "clone the masking tmpfs for \"%s\"", path);
	}
	if (move_mount(clone, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return oerr(err, errno, "mount a tmpfs on \"%s\"", path);
	if (*masktmp < 0) /* the fd now refers to the attached mount, which can be cloned */
		*masktmp = TAKE_FD(clone);
	return 0;
}

struct masking {
	int devnull; /* the checked /dev/null, opened at the first masked file */
	int tmpfs;   /* the shared tmpfs, made at the first masked directory */
};

static int mask_path(int rootfd, const char *path, struct masking *mk, ocirun_error_t *err)
{
	_cleanup_close_ int fd =
	    fs_openat2(rootfd, path, O_PATH | O_CLOEXEC, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
	_cleanup_close_ int mnt = -1;
	struct stat st;

	if (fd == -ENOENT || fd == -ENOTDIR)
		return 0;
	if (fd < 0)
		return oerr(err, -fd, "open \"%s\"", path);
	if (fstat(fd, &st) < 0)
		return oerr(err, errno, "stat \"%s\"", path);
	if (S_ISDIR(st.st_mode))
		return mask_dir(fd, path, &mk->tmpfs, err);
	if (mk->devnull < 0 && (mk->devnull = open_dev_null(rootfd, err)) < 0)
		return mk->devnull;
	return fs_bind_on_fd(mk->devnull, "", fd, false, 0, 0, &mnt, path, err);
}

/* The same path listed twice is masked once (a second mount on it would stack). */
static bool listed_before(char *const *v, size_t i)
{
	_cleanup_free_ char *p = fs_path_clean(v[i]);

	for (size_t j = 0; j < i; j++) {
		_cleanup_free_ char *q = fs_path_clean(v[j]);
		if (!strcmp(p, q))
			return true;
	}
	return false;
}

int fs_finalize_rootfs(const struct fs_config *c, ocirun_error_t *err)
{
	const struct oci_linux *l = c->spec->linux_;
	_cleanup_close_ int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct masking mk = {.devnull = -1, .tmpfs = -1};
	int r = 0;

	if (rootfd < 0)
		return oerr(err, errno, "open \"/\"");
	for (size_t i = 0; l && l->readonly_paths && l->readonly_paths[i]; i++)
		if (readonly_path(rootfd, l->readonly_paths[i], err) < 0)
			return oerr_prefix(err, "linux.readonlyPaths[%zu]", i);
	for (size_t i = 0; r == 0 && l && l->masked_paths && l->masked_paths[i]; i++)
		if (!listed_before(l->masked_paths, i) && mask_path(rootfd, l->masked_paths[i], &mk, err) < 0)
			r = oerr_prefix(err, "linux.maskedPaths[%zu]", i);
	if (mk.devnull >= 0)
		close(mk.devnull);
	if (mk.tmpfs >= 0)
		close(mk.tmpfs);
	if (r < 0)
		return r;
	if (readonly_dev(c->spec, rootfd, err) < 0)
		return oerr_ret(err);
	if (c->spec->root && c->spec->root->readonly &&
	    fs_remount_fd(rootfd, MS_RDONLY, 0, false, "/", err) < 0)
		return oerr_prefix(err, "root.readonly");
	return 0;
}
