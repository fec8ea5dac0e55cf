/* sync: the one channel between the runtime and the container init (and the
 * process of `exec`): a SOCK_SEQPACKET socketpair carrying typed frames, with
 * fds via SCM_RIGHTS. Runs in: both ends. Must not call: exit, anything
 * outside base/.
 *
 * One frame = struct sync_hdr + payload (len bytes). The order is fixed:
 *
 *   runtime (create/run)                        container init
 *   --------------------                        --------------
 *   clone3(new namespaces) -------------------> born; PDEATHSIG, not dumpable
 *                           (via an intermediate that joins namespaces by
 *                            path first; it sends PID, then exits)
 *     <-------------------------------------- PID(init pid)      [intermediate only]
 *   write uid/gid maps, enter cgroup
 *   GO -------------------------------------->
 *                                               setuid(0) in userns, cgroupns,
 *                                               mounts, devices; per mount that
 *                                               needs a source from the host side:
 *     <-------------------------------------- MOUNT_ASK(i)       [idmapped; a bind source
 *   a helper in the init's mount namespace                         the init cannot reach]
 *   opens the source or makes the tree:
 *   MOUNT_FD(i) + fd ------------------------>   mounted at once
 *     <-------------------------------------- MOUNTS_DONE
 *   prestart + createRuntime hooks                                [only with prestart/
 *   HOOKS_DONE ------------------------------>                     createRuntime hooks]
 *                                               createContainer hooks, pivot_root
 *     <-------------------------------------- CONSOLE + fd       [process.terminal]
 *                                               sysctl, hostname, masked/ro paths,
 *                                               rlimits, user, caps, lookup of args[0]
 *     <-------------------------------------- READY
 *   write state.json (created), pid file
 *   create: exit; init waits on exec.fifo       run: START ------> (no fifo)
 *                                               startContainer hooks, seccomp, execve
 *     <-------------------------------------- (EOF: the socket is close-on-exec)
 *
 * At any step the init may send ERROR(errno, message) instead and _exit; it
 * may send LOG(level, text) at any time. The receiver states what it expected
 * ("expected READY, got MOUNTS_DONE") when the order is broken. */
#ifndef OCIRUN_SYNC_H
#define OCIRUN_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

enum sync_type {
	SYNC_NONE = 0,
	SYNC_PID, /* code = pid */
	SYNC_GO,
	SYNC_MOUNTS_DONE,
	SYNC_HOOKS_DONE,
	SYNC_CONSOLE,    /* carries an fd */
	SYNC_SECCOMP_FD, /* carries an fd: the seccomp notify listener */
	SYNC_READY,
	SYNC_START,
	SYNC_ERROR,     /* code = errno, payload = message */
	SYNC_LOG,       /* code = level, payload = text */
	SYNC_MOUNT_FD,  /* code = mount index; carries an fd: the source, or a detached idmapped tree */
	SYNC_MOUNT_ASK, /* code = mount index */
	SYNC_TYPE_MAX
};

#define SYNC_MAX_PAYLOAD (OCIRUN_ERR_MSG + 64)

struct sync_hdr {
	uint32_t type;
	int32_t code;
	uint32_t len;
};

struct sync_msg {
	struct sync_hdr hdr;
	char payload[SYNC_MAX_PAYLOAD + 1]; /* NUL-terminated */
	int fd;                             /* -1 unless one was passed */
};

const char *sync_type_name(uint32_t type);
/* socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC). */
int sync_pair(int fds[2], ocirun_error_t *err);
/* Send one frame; fd < 0 for none. */
int sync_send(int sock, enum sync_type type, int32_t code, const void *payload, size_t len, int fd,
	      ocirun_error_t *err);
static inline int sync_send_simple(int sock, enum sync_type type, ocirun_error_t *err)
{
	return sync_send(sock, type, 0, NULL, 0, -1, err);
}
/* Send an ERROR frame from err (used by the init before _exit). */
void sync_send_error(int sock, const ocirun_error_t *e);
/* Receive one frame. EOF gives -EPIPE with "init exited before X". */
int sync_recv(int sock, struct sync_msg *m, ocirun_error_t *err);
/* Receive until a frame that is not LOG (LOG lines are written to the log);
 * ERROR frames become err; anything but `want` is an order error. The fd of
 * the frame, if any, is in m->fd (the caller owns it). */
int sync_expect(int sock, enum sync_type want, struct sync_msg *m, ocirun_error_t *err);
/* The same, where either of two frames may come next (m->hdr.type says which). */
int sync_expect_either(int sock, enum sync_type want, enum sync_type other, struct sync_msg *m,
		       ocirun_error_t *err);
/* Decoder check for one raw frame (for tests and the fuzz target). */
int sync_decode(const void *buf, size_t len, struct sync_msg *m, ocirun_error_t *err);

#endif
