/* base/fault: test-only fault injection. With OCIRUN_FAULT=<point> in the
 * environment, the process SIGKILLs itself when it reaches that point, so
 * tests can prove that every half-made container is cleaned up.
 * Runs in: runtime and init. Must not call: anything but getenv/raise. */
#ifndef OCIRUN_BASE_FAULT_H
#define OCIRUN_BASE_FAULT_H

/* Points: create-state-dir, create-cgroup-mkdir, create-cgroup, create-clone, create-go,
 * create-ready, create-done, init-mounts, init-ready, start-fifo. */
void fault_point(const char *name);

#endif
