/* The runtime's own binary, out of the containers' reach (CVE-2019-5736).
 *
 * Every process that enters a container's namespaces before it execs the user's program (the init,
 * exec's intermediate and child, the idmap helper) runs the runtime's image, and
 * /proc/PID/exe of such a process is a handle on the file it was started from. Being not dumpable
 * is not enough: a holder of CAP_SYS_PTRACE in the container may open it anyway, and a process
 * that execs a script whose interpreter is /proc/self/exe starts the runtime's file afresh,
 * dumpable, inside the container. Once the image is gone (ETXTBSY clears), the handle can be
 * reopened for writing. So before create, run or exec does anything, the runtime re-executes
 * itself from a file that no one can write, and every later process inherits that file as its
 * executable:
 *
 *  1. an overlayfs mount with the binary's directory as its only real layer and no upper layer,
 *     made detached (fsmount: in no mount namespace, so nothing can remount or reach it) — what
 *     overlayfs serves without an upper layer is read-only whatever the mount flags are. No copy:
 *     the page cache is the binary's own.
 *  2. where that cannot be made (not privileged over the mount namespace: rootless; no overlayfs;
 *     a binary path that overlayfs options cannot carry), a memfd copy sealed against writes,
 *     shrinking and growing.
 *
 * An environment variable tells the re-executed runtime that it has been protected; it is removed
 * at once and the claim is checked against the executable itself.
 * Runs in: the runtime, first thing for create, run and exec. Must not call: exit. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/log.h"
#include "sec/sec.h"

#define GUARD_ENV "_OCIRUN_EXE_GUARD"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif
#ifndef OVERLAYFS_SUPER_MAGIC
#define OVERLAYFS_SUPER_MAGIC 0x794c7630
#endif

static int sys_fsopen(const char *fs, unsigned flags)
{
	return (int)syscall(SYS_fsopen, fs, flags);
}

static int sys_fsconfig(int fd, unsigned cmd, const char *key, const void *value, int aux)
{
	return (int)syscall(SYS_fsconfig, fd, cmd, key, value, aux);
}

static int sys_fsmount(int fd, unsigned flags, unsigned attr)
{
	return (int)syscall(SYS_fsmount, fd, flags, attr);
}

/* A detached mount of FS (configured by the NULL-terminated key/value pairs) with ATTR; -errno. */
static int detached_mount(const char *fs, const char *const *kv, unsigned attr)
{
	_cleanup_close_ int ctx = sys_fsopen(fs, FSOPEN_CLOEXEC);
	int m;

	if (ctx < 0)
		return -errno;
	for (; kv && kv[0]; kv += 2)
		if (sys_fsconfig(ctx, FSCONFIG_SET_STRING, kv[0], kv[1], 0) < 0)
			return -errno;
	if (sys_fsconfig(ctx, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return -errno;
	m = sys_fsmount(ctx, FSMOUNT_CLOEXEC, attr);
	return m < 0 ? -errno : m;
}

/* Whether overlayfs takes a detached mount as a layer: Linux 6.15 and later. Older kernels
 * refuse ("failed to clone lowerpath" in the kernel log), so they are not asked. */
static bool overlay_takes_detached_layers(void)
{
	struct utsname u;
	unsigned major = 0, minor = 0;

	if (uname(&u) < 0 || sscanf(u.release, "%u.%u", &major, &minor) != 2)
		return false;
	return major > 6 || (major == 6 && minor >= 15);
}

/* The binary, opened from a detached read-only overlay of its own directory; -errno.
 * overlayfs wants two lower layers without an upper one: the second is an empty detached tmpfs. */
static int open_overlay_copy(void)
{
	char exe[4096], lower[8300], empty_path[64];
	_cleanup_close_ int empty = -1, ovl = -1;
	const char *base;
	char *slash;
	ssize_t n;
	int fd;

	if (!overlay_takes_detached_layers())
		return -EOPNOTSUPP;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0 || n >= (ssize_t)sizeof(exe) - 1)
		return -ENAMETOOLONG;
	exe[n] = '\0';
	/* a replaced binary reads "... (deleted)"; overlayfs options cannot carry these bytes */
	if (exe[0] != '/' || strpbrk(exe, ":,\\\n") || strstr(exe, " (deleted)"))
		return -EINVAL;
	slash = strrchr(exe, '/');
	base = slash + 1;
	if (slash == exe)
		slash[1] = '\0'; /* the binary is in / */
	else
		*slash = '\0';

	empty = detached_mount("tmpfs", (const char *const[]){"size", "4k", "mode", "0500", NULL},
			       MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	if (empty < 0)
		return empty;
	snprintf(empty_path, sizeof(empty_path), "/proc/self/fd/%d", empty);
	snprintf(lower, sizeof(lower), "%s:%s", exe, empty_path);
	ovl = detached_mount("overlay", (const char *const[]){"lowerdir", lower, NULL},
			     MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID);
	if (ovl < 0)
		return ovl;
	/* the file keeps its mount alive; the mount fd and the empty layer's go now */
	fd = openat(ovl, base, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	return fd < 0 ? -errno : fd;
}

/* A sealed memfd copy of the binary; -errno. */
static int open_memfd_copy(void)
{
	_cleanup_close_ int src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int fd = -1;
	struct stat st;
	off_t off = 0;

	if (src < 0 || fstat(src, &st) < 0)
		return -errno;
	fd = memfd_create("ocirun", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (fd < 0 && errno == EINVAL) /* kernels before 6.3 know no MFD_EXEC */
		fd = memfd_create("ocirun", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	while (off < st.st_size) {
		ssize_t w = sendfile(fd, src, &off, (size_t)(st.st_size - off));
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
	}
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
		return -errno;
	return TAKE_FD(fd);
}

/* Whether fd (our executable) cannot be written by anyone: a memfd sealed against writes, or a
 * file of a read-only overlayfs (which has no upper layer to write into: we made it so). */
static bool exe_is_protected(int fd)
{
	int seals = fcntl(fd, F_GET_SEALS);
	struct statfs sfs;

	if (seals >= 0)
		return (seals & F_SEAL_WRITE) && (seals & F_SEAL_SEAL);
	return fstatfs(fd, &sfs) == 0 && sfs.f_type == OVERLAYFS_SUPER_MAGIC && (sfs.f_flags & ST_RDONLY);
}

int exe_guard(char *const *argv, ocirun_error_t *err)
{
	extern char **environ;
	const char *claimed = getenv(GUARD_ENV);
	_cleanup_close_ int self = -1, fd = -1;
	int r;

	if (claimed) {
		unsetenv(GUARD_ENV);
		self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
		if (self >= 0 && exe_is_protected(self))
			return 0;
		/* re-executed but not protected: never loop, never go on unprotected */
		return oerr_msg(err, EPERM,
				"protecting the runtime binary (CVE-2019-5736): the re-executed "
				"binary is still writable");
	}
	fd = open_overlay_copy();
	if (fd < 0) {
		log_debug("runtime binary: no read-only overlay (%s), using a sealed copy", strerror(-fd));
		fd = open_memfd_copy();
		if (fd < 0)
			return oerr(err, -fd,
				    "protecting the runtime binary (CVE-2019-5736): "
				    "sealed copy of /proc/self/exe");
	}
	if (setenv(GUARD_ENV, "1", 1) < 0)
		return oerr(err, errno, "setenv %s", GUARD_ENV);
	r = (int)syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
	unsetenv(GUARD_ENV);
	return oerr(err, r < 0 ? errno : EIO, "re-executing the protected runtime binary");
}
