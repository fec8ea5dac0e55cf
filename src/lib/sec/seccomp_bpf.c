/* sec/seccomp_bpf: the -ENOSYS stub and loading the filter with seccomp(2). No libseccomp here
 * (seccomp.c exports libseccomp's program and hands it over, in the runtime before clone); the
 * init only calls seccomp_install.
 *
 * Why the stub: a profile denies by default what it does not list, and a syscall newer than the
 * profile is not listed. A libc only falls back to an older syscall on ENOSYS (clone3 -> clone,
 * faccessat2 -> faccessat, ...), so EPERM or a kill for it breaks new binaries under old
 * profiles. Like runc, a syscall number above the largest one the profile names for the calling
 * ABI is taken as one the profile cannot know, and gets ENOSYS.
 *
 * The stub, put in front of the program (its jumps are relative and never jump backwards, so the
 * program is unchanged; every path out of the stub either returns or jumps to the program's first
 * instruction, which loads what it needs itself):
 *
 *	ld  [arch]
 *	jeq #ARCH_1, 0, <next arch>      one block per audit arch
 *	ld  [nr]
 *	jset #X32_BIT, <x32 part>, 0     AUDIT_ARCH_X86_64 only: the x86_64 part, then the x32 part
 *	jeq #0, 0, 1                     s390(x) only: nr 0 is the multiplexer an unknown syscall
 *	ret #ERRNO(ENOSYS)                 arrives as
 *	jgt #MAX, 0, 1
 *	ret #ERRNO(ENOSYS)
 *	ja  <program>
 *	jeq #ARCH_2, 0, <next arch>
 *	...
 *	<program>                        any other arch falls through to it
 */
#include "sec/seccomp_bpf.h"

#include <errno.h>
#include <linux/audit.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/log.h"
#include "base/util.h"

#define X32_SYSCALL_BIT 0x40000000U
#define RET_ENOSYS      (SECCOMP_RET_ERRNO | ENOSYS)

/* The stub under construction: 1 + at most 13 instructions per audit arch (jeq, ld, jset and
 * two ABI parts of at most 5). */
struct stub {
	struct sock_filter *insn;
	size_t n;
	size_t *to_program; /* indexes of the "ja <program>", whose offsets are set last */
	size_t n_to_program;
};

static void emit(struct stub *s, uint16_t code, uint32_t k, uint8_t jt, uint8_t jf)
{
	s->insn[s->n++] = (struct sock_filter){.code = code, .jt = jt, .jf = jf, .k = k};
}

static void emit_to_program(struct stub *s)
{
	s->to_program[s->n_to_program++] = s->n;
	emit(s, BPF_JMP | BPF_JA, 0, 0, 0);
}

/* The checks for one ABI, the syscall number in A; a == NULL: straight to the program. */
static void emit_abi(struct stub *s, const struct enosys_abi *a)
{
	if (a) {
		if (a->nr0_is_unknown) {
			emit(s, BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1);
			emit(s, BPF_RET | BPF_K, RET_ENOSYS, 0, 0);
		}
		emit(s, BPF_JMP | BPF_JGT | BPF_K, a->max_nr, 0, 1);
		emit(s, BPF_RET | BPF_K, RET_ENOSYS, 0, 0);
	}
	emit_to_program(s);
}

static const struct enosys_abi *find_abi(const struct enosys_abi *abis, size_t n, uint32_t audit_arch,
					 bool x32)
{
	for (size_t i = 0; i < n; i++)
		if (abis[i].audit_arch == audit_arch && abis[i].x32 == x32)
			return &abis[i];
	return NULL;
}

/* The block of one audit arch. The conditional jumps only skip within the block, which is at
 * most 13 instructions: their 8-bit offsets cannot overflow. */
static void emit_arch(struct stub *s, const struct enosys_abi *abis, size_t n, uint32_t audit_arch)
{
	size_t jeq = s->n, jset;

	emit(s, BPF_JMP | BPF_JEQ | BPF_K, audit_arch, 0, 0);
	emit(s, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr), 0, 0);
	if (audit_arch == AUDIT_ARCH_X86_64) {
		jset = s->n;
		emit(s, BPF_JMP | BPF_JSET | BPF_K, X32_SYSCALL_BIT, 0, 0);
		emit_abi(s, find_abi(abis, n, audit_arch, false));
		s->insn[jset].jt = (uint8_t)(s->n - jset - 1);
		emit_abi(s, find_abi(abis, n, audit_arch, true));
	} else {
		emit_abi(s, find_abi(abis, n, audit_arch, false));
	}
	s->insn[jeq].jf = (uint8_t)(s->n - jeq - 1);
}

void seccomp_bpf_prepend_enosys(struct seccomp_prog *p, const struct enosys_abi *abis, size_t n)
{
	_cleanup_free_ struct sock_filter *insn = xmalloc((1 + 13 * n + p->len) * sizeof(*insn));
	_cleanup_free_ size_t *to_program = xmalloc((2 * n + 1) * sizeof(*to_program));
	struct stub s = {.insn = insn, .to_program = to_program};

	if (n == 0)
		return;
	emit(&s, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch), 0, 0);
	for (size_t i = 0; i < n; i++) {
		/* one block per audit arch: x86_64 and x32 share one */
		bool seen = false;

		for (size_t j = 0; j < i && !seen; j++)
			seen = abis[j].audit_arch == abis[i].audit_arch;
		if (!seen)
			emit_arch(&s, abis, n, abis[i].audit_arch);
	}
	for (size_t i = 0; i < s.n_to_program; i++)
		s.insn[s.to_program[i]].k = (uint32_t)(s.n - s.to_program[i] - 1);
	log_debug("seccomp: %zu-instruction -ENOSYS stub before the %zu-instruction filter", s.n, p->len);
	memcpy(s.insn + s.n, p->insns, p->len * sizeof(*p->insns));
	free(p->insns);
	p->insns = TAKE_PTR(insn);
	p->len += s.n;
}

bool seccomp_bpf_flags_supported(unsigned int flags)
{
	/* The kernel checks the flags before it reads the program: EFAULT for the NULL program
	 * means it knows them; EINVAL that it does not. */
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, NULL) < 0 && errno == EFAULT;
}

int seccomp_install(seccomp_prog_t *p, int *ret_notify_fd, ocirun_error_t *err)
{
	struct sock_fprog prog = {.len = (unsigned short)p->len, .filter = p->insns};
	bool listener = p->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER;
	long r;

	r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, p->flags, &prog);
	if (r < 0) {
		if (errno == EACCES)
			return oerr(err, errno, "load seccomp filter (needs CAP_SYS_ADMIN or no_new_privs)");
		return oerr(err, errno, "load seccomp filter (flags %#x)", p->flags);
	}
	/* With TSYNC and without a listener, a thread that could not be synchronized. */
	if (!listener && r > 0)
		return oerr_msg(err, EBUSY, "load seccomp filter: thread %ld could not be synchronized", r);
	if (ret_notify_fd)
		*ret_notify_fd = listener ? (int)r : -1;
	else if (listener)
		close((int)r);
	return 0;
}

void seccomp_prog_free(seccomp_prog_t *p)
{
	if (!p)
		return;
	free(p->insns);
	free(p);
}
