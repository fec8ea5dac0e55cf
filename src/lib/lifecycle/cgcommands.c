/* Commands that work on a container's cgroup: pause, resume, update, events,
 * ps. Each opens the container (locked), checks its status as runc does, and
 * calls the cgroup module. The CLI parses the flags' values (cli/goflags.c)
 * and formats ps's table (cli/cmd_ps.c). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/json.h"
#include "base/log.h"
#include "base/util.h"
#include "cgroup/cgroup.h"
#include "lifecycle/lifecycle.h"
#include "ocirun/ocirun.h"

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

/* The flags' values (parsed by the CLI): a value of 0 leaves it alone. */
static void update_from_opts(const struct ocirun_update_opts *o, struct update_res *u)
{
	if (o->cpuset_cpus && *o->cpuset_cpus)
		u->cpu.cpus = (char *)o->cpuset_cpus;
	if (o->cpuset_mems && *o->cpuset_mems)
		u->cpu.mems = (char *)o->cpuset_mems;
	set_u64(&u->cpu.has_period, &u->cpu.period, o->cpu_period);
	set_u64(&u->cpu.has_realtime_period, &u->cpu.realtime_period, o->cpu_rt_period);
	set_u64(&u->cpu.has_shares, &u->cpu.shares, o->cpu_shares);
	set_i64(&u->cpu.has_quota, &u->cpu.quota, o->cpu_quota);
	set_i64(&u->cpu.has_realtime_runtime, &u->cpu.realtime_runtime, o->cpu_rt_runtime);
	/* given means set, 0 included: --cpu-burst 0 ends a burst, --cpu-idle 0 a SCHED_IDLE */
	u->cpu.has_burst = o->has_cpu_burst;
	u->cpu.burst = o->cpu_burst;
	u->cpu.has_idle = o->has_cpu_idle;
	u->cpu.idle = o->cpu_idle;
	set_i64(&u->mem.has_limit, &u->mem.limit, o->memory);
	set_i64(&u->mem.has_swap, &u->mem.swap, o->memory_swap);
	set_i64(&u->mem.has_reservation, &u->mem.reservation, o->memory_reservation);
	u->kernel = o->kernel_memory;
	u->kernel_tcp = o->kernel_memory_tcp;
	/* runc: uint16(int) of the flag */
	u->blkio.weight = (uint16_t)o->blkio_weight;
	u->blkio.has_weight = u->blkio.weight != 0;
	/* given means set (runc 1.5), 0 included: a limit of 1 (cg_apply_pids) */
	u->pids.has_limit = o->pids_limit_set;
	u->pids.limit = o->pids_limit;
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
	} else {
		update_from_opts(uo, &u);
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

/* ---- events ---- */

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
	cgroup_oom_watch_t *w = NULL;
	int64_t next = now_ns() + interval;
	int r = 0;

	if (cgroup_oom_watch_open(cg, &w, err) < 0) {
		if (pidfd >= 0)
			close(pidfd);
		return oerr_ret(err);
	}
	for (;;) {
		struct pollfd p[2] = {{cgroup_oom_watch_fd(w), POLLIN, 0}, {pidfd, POLLIN, 0}};
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
			int n = cgroup_oom_watch_read(w);
			if (n < 0)
				break;
			if (n > 0 && (r = emit_event("oom", id, NULL, emit, data, err)) < 0)
				break;
			check = true; /* v2 wakes when the cgroup becomes empty too; v1 checks needlessly */
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
	cgroup_oom_watch_free(w);
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
