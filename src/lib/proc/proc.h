/* proc: process attributes beyond credentials — personality, scheduler,
 * I/O priority, CPU affinity, NUMA memory policy — validated in the runtime
 * before clone and applied by the init (or exec) before execve.
 * Runs in: runtime (validate) and init (apply). Must not call: exit,
 * modules beyond base/ and spec/. */
#ifndef OCIRUN_PROC_H
#define OCIRUN_PROC_H

#include <stdbool.h>

#include "base/error.h"
#include "spec/spec.h"

/* Names, ranges, CPU lists. Errors name the field:
 * `process.scheduler.policy: unknown policy "SCHED_FOO"`. */
int proc_attrs_validate(const struct oci_process *p, const struct oci_linux *l, ocirun_error_t *err);
/* Apply personality, memory policy, scheduler, ioPriority and the initial
 * CPU affinity (execCPUAffinity.initial) to the calling process. */
int proc_attrs_apply(const struct oci_process *p, const struct oci_linux *l, ocirun_error_t *err);
/* execCPUAffinity.final, right before execve. */
int proc_attrs_apply_final(const struct oci_process *p, ocirun_error_t *err);

#endif
