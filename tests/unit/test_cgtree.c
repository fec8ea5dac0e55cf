/* The cgroup module against a host made of plain files (cgroup/internal.h, struct cg_fake_host):
 * a pure cgroup v2 host, a hybrid one and a v1-only one, whatever this machine's layout. The
 * detection, the path rules, the files each resource is written to, the value conversions, the
 * cpuset fill of new v1 parents, and the removal of exactly what was made are checked here; what
 * needs the kernel itself (freezing, moving tasks, eBPF device filters, stats of real usage) stays
 * in test_cgroup.c, the bats suite and the VMs. Each test builds its tree in a temporary
 * directory and removes it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/json.h"
#include "base/util.h"
#include "cgroup/cgroup.h"
#include "cgroup/internal.h"
#include "unit.h"

static char tree[PATH_MAX];

static void put(const char *dir, const char *file, const char *content)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, file);
	CHECK(write_file(p, content, strlen(content), NULL) == 0);
}

static char *get(const char *dir, const char *file)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, file);

	return unit_slurp(p, 1);
}

#define CHECK_AT(dir, file, want)                                                                            \
	do {                                                                                                 \
		_cleanup_free_ char *_v = get(dir, file);                                                    \
		CHECK_STR(_v, want);                                                                         \
	} while (0)

static bool exists(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static bool exists(const char *fmt, ...)
{
	_cleanup_free_ char *p = NULL;
	va_list ap;

	va_start(ap, fmt);
	CHECK(vasprintf(&p, fmt, ap) >= 0);
	va_end(ap);
	return access(p, F_OK) == 0;
}

/* What the kernel puts in a new cgroup dir: the parent's interface files, with the kernel's
 * initial values; a new v1 cpuset starts empty. */
static void made(const char *dir)
{
	_cleanup_free_ char *parent = xstrdup(dir);
	DIR *d;
	struct dirent *e;

	*strrchr(parent, '/') = '\0';
	d = opendir(parent);
	CHECK(d != NULL);
	while (d && (e = readdir(d))) {
		if (e->d_type != DT_REG)
			continue;
		static const char *const init[][2] = {
		    {"cgroup.events", "populated 0\nfrozen 0\n"},
		    {"cgroup.freeze", "0\n"},
		    {"cpu.max", "max 100000\n"},
		    {"freezer.state", "THAWED\n"},
		    {"memory.max", "max\n"},
		    {"memory.swap.max", "max\n"},
		    {"pids.max", "max\n"},
		    {"memory.limit_in_bytes", "9223372036854771712\n"},
		    {"memory.memsw.limit_in_bytes", "9223372036854771712\n"},
		    {"cpu.cfs_period_us", "100000\n"},
		    {"cpu.cfs_quota_us", "-1\n"},
		    {"cpu.shares", "1024\n"},
		};
		_cleanup_free_ char *offered = NULL;
		const char *v = "";
		for (size_t i = 0; i < ARRAY_SIZE(init); i++)
			if (!strcmp(e->d_name, init[i][0]))
				v = init[i][1];
		/* v2: what the parent offers (as if its subtree_control enabled everything) */
		if (!strcmp(e->d_name, "cgroup.controllers") && (offered = get(parent, e->d_name)))
			v = offered;
		put(dir, e->d_name, v);
	}
	if (d)
		closedir(d);
}

/* rmdir of a cgroup takes its interface files with it. */
static void removing(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d)))
		if (e->d_type == DT_REG)
			unlinkat(dirfd(d), e->d_name, 0);
	if (d)
		closedir(d);
}

/* A cgroup root (or the own cgroup below it) with these files; values (NULL-terminated, may be
 * shorter than files) for the first ones. */
static char *mkroot(const char *rel, const char *const *files, const char *const *values)
{
	char *dir = xasprintf("%s/%s", tree, rel);
	bool more = values != NULL;

	CHECK(mkdir_p(dir, 0755, NULL) == 0);
	for (size_t i = 0; files[i]; i++) {
		more = more && values[i];
		put(dir, files[i], more ? values[i] : "");
	}
	return dir;
}

static void rm_tree(const char *path)
{
	_cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", path);
	CHECK(system(cmd) == 0);
}

static struct cg_fake_host host;

static void tree_open(void)
{
	snprintf(tree, sizeof(tree), "/tmp/ocirun-cgtree.XXXXXX");
	CHECK(mkdtemp(tree) != NULL);
	host = (struct cg_fake_host){.root = tree, .made = made, .removing = removing};
}

static void tree_close(void)
{
	cg_fake = NULL;
	rm_tree(tree);
}

/* ---- cgroup v2 ---- */

static const char *const v2_files[] = {
    "cgroup.controllers",
    "cgroup.subtree_control",
    "cgroup.procs",
    "cgroup.events",
    "cgroup.freeze",
    "cgroup.kill",
    "memory.max",
    "memory.swap.max",
    "memory.low",
    "memory.high",
    "cpu.max",
    "cpu.weight",
    "cpu.max.burst",
    "cpu.idle",
    "cpuset.cpus",
    "cpuset.mems",
    "pids.max",
    "io.weight",
    "io.max",
    NULL,
};

/* Mounted at tree, this process in /user.slice/session-1.scope. A relative cgroupsPath goes below
 * the parent of the own cgroup, as runc puts it (the own one holds tasks: no controllers could be
 * enabled below it). Returns that parent. */
static char *v2_host(void)
{
	static const char *const values[] = {"cpuset cpu io memory pids", NULL};

	free(mkroot("", v2_files, values));
	free(mkroot("user.slice", v2_files, values));
	free(mkroot("user.slice/session-1.scope", v2_files, values));
	host.pure_v2 = true;
	host.mountinfo = NULL;
	host.self_cgroup = "0::/user.slice/session-1.scope\n";
	cg_fake = &host;
	return xasprintf("%s/user.slice", tree);
}

TEST(v2_relative_path_resources_update_destroy)
{
	struct oci_memory m = {.has_limit = true,
			       .limit = 64 << 20,
			       .has_swap = true,
			       .swap = 128 << 20,
			       .has_reservation = true,
			       .reservation = 32 << 20};
	struct oci_cpu c = {.has_shares = true,
			    .shares = 512,
			    .has_quota = true,
			    .quota = 50000,
			    .has_period = true,
			    .period = 100000,
			    .cpus = "0"};
	struct oci_pids p = {.has_limit = true, .limit = 100};
	struct oci_kv u_items[] = {{.key = "memory.high", .value = "100000000"}};
	struct oci_resources res = {
	    .memory = &m, .cpu = &c, .pids = &p, .unified = {.items = u_items, .n = 1}};
	struct cgroup_opts o = {.id = "x", .path = "ocirun-t/c1"};
	ocirun_error_t err = {0};
	_cleanup_free_ char *own = NULL, *leaf = NULL;
	_cleanup_free_ pid_t *pids = NULL;
	cgroup_t *cg = NULL;
	size_t n = 0;

	tree_open();
	own = v2_host();
	leaf = xasprintf("%s/ocirun-t/c1", own);
	CHECK(cgroup_create(&o, &res, &cg, &err) == 0);
	if (!cg) {
		fprintf(stderr, "# %s\n", err.msg);
		tree_close();
		return;
	}
	/* relative: beside this process's own cgroup, as runc puts it */
	CHECK_STR(cgroup_path(cg, NULL), leaf);
	CHECK_AT(leaf, "memory.max", "67108864");
	CHECK_AT(leaf, "memory.swap.max", "67108864"); /* OCI swap is memory+swap */
	CHECK_AT(leaf, "memory.low", "33554432");
	CHECK_AT(leaf, "memory.high", "100000000"); /* unified, written last */
	CHECK_AT(leaf, "cpu.weight", "20");         /* shares 512, converted as runc does */
	CHECK_AT(leaf, "cpu.max", "50000 100000");
	CHECK_AT(leaf, "cpuset.cpus", "0");
	CHECK_AT(leaf, "pids.max", "100");
	/* controllers enabled on the way down: the parent it made got its subtree_control written */
	_cleanup_free_ char *parent = xasprintf("%s/ocirun-t", own),
			    *sub = get(parent, "cgroup.subtree_control");
	CHECK(sub && sub[0] == '+');

	CHECK(cgroup_enter(cg, 4242, &err) == 0);
	CHECK_AT(leaf, "cgroup.procs", "4242");
	CHECK(cgroup_pids(cg, &pids, &n, &err) == 0);
	CHECK(n == 1 && pids && pids[0] == 4242);
	put(leaf, "cgroup.procs", "");

	/* update: only what is given changes; cpu.max keeps the period it is given with */
	struct oci_memory m2 = {.has_limit = true, .limit = 128 << 20};
	struct oci_resources up = {.memory = &m2};
	CHECK(cgroup_update(cg, &up, &err) == 0);
	CHECK_AT(leaf, "memory.max", "134217728");
	CHECK_AT(leaf, "pids.max", "100");

	/* the JSON kept in state.json reloads to the same dirs */
	json_gen_t *g = json_gen_new(false);
	size_t len;
	json_t *v = NULL;
	cgroup_t *again = NULL;
	cgroup_to_json(cg, g);
	_cleanup_free_ char *text = json_gen_finish(g, &len);
	json_gen_free(g);
	CHECK(json_parse(text, len, &v, &err) == 0);
	CHECK(v && cgroup_from_json(v, &again, &err) == 0);
	CHECK(again && !strcmp(cgroup_path(again, NULL), leaf));
	json_free(v);
	cgroup_free(again);

	/* destroy: the leaf and the parent it made, not this process's own cgroup */
	CHECK(cgroup_destroy(cg, &err) == 0);
	cgroup_free(cg);
	CHECK(!exists("%s/ocirun-t", own));
	CHECK(exists("%s", own));
	tree_close();
}

TEST(v2_absolute_path_and_existing_parent)
{
	struct cgroup_opts o = {.id = "x", .path = "/kubepods/pod1/c2"};
	ocirun_error_t err = {0};
	_cleanup_free_ char *own = NULL, *kp = NULL;
	cgroup_t *cg = NULL;

	tree_open();
	own = v2_host();
	/* a parent that was there before stays after destroy */
	kp = mkroot("kubepods", v2_files, (const char *const[]){"cpuset cpu io memory pids", NULL});
	CHECK(cgroup_create(&o, NULL, &cg, &err) == 0);
	if (cg) {
		_cleanup_free_ char *want = xasprintf("%s/kubepods/pod1/c2", tree);
		CHECK_STR(cgroup_path(cg, NULL), want);
		CHECK(cgroup_destroy(cg, &err) == 0);
		cgroup_free(cg);
	}
	CHECK(!exists("%s/kubepods/pod1", tree));
	CHECK(exists("%s/kubepods", tree));
	tree_close();
}

/* A value the kernel or the conversion refuses fails with the field named, and nothing that
 * create made is left. */
TEST(v2_bad_values_leave_nothing)
{
	struct oci_memory m = {.has_limit = true, .limit = 64 << 20, .has_swap = true, .swap = 32 << 20};
	struct oci_resources res = {.memory = &m};
	struct oci_kv bad_items[] = {{.key = "../cgroup.procs", .value = "1"}};
	struct oci_resources res2 = {.unified = {.items = bad_items, .n = 1}};
	struct cgroup_opts o = {.id = "x", .path = "ocirun-bad/c"};
	struct cgroup_opts dots = {.id = "x", .path = "a/../../escape"};
	ocirun_error_t err = {0};
	_cleanup_free_ char *own = NULL;
	cgroup_t *cg = NULL;

	tree_open();
	own = v2_host();
	CHECK(cgroup_create(&o, &res, &cg, &err) < 0 && cg == NULL);
	CHECK_CONTAINS(err.msg, "linux.resources.memory.swap");
	CHECK(!exists("%s/ocirun-bad", own));
	CHECK(cgroup_create(&o, &res2, &cg, &err) < 0 && cg == NULL);
	CHECK_CONTAINS(err.msg, "invalid cgroup file name");
	CHECK(!exists("%s/ocirun-bad", own));
	CHECK(cgroup_create(&dots, NULL, &cg, &err) < 0 && cg == NULL);
	CHECK(!exists("%s/escape", tree) && !exists("%s/../escape", tree));
	tree_close();
}

/* ---- cgroup v1, with and without the hybrid cgroup2 mount ---- */

struct v1_ctrl {
	const char *mount; /* dir below the tree, and the mount's controllers */
	const char *files[8];
};

static const struct v1_ctrl v1_ctrls[] = {
    {"memory",
     {"cgroup.procs", "memory.limit_in_bytes", "memory.memsw.limit_in_bytes", "memory.soft_limit_in_bytes",
      "memory.swappiness", "memory.oom_control", NULL}},
    {"cpu,cpuacct", {"cgroup.procs", "cpu.shares", "cpu.cfs_quota_us", "cpu.cfs_period_us", NULL}},
    {"cpuset", {"cgroup.procs", "cpuset.cpus", "cpuset.mems", NULL}},
    {"pids", {"cgroup.procs", "pids.max", NULL}},
    {"devices", {"cgroup.procs", "devices.allow", "devices.deny", "devices.list", NULL}},
    {"freezer", {"cgroup.procs", "freezer.state", NULL}},
};

static char *mountinfo_v1(bool unified)
{
	char *mi = xstrdup("");

	for (size_t i = 0; i < ARRAY_SIZE(v1_ctrls); i++) {
		char *line = xasprintf("%s%zu 20 0:%zu / %s/%s rw,nosuid - cgroup cgroup rw,%s\n", mi, 30 + i,
				       40 + i, tree, v1_ctrls[i].mount, v1_ctrls[i].mount);
		free(mi);
		mi = line;
	}
	if (unified) {
		char *line =
		    xasprintf("%s40 20 0:50 / %s/unified rw,nosuid - cgroup2 cgroup2 rw\n", mi, tree);
		free(mi);
		mi = line;
	}
	return mi;
}

static char *v1_mountinfo;

/* v1 controllers at tree/<name>, this process in /ocirun-own in each; with `unified`, a cgroup2
 * mount at tree/unified as a hybrid host has it (this process in its /session.scope). */
static void v1_host(bool unified)
{
	static const char *const cpuset_values[] = {"", "0-1", "0", NULL};
	static const char *const u_files[] = {"cgroup.controllers", "cgroup.subtree_control", "cgroup.procs",
					      "hugetlb.2MB.max", NULL};
	static const char *const u_values[] = {"hugetlb", NULL};

	for (size_t i = 0; i < ARRAY_SIZE(v1_ctrls); i++) {
		bool cs = !strcmp(v1_ctrls[i].mount, "cpuset");
		free(mkroot(v1_ctrls[i].mount, v1_ctrls[i].files, cs ? cpuset_values : NULL));
		_cleanup_free_ char *own = xasprintf("%s/ocirun-own", v1_ctrls[i].mount);
		free(mkroot(own, v1_ctrls[i].files, cs ? cpuset_values : NULL));
	}
	if (unified)
		free(mkroot("unified", u_files, u_values));
	free(v1_mountinfo);
	v1_mountinfo = mountinfo_v1(unified);
	host.pure_v2 = false;
	host.mountinfo = v1_mountinfo;
	host.proc_cgroups = "#subsys_name\thierarchy\tnum_cgroups\tenabled\n"
			    "cpuset\t2\t1\t1\ncpu\t3\t1\t1\ncpuacct\t3\t1\t1\nmemory\t4\t1\t1\n"
			    "devices\t5\t1\t1\nfreezer\t6\t1\t1\npids\t7\t1\t1\nhugetlb\t0\t1\t1\n";
	host.self_cgroup = "7:pids:/ocirun-own\n6:freezer:/ocirun-own\n5:devices:/ocirun-own\n"
			   "4:memory:/ocirun-own\n3:cpu,cpuacct:/ocirun-own\n2:cpuset:/ocirun-own\n"
			   "0::/session.scope\n";
	cg_fake = &host;
}

static void v1_resources_in_each_hierarchy(bool unified)
{
	struct oci_memory m = {.has_limit = true,
			       .limit = 64 << 20,
			       .has_swap = true,
			       .swap = 128 << 20,
			       .has_swappiness = true,
			       .swappiness = 30};
	struct oci_cpu c = {
	    .has_shares = true, .shares = 512, .has_quota = true, .quota = 50000, .mems = "0"};
	struct oci_pids p = {.has_limit = true, .limit = 0}; /* runtime-spec 1.2: 0 is a limit, of 1 */
	struct oci_device_cgroup devs[] = {{.allow = false, .type = "a", .access = "rwm"},
					   {.allow = true,
					    .type = "c",
					    .has_major = true,
					    .major = 1,
					    .has_minor = true,
					    .minor = 3,
					    .access = "rwm"}};
	struct oci_resources res = {.memory = &m, .cpu = &c, .pids = &p, .devices = devs, .n_devices = 2};
	struct cgroup_opts o = {.id = "x", .path = "ocirun-t/c1"};
	ocirun_error_t err = {0};
	cgroup_t *cg = NULL;

	tree_open();
	v1_host(unified);
	CHECK(cgroup_create(&o, &res, &cg, &err) == 0);
	if (!cg) {
		fprintf(stderr, "# %s\n", err.msg);
		tree_close();
		return;
	}
	_cleanup_free_ char *mem = xasprintf("%s/memory/ocirun-own/ocirun-t/c1", tree);
	_cleanup_free_ char *cpu = xasprintf("%s/cpu,cpuacct/ocirun-own/ocirun-t/c1", tree);
	_cleanup_free_ char *cs = xasprintf("%s/cpuset/ocirun-own/ocirun-t/c1", tree);
	_cleanup_free_ char *csp = xasprintf("%s/cpuset/ocirun-own/ocirun-t", tree);
	_cleanup_free_ char *pids = xasprintf("%s/pids/ocirun-own/ocirun-t/c1", tree);
	_cleanup_free_ char *dv = xasprintf("%s/devices/ocirun-own/ocirun-t/c1", tree);
	CHECK_STR(cgroup_path(cg, "memory"), mem);
	CHECK_AT(mem, "memory.limit_in_bytes", "67108864");
	CHECK_AT(mem, "memory.memsw.limit_in_bytes", "134217728");
	CHECK_AT(mem, "memory.swappiness", "30");
	CHECK_AT(cpu, "cpu.shares", "512");
	CHECK_AT(cpu, "cpu.cfs_quota_us", "50000");
	/* new v1 cpusets start empty: filled from the parent, top down, before the limits */
	CHECK_AT(csp, "cpuset.cpus", "0-1");
	CHECK_AT(cs, "cpuset.cpus", "0-1");
	CHECK_AT(cs, "cpuset.mems", "0");
	CHECK_AT(pids, "pids.max", "1");
	CHECK_AT(dv, "devices.allow", "c 1:3 rwm");
	CHECK(exists("%s/freezer/ocirun-own/ocirun-t/c1", tree));
	/* hybrid: the cgroup2 part at the mount's root whatever the caller's cgroup there, as runc */
	if (unified)
		CHECK(exists("%s/unified/ocirun-t/c1", tree) && !exists("%s/unified/session.scope", tree));
	CHECK(cgroup_destroy(cg, &err) == 0);
	cgroup_free(cg);
	for (size_t i = 0; i < ARRAY_SIZE(v1_ctrls); i++) {
		CHECK(!exists("%s/%s/ocirun-own/ocirun-t", tree, v1_ctrls[i].mount));
		CHECK(exists("%s/%s/ocirun-own", tree, v1_ctrls[i].mount));
	}
	CHECK(!exists("%s/unified/ocirun-t", tree));
	tree_close();
}

TEST(hybrid_resources_in_each_hierarchy)
{
	v1_resources_in_each_hierarchy(true);
}

TEST(legacy_resources_in_each_hierarchy)
{
	v1_resources_in_each_hierarchy(false);
}

/* A cgroup file the kernel lacks (memsw without swap accounting) is skipped as runc skips it;
 * a resource whose controller is not mounted at all is an error naming it. */
TEST(v1_missing_controller)
{
	struct oci_blkio b = {.has_weight = true, .weight = 500};
	struct oci_resources res = {.block_io = &b};
	struct cgroup_opts o = {.id = "x", .path = "ocirun-t/c1"};
	ocirun_error_t err = {0};
	cgroup_t *cg = NULL;

	tree_open();
	v1_host(false);
	CHECK(cgroup_create(&o, &res, &cg, &err) < 0 && cg == NULL);
	CHECK_CONTAINS(err.msg, "linux.resources.blockIO");
	for (size_t i = 0; i < ARRAY_SIZE(v1_ctrls); i++)
		CHECK(!exists("%s/%s/ocirun-own/ocirun-t", tree, v1_ctrls[i].mount));
	tree_close();
}

int main(void)
{
	RUN(v2_relative_path_resources_update_destroy);
	RUN(v2_absolute_path_and_existing_parent);
	RUN(v2_bad_values_leave_nothing);
	RUN(hybrid_resources_in_each_hierarchy);
	RUN(legacy_resources_in_each_hierarchy);
	RUN(v1_missing_controller);
	free(v1_mountinfo);
	return UNIT_END();
}
