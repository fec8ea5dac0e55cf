/* cgroup stats: read the v1 and v2 files into one record and emit it as
 * runc's `events --stats` "data" object (same keys, same omitted zeros). */
#include "cgroup/internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"

/* ---- the record ---- */

void cg_u64v_push(struct cg_u64v *v, uint64_t x)
{
	v->v = xrealloc(v->v, (v->n + 1) * sizeof(*v->v));
	v->v[v->n++] = x;
}

void cg_stats_free(struct cg_stats *st)
{
	free(st->cpu.percpu.v);
	free(st->cpu.percpu_kernel.v);
	free(st->cpu.percpu_user.v);
	free(st->cpuset.cpus.v);
	free(st->cpuset.mems.v);
	strv_free(st->memory.raw_keys);
	free(st->memory.raw.v);
	for (size_t i = 0; i < CG_BLKIO_N; i++)
		free(st->blkio[i].e);
	free(st->hugetlb);
	memset(st, 0, sizeof(*st));
}

int cg_parse_list(const char *s, struct cg_u64v *ret)
{
	_cleanup_free_ char *copy = xstrdup(s);

	for (char *save = NULL, *t = strtok_r(copy, ",\n ", &save); t; t = strtok_r(NULL, ",\n ", &save)) {
		char *dash = strchr(t, '-');
		uint64_t a, b;
		if (dash)
			*dash = '\0';
		if (parse_u64(t, &a) < 0 || (dash && parse_u64(dash + 1, &b) < 0))
			return -EINVAL;
		if (!dash)
			b = a;
		if (b < a || b - a > 65536)
			return -EINVAL;
		/* not "x <= b": with b = UINT64_MAX that never ends (found by fuzz_cgroup_files) */
		for (uint64_t x = a;; x++) {
			cg_u64v_push(ret, x);
			if (x == b)
				break;
		}
	}
	return 0;
}

void cg_stats_parse_raw(struct cg_stats *st, const char *text)
{
	_cleanup_free_ char *copy = xstrdup(text);

	for (char *save = NULL, *line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');
		uint64_t v;
		if (!sp)
			continue;
		*sp = '\0';
		if (parse_u64(sp + 1, &v) < 0)
			continue;
		strv_push(&st->memory.raw_keys, line);
		cg_u64v_push(&st->memory.raw, v);
	}
}

uint64_t cg_stats_raw(const struct cg_stats *st, const char *key)
{
	for (size_t i = 0; i < st->memory.raw.n; i++)
		if (strcmp(st->memory.raw_keys[i], key) == 0)
			return st->memory.raw.v[i];
	return 0;
}

void cg_stats_add_blkio(struct cg_stats *st, enum cg_blkio_kind k, uint64_t major, uint64_t minor,
			const char *op, uint64_t value)
{
	struct cg_blkio_entry *e;

	st->blkio[k].e = xrealloc(st->blkio[k].e, (st->blkio[k].n + 1) * sizeof(*e));
	e = &st->blkio[k].e[st->blkio[k].n++];
	e->major = major;
	e->minor = minor;
	snprintf(e->op, sizeof(e->op), "%s", op);
	e->value = value;
}

struct cg_hugetlb_stat *cg_stats_hugetlb(struct cg_stats *st, const char *size)
{
	struct cg_hugetlb_stat *h;

	for (size_t i = 0; i < st->n_hugetlb; i++)
		if (strcmp(st->hugetlb[i].size, size) == 0)
			return &st->hugetlb[i];
	st->hugetlb = xrealloc(st->hugetlb, (st->n_hugetlb + 1) * sizeof(*h));
	h = &st->hugetlb[st->n_hugetlb++];
	memset(h, 0, sizeof(*h));
	snprintf(h->size, sizeof(h->size), "%s", size);
	return h;
}

/* ---- v1 ---- */

static const char *v1_dir(const cgroup_t *cg, const char *ctrl)
{
	const struct cg_hier *h = cg_v1_host(cg, ctrl);

	return h ? h->path : NULL;
}

/* "cpu user system" then per-cpu lines of nanoseconds. */
static void v1_cpuacct_all(const char *dir, struct cg_stats *st)
{
	_cleanup_free_ char *s = NULL;
	bool header = true;

	if (cg_read(dir, "cpuacct.usage_all", &s, NULL) < 0)
		return;
	for (char *save = NULL, *line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		uint64_t cpu, user, sys;
		if (header) {
			header = false;
			continue;
		}
		if (sscanf(line, "%" SCNu64 " %" SCNu64 " %" SCNu64, &cpu, &user, &sys) != 3)
			continue;
		cg_u64v_push(&st->cpu.percpu_user, user);
		cg_u64v_push(&st->cpu.percpu_kernel, sys);
	}
}

static void v1_cpu_stats(const cgroup_t *cg, struct cg_stats *st)
{
	const char *acct = v1_dir(cg, "cpuacct"), *cpu = v1_dir(cg, "cpu");

	if (acct) {
		_cleanup_free_ char *percpu = NULL;
		long hz = sysconf(_SC_CLK_TCK);
		uint64_t user = 0, sys = 0;
		cg_read_u64(acct, "cpuacct.usage", &st->cpu.total, NULL);
		if (cg_read(acct, "cpuacct.usage_percpu", &percpu, NULL) == 0)
			cg_parse_list(percpu, &st->cpu.percpu);
		v1_cpuacct_all(acct, st);
		/* cpuacct.stat counts USER_HZ ticks. */
		if (hz > 0 && cg_read_key(acct, "cpuacct.stat", "user", &user, NULL) == 0 &&
		    cg_read_key(acct, "cpuacct.stat", "system", &sys, NULL) == 0) {
			st->cpu.user = user * (1000000000ull / (uint64_t)hz);
			st->cpu.kernel = sys * (1000000000ull / (uint64_t)hz);
		}
	}
	if (cpu) {
		cg_read_key(cpu, "cpu.stat", "nr_periods", &st->cpu.periods, NULL);
		cg_read_key(cpu, "cpu.stat", "nr_throttled", &st->cpu.throttled_periods, NULL);
		cg_read_key(cpu, "cpu.stat", "throttled_time", &st->cpu.throttled_time, NULL);
	}
}

static void v1_cpuset_stats(const char *dir, struct cg_stats *st)
{
	static const struct {
		const char *file;
		size_t off;
	} flags[] = {
#define F(name) {"cpuset." #name, offsetof(struct cg_stats, cpuset.name)}
	    F(cpu_exclusive),      F(mem_hardwall),       F(mem_exclusive),   F(memory_migrate),
	    F(memory_spread_page), F(memory_spread_slab), F(memory_pressure), F(sched_load_balance),
#undef F
	};
	_cleanup_free_ char *cpus = NULL, *mems = NULL, *relax = NULL;

	if (cg_read(dir, "cpuset.cpus", &cpus, NULL) == 0)
		cg_parse_list(cpus, &st->cpuset.cpus);
	if (cg_read(dir, "cpuset.mems", &mems, NULL) == 0)
		cg_parse_list(mems, &st->cpuset.mems);
	for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
		cg_read_u64(dir, flags[i].file, (uint64_t *)((char *)st + flags[i].off), NULL);
	if (cg_read(dir, "cpuset.sched_relax_domain_level", &relax, NULL) == 0)
		parse_i64(relax, &st->cpuset.sched_relax_domain_level);
}

/* memory.<kind>.{usage_in_bytes,max_usage_in_bytes,failcnt,limit_in_bytes} */
static int v1_mem_entry(const char *dir, const char *kind, struct cg_mem_entry *e, ocirun_error_t *err)
{
	char f[4][64];
	const char *pre = *kind ? "." : "";

	snprintf(f[0], sizeof(f[0]), "memory%s%s.usage_in_bytes", pre, kind);
	snprintf(f[1], sizeof(f[1]), "memory%s%s.max_usage_in_bytes", pre, kind);
	snprintf(f[2], sizeof(f[2]), "memory%s%s.failcnt", pre, kind);
	snprintf(f[3], sizeof(f[3]), "memory%s%s.limit_in_bytes", pre, kind);
	/* swap and kmem accounting are optional in the kernel */
	if (*kind && !cg_exists(dir, f[0]))
		return 0;
	if (cg_read_u64(dir, f[0], &e->usage, err) < 0 || cg_read_u64(dir, f[1], &e->max, err) < 0 ||
	    cg_read_u64(dir, f[2], &e->failcnt, err) < 0 || cg_read_u64(dir, f[3], &e->limit, err) < 0)
		return oerr_ret(err);
	return 0;
}

static int v1_memory_stats(const char *dir, struct cg_stats *st, ocirun_error_t *err)
{
	_cleanup_free_ char *stat = NULL;

	if (cg_read(dir, "memory.stat", &stat, err) < 0)
		return oerr_ret(err);
	cg_stats_parse_raw(st, stat);
	st->memory.cache = cg_stats_raw(st, "cache");
	if (v1_mem_entry(dir, "", &st->memory.usage, err) < 0 ||
	    v1_mem_entry(dir, "memsw", &st->memory.swap, err) < 0 ||
	    v1_mem_entry(dir, "kmem", &st->memory.kernel, err) < 0 ||
	    v1_mem_entry(dir, "kmem.tcp", &st->memory.kernel_tcp, err) < 0)
		return oerr_ret(err);
	return 0;
}

static void pids_stats(const char *dir, struct cg_stats *st)
{
	cg_read_u64(dir, "pids.current", &st->pids.current, NULL);
	if (cg_read_u64(dir, "pids.max", &st->pids.limit, NULL) < 0 || st->pids.limit == UINT64_MAX)
		st->pids.limit = 0; /* "max" is reported as no limit */
}

/* "8:0 Read 4096" lines ("8:0 4096" for time and sectors; "Total N" skipped). */
static void v1_blkio_file(const char *dir, const char *file, enum cg_blkio_kind k, struct cg_stats *st)
{
	_cleanup_free_ char *s = NULL;

	if (cg_read(dir, file, &s, NULL) < 0)
		return;
	for (char *save = NULL, *line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		uint64_t maj, min, v;
		char op[16] = "";
		if (sscanf(line, "%" SCNu64 ":%" SCNu64 " %15s %" SCNu64, &maj, &min, op, &v) == 4)
			cg_stats_add_blkio(st, k, maj, min, op, v);
		else if (sscanf(line, "%" SCNu64 ":%" SCNu64 " %" SCNu64, &maj, &min, &v) == 3)
			cg_stats_add_blkio(st, k, maj, min, "", v);
	}
}

static void v1_blkio_stats(const char *dir, struct cg_stats *st)
{
	static const char *const cfq[CG_BLKIO_N] = {
	    "blkio.io_service_bytes_recursive",
	    "blkio.io_serviced_recursive",
	    "blkio.io_queued_recursive",
	    "blkio.io_service_time_recursive",
	    "blkio.io_wait_time_recursive",
	    "blkio.io_merged_recursive",
	    "blkio.time_recursive",
	    "blkio.sectors_recursive",
	};

	/* CFQ's full set when present, else BFQ's, else the throttle counters. */
	if (cg_exists(dir, "blkio.io_serviced_recursive")) {
		for (size_t k = 0; k < CG_BLKIO_N; k++)
			v1_blkio_file(dir, cfq[k], (enum cg_blkio_kind)k, st);
	} else if (cg_exists(dir, "blkio.bfq.io_serviced_recursive")) {
		v1_blkio_file(dir, "blkio.bfq.io_service_bytes_recursive", CG_BLKIO_SERVICE_BYTES, st);
		v1_blkio_file(dir, "blkio.bfq.io_serviced_recursive", CG_BLKIO_SERVICED, st);
	} else {
		v1_blkio_file(dir, "blkio.throttle.io_service_bytes_recursive", CG_BLKIO_SERVICE_BYTES, st);
		v1_blkio_file(dir, "blkio.throttle.io_serviced_recursive", CG_BLKIO_SERVICED, st);
	}
}

static void v1_hugetlb_stats(const char *dir, struct cg_stats *st)
{
	_cleanup_strv_ char **sizes = cg_hugepage_sizes();

	for (size_t i = 0; sizes && sizes[i]; i++) {
		struct cg_hugetlb_stat *h = cg_stats_hugetlb(st, sizes[i]);
		char f[64];
		snprintf(f, sizeof(f), "hugetlb.%s.usage_in_bytes", sizes[i]);
		cg_read_u64(dir, f, &h->usage, NULL);
		snprintf(f, sizeof(f), "hugetlb.%s.max_usage_in_bytes", sizes[i]);
		cg_read_u64(dir, f, &h->max, NULL);
		snprintf(f, sizeof(f), "hugetlb.%s.failcnt", sizes[i]);
		cg_read_u64(dir, f, &h->failcnt, NULL);
	}
}

int cg_v1_stats(const cgroup_t *cg, struct cg_stats *st, ocirun_error_t *err)
{
	const char *d;

	v1_cpu_stats(cg, st);
	if ((d = v1_dir(cg, "cpuset")))
		v1_cpuset_stats(d, st);
	if ((d = v1_dir(cg, "memory")) && v1_memory_stats(d, st, err) < 0)
		return oerr_prefix(err, "stats");
	if ((d = v1_dir(cg, "pids")))
		pids_stats(d, st);
	if ((d = v1_dir(cg, "blkio")))
		v1_blkio_stats(d, st);
	if ((d = v1_dir(cg, "hugetlb")))
		v1_hugetlb_stats(d, st);
	return 0;
}

/* ---- v2 (on a hybrid host only what v1 does not already cover) ---- */

static const char *v2_dir(const cgroup_t *cg, const char *ctrl, const char *v1name)
{
	const struct cg_hier *h;

	if (cg_v1_host(cg, v1name))
		return NULL;
	h = cg_v2_host(cg, ctrl);
	return h ? h->path : NULL;
}

static void v2_cpu_stats(const char *dir, struct cg_stats *st)
{
	uint64_t v;

	if (cg_read_key(dir, "cpu.stat", "usage_usec", &v, NULL) == 0)
		st->cpu.total = v * 1000;
	if (cg_read_key(dir, "cpu.stat", "user_usec", &v, NULL) == 0)
		st->cpu.user = v * 1000;
	if (cg_read_key(dir, "cpu.stat", "system_usec", &v, NULL) == 0)
		st->cpu.kernel = v * 1000;
	cg_read_key(dir, "cpu.stat", "nr_periods", &st->cpu.periods, NULL);
	cg_read_key(dir, "cpu.stat", "nr_throttled", &st->cpu.throttled_periods, NULL);
	if (cg_read_key(dir, "cpu.stat", "throttled_usec", &v, NULL) == 0)
		st->cpu.throttled_time = v * 1000;
}

static int v2_memory_stats(const char *dir, struct cg_stats *st, ocirun_error_t *err)
{
	_cleanup_free_ char *stat = NULL;
	struct cg_mem_entry *u = &st->memory.usage, *s = &st->memory.swap;

	if (cg_read(dir, "memory.stat", &stat, err) < 0)
		return oerr_ret(err);
	cg_stats_parse_raw(st, stat);
	st->memory.cache = cg_stats_raw(st, "file");
	if (cg_read_u64(dir, "memory.current", &u->usage, err) < 0)
		return oerr_ret(err);
	cg_read_u64(dir, "memory.max", &u->limit, NULL);
	cg_read_u64(dir, "memory.peak", &u->max, NULL);
	cg_read_key(dir, "memory.events", "max", &u->failcnt, NULL);
	/* v1 reports swap as memory+swap: add the two up likewise. */
	if (cg_read_u64(dir, "memory.swap.current", &s->usage, NULL) == 0) {
		cg_read_u64(dir, "memory.swap.max", &s->limit, NULL);
		cg_read_key(dir, "memory.swap.events", "max", &s->failcnt, NULL);
		s->usage += u->usage;
		if (s->limit != UINT64_MAX)
			s->limit = u->limit == UINT64_MAX ? UINT64_MAX : s->limit + u->limit;
	}
	return 0;
}

/* "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0" */
static void v2_io_stats(const char *dir, struct cg_stats *st)
{
	static const struct {
		const char *key;
		enum cg_blkio_kind kind;
		const char *op;
	} map[] = {
	    {"rbytes", CG_BLKIO_SERVICE_BYTES, "Read"},
	    {"wbytes", CG_BLKIO_SERVICE_BYTES, "Write"},
	    {"rios", CG_BLKIO_SERVICED, "Read"},
	    {"wios", CG_BLKIO_SERVICED, "Write"},
	};
	_cleanup_free_ char *s = NULL;

	if (cg_read(dir, "io.stat", &s, NULL) < 0)
		return;
	for (char *save = NULL, *line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		uint64_t maj, min;
		char *tok, *s2 = NULL;
		if (sscanf(line, "%" SCNu64 ":%" SCNu64, &maj, &min) != 2)
			continue;
		strtok_r(line, " ", &s2);
		while ((tok = strtok_r(NULL, " ", &s2))) {
			char *eq = strchr(tok, '=');
			uint64_t v;
			if (!eq || parse_u64(eq + 1, &v) < 0)
				continue;
			*eq = '\0';
			for (size_t i = 0; i < ARRAY_SIZE(map); i++)
				if (strcmp(tok, map[i].key) == 0)
					cg_stats_add_blkio(st, map[i].kind, maj, min, map[i].op, v);
		}
	}
}

static void v2_hugetlb_stats(const char *dir, struct cg_stats *st)
{
	_cleanup_strv_ char **sizes = cg_hugepage_sizes();

	for (size_t i = 0; sizes && sizes[i]; i++) {
		struct cg_hugetlb_stat *h = cg_stats_hugetlb(st, sizes[i]);
		char f[64];
		snprintf(f, sizeof(f), "hugetlb.%s.current", sizes[i]);
		cg_read_u64(dir, f, &h->usage, NULL);
		snprintf(f, sizeof(f), "hugetlb.%s.events", sizes[i]);
		cg_read_key(dir, f, "max", &h->failcnt, NULL);
	}
}

int cg_v2_stats(const cgroup_t *cg, struct cg_stats *st, ocirun_error_t *err)
{
	const char *d;

	if ((d = v2_dir(cg, "cpu", "cpuacct")))
		v2_cpu_stats(d, st);
	if ((d = v2_dir(cg, "cpuset", "cpuset"))) {
		_cleanup_free_ char *cpus = NULL, *mems = NULL;
		if (cg_read(d, "cpuset.cpus.effective", &cpus, NULL) == 0)
			cg_parse_list(cpus, &st->cpuset.cpus);
		if (cg_read(d, "cpuset.mems.effective", &mems, NULL) == 0)
			cg_parse_list(mems, &st->cpuset.mems);
	}
	if ((d = v2_dir(cg, "memory", "memory")) && v2_memory_stats(d, st, err) < 0)
		return oerr_prefix(err, "stats");
	if ((d = v2_dir(cg, "pids", "pids")))
		pids_stats(d, st);
	if ((d = v2_dir(cg, "io", "blkio")))
		v2_io_stats(d, st);
	if ((d = v2_dir(cg, "hugetlb", "hugetlb")))
		v2_hugetlb_stats(d, st);
	return 0;
}

/* ---- JSON, with runc's omitempty fields left out when zero ---- */

/* Go sorts map keys when it encodes them: do the same for raw and hugetlb. */
static int cmp_key(const void *a, const void *b, void *keys)
{
	const char *const *k = keys;
	return strcmp(k[*(const size_t *)a], k[*(const size_t *)b]);
}

static size_t *sorted_order(const char *const *keys, size_t n)
{
	size_t *idx = xmalloc((n ? n : 1) * sizeof(*idx));

	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	qsort_r(idx, n, sizeof(*idx), cmp_key, (void *)keys);
	return idx;
}

static void u64_opt(json_gen_t *g, const char *key, uint64_t v)
{
	if (v) {
		json_gen_key(g, key);
		json_gen_u64(g, v);
	}
}

static void u64_key(json_gen_t *g, const char *key, uint64_t v)
{
	json_gen_key(g, key);
	json_gen_u64(g, v);
}

static void list_opt(json_gen_t *g, const char *key, const struct cg_u64v *v)
{
	if (!v->n)
		return;
	json_gen_key(g, key);
	json_gen_arr_open(g);
	for (size_t i = 0; i < v->n; i++)
		json_gen_u64(g, v->v[i]);
	json_gen_arr_close(g);
}

static void emit_cpu(const struct cg_stats *st, json_gen_t *g)
{
	json_gen_key(g, "cpu");
	json_gen_obj_open(g);
	json_gen_key(g, "usage");
	json_gen_obj_open(g);
	u64_opt(g, "total", st->cpu.total);
	list_opt(g, "percpu", &st->cpu.percpu);
	list_opt(g, "percpu_kernel", &st->cpu.percpu_kernel);
	list_opt(g, "percpu_user", &st->cpu.percpu_user);
	u64_key(g, "kernel", st->cpu.kernel);
	u64_key(g, "user", st->cpu.user);
	json_gen_obj_close(g);
	json_gen_key(g, "throttling");
	json_gen_obj_open(g);
	u64_opt(g, "periods", st->cpu.periods);
	u64_opt(g, "throttledPeriods", st->cpu.throttled_periods);
	u64_opt(g, "throttledTime", st->cpu.throttled_time);
	json_gen_obj_close(g);
	json_gen_obj_close(g);
}

static void emit_cpuset(const struct cg_stats *st, json_gen_t *g)
{
	json_gen_key(g, "cpuset");
	json_gen_obj_open(g);
	list_opt(g, "cpus", &st->cpuset.cpus);
	u64_key(g, "cpu_exclusive", st->cpuset.cpu_exclusive);
	list_opt(g, "mems", &st->cpuset.mems);
	u64_key(g, "mem_hardwall", st->cpuset.mem_hardwall);
	u64_key(g, "mem_exclusive", st->cpuset.mem_exclusive);
	u64_key(g, "memory_migrate", st->cpuset.memory_migrate);
	u64_key(g, "memory_spread_page", st->cpuset.memory_spread_page);
	u64_key(g, "memory_spread_slab", st->cpuset.memory_spread_slab);
	u64_key(g, "memory_pressure", st->cpuset.memory_pressure);
	u64_key(g, "sched_load_balance", st->cpuset.sched_load_balance);
	json_gen_key(g, "sched_relax_domain_level");
	json_gen_i64(g, st->cpuset.sched_relax_domain_level);
	json_gen_obj_close(g);
}

static void emit_mem_entry(json_gen_t *g, const char *key, const struct cg_mem_entry *e)
{
	json_gen_key(g, key);
	json_gen_obj_open(g);
	u64_key(g, "limit", e->limit);
	u64_opt(g, "usage", e->usage);
	u64_opt(g, "max", e->max);
	u64_key(g, "failcnt", e->failcnt);
	json_gen_obj_close(g);
}

static void emit_memory(const struct cg_stats *st, json_gen_t *g)
{
	json_gen_key(g, "memory");
	json_gen_obj_open(g);
	u64_opt(g, "cache", st->memory.cache);
	emit_mem_entry(g, "usage", &st->memory.usage);
	emit_mem_entry(g, "swap", &st->memory.swap);
	emit_mem_entry(g, "kernel", &st->memory.kernel);
	emit_mem_entry(g, "kernelTCP", &st->memory.kernel_tcp);
	if (st->memory.raw.n) {
		_cleanup_free_ size_t *order =
		    sorted_order((const char *const *)st->memory.raw_keys, st->memory.raw.n);
		json_gen_key(g, "raw");
		json_gen_obj_open(g);
		for (size_t i = 0; i < st->memory.raw.n; i++)
			u64_key(g, st->memory.raw_keys[order[i]], st->memory.raw.v[order[i]]);
		json_gen_obj_close(g);
	}
	json_gen_obj_close(g);
}

static void emit_blkio(const struct cg_stats *st, json_gen_t *g)
{
	static const char *const keys[CG_BLKIO_N] = {
	    "ioServiceBytesRecursive", "ioServicedRecursive", "ioQueueRecursive", "ioServiceTimeRecursive",
	    "ioWaitTimeRecursive",     "ioMergedRecursive",   "ioTimeRecursive",  "sectorsRecursive",
	};

	json_gen_key(g, "blkio");
	json_gen_obj_open(g);
	for (size_t k = 0; k < CG_BLKIO_N; k++) {
		if (!st->blkio[k].n)
			continue;
		json_gen_key(g, keys[k]);
		json_gen_arr_open(g);
		for (size_t i = 0; i < st->blkio[k].n; i++) {
			const struct cg_blkio_entry *e = &st->blkio[k].e[i];
			json_gen_obj_open(g);
			u64_opt(g, "major", e->major);
			u64_opt(g, "minor", e->minor);
			if (e->op[0]) {
				json_gen_key(g, "op");
				json_gen_str(g, e->op);
			}
			u64_opt(g, "value", e->value);
			json_gen_obj_close(g);
		}
		json_gen_arr_close(g);
	}
	json_gen_obj_close(g);
}

static void emit_hugetlb(const struct cg_stats *st, json_gen_t *g)
{
	const char **names = xmalloc((st->n_hugetlb ? st->n_hugetlb : 1) * sizeof(*names));

	for (size_t i = 0; i < st->n_hugetlb; i++)
		names[i] = st->hugetlb[i].size;
	_cleanup_free_ size_t *order = sorted_order(names, st->n_hugetlb);
	free(names);
	json_gen_key(g, "hugetlb");
	json_gen_obj_open(g);
	for (size_t k = 0; k < st->n_hugetlb; k++) {
		const struct cg_hugetlb_stat *h = &st->hugetlb[order[k]];
		json_gen_key(g, h->size);
		json_gen_obj_open(g);
		u64_opt(g, "usage", h->usage);
		u64_opt(g, "max", h->max);
		u64_key(g, "failcnt", h->failcnt);
		json_gen_obj_close(g);
	}
	json_gen_obj_close(g);
}

void cg_stats_emit(const struct cg_stats *st, json_gen_t *g)
{
	json_gen_obj_open(g);
	emit_cpu(st, g);
	emit_cpuset(st, g);
	emit_memory(st, g);
	json_gen_key(g, "pids");
	json_gen_obj_open(g);
	u64_opt(g, "current", st->pids.current);
	u64_opt(g, "limit", st->pids.limit);
	json_gen_obj_close(g);
	emit_blkio(st, g);
	emit_hugetlb(st, g);
	json_gen_key(g, "intel_rdt");
	json_gen_obj_open(g);
	json_gen_obj_close(g);
	json_gen_key(g, "network_interfaces");
	json_gen_null(g);
	json_gen_obj_close(g);
}
