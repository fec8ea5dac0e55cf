/* sec/seccomp: linux.seccomp compiled into a libseccomp filter context. The
 * only file that uses libseccomp. seccomp_compile runs in the runtime before
 * clone and only builds memory (name lookups may probe the kernel's seccomp
 * support, which changes nothing); the forked init inherits the context and
 * calls seccomp_install just before execve. */
#include "sec/sec.h"

#include <errno.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/log.h"
#include "base/util.h"

#define SYSCALL_MAX_ARGS 6

struct seccomp_prog {
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

#if SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 6)
#define HAVE_WAITKILL 1
#endif

struct flag_name {
	const char *name;
	int attr; /* enum scmp_filter_attr, -1 when this libseccomp has none */
};

static const struct flag_name flags[] = {
    {"SECCOMP_FILTER_FLAG_LOG", SCMP_FLTATR_CTL_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SCMP_FLTATR_CTL_SSB},
    {"SECCOMP_FILTER_FLAG_TSYNC", SCMP_FLTATR_CTL_TSYNC},
#ifdef HAVE_WAITKILL
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SCMP_FLTATR_CTL_WAITKILL},
#else
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", -1},
#endif
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
	for (size_t i = 0; names && names[i]; i++) {
		const struct flag_name *f = TABLE_FIND(flags, names[i]);

		if (!f)
			return oerr_msg(err, EINVAL, "linux.seccomp.flags[%zu]: unknown flag \"%s\"", i,
					names[i]);
		if (f->attr < 0)
			return oerr_msg(
			    err, EOPNOTSUPP,
			    "linux.seccomp.flags[%zu]: %s is not supported by libseccomp %u.%u.%u", i,
			    names[i], seccomp_version()->major, seccomp_version()->minor,
			    seccomp_version()->micro);
	}
	return 0;
}

static int set_flags(scmp_filter_ctx ctx, char *const *names, ocirun_error_t *err)
{
	for (size_t i = 0; names && names[i]; i++) {
		const struct flag_name *f = TABLE_FIND(flags, names[i]);
		/* libseccomp checks that the kernel supports the flag. */
		int r = seccomp_attr_set(ctx, (enum scmp_filter_attr)f->attr, 1);

		if (r < 0)
			return oerr(err, -r, "linux.seccomp.flags[%zu]: set %s", i, names[i]);
	}
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

static int add_syscall(seccomp_prog_t *p, const struct oci_seccomp_syscall *sc, size_t idx,
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

/* Attributes set on every filter. */
static int setup_attrs(scmp_filter_ctx ctx, size_t n_syscalls, ocirun_error_t *err)
{
	int r;

	/* The init sets no_new_privs itself when process.noNewPrivileges asks for
	 * it; otherwise loading needs CAP_SYS_ADMIN, which the init still has. */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (r < 0)
		return oerr(err, -r, "seccomp: clear the no_new_privs attribute");
	/* Without it libseccomp maps every kernel error of seccomp_load to ECANCELED. */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
	if (r < 0)
		log_debug("seccomp: SCMP_FLTATR_API_SYSRAWRC unavailable: %s", strerror(-r));
	/* A binary tree instead of a linear list for long profiles. libseccomp
	 * <= 2.5.4 misbehaves with it when there are no rules; runc uses the same
	 * threshold. */
	if (n_syscalls > 32) {
		r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
		if (r < 0)
			log_debug("seccomp: binary tree optimization unavailable: %s", strerror(-r));
	}
	return 0;
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

int seccomp_compile(const struct oci_seccomp *s, seccomp_prog_t **ret, ocirun_error_t *err)
{
	struct parsed_rule *rules = NULL;
	seccomp_prog_t *p;
	uint32_t def_act;
	int r;

	if (parse_profile(s, &def_act, &rules, err) < 0)
		return oerr_ret(err);
	/* Pass 2: build the filter. */
	p = xzalloc(sizeof(*p));
	p->ctx = seccomp_init(def_act);
	if (!p->ctx) {
		free(p);
		free_rules(rules, s->n_syscalls);
		return oerr_msg(err, EOPNOTSUPP,
				"linux.seccomp.defaultAction: %s is not supported by this kernel",
				s->default_action);
	}
	r = setup_attrs(p->ctx, s->n_syscalls, err);
	if (r >= 0)
		r = add_archs(p->ctx, s->architectures, err);
	if (r >= 0)
		r = set_flags(p->ctx, s->flags, err);
	for (size_t i = 0; r >= 0 && i < s->n_syscalls; i++)
		r = add_syscall(p, &s->syscalls[i], i, &rules[i], def_act, err);
	free_rules(rules, s->n_syscalls);
	if (r < 0) {
		seccomp_prog_free(p);
		return r;
	}
	*ret = p;
	return 0;
}

int seccomp_install(seccomp_prog_t *p, int *ret_notify_fd, ocirun_error_t *err)
{
	int r, fd = -1;

	r = seccomp_load(p->ctx);
	if (r < 0) {
		if (r == -EACCES)
			return oerr(err, -r, "load seccomp filter (needs CAP_SYS_ADMIN or no_new_privs)");
		return oerr(err, -r, "load seccomp filter");
	}
	if (p->notify) {
		fd = seccomp_notify_fd(p->ctx);
		if (fd < 0)
			return oerr(err, fd == -1 ? EBADF : -fd, "get the seccomp notify fd");
	}
	if (ret_notify_fd)
		*ret_notify_fd = fd;
	else if (fd >= 0)
		close(fd);
	return 0;
}

void seccomp_prog_free(seccomp_prog_t *p)
{
	if (!p)
		return;
	seccomp_release(p->ctx);
	free(p);
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
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
		if (flags[i].attr >= 0)
			names[n++] = flags[i].name;
	names[n] = NULL;
	return names;
}
