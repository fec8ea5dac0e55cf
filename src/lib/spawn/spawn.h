/* spawn: create a process fork-style with clone3 (new namespaces, pidfd,
 * CLONE_INTO_CGROUP), falling back to clone() on older kernels.
 * Runs in: runtime / intermediate. Must not call: exit. */
#ifndef OCIRUN_SPAWN_H
#define OCIRUN_SPAWN_H

#include <stdbool.h>
#include <sys/types.h>

#include "base/error.h"

/* Returns 0 in the child, the child's pid in the parent, < 0 on error.
 * cgroup_fd >= 0 places the child in that v2 cgroup before it runs.
 * ret_pidfd (may be NULL) gets a pidfd of the child, or -1. */
pid_t spawn_process(unsigned long ns_flags, int cgroup_fd, bool clone_parent, int *ret_pidfd,
		    ocirun_error_t *err);

#endif
