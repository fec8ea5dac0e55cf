#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "base/util.h"
#include "term/term.h"
#include "unit.h"

static char tmpdir[] = "/tmp/ocirun-test-term.XXXXXX";

static bool is_cloexec(int fd)
{
	int fl = fcntl(fd, F_GETFD);
	return fl >= 0 && (fl & FD_CLOEXEC);
}

static bool same_file(int a, int b)
{
	struct stat sa, sb;

	return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino &&
	       sa.st_rdev == sb.st_rdev;
}

TEST(open_pty)
{
	ocirun_error_t err = {0};
	_cleanup_close_ int master = -1, slave = -1;
	char name[64];
	struct stat st, sp;

	CHECK(term_open_pty(&master, &slave, &err) == 0);
	if (master < 0)
		return;
	CHECK(is_cloexec(master));
	CHECK(is_cloexec(slave));
	CHECK(isatty(slave));
	CHECK(ptsname_r(master, name, sizeof(name)) == 0);
	CHECK(fstat(slave, &st) == 0 && stat(name, &sp) == 0 && st.st_rdev == sp.st_rdev);
}

TEST(set_size)
{
	ocirun_error_t err = {0};
	_cleanup_close_ int master = -1, slave = -1;
	struct oci_box box = {.height = 42, .width = 132}, huge = {.height = 70000, .width = 1};
	struct winsize ws = {0};

	CHECK(term_open_pty(&master, &slave, &err) == 0);
	CHECK(term_set_size(slave, &box, &err) == 0);
	CHECK(ioctl(master, TIOCGWINSZ, &ws) == 0);
	CHECK(ws.ws_row == 42 && ws.ws_col == 132);
	CHECK(term_set_size(slave, NULL, &err) == 0);
	CHECK(term_set_size(slave, &huge, &err) < 0);
	CHECK_CONTAINS(err.msg, "out of range");
	CHECK(term_set_size(-1, &box, &err) < 0);
	CHECK_CONTAINS(err.msg, "set console size: Bad file descriptor");
}

static int listen_unix(const char *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	if (s < 0 || bind(s, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(s, 4) < 0) {
		perror("listen_unix");
		if (s >= 0)
			close(s);
		return -1;
	}
	return s;
}

/* The console-socket path: send the master to a listener, get it back. */
TEST(send_recv_console_socket)
{
	ocirun_error_t err = {0};
	_cleanup_close_ int master = -1, slave = -1, lsock = -1, conn = -1, got = -1;
	_cleanup_free_ char *path = xasprintf("%s/console.sock", tmpdir);
	char n1[64], n2[64];

	CHECK(term_open_pty(&master, &slave, &err) == 0);
	lsock = listen_unix(path);
	CHECK(lsock >= 0);
	/* connect() completes against the backlog, so no thread is needed. */
	CHECK(term_send_fd(path, master, &err) == 0);
	conn = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);
	CHECK(conn >= 0);
	CHECK(term_recv_fd(conn, &got, &err) == 0);
	CHECK(got >= 0 && is_cloexec(got));
	CHECK(same_file(got, master));
	CHECK(ptsname_r(master, n1, sizeof(n1)) == 0 && ptsname_r(got, n2, sizeof(n2)) == 0);
	CHECK_STR(n1, n2);
	/* The sender closed its end: a second receive reports it. */
	int none = -1;
	CHECK(term_recv_fd(conn, &none, &err) < 0);
	CHECK_CONTAINS(err.msg, "peer closed");
	CHECK(none == -1);

	_cleanup_free_ char *bad = xasprintf("%s/missing.sock", tmpdir);
	CHECK(term_send_fd(bad, master, &err) < 0);
	CHECK_CONTAINS(err.msg, "connect to console socket");
}

/* What go-runc/recvtty read: one message, a payload < 4096 bytes (the name)
 * and control data of exactly CMSG_SPACE(4) holding one fd. */
TEST(wire_format)
{
	ocirun_error_t err = {0};
	_cleanup_close_ int master = -1, slave = -1;
	int sv[2];
	char payload[4096], ctl[CMSG_SPACE(sizeof(int)) * 2];
	struct iovec iov = {.iov_base = payload, .iov_len = sizeof(payload)};
	struct msghdr msg = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)};
	ssize_t n;
	int fd = -1;

	CHECK(term_open_pty(&master, &slave, &err) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	CHECK(term_send_fd_sock(sv[0], master, NULL, &err) == 0);
	n = recvmsg(sv[1], &msg, MSG_CMSG_CLOEXEC);
	CHECK(n > 0 && n < 4096);
	CHECK(msg.msg_controllen == CMSG_SPACE(sizeof(int)));
	if (n > 0) {
		payload[n] = '\0';
		CHECK_STR(payload, "/dev/ptmx");
	}
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	CHECK(c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS);
	if (c) {
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
		CHECK(same_file(fd, master));
		close(fd);
	}
	/* An explicit name is sent as is. */
	CHECK(term_send_fd_sock(sv[0], slave, "/dev/pts/x", &err) == 0);
	n = read(sv[1], payload, sizeof(payload) - 1); /* SCM_RIGHTS dropped, closed */
	CHECK(n == 10 && memcmp(payload, "/dev/pts/x", 10) == 0);
	close(sv[0]);
	close(sv[1]);
}

TEST(recv_rejects_plain_message)
{
	ocirun_error_t err = {0};
	int sv[2], fd = -1;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	CHECK(write(sv[0], "x", 1) == 1);
	CHECK(term_recv_fd(sv[1], &fd, &err) < 0);
	CHECK_CONTAINS(err.msg, "carried no fd");
	CHECK(fd == -1);
	close(sv[0]);
	close(sv[1]);
}

static bool wait_readable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, 2000) == 1;
}

TEST(pump)
{
	ocirun_error_t err = {0};
	_cleanup_close_ int master = -1, slave = -1;
	int pipefd[2];
	char buf[64] = {0};

	CHECK(term_open_pty(&master, &slave, &err) == 0);
	CHECK(pipe2(pipefd, O_CLOEXEC) == 0);
	CHECK(write(slave, "hello", 5) == 5);
	CHECK(wait_readable(master));
	CHECK(term_pump(master, pipefd[1]) == 5);
	CHECK(read(pipefd[0], buf, sizeof(buf)) == 5);
	CHECK_STR(buf, "hello");

	/* Nothing available on a non-blocking master. */
	CHECK(fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK) == 0);
	CHECK(term_pump(master, pipefd[1]) == -EAGAIN);
	/* Slave side gone: the master reads EIO, reported as end of stream. */
	close(slave);
	slave = -1;
	CHECK(term_pump(master, pipefd[1]) == 0);
	/* Plain EOF from a pipe. */
	close(pipefd[1]);
	CHECK(term_pump(pipefd[0], master) == 0);
	close(pipefd[0]);
}

TEST(raw_restore_copy_size)
{
	ocirun_error_t err = {0};
	_cleanup_close_ int m1 = -1, s1 = -1, m2 = -1, s2 = -1;
	struct termios saved, now;
	struct oci_box box = {.height = 33, .width = 99};
	struct winsize ws = {0};
	int pipefd[2];

	CHECK(term_open_pty(&m1, &s1, &err) == 0);
	CHECK(term_open_pty(&m2, &s2, &err) == 0);
	CHECK(term_raw(s1, &saved, &err) == 1);
	CHECK(tcgetattr(s1, &now) == 0 && !(now.c_lflag & (ICANON | ECHO)));
	term_restore(s1, &saved);
	CHECK(tcgetattr(s1, &now) == 0 && (now.c_lflag & ICANON));

	CHECK(pipe2(pipefd, O_CLOEXEC) == 0);
	CHECK(term_raw(pipefd[0], &saved, &err) == 0);
	close(pipefd[0]);
	close(pipefd[1]);

	CHECK(term_set_size(s1, &box, &err) == 0);
	CHECK(term_copy_size(s1, m2) == 0);
	CHECK(ioctl(s2, TIOCGWINSZ, &ws) == 0 && ws.ws_row == 33 && ws.ws_col == 99);
	CHECK(term_copy_size(-1, m2) == -EBADF);
}

/* Checks in a forked child count in the child; report them by exit status. */
static bool run_in_child(void (*fn)(void))
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		fn();
		fflush(stderr);
		_exit(unit_failed_checks ? 1 : 0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return false;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void controlling_child(void)
{
	ocirun_error_t err = {0};
	int master = -1, slave = -1;
	char name[64], *tty;

	CHECK(term_open_pty(&master, &slave, &err) == 0);
	CHECK(term_make_controlling(slave, &err) == 0);
	CHECK(getsid(0) == getpid());
	CHECK(ptsname_r(master, name, sizeof(name)) == 0);
	tty = ttyname(0);
	CHECK_STR(tty, name);
	for (int fd = 0; fd <= 2; fd++)
		CHECK(!is_cloexec(fd) && same_file(fd, slave));
	int t = open("/dev/tty", O_RDWR | O_CLOEXEC);
	CHECK(t >= 0);
}

TEST(make_controlling)
{
	CHECK(run_in_child(controlling_child));
}

static void write_file_or_die(const char *path, const char *s)
{
	ocirun_error_t err = {0};
	CHECK(write_file(path, s, strlen(s), &err) == 0);
}

static char *console_dir;

static void bind_console_child(void)
{
	ocirun_error_t err = {0};
	int master = -1, slave = -1, dir = -1, bogus;
	char *console = xasprintf("%s/console", console_dir), *victim = xasprintf("%s/victim", console_dir);
	struct stat st, ss;

	/* Private mount namespace: nothing here reaches the host's mounts. */
	if (unshare(CLONE_NEWNS) < 0 || mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0) {
		fprintf(stderr, "# skip: no mount namespace: %s\n", strerror(errno));
		return;
	}
	/* Opened after unshare so the devpts mount is one of ours. */
	CHECK(term_open_pty(&master, &slave, &err) == 0);
	dir = open(console_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	CHECK(dir >= 0);

	/* A planted symlink is refused and its target left alone. */
	write_file_or_die(victim, "secret");
	CHECK(symlink(victim, console) == 0);
	CHECK(term_bind_console_at(dir, slave, &err) < 0);
	CHECK_CONTAINS(err.msg, "\"console\" is a symlink");
	CHECK(stat(victim, &st) == 0 && S_ISREG(st.st_mode));
	CHECK(unlink(console) == 0);

	/* A directory is refused. */
	CHECK(mkdir(console, 0755) == 0);
	CHECK(term_bind_console_at(dir, slave, &err) < 0);
	CHECK_CONTAINS(err.msg, "not a regular file or a character device");
	CHECK(rmdir(console) == 0);

	/* The source must be a pty slave. */
	bogus = open(victim, O_RDONLY | O_CLOEXEC);
	CHECK(term_bind_console_at(dir, bogus, &err) < 0);
	CHECK_CONTAINS(err.msg, "is not a pty slave");
	close(bogus);

	/* Missing: created, then mounted over. */
	CHECK(term_bind_console_at(dir, slave, &err) == 0);
	CHECK(stat(console, &st) == 0 && fstat(slave, &ss) == 0);
	CHECK(S_ISCHR(st.st_mode) && st.st_rdev == ss.st_rdev);
	CHECK(umount2(console, MNT_DETACH) == 0);

	/* Existing empty regular file: mounted over. */
	CHECK(stat(console, &st) == 0 && S_ISREG(st.st_mode));
	CHECK(term_bind_console_at(dir, slave, &err) == 0);
	CHECK(stat(console, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == ss.st_rdev);
	/* Writing to the console reaches the master. */
	int c = open(console, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	char buf[8] = {0};
	CHECK(c >= 0 && write(c, "ping", 4) == 4);
	CHECK(wait_readable(master) && read(master, buf, sizeof(buf)) == 4);
	CHECK_STR(buf, "ping");
	free(console);
	free(victim);
}

TEST(bind_console)
{
	console_dir = xasprintf("%s/dev", tmpdir);
	CHECK(mkdir(console_dir, 0755) == 0);
	CHECK(run_in_child(bind_console_child));
	free(console_dir);
}

int main(void)
{
	ocirun_error_t err = {0};

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(open_pty);
	RUN(set_size);
	RUN(send_recv_console_socket);
	RUN(wire_format);
	RUN(recv_rejects_plain_message);
	RUN(pump);
	RUN(raw_restore_copy_size);
	RUN(make_controlling);
	RUN(bind_console);
	rm_rf_at(AT_FDCWD, tmpdir, &err);
	return UNIT_END();
}
