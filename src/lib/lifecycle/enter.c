/* The one way into a container, shared by create/run (container.c) and exec (exec.c): the
 * intermediate that joins namespaces given by path and clones the process as the runtime's
 * sibling, the console hand-over, and the wait that tells a running program from a failed
 * execve. */
#include <errno.h>
#include <unistd.h>

#include "base/util.h"
#include "lifecycle/lifecycle.h"
#include "spawn/spawn.h"
#include "term/term.h"

__attribute__((noreturn)) void enter_intermediate(struct sync_chan *sync, struct ns_plan *plan,
						  unsigned long clone_flags, int cgroup_fd, bool wait_go,
						  enter_child_fn child, void *arg)
{
	ocirun_error_t err = {0};
	struct sync_msg m;
	pid_t pid;

	/* CVE-2019-5736: it runs the ocirun binary inside namespaces other processes may share */
	if (set_not_dumpable(&err) < 0 || (wait_go && sync_chan_expect(sync, SYNC_GO, &m, &err) < 0) ||
	    ns_join_all(plan, &err) < 0) {
		sync_send_error(sync->fd, &err);
		_exit(1);
	}
	pid = spawn_process(clone_flags, cgroup_fd, true, NULL, &err);
	if (pid == 0)
		child(arg, sync);
	if (pid < 0)
		sync_send_error(sync->fd, &err);
	else
		sync_chan_send(sync, SYNC_PID, pid, -1, &err);
	_exit(pid < 0);
}

int enter_receive_console(struct sync_chan *sync, const char *console_socket, int *ret_fd,
			  ocirun_error_t *err)
{
	struct sync_msg m;
	int r;

	*ret_fd = -1;
	if (sync_chan_expect(sync, SYNC_CONSOLE, &m, err) < 0)
		return oerr_ret(err);
	if (!console_socket) {
		*ret_fd = m.fd;
		return 0;
	}
	r = term_send_fd(console_socket, m.fd, err);
	close(m.fd);
	return r < 0 ? oerr_prefix(err, "--console-socket") : 0;
}

int enter_wait_exec(struct sync_chan *sync, const char *what, ocirun_error_t *err)
{
	ocirun_error_t e = {0};
	struct sync_msg m;

	if (sync_recv(sync->fd, &m, &e) < 0)
		return e.code == EPIPE ? 0 : oerr_msg(err, e.code, "%s", e.msg);
	if (m.fd >= 0)
		close(m.fd);
	if (m.hdr.type == SYNC_ERROR)
		return oerr_msg(err, m.hdr.code > 0 ? m.hdr.code : EIO, "%s%s", what, m.payload);
	return oerr_msg(err, EPROTO, "sync (%s): expected EOF at execve, got %s", sync->proto->mode,
			sync_type_name(m.hdr.type));
}
