/* cgroup internals: the hierarchy list, the backend ops table, file helpers
 * and the stats record shared by cgroup.c, cgfs.c, v1.c, v2.c, devices_bpf.c, stats.c.
 * Runs in: runtime. Must not call: exit, anything outside base/ and spec/. */
#ifndef OCIRUN_CGROUP_INTERNAL_H
#define OCIRUN_CGROUP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup/cgroup.h"

enum cg_mode { CG_MODE_UNIFIED, CG_MODE_HYBRID, CG_MODE_LEGACY };

struct cg_backend;

/* One mounted hierarchy the container lives in: a v1 controller mount or the cgroup2 tree. */
struct cg_hier {
	bool unified;      /* the cgroup2 tree */
	char *controllers; /* v1: "cpu,cpuacct" / "name=systemd"; v2: the mount root's cgroup.controllers */
	char *mount;       /* "/sys/fs/cgroup/memory" */
	char *path;        /* the container's dir; NULL when skipped (rootless without permission) */
	char *created;     /* topmost dir this cgroup created; NULL when it joined an existing one */
	const struct cg_backend *ops;
};

struct cgroup {
	enum cg_mode mode;
	struct cg_hier *hiers;
	size_t n_hiers;
	int v2_fd;        /* O_PATH fd of the v2 leaf on a pure v2 host, else -1 */
	struct cg_sd *sd; /* the systemd driver's unit (sdcg.c), NULL with cgroupfs */
};

struct cg_stats;

/* One table per backend. Per-hierarchy calls take the hierarchy; the others
 * work on the hierarchies of their own kind inside cg. */
struct cg_backend {
	const char *name;
	/* mkdir the hierarchy's path (recording what was new) and prepare it. */
	int (*create)(const cgroup_t *cg, struct cg_hier *h, ocirun_error_t *err);
	int (*enter)(const struct cg_hier *h, pid_t pid, ocirun_error_t *err);
	/* Apply the resources of the controllers this backend hosts. */
	int (*apply)(const cgroup_t *cg, const struct oci_resources *res, bool update, ocirun_error_t *err);
	int (*freeze)(const cgroup_t *cg, bool frozen, ocirun_error_t *err);
	int (*is_frozen)(const cgroup_t *cg);
	int (*pids)(const cgroup_t *cg, pid_t **ret, size_t *ret_n, ocirun_error_t *err);
	int (*kill)(const cgroup_t *cg, int sig, ocirun_error_t *err);
	/* Fill the parts of st whose controllers this backend hosts. */
	int (*stats)(const cgroup_t *cg, struct cg_stats *st, ocirun_error_t *err);
	int (*destroy)(const cgroup_t *cg, struct cg_hier *h, ocirun_error_t *err);
};

extern const struct cg_backend cg_v1_backend;
extern const struct cg_backend cg_v2_backend;

/* ---- the systemd driver (sdcg.c) ---- */

struct cg_sd;
/* Parse linux.cgroupsPath and the annotations, reach systemd; *ret_rel is the
 * scope's cgroup below the cgroup2 mount ("/system.slice/x-y.scope"). */
int cg_sd_plan(const struct cgroup_opts *o, struct cg_sd **ret, char **ret_rel, ocirun_error_t *err);
/* Convert res to unit properties (validates; nothing is sent yet). */
int cg_sd_props(struct cg_sd *sd, const struct oci_resources *res, ocirun_error_t *err);
/* Start the scope with pid in it and wait for the job; opens cg->v2_fd. */
int cg_sd_start(cgroup_t *cg, pid_t pid, ocirun_error_t *err);
bool cg_sd_pending(const cgroup_t *cg);
int cg_sd_update(cgroup_t *cg, const struct oci_resources *res, ocirun_error_t *err);
/* StopUnit, wait, reset-failed; removes what systemd left of the dir. */
int cg_sd_destroy(cgroup_t *cg, ocirun_error_t *err);
void cg_sd_free(struct cg_sd *sd);
void cg_sd_to_json(const cgroup_t *cg, json_gen_t *g);
int cg_sd_from_json(const json_t *v, cgroup_t *cg, ocirun_error_t *err);

/* ---- hierarchy lookup (cgroup.c) ---- */

/* The v1 hierarchy mounted with controller ctrl ("memory", "name=systemd"), or NULL. */
struct cg_hier *cg_v1_host(const cgroup_t *cg, const char *ctrl);
/* The cgroup2 hierarchy, or NULL when there is none. */
struct cg_hier *cg_unified(const cgroup_t *cg);
/* The cgroup2 hierarchy when it offers ctrl (the pseudo-controllers "devices"
 * and "freezer" are always offered), or NULL. */
struct cg_hier *cg_v2_host(const cgroup_t *cg, const char *ctrl);
/* True when the word ctrl is in a ',' or ' ' separated list. */
bool cg_list_has(const char *list, const char *ctrl);

/* ---- file helpers (cgfs.c) ---- */

/* Write value to dir/file in one write(2). Error: write "file" in "dir": strerror */
int cg_write(const char *dir, const char *file, const char *value, ocirun_error_t *err);
/* Formatted cg_write; on failure prefixes "linux.resources.<field>: ". */
int cg_set(const char *dir, const char *file, const char *field, ocirun_error_t *err, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Read dir/file, trailing whitespace removed. */
int cg_read(const char *dir, const char *file, char **ret, ocirun_error_t *err);
/* Read one unsigned number; "max" reads as UINT64_MAX. */
int cg_read_u64(const char *dir, const char *file, uint64_t *ret, ocirun_error_t *err);
/* Value of "key N" in a flat keyed file (cpu.stat, cgroup.events); -ENOENT when absent. */
int cg_read_key(const char *dir, const char *file, const char *key, uint64_t *ret, ocirun_error_t *err);
bool cg_exists(const char *dir, const char *file);
/* mkdir -p path (below mount); *ret_created gets the topmost new dir or NULL. */
int cg_mkdir(const char *mount, const char *path, char **ret_created, ocirun_error_t *err);
/* The topmost dir of path (below mount) that does not exist now, or NULL:
 * what cg_mkdir would report as created. */
char *cg_plan_created(const char *mount, const char *path);
/* Remove path's child cgroups, then path and its parents up to and including
 * created, deepest first, retrying while busy. */
int cg_remove(const char *path, const char *created, ocirun_error_t *err);
/* PIDs in dir/cgroup.procs and every child cgroup's. */
int cg_read_pids(const char *dir, pid_t **ret, size_t *ret_n, ocirun_error_t *err);
/* Write pid to dir/cgroup.procs. */
int cg_enter_dir(const char *dir, pid_t pid, ocirun_error_t *err);
/* Freeze (via the frozen-state backend), signal every pid, thaw. */
int cg_signal_all(const cgroup_t *cg, int sig, ocirun_error_t *err);
/* Sizes of the host's huge pages in runc's spelling ("2MB", "1GB"). */
char **cg_hugepage_sizes(void);
/* ---- a host made of plain files, for the unit tests (test_cgtree.c) ---- */

/* When set, detection reads these instead of statfs("/sys/fs/cgroup") and /proc, and the
 * hooks stand in for what the kernel does to a cgroup dir: fill it with its interface files
 * after mkdir, take them away before rmdir. Plain files are written with O_TRUNC, so a read
 * shows the last value written. NULL outside the tests. */
struct cg_fake_host {
	const char *root; /* stands for /sys/fs/cgroup */
	bool pure_v2;     /* else: v1 controllers, and a cgroup2 mount at root/unified when listed */
	const char *mountinfo, *proc_cgroups, *self_cgroup; /* the texts of the /proc files */
	void (*made)(const char *dir);
	void (*removing)(const char *dir);
};
extern const struct cg_fake_host *cg_fake;

/* Milliseconds to sleep on the n-th retry of a polling loop. */
void cg_backoff(unsigned n);

/* ---- resources asked for, and appliers identical on v1 and v2 (cgfs.c) ---- */

bool cg_want_memory(const struct oci_resources *r);
bool cg_want_cpu(const struct oci_resources *r);
bool cg_want_cpuset(const struct oci_resources *r);
bool cg_want_pids(const struct oci_resources *r);
bool cg_want_blkio(const struct oci_resources *r);
bool cg_want_hugetlb(const struct oci_resources *r);
bool cg_want_net_cls(const struct oci_resources *r);
bool cg_want_net_prio(const struct oci_resources *r);
bool cg_want_rdma(const struct oci_resources *r);
bool cg_want_devices(const struct oci_resources *r);
int cg_apply_cpuset(const char *dir, const struct oci_resources *res, bool update, ocirun_error_t *err);
int cg_apply_pids(const char *dir, const struct oci_resources *res, bool update, ocirun_error_t *err);
int cg_apply_rdma(const char *dir, const struct oci_resources *res, bool update, ocirun_error_t *err);

/* ---- v1 -> v2 conversions (v2.c) ---- */

/* cpu.shares [2, 262144] -> cpu.weight [1, 10000]: 1 + ((shares - 2) * 9999) / 262142 */
uint64_t cg_shares_to_weight(uint64_t shares);
/* blkio weight [10, 1000] -> io.weight [1, 10000]: 1 + (weight - 10) * 9999 / 990 */
uint64_t cg_blkio_to_io_weight(uint64_t weight);
/* OCI swap (memory+swap) -> memory.swap.max: -1 "max", 0 leave alone, else
 * swap - limit; *disable when that is 0 (write "0"). */
int cg_swap_to_v2(int64_t swap, int64_t limit, int64_t *ret, bool *disable, ocirun_error_t *err);

/* ---- v2 device filter (devices_bpf.c) ---- */

struct bpf_insn;
/* Build the BPF_PROG_TYPE_CGROUP_DEVICE program for the rules: the last
 * matching rule wins, no match denies. */
int cg_devices_bpf_build(const struct oci_device_cgroup *rules, size_t n, struct bpf_insn **ret,
			 size_t *ret_n, ocirun_error_t *err);
/* BPF_PROG_LOAD; returns the program fd. */
int cg_devices_bpf_load(const struct bpf_insn *insns, size_t n, ocirun_error_t *err);
/* Build, load and attach to the cgroup dir fd, then detach the programs
 * attached there before. */
int cg_devices_bpf_apply(int dirfd, const struct oci_device_cgroup *rules, size_t n, ocirun_error_t *err);

/* ---- stats (stats.c) ---- */

enum cg_blkio_kind {
	CG_BLKIO_SERVICE_BYTES,
	CG_BLKIO_SERVICED,
	CG_BLKIO_QUEUED,
	CG_BLKIO_SERVICE_TIME,
	CG_BLKIO_WAIT_TIME,
	CG_BLKIO_MERGED,
	CG_BLKIO_TIME,
	CG_BLKIO_SECTORS,
	CG_BLKIO_N
};

struct cg_blkio_entry {
	uint64_t major, minor;
	char op[16];
	uint64_t value;
};

struct cg_u64v {
	uint64_t *v;
	size_t n;
};

struct cg_mem_entry {
	uint64_t limit, usage, max, failcnt;
};

struct cg_hugetlb_stat {
	char size[16];
	uint64_t usage, max, failcnt;
};

struct cg_stats {
	struct {
		uint64_t total, kernel, user;
		struct cg_u64v percpu, percpu_kernel, percpu_user;
		uint64_t periods, throttled_periods, throttled_time;
	} cpu;
	struct {
		struct cg_u64v cpus, mems;
		uint64_t cpu_exclusive, mem_hardwall, mem_exclusive, memory_migrate, memory_spread_page,
		    memory_spread_slab, memory_pressure, sched_load_balance;
		int64_t sched_relax_domain_level;
	} cpuset;
	struct {
		uint64_t cache;
		struct cg_mem_entry usage, swap, kernel, kernel_tcp;
		char **raw_keys;
		struct cg_u64v raw;
	} memory;
	struct {
		uint64_t current, limit;
	} pids;
	struct {
		struct cg_blkio_entry *e;
		size_t n;
	} blkio[CG_BLKIO_N];
	struct cg_hugetlb_stat *hugetlb;
	size_t n_hugetlb;
};

void cg_stats_free(struct cg_stats *st);
/* Emit st as runc's `events --stats` "data" object. */
void cg_stats_emit(const struct cg_stats *st, json_gen_t *g);
void cg_u64v_push(struct cg_u64v *v, uint64_t x);
/* Parse "0-3,5" into a list of numbers. */
int cg_parse_list(const char *s, struct cg_u64v *ret);
/* Parse "key value" lines (memory.stat) into raw. */
void cg_stats_parse_raw(struct cg_stats *st, const char *text);
uint64_t cg_stats_raw(const struct cg_stats *st, const char *key);
void cg_stats_add_blkio(struct cg_stats *st, enum cg_blkio_kind k, uint64_t major, uint64_t minor,
			const char *op, uint64_t value);
struct cg_hugetlb_stat *cg_stats_hugetlb(struct cg_stats *st, const char *size);
int cg_v1_stats(const cgroup_t *cg, struct cg_stats *st, ocirun_error_t *err);
int cg_v2_stats(const cgroup_t *cg, struct cg_stats *st, ocirun_error_t *err);

#endif
