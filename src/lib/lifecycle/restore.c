/* restore: a new container from a bundle and a CRIU image. Everything that can be checked is
 * checked before anything exists (the config, the image dir and its descriptors.json, CRIU
 * itself); then the state dir (the ID is taken atomically), the cgroup, and CRIU restores the
 * tree as our child (rst_sibling). Any failure removes the cgroup, the state dir and the root's
 * bind mount, which lives in a private mount namespace of this process anyway. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/log.h"
#include "base/util.h"
#include "cgroup/cgroup.h"
#include "fs/fs.h"
#include "lifecycle/cr.h"
#include "lifecycle/lifecycle.h"
#include "term/term.h"

#define CRIU_ROOT "criu-root"

struct restoring {
	const struct ocirun_ctx *ctx;
	const struct ocirun_restore_opts *o;
	struct oci_spec *spec;
	char *config_text;
	size_t config_len;
	char *bundle, *rootfs;
	int root_fd, dirfd;
	bool dir_made;
	cgroup_t *cg;
	struct container_state st;
	char *criu_root; /* <state dir>/criu-root, bind of the rootfs while CRIU runs */
	bool mounted;
	pid_t pid;
	int pidfd;
	struct cr_plan plan;
};

static void restoring_release(struct restoring *c)
{
	if (c->pidfd >= 0)
		close(c->pidfd);
	if (c->dirfd >= 0)
		close(c->dirfd);
	if (c->root_fd >= 0)
		close(c->root_fd);
	cr_plan_release(&c->plan);
	cgroup_free(c->cg);
	json_free(c->st.owned_tree);
	free(c->st.created);
	spec_free(c->spec);
	free(c->config_text);
	free(c->bundle);
	free(c->rootfs);
	free(c->criu_root);
}

static void unmount_root(struct restoring *c)
{
	if (c->mounted && umount2(c->criu_root, MNT_DETACH) < 0)
		log_warn("unmount %s: %s", c->criu_root, strerror(errno));
	c->mounted = false;
	if (c->dirfd >= 0)
		unlinkat(c->dirfd, CRIU_ROOT, AT_REMOVEDIR);
}

static void restore_abort(struct restoring *c)
{
	ocirun_error_t e = {0};

	if (c->pid > 0) {
		kill(c->pid, SIGKILL);
		while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
			;
		c->pid = 0;
	}
	unmount_root(c);
	if (c->cg && cgroup_destroy(c->cg, &e) < 0)
		log_warn("clean up cgroup: %s", e.msg);
	if (c->dir_made && state_dir_remove(c->root_fd, c->o->id, &e) < 0)
		log_warn("clean up state dir: %s", e.msg);
}

/* The bundle, its config, and the image: all before anything exists. */
static int load(struct restoring *c, ocirun_error_t *err)
{
	const struct ocirun_restore_opts *o = c->o;
	char buf[PATH_MAX];
	const char *b = o->bundle && *o->bundle ? o->bundle : ".";

	if (state_validate_id(o->id, err) < 0)
		return oerr_ret(err);
	if (c->ctx->rootless == 1)
		return oerr_msg(err, ENOTSUP, "restore: rootless containers cannot be restored");
	if (!realpath(b, buf))
		return oerr(err, errno, "bundle \"%s\"", b);
	c->bundle = xstrdup(buf);
	if (spec_read(c->bundle, &c->config_text, &c->config_len, err) < 0 ||
	    spec_parse(c->config_text, c->config_len, "config.json", &c->spec, err) < 0 ||
	    fs_resolve_root(c->spec, c->bundle, &c->rootfs, err) < 0)
		return oerr_ret(err);
	if (c->spec->process && c->spec->process->terminal && !o->console_socket)
		return oerr_msg(err, EINVAL, "process.terminal is true but no --console-socket was given");
	if (!(c->spec->process && c->spec->process->terminal) && o->console_socket)
		return oerr_msg(err, EINVAL, "--console-socket given but process.terminal is false");
	return cr_plan_init(&c->plan, &o->criu, false, err);
}

/* descriptors.json: the init's stdio at dump; each pipe is handed back from our own stdio. */
static int inherit_stdio(struct restoring *c, ocirun_error_t *err)
{
	_cleanup_free_ char *text = NULL;
	json_t *v = NULL;
	size_t len;

	if (read_file_at(c->plan.images_fd, CR_DESCRIPTORS, &text, &len, err) < 0)
		return oerr_prefix(err, "--image-path: not a checkpoint image");
	if (json_parse(text, len, &v, err) < 0)
		return oerr_prefix(err, "--image-path: %s", CR_DESCRIPTORS);
	for (size_t i = 0; json_type(v) == JSON_ARRAY && i < json_len(v) && i < 3; i++) {
		const char *s = json_str(json_arr_get(v, i));
		if (!s || !strstr(s, "pipe:"))
			continue;
		c->plan.inherit =
		    xrealloc(c->plan.inherit, (c->plan.n_inherit + 1) * sizeof(struct criu_pair));
		c->plan.inherit[c->plan.n_inherit++] = (struct criu_pair){.key = xstrdup(s), .fd = (int)i};
	}
	json_free(v);
	return 0;
}

static int save_cgroup(struct restoring *c, bool made, ocirun_error_t *err)
{
	json_gen_t *g = json_gen_new(false);
	_cleanup_free_ char *text = NULL;
	struct state_owned own;
	size_t len;
	json_t *v;

	cgroup_to_json(c->cg, g);
	text = json_gen_finish(g, &len);
	json_gen_free(g);
	if (json_parse(text, len, &v, err) < 0)
		return oerr_prefix(err, "cgroup state");
	json_free(c->st.owned_tree);
	c->st.cgroup = c->st.owned_tree = v;
	own = (struct state_owned){.bundle = c->bundle,
				   .created = c->st.created,
				   .cgroup = c->st.cgroup,
				   .cgroup_made = made,
				   .pid = c->st.pid,
				   .start_time = c->st.start_time};
	return state_owned_write(c->dirfd, &own, err);
}

/* The config's resources with runc's device rules (*rules, to free). */
static void resources(const struct restoring *c, struct oci_resources *res, struct oci_device_cgroup **rules)
{
	const struct oci_linux *l = c->spec->linux_;

	*res = (struct oci_resources){0};
	if (l && l->resources)
		*res = *l->resources;
	*rules = device_rules(c->spec, &res->n_devices);
	res->devices = *rules;
}

/* cgroupfs: the dirs with their limits, now. The systemd driver: the unit's properties now, the
 * scope itself once CRIU runs (criu_started), with CRIU as its first process. */
static int make_cgroup(struct restoring *c, ocirun_error_t *err)
{
	const struct oci_linux *l = c->spec->linux_;
	struct cgroup_opts co = {.id = c->o->id,
				 .path = l ? l->cgroups_path : NULL,
				 .systemd = c->ctx->systemd_cgroup,
				 .annotations = &c->spec->annotations};
	struct oci_resources res;
	_cleanup_free_ struct oci_device_cgroup *rules = NULL;

	resources(c, &res, &rules);
	if (cgroup_plan(&co, &c->cg, err) < 0)
		return oerr_ret(err);
	if (save_cgroup(c, false, err) < 0) {
		cgroup_free(c->cg);
		c->cg = NULL;
		return oerr_ret(err);
	}
	if (cgroup_make(c->cg, false, &res, err) < 0 || save_cgroup(c, !cgroup_pending(c->cg), err) < 0)
		return oerr_ret(err);
	return 0;
}

/* CRIU (and so the tree it restores) in the container's cgroup: the systemd driver's scope is
 * made now with CRIU's pid in it, as runc does; a cgroupfs cgroup is entered. */
static int enter_cgroup(struct restoring *c, pid_t criu_pid, ocirun_error_t *err)
{
	struct oci_resources res;
	_cleanup_free_ struct oci_device_cgroup *rules = NULL;

	if (!cgroup_pending(c->cg))
		return cgroup_enter(c->cg, criu_pid, err);
	resources(c, &res, &rules);
	if (cgroup_start(c->cg, criu_pid, &res, err) < 0 || save_cgroup(c, true, err) < 0)
		return oerr_ret(err);
	return 0;
}

static int make_state(struct restoring *c, ocirun_error_t *err)
{
	struct state_begin b = {.ctx = c->ctx,
				.id = c->o->id,
				.spec = c->spec,
				.bundle = c->bundle,
				.rootfs = c->rootfs,
				.config_text = c->config_text,
				.config_len = c->config_len,
				.no_pivot = c->o->no_pivot};
	struct state_begun r = {.root_fd = -1, .dirfd = -1, .st = &c->st};
	int ret = state_begin(&b, &r, err);

	c->root_fd = r.root_fd;
	c->dirfd = r.dirfd;
	c->dir_made = r.dir_made;
	if (ret < 0 || make_cgroup(c, err) < 0 || state_write(c->dirfd, &c->st, err) < 0)
		return oerr_ret(err);
	return 0;
}

/* CRIU wants the root as a mount point whose parent is not overmounted: a bind of the rootfs in
 * the state dir, made in a mount namespace of our own so that nothing of it reaches the host. */
static int mount_root(struct restoring *c, ocirun_error_t *err)
{
	char root[PATH_MAX];

	if (!realpath(c->ctx->root, root))
		return oerr(err, errno, "state root \"%s\"", c->ctx->root);
	c->criu_root = xasprintf("%s/%s/%s", root, c->o->id, CRIU_ROOT);
	if (mkdirat(c->dirfd, CRIU_ROOT, 0755) < 0)
		return oerr(err, errno, "mkdir %s", c->criu_root);
	if (mount(c->rootfs, c->criu_root, NULL, MS_BIND | MS_REC, NULL) < 0)
		return oerr(err, errno, "bind \"%s\" on \"%s\"", c->rootfs, c->criu_root);
	c->mounted = true;
	return 0;
}

/* CRIU and the tree it restores go into the container's cgroup: enter it, then name it as the
 * cgroup root of every hierarchy, read back from /proc/PID/cgroup as runc does. */
static int criu_started(pid_t criu_pid, void *data, ocirun_error_t *err)
{
	struct restoring *c = data;
	_cleanup_free_ char *text = NULL, *path = xasprintf("/proc/%d/cgroup", (int)criu_pid);
	size_t len;

	if (enter_cgroup(c, criu_pid, err) < 0 || read_file(path, &text, &len, err) < 0)
		return oerr_ret(err);
	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *ctrl = strchr(l, ':'), *p = ctrl ? strchr(ctrl + 1, ':') : NULL;
		if (!p)
			continue;
		*p++ = 0;
		ctrl++;
		c->plan.cg_root =
		    xrealloc(c->plan.cg_root, (c->plan.n_cg_root + 1) * sizeof(struct criu_pair));
		c->plan.cg_root[c->plan.n_cg_root++] =
		    (struct criu_pair){.key = *ctrl ? xstrdup(ctrl) : NULL, .val = xstrdup(p)};
	}
	cr_plan_finish(&c->plan);
	return 0;
}

/* orphan-pts-master: the pty master of a container with a terminal goes to --console-socket */
static int criu_notify(const char *script, pid_t pid, int fd, void *data, ocirun_error_t *err)
{
	struct restoring *c = data;
	int r = 0;

	(void)pid;
	if (!strcmp(script, "orphan-pts-master") && fd >= 0 && c->o->console_socket)
		r = term_send_fd(c->o->console_socket, fd, err);
	if (fd >= 0)
		close(fd);
	return r;
}

static int do_restore(struct restoring *c, ocirun_error_t *err)
{
	struct criu_request *r = &c->plan.req;
	const struct ocirun_restore_opts *o = c->o;

	/* First, before any fd is opened: a directory opened before unshare stays in the host's
	 * namespace, and CRIU, which works in the image dir, could not mount its cgroup yard there. */
	if (unshare(CLONE_NEWNS) < 0)
		return oerr(err, errno, "unshare the mount namespace");
	if (mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return oerr(err, errno, "make / a slave mount");
	if (load(c, err) < 0 || inherit_stdio(c, err) < 0 ||
	    cr_plan_namespaces(&c->plan, c->spec, true, err) < 0 || criu_check(err) < 0)
		return oerr_ret(err);
	cr_plan_mounts(&c->plan, c->spec, true, 0, c->bundle);
	cr_plan_finish(&c->plan);
	r->type = CRIU_REQ_RESTORE;
	r->log_file = "restore.log";
	r->rst_sibling = true;
	r->evasive_devices = true;
	r->notify_scripts = true;
	r->lsm_profile = o->lsm_profile && *o->lsm_profile ? o->lsm_profile : NULL;
	r->lsm_mount_context = o->lsm_mount_context && *o->lsm_mount_context ? o->lsm_mount_context : NULL;
	if (make_state(c, err) < 0 || fs_make_mountpoints(c->spec, c->rootfs, c->bundle, err) < 0 ||
	    mount_root(c, err) < 0)
		goto fail;
	r->root = c->criu_root;
	if (criu_run(r, criu_started, criu_notify, c, &c->pid, err) < 0)
		goto fail;
	unmount_root(c);
	c->pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
	if (c->pidfd < 0 || !(c->st.start_time = proc_start_time(c->pid))) {
		oerr(err, errno ? errno : ESRCH, "the restored process %d", (int)c->pid);
		goto fail;
	}
	c->st.pid = c->pid;
	c->st.phase = PHASE_CREATED;
	if (state_write(c->dirfd, &c->st, err) < 0 || save_cgroup(c, true, err) < 0 ||
	    (o->pid_file && write_pid_file(o->pid_file, c->pid, err) < 0))
		goto fail;
	return 0;
fail:
	restore_abort(c);
	return oerr_ret(err);
}

int ocirun_restore(const struct ocirun_ctx *ctx, const struct ocirun_restore_opts *o, int *ret_status,
		   ocirun_error_t *err)
{
	struct restoring c = {.ctx = ctx, .o = o, .root_fd = -1, .dirfd = -1, .pidfd = -1};
	ocirun_error_t e = {0};
	sigset_t mask, old;
	int r;

	*ret_status = 0;
	c.plan = (struct cr_plan){.images_fd = -1, .work_fd = -1, .extra_fds = {-1, -1}};
	forwarded_signals(&mask);
	if (!o->detach) {
		sigprocmask(SIG_BLOCK, &mask, &old);
		/* the restored tree's orphans come back to us, as with runc */
		if (!o->no_subreaper)
			prctl(PR_SET_CHILD_SUBREAPER, 1);
	}
	r = do_restore(&c, err);
	if (r < 0)
		oerr_prefix(err, "restore \"%s\"", o->id);
	if (c.dirfd >= 0) { /* the lock would block state, kill and the rest while we wait */
		close(c.dirfd);
		c.dirfd = -1;
	}
	if (r == 0 && !o->detach) {
		r = wait_foreground(c.pid, c.pidfd, -1, &mask, ret_status, err);
		c.pid = 0;
		if (c.cg && cgroup_destroy(c.cg, &e) < 0)
			log_warn("remove cgroup: %s", e.msg);
		if (state_dir_remove(c.root_fd, o->id, &e) < 0)
			log_warn("remove state dir: %s", e.msg);
	}
	if (!o->detach)
		sigprocmask(SIG_SETMASK, &old, NULL);
	restoring_release(&c);
	return r;
}
