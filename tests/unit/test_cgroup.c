/* cgroup module tests against the running kernel: freezing, moving tasks, stats of real usage,
 * eBPF device filters. Run as root; the tests that read the hybrid layout (v1 controllers + a
 * cgroup2 tree with hugetlb at /sys/fs/cgroup/unified) skip elsewhere. What needs no kernel (paths,
 * files, conversions, removal) runs on any host against a tree of plain files: test_cgtree.c.
 * Every cgroup made here is removed again, also when a check fails. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/bpf.h>
#include <signal.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/json.h"
#include "base/util.h"
#include "cgroup/cgroup.h"
#include "cgroup/internal.h"
#include "unit.h"

static char *cgfile(const cgroup_t *cg, const char *ctrl, const char *file)
{
	const char *dir = cgroup_path(cg, ctrl);

	if (!dir)
		return NULL;
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, file);
	return unit_slurp(p, 1);
}

#define CHECK_FILE(cg, ctrl, file, want)                                                                     \
	do {                                                                                                 \
		_cleanup_free_ char *_v = cgfile(cg, ctrl, file);                                            \
		CHECK_STR(_v, want);                                                                         \
	} while (0)

static bool is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool hybrid_host(void)
{
	return is_dir("/sys/fs/cgroup/memory") && is_dir("/sys/fs/cgroup/unified");
}

/* This process's cgroup in the hierarchy whose /proc/self/cgroup field is ctrls. */
static char *own_cgroup(const char *ctrls)
{
	_cleanup_free_ char *s = unit_slurp("/proc/self/cgroup", 1);
	size_t n = strlen(ctrls);

	for (char *save = NULL, *l = strtok_r(s, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *c = strchr(l, ':');
		if (c && strncmp(c + 1, ctrls, n) == 0 && c[1 + n] == ':')
			return xstrdup(c + 2 + n);
	}
	return xstrdup("/");
}

/* Every dir name (relative or absolute) would have in each hierarchy of this host. */
static char **expected_dirs(const char *name, bool abs)
{
	static const char *const plain[] = {"cpu",     "cpuacct", "cpuset", "devices",
					    "freezer", "blkio",   "pids"};
	_cleanup_free_ char *own_mem = own_cgroup("memory");
	char **v = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(plain); i++) {
		_cleanup_free_ char *own = own_cgroup(plain[i]), *p = NULL;
		if (strcmp(own, "/") == 0 || abs)
			p = xasprintf("/sys/fs/cgroup/%s/%s", plain[i], name);
		else
			p = xasprintf("/sys/fs/cgroup/%s%s/%s", plain[i], own, name);
		strv_push(&v, p);
	}
	_cleanup_free_ char *m = abs || strcmp(own_mem, "/") == 0
				     ? xasprintf("/sys/fs/cgroup/memory/%s", name)
				     : xasprintf("/sys/fs/cgroup/memory%s/%s", own_mem, name);
	strv_push(&v, m);
	_cleanup_free_ char *s = xasprintf("/sys/fs/cgroup/systemd/%s", name);
	strv_push(&v, s);
	_cleanup_free_ char *u = xasprintf("/sys/fs/cgroup/unified/%s", name);
	strv_push(&v, u);
	return v;
}

static size_t count_existing(char **dirs)
{
	size_t n = 0;

	for (size_t i = 0; dirs && dirs[i]; i++)
		if (is_dir(dirs[i])) {
			fprintf(stderr, "# left behind: %s\n", dirs[i]);
			n++;
		}
	return n;
}

/* Last resort after a failed check: thaw, kill the child, remove the dirs. */
static void force_cleanup(char **dirs, pid_t child)
{
	for (size_t i = 0; dirs && dirs[i]; i++) {
		_cleanup_free_ char *fz = xasprintf("%s/freezer.state", dirs[i]);
		if (access(fz, F_OK) == 0)
			write_file(fz, "THAWED", 6, NULL);
	}
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	for (size_t i = 0; dirs && dirs[i]; i++)
		for (int k = 0; k < 50 && rmdir(dirs[i]) < 0 && errno == EBUSY; k++)
			usleep(20000);
}

static pid_t spawn_sleeper(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		for (;;)
			pause();
	}
	return pid;
}

struct toucher {
	pid_t pid;
	int go, ready;
};

/* A child that, once told (after it joined), touches 8 MiB and says so:
 * v1 does not move old charges along with a task. */
static struct toucher spawn_toucher(void)
{
	struct toucher t = {-1, -1, -1};
	int go[2], ready[2];
	char c = 0;

	if (pipe(go) < 0 || pipe(ready) < 0)
		return t;
	t.pid = fork();
	if (t.pid == 0) {
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		char *mem = malloc(8 << 20);
		if (mem)
			memset(mem, 1, 8 << 20);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(go[0]);
	close(ready[1]);
	t.go = go[1];
	t.ready = ready[0];
	return t;
}

static void touch_now(struct toucher *t)
{
	char c;

	CHECK(write(t->go, "g", 1) == 1 && read(t->ready, &c, 1) == 1);
	close(t->go);
	close(t->ready);
}

/* ---- a full resource set ---- */

static struct oci_device_cgroup dev_rules[] = {
    {.allow = false, .type = "a", .access = "rwm"},
    {.allow = true,
     .type = "c",
     .has_major = true,
     .major = 1,
     .has_minor = true,
     .minor = 3,
     .access = "rwm"},
    {.allow = true,
     .type = "c",
     .has_major = true,
     .major = -1,
     .has_minor = true,
     .minor = -1,
     .access = "m"},
    {.allow = true, .type = "b", .has_major = true, .major = 8, .access = "r"},
    {.allow = true, .type = "a", .has_major = true, .major = 5, .has_minor = true, .minor = 1, .access = "r"},
};

static struct oci_memory mem = {
    .has_limit = true,
    .limit = 64 << 20,
    .has_swap = true,
    .swap = 128 << 20,
    .has_reservation = true,
    .reservation = 32 << 20,
    .has_kernel = true,
    .kernel = 1 << 30,
    .has_swappiness = true,
    .swappiness = 30,
    .has_disable_oom_killer = true,
    .disable_oom_killer = true,
    .has_use_hierarchy = true,
    .use_hierarchy = true,
};

static struct oci_cpu cpu = {
    .has_shares = true,
    .shares = 512,
    .has_quota = true,
    .quota = 50000,
    .has_period = true,
    .period = 100000,
    .has_burst = true,
    .burst = 10000,
    .has_realtime_period = true,
    .realtime_period = 1000000,
    .has_realtime_runtime = true,
    .realtime_runtime = 10000,
    .cpus = "0",
    .mems = "0",
    .has_idle = true,
    .idle = 0,
};

static struct oci_pids pids_lim = {.has_limit = true, .limit = 100};
static struct oci_throttle_device rbps[] = {{.major = 254, .minor = 0, .rate = 1048576}};
static struct oci_throttle_device wiops[] = {{.major = 254, .minor = 0, .rate = 100}};
static struct oci_blkio blkio = {
    .has_weight = true,
    .weight = 500,
    .throttle_read_bps_device = rbps,
    .n_throttle_read_bps_device = 1,
    .throttle_write_iops_device = wiops,
    .n_throttle_write_iops_device = 1,
};
static struct oci_hugepage_limit huge[] = {{.page_size = "2MB", .limit = 4 << 20}};

/* Whether a new v1 blkio cgroup gets a weight file (CFQ's or BFQ's): not where every block device
 * uses the "none" scheduler. The root's stat files tell which scheduler's files a child gets. */
static bool host_has_blkio_weight(void)
{
	return access("/sys/fs/cgroup/blkio/blkio.io_serviced", F_OK) == 0 ||
	       access("/sys/fs/cgroup/blkio/blkio.bfq.io_serviced", F_OK) == 0;
}

/* Whether a new cpu cgroup beside ours can be given realtime runtime: not where RT group
 * scheduling is off or the parent's budget is already handed out to other cgroups. */
static bool host_has_rt_budget(void)
{
	_cleanup_free_ char *own = own_cgroup("cpu");
	_cleanup_free_ char *dir =
	    xasprintf("/sys/fs/cgroup/cpu%s/ocirun-rt-probe-%d", strcmp(own, "/") ? own : "", (int)getpid());
	_cleanup_free_ char *file = xasprintf("%s/cpu.rt_runtime_us", dir);
	bool ok;
	FILE *f;

	if (mkdir(dir, 0755) < 0)
		return false;
	f = fopen(file, "w");
	ok = f && fprintf(f, "10000\n") > 0;
	ok = f && fclose(f) == 0 && ok;
	rmdir(dir);
	return ok;
}

static struct oci_resources full_resources(void)
{
	struct oci_resources r;

	memset(&r, 0, sizeof(r));
	r.devices = dev_rules;
	r.n_devices = ARRAY_SIZE(dev_rules);
	r.memory = &mem;
	r.cpu = &cpu;
	r.pids = &pids_lim;
	cpu.has_realtime_runtime = cpu.has_realtime_period = host_has_rt_budget();
	if (!cpu.has_realtime_runtime)
		printf("# skip cpu realtime: no realtime runtime can be given to a new cgroup here\n");
	blkio.has_weight = host_has_blkio_weight();
	if (!blkio.has_weight)
		printf("# skip blkio weight: no block device here has a scheduler with weights\n");
	r.block_io = &blkio;
	r.hugepage_limits = huge;
	r.n_hugepage_limits = 1;
	return r;
}

static void check_resources(const cgroup_t *cg)
{
	_cleanup_free_ char *oom = NULL, *devs = NULL;

	CHECK_FILE(cg, "memory", "memory.limit_in_bytes", "67108864");
	if (cg_exists(cgroup_path(cg, "memory"), "memory.memsw.limit_in_bytes"))
		CHECK_FILE(cg, "memory", "memory.memsw.limit_in_bytes", "134217728");
	CHECK_FILE(cg, "memory", "memory.soft_limit_in_bytes", "33554432");
	CHECK_FILE(cg, "memory", "memory.swappiness", "30");
	oom = cgfile(cg, "memory", "memory.oom_control");
	CHECK_CONTAINS(oom, "oom_kill_disable 1");
	CHECK_FILE(cg, "cpu", "cpu.shares", "512");
	CHECK_FILE(cg, "cpu", "cpu.cfs_quota_us", "50000");
	CHECK_FILE(cg, "cpu", "cpu.cfs_period_us", "100000");
	CHECK_FILE(cg, "cpu", "cpu.cfs_burst_us", "10000");
	if (cpu.has_realtime_runtime) {
		CHECK_FILE(cg, "cpu", "cpu.rt_period_us", "1000000");
		CHECK_FILE(cg, "cpu", "cpu.rt_runtime_us", "10000");
	}
	CHECK_FILE(cg, "cpu", "cpu.idle", "0");
	CHECK_FILE(cg, "cpuset", "cpuset.cpus", "0");
	CHECK_FILE(cg, "cpuset", "cpuset.mems", "0");
	CHECK_FILE(cg, "pids", "pids.max", "100");
	/* CFQ's blkio.weight, else BFQ's file, as runc picks them. */
	if (!blkio.has_weight)
		;
	else if (cg_exists(cgroup_path(cg, "blkio"), "blkio.weight"))
		CHECK_FILE(cg, "blkio", "blkio.weight", "500");
	else
		CHECK_FILE(cg, "blkio", "blkio.bfq.weight", "500");
	CHECK_FILE(cg, "blkio", "blkio.throttle.read_bps_device", "254:0 1048576");
	CHECK_FILE(cg, "blkio", "blkio.throttle.write_iops_device", "254:0 100");
	/* hugetlb lives in the unified tree on this host. */
	CHECK_FILE(cg, "", "hugetlb.2MB.max", "4194304");
	devs = cgfile(cg, "devices", "devices.list");
	CHECK_CONTAINS(devs, "c 1:3 rwm");
	CHECK_CONTAINS(devs, "c *:* m");
	CHECK_CONTAINS(devs, "b 8:* r");
	CHECK_CONTAINS(devs, "c 5:1 r");
	CHECK_CONTAINS(devs, "b 5:1 r");
	CHECK(!strstr(devs ? devs : "", "a *:* rwm"));
}

static void check_stats(const cgroup_t *cg)
{
	json_gen_t *g = json_gen_new(false);
	ocirun_error_t err = {0};
	json_t *v = NULL;
	size_t len;
	uint64_t x = 0;

	CHECK(cgroup_stats(cg, g, &err) == 0);
	_cleanup_free_ char *text = json_gen_finish(g, &len);
	json_gen_free(g);
	CHECK(json_parse(text, len, &v, &err) == 0);
	if (!v)
		return;
	json_t *cpu_s = json_obj_get(v, "cpu"), *m = json_obj_get(v, "memory");
	CHECK(json_obj_get(json_obj_get(cpu_s, "usage"), "kernel") != NULL);
	CHECK(json_obj_get(json_obj_get(cpu_s, "usage"), "percpu") != NULL);
	CHECK(json_obj_get(cpu_s, "throttling") != NULL);
	CHECK(json_obj_get(v, "cpuset") != NULL);
	CHECK(json_u64(json_obj_get(json_obj_get(m, "usage"), "limit"), &x) == 0 && x == 64 << 20);
	CHECK(json_obj_get(json_obj_get(m, "usage"), "failcnt") != NULL);
	CHECK(json_obj_get(m, "swap") && json_obj_get(m, "kernel") && json_obj_get(m, "kernelTCP"));
	CHECK(json_obj_get(json_obj_get(m, "raw"), "total_rss") != NULL);
	CHECK(json_u64(json_obj_get(json_obj_get(v, "pids"), "current"), &x) == 0 && x == 1);
	CHECK(json_u64(json_obj_get(json_obj_get(v, "pids"), "limit"), &x) == 0 && x == 100);
	CHECK(json_type(json_obj_get(v, "blkio")) == JSON_OBJECT);
	CHECK(json_obj_get(json_obj_get(json_obj_get(v, "hugetlb"), "2MB"), "failcnt") != NULL);
	CHECK(json_obj_get(v, "intel_rdt") != NULL);
	json_free(v);
}

/* Freeze, list, stats, kill: the life of a container's processes. */
static void exercise_child(cgroup_t *cg, pid_t child, const char *name)
{
	ocirun_error_t err = {0};
	_cleanup_free_ pid_t *pids = NULL;
	_cleanup_free_ char *procfile = xasprintf("/proc/%d/cgroup", (int)child), *self = NULL;
	_cleanup_free_ char *own_mem = own_cgroup("memory"), *want_mem = NULL, *want_cpu = NULL,
			    *want_u = NULL;
	size_t n = 0;
	int status = 0;

	CHECK(cgroup_enter(cg, child, &err) == 0);
	self = unit_slurp(procfile, 1);
	want_mem = name[0] == '/' ? xasprintf("memory:%s\n", name)
				  : xasprintf("memory:%s/%s\n", strcmp(own_mem, "/") ? own_mem : "", name);
	want_cpu = xasprintf(":cpu:%s%s\n", name[0] == '/' ? "" : "/", name);
	want_u = xasprintf("0::%s%s", name[0] == '/' ? "" : "/", name);
	CHECK_CONTAINS(self, want_mem);
	CHECK_CONTAINS(self, want_cpu);
	CHECK_CONTAINS(self, want_u);

	CHECK(cgroup_is_frozen(cg) == 0);
	CHECK(cgroup_freeze(cg, true, &err) == 0);
	CHECK(cgroup_is_frozen(cg) == 1);
	CHECK(cgroup_freeze(cg, false, &err) == 0);
	CHECK(cgroup_is_frozen(cg) == 0);

	CHECK(cgroup_pids(cg, &pids, &n, &err) == 0);
	CHECK(n == 1 && pids && pids[0] == child);
	check_stats(cg);

	CHECK(cgroup_kill_all(cg, SIGKILL, &err) == 0);
	CHECK(waitpid(child, &status, 0) == child);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

TEST(full_relative)
{
	_cleanup_free_ char *name = xasprintf("ocirun-test-%d", (int)getpid());
	_cleanup_strv_ char **dirs = expected_dirs(name, false);
	struct cgroup_opts o = {.id = "x", .path = name};
	struct oci_resources res = full_resources();
	ocirun_error_t err = {0};
	cgroup_t *cg = NULL;
	pid_t child = -1;

	if (!hybrid_host()) {
		printf("# skip: not the hybrid layout these checks read\n");
		return;
	}
	CHECK(cgroup_create(&o, &res, &cg, &err) == 0);
	if (!cg) {
		fprintf(stderr, "# %s\n", err.msg);
		force_cleanup(dirs, -1);
		return;
	}
	CHECK(cgroup_v2_fd(cg) == -1); /* hybrid: no CLONE_INTO_CGROUP */
	for (size_t i = 0; dirs[i]; i++)
		CHECK(is_dir(dirs[i]));
	check_resources(cg);
	child = spawn_sleeper();
	CHECK(child > 0);
	if (child > 0)
		exercise_child(cg, child, name);
	CHECK(cgroup_destroy(cg, &err) == 0);
	cgroup_free(cg);
	CHECK(count_existing(dirs) == 0);
	force_cleanup(dirs, -1);
}

TEST(absolute_and_update)
{
	_cleanup_free_ char *name = xasprintf("/ocirun-test-abs-%d", (int)getpid());
	_cleanup_strv_ char **dirs = expected_dirs(name + 1, true);
	struct cgroup_opts o = {.id = "x", .path = name};
	struct oci_pids p = {.has_limit = true, .limit = 10};
	struct oci_resources res;
	ocirun_error_t err = {0};
	cgroup_t *cg = NULL;
	pid_t child;

	if (!hybrid_host())
		return;
	memset(&res, 0, sizeof(res));
	res.pids = &p;
	CHECK(cgroup_create(&o, &res, &cg, &err) == 0);
	if (!cg) {
		fprintf(stderr, "# %s\n", err.msg);
		force_cleanup(dirs, -1);
		return;
	}
	for (size_t i = 0; dirs[i]; i++)
		CHECK(is_dir(dirs[i]));
	CHECK_FILE(cg, "pids", "pids.max", "10");
	p.limit = -1; /* < 0 is no limit */
	CHECK(cgroup_update(cg, &res, &err) == 0);
	CHECK_FILE(cg, "pids", "pids.max", "max");
	p.limit = 0; /* a limit of 1, on update too (runc 1.5) */
	CHECK(cgroup_update(cg, &res, &err) == 0);
	CHECK_FILE(cg, "pids", "pids.max", "1");
	p.limit = -1;
	CHECK(cgroup_update(cg, &res, &err) == 0);

	/* checkBeforeUpdate refuses a limit below what is in use. */
	struct toucher t = spawn_toucher();
	child = t.pid;
	CHECK(cgroup_enter(cg, child, &err) == 0);
	touch_now(&t);
	struct oci_memory m = {
	    .has_limit = true, .limit = 4096, .has_check_before_update = true, .check_before_update = true};
	memset(&res, 0, sizeof(res));
	res.memory = &m;
	CHECK(cgroup_update(cg, &res, &err) < 0);
	CHECK_CONTAINS(err.msg, "linux.resources.memory.limit: rejecting memory limit 4096 below usage");
	m.limit = 256 << 20;
	CHECK(cgroup_update(cg, &res, &err) == 0);
	CHECK_FILE(cg, "memory", "memory.limit_in_bytes", "268435456");
	CHECK(cgroup_kill_all(cg, SIGKILL, &err) == 0);
	waitpid(child, NULL, 0);
	CHECK(cgroup_destroy(cg, &err) == 0);
	cgroup_free(cg);
	CHECK(count_existing(dirs) == 0);
	force_cleanup(dirs, -1);
}

TEST(absent_path_uses_id)
{
	_cleanup_free_ char *id = xasprintf("ocirun-test-id-%d", (int)getpid());
	_cleanup_strv_ char **dirs = expected_dirs(id, false);
	struct cgroup_opts o = {.id = id};
	ocirun_error_t err = {0};
	cgroup_t *cg = NULL;

	if (!hybrid_host())
		return;
	CHECK(cgroup_create(&o, NULL, &cg, &err) == 0);
	for (size_t i = 0; cg && dirs[i]; i++)
		CHECK(is_dir(dirs[i]));
	if (cg) {
		CHECK(cgroup_destroy(cg, &err) == 0);
		cgroup_free(cg);
	}
	CHECK(count_existing(dirs) == 0);
	force_cleanup(dirs, -1);
}

TEST(bad_paths)
{
	ocirun_error_t err = {0};
	cgroup_t *cg = NULL;
	struct cgroup_opts sd = {.id = "x", .systemd = true};
	struct cgroup_opts colon = {.id = "x", .path = "system.slice:ocirun:x"};
	struct cgroup_opts dots = {.id = "x", .path = "/a/../../etc"};
	struct cgroup_opts root = {.id = "x", .path = "/./"};

	/* this host has no systemd; where it has, the driver is checked in the vm13 guest */
	if (access("/run/systemd/system", F_OK) != 0) {
		CHECK(cgroup_create(&sd, NULL, &cg, &err) < 0);
		CHECK_CONTAINS(err.msg, "systemd is not running on this host");
	}
	CHECK(cgroup_create(&colon, NULL, &cg, &err) < 0);
	CHECK_CONTAINS(err.msg, "linux.cgroupsPath \"system.slice:ocirun:x\": \"slice:prefix:name\" needs "
				"--systemd-cgroup");
	CHECK(cgroup_create(&dots, NULL, &cg, &err) < 0);
	CHECK_CONTAINS(err.msg, "\"..\" is not allowed");
	CHECK(cgroup_create(&root, NULL, &cg, &err) < 0);
	CHECK_CONTAINS(err.msg, "names a hierarchy's root");
	CHECK(cg == NULL);
}

/* A value the kernel refuses fails the create and leaves no directory. */
static void check_fails_clean(const char *tag, struct oci_resources *res, const char *msg)
{
	_cleanup_free_ char *name = xasprintf("ocirun-test-%s-%d", tag, (int)getpid());
	_cleanup_strv_ char **dirs = expected_dirs(name, false);
	struct cgroup_opts o = {.id = "x", .path = name};
	ocirun_error_t err = {0};
	cgroup_t *cg = NULL;

	CHECK(cgroup_create(&o, res, &cg, &err) < 0);
	CHECK_CONTAINS(err.msg, msg);
	CHECK(cg == NULL);
	CHECK(count_existing(dirs) == 0);
	force_cleanup(dirs, -1);
	if (cg) {
		cgroup_destroy(cg, NULL);
		cgroup_free(cg);
	}
}

TEST(invalid_values_leave_nothing)
{
	struct oci_cpu c = {.cpus = "999"};
	struct oci_blkio b = {.has_leaf_weight = true, .leaf_weight = 100};
	struct oci_network net = {.has_class_id = true, .class_id = 0x100001};
	struct oci_rdma rd = {.device = "mlx4_0", .has_hca_handles = true, .hca_handles = 2};
	struct oci_kv kv = {.key = "memory.max", .value = "1000000"};
	struct oci_memory sw = {.has_swappiness = true, .swappiness = 101};
	struct oci_device_cgroup bad_dev = {.allow = true, .type = "x", .access = "rwm"};
	struct oci_resources r;

	if (!hybrid_host())
		return;
	memset(&r, 0, sizeof(r));
	r.cpu = &c;
	check_fails_clean("cpus", &r,
			  "linux.resources.cpu.cpus: write \"cpuset.cpus\" in \"/sys/fs/cgroup/cpuset/");
	memset(&r, 0, sizeof(r));
	r.block_io = &b;
	/* Only CFQ has blkio.leaf_weight; runc writes it and fails the same way. */
	check_fails_clean("leaf", &r, "linux.resources.blockIO.leafWeight: write \"blkio.leaf_weight\"");
	memset(&r, 0, sizeof(r));
	r.network = &net;
	check_fails_clean("netcls", &r,
			  "linux.resources.network.classID: the net_cls cgroup controller is not mounted");
	memset(&r, 0, sizeof(r));
	r.rdma = &rd;
	r.n_rdma = 1;
	check_fails_clean("rdma", &r, "linux.resources.rdma: the rdma cgroup controller is not mounted");
	memset(&r, 0, sizeof(r));
	r.unified.items = &kv;
	r.unified.n = 1;
	/* hybrid: unified keys go to the cgroup2 dir, where memory is not (runc: "invalid configuration") */
	check_fails_clean(
	    "unified", &r,
	    "linux.resources.unified[\"memory.max\"]: invalid configuration: the memory controller is "
	    "not in the cgroup v2 hierarchy (on this host it is a cgroup v1 one)");
	memset(&r, 0, sizeof(r));
	r.memory = &sw;
	check_fails_clean("swappiness", &r, "linux.resources.memory.swappiness: invalid value 101");
	memset(&r, 0, sizeof(r));
	r.devices = &bad_dev;
	r.n_devices = 1;
	check_fails_clean("dev", &r, "linux.resources.devices[0].type: invalid device type \"x\"");
}

TEST(unified_map_hybrid)
{
	_cleanup_free_ char *name = xasprintf("ocirun-test-uni-%d", (int)getpid());
	_cleanup_strv_ char **dirs = expected_dirs(name, false);
	struct cgroup_opts o = {.id = "x", .path = name};
	struct oci_kv kv = {.key = "hugetlb.2MB.max", .value = "6291456"};
	struct oci_resources r;
	ocirun_error_t err = {0};
	cgroup_t *cg = NULL;

	if (!hybrid_host())
		return;
	memset(&r, 0, sizeof(r));
	r.unified.items = &kv;
	r.unified.n = 1;
	CHECK(cgroup_create(&o, &r, &cg, &err) == 0);
	if (cg) {
		CHECK_FILE(cg, NULL, "hugetlb.2MB.max", "6291456");
		CHECK(cgroup_destroy(cg, &err) == 0);
		cgroup_free(cg);
	}
	CHECK(count_existing(dirs) == 0);
	force_cleanup(dirs, -1);
}

TEST(json_roundtrip)
{
	_cleanup_free_ char *name = xasprintf("ocirun-test-json-%d", (int)getpid());
	_cleanup_strv_ char **dirs = expected_dirs(name, false);
	struct cgroup_opts o = {.id = "x", .path = name};
	ocirun_error_t err = {0};
	cgroup_t *cg = NULL, *back = NULL;
	json_t *v = NULL;
	size_t len;

	if (!hybrid_host())
		return;
	CHECK(cgroup_create(&o, NULL, &cg, &err) == 0);
	if (!cg)
		return;
	json_gen_t *g = json_gen_new(false);
	cgroup_to_json(cg, g);
	_cleanup_free_ char *text = json_gen_finish(g, &len);
	json_gen_free(g);
	cgroup_free(cg);
	CHECK(json_parse(text, len, &v, &err) == 0);
	CHECK(cgroup_from_json(v, &back, &err) == 0);
	if (back) {
		CHECK_STR(cgroup_path(back, "memory"), dirs[7]);
		CHECK(cgroup_destroy(back, &err) == 0);
		cgroup_free(back);
	}
	json_free(v);
	CHECK(count_existing(dirs) == 0);
	force_cleanup(dirs, -1);

	/* A tampered state cannot aim destroy elsewhere. */
	const char *evil =
	    "{\"mode\":\"hybrid\",\"hierarchies\":[{\"unified\":false,\"controllers\":\"pids\","
	    "\"mount\":\"/sys/fs/cgroup/pids\",\"path\":\"/etc/x\",\"created\":\"/etc\"}]}";
	CHECK(json_parse(evil, strlen(evil), &v, &err) == 0);
	back = NULL;
	CHECK(cgroup_from_json(v, &back, &err) < 0);
	CHECK(back == NULL);
	json_free(v);
}

/* A create killed between cgroup_make and recording what it made: the plan,
 * recorded before, names every dir made, parents included. */
TEST(plan_names_what_make_creates)
{
	_cleanup_free_ char *name = xasprintf("ocirun-test-plan-%d", (int)getpid());
	_cleanup_free_ char *path = xasprintf("/%s/a/b", name);
	_cleanup_free_ char *top_unified = xasprintf("/sys/fs/cgroup/unified/%s", name);
	_cleanup_strv_ char **dirs = expected_dirs(name, true);
	struct cgroup_opts o = {.id = "x", .path = path};
	ocirun_error_t err = {0};
	cgroup_t *cg = NULL, *back = NULL;
	json_t *v = NULL;
	size_t len;

	if (!hybrid_host())
		return;
	CHECK(cgroup_plan(&o, &cg, &err) == 0);
	if (!cg)
		return;
	CHECK(count_existing(dirs) == 0);
	json_gen_t *g = json_gen_new(false);
	cgroup_to_json(cg, g);
	_cleanup_free_ char *text = json_gen_finish(g, &len);
	json_gen_free(g);
	CHECK_CONTAINS(text, top_unified);
	CHECK(cgroup_make(cg, false, NULL, &err) == 0);
	for (size_t i = 0; dirs[i]; i++)
		CHECK(is_dir(dirs[i]));
	cgroup_free(cg); /* "killed": nothing recorded what make made */
	CHECK(json_parse(text, len, &v, &err) == 0);
	CHECK(cgroup_from_json(v, &back, &err) == 0);
	if (back) {
		CHECK(cgroup_destroy(back, &err) == 0);
		cgroup_free(back);
	}
	json_free(v);
	CHECK(count_existing(dirs) == 0);
	force_cleanup(dirs, -1);

	/* an existing dir is not planned as created */
	CHECK(cg_plan_created("/sys/fs/cgroup/pids", "/sys/fs/cgroup/pids") == NULL);
	_cleanup_free_ char *own = cg_plan_created("/sys/fs/cgroup/unified", "/sys/fs/cgroup/unified/x");
	CHECK(own == NULL || strcmp(own, "/sys/fs/cgroup/unified/x") == 0);
}

TEST(conversions)
{
	int64_t sw = 0;
	bool disable = false;
	ocirun_error_t err = {0};

	CHECK(cg_shares_to_weight(2) == 1);
	CHECK(cg_shares_to_weight(1024) == 39);
	CHECK(cg_shares_to_weight(262144) == 10000);
	CHECK(cg_blkio_to_io_weight(10) == 1);
	CHECK(cg_blkio_to_io_weight(500) == 4950);
	CHECK(cg_blkio_to_io_weight(1000) == 10000);
	CHECK(cg_swap_to_v2(200, 100, &sw, &disable, &err) == 0 && sw == 100 && !disable);
	CHECK(cg_swap_to_v2(100, 100, &sw, &disable, &err) == 0 && sw == 0 && disable);
	CHECK(cg_swap_to_v2(0, -1, &sw, &disable, &err) == 0 && sw == -1);
	CHECK(cg_swap_to_v2(-1, 100, &sw, &disable, &err) == 0 && sw == -1);
	CHECK(cg_swap_to_v2(50, 100, &sw, &disable, &err) < 0);
	CHECK_CONTAINS(err.msg, "linux.resources.memory.swap");
	CHECK(cg_swap_to_v2(50, 0, &sw, &disable, &err) < 0);
	CHECK_CONTAINS(err.msg, "without memory limit");
}

/* runc's default device list, as the lifecycle will hand it over. */
static struct oci_device_cgroup default_rules[] = {
    {.allow = false, .access = "rwm"},
    {.allow = true, .type = "c", .access = "m"},
    {.allow = true, .type = "b", .access = "m"},
    {.allow = true,
     .type = "c",
     .has_major = true,
     .major = 1,
     .has_minor = true,
     .minor = 3,
     .access = "rwm"},
    {.allow = true,
     .type = "c",
     .has_major = true,
     .major = 1,
     .has_minor = true,
     .minor = 8,
     .access = "rwm"},
    {.allow = true,
     .type = "c",
     .has_major = true,
     .major = 1,
     .has_minor = true,
     .minor = 7,
     .access = "rwm"},
    {.allow = true,
     .type = "c",
     .has_major = true,
     .major = 5,
     .has_minor = true,
     .minor = 0,
     .access = "rwm"},
    {.allow = true,
     .type = "c",
     .has_major = true,
     .major = 1,
     .has_minor = true,
     .minor = 5,
     .access = "rwm"},
    {.allow = true,
     .type = "c",
     .has_major = true,
     .major = 1,
     .has_minor = true,
     .minor = 9,
     .access = "rwm"},
    {.allow = true, .type = "c", .has_major = true, .major = 136, .access = "rwm"},
    {.allow = true,
     .type = "c",
     .has_major = true,
     .major = 5,
     .has_minor = true,
     .minor = 2,
     .access = "rwm"},
    {.allow = false,
     .type = "c",
     .has_major = true,
     .major = 1,
     .has_minor = true,
     .minor = 5,
     .access = "w"},
};

TEST(bpf_program_loads)
{
	struct oci_device_cgroup allow_all[] = {{.allow = true, .type = "a", .access = "rwm"},
						{.allow = false, .type = "c", .access = "rwm"},
						{.allow = true, .type = "a", .access = "rwm"}};
	_cleanup_free_ struct bpf_insn *insns = NULL, *insns2 = NULL;
	ocirun_error_t err = {0};
	size_t n = 0, n2 = 0;
	int fd;

	CHECK(cg_devices_bpf_build(default_rules, ARRAY_SIZE(default_rules), &insns, &n, &err) == 0);
	CHECK(n > 20);
	fd = cg_devices_bpf_load(insns, n, &err);
	if (fd < 0)
		fprintf(stderr, "# %s\n", err.msg);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	/* The last rule matches everything: the program is just "return 1". */
	CHECK(cg_devices_bpf_build(allow_all, ARRAY_SIZE(allow_all), &insns2, &n2, &err) == 0);
	CHECK(n2 == 8);
	fd = cg_devices_bpf_load(insns2, n2, &err);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	struct oci_device_cgroup bad = {.allow = true, .type = "c", .access = "rwx"};
	struct bpf_insn *none = NULL;
	CHECK(cg_devices_bpf_build(&bad, 1, &none, &n, &err) < 0);
	CHECK_CONTAINS(err.msg, "linux.resources.devices[0].access");
	free(none);
}

/* Fork a child (in the caller's cgroups) that reports open() of /dev/null
 * read-write, /dev/zero read-only and /dev/zero write-only: 0 or errno. */
static int probe_devices(int results[3])
{
	int pfd[2];
	pid_t pid;
	ssize_t got;

	if (pipe(pfd) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		const char *paths[3] = {"/dev/null", "/dev/zero", "/dev/zero"};
		int flags[3] = {O_RDWR, O_RDONLY, O_WRONLY}, r[3];
		close(pfd[0]);
		for (int i = 0; i < 3; i++) {
			int fd = open(paths[i], flags[i] | O_CLOEXEC);
			r[i] = fd >= 0 ? 0 : errno;
			if (fd >= 0)
				close(fd);
		}
		_exit(write(pfd[1], r, sizeof(r)) == sizeof(r) ? 0 : 1);
	}
	close(pfd[1]);
	got = read(pfd[0], results, 3 * sizeof(int));
	close(pfd[0]);
	waitpid(pid, NULL, 0);
	return got == 3 * (ssize_t)sizeof(int) ? 0 : -1;
}

/* On this hybrid host the cgroup2 tree takes BPF device programs as well (the
 * kernel runs them before the v1 list), so the v2 filter is tested for real. */
TEST(bpf_filter_attached)
{
	_cleanup_free_ char *name = xasprintf("ocirun-test-bpf-%d", (int)getpid());
	_cleanup_strv_ char **dirs = expected_dirs(name, false);
	struct cgroup_opts o = {.id = "x", .path = name};
	struct oci_device_cgroup allow_null_zero_ro[] = {
	    {.allow = false, .access = "rwm"},
	    {.allow = true,
	     .type = "c",
	     .has_major = true,
	     .major = 1,
	     .has_minor = true,
	     .minor = 3,
	     .access = "rwm"},
	    {.allow = true,
	     .type = "c",
	     .has_major = true,
	     .major = 1,
	     .has_minor = true,
	     .minor = 5,
	     .access = "rwm"},
	    {.allow = false,
	     .type = "c",
	     .has_major = true,
	     .major = 1,
	     .has_minor = true,
	     .minor = 5,
	     .access = "w"},
	};
	ocirun_error_t err = {0};
	cgroup_t *cg = NULL;
	pid_t helper;
	int st;

	if (!hybrid_host())
		return;
	CHECK(cgroup_create(&o, NULL, &cg, &err) == 0);
	if (!cg)
		return;
	_cleanup_close_ int fd = open(cgroup_path(cg, NULL), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(fd >= 0);
	CHECK(cg_devices_bpf_apply(fd, allow_null_zero_ro, ARRAY_SIZE(allow_null_zero_ro), &err) == 0);
	/* Apply again (update): the old program is replaced, not stacked. */
	CHECK(cg_devices_bpf_apply(fd, allow_null_zero_ro, ARRAY_SIZE(allow_null_zero_ro), &err) == 0);
	{
		uint32_t ids[8];
		union bpf_attr q;
		memset(&q, 0, sizeof(q));
		q.query.target_fd = (uint32_t)fd;
		q.query.attach_type = BPF_CGROUP_DEVICE;
		q.query.prog_ids = (uint64_t)(uintptr_t)ids;
		q.query.prog_cnt = 8;
		CHECK(syscall(__NR_bpf, BPF_PROG_QUERY, &q, sizeof(q)) == 0);
		CHECK(q.query.prog_cnt == 1);
	}
	/* A helper joins the cgroup, then forks the probe there. */
	helper = fork();
	if (helper == 0) {
		int r[3];
		ocirun_error_t e2 = {0};
		if (cgroup_enter(cg, getpid(), &e2) < 0 || probe_devices(r) < 0)
			_exit(2);
		/* 0: null rw allowed, zero read allowed, zero write denied by the last rule */
		_exit(r[0] == 0 && r[1] == 0 && r[2] == EPERM
			  ? 0
			  : 10 + (r[0] ? 1 : 0) + (r[1] ? 2 : 0) + (r[2] == EPERM ? 0 : 4));
	}
	CHECK(waitpid(helper, &st, 0) == helper);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		fprintf(stderr, "# probe exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	CHECK(cgroup_destroy(cg, &err) == 0);
	cgroup_free(cg);
	CHECK(count_existing(dirs) == 0);
	force_cleanup(dirs, -1);
}

/* The v2 backend's freeze, pids and kill on the hybrid host's cgroup2 dir. */
TEST(v2_ops_on_unified_tree)
{
	_cleanup_free_ char *name = xasprintf("ocirun-test-v2-%d", (int)getpid());
	_cleanup_strv_ char **dirs = expected_dirs(name, false);
	struct cgroup_opts o = {.id = "x", .path = name};
	ocirun_error_t err = {0};
	_cleanup_free_ pid_t *pids = NULL;
	cgroup_t *cg = NULL;
	size_t n = 0;
	pid_t child;
	int st = 0;

	if (!hybrid_host())
		return;
	CHECK(cgroup_create(&o, NULL, &cg, &err) == 0);
	if (!cg)
		return;
	child = spawn_sleeper();
	CHECK(cgroup_enter(cg, child, &err) == 0);
	CHECK(cg_v2_backend.freeze(cg, true, &err) == 0);
	CHECK(cg_v2_backend.is_frozen(cg) == 1);
	CHECK(cg_v2_backend.freeze(cg, false, &err) == 0);
	CHECK(cg_v2_backend.is_frozen(cg) == 0);
	CHECK(cg_v2_backend.pids(cg, &pids, &n, &err) == 0);
	CHECK(n == 1 && pids[0] == child);
	CHECK(cg_v2_backend.kill(cg, SIGKILL, &err) == 0); /* cgroup.kill */
	CHECK(waitpid(child, &st, 0) == child && WIFSIGNALED(st));
	CHECK(cgroup_destroy(cg, &err) == 0);
	cgroup_free(cg);
	CHECK(count_existing(dirs) == 0);
	force_cleanup(dirs, child);
}

int main(void)
{
	if (geteuid() != 0) {
		printf("# skip: needs root\n");
		return UNIT_END();
	}
	RUN(conversions);
	RUN(bpf_program_loads);
	RUN(bad_paths);
	RUN(full_relative);
	RUN(absolute_and_update);
	RUN(absent_path_uses_id);
	RUN(invalid_values_leave_nothing);
	RUN(unified_map_hybrid);
	RUN(json_roundtrip);
	RUN(plan_names_what_make_creates);
	RUN(bpf_filter_attached);
	RUN(v2_ops_on_unified_tree);
	return UNIT_END();
}
