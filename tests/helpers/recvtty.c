/* recvtty SOCKET [INPUT]: listen on a unix socket, take one pty master fd
 * (as a runtime sends it for --console-socket), write INPUT to it if given,
 * then copy everything from it to stdout until the pty closes. Used by the
 * tests of process.terminal with create/start and exec -t. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "recv_fd.h"

int main(int argc, char **argv)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int lsock, conn, master;
	char buf[4096];
	ssize_t n;

	if (argc < 2 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: recvtty SOCKET [INPUT]\n");
		return 2;
	}
	strcpy(sa.sun_path, argv[1]);
	lsock = socket(AF_UNIX, SOCK_STREAM, 0);
	if (lsock < 0 || bind(lsock, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lsock, 1) < 0) {
		perror("recvtty: listen");
		return 1;
	}
	conn = accept(lsock, NULL, NULL);
	if (conn < 0 || (master = recv_fd(conn)) < 0) {
		perror("recvtty: receive");
		return 1;
	}
	close(conn);
	close(lsock);
	if (argc > 2 && write(master, argv[2], strlen(argv[2])) < 0)
		perror("recvtty: write");
	while ((n = read(master, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		if (n > 0 && write(STDOUT_FILENO, buf, (size_t)n) < 0)
			break;
	return 0;
}
