/* term: ptys for process.terminal, /dev/console, the --console-socket hand-over, host raw mode and copying.
 * Runs in: container init (open, size, ctty, console, send); runtime (connect, recv, raw, pump).
 * Must not call: exit, log_*, anything outside base/ and spec/. */
#ifndef OCIRUN_TERM_H
#define OCIRUN_TERM_H

#include <stddef.h>
#include <termios.h>

#include "base/error.h"
#include "spec/spec.h"

/* Allocate a pty from /dev/ptmx (inside the container, the container's devpts
 * through the /dev/ptmx -> pts/ptmx symlink). The slave is obtained with
 * TIOCGPTPEER (no path lookup), falling back to /dev/pts/N checked against the
 * master's pty number. Both fds are O_CLOEXEC and O_NOCTTY. */
int term_open_pty(int *ret_master, int *ret_slave, ocirun_error_t *err);

/* Turn off ONLCR (\n -> \r\n on output) on the pty of fd, as runc does for the pty it proxies
 * itself (a foreground run or exec): the program's lines then reach a pipe unchanged. A pty handed
 * to --console-socket keeps the kernel's default (the receiver decides). */
int term_clear_onlcr(int fd, ocirun_error_t *err);

/* TIOCSWINSZ; size NULL is a no-op. Height/width above 65535 are rejected. */
int term_set_size(int fd, const struct oci_box *size, ocirun_error_t *err);

/* Make slave the controlling terminal of the calling process: setsid() unless
 * already a session leader, TIOCSCTTY, then dup2 onto 0, 1 and 2 (without
 * close-on-exec). The caller still owns (and may close) slave itself. */
int term_make_controlling(int slave, ocirun_error_t *err);

/* Bind-mount the pty slave onto /dev/console (created as an empty regular file
 * when missing). Refuses a /dev or /dev/console that is a symlink, and a
 * console that is not a regular file or a character device. Call after
 * pivot_root and before maskedPaths/readonlyPaths are applied. */
int term_bind_console(int slave, ocirun_error_t *err);
/* Same, onto "console" inside the directory dev_dirfd (for tests). */
int term_bind_console_at(int dev_dirfd, int slave, ocirun_error_t *err);

/* --console-socket: connect to the unix stream socket at socket_path
 * (SOCK_CLOEXEC). The runtime connects before clone; init sends on the fd. */
int term_connect(const char *socket_path, int *ret_sock, ocirun_error_t *err);
/* Send fd with SCM_RIGHTS in one message whose payload is name (< 4096 bytes,
 * runc's limit; go-runc and recvtty read one message holding exactly one fd).
 * name NULL: the fd's /proc/self/fd link, else "/dev/ptmx". */
int term_send_fd_sock(int sock, int fd, const char *name, ocirun_error_t *err);
/* term_connect + term_send_fd_sock(name NULL) + close. */
int term_send_fd(const char *socket_path, int fd, ocirun_error_t *err);
/* Receive one message carrying exactly one fd (made O_CLOEXEC). */
int term_recv_fd(int sock, int *ret_fd, ocirun_error_t *err);

/* Host side of a foreground `run` with a terminal and no console socket. */

/* Put fd in raw mode (cfmakeraw) saving the old settings in *saved.
 * Returns 1 when switched, 0 when fd is not a tty (nothing to restore). */
int term_raw(int fd, struct termios *saved, ocirun_error_t *err);
/* Restore settings saved by term_raw (only after it returned 1). */
void term_restore(int fd, const struct termios *saved);
/* Copy the window size of from_fd to to_fd (on SIGWINCH). 0 or -errno. */
int term_copy_size(int from_fd, int to_fd);
/* One read of what is available on from (call when poll() says readable) and
 * write it all to to (waiting for POLLOUT if to is non-blocking).
 * Returns bytes copied (> 0), 0 on EOF or EIO (a pty master whose slave side
 * is closed), -EAGAIN when nothing was available, other -errno on error. */
int term_pump(int from, int to);

#endif
