/* Mount sources from the host side. Idmapped mounts: choose each mount's mapping and make its user
 * namespace (runtime, before clone); make the idmapped trees inside the container's mount namespace
 * and hand them to the init when it asks, in the order of `mounts`, so a source below an earlier
 * mount exists by then (runtime, between GO and MOUNTS_DONE); ask for them (init). fs/hostsrc.c
 * explains why the runtime and not the init makes them. The same way the runtime opens a bind
 * source the init cannot reach from its user namespace.
 *
 * The trees are cloned (and sources opened) by a helper that has entered the init's mount
 * namespace, not in the host's: in a user namespace container that namespace holds the host's mounts locked
 * (MNT_LOCKED submounts, MNT_LOCK_READONLY...), and a clone of them keeps those locks, so root of
 * the container can neither unmount a submount to uncover what the host hid under it nor make a
 * read-only host mount writable. A clone from the host's namespace would carry no lock. */
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
#include "sync/sync.h"

static bool same_maps(const struct oci_id_mapping *a, size_t na, const struct oci_id_mapping *b, size_t nb)
{
	return na == nb && (na == 0 || !memcmp(a, b, na * sizeof(*a)));
}

/* A user namespace with these mappings, as an fd: a child is cloned into a new one, the maps are
 * written from here (root in the parent namespace needs no setgroups "deny"), the fd opened, and
 * the child released. */
static int make_userns(const struct idmap_mapping *mp, ocirun_error_t *err)
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
static int pick_mapping(const struct oci_spec *s, size_t i, const struct ns_plan *plan,
			struct idmap_mapping *ret, const char **ret_path, ocirun_error_t *err)
{
	const struct oci_mount *m = &s->mounts[i];

	*ret_path = NULL;
	if (m->n_uid_mappings) {
		*ret = (struct idmap_mapping){m->uid_mappings, m->gid_mappings, m->n_uid_mappings,
					      m->n_gid_mappings};
		return 0;
	}
	if (plan->new_user) {
		const struct oci_linux *l = s->linux_;
		*ret = (struct idmap_mapping){l->uid_mappings, l->gid_mappings, l->n_uid_mappings,
					      l->n_gid_mappings};
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

/* The user namespace fd for mounts[i]: one already made for the same mapping, or a new one. */
static int userns_for(const struct idmap_plan *ip, const struct idmap_mapping *mp, const char *path, size_t i,
		      ocirun_error_t *err)
{
	int fd;

	if (path) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return oerr(err, errno, "mounts[%zu]: open the user namespace \"%s\"", i, path);
		return fd;
	}
	for (size_t j = 0; j < i; j++) {
		const struct idmap_entry *e = &ip->mount[j];
		if (e->userns >= 0 && e->map.uid && same_maps(e->map.uid, e->map.n_uid, mp->uid, mp->n_uid) &&
		    same_maps(e->map.gid, e->map.n_gid, mp->gid, mp->n_gid) &&
		    (fd = fcntl(e->userns, F_DUPFD_CLOEXEC, 0)) >= 0)
			return fd;
	}
	fd = make_userns(mp, err);
	if (fd < 0)
		return oerr_prefix(err, "mounts[%zu]", i);
	return fd;
}

int idmap_prepare(const struct oci_spec *s, const struct ns_plan *plan, struct idmap_plan *ip,
		  ocirun_error_t *err)
{
	*ip = (struct idmap_plan){.spec = s};
	for (size_t i = 0; i < s->n_mounts; i++) {
		struct idmap_mapping mp = {0};
		const char *path;
		int fd;

		if (!fs_mount_idmapped(&s->mounts[i]))
			continue;
		if (geteuid() != 0)
			return oerr_msg(err, EPERM, "mounts[%zu]: idmapped mounts need root (as in runc)", i);
		if (!plan->has_mnt)
			return oerr_msg(
			    err, EINVAL,
			    "mounts[%zu]: an idmapped mount needs the container's own mount namespace", i);
		if (!ip->mount) {
			ip->mount = xzalloc(s->n_mounts * sizeof(*ip->mount));
			for (size_t j = 0; j < s->n_mounts; j++)
				ip->mount[j].userns = -1;
		}
		if (pick_mapping(s, i, plan, &mp, &path, err) < 0)
			return oerr_ret(err);
		fd = userns_for(ip, &mp, path, i, err);
		if (fd < 0)
			return oerr_ret(err);
		ip->mount[i] = (struct idmap_entry){.userns = fd, .map = mp};
		ip->count++;
	}
	return 0;
}

void idmap_plan_release(struct idmap_plan *ip)
{
	for (size_t i = 0; ip->mount && i < ip->spec->n_mounts; i++)
		if (ip->mount[i].userns >= 0)
			close(ip->mount[i].userns);
	free(ip->mount);
	*ip = (struct idmap_plan){0};
}

/* The helper, in the init's mount namespace: mounts[i]'s source or idmapped tree, sent to the init
 * as MOUNT_FD (code = i) with the fd. An error goes to `report` for the runtime. */
__attribute__((noreturn)) static void send_source(const struct idmap_plan *ip, const char *bundle, int mntns,
						  size_t i, struct sync_chan *sync, int report)
{
	ocirun_error_t e = {0};
	int fd;

	if (setns(mntns, CLONE_NEWNS) < 0) {
		oerr(&e, errno, "enter the container's mount namespace");
		goto fail;
	}
	if (ip->mount && ip->mount[i].userns >= 0)
		fd = fs_idmap_open(ip->spec, i, bundle, ip->mount[i].userns, &e);
	else
		fd = fs_source_open(ip->spec, i, bundle, &e);
	if (fd < 0 || sync_chan_send(sync, SYNC_MOUNT_FD, (int32_t)i, fd, &e) < 0)
		goto fail;
	_exit(0);
fail:
	if (write(report, &e, sizeof(e)) < 0)
		_exit(2);
	_exit(1);
}

static int serve_one(const struct idmap_plan *ip, const char *bundle, int mntns, size_t i,
		     struct sync_chan *sync, ocirun_error_t *err)
{
	int report[2], status = 0;
	ocirun_error_t e = {0};
	ssize_t got;
	pid_t pid;

	if (pipe2(report, O_CLOEXEC) < 0)
		return oerr(err, errno, "pipe");
	pid = spawn_process(0, -1, false, NULL, err);
	if (pid == 0) {
		close(report[0]);
		send_source(ip, bundle, mntns, i, sync, report[1]);
	}
	close(report[1]);
	if (pid < 0) {
		close(report[0]);
		return oerr_ret(err);
	}
	while ((got = read(report[0], &e, sizeof(e))) < 0 && errno == EINTR)
		;
	close(report[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (got == (ssize_t)sizeof(e)) {
		*err = e;
		return oerr_ret(err);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return oerr_msg(err, EIO, "mounts[%zu]: the source helper failed (status %d)", i, status);
	return 0;
}

int mount_sources_serve(const struct idmap_plan *ip, const char *bundle, pid_t init_pid,
			struct sync_chan *sync, ocirun_error_t *err)
{
	_cleanup_close_ int mntns = -1;
	struct sync_msg m;
	char path[64];

	for (;;) {
		if (sync_chan_expect_either(sync, SYNC_MOUNTS_DONE, SYNC_MOUNT_ASK, &m, err) < 0)
			return oerr_ret(err);
		if (m.fd >= 0)
			close(m.fd);
		if (m.hdr.type == SYNC_MOUNTS_DONE)
			return 0;
		if (m.hdr.code < 0 || (size_t)m.hdr.code >= ip->spec->n_mounts)
			return oerr_msg(err, EPROTO, "sync: MOUNT_ASK for mount %d of %zu", m.hdr.code,
					ip->spec->n_mounts);
		if (mntns < 0) {
			snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)init_pid);
			mntns = open(path, O_RDONLY | O_CLOEXEC);
			if (mntns < 0)
				return oerr(err, errno, "open \"%s\"", path);
		}
		if (serve_one(ip, bundle, mntns, (size_t)m.hdr.code, sync, err) < 0)
			return oerr_ret(err);
	}
}

int mount_source_ask(void *arg, size_t i, ocirun_error_t *err)
{
	struct sync_chan *sync = arg;
	struct sync_msg m;

	if (sync_chan_send(sync, SYNC_MOUNT_ASK, (int32_t)i, -1, err) < 0 ||
	    sync_chan_expect(sync, SYNC_MOUNT_FD, &m, err) < 0)
		return oerr_ret(err);
	if (m.hdr.code != (int32_t)i || m.fd < 0) {
		if (m.fd >= 0)
			close(m.fd);
		return oerr_msg(err, EPROTO, "sync: MOUNT_FD for mount %d, asked for %zu", m.hdr.code, i);
	}
	return m.fd;
}
