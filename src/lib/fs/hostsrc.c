/* Idmapped bind mounts (mounts[].uidMappings/gidMappings, options idmap and ridmap).
 *
 * MOUNT_ATTR_IDMAP needs CAP_SYS_ADMIN over the user namespace that owns the source's superblock,
 * which for a host directory is the initial one: a container init in its own user namespace cannot
 * do it. So the runtime makes the mount: a helper that entered the init's mount namespace (so the
 * clone keeps the locks that namespace puts on the host's mounts: lifecycle/mountsrc.c) makes a
 * detached clone of the source (open_tree), applies the mapping and the per-mount flags to it, and
 * the init attaches the fd it received with move_mount (fs_apply_mount). The mapping comes as a
 * user namespace fd: the kernel reads an id stored on disk as a container id of that namespace
 * and shows its host id, so a file owned by 0 on disk shows as hostID through the mount. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>

#include "base/log.h"
#include "base/util.h"
#include "fs/fs-internal.h"

bool fs_idmap_supported(void)
{
	return fs_have_mount_api();
}

bool fs_mount_idmapped(const struct oci_mount *m)
{
	struct fs_mount_flags mf;
	bool idmap;

	if (m->n_uid_mappings || m->n_gid_mappings)
		return true;
	if (fs_parse_mount_options(m->options, &mf, NULL) < 0)
		return false;
	idmap = mf.idmap;
	fs_mount_flags_done(&mf);
	return idmap;
}

/* The propagation the init gives "/" before any mount (fs_prepare_rootfs), applied to the detached
 * tree too: it is cloned before the init changes "/", from mounts still in the host's peer groups,
 * and a mount made below it in the container would otherwise show on the host. */
static unsigned long root_propagation(const struct oci_spec *s)
{
	const char *prop = s->linux_ ? s->linux_->rootfs_propagation : NULL;
	unsigned long flag = prop && prop[0] ? fs_propagation_flag(prop) : 0;

	if (!flag || flag & MS_UNBINDABLE)
		flag = MS_SLAVE | MS_REC;
	return flag;
}

int fs_idmap_open(const struct oci_spec *s, size_t i, const char *bundle, int userns_fd, ocirun_error_t *err)
{
	const struct oci_mount *m = &s->mounts[i];
	_cleanup_free_ char *src = fs_bind_source(bundle, m->source);
	_cleanup_free_ char *dest = fs_path_clean(m->destination);
	struct mount_attr a = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns_fd};
	struct fs_mount_flags mf = {0};
	_cleanup_close_ int tree = -1;
	unsigned long prop;
	int r = -1;

	if (!fs_have_mount_api())
		return oerr_msg(err, EOPNOTSUPP,
				"mounts[%zu]: idmapped mounts need mount_setattr (Linux 5.12)", i);
	if (fs_parse_mount_options(m->options, &mf, err) < 0)
		return oerr_prefix(err, "mounts[%zu].options", i);
	tree = open_tree(AT_FDCWD, src,
			 OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (mf.flags & MS_REC ? AT_RECURSIVE : 0));
	if (tree < 0) {
		oerr(err, errno, "open_tree \"%s\"", src);
		goto out;
	}
	prop = root_propagation(s);
	if (!(prop & MS_SHARED) && fs_propagation_fd(tree, prop, dest, err) < 0)
		goto out;
	if (mount_setattr(tree, "", AT_EMPTY_PATH | (mf.idmap_recursive ? AT_RECURSIVE : 0), &a, sizeof(a)) <
	    0) {
		oerr(err, errno, "idmap \"%s\"%s", src,
		     errno == EINVAL ? " (does its filesystem support idmapped mounts?)" : "");
		goto out;
	}
	/* ro, nosuid...: set while detached, so the destination never shows the mount without them */
	if ((mf.flags | mf.clear) && fs_bind_flags_fd(tree, mf.flags, mf.clear, dest, err) < 0)
		goto out;
	r = TAKE_FD(tree);
out:
	fs_mount_flags_done(&mf);
	if (r < 0)
		return oerr_prefix(err, "mounts[%zu] (idmapped bind on %s)", i, dest);
	return r;
}

int fs_source_open(const struct oci_spec *s, size_t i, const char *bundle, ocirun_error_t *err)
{
	_cleanup_free_ char *src = fs_bind_source(bundle, s->mounts[i].source);
	int fd = open(src, O_PATH | O_CLOEXEC);

	if (fd < 0)
		return oerr(err, errno, "mounts[%zu]: open the source \"%s\"", i, src);
	return fd;
}
