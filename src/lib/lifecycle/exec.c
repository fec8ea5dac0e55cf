/* exec: a new process in a running container. The runtime forks an
 * intermediate, puts it in the container's cgroup, and lets it join the
 * init's namespaces (user first, mount last); the intermediate forks the
 * process as our sibling (CLONE_PARENT) so that it lands in the pid
 * namespace and we can wait for it. The process then runs the same set-up
 * as the init's user process (process.c): rlimits, user, caps, seccomp.
 *
 *   runtime                  intermediate               process
 *   fork ------------------> (born)
 *   cgroup_enter(mid)
 *   GO --------------------> setns(...), clone ------> (born in the pid ns)
 *     <--------------------- PID(pid); _exit
 *   GO ----------------------------------------------> (its frames come after PID)
 *     <------------------------------------------------ CONSOLE + fd   [tty]
 *     <------------------------------------------------ EOF on exec / ERROR
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "cgroup/cgroup.h"
#include "lifecycle/lifecycle.h"
#include "proc/proc.h"
#include "ocirun/ocirun.h"
#include "spawn/spawn.h"
#include "sync/sync.h"
#include "term/term.h"

struct execution {
	struct opened o;
	struct oci_spec *spec;    /* the container's config: defaults and seccomp */
	struct oci_process *file; /* --process */
	struct oci_process *p;    /* what runs: spec->process or file */
	seccomp_prog_t *seccomp;
	struct caps_set caps;
	struct ns_plan plan;
	struct sync_chan sync;
	pid_t pid;
	int pidfd;
	int console_fd;
};

static void execution_release(struct execution *x)
{
	if (x->sync.fd >= 0)
		close(x->sync.fd);
	if (x->pidfd >= 0)
		close(x->pidfd);
	if (x->console_fd >= 0)
		close(x->console_fd);
	ns_plan_release(&x->plan);
	seccomp_prog_free(x->seccomp);
	spec_free_process(x->file);
	spec_free(x->spec);
	opened_release(&x->o);
}

static void strv_append_all(char ***dst, char *const *src)
{
	for (size_t i = 0; src && src[i]; i++)
		strv_push(dst, src[i]);
}

static int parse_user(const char *s, struct oci_user *u, ocirun_error_t *err)
{
	_cleanup_free_ char *copy = xstrdup(s);
	char *colon = strchr(copy, ':');
	uint64_t v;

	if (colon)
		*colon = '\0';
	/* ids above 2^31-1 are refused: 4294967295 is -1 to setresuid, a no-op that keeps root */
	if (parse_u64(copy, &v) < 0 || v > INT32_MAX)
		return oerr_msg(err, EINVAL, "--user: invalid uid \"%s\"", copy);
	u->uid = (uint32_t)v;
	if (colon) {
		if (parse_u64(colon + 1, &v) < 0 || v > INT32_MAX)
			return oerr_msg(err, EINVAL, "--user: invalid gid \"%s\"", colon + 1);
		u->gid = (uint32_t)v;
	}
	return 0;
}

/* Without --process: the container's process, with the flags applied. */
static int build_process(struct execution *x, const struct ocirun_exec_opts *eo, ocirun_error_t *err)
{
	struct oci_process *p = x->spec->process;
	struct oci_capabilities *c;

	if (!eo->args || !eo->args[0])
		return oerr_msg(err, EINVAL, "exec: a command is required (or --process FILE)");
	strv_free(p->args);
	p->args = strv_dup(eo->args);
	strv_append_all(&p->env, eo->env);
	if (eo->cwd) {
		free(p->cwd);
		p->cwd = xstrdup(eo->cwd);
	}
	p->terminal = eo->tty;
	if (eo->user && parse_user(eo->user, &p->user, err) < 0)
		return oerr_ret(err);
	for (size_t i = 0; eo->additional_gids && eo->additional_gids[i]; i++) {
		uint64_t g;
		if (parse_u64(eo->additional_gids[i], &g) < 0 || g > INT32_MAX)
			return oerr_msg(err, EINVAL, "--additional-gids: invalid gid \"%s\"",
					eo->additional_gids[i]);
		p->user.additional_gids =
		    xrealloc(p->user.additional_gids, (p->user.n_additional_gids + 1) * sizeof(uint32_t));
		p->user.additional_gids[p->user.n_additional_gids++] = (uint32_t)g;
	}
	if (eo->caps && eo->caps[0]) {
		if (!p->capabilities)
			p->capabilities = xzalloc(sizeof(*p->capabilities));
		c = p->capabilities;
		strv_append_all(&c->bounding, eo->caps);
		strv_append_all(&c->effective, eo->caps);
		strv_append_all(&c->permitted, eo->caps);
		/* ambient only where the config has an inheritable set, as runc: the kernel
		 * raises an ambient cap only if it is inheritable */
		if (c->inheritable)
			strv_append_all(&c->ambient, eo->caps);
	}
	if (eo->no_new_privs)
		p->no_new_privileges = true;
	return 0;
}

/* Join every namespace the config lists, through the init's /proc entries. */
static int plan_joins(struct execution *x, ocirun_error_t *err)
{
	const struct oci_linux *l = x->spec->linux_;

	memset(&x->plan, 0, sizeof(x->plan));
	for (size_t i = 0; l && i < l->n_namespaces && x->plan.n_join < NS_MAX; i++) {
		int flag = ns_flag_from_name(l->namespaces[i].type);
		if (!flag)
			continue;
		if (flag == CLONE_NEWUSER)
			x->plan.in_user = true;
		x->plan.join[x->plan.n_join].type = flag;
		x->plan.join[x->plan.n_join].path =
		    xasprintf("/proc/%d/ns/%s", (int)x->o.st->pid, ns_proc_name(flag));
		x->plan.join[x->plan.n_join++].fd = -1;
	}
	ns_plan_sort_joins(&x->plan);
	if (ns_open_joins(&x->plan, err) < 0)
		return oerr_ret(err);
	/* the fds pin the namespaces: make sure they were the init's */
	if (!state_init_alive(x->o.st))
		return oerr_msg(err, ESRCH, "container's init exited");
	return 0;
}

static bool has_listener(const struct oci_spec *s)
{
	return s->linux_ && s->linux_->seccomp && s->linux_->seccomp->listener_path;
}

__attribute__((noreturn)) static void exec_child(struct execution *x, struct sync_chan *sync,
						 const struct ocirun_exec_opts *eo)
{
	struct process_plan pp = {
	    .p = x->p,
	    .linux_ = x->spec->linux_,
	    .seccomp = x->seccomp,
	    .caps = x->caps,
	    .in_userns = x->plan.in_user,
	    .preserve_fds = eo->preserve_fds,
	    .sync = sync,
	    .exec_marker_fd = -1,
	    .send_notify_fd = has_listener(x->spec),
	};
	ocirun_error_t err = {0};
	struct sync_msg m;

	/* the runtime reads PID (the intermediate's) first: nothing before its GO */
	if (sync_chan_expect(sync, SYNC_GO, &m, &err) < 0)
		_exit(1);
	if ((x->p->terminal &&
	     process_setup_terminal(sync, x->p->console_size, false, !eo->console_socket, NULL, &err) < 0) ||
	    process_prepare(&pp, &err) < 0 || process_exec(&pp, &err) < 0)
		sync_send_error(sync->fd, &err);
	_exit(1);
}

struct exec_child_arg {
	struct execution *x;
	const struct ocirun_exec_opts *eo;
};

static void exec_child_entry(void *arg, struct sync_chan *sync)
{
	struct exec_child_arg *a = arg;

	exec_child(a->x, sync, a->eo);
}

__attribute__((noreturn)) static void intermediate(struct execution *x, int sock,
						   const struct ocirun_exec_opts *eo)
{
	struct exec_child_arg a = {x, eo};
	struct sync_chan sync;

	sync_chan_init(&sync, sock, &sync_proto_exec, true);
	close(x->sync.fd);
	close(x->o.dirfd);
	close(x->o.root_fd);
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	enter_intermediate(&sync, &x->plan, 0, -1, true, exec_child_entry, &a);
}

static int spawn_exec(struct execution *x, const struct ocirun_exec_opts *eo, ocirun_error_t *err)
{
	struct sync_msg m;
	int pair[2], status;
	pid_t mid;

	if (sync_pair(pair, err) < 0)
		return oerr_ret(err);
	sync_chan_init(&x->sync, pair[0], &sync_proto_exec, false);
	mid = spawn_process(0, -1, false, NULL, err);
	if (mid < 0) {
		close(pair[1]);
		return oerr_ret(err);
	}
	if (mid == 0)
		intermediate(x, pair[1], eo);
	close(pair[1]);
	if (oom_score_adj_set(mid, x->spec->process, err) < 0) {
		kill(mid, SIGKILL);
		waitpid(mid, NULL, 0);
		return oerr_prefix(err, "exec");
	}
	if (!x->o.cg && eo->sub_cgroups && eo->sub_cgroups[0]) {
		kill(mid, SIGKILL);
		waitpid(mid, NULL, 0);
		return oerr_msg(err, EINVAL, "exec --cgroup: the container has no cgroup of its own");
	}
	if (x->o.cg && cgroup_enter_sub(x->o.cg, mid, eo->sub_cgroups, err) < 0) {
		kill(mid, SIGKILL);
		waitpid(mid, NULL, 0);
		return oerr_prefix(err, "exec");
	}
	if (sync_chan_send(&x->sync, SYNC_GO, 0, -1, err) < 0 ||
	    sync_chan_expect(&x->sync, SYNC_PID, &m, err) < 0) {
		kill(mid, SIGKILL);
		waitpid(mid, &status, 0);
		return oerr_ret(err);
	}
	waitpid(mid, &status, 0);
	x->pid = m.hdr.code;
	x->pidfd = (int)syscall(SYS_pidfd_open, x->pid, 0);
	if (sync_chan_send(&x->sync, SYNC_GO, 0, -1, err) < 0) {
		syscall(SYS_pidfd_send_signal, x->pidfd, SIGKILL, NULL, 0);
		waitpid(x->pid, NULL, 0);
		return oerr_ret(err);
	}
	return 0;
}

/* The exec'd process's own notify fd goes to the seccomp agent too, as the init's did: else its
 * notified syscalls fail with ENOSYS. */
static int pass_notify_fd(struct execution *x, ocirun_error_t *err)
{
	struct sync_msg m;
	int r;

	if (!has_listener(x->spec) || !x->seccomp)
		return 0;
	if (sync_chan_expect(&x->sync, SYNC_SECCOMP_FD, &m, err) < 0)
		return oerr_ret(err);
	if (m.fd < 0)
		return 0;
	r = seccomp_agent_send(x->spec, x->pid, x->o.st, "running", m.fd, err);
	close(m.fd);
	return r;
}

/* CONSOLE (with tty), SECCOMP_FD (with a seccomp agent), then EOF once the program runs; another
 * frame is an error. */
static int finish_exec(struct execution *x, const struct ocirun_exec_opts *eo, ocirun_error_t *err)
{
	if (x->p->terminal && enter_receive_console(&x->sync, eo->console_socket, &x->console_fd, err) < 0)
		return oerr_ret(err);
	if (pass_notify_fd(x, err) < 0)
		return oerr_ret(err);
	if (enter_wait_exec(&x->sync, "exec failed: ", err) < 0)
		return oerr_ret(err);
	if (eo->pid_file && write_pid_file(eo->pid_file, x->pid, err) < 0)
		return oerr_ret(err);
	if (eo->pidfd_socket && send_pidfd(eo->pidfd_socket, x->pidfd, err) < 0)
		return oerr_ret(err);
	return 0;
}

static int prepare(struct execution *x, const struct ocirun_ctx *ctx, const struct ocirun_exec_opts *eo,
		   ocirun_error_t *err)
{
	const char *status;

	if (open_container(ctx, eo->id, &x->o, err) < 0)
		return oerr_ret(err);
	status = status_with_cgroup(&x->o);
	if (!strcmp(status, "paused") && !eo->ignore_paused)
		return oerr_msg(err, EINVAL, "cannot exec in a paused container (use --ignore-paused)");
	if (strcmp(status, "running") && strcmp(status, "created") && strcmp(status, "paused"))
		return oerr_msg(err, EINVAL, "cannot exec in a %s container", status);
	if (container_spec(&x->o, &x->spec, err) < 0)
		return oerr_prefix(err, "exec");
	if (eo->process_file) {
		_cleanup_free_ char *text = NULL;
		size_t len;
		if (read_file(eo->process_file, &text, &len, err) < 0 ||
		    spec_parse_process(text, len, eo->process_file, &x->file, err) < 0)
			return oerr_ret(err);
		x->p = x->file;
	} else {
		if (build_process(x, eo, err) < 0)
			return oerr_ret(err);
		x->p = x->spec->process;
	}
	if (x->p->terminal && !eo->console_socket && eo->detach)
		return oerr_msg(err, EINVAL, "exec: a tty needs --console-socket when detached");
	if (caps_validate(x->p->capabilities, &x->caps, err) < 0 ||
	    rlimits_validate(x->p->rlimits, x->p->n_rlimits, err) < 0 ||
	    proc_attrs_validate(x->p, x->spec->linux_, err) < 0 || lsm_validate(x->p, NULL, err) < 0)
		return oerr_prefix(err, "exec");
	if (x->spec->linux_ && x->spec->linux_->seccomp &&
	    seccomp_compile(x->spec->linux_->seccomp, &x->seccomp, err) < 0)
		return oerr_prefix(err, "exec");
	return plan_joins(x, err);
}

int ocirun_exec(const struct ocirun_ctx *ctx, const struct ocirun_exec_opts *eo, int *ret_status,
		ocirun_error_t *err)
{
	struct execution x = {.sync = {.fd = -1}, .pidfd = -1, .console_fd = -1};
	sigset_t mask, old;
	int r;

	x.o.root_fd = x.o.dirfd = -1;
	*ret_status = 0;
	forwarded_signals(&mask);
	if (!eo->detach)
		sigprocmask(SIG_BLOCK, &mask, &old);
	r = prepare(&x, ctx, eo, err);
	/* Release the state lock before anything enters the container's cgroup:
	 * in a paused container (--ignore-paused) the intermediate freezes, and
	 * neither it (a copy of the fd) nor we (waiting for it) may then hold
	 * the lock that resume, state, kill and delete take. The joins are
	 * pinned by fds; a delete racing us kills what entered the cgroup. */
	if (x.o.dirfd >= 0) {
		close(x.o.dirfd);
		x.o.dirfd = -1;
	}
	if (r == 0)
		r = spawn_exec(&x, eo, err);
	if (r == 0 && (r = finish_exec(&x, eo, err)) < 0) {
		syscall(SYS_pidfd_send_signal, x.pidfd, SIGKILL, NULL, 0);
		waitpid(x.pid, NULL, 0);
	}
	if (r == 0 && !eo->detach) {
		r = wait_foreground(x.pid, x.pidfd, x.console_fd, &mask, ret_status, err);
		x.console_fd = -1;
	}
	if (!eo->detach)
		sigprocmask(SIG_SETMASK, &old, NULL);
	execution_release(&x);
	return r;
}
