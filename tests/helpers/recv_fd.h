/* recv_fd: the one fd of a runtime's SCM_RIGHTS hand-over (--console-socket, --pidfd-socket), for
 * the test helpers beside this file; -1 when none came. */
#ifndef OCIRUN_TEST_RECV_FD_H
#define OCIRUN_TEST_RECV_FD_H

#include <string.h>
#include <sys/socket.h>

static inline int recv_fd(int sock)
{
	char buf[4096], cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {buf, sizeof(buf)};
	struct msghdr mh = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *c;
	int fd = -1;

	if (recvmsg(sock, &mh, 0) < 0)
		return -1;
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

#endif
