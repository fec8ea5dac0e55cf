/* sec: capabilities (libcap, only in caps.c), rlimits (rlimits.c) and seccomp
 * (libseccomp, only in seccomp.c; the BPF stub and loading in seccomp_bpf.c). Validation and compilation run
 * in the runtime before clone so that bad input fails before anything exists; application runs in the
 * container init just before exec. Must not call: exit, anything outside base/ and spec/. */
#ifndef OCIRUN_SEC_H
#define OCIRUN_SEC_H

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "spec/spec.h"

/* ---- capabilities ---- */
/* Runtime, before clone: unknown names are ignored with a warning naming the set and the
 * capability (runtime-spec, runc); so are ambient caps outside permitted and inheritable. An
 * effective cap outside the permitted set is an error. */
struct caps_set {
	uint64_t bounding, effective, inheritable, permitted, ambient; /* bit N: capability N */
};
/* The names are resolved once, here, into *ret; the init applies the masks. */
int caps_validate(const struct oci_capabilities *c, struct caps_set *ret, ocirun_error_t *err);
/* Init, before setresuid: drop from the bounding set everything not listed
 * and set PR_SET_KEEPCAPS so permitted caps survive the uid change.
 * An empty set (process.capabilities absent) drops every capability. */
int caps_prepare(const struct caps_set *s, ocirun_error_t *err);
/* Init, after setresuid/setresgid/setgroups: set effective, permitted,
 * inheritable exactly as listed, then the ambient set; clear KEEPCAPS. */
int caps_apply(const struct caps_set *s, ocirun_error_t *err);
/* Name <-> number, for other modules (exec --cap, features). -1 if unknown. */
int caps_from_name(const char *name);
/* Number -> "CAP_CHOWN" (malloc'd), NULL if libcap has no name for it. */
char *caps_to_name(int cap);
/* Highest capability number the running kernel knows. */
int caps_last_cap(void);

/* ---- rlimits ---- */
int rlimits_validate(const struct oci_rlimit *r, size_t n, ocirun_error_t *err);
int rlimits_apply(const struct oci_rlimit *r, size_t n, ocirun_error_t *err);
/* "RLIMIT_NOFILE" -> RLIMIT_NOFILE, -1 if unknown. */
int rlimit_from_name(const char *name);

/* ---- seccomp ---- */
typedef struct seccomp_prog seccomp_prog_t;
/* Build the filter, as the BPF program the kernel loads (no syscall is made
 * that changes the process). Errors name the field:
 * `linux.seccomp.syscalls[3].action: unknown action "X"`. A syscall name
 * libseccomp does not know is skipped with a debug log. Unless the default
 * action is SCMP_ACT_ALLOW, SCMP_ACT_LOG, SCMP_ACT_TRACE or ERRNO(ENOSYS), a
 * syscall numbered above every one the profile names for the caller's arch
 * gets ENOSYS instead of the default action (as in runc). */
int seccomp_compile(const struct oci_seccomp *s, seccomp_prog_t **ret, ocirun_error_t *err);
/* Init: load it with seccomp(2) and the profile's flags. When the profile uses
 * SCMP_ACT_NOTIFY, *ret_notify_fd gets the listener fd (else -1).
 * ret_notify_fd may be NULL. */
int seccomp_install(seccomp_prog_t *p, int *ret_notify_fd, ocirun_error_t *err);
void seccomp_prog_free(seccomp_prog_t *p);
/* For `features`: every action/operator/arch/flag name known, and the flags
 * this kernel supports. */
const char *const *seccomp_known_actions(void);
const char *const *seccomp_known_operators(void);
const char *const *seccomp_known_archs(void);
const char *const *seccomp_known_flags(void);
const char *const *seccomp_supported_flags(void);

/* ---- the runtime's own binary (exeguard.c) ---- */
/* Re-execute the runtime (argv) from a file no process can write: a detached read-only overlay of
 * the binary, else a sealed memfd copy (CVE-2019-5736). Returns 0 in the re-executed runtime once
 * its executable is checked to be such a file; does not return otherwise, but on error. */
int exe_guard(char *const *argv, ocirun_error_t *err);

#endif
