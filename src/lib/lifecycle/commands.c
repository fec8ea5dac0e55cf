/* Commands on an existing container: start, state, kill, delete, list. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/fault.h"
#include "base/log.h"
#include "base/util.h"
#include "cgroup/cgroup.h"
#include "hooks/hooks.h"
#include "lifecycle/lifecycle.h"
#include "ocirun/ocirun.h"
#include "signals/signals.h"

void opened_release(struct opened *o)
{
	if (o->dirfd >= 0)
		close(o->dirfd);
	if (o->root_fd >= 0)
		close(o->root_fd);
	cgroup_free(o->cg);
	state_free(o->st);
}

int open_container(const struct ocirun_ctx *ctx, const char *id, struct opened *o, ocirun_error_t *err)
{
	o->root_fd = o->dirfd = -1;
	o->st = NULL;
	o->cg = NULL;
	o->locked = false;
	if (state_validate_id(id, err) < 0)
		return oerr_ret(err);
	o->root_fd = open(ctx->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (o->root_fd < 0)
		return oerr_msg(err, ENOENT, "container \"%s\" does not exist", id);
	if (state_dir_open(o->root_fd, id, &o->dirfd, err) < 0 || state_lock(o->dirfd, err) < 0)
		return oerr_ret(err);
	o->locked = true;
	if (state_read(o->dirfd, &o->st, err) < 0)
		return oerr_prefix(err, "container \"%s\"", id);
	if (o->st->cgroup && cgroup_from_json(o->st->cgroup, &o->cg, err) < 0)
		return oerr_prefix(err, "container \"%s\"", id);
	return 0;
}

int container_spec(const struct opened *o, struct oci_spec **ret, ocirun_error_t *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;

	if (state_config_read(o->dirfd, &text, &len, err) < 0) {
		if (err->code != ENOENT || !o->st->bundle)
			return oerr_ret(err);
		oerr_clear(err);
		return spec_load(o->st->bundle, ret, err);
	}
	return spec_parse(text, len, "the kept config.json", ret, err);
}

static bool creator_alive(const struct container_state *st)
{
	return st->creator_pid > 0 && proc_start_time(st->creator_pid) == st->creator_start_time;
}

const char *container_status(int dirfd, const struct container_state *st)
{
	struct stat sb;

	if (st->phase == PHASE_CREATING)
		return creator_alive(st) ? "creating" : "stopped";
	if (!state_init_alive(st))
		return "stopped";
	if (fstatat(dirfd, STATE_FIFO, &sb, 0) == 0)
		return "created";
	return "running";
}

const char *status_with_cgroup(const struct opened *o)
{
	const char *s = container_status(o->dirfd, o->st);

	if ((!strcmp(s, "running") || !strcmp(s, "created")) && o->cg && cgroup_is_frozen(o->cg) == 1)
		return "paused";
	return s;
}

char *state_text(const struct container_state *st, const char *status, bool pretty)
{
	json_gen_t *g = json_gen_new(pretty);
	char *t;

	json_gen_set_indent(g, "  ");
	state_emit(g, st, status);
	t = json_gen_finish(g, NULL);
	json_gen_free(g);
	return t;
}

int ocirun_state(const struct ocirun_ctx *ctx, const char *id, char **ret_json, ocirun_error_t *err)
{
	struct opened o;
	int r = open_container(ctx, id, &o, err);

	if (r == 0)
		*ret_json = state_text(o.st, status_with_cgroup(&o), true);
	opened_release(&o);
	return r;
}

/* What the init wrote to exec.done: the first frame decides (an ERROR after EXECED is the
 * program's execve failing, which is the program's business, as with runc). */
static int start_outcome(const char *id, const char *got, size_t n, ocirun_error_t *err)
{
	struct sync_msg m;
	struct sync_hdr h;
	ocirun_error_t e = {0};

	if (n >= sizeof(h)) {
		memcpy(&h, got, sizeof(h));
		if (h.len <= n - sizeof(h) && sync_decode(got, sizeof(h) + h.len, &m, &e) == 0) {
			if (m.hdr.type == SYNC_EXECED)
				return 0;
			if (m.hdr.type == SYNC_ERROR)
				return oerr_msg(err, EIO, "cannot start container %s: %s", id, m.payload);
		}
	}
	if (n)
		return oerr_msg(err, EPROTO, "cannot start container %s: a garbled %s", id, STATE_DONE);
	return oerr_msg(err, ESRCH, "cannot start container %s: its init exited before running the program",
			id);
}

/* Wake the init blocked on exec.fifo and wait until it has exec'd. Connected to exec.done
 * first, we get one sync frame from the init (sync.h): EXECED just before execve, or ERROR;
 * then EOF, as execve closes the init's end. EOF without a frame: the init died first. */
static int trigger_start(struct opened *o, ocirun_error_t *err)
{
	_cleanup_close_ int w = -1, r = -1;
	char got[sizeof(struct sync_hdr) + SYNC_MAX_PAYLOAD + 1];
	size_t n = 0;

	if (state_done_connect(o->dirfd, &r, err) < 0) {
		if (err->code == ECONNREFUSED)
			return start_outcome(o->st->id, got, 0, err);
		return oerr_prefix(err, "cannot start container %s", o->st->id);
	}
	/* O_NONBLOCK: with no init holding the read end, ENXIO instead of a hang */
	w = openat(o->dirfd, STATE_FIFO, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (w < 0)
		return oerr(err, errno, "cannot start container %s: open %s", o->st->id, STATE_FIFO);
	fault_point("start-fifo");
	if (write(w, "0", 1) != 1)
		return oerr(err, errno, "cannot start container %s: write %s", o->st->id, STATE_FIFO);
	while (n < sizeof(got) - 1) {
		ssize_t k = read(r, got + n, sizeof(got) - 1 - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		n += (size_t)k;
	}
	unlinkat(o->dirfd, STATE_FIFO, 0);
	unlinkat(o->dirfd, STATE_DONE, 0);
	return start_outcome(o->st->id, got, n, err);
}

int ocirun_start(const struct ocirun_ctx *ctx, const char *id, ocirun_error_t *err)
{
	const char *status;
	struct opened o;
	int r = open_container(ctx, id, &o, err);

	if (r < 0)
		goto out;
	status = status_with_cgroup(&o);
	if (strcmp(status, "created") != 0) {
		r = oerr_msg(err, EINVAL, "cannot start a container that is %s: %s", status, id);
		goto out;
	}
	r = trigger_start(&o, err);
	if (r == 0) {
		/* poststart hooks come from the config create kept, after the exec */
		struct oci_spec *spec = NULL;
		ocirun_error_t e = {0};
		if (container_spec(&o, &spec, &e) < 0)
			log_warn("poststart hooks: %s", e.msg);
		else if (spec->hooks && spec->hooks->n_poststart) {
			_cleanup_free_ char *t = state_text(o.st, "running", false);
			hooks_run_warn(spec->hooks->poststart, spec->hooks->n_poststart, "poststart", t);
		}
		spec_free(spec);
	}
out:
	opened_release(&o);
	return r;
}

/* poststart and poststop (runtime.md): every hook runs; a failure is a warning. */
void hooks_run_warn(const struct oci_hook *h, size_t n, const char *kind, const char *state_json)
{
	for (size_t i = 0; i < n; i++) {
		ocirun_error_t e = {0};
		if (hooks_run_nth(h, i, kind, state_json, &e) < 0)
			log_warn("%s", e.msg);
	}
}

static int signal_init(const struct container_state *st, int sig, ocirun_error_t *err)
{
	int pidfd = state_init_pidfd(st);
	int r;

	if (pidfd == -ESRCH)
		return oerr_msg(err, ESRCH, "container not running");
	if (pidfd < 0) {
		/* no pidfd (ENOSYS, EMFILE): kill(2) right after the start-time
		 * check, the best a kernel without pidfds allows */
		if (!state_init_alive(st))
			return oerr_msg(err, ESRCH, "container not running");
		if (kill(st->pid, sig) < 0)
			return oerr(err, errno, "signal %d to the container's init", sig);
		return 0;
	}
	r = (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
	close(pidfd);
	if (r < 0)
		return oerr(err, errno, "signal %d to the container's init", sig);
	return 0;
}

/* The init is pid 1 of a pid namespace: SIGKILL to it ends every process of that namespace. */
static bool init_is_pidns_init(const struct container_state *st)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	char *line, *last;

	if (!state_init_alive(st))
		return false;
	path = xasprintf("/proc/%d/status", (int)st->pid);
	if (read_file(path, &text, NULL, NULL) < 0 || !(line = strstr(text, "\nNSpid:")))
		return false;
	line[strcspn(line + 1, "\n") + 1] = '\0';
	last = strrchr(line, '\t');
	return last && !strcmp(last + 1, "1");
}

/* Without a pid namespace of its own the container's other processes outlive its init: SIGKILL
 * goes to every process of its cgroup, even when the init is gone already, as runc 1.5. */
static int kill_shared_pidns(struct opened *o, bool stopped, ocirun_error_t *err)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;

	if (stopped && (cgroup_pids(o->cg, &pids, &n, NULL) < 0 || n == 0))
		return oerr_msg(err, ESRCH, "container not running");
	return cgroup_kill_all(o->cg, SIGKILL, err);
}

int ocirun_kill(const struct ocirun_ctx *ctx, const char *id, int sig, bool all, ocirun_error_t *err)
{
	struct opened o;
	int r = open_container(ctx, id, &o, err);
	const char *status;
	bool stopped;

	if (r < 0)
		goto out;
	status = status_with_cgroup(&o);
	stopped = !strcmp(status, "stopped");
	if (!strcmp(status, "creating")) {
		r = oerr_msg(err, ESRCH, "container not running");
		goto out;
	}
	if (sig == SIGKILL && o.cg && !init_is_pidns_init(o.st)) {
		r = kill_shared_pidns(&o, stopped, err);
		goto out;
	}
	if (stopped) {
		/* --all on a stopped container is no error, as runc 1.5 */
		r = all ? 0 : oerr_msg(err, ESRCH, "container not running");
		goto out;
	}
	if (all && o.cg)
		r = cgroup_kill_all(o.cg, sig, err);
	else
		r = signal_init(o.st, sig, err);
out:
	opened_release(&o);
	return r;
}

/* Wait until the init is gone: a pidfd becomes readable when it exits. */
static void wait_gone(const struct container_state *st)
{
	int pidfd = state_init_pidfd(st);

	if (pidfd < 0)
		return;
	for (int i = 0; i < 100; i++) {
		struct pollfd p = {pidfd, POLLIN, 0};
		if (poll(&p, 1, 100) > 0)
			break;
	}
	/* reap it when it is our child (a foreground run's --keep, or tests) */
	waitpid(st->pid, NULL, WNOHANG);
	close(pidfd);
}

/* Kill and remove what the container owns: the init (by pid and start
 * time), every process of its cgroup when create made it (cgroup_made), the
 * cgroup dirs it created, then the state dir. A cgroup only planned
 * (create was killed while making it) holds nothing of ours: its dirs are
 * removed when empty, never emptied. */
static int destroy_owned(int root_fd, const struct container_state *st, const json_t *cgj, bool cgroup_made,
			 ocirun_error_t *err)
{
	cgroup_t *cg = NULL;
	int r = 0;

	if (cgj && cgroup_from_json(cgj, &cg, err) < 0)
		return oerr_prefix(err, "container \"%s\"", st->id);
	if (state_init_alive(st)) {
		ocirun_error_t e = {0};
		signal_init(st, SIGKILL, &e);
	}
	/* processes that left the init's pid namespace cannot exist, but a
	 * container without one may have many: kill what is in the cgroup */
	if (cg && cgroup_made) {
		ocirun_error_t e = {0};
		pid_t *pids = NULL;
		size_t n = 0;
		if (cgroup_pids(cg, &pids, &n, &e) == 0 && n)
			cgroup_kill_all(cg, SIGKILL, &e);
		free(pids);
	}
	wait_gone(st);
	if (cg) {
		ocirun_error_t e = {0};
		r = cgroup_destroy(cg, cgroup_made ? err : &e);
		cgroup_free(cg);
		if (r < 0 && cgroup_made)
			return oerr_prefix(err, "delete container \"%s\"", st->id);
		if (r < 0)
			log_debug("container \"%s\": planned cgroup left: %s", st->id, e.msg);
	}
	return state_dir_remove(root_fd, st->id, err);
}

int container_destroy(int root_fd, int dirfd, struct container_state *st, ocirun_error_t *err)
{
	struct state_owned own = {0};
	const json_t *cgj = st->cgroup;
	bool made = true;
	int r;

	/* a create killed while making its cgroup recorded it only in owned.json */
	if (!cgj && dirfd >= 0 && state_owned_read(dirfd, &own, NULL) == 0 && own.cgroup) {
		cgj = own.cgroup;
		made = own.cgroup_made;
	}
	r = destroy_owned(root_fd, st, cgj, made, err);
	state_owned_release(&own);
	return r;
}

/* delete --force with state.json missing or damaged: destroy what owned.json
 * records. The init is killed only when its start time matches the record
 * and the cgroup is emptied only when create made it, so a recycled PID or
 * a cgroup create never filled is left alone. err holds state.json's error. */
static int destroy_unreadable(int root_fd, int dirfd, const char *id, ocirun_error_t *err)
{
	struct state_owned own;
	struct container_state st = {.id = (char *)id};
	ocirun_error_t e = {0};
	int r;

	if (state_owned_read(dirfd, &own, &e) < 0) {
		char first[OCIRUN_ERR_MSG];
		/* neither file: create was killed before it made anything */
		if (e.code == ENOENT && faccessat(dirfd, STATE_FILE, F_OK, AT_SYMLINK_NOFOLLOW) < 0 &&
		    errno == ENOENT)
			return state_dir_remove(root_fd, id, err);
		memcpy(first, err->msg, sizeof(first));
		return oerr_msg(err, err->code ? err->code : EINVAL,
				"%s; %s: cannot tell what the container owns, nothing removed", first, e.msg);
	}
	st.pid = own.pid;
	st.start_time = own.start_time;
	r = destroy_owned(root_fd, &st, own.cgroup, own.cgroup_made, err);
	state_owned_release(&own);
	return r;
}

/* SPEC is read before the state dir goes; the hooks run after. */
static void run_poststop(const struct container_state *st, const struct oci_spec *spec)
{
	if (spec && spec->hooks && spec->hooks->n_poststop) {
		_cleanup_free_ char *t = state_text(st, "stopped", false);
		hooks_run_warn(spec->hooks->poststop, spec->hooks->n_poststop, "poststop", t);
	}
}

int ocirun_delete(const struct ocirun_ctx *ctx, const char *id, bool force, ocirun_error_t *err)
{
	struct opened o;
	struct oci_spec *spec = NULL;
	ocirun_error_t e = {0};
	const char *status;
	int r = open_container(ctx, id, &o, err);

	if (r < 0) {
		/* runc: deleting a missing container with --force is not an error */
		if (force && o.dirfd < 0 && err->code == ENOENT)
			r = 0;
		/* a state.json lost, damaged or naming a bad cgroup record must not
		 * make the container unmanageable (runc 1.1.5 fails here) */
		else if (force && o.locked)
			r = destroy_unreadable(o.root_fd, o.dirfd, id, err);
		goto out;
	}
	status = status_with_cgroup(&o);
	if (!force && strcmp(status, "stopped") != 0 && strcmp(status, "created") != 0) {
		r = oerr_msg(err, EBUSY, "cannot delete container %s that is not stopped: %s", id, status);
		goto out;
	}
	if (!force && !strcmp(status, "creating")) {
		r = oerr_msg(err, EBUSY, "cannot delete container %s that is still being created", id);
		goto out;
	}
	if (o.st->phase == PHASE_CREATED && container_spec(&o, &spec, &e) < 0)
		log_warn("poststop hooks: %s", e.msg);
	r = container_destroy(o.root_fd, o.dirfd, o.st, err);
	if (r == 0 && o.st->phase == PHASE_CREATED)
		run_poststop(o.st, spec);
out:
	spec_free(spec);
	opened_release(&o);
	return r;
}

/* The user owning the state dir, as runc's list shows it. */
static char *dir_owner(int dirfd)
{
	struct passwd pw, *res = NULL;
	char buf[1024];
	struct stat sb;

	if (fstat(dirfd, &sb) < 0)
		return xstrdup("");
	if (getpwuid_r(sb.st_uid, &pw, buf, sizeof(buf), &res) == 0 && res)
		return xstrdup(res->pw_name);
	return xasprintf("#%u", (unsigned)sb.st_uid);
}

/* A container whose state.json cannot be read: status "unknown" (runc's
 * name for a status it cannot tell), the rest from owned.json if it can. */
static void unreadable_entry(struct ocirun_list_entry *v, const char *id, int dirfd)
{
	struct state_owned own;

	v->id = xstrdup(id);
	v->status = xstrdup("unknown");
	v->owner = dir_owner(dirfd);
	if (state_owned_read(dirfd, &own, NULL) == 0) {
		struct container_state st = {.pid = own.pid, .start_time = own.start_time};
		v->pid = state_init_alive(&st) ? own.pid : 0;
		v->bundle = own.bundle ? xstrdup(own.bundle) : NULL;
		v->created = own.created ? xstrdup(own.created) : NULL;
		state_owned_release(&own);
	}
	if (!v->bundle)
		v->bundle = xstrdup("");
	if (!v->created)
		v->created = xstrdup("");
}

int ocirun_list(const struct ocirun_ctx *ctx, struct ocirun_list_entry **ret, size_t *ret_n,
		ocirun_error_t *err)
{
	_cleanup_strv_ char **ids = NULL;
	_cleanup_close_ int root_fd = open(ctx->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct ocirun_list_entry *v;
	size_t n = 0;

	*ret = NULL;
	*ret_n = 0;
	/* a default root not made yet lists nothing; a --root that is not there is a mistake (runc) */
	if (root_fd < 0)
		return errno == ENOENT && !ctx->root_given
			   ? 0
			   : oerr(err, errno, "open state root \"%s\"", ctx->root);
	if (state_list(root_fd, &ids, err) < 0)
		return oerr_ret(err);
	v = xzalloc((strv_len(ids) + 1) * sizeof(*v));
	for (size_t i = 0; ids[i]; i++) {
		struct opened o;
		ocirun_error_t e = {0};
		if (open_container(ctx, ids[i], &o, &e) == 0) {
			const char *status = status_with_cgroup(&o);
			v[n].id = xstrdup(o.st->id);
			v[n].pid = strcmp(status, "stopped") ? o.st->pid : 0;
			v[n].status = xstrdup(status);
			v[n].bundle = xstrdup(o.st->bundle);
			v[n].created = xstrdup(o.st->created);
			v[n].owner = dir_owner(o.dirfd);
			n++;
		} else if (o.locked) {
			/* shown, not skipped: `list -q | xargs delete -f` must see it */
			log_warn("%s", e.msg);
			unreadable_entry(&v[n++], ids[i], o.dirfd);
		}
		opened_release(&o);
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

void ocirun_list_free(struct ocirun_list_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(e[i].id);
		free(e[i].status);
		free(e[i].bundle);
		free(e[i].created);
		free(e[i].owner);
	}
	free(e);
}

int ocirun_signal_from_name(const char *name)
{
	return signal_from_name(name);
}
