/* cgroup: detection of the host's layout, path resolution, dispatch to the
 * v1/v2 backends and persistence of what was created. */
#include "cgroup/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "base/fault.h"
#include "base/log.h"
#include "base/util.h"

#define CGROUP_ROOT "/sys/fs/cgroup"

/* A hierarchy as detected, before the container's path is known. */
struct hier_info {
	struct cg_hier h;
	char *root; /* the mount's root inside the hierarchy (mountinfo field 4) */
	char *own;  /* this process's cgroup in the hierarchy (/proc/self/cgroup) */
};

static void hier_clear(struct cg_hier *h)
{
	free(h->controllers);
	free(h->mount);
	free(h->path);
	free(h->created);
	memset(h, 0, sizeof(*h));
}

static void infos_free(struct hier_info *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		hier_clear(&v[i].h);
		free(v[i].root);
		free(v[i].own);
	}
	free(v);
}

bool cg_list_has(const char *list, const char *ctrl)
{
	size_t len = strlen(ctrl);

	for (const char *p = list; p && *p;) {
		size_t n = strcspn(p, ", \t\n");
		if (n == len && strncmp(p, ctrl, len) == 0)
			return true;
		p += n;
		p += strspn(p, ", \t\n");
	}
	return false;
}

/* Same set of comma-separated words. */
static bool same_set(const char *a, const char *b)
{
	_cleanup_free_ char *copy = xstrdup(a);
	size_t na = 0, nb = 0;

	for (char *t = strtok(copy, ","); t; t = strtok(NULL, ",")) {
		if (!cg_list_has(b, t))
			return false;
		na++;
	}
	for (const char *p = b; *p; p++)
		nb += (p == b || p[-1] == ',') && *p != ',';
	return na == nb;
}

/* Undo mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0' &&
		    r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

/* The controller words of a v1 mount's super options: known subsystems and name=. */
static char *v1_controllers(const char *superopts, const char *subsys)
{
	_cleanup_free_ char *copy = xstrdup(superopts);
	char *out = NULL;

	for (char *t = strtok(copy, ","); t; t = strtok(NULL, ",")) {
		if (strncmp(t, "name=", 5) != 0 && !cg_list_has(subsys, t))
			continue;
		char *n = out ? xasprintf("%s,%s", out, t) : xstrdup(t);
		free(out);
		out = n;
	}
	return out;
}

/* /sys/fs/cgroup, or the tests' stand-in for it. */
static const char *cg_root(void)
{
	return cg_fake ? cg_fake->root : CGROUP_ROOT;
}

static bool under_cgroup_root(const char *mnt)
{
	size_t n = strlen(cg_root());

	return strncmp(mnt, cg_root(), n) == 0 && mnt[n] == '/';
}

/* A /proc file, or the tests' text for it. */
static int read_proc(const char *path, const char *fake, char **ret, ocirun_error_t *err)
{
	if (!cg_fake)
		return read_file(path, ret, NULL, err);
	*ret = xstrdup(fake ? fake : "");
	return 0;
}

/* Record one cgroup mount; a hierarchy mounted twice keeps its /sys/fs/cgroup mount. */
static void add_mount(struct hier_info **v, size_t *n, bool unified, char *ctrls, const char *mnt,
		      const char *root)
{
	for (size_t i = 0; i < *n; i++) {
		struct hier_info *hi = &(*v)[i];
		if (hi->h.unified != unified || (!unified && !same_set(hi->h.controllers, ctrls)))
			continue;
		if (!under_cgroup_root(hi->h.mount) && under_cgroup_root(mnt)) {
			free(hi->h.mount);
			free(hi->root);
			hi->h.mount = xstrdup(mnt);
			hi->root = xstrdup(root);
		}
		free(ctrls);
		return;
	}
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	memset(&(*v)[*n], 0, sizeof(**v));
	(*v)[*n].h.unified = unified;
	(*v)[*n].h.controllers = ctrls;
	(*v)[*n].h.mount = xstrdup(mnt);
	(*v)[*n].root = xstrdup(root);
	(*n)++;
}

/* Parse the cgroup mounts out of /proc/self/mountinfo. pure_v2: only the
 * cgroup2 mount at /sys/fs/cgroup; otherwise the v1 mounts and the hybrid
 * cgroup2 mount at /sys/fs/cgroup/unified. */
static int read_mounts(bool pure_v2, struct hier_info **ret, size_t *ret_n, ocirun_error_t *err)
{
	_cleanup_free_ char *text = NULL, *subsys = NULL;
	struct hier_info *v = NULL;
	size_t n = 0;

	_cleanup_free_ char *unified = xasprintf("%s/unified", cg_root());

	if (read_proc("/proc/self/mountinfo", cg_fake ? cg_fake->mountinfo : NULL, &text, err) < 0)
		return oerr_ret(err);
	if (!pure_v2 && read_proc("/proc/cgroups", cg_fake ? cg_fake->proc_cgroups : NULL, &subsys, err) < 0)
		return oerr_ret(err);
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *f[6], *sep = strstr(line, " - "), *rest, *fstype, *superopts;
		size_t nf = 0;

		if (!sep)
			continue;
		*sep = '\0';
		rest = sep + 3;
		for (char *s2 = NULL, *t = strtok_r(line, " ", &s2); t && nf < 6;
		     t = strtok_r(NULL, " ", &s2))
			f[nf++] = t;
		fstype = strtok_r(rest, " ", &sep);
		strtok_r(NULL, " ", &sep); /* source */
		superopts = strtok_r(NULL, " ", &sep);
		if (nf < 5 || !fstype || !superopts)
			continue;
		unescape(f[3]);
		unescape(f[4]);
		if (strcmp(fstype, "cgroup2") == 0) {
			if (strcmp(f[4], pure_v2 ? cg_root() : unified) == 0)
				add_mount(&v, &n, true, NULL, f[4], f[3]);
		} else if (!pure_v2 && strcmp(fstype, "cgroup") == 0) {
			char *ctrls = v1_controllers(superopts, subsys);
			if (ctrls)
				add_mount(&v, &n, false, ctrls, f[4], f[3]);
		}
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

/* Fill each hierarchy's own cgroup from /proc/self/cgroup. */
static int read_own_cgroups(struct hier_info *v, size_t n, bool pure_v2, ocirun_error_t *err)
{
	_cleanup_free_ char *text = NULL;

	if (read_proc("/proc/self/cgroup", cg_fake ? cg_fake->self_cgroup : NULL, &text, err) < 0)
		return oerr_ret(err);
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c2 = '\0';
		for (size_t i = 0; i < n; i++) {
			/* "0::/path" is the cgroup2 line: hierarchy 0, no controllers. Only a pure v2
			 * host places by it; on a hybrid one runc takes the cgroup2 mount's root
			 * whatever the caller's cgroup there (so its own stays "/"). */
			bool v2line = pure_v2 && c1 == line + 1 && line[0] == '0' && c2 == c1 + 1;
			bool match =
			    v[i].h.unified ? v2line : (c1[1] != '\0' && same_set(v[i].h.controllers, c1 + 1));
			if (match && !v[i].own)
				v[i].own = xstrdup(c2 + 1);
		}
	}
	for (size_t i = 0; i < n; i++)
		if (!v[i].own)
			v[i].own = xstrdup("/");
	return 0;
}

/* The one place that decides the layout: statfs of /sys/fs/cgroup, then mountinfo. */
static int detect(enum cg_mode *ret_mode, struct hier_info **ret, size_t *ret_n, ocirun_error_t *err)
{
	struct hier_info *v = NULL;
	size_t n = 0;
	struct statfs sfs;
	bool pure_v2, unified = false;

	if (cg_fake)
		sfs.f_type = cg_fake->pure_v2 ? CGROUP2_SUPER_MAGIC : TMPFS_MAGIC;
	else if (statfs(CGROUP_ROOT, &sfs) < 0)
		return oerr(err, errno, "statfs \"%s\"", CGROUP_ROOT);
	if ((unsigned long)sfs.f_type == CGROUP2_SUPER_MAGIC)
		pure_v2 = true;
	else if ((unsigned long)sfs.f_type == TMPFS_MAGIC)
		pure_v2 = false;
	else
		return oerr_msg(err, ENOTSUP, "\"%s\" is neither cgroup2 nor tmpfs (f_type 0x%lx)",
				CGROUP_ROOT, (unsigned long)sfs.f_type);
	if (read_mounts(pure_v2, &v, &n, err) < 0)
		return oerr_ret(err);
	if (pure_v2 && n == 0)
		add_mount(&v, &n, true, NULL, cg_root(), "/");
	for (size_t i = 0; i < n; i++) {
		v[i].h.ops = v[i].h.unified ? &cg_v2_backend : &cg_v1_backend;
		if (v[i].h.unified) {
			unified = true;
			/* What the tree offers: all on v2, the unbound rest (hugetlb...) on hybrid. */
			if (cg_read(v[i].h.mount, "cgroup.controllers", &v[i].h.controllers, NULL) < 0)
				v[i].h.controllers = xstrdup("");
		}
	}
	if (n == 0 || (!pure_v2 && n == (unified ? 1u : 0u))) {
		infos_free(v, n);
		return oerr_msg(err, ENOENT, "no cgroup v1 controllers mounted under \"%s\"", cg_root());
	}
	if (read_own_cgroups(v, n, pure_v2, err) < 0) {
		infos_free(v, n);
		return oerr_ret(err);
	}
	*ret_mode = pure_v2 ? CG_MODE_UNIFIED : unified ? CG_MODE_HYBRID : CG_MODE_LEGACY;
	*ret = v;
	*ret_n = n;
	return 0;
}

/* linux.cgroupsPath (or the container id when absent) as a clean relative or
 * absolute path without "." or empty components; ".." is refused. */
static int resolve_inner(const struct cgroup_opts *o, char **ret, bool *ret_abs, ocirun_error_t *err)
{
	const char *p = o->path && *o->path ? o->path : o->id;
	_cleanup_free_ char *copy = NULL;
	char *out = NULL;

	if (o->path && strchr(o->path, ':'))
		return oerr_msg(err, EINVAL,
				"linux.cgroupsPath \"%s\": \"slice:prefix:name\" needs --systemd-cgroup",
				o->path);
	if (!p || !*p)
		return oerr_msg(err, EINVAL, "cgroup: no linux.cgroupsPath and no container id");
	copy = xstrdup(p);
	for (char *save = NULL, *t = strtok_r(copy, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		if (strcmp(t, ".") == 0)
			continue;
		if (strcmp(t, "..") == 0) {
			free(out);
			return oerr_msg(err, EINVAL, "linux.cgroupsPath \"%s\": \"..\" is not allowed", p);
		}
		char *n = out ? xasprintf("%s/%s", out, t) : xstrdup(t);
		free(out);
		out = n;
	}
	if (!out)
		return oerr_msg(err, EINVAL, "linux.cgroupsPath \"%s\": names a hierarchy's root", p);
	*ret_abs = p[0] == '/';
	*ret = out;
	return 0;
}

/* Absolute: from the hierarchy's root. Relative: below our own cgroup (on a
 * pure v2 host below its parent, as runc does: our own cgroup has processes,
 * so controllers could not be enabled for a child of it). */
static char *hier_path(const struct hier_info *hi, enum cg_mode mode, const char *inner, bool abs)
{
	_cleanup_free_ char *base = NULL;
	const char *own = hi->own;
	size_t rlen = strlen(hi->root);

	if (abs)
		return xasprintf("%s/%s", hi->h.mount, inner);
	if (strcmp(hi->root, "/") != 0 && strncmp(own, hi->root, rlen) == 0 &&
	    (own[rlen] == '/' || own[rlen] == '\0'))
		own += rlen;
	base = xstrdup(own);
	if (mode == CG_MODE_UNIFIED && strrchr(base, '/'))
		*strrchr(base, '/') = '\0';
	while (*base && base[strlen(base) - 1] == '/')
		base[strlen(base) - 1] = '\0';
	return xasprintf("%s%s%s/%s", hi->h.mount, *base && base[0] != '/' ? "/" : "", base, inner);
}

struct cg_hier *cg_v1_host(const cgroup_t *cg, const char *ctrl)
{
	for (size_t i = 0; i < cg->n_hiers; i++)
		if (!cg->hiers[i].unified && cg_list_has(cg->hiers[i].controllers, ctrl))
			return &cg->hiers[i];
	return NULL;
}

struct cg_hier *cg_unified(const cgroup_t *cg)
{
	for (size_t i = 0; i < cg->n_hiers; i++)
		if (cg->hiers[i].unified)
			return &cg->hiers[i];
	return NULL;
}

struct cg_hier *cg_v2_host(const cgroup_t *cg, const char *ctrl)
{
	struct cg_hier *h = cg_unified(cg);

	if (!h)
		return NULL;
	if (strcmp(ctrl, "devices") == 0 || strcmp(ctrl, "freezer") == 0 || cg_list_has(h->controllers, ctrl))
		return h;
	return NULL;
}

static bool has_v1(const cgroup_t *cg)
{
	return cg->mode != CG_MODE_UNIFIED;
}

/* The backend that owns the container as a whole (pids, kill). */
static const struct cg_backend *primary(const cgroup_t *cg)
{
	return has_v1(cg) ? &cg_v1_backend : &cg_v2_backend;
}

void cgroup_free(cgroup_t *cg)
{
	if (!cg)
		return;
	for (size_t i = 0; i < cg->n_hiers; i++)
		hier_clear(&cg->hiers[i]);
	free(cg->hiers);
	cg_sd_free(cg->sd);
	if (cg->v2_fd >= 0)
		close(cg->v2_fd);
	free(cg);
}

static bool denied(int r)
{
	return r == -EACCES || r == -EPERM || r == -EROFS;
}

/* mkdir every hierarchy; on failure remove what was made. */
static int create_dirs(cgroup_t *cg, bool rootless, ocirun_error_t *err)
{
	for (size_t i = 0; i < cg->n_hiers; i++) {
		struct cg_hier *h = &cg->hiers[i];
		int r = h->ops->create(cg, h, err);
		if (r < 0 && rootless && denied(r)) {
			log_debug("cgroup: rootless, skipping \"%s\": %s", h->path, err->msg);
			free(h->path);
			h->path = NULL;
			continue;
		}
		if (r < 0)
			return r;
	}
	if (cg->mode == CG_MODE_UNIFIED && cg->hiers[0].path) {
		cg->v2_fd = open(cg->hiers[0].path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (cg->v2_fd < 0)
			return oerr(err, errno, "open cgroup \"%s\"", cg->hiers[0].path);
	}
	return 0;
}

static int apply(const cgroup_t *cg, const struct oci_resources *res, bool update, ocirun_error_t *err)
{
	if (!res)
		return 0;
	if (res->unified.n > 0 && !cg_unified(cg))
		return oerr_msg(err, ENOTSUP,
				"linux.resources.unified[\"%s\"]: no cgroup v2 hierarchy on this host",
				res->unified.items[0].key);
	if (has_v1(cg) && cg_v1_backend.apply(cg, res, update, err) < 0)
		return oerr_ret(err);
	if (cg_unified(cg) && cg_v2_backend.apply(cg, res, update, err) < 0)
		return oerr_ret(err);
	return 0;
}

/* The init would join a frozen cgroup and stop before it ran, with create
 * waiting for it forever: refuse, as runc does. Whatever enters freezes when
 * the v1 freezer.state is not THAWED (FROZEN, FREEZING, or a frozen parent)
 * or the v2 cgroup.freeze is 1 or "frozen 1" is inherited from a parent. */
static int refuse_frozen(const cgroup_t *cg, ocirun_error_t *err)
{
	for (size_t i = 0; i < cg->n_hiers; i++) {
		const struct cg_hier *h = &cg->hiers[i];
		_cleanup_free_ char *s = NULL;
		const char *file = NULL;
		uint64_t v = 0;

		if (!h->path)
			continue;
		if (!h->unified && cg_list_has(h->controllers, "freezer")) {
			if (cg_read(h->path, "freezer.state", &s, NULL) == 0 && strcmp(s, "THAWED") != 0)
				file = "freezer.state";
		} else if (h->unified) {
			if (cg_read(h->path, "cgroup.freeze", &s, NULL) == 0 && strcmp(s, "0") != 0)
				file = "cgroup.freeze";
			else if (cg_read_key(h->path, "cgroup.events", "frozen", &v, NULL) == 0 && v == 1)
				file = "cgroup.events";
		}
		if (file)
			return oerr_msg(err, EBUSY, "container's cgroup unexpectedly frozen (%s in \"%s\")",
					file, h->path);
	}
	return 0;
}

/* A cgroup that already holds processes belongs to someone else (another container, a service):
 * joining it would mix them with the container's, and delete would kill them. Refused, as runc
 * does; every hierarchy is looked at, not only one. */
static int refuse_populated(const cgroup_t *cg, ocirun_error_t *err)
{
	for (size_t i = 0; i < cg->n_hiers; i++) {
		const struct cg_hier *h = &cg->hiers[i];
		_cleanup_free_ pid_t *pids = NULL;
		size_t n = 0;

		if (!h->path || cg_read_pids(h->path, &pids, &n, NULL) < 0 || n == 0)
			continue;
		return oerr_msg(err, EBUSY,
				"container's cgroup is not empty: %zu process(es) found in \"%s\"", n,
				h->path);
	}
	return 0;
}

static const char *mode_name(enum cg_mode m)
{
	return m == CG_MODE_UNIFIED ? "unified" : m == CG_MODE_HYBRID ? "hybrid" : "legacy";
}

/* The systemd driver's plan: one cgroup2 hierarchy whose leaf is the scope
 * systemd will make. "created" stays empty until systemd made the unit for
 * us (cg_sd_start): a unit of the same name that another container owns must
 * never be stopped by this one's delete or failed create. */
static int plan_systemd(const struct cgroup_opts *o, cgroup_t **ret, ocirun_error_t *err)
{
	_cleanup_free_ char *rel = NULL;
	struct hier_info *infos = NULL;
	struct cg_sd *sd = NULL;
	enum cg_mode mode;
	size_t n = 0;
	cgroup_t *cg;

	if (cg_sd_plan(o, &sd, &rel, err) < 0)
		return oerr_ret(err);
	if (detect(&mode, &infos, &n, err) < 0) {
		cg_sd_free(sd);
		return oerr_ret(err);
	}
	if (mode != CG_MODE_UNIFIED || n != 1) {
		infos_free(infos, n);
		cg_sd_free(sd);
		return oerr_msg(err, ENOTSUP,
				"--systemd-cgroup: needs a cgroup v2 only host (this one is %s)",
				mode_name(mode));
	}
	cg = xzalloc(sizeof(*cg));
	cg->v2_fd = -1;
	cg->mode = mode;
	cg->sd = sd;
	cg->hiers = xzalloc(sizeof(*cg->hiers));
	cg->n_hiers = 1;
	cg->hiers[0] = infos[0].h;
	memset(&infos[0].h, 0, sizeof(infos[0].h));
	infos_free(infos, n);
	cg->hiers[0].path = xasprintf("%s%s", cg->hiers[0].mount, rel);
	*ret = cg;
	return 0;
}

int cgroup_plan(const struct cgroup_opts *o, cgroup_t **ret, ocirun_error_t *err)
{
	_cleanup_free_ char *inner = NULL;
	struct hier_info *infos = NULL;
	size_t n = 0;
	bool abs = false;
	cgroup_t *cg;

	if (o->systemd)
		return plan_systemd(o, ret, err);
	if (resolve_inner(o, &inner, &abs, err) < 0)
		return oerr_ret(err);
	cg = xzalloc(sizeof(*cg));
	cg->v2_fd = -1;
	if (detect(&cg->mode, &infos, &n, err) < 0) {
		free(cg);
		return oerr_ret(err);
	}
	cg->hiers = xzalloc(n * sizeof(*cg->hiers));
	cg->n_hiers = n;
	for (size_t i = 0; i < n; i++) {
		infos[i].h.path = hier_path(&infos[i], cg->mode, inner, abs);
		cg->hiers[i] = infos[i].h;
		cg->hiers[i].created = cg_plan_created(cg->hiers[i].mount, cg->hiers[i].path);
		memset(&infos[i].h, 0, sizeof(infos[i].h));
	}
	infos_free(infos, n);
	*ret = cg;
	return 0;
}

int cgroup_make(cgroup_t *cg, bool rootless, const struct oci_resources *res, ocirun_error_t *err)
{
	/* systemd makes the scope with its first process (cgroup_start) */
	if (cg->sd)
		return cg_sd_props(cg->sd, res, err);
	/* from here on, created says what mkdir really made */
	for (size_t i = 0; i < cg->n_hiers; i++) {
		free(cg->hiers[i].created);
		cg->hiers[i].created = NULL;
	}
	if (create_dirs(cg, rootless, err) < 0 ||
	    (fault_point("create-cgroup-mkdir"), refuse_populated(cg, err) < 0) ||
	    refuse_frozen(cg, err) < 0 || apply(cg, res, false, err) < 0) {
		cgroup_destroy(cg, NULL);
		return oerr_ret(err);
	}
	return 0;
}

int cgroup_create(const struct cgroup_opts *o, const struct oci_resources *res, cgroup_t **ret,
		  ocirun_error_t *err)
{
	cgroup_t *cg;

	if (cgroup_plan(o, &cg, err) < 0)
		return oerr_ret(err);
	if (cgroup_make(cg, o->rootless, res, err) < 0) {
		cgroup_free(cg);
		return oerr_ret(err);
	}
	*ret = cg;
	return 0;
}

int cgroup_start(cgroup_t *cg, pid_t pid, const struct oci_resources *res, ocirun_error_t *err)
{
	if (!cgroup_pending(cg))
		return 0;
	if (cg_sd_start(cg, pid, err) < 0 || apply(cg, res, false, err) < 0) {
		cgroup_destroy(cg, NULL);
		return oerr_ret(err);
	}
	return 0;
}

bool cgroup_pending(const cgroup_t *cg)
{
	return cg_sd_pending(cg);
}

int cgroup_v2_fd(const cgroup_t *cg)
{
	return cg->mode == CG_MODE_UNIFIED ? cg->v2_fd : -1;
}

const char *cgroup_path(const cgroup_t *cg, const char *controller)
{
	const struct cg_hier *h;

	if (!controller || !*controller)
		h = cg_unified(cg);
	else
		h = has_v1(cg) ? cg_v1_host(cg, controller) : cg_v2_host(cg, controller);
	if (!h && cg->mode == CG_MODE_UNIFIED)
		h = cg_unified(cg);
	return h ? h->path : NULL;
}

int cgroup_enter(const cgroup_t *cg, pid_t pid, ocirun_error_t *err)
{
	for (size_t i = 0; i < cg->n_hiers; i++) {
		const struct cg_hier *h = &cg->hiers[i];
		if (h->path && h->ops->enter(h, pid, err) < 0)
			return oerr_prefix(err, "enter cgroup");
	}
	return 0;
}

int cgroup_update(const cgroup_t *cg, const struct oci_resources *res, ocirun_error_t *err)
{
	if (cg->sd && cg_sd_update((cgroup_t *)cg, res, err) < 0)
		return oerr_ret(err);
	return apply(cg, res, true, err);
}

/* v1 freezer when mounted, else cgroup.freeze of the v2 tree. */
static const struct cg_backend *freezer(const cgroup_t *cg)
{
	struct cg_hier *h = cg_v1_host(cg, "freezer");

	if (h && h->path)
		return &cg_v1_backend;
	h = cg_unified(cg);
	return h && h->path ? &cg_v2_backend : NULL;
}

int cgroup_freeze(const cgroup_t *cg, bool frozen, ocirun_error_t *err)
{
	const struct cg_backend *b = freezer(cg);

	if (!b)
		return oerr_msg(err, ENOTSUP, "%s: the freezer controller is not mounted",
				frozen ? "pause" : "resume");
	return b->freeze(cg, frozen, err);
}

int cgroup_is_frozen(const cgroup_t *cg)
{
	const struct cg_backend *b = freezer(cg);

	return b ? b->is_frozen(cg) : 0;
}

int cgroup_pids(const cgroup_t *cg, pid_t **ret, size_t *ret_n, ocirun_error_t *err)
{
	return primary(cg)->pids(cg, ret, ret_n, err);
}

int cgroup_kill_all(const cgroup_t *cg, int sig, ocirun_error_t *err)
{
	return primary(cg)->kill(cg, sig, err);
}

int cgroup_stats(const cgroup_t *cg, json_gen_t *g, ocirun_error_t *err)
{
	struct cg_stats st;
	int r = 0;

	memset(&st, 0, sizeof(st));
	if (has_v1(cg))
		r = cg_v1_backend.stats(cg, &st, err);
	if (r == 0 && cg_unified(cg))
		r = cg_v2_backend.stats(cg, &st, err);
	if (r == 0)
		cg_stats_emit(&st, g);
	cg_stats_free(&st);
	return r;
}

int cgroup_destroy(cgroup_t *cg, ocirun_error_t *err)
{
	ocirun_error_t scratch;
	int first = 0;

	if (cg->v2_fd >= 0) {
		close(cg->v2_fd);
		cg->v2_fd = -1;
	}
	if (cg->sd)
		return cg->hiers[0].created ? cg_sd_destroy(cg, err ? err : &scratch) : 0;
	/* Keep going after a failure so every other hierarchy is still cleaned. */
	for (size_t i = 0; i < cg->n_hiers; i++) {
		struct cg_hier *h = &cg->hiers[i];
		if (!h->created || !h->path)
			continue;
		int r = h->ops->destroy(cg, h, first < 0 ? &scratch : err);
		if (r < 0) {
			if (first == 0)
				first = r;
			continue;
		}
		free(h->created);
		h->created = NULL;
	}
	return first;
}

void cgroup_to_json(const cgroup_t *cg, json_gen_t *g)
{
	json_gen_obj_open(g);
	json_gen_key(g, "mode");
	json_gen_str(g, mode_name(cg->mode));
	json_gen_key(g, "hierarchies");
	json_gen_arr_open(g);
	for (size_t i = 0; i < cg->n_hiers; i++) {
		const struct cg_hier *h = &cg->hiers[i];
		json_gen_obj_open(g);
		json_gen_key(g, "unified");
		json_gen_bool(g, h->unified);
		json_gen_key(g, "controllers");
		json_gen_str(g, h->controllers);
		json_gen_key(g, "mount");
		json_gen_str(g, h->mount);
		json_gen_key(g, "path");
		json_gen_str(g, h->path);
		json_gen_key(g, "created");
		json_gen_str(g, h->created);
		json_gen_obj_close(g);
	}
	json_gen_arr_close(g);
	if (cg->sd)
		cg_sd_to_json(cg, g);
	json_gen_obj_close(g);
}

static char *json_dup_str(const json_t *obj, const char *key)
{
	const char *s = json_str(json_obj_get(obj, key));

	return s ? xstrdup(s) : NULL;
}

/* A persisted path must still lie below its mount, so a tampered state file
 * cannot point destroy at another directory. */
static bool below(const char *path, const char *mount)
{
	size_t n = strlen(mount);

	return path && strncmp(path, mount, n) == 0 && path[n] == '/' && !strstr(path, "/../") &&
	       !strstr(path, "/./");
}

int cgroup_from_json(const json_t *v, cgroup_t **ret, ocirun_error_t *err)
{
	const json_t *arr = json_obj_get(v, "hierarchies");
	const char *mode = json_str(json_obj_get(v, "mode"));
	cgroup_t *cg;

	if (json_type(v) != JSON_OBJECT || !arr || json_type(arr) != JSON_ARRAY || !mode)
		return oerr_msg(err, EINVAL, "cgroup state: expected {\"mode\", \"hierarchies\"}");
	cg = xzalloc(sizeof(*cg));
	cg->v2_fd = -1;
	cg->mode = strcmp(mode, "unified") == 0  ? CG_MODE_UNIFIED
		   : strcmp(mode, "hybrid") == 0 ? CG_MODE_HYBRID
						 : CG_MODE_LEGACY;
	cg->n_hiers = json_len(arr);
	cg->hiers = xzalloc((cg->n_hiers ? cg->n_hiers : 1) * sizeof(*cg->hiers));
	for (size_t i = 0; i < cg->n_hiers; i++) {
		const json_t *o = json_arr_get(arr, i);
		struct cg_hier *h = &cg->hiers[i];
		h->unified = json_bool(json_obj_get(o, "unified"));
		h->ops = h->unified ? &cg_v2_backend : &cg_v1_backend;
		h->controllers = json_dup_str(o, "controllers");
		h->mount = json_dup_str(o, "mount");
		h->path = json_dup_str(o, "path");
		h->created = json_dup_str(o, "created");
		if (!h->controllers)
			h->controllers = xstrdup("");
		if (!h->mount || (h->path && !below(h->path, h->mount)) ||
		    (h->created && (!h->path || !below(h->created, h->mount)))) {
			cgroup_free(cg);
			return oerr_msg(err, EINVAL, "cgroup state: hierarchy %zu: bad mount/path/created",
					i);
		}
	}
	if (json_obj_get(v, "systemd") && cg_sd_from_json(json_obj_get(v, "systemd"), cg, err) < 0) {
		cgroup_free(cg);
		return oerr_ret(err);
	}
	if (cg->mode == CG_MODE_UNIFIED && cg->n_hiers == 1 && cg->hiers[0].path)
		cg->v2_fd = open(cg->hiers[0].path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	*ret = cg;
	return 0;
}
