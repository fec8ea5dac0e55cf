/* pidfd_kill SOCKET READY: listen on a unix socket, create READY once listening, take one fd (as a
 * runtime sends it for --pidfd-socket), print what it is, then send SIGKILL through it with
 * pidfd_send_signal. Exit 0 when the signal was sent through a pidfd. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "recv_fd.h"

int main(int argc, char **argv)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char proc[64], link[256];
	int ln, conn, fd;
	ssize_t n;
	FILE *f;

	if (argc != 3 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: pidfd_kill SOCKET READY\n");
		return 2;
	}
	strcpy(sa.sun_path, argv[1]);
	ln = socket(AF_UNIX, SOCK_STREAM, 0);
	if (ln < 0 || bind(ln, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(ln, 1) < 0) {
		perror(argv[1]);
		return 1;
	}
	f = fopen(argv[2], "w");
	if (f)
		fclose(f);
	conn = accept(ln, NULL, NULL);
	fd = conn < 0 ? -1 : recv_fd(conn);
	if (fd < 0) {
		fprintf(stderr, "pidfd_kill: no fd received\n");
		return 1;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = readlink(proc, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = '\0';
	printf("%s\n", link);
	if (syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0) < 0) {
		perror("pidfd_send_signal");
		return 1;
	}
	return 0;
}
