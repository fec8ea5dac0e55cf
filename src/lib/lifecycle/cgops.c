/* Commands that work on a container's cgroup: pause, resume, update, events,
 * ps. Each opens the container (locked), checks its status as runc 1.1 does,
 * and calls the cgroup module. Flag values are parsed here with runc's
 * syntax and messages, so the CLI only collects strings. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/json.h"
#include "base/log.h"
#include "base/util.h"
#include "cgroup/cgroup.h"
#include "lifecycle/lifecycle.h"
#include "ocirun/ocirun.h"

extern char **environ;

/* runc reports a frozen container as paused whether or not its user process
 * was started; status_with_cgroup only does so for a started one. */
static const char *cg_status(const struct opened *o)
{
	const char *s = status_with_cgroup(o);

	if (!strcmp(s, "created") && o->cg && cgroup_is_frozen(o->cg) == 1)
		return "paused";
	return s;
}

static int need_cgroup(const struct opened *o, const char *id, ocirun_error_t *err)
{
	if (o->cg)
		return 0;
	return oerr_msg(err, ENOTSUP, "container \"%s\" has no cgroup", id);
}

/* ---- pause / resume ---- */

static int freeze(const struct ocirun_ctx *ctx, const char *id, bool frozen, ocirun_error_t *err)
{
	struct opened o;
	const char *status;
	int r = open_container(ctx, id, &o, err);

	if (r < 0)
		goto out;
	status = cg_status(&o);
	/* runc: pause needs running or created, resume needs paused */
	if (frozen && strcmp(status, "running") && strcmp(status, "created"))
		r = oerr_msg(err, EINVAL, "container not running");
	else if (!frozen && strcmp(status, "paused"))
		r = oerr_msg(err, EINVAL, "container not paused");
	else if ((r = need_cgroup(&o, id, err)) == 0)
		r = cgroup_freeze(o.cg, frozen, err);
out:
	opened_release(&o);
	return r;
}

int ocirun_pause(const struct ocirun_ctx *ctx, const char *id, ocirun_error_t *err)
{
	return freeze(ctx, id, true, err);
}

int ocirun_resume(const struct ocirun_ctx *ctx, const char *id, ocirun_error_t *err)
{
	return freeze(ctx, id, false, err);
}

/* ---- Go's number syntaxes, with the messages runc prints ---- */

/* strconv.ParseUint(s, 10, 64) */
static int go_parse_uint(const char *opt, const char *s, uint64_t *ret, ocirun_error_t *err)
{
	uint64_t v = 0;

	if (!*s || strspn(s, "0123456789") != strlen(s))
		return oerr_msg(err, EINVAL,
				"invalid value for %s: strconv.ParseUint: parsing \"%s\": invalid syntax",
				opt, s);
	for (const char *p = s; *p; p++) {
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return oerr_msg(
			    err, ERANGE,
			    "invalid value for %s: strconv.ParseUint: parsing \"%s\": value out of range",
			    opt, s);
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*ret = v;
	return 0;
}

/* strconv.ParseInt(s, 10, 64) */
static int go_parse_int(const char *opt, const char *s, int64_t *ret, ocirun_error_t *err)
{
	const char *digits = s + (*s == '+' || *s == '-');
	bool neg = *s == '-';
	uint64_t v = 0;

	if (!*digits || strspn(digits, "0123456789") != strlen(digits))
		return oerr_msg(err, EINVAL,
				"invalid value for %s: strconv.ParseInt: parsing \"%s\": invalid syntax", opt,
				s);
	for (const char *p = digits; *p; p++) {
		/* checked before the multiplication, which could wrap */
		if (v > ((uint64_t)INT64_MAX + neg - (uint64_t)(*p - '0')) / 10)
			return oerr_msg(
			    err, ERANGE,
			    "invalid value for %s: strconv.ParseInt: parsing \"%s\": value out of range", opt,
			    s);
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*ret = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

/* An integer flag as Go's flag package reads it (base prefixes allowed). */
static int go_int_flag(const char *opt, const char *s, int64_t *ret, ocirun_error_t *err)
{
	char *end;

	errno = 0;
	*ret = strtoll(s, &end, 0);
	if (!*s || *end || errno)
		return oerr_msg(err, EINVAL, "invalid value \"%s\" for flag -%s: parse error", s, opt);
	return 0;
}

/* docker/go-units RAMInBytes, as runc's update uses it: a decimal number,
 * an optional space, an optional k/m/g/t/p (powers of 1024), an optional
 * i and b, all case-insensitive: "512m", "1.5G", "64 KiB", "100b". */
static int ram_in_bytes(const char *opt, const char *s, int64_t *ret, ocirun_error_t *err)
{
	static const char units[] = "kmgtp";
	size_t num = 0;
	const char *p = s, *u;
	double size, mul = 1;
	char *copy;

	/* ^(\d+(\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$ */
	if (!(*p >= '0' && *p <= '9'))
		goto invalid;
	for (;;) {
		p += strspn(p, "0123456789");
		if (p[0] != '.' || !(p[1] >= '0' && p[1] <= '9'))
			break;
		p++;
	}
	num = (size_t)(p - s);
	if (*p == ' ')
		p++;
	if (*p && (u = strchr(units, *p | 0x20)) != NULL) {
		for (long i = 0; i <= u - units; i++)
			mul *= 1024;
		p++;
	}
	if (*p == 'i' || *p == 'I')
		p++;
	if (*p == 'b' || *p == 'B')
		p++;
	if (*p)
		goto invalid;
	copy = xasprintf("%.*s", (int)num, s);
	if (memchr(copy, '.', num) != strrchr(copy, '.')) {
		oerr_msg(err, EINVAL,
			 "invalid value for %s: strconv.ParseFloat: parsing \"%s\": invalid syntax", opt,
			 copy);
		free(copy);
		return -EINVAL;
	}
	errno = 0;
	size = strtod(copy, NULL);
	if (errno == ERANGE && isinf(size)) {
		oerr_msg(err, ERANGE,
			 "invalid value for %s: strconv.ParseFloat: parsing \"%s\": value out of range", opt,
			 copy);
		free(copy);
		return -ERANGE;
	}
	free(copy);
	size *= mul;
	/* Go's int64(float64) on amd64 gives the minimum for values out of range. */
	*ret = size >= 9223372036854775808.0 ? INT64_MIN : (int64_t)size;
	return 0;
invalid:
	return oerr_msg(err, EINVAL, "invalid value for %s: invalid size: '%s'", opt, s);
}

int ocirun_parse_duration(const char *s, int64_t *ret_ns)
{
	static const struct {
		const char *name;
		uint64_t ns;
	} units[] = {
	    {"ns", 1},           {"us", 1000},      {"\xc2\xb5s", 1000}, /* U+00B5 micro sign */
	    {"\xce\xbcs", 1000},                                         /* U+03BC Greek mu */
	    {"ms", 1000000},     {"s", 1000000000}, {"m", 60000000000},  {"h", 3600000000000},
	};
	const uint64_t limit = (uint64_t)1 << 63;
	bool neg = false;
	uint64_t d = 0;

	/* time.ParseDuration: [-+]?([0-9]*(\.[0-9]*)?[a-z]+)+, or "0" */
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (!strcmp(s, "0")) {
		*ret_ns = 0;
		return 0;
	}
	if (!*s)
		return -EINVAL;
	while (*s) {
		uint64_t v = 0, f = 0, unit = 0;
		double scale = 1;
		bool pre = false, post = false;
		size_t ul;

		if (*s != '.' && !(*s >= '0' && *s <= '9'))
			return -EINVAL;
		for (; *s >= '0' && *s <= '9'; s++, pre = true) {
			if (v > (limit - 1) / 10)
				return -ERANGE;
			v = v * 10 + (uint64_t)(*s - '0');
			if (v > limit)
				return -ERANGE;
		}
		if (*s == '.') {
			bool overflow = false;
			for (s++; *s >= '0' && *s <= '9'; s++, post = true) {
				if (overflow || f > (limit - 1) / 10) {
					overflow = true; /* further digits are below precision */
					continue;
				}
				f = f * 10 + (uint64_t)(*s - '0');
				scale *= 10;
			}
		}
		if (!pre && !post)
			return -EINVAL;
		ul = strcspn(s, ".0123456789");
		if (ul == 0)
			return -EINVAL; /* missing unit */
		for (size_t i = 0; i < ARRAY_SIZE(units); i++)
			if (strlen(units[i].name) == ul && !strncmp(s, units[i].name, ul))
				unit = units[i].ns;
		if (!unit)
			return -EINVAL;
		s += ul;
		if (v > limit / unit)
			return -ERANGE;
		v *= unit;
		if (f > 0) {
			v += (uint64_t)((double)f * ((double)unit / scale));
			if (v > limit)
				return -ERANGE;
		}
		d += v;
		if (d > limit)
			return -ERANGE;
	}
	if (!neg && d > limit - 1)
		return -ERANGE;
	*ret_ns = neg ? (int64_t)(0 - d) : (int64_t)d;
	return 0;
}

/* ---- update ---- */

/* What runc's update changes, filled from the flags or the --resources JSON.
 * 0 and "" leave a value alone, as in runc. */
struct update_res {
	struct oci_resources res;
	struct oci_memory mem;
	struct oci_cpu cpu;
	struct oci_blkio blkio;
	struct oci_pids pids;
	int64_t kernel, kernel_tcp; /* only warned about */
};

static void update_res_init(struct update_res *u)
{
	memset(u, 0, sizeof(*u));
	u->res.memory = &u->mem;
	u->res.cpu = &u->cpu;
	u->res.block_io = &u->blkio;
	u->res.pids = &u->pids;
}

static void set_i64(bool *has, int64_t *dst, int64_t v)
{
	*has = v != 0;
	*dst = v;
}

static void set_u64(bool *has, uint64_t *dst, uint64_t v)
{
	*has = v != 0;
	*dst = v;
}

static int update_from_flags(const struct ocirun_update_opts *o, struct update_res *u, ocirun_error_t *err)
{
	const struct {
		const char *opt, *val;
		bool *has;
		uint64_t *dst;
	} uints[] = {
	    {"cpu-period", o->cpu_period, &u->cpu.has_period, &u->cpu.period},
	    {"cpu-rt-period", o->cpu_rt_period, &u->cpu.has_realtime_period, &u->cpu.realtime_period},
	    {"cpu-share", o->cpu_shares, &u->cpu.has_shares, &u->cpu.shares},
	};
	const struct {
		const char *opt, *val;
		bool *has;
		int64_t *dst;
	} ints[] =
	    {
		{"cpu-quota", o->cpu_quota, &u->cpu.has_quota, &u->cpu.quota},
		{"cpu-rt-runtime", o->cpu_rt_runtime, &u->cpu.has_realtime_runtime, &u->cpu.realtime_runtime},
	    },
	  sizes[] = {
	      {"memory", o->memory, &u->mem.has_limit, &u->mem.limit},
	      {"memory-swap", o->memory_swap, &u->mem.has_swap, &u->mem.swap},
	      {"kernel-memory", o->kernel_memory, NULL, &u->kernel},
	      {"kernel-memory-tcp", o->kernel_memory_tcp, NULL, &u->kernel_tcp},
	      {"memory-reservation", o->memory_reservation, &u->mem.has_reservation, &u->mem.reservation},
	  };
	bool unused;

	if (o->cpuset_cpus && *o->cpuset_cpus)
		u->cpu.cpus = (char *)o->cpuset_cpus;
	if (o->cpuset_mems && *o->cpuset_mems)
		u->cpu.mems = (char *)o->cpuset_mems;
	for (size_t i = 0; i < ARRAY_SIZE(uints); i++) {
		uint64_t v = 0;
		if (!uints[i].val || !*uints[i].val)
			continue;
		if (go_parse_uint(uints[i].opt, uints[i].val, &v, err) < 0)
			return oerr_ret(err);
		set_u64(uints[i].has, uints[i].dst, v);
	}
	for (size_t i = 0; i < ARRAY_SIZE(ints); i++) {
		int64_t v = 0;
		if (!ints[i].val || !*ints[i].val)
			continue;
		if (go_parse_int(ints[i].opt, ints[i].val, &v, err) < 0)
			return oerr_ret(err);
		set_i64(ints[i].has, ints[i].dst, v);
	}
	/* given means set, 0 included: --cpu-burst 0 ends a burst, --cpu-idle 0 a SCHED_IDLE */
	if (o->cpu_burst && *o->cpu_burst) {
		if (go_parse_uint("cpu-burst", o->cpu_burst, &u->cpu.burst, err) < 0)
			return oerr_ret(err);
		u->cpu.has_burst = true;
	}
	if (o->cpu_idle && *o->cpu_idle) {
		if (go_parse_int("cpu-idle", o->cpu_idle, &u->cpu.idle, err) < 0)
			return oerr_ret(err);
		u->cpu.has_idle = true;
	}
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		int64_t v = -1;
		if (!sizes[i].val || !*sizes[i].val)
			continue;
		if (strcmp(sizes[i].val, "-1") != 0 && ram_in_bytes(sizes[i].opt, sizes[i].val, &v, err) < 0)
			return oerr_ret(err);
		set_i64(sizes[i].has ? sizes[i].has : &unused, sizes[i].dst, v);
	}
	/* runc: uint16(int) of the flag */
	u->blkio.weight = (uint16_t)o->blkio_weight;
	u->blkio.has_weight = u->blkio.weight != 0;
	/* given means set (runc 1.5), 0 included: a limit of 1 (cg_apply_pids) */
	u->pids.has_limit = o->pids_limit_set;
	u->pids.limit = o->pids_limit;
	return 0;
}

/* blockIO as runc 1.5's update takes it: weights when non-zero, and each device entry of
 * weightDevice and the throttle lists (written per device, so an entry replaces that device's
 * value and the others stay). The lists point into r. */
static void update_blkio_from_json(const struct oci_blkio *b, struct oci_blkio *u)
{
	u->weight = b->has_weight ? b->weight : 0;
	u->has_weight = u->weight != 0;
	u->leaf_weight = b->has_leaf_weight ? b->leaf_weight : 0;
	u->has_leaf_weight = u->leaf_weight != 0;
	u->weight_device = b->weight_device;
	u->n_weight_device = b->n_weight_device;
	u->throttle_read_bps_device = b->throttle_read_bps_device;
	u->n_throttle_read_bps_device = b->n_throttle_read_bps_device;
	u->throttle_write_bps_device = b->throttle_write_bps_device;
	u->n_throttle_write_bps_device = b->n_throttle_write_bps_device;
	u->throttle_read_iops_device = b->throttle_read_iops_device;
	u->n_throttle_read_iops_device = b->n_throttle_read_iops_device;
	u->throttle_write_iops_device = b->throttle_write_iops_device;
	u->n_throttle_write_iops_device = b->n_throttle_write_iops_device;
}

/* The part of a LinuxResources object runc 1.5's update applies: memory
 * limit/reservation/swap, cpu shares/quota/burst/period/realtime/cpus/mems/idle,
 * blockIO, pids.limit and unified. The rest is ignored, as there. */
static void update_from_json(const struct oci_resources *r, struct update_res *u)
{
	if (r->memory) {
		const struct oci_memory *m = r->memory;
		set_i64(&u->mem.has_limit, &u->mem.limit, m->has_limit ? m->limit : 0);
		set_i64(&u->mem.has_reservation, &u->mem.reservation,
			m->has_reservation ? m->reservation : 0);
		set_i64(&u->mem.has_swap, &u->mem.swap, m->has_swap ? m->swap : 0);
		u->kernel = m->has_kernel ? m->kernel : 0;
		u->kernel_tcp = m->has_kernel_tcp ? m->kernel_tcp : 0;
	}
	if (r->cpu) {
		const struct oci_cpu *c = r->cpu;
		set_u64(&u->cpu.has_shares, &u->cpu.shares, c->has_shares ? c->shares : 0);
		set_i64(&u->cpu.has_quota, &u->cpu.quota, c->has_quota ? c->quota : 0);
		set_u64(&u->cpu.has_period, &u->cpu.period, c->has_period ? c->period : 0);
		set_i64(&u->cpu.has_realtime_runtime, &u->cpu.realtime_runtime,
			c->has_realtime_runtime ? c->realtime_runtime : 0);
		set_u64(&u->cpu.has_realtime_period, &u->cpu.realtime_period,
			c->has_realtime_period ? c->realtime_period : 0);
		u->cpu.cpus = c->cpus && *c->cpus ? c->cpus : NULL;
		u->cpu.mems = c->mems && *c->mems ? c->mems : NULL;
		u->cpu.has_burst = c->has_burst;
		u->cpu.burst = c->burst;
		u->cpu.has_idle = c->has_idle;
		u->cpu.idle = c->idle;
	}
	if (r->block_io)
		update_blkio_from_json(r->block_io, &u->blkio);
	if (r->pids) {
		u->pids.has_limit = r->pids->has_limit;
		u->pids.limit = r->pids->limit;
	}
	u->res.unified = r->unified;
	if (r->n_devices || r->n_hugepage_limits || r->network || r->n_rdma ||
	    (r->memory && (r->memory->has_swappiness || r->memory->has_disable_oom_killer)))
		log_debug("update: only memory, cpu, blockIO, pids and unified are applied (as runc)");
}

/* cgroup v2 sets quota and period with one write of cpu.max: when only one
 * is given, keep the other one's current value (runc keeps it in its
 * state.json; ocirun reads it back from the cgroup). */
static void keep_cpu_max(const cgroup_t *cg, struct oci_cpu *c)
{
	const char *dir = cgroup_path(cg, "cpu");
	_cleanup_free_ char *path = NULL, *text = NULL;
	char quota[32];
	uint64_t period;

	if (c->has_quota == c->has_period)
		return;
	path = xasprintf("%s/cpu.max", dir ? dir : "");
	if (!dir || access(path, F_OK) < 0) {
		free(path);
		dir = cgroup_path(cg, NULL);
		path = xasprintf("%s/cpu.max", dir ? dir : "");
	}
	if (!dir || read_file(path, &text, NULL, NULL) < 0 ||
	    sscanf(text, "%31s %" SCNu64, quota, &period) != 2)
		return;
	if (!c->has_quota) {
		c->has_quota = true;
		c->quota = strcmp(quota, "max") ? strtoll(quota, NULL, 10) : -1;
	} else {
		c->has_period = true;
		c->period = period;
	}
}

static int read_resources(const char *file, struct oci_resources **ret, ocirun_error_t *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	bool in = !strcmp(file, "-");

	if ((in ? read_fd_all(STDIN_FILENO, &text, &len, err) : read_file(file, &text, &len, err)) < 0)
		return oerr_prefix(err, "update --resources");
	return spec_parse_resources(text, len, in ? "stdin" : file, ret, err);
}

int ocirun_update(const struct ocirun_ctx *ctx, const char *id, const struct ocirun_update_opts *uo,
		  ocirun_error_t *err)
{
	struct oci_resources *parsed = NULL;
	struct update_res u;
	const char *status;
	struct opened o;
	int r = open_container(ctx, id, &o, err);

	if (r < 0)
		goto out;
	update_res_init(&u);
	if (uo->resources) {
		if ((r = read_resources(uo->resources, &parsed, err)) < 0)
			goto out;
		update_from_json(parsed, &u);
	} else if ((r = update_from_flags(uo, &u, err)) < 0) {
		goto out;
	}
	if (u.kernel || u.kernel_tcp)
		log_warn("Kernel memory settings are ignored and will be removed");
	if (uo->l3_cache_schema && *uo->l3_cache_schema) {
		r = oerr_msg(err, ENOTSUP, "Intel RDT/CAT: l3 cache schema is not enabled");
		goto out;
	}
	if (uo->mem_bw_schema && *uo->mem_bw_schema) {
		r = oerr_msg(err, ENOTSUP, "Intel RDT/MBA: memory bandwidth schema is not enabled");
		goto out;
	}
	status = cg_status(&o);
	if (!strcmp(status, "stopped") || !strcmp(status, "creating")) {
		r = oerr_msg(err, EINVAL, "container not running");
		goto out;
	}
	if ((r = need_cgroup(&o, id, err)) < 0)
		goto out;
	keep_cpu_max(o.cg, &u.cpu);
	r = cgroup_update(o.cg, &u.res, err);
out:
	spec_free_resources(parsed);
	opened_release(&o);
	return r;
}

int ocirun_update_int_flag(const char *flag, const char *value, int64_t *ret, ocirun_error_t *err)
{
	return go_int_flag(flag, value, ret, err);
}

/* ---- events ---- */

/* Watches the memory cgroup for OOM kills: v1 registers an eventfd for
 * memory.oom_control with cgroup.event_control (it also fires when the
 * cgroup is removed); v2 watches memory.events with inotify and compares
 * its oom_kill counter, and cgroup.events for the cgroup becoming empty. */
struct oom_watch {
	int fd; /* eventfd (v1) or inotify fd (v2), -1 none */
	bool v2;
	char *dir;
	uint64_t oom_kills;
};

static uint64_t read_key(const char *dir, const char *file, const char *key)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, file), *text = NULL;
	size_t kl = strlen(key);

	if (read_file(path, &text, NULL, NULL) < 0)
		return 0;
	for (char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, key, kl) && l[kl] == ' ')
			return strtoull(l + kl + 1, NULL, 10);
	return 0;
}

static int oom_watch_v1(struct oom_watch *w, ocirun_error_t *err)
{
	_cleanup_free_ char *ctl = xasprintf("%s/cgroup.event_control", w->dir);
	_cleanup_free_ char *oc = xasprintf("%s/memory.oom_control", w->dir);
	_cleanup_close_ int ofd = open(oc, O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int efd = -1;
	char line[64];
	int n;

	if (ofd < 0)
		return oerr(err, errno, "open \"%s\"", oc);
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (efd < 0)
		return oerr(err, errno, "eventfd");
	n = snprintf(line, sizeof(line), "%d %d", efd, ofd);
	if (write_file(ctl, line, (size_t)n, err) < 0)
		return oerr_prefix(err, "register for OOM notifications");
	/* the kernel holds its own reference to memory.oom_control now */
	w->fd = TAKE_FD(efd);
	return 0;
}

static int oom_watch_v2(struct oom_watch *w, ocirun_error_t *err)
{
	_cleanup_free_ char *ev = xasprintf("%s/memory.events", w->dir);
	_cleanup_free_ char *cev = xasprintf("%s/cgroup.events", w->dir);
	_cleanup_close_ int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);

	if (fd < 0)
		return oerr(err, errno, "inotify_init1");
	if (inotify_add_watch(fd, ev, IN_MODIFY) < 0)
		return oerr(err, errno, "watch \"%s\"", ev);
	if (inotify_add_watch(fd, cev, IN_MODIFY) < 0)
		return oerr(err, errno, "watch \"%s\"", cev);
	w->oom_kills = read_key(w->dir, "memory.events", "oom_kill");
	w->v2 = true;
	w->fd = TAKE_FD(fd);
	return 0;
}

static int oom_watch_open(const cgroup_t *cg, struct oom_watch *w, ocirun_error_t *err)
{
	const char *dir = cgroup_path(cg, "memory");
	_cleanup_free_ char *v1 = NULL;

	w->fd = -1;
	w->dir = NULL;
	w->v2 = false;
	w->oom_kills = 0;
	if (!dir)
		return oerr_msg(err, ENOTSUP, "memory controller missing");
	w->dir = xstrdup(dir);
	v1 = xasprintf("%s/memory.oom_control", dir);
	return access(v1, F_OK) == 0 ? oom_watch_v1(w, err) : oom_watch_v2(w, err);
}

static void oom_watch_close(struct oom_watch *w)
{
	if (w->fd >= 0)
		close(w->fd);
	free(w->dir);
}

/* Read what woke the watch: the number of OOM events to report, or -1 when
 * the v1 cgroup was removed. */
static int oom_watch_read(struct oom_watch *w)
{
	if (!w->v2) {
		uint64_t n = 0;
		_cleanup_free_ char *ctl = xasprintf("%s/cgroup.event_control", w->dir);
		if (read(w->fd, &n, sizeof(n)) != sizeof(n))
			return 0;
		/* the eventfd also fires when the cgroup goes away */
		if (access(ctl, F_OK) < 0)
			return -1;
		return 1;
	} else {
		char buf[4096];
		uint64_t kills;
		while (read(w->fd, buf, sizeof(buf)) > 0)
			;
		kills = read_key(w->dir, "memory.events", "oom_kill");
		if (kills <= w->oom_kills)
			return 0;
		w->oom_kills = kills;
		return 1;
	}
}

/* Gone: no process left in the cgroup, or the cgroup removed. */
static bool container_gone(const cgroup_t *cg)
{
	ocirun_error_t e = {0};
	pid_t *pids = NULL;
	size_t n = 0;
	int r = cgroup_pids(cg, &pids, &n, &e);

	free(pids);
	return r < 0 || n == 0;
}

static int event_line(const char *type, const char *id, const cgroup_t *cg, char **ret, ocirun_error_t *err)
{
	json_gen_t *g = json_gen_new(false);
	int r = 0;

	json_gen_obj_open(g);
	json_gen_key(g, "type");
	json_gen_str(g, type);
	json_gen_key(g, "id");
	json_gen_str(g, id);
	if (cg) {
		json_gen_key(g, "data");
		r = cgroup_stats(cg, g, err);
	}
	json_gen_obj_close(g);
	*ret = r < 0 ? NULL : json_gen_finish(g, NULL);
	json_gen_free(g);
	return r < 0 ? oerr_prefix(err, "unable to get container cgroup stats") : 0;
}

static int emit_event(const char *type, const char *id, const cgroup_t *cg, ocirun_event_fn emit, void *data,
		      ocirun_error_t *err)
{
	_cleanup_free_ char *line = NULL;

	if (event_line(type, id, cg, &line, err) < 0)
		return oerr_ret(err);
	return emit(line, data) < 0 ? oerr(err, errno, "write event") : 0;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Until the container stops: a stats line every interval, an oom line for
 * each OOM notification. Wakes on the interval, the OOM watch and the
 * init's pidfd; once the init is gone (other processes may remain without
 * a pid namespace), checks every second whether the cgroup is empty. */
static int events_loop(const char *id, const cgroup_t *cg, int pidfd, int64_t interval, ocirun_event_fn emit,
		       void *data, ocirun_error_t *err)
{
	struct oom_watch w;
	int64_t next = now_ns() + interval;
	int r = 0;

	if (oom_watch_open(cg, &w, err) < 0) {
		oom_watch_close(&w);
		return oerr_ret(err);
	}
	for (;;) {
		struct pollfd p[2] = {{w.fd, POLLIN, 0}, {pidfd, POLLIN, 0}};
		int64_t wait = next - now_ns();
		int timeout =
		    wait <= 0
			? 0
			: (int)((wait + 999999) / 1000000 > INT_MAX ? INT_MAX : (wait + 999999) / 1000000);
		bool check = false;

		if (pidfd < 0 && timeout > 1000)
			timeout = 1000;
		if (poll(p, 2, timeout) < 0) {
			if (errno == EINTR)
				continue;
			r = oerr(err, errno, "poll");
			break;
		}
		if (p[0].revents & POLLIN) {
			int n = oom_watch_read(&w);
			if (n < 0)
				break;
			if (n > 0 && (r = emit_event("oom", id, NULL, emit, data, err)) < 0)
				break;
			check = w.v2;
		}
		if (pidfd >= 0 && (p[1].revents & (POLLIN | POLLHUP))) {
			close(pidfd);
			pidfd = -1;
		}
		if (pidfd < 0)
			check = true;
		if (check && container_gone(cg))
			break;
		if (now_ns() >= next) {
			ocirun_error_t e = {0};
			next += interval;
			if (next < now_ns())
				next = now_ns() + interval;
			if (emit_event("stats", id, cg, emit, data, &e) < 0) {
				if (container_gone(cg))
					break;
				if (e.code == EPIPE) {
					*err = e;
					r = oerr_ret(err);
					break;
				}
				/* runc logs the error and keeps going */
				log_msg(LOG_LEVEL_ERROR, "%s", e.msg);
			}
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	oom_watch_close(&w);
	return r;
}

int ocirun_events(const struct ocirun_ctx *ctx, const char *id, const struct ocirun_events_opts *eo,
		  ocirun_event_fn emit, void *data, ocirun_error_t *err)
{
	cgroup_t *cg = NULL;
	struct opened o;
	int pidfd, r = open_container(ctx, id, &o, err);

	if (r < 0)
		goto out;
	if (eo->interval_ns <= 0) {
		r = oerr_msg(err, EINVAL, "duration interval must be greater than 0");
		goto out;
	}
	if (!strcmp(cg_status(&o), "stopped")) {
		r = oerr_msg(err, ESRCH, "container with id %s is not running", id);
		goto out;
	}
	if ((r = need_cgroup(&o, id, err)) < 0)
		goto out;
	if (eo->stats) {
		r = emit_event("stats", id, o.cg, emit, data, err);
		goto out;
	}
	/* Keep the cgroup and the init's pidfd, and release the state lock:
	 * other commands (delete among them) must not wait for events. */
	cg = TAKE_PTR(o.cg);
	pidfd = state_init_pidfd(o.st);
	opened_release(&o);
	r = events_loop(id, cg, pidfd, eo->interval_ns, emit, data, err);
	cgroup_free(cg);
	return r;
out:
	opened_release(&o);
	return r;
}

/* ---- ps ---- */

int ocirun_ps(const struct ocirun_ctx *ctx, const char *id, pid_t **ret, size_t *ret_n, ocirun_error_t *err)
{
	struct opened o;
	int r = open_container(ctx, id, &o, err);

	*ret = NULL;
	*ret_n = 0;
	if (r < 0 || !o.cg)
		goto out;
	r = cgroup_pids(o.cg, ret, ret_n, err);
	/* runc: a stopped container whose cgroup is gone has no processes */
	if (r < 0 && err->code == ENOENT && !strcmp(cg_status(&o), "stopped")) {
		oerr_clear(err);
		r = 0;
	} else if (r < 0) {
		r = oerr_prefix(err, "unable to get all container pids");
	}
out:
	opened_release(&o);
	return r;
}

/* Run ps with args (stdin /dev/null, stdout and stderr into one pipe, as Go's
 * CombinedOutput) and collect its output. */
static int run_ps(char *const *args, char **ret, ocirun_error_t *err)
{
	posix_spawn_file_actions_t fa;
	_cleanup_strv_ char **argv = NULL;
	_cleanup_free_ char *out = NULL;
	int p[2], r, status;
	size_t len = 0;
	pid_t pid;

	strv_push(&argv, "ps");
	for (size_t i = 0; args && args[i]; i++)
		strv_push(&argv, args[i]);
	if (!args || !args[0])
		strv_push(&argv, "-ef");
	if (pipe2(p, O_CLOEXEC) < 0)
		return oerr(err, errno, "pipe");
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, p[1], STDERR_FILENO);
	r = posix_spawnp(&pid, "ps", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (r != 0) {
		close(p[0]);
		if (r == ENOENT)
			return oerr_msg(err, r, "exec: \"ps\": executable file not found in $PATH");
		return oerr(err, r, "exec \"ps\"");
	}
	r = read_fd_all(p[0], &out, &len, err);
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return oerr(err, errno, "wait for ps");
	if (r < 0)
		return oerr_prefix(err, "read the output of ps");
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		return oerr_msg(err, EINVAL, "exit status %d: %s", WEXITSTATUS(status), out);
	if (WIFSIGNALED(status))
		return oerr_msg(err, EINTR, "signal: %s: %s", strsignal(WTERMSIG(status)), out);
	*ret = TAKE_PTR(out);
	return 0;
}

/* The n-th whitespace-separated field of line (length in *ret_len), or NULL. */
static const char *field(const char *line, size_t n, size_t *ret_len)
{
	const char *ws = " \t\v\f\r";

	for (size_t i = 0;; i++) {
		line += strspn(line, ws);
		if (!*line)
			return NULL;
		*ret_len = strcspn(line, ws);
		if (i == n)
			return line;
		line += *ret_len;
	}
}

int ocirun_ps_table(const pid_t *pids, size_t n, char *const *args, char **ret, ocirun_error_t *err)
{
	_cleanup_free_ char *out = NULL;
	char *line, *nl, *res;
	size_t col = 0, len, rlen = 0;
	bool found = false;

	if (run_ps(args, &out, err) < 0)
		return oerr_ret(err);
	/* The PID column is the header's field named PID. */
	nl = strchr(out, '\n');
	if (nl)
		*nl = '\0';
	for (const char *f; (f = field(out, col, &len)) != NULL; col++)
		if (len == 3 && !strncmp(f, "PID", 3)) {
			found = true;
			break;
		}
	if (!found)
		return oerr_msg(err, EINVAL, "couldn't find PID field in ps output");
	res = xmalloc(strlen(out) + 2 + (nl ? strlen(nl + 1) + 1 : 0));
	rlen = (size_t)sprintf(res, "%s\n", out);
	for (line = nl ? nl + 1 : NULL; line && *line; line = nl ? nl + 1 : NULL) {
		const char *f;
		char num[32];
		long v;
		char *end;

		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (!*line)
			continue;
		f = field(line, col, &len);
		snprintf(num, sizeof(num), "%.*s", f ? (int)(len < 31 ? len : 31) : 0, f ? f : "");
		errno = 0;
		v = strtol(num, &end, 10);
		if (!f || !*num || *end || errno || v != (pid_t)v) {
			free(res);
			return oerr_msg(err, EINVAL,
					"unable to parse pid: strconv.Atoi: parsing \"%s\": invalid syntax",
					num);
		}
		for (size_t i = 0; i < n; i++)
			if (pids[i] == (pid_t)v) {
				rlen += (size_t)sprintf(res + rlen, "%s\n", line);
				break;
			}
	}
	*ret = res;
	return 0;
}
