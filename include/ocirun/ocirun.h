/* ocirun: the library's public API, one call per CLI command. Everything
 * here is sequenced by src/lib/lifecycle; the CLI parses, calls, prints.
 * Runs in: the runtime process. Never calls exit(). */
#ifndef OCIRUN_OCIRUN_H
#define OCIRUN_OCIRUN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "base/error.h"

struct ocirun_ctx {
	const char *root;    /* state root, default /run/ocirun */
	bool root_given;     /* --root: list fails when it is missing (the default may be) */
	bool systemd_cgroup; /* --systemd-cgroup */
	int rootless;        /* -1 auto, 0 false, 1 true */
	bool debug;
};

struct ocirun_create_opts {
	const char *id;
	const char *bundle; /* default "." */
	const char *pid_file;
	const char *console_socket;
	const char *pidfd_socket; /* --pidfd-socket: a pidfd of the init is sent there */
	bool no_pivot;
	bool no_new_keyring;
	int preserve_fds;
	bool detach; /* run -d */
	bool keep;   /* run --keep */
};

int ocirun_create(const struct ocirun_ctx *ctx, const struct ocirun_create_opts *o, ocirun_error_t *err);
/* create + start + wait; *ret_status is the exit code (128+N for signal N),
 * or 0 when detached. */
int ocirun_run(const struct ocirun_ctx *ctx, const struct ocirun_create_opts *o, int *ret_status,
	       ocirun_error_t *err);
int ocirun_start(const struct ocirun_ctx *ctx, const char *id, ocirun_error_t *err);
/* The runtime-spec state JSON (indented, as runc prints it). */
int ocirun_state(const struct ocirun_ctx *ctx, const char *id, char **ret_json, ocirun_error_t *err);
int ocirun_kill(const struct ocirun_ctx *ctx, const char *id, int sig, bool all, ocirun_error_t *err);
int ocirun_delete(const struct ocirun_ctx *ctx, const char *id, bool force, ocirun_error_t *err);

struct ocirun_list_entry {
	char *id;
	pid_t pid;
	char *status;
	char *bundle;
	char *created;
	char *owner;
};
int ocirun_list(const struct ocirun_ctx *ctx, struct ocirun_list_entry **ret, size_t *ret_n,
		ocirun_error_t *err);
void ocirun_list_free(struct ocirun_list_entry *e, size_t n);

struct ocirun_exec_opts {
	const char *id;
	const char *process_file; /* --process: a process.json replacing everything below */
	char **args;              /* COMMAND ARGS */
	bool tty;                 /* --tty */
	const char *cwd;          /* --cwd */
	char **env;               /* --env, appended to the config's */
	const char *user;         /* --user uid[:gid] */
	char **additional_gids;   /* --additional-gids */
	char **caps;              /* --cap, added to every set */
	bool no_new_privs;        /* --no-new-privs */
	int preserve_fds;
	const char *pid_file;
	const char *console_socket;
	const char *pidfd_socket; /* --pidfd-socket: a pidfd of the process is sent there */
	bool detach;
	bool ignore_paused;
	char **sub_cgroups; /* --cgroup: runc's "[controller[,controller...]:]path", repeatable */
};
/* Run a new process in a running container; *ret_status is its exit code
 * (0 when detached). */
int ocirun_exec(const struct ocirun_ctx *ctx, const struct ocirun_exec_opts *o, int *ret_status,
		ocirun_error_t *err);

/* The runtime-spec features.md document (indented JSON). */
char *ocirun_features(void);

/* First thing for the commands whose processes enter a container (create, run, exec): re-execute
 * the runtime from a file that no process can write (CVE-2019-5736). Returns 0 once running from
 * such a file; on success the first call does not return. */
int ocirun_protect_exe(char *const *argv, ocirun_error_t *err);

/* `--rootless auto`, as runc decides it for the cgroupfs driver: rootless when not root, or when
 * root only of a user namespace that is not the host's (rootlesskit, `unshare -r`). */
bool ocirun_rootless_auto(void);

/* Signal names: "KILL", "SIGKILL", "9"; -1 when unknown. */
int ocirun_signal_from_name(const char *name);

/* ---- commands on the container's cgroup (lifecycle/cgcommands.c) ---- */

#include <stdint.h>

/* pause: freeze a running or created container ("container not running"
 * otherwise); resume: thaw a paused one ("container not paused"). */
int ocirun_pause(const struct ocirun_ctx *ctx, const char *id, ocirun_error_t *err);
int ocirun_resume(const struct ocirun_ctx *ctx, const char *id, ocirun_error_t *err);

/* update: the values of runc's flags, parsed by the CLI (cli/goflags.c).
 * 0 and NULL leave a value alone, as in runc; sizes are bytes, -1 unlimited.
 * With `resources` (a LinuxResources JSON file, "-" for stdin) the values
 * are ignored. */
struct ocirun_update_opts {
	const char *resources;
	int64_t memory, memory_swap, memory_reservation;
	int64_t kernel_memory, kernel_memory_tcp; /* only warned about */
	uint64_t cpu_shares, cpu_period, cpu_rt_period;
	int64_t cpu_quota, cpu_rt_runtime;
	uint64_t cpu_burst; /* applied when has_cpu_burst, 0 too (runc 1.5) */
	int64_t cpu_idle;   /* applied when has_cpu_idle, 0 too */
	bool has_cpu_burst, has_cpu_idle;
	const char *cpuset_cpus, *cpuset_mems;
	int64_t pids_limit;  /* -1 unlimited, 0 a limit of 1 (runc 1.5) */
	bool pids_limit_set; /* --pids-limit given: applied, 0 too */
	int64_t blkio_weight;
	const char *l3_cache_schema, *mem_bw_schema; /* Intel RDT: refused */
};
int ocirun_update(const struct ocirun_ctx *ctx, const char *id, const struct ocirun_update_opts *o,
		  ocirun_error_t *err);

/* events: one JSON line per event, handed to emit (which returns < 0 to stop,
 * errno set). With `stats`, one stats line; else a stats line every interval
 * and an oom line per OOM kill until no process is left in the cgroup. */
typedef int (*ocirun_event_fn)(const char *line, void *data);
struct ocirun_events_opts {
	bool stats;
	int64_t interval_ns;
};
int ocirun_events(const struct ocirun_ctx *ctx, const char *id, const struct ocirun_events_opts *o,
		  ocirun_event_fn emit, void *data, ocirun_error_t *err);

/* ps: host PIDs in the container's cgroup (*ret NULL when none). */
int ocirun_ps(const struct ocirun_ctx *ctx, const char *id, pid_t **ret, size_t *ret_n, ocirun_error_t *err);

/* ---- checkpoint and restore with CRIU (lifecycle/checkpoint.c, restore.c) ---- */

/* What checkpoint and restore share: runc's flags. */
struct ocirun_criu_opts {
	const char *image_path;          /* default ./checkpoint */
	const char *work_path;           /* default: the image dir */
	const char *manage_cgroups_mode; /* soft|full|strict|ignore, NULL: CRIU's default (soft) */
	char **empty_ns;                 /* --empty-ns TYPE (only "network") */
	bool tcp_established, ext_unix_sk, shell_job, file_locks, auto_dedup, lazy_pages;
};

struct ocirun_checkpoint_opts {
	const char *id;
	struct ocirun_criu_opts criu;
	const char *parent_path; /* relative to the image dir */
	const char *page_server; /* ADDRESS:PORT */
	int status_fd;           /* -1 unset */
	bool leave_running, pre_dump, tcp_skip_in_flight, link_remap;
};
/* Dump a running (or paused) container; unless leave_running or pre_dump, it is then gone. */
int ocirun_checkpoint(const struct ocirun_ctx *ctx, const struct ocirun_checkpoint_opts *o,
		      ocirun_error_t *err);

struct ocirun_restore_opts {
	const char *id;
	struct ocirun_criu_opts criu;
	const char *bundle; /* default "." */
	const char *pid_file;
	const char *console_socket;
	const char *lsm_profile, *lsm_mount_context;
	bool detach, no_subreaper, no_pivot;
};
/* Make a container ID from the bundle and an image; *ret_status as ocirun_run (0 when detached). */
int ocirun_restore(const struct ocirun_ctx *ctx, const struct ocirun_restore_opts *o, int *ret_status,
		   ocirun_error_t *err);

#endif
