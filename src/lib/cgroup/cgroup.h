/* cgroup: one interface over cgroup v2 and v1 (and hybrid hosts), chosen by
 * detection from statfs and mountinfo. Creates, fills, updates, freezes and
 * removes only the cgroups ocirun made.
 * Runs in: runtime. Must not call: exit, anything outside base/ and spec/. */
#ifndef OCIRUN_CGROUP_H
#define OCIRUN_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "base/error.h"
#include "base/json.h"
#include "spec/spec.h"

typedef struct cgroup cgroup_t;

struct cgroup_opts {
	const char *id;                    /* container id */
	const char *path;                  /* linux.cgroupsPath, may be NULL */
	bool systemd;                      /* --systemd-cgroup: a transient scope made by systemd */
	const struct oci_map *annotations; /* org.systemd.property.* for the systemd driver */
	bool rootless;                     /* skip (with a debug line) unless delegated */
};

/* Create the container's cgroup(s) and apply `res` (may be NULL). Nothing is
 * left behind on failure. */
int cgroup_create(const struct cgroup_opts *o, const struct oci_resources *res, cgroup_t **ret,
		  ocirun_error_t *err);
/* cgroup_create in two steps, so the caller can record the plan before any
 * directory exists (a create killed in between leaves dirs only the record
 * names). cgroup_plan: the paths, and as "created" the topmost dir of each
 * that does not exist yet; nothing is made. */
int cgroup_plan(const struct cgroup_opts *o, cgroup_t **ret, ocirun_error_t *err);
/* mkdir what the plan names (created then says what was really made) and
 * apply res (may be NULL); on failure removes what it made, cg stays to free. */
int cgroup_make(cgroup_t *cg, bool rootless, const struct oci_resources *res, ocirun_error_t *err);
/* The systemd driver makes the cgroup only with its first process: start the
 * scope with pid in it (the init, still waiting for its go), then apply res to
 * the scope's cgroup. A no-op for cgroupfs or when already started; on failure
 * the unit is stopped. */
int cgroup_start(cgroup_t *cg, pid_t pid, const struct oci_resources *res, ocirun_error_t *err);
/* True while cgroup_start is still to be called. */
bool cgroup_pending(const cgroup_t *cg);
/* A directory fd of the v2 leaf for clone3(CLONE_INTO_CGROUP), or -1 when
 * the container is not (only) in a v2 hierarchy. Owned by cg. */
int cgroup_v2_fd(const cgroup_t *cg);
/* The container's directory in the hierarchy of `controller` ("memory",
 * "name=systemd"); NULL or "" names the cgroup2 tree. NULL when not joined. */
const char *cgroup_path(const cgroup_t *cg, const char *controller);
/* Move pid into every hierarchy of the container. */
int cgroup_enter(const cgroup_t *cg, pid_t pid, ocirun_error_t *err);
/* exec --cgroup (cgroup/subcgroup.c): the same, into sub-cgroups given as runc's
 * "[controller[,controller...]:]path" arguments (NULL-terminated; none: cgroup_enter). */
int cgroup_enter_sub(const cgroup_t *cg, pid_t pid, char *const *args, ocirun_error_t *err);
/* update: apply resources to an existing cgroup. */
int cgroup_update(const cgroup_t *cg, const struct oci_resources *res, ocirun_error_t *err);
int cgroup_freeze(const cgroup_t *cg, bool frozen, ocirun_error_t *err);
/* 1 frozen, 0 not, < 0 error. */
int cgroup_is_frozen(const cgroup_t *cg);
int cgroup_pids(const cgroup_t *cg, pid_t **ret, size_t *ret_n, ocirun_error_t *err);
/* Signal every process (freeze first so none escapes by forking). */
int cgroup_kill_all(const cgroup_t *cg, int sig, ocirun_error_t *err);
/* runc's `events --stats` "data" object: cpu, memory, pids, blkio, hugetlb. */
int cgroup_stats(const cgroup_t *cg, json_gen_t *g, ocirun_error_t *err);
/* A watch for OOM kills in the memory cgroup: v1 an eventfd registered for memory.oom_control,
 * v2 inotify on memory.events (its oom_kill counter) and cgroup.events. Poll its fd for POLLIN,
 * then read: 1 an OOM kill, 0 nothing to report, -1 the (v1) cgroup was removed. */
typedef struct cgroup_oom_watch cgroup_oom_watch_t;
int cgroup_oom_watch_open(const cgroup_t *cg, cgroup_oom_watch_t **ret, ocirun_error_t *err);
int cgroup_oom_watch_fd(const cgroup_oom_watch_t *w);
int cgroup_oom_watch_read(cgroup_oom_watch_t *w);
void cgroup_oom_watch_free(cgroup_oom_watch_t *w);
/* Remove the cgroup dirs it created (retrying while busy). */
int cgroup_destroy(cgroup_t *cg, ocirun_error_t *err);
void cgroup_free(cgroup_t *cg);

/* Persist in state.json and reload in later commands. */
void cgroup_to_json(const cgroup_t *cg, json_gen_t *g);
int cgroup_from_json(const json_t *v, cgroup_t **ret, ocirun_error_t *err);

#endif
