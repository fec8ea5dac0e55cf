/* sec/seccomp_bpf: a seccomp filter in the form the kernel loads (a classic BPF program and the
 * seccomp(2) flags), the -ENOSYS stub put in front of it, and loading it. Private to sec/: only
 * seccomp.c, the one libseccomp user, builds these; this file never calls libseccomp. */
#ifndef OCIRUN_SEC_SECCOMP_BPF_H
#define OCIRUN_SEC_SECCOMP_BPF_H

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "sec/sec.h"

#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1U << 4)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1U << 5)
#endif

struct seccomp_prog {
	struct sock_filter *insns; /* malloc'd */
	size_t len;
	unsigned int flags; /* SECCOMP_FILTER_FLAG_*, NEW_LISTENER when a rule notifies */
};

/* One ABI the -ENOSYS stub covers. Calls of this ABI with a syscall number above max_nr, the
 * largest the profile names for it, are syscalls the profile cannot know (newer than it): they
 * get ENOSYS, on which a libc falls back (clone3 -> clone), instead of the default action. */
struct enosys_abi {
	uint32_t audit_arch; /* AUDIT_ARCH_*, as in seccomp_data.arch */
	uint32_t max_nr;     /* > 0 */
	/* AUDIT_ARCH_X86_64 only: this is the x32 ABI (the syscall numbers with bit 30 set, as
	 * max_nr has), not x86_64 (the numbers without it); both share the audit arch. */
	bool x32;
	/* s390 and s390x: an unknown syscall arrives as number 0 (the multiplexer), so 0 gets
	 * ENOSYS too. */
	bool nr0_is_unknown;
};

/* Put the stub in front of p's program. abis: at most one entry per (audit_arch, x32); calls of
 * an arch not listed, or of an x86_64 ABI not listed, go to the program unchanged. */
void seccomp_bpf_prepend_enosys(struct seccomp_prog *p, const struct enosys_abi *abis, size_t n);
/* Whether the running kernel takes these SECCOMP_FILTER_FLAG_* bits (a probe that loads nothing). */
bool seccomp_bpf_flags_supported(unsigned int flags);

#endif
