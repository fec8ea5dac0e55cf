/* ns: namespaces — which to create at clone, which to join by path (user
 * first), id maps written by the runtime, and which sysctls a container may
 * set. Runs in: runtime (plan, maps) and the intermediate/init (join).
 * Must not call: exit, modules beyond base/ and spec/. */
#ifndef OCIRUN_NS_H
#define OCIRUN_NS_H

#include <stdbool.h>
#include <sys/types.h>

#include "base/error.h"
#include "spec/spec.h"

#define NS_MAX 8

struct ns_join {
	int type; /* CLONE_NEW* */
	char *path;
	int fd; /* opened by ns_open_joins, -1 before */
};

struct ns_plan {
	unsigned long clone_flags; /* created by clone3 */
	unsigned long
	    late_flags; /* unshared by the init after cgroup placement: CLONE_NEWCGROUP, CLONE_NEWTIME */
	struct ns_join join[NS_MAX]; /* joined by path, user first */
	size_t n_join;
	bool new_user;
	bool in_user; /* new or joined user namespace */
	bool has_mnt; /* new or joined mount namespace; without one the root is only chroot'ed */
};

/* "pid" -> CLONE_NEWPID ... ; 0 if unknown. */
int ns_flag_from_name(const char *name);
const char *ns_name_from_flag(int flag);
/* /proc/PID/ns/<name> entry name for a flag ("net" for CLONE_NEWNET). */
const char *ns_proc_name(int flag);

/* Decide what to create and join; a joined path must be a namespace of the
 * stated type: `linux.namespaces[2].path: "/x" is not a network namespace`. */
int ns_plan_make(const struct oci_spec *s, struct ns_plan *ret, ocirun_error_t *err);
void ns_plan_release(struct ns_plan *p);
/* Order joins: user first (it grants the rights for the rest), mount last. */
void ns_plan_sort_joins(struct ns_plan *p);
/* Open every join path (before any setns: joining a mount namespace changes
 * how later paths resolve). */
int ns_open_joins(struct ns_plan *p, ocirun_error_t *err);
/* setns each: those the runtime's rights allow, then the user namespace, then the rest. */
int ns_join_all(struct ns_plan *p, ocirun_error_t *err);

/* Runtime: write /proc/PID/{uid_map,setgroups,gid_map} (linux.uidMappings/gidMappings). Root
 * writes them; a non-root caller writes a map of its own id only directly (with setgroups
 * "deny"), any other through newuidmap/newgidmap, which check /etc/subuid and /etc/subgid
 * (ns/usermaps.c). */
int ns_write_id_maps(pid_t pid, const struct oci_linux *l, ocirun_error_t *err);
/* The same from explicit mappings (an idmapped mount's). */
int ns_write_maps(pid_t pid, const struct oci_id_mapping *uid, size_t n_uid, const struct oci_id_mapping *gid,
		  size_t n_gid, bool deny_setgroups, ocirun_error_t *err);

/* A sysctl is allowed only when the container owns the namespace it
 * belongs to (net.* needs a network namespace, kernel.shm*, kernel.msg*,
 * kernel.sem and fs.mqueue.* an ipc one, kernel.hostname/domainname a uts one). */
int ns_sysctl_validate(const struct oci_spec *s, ocirun_error_t *err);

#endif
