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
    [SYNC_EXECED] = "EXECED",
};

#define R(t, f)                                                                                              \
	{                                                                                                    \
		SYNC_##t, SYNC_TO_INIT | (f)                                                                 \
	}
#define I(t, f)                                                                                              \
	{                                                                                                    \
		SYNC_##t, SYNC_FROM_INIT | (f)                                                               \
	}
#define CREATE_STEPS                                                                                         \
	I(PID, SYNC_OPT), R(GO, 0), I(MOUNT_ASK, SYNC_OPT | SYNC_MANY), R(MOUNT_FD, SYNC_OPT | SYNC_MANY),   \
	    I(MOUNTS_DONE, 0), R(HOOKS_DONE, SYNC_OPT), I(CONSOLE, SYNC_OPT), I(SECCOMP_FD, SYNC_OPT),       \
	    I(READY, 0)

static const struct sync_step create_steps[] = {CREATE_STEPS};
static const struct sync_step run_steps[] = {CREATE_STEPS, R(START, 0)};
static const struct sync_step exec_steps[] = {
    R(GO, 0), I(PID, 0), R(GO, 0), I(CONSOLE, SYNC_OPT), I(SECCOMP_FD, SYNC_OPT),
};
#undef R
#undef I

const struct sync_proto sync_proto_create = {"create", create_steps, ARRAY_SIZE(create_steps)};
const struct sync_proto sync_proto_run = {"run", run_steps, ARRAY_SIZE(run_steps)};
const struct sync_proto sync_proto_exec = {"exec", exec_steps, ARRAY_SIZE(exec_steps)};

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
			if (want == SYNC_NONE || m->hdr.type == (uint32_t)want ||
			    m->hdr.type == (uint32_t)other)
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

size_t sync_encode(enum sync_type type, int32_t code, const char *payload, void *buf, size_t size)
{
	size_t len = payload ? strlen(payload) : 0;
	struct sync_hdr hdr = {.type = type, .code = code};

	if (size < sizeof(hdr))
		return 0;
	if (len > size - sizeof(hdr))
		len = size - sizeof(hdr);
	if (len > SYNC_MAX_PAYLOAD)
		len = SYNC_MAX_PAYLOAD;
	hdr.len = (uint32_t)len;
	memcpy(buf, &hdr, sizeof(hdr));
	if (len)
		memcpy((char *)buf + sizeof(hdr), payload, len);
	return sizeof(hdr) + len;
}

void sync_chan_init(struct sync_chan *c, int fd, const struct sync_proto *proto, bool init_end)
{
	*c = (struct sync_chan){.fd = fd, .proto = proto, .side = init_end ? SYNC_FROM_INIT : SYNC_TO_INIT};
}

static const char *step_before(const struct sync_chan *c)
{
	return c->pos ? sync_type_name(c->proto->steps[c->pos - 1].type) : "the start";
}

int sync_chan_step(struct sync_chan *c, enum sync_type type, uint8_t from, ocirun_error_t *err)
{
	const struct sync_proto *p = c->proto;
	bool receiving = from != c->side;

	for (size_t i = c->pos; i < p->n; i++) {
		const struct sync_step *s = &p->steps[i];
		uint8_t dir = s->flags & (SYNC_TO_INIT | SYNC_FROM_INIT);

		if (s->type == type && dir == from) {
			/* a run of repeatable steps starts over: MOUNT_ASK, MOUNT_FD, MOUNT_ASK... */
			size_t first = i;
			while ((s->flags & SYNC_MANY) && first > 0 && (p->steps[first - 1].flags & SYNC_MANY))
				first--;
			c->pos = (s->flags & SYNC_MANY) ? first : i + 1;
			return 0;
		}
		/* an optional step may be left out; one of our own side may have been sent by a
		 * process forked from us (the receiver never saw it go) */
		if ((s->flags & SYNC_OPT) || (receiving && dir == c->side))
			continue;
		return oerr_msg(err, EPROTO, "sync (%s): %s %s after %s, expected %s", p->mode,
				receiving ? "received" : "sending", sync_type_name(type), step_before(c),
				sync_type_name(s->type));
	}
	return oerr_msg(err, EPROTO, "sync (%s): %s %s after %s, expected nothing more", p->mode,
			receiving ? "received" : "sending", sync_type_name(type), step_before(c));
}

int sync_chan_send(struct sync_chan *c, enum sync_type type, int32_t code, int fd, ocirun_error_t *err)
{
	if (sync_chan_step(c, type, c->side, err) < 0)
		return oerr_ret(err);
	return sync_send(c->fd, type, code, NULL, 0, fd, err);
}

int sync_chan_expect_either(struct sync_chan *c, enum sync_type want, enum sync_type other,
			    struct sync_msg *m, ocirun_error_t *err)
{
	uint8_t them = c->side == SYNC_TO_INIT ? SYNC_FROM_INIT : SYNC_TO_INIT;

	if (sync_expect(c->fd, SYNC_NONE, m, err) < 0)
		return oerr_ret(err);
	if (sync_chan_step(c, m->hdr.type, them, err) < 0)
		goto refused;
	if (m->hdr.type != (uint32_t)want && m->hdr.type != (uint32_t)other) {
		if (want == other)
			oerr_msg(err, EPROTO, "sync (%s): expected %s, got %s", c->proto->mode,
				 sync_type_name(want), sync_type_name(m->hdr.type));
		else
			oerr_msg(err, EPROTO, "sync (%s): expected %s or %s, got %s", c->proto->mode,
				 sync_type_name(want), sync_type_name(other), sync_type_name(m->hdr.type));
		goto refused;
	}
	return 0;
refused:
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
	return oerr_ret(err);
}

int sync_chan_expect(struct sync_chan *c, enum sync_type want, struct sync_msg *m, ocirun_error_t *err)
{
	return sync_chan_expect_either(c, want, want, m, err);
}

int sync_expect(int sock, enum sync_type want, struct sync_msg *m, ocirun_error_t *err)
{
	return sync_expect_either(sock, want, want, m, err);
}
