/* sec/seccomp: linux.seccomp compiled with libseccomp into the BPF program the
 * kernel loads. The only file that uses libseccomp. seccomp_compile runs in the
 * runtime before clone and only builds memory (name lookups and flag checks may
 * probe the kernel's seccomp support, which changes nothing): it exports
 * libseccomp's program, puts the -ENOSYS stub in front of it (seccomp_bpf.c)
 * and works out the seccomp(2) flags; the forked init inherits the result and
 * only loads it (seccomp_install, seccomp_bpf.c) just before execve. */
#include "sec/sec.h"

#include <errno.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/log.h"
#include "base/util.h"
#include "sec/seccomp_bpf.h"

#define SYSCALL_MAX_ARGS 6

/* The libseccomp side of a compilation. */
struct build {
	scmp_filter_ctx ctx;
	bool notify; /* a SCMP_ACT_NOTIFY rule made it into the filter */
};

/* Every table below starts with the name and is sorted by it (strcmp). */
static int name_cmp(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

#define TABLE_FIND(table, name)                                                                              \
	((name) ? bsearch((name), (table), ARRAY_SIZE(table), sizeof((table)[0]), name_cmp) : NULL)

enum act_data { ACT_NO_DATA, ACT_ERRNO_DATA, ACT_TRACE_DATA };

struct action_name {
	const char *name;
	uint32_t action;
	enum act_data data;
};

static const struct action_name actions[] = {
    {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, ACT_NO_DATA},
    {"SCMP_ACT_ERRNO", 0, ACT_ERRNO_DATA},
    {"SCMP_ACT_KILL", SCMP_ACT_KILL, ACT_NO_DATA}, /* = SCMP_ACT_KILL_THREAD */
    {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, ACT_NO_DATA},
    {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, ACT_NO_DATA},
    {"SCMP_ACT_LOG", SCMP_ACT_LOG, ACT_NO_DATA},
    {"SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, ACT_NO_DATA},
    {"SCMP_ACT_TRACE", 0, ACT_TRACE_DATA},
    {"SCMP_ACT_TRAP", SCMP_ACT_TRAP, ACT_NO_DATA},
};

struct operator_name {
	const char *name;
	enum scmp_compare op;
};

static const struct operator_name operators[] = {
    {"SCMP_CMP_EQ", SCMP_CMP_EQ}, {"SCMP_CMP_GE", SCMP_CMP_GE}, {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_LE", SCMP_CMP_LE}, {"SCMP_CMP_LT", SCMP_CMP_LT}, {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
    {"SCMP_CMP_NE", SCMP_CMP_NE},
};

/* The filter is loaded with seccomp(2) directly, so a flag needs only the
 * kernel's support, whatever libseccomp knows. */
struct flag_name {
	const char *name;
	unsigned int flag; /* SECCOMP_FILTER_FLAG_* */
};

static const struct flag_name flags[] = {
    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
    {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV},
};

/* Candidates for seccomp_known_archs(); only those the linked libseccomp
 * resolves are reported. The mapping itself is libseccomp's (lower case). */
static const char *const arch_candidates[] = {
    "SCMP_ARCH_AARCH64",  "SCMP_ARCH_ARM",         "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K",
    "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",   "SCMP_ARCH_MIPSEL",
    "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PARISC",      "SCMP_ARCH_PARISC64",
    "SCMP_ARCH_PPC",      "SCMP_ARCH_PPC64",       "SCMP_ARCH_PPC64LE",     "SCMP_ARCH_RISCV64",
    "SCMP_ARCH_S390",     "SCMP_ARCH_S390X",       "SCMP_ARCH_SH",          "SCMP_ARCH_SHEB",
    "SCMP_ARCH_X32",      "SCMP_ARCH_X86",         "SCMP_ARCH_X86_64",
};

/* Syscalls the init itself makes between seccomp_install and handing the
 * listener fd to the runtime: a SCMP_ACT_NOTIFY rule on them would block the
 * init forever, as nobody holds the fd yet. runc refuses "write" for the same
 * reason; our sync channel sends the fd with sendmsg. */
static const char *const notify_forbidden[] = {"sendmsg", "write"};

/* "SCMP_ARCH_X86_64" -> libseccomp token, 0 when unknown. */
static uint32_t arch_token(const char *name)
{
	char lower[32];
	size_t i;

	if (!name || strncmp(name, "SCMP_ARCH_", 10) != 0)
		return 0;
	name += 10;
	for (i = 0; name[i] && i + 1 < sizeof(lower); i++)
		lower[i] = (name[i] >= 'A' && name[i] <= 'Z') ? (char)(name[i] - 'A' + 'a') : name[i];
	if (name[i] || i == 0)
		return 0;
	lower[i] = '\0';
	/* Only the spec's upper-case spelling. */
	for (i = 0; name[i]; i++)
		if (name[i] >= 'a' && name[i] <= 'z')
			return 0;
	return seccomp_arch_resolve_name(lower);
}

/* field: the JSON path of the action ("linux.seccomp.syscalls[3].action");
 * ret_field likewise for errnoRet. */
static int parse_action(const char *name, bool has_ret, uint32_t ret, const char *field,
			const char *ret_field, uint32_t *out, ocirun_error_t *err)
{
	const struct action_name *a = TABLE_FIND(actions, name);

	if (!name)
		return oerr_msg(err, EINVAL, "%s: required", field);
	if (!a)
		return oerr_msg(err, EINVAL, "%s: unknown action \"%s\"", field, name);
	/* The return data is 16 bits in the filter (SECCOMP_RET_DATA). */
	if (a->data != ACT_NO_DATA && has_ret && ret > 0xffff)
		return oerr_msg(err, ERANGE, "%s: %u is out of range (0-65535)", ret_field, ret);
	/* Absent errnoRet means EPERM, for SCMP_ACT_TRACE too, as in runc. */
	if (!has_ret)
		ret = EPERM;
	switch (a->data) {
	case ACT_ERRNO_DATA:
		*out = SCMP_ACT_ERRNO(ret);
		break;
	case ACT_TRACE_DATA:
		*out = SCMP_ACT_TRACE(ret);
		break;
	case ACT_NO_DATA:
		*out = a->action;
		break;
	}
	return 0;
}

static int check_archs(char *const *archs, ocirun_error_t *err)
{
	for (size_t i = 0; archs && archs[i]; i++)
		if (arch_token(archs[i]) == 0)
			return oerr_msg(err, EINVAL,
					"linux.seccomp.architectures[%zu]: unknown architecture \"%s\"", i,
					archs[i]);
	return 0;
}

static int add_archs(scmp_filter_ctx ctx, char *const *archs, ocirun_error_t *err)
{
	for (size_t i = 0; archs && archs[i]; i++) {
		/* seccomp_init already added the native arch. */
		int r = seccomp_arch_add(ctx, arch_token(archs[i]));

		if (r < 0 && r != -EEXIST)
			return oerr(err, -r, "linux.seccomp.architectures[%zu]: add \"%s\"", i, archs[i]);
	}
	return 0;
}

static int check_flags(char *const *names, ocirun_error_t *err)
{
	for (size_t i = 0; names && names[i]; i++)
		if (!TABLE_FIND(flags, names[i]))
			return oerr_msg(err, EINVAL, "linux.seccomp.flags[%zu]: unknown flag \"%s\"", i,
					names[i]);
	return 0;
}

/* The bits to probe a flag with: the kernel refuses WAIT_KILLABLE_RECV
 * without NEW_LISTENER. */
static unsigned int probe_bits(unsigned int flag)
{
	if (flag == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
		return flag | SECCOMP_FILTER_FLAG_NEW_LISTENER;
	return flag;
}

/* linux.seccomp.flags, checked against the kernel, plus NEW_LISTENER when a
 * rule notifies. */
static int kernel_flags(char *const *names, bool notify, unsigned int *ret, ocirun_error_t *err)
{
	unsigned int fl = notify ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0;

	for (size_t i = 0; names && names[i]; i++) {
		const struct flag_name *f = TABLE_FIND(flags, names[i]);

		if (!seccomp_bpf_flags_supported(probe_bits(f->flag)))
			return oerr_msg(err, EOPNOTSUPP,
					"linux.seccomp.flags[%zu]: %s is not supported by this kernel", i,
					names[i]);
		if (f->flag == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV && !notify) {
			log_debug("linux.seccomp.flags[%zu]: %s ignored: no SCMP_ACT_NOTIFY rule", i,
				  names[i]);
			continue;
		}
		fl |= f->flag;
	}
	/* The kernel takes TSYNC with a listener only when a thread that cannot
	 * be synchronized is reported as ESRCH (the return value is the fd). */
	if ((fl & SECCOMP_FILTER_FLAG_TSYNC) && notify) {
		fl |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
		if (!seccomp_bpf_flags_supported(fl))
			return oerr_msg(err, EOPNOTSUPP,
					"linux.seccomp.flags: SECCOMP_FILTER_FLAG_TSYNC with SCMP_ACT_NOTIFY "
					"is not supported by this kernel (Linux >= 5.7)");
	}
	*ret = fl;
	return 0;
}

static int parse_args(const struct oci_seccomp_syscall *sc, size_t idx, struct scmp_arg_cmp *cmp,
		      bool *ret_same_index, ocirun_error_t *err)
{
	unsigned int seen[SYSCALL_MAX_ARGS] = {0};

	*ret_same_index = false;
	for (size_t j = 0; j < sc->n_args; j++) {
		const struct oci_seccomp_arg *a = &sc->args[j];
		const struct operator_name *o = TABLE_FIND(operators, a->op);

		if (!a->op)
			return oerr_msg(err, EINVAL, "linux.seccomp.syscalls[%zu].args[%zu].op: required",
					idx, j);
		if (!o)
			return oerr_msg(err, EINVAL,
					"linux.seccomp.syscalls[%zu].args[%zu].op: unknown operator \"%s\"",
					idx, j, a->op);
		if (a->index >= SYSCALL_MAX_ARGS)
			return oerr_msg(
			    err, EINVAL,
			    "linux.seccomp.syscalls[%zu].args[%zu].index: %u is out of range (0-%d)", idx, j,
			    a->index, SYSCALL_MAX_ARGS - 1);
		if (seen[a->index]++)
			*ret_same_index = true;
		/* For SCMP_CMP_MASKED_EQ, datum_a is the mask and datum_b the value:
		 * the spec's value / valueTwo map onto them in that order. */
		cmp[j] = (struct scmp_arg_cmp){
		    .arg = a->index, .op = o->op, .datum_a = a->value, .datum_b = a->value_two};
	}
	return 0;
}

/* Several args on one rule, as runc does it (libcontainer/seccomp):
 *  - every arg has a distinct index: one rule, all comparisons ANDed;
 *  - some index appears twice or more: one rule PER ARG, i.e. every
 *    comparison ORed, including those on other indexes (a single rule cannot
 *    test one argument twice in libseccomp, and runc falls back to this).
 * Example: [a0 == 1, a0 == 2] matches a0 == 1 || a0 == 2. */
static int add_rules(scmp_filter_ctx ctx, uint32_t act, int nr, const struct scmp_arg_cmp *cmp, size_t n,
		     bool same_index)
{
	int r;

	if (n == 0 || !same_index)
		return seccomp_rule_add_array(ctx, act, nr, (unsigned int)n, n ? cmp : NULL);
	for (size_t j = 0; j < n; j++) {
		r = seccomp_rule_add_array(ctx, act, nr, 1, &cmp[j]);
		if (r < 0)
			return r;
	}
	return 0;
}

/* One syscalls[] entry, checked and converted; no libseccomp state yet. */
struct parsed_rule {
	uint32_t act;
	bool same_index;
	struct scmp_arg_cmp *cmp; /* n_args entries */
};

static int parse_syscall(const struct oci_seccomp_syscall *sc, size_t idx, struct parsed_rule *pr,
			 ocirun_error_t *err)
{
	char field[64], ret_field[64];

	snprintf(field, sizeof(field), "linux.seccomp.syscalls[%zu].action", idx);
	snprintf(ret_field, sizeof(ret_field), "linux.seccomp.syscalls[%zu].errnoRet", idx);
	if (parse_action(sc->action, sc->has_errno_ret, sc->errno_ret, field, ret_field, &pr->act, err) < 0)
		return oerr_ret(err);
	if (!sc->names || !sc->names[0])
		return oerr_msg(err, EINVAL, "linux.seccomp.syscalls[%zu].names: required", idx);
	pr->cmp = xmalloc((sc->n_args ? sc->n_args : 1) * sizeof(*pr->cmp));
	if (parse_args(sc, idx, pr->cmp, &pr->same_index, err) < 0)
		return oerr_ret(err);
	if (pr->act != SCMP_ACT_NOTIFY)
		return 0;
	for (size_t k = 0; sc->names[k]; k++)
		for (size_t f = 0; f < ARRAY_SIZE(notify_forbidden); f++)
			if (strcmp(sc->names[k], notify_forbidden[f]) == 0)
				return oerr_msg(
				    err, EINVAL,
				    "linux.seccomp.syscalls[%zu].names[%zu]: SCMP_ACT_NOTIFY cannot be used "
				    "for the %s syscall",
				    idx, k, sc->names[k]);
	return 0;
}

static void free_rules(struct parsed_rule *rules, size_t n)
{
	for (size_t i = 0; rules && i < n; i++)
		free(rules[i].cmp);
	free(rules);
}

static int add_syscall(struct build *p, const struct oci_seccomp_syscall *sc, size_t idx,
		       const struct parsed_rule *pr, uint32_t def_act, ocirun_error_t *err)
{
	/* libseccomp refuses a rule whose action (with its data) is the default. */
	if (pr->act == def_act) {
		log_debug("linux.seccomp.syscalls[%zu]: action %s is the default action, skipped", idx,
			  sc->action);
		return 0;
	}
	if (pr->act == SCMP_ACT_NOTIFY && seccomp_api_get() < 6)
		return oerr_msg(
		    err, EOPNOTSUPP,
		    "linux.seccomp.syscalls[%zu].action: SCMP_ACT_NOTIFY needs libseccomp API level 6 "
		    "(libseccomp >= 2.5.0 and Linux >= 5.7), have %u",
		    idx, seccomp_api_get());
	for (size_t k = 0; sc->names[k]; k++) {
		int nr = seccomp_syscall_resolve_name(sc->names[k]);
		int r;

		/* Profiles list syscalls of newer kernels or other arches. */
		if (nr == __NR_SCMP_ERROR) {
			log_debug("linux.seccomp.syscalls[%zu]: unknown syscall \"%s\" ignored", idx,
				  sc->names[k]);
			continue;
		}
		r = add_rules(p->ctx, pr->act, nr, pr->cmp, sc->n_args, pr->same_index);
		if (r < 0)
			return oerr(err, -r, "linux.seccomp.syscalls[%zu]: add rule for syscall \"%s\"", idx,
				    sc->names[k]);
		if (pr->act == SCMP_ACT_NOTIFY)
			p->notify = true;
	}
	return 0;
}

/* Attributes of the exported program. libseccomp never loads it, so its load
 * attributes (no_new_privs, the flags) do not matter: the init sets
 * no_new_privs itself when process.noNewPrivileges asks for it, otherwise
 * loading needs CAP_SYS_ADMIN, which the init still has. */
static void setup_attrs(scmp_filter_ctx ctx, size_t n_syscalls)
{
	/* A binary tree instead of a linear list for long profiles. libseccomp
	 * <= 2.5.4 misbehaves with it when there are no rules; runc uses the same
	 * threshold. */
	if (n_syscalls > 32) {
		int r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
		if (r < 0)
			log_debug("seccomp: binary tree optimization unavailable: %s", strerror(-r));
	}
}

/* Pass 1: the whole profile is checked without libseccomp state, so a bad
 * profile gets the same message whatever the kernel supports. */
static int parse_profile(const struct oci_seccomp *s, uint32_t *ret_def_act, struct parsed_rule **ret_rules,
			 ocirun_error_t *err)
{
	struct parsed_rule *rules;

	if (parse_action(s->default_action, s->has_default_errno_ret, s->default_errno_ret,
			 "linux.seccomp.defaultAction", "linux.seccomp.defaultErrnoRet", ret_def_act,
			 err) < 0)
		return oerr_ret(err);
	/* Everything the init does after loading, including handing over the
	 * listener fd, would wait for an agent that does not have it yet. */
	if (*ret_def_act == SCMP_ACT_NOTIFY)
		return oerr_msg(err, EINVAL,
				"linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action");
	if (check_archs(s->architectures, err) < 0 || check_flags(s->flags, err) < 0)
		return oerr_ret(err);
	rules = xzalloc((s->n_syscalls ? s->n_syscalls : 1) * sizeof(*rules));
	for (size_t i = 0; i < s->n_syscalls; i++)
		if (parse_syscall(&s->syscalls[i], i, &rules[i], err) < 0) {
			free_rules(rules, s->n_syscalls);
			return oerr_ret(err);
		}
	*ret_rules = rules;
	return 0;
}

/* No stub when the default action lets a syscall the profile does not know
 * run, or gives ENOSYS already. SCMP_ACT_TRACE counts as letting it run, as in
 * runc: a tracer is expected to handle new syscalls itself, and ENOSYS would
 * get in the way of its emulation. */
static bool default_needs_stub(uint32_t def_act)
{
	if (def_act == SCMP_ACT_ALLOW || def_act == SCMP_ACT_LOG || def_act == SCMP_ACT_ERRNO(ENOSYS))
		return false;
	return (def_act & SECCOMP_RET_ACTION_FULL) != SCMP_ACT_TRACE(0);
}

/* The largest number of a syscall the profile names (whatever the rule's
 * action) on arch; 0 when it names none there. Names unknown on arch, and
 * libseccomp's negative pseudo-numbers (socketcall multiplexing), count not. */
static uint32_t max_named_nr(const struct oci_seccomp *s, uint32_t arch)
{
	int max = 0;

	for (size_t i = 0; i < s->n_syscalls; i++)
		for (size_t k = 0; s->syscalls[i].names[k]; k++) {
			int nr = seccomp_syscall_resolve_name_arch(arch, s->syscalls[i].names[k]);

			if (nr > max)
				max = nr;
		}
	return (uint32_t)max;
}

/* The stub covers every arch of the filter: linux.seccomp.architectures and the
 * native one, which libseccomp always includes (profiles that leave it out
 * exist). x32 is the x86_64 audit arch with bit 30 in the numbers, which
 * libseccomp's x32 numbers have. */
static void add_enosys_stub(const struct oci_seccomp *s, seccomp_prog_t *p)
{
	size_t n_archs = strv_len(s->architectures), n = 0;
	_cleanup_free_ struct enosys_abi *abis = xzalloc((n_archs + 1) * sizeof(*abis));

	for (size_t i = 0; i <= n_archs; i++) {
		uint32_t arch = i < n_archs ? arch_token(s->architectures[i]) : seccomp_arch_native();
		struct enosys_abi a = {
		    .audit_arch = arch == SCMP_ARCH_X32 ? SCMP_ARCH_X86_64 : arch,
		    .max_nr = max_named_nr(s, arch),
		    .x32 = arch == SCMP_ARCH_X32,
		    .nr0_is_unknown = arch == SCMP_ARCH_S390 || arch == SCMP_ARCH_S390X,
		};
		bool dup = false;

		for (size_t j = 0; j < n && !dup; j++)
			dup = abis[j].audit_arch == a.audit_arch && abis[j].x32 == a.x32;
		if (dup)
			continue;
		if (a.max_nr == 0) {
			log_debug("seccomp: no syscall of arch %#x named: no -ENOSYS stub for it", arch);
			continue;
		}
		log_debug("seccomp: arch %#x%s: syscalls above %u get ENOSYS", a.audit_arch,
			  a.x32 ? " (x32)" : "", a.max_nr);
		abis[n++] = a;
	}
	seccomp_bpf_prepend_enosys(p, abis, n);
}

/* libseccomp's program, read back through a memfd (libseccomp < 2.6 exports
 * to an fd only). */
static int export_program(scmp_filter_ctx ctx, seccomp_prog_t *p, ocirun_error_t *err)
{
	_cleanup_close_ int fd = memfd_create("ocirun-seccomp", MFD_CLOEXEC);
	char *buf;
	size_t len;
	int r;

	if (fd < 0)
		return oerr(err, errno, "seccomp: memfd_create");
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return oerr(err, -r, "seccomp: export the filter");
	if (lseek(fd, 0, SEEK_SET) < 0)
		return oerr(err, errno, "seccomp: rewind the exported filter");
	if (read_fd_all(fd, &buf, &len, err) < 0)
		return oerr_prefix(err, "seccomp: exported filter");
	if (len == 0 || len % sizeof(struct sock_filter) != 0) {
		free(buf);
		return oerr_msg(err, EINVAL,
				"seccomp: the exported filter has %zu bytes, not whole instructions", len);
	}
	p->insns = (struct sock_filter *)buf; /* malloc'd: aligned for any type */
	p->len = len / sizeof(struct sock_filter);
	return 0;
}

int seccomp_compile(const struct oci_seccomp *s, seccomp_prog_t **ret, ocirun_error_t *err)
{
	struct parsed_rule *rules = NULL;
	struct build b = {0};
	seccomp_prog_t *p;
	uint32_t def_act;
	int r;

	if (parse_profile(s, &def_act, &rules, err) < 0)
		return oerr_ret(err);
	/* Pass 2: build the filter. */
	b.ctx = seccomp_init(def_act);
	if (!b.ctx) {
		free_rules(rules, s->n_syscalls);
		return oerr_msg(err, EOPNOTSUPP,
				"linux.seccomp.defaultAction: %s is not supported by this kernel",
				s->default_action);
	}
	setup_attrs(b.ctx, s->n_syscalls);
	r = add_archs(b.ctx, s->architectures, err);
	for (size_t i = 0; r >= 0 && i < s->n_syscalls; i++)
		r = add_syscall(&b, &s->syscalls[i], i, &rules[i], def_act, err);
	free_rules(rules, s->n_syscalls);
	p = xzalloc(sizeof(*p));
	if (r >= 0)
		r = kernel_flags(s->flags, b.notify, &p->flags, err);
	if (r >= 0)
		r = export_program(b.ctx, p, err);
	seccomp_release(b.ctx);
	if (r >= 0 && default_needs_stub(def_act))
		add_enosys_stub(s, p);
	if (r >= 0 && p->len > BPF_MAXINSNS)
		r = oerr_msg(err, E2BIG,
			     "linux.seccomp: the filter has %zu instructions, the kernel loads at most %d",
			     p->len, BPF_MAXINSNS);
	if (r < 0) {
		seccomp_prog_free(p);
		return r;
	}
	log_debug("seccomp: %zu instructions, seccomp(2) flags %#x", p->len, p->flags);
	*ret = p;
	return 0;
}

/* ---- name lists for `features` ---- */

const char *const *seccomp_known_actions(void)
{
	static const char *names[ARRAY_SIZE(actions) + 1];

	for (size_t i = 0; i < ARRAY_SIZE(actions); i++)
		names[i] = actions[i].name;
	return names;
}

const char *const *seccomp_known_operators(void)
{
	static const char *names[ARRAY_SIZE(operators) + 1];

	for (size_t i = 0; i < ARRAY_SIZE(operators); i++)
		names[i] = operators[i].name;
	return names;
}

const char *const *seccomp_known_archs(void)
{
	static const char *names[ARRAY_SIZE(arch_candidates) + 1];
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(arch_candidates); i++)
		if (arch_token(arch_candidates[i]) != 0)
			names[n++] = arch_candidates[i];
	names[n] = NULL;
	return names;
}

const char *const *seccomp_known_flags(void)
{
	static const char *names[ARRAY_SIZE(flags) + 1];

	for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
		names[i] = flags[i].name;
	return names;
}

const char *const *seccomp_supported_flags(void)
{
	static const char *names[ARRAY_SIZE(flags) + 1];
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
		if (seccomp_bpf_flags_supported(probe_bits(flags[i].flag)))
			names[n++] = flags[i].name;
	names[n] = NULL;
	return names;
}
