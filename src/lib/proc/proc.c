#include "proc/proc.h"

#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/util.h"

/* ---- personality ---- */

static int personality_domain(const char *d)
{
	if (!strcmp(d, "LINUX"))
		return PER_LINUX;
	if (!strcmp(d, "LINUX32"))
		return PER_LINUX32;
	return -1;
}

/* ---- scheduler (sched_setattr: glibc has no wrapper) ---- */

struct sched_attr_k {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime;
	uint64_t sched_deadline;
	uint64_t sched_period;
};

static const struct {
	const char *name;
	int value;
} sched_policies[] = {
    {"SCHED_OTHER", 0}, {"SCHED_FIFO", 1}, {"SCHED_RR", 2},       {"SCHED_BATCH", 3},
    {"SCHED_ISO", 4},   {"SCHED_IDLE", 5}, {"SCHED_DEADLINE", 6},
};

static const struct {
	const char *name;
	uint64_t value;
} sched_flags[] = {
    {"SCHED_FLAG_RESET_ON_FORK", 0x01},  {"SCHED_FLAG_RECLAIM", 0x02},
    {"SCHED_FLAG_DL_OVERRUN", 0x04},     {"SCHED_FLAG_KEEP_POLICY", 0x08},
    {"SCHED_FLAG_KEEP_PARAMS", 0x10},    {"SCHED_FLAG_UTIL_CLAMP_MIN", 0x20},
    {"SCHED_FLAG_UTIL_CLAMP_MAX", 0x40},
};

static int sched_policy(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(sched_policies); i++)
		if (!strcmp(sched_policies[i].name, name))
			return sched_policies[i].value;
	return -1;
}

static int sched_build(const struct oci_scheduler *s, struct sched_attr_k *a, ocirun_error_t *err)
{
	int pol = sched_policy(s->policy ? s->policy : "");

	if (pol < 0)
		return oerr_msg(err, EINVAL, "process.scheduler.policy: unknown policy \"%s\"",
				s->policy ? s->policy : "");
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->sched_policy = (uint32_t)pol;
	a->sched_nice = s->has_nice ? s->nice : 0;
	a->sched_priority = s->has_priority ? (uint32_t)s->priority : 0;
	a->sched_runtime = s->runtime;
	a->sched_deadline = s->deadline;
	a->sched_period = s->period;
	if (s->has_nice && (s->nice < -20 || s->nice > 19))
		return oerr_msg(err, EINVAL, "process.scheduler.nice: %d is outside -20..19", s->nice);
	for (size_t i = 0; s->flags && s->flags[i]; i++) {
		size_t j;
		for (j = 0; j < ARRAY_SIZE(sched_flags); j++)
			if (!strcmp(sched_flags[j].name, s->flags[i]))
				break;
		if (j == ARRAY_SIZE(sched_flags))
			return oerr_msg(err, EINVAL, "process.scheduler.flags[%zu]: unknown flag \"%s\"", i,
					s->flags[i]);
		a->sched_flags |= sched_flags[j].value;
	}
	return 0;
}

/* ---- ioPriority ---- */

static int ioprio_class(const char *c)
{
	if (!strcmp(c, "IOPRIO_CLASS_RT"))
		return 1;
	if (!strcmp(c, "IOPRIO_CLASS_BE"))
		return 2;
	if (!strcmp(c, "IOPRIO_CLASS_IDLE"))
		return 3;
	return -1;
}

/* ---- CPU lists "0-3,7" ---- */

/* noun names an item in the messages: "CPU", or "memory policy node" (runc's words). */
static int parse_cpus(const char *s, cpu_set_t *set, const char *field, const char *noun, ocirun_error_t *err)
{
	const char *p = s;

	CPU_ZERO(set);
	while (*p) {
		char *end;
		unsigned long a = strtoul(p, &end, 10), b;
		if (end == p)
			goto bad;
		b = a;
		if (*end == '-') {
			p = end + 1;
			b = strtoul(p, &end, 10);
			if (end == p || b < a)
				goto bad;
		}
		if (b >= CPU_SETSIZE)
			return oerr_msg(err, EINVAL, "%s: invalid %s %lu: out of range (0-%d)", field, noun,
					b, CPU_SETSIZE - 1);
		for (unsigned long c = a; c <= b; c++)
			CPU_SET(c, set);
		if (*end == ',')
			end++;
		else if (*end)
			goto bad;
		p = end;
	}
	return 0;
bad:
	return oerr_msg(err, EINVAL, "%s: invalid %s list \"%s\"", field, noun, s);
}

/* ---- memory policy ---- */

static const struct {
	const char *name;
	int value;
} mpol_modes[] = {
    {"MPOL_DEFAULT", 0},
    {"MPOL_PREFERRED", 1},
    {"MPOL_BIND", 2},
    {"MPOL_INTERLEAVE", 3},
    {"MPOL_LOCAL", 4},
    {"MPOL_PREFERRED_MANY", 5},
    {"MPOL_WEIGHTED_INTERLEAVE", 6},
};

static const struct {
	const char *name;
	unsigned value;
} mpol_flags[] = {
    {"MPOL_F_STATIC_NODES", 1u << 15},
    {"MPOL_F_RELATIVE_NODES", 1u << 14},
    {"MPOL_F_NUMA_BALANCING", 1u << 13},
};

/* runc's up-front checks, in its words ("invalid memory policy ..."), which podman and the
 * tests match: a known mode and flags, a node list that parses, and as many nodes as the
 * mode takes (none for default and local, at least one for bind and the interleaves). */
static int mpol_build(const struct oci_memory_policy *m, int *mode, cpu_set_t *nodes, ocirun_error_t *err)
{
	int count;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(mpol_modes); i++)
		if (m->mode && !strcmp(m->mode, mpol_modes[i].name))
			break;
	if (i == ARRAY_SIZE(mpol_modes))
		return oerr_msg(err, EINVAL, "linux.memoryPolicy.mode: invalid memory policy mode \"%s\"",
				m->mode ? m->mode : "");
	*mode = mpol_modes[i].value;
	for (size_t f = 0; m->flags && m->flags[f]; f++) {
		size_t j;
		for (j = 0; j < ARRAY_SIZE(mpol_flags); j++)
			if (!strcmp(m->flags[f], mpol_flags[j].name))
				break;
		if (j == ARRAY_SIZE(mpol_flags))
			return oerr_msg(err, EINVAL,
					"linux.memoryPolicy.flags[%zu]: invalid memory policy flag \"%s\"", f,
					m->flags[f]);
		*mode |= (int)mpol_flags[j].value;
	}
	CPU_ZERO(nodes);
	if (m->nodes && *m->nodes &&
	    parse_cpus(m->nodes, nodes, "linux.memoryPolicy.nodes", "memory policy node", err) < 0)
		return oerr_ret(err);
	count = CPU_COUNT(nodes);
	if ((mpol_modes[i].value == 0 || mpol_modes[i].value == 4) && count)
		return oerr_msg(err, EINVAL,
				"linux.memoryPolicy.nodes: memory policy mode requires 0 nodes but got %d",
				count);
	if (mpol_modes[i].value >= 2 && mpol_modes[i].value != 4 && !count)
		return oerr_msg(
		    err, EINVAL,
		    "linux.memoryPolicy.nodes: memory policy mode requires at least one node but got 0");
	return 0;
}

int proc_attrs_validate(const struct oci_process *p, const struct oci_linux *l, ocirun_error_t *err)
{
	struct sched_attr_k a;
	cpu_set_t set;

	if (l && l->personality &&
	    personality_domain(l->personality->domain ? l->personality->domain : "") < 0)
		return oerr_msg(err, EINVAL,
				"linux.personality.domain: unknown domain \"%s\" (LINUX or LINUX32)",
				l->personality->domain ? l->personality->domain : "");
	if (l && l->personality && l->personality->flags && l->personality->flags[0])
		return oerr_msg(err, EINVAL, "linux.personality.flags: no flag is supported");
	if (p->scheduler && sched_build(p->scheduler, &a, err) < 0)
		return oerr_ret(err);
	if (p->io_priority) {
		if (ioprio_class(p->io_priority->class ? p->io_priority->class : "") < 0)
			return oerr_msg(err, EINVAL, "process.ioPriority.class: unknown class \"%s\"",
					p->io_priority->class ? p->io_priority->class : "");
		if (p->io_priority->priority < 0 || p->io_priority->priority > 7)
			return oerr_msg(err, EINVAL, "process.ioPriority.priority: %d is outside 0..7",
					p->io_priority->priority);
	}
	if (p->exec_cpu_affinity) {
		if (p->exec_cpu_affinity->initial &&
		    parse_cpus(p->exec_cpu_affinity->initial, &set, "process.execCPUAffinity.initial", "CPU",
			       err) < 0)
			return oerr_ret(err);
		if (p->exec_cpu_affinity->final &&
		    parse_cpus(p->exec_cpu_affinity->final, &set, "process.execCPUAffinity.final", "CPU",
			       err) < 0)
			return oerr_ret(err);
	}
	if (l && l->memory_policy) {
		int mode;
		if (mpol_build(l->memory_policy, &mode, &set, err) < 0)
			return oerr_ret(err);
	}
	return 0;
}

int proc_attrs_apply(const struct oci_process *p, const struct oci_linux *l, ocirun_error_t *err)
{
	struct sched_attr_k a;
	cpu_set_t set;

	if (l && l->personality && personality((unsigned long)personality_domain(l->personality->domain)) < 0)
		return oerr(err, errno, "linux.personality: personality(%s)", l->personality->domain);
	if (l && l->memory_policy) {
		int mode;
		bool any;
		if (mpol_build(l->memory_policy, &mode, &set, err) < 0)
			return oerr_ret(err);
		/* a cpu_set_t is a bitmap of unsigned longs, the layout of a nodemask */
		any = CPU_COUNT(&set) > 0;
		if (syscall(SYS_set_mempolicy, mode, any ? (unsigned long *)&set : NULL,
			    any ? (unsigned long)CPU_SETSIZE : 0UL) < 0)
			return oerr(err, errno, "linux.memoryPolicy: set_mempolicy");
	}
	if (p->scheduler) {
		if (sched_build(p->scheduler, &a, err) < 0)
			return oerr_ret(err);
		if (syscall(SYS_sched_setattr, 0, &a, 0) < 0) {
			const struct oci_resources *r = l ? l->resources : NULL;
			const char *cpus = r && r->cpu ? r->cpu->cpus : NULL;
			/* EPERM for a deadline policy when the affinity is not every CPU: runc's words */
			if (errno == EPERM && cpus && *cpus)
				return oerr(
				    err, errno,
				    "process.scheduler: process scheduler can't be used together with "
				    "AllowedCPUs (linux.resources.cpu.cpus \"%s\"): sched_setattr(%s)",
				    cpus, p->scheduler->policy);
			return oerr(err, errno, "process.scheduler: sched_setattr(%s)", p->scheduler->policy);
		}
	}
	if (p->io_priority) {
		int prio = (ioprio_class(p->io_priority->class) << 13) | p->io_priority->priority;
		/* IOPRIO_WHO_PROCESS = 1 */
		if (syscall(SYS_ioprio_set, 1, 0, prio) < 0)
			return oerr(err, errno, "process.ioPriority: ioprio_set");
	}
	if (p->exec_cpu_affinity && p->exec_cpu_affinity->initial) {
		if (parse_cpus(p->exec_cpu_affinity->initial, &set, "process.execCPUAffinity.initial", "CPU",
			       err) < 0)
			return oerr_ret(err);
		if (sched_setaffinity(0, sizeof(set), &set) < 0)
			return oerr(err, errno, "process.execCPUAffinity.initial: sched_setaffinity");
		return 0;
	}
	/* Not the runtime's affinity (`taskset -c 0 ocirun run`, a systemd CPUAffinity=): every CPU,
	 * which the kernel narrows to the container's cpuset, as runc resets it. */
	memset(&set, 0xff, sizeof(set));
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		return oerr(err, errno, "reset the CPU affinity: sched_setaffinity");
	return 0;
}

int proc_attrs_apply_final(const struct oci_process *p, ocirun_error_t *err)
{
	cpu_set_t set;

	if (!p->exec_cpu_affinity || !p->exec_cpu_affinity->final)
		return 0;
	if (parse_cpus(p->exec_cpu_affinity->final, &set, "process.execCPUAffinity.final", "CPU", err) < 0)
		return oerr_ret(err);
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		return oerr(err, errno, "process.execCPUAffinity.final: sched_setaffinity");
	return 0;
}
