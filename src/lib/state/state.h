/* state: the state directory of each container (<root>/<id>/): state.json
 * written atomically (tmp + rename) under an flock, the exec fifo, the ID
 * rules, and the PID identity (pid + start time, so a recycled PID is never
 * signalled). Runs in: runtime. Must not call: exit, modules beyond base/. */
#ifndef OCIRUN_STATE_H
#define OCIRUN_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/error.h"
#include "base/json.h"
#include "spec/spec.h"

#define STATE_FILE   "state.json"
#define STATE_FIFO   "exec.fifo"
#define STATE_DONE   "exec.done"   /* a socket: `start` learns from it that execve came */
#define STATE_OWNED  "owned.json"  /* what the ID owns, recorded before it exists */
#define STATE_CONFIG "config.json" /* the bundle's config.json as create read it */

enum container_phase {
	PHASE_CREATING = 0, /* state dir made, init not ready yet */
	PHASE_CREATED,      /* init ready (may be waiting on the fifo, or already started) */
};

struct container_state {
	char *oci_version;
	char *id;
	char *bundle;
	char *rootfs;
	pid_t pid;           /* host pid of the init, 0 before it exists */
	uint64_t start_time; /* /proc/PID/stat field 22 */
	char *created;       /* RFC3339 with nanoseconds, UTC */
	char *owner;
	enum container_phase phase;
	struct oci_map annotations;
	json_t *cgroup;     /* the cgroup module's persisted form, or NULL (borrowed from owned_tree) */
	json_t *owned_tree; /* freed with the state: the tree cgroup points into */
	bool systemd_cgroup;
	bool rootless;
	bool no_pivot;
	bool no_new_keyring;
	bool terminal;     /* process.terminal of the init */
	pid_t creator_pid; /* the `create` process while PHASE_CREATING */
	uint64_t creator_start_time;
};

/* owned.json: a second, small record of what the container owns, so that
 * `delete --force` can find and remove it when state.json is lost or
 * damaged. create writes it before each thing exists: the planned cgroup
 * before any mkdir (cgroup_made false), the made one after, the init's
 * identity before the init is told to go on. */
struct state_owned {
	char *bundle;
	char *created;
	const json_t *cgroup; /* the cgroup module's record, or NULL (points into tree) */
	bool cgroup_made;     /* false: planned only; its dirs, if any, hold nothing of ours */
	pid_t pid;            /* the init, 0 before it exists */
	uint64_t start_time;
	json_t *tree; /* freed with the record */
};

/* exec.done, a SOCK_SEQPACKET socket: `create` binds it and hands the listening end to the
 * init, which accepts the connection `start` made before waking it, writes one sync frame on
 * it right before execve (close-on-exec), and so tells `start` that the program runs. A socket,
 * not a second fifo: the init then holds no file of the state dir but exec.fifo. */
int state_done_listen(int dirfd, int *ret_fd, ocirun_error_t *err);
/* Connect to exec.done; ECONNREFUSED when no init listens any more. */
int state_done_connect(int dirfd, int *ret_fd, ocirun_error_t *err);

/* Open (creating when needed, mode 0700) the state root. */
int state_root_open(const char *root, int *ret_fd, ocirun_error_t *err);
/* IDs: letters, digits, and "_+-."; not "." or ".."; at most 1024 bytes. */
int state_validate_id(const char *id, ocirun_error_t *err);
/* Make <root>/<id> exclusively: "container with id exists: ID" if taken. */
int state_dir_create(int root_fd, const char *id, int *ret_dirfd, ocirun_error_t *err);
/* Open an existing container: "container \"ID\" does not exist". */
int state_dir_open(int root_fd, const char *id, int *ret_dirfd, ocirun_error_t *err);
/* Exclusive flock on the container's dir (blocking). */
int state_lock(int dirfd, ocirun_error_t *err);
int state_write(int dirfd, const struct container_state *st, ocirun_error_t *err);
/* Errors name the file by its full path ("/run/ocirun/ID/state.json": ...). */
int state_read(int dirfd, struct container_state **ret, ocirun_error_t *err);
void state_free(struct container_state *st);
int state_owned_write(int dirfd, const struct state_owned *o, ocirun_error_t *err);
/* err may be NULL (callers that only try). */
int state_owned_read(int dirfd, struct state_owned *ret, ocirun_error_t *err);

/* The config create used, kept beside state.json: later commands read it, not the bundle (a
 * bundle edited or removed after create must not change the hooks delete runs). read gives
 * -ENOENT for a container created without one (by an older ocirun). */
int state_config_write(int dirfd, const char *text, size_t len, ocirun_error_t *err);
int state_config_read(int dirfd, char **ret, size_t *ret_len, ocirun_error_t *err);
void state_owned_release(struct state_owned *o);
/* Remove <root>/<id> and everything in it. */
int state_dir_remove(int root_fd, const char *id, ocirun_error_t *err);
/* Sorted container IDs. */
int state_list(int root_fd, char ***ret, ocirun_error_t *err);
/* Now as RFC3339 with nanoseconds ("2026-11-23T11:25:15.123456789Z"). */
char *state_now_rfc3339(void);

/* Is the recorded init alive (same start time, not a zombie)? */
bool state_init_alive(const struct container_state *st);
/* pidfd of the init, verified against the start time, or -ESRCH. */
int state_init_pidfd(const struct container_state *st);

/* Emit the runtime-spec state object (ociVersion, id, status, pid, bundle,
 * rootfs, created, owner, annotations). */
void state_emit(json_gen_t *g, const struct container_state *st, const char *status);

#endif
