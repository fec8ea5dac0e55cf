/* Safe access to procfs files the init writes (sysctl, oom_score_adj...): opened from a private
 * procfs instance when the kernel allows one, else from /proc checked to be procfs, never through
 * a symlink or across a mount point. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "base/util.h"
#include "fs/fs-internal.h"

static bool is_procfs(int fd)
{
	struct statfs st;

	return fstatfs(fd, &st) == 0 && st.f_type == PROC_SUPER_MAGIC;
}

/* A fresh, detached procfs: nothing can be mounted over its files. Fails (and the caller falls
 * back to /proc) without the new mount API or when the kernel refuses a new procfs here. */
static int private_procfs(void)
{
	_cleanup_close_ int fsfd = fsopen("proc", FSOPEN_CLOEXEC);
	int mnt;

	if (fsfd < 0)
		return -errno;
	if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return -errno;
	mnt = fsmount(fsfd, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	return mnt < 0 ? -errno : mnt;
}

static int open_proc_root(ocirun_error_t *err)
{
	int fd = private_procfs();

	if (fd >= 0)
		return fd;
	fd = fs_openat2(AT_FDCWD, "/proc", O_PATH | O_DIRECTORY | O_CLOEXEC,
			RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
	if (fd == -ENOSYS)
		fd = open("/proc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		fd = -errno;
	if (fd < 0)
		return oerr(err, -fd, "open \"/proc\"");
	return fd;
}

/* "self" and "thread-self" are symlinks that procfs itself generates: read them on the verified
 * procfs so the rest of the lookup can refuse every symlink. Returns the path below /proc. */
static int rewrite_self(int proc, const char *rel, char **ret, ocirun_error_t *err)
{
	const char *names[] = {"thread-self", "self"};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		size_t n = strlen(names[i]);
		char target[64];
		ssize_t len;

		if (strncmp(rel, names[i], n) != 0 || (rel[n] != '/' && rel[n] != '\0'))
			continue;
		len = readlinkat(proc, names[i], target, sizeof(target) - 1);
		if (len < 0)
			return oerr(err, errno, "readlink \"/proc/%s\"", names[i]);
		target[len] = '\0';
		if (strspn(target, "0123456789/task") != (size_t)len)
			return oerr_msg(err, EXDEV, "\"/proc/%s\" points to \"%s\"", names[i], target);
		*ret = xasprintf("%s%s", target, rel + n);
		return 0;
	}
	*ret = xstrdup(rel);
	return 0;
}

/* Kernels before 5.6 have no openat2: walk the components with O_NOFOLLOW, refusing ".." and
 * checking that each step is still on procfs. */
static int open_beneath_legacy(int proc, const char *rel, int flags)
{
	_cleanup_free_ char *copy = xstrdup(rel);
	_cleanup_close_ int dir = fcntl(proc, F_DUPFD_CLOEXEC, 3);
	char *save = NULL, *comp = strtok_r(copy, "/", &save);

	if (dir < 0)
		return -errno;
	if (!comp)
		return -EISDIR;
	while (comp) {
		char *next = strtok_r(NULL, "/", &save);
		int fd;

		if (!strcmp(comp, ".."))
			return -EXDEV;
		fd = openat(dir, comp,
			    next ? O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC
				 : (flags & ~O_CREAT) | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
		if (fd < 0)
			return -errno;
		if (!is_procfs(fd)) {
			close(fd);
			return -EXDEV;
		}
		close(dir);
		dir = fd;
		comp = next;
	}
	return TAKE_FD(dir);
}

int fs_open_proc_file(const char *path, int flags, ocirun_error_t *err)
{
	_cleanup_close_ int proc = -1;
	_cleanup_free_ char *rel = NULL;
	const char *p = path;
	int fd;

	if (strncmp(p, "/proc/", 6) != 0)
		return oerr_msg(err, EINVAL, "\"%s\" is not under /proc", path);
	p += strspn(p + 6, "/") + 6;
	proc = open_proc_root(err);
	if (proc < 0)
		return proc;
	/* CVE-2019-16884: /proc itself may have been replaced by another filesystem. */
	if (!is_procfs(proc))
		return oerr_msg(err, EXDEV, "\"/proc\" is not procfs");
	if (rewrite_self(proc, p, &rel, err) < 0)
		return oerr_ret(err);
	/* CVE-2025-52881: a symlink or a bind mount over the file (e.g. /proc/sys/... replaced by
	 * another procfs or sysfs file) must not redirect the write: no symlinks, no magic links,
	 * no mount crossings, nothing above /proc. */
	fd = fs_openat2(proc, rel, (flags & ~O_CREAT) | O_CLOEXEC | O_NOCTTY,
			RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV);
	if (fd == -ENOSYS)
		fd = open_beneath_legacy(proc, rel, flags);
	if (fd < 0)
		return oerr(err, -fd, "open \"%s\"", path);
	if (!is_procfs(fd)) {
		close(fd);
		return oerr_msg(err, EXDEV, "\"%s\" is not on procfs", path);
	}
	return fd;
}
