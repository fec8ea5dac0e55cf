/* Path resolution inside the container root: every lookup goes through openat2(RESOLVE_IN_ROOT)
 * from the root's fd, so symlinks and ".." in the image (or swapped in by a racing container)
 * resolve as if the root were "/" and never reach the host. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/util.h"
#include "fs/fs-internal.h"

#define MAX_SYMLINK_HOPS 40
#define MAX_ATTEMPTS     256

int fs_openat2(int dirfd, const char *path, int flags, uint64_t resolve)
{
	struct open_how how = {.flags = (uint64_t)flags, .resolve = resolve};
	long fd;

	if (flags & O_CREAT)
		how.mode = 0644;
	fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	return fd < 0 ? -errno : (int)fd;
}

const char *fs_fd_proc_path(int fd, char *buf, size_t size)
{
	snprintf(buf, size, "/proc/self/fd/%d", fd);
	return buf;
}

char *fs_path_clean(const char *path)
{
	size_t len = strlen(path);
	char *out = xmalloc(len + 2);
	size_t n = 0;

	out[n++] = '/';
	for (const char *s = path; *s;) {
		const char *e;

		while (*s == '/')
			s++;
		e = strchrnul(s, '/');
		if (e - s == 0 || (e - s == 1 && s[0] == '.')) {
			/* nothing */
		} else if (e - s == 2 && s[0] == '.' && s[1] == '.') {
			while (n > 1 && out[n - 1] != '/')
				n--;
			if (n > 1)
				n--;
		} else {
			if (n > 1)
				out[n++] = '/';
			memcpy(out + n, s, e - s);
			n += e - s;
		}
		s = e;
	}
	out[n] = '\0';
	return out;
}

bool fs_path_under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	if (!strcmp(prefix, "/"))
		return path[0] == '/';
	return !strncmp(path, prefix, n) && (path[n] == '\0' || path[n] == '/');
}

int fs_container_path(int fd, const char *rootfs, char **ret, ocirun_error_t *err)
{
	char proc[32], buf[PATH_MAX];
	size_t n = strlen(rootfs);
	ssize_t len;

	while (n > 0 && rootfs[n - 1] == '/')
		n--; /* "/" itself, or a trailing slash */

	len = readlink(fs_fd_proc_path(fd, proc, sizeof(proc)), buf, sizeof(buf) - 1);
	if (len < 0)
		return oerr(err, errno, "readlink \"%s\"", proc);
	buf[len] = '\0';
	if (strncmp(buf, rootfs, n) != 0 || (buf[n] != '\0' && buf[n] != '/'))
		return oerr_msg(err, EXDEV, "\"%s\" is outside the container root \"%s\"", buf, rootfs);
	*ret = xstrdup(buf[n] ? buf + n : "/");
	return 0;
}

char *fs_bind_source(const char *bundle, const char *source)
{
	if (source[0] == '/' || !bundle || !bundle[0])
		return xstrdup(source);
	return xasprintf("%s/%s", bundle, source);
}

/* Create the last component `name` in dir. */
static int create_entry(int dir, const char *name, bool file)
{
	if (file) {
		int fd = openat(dir, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);

		if (fd < 0)
			return -1;
		close(fd);
		return 0;
	}
	return mkdirat(dir, name, 0755);
}

/* A component exists but does not resolve: it is a dangling symlink. Rewrite *pathp as the
 * symlink's target followed by the rest of the path; the next openat2 resolves it in the root.
 * `p` is the path cut after the component, which starts at `comp`; `rest` follows it. */
static int follow_dangling(int dir, char *p, char *comp, const char *rest, char **pathp, ocirun_error_t *err)
{
	char target[PATH_MAX];
	ssize_t len = readlinkat(dir, comp, target, sizeof(target) - 1);

	if (len < 0) {
		if (errno == EINVAL)
			return 1; /* no longer a symlink: resolve again */
		return oerr(err, errno, "readlink \"%s\" in the container root", p);
	}
	target[len] = '\0';
	*comp = '\0';
	const char *sep = rest[0] ? "/" : "";
	char *next = target[0] == '/' ? xasprintf("%s%s%s", target, sep, rest)
				      : xasprintf("%s%s%s%s", p, target, sep, rest);
	free(*pathp);
	*pathp = next;
	return 1;
}

/* Create the missing components of *pathp below rootfd. Returns 0 when all exist, 1 when
 * *pathp was rewritten through a dangling symlink, < 0 on error. */
static int create_missing(int rootfd, char **pathp, enum fs_create how, ocirun_error_t *err)
{
	_cleanup_free_ char *p = xstrdup(*pathp);
	_cleanup_close_ int dir = fs_openat2(rootfd, "/", O_PATH | O_DIRECTORY | O_CLOEXEC, RESOLVE_IN_ROOT);
	char *s = p;

	if (dir < 0)
		return oerr(err, -dir, "open the container root");
	while (*s) {
		char *comp, *e, saved;
		bool last;
		int fd;

		while (*s == '/')
			s++;
		if (!*s)
			break;
		comp = s;
		e = strchrnul(s, '/');
		saved = *e;
		*e = '\0';
		last = !e[saved ? 1 + strspn(e + 1, "/") : 0];
		fd = fs_openat2(rootfd, p, O_PATH | O_CLOEXEC, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
		if (fd == -ENOENT) {
			if (create_entry(dir, comp, last && how == FS_CREATE_FILE) == 0)
				fd = openat(dir, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
			else if (errno == EEXIST)
				return follow_dangling(dir, p, comp, saved ? e + 1 : "", pathp, err);
			else
				return oerr(err, errno, "create \"%s\" in the container root", p);
			if (fd < 0)
				fd = -errno;
		}
		if (fd < 0)
			return oerr(err, -fd, "open \"%s\" in the container root", p);
		close(dir);
		dir = fd;
		*e = saved;
		s = e;
	}
	return 0;
}

int fs_open_in_root(int rootfd, const char *path, enum fs_create how, ocirun_error_t *err)
{
	_cleanup_free_ char *cur = xstrdup(path);
	int hops = 0;

	for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
		/* RESOLVE_IN_ROOT: absolute symlinks and ".." stay inside the root, so a
		 * destination swapped for a symlink cannot point the mount at the host
		 * (CVE-2021-30465). RESOLVE_NO_MAGICLINKS: no /proc/PID/fd jumps either. */
		int fd = fs_openat2(rootfd, cur, O_PATH | O_CLOEXEC, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
		int r;

		if (fd >= 0)
			return fd;
		if (fd != -ENOENT || how == FS_NO_CREATE)
			return oerr(err, -fd, "open \"%s\" in the container root", path);
		r = create_missing(rootfd, &cur, how, err);
		if (r < 0)
			return r;
		if (r == 1 && ++hops > MAX_SYMLINK_HOPS)
			return oerr(err, ELOOP, "create \"%s\" in the container root", path);
	}
	return oerr(err, ELOOP, "create \"%s\" in the container root", path);
}
