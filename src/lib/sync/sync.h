/* sync: the one channel between the runtime and the container init (and the
 * process of `exec`): a SOCK_SEQPACKET socketpair carrying typed frames, with
 * fds via SCM_RIGHTS. Runs in: both ends. Must not call: exit, anything
 * outside base/.
 *
 * One frame = struct sync_hdr + payload (len bytes). The order is fixed, and it is
 * the tables in sync.c (sync_proto_create, _run, _exec) that both ends check: a
 * frame sent or received out of the table's order is an EPROTO error naming the
 * mode, the frame and the step it came after. [o] = optional, [*] = repeated.
 *
 *   runtime (create/run)                        container init
 *   --------------------                        --------------
 *   clone3(new namespaces) -------------------> born; PDEATHSIG
 *                           (via an intermediate that joins namespaces by
 *                            path first; it sends PID, then exits)
 *     <-------------------------------------- PID(init pid)      [o: intermediate only]
 *   write uid/gid maps, oom_score_adj, time offsets, enter cgroup, move net devices
 *   GO -------------------------------------->
 *                                               time offsets, setuid(0) in userns, cgroupns,
 *                                               lo up, sysctl, not dumpable,
 *                                               mounts, devices; per mount that needs a
 *                                               source from the host side:
 *     <-------------------------------------- MOUNT_ASK(i)       [o*: idmapped; a bind source
 *   a helper in the init's mount namespace                         the init cannot reach]
 *   opens the source or makes the tree:
 *   MOUNT_FD(i) + fd ------------------------> [o*] mounted at once
 *     <-------------------------------------- MOUNTS_DONE
 *   prestart + createRuntime hooks
 *   HOOKS_DONE ------------------------------> [o: prestart/createRuntime hooks]
 *                                               createContainer hooks, pivot_root, cwd
 *     <-------------------------------------- CONSOLE + fd       [o: process.terminal]
 *                                               hostname, masked/ro paths, AppArmor/SELinux
 *     <-------------------------------------- SECCOMP_FD + fd    [o: seccomp listenerPath;
 *                                               rlimits, user, caps,  the filter is loaded]
 *                                               lookup of args[0]
 *     <-------------------------------------- READY
 *   write state.json (created), pid file
 *   create: exit; init waits on exec.fifo       run: START ------> (no fifo)
 *                                               startContainer hooks, seccomp, execve
 *     <-------------------------------------- (EOF: the socket is close-on-exec)
 *
 *   runtime (exec)                              intermediate, then the process
 *   GO -------------------------------------->  joins the namespaces, forks the process
 *     <-------------------------------------- PID(process pid); the intermediate exits
 *   GO -------------------------------------->
 *     <-------------------------------------- CONSOLE + fd       [o: process.terminal]
 *     <-------------------------------------- SECCOMP_FD + fd    [o: to the seccomp agent]
 *     <-------------------------------------- (EOF at execve)
 *
 * At any step either side may send ERROR(errno, message) instead and _exit; the
 * init may send LOG(level, text) at any time. After READY in create mode the
 * runtime is gone: the init tells `start` through the exec.done socket (state.h), with one
 * frame of this encoding (sync_encode): EXECED right before execve, or ERROR. */
#ifndef OCIRUN_SYNC_H
#define OCIRUN_SYNC_H

#include <stdbool.h>
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
	SYNC_EXECED,    /* exec.done only: execve comes next */
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
 * ERROR frames become err; anything but `want` (SYNC_NONE: any) is an order error. The fd of
 * the frame, if any, is in m->fd (the caller owns it). */
int sync_expect(int sock, enum sync_type want, struct sync_msg *m, ocirun_error_t *err);
/* The same, where either of two frames may come next (m->hdr.type says which). */
int sync_expect_either(int sock, enum sync_type want, enum sync_type other, struct sync_msg *m,
		       ocirun_error_t *err);
/* Decoder check for one raw frame (for tests and the fuzz target). */
int sync_decode(const void *buf, size_t len, struct sync_msg *m, ocirun_error_t *err);
/* One frame into buf (a fifo's atomic write: size at most PIPE_BUF); its length. The payload is
 * cut to what fits. */
size_t sync_encode(enum sync_type type, int32_t code, const char *payload, void *buf, size_t size);

/* The order of a conversation: one step per frame, who sends it, whether it may be left out
 * or repeated. */
enum {
	SYNC_TO_INIT = 0x1,   /* the runtime sends it */
	SYNC_FROM_INIT = 0x2, /* the init (or exec's intermediate or process) sends it */
	SYNC_OPT = 0x10,      /* may be left out */
	SYNC_MANY = 0x20,     /* may come again; a run of such steps repeats as a whole */
};
struct sync_step {
	uint8_t type;
	uint8_t flags;
};
struct sync_proto {
	const char *mode;
	const struct sync_step *steps;
	size_t n;
};
extern const struct sync_proto sync_proto_create, sync_proto_run, sync_proto_exec;

/* One end of the socket with its place in the table. A forked process on the same side (the
 * intermediate, the idmap helper) sends from a copy: the receiving end lets steps of its own
 * side go by unseen, so both ends stay in step. */
struct sync_chan {
	int fd;
	const struct sync_proto *proto;
	size_t pos;   /* the next step */
	uint8_t side; /* SYNC_TO_INIT on the runtime's end, SYNC_FROM_INIT on the init's */
};
void sync_chan_init(struct sync_chan *c, int fd, const struct sync_proto *proto, bool init_end);
/* sync_send / sync_expect, checked against the table. */
int sync_chan_send(struct sync_chan *c, enum sync_type type, int32_t code, int fd, ocirun_error_t *err);
int sync_chan_expect(struct sync_chan *c, enum sync_type want, struct sync_msg *m, ocirun_error_t *err);
/* The same, where either of two frames may come next (m->hdr.type says which). */
int sync_chan_expect_either(struct sync_chan *c, enum sync_type want, enum sync_type other,
			    struct sync_msg *m, ocirun_error_t *err);
/* The table's check alone, for a frame of TYPE sent by FROM (SYNC_TO_INIT or SYNC_FROM_INIT):
 * advances and returns 0 when the table allows it next. */
int sync_chan_step(struct sync_chan *c, enum sync_type type, uint8_t from, ocirun_error_t *err);

#endif
