/* tmpcopyup: a tmpfs mounted over a directory of the image starts with that
 * directory's content, as podman expects of --tmpfs and --read-only. Runs in
 * the container init, on fds resolved inside the root: nothing here follows
 * a path out of it (symlinks are copied as symlinks, never followed). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"
#include "fs/fs-internal.h"

#define COPY_MAX_DEPTH 64

static int copy_attrs(int to, const char *name, const struct stat *st)
{
	struct timespec t[2] = {st->st_atim, st->st_mtim};

	if (fchownat(to, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != EPERM &&
	    errno != EINVAL)
		return -errno;
	if (!S_ISLNK(st->st_mode) && fchmodat(to, name, st->st_mode & 07777, 0) < 0)
		return -errno;
	utimensat(to, name, t, AT_SYMLINK_NOFOLLOW);
	return 0;
}

static int copy_file(int from, int to, const char *name, const struct stat *st)
{
	_cleanup_close_ int in = openat(from, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_close_ int out = -1;
	char buf[65536];
	ssize_t n;

	if (in < 0)
		return -errno;
	out = openat(to, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, st->st_mode & 0700);
	if (out < 0)
		return -errno;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write_all(out, buf, (size_t)n) < 0)
			return -errno;
	return n < 0 ? -errno : 0;
}

static int copy_entry(int from, int to, const char *name, int depth);

static int copy_dir(int from, int to, int depth)
{
	int fd = dup(from);
	DIR *d;
	int r = 0;

	if (depth > COPY_MAX_DEPTH)
		return -ELOOP;
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	rewinddir(d);
	for (struct dirent *e; r == 0 && (e = readdir(d));)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			r = copy_entry(from, to, e->d_name, depth);
	closedir(d);
	return r;
}

static int copy_entry(int from, int to, const char *name, int depth)
{
	struct stat st;
	char link[4096];
	ssize_t n;
	int r = 0;

	if (fstatat(from, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode)) {
		_cleanup_close_ int sub_from = -1, sub_to = -1;
		if (mkdirat(to, name, 0700) < 0 && errno != EEXIST)
			return -errno;
		sub_from = openat(from, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		sub_to = openat(to, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub_from < 0 || sub_to < 0)
			return -errno;
		r = copy_dir(sub_from, sub_to, depth + 1);
	} else if (S_ISREG(st.st_mode)) {
		r = copy_file(from, to, name, &st);
	} else if (S_ISLNK(st.st_mode)) {
		n = readlinkat(from, name, link, sizeof(link) - 1);
		if (n < 0)
			return -errno;
		link[n] = '\0';
		if (symlinkat(link, to, name) < 0)
			return -errno;
	} else if (mknodat(to, name, st.st_mode, st.st_rdev) < 0) {
		return -errno;
	}
	return r < 0 ? r : copy_attrs(to, name, &st);
}

int fs_copy_tree(int from, int to_path, const char *what, ocirun_error_t *err)
{
	/* the mount's fd may be O_PATH: a real directory fd for fchmod/fchown */
	_cleanup_close_ int to = openat(to_path, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat st;
	int r;

	if (to < 0)
		return oerr(err, errno, "tmpcopyup: open \"%s\"", what);
	r = copy_dir(from, to, 0);
	if (r < 0)
		return oerr(err, -r, "tmpcopyup into \"%s\"", what);
	/* the tmpfs root takes the directory's own mode and owner */
	if (fstat(from, &st) == 0) {
		if (fchmod(to, st.st_mode & 07777) < 0 ||
		    (fchown(to, st.st_uid, st.st_gid) < 0 && errno != EPERM))
			return oerr(err, errno, "tmpcopyup into \"%s\": set mode", what);
	}
	return 0;
}
