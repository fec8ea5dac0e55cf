/* cgroup v1 backend: one mount per controller set, one directory per
 * hierarchy; resources written per controller from the table at the end. */
#include "cgroup/internal.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"

/* ---- create / enter / destroy ---- */

/* A new cpuset cgroup starts with empty cpus/mems and refuses tasks: copy the
 * parent's into every empty dir below the hierarchy's root, top down, as runc
 * does (a parent made by someone else, a pod's, may be empty too). */
static int cpuset_fill(const struct cg_hier *h, ocirun_error_t *err)
{
	static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
	_cleanup_free_ char *p = xstrdup(h->path);
	size_t mlen = strlen(h->mount);

	if (strlen(p) <= mlen + 1)
		return 0;
	for (char *s = p + mlen + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
			_cleanup_free_ char *cur = NULL, *parent = NULL, *pdir = xstrdup(p);
			*strrchr(pdir, '/') = '\0';
			if (cg_read(p, files[i], &cur, err) < 0)
				return oerr_ret(err);
			if (*cur)
				continue;
			if (cg_read(pdir, files[i], &parent, err) < 0 ||
			    cg_write(p, files[i], parent, err) < 0)
				return oerr_ret(err);
		}
		*s = c;
		if (c == '\0')
			return 0;
	}
}

static int v1_create(const cgroup_t *cg, struct cg_hier *h, ocirun_error_t *err)
{
	(void)cg;
	if (cg_mkdir(h->mount, h->path, &h->created, err) < 0)
		return oerr_ret(err);
	if (cg_list_has(h->controllers, "cpuset") && cpuset_fill(h, err) < 0)
		return oerr_ret(err);
	return 0;
}

static int v1_enter(const struct cg_hier *h, pid_t pid, ocirun_error_t *err)
{
	return cg_enter_dir(h->path, pid, err);
}

static int v1_destroy(const cgroup_t *cg, struct cg_hier *h, ocirun_error_t *err)
{
	(void)cg;
	return cg_remove(h->path, h->created, err);
}

/* ---- memory ---- */

static int set_mem_limit(const char *dir, int64_t limit, ocirun_error_t *err)
{
	uint64_t usage = 0, peak = 0;
	int r;

	if (limit == 0)
		return 0;
	r = cg_set(dir, "memory.limit_in_bytes", "memory.limit", err, "%" PRId64, limit);
	if (r != -EBUSY)
		return r;
	/* EBUSY: the kernel could not reclaim below the new limit. */
	cg_read_u64(dir, "memory.usage_in_bytes", &usage, NULL);
	cg_read_u64(dir, "memory.max_usage_in_bytes", &peak, NULL);
	return oerr_msg(err, EBUSY,
			"linux.resources.memory.limit: unable to set memory limit to %" PRId64
			" (current usage: %" PRIu64 ", peak usage: %" PRIu64 ")",
			limit, usage, peak);
}

static int set_mem_swap(const char *dir, int64_t swap, ocirun_error_t *err)
{
	if (swap == 0)
		return 0;
	return cg_set(dir, "memory.memsw.limit_in_bytes", "memory.swap", err, "%" PRId64, swap);
}

/* memsw is memory+swap and must stay >= the memory limit at every step: the
 * order of the two writes depends on whether the limits grow or shrink. */
static int v1_memory_limits(const char *dir, const struct oci_memory *m, ocirun_error_t *err)
{
	int64_t limit = m->has_limit ? m->limit : 0, swap = m->has_swap ? m->swap : 0;
	uint64_t cur;

	if (limit == -1 && swap == 0 && cg_exists(dir, "memory.memsw.limit_in_bytes"))
		swap = -1;
	if (limit != 0 && swap != 0) {
		if (cg_read_u64(dir, "memory.limit_in_bytes", &cur, err) < 0)
			return oerr_prefix(err, "linux.resources.memory.limit");
		if (swap == -1 || cur < (uint64_t)swap) {
			if (set_mem_swap(dir, swap, err) < 0 || set_mem_limit(dir, limit, err) < 0)
				return oerr_ret(err);
			return 0;
		}
	}
	if (set_mem_limit(dir, limit, err) < 0 || set_mem_swap(dir, swap, err) < 0)
		return oerr_ret(err);
	return 0;
}

static int v1_memory(const char *dir, const struct oci_resources *res, bool update, ocirun_error_t *err)
{
	const struct oci_memory *m = res->memory;

	if (update && m->has_check_before_update && m->check_before_update && m->has_limit && m->limit > 0) {
		uint64_t usage;
		if (cg_read_u64(dir, "memory.usage_in_bytes", &usage, err) < 0)
			return oerr_prefix(err, "linux.resources.memory.checkBeforeUpdate");
		if (usage >= (uint64_t)m->limit)
			return oerr_msg(err, EBUSY,
					"linux.resources.memory.limit: rejecting memory limit %" PRId64
					" below usage %" PRIu64,
					m->limit, usage);
	}
	if (v1_memory_limits(dir, m, err) < 0)
		return oerr_ret(err);
	if (m->has_reservation && m->reservation != 0 &&
	    cg_set(dir, "memory.soft_limit_in_bytes", "memory.reservation", err, "%" PRId64, m->reservation) <
		0)
		return oerr_ret(err);
	/* Kernel memory limits are deprecated in v1 and gone in v2: memory.kernel is ignored
	 * (as runc); the TCP buffer limit still exists on v1 kernels that have the file. */
	if (m->has_kernel && m->kernel)
		log_debug("cgroup: linux.resources.memory.kernel ignored (dropped by the kernel)");
	if (m->has_kernel_tcp && m->kernel_tcp) {
		_cleanup_free_ char *f = xasprintf("%s/memory.kmem.tcp.limit_in_bytes", dir);
		if (access(f, F_OK) < 0)
			log_debug("cgroup: linux.resources.memory.kernelTCP ignored (no memory.kmem.tcp)");
		else if (cg_set(dir, "memory.kmem.tcp.limit_in_bytes", "memory.kernelTCP", err, "%" PRId64,
				m->kernel_tcp) < 0)
			return oerr_ret(err);
	}
	if (m->has_disable_oom_killer && m->disable_oom_killer &&
	    cg_set(dir, "memory.oom_control", "memory.disableOOMKiller", err, "1") < 0)
		return oerr_ret(err);
	if (m->has_swappiness && m->swappiness != UINT64_MAX) {
		if (m->swappiness > 100)
			return oerr_msg(err, EINVAL,
					"linux.resources.memory.swappiness: invalid value %" PRIu64
					", valid range is 0-100",
					m->swappiness);
		if (cg_set(dir, "memory.swappiness", "memory.swappiness", err, "%" PRIu64, m->swappiness) < 0)
			return oerr_ret(err);
	}
	if (m->has_use_hierarchy) {
		uint64_t cur = 0;
		/* Modern kernels are always hierarchical and refuse "0": write only a change. */
		if (cg_read_u64(dir, "memory.use_hierarchy", &cur, NULL) < 0 ||
		    cur != (m->use_hierarchy ? 1u : 0u))
			if (cg_set(dir, "memory.use_hierarchy", "memory.useHierarchy", err, "%d",
				   m->use_hierarchy ? 1 : 0) < 0)
				return oerr_ret(err);
	}
	return 0;
}

/* ---- cpu ---- */

static int v1_cpu_bandwidth(const char *dir, const struct oci_cpu *c, ocirun_error_t *err)
{
	int64_t quota = c->has_quota ? c->quota : 0;
	uint64_t period = c->has_period ? c->period : 0;
	bool period_pending = false;

	if (period != 0) {
		int r = cg_set(dir, "cpu.cfs_period_us", "cpu.period", err, "%" PRIu64, period);
		/* A shorter period can exceed the parent's quota ratio with the old
		 * quota (EINVAL): set the quota first, then retry. */
		if (r < 0 && (r != -EINVAL || quota == 0))
			return r;
		period_pending = r < 0;
	}
	if (quota != 0 && cg_set(dir, "cpu.cfs_quota_us", "cpu.quota", err, "%" PRId64, quota) < 0)
		return oerr_ret(err);
	if (period_pending && cg_set(dir, "cpu.cfs_period_us", "cpu.period", err, "%" PRIu64, period) < 0)
		return oerr_ret(err);
	if (c->has_burst && cg_set(dir, "cpu.cfs_burst_us", "cpu.burst", err, "%" PRIu64, c->burst) < 0)
		return oerr_ret(err);
	return 0;
}

/* A period shorter than the current runtime is refused (EINVAL), as is a runtime longer than
 * the current period: when the period fails, set the runtime first and retry, as runc. */
static int v1_cpu_rt(const char *dir, const struct oci_cpu *c, ocirun_error_t *err)
{
	uint64_t period = c->has_realtime_period ? c->realtime_period : 0;
	int64_t runtime = c->has_realtime_runtime ? c->realtime_runtime : 0;
	bool period_pending = false;

	if (period != 0) {
		int r = cg_set(dir, "cpu.rt_period_us", "cpu.realtimePeriod", err, "%" PRIu64, period);
		if (r < 0 && (r != -EINVAL || runtime == 0))
			return r;
		period_pending = r < 0;
	}
	if (runtime != 0 &&
	    cg_set(dir, "cpu.rt_runtime_us", "cpu.realtimeRuntime", err, "%" PRId64, runtime) < 0)
		return oerr_ret(err);
	if (period_pending &&
	    cg_set(dir, "cpu.rt_period_us", "cpu.realtimePeriod", err, "%" PRIu64, period) < 0)
		return oerr_ret(err);
	return 0;
}

static int v1_cpu(const char *dir, const struct oci_resources *res, bool update, ocirun_error_t *err)
{
	const struct oci_cpu *c = res->cpu;

	(void)update;
	if (c->has_shares && c->shares != 0) {
		uint64_t got;
		if (cg_set(dir, "cpu.shares", "cpu.shares", err, "%" PRIu64, c->shares) < 0)
			return oerr_ret(err);
		/* The kernel clamps silently; report it instead. */
		if (cg_read_u64(dir, "cpu.shares", &got, err) < 0)
			return oerr_prefix(err, "linux.resources.cpu.shares");
		if (got != c->shares)
			return oerr_msg(err, EINVAL,
					"linux.resources.cpu.shares: the %s allowed cpu-shares is %" PRIu64,
					c->shares > got ? "maximum" : "minimum", got);
	}
	if (v1_cpu_bandwidth(dir, c, err) < 0 || v1_cpu_rt(dir, c, err) < 0)
		return oerr_ret(err);
	if (c->has_idle && cg_set(dir, "cpu.idle", "cpu.idle", err, "%" PRId64, c->idle) < 0)
		return oerr_ret(err);
	return 0;
}

/* ---- devices ---- */

/* "c 1:3 rwm" for one rule of type t ('a', 'b' or 'c'). */
static void dev_line(char *buf, size_t size, char t, const struct oci_device_cgroup *d, const char *acc)
{
	char maj[24] = "*", min[24] = "*";

	if (d->has_major && d->major >= 0)
		snprintf(maj, sizeof(maj), "%" PRId64, d->major);
	if (d->has_minor && d->minor >= 0)
		snprintf(min, sizeof(min), "%" PRId64, d->minor);
	snprintf(buf, size, "%c %s:%s %s", t, maj, min, acc);
}

static int check_dev_rule(const struct oci_device_cgroup *d, size_t i, ocirun_error_t *err)
{
	const char *t = d->type ? d->type : "a";
	const char *acc = d->access ? d->access : "rwm";

	if (strlen(t) != 1 || !strchr("abc", t[0]))
		return oerr_msg(err, EINVAL, "linux.resources.devices[%zu].type: invalid device type \"%s\"",
				i, t);
	if (!acc[strspn(acc, "a")] || strspn(acc, "rwma") != strlen(acc))
		return oerr_msg(err, EINVAL, "linux.resources.devices[%zu].access: invalid access \"%s\"", i,
				acc);
	return 0;
}

static int v1_devices(const char *dir, const struct oci_resources *res, bool update, ocirun_error_t *err)
{
	(void)update;
	for (size_t i = 0; i < res->n_devices; i++)
		if (check_dev_rule(&res->devices[i], i, err) < 0)
			return oerr_ret(err);
	/* Start from deny-all, then replay the rules in order: the v1 kernel list
	 * then gives the same answer as "the last matching rule wins". */
	if (cg_set(dir, "devices.deny", "devices", err, "a") < 0)
		return oerr_ret(err);
	for (size_t i = 0; i < res->n_devices; i++) {
		const struct oci_device_cgroup *d = &res->devices[i];
		const char *file = d->allow ? "devices.allow" : "devices.deny";
		char t = d->type ? d->type[0] : 'a', field[48], line[96], one[2] = {t, '\0'}, acc[4] = "";
		size_t k = 0;
		bool wild = !(d->has_major && d->major >= 0) && !(d->has_minor && d->minor >= 0);

		/* the kernel knows r, w and m; an "a" is dropped (check_dev_rule) */
		for (const char *a = d->access ? d->access : "rwm"; *a && k + 1 < sizeof(acc); a++) {
			if (*a == 'a' || strchr(acc, *a))
				continue;
			acc[k++] = *a;
			acc[k] = '\0';
		}
		snprintf(field, sizeof(field), "devices[%zu]", i);
		if (t == 'a' && wild && strchr(acc, 'r') && strchr(acc, 'w') && strchr(acc, 'm')) {
			if (cg_set(dir, file, field, err, "a") < 0)
				return oerr_ret(err);
			continue;
		}
		/* The kernel reads "a" as the whole table whatever follows, so a
		 * narrower "a" rule is written as its "c" and "b" halves. */
		for (const char *tp = t == 'a' ? "cb" : one; *tp; tp++) {
			dev_line(line, sizeof(line), *tp, d, acc);
			if (cg_set(dir, file, field, err, "%s", line) < 0)
				return oerr_ret(err);
		}
	}
	return 0;
}

/* ---- blkio ---- */

static int throttle(const char *dir, const char *file, const char *field, const struct oci_throttle_device *v,
		    size_t n, ocirun_error_t *err)
{
	for (size_t i = 0; i < n; i++)
		if (cg_set(dir, file, field, err, "%" PRId64 ":%" PRId64 " %" PRIu64, v[i].major, v[i].minor,
			   v[i].rate) < 0)
			return oerr_ret(err);
	return 0;
}

static int v1_blkio(const char *dir, const struct oci_resources *res, bool update, ocirun_error_t *err)
{
	const struct oci_blkio *b = res->block_io;
	/* CFQ's files when present, else BFQ's (as runc picks them). */
	bool cfq = cg_exists(dir, "blkio.weight");
	const char *wfile = cfq ? "blkio.weight" : "blkio.bfq.weight";
	const char *wdfile = cfq ? "blkio.weight_device" : "blkio.bfq.weight_device";

	(void)update;
	if (b->has_weight && b->weight && cg_set(dir, wfile, "blockIO.weight", err, "%u", b->weight) < 0)
		return oerr_ret(err);
	if (b->has_leaf_weight && b->leaf_weight &&
	    cg_set(dir, "blkio.leaf_weight", "blockIO.leafWeight", err, "%u", b->leaf_weight) < 0)
		return oerr_ret(err);
	for (size_t i = 0; i < b->n_weight_device; i++) {
		const struct oci_weight_device *w = &b->weight_device[i];
		if (w->has_weight && cg_set(dir, wdfile, "blockIO.weightDevice", err,
					    "%" PRId64 ":%" PRId64 " %u", w->major, w->minor, w->weight) < 0)
			return oerr_ret(err);
		if (w->has_leaf_weight &&
		    cg_set(dir, "blkio.leaf_weight_device", "blockIO.weightDevice", err,
			   "%" PRId64 ":%" PRId64 " %u", w->major, w->minor, w->leaf_weight) < 0)
			return oerr_ret(err);
	}
	if (throttle(dir, "blkio.throttle.read_bps_device", "blockIO.throttleReadBpsDevice",
		     b->throttle_read_bps_device, b->n_throttle_read_bps_device, err) < 0 ||
	    throttle(dir, "blkio.throttle.write_bps_device", "blockIO.throttleWriteBpsDevice",
		     b->throttle_write_bps_device, b->n_throttle_write_bps_device, err) < 0 ||
	    throttle(dir, "blkio.throttle.read_iops_device", "blockIO.throttleReadIOPSDevice",
		     b->throttle_read_iops_device, b->n_throttle_read_iops_device, err) < 0 ||
	    throttle(dir, "blkio.throttle.write_iops_device", "blockIO.throttleWriteIOPSDevice",
		     b->throttle_write_iops_device, b->n_throttle_write_iops_device, err) < 0)
		return oerr_ret(err);
	return 0;
}

/* ---- hugetlb, net_cls, net_prio, rdma ---- */

static bool valid_page_size(const char *s)
{
	return s && *s && strspn(s, "0123456789KMGTPB") == strlen(s);
}

static int v1_hugetlb(const char *dir, const struct oci_resources *res, bool update, ocirun_error_t *err)
{
	(void)update;
	for (size_t i = 0; i < res->n_hugepage_limits; i++) {
		const struct oci_hugepage_limit *l = &res->hugepage_limits[i];
		char file[96], field[48];
		if (!valid_page_size(l->page_size))
			return oerr_msg(err, EINVAL,
					"linux.resources.hugepageLimits[%zu].pageSize: invalid \"%s\"", i,
					l->page_size ? l->page_size : "");
		snprintf(field, sizeof(field), "hugepageLimits[%zu]", i);
		snprintf(file, sizeof(file), "hugetlb.%s.limit_in_bytes", l->page_size);
		if (cg_set(dir, file, field, err, "%" PRIu64, l->limit) < 0)
			return oerr_ret(err);
		snprintf(file, sizeof(file), "hugetlb.%s.rsvd.limit_in_bytes", l->page_size);
		if (cg_exists(dir, file) && cg_set(dir, file, field, err, "%" PRIu64, l->limit) < 0)
			return oerr_ret(err);
	}
	return 0;
}

static int v1_net_cls(const char *dir, const struct oci_resources *res, bool update, ocirun_error_t *err)
{
	(void)update;
	return cg_set(dir, "net_cls.classid", "network.classID", err, "%u", res->network->class_id);
}

static int v1_net_prio(const char *dir, const struct oci_resources *res, bool update, ocirun_error_t *err)
{
	(void)update;
	for (size_t i = 0; i < res->network->n_priorities; i++) {
		const struct oci_net_priority *p = &res->network->priorities[i];
		if (cg_set(dir, "net_prio.ifpriomap", "network.priorities", err, "%s %u",
			   p->name ? p->name : "", p->priority) < 0)
			return oerr_ret(err);
	}
	return 0;
}

struct v1_controller {
	const char *name;   /* v1 subsystem */
	const char *v2name; /* the same resource in the cgroup2 tree (hybrid), NULL if none */
	const char *field;  /* linux.resources.<field> */
	bool (*wanted)(const struct oci_resources *res);
	int (*apply)(const char *dir, const struct oci_resources *res, bool update, ocirun_error_t *err);
};

/* cpuset first: nothing may join before it has cpus and mems. */
static const struct v1_controller v1_controllers[] = {
    {"cpuset", "cpuset", "cpu.cpus", cg_want_cpuset, cg_apply_cpuset},
    {"devices", "devices", "devices", cg_want_devices, v1_devices},
    {"memory", "memory", "memory", cg_want_memory, v1_memory},
    {"cpu", "cpu", "cpu", cg_want_cpu, v1_cpu},
    {"pids", "pids", "pids", cg_want_pids, cg_apply_pids},
    {"blkio", "io", "blockIO", cg_want_blkio, v1_blkio},
    {"hugetlb", "hugetlb", "hugepageLimits", cg_want_hugetlb, v1_hugetlb},
    {"net_cls", NULL, "network.classID", cg_want_net_cls, v1_net_cls},
    {"net_prio", NULL, "network.priorities", cg_want_net_prio, v1_net_prio},
    {"rdma", "rdma", "rdma", cg_want_rdma, cg_apply_rdma},
};

static int v1_apply(const cgroup_t *cg, const struct oci_resources *res, bool update, ocirun_error_t *err)
{
	for (size_t i = 0; i < ARRAY_SIZE(v1_controllers); i++) {
		const struct v1_controller *c = &v1_controllers[i];
		const struct cg_hier *h;

		if (!c->wanted(res))
			continue;
		h = cg_v1_host(cg, c->name);
		if (!h) {
			/* Hybrid: the unified tree has it, the v2 backend writes it. */
			if (c->v2name && cg_v2_host(cg, c->v2name))
				continue;
			return oerr_msg(err, ENOTSUP,
					"linux.resources.%s: the %s cgroup controller is not mounted",
					c->field, c->name);
		}
		if (!h->path)
			return oerr_msg(
			    err, EPERM,
			    "linux.resources.%s: cannot set the limit: the container could not join or "
			    "create its %s cgroup",
			    c->field, c->name);
		if (c->apply(h->path, res, update, err) < 0)
			return oerr_ret(err);
	}
	return 0;
}

/* ---- freezer, pids, kill ---- */

static int v1_freeze(const cgroup_t *cg, bool frozen, ocirun_error_t *err)
{
	const struct cg_hier *h = cg_v1_host(cg, "freezer");
	const char *want = frozen ? "FROZEN" : "THAWED";

	if (!h || !h->path)
		return oerr_msg(err, ENOTSUP, "the freezer cgroup controller is not mounted");
	for (unsigned i = 0; i < 2000; i++) {
		_cleanup_free_ char *state = NULL;
		/* A task in an uninterruptible sleep (vfork, fuse) can hold FREEZING
		 * for good: thaw and write again now and then. */
		if (frozen && i > 0 && i % 100 == 0 && cg_write(h->path, "freezer.state", "THAWED", err) < 0)
			return oerr_ret(err);
		if (i % 100 == 0 && cg_write(h->path, "freezer.state", want, err) < 0)
			return oerr_ret(err);
		if (cg_read(h->path, "freezer.state", &state, err) < 0)
			return oerr_ret(err);
		if (strcmp(state, want) == 0)
			return 0;
		cg_backoff(i < 4 ? i : 1);
	}
	if (frozen)
		cg_write(h->path, "freezer.state", "THAWED", NULL);
	return oerr_msg(err, ETIMEDOUT, "freeze \"%s\": timed out waiting for freezer.state %s", h->path,
			want);
}

static int v1_is_frozen(const cgroup_t *cg)
{
	const struct cg_hier *h = cg_v1_host(cg, "freezer");
	_cleanup_free_ char *state = NULL;
	int r;

	if (!h || !h->path)
		return 0;
	r = cg_read(h->path, "freezer.state", &state, NULL);
	if (r < 0)
		return r;
	return strcmp(state, "FROZEN") == 0;
}

static int v1_pids_list(const cgroup_t *cg, pid_t **ret, size_t *ret_n, ocirun_error_t *err)
{
	static const char *const prefer[] = {"freezer", "pids", "memory", "cpu", "name=systemd"};
	const struct cg_hier *h = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(prefer) && (!h || !h->path); i++)
		h = cg_v1_host(cg, prefer[i]);
	for (size_t i = 0; i < cg->n_hiers && (!h || !h->path); i++)
		if (!cg->hiers[i].unified)
			h = &cg->hiers[i];
	if (!h || !h->path)
		return oerr_msg(err, ENOENT, "no cgroup v1 hierarchy joined");
	return cg_read_pids(h->path, ret, ret_n, err);
}

static int v1_kill(const cgroup_t *cg, int sig, ocirun_error_t *err)
{
	return cg_signal_all(cg, sig, err);
}

const struct cg_backend cg_v1_backend = {
    .name = "v1",
    .create = v1_create,
    .enter = v1_enter,
    .apply = v1_apply,
    .freeze = v1_freeze,
    .is_frozen = v1_is_frozen,
    .pids = v1_pids_list,
    .kill = v1_kill,
    .stats = cg_v1_stats,
    .destroy = v1_destroy,
};
