/* cgroup file helpers shared by both backends: one-write values, keyed
 * reads, tracked mkdir, deepest-first removal, pid lists, huge page sizes. */
#include "cgroup/internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/log.h"
#include "base/util.h"

const struct cg_fake_host *cg_fake;

void cg_backoff(unsigned n)
{
	/* 1, 2, 4 ... capped at 20 ms. */
	unsigned ms = n < 5 ? 1u << n : 20;
	struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)ms * 1000000L};

	nanosleep(&ts, NULL);
}

int cg_write(const char *dir, const char *file, const char *value, ocirun_error_t *err)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, file);
	_cleanup_close_ int fd = open(p, O_WRONLY | O_CLOEXEC | (cg_fake ? O_TRUNC : 0));
	size_t len = strlen(value);
	ssize_t n;

	if (fd < 0)
		return oerr(err, errno, "write \"%s\" in \"%s\"", file, dir);
	/* A cgroup file takes one value per write(2): never split it. */
	do
		n = write(fd, value, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return oerr(err, errno, "write \"%s\" in \"%s\"", file, dir);
	if ((size_t)n != len)
		return oerr_msg(err, EIO, "write \"%s\" in \"%s\": short write", file, dir);
	return 0;
}

int cg_set(const char *dir, const char *file, const char *field, ocirun_error_t *err, const char *fmt, ...)
{
	_cleanup_free_ char *value = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&value, fmt, ap);
	va_end(ap);
	if (r < 0)
		abort();
	log_debug("cgroup: %s/%s <- %s", dir, file, value);
	r = cg_write(dir, file, value, err);
	if (r < 0)
		return oerr_prefix(err, "linux.resources.%s", field);
	return 0;
}

int cg_read(const char *dir, const char *file, char **ret, ocirun_error_t *err)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, file);
	char *buf = NULL;
	size_t len = 0;
	int r;

	r = read_file(p, &buf, &len, err);
	if (r < 0) {
		oerr(err, -r, "read \"%s\" in \"%s\"", file, dir);
		return r;
	}
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		buf[--len] = '\0';
	*ret = buf;
	return 0;
}

int cg_read_u64(const char *dir, const char *file, uint64_t *ret, ocirun_error_t *err)
{
	_cleanup_free_ char *s = NULL;
	int r = cg_read(dir, file, &s, err);

	if (r < 0)
		return r;
	if (strcmp(s, "max") == 0) {
		*ret = UINT64_MAX;
		return 0;
	}
	if (parse_u64(s, ret) < 0)
		return oerr_msg(err, EINVAL, "read \"%s\" in \"%s\": not a number: \"%s\"", file, dir, s);
	return 0;
}

int cg_read_key(const char *dir, const char *file, const char *key, uint64_t *ret, ocirun_error_t *err)
{
	_cleanup_free_ char *s = NULL;
	size_t klen = strlen(key);
	int r = cg_read(dir, file, &s, err);

	if (r < 0)
		return r;
	for (char *line = s; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (strncmp(line, key, klen) == 0 && line[klen] == ' ') {
			if (parse_u64(line + klen + 1, ret) < 0)
				return oerr_msg(err, EINVAL, "read \"%s\" in \"%s\": bad \"%s\" line", file,
						dir, key);
			return 0;
		}
		line = nl ? nl + 1 : NULL;
	}
	return -ENOENT;
}

bool cg_exists(const char *dir, const char *file)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, file);

	return access(p, F_OK) == 0;
}

int cg_mkdir(const char *mount, const char *path, char **ret_created, ocirun_error_t *err)
{
	_cleanup_free_ char *p = xstrdup(path);
	size_t mlen = strlen(mount);
	char *created = NULL;

	*ret_created = NULL;
	if (strncmp(p, mount, mlen) != 0 || (p[mlen] != '/' && p[mlen] != '\0'))
		return oerr_msg(err, EINVAL, "cgroup path \"%s\" is not below \"%s\"", path, mount);
	if (p[mlen] == '\0')
		return 0;
	for (char *s = p + mlen + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, 0755) == 0) {
			if (cg_fake && cg_fake->made)
				cg_fake->made(p);
			if (!created)
				created = xstrdup(p);
		} else if (errno != EEXIST) {
			int e = errno;
			if (created)
				cg_remove(p, created, NULL);
			free(created);
			return oerr(err, e, "create cgroup \"%s\"", p);
		}
		*s = c;
		if (c == '\0')
			break;
	}
	*ret_created = created;
	return 0;
}

char *cg_plan_created(const char *mount, const char *path)
{
	_cleanup_free_ char *p = xstrdup(path);
	size_t mlen = strlen(mount);
	struct stat sb;

	if (strncmp(p, mount, mlen) != 0 || p[mlen] != '/')
		return NULL;
	for (char *s = p + mlen + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (lstat(p, &sb) < 0)
			return xstrdup(p);
		*s = c;
		if (c == '\0')
			return NULL;
	}
}

/* EBUSY while the last killed tasks finish exiting: retry for about a second. */
static int rmdir_retry(const char *path)
{
	if (cg_fake && cg_fake->removing)
		cg_fake->removing(path);
	for (unsigned i = 0;; i++) {
		if (rmdir(path) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY || i >= 10)
			return -errno;
		struct timespec ts = {.tv_sec = 0, .tv_nsec = (i < 4 ? 10L << i : 100L) * 1000000L};
		nanosleep(&ts, NULL);
	}
}

/* Remove the child cgroups of dir (made by the container itself), deepest first. */
static int remove_children(const char *dir, int depth, ocirun_error_t *err)
{
	DIR *d;
	struct dirent *e;
	int r = 0;

	if (depth > 64)
		return oerr_msg(err, ELOOP, "remove cgroup \"%s\": nested too deep", dir);
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : oerr(err, errno, "open cgroup \"%s\"", dir);
	while ((e = readdir(d))) {
		if (e->d_type != DT_DIR || strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		_cleanup_free_ char *child = xasprintf("%s/%s", dir, e->d_name);
		r = remove_children(child, depth + 1, err);
		if (r < 0)
			break;
		r = rmdir_retry(child);
		if (r < 0) {
			oerr(err, -r, "remove cgroup \"%s\"", child);
			break;
		}
	}
	closedir(d);
	return r;
}

int cg_remove(const char *path, const char *created, ocirun_error_t *err)
{
	_cleanup_free_ char *p = xstrdup(path);
	size_t clen = strlen(created);
	int r;

	if (strncmp(p, created, clen) != 0 || (p[clen] != '/' && p[clen] != '\0'))
		return oerr_msg(err, EINVAL, "cgroup \"%s\" is not below \"%s\"", path, created);
	r = remove_children(p, 0, err);
	if (r < 0)
		return r;
	r = rmdir_retry(p);
	if (r < 0)
		return oerr(err, -r, "remove cgroup \"%s\"", p);
	/* Parents we made may hold other containers' cgroups now (a shared
	 * cgroupsPath prefix): those stay, quietly, as runc leaves them. */
	for (;;) {
		if (strlen(p) <= clen)
			return 0;
		*strrchr(p, '/') = '\0';
		if (cg_fake && cg_fake->removing)
			cg_fake->removing(p);
		if (rmdir(p) < 0 && errno != ENOENT)
			return errno == EBUSY || errno == ENOTEMPTY
				   ? 0
				   : oerr(err, errno, "remove cgroup \"%s\"", p);
	}
}

static int read_pids_rec(const char *dir, int depth, pid_t **v, size_t *n, ocirun_error_t *err)
{
	_cleanup_free_ char *s = NULL;
	DIR *d;
	struct dirent *e;
	int r;

	r = cg_read(dir, "cgroup.procs", &s, err);
	if (r < 0)
		return r;
	for (char *tok = strtok(s, "\n"); tok; tok = strtok(NULL, "\n")) {
		int64_t pid;
		if (parse_i64(tok, &pid) < 0 || pid <= 0 ||
		    pid > INT32_MAX) /* (pid_t)-1 would signal every process */
			continue;
		*v = xrealloc(*v, (*n + 1) * sizeof(pid_t));
		(*v)[(*n)++] = (pid_t)pid;
	}
	if (depth > 64)
		return 0;
	d = opendir(dir);
	if (!d)
		return oerr(err, errno, "open cgroup \"%s\"", dir);
	r = 0;
	while (r == 0 && (e = readdir(d))) {
		if (e->d_type != DT_DIR || strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		_cleanup_free_ char *child = xasprintf("%s/%s", dir, e->d_name);
		r = read_pids_rec(child, depth + 1, v, n, err);
	}
	closedir(d);
	return r;
}

int cg_read_pids(const char *dir, pid_t **ret, size_t *ret_n, ocirun_error_t *err)
{
	pid_t *v = NULL;
	size_t n = 0;
	int r = read_pids_rec(dir, 0, &v, &n, err);

	if (r < 0) {
		free(v);
		return r;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int cg_enter_dir(const char *dir, pid_t pid, ocirun_error_t *err)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%d", (int)pid);
	return cg_write(dir, "cgroup.procs", buf, err);
}

int cg_signal_all(const cgroup_t *cg, int sig, ocirun_error_t *err)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	bool frozen = false;
	int r;

	/* Frozen, no process can fork a child that misses the signal. */
	if (cgroup_freeze(cg, true, err) == 0)
		frozen = true;
	else
		log_debug("cgroup: kill without freezing: %s", err->msg);
	r = cgroup_pids(cg, &pids, &n, err);
	for (size_t i = 0; r == 0 && i < n; i++)
		if (kill(pids[i], sig) < 0 && errno != ESRCH)
			r = oerr(err, errno, "kill %d", (int)pids[i]);
	if (frozen) {
		ocirun_error_t e2;
		if (cgroup_freeze(cg, false, r < 0 ? &e2 : err) < 0 && r == 0)
			r = oerr_ret(err);
	}
	return r;
}

/* "hugepages-2048kB" -> "2MB", as runc names the sizes. */
static char *hugepage_name(const char *dirname)
{
	static const char *const units[] = {"KB", "MB", "GB", "TB", "PB"};
	uint64_t kb;
	char num[32];
	const char *p = dirname + strlen("hugepages-");
	size_t len = strlen(p), u = 0;

	if (len < 3 || strcmp(p + len - 2, "kB") != 0)
		return NULL;
	snprintf(num, sizeof(num), "%.*s", (int)(len - 2), p);
	if (parse_u64(num, &kb) < 0 || kb == 0)
		return NULL;
	double v = (double)kb;
	while (v >= 1024 && u + 1 < ARRAY_SIZE(units)) {
		v /= 1024;
		u++;
	}
	return xasprintf("%g%s", v, units[u]);
}

char **cg_hugepage_sizes(void)
{
	DIR *d = opendir("/sys/kernel/mm/hugepages");
	struct dirent *e;
	char **v = NULL;

	if (!d)
		return NULL;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "hugepages-", 10) != 0)
			continue;
		_cleanup_free_ char *name = hugepage_name(e->d_name);
		if (name)
			strv_push(&v, name);
	}
	closedir(d);
	return v;
}

/* ---- which resources are asked for, and the appliers both versions share ---- */

bool cg_want_memory(const struct oci_resources *r)
{
	const struct oci_memory *m = r->memory;
	return m &&
	       (m->has_limit || m->has_reservation || m->has_swap || m->has_kernel || m->has_kernel_tcp ||
		m->has_swappiness || m->has_disable_oom_killer || m->has_use_hierarchy);
}

bool cg_want_cpu(const struct oci_resources *r)
{
	const struct oci_cpu *c = r->cpu;
	return c && (c->has_shares || c->has_quota || c->has_period || c->has_burst ||
		     c->has_realtime_runtime || c->has_realtime_period || c->has_idle);
}

bool cg_want_cpuset(const struct oci_resources *r)
{
	return r->cpu && ((r->cpu->cpus && *r->cpu->cpus) || (r->cpu->mems && *r->cpu->mems));
}

bool cg_want_pids(const struct oci_resources *r)
{
	return r->pids && r->pids->has_limit;
}

bool cg_want_blkio(const struct oci_resources *r)
{
	const struct oci_blkio *b = r->block_io;
	return b && (b->has_weight || b->has_leaf_weight || b->n_weight_device ||
		     b->n_throttle_read_bps_device || b->n_throttle_write_bps_device ||
		     b->n_throttle_read_iops_device || b->n_throttle_write_iops_device);
}

bool cg_want_hugetlb(const struct oci_resources *r)
{
	return r->n_hugepage_limits > 0;
}

bool cg_want_net_cls(const struct oci_resources *r)
{
	return r->network && r->network->has_class_id;
}

bool cg_want_net_prio(const struct oci_resources *r)
{
	return r->network && r->network->n_priorities > 0;
}

bool cg_want_rdma(const struct oci_resources *r)
{
	return r->n_rdma > 0;
}

bool cg_want_devices(const struct oci_resources *r)
{
	return r->n_devices > 0;
}

int cg_apply_pids(const char *dir, const struct oci_resources *res, bool update, ocirun_error_t *err)
{
	int64_t limit = res->pids->limit;

	/* runtime-spec 1.2: 0 is a limit, not "unlimited"; the kernel's pids.max 0 would let not even
	 * the init in, and systemd has no TasksMax=0: 1, as runc maps it for both drivers (`update`
	 * too, since runc 1.5: a given 0 reaches here). */
	(void)update;
	if (limit == 0)
		limit = 1;
	if (limit > 0)
		return cg_set(dir, "pids.max", "pids.limit", err, "%" PRId64, limit);
	return cg_set(dir, "pids.max", "pids.limit", err, "max");
}

/* rdma.max and pids.max read the same on v1 and v2. */
int cg_apply_rdma(const char *dir, const struct oci_resources *res, bool update, ocirun_error_t *err)
{
	(void)update;
	for (size_t i = 0; i < res->n_rdma; i++) {
		const struct oci_rdma *d = &res->rdma[i];
		char handles[48] = "", objects[48] = "";
		if (!d->has_hca_handles && !d->has_hca_objects)
			continue;
		if (d->has_hca_handles)
			snprintf(handles, sizeof(handles), " hca_handle=%u", d->hca_handles);
		if (d->has_hca_objects)
			snprintf(objects, sizeof(objects), " hca_object=%u", d->hca_objects);
		if (cg_set(dir, "rdma.max", "rdma", err, "%s%s%s", d->device ? d->device : "", handles,
			   objects) < 0)
			return oerr_ret(err);
	}
	return 0;
}

int cg_apply_cpuset(const char *dir, const struct oci_resources *res, bool update, ocirun_error_t *err)
{
	const struct oci_cpu *c = res->cpu;

	(void)update;
	if (c->cpus && *c->cpus && cg_set(dir, "cpuset.cpus", "cpu.cpus", err, "%s", c->cpus) < 0)
		return oerr_ret(err);
	if (c->mems && *c->mems && cg_set(dir, "cpuset.mems", "cpu.mems", err, "%s", c->mems) < 0)
		return oerr_ret(err);
	return 0;
}
