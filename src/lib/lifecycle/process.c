/* The user-process set-up shared by the container init and `exec`. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "fs/fs.h"
#include "lifecycle/lifecycle.h"
#include "proc/proc.h"
#include "signals/signals.h"
#include "sync/sync.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static const char *env_get(char *const *env, const char *key)
{
	size_t n = strlen(key);

	for (size_t i = 0; env && env[i]; i++)
		if (!strncmp(env[i], key, n) && env[i][n] == '=')
			return env[i] + n + 1;
	return NULL;
}

/* The home directory of uid from the container's /etc/passwd, or "/". */
static char *home_of(uid_t uid)
{
	_cleanup_fclose_ FILE *f = fopen("/etc/passwd", "re");
	char line[1024];

	while (f && fgets(line, sizeof(line), f)) {
		char *fields[7] = {0}, *p = line;
		int n = 0;
		uint64_t u;

		line[strcspn(line, "\n")] = '\0';
		/* strsep keeps empty fields (strtok would not) */
		while (n < 7 && (fields[n] = strsep(&p, ":")))
			n++;
		if (n >= 6 && parse_u64(fields[2], &u) == 0 && u == uid && *fields[5])
			return xstrdup(fields[5]);
	}
	return xstrdup("/");
}

/* strerror as Go spells it (lower case: "no such file or directory"): runc's messages carry
 * Go's wording, and clients map it to exit codes (podman and docker: 127, 126). */
static const char *go_strerror(int e, char *buf, size_t size)
{
	snprintf(buf, size, "%s", strerror(e));
	if (buf[0] >= 'A' && buf[0] <= 'Z' && (buf[1] < 'A' || buf[1] > 'Z'))
		buf[0] = (char)(buf[0] - 'A' + 'a');
	return buf;
}

/* With the effective ids and capabilities, as execve will judge (and Go's LookPath): access()
 * would use the real ids and, for a non-root uid, no capabilities, so a user with
 * CAP_DAC_OVERRIDE could not run a program only its owner may execute. */
static bool can_exec(const char *path)
{
	return faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) == 0;
}

/* runc's exec.LookPath wording, clients map it to exit codes (podman, docker: "executable file
 * not found" and "no such file or directory" 127, "permission denied" 126). */
static int lookup_exec(const char *name, const char *path_env, char **ret, ocirun_error_t *err)
{
	char buf[PATH_MAX];
	struct stat st;
	const char *p;

	if (strchr(name, '/')) {
		char why[128];
		if (stat(name, &st) < 0)
			return oerr_msg(err, errno, "exec: \"%s\": stat %s: %s", name, name,
					go_strerror(errno, why, sizeof(why)));
		if (S_ISDIR(st.st_mode))
			return oerr_msg(err, EISDIR, "exec: \"%s\": is a directory", name);
		if (!can_exec(name))
			return oerr_msg(err, EACCES, "exec: \"%s\": permission denied", name);
		*ret = xstrdup(name);
		return 0;
	}
	p = path_env ? path_env : DEFAULT_PATH;
	while (*p) {
		size_t len = strcspn(p, ":");
		int n = snprintf(buf, sizeof(buf), "%.*s/%s", (int)(len ? len : 1), len ? p : ".", name);
		if (n > 0 && (size_t)n < sizeof(buf) && stat(buf, &st) == 0 && S_ISREG(st.st_mode) &&
		    can_exec(buf)) {
			*ret = xstrdup(buf);
			return 0;
		}
		p += len;
		if (*p == ':')
			p++;
	}
	return oerr_msg(err, ENOENT, "exec: \"%s\": executable file not found in $PATH", name);
}

/* The ids really are the ones asked for: setresuid(-1, ...) is a no-op that would leave root. */
static int check_ids_switched(const struct oci_user *u, ocirun_error_t *err)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;

	if (getresuid(&r, &e, &s) < 0 || getresgid(&rg, &eg, &sg) < 0)
		return oerr(err, errno, "getresuid");
	if (r != u->uid || e != u->uid || s != u->uid || rg != u->gid || eg != u->gid || sg != u->gid)
		return oerr_msg(err, EPERM, "process.user: running as %u:%u after switching to %u:%u", e, eg,
				u->uid, u->gid);
	return 0;
}

static int set_user(const struct process_plan *pp, ocirun_error_t *err)
{
	const struct oci_user *u = &pp->p->user;
	gid_t *groups = NULL;

	if (u->n_additional_gids) {
		groups = xmalloc(u->n_additional_gids * sizeof(gid_t));
		for (size_t i = 0; i < u->n_additional_gids; i++)
			groups[i] = u->additional_gids[i];
	}
	/* In a user namespace whose setgroups is "deny" only an empty list
	 * cannot be set either; say so only when groups were asked for. */
	if (setgroups(u->n_additional_gids, groups) < 0 && (u->n_additional_gids || !pp->in_userns)) {
		int e = errno;
		free(groups);
		return oerr(err, e, "setgroups (process.user.additionalGids)");
	}
	free(groups);
	if (setresgid(u->gid, u->gid, u->gid) < 0)
		return oerr(err, errno, "setresgid(%u) (process.user.gid)", u->gid);
	if (setresuid(u->uid, u->uid, u->uid) < 0)
		return oerr(err, errno, "setresuid(%u) (process.user.uid)", u->uid);
	return check_ids_switched(u, err);
}

/* The user must be able to use its terminal (and reopen /dev/stdout): a pty
 * or pipe on stdio that is not the user's becomes the user's, as runc does.
 * Only the owner: the gid stays what devpts gave (gid=5, the tty group).
 * Files and other devices (/dev/null) are left alone; where the owner is
 * not ours to change (EPERM, EROFS) the process gets them as they are. */
static int fix_stdio_owner(uid_t uid, ocirun_error_t *err)
{
	for (int fd = 0; fd < 3; fd++) {
		struct stat st;

		if (fstat(fd, &st) < 0 || st.st_uid == uid)
			continue;
		if (!(S_ISCHR(st.st_mode) && isatty(fd)) && !S_ISFIFO(st.st_mode) && !S_ISSOCK(st.st_mode))
			continue;
		if (fchown(fd, uid, (gid_t)-1) < 0 && errno != EPERM && errno != EROFS)
			return oerr(err, errno, "chown stdio fd %d to uid %u", fd, uid);
	}
	return 0;
}

/* The environment as runc prepares it: every entry NAME=VALUE with a name, one entry per name
 * (the last one wins, in the order of the last ones: `exec --env PATH=...` overrides the
 * config's PATH), and HOME from the container's /etc/passwd when absent or empty. */
static int build_env(struct process_plan *pp, ocirun_error_t *err)
{
	char *const *env = pp->p->env;
	size_t n = 0;
	bool home = false;

	while (env && env[n])
		n++;
	pp->env = xzalloc((n + 2) * sizeof(char *));
	for (size_t i = 0, k = 0; i < n; i++) {
		const char *eq = strchr(env[i], '=');
		size_t len = eq ? (size_t)(eq - env[i]) : 0;
		bool later = false;
		if (!eq || !len)
			return oerr_msg(err, EINVAL, "process.env[%zu]: \"%s\": %s", i, env[i],
					eq ? "the name is empty" : "missing '='");
		for (size_t j = i + 1; j < n && !later; j++)
			later = !strncmp(env[j], env[i], len + 1);
		/* an empty HOME is replaced below */
		if (later || (len == 4 && !strncmp(env[i], "HOME=", 5) && !eq[1]))
			continue;
		home = home || (len == 4 && !strncmp(env[i], "HOME=", 5));
		pp->env[k++] = xstrdup(env[i]);
	}
	if (!home) {
		_cleanup_free_ char *dir = home_of(pp->p->user.uid);
		_cleanup_free_ char *kv = xasprintf("HOME=%s", dir);
		strv_push(&pp->env, kv);
	}
	return 0;
}

/* The profile takes effect at execve. Written through a private procfs
 * instance checked by fs_open_proc_file (CVE-2019-16884: a container
 * could otherwise mount a fake procfs over /proc to dodge the profile). */
static int apply_apparmor(const struct oci_process *p, ocirun_error_t *err)
{
	_cleanup_free_ char *v = NULL;
	_cleanup_close_ int fd = -1;
	int r;

	if (!p->apparmor_profile || !*p->apparmor_profile)
		return 0;
	fd = fs_open_proc_file("/proc/thread-self/attr/apparmor/exec", O_WRONLY, err);
	if (fd < 0)
		return oerr_prefix(err, "process.apparmorProfile");
	v = xasprintf("exec %s", p->apparmor_profile);
	r = write_all(fd, v, strlen(v));
	if (r < 0)
		return oerr(err, -r, "process.apparmorProfile: set profile \"%s\"", p->apparmor_profile);
	return 0;
}

/* The SELinux label the program gets at execve, where SELinux is enabled (without it the label
 * was only logged by lsm_validate, as runc). Same procfs checks as AppArmor's. */
static int apply_selinux(const struct oci_process *p, ocirun_error_t *err)
{
	_cleanup_close_ int fd = -1;
	int r;

	if (!p->selinux_label || !*p->selinux_label || !fs_selinux_enabled())
		return 0;
	fd = fs_open_proc_file("/proc/thread-self/attr/exec", O_WRONLY, err);
	if (fd < 0)
		return oerr_prefix(err, "process.selinuxLabel");
	r = write_all(fd, p->selinux_label, strlen(p->selinux_label));
	if (r < 0)
		return oerr(err, -r, "process.selinuxLabel: set label \"%s\"", p->selinux_label);
	return 0;
}

/* CVE-2024-21626: a leaked host directory fd used as cwd would leave the process outside the
 * container; getcwd then reports a path that does not start with "/" ("(unreachable)/..."). */
static int check_cwd(ocirun_error_t *err)
{
	char cwd[PATH_MAX];

	if (!getcwd(cwd, sizeof(cwd)) || cwd[0] != '/')
		return oerr_msg(err, EPERM, "current working directory is outside of the container");
	return 0;
}

int process_prepare(struct process_plan *pp, ocirun_error_t *err)
{
	const struct oci_process *p = pp->p;
	bool cwd_as_user = false;

	if (rlimits_apply(p->rlimits, p->n_rlimits, err) < 0)
		return oerr_ret(err);
	/* before the uid change: real-time policies need CAP_SYS_NICE */
	if (proc_attrs_apply(p, pp->linux_, err) < 0)
		return oerr_ret(err);
	if (build_env(pp, err) < 0)
		return oerr_ret(err);
	/* The cwd as runc: entered while still privileged (a directory the user could not enter is
	 * fine), and again as the user only when that was refused (one only the user may enter:
	 * root squashed on NFS, a rootless runtime). */
	if (p->cwd && chdir(p->cwd) < 0) {
		if (errno != EACCES && errno != EPERM)
			return oerr(err, errno, "chdir to cwd \"%s\" (process.cwd)", p->cwd);
		cwd_as_user = true;
	}
	/* checked before any seccomp filter, which may forbid getcwd */
	if (!cwd_as_user && check_cwd(err) < 0)
		return oerr_ret(err);
	/* The LSM labels take effect at execve; written before any seccomp filter, which may forbid
	 * what opening procfs safely takes (fsopen, openat2: Docker's profile does). */
	if (apply_apparmor(p, err) < 0 || apply_selinux(p, err) < 0)
		return oerr_ret(err);
	/* Without no_new_privs, loading a filter needs CAP_SYS_ADMIN, which is
	 * about to be dropped: load it now, as runc does. With a listener the
	 * notify fd must reach the runtime before READY: load it now too. */
	if (pp->seccomp && (!p->no_new_privileges || pp->send_notify_fd)) {
		int nfd = -1;
		if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			return oerr(err, errno, "prctl(PR_SET_NO_NEW_PRIVS)");
		if (seccomp_install(pp->seccomp, pp->send_notify_fd ? &nfd : NULL, err) < 0)
			return oerr_prefix(err, "seccomp");
		pp->seccomp_done = true;
		if (pp->send_notify_fd) {
			int r = pp->sync ? sync_chan_send(pp->sync, SYNC_SECCOMP_FD, 0, nfd, err)
					 : oerr_msg(err, EINVAL, "seccomp: no channel for the notify fd");
			if (nfd >= 0)
				close(nfd);
			if (r < 0)
				return oerr_ret(err);
		}
	}
	if (caps_prepare(&pp->caps, err) < 0)
		return oerr_ret(err);
	if (fix_stdio_owner(p->user.uid, err) < 0 || set_user(pp, err) < 0)
		return oerr_ret(err);
	if (caps_apply(&pp->caps, err) < 0)
		return oerr_ret(err);
	umask(p->user.has_umask ? (mode_t)p->user.umask : 0022);
	if (cwd_as_user && chdir(p->cwd) < 0)
		return oerr(err, errno, "chdir to cwd \"%s\" (process.cwd)", p->cwd);
	if (cwd_as_user && check_cwd(err) < 0)
		return oerr_ret(err);
	if (lookup_exec(p->args[0], env_get(pp->env, "PATH"), &pp->exec_path, err) < 0)
		return oerr_ret(err);
	return 0;
}

int process_lock_down(struct process_plan *pp, ocirun_error_t *err)
{
	if (pp->locked_down)
		return 0;
	/* before the filter, which may forbid sched_setaffinity */
	if (proc_attrs_apply_final(pp->p, err) < 0)
		return oerr_ret(err);
	if (pp->p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return oerr(err, errno, "prctl(PR_SET_NO_NEW_PRIVS)");
	if (pp->seccomp && !pp->seccomp_done) {
		if (seccomp_install(pp->seccomp, NULL, err) < 0)
			return oerr_prefix(err, "seccomp");
		pp->seccomp_done = true;
	}
	pp->locked_down = true;
	return 0;
}

int process_exec(struct process_plan *pp, ocirun_error_t *err)
{
	int first_closed = 3 + pp->preserve_fds;

	if (process_lock_down(pp, err) < 0)
		return oerr_ret(err);
	/* Only stdio and the --preserve-fds reach the program (CVE-2024-21626:
	 * no runtime fd may leak into the container), and of those only the fds
	 * the caller really passed: a number it left free may hold a runtime fd. */
	for (int fd = 3; fd < first_closed; fd++) {
		int fl = fcntl(fd, F_GETFD);
		if (fl >= 0)
			fcntl(fd, F_SETFD, fd_from_caller(fd) ? fl & ~FD_CLOEXEC : fl | FD_CLOEXEC);
	}
	cloexec_fds_from(first_closed);
	prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
	signals_reset_all();
	/* tells `start` the program is about to run (not a death before exec) */
	if (pp->exec_marker_fd >= 0) {
		char frame[sizeof(struct sync_hdr)];
		size_t n = sync_encode(SYNC_EXECED, 0, NULL, frame, sizeof(frame));
		if (write(pp->exec_marker_fd, frame, n) != (ssize_t)n)
			return oerr(err, errno, "write %s", "exec.done");
	}
	execve(pp->exec_path, pp->p->args, pp->env);
	{
		char why[128];
		int e = errno;
		pp->execve_failed = true;
		/* runc's wording (Go's PathError): "exec /run.sh: no such file or directory" */
		return oerr_msg(err, e, "exec %s: %s", pp->exec_path, go_strerror(e, why, sizeof(why)));
	}
}

/* process.oomScoreAdj, written by the runtime onto the init (before GO) or
 * exec's intermediate: in a user namespace the init can neither open its
 * /proc/self files (it is not dumpable once it is uid 0 there) nor lower its
 * score (CAP_SYS_RESOURCE of the initial user namespace), and containerd
 * gives every pod sandbox -998. An exec'd process takes the container's
 * value, as with runc, not its caller's (the shim's). */
int oom_score_adj_set(pid_t pid, const struct oci_process *p, ocirun_error_t *err)
{
	char path[64], v[16];

	if (!p || !p->has_oom_score_adj)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)pid);
	snprintf(v, sizeof(v), "%d", p->oom_score_adj);
	if (write_file(path, v, strlen(v), err) < 0)
		return oerr_prefix(err, "process.oomScoreAdj %s", v);
	return 0;
}
