/* sec/rlimits: process.rlimits. Names come from a sorted table searched with
 * bsearch; limits are set with setrlimit in the container init. */
#include "sec/sec.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "base/cleanup.h"

struct rlimit_name {
	const char *name;
	int resource;
};

/* Sorted by name (strcmp order) for bsearch. */
static const struct rlimit_name rlimit_names[] = {
    {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},
    {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
};

static int rlimit_name_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct rlimit_name *)elem)->name);
}

int rlimit_from_name(const char *name)
{
	const struct rlimit_name *r;

	if (!name)
		return -1;
	r = bsearch(name, rlimit_names, ARRAY_SIZE(rlimit_names), sizeof(rlimit_names[0]), rlimit_name_cmp);
	return r ? r->resource : -1;
}

/* "unlimited" for RLIM_INFINITY, else the number. */
static const char *limit_str(uint64_t v, char *buf, size_t size)
{
	if (v == (uint64_t)RLIM_INFINITY)
		snprintf(buf, size, "unlimited");
	else
		snprintf(buf, size, "%" PRIu64, v);
	return buf;
}

int rlimits_validate(const struct oci_rlimit *r, size_t n, ocirun_error_t *err)
{
	char soft[32], hard[32];

	for (size_t i = 0; i < n; i++) {
		int res = rlimit_from_name(r[i].type);

		if (!r[i].type)
			return oerr_msg(err, EINVAL, "process.rlimits[%zu].type: required", i);
		if (res < 0)
			return oerr_msg(err, EINVAL, "process.rlimits[%zu].type: unknown rlimit \"%s\"", i,
					r[i].type);
		/* Like runc: a second entry would silently override the first. */
		for (size_t j = 0; j < i; j++)
			if (strcmp(r[j].type, r[i].type) == 0)
				return oerr_msg(err, EINVAL,
						"process.rlimits[%zu].type: duplicate rlimit \"%s\" (also in "
						"process.rlimits[%zu])",
						i, r[i].type, j);
		/* setrlimit would fail with EINVAL only in the init; say it here. */
		if (r[i].soft > r[i].hard)
			return oerr_msg(
			    err, EINVAL,
			    "process.rlimits[%zu]: %s soft limit %s is greater than the hard limit %s", i,
			    r[i].type, limit_str(r[i].soft, soft, sizeof(soft)),
			    limit_str(r[i].hard, hard, sizeof(hard)));
	}
	return 0;
}

/* Explain the EPERM cases in plain words. */
static void eperm_reason(int res, const struct oci_rlimit *r, char *buf, size_t size)
{
	struct rlimit cur;
	char val[32];
	FILE *f;

	buf[0] = '\0';
	if (res == RLIMIT_NOFILE && (f = fopen("/proc/sys/fs/nr_open", "re"))) {
		uint64_t nr_open = 0;

		/* The kernel caps RLIMIT_NOFILE at fs.nr_open even for root. */
		if (fscanf(f, "%" SCNu64, &nr_open) == 1 && r->hard > nr_open) {
			fclose(f);
			snprintf(buf, size, " (the hard limit is above fs.nr_open %" PRIu64 ")", nr_open);
			return;
		}
		fclose(f);
	}
	if (getrlimit(res, &cur) == 0 && r->hard > (uint64_t)cur.rlim_max)
		snprintf(buf, size,
			 " (raising the hard limit above the current %s needs CAP_SYS_RESOURCE, which this "
			 "process does not have)",
			 limit_str(cur.rlim_max, val, sizeof(val)));
}

int rlimits_apply(const struct oci_rlimit *r, size_t n, ocirun_error_t *err)
{
	char soft[32], hard[32], why[160];

	for (size_t i = 0; i < n; i++) {
		int res = rlimit_from_name(r[i].type);
		struct rlimit rl;

		if (res < 0)
			return oerr_msg(err, EINVAL, "process.rlimits[%zu].type: unknown rlimit \"%s\"", i,
					r[i].type ? r[i].type : "");
		rl.rlim_cur = (rlim_t)r[i].soft;
		rl.rlim_max = (rlim_t)r[i].hard;
		if (setrlimit(res, &rl) == 0)
			continue;
		int e = errno;
		why[0] = '\0';
		if (e == EPERM)
			eperm_reason(res, &r[i], why, sizeof(why));
		return oerr_msg(err, e, "set %s to soft %s, hard %s: %s%s", r[i].type,
				limit_str(r[i].soft, soft, sizeof(soft)),
				limit_str(r[i].hard, hard, sizeof(hard)), strerror(e), why);
	}
	return 0;
}
