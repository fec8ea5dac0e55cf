/* checkpoint: dump a running container with CRIU (criu/criu.c), and the request parts that
 * restore (restore.c) shares: directories, external mounts and namespaces. What is handed to
 * CRIU follows runc, so that an image made by either restores with the other's bundle rules. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/log.h"
#include "base/util.h"
#include "cgroup/cgroup.h"
#include "lifecycle/cr.h"
#include "lifecycle/lifecycle.h"

static int open_dir(const char *flag, const char *path, bool mk, int *ret, ocirun_error_t *err)
{
	if (mk && mkdir_p(path, 0700, err) < 0)
		return oerr_prefix(err, "%s", flag);
	*ret = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*ret < 0)
		return oerr(err, errno, "%s \"%s\"", flag, path);
	return 0;
}

int cr_plan_init(struct cr_plan *p, const struct ocirun_criu_opts *o, bool mkdirs, ocirun_error_t *err)
{
	const char *images = o->image_path && *o->image_path ? o->image_path : "checkpoint";
	struct criu_request *r = &p->req;

	*p = (struct cr_plan){.images_fd = -1, .work_fd = -1, .extra_fds = {-1, -1}};
	*r = (struct criu_request){.work_dir_fd = -1, .status_fd = -1, .cg_mode = CRIU_CG_UNSET};
	if (criu_cg_mode_parse(o->manage_cgroups_mode, &r->cg_mode, err) < 0)
		return oerr_ret(err);
	r->empty_ns = CLONE_NEWNET; /* as runc: network devices are not its business */
	for (char **ns = o->empty_ns; ns && *ns; ns++)
		if (strcmp(*ns, "network") != 0)
			return oerr_msg(err, EINVAL, "--empty-ns: namespace \"%s\" is not supported", *ns);
	if (open_dir("--image-path", images, mkdirs, &p->images_fd, err) < 0)
		return oerr_ret(err);
	if (o->work_path && *o->work_path &&
	    open_dir("--work-path", o->work_path, true, &p->work_fd, err) < 0)
		return oerr_ret(err);
	r->images_dir_fd = p->images_fd;
	r->work_dir_fd = p->work_fd;
	r->tcp_established = o->tcp_established;
	r->ext_unix_sk = o->ext_unix_sk;
	r->shell_job = o->shell_job;
	r->file_locks = o->file_locks;
	r->auto_dedup = o->auto_dedup;
	r->lazy_pages = o->lazy_pages;
	r->orphan_pts_master = true;
	return 0;
}

static void free_pairs(struct criu_pair *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free((char *)v[i].key);
		free((char *)v[i].val);
	}
	free(v);
}

void cr_plan_release(struct cr_plan *p)
{
	if (p->images_fd >= 0)
		close(p->images_fd);
	if (p->work_fd >= 0)
		close(p->work_fd);
	for (size_t i = 0; i < p->n_extra; i++)
		if (p->extra_fds[i] >= 0)
			close(p->extra_fds[i]);
	free_pairs(p->mnt, p->n_mnt);
	free_pairs(p->inherit, p->n_inherit);
	free_pairs(p->cg_root, p->n_cg_root);
	for (size_t i = 0; i < p->n_external; i++)
		free(p->external[i]);
	free(p->external);
	*p = (struct cr_plan){.images_fd = -1, .work_fd = -1};
}

static void add_pair(struct criu_pair **v, size_t *n, char *key, char *val, int fd)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = (struct criu_pair){.key = key, .val = val, .fd = fd};
}

static bool is_bind(const struct oci_mount *m)
{
	if (m->type && !strcmp(m->type, "bind"))
		return true;
	for (char **o = m->options; o && *o; o++)
		if (!strcmp(*o, "bind") || !strcmp(*o, "rbind"))
			return true;
	return false;
}

static void add_mnt(struct cr_plan *p, const char *dest, const char *val)
{
	add_pair(&p->mnt, &p->n_mnt, xstrdup(dest), xstrdup(val), -1);
}

void cr_plan_mounts(struct cr_plan *p, const struct oci_spec *s, bool restore, pid_t pid, const char *bundle)
{
	const struct oci_linux *l = s->linux_;
	bool masked_file = false;

	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct oci_mount *m = &s->mounts[i];
		_cleanup_free_ char *src = NULL;
		if (!m->destination || !is_bind(m))
			continue;
		if (!restore) {
			add_mnt(p, m->destination, m->destination);
			continue;
		}
		src = m->source && m->source[0] != '/' ? xasprintf("%s/%s", bundle, m->source)
						       : xstrdup(m->source ? m->source : "");
		add_mnt(p, m->destination, src);
	}
	for (char **mp = l ? l->masked_paths : NULL; mp && *mp; mp++) {
		struct stat sb;
		_cleanup_free_ char *path = xasprintf("/proc/%d/root%s", (int)pid, *mp);
		if (restore) {
			masked_file = true;
			break;
		}
		if (stat(path, &sb) == 0 && !S_ISDIR(sb.st_mode))
			add_mnt(p, *mp, "/dev/null");
	}
	if (masked_file)
		add_mnt(p, "/dev/null", "/dev/null");
	for (size_t i = 0; l && i < l->n_devices; i++)
		if (l->devices[i].path)
			add_mnt(p, l->devices[i].path, l->devices[i].path);
}

int cr_plan_namespaces(struct cr_plan *p, const struct oci_spec *s, bool restore, ocirun_error_t *err)
{
	static const struct {
		const char *type, *criu, *key;
	} kinds[] = {{"network", "net", "extRootNetNS"}, {"pid", "pid", "extRootPidNS"}};

	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		const struct oci_namespace *ns = spec_find_namespace(s, kinds[i].type);
		struct stat sb;
		int fd;
		if (!ns || !ns->path || !*ns->path)
			continue;
		if (!restore) {
			if (stat(ns->path, &sb) < 0)
				return oerr(err, errno, "linux.namespaces: %s \"%s\"", kinds[i].type,
					    ns->path);
			p->external = xrealloc(p->external, (p->n_external + 1) * sizeof(char *));
			p->external[p->n_external++] = xasprintf("%s[%llu]:%s", kinds[i].criu,
								 (unsigned long long)sb.st_ino, kinds[i].key);
			continue;
		}
		fd = open(ns->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return oerr(err, errno, "linux.namespaces: %s \"%s\"", kinds[i].type, ns->path);
		p->extra_fds[p->n_extra] = fd;
		/* criu_run hands extra fds over as 4, 5, ... */
		add_pair(&p->inherit, &p->n_inherit, xstrdup(kinds[i].key), NULL, 4 + (int)p->n_extra);
		p->n_extra++;
	}
	return 0;
}

void cr_plan_finish(struct cr_plan *p)
{
	struct criu_request *r = &p->req;

	r->ext_mnt = p->mnt;
	r->n_ext_mnt = p->n_mnt;
	r->inherit_fd = p->inherit;
	r->n_inherit_fd = p->n_inherit;
	r->cg_root = p->cg_root;
	r->n_cg_root = p->n_cg_root;
	r->external = (const char **)p->external;
	r->n_external = p->n_external;
	r->extra_fds = p->extra_fds;
	r->n_extra_fds = p->n_extra;
}

/* descriptors.json: where the init's fds 0-2 point, as runc records them. */
static int write_descriptors(int images_fd, pid_t pid, ocirun_error_t *err)
{
	json_gen_t *g = json_gen_new(false);
	_cleanup_free_ char *text = NULL;
	size_t len;

	json_gen_arr_open(g);
	for (int fd = 0; fd < 3; fd++) {
		char link[64], target[PATH_MAX];
		ssize_t n;
		snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)pid, fd);
		n = readlink(link, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = 0;
		json_gen_str(g, target);
	}
	json_gen_arr_close(g);
	text = json_gen_finish(g, &len);
	json_gen_free(g);
	return write_file_at(images_fd, CR_DESCRIPTORS, text, len, err);
}

static int parse_page_server(const char *s, struct criu_request *r, char **ret_addr, ocirun_error_t *err)
{
	const char *colon = s ? strrchr(s, ':') : NULL;
	int64_t port;

	if (!s || !*s)
		return 0;
	if (!colon || colon == s || parse_i64(colon + 1, &port) < 0 || port <= 0 || port > 65535)
		return oerr_msg(err, EINVAL, "--page-server: expected ADDRESS:PORT, got \"%s\"", s);
	*ret_addr = strndup(s, colon - s);
	r->ps_address = *ret_addr;
	r->ps_port = (int)port;
	return 0;
}

/* --parent-path is relative to the image dir and must be a directory there, as runc checks. */
static int check_parent(const struct ocirun_checkpoint_opts *o, int images_fd, ocirun_error_t *err)
{
	struct stat sb;

	if (!o->parent_path || !*o->parent_path)
		return 0;
	if (o->parent_path[0] == '/')
		return oerr_msg(err, EINVAL, "--parent-path must be relative");
	if (fstatat(images_fd, o->parent_path, &sb, 0) < 0)
		return oerr(err, errno, "invalid --parent-path \"%s\"", o->parent_path);
	if (!S_ISDIR(sb.st_mode))
		return oerr(err, ENOTDIR, "invalid --parent-path \"%s\"", o->parent_path);
	return 0;
}

static int dump(struct opened *c, const struct ocirun_checkpoint_opts *o, struct cr_plan *p,
		ocirun_error_t *err)
{
	_cleanup_free_ char *ps_addr = NULL;
	struct oci_spec *spec = NULL;
	struct criu_request *r = &p->req;
	int k;

	if (check_parent(o, p->images_fd, err) < 0 || parse_page_server(o->page_server, r, &ps_addr, err) < 0)
		return oerr_ret(err);
	if (container_spec(c, &spec, err) < 0)
		return oerr_ret(err);
	r->type = o->pre_dump ? CRIU_REQ_PRE_DUMP : CRIU_REQ_DUMP;
	r->log_file = "dump.log";
	r->pid = c->st->pid;
	r->root = c->st->rootfs;
	r->leave_running = o->leave_running;
	r->link_remap = o->link_remap;
	r->tcp_skip_in_flight = o->tcp_skip_in_flight;
	r->status_fd = o->status_fd;
	r->freeze_cgroup = c->cg ? cgroup_path(c->cg, "freezer") : NULL;
	if (o->parent_path && *o->parent_path) {
		r->parent_img = o->parent_path;
		r->track_mem = true;
	}
	if (o->pre_dump)
		r->track_mem = true;
	k = cr_plan_namespaces(p, spec, false, err);
	if (k == 0 && !o->pre_dump) { /* pre-dump saves memory only */
		cr_plan_mounts(p, spec, false, c->st->pid, NULL);
		k = write_descriptors(p->images_fd, c->st->pid, err);
	}
	spec_free(spec);
	if (k < 0)
		return k;
	cr_plan_finish(p);
	return criu_run(r, NULL, NULL, NULL, NULL, err);
}

int ocirun_checkpoint(const struct ocirun_ctx *ctx, const struct ocirun_checkpoint_opts *o,
		      ocirun_error_t *err)
{
	struct opened c = {0};
	struct cr_plan p = {.images_fd = -1, .work_fd = -1};
	const char *status;
	int r;

	if (open_container(ctx, o->id, &c, err) < 0)
		return oerr_ret(err);
	status = status_with_cgroup(&c);
	if (strcmp(status, "running") != 0 && strcmp(status, "paused") != 0) {
		r = oerr_msg(err, EINVAL, "container \"%s\" cannot be checkpointed in %s state", o->id,
			     status);
		goto out;
	}
	r = criu_check(err);
	if (r == 0)
		r = cr_plan_init(&p, &o->criu, true, err);
	if (r == 0)
		r = dump(&c, o, &p, err);
	if (r < 0) {
		oerr_prefix(err, "checkpoint \"%s\"", o->id);
		goto out;
	}
	/* CRIU killed the tree after the dump: the container is gone, as with runc */
	if (!o->leave_running && !o->pre_dump && container_destroy(c.root_fd, c.dirfd, c.st, err) < 0)
		r = oerr_prefix(err, "checkpoint \"%s\": remove the container", o->id);
out:
	cr_plan_release(&p);
	opened_release(&c);
	return r;
}
