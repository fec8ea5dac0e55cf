/* fs_validate: the runtime's checks of the filesystem part of a config before anything is
 * created; each error names the config field. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "base/log.h"
#include "base/util.h"
#include "fs/fs-internal.h"

static int check_root(const struct oci_root *root, const char *bundle, ocirun_error_t *err)
{
	_cleanup_free_ char *path = NULL;
	struct stat st;

	if (!root || !root->path || !root->path[0])
		return oerr_msg(err, EINVAL, "root.path: must not be empty");
	path = fs_bind_source(bundle, root->path);
	if (stat(path, &st) < 0)
		return oerr(err, errno, "root.path: stat \"%s\"", root->path);
	if (!S_ISDIR(st.st_mode))
		return oerr_msg(err, ENOTDIR, "root.path: \"%s\" is not a directory", root->path);
	return 0;
}

/* roots: the container's root as given and as resolved (either may be NULL) */
static int check_mount(const struct oci_mount *m, size_t i, const char *bundle, const char *const roots[2],
		       ocirun_error_t *err)
{
	_cleanup_free_ char *dest = NULL, *src = NULL;
	struct fs_mount_flags mf;
	struct stat st;
	bool bind, idmapped;

	if (!m->destination || !m->destination[0])
		return oerr_msg(err, EINVAL, "mounts[%zu].destination: must not be empty", i);
	if (m->destination[0] != '/')
		log_warn("mounts[%zu].destination: \"%s\" is not absolute, taking it relative to \"/\"", i,
			 m->destination);
	if (fs_parse_mount_options(m->options, &mf, err) < 0)
		return oerr_prefix(err, "mounts[%zu].options", i);
	bind = (mf.flags & MS_BIND) || (m->type && !strcmp(m->type, "bind"));
	fs_mount_flags_done(&mf);
	idmapped = fs_mount_idmapped(m);
	if (!m->n_uid_mappings != !m->n_gid_mappings)
		return oerr_msg(err, EINVAL, "mounts[%zu].%s: must be given with %s", i,
				m->n_uid_mappings ? "uidMappings" : "gidMappings",
				m->n_uid_mappings ? "gidMappings" : "uidMappings");
	if (idmapped && !bind)
		return oerr_msg(err, EINVAL, "mounts[%zu].%s: only a bind mount can be idmapped", i,
				m->n_uid_mappings ? "uidMappings" : "options");
	if (idmapped && !fs_idmap_supported())
		return oerr_msg(
		    err, EOPNOTSUPP,
		    "mounts[%zu]: idmapped mounts need mount_setattr (Linux 5.12), which this kernel "
		    "lacks",
		    i);
	if (!bind && (!m->type || !m->type[0]))
		return oerr_msg(err, EINVAL,
				"mounts[%zu].type: required unless the options contain \"bind\" or \"rbind\"",
				i);
	dest = fs_path_clean(m->destination);
	if (bind && m->source && !strcmp(dest, "/proc")) {
		_cleanup_free_ char *s = fs_bind_source(bundle, m->source);
		if (fs_is_procfs_path(s))
			return 0;
	}
	if (!fs_proc_dest_allowed(dest, m->type, bind))
		return oerr_msg(
		    err, EPERM,
		    "mounts[%zu].destination: \"%s\" cannot be mounted because it is inside /proc", i, dest);
	if (!bind)
		return 0;
	if (!m->source || !m->source[0])
		return oerr_msg(err, EINVAL, "mounts[%zu].source: a bind mount needs a source", i);
	src = fs_bind_source(bundle, m->source);
	/* a source inside the container's root may be made by an earlier mount (runc's mount order
	 * tests bind parts of the tree being built): it is checked when it is mounted */
	for (int k = 0; k < 2; k++)
		if (roots[k] && fs_path_under(src, roots[k]))
			return 0;
	if (stat(src, &st) < 0)
		return oerr(err, errno, "mounts[%zu].source (for \"%s\"): stat \"%s\"", i, dest, src);
	return 0;
}

static int check_device(const struct oci_device *d, size_t i, ocirun_error_t *err)
{
	_cleanup_free_ char *path = NULL;
	const char *t = d->type ? d->type : "";

	if (strlen(t) != 1 || !strchr("cbup", t[0]))
		return oerr_msg(err, EINVAL, "linux.devices[%zu].type: \"%s\" is not one of c, b, u, p", i,
				t);
	if (!d->path || d->path[0] != '/')
		return oerr_msg(err, EINVAL, "linux.devices[%zu].path: \"%s\" is not an absolute path", i,
				d->path ? d->path : "");
	path = fs_path_clean(d->path);
	if (!strcmp(path, "/") || !strcmp(path, "/dev"))
		return oerr_msg(err, EINVAL, "linux.devices[%zu].path: \"%s\" is not a device path", i,
				d->path);
	if (t[0] != 'p' && (d->major < 0 || d->minor < 0 || d->major > 0xfff || d->minor > 0xfffff))
		return oerr_msg(err, EINVAL, "linux.devices[%zu]: invalid device number %" PRId64 ":%" PRId64,
				i, d->major, d->minor);
	return 0;
}

static int check_paths(char **v, const char *field, ocirun_error_t *err)
{
	for (size_t i = 0; v && v[i]; i++)
		if (v[i][0] != '/')
			return oerr_msg(err, EINVAL, "linux.%s[%zu]: \"%s\" is not an absolute path", field,
					i, v[i]);
	return 0;
}

static int check_linux(const struct oci_linux *l, ocirun_error_t *err)
{
	if (!l)
		return 0;
	for (size_t i = 0; i < l->n_devices; i++)
		if (check_device(&l->devices[i], i, err) < 0)
			return oerr_ret(err);
	if (l->rootfs_propagation && l->rootfs_propagation[0] && !fs_propagation_flag(l->rootfs_propagation))
		return oerr_msg(err, EINVAL, "linux.rootfsPropagation: \"%s\" is not a propagation mode",
				l->rootfs_propagation);
	/* as runc: without SELinux a label has nothing to apply to */
	if (l->mount_label && l->mount_label[0] && !fs_selinux_enabled())
		log_debug("linux.mountLabel: SELinux is not enabled on this host, label ignored");
	if (check_paths(l->masked_paths, "maskedPaths", err) < 0 ||
	    check_paths(l->readonly_paths, "readonlyPaths", err) < 0)
		return oerr_ret(err);
	return 0;
}

int fs_validate(const struct oci_spec *s, const char *bundle, ocirun_error_t *err)
{
	if (check_root(s->root, bundle, err) < 0 || fs_overlay_validate(s, bundle, err) < 0)
		return oerr_ret(err);
	_cleanup_free_ char *given = s->root && s->root->path ? fs_bind_source(bundle, s->root->path) : NULL;
	_cleanup_free_ char *rootfs = given ? realpath(given, NULL) : NULL;

	for (size_t i = 0; i < s->n_mounts; i++)
		if (check_mount(&s->mounts[i], i, bundle, (const char *const[2]){given, rootfs}, err) < 0)
			return oerr_ret(err);
	return check_linux(s->linux_, err);
}
