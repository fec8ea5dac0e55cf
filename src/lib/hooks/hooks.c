#include "hooks/hooks.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/util.h"

#define CAPTURE_MAX      2048 /* tail of stdout/stderr kept for the error message */
#define POLL_FALLBACK_MS 20   /* exit polling when pidfd_open is unavailable */

struct capture {
	int fd;
	size_t len;
	char buf[CAPTURE_MAX + 1];
};

struct hook_proc {
	pid_t pid;
	int pidfd;       /* -1 when pidfd_open is unavailable */
	int in_fd;       /* write end of the hook's stdin, -1 once done */
	int exec_err_fd; /* read end of the exec error pipe */
	const char *in;
	size_t in_len, in_off;
	struct capture out, errc;
};

static void close_fdp(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void hook_proc_release(struct hook_proc *h)
{
	close_fdp(&h->pidfd);
	close_fdp(&h->in_fd);
	close_fdp(&h->exec_err_fd);
	close_fdp(&h->out.fd);
	close_fdp(&h->errc.fd);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* In the forked child: report errno on fd 3 (close-on-exec) and die. */
static void __attribute__((noreturn)) child_fail(int fd, int e)
{
	ssize_t n = write(fd, &e, sizeof(e));
	(void)n;
	_exit(127);
}

/* In the forked child: only async-signal-safe calls from here to execve. */
static void __attribute__((noreturn))
child_exec(const struct oci_hook *hook, char *const *argv, char *const *envp, int pipes[4])
{
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	sigset_t none;
	int fds[4];

	/* The runtime may block signals (signalfd) or ignore SIGPIPE: both
	 * survive execve, so give the hook the defaults. */
	for (int sig = 1; sig < NSIG; sig++)
		sigaction(sig, &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	/* Lift every fd above 2 first so the dup2s below cannot clobber one. */
	for (int i = 0; i < 4; i++) {
		fds[i] = fcntl(pipes[i], F_DUPFD_CLOEXEC, 10);
		if (fds[i] < 0)
			child_fail(pipes[3], errno);
	}
	if (dup2(fds[0], 0) < 0 || dup2(fds[1], 1) < 0 || dup2(fds[2], 2) < 0)
		child_fail(fds[3], errno);
	if (dup3(fds[3], 3, O_CLOEXEC) < 0)
		child_fail(fds[3], errno);
	close_fds_from(4);
	execve(hook->path, argv, envp);
	child_fail(3, errno);
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static void close_pair(int p[2])
{
	close_fdp(&p[0]);
	close_fdp(&p[1]);
}

/* Fork the hook with stdin/stdout/stderr pipes; fills h on success. */
static int hook_spawn(const struct oci_hook *hook, struct hook_proc *h, ocirun_error_t *err)
{
	char *path_only[] = {hook->path, NULL}, *no_env[] = {NULL};
	char *const *argv = hook->args && hook->args[0] ? hook->args : path_only;
	char *const *envp = hook->env ? hook->env : no_env;
	int in[2] = {-1, -1}, out[2] = {-1, -1}, errp[2] = {-1, -1}, ex[2] = {-1, -1};
	int r = 0;

	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 ||
	    pipe2(ex, O_CLOEXEC) < 0) {
		r = oerr(err, errno, "create pipes");
		goto fail;
	}
	if (set_nonblock(in[1]) < 0 || set_nonblock(out[0]) < 0 || set_nonblock(errp[0]) < 0 ||
	    set_nonblock(ex[0]) < 0) {
		r = oerr(err, errno, "set pipes non-blocking");
		goto fail;
	}
	h->pid = fork();
	if (h->pid < 0) {
		r = oerr(err, errno, "fork");
		goto fail;
	}
	if (h->pid == 0) {
		int child[4] = {in[0], out[1], errp[1], ex[1]};
		/* its own process group: a timeout kills what it started too */
		setpgid(0, 0);
		child_exec(hook, argv, envp, child);
	}
	setpgid(h->pid, h->pid); /* both sides, so it holds before either runs on */
	close_fdp(&in[0]);
	close_fdp(&out[1]);
	close_fdp(&errp[1]);
	close_fdp(&ex[1]);
	h->in_fd = in[1];
	h->out.fd = out[0];
	h->errc.fd = errp[0];
	h->exec_err_fd = ex[0];
	/* The pid cannot be recycled before we reap it, so this is race-free. */
	h->pidfd = pidfd_open(h->pid, 0);
	return 0;
fail:
	close_pair(in);
	close_pair(out);
	close_pair(errp);
	close_pair(ex);
	return r;
}

/* Append what is readable, keeping only the last CAPTURE_MAX bytes. */
static void capture_read(struct capture *c)
{
	char tmp[4096];

	for (;;) {
		ssize_t n = read(c->fd, tmp, sizeof(tmp));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0 || errno != EAGAIN)
				close_fdp(&c->fd);
			return;
		}
		size_t add = (size_t)n;
		const char *src = tmp;
		if (add > CAPTURE_MAX) {
			src += add - CAPTURE_MAX;
			add = CAPTURE_MAX;
		}
		if (c->len + add > CAPTURE_MAX) {
			size_t drop = c->len + add - CAPTURE_MAX;
			memmove(c->buf, c->buf + drop, c->len - drop);
			c->len -= drop;
		}
		memcpy(c->buf + c->len, src, add);
		c->len += add;
	}
}

static void feed_stdin(struct hook_proc *h)
{
	while (h->in_off < h->in_len) {
		ssize_t n = write(h->in_fd, h->in + h->in_off, h->in_len - h->in_off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return;
			break; /* EPIPE: the hook does not read its stdin, which is fine */
		}
		h->in_off += (size_t)n;
	}
	close_fdp(&h->in_fd);
}

/* True once the hook has exited and been reaped into *status. */
static bool try_reap(struct hook_proc *h, bool pidfd_ready, int *status)
{
	pid_t r;

	if (h->pidfd >= 0 && !pidfd_ready)
		return false;
	do
		r = waitpid(h->pid, status, WNOHANG);
	while (r < 0 && errno == EINTR);
	return r == h->pid || (r < 0 && errno == ECHILD);
}

static void kill_and_reap(struct hook_proc *h, int *status)
{
	/* the group first: the hook's own children die with it */
	kill(-h->pid, SIGKILL);
	if (h->pidfd < 0 || pidfd_send_signal(h->pidfd, SIGKILL, NULL, 0) < 0)
		kill(h->pid, SIGKILL);
	while (waitpid(h->pid, status, 0) < 0 && errno == EINTR)
		;
}

/* Add fd (if open) to the poll set; its index, or -1. */
static int poll_add(struct pollfd *p, int *np, int fd, short events)
{
	if (fd < 0)
		return -1;
	p[*np] = (struct pollfd){.fd = fd, .events = events};
	return (*np)++;
}

/* Feed stdin, collect output, wait for exit or the deadline (-1: none).
 * Returns 1 when the hook was killed at the deadline, 0 when it exited. */
static int hook_supervise(struct hook_proc *h, int64_t deadline, int *status, ocirun_error_t *err)
{
	for (;;) {
		struct pollfd p[4];
		int np = 0, ipid, iin, iout, ierr, wait_ms = -1;

		ipid = poll_add(p, &np, h->pidfd, POLLIN);
		iin = poll_add(p, &np, h->in_fd, POLLOUT);
		iout = poll_add(p, &np, h->out.fd, POLLIN);
		ierr = poll_add(p, &np, h->errc.fd, POLLIN);
		if (deadline >= 0) {
			int64_t left = deadline - now_ms();
			wait_ms = left <= 0 ? 0 : left > INT32_MAX ? INT32_MAX : (int)left;
		}
		if (h->pidfd < 0 && (wait_ms < 0 || wait_ms > POLL_FALLBACK_MS))
			wait_ms = POLL_FALLBACK_MS;
		if (poll(p, (nfds_t)np, wait_ms) < 0) {
			if (errno == EINTR)
				continue;
			return oerr(err, errno, "poll");
		}
		if (iin >= 0 && p[iin].revents)
			feed_stdin(h);
		if (iout >= 0 && p[iout].revents)
			capture_read(&h->out);
		if (ierr >= 0 && p[ierr].revents)
			capture_read(&h->errc);
		if (try_reap(h, ipid >= 0 && p[ipid].revents, status)) {
			/* Output written just before exit; do not wait for EOF, a
			 * daemon the hook started may hold the pipes open. */
			if (h->out.fd >= 0)
				capture_read(&h->out);
			if (h->errc.fd >= 0)
				capture_read(&h->errc);
			return 0;
		}
		if (deadline >= 0 && now_ms() >= deadline) {
			kill_and_reap(h, status);
			return 1;
		}
	}
}

/* NUL-terminate and trim surrounding whitespace in place. */
static const char *capture_text(struct capture *c)
{
	char *s = c->buf, *e;

	c->buf[c->len] = '\0';
	while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\n' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* Describe a finished hook; 0 when it succeeded. */
static int hook_report(struct hook_proc *h, const char *what, int status, bool timed_out, int64_t timeout,
		       ocirun_error_t *err)
{
	char why[128];
	const char *out, *errs;
	int code = 0, exec_errno;

	if (timed_out) {
		snprintf(why, sizeof(why), "killed after timeout of %llds", (long long)timeout);
		code = ETIMEDOUT;
	} else if (read(h->exec_err_fd, &exec_errno, sizeof(exec_errno)) == (ssize_t)sizeof(exec_errno)) {
		return oerr(err, exec_errno, "%s: exec", what);
	} else if (WIFEXITED(status)) {
		if (WEXITSTATUS(status) == 0)
			return 0;
		snprintf(why, sizeof(why), "exit status %d", WEXITSTATUS(status));
	} else if (WIFSIGNALED(status)) {
		/* the name in lower case, as Go (runc) says it: "bad system call", "killed" */
		int n = snprintf(why, sizeof(why), "killed by signal %d (", WTERMSIG(status));
		snprintf(why + n, sizeof(why) - (size_t)n, "%s)", strsignal(WTERMSIG(status)));
		why[n] = (char)tolower((unsigned char)why[n]);
	} else {
		snprintf(why, sizeof(why), "wait status 0x%x", status);
	}
	out = capture_text(&h->out);
	errs = capture_text(&h->errc);
	return oerr_msg(err, code, "%s: %s%s%s%s%s", what, why, *out ? "; stdout: " : "", out,
			*errs ? "; stderr: " : "", errs);
}

static int hook_run_one(const struct oci_hook *hook, size_t idx, const char *kind, const char *state_json,
			ocirun_error_t *err)
{
	struct hook_proc h = {.pidfd = -1, .in_fd = -1, .exec_err_fd = -1, .out.fd = -1, .errc.fd = -1};
	int64_t timeout = hook->has_timeout && hook->timeout > 0 ? hook->timeout : 0;
	int64_t deadline = -1;
	char what[512];
	int status = 0, r;

	/* runc's prefix: its tests and clients look for "error running prestart hook #1:" */
	snprintf(what, sizeof(what), "error running %s hook #%zu: \"%s\"", kind, idx,
		 hook->path ? hook->path : "");
	if (!hook->path || !*hook->path)
		return oerr_msg(err, EINVAL, "%s: no path", what);
	h.in = state_json ? state_json : "";
	h.in_len = strlen(h.in);
	r = hook_spawn(hook, &h, err);
	if (r < 0)
		return oerr_prefix(err, "%s", what);
	if (timeout > 0)
		deadline = now_ms() + (timeout > INT64_MAX / 2000 ? INT64_MAX / 2000 : timeout) * 1000;
	r = hook_supervise(&h, deadline, &status, err);
	if (r < 0) {
		kill_and_reap(&h, &status);
		hook_proc_release(&h);
		return oerr_prefix(err, "%s", what);
	}
	r = hook_report(&h, what, status, r == 1, timeout, err);
	hook_proc_release(&h);
	return r;
}

int hooks_run(const struct oci_hook *hooks, size_t n, const char *kind, const char *state_json,
	      ocirun_error_t *err)
{
	int r = 0;

	for (size_t i = 0; i < n && r >= 0; i++)
		r = hooks_run_nth(hooks, i, kind, state_json, err);
	return r;
}

int hooks_run_nth(const struct oci_hook *hooks, size_t i, const char *kind, const char *state_json,
		  ocirun_error_t *err)
{
	sigset_t pipe_set, old_mask, pending;
	bool was_pending;
	int r;

	/* A hook that exits without reading stdin makes our write fail with
	 * EPIPE; keep SIGPIPE blocked meanwhile (no handler, so nothing global
	 * changes) and swallow the one we caused. */
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigpending(&pending);
	was_pending = sigismember(&pending, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipe_set, &old_mask);
	r = hook_run_one(&hooks[i], i, kind, state_json, err);
	if (!was_pending) {
		struct timespec zero = {0};
		while (sigtimedwait(&pipe_set, NULL, &zero) > 0)
			;
	}
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	return r;
}
