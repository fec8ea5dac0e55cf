#include "sync/sync.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"

static const char *const type_names[SYNC_TYPE_MAX] = {
    [SYNC_NONE] = "NONE",
    [SYNC_PID] = "PID",
    [SYNC_GO] = "GO",
    [SYNC_MOUNTS_DONE] = "MOUNTS_DONE",
    [SYNC_HOOKS_DONE] = "HOOKS_DONE",
    [SYNC_CONSOLE] = "CONSOLE",
    [SYNC_SECCOMP_FD] = "SECCOMP_FD",
    [SYNC_MOUNT_FD] = "MOUNT_FD",
    [SYNC_MOUNT_ASK] = "MOUNT_ASK",
    [SYNC_READY] = "READY",
    [SYNC_START] = "START",
    [SYNC_ERROR] = "ERROR",
    [SYNC_LOG] = "LOG",
};

const char *sync_type_name(uint32_t type)
{
	return type < SYNC_TYPE_MAX && type_names[type] ? type_names[type] : "UNKNOWN";
}

int sync_pair(int fds[2], ocirun_error_t *err)
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
		return oerr(err, errno, "socketpair");
	return 0;
}

int sync_send(int sock, enum sync_type type, int32_t code, const void *payload, size_t len, int fd,
	      ocirun_error_t *err)
{
	struct sync_hdr hdr = {.type = type, .code = code, .len = (uint32_t)len};
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov[2] = {{&hdr, sizeof(hdr)}, {(void *)payload, len}};
	struct msghdr mh = {.msg_iov = iov, .msg_iovlen = len ? 2 : 1};

	if (len > SYNC_MAX_PAYLOAD)
		return oerr_msg(err, EMSGSIZE, "sync: %s payload of %zu bytes is too large",
				sync_type_name(type), len);
	if (fd >= 0) {
		struct cmsghdr *c;
		memset(cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	while (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0) {
		if (errno != EINTR)
			return oerr(err, errno, "sync: send %s", sync_type_name(type));
	}
	return 0;
}

void sync_send_error(int sock, const ocirun_error_t *e)
{
	size_t len = strnlen(e->msg, sizeof(e->msg));

	sync_send(sock, SYNC_ERROR, e->code, e->msg, len, -1, NULL);
}

int sync_decode(const void *buf, size_t len, struct sync_msg *m, ocirun_error_t *err)
{
	if (len < sizeof(struct sync_hdr))
		return oerr_msg(err, EPROTO, "sync: short frame of %zu bytes", len);
	memcpy(&m->hdr, buf, sizeof(m->hdr));
	if (m->hdr.type == SYNC_NONE || m->hdr.type >= SYNC_TYPE_MAX)
		return oerr_msg(err, EPROTO, "sync: unknown frame type %u", m->hdr.type);
	if (m->hdr.len > SYNC_MAX_PAYLOAD || m->hdr.len != len - sizeof(struct sync_hdr))
		return oerr_msg(err, EPROTO, "sync: %s frame length %u does not match %zu bytes",
				sync_type_name(m->hdr.type), m->hdr.len, len - sizeof(struct sync_hdr));
	memcpy(m->payload, (const char *)buf + sizeof(struct sync_hdr), m->hdr.len);
	m->payload[m->hdr.len] = '\0';
	return 0;
}

int sync_recv(int sock, struct sync_msg *m, ocirun_error_t *err)
{
	char buf[sizeof(struct sync_hdr) + SYNC_MAX_PAYLOAD];
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {buf, sizeof(buf)};
	struct msghdr mh = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	ssize_t n;

	m->fd = -1;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return oerr(err, errno, "sync: receive");
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(&m->fd, CMSG_DATA(c), sizeof(int));
	if (n == 0)
		return oerr_msg(err, EPIPE, "container init exited during setup");
	if ((mh.msg_flags & MSG_TRUNC) || sync_decode(buf, (size_t)n, m, err) < 0) {
		if (m->fd >= 0)
			close(m->fd);
		m->fd = -1;
		return err && err->code ? oerr_ret(err) : oerr_msg(err, EPROTO, "sync: truncated frame");
	}
	return 0;
}

int sync_expect_either(int sock, enum sync_type want, enum sync_type other, struct sync_msg *m,
		       ocirun_error_t *err)
{
	for (;;) {
		if (sync_recv(sock, m, err) < 0)
			return oerr_ret(err);
		switch (m->hdr.type) {
		case SYNC_LOG:
			log_msg(m->hdr.code >= LOG_LEVEL_ERROR && m->hdr.code <= LOG_LEVEL_DEBUG
				    ? (enum log_level)m->hdr.code
				    : LOG_LEVEL_INFO,
				"%s", m->payload);
			continue;
		case SYNC_ERROR:
			if (m->fd >= 0)
				close(m->fd);
			return oerr_msg(err, m->hdr.code > 0 ? m->hdr.code : EIO, "%s", m->payload);
		default:
			if (m->hdr.type == (uint32_t)want || m->hdr.type == (uint32_t)other)
				return 0;
			if (m->fd >= 0)
				close(m->fd);
			if (want == other)
				return oerr_msg(err, EPROTO, "sync: expected %s, got %s",
						sync_type_name(want), sync_type_name(m->hdr.type));
			return oerr_msg(err, EPROTO, "sync: expected %s or %s, got %s", sync_type_name(want),
					sync_type_name(other), sync_type_name(m->hdr.type));
		}
	}
}

int sync_expect(int sock, enum sync_type want, struct sync_msg *m, ocirun_error_t *err)
{
	return sync_expect_either(sock, want, want, m, err);
}
