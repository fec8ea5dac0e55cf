/* Idmapped mounts, the runtime's half: choose each mount's mapping, make one user namespace per
 * distinct mapping (a helper process lives only until its namespace fd is open), and have fs/ make
 * the detached idmapped trees that the init inherits and attaches (fs/idmap.c explains why the
 * runtime and not the init). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "fs/fs.h"
#include "lifecycle/lifecycle.h"
#include "spawn/spawn.h"

struct mapping {
	const struct oci_id_mapping *uid, *gid;
	size_t n_uid, n_gid;
	int userns_fd;
};

static bool same_maps(const struct oci_id_mapping *a, size_t na, const struct oci_id_mapping *b, size_t nb)
{
	return na == nb && (na == 0 || !memcmp(a, b, na * sizeof(*a)));
}

/* A user namespace with these mappings, as an fd: a child is cloned into a new one, the maps are
 * written from here (root in the parent namespace needs no setgroups "deny"), the fd opened, and
 * the child released. */
static int make_userns(const struct mapping *mp, ocirun_error_t *err)
{
	int hold[2], fd = -1;
	char path[64];
	pid_t pid;

	if (pipe2(hold, O_CLOEXEC) < 0)
		return oerr(err, errno, "pipe");
	pid = spawn_process(CLONE_NEWUSER, -1, false, NULL, err);
	if (pid == 0) {
		char c;

		close(hold[1]);
		while (read(hold[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(hold[0]);
	if (pid < 0) {
		close(hold[1]);
		return oerr_prefix(err, "user namespace for an idmapped mount");
	}
	if (ns_write_maps(pid, mp->uid, mp->n_uid, mp->gid, mp->n_gid, false, err) == 0) {
		snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			oerr(err, errno, "open \"%s\"", path);
	}
	close(hold[1]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return fd;
}

static const char *joined_userns(const struct ns_plan *plan)
{
	for (size_t i = 0; i < plan->n_join; i++)
		if (plan->join[i].type == CLONE_NEWUSER)
			return plan->join[i].path;
	return NULL;
}

/* mounts[i]'s mapping: its own, else the container's user namespace (the mappings it will be
 * given, or the namespace it joins: *ret_path). */
static int pick_mapping(const struct oci_spec *s, size_t i, const struct ns_plan *plan, struct mapping *ret,
			const char **ret_path, ocirun_error_t *err)
{
	const struct oci_mount *m = &s->mounts[i];

	*ret_path = NULL;
	*ret = (struct mapping){.userns_fd = -1};
	if (m->n_uid_mappings) {
		*ret = (struct mapping){m->uid_mappings, m->gid_mappings, m->n_uid_mappings,
					m->n_gid_mappings, -1};
		return 0;
	}
	if (plan->new_user) {
		const struct oci_linux *l = s->linux_;
		*ret = (struct mapping){l->uid_mappings, l->gid_mappings, l->n_uid_mappings,
					l->n_gid_mappings, -1};
		return 0;
	}
	*ret_path = joined_userns(plan);
	if (*ret_path)
		return 0;
	return oerr_msg(err, EINVAL,
			"mounts[%zu].options: idmap/ridmap without uidMappings and gidMappings takes the "
			"container's user namespace mappings, but the container has no user namespace",
			i);
}

int idmap_prepare(const struct oci_spec *s, const char *bundle, const struct ns_plan *plan, int **ret_fds,
		  ocirun_error_t *err)
{
	struct mapping seen[8];
	size_t n_seen = 0;
	int *fds = NULL;
	int r = 0;

	*ret_fds = NULL;
	for (size_t i = 0; i < s->n_mounts && r == 0; i++) {
		struct mapping mp;
		const char *path;
		int userns = -1;
		bool owned = false;

		if (!fs_mount_idmapped(&s->mounts[i]))
			continue;
		if (geteuid() != 0) {
			r = oerr_msg(err, EPERM, "mounts[%zu]: idmapped mounts need root (as in runc)", i);
			break;
		}
		if (!fds) {
			fds = xmalloc(s->n_mounts * sizeof(*fds));
			for (size_t j = 0; j < s->n_mounts; j++)
				fds[j] = -1;
		}
		if ((r = pick_mapping(s, i, plan, &mp, &path, err)) < 0)
			break;
		if (path) {
			userns = open(path, O_RDONLY | O_CLOEXEC);
			if (userns < 0) {
				r = oerr(err, errno, "mounts[%zu]: open the user namespace \"%s\"", i, path);
				break;
			}
			owned = true;
		}
		for (size_t k = 0; userns < 0 && k < n_seen; k++)
			if (same_maps(seen[k].uid, seen[k].n_uid, mp.uid, mp.n_uid) &&
			    same_maps(seen[k].gid, seen[k].n_gid, mp.gid, mp.n_gid))
				userns = seen[k].userns_fd;
		if (userns < 0) {
			if ((userns = make_userns(&mp, err)) < 0) {
				r = oerr_prefix(err, "mounts[%zu]", i);
				break;
			}
			if (n_seen < ARRAY_SIZE(seen)) {
				mp.userns_fd = userns;
				seen[n_seen++] = mp;
			} else {
				owned = true;
			}
		}
		fds[i] = fs_idmap_open(s, i, bundle, userns, err);
		if (fds[i] < 0)
			r = oerr_ret(err);
		if (owned)
			close(userns);
	}
	/* the trees hold their namespaces: the fds are no longer needed */
	for (size_t k = 0; k < n_seen; k++)
		close(seen[k].userns_fd);
	if (r < 0) {
		idmap_release(fds, s->n_mounts);
		return r;
	}
	*ret_fds = fds;
	return 0;
}

void idmap_release(int *fds, size_t n)
{
	for (size_t i = 0; fds && i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
}
