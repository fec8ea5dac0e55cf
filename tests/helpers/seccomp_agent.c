/* seccomp_agent SOCKET STATEFILE ERRNO: a minimal seccomp notify listener
 * for the tests of linux.seccomp.listenerPath. It takes one connection,
 * writes the containerProcessState JSON it came with to STATEFILE, then
 * answers every notification with -ERRNO until the fd closes. */
#include <errno.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char buf[65536], cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {buf, sizeof(buf) - 1};
	struct msghdr mh = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *c;
	int lsock, conn, fd = -1, answer;
	ssize_t n;
	FILE *f;

	if (argc != 4 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: seccomp_agent SOCKET STATEFILE ERRNO\n");
		return 2;
	}
	answer = atoi(argv[3]);
	strcpy(sa.sun_path, argv[1]);
	lsock = socket(AF_UNIX, SOCK_STREAM, 0);
	if (lsock < 0 || bind(lsock, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lsock, 1) < 0) {
		perror("seccomp_agent: listen");
		return 1;
	}
	conn = accept(lsock, NULL, NULL);
	if (conn < 0 || (n = recvmsg(conn, &mh, 0)) < 0) {
		perror("seccomp_agent: receive");
		return 1;
	}
	buf[n] = '\0';
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(&fd, CMSG_DATA(c), sizeof(int));
	f = fopen(argv[2], "w");
	if (f) {
		fprintf(f, "%s\n", buf);
		fclose(f);
	}
	if (fd < 0) {
		fprintf(stderr, "seccomp_agent: no fd\n");
		return 1;
	}
	for (;;) {
		struct seccomp_notif req;
		struct seccomp_notif_resp resp;

		memset(&req, 0, sizeof(req));
		if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
			if (errno == EINTR)
				continue;
			break; /* ENOENT/EBADF: the filter's last user is gone */
		}
		memset(&resp, 0, sizeof(resp));
		resp.id = req.id;
		resp.error = -answer;
		ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
	}
	return 0;
}
