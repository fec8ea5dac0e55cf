/* cgroup v2 backend: the unified tree (all of it on a v2 host, the unbound
 * controllers on a hybrid one). Holds the v1 -> v2 value conversions. */
#include "cgroup/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "base/util.h"

/* ---- conversions (as runc does them) ---- */

/* cpu.shares [2, 262144] -> cpu.weight [1, 10000]. */
uint64_t cg_shares_to_weight(uint64_t shares)
{
	if (shares < 2)
		shares = 2;
	if (shares > 262144)
		shares = 262144;
	return 1 + ((shares - 2) * 9999) / 262142;
}

/* blkio.weight [10, 1000] -> io.weight [1, 10000]. */
uint64_t cg_blkio_to_io_weight(uint64_t w)
{
	if (w < 10)
		w = 10;
	if (w > 1000)
		w = 1000;
	return 1 + (w - 10) * 9999 / 990;
}

/* OCI swap is memory+swap (v1 memsw); memory.swap.max is swap alone.
 * Returns the memory.swap.max value: -1 "max", 0 "leave alone", else bytes;
 * *disable is set when swap equals the limit (write "0"). */
int cg_swap_to_v2(int64_t swap, int64_t limit, int64_t *ret, bool *disable, ocirun_error_t *err)
{
	*disable = false;
	/* Unlimited memory with swap unset means both unlimited, like v1. */
	if (limit == -1 && swap == 0) {
		*ret = -1;
		return 0;
	}
	if (swap == -1 || swap == 0) {
		*ret = swap;
		return 0;
	}
	if (limit == 0 || limit == -1)
		return oerr_msg(err, EINVAL,
				"linux.resources.memory.swap: unable to set swap limit without memory limit");
	if (limit < 0)
		return oerr_msg(err, EINVAL, "linux.resources.memory.limit: invalid memory value %" PRId64,
				limit);
	if (swap < limit)
		return oerr_msg(err, EINVAL,
				"linux.resources.memory.swap: memory+swap limit %" PRId64
				" should be >= memory limit %" PRId64,
				swap, limit);
	*ret = swap - limit;
	*disable = *ret == 0;
	return 0;
}

/* ---- create / enter / destroy ---- */

/* Enable in dir's cgroup.subtree_control every controller it offers that is
 * not enabled yet; nothing already enabled is written again. A busy parent
 * (processes inside) refuses: then the limits fail later, naming the file. */
static void enable_controllers(const char *dir)
{
	_cleanup_free_ char *avail = NULL, *enabled = NULL;

	if (cg_read(dir, "cgroup.controllers", &avail, NULL) < 0 ||
	    cg_read(dir, "cgroup.subtree_control", &enabled, NULL) < 0)
		return;
	for (char *save = NULL, *c = strtok_r(avail, " ", &save); c; c = strtok_r(NULL, " ", &save)) {
		ocirun_error_t e;
		_cleanup_free_ char *plus = NULL;
		if (cg_list_has(enabled, c))
			continue;
		plus = xasprintf("+%s", c);
		if (cg_write(dir, "cgroup.subtree_control", plus, &e) < 0)
			log_debug("cgroup: enabling %s: %s", c, e.msg);
	}
}

static int v2_create(const cgroup_t *cg, struct cg_hier *h, ocirun_error_t *err)
{
	_cleanup_free_ char *p = NULL;
	size_t mlen = strlen(h->mount);

	(void)cg;
	if (cg_mkdir(h->mount, h->path, &h->created, err) < 0)
		return oerr_ret(err);
	/* Top down, from the mount to the leaf's parent. */
	p = xstrdup(h->path);
	for (char *s = p + mlen;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		if (*s == '\0')
			break;
		*s = '\0';
		enable_controllers(p);
		*s = '/';
	}
	return 0;
}

static int v2_enter(const struct cg_hier *h, pid_t pid, ocirun_error_t *err)
{
	return cg_enter_dir(h->path, pid, err);
}

static int v2_destroy(const cgroup_t *cg, struct cg_hier *h, ocirun_error_t *err)
{
	(void)cg;
	return cg_remove(h->path, h->created, err);
}

/* ---- memory ---- */

static int v2_memory(const char *dir, const struct oci_resources *res, bool update, ocirun_error_t *err)
{
	const struct oci_memory *m = res->memory;
	int64_t limit = m->has_limit ? m->limit : 0, swap = m->has_swap ? m->swap : 0, sw = 0;
	bool disable;

	if (update && m->has_check_before_update && m->check_before_update && limit > 0) {
		uint64_t usage;
		if (cg_read_u64(dir, "memory.current", &usage, err) < 0)
			return oerr_prefix(err, "linux.resources.memory.checkBeforeUpdate");
		if (usage >= (uint64_t)limit)
			return oerr_msg(err, EBUSY,
					"linux.resources.memory.limit: rejecting memory limit %" PRId64
					" below usage %" PRIu64,
					limit, usage);
	}
	if (cg_swap_to_v2(swap, limit, &sw, &disable, err) < 0)
		return oerr_ret(err);
	if (sw != 0 || disable) {
		int r = sw == -1 ? cg_set(dir, "memory.swap.max", "memory.swap", err, "max")
				 : cg_set(dir, "memory.swap.max", "memory.swap", err, "%" PRId64, sw);
		/* No swap accounting: "unlimited" and "none" already hold. */
		if (r == -ENOENT && (sw == -1 || disable))
			oerr_clear(err);
		else if (r < 0)
			return r;
	}
	if (limit == -1 && cg_set(dir, "memory.max", "memory.limit", err, "max") < 0)
		return oerr_ret(err);
	if (limit > 0 && cg_set(dir, "memory.max", "memory.limit", err, "%" PRId64, limit) < 0)
		return oerr_ret(err);
	if (m->has_reservation && m->reservation == -1 &&
	    cg_set(dir, "memory.low", "memory.reservation", err, "max") < 0)
		return oerr_ret(err);
	if (m->has_reservation && m->reservation > 0 &&
	    cg_set(dir, "memory.low", "memory.reservation", err, "%" PRId64, m->reservation) < 0)
		return oerr_ret(err);
	if (m->has_swappiness && m->swappiness != UINT64_MAX && m->swappiness > 100)
		return oerr_msg(err, EINVAL,
				"linux.resources.memory.swappiness: invalid value %" PRIu64
				", valid range is 0-100",
				m->swappiness);
	/* What cgroup v2 has no file for is accepted and ignored, as runc does. */
	if ((m->has_kernel && m->kernel) || (m->has_kernel_tcp && m->kernel_tcp) ||
	    (m->has_swappiness && m->swappiness != UINT64_MAX) ||
	    (m->has_disable_oom_killer && m->disable_oom_killer) ||
	    (m->has_use_hierarchy && !m->use_hierarchy))
		log_debug("cgroup: memory kernel/kernelTCP/swappiness/disableOOMKiller/useHierarchy have no "
			  "cgroup v2 file: ignored");
	return 0;
}

/* ---- cpu ---- */

static int v2_cpu_max(const char *dir, const struct oci_cpu *c, ocirun_error_t *err)
{
	int64_t quota = c->has_quota ? c->quota : 0;
	uint64_t period = c->has_period ? c->period : 0;
	char buf[64];
	bool burst_pending = false;

	if (c->has_burst) {
		int r = cg_set(dir, "cpu.max.burst", "cpu.burst", err, "%" PRIu64, c->burst);
		/* A burst above the old quota is refused (EINVAL): retry after cpu.max. */
		if (r < 0 && (r != -EINVAL || quota == 0))
			return r;
		burst_pending = r < 0;
	}
	if (quota == 0 && period == 0)
		return 0;
	if (quota > 0)
		snprintf(buf, sizeof(buf), "%" PRId64, quota);
	else
		snprintf(buf, sizeof(buf), "max");
	if (period != 0)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), " %" PRIu64, period);
	if (cg_set(dir, "cpu.max", quota ? "cpu.quota" : "cpu.period", err, "%s", buf) < 0)
		return oerr_ret(err);
	if (burst_pending && cg_set(dir, "cpu.max.burst", "cpu.burst", err, "%" PRIu64, c->burst) < 0)
		return oerr_ret(err);
	return 0;
}

static int v2_cpu(const char *dir, const struct oci_resources *res, bool update, ocirun_error_t *err)
{
	const struct oci_cpu *c = res->cpu;

	(void)update;
	if ((c->has_realtime_runtime && c->realtime_runtime) ||
	    (c->has_realtime_period && c->realtime_period))
		return oerr_msg(
		    err, ENOTSUP, "linux.resources.cpu.%s: realtime scheduling is not supported on cgroup v2",
		    c->has_realtime_runtime && c->realtime_runtime ? "realtimeRuntime" : "realtimePeriod");
	if (c->has_shares && c->shares != 0 &&
	    cg_set(dir, "cpu.weight", "cpu.shares", err, "%" PRIu64, cg_shares_to_weight(c->shares)) < 0)
		return oerr_ret(err);
	if (c->has_idle && cg_set(dir, "cpu.idle", "cpu.idle", err, "%" PRId64, c->idle) < 0)
		return oerr_ret(err);
	return v2_cpu_max(dir, c, err);
}

/* ---- io ---- */

static int io_max(const char *dir, const char *key, const char *field, const struct oci_throttle_device *v,
		  size_t n, ocirun_error_t *err)
{
	for (size_t i = 0; i < n; i++)
		if (cg_set(dir, "io.max", field, err, "%" PRId64 ":%" PRId64 " %s=%" PRIu64, v[i].major,
			   v[i].minor, key, v[i].rate) < 0)
			return oerr_ret(err);
	return 0;
}

static int v2_io_weights(const char *dir, const struct oci_blkio *b, ocirun_error_t *err)
{
	_cleanup_free_ char *bfq_text = NULL;
	/* BFQ takes the v1 scale as is; its per-device lines need kernel >= 5.4,
	 * where io.bfq.weight reads "default N". Else io.weight, converted. */
	bool bfq = cg_read(dir, "io.bfq.weight", &bfq_text, NULL) == 0;
	bool bfq_dev = bfq && strncmp(bfq_text, "default", 7) == 0;

	if (b->has_weight && b->weight) {
		int r = bfq ? cg_set(dir, "io.bfq.weight", "blockIO.weight", err, "%u", b->weight)
			    : cg_set(dir, "io.weight", "blockIO.weight", err, "%" PRIu64,
				     cg_blkio_to_io_weight(b->weight));
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < b->n_weight_device; i++) {
		const struct oci_weight_device *w = &b->weight_device[i];
		int r;
		if (!w->has_weight)
			continue;
		if (bfq_dev)
			r = cg_set(dir, "io.bfq.weight", "blockIO.weightDevice", err,
				   "%" PRId64 ":%" PRId64 " %u", w->major, w->minor, w->weight);
		else
			r = cg_set(dir, "io.weight", "blockIO.weightDevice", err,
				   "%" PRId64 ":%" PRId64 " %" PRIu64, w->major, w->minor,
				   cg_blkio_to_io_weight(w->weight));
		if (r < 0)
			return r;
	}
	return 0;
}

static int v2_io(const char *dir, const struct oci_resources *res, bool update, ocirun_error_t *err)
{
	const struct oci_blkio *b = res->block_io;

	(void)update;
	if (v2_io_weights(dir, b, err) < 0)
		return oerr_ret(err);
	if (b->has_leaf_weight)
		log_debug("cgroup: linux.resources.blockIO.leafWeight has no cgroup v2 file: ignored");
	if (io_max(dir, "rbps", "blockIO.throttleReadBpsDevice", b->throttle_read_bps_device,
		   b->n_throttle_read_bps_device, err) < 0 ||
	    io_max(dir, "wbps", "blockIO.throttleWriteBpsDevice", b->throttle_write_bps_device,
		   b->n_throttle_write_bps_device, err) < 0 ||
	    io_max(dir, "riops", "blockIO.throttleReadIOPSDevice", b->throttle_read_iops_device,
		   b->n_throttle_read_iops_device, err) < 0 ||
	    io_max(dir, "wiops", "blockIO.throttleWriteIOPSDevice", b->throttle_write_iops_device,
		   b->n_throttle_write_iops_device, err) < 0)
		return oerr_ret(err);
	return 0;
}

/* ---- hugetlb, devices ---- */

static int v2_hugetlb(const char *dir, const struct oci_resources *res, bool update, ocirun_error_t *err)
{
	(void)update;
	for (size_t i = 0; i < res->n_hugepage_limits; i++) {
		const struct oci_hugepage_limit *l = &res->hugepage_limits[i];
		const char *ps = l->page_size ? l->page_size : "";
		char file[96], field[48];
		if (!*ps || strspn(ps, "0123456789KMGTPB") != strlen(ps))
			return oerr_msg(err, EINVAL,
					"linux.resources.hugepageLimits[%zu].pageSize: invalid \"%s\"", i,
					ps);
		snprintf(field, sizeof(field), "hugepageLimits[%zu]", i);
		snprintf(file, sizeof(file), "hugetlb.%s.max", ps);
		if (cg_set(dir, file, field, err, "%" PRIu64, l->limit) < 0)
			return oerr_ret(err);
		snprintf(file, sizeof(file), "hugetlb.%s.rsvd.max", ps);
		if (cg_exists(dir, file) && cg_set(dir, file, field, err, "%" PRIu64, l->limit) < 0)
			return oerr_ret(err);
	}
	return 0;
}

static int v2_devices(const char *dir, const struct oci_resources *res, bool update, ocirun_error_t *err)
{
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	(void)update;
	if (fd < 0)
		return oerr(err, errno, "linux.resources.devices: open cgroup \"%s\"", dir);
	if (cg_devices_bpf_apply(fd, res->devices, res->n_devices, err) < 0)
		return oerr_prefix(err, "linux.resources.devices");
	return 0;
}

/* ---- the table ---- */

struct v2_controller {
	const char *name;   /* in cgroup.controllers; "devices" is the eBPF filter */
	const char *v1name; /* the same resource in a v1 mount (hybrid), which then wins */
	const char *field;  /* linux.resources.<field> */
	bool (*wanted)(const struct oci_resources *res);
	/* NULL: no cgroup v2 equivalent */
	int (*apply)(const char *dir, const struct oci_resources *res, bool update, ocirun_error_t *err);
};

static const struct v2_controller v2_controllers[] = {
    {"cpuset", "cpuset", "cpu.cpus", cg_want_cpuset, cg_apply_cpuset},
    {"memory", "memory", "memory", cg_want_memory, v2_memory},
    {"cpu", "cpu", "cpu", cg_want_cpu, v2_cpu},
    {"pids", "pids", "pids", cg_want_pids, cg_apply_pids},
    {"io", "blkio", "blockIO", cg_want_blkio, v2_io},
    {"hugetlb", "hugetlb", "hugepageLimits", cg_want_hugetlb, v2_hugetlb},
    {"rdma", "rdma", "rdma", cg_want_rdma, cg_apply_rdma},
    {"net_cls", "net_cls", "network.classID", cg_want_net_cls, NULL},
    {"net_prio", "net_prio", "network.priorities", cg_want_net_prio, NULL},
    {"devices", "devices", "devices", cg_want_devices, v2_devices},
};

/* A key's controller ("memory" of "memory.min") mounted on cgroup v1 (a hybrid host) has no files
 * in the cgroup2 tree: runc refuses unified on such hosts altogether ("invalid configuration");
 * ocirun writes the keys the cgroup2 tree has (hugetlb here) and refuses these, in runc's words. */
static int check_unified_key(const cgroup_t *cg, const struct cg_hier *h, const char *k, const char *field,
			     ocirun_error_t *err)
{
	_cleanup_free_ char *ctrl = xasprintf("%.*s", (int)strcspn(k, "."), k);

	if (cg_list_has(h->controllers, ctrl) || !cg_v1_host(cg, ctrl))
		return 0;
	return oerr_msg(
	    err, EINVAL,
	    "linux.resources.%s: invalid configuration: the %s controller is not in the cgroup v2 "
	    "hierarchy (on this host it is a cgroup v1 one)",
	    field, ctrl);
}

/* linux.resources.unified: file name -> value, written verbatim, last. */
static int v2_unified(const cgroup_t *cg, const struct cg_hier *h, const struct oci_map *m,
		      ocirun_error_t *err)
{
	for (size_t i = 0; i < m->n; i++) {
		const char *k = m->items[i].key ? m->items[i].key : "";
		_cleanup_free_ char *field = xasprintf("unified[\"%s\"]", k);
		if (!*k || strchr(k, '/') || k[0] == '.')
			return oerr_msg(err, EINVAL, "linux.resources.%s: invalid cgroup file name", field);
		if (check_unified_key(cg, h, k, field, err) < 0)
			return oerr_ret(err);
		if (!h->path)
			return oerr_msg(err, EPERM,
					"linux.resources.%s: the container has no cgroup v2 directory",
					field);
		if (cg_set(h->path, k, field, err, "%s", m->items[i].value ? m->items[i].value : "") < 0)
			return oerr_ret(err);
	}
	return 0;
}

static int v2_apply(const cgroup_t *cg, const struct oci_resources *res, bool update, ocirun_error_t *err)
{
	const struct cg_hier *u = cg_unified(cg);

	for (size_t i = 0; u && i < ARRAY_SIZE(v2_controllers); i++) {
		const struct v2_controller *c = &v2_controllers[i];
		const struct cg_hier *h;

		if (!c->wanted(res))
			continue;
		/* Hybrid: a controller mounted on v1 is written by the v1 backend. */
		if (cg_v1_host(cg, c->v1name))
			continue;
		h = cg_v2_host(cg, c->name);
		if (!c->apply)
			return oerr_msg(err, ENOTSUP, "linux.resources.%s: not supported on cgroup v2 (%s)",
					c->field, c->name);
		if (!h)
			return oerr_msg(err, ENOTSUP,
					"linux.resources.%s: the %s controller is not available in \"%s\"",
					c->field, c->name, u->mount);
		if (!h->path)
			return oerr_msg(
			    err, EPERM,
			    "linux.resources.%s: cannot set the limit: the container could not join or "
			    "create its cgroup",
			    c->field);
		if (c->apply(h->path, res, update, err) < 0)
			return oerr_ret(err);
	}
	return u ? v2_unified(cg, u, &res->unified, err) : 0;
}

/* ---- freezer, pids, kill ---- */

static const struct cg_hier *leaf(const cgroup_t *cg, ocirun_error_t *err)
{
	const struct cg_hier *h = cg_unified(cg);

	if (!h || !h->path) {
		oerr_msg(err, ENOENT, "no cgroup v2 directory joined");
		return NULL;
	}
	return h;
}

static int v2_freeze(const cgroup_t *cg, bool frozen, ocirun_error_t *err)
{
	const struct cg_hier *h = leaf(cg, err);

	if (!h)
		return oerr_ret(err);
	if (cg_write(h->path, "cgroup.freeze", frozen ? "1" : "0", err) < 0)
		return oerr_ret(err);
	/* The write only asks; cgroup.events says when every task has stopped. */
	for (unsigned i = 0; i < 2000; i++) {
		uint64_t v = 0;
		int r = cg_read_key(h->path, "cgroup.events", "frozen", &v, err);
		if (r < 0 && r != -ENOENT)
			return r;
		if (r == 0 && v == (frozen ? 1u : 0u))
			return 0;
		cg_backoff(i < 4 ? i : 1);
	}
	if (frozen)
		cg_write(h->path, "cgroup.freeze", "0", NULL);
	return oerr_msg(err, ETIMEDOUT, "freeze \"%s\": timed out waiting for \"frozen %d\" in cgroup.events",
			h->path, frozen ? 1 : 0);
}

static int v2_is_frozen(const cgroup_t *cg)
{
	const struct cg_hier *h = leaf(cg, NULL);
	uint64_t v = 0;
	int r;

	if (!h)
		return 0;
	r = cg_read_key(h->path, "cgroup.events", "frozen", &v, NULL);
	if (r < 0)
		return r == -ENOENT ? 0 : r;
	return v == 1;
}

static int v2_pids(const cgroup_t *cg, pid_t **ret, size_t *ret_n, ocirun_error_t *err)
{
	const struct cg_hier *h = leaf(cg, err);

	if (!h)
		return oerr_ret(err);
	return cg_read_pids(h->path, ret, ret_n, err);
}

static int v2_kill(const cgroup_t *cg, int sig, ocirun_error_t *err)
{
	const struct cg_hier *h = leaf(cg, err);

	if (!h)
		return oerr_ret(err);
	/* cgroup.kill (5.14) kills the whole subtree atomically, forks included. */
	if (sig == SIGKILL && cg_exists(h->path, "cgroup.kill"))
		return cg_write(h->path, "cgroup.kill", "1", err);
	return cg_signal_all(cg, sig, err);
}

const struct cg_backend cg_v2_backend = {
    .name = "v2",
    .create = v2_create,
    .enter = v2_enter,
    .apply = v2_apply,
    .freeze = v2_freeze,
    .is_frozen = v2_is_frozen,
    .pids = v2_pids,
    .kill = v2_kill,
    .stats = cg_v2_stats,
    .destroy = v2_destroy,
};
