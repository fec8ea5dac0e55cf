/* Mount primitives on file descriptors: mount(2) on an fd, binds with exact flags, remounts,
 * mount_setattr(2) attributes and propagation, with the new mount API where the kernel has it and
 * mount(2) through /proc/self/fd where it has not. apply.c uses them for the config's mounts,
 * cgroupfs.c for the cgroup mount type. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>

#include "base/log.h"
#include "base/util.h"
#include "fs/fs-internal.h"

#ifndef SELINUX_MAGIC
#define SELINUX_MAGIC 0xf97cff8c
#endif

#define ATIME_FLAGS (MS_NOATIME | MS_RELATIME | MS_STRICTATIME)

bool fs_legacy_mount_api;

bool fs_have_mount_api(void)
{
	static int have = -1;

	if (fs_legacy_mount_api)
		return false;
	if (have < 0)
		have = !(mount_setattr(-1, "", 0, NULL, 0) < 0 && errno == ENOSYS);
	return have;
}

/* Cached by the first call, which create and exec make in the runtime (lsm_validate): the init
 * and exec children ask again from inside the container, whose /sys need not show selinuxfs. */
bool fs_selinux_enabled(void)
{
	static int enabled = -1;
	struct statfs st;

	if (enabled < 0)
		enabled =
		    statfs("/sys/fs/selinux", &st) == 0 && st.f_type == (typeof(st.f_type))SELINUX_MAGIC;
	return enabled;
}

void fs_ms_to_attr(unsigned long set, unsigned long clear, struct mount_attr *a)
{
	static const struct {
		unsigned long ms;
		uint64_t attr;
	} map[] = {
	    {MS_RDONLY, MOUNT_ATTR_RDONLY},         {MS_NOSUID, MOUNT_ATTR_NOSUID},
	    {MS_NODEV, MOUNT_ATTR_NODEV},           {MS_NOEXEC, MOUNT_ATTR_NOEXEC},
	    {MS_NODIRATIME, MOUNT_ATTR_NODIRATIME}, {MS_NOSYMFOLLOW, MOUNT_ATTR_NOSYMFOLLOW},
	};

	for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
		if (set & map[i].ms)
			a->attr_set |= map[i].attr;
		else if (clear & map[i].ms)
			a->attr_clr |= map[i].attr;
	}
	if (set & ATIME_FLAGS || clear & (MS_NOATIME | MS_STRICTATIME)) {
		/* One atime mode: noatime, strictatime, or relatime (the value 0). */
		a->attr_clr |= MOUNT_ATTR__ATIME;
		if (set & MS_NOATIME)
			a->attr_set |= MOUNT_ATTR_NOATIME;
		else if (set & MS_STRICTATIME)
			a->attr_set |= MOUNT_ATTR_STRICTATIME;
	}
}

/* The MS_* flags a mount has now (statvfs ST_* values are the MS_* ones). */
static unsigned long current_flags(int fd)
{
	struct statvfs st;

	if (fstatvfs(fd, &st) < 0)
		return 0;
	return st.f_flag & FS_BIND_FLAGS;
}

int fs_mount_on_fd(const char *source, int dstfd, const char *type, unsigned long flags, const char *data,
		   const char *what, ocirun_error_t *err)
{
	char proc[32];

	if (mount(source, fs_fd_proc_path(dstfd, proc, sizeof(proc)), type, flags, data) < 0)
		return oerr(err, errno, "mount \"%s\" on \"%s\"", source && *source ? source : type, what);
	return 0;
}

static int setattr(int fd, unsigned int at, struct mount_attr *a, const char *what, ocirun_error_t *err)
{
	if (mount_setattr(fd, "", AT_EMPTY_PATH | at, a, sizeof(*a)) < 0)
		return oerr(err, errno, "set attributes of the mount on \"%s\"", what);
	return 0;
}

int fs_remount_fd(int fd, unsigned long set, unsigned long clear, bool recursive, const char *what,
		  ocirun_error_t *err)
{
	unsigned long cur = current_flags(fd);
	char proc[32];

	set &= FS_BIND_FLAGS;
	clear &= FS_BIND_FLAGS & ~set;
	if (fs_have_mount_api()) {
		struct mount_attr a = {0};

		/* Only what is named changes: flags the kernel locked on the source (a bind
		 * from a more privileged mount namespace) stay as they are. */
		fs_ms_to_attr(set, clear, &a);
		if (mount_setattr(fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &a, sizeof(a)) == 0)
			return 0;
		if (errno != EPERM || !(clear & cur))
			return oerr(err, errno, "remount \"%s\"", what);
		/* Clearing a locked flag is refused: keep it, as a remount of the source would. */
		a = (struct mount_attr){0};
		fs_ms_to_attr(set, clear & ~cur, &a);
		return setattr(fd, recursive ? AT_RECURSIVE : 0, &a, what, err);
	}
	if (recursive)
		return oerr_msg(err, EOPNOTSUPP,
				"remount \"%s\" recursively: needs mount_setattr (Linux 5.12)", what);
	/* MS_REMOUNT replaces every per-mount flag: start from the current ones. */
	unsigned long flags = (cur & ~clear) | set;
	if (set & ATIME_FLAGS)
		flags = (flags & ~ATIME_FLAGS) | (set & ATIME_FLAGS);
	fs_fd_proc_path(fd, proc, sizeof(proc));
	if (mount(NULL, proc, NULL, MS_BIND | MS_REMOUNT | flags, NULL) == 0)
		return 0;
	if (errno == EPERM && mount(NULL, proc, NULL, MS_BIND | MS_REMOUNT | flags | cur, NULL) == 0)
		return 0;
	return oerr(err, errno, "remount \"%s\"", what);
}

#define LOCKABLE_FLAGS (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)
#define PLAIN_FLAGS    (LOCKABLE_FLAGS | MS_NOSYMFOLLOW)

/* mount_setattr for a bind's flags: the plain ones exactly as `set`; the atime mode only when one
 * is set (noatime, relatime, strictatime; nodiratime beside any). */
static void bind_attr(unsigned long set, struct mount_attr *a)
{
	fs_ms_to_attr(set & PLAIN_FLAGS, PLAIN_FLAGS & ~set, a);
	if (set & (ATIME_FLAGS | MS_NODIRATIME)) {
		a->attr_clr |= MOUNT_ATTR__ATIME;
		if (set & MS_NOATIME)
			a->attr_set |= MOUNT_ATTR_NOATIME;
		else if (set & MS_STRICTATIME)
			a->attr_set |= MOUNT_ATTR_STRICTATIME;
		if (set & MS_NODIRATIME)
			a->attr_set |= MOUNT_ATTR_NODIRATIME;
		else
			a->attr_clr |= MOUNT_ATTR_NODIRATIME;
	}
}

/* The flags of a bind mount whose options name some, as runc 1.2+ applies them (and so as its
 * users and tests expect): ro, nosuid, nodev, noexec and nosymfollow become exactly what the
 * options say (the ones not named are cleared); the atime mode changes only when the options set
 * one (as mount(8): "atime" or "norelatime" alone keep the source's). In a user namespace the
 * kernel locks the source's ro, nosuid, nodev, noexec and atime flags: the ones only implied to
 * go are then kept, and an explicit request to clear one fails with EPERM. */
static int bind_flags_fd(int fd, unsigned long set, unsigned long clear, const char *what,
			 ocirun_error_t *err)
{
	unsigned long cur = current_flags(fd), keep, flags;
	char proc[32];

	if (!((set | clear) & FS_BIND_FLAGS))
		return 0; /* "bind" alone: the source's flags as they are */
	set &= FS_BIND_FLAGS;
	keep = cur & LOCKABLE_FLAGS & ~clear & ~set;
	if (fs_have_mount_api()) {
		struct mount_attr a = {0};

		bind_attr(set, &a);
		if (mount_setattr(fd, "", AT_EMPTY_PATH, &a, sizeof(a)) == 0)
			return 0;
		if (errno != EPERM || !keep)
			return oerr(err, errno, "remount \"%s\"", what);
		a = (struct mount_attr){0};
		bind_attr(set | keep, &a);
		return setattr(fd, 0, &a, what, err);
	}
	/* MS_REMOUNT replaces every per-mount flag: the atime ones come from the source unless set */
	flags = set & PLAIN_FLAGS;
	flags |= set & (ATIME_FLAGS | MS_NODIRATIME) ? set & (ATIME_FLAGS | MS_NODIRATIME)
						     : cur & (ATIME_FLAGS | MS_NODIRATIME);
	fs_fd_proc_path(fd, proc, sizeof(proc));
	if (mount(NULL, proc, NULL, MS_BIND | MS_REMOUNT | flags, NULL) == 0)
		return 0;
	if (errno == EPERM && keep && mount(NULL, proc, NULL, MS_BIND | MS_REMOUNT | flags | keep, NULL) == 0)
		return 0;
	return oerr(err, errno, "remount \"%s\"", what);
}

int fs_setattr_fd(int fd, uint64_t set, uint64_t clr, bool recursive, const char *what, ocirun_error_t *err)
{
	struct mount_attr a = {.attr_set = set, .attr_clr = clr};

	if (!set && !clr)
		return 0;
	if (!fs_have_mount_api())
		return oerr_msg(err, EOPNOTSUPP,
				"recursive mount options on \"%s\": need mount_setattr (Linux 5.12)", what);
	return setattr(fd, recursive ? AT_RECURSIVE : 0, &a, what, err);
}

int fs_propagation_fd(int fd, unsigned long flag, const char *what, ocirun_error_t *err)
{
	char proc[32];

	if (fs_have_mount_api()) {
		struct mount_attr a = {.propagation = flag & ~MS_REC};

		return setattr(fd, flag & MS_REC ? AT_RECURSIVE : 0, &a, what, err);
	}
	if (mount(NULL, fs_fd_proc_path(fd, proc, sizeof(proc)), NULL, flag, NULL) < 0)
		return oerr(err, errno, "change the propagation of \"%s\"", what);
	return 0;
}

static int bind_legacy(int srcfd, const char *srcpath, int dstfd, bool recursive, const char *what,
		       ocirun_error_t *err)
{
	char src[32], dst[32];
	const char *from = srcpath[0] ? srcpath : fs_fd_proc_path(srcfd, src, sizeof(src));

	if (mount(from, fs_fd_proc_path(dstfd, dst, sizeof(dst)), NULL, MS_BIND | (recursive ? MS_REC : 0),
		  NULL) < 0)
		return oerr(err, errno, "bind mount \"%s\" on \"%s\"", srcpath[0] ? srcpath : "(fd)", what);
	return 0;
}

typedef int (*flags_fn)(int fd, unsigned long set, unsigned long clear, const char *what,
			ocirun_error_t *err);

static int remount_add(int fd, unsigned long set, unsigned long clear, const char *what, ocirun_error_t *err)
{
	return fs_remount_fd(fd, set, clear, false, what, err);
}

static int bind_with(int srcfd, const char *srcpath, int dstfd, bool recursive, unsigned long set,
		     unsigned long clear, flags_fn apply, int *ret_mnt, const char *what, ocirun_error_t *err)
{
	_cleanup_close_ int tree = -1;

	*ret_mnt = -1;
	if (!fs_have_mount_api())
		return bind_legacy(srcfd, srcpath, dstfd, recursive, what, err);
	tree = open_tree(srcfd, srcpath,
			 OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0) |
			     (srcpath[0] ? 0 : AT_EMPTY_PATH));
	if (tree < 0)
		return oerr(err, errno, "bind mount \"%s\" on \"%s\": open_tree",
			    srcpath[0] ? srcpath : "(fd)", what);
	/* The flags are set while the clone is still detached: the destination never shows
	 * the mount writable, even for an instant. */
	if ((set | clear) & FS_BIND_FLAGS && apply(tree, set, clear, what, err) < 0)
		return oerr_ret(err);
	if (move_mount(tree, "", dstfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return oerr(err, errno, "bind mount \"%s\" on \"%s\": move_mount",
			    srcpath[0] ? srcpath : "(fd)", what);
	*ret_mnt = TAKE_FD(tree);
	return 0;
}

int fs_bind_on_fd(int srcfd, const char *srcpath, int dstfd, bool recursive, unsigned long set,
		  unsigned long clear, int *ret_mnt, const char *what, ocirun_error_t *err)
{
	return bind_with(srcfd, srcpath, dstfd, recursive, set, clear, remount_add, ret_mnt, what, err);
}

int fs_bind_exact_on_fd(int srcfd, const char *srcpath, int dstfd, bool recursive, unsigned long set,
			unsigned long clear, int *ret_mnt, const char *what, ocirun_error_t *err)
{
	return bind_with(srcfd, srcpath, dstfd, recursive, set, clear, bind_flags_fd, ret_mnt, what, err);
}

int fs_bind_flags_fd(int fd, unsigned long set, unsigned long clear, const char *what, ocirun_error_t *err)
{
	return bind_flags_fd(fd, set, clear, what, err);
}

int fs_reopen_mount(int rootfd, const char *rootfs, const char *dest, const char *real, ocirun_error_t *err)
{
	_cleanup_close_ int fd = fs_open_in_root(rootfd, dest, FS_NO_CREATE, err);
	_cleanup_free_ char *again = NULL;

	if (fd < 0)
		return fd;
	if (fs_container_path(fd, rootfs, &again, err) < 0)
		return oerr_ret(err);
	/* CVE-2021-30465: the path must still lead to the mount just made, not to a directory
	 * swapped in meanwhile. */
	if (strcmp(again, real) != 0)
		return oerr_msg(err, EXDEV, "mount destination \"%s\" now resolves to \"%s\"", real, again);
	return TAKE_FD(fd);
}
