/* The mount points of a config made in a rootfs before CRIU restores the mounts onto it (restore):
 * a rootfs taken fresh from an image, as containerd's `ctr c restore` gives it, lacks the
 * directories that create made there (/run, /sys/fs/cgroup ...), and CRIU cannot mount on a
 * missing path. runc does the same before it hands the mounts to CRIU. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/util.h"
#include "fs/fs-internal.h"
#include "fs/fs.h"

static bool mount_is_bind(const struct oci_mount *m)
{
	if (m->type && strcmp(m->type, "bind") == 0)
		return true;
	for (char **o = m->options; o && *o; o++)
		if (strcmp(*o, "bind") == 0 || strcmp(*o, "rbind") == 0)
			return true;
	return false;
}

/* dest lies below the destination of a tmpfs mount of the config: CRIU restores that tmpfs with
 * its contents, mount points included, so nothing is made for it in the rootfs (as runc). */
static bool inside_tmpfs(const struct oci_spec *s, const char *dest)
{
	_cleanup_free_ char *d = fs_path_clean(dest);

	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct oci_mount *m = &s->mounts[i];
		_cleanup_free_ char *t = NULL;
		if (!m->destination || !m->type || strcmp(m->type, "tmpfs") != 0)
			continue;
		t = fs_path_clean(m->destination);
		if (strcmp(t, d) != 0 && fs_path_under(d, t))
			return true;
	}
	return false;
}

int fs_make_mountpoints(const struct oci_spec *s, const char *rootfs, const char *bundle, ocirun_error_t *err)
{
	_cleanup_close_ int root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (root < 0)
		return oerr(err, errno, "rootfs \"%s\"", rootfs);
	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct oci_mount *m = &s->mounts[i];
		enum fs_create how = FS_CREATE_DIR;
		struct stat sb;
		int fd;

		if (!m->destination || inside_tmpfs(s, m->destination))
			continue;
		if (mount_is_bind(m) && m->source) {
			_cleanup_free_ char *src =
			    m->source[0] == '/' ? xstrdup(m->source) : xasprintf("%s/%s", bundle, m->source);
			if (stat(src, &sb) == 0 && !S_ISDIR(sb.st_mode))
				how = FS_CREATE_FILE;
		}
		fd = fs_open_in_root(root, m->destination, how, err);
		if (fd < 0)
			return oerr_prefix(err, "mounts[%zu].destination \"%s\"", i, m->destination);
		close(fd);
	}
	return 0;
}
