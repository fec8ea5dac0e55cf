/* The foreground wait of `run` and `exec`: forward signals to the process,
 * proxy its pty, reap it and turn its status into an exit code. */
#include <errno.h>
#include <stdio.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "base/util.h"
#include "lifecycle/lifecycle.h"
#include "term/term.h"

static int exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 255;
}

static void forward_signal(pid_t pid, int pidfd, int console_fd, int sig)
{
	if (sig == SIGWINCH && console_fd >= 0) {
		term_copy_size(STDIN_FILENO, console_fd);
		return;
	}
	if (pidfd >= 0)
		syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
	else
		kill(pid, sig);
}

int wait_foreground(pid_t pid, int pidfd, int console_fd, const sigset_t *mask, int *ret_status,
		    ocirun_error_t *err)
{
	_cleanup_close_ int sfd = signalfd(-1, mask, SFD_CLOEXEC);
	struct termios saved;
	bool raw = false, stdin_open = true;
	int status = 0;

	if (sfd < 0)
		return oerr(err, errno, "signalfd");
	if (console_fd >= 0) {
		raw = term_raw(STDIN_FILENO, &saved, NULL) == 1;
		term_copy_size(STDIN_FILENO, console_fd);
	}
	for (;;) {
		struct pollfd fds[3] = {{sfd, POLLIN, 0}, {-1, POLLIN, 0}, {-1, POLLIN, 0}};
		struct signalfd_siginfo si;
		pid_t w;

		if (console_fd >= 0) {
			fds[1].fd = stdin_open ? STDIN_FILENO : -1;
			fds[2].fd = console_fd;
		}
		if (poll(fds, 3, -1) < 0 && errno != EINTR)
			break;
		if (fds[1].revents && term_pump(STDIN_FILENO, console_fd) == 0)
			stdin_open = false;
		if (fds[2].revents && term_pump(console_fd, STDOUT_FILENO) == 0) {
			close(console_fd);
			console_fd = -1;
		}
		if (!(fds[0].revents & POLLIN) || read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo != SIGCHLD) {
			forward_signal(pid, pidfd, console_fd, (int)si.ssi_signo);
			continue;
		}
		while ((w = waitpid(-1, &status, WNOHANG)) > 0 && w != pid)
			;
		if (w == pid)
			break;
	}
	if (console_fd >= 0) {
		while (term_pump(console_fd, STDOUT_FILENO) > 0)
			;
		close(console_fd);
	}
	if (raw)
		term_restore(STDIN_FILENO, &saved);
	*ret_status = exit_code(status);
	return 0;
}

void forwarded_signals(sigset_t *mask)
{
	/* signals that mean a fault of ocirun itself are never forwarded */
	static const int own[] = {SIGSEGV, SIGBUS, SIGILL,  SIGFPE, SIGABRT,
				  SIGTRAP, SIGSYS, SIGTTIN, SIGTTOU};

	sigfillset(mask);
	for (size_t i = 0; i < ARRAY_SIZE(own); i++)
		sigdelset(mask, own[i]);
}

int write_pid_file(const char *path, pid_t pid, ocirun_error_t *err)
{
	_cleanup_free_ char *tmp = xasprintf("%s.ocirun-tmp", path);
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d", (int)pid);

	if (write_file(tmp, buf, (size_t)n, err) < 0)
		return oerr_prefix(err, "pid file");
	if (rename(tmp, path) < 0) {
		unlink(tmp);
		return oerr(err, errno, "pid file \"%s\"", path);
	}
	return 0;
}

int send_pidfd(const char *socket_path, int pidfd, ocirun_error_t *err)
{
	_cleanup_close_ int sock = -1;

	if (pidfd < 0)
		return oerr_msg(err, ENOSYS, "--pidfd-socket \"%s\": this kernel gives no pidfd (Linux 5.3)",
				socket_path);
	if (term_connect(socket_path, &sock, err) < 0 || term_send_fd_sock(sock, pidfd, NULL, err) < 0)
		return oerr_prefix(err, "--pidfd-socket \"%s\"", socket_path);
	return 0;
}
