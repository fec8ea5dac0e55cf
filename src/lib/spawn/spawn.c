
#include "spawn/spawn.h"

#include <errno.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

pid_t spawn_process(unsigned long ns_flags, int cgroup_fd, bool clone_parent, int *ret_pidfd,
		    ocirun_error_t *err)
{
	struct clone_args args;
	int pidfd = -1;
	long pid;

	memset(&args, 0, sizeof(args));
	args.flags = ns_flags | CLONE_PIDFD | (clone_parent ? CLONE_PARENT : 0);
	args.pidfd = (uint64_t)(uintptr_t)&pidfd;
	/* clone3 refuses an exit signal with CLONE_PARENT: the child then
	 * inherits ours (SIGCHLD), delivered to the shared parent. */
	args.exit_signal = clone_parent ? 0 : SIGCHLD;
	if (cgroup_fd >= 0) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)cgroup_fd;
	}
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0 && (errno == ENOSYS || errno == E2BIG || (errno == EINVAL && cgroup_fd >= 0))) {
		/* Older kernels: plain clone(); the caller enters the cgroup itself. */
		unsigned long flags = ns_flags | SIGCHLD | (clone_parent ? CLONE_PARENT : 0);
		if (cgroup_fd >= 0)
			return oerr_msg(err, ENOSYS, "clone3 with CLONE_INTO_CGROUP is not available");
		pid = syscall(SYS_clone, flags, NULL, NULL, NULL, NULL);
		pidfd = -1;
	}
	if (pid < 0)
		return oerr(err, errno, "clone");
	if (pid == 0)
		return 0;
	if (ret_pidfd)
		*ret_pidfd = pidfd;
	else if (pidfd >= 0)
		close(pidfd);
	return (pid_t)pid;
}
