#include "term/term.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/util.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif
#ifndef MOVE_MOUNT_T_EMPTY_PATH
#define MOVE_MOUNT_T_EMPTY_PATH 0x00000040
#endif

#define PTMX_MAJOR          5
#define PTMX_MINOR          2
#define PTS_MAJOR           136 /* UNIX98_PTY_SLAVE_MAJOR; the index is the minor */
#define PTS_MAJOR_LAST      143
#define SEND_NAME_MAX       4096 /* runc's MaxNameLen: receivers read at most this much */
#define DEFAULT_MASTER_NAME "/dev/ptmx"

static bool is_pty_slave(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && major(st->st_rdev) >= PTS_MAJOR &&
	       major(st->st_rdev) <= PTS_MAJOR_LAST;
}

/* Fallback for kernels without TIOCGPTPEER (< 4.13): open /dev/pts/N by path,
 * then make sure the inode we got is the peer of this master and not
 * something a container process put at that path in between. */
static int open_slave_by_path(int master, int *ret_slave, ocirun_error_t *err)
{
	_cleanup_close_ int slave = -1;
	unsigned int n;
	char path[64];
	struct stat st;

	if (ioctl(master, TIOCGPTN, &n) < 0)
		return oerr(err, errno, "ioctl TIOCGPTN on \"/dev/ptmx\"");
	snprintf(path, sizeof(path), "/dev/pts/%u", n);
	slave = open(path, O_RDWR | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC);
	if (slave < 0)
		return oerr(err, errno, "open \"%s\"", path);
	if (fstat(slave, &st) < 0)
		return oerr(err, errno, "stat \"%s\"", path);
	if (!is_pty_slave(&st) || st.st_rdev != makedev(PTS_MAJOR, n))
		return oerr_msg(err, EPERM, "\"%s\" is not the peer of the allocated pty", path);
	*ret_slave = TAKE_FD(slave);
	return 0;
}

int term_open_pty(int *ret_master, int *ret_slave, ocirun_error_t *err)
{
	_cleanup_close_ int master = -1, slave = -1;
	struct stat st;
	int unlock = 0;

	master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return oerr(err, errno, "open \"/dev/ptmx\"");
	if (fstat(master, &st) < 0)
		return oerr(err, errno, "stat \"/dev/ptmx\"");
	if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(PTMX_MAJOR, PTMX_MINOR))
		return oerr_msg(err, EPERM, "\"/dev/ptmx\" is not the pty multiplexer");
	/* No grantpt(): devpts sets the slave's owner and mode from its gid=/mode=
	 * mount options when the pty is allocated. unlockpt() is this ioctl. */
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		return oerr(err, errno, "unlock pty");

	/* TIOCGPTPEER opens the slave through the master's own devpts instance,
	 * with no path lookup a container process could race (mount over
	 * /dev/pts, swap /dev/pts/N); see also CVE-2025-52565. */
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0) {
		if (errno != EINVAL && errno != ENOTTY)
			return oerr(err, errno, "ioctl TIOCGPTPEER");
		int r = open_slave_by_path(master, &slave, err);
		if (r < 0)
			return r;
	}
	*ret_master = TAKE_FD(master);
	*ret_slave = TAKE_FD(slave);
	return 0;
}

int term_set_size(int fd, const struct oci_box *size, ocirun_error_t *err)
{
	struct winsize ws = {0};

	if (!size)
		return 0;
	if (size->height > USHRT_MAX || size->width > USHRT_MAX)
		return oerr_msg(err, EINVAL, "console size %ux%u is out of range", size->height, size->width);
	ws.ws_row = (unsigned short)size->height;
	ws.ws_col = (unsigned short)size->width;
	if (ioctl(fd, TIOCSWINSZ, &ws) < 0)
		return oerr(err, errno, "set console size");
	return 0;
}

int term_make_controlling(int slave, ocirun_error_t *err)
{
	if (getsid(0) != getpid() && setsid() < 0)
		return oerr(err, errno, "setsid");
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return oerr(err, errno, "set controlling terminal");
	for (int fd = 0; fd <= 2; fd++) {
		if (fd == slave) {
			/* dup2(fd, fd) would keep O_CLOEXEC; clear it by hand. */
			int fl = fcntl(fd, F_GETFD);
			if (fl < 0 || fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC) < 0)
				return oerr(err, errno, "clear close-on-exec on fd %d", fd);
		} else if (dup2(slave, fd) < 0) {
			return oerr(err, errno, "dup2 terminal onto fd %d", fd);
		}
	}
	return 0;
}

/* Open (creating it if missing) the mount target without following it.
 * CVE-2025-52565: the image controls /dev/console when /dev is not a fresh
 * tmpfs; a symlink there (or a racing swap) must never redirect the bind
 * mount, so the target is pinned as an O_PATH fd and checked. */
static int open_console_target(int dirfd, const char *label, int *ret_fd, ocirun_error_t *err)
{
	_cleanup_close_ int fd = -1;
	struct statfs sfs;
	struct stat st;

	for (int attempt = 0; fd < 0; attempt++) {
		fd = openat(dirfd, "console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0)
			break;
		if (errno != ENOENT || attempt > 2)
			return oerr(err, errno, "open \"%s\"", label);
		/* O_EXCL: whatever we open here is the empty file we just made. */
		fd = openat(dirfd, "console", O_CREAT | O_EXCL | O_NOFOLLOW | O_RDONLY | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST)
			return oerr(err, errno, "create \"%s\"", label);
	}
	if (fstat(fd, &st) < 0)
		return oerr(err, errno, "stat \"%s\"", label);
	if (S_ISLNK(st.st_mode))
		return oerr_msg(err, ELOOP, "\"%s\" is a symlink, refusing to mount over it", label);
	if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode))
		return oerr_msg(err, EINVAL, "\"%s\" is not a regular file or a character device", label);
	if (fstatfs(fd, &sfs) < 0)
		return oerr(err, errno, "statfs \"%s\"", label);
	if (sfs.f_type == PROC_SUPER_MAGIC || sfs.f_type == SYSFS_MAGIC)
		return oerr_msg(err, EPERM, "\"%s\" is on procfs or sysfs, refusing to mount over it", label);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/* Bind the object behind fd src onto the object behind fd dst, by fd only. */
static int bind_fd_onto_fd(int src, int dst, const char *label, ocirun_error_t *err)
{
	_cleanup_close_ int tree = -1;
	char from[64], to[64];

	tree = (int)syscall(SYS_open_tree, src, "", OPEN_TREE_CLONE | O_CLOEXEC | AT_EMPTY_PATH);
	if (tree >= 0) {
		if (syscall(SYS_move_mount, tree, "", dst, "",
			    MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
			return oerr(err, errno, "mount console pty on \"%s\"", label);
		return 0;
	}
	if (errno != ENOSYS && errno != EPERM)
		return oerr(err, errno, "clone console pty mount");
	/* Kernels before 5.2 (or a seccomp filter refusing the new mount API):
	 * the magic links still name the exact objects we hold open. */
	snprintf(from, sizeof(from), "/proc/self/fd/%d", src);
	snprintf(to, sizeof(to), "/proc/self/fd/%d", dst);
	if (mount(from, to, "none", MS_BIND, NULL) < 0)
		return oerr(err, errno, "mount console pty on \"%s\"", label);
	return 0;
}

static int bind_console(int dirfd, const char *label, int slave, ocirun_error_t *err)
{
	_cleanup_close_ int target = -1;
	struct stat st;
	int r;

	/* The source is the slave fd itself (from TIOCGPTPEER), never a
	 * /dev/pts/N path that could have been swapped (CVE-2025-52565). */
	if (fstat(slave, &st) < 0)
		return oerr(err, errno, "stat console pty");
	if (!is_pty_slave(&st))
		return oerr_msg(err, EINVAL, "console source fd %d is not a pty slave", slave);
	r = open_console_target(dirfd, label, &target, err);
	if (r < 0)
		return r;
	return bind_fd_onto_fd(slave, target, label, err);
}

int term_bind_console_at(int dev_dirfd, int slave, ocirun_error_t *err)
{
	return bind_console(dev_dirfd, "console", slave, err);
}

int term_bind_console(int slave, ocirun_error_t *err)
{
	_cleanup_close_ int dev = -1;

	dev = open("/dev", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dev < 0)
		return oerr(err, errno, "open \"/dev\"");
	return bind_console(dev, "/dev/console", slave, err);
}

int term_connect(const char *socket_path, int *ret_sock, ocirun_error_t *err)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	_cleanup_close_ int sock = -1;

	if (strlen(socket_path) >= sizeof(addr.sun_path))
		return oerr_msg(err, ENAMETOOLONG, "console socket path \"%s\" is too long", socket_path);
	strcpy(addr.sun_path, socket_path);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return oerr(err, errno, "create console socket");
	while (connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		if (errno != EINTR)
			return oerr(err, errno, "connect to console socket \"%s\"", socket_path);
	}
	*ret_sock = TAKE_FD(sock);
	return 0;
}

static int send_rest(int sock, const char *p, size_t len, ocirun_error_t *err)
{
	while (len > 0) {
		ssize_t n = send(sock, p, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return oerr(err, errno, "send console fd");
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int term_send_fd_sock(int sock, int fd, const char *name, ocirun_error_t *err)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	char link[PATH_MAX], proc[64];
	struct msghdr msg = {0};
	struct cmsghdr *cmsg;
	struct iovec iov;
	size_t len;
	ssize_t n;

	if (!name) {
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		n = readlink(proc, link, sizeof(link) - 1);
		link[n > 0 ? n : 0] = '\0';
		name = n > 0 ? link : DEFAULT_MASTER_NAME;
	}
	/* A stream socket drops SCM_RIGHTS sent with no data: never send "". */
	if (!*name)
		name = DEFAULT_MASTER_NAME;
	len = strlen(name);
	if (len >= SEND_NAME_MAX)
		return oerr_msg(err, ENAMETOOLONG, "send console fd: name \"%.64s...\" is too long", name);

	memset(&ctl, 0, sizeof(ctl));
	iov.iov_base = (void *)name;
	iov.iov_len = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl.buf;
	msg.msg_controllen = sizeof(ctl.buf);
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));

	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return oerr(err, errno, "send console fd");
	return send_rest(sock, name + n, len - (size_t)n, err);
}

int term_send_fd(const char *socket_path, int fd, ocirun_error_t *err)
{
	_cleanup_close_ int sock = -1;
	int r;

	r = term_connect(socket_path, &sock, err);
	if (r < 0)
		return r;
	r = term_send_fd_sock(sock, fd, NULL, err);
	if (r < 0)
		return oerr_prefix(err, "console socket \"%s\"", socket_path);
	return 0;
}

/* Take the first fd of each SCM_RIGHTS message; close any other. */
static int collect_fds(struct msghdr *msg, int *got)
{
	int extra = 0;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < nfds; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (*got < 0) {
				*got = fd;
			} else {
				close(fd);
				extra++;
			}
		}
	}
	return extra;
}

int term_recv_fd(int sock, int *ret_fd, ocirun_error_t *err)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	char name[SEND_NAME_MAX];
	struct msghdr msg = {0};
	struct iovec iov = {.iov_base = name, .iov_len = sizeof(name)};
	_cleanup_close_ int fd = -1;
	int extra;
	ssize_t n;

	memset(&ctl, 0, sizeof(ctl));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl.buf;
	msg.msg_controllen = sizeof(ctl.buf);
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return oerr(err, errno, "receive console fd");
	extra = collect_fds(&msg, &fd);
	if ((msg.msg_flags & MSG_CTRUNC) || extra > 0)
		return oerr_msg(err, EBADMSG, "receive console fd: more than one fd was sent");
	if (fd < 0) {
		if (n == 0)
			return oerr_msg(err, ECONNRESET, "receive console fd: peer closed the connection");
		return oerr_msg(err, EBADMSG, "receive console fd: the message carried no fd");
	}
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int term_clear_onlcr(int fd, ocirun_error_t *err)
{
	struct termios t;

	if (tcgetattr(fd, &t) < 0)
		return oerr(err, errno, "get terminal attributes of fd %d", fd);
	t.c_oflag &= ~(tcflag_t)ONLCR;
	if (tcsetattr(fd, TCSANOW, &t) < 0)
		return oerr(err, errno, "clear ONLCR on fd %d", fd);
	return 0;
}

int term_raw(int fd, struct termios *saved, ocirun_error_t *err)
{
	struct termios old, raw;

	if (!isatty(fd))
		return 0;
	if (tcgetattr(fd, &old) < 0)
		return oerr(err, errno, "get terminal attributes of fd %d", fd);
	raw = old;
	cfmakeraw(&raw);
	if (tcsetattr(fd, TCSANOW, &raw) < 0)
		return oerr(err, errno, "set raw mode on fd %d", fd);
	*saved = old;
	return 1;
}

void term_restore(int fd, const struct termios *saved)
{
	int r;

	do
		r = tcsetattr(fd, TCSANOW, saved);
	while (r < 0 && errno == EINTR);
}

int term_copy_size(int from_fd, int to_fd)
{
	struct winsize ws;

	if (ioctl(from_fd, TIOCGWINSZ, &ws) < 0)
		return -errno;
	if (ioctl(to_fd, TIOCSWINSZ, &ws) < 0)
		return -errno;
	return 0;
}

/* write() all of buf, waiting for room when to is non-blocking. */
static int write_all_wait(int to, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(to, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				struct pollfd pfd = {.fd = to, .events = POLLOUT};
				if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
					return -errno;
				continue;
			}
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int term_pump(int from, int to)
{
	char buf[32768];
	ssize_t n;
	int r;

	do
		n = read(from, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EIO ? 0 : -errno;
	if (n == 0)
		return 0;
	r = write_all_wait(to, buf, (size_t)n);
	if (r < 0)
		return r;
	return (int)n;
}
