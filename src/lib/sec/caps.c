/* sec/caps: process.capabilities. The only file that uses libcap. Names are
 * resolved by libcap; sets are handled as 64-bit masks (the kernel ABI holds at
 * most 64 capabilities). */
#include "sec/sec.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "base/cleanup.h"
#include "base/log.h"
#include "base/util.h"

#define CAP_BIT(c) (UINT64_C(1) << (c))

static inline void cleanup_capp(cap_t *c)
{
	if (*c)
		cap_free(*c);
}
#define _cleanup_cap_ __attribute__((cleanup(cleanup_capp)))

static int last_cap_cached = -1;

int caps_last_cap(void)
{
	/* Cached: the runtime primes it before clone (caps_validate), so the init
	 * does not depend on whatever /proc is mounted after pivot_root. */
	if (last_cap_cached < 0) {
		FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
		int v = -1;

		if (f) {
			if (fscanf(f, "%d", &v) != 1)
				v = -1;
			fclose(f);
		}
		if (v < 0)
			v = (int)cap_max_bits() - 1; /* libcap probes PR_CAPBSET_READ */
		if (v > 63)
			v = 63;
		last_cap_cached = v;
	}
	return last_cap_cached;
}

int caps_from_name(const char *name)
{
	cap_value_t v;
	const char *p;

	/* The spec spells capabilities "CAP_CHOWN". libcap also accepts numbers and
	 * any case; runc does not, so neither do we. */
	if (!name || strncmp(name, "CAP_", 4) != 0 || name[4] == '\0')
		return -1;
	for (p = name + 4; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return -1;
	if (cap_from_name(name, &v) < 0 || v < 0)
		return -1;
	return v;
}

char *caps_to_name(int cap)
{
	char *lib, *ret, *p;

	if (cap < 0)
		return NULL;
	lib = cap_to_name((cap_value_t)cap);
	if (!lib)
		return NULL;
	/* libcap prints a number for capabilities it has no name for. */
	if (lib[0] >= '0' && lib[0] <= '9') {
		cap_free(lib);
		return NULL;
	}
	ret = xasprintf("%s", lib);
	cap_free(lib);
	for (p = ret; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	return ret;
}

/* "CAP_CHOWN" into buf, or the number when libcap has no name. */
static const char *cap_label(int cap, char *buf, size_t size)
{
	_cleanup_free_ char *name = caps_to_name(cap);

	if (name)
		snprintf(buf, size, "%s", name);
	else
		snprintf(buf, size, "%d", cap);
	return buf;
}

/* runtime-spec: a capability that cannot be granted is a warning, and the runtime should not
 * fail; runc ignores unknown names with a warning too. `warn`: the runtime's check, which says
 * it once (the init resolves the sets again, quietly). */
static void resolve_set(char *const *names, const char *set, uint64_t *ret)
{
	int last = caps_last_cap();
	uint64_t mask = 0;

	for (size_t i = 0; names && names[i]; i++) {
		int cap = caps_from_name(names[i]);

		if (cap < 0) {
			log_warn("process.capabilities.%s: ignoring unknown capability \"%s\"", set,
				 names[i]);
			continue;
		}
		/* Known to libcap but not to this kernel: runc ignores it too. */
		if (cap > last) {
			log_debug("process.capabilities.%s: %s is not supported by the running kernel "
				  "(cap_last_cap %d), ignoring it",
				  set, names[i], last);
			continue;
		}
		mask |= CAP_BIT(cap);
	}
	*ret = mask;
}

static void resolve_all(const struct oci_capabilities *c, struct caps_set *m)
{
	memset(m, 0, sizeof(*m));
	if (!c)
		return;
	resolve_set(c->bounding, "bounding", &m->bounding);
	resolve_set(c->effective, "effective", &m->effective);
	resolve_set(c->inheritable, "inheritable", &m->inheritable);
	resolve_set(c->permitted, "permitted", &m->permitted);
	resolve_set(c->ambient, "ambient", &m->ambient);
}

int caps_validate(const struct oci_capabilities *c, struct caps_set *ret, ocirun_error_t *err)
{
	struct caps_set m;
	uint64_t stray;
	char label[32];

	resolve_all(c, &m);
	/* The kernel raises an ambient cap only if it is permitted and inheritable: the others
	 * are skipped (apply_ambient), with runc's warning, said here once. */
	stray = m.ambient & ~(m.permitted & m.inheritable);
	for (int cap = 0; cap < 64; cap++)
		if (stray & CAP_BIT(cap))
			log_warn("can't raise ambient capability %s: it is not in both the permitted and the "
				 "inheritable set, ignoring it",
				 cap_label(cap, label, sizeof(label)));
	/* capset refuses an effective set that is not within the permitted one;
	 * say which capability before anything is created. */
	stray = m.effective & ~m.permitted;
	if (stray) {
		int cap = __builtin_ctzll(stray);

		return oerr_msg(err, EINVAL, "process.capabilities.effective: %s is not in the permitted set",
				cap_label(cap, label, sizeof(label)));
	}
	*ret = m;
	return 0;
}

int caps_prepare(const struct caps_set *m, ocirun_error_t *err)
{
	int last = caps_last_cap();
	char label[32];

	/* PR_CAPBSET_DROP needs CAP_SETPCAP in the effective set, which setresuid to
	 * a non-root uid clears: hence this runs before the uid change. Only drop
	 * what is still there, so a runtime that already runs with a small bounding
	 * set and no CAP_SETPCAP still works. */
	for (int cap = 0; cap <= last; cap++) {
		if (m->bounding & CAP_BIT(cap))
			continue;
		if (cap_get_bound((cap_value_t)cap) != 1)
			continue;
		if (cap_drop_bound((cap_value_t)cap) < 0)
			return oerr(err, errno, "drop %s from the capability bounding set",
				    cap_label(cap, label, sizeof(label)));
	}
	/* Without KEEPCAPS, setresuid from uid 0 to non-zero uids clears the
	 * permitted set, and caps_apply could not hand any capability back. */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return oerr(err, errno, "prctl(PR_SET_KEEPCAPS, 1)");
	return 0;
}

static int fill_flag(cap_t caps, cap_flag_t flag, uint64_t mask, ocirun_error_t *err)
{
	cap_value_t list[64];
	int n = 0;

	for (int cap = 0; cap < 64; cap++)
		if (mask & CAP_BIT(cap))
			list[n++] = cap;
	if (n > 0 && cap_set_flag(caps, flag, n, list, CAP_SET) < 0)
		return oerr(err, errno, "build capability set");
	return 0;
}

/* The ambient set is reset, then raised cap by cap. The kernel keeps the
 * invariant ambient ⊆ permitted ∩ inheritable (it clears an ambient cap as soon
 * as it leaves either set), so raising those sets temporarily would not help:
 * an ambient cap missing from them is skipped with a warning, which is what
 * runc ends up doing (its EPERM from PR_CAP_AMBIENT_RAISE is lost). */
static int apply_ambient(const struct caps_set *m, ocirun_error_t *err)
{
	char label[32];

	if (cap_reset_ambient() < 0 && errno != EINVAL)
		return oerr(err, errno, "clear the ambient capability set");
	for (int cap = 0; cap < 64; cap++) {
		if (!(m->ambient & CAP_BIT(cap)))
			continue;
		cap_label(cap, label, sizeof(label));
		if (!(m->permitted & m->inheritable & CAP_BIT(cap))) {
			log_debug("process.capabilities.ambient: %s is not in both the permitted and the "
				  "inheritable set, ignoring it",
				  label);
			continue;
		}
		if (cap_set_ambient((cap_value_t)cap, CAP_SET) < 0)
			return oerr(err, errno, "raise %s in the ambient capability set", label);
	}
	return 0;
}

int caps_apply(const struct caps_set *m, ocirun_error_t *err)
{
	_cleanup_cap_ cap_t caps = NULL;

	caps = cap_init(); /* all three sets cleared */
	if (!caps)
		return oerr(err, errno, "allocate capability set");
	if (fill_flag(caps, CAP_EFFECTIVE, m->effective, err) < 0 ||
	    fill_flag(caps, CAP_PERMITTED, m->permitted, err) < 0 ||
	    fill_flag(caps, CAP_INHERITABLE, m->inheritable, err) < 0)
		return oerr_ret(err);
	/* capset needs no capability here: the new permitted set must be within
	 * the old one (kept by KEEPCAPS across setresuid), effective within the
	 * new permitted, and inheritable within old permitted ∪ inheritable and
	 * the bounding set. An effective cap outside permitted fails with EPERM. */
	if (cap_set_proc(caps) < 0)
		return oerr(err, errno,
			    "set capabilities (effective %#" PRIx64 ", permitted %#" PRIx64
			    ", inheritable %#" PRIx64 ")",
			    m->effective, m->permitted, m->inheritable);
	if (apply_ambient(m, err) < 0)
		return oerr_ret(err);
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return oerr(err, errno, "prctl(PR_SET_KEEPCAPS, 0)");
	return 0;
}
