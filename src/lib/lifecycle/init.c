/* The container init: the process that becomes the container. It runs the
 * set-up inside the new namespaces, in the order below, and reports every
 * failure over the sync socket before _exit. The order matters; each step
 * says why it stands where it does. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/fault.h"
#include "base/log.h"
#include "base/util.h"
#include "fs/fs.h"
#include "hooks/hooks.h"
#include "net/netdev.h"
#include "lifecycle/lifecycle.h"
#include "sync/sync.h"
#include "term/term.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#define KEYCTL_JOIN_SESSION_KEYRING 1

__attribute__((noreturn)) static void init_fail(struct init_ctx *c, ocirun_error_t *err)
{
	/* after READY `create` is gone: `start` reads the error from exec.done */
	if (c->fifo_hold_fd >= 0) {
		char frame[sizeof(struct sync_hdr) + OCIRUN_ERR_MSG];
		size_t n = sync_encode(SYNC_ERROR, err->code, err->msg, frame, sizeof(frame));
		(void)!write(c->fifo_hold_fd, frame, n);
	}
	sync_send_error(c->sync.fd, err);
	_exit(1);
}

/* Writes go through the host's procfs, opened before pivot_root and checked
 * to be procfs (CVE-2019-16884, CVE-2025-52881): never through a /proc the
 * container image could have prepared. Network, ipc and uts sysctls apply to
 * the namespaces of the writing task, which are already the container's. */
static int write_proc(const char *path, const char *value, ocirun_error_t *err)
{
	_cleanup_close_ int fd = fs_open_proc_file(path, O_WRONLY, err);
	int r;

	if (fd < 0)
		return oerr_ret(err);
	r = write_all(fd, value, strlen(value));
	if (r < 0)
		return oerr(err, -r, "write \"%s\" to \"%s\"", value, path);
	return 0;
}

static int apply_sysctls(const struct oci_spec *s, ocirun_error_t *err)
{
	const struct oci_map *m = s->linux_ ? &s->linux_->sysctl : NULL;

	for (size_t i = 0; m && i < m->n; i++) {
		_cleanup_free_ char *path = xasprintf("/proc/sys/%s", m->items[i].key);
		/* dots separate levels; a slash stands for a dot inside a name */
		for (char *p = path + 10; *p; p++)
			*p = *p == '.' ? '/' : *p == '/' ? '.' : *p;
		if (write_proc(path, m->items[i].value, err) < 0)
			return oerr_prefix(err, "linux.sysctl \"%s\"", m->items[i].key);
	}
	return 0;
}

static int apply_time_ns(const struct oci_linux *l, ocirun_error_t *err)
{
	char buf[256];
	size_t off = 0;
	_cleanup_close_ int fd = -1;

	if (unshare(CLONE_NEWTIME) < 0)
		return oerr(err, errno, "unshare time namespace");
	for (size_t i = 0; l && i < l->n_time_offsets; i++) {
		const struct oci_time_offset *t = &l->time_offsets[i];
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s %lld %u\n", t->clock,
					(long long)t->secs, t->nanosecs);
		if (off >= sizeof(buf))
			return oerr_msg(err, E2BIG, "linux.timeOffsets: too many entries");
	}
	/* offsets can only be written before a task enters the namespace */
	if (off && write_proc("/proc/self/timens_offsets", buf, err) < 0)
		return oerr_prefix(err, "linux.timeOffsets");
	fd = open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWTIME) < 0)
		return oerr(err, errno, "enter time namespace");
	return 0;
}

/* Without a mount namespace nothing may be mounted (it would land in the
 * host's namespace and outlive the container): the root is only chroot'ed,
 * and the config's mounts, devices and masked paths are not set up. */
static int enter_root_without_mntns(struct init_ctx *c, int *pty, ocirun_error_t *err)
{
	log_warn("no mount namespace: the root is entered with chroot; mounts, devices, masked and "
		 "read-only paths are not set up");
	/* no devpts will be mounted in the root: the terminal comes from the host's, opened now */
	if (c->spec->process->terminal && term_open_pty(&pty[0], &pty[1], err) < 0)
		return oerr_prefix(err, "terminal");
	if (chroot(c->rootfs) < 0)
		return oerr(err, errno, "chroot \"%s\"", c->rootfs);
	if (chdir("/") < 0)
		return oerr(err, errno, "chdir /");
	return 0;
}

/* The caller's fds beyond stdio and --preserve-fds would stay open in a created container until
 * `start` (execve closes them only then): close them now, as a runtime whose init gets only the
 * fds it is given does. */
static void close_caller_fds(const struct init_ctx *c)
{
	for (int fd = 3 + c->preserve_fds; fd < 65536 + 3; fd++)
		if (fd_from_caller(fd) && fd != c->sync.fd && fd != c->fifo_fd && fd != c->fifo_hold_fd)
			close(fd);
}

static char *state_json(struct init_ctx *c, pid_t host_pid, const char *status)
{
	struct container_state st = {
	    .oci_version = c->spec->oci_version,
	    .id = (char *)c->id,
	    .bundle = (char *)c->bundle,
	    .rootfs = (char *)c->rootfs,
	    .pid = host_pid,
	    .annotations = c->spec->annotations,
	};
	json_gen_t *g = json_gen_new(false);
	char *text;

	state_emit(g, &st, status);
	text = json_gen_finish(g, NULL);
	json_gen_free(g);
	return text;
}

int process_setup_terminal(struct sync_chan *sync, const struct oci_box *size, bool bind_console,
			   bool proxied, int *pty, ocirun_error_t *err)
{
	int master = -1, slave = -1;

	if (pty) {
		master = pty[0];
		slave = pty[1];
		pty[0] = pty[1] = -1;
	} else if (term_open_pty(&master, &slave, err) < 0)
		return oerr_prefix(err, "terminal");
	/* before the master leaves: nothing can have been written yet */
	if ((proxied && term_clear_onlcr(master, err) < 0) || term_set_size(master, size, err) < 0 ||
	    sync_chan_send(sync, SYNC_CONSOLE, 0, master, err) < 0 || term_make_controlling(slave, err) < 0 ||
	    (bind_console && term_bind_console(slave, err) < 0)) {
		close(master);
		close(slave);
		return oerr_prefix(err, "terminal");
	}
	close(master);
	if (slave > 2)
		close(slave);
	return 0;
}

/* Block until `start`: the fifo was opened O_RDONLY|O_NONBLOCK before any
 * writer existed, so poll() reports nothing until `start` writes one byte.
 * `start` connected to exec.done before that write: its connection (close-on-exec) then
 * tells it that execve came, with one frame right before it and EOF with it. */
static void exit_on_signal(int sig)
{
	_exit(128 + sig);
}

/* While a created container waits for `start`, the signals that end a process by default end
 * it: the init is pid 1 of its namespace, to which the kernel delivers none of them without a
 * handler, so SIGTERM (`kill`, a pidfd from --pidfd-socket) was ignored. runc's init (Go,
 * which handles every signal) exits on them. The handlers go at execve, or before it (set). */
static void exit_on_signals(bool set)
{
	static const int sigs[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM};
	static sigset_t old_mask;
	struct sigaction sa = {.sa_handler = set ? exit_on_signal : SIG_DFL};
	sigset_t unblock;

	sigemptyset(&unblock);
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++) {
		sigaction(sigs[i], &sa, NULL);
		sigaddset(&unblock, sigs[i]);
	}
	sigprocmask(set ? SIG_UNBLOCK : SIG_SETMASK, set ? &unblock : &old_mask, set ? &old_mask : NULL);
}

/* Without a waiting `start` (the fifo written by hand), nobody is told: go on all the same. */
static void accept_start(struct init_ctx *c)
{
	int conn;

	if (c->fifo_hold_fd < 0)
		return;
	conn = accept4(c->fifo_hold_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	close(c->fifo_hold_fd);
	c->fifo_hold_fd = conn;
}

static int wait_for_start(struct init_ctx *c, ocirun_error_t *err)
{
	struct sync_msg m;

	if (c->fifo_fd < 0)
		return sync_chan_expect(&c->sync, SYNC_START, &m, err);
	exit_on_signals(true);
	for (;;) {
		struct pollfd p = {.fd = c->fifo_fd, .events = POLLIN};
		char b;
		if (poll(&p, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			return oerr(err, errno, "wait for start");
		}
		if (read(c->fifo_fd, &b, 1) == 1)
			break;
	}
	exit_on_signals(false);
	close(c->fifo_fd);
	accept_start(c);
	return 0;
}

/* A startContainer hook without an env of its own gets the process's environment: not in the
 * runtime-spec, but runc has always done it and its tests keep it. */
static int run_start_hooks(const struct oci_hooks *h, char **env, const char *st_json, ocirun_error_t *err)
{
	_cleanup_free_ struct oci_hook *v = NULL;

	if (!h || !h->n_start_container)
		return 0;
	v = xmalloc(h->n_start_container * sizeof(*v));
	for (size_t i = 0; i < h->n_start_container; i++) {
		v[i] = h->start_container[i];
		if (!v[i].env || !v[i].env[0])
			v[i].env = env;
	}
	return hooks_run(v, h->n_start_container, "startContainer", st_json, err);
}

/* createContainer hooks run in the root, still at its host path, as runc's do: a relative path
 * in a hook (`touch ./lib/x`) names the container's file. */
static int run_create_container_hooks(const struct init_ctx *c, const char *st_json, ocirun_error_t *err)
{
	const struct oci_hooks *h = c->spec->hooks;

	if (!h || !h->n_create_container)
		return 0;
	if (c->plan->has_mnt && chdir(c->rootfs) < 0)
		return oerr(err, errno, "chdir to \"%s\"", c->rootfs);
	return hooks_run(h->create_container, h->n_create_container, "createContainer", st_json, err);
}

static int set_names(const struct oci_spec *s, ocirun_error_t *err)
{
	if (s->hostname && *s->hostname && sethostname(s->hostname, strlen(s->hostname)) < 0)
		return oerr(err, errno, "sethostname \"%s\"", s->hostname);
	if (s->domainname && *s->domainname && setdomainname(s->domainname, strlen(s->domainname)) < 0)
		return oerr(err, errno, "setdomainname \"%s\"", s->domainname);
	return 0;
}

static void init_namespaces(struct init_ctx *c, pid_t *host_pid)
{
	const struct oci_spec *s = c->spec;
	ocirun_error_t err = {0};
	struct sync_msg m;

	if (sync_chan_expect(&c->sync, SYNC_GO, &m, &err) < 0)
		init_fail(c, &err);
	*host_pid = m.hdr.code;
	/* The time offsets go in before the id switch: the switch makes us not dumpable, and our
	 * /proc/self files then belong to the host's root, whom a user namespace does not map (the
	 * write failed with EACCES). */
	if ((c->plan->late_flags & CLONE_NEWTIME) && apply_time_ns(s->linux_, &err) < 0)
		init_fail(c, &err);
	/* In a new user namespace, become its root now that the maps exist; in a joined one too:
	 * setns keeps our host ids, which the namespace does not map (files made would fail with
	 * EOVERFLOW). */
	if (c->plan->in_user && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)) {
		oerr(&err, errno, "become root in the user namespace (is 0 mapped?)");
		init_fail(c, &err);
	}
	/* The cgroup namespace is unshared only now that the runtime has put us
	 * in the container's cgroup: its root is the cgroup we are in. */
	if (c->plan->late_flags & CLONE_NEWCGROUP)
		read_file("/proc/self/cgroup", &c->cgroup_self, NULL, NULL);
	if ((c->plan->late_flags & CLONE_NEWCGROUP) && unshare(CLONE_NEWCGROUP) < 0) {
		oerr(&err, errno, "unshare cgroup namespace");
		init_fail(c, &err);
	}
	if (!c->no_new_keyring) {
		_cleanup_free_ char *name = xasprintf("_ses.%s", c->id);
		/* errors are expected where keyrings are not namespaced (userns) */
		if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name) < 0)
			log_debug("join session keyring: %s", strerror(errno));
	}
}

__attribute__((noreturn)) void init_main(struct init_ctx *c)
{
	const struct oci_spec *s = c->spec;
	struct fs_config fc = {
	    .spec = s,
	    .rootfs = c->rootfs,
	    .bundle = c->bundle,
	    .no_pivot = c->no_pivot,
	    .in_userns = c->plan->in_user,
	    .new_cgroupns = (c->plan->late_flags & CLONE_NEWCGROUP) != 0,
	};
	struct process_plan pp = {
	    .p = s->process,
	    .linux_ = s->linux_,
	    .seccomp = c->seccomp,
	    .caps = c->caps,
	    .in_userns = c->plan->in_user,
	    .preserve_fds = c->preserve_fds,
	    .sync = &c->sync,
	    .exec_marker_fd = c->fifo_hold_fd,
	    .send_notify_fd = s->linux_ && s->linux_->seccomp && s->linux_->seccomp->listener_path,
	};
	ocirun_error_t err = {0};
	_cleanup_free_ char *st_json = NULL;
	struct sync_msg m;
	pid_t host_pid = 0;
	int pty[2] = {-1, -1};

	close(c->parent_sync_fd);
	for (size_t i = 0; i < ARRAY_SIZE(c->runtime_fds); i++)
		if (c->runtime_fds[i] >= 0)
			close(c->runtime_fds[i]);
	close_caller_fds(c);
	/* Die with the runtime while set-up is incomplete. Had it died before
	 * this prctl, the wait for GO below sees EOF on the socket instead. */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	init_namespaces(c, &host_pid);
	if ((c->plan->clone_flags & CLONE_NEWNET) && netdev_loopback_up(&err) < 0)
		init_fail(c, &err);
	if (apply_sysctls(s, &err) < 0)
		init_fail(c, &err);
	/* CVE-2019-5736: while this process still runs the ocirun binary, no
	 * container process may open /proc/<pid>/exe and write through it.
	 * Not dumpable: ptrace-mode access to /proc/<pid>/exe is denied. Set
	 * only now: a rootless runtime must first write our uid_map, and we
	 * our own /proc/self files, which non-dumpable makes root's. No
	 * container process can exist before this point. */
	if (set_not_dumpable(&err) < 0)
		init_fail(c, &err);
	fc.cgroup_self = c->cgroup_self;
	if (c->ask_sources) {
		fc.ask_source = mount_source_ask;
		fc.ask_arg = &c->sync;
	}
	if (c->plan->has_mnt && fs_prepare_rootfs(&fc, &err) < 0)
		init_fail(c, &err);
	fault_point("init-mounts");
	if (sync_chan_send(&c->sync, SYNC_MOUNTS_DONE, 0, -1, &err) < 0 ||
	    (c->runtime_hooks && sync_chan_expect(&c->sync, SYNC_HOOKS_DONE, &m, &err) < 0))
		init_fail(c, &err);
	st_json = state_json(c, host_pid, "creating");
	if (run_create_container_hooks(c, st_json, &err) < 0)
		init_fail(c, &err);
	if (c->plan->has_mnt ? fs_enter_rootfs(&fc, &err) < 0 : enter_root_without_mntns(c, pty, &err) < 0)
		init_fail(c, &err);
	/* a missing cwd is created, as runc does; the root is ours now, so
	 * symlinks in the path cannot lead out of it */
	if (s->process->cwd && mkdir_p(s->process->cwd, 0755, &err) < 0)
		init_fail(c, &err);
	/* a session of its own, as runc's init always has: the caller's session is outside the
	 * container's pid namespace, and CRIU refuses to dump a tree whose session leader it cannot see */
	if (!s->process->terminal && getsid(0) != getpid() && setsid() < 0) {
		oerr(&err, errno, "setsid");
		init_fail(c, &err);
	}
	if (s->process->terminal &&
	    process_setup_terminal(&c->sync, s->process->console_size, c->plan->has_mnt, c->tty_proxied,
				   pty[0] >= 0 ? pty : NULL, &err) < 0)
		init_fail(c, &err);
	if (set_names(s, &err) < 0)
		init_fail(c, &err);
	if (c->plan->has_mnt && fs_finalize_rootfs(&fc, &err) < 0)
		init_fail(c, &err);
	if (process_prepare(&pp, &err) < 0)
		init_fail(c, &err);
	/* From here the runtime may exit (create): do not die with it. */
	prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
	fault_point("init-ready");
	if (sync_chan_send(&c->sync, SYNC_READY, 0, -1, &err) < 0)
		_exit(1);
	if (wait_for_start(c, &err) < 0)
		init_fail(c, &err);
	pp.exec_marker_fd = c->fifo_hold_fd;
	free(st_json);
	st_json = state_json(c, host_pid, "created");
	if (s->hooks && s->hooks->n_start_container &&
	    (process_lock_down(&pp, &err) < 0 || run_start_hooks(s->hooks, pp.env, st_json, &err) < 0))
		init_fail(c, &err);
	process_exec(&pp, &err);
	/* run (no exec.done): past START the program is the container's, and as with runc a failed
	 * execve is the program's failure: its message on the container's stderr, exit status 255 */
	if (pp.execve_failed && c->fifo_hold_fd < 0) {
		dprintf(STDERR_FILENO, "%s\n", err.msg);
		_exit(255);
	}
	init_fail(c, &err);
}
