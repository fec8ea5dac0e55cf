/* criu: checkpoint/restore through CRIU's RPC protocol (`criu swrk`): the only file that speaks to
 * CRIU. It encodes one criu_req (protobuf, field numbers of CRIU's rpc.proto), runs `criu swrk 3`
 * with the caller's stdio, answers notifications, and decodes the criu_resp.
 * Runs in: the runtime (checkpoint, restore, features). Must not call: exit, modules beyond base/. */
#ifndef OCIRUN_CRIU_H
#define OCIRUN_CRIU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/error.h"

enum criu_req_type { CRIU_REQ_DUMP = 1, CRIU_REQ_RESTORE = 2, CRIU_REQ_PRE_DUMP = 4 };

/* criu_cg_mode of rpc.proto; CRIU_CG_UNSET sends nothing (CRIU's default: soft). */
enum criu_cg_mode {
	CRIU_CG_UNSET = -1,
	CRIU_CG_IGNORE = 0,
	CRIU_CG_SOFT = 3,
	CRIU_CG_FULL = 4,
	CRIU_CG_STRICT = 5,
};

struct criu_pair {
	const char *key; /* ext_mnt: mount point; cg_root: controller (NULL: all); inherit_fd: key */
	const char *val; /* ext_mnt: source or key; cg_root: path */
	int fd;          /* inherit_fd: the fd number in CRIU */
};

struct criu_request {
	enum criu_req_type type;
	int images_dir_fd;
	int work_dir_fd; /* -1: the images dir */
	const char *log_file;
	pid_t pid;        /* dump: the tree's root */
	const char *root; /* the container's root as a mount point */
	const char *parent_img;
	const char *freeze_cgroup;
	const char *lsm_profile, *lsm_mount_context;
	const char *ps_address; /* --page-server */
	int ps_port;
	int status_fd; /* -1 unset */
	enum criu_cg_mode cg_mode;
	uint32_t empty_ns;
	bool leave_running, ext_unix_sk, tcp_established, shell_job, file_locks, auto_dedup, lazy_pages;
	bool track_mem, rst_sibling, evasive_devices, orphan_pts_master, notify_scripts, link_remap,
	    tcp_skip_in_flight;
	struct criu_pair *ext_mnt, *cg_root, *inherit_fd;
	size_t n_ext_mnt, n_cg_root, n_inherit_fd;
	const char **external;
	size_t n_external;
	const int *extra_fds; /* handed to CRIU as fds 4, 5, ... (inherit_fd of joined namespaces) */
	size_t n_extra_fds;
};

/* A notification (notify_scripts): script name, pid, and an fd that came with it (or -1, owned by
 * the callee). A return < 0 fails the request. */
typedef int (*criu_notify_fn)(const char *script, pid_t pid, int fd, void *data, ocirun_error_t *err);
/* Called with the pid of `criu swrk` before the request is sent (restore: put it in the cgroup). */
typedef int (*criu_started_fn)(pid_t criu_pid, void *data, ocirun_error_t *err);

/* Run one request. restore: *ret_pid is the restored tree's root (our child with rst_sibling).
 * On failure the message names CRIU's own message and the first "Error" line of its log. */
int criu_run(const struct criu_request *r, criu_started_fn started, criu_notify_fn notify, void *data,
	     pid_t *ret_pid, ocirun_error_t *err);

/* Is there a `criu` executable in PATH? */
bool criu_available(void);
/* `criu check`: 0 when it passes; else the cause in one line ("criu check: ... vdso ..."). */
int criu_check(ocirun_error_t *err);
/* "soft", "full", "strict", "ignore", or "" / NULL: -EINVAL for any other. */
int criu_cg_mode_parse(const char *s, enum criu_cg_mode *ret, ocirun_error_t *err);

#endif
