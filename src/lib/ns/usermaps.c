/* User namespace id maps, written by the runtime into /proc/PID/{uid_map,setgroups,gid_map}.
 * Root writes any map. An unprivileged user may write only a map of its own id (one id, and
 * setgroups "deny" before the gid map); anything more goes through the setuid helpers newuidmap
 * and newgidmap (package uidmap), which check it against /etc/subuid and /etc/subgid. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/util.h"
#include "ns/ns.h"

extern char **environ;

static int write_map(pid_t pid, const char *file, const struct oci_id_mapping *m, size_t n,
		     ocirun_error_t *err)
{
	char path[64], buf[4096];
	size_t off = 0;

	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		int k = snprintf(buf + off, sizeof(buf) - off, "%u %u %u\n", m[i].container_id, m[i].host_id,
				 m[i].size);
		if (k < 0 || (size_t)k >= sizeof(buf) - off)
			return oerr_msg(err, E2BIG, "%s: too many id mappings", file);
		off += (size_t)k;
	}
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	if (write_file(path, buf, off, err) < 0)
		return oerr_prefix(err, "write %s", file);
	return 0;
}

int ns_write_maps(pid_t pid, const struct oci_id_mapping *uid, size_t n_uid, const struct oci_id_mapping *gid,
		  size_t n_gid, bool deny_setgroups, ocirun_error_t *err)
{
	char path[64];

	if (write_map(pid, "uid_map", uid, n_uid, err) < 0)
		return oerr_ret(err);
	if (deny_setgroups) {
		snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
		if (write_file(path, "deny", 4, err) < 0)
			return oerr_ret(err);
	}
	return write_map(pid, "gid_map", gid, n_gid, err);
}

/* The first line of what the helper printed, without its trailing newline. */
static void first_line(char *buf)
{
	char *nl = strchr(buf, '\n');

	if (nl)
		*nl = '\0';
}

/* newuidmap PID C H S [C H S ...]: its stderr becomes the error message. */
static int run_map_tool(const char *tool, pid_t pid, const struct oci_id_mapping *m, size_t n,
			ocirun_error_t *err)
{
	_cleanup_free_ char **argv = xzalloc((3 * n + 3) * sizeof(*argv));
	_cleanup_free_ char *nums = xzalloc((3 * n + 1) * 12);
	posix_spawn_file_actions_t fa;
	char msg[512] = "";
	size_t got = 0, k = 0;
	int out[2], status, r;
	pid_t child;
	ssize_t len;

	argv[k++] = (char *)tool;
	snprintf(nums, 12, "%d", (int)pid);
	argv[k++] = nums;
	for (size_t i = 0; i < n; i++) {
		unsigned v[3] = {m[i].container_id, m[i].host_id, m[i].size};
		for (int j = 0; j < 3; j++) {
			char *slot = nums + 12 * (1 + 3 * i + (size_t)j);
			snprintf(slot, 12, "%u", v[j]);
			argv[k++] = slot;
		}
	}
	if (pipe2(out, O_CLOEXEC) < 0)
		return oerr(err, errno, "pipe");
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, out[1], STDERR_FILENO);
	posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
	r = posix_spawnp(&child, tool, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(out[1]);
	if (r != 0) {
		close(out[0]);
		return oerr(err, r, "%s (package uidmap) is needed to map more than your own id", tool);
	}
	while (got < sizeof(msg) - 1 && (len = read(out[0], msg + got, sizeof(msg) - 1 - got)) != 0) {
		if (len < 0 && errno == EINTR)
			continue;
		if (len < 0)
			break;
		got += (size_t)len;
	}
	msg[got] = '\0';
	close(out[0]);
	while ((r = waitpid(child, &status, 0)) < 0 && errno == EINTR)
		;
	if (r < 0)
		return oerr(err, errno, "wait for %s", tool);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	first_line(msg);
	if (msg[0])
		return oerr_msg(err, EPERM, "%s", msg);
	return oerr_msg(err, EPERM, "%s failed (status %d)", tool, status);
}

/* The one map an unprivileged user may write itself: its own id, once. */
static bool own_id_only(const struct oci_id_mapping *m, size_t n, unsigned int id)
{
	return n == 1 && m[0].size == 1 && m[0].host_id == id;
}

int ns_write_id_maps(pid_t pid, const struct oci_linux *l, ocirun_error_t *err)
{
	const struct oci_id_mapping *u = l->uid_mappings, *g = l->gid_mappings;
	size_t nu = l->n_uid_mappings, ng = l->n_gid_mappings;

	/* root (of this user namespace, too: it has CAP_SETUID/CAP_SETGID over the child's parent)
	 * writes any map its own namespace can back; only a non-root caller needs the helpers,
	 * whatever --rootless says about cgroups (runc's RootlessEUID) */
	if (geteuid() == 0)
		return ns_write_maps(pid, u, nu, g, ng, false, err);
	if (own_id_only(u, nu, geteuid())) {
		if (write_map(pid, "uid_map", u, nu, err) < 0)
			return oerr_prefix(err, "linux.uidMappings");
	} else if (run_map_tool("newuidmap", pid, u, nu, err) < 0) {
		return oerr_prefix(err, "linux.uidMappings");
	}
	if (own_id_only(g, ng, getegid())) {
		if (ns_write_maps(pid, NULL, 0, g, ng, true, err) < 0)
			return oerr_prefix(err, "linux.gidMappings");
	} else if (run_map_tool("newgidmap", pid, g, ng, err) < 0) {
		return oerr_prefix(err, "linux.gidMappings");
	}
	return 0;
}
