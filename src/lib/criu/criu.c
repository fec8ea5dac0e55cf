/* CRIU through its RPC protocol: `criu swrk 3` reads one criu_req from a SOCK_SEQPACKET socket
 * on fd 3 and answers with criu_resp messages (notifications first, when asked for). The messages
 * are protobuf (proto2); this file writes and reads the few fields ocirun uses, by the field
 * numbers of CRIU's rpc.proto. Why not libcriu: it is one more shared library (and libprotobuf-c
 * behind it) that Debian's criu package does not pull in, and it speaks this same protocol. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/util.h"
#include "criu/criu.h"

#define CRIU_REQ_NOTIFY 6
#define MSG_MAX         (64 * 1024)

/* ---- protobuf writer ---- */

struct pb {
	uint8_t *p;
	size_t len, cap;
};

static void pb_put(struct pb *b, const void *data, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 64;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

static void pb_varint(struct pb *b, uint64_t v)
{
	uint8_t buf[10];
	size_t n = 0;

	do {
		buf[n] = v & 0x7f;
		v >>= 7;
		if (v)
			buf[n] |= 0x80;
		n++;
	} while (v);
	pb_put(b, buf, n);
}

/* int32, uint32 and bool fields: wire type 0; a negative int32 is sign-extended to 64 bits */
static void pb_int(struct pb *b, unsigned field, int64_t v)
{
	pb_varint(b, (uint64_t)field << 3);
	pb_varint(b, (uint64_t)v);
}

static void pb_flag(struct pb *b, unsigned field, bool v)
{
	if (v)
		pb_int(b, field, 1);
}

static void pb_bytes(struct pb *b, unsigned field, const void *data, size_t n)
{
	pb_varint(b, (uint64_t)field << 3 | 2);
	pb_varint(b, n);
	pb_put(b, data, n);
}

static void pb_str(struct pb *b, unsigned field, const char *s)
{
	if (s)
		pb_bytes(b, field, s, strlen(s));
}

static void pb_sub(struct pb *b, unsigned field, struct pb *sub)
{
	pb_bytes(b, field, sub->p ? sub->p : (uint8_t *)"", sub->len);
	free(sub->p);
	*sub = (struct pb){0};
}

/* ---- protobuf reader: one field at a time ---- */

struct pb_field {
	unsigned num;
	unsigned type;
	uint64_t v;         /* type 0 */
	const uint8_t *buf; /* type 2 */
	size_t len;
};

static int pb_get_varint(const uint8_t **p, const uint8_t *end, uint64_t *ret)
{
	uint64_t v = 0;

	for (unsigned shift = 0; shift < 64 && *p < end; shift += 7) {
		uint8_t c = *(*p)++;
		v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80)) {
			*ret = v;
			return 0;
		}
	}
	return -EBADMSG;
}

/* 1: a field read; 0: the end; < 0: malformed */
static int pb_next(const uint8_t **p, const uint8_t *end, struct pb_field *f)
{
	uint64_t key;

	if (*p >= end)
		return 0;
	if (pb_get_varint(p, end, &key) < 0)
		return -EBADMSG;
	*f = (struct pb_field){.num = key >> 3, .type = key & 7};
	switch (f->type) {
	case 0:
		return pb_get_varint(p, end, &f->v) < 0 ? -EBADMSG : 1;
	case 1:
	case 5: {
		size_t n = f->type == 1 ? 8 : 4;
		if ((size_t)(end - *p) < n)
			return -EBADMSG;
		*p += n;
		return 1;
	}
	case 2:
		if (pb_get_varint(p, end, &f->v) < 0 || f->v > (uint64_t)(end - *p))
			return -EBADMSG;
		f->buf = *p;
		f->len = f->v;
		*p += f->len;
		return 1;
	default:
		return -EBADMSG;
	}
}

/* ---- criu_req ---- */

static void put_pairs(struct pb *o, unsigned field, const struct criu_pair *v, size_t n, bool fd)
{
	for (size_t i = 0; i < n; i++) {
		struct pb sub = {0};
		if (fd) { /* inherit_fd { key = 1; fd = 2 } */
			pb_str(&sub, 1, v[i].key);
			pb_int(&sub, 2, v[i].fd);
		} else if (field == 25) { /* cg_root { ctrl = 1; path = 2 } */
			pb_str(&sub, 1, v[i].key);
			pb_str(&sub, 2, v[i].val);
		} else { /* ext_mnt { key = 1; val = 2 } */
			pb_str(&sub, 1, v[i].key);
			pb_str(&sub, 2, v[i].val);
		}
		pb_sub(o, field, &sub);
	}
}

static void encode_opts(const struct criu_request *r, struct pb *o)
{
	pb_int(o, 1, r->images_dir_fd);
	if (r->pid > 0)
		pb_int(o, 2, r->pid);
	pb_flag(o, 3, r->leave_running);
	pb_flag(o, 4, r->ext_unix_sk);
	pb_flag(o, 5, r->tcp_established);
	pb_flag(o, 6, r->evasive_devices);
	pb_flag(o, 7, r->shell_job);
	pb_flag(o, 8, r->file_locks);
	pb_int(o, 9, 4); /* log_level: debug, as runc, so that a failure can be read */
	pb_str(o, 10, r->log_file);
	if (r->ps_address) {
		struct pb ps = {0};
		pb_str(&ps, 1, r->ps_address);
		pb_int(&ps, 2, r->ps_port);
		pb_sub(o, 11, &ps);
	}
	pb_flag(o, 12, r->notify_scripts);
	pb_str(o, 13, r->root);
	pb_str(o, 14, r->parent_img);
	pb_flag(o, 15, r->track_mem);
	pb_flag(o, 16, r->auto_dedup);
	if (r->work_dir_fd >= 0)
		pb_int(o, 17, r->work_dir_fd);
	pb_flag(o, 18, r->link_remap);
	put_pairs(o, 23, r->ext_mnt, r->n_ext_mnt, false);
	pb_flag(o, 24, true); /* manage_cgroups: obsoleted by the mode, still read by old CRIUs */
	put_pairs(o, 25, r->cg_root, r->n_cg_root, false);
	pb_flag(o, 26, r->rst_sibling);
	put_pairs(o, 27, r->inherit_fd, r->n_inherit_fd, true);
	if (r->cg_mode != CRIU_CG_UNSET)
		pb_int(o, 34, r->cg_mode);
	for (size_t i = 0; i < r->n_external; i++)
		pb_str(o, 37, r->external[i]);
	if (r->empty_ns)
		pb_int(o, 38, r->empty_ns);
	pb_str(o, 44, r->freeze_cgroup);
	pb_flag(o, 46, r->tcp_skip_in_flight);
	pb_flag(o, 48, r->lazy_pages);
	if (r->status_fd >= 0)
		pb_int(o, 49, r->status_fd);
	pb_flag(o, 50, r->orphan_pts_master);
	pb_str(o, 53, r->lsm_profile);
	pb_str(o, 63, r->lsm_mount_context);
}

/* ---- criu_resp ---- */

struct resp {
	int type;
	bool success;
	pid_t pid; /* restore.pid or notify.pid */
	char script[64];
	int cr_errno;
	char errmsg[256];
};

static void copy_str(char *dst, size_t cap, const struct pb_field *f)
{
	size_t n = f->len < cap - 1 ? f->len : cap - 1;
	memcpy(dst, f->buf, n);
	dst[n] = 0;
}

/* restore { pid = 1 } and notify { script = 1; pid = 2 } */
static int decode_sub(const struct pb_field *outer, struct resp *r)
{
	const uint8_t *p = outer->buf, *end = outer->buf + outer->len;
	struct pb_field f;
	int k;

	while ((k = pb_next(&p, end, &f)) > 0) {
		if (outer->num == 4 && f.num == 1 && f.type == 0)
			r->pid = (pid_t)f.v;
		else if (outer->num == 5 && f.num == 1 && f.type == 2)
			copy_str(r->script, sizeof(r->script), &f);
		else if (outer->num == 5 && f.num == 2 && f.type == 0)
			r->pid = (pid_t)f.v;
	}
	return k;
}

static int decode_resp(const uint8_t *buf, size_t len, struct resp *r)
{
	const uint8_t *p = buf, *end = buf + len;
	struct pb_field f;
	int k;

	*r = (struct resp){.type = -1};
	while ((k = pb_next(&p, end, &f)) > 0) {
		if (f.num == 1 && f.type == 0)
			r->type = (int)f.v;
		else if (f.num == 2 && f.type == 0)
			r->success = f.v != 0;
		else if ((f.num == 4 || f.num == 5) && f.type == 2 && decode_sub(&f, r) < 0)
			return -EBADMSG;
		else if (f.num == 7 && f.type == 0)
			r->cr_errno = (int)f.v;
		else if (f.num == 9 && f.type == 2)
			copy_str(r->errmsg, sizeof(r->errmsg), &f);
	}
	return k < 0 ? k : (r->type < 0 ? -EBADMSG : 0);
}

/* ---- running criu ---- */

bool criu_available(void)
{
	const char *path = getenv("PATH");
	_cleanup_free_ char *copy =
	    xstrdup(path && *path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");

	for (char *save = NULL, *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		_cleanup_free_ char *p = xasprintf("%s/criu", d);
		if (access(p, X_OK) == 0)
			return true;
	}
	return false;
}

static int need_criu(ocirun_error_t *err)
{
	if (!criu_available())
		return oerr_msg(err, ENOENT,
				"criu: no criu executable in PATH (checkpoint and restore need CRIU)");
	return 0;
}

/* The first line of a log that says Error (CRIU's own word), trimmed, or "" */
static void first_error_line(int dirfd, const char *name, char *out, size_t cap)
{
	_cleanup_free_ char *text = NULL;
	ocirun_error_t e = {0};
	size_t len;
	char *line, *nl;

	out[0] = 0;
	if (!name || read_file_at(dirfd, name, &text, &len, &e) < 0)
		return;
	for (line = text; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		if (strstr(line, "Error") || strstr(line, "error")) {
			snprintf(out, cap, "%s", line);
			return;
		}
	}
}

static pid_t spawn_swrk(int sock, const struct criu_request *r, ocirun_error_t *err)
{
	pid_t pid = fork();

	if (pid < 0)
		return oerr(err, errno, "fork criu");
	if (pid == 0) {
		/* fd 3: the socket; 4..: the extra fds. Move them out of the way first. */
		int base = 100, n = (int)r->n_extra_fds;
		if (dup2(sock, base) < 0)
			_exit(127);
		for (int i = 0; i < n; i++)
			if (dup2(r->extra_fds[i], base + 1 + i) < 0)
				_exit(127);
		for (int i = 0; i <= n; i++)
			if (dup2(base + i, 3 + i) < 0)
				_exit(127);
		close_fds_from(4 + n);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL); /* restore blocks the signals it forwards */
		signal(SIGPIPE, SIG_DFL);
		execlp("criu", "criu", "swrk", "3", (char *)NULL);
		_exit(127);
	}
	return pid;
}

static int wait_criu(pid_t pid, ocirun_error_t *err)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return oerr(err, errno, "wait for criu");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		return oerr_msg(err, EIO, "criu exited with status %d", WEXITSTATUS(status));
	return oerr_msg(err, EIO, "criu killed by signal %d", WTERMSIG(status));
}

/* One message from criu, with an fd when one came (notify orphan-pts-master). */
static int recv_resp(int sock, struct resp *r, int *ret_fd, ocirun_error_t *err)
{
	_cleanup_free_ uint8_t *buf = xzalloc(MSG_MAX);
	char cbuf[CMSG_SPACE(sizeof(int))] = {0};
	struct iovec iov = {buf, MSG_MAX};
	struct msghdr mh = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *c;
	ssize_t n;

	*ret_fd = -1;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return oerr(err, errno, "read from criu");
	if (n == 0)
		return oerr_msg(err, EPIPE, "criu closed its socket without an answer");
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(ret_fd, CMSG_DATA(c), sizeof(int));
	if (decode_resp(buf, (size_t)n, r) < 0) {
		if (*ret_fd >= 0)
			close(*ret_fd);
		return oerr_msg(err, EBADMSG, "criu sent a message that is not a criu_resp");
	}
	return 0;
}

static int send_msg(int sock, const struct pb *b, ocirun_error_t *err)
{
	ssize_t n;

	do
		n = send(sock, b->p, b->len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return oerr(err, errno, "write to criu");
	return 0;
}

static const char *type_name(enum criu_req_type t)
{
	return t == CRIU_REQ_DUMP ? "dump" : t == CRIU_REQ_PRE_DUMP ? "pre-dump" : "restore";
}

/* Read answers until the one for our request; notifications are handed to notify and acked. */
static int converse(int sock, const struct criu_request *r, criu_notify_fn notify, void *data, pid_t *ret_pid,
		    ocirun_error_t *err)
{
	for (;;) {
		struct resp resp;
		int fd;

		if (recv_resp(sock, &resp, &fd, err) < 0)
			return oerr_ret(err);
		if (resp.type == CRIU_REQ_NOTIFY) {
			struct pb ack = {0};
			int k = notify ? notify(resp.script, resp.pid, fd, data, err) : 0;
			if (!notify && fd >= 0)
				close(fd);
			if (k < 0)
				return k;
			pb_int(&ack, 1, CRIU_REQ_NOTIFY);
			pb_int(&ack, 3, 1); /* notify_success */
			k = send_msg(sock, &ack, err);
			free(ack.p);
			if (k < 0)
				return k;
			continue;
		}
		if (fd >= 0)
			close(fd);
		if (resp.type != (int)r->type)
			return oerr_msg(err, EBADMSG, "criu answered request %d to a %s request", resp.type,
					type_name(r->type));
		if (!resp.success) {
			char line[512];
			first_error_line(r->work_dir_fd >= 0 ? r->work_dir_fd : r->images_dir_fd, r->log_file,
					 line, sizeof(line));
			return oerr_msg(err, resp.cr_errno > 0 ? resp.cr_errno : EIO,
					"criu %s failed%s%s%s%s", type_name(r->type),
					resp.errmsg[0] ? ": " : "", resp.errmsg, line[0] ? "; log: " : "",
					line);
		}
		if (ret_pid)
			*ret_pid = resp.pid;
		return 0;
	}
}

int criu_run(const struct criu_request *r, criu_started_fn started, criu_notify_fn notify, void *data,
	     pid_t *ret_pid, ocirun_error_t *err)
{
	_cleanup_close_ int sock = -1;
	struct pb req = {0}, opts = {0};
	int sp[2], k;
	pid_t pid;

	if (need_criu(err) < 0)
		return oerr_ret(err);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return oerr(err, errno, "socketpair for criu");
	sock = sp[0];
	pid = spawn_swrk(sp[1], r, err);
	close(sp[1]);
	if (pid < 0)
		return (int)pid;
	k = started ? started(pid, data, err) : 0;
	if (k == 0) {
		encode_opts(r, &opts);
		pb_int(&req, 1, r->type);
		pb_sub(&req, 2, &opts);
		k = send_msg(sock, &req, err);
		free(req.p);
	}
	if (k == 0)
		k = converse(sock, r, notify, data, ret_pid, err);
	/* EOF, not a reset: a pre-dump CRIU waits for the next request and ends on it */
	shutdown(sock, SHUT_WR);
	close(TAKE_FD(sock));
	if (k < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return k;
	}
	if (r->type == CRIU_REQ_PRE_DUMP) { /* its answer said it worked; its exit status is no news */
		ocirun_error_t e = {0};
		wait_criu(pid, &e);
		return 0;
	}
	return wait_criu(pid, err);
}

int criu_check(ocirun_error_t *err)
{
	_cleanup_free_ char *out = NULL;
	ocirun_error_t e = {0};
	int p[2], status;
	size_t len = 0;
	pid_t pid;

	if (need_criu(err) < 0)
		return oerr_ret(err);
	if (pipe2(p, O_CLOEXEC) < 0)
		return oerr(err, errno, "pipe for criu check");
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return oerr(err, errno, "fork criu check");
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		if (null < 0 || dup2(null, 0) < 0 || dup2(p[1], 1) < 0 || dup2(p[1], 2) < 0)
			_exit(127);
		execlp("criu", "criu", "check", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	read_fd_all(p[0], &out, &len, &e);
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return oerr(err, errno, "wait for criu check");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	/* the cause: CRIU's first Error line, else its last line */
	char line[512] = "";
	for (char *save = NULL, *l = out ? strtok_r(out, "\n", &save) : NULL; l;
	     l = strtok_r(NULL, "\n", &save)) {
		if (strstr(l, "Error")) {
			snprintf(line, sizeof(line), "%s", l);
			break;
		}
		snprintf(line, sizeof(line), "%s", l);
	}
	return oerr_msg(err, ENOTSUP, "criu check failed (CRIU cannot checkpoint on this host): %s",
			line[0] ? line : "no output");
}

int criu_cg_mode_parse(const char *s, enum criu_cg_mode *ret, ocirun_error_t *err)
{
	static const struct {
		const char *name;
		enum criu_cg_mode mode;
	} modes[] = {{"soft", CRIU_CG_SOFT},
		     {"full", CRIU_CG_FULL},
		     {"strict", CRIU_CG_STRICT},
		     {"ignore", CRIU_CG_IGNORE}};

	*ret = CRIU_CG_UNSET;
	if (!s || !*s)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(modes); i++)
		if (!strcmp(s, modes[i].name)) {
			*ret = modes[i].mode;
			return 0;
		}
	return oerr_msg(err, EINVAL,
			"--manage-cgroups-mode: expected soft, full, strict or ignore, got \"%s\"", s);
}
