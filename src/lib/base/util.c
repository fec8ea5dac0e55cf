#include "base/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		abort();
	return p;
}

void *xzalloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);
	if (!p)
		abort();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		abort();
	return p;
}

char *xstrdup(const char *s)
{
	char *r;

	if (!s)
		return NULL;
	r = strdup(s);
	if (!r)
		abort();
	return r;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *r;

	va_start(ap, fmt);
	if (vasprintf(&r, fmt, ap) < 0)
		abort();
	va_end(ap);
	return r;
}

size_t strv_len(char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

char **strv_dup(char *const *v)
{
	size_t n = strv_len(v);
	char **r = xzalloc((n + 1) * sizeof(char *));

	for (size_t i = 0; i < n; i++)
		r[i] = xstrdup(v[i]);
	return r;
}

void strv_push(char ***v, const char *s)
{
	size_t n = strv_len(*v);

	*v = xrealloc(*v, (n + 2) * sizeof(char *));
	(*v)[n] = xstrdup(s);
	(*v)[n + 1] = NULL;
}

int read_fd_all(int fd, char **ret, size_t *ret_len, ocirun_error_t *err)
{
	size_t cap = 4096, len = 0;
	char *buf = xmalloc(cap);

	for (;;) {
		ssize_t n;
		if (len + 1 >= cap)
			buf = xrealloc(buf, cap *= 2);
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			free(buf);
			return oerr(err, errno, "read");
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*ret = buf;
	if (ret_len)
		*ret_len = len;
	return 0;
}

int read_file_at(int dirfd, const char *path, char **ret, size_t *ret_len, ocirun_error_t *err)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return oerr(err, errno, "open \"%s\"", path);
	if (read_fd_all(fd, ret, ret_len, err) < 0)
		return oerr_prefix(err, "\"%s\"", path);
	return 0;
}

int read_file(const char *path, char **ret, size_t *ret_len, ocirun_error_t *err)
{
	return read_file_at(AT_FDCWD, path, ret, ret_len, err);
}

int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int write_file_at(int dirfd, const char *path, const void *data, size_t len, ocirun_error_t *err)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int r;

	if (fd < 0)
		return oerr(err, errno, "open \"%s\"", path);
	r = write_all(fd, data, len);
	if (r < 0)
		return oerr(err, -r, "write \"%s\"", path);
	return 0;
}

int write_file(const char *path, const void *data, size_t len, ocirun_error_t *err)
{
	return write_file_at(AT_FDCWD, path, data, len, err);
}

int write_file_atomic(int dirfd, const char *name, const void *data, size_t len, ocirun_error_t *err)
{
	char tmp[PATH_MAX];
	int r;

	snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
	r = write_file_at(dirfd, tmp, data, len, err);
	if (r < 0)
		goto fail;
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		r = oerr(err, errno, "rename \"%s\" to \"%s\"", tmp, name);
		goto fail;
	}
	return 0;
fail:
	unlinkat(dirfd, tmp, 0);
	return r;
}

int mkdir_p(const char *path, mode_t mode, ocirun_error_t *err)
{
	_cleanup_free_ char *p = xstrdup(path);

	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return oerr(err, errno, "mkdir \"%s\"", p);
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return oerr(err, errno, "mkdir \"%s\"", p);
	return 0;
}

int rm_rf_at(int at, const char *name, ocirun_error_t *err)
{
	struct stat st, parent;
	DIR *d;
	int fd;

	if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : oerr(err, errno, "stat \"%s\"", name);
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(at, name, 0) < 0 && errno != ENOENT)
			return oerr(err, errno, "unlink \"%s\"", name);
		return 0;
	}
	if (fstat(at, &parent) == 0 && parent.st_dev != st.st_dev)
		return oerr_msg(err, EBUSY, "\"%s\" is a mount point", name);
	fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return oerr(err, errno, "open \"%s\"", name);
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return oerr(err, errno, "opendir \"%s\"", name);
	}
	for (struct dirent *de; (de = readdir(d));) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (rm_rf_at(dirfd(d), de->d_name, err) < 0) {
			closedir(d);
			return oerr_ret(err);
		}
	}
	closedir(d);
	if (unlinkat(at, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return oerr(err, errno, "rmdir \"%s\"", name);
	return 0;
}

int parse_u64(const char *s, uint64_t *ret)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*ret = v;
	return 0;
}

int parse_i64(const char *s, int64_t *ret)
{
	long long v;
	char *end;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*ret = v;
	return 0;
}

int close_fds_from(int from)
{
	if (syscall(SYS_close_range, (unsigned)from, ~0U, 0) == 0)
		return 0;
	for (int fd = from; fd < 65536; fd++)
		close(fd);
	return 0;
}

int cloexec_fds_from(int from)
{
	/* CLOSE_RANGE_CLOEXEC = 4 */
	if (syscall(SYS_close_range, (unsigned)from, ~0U, 4) == 0)
		return 0;
	for (int fd = from; fd < 65536; fd++) {
		int fl = fcntl(fd, F_GETFD);
		if (fl >= 0)
			fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
	}
	return 0;
}

#define CALLER_FDS (65536 + 3)
static uint8_t caller_fds[(CALLER_FDS + 7) / 8];

void fds_note_caller(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		uint64_t fd;
		if (parse_u64(e->d_name, &fd) == 0 && fd < CALLER_FDS && (int)fd != dirfd(d))
			caller_fds[fd / 8] |= (uint8_t)(1u << (fd % 8));
	}
	closedir(d);
}

bool fd_from_caller(int fd)
{
	return fd >= 0 && fd < CALLER_FDS && (caller_fds[fd / 8] & (1u << (fd % 8)));
}

static int read_stat_fields(pid_t pid, char *state, uint64_t *start)
{
	char path[64], buf[1024], *p;
	_cleanup_close_ int fd = -1;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: parse after the last ')' */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return -EIO;
	p += 2;
	*state = *p;
	/* field 3 is the state; start time is field 22 */
	for (int field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (!p)
			return -EIO;
		p++;
	}
	*start = strtoull(p, NULL, 10);
	return 0;
}

uint64_t proc_start_time(pid_t pid)
{
	uint64_t start = 0;
	char st;

	if (pid <= 0 || read_stat_fields(pid, &st, &start) < 0)
		return 0;
	return start;
}

char proc_state(pid_t pid)
{
	uint64_t start;
	char st = 0;

	if (pid <= 0 || read_stat_fields(pid, &st, &start) < 0)
		return 0;
	return st;
}

bool running_in_userns(void)
{
	_cleanup_free_ char *map = NULL;
	unsigned long inside, outside, count;

	/* the initial user namespace maps all of 0..2^32-2: "0 0 4294967295" */
	if (read_file("/proc/self/uid_map", &map, NULL, NULL) < 0)
		return false;
	return sscanf(map, "%lu %lu %lu", &inside, &outside, &count) != 3 || count != 4294967295UL;
}

int set_not_dumpable(ocirun_error_t *err)
{
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return oerr(err, errno, "prctl(PR_SET_DUMPABLE, 0)");
	if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0)
		return oerr_msg(err, EPERM, "prctl(PR_SET_DUMPABLE, 0) did not take");
	return 0;
}
