/*
 * reaper: run a command as a child subreaper and reap everything below it.
 * Runs as the parent of the bats suite; detached containers whose runtime
 * exited are re-parented here instead of to pid 1 (which on the test host
 * does not reap orphans, so their inits would stay zombies).
 * Exits with the direct child's status; SIGTERM/SIGINT/SIGHUP are forwarded
 * to the direct child.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t child_pid;

static void forward(int sig)
{
	if (child_pid > 0)
		kill(child_pid, sig);
}

/* Print the pids of children still alive (their PPid is us). */
static void report_leftovers(void)
{
	char path[300], line[256];
	pid_t self = getpid();
	struct dirent *de;
	DIR *d = opendir("/proc");

	if (!d)
		return;
	while ((de = readdir(d))) {
		FILE *f;
		int ppid;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/status", de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			if (sscanf(line, "PPid: %d", &ppid) == 1) {
				if (ppid == self)
					fprintf(stderr, "reaper: pid %s still running, not waited for\n",
						de->d_name);
				break;
			}
		}
		fclose(f);
	}
	closedir(d);
}

int main(int argc, char **argv)
{
	static const int fwd[] = {SIGTERM, SIGINT, SIGHUP};
	struct sigaction sa;
	sigset_t block, old;
	int status = 0, child_status = -1;
	pid_t pid;
	size_t i;

	if (argc < 2) {
		fprintf(stderr, "usage: %s COMMAND [ARG...]\n", argv[0]);
		return 2;
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
		fprintf(stderr, "reaper: PR_SET_CHILD_SUBREAPER: %s\n", strerror(errno));
		return 125;
	}

	/* Block the forwarded signals until child_pid is known, so none is lost. */
	sigemptyset(&block);
	for (i = 0; i < sizeof(fwd) / sizeof(fwd[0]); i++)
		sigaddset(&block, fwd[i]);
	sigprocmask(SIG_BLOCK, &block, &old);

	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "reaper: fork: %s\n", strerror(errno));
		return 125;
	}
	if (pid == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		execvp(argv[1], argv + 1);
		fprintf(stderr, "reaper: exec %s: %s\n", argv[1], strerror(errno));
		_exit(127);
	}
	child_pid = pid;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = forward;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(fwd) / sizeof(fwd[0]); i++)
		sigaction(fwd[i], &sa, NULL);
	sigprocmask(SIG_SETMASK, &old, NULL);

	/*
	 * Reap every child (the direct one and any orphan re-parented here)
	 * until the direct child has exited; then collect the zombies already
	 * there and leave. Orphans still running at that point (a leak in the
	 * suite) are reported, not waited for, so a leak cannot hang the run.
	 */
	while (child_status < 0) {
		pid_t r = waitpid(-1, &status, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (r == pid)
			child_status = status;
	}
	while (waitpid(-1, &status, WNOHANG) > 0)
		;
	report_leftovers();

	if (child_status < 0)
		return 125;
	if (WIFEXITED(child_status))
		return WEXITSTATUS(child_status);
	if (WIFSIGNALED(child_status))
		return 128 + WTERMSIG(child_status);
	return 125;
}
