/* cr: what checkpoint (checkpoint.c) and restore (restore.c) share: the CRIU request's common
 * options, the image and work directories, and the mounts CRIU must treat as external.
 * Runs in: the runtime. Must not call: exit. */
#ifndef OCIRUN_LIFECYCLE_CR_H
#define OCIRUN_LIFECYCLE_CR_H

#include "criu/criu.h"
#include "ocirun/ocirun.h"
#include "spec/spec.h"

/* The image dir records the init's stdio here at dump ("pipe:[123]", "/dev/null", ...), as runc
 * does, so that restore can hand pipes back to CRIU (inherit_fd). */
#define CR_DESCRIPTORS "descriptors.json"

struct cr_plan {
	struct criu_request req;
	int images_fd, work_fd;
	struct criu_pair *mnt, *inherit, *cg_root;
	size_t n_mnt, n_inherit, n_cg_root;
	char **external; /* "net[INO]:extRootNetNS" */
	size_t n_external;
	int extra_fds[2]; /* restore: joined network and pid namespaces, or -1 */
	size_t n_extra;
};

/* Options common to both: the directories (made when mkdirs, else they must exist), the cgroup
 * mode, --empty-ns (network always, as runc: it does not manage network devices), the flags. */
int cr_plan_init(struct cr_plan *p, const struct ocirun_criu_opts *o, bool mkdirs, ocirun_error_t *err);
void cr_plan_release(struct cr_plan *p);
/* ext_mnt: bind mounts, masked files (over /dev/null) and linux.devices. dump: key = value = the
 * mount point (pid: the init, to see which masked paths are files); restore: the mount point to
 * its source on this host (relative sources against bundle). */
void cr_plan_mounts(struct cr_plan *p, const struct oci_spec *s, bool restore, pid_t pid, const char *bundle);
/* The namespaces joined by path (network, pid): dump names them external by inode; restore opens
 * them and hands them to CRIU. */
int cr_plan_namespaces(struct cr_plan *p, const struct oci_spec *s, bool restore, ocirun_error_t *err);
/* Point req at the arrays (after everything was added). */
void cr_plan_finish(struct cr_plan *p);

#endif
