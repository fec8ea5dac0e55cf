/* libFuzzer target for the sync channel's receiving side: one raw frame
 * through sync_decode, then the same bytes as one datagram on a real
 * SOCK_SEQPACKET pair through sync_recv and sync_expect (which must stop at
 * the READY frame queued behind it, or report an error).
 * Runs in: the fuzzer only. Must not call: exit. */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/log.h"
#include "sync/sync.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int pair[2] = {-1, -1};

static void check_error(const ocirun_error_t *err)
{
	if (err->msg[0] == '\0' || strnlen(err->msg, sizeof(err->msg)) == sizeof(err->msg))
		__builtin_trap();
}

/* A decoded frame: known type, payload within bounds and terminated. */
static void check_msg(const struct sync_msg *m, size_t size)
{
	if (m->hdr.type == SYNC_NONE || m->hdr.type >= SYNC_TYPE_MAX || m->hdr.len > SYNC_MAX_PAYLOAD ||
	    m->hdr.len + sizeof(struct sync_hdr) != size || m->payload[m->hdr.len] != '\0')
		__builtin_trap();
}

static void drain(int fd)
{
	char buf[8192];

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sync_msg m; /* 1 KiB: off the fuzzer's stack */
	ocirun_error_t err = {0};

	if (pair[0] < 0) {
		if (sync_pair(pair, &err) < 0)
			abort();
		log_init("/dev/null", "text", false, &err);
	}
	memset(&m, 0, sizeof(m));
	if (sync_decode(data, size, &m, &err) == 0)
		check_msg(&m, size);
	else
		check_error(&err);

	/* The same bytes as the init would send them. */
	if (send(pair[1], data, size, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		return 0;
	memset(&err, 0, sizeof(err));
	if (sync_recv(pair[0], &m, &err) == 0) {
		check_msg(&m, size);
		if (m.fd >= 0)
			__builtin_trap(); /* no fd was passed */
	} else {
		check_error(&err);
	}
	if (send(pair[1], data, size, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 ||
	    sync_send_simple(pair[1], SYNC_READY, &err) < 0)
		abort();
	memset(&err, 0, sizeof(err));
	/* An ERROR frame's message is the payload as sent, empty included. */
	if (sync_expect(pair[0], SYNC_READY, &m, &err) < 0) {
		if (strnlen(err.msg, sizeof(err.msg)) == sizeof(err.msg))
			__builtin_trap();
	} else if (m.hdr.type != SYNC_READY) {
		__builtin_trap();
	}
	if (m.fd >= 0)
		close(m.fd);
	drain(pair[0]);
	return 0;
}
