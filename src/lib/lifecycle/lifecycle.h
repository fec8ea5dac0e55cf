/* lifecycle: the only sequencer. It alone includes the other modules and
 * orders them: create/run (runtime side, container.c), the container init
 * (init.c), the user process set-up shared with exec (process.c), and the
 * commands on an existing container (commands.c, cgcommands.c).
 * Runs in: runtime, intermediate and init. Must not call: exit (the init
 * and intermediate end with _exit after reporting over the sync socket). */
#ifndef OCIRUN_LIFECYCLE_H
#define OCIRUN_LIFECYCLE_H

#include <stdbool.h>
#include <sys/types.h>

#include "base/error.h"
#include "ns/ns.h"
#include "sec/sec.h"
#include "spec/spec.h"
#include "state/state.h"
#include "sync/sync.h"

/* Everything the init needs; it inherits this memory through clone(). */
struct init_ctx {
	char *cgroup_self; /* init: /proc/self/cgroup before unsharing the cgroup namespace */
	const struct oci_spec *spec;
	const char *id;
	const char *bundle;
	const char *rootfs;
	struct ns_plan *plan;
	struct sync_chan sync; /* the init's end */
	int parent_sync_fd;    /* the runtime's end: closed in the child */
	int runtime_fds[4]; /* the runtime's own fds (state dir: its flock must not outlive create), closed in
			       the child; -1 unused */
	int fifo_fd;        /* exec.fifo opened O_RDONLY|O_NONBLOCK, or -1 (run: START over sync) */
	int fifo_hold_fd;   /* exec.done: listening, then `start`'s connection, held until execve */
	pid_t runtime_pid;  /* for the PDEATHSIG race check */
	bool no_pivot;
	bool no_new_keyring;
	bool runtime_hooks; /* prestart/createRuntime present: stop at MOUNTS_DONE */
	bool tty_proxied;   /* process.terminal without --console-socket: the runtime proxies the pty */
	int preserve_fds;
	seccomp_prog_t *seccomp;
	struct caps_set caps; /* process.capabilities, resolved by the runtime */
	bool ask_sources;     /* the runtime is root: it serves MOUNT_ASK (mount_sources_serve) */
};

/* Idmapped mounts (lifecycle/mountsrc.c). Runtime, before clone: each idmapped mount's user namespace
 * (per mount index, -1 for the others; mounts with the same mappings share one namespace). */
struct idmap_mapping {
	const struct oci_id_mapping *uid, *gid; /* NULL: a user namespace joined by path */
	size_t n_uid, n_gid;
};
struct idmap_entry {
	int userns; /* -1: mount not idmapped */
	struct idmap_mapping map;
};
struct idmap_plan {
	const struct oci_spec *spec;
	struct idmap_entry *mount; /* per mount index; NULL when no mount is idmapped */
	size_t count;
};
int idmap_prepare(const struct oci_spec *s, const struct ns_plan *plan, struct idmap_plan *ip,
		  ocirun_error_t *err);
void idmap_plan_release(struct idmap_plan *ip);
/* Runtime, after GO until MOUNTS_DONE: per MOUNT_ASK(i) of the init, a helper in the init's mount
 * namespace opens mounts[i]'s source, or makes its idmapped tree, and sends it to the init
 * (MOUNT_FD, code = i, with the fd). */
int mount_sources_serve(const struct idmap_plan *ip, const char *bundle, pid_t init_pid,
			struct sync_chan *sync, ocirun_error_t *err);
/* Init (fs_config.ask_source; arg is the init's struct sync_chan): ask for mounts[i]'s source, return its fd.
 */
int mount_source_ask(void *arg, size_t i, ocirun_error_t *err);

/* The container init: never returns. */
__attribute__((noreturn)) void init_main(struct init_ctx *c);

/* The user-process part shared by the init and exec: rlimits, user, groups,
 * capabilities, no_new_privs, seccomp, umask, cwd, env, args[0] lookup.
 * process_prepare runs everything up to (not including) the wait for start;
 * process_exec finishes and execs. */
struct process_plan {
	const struct oci_process *p;
	const struct oci_linux *linux_; /* personality, memoryPolicy (may be NULL) */
	seccomp_prog_t *seccomp;
	struct caps_set caps; /* resolved by the runtime (caps_validate) */
	bool in_userns;       /* setgroups may be denied */
	int preserve_fds;
	struct sync_chan *sync; /* where the seccomp notify fd goes (SYNC_SECCOMP_FD), or NULL */
	bool send_notify_fd;    /* linux.seccomp.listenerPath is set: load early, send the fd */
	int exec_marker_fd;     /* exec.done of a created container: one frame right before execve, or -1 */
	char *exec_path;        /* resolved args[0] */
	char **env;             /* final environment */
	bool seccomp_done;
	bool locked_down;   /* process_lock_down ran */
	bool execve_failed; /* process_exec failed in execve itself (not before it) */
};
int process_prepare(struct process_plan *pp, ocirun_error_t *err);
/* Returns only on failure. */
/* The final CPU affinity, no_new_privs and the seccomp filter (once): the last steps before the
 * program, taken before startContainer hooks too, which run under the same filter (as runc). */
int process_lock_down(struct process_plan *pp, ocirun_error_t *err);
int process_exec(struct process_plan *pp, ocirun_error_t *err);
/* process.oomScoreAdj of P onto PID, from the runtime (no-op when unset). */
int oom_score_adj_set(pid_t pid, const struct oci_process *p, ocirun_error_t *err);

/* A container opened by a command: its state dir locked, its state and
 * cgroup loaded. */
struct ocirun_ctx;
typedef struct cgroup cgroup_t;
struct opened {
	int root_fd;
	int dirfd;
	struct container_state *st;
	cgroup_t *cg;
	bool locked; /* the state dir exists and is locked (st may still be NULL) */
};
int open_container(const struct ocirun_ctx *ctx, const char *id, struct opened *o, ocirun_error_t *err);
void opened_release(struct opened *o);
/* enter.c: the one way into a container, for create/run and exec. */
/* Hand a seccomp notify fd of process `pid` to the agent at linux.seccomp.listenerPath, with the
 * containerProcessState document (state in `status`). */
int seccomp_agent_send(const struct oci_spec *spec, pid_t pid, const struct container_state *st,
		       const char *status, int fd, ocirun_error_t *err);

typedef void (*enter_child_fn)(void *arg, struct sync_chan *sync);
/* In a forked intermediate: (after GO when wait_go) not dumpable, join plan's namespaces, clone
 * the process (CLONE_PARENT: the runtime's sibling) into child(arg, sync), send its PID. */
__attribute__((noreturn)) void enter_intermediate(struct sync_chan *sync, struct ns_plan *plan,
						  unsigned long clone_flags, int cgroup_fd, bool wait_go,
						  enter_child_fn child, void *arg);
/* CONSOLE: the pty master to console_socket, or kept in *ret_fd when there is none. */
int enter_receive_console(struct sync_chan *sync, const char *console_socket, int *ret_fd,
			  ocirun_error_t *err);
/* After the last frame: EOF (the socket is close-on-exec) is the program running; an ERROR
 * frame is its message prefixed with what. */
int enter_wait_exec(struct sync_chan *sync, const char *what, ocirun_error_t *err);

/* The config the container was created from: the copy kept in its state dir (the bundle's,
 * read again, only for a container made before copies were kept). */
struct oci_spec;
int container_spec(const struct opened *o, struct oci_spec **ret, ocirun_error_t *err);
/* created / running / paused / stopped / creating */
const char *status_with_cgroup(const struct opened *o);

/* Open a pty in the container's devpts, send its master over the sync
 * socket (CONSOLE), make the slave the controlling terminal and stdio, and
 * (for the init) bind it onto /dev/console. proxied: the runtime itself
 * proxies the pty (no --console-socket): ONLCR goes off first, as runc. pty: a master and
 * slave opened earlier (taken over), or NULL to open them now. */
int process_setup_terminal(struct sync_chan *sync, const struct oci_box *size, bool bind_console,
			   bool proxied, int *pty, ocirun_error_t *err);

/* Wait for pid (our child): forward the signals of mask (blocked by the
 * caller) to it, proxy console_fd (closed here) to stdio, and give its exit
 * code (128+N for signal N). */
#include <signal.h>
int wait_foreground(pid_t pid, int pidfd, int console_fd, const sigset_t *mask, int *ret_status,
		    ocirun_error_t *err);
/* Every signal a foreground run or exec forwards (all but ocirun's own faults). */
void forwarded_signals(sigset_t *mask);
/* --pid-file: the pid written atomically (tmp + rename), as runc does. */
int write_pid_file(const char *path, pid_t pid, ocirun_error_t *err);
/* --pidfd-socket: connect to the unix socket and send pidfd (SCM_RIGHTS), as runc hands it over. */
int send_pidfd(const char *socket_path, int pidfd, ocirun_error_t *err);

/* LSM fields and Intel RDT, refused with a reason where this host lacks
 * them: apparmorProfile without AppArmor and intelRdt without resctrl are
 * errors; selinuxLabel without SELinux is a debug line (as runc). */
int lsm_validate(const struct oci_process *p, const struct oci_linux *l, ocirun_error_t *err);

/* The runtime-spec state JSON as text (for hooks, `state`, listeners). */
char *state_text(const struct container_state *st, const char *status, bool pretty);

/* poststart/poststop: run every hook, each failure a warning (runtime.md). */
void hooks_run_warn(const struct oci_hook *h, size_t n, const char *kind, const char *state_json);

/* The device cgroup rules of a container (create, restore): the config's, the defaults, linux.devices. */
struct oci_device_cgroup *device_rules(const struct oci_spec *s, size_t *ret_n);

/* A new container's state dir (create, run, restore): the ID taken by an exclusive mkdir,
 * locked, state.json (phase creating) and the config copy written. ret's fds and dir_made are
 * set as far as it got, also on failure, for the caller's cleanup; ret->st is filled. */
struct state_begin {
	const struct ocirun_ctx *ctx;
	const char *id;
	const struct oci_spec *spec;
	const char *bundle, *rootfs;
	const char *config_text;
	size_t config_len;
	bool no_pivot, no_new_keyring;
};
struct state_begun {
	int root_fd, dirfd;
	bool dir_made;
	struct container_state *st;
};
int state_begin(const struct state_begin *b, struct state_begun *ret, ocirun_error_t *err);

/* Container status from state + liveness + fifo + cgroup freezer. */
const char *container_status(int dirfd, const struct container_state *st);

/* Kill the init (SIGKILL), wait until it is gone, destroy the cgroup and
 * remove the state dir. Used by delete and by failed creates. */
int container_destroy(int root_fd, int dirfd, struct container_state *st, ocirun_error_t *err);

#endif
