/* create and run, the runtime side: validate everything, then make the state
 * dir, the cgroup and the init, and walk the sync protocol (sync/sync.h).
 * Every failure after the state dir exists goes through create_abort(),
 * which leaves no state dir, cgroup, process or fifo behind. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/fault.h"
#include "base/log.h"
#include "base/util.h"
#include "cgroup/cgroup.h"
#include "fs/fs.h"
#include "hooks/hooks.h"
#include "lifecycle/lifecycle.h"
#include "net/netdev.h"
#include "proc/proc.h"
#include "ocirun/ocirun.h"
#include "spawn/spawn.h"
#include "sync/sync.h"
#include "term/term.h"

enum create_mode { MODE_CREATE, MODE_RUN };

struct creation {
	const struct ocirun_ctx *ctx;
	const struct ocirun_create_opts *o;
	enum create_mode mode;
	struct oci_spec *spec;
	char *config_text; /* the bytes parsed into spec, kept in the state dir */
	size_t config_len;
	char *bundle;
	char *rootfs;
	struct ns_plan plan;
	seccomp_prog_t *seccomp;
	struct caps_set caps; /* process.capabilities, resolved once (caps_validate) */
	int root_fd;
	int dirfd;
	bool dir_made;
	cgroup_t *cg;
	struct container_state st;
	struct sync_chan sync; /* runtime end */
	int fifo_fd;
	int fifo_hold_fd;
	pid_t pid;
	int pidfd;
	int console_fd;          /* pty master kept by a foreground run */
	struct idmap_plan idmap; /* user namespaces of idmapped mounts */
};

static struct creation creation_new(const struct ocirun_ctx *ctx, const struct ocirun_create_opts *o,
				    enum create_mode mode)
{
	return (struct creation){.ctx = ctx,
				 .o = o,
				 .mode = mode,
				 .root_fd = -1,
				 .dirfd = -1,
				 .sync = {.fd = -1},
				 .fifo_fd = -1,
				 .fifo_hold_fd = -1,
				 .pidfd = -1,
				 .console_fd = -1};
}

static void creation_release(struct creation *c)
{
	if (c->sync.fd >= 0)
		close(c->sync.fd);
	if (c->fifo_fd >= 0)
		close(c->fifo_fd);
	if (c->fifo_hold_fd >= 0)
		close(c->fifo_hold_fd);
	if (c->dirfd >= 0)
		close(c->dirfd);
	if (c->root_fd >= 0)
		close(c->root_fd);
	if (c->pidfd >= 0)
		close(c->pidfd);
	if (c->console_fd >= 0)
		close(c->console_fd);
	idmap_plan_release(&c->idmap);
	cgroup_free(c->cg);
	seccomp_prog_free(c->seccomp);
	ns_plan_release(&c->plan);
	json_free(c->st.owned_tree);
	free(c->st.created);
	spec_free(c->spec);
	free(c->config_text);
	free(c->bundle);
	free(c->rootfs);
}

/* Undo everything create made; errors here are only logged: the original
 * error is what the caller reports. */
static void create_abort(struct creation *c)
{
	ocirun_error_t e = {0};

	if (c->pid > 0) {
		if (c->pidfd >= 0)
			syscall(SYS_pidfd_send_signal, c->pidfd, SIGKILL, NULL, 0);
		else
			kill(c->pid, SIGKILL);
		while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
			;
		c->pid = 0;
	}
	if (c->cg && cgroup_destroy(c->cg, &e) < 0)
		log_warn("clean up cgroup: %s", e.msg);
	if (c->dir_made && state_dir_remove(c->root_fd, c->o->id, &e) < 0)
		log_warn("clean up state dir: %s", e.msg);
}

static int resolve_paths(struct creation *c, ocirun_error_t *err)
{
	char buf[PATH_MAX];
	const char *b = c->o->bundle && *c->o->bundle ? c->o->bundle : ".";

	if (!realpath(b, buf))
		return oerr(err, errno, "bundle \"%s\"", b);
	c->bundle = xstrdup(buf);
	if (spec_read(c->bundle, &c->config_text, &c->config_len, err) < 0 ||
	    spec_parse(c->config_text, c->config_len, "config.json", &c->spec, err) < 0)
		return oerr_ret(err);
	/* realpath of root.path; an overlay root's annotations are checked first and its mount
	 * point created when missing (fs/overlay.c). */
	return fs_resolve_root(c->spec, c->bundle, &c->rootfs, err);
}

/* Everything that can be checked before anything exists. */
static int validate(struct creation *c, ocirun_error_t *err)
{
	const struct oci_spec *s = c->spec;
	const struct oci_process *p = s->process;
	bool foreground = c->mode == MODE_RUN && !c->o->detach;

	if (p->terminal && !c->o->console_socket && !foreground)
		return oerr_msg(
		    err, EINVAL,
		    "process.terminal is true but no --console-socket was given for a detached container");
	if (!p->terminal && c->o->console_socket)
		return oerr_msg(err, EINVAL, "--console-socket given but process.terminal is false");
	if (ns_plan_make(s, &c->plan, err) < 0 || ns_sysctl_validate(s, err) < 0)
		return oerr_prefix(err, "config.json");
	if (s->hostname && *s->hostname && !spec_find_namespace(s, "uts"))
		return oerr_msg(err, EINVAL,
				"config.json: hostname: cannot set a hostname without a new uts namespace");
	if (caps_validate(p->capabilities, &c->caps, err) < 0 ||
	    rlimits_validate(p->rlimits, p->n_rlimits, err) < 0 ||
	    proc_attrs_validate(p, s->linux_, err) < 0 || lsm_validate(p, s->linux_, err) < 0 ||
	    netdev_validate(s, err) < 0 || fs_validate(s, c->bundle, err) < 0)
		return oerr_prefix(err, "config.json");
	if (s->linux_ && s->linux_->seccomp) {
		const struct oci_seccomp *sc = s->linux_->seccomp;
		for (size_t i = 0; i < sc->n_syscalls && !sc->listener_path; i++)
			if (sc->syscalls[i].action && !strcmp(sc->syscalls[i].action, "SCMP_ACT_NOTIFY"))
				return oerr_msg(err, EINVAL,
						"config.json: linux.seccomp.syscalls[%zu].action: "
						"SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath",
						i);
		if (seccomp_compile(sc, &c->seccomp, err) < 0)
			return oerr_prefix(err, "config.json");
	}
	if (c->plan.new_user && (!s->linux_->n_uid_mappings || !s->linux_->n_gid_mappings))
		return oerr_msg(
		    err, EINVAL,
		    "config.json: linux.uidMappings and gidMappings are required with a new user namespace");
	return 0;
}

static int save_cgroup(struct creation *c, ocirun_error_t *err)
{
	json_gen_t *g = json_gen_new(false);
	_cleanup_free_ char *text = NULL;
	size_t len;
	json_t *v;

	cgroup_to_json(c->cg, g);
	text = json_gen_finish(g, &len);
	json_gen_free(g);
	if (json_parse(text, len, &v, err) < 0)
		return oerr_prefix(err, "cgroup state");
	json_free(c->st.owned_tree);
	c->st.cgroup = c->st.owned_tree = v;
	return 0;
}

/* owned.json: what `delete --force` must find even without state.json. */
static int record_owned(struct creation *c, bool cgroup_made, ocirun_error_t *err)
{
	struct state_owned o = {
	    .bundle = c->bundle,
	    .created = c->st.created,
	    .cgroup = c->st.cgroup,
	    .cgroup_made = cgroup_made,
	    .pid = c->st.pid,
	    .start_time = c->st.start_time,
	};

	return state_owned_write(c->dirfd, &o, err);
}

/* The device cgroup rules runc applies: the config's rules, then what
 * every container needs (the default /dev nodes, ptys, mknod of anything).
 * A linux.devices node gets no rule of its own: it is made in /dev, but
 * opening it takes a linux.resources.devices allow, as in runc (a config
 * may list /dev/kmsg and deny it). The v1 driver replays the list in order
 * and the v2 eBPF program lets the last match win, so appending allows works. */
struct oci_device_cgroup *device_rules(const struct oci_spec *s, size_t *ret_n)
{
	static const struct {
		const char *type;
		int64_t major, minor; /* -1: any */
		const char *access;
	} defaults[] = {
	    {"c", -1, -1, "m"}, {"b", -1, -1, "m"},    {"c", 1, 3, "rwm"}, {"c", 1, 8, "rwm"},
	    {"c", 1, 7, "rwm"}, {"c", 5, 0, "rwm"},    {"c", 1, 5, "rwm"}, {"c", 1, 9, "rwm"},
	    {"c", 5, 1, "rwm"}, {"c", 136, -1, "rwm"}, {"c", 5, 2, "rwm"}, {"c", 10, 200, "rwm"},
	};
	const struct oci_resources *r = s->linux_ ? s->linux_->resources : NULL;
	size_t n_spec = r ? r->n_devices : 0, n = 0;
	struct oci_device_cgroup *v = xzalloc((n_spec + ARRAY_SIZE(defaults)) * sizeof(*v));

	for (size_t i = 0; i < n_spec; i++)
		v[n++] = r->devices[i];
	for (size_t i = 0; i < ARRAY_SIZE(defaults); i++)
		v[n++] = (struct oci_device_cgroup){
		    .allow = true,
		    .type = (char *)defaults[i].type,
		    .has_major = true,
		    .major = defaults[i].major,
		    .has_minor = true,
		    .minor = defaults[i].minor,
		    .access = (char *)defaults[i].access,
		};
	*ret_n = n;
	return v;
}

/* The resources to apply; *rules (to free) holds the device rules. */
static void cgroup_resources(struct creation *c, struct oci_resources *res, struct oci_device_cgroup **rules)
{
	const struct oci_linux *l = c->spec->linux_;

	*res = (struct oci_resources){0};
	*rules = NULL;
	if (l && l->resources)
		*res = *l->resources;
	/* Rootless or inside a user namespace, the device cgroup is out of reach
	 * (writing it needs CAP_SYS_ADMIN on the host) and the user namespace
	 * already keeps devices out, as runc; otherwise runc's full rule list. */
	if (c->ctx->rootless == 1 || running_in_userns()) {
		if (c->ctx->rootless != 1)
			log_debug(
			    "linux.resources.devices: running in a user namespace, device cgroup skipped");
		res->devices = NULL;
		res->n_devices = 0;
	} else {
		*rules = device_rules(c->spec, &res->n_devices);
		res->devices = *rules;
	}
}

/* The systemd driver makes the cgroup now, with the init (still waiting for
 * GO, so no user code has run) as the scope's first process. */
static int start_cgroup(struct creation *c, ocirun_error_t *err)
{
	struct oci_resources res;
	_cleanup_free_ struct oci_device_cgroup *rules = NULL;

	if (!c->cg || !cgroup_pending(c->cg))
		return 0;
	cgroup_resources(c, &res, &rules);
	if (cgroup_start(c->cg, c->pid, &res, err) < 0)
		return oerr_ret(err);
	/* only now is the scope this container's: before, the unit name may be
	 * another's, whose processes delete --force must not kill */
	if (save_cgroup(c, err) < 0 || record_owned(c, true, err) < 0)
		return oerr_ret(err);
	return 0;
}

static int make_cgroup(struct creation *c, ocirun_error_t *err)
{
	const struct oci_linux *l = c->spec->linux_;
	struct cgroup_opts co = {
	    .id = c->o->id,
	    .path = l ? l->cgroups_path : NULL,
	    .systemd = c->ctx->systemd_cgroup,
	    .annotations = &c->spec->annotations,
	    .rootless = c->ctx->rootless == 1,
	};
	struct oci_resources res;
	_cleanup_free_ struct oci_device_cgroup *rules = NULL;

	cgroup_resources(c, &res, &rules);
	/* The plan is on disk before the first mkdir: a create killed while
	 * making the dirs leaves only dirs that owned.json names. */
	if (cgroup_plan(&co, &c->cg, err) < 0)
		return oerr_ret(err);
	if (save_cgroup(c, err) < 0 || record_owned(c, false, err) < 0) {
		/* nothing made: create_abort must not remove what the plan names */
		cgroup_free(c->cg);
		c->cg = NULL;
		return oerr_ret(err);
	}
	if (cgroup_make(c->cg, co.rootless, &res, err) < 0 || save_cgroup(c, err) < 0 ||
	    record_owned(c, !cgroup_pending(c->cg), err) < 0)
		return oerr_ret(err);
	return 0;
}

/* The state dir of a new container, for create, run and restore: the ID taken by an exclusive
 * mkdir, locked, state.json in the creating phase and the config copy, both written before the
 * cgroup exists so that a create killed halfway leaves a record that `delete --force` can clean
 * up from. */
int state_begin(const struct state_begin *b, struct state_begun *ret, ocirun_error_t *err)
{
	if (state_root_open(b->ctx->root, &ret->root_fd, err) < 0 ||
	    state_dir_create(ret->root_fd, b->id, &ret->dirfd, err) < 0)
		return oerr_ret(err);
	ret->dir_made = true;
	fault_point("create-state-dir");
	if (state_lock(ret->dirfd, err) < 0)
		return oerr_ret(err);
	*ret->st = (struct container_state){
	    .oci_version = b->spec->oci_version,
	    .id = (char *)b->id,
	    .bundle = (char *)b->bundle,
	    .rootfs = (char *)b->rootfs,
	    .created = state_now_rfc3339(),
	    .owner = "",
	    .phase = PHASE_CREATING,
	    .annotations = b->spec->annotations,
	    .systemd_cgroup = b->ctx->systemd_cgroup,
	    .no_pivot = b->no_pivot,
	    .no_new_keyring = b->no_new_keyring,
	    .terminal = b->spec->process && b->spec->process->terminal,
	    .creator_pid = getpid(),
	    .creator_start_time = proc_start_time(getpid()),
	};
	if (state_write(ret->dirfd, ret->st, err) < 0 ||
	    state_config_write(ret->dirfd, b->config_text, b->config_len, err) < 0)
		return oerr_ret(err);
	return 0;
}

static int make_state(struct creation *c, ocirun_error_t *err)
{
	struct state_begin b = {.ctx = c->ctx,
				.id = c->o->id,
				.spec = c->spec,
				.bundle = c->bundle,
				.rootfs = c->rootfs,
				.config_text = c->config_text,
				.config_len = c->config_len,
				.no_pivot = c->o->no_pivot,
				.no_new_keyring = c->o->no_new_keyring};
	struct state_begun r = {.root_fd = -1, .dirfd = -1, .st = &c->st};
	int ret = state_begin(&b, &r, err);

	c->root_fd = r.root_fd;
	c->dirfd = r.dirfd;
	c->dir_made = r.dir_made;
	if (ret < 0)
		return ret;
	if (make_cgroup(c, err) < 0 || state_write(c->dirfd, &c->st, err) < 0)
		return oerr_ret(err);
	fault_point("create-cgroup");
	if (c->mode == MODE_CREATE) {
		if (mkfifoat(c->dirfd, STATE_FIFO, 0600) < 0)
			return oerr(err, errno, "mkfifo %s", STATE_FIFO);
		c->fifo_fd = openat(c->dirfd, STATE_FIFO, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (c->fifo_fd < 0)
			return oerr(err, errno, "open %s", STATE_FIFO);
		/* exec.done: the init listens; `start` connects, then wakes it (state.h) */
		if (state_done_listen(c->dirfd, &c->fifo_hold_fd, err) < 0)
			return oerr_ret(err);
	}
	return 0;
}

static bool has_runtime_hooks(const struct oci_spec *s)
{
	return s->hooks && (s->hooks->n_prestart || s->hooks->n_create_runtime);
}

static void init_entry(void *arg, struct sync_chan *sync)
{
	(void)sync; /* the init's own, in its context */
	init_main(arg);
}

/* Fork an intermediate that joins the namespaces given by path and clones
 * the init as our sibling (CLONE_PARENT), so the init is our child either way. */
static int spawn_init(struct creation *c, struct init_ctx *ic, ocirun_error_t *err)
{
	int cgfd = c->cg ? cgroup_v2_fd(c->cg) : -1;
	struct sync_msg m;
	pid_t mid;
	int status;

	if (c->plan.n_join == 0) {
		c->pid = spawn_process(c->plan.clone_flags, cgfd, false, &c->pidfd, err);
		if (c->pid == 0)
			init_main(ic);
		return c->pid < 0 ? oerr_ret(err) : 0;
	}
	if (ns_open_joins(&c->plan, err) < 0)
		return oerr_ret(err);
	mid = spawn_process(0, -1, false, NULL, err);
	if (mid < 0)
		return oerr_ret(err);
	if (mid == 0) {
		close(ic->parent_sync_fd);
		enter_intermediate(&ic->sync, &c->plan, c->plan.clone_flags, cgfd, false, init_entry, ic);
	}
	while (waitpid(mid, &status, 0) < 0 && errno == EINTR)
		;
	if (sync_chan_expect(&c->sync, SYNC_PID, &m, err) < 0)
		return oerr_ret(err);
	c->pid = m.hdr.code;
	c->pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
	return 0;
}

static int run_runtime_hooks(struct creation *c, const struct oci_hooks *h, ocirun_error_t *err)
{
	_cleanup_free_ char *text = state_text(&c->st, "creating", false);

	if (hooks_run(h->prestart, h->n_prestart, "prestart", text, err) < 0 ||
	    hooks_run(h->create_runtime, h->n_create_runtime, "createRuntime", text, err) < 0)
		return oerr_ret(err);
	return 0;
}

/* The seccomp agent gets the notify fd with the runtime-spec
 * containerProcessState document, in one message on a unix stream socket. */
int seccomp_agent_send(const struct oci_spec *spec, pid_t pid, const struct container_state *st,
		       const char *status, int fd, ocirun_error_t *err)
{
	const struct oci_seccomp *sc = spec->linux_->seccomp;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char cbuf[CMSG_SPACE(sizeof(int))];
	_cleanup_close_ int sock = -1;
	_cleanup_free_ char *text = NULL;
	json_gen_t *g = json_gen_new(false);
	struct iovec iov;
	struct msghdr mh = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *cm;
	size_t len;

	json_gen_obj_open(g);
	json_gen_key(g, "ociVersion");
	json_gen_str(g, spec->oci_version);
	json_gen_key(g, "fds");
	json_gen_arr_open(g);
	json_gen_str(g, "seccompFd");
	json_gen_arr_close(g);
	json_gen_key(g, "pid");
	json_gen_i64(g, pid);
	json_gen_key(g, "metadata");
	json_gen_str(g, sc->listener_metadata ? sc->listener_metadata : "");
	json_gen_key(g, "state");
	state_emit(g, st, status);
	json_gen_obj_close(g);
	text = json_gen_finish(g, &len);
	json_gen_free(g);
	if (strlen(sc->listener_path) >= sizeof(sa.sun_path))
		return oerr_msg(err, ENAMETOOLONG, "linux.seccomp.listenerPath: \"%s\" is too long",
				sc->listener_path);
	strcpy(sa.sun_path, sc->listener_path);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0 || connect(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return oerr(err, errno,
			    "linux.seccomp.listenerPath: failed to connect with seccomp agent \"%s\"",
			    sc->listener_path);
	iov = (struct iovec){text, len};
	memset(cbuf, 0, sizeof(cbuf));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	if (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0)
		return oerr(err, errno, "linux.seccomp.listenerPath: send to \"%s\"", sc->listener_path);
	return 0;
}

/* The sync walk from GO to READY. */
static int drive_init(struct creation *c, ocirun_error_t *err)
{
	const struct oci_spec *s = c->spec;
	struct sync_msg m;

	c->st.pid = c->pid;
	c->st.start_time = proc_start_time(c->pid);
	if (record_owned(c, !c->cg || !cgroup_pending(c->cg), err) < 0 ||
	    state_write(c->dirfd, &c->st, err) < 0)
		return oerr_ret(err);
	fault_point("create-clone");
	if (c->plan.new_user && ns_write_id_maps(c->pid, s->linux_, err) < 0)
		return oerr_ret(err);
	if (oom_score_adj_set(c->pid, s->process, err) < 0)
		return oerr_ret(err);
	if (start_cgroup(c, err) < 0)
		return oerr_ret(err);
	if (c->cg && cgroup_v2_fd(c->cg) < 0 && cgroup_enter(c->cg, c->pid, err) < 0)
		return oerr_ret(err);
	if (netdev_move(s->linux_, c->pid, err) < 0)
		return oerr_ret(err);
	if (sync_chan_send(&c->sync, SYNC_GO, c->pid, -1, err) < 0)
		return oerr_ret(err);
	fault_point("create-go");
	if (mount_sources_serve(&c->idmap, c->bundle, c->pid, &c->sync, err) < 0)
		return oerr_ret(err);
	if (has_runtime_hooks(s)) {
		if (run_runtime_hooks(c, s->hooks, err) < 0 ||
		    sync_chan_send(&c->sync, SYNC_HOOKS_DONE, 0, -1, err) < 0)
			return oerr_ret(err);
	}
	if (s->process->terminal &&
	    enter_receive_console(&c->sync, c->o->console_socket, &c->console_fd, err) < 0)
		return oerr_ret(err);
	if (s->linux_ && s->linux_->seccomp && s->linux_->seccomp->listener_path) {
		if (sync_chan_expect(&c->sync, SYNC_SECCOMP_FD, &m, err) < 0)
			return oerr_ret(err);
		if (m.fd >= 0) {
			int r = seccomp_agent_send(s, c->pid, &c->st, "creating", m.fd, err);
			close(m.fd);
			if (r < 0)
				return oerr_ret(err);
		}
	}
	if (sync_chan_expect(&c->sync, SYNC_READY, &m, err) < 0)
		return oerr_ret(err);
	fault_point("create-ready");
	c->st.phase = PHASE_CREATED;
	if (state_write(c->dirfd, &c->st, err) < 0)
		return oerr_ret(err);
	if (c->o->pid_file && write_pid_file(c->o->pid_file, c->pid, err) < 0)
		return oerr_ret(err);
	/* run hands it over once the program runs (as runc): a receiver may use it at once */
	if (c->mode != MODE_RUN && c->o->pidfd_socket && send_pidfd(c->o->pidfd_socket, c->pidfd, err) < 0)
		return oerr_ret(err);
	fault_point("create-done");
	return 0;
}

static int do_create(struct creation *c, ocirun_error_t *err)
{
	const struct sync_proto *proto;
	int pair[2];
	struct init_ctx ic;

	if (resolve_paths(c, err) < 0 || validate(c, err) < 0)
		return oerr_ret(err);
	if (idmap_prepare(c->spec, &c->plan, &c->idmap, err) < 0)
		return oerr_prefix(err, "config.json");
	if (make_state(c, err) < 0)
		goto fail;
	if (sync_pair(pair, err) < 0)
		goto fail;
	proto = c->mode == MODE_RUN ? &sync_proto_run : &sync_proto_create;
	sync_chan_init(&c->sync, pair[0], proto, false);
	ic = (struct init_ctx){
	    .spec = c->spec,
	    .id = c->o->id,
	    .bundle = c->bundle,
	    .rootfs = c->rootfs,
	    .plan = &c->plan,
	    .parent_sync_fd = pair[0],
	    .runtime_fds = {c->dirfd, c->root_fd, -1, -1},
	    .fifo_fd = c->fifo_fd,
	    .fifo_hold_fd = c->fifo_hold_fd,
	    .runtime_pid = getpid(),
	    .no_pivot = c->o->no_pivot,
	    .no_new_keyring = c->o->no_new_keyring,
	    .runtime_hooks = has_runtime_hooks(c->spec),
	    .ask_sources = geteuid() == 0,
	    .tty_proxied = !c->o->console_socket,
	    .preserve_fds = c->o->preserve_fds,
	    .seccomp = c->seccomp,
	    .caps = c->caps,
	};
	sync_chan_init(&ic.sync, pair[1], proto, true);
	if (spawn_init(c, &ic, err) < 0) {
		close(pair[1]);
		goto fail;
	}
	close(pair[1]);
	if (c->fifo_fd >= 0) {
		close(c->fifo_fd);
		c->fifo_fd = -1;
	}
	if (c->fifo_hold_fd >= 0) {
		close(c->fifo_hold_fd);
		c->fifo_hold_fd = -1;
	}
	if (drive_init(c, err) < 0)
		goto fail;
	return 0;
fail:
	create_abort(c);
	return oerr_ret(err);
}

int ocirun_create(const struct ocirun_ctx *ctx, const struct ocirun_create_opts *o, ocirun_error_t *err)
{
	struct creation c = creation_new(ctx, o, MODE_CREATE);
	int r = do_create(&c, err);

	creation_release(&c);
	return r;
}

/* After START the init execs; its end of the socket is close-on-exec, so
 * EOF means the program is running and a frame means it failed. */
static int wait_exec(struct creation *c, ocirun_error_t *err)
{
	if (sync_chan_send(&c->sync, SYNC_START, 0, -1, err) < 0)
		return oerr_ret(err);
	return enter_wait_exec(&c->sync, "", err);
}

static void run_poststart(struct creation *c)
{
	_cleanup_free_ char *text = NULL;

	if (!c->spec->hooks || !c->spec->hooks->n_poststart)
		return;
	text = state_text(&c->st, "running", false);
	hooks_run_warn(c->spec->hooks->poststart, c->spec->hooks->n_poststart, "poststart", text);
}

/* A foreground run removes its container once the program exited, as runc. */
static void run_cleanup(struct creation *c)
{
	ocirun_error_t e = {0};
	_cleanup_free_ char *text = NULL;

	if (c->cg && cgroup_destroy(c->cg, &e) < 0)
		log_warn("remove cgroup: %s", e.msg);
	if (c->spec->hooks && c->spec->hooks->n_poststop) {
		text = state_text(&c->st, "stopped", false);
		hooks_run_warn(c->spec->hooks->poststop, c->spec->hooks->n_poststop, "poststop", text);
	}
	if (state_dir_remove(c->root_fd, c->o->id, &e) < 0)
		log_warn("remove state dir: %s", e.msg);
}

int ocirun_run(const struct ocirun_ctx *ctx, const struct ocirun_create_opts *o, int *ret_status,
	       ocirun_error_t *err)
{
	struct creation c = creation_new(ctx, o, MODE_RUN);
	sigset_t mask, old;
	int r;

	*ret_status = 0;
	/* Block the forwarded signals before the init exists so that none is
	 * lost; the init unblocks everything before exec. */
	forwarded_signals(&mask);
	if (!o->detach)
		sigprocmask(SIG_BLOCK, &mask, &old);
	r = do_create(&c, err);
	if (r == 0 && (r = wait_exec(&c, err)) < 0)
		create_abort(&c);
	if (r == 0 && o->pidfd_socket && (r = send_pidfd(o->pidfd_socket, c.pidfd, err)) < 0)
		create_abort(&c);
	/* the lock would block `state`, `kill` and the rest while we wait */
	if (c.dirfd >= 0) {
		close(c.dirfd);
		c.dirfd = -1;
	}
	if (r == 0) {
		run_poststart(&c);
		if (!o->detach) {
			r = wait_foreground(c.pid, c.pidfd, c.console_fd, &mask, ret_status, err);
			c.pid = 0;
			c.console_fd = -1; /* closed by wait_foreground */
			if (!o->keep)
				run_cleanup(&c);
		}
	}
	if (!o->detach)
		sigprocmask(SIG_SETMASK, &old, NULL);
	creation_release(&c);
	return r;
}
