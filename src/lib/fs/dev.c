/* /dev in the container root: the default devices and linux.devices (mknod, or a bind of the
 * host's node where mknod is refused), the /proc/self/fd links and /dev/ptmx. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base/util.h"
#include "fs/fs-internal.h"

static const struct oci_device default_devices[] = {
    {.type = "c", .path = "/dev/null", .major = 1, .minor = 3},
    {.type = "c", .path = "/dev/zero", .major = 1, .minor = 5},
    {.type = "c", .path = "/dev/full", .major = 1, .minor = 7},
    {.type = "c", .path = "/dev/random", .major = 1, .minor = 8},
    {.type = "c", .path = "/dev/urandom", .major = 1, .minor = 9},
    {.type = "c", .path = "/dev/tty", .major = 5, .minor = 0},
};

static mode_t device_type(const char *type)
{
	switch (type ? type[0] : 0) {
	case 'c':
	case 'u':
		return S_IFCHR;
	case 'b':
		return S_IFBLK;
	case 'p':
		return S_IFIFO;
	default:
		return 0;
	}
}

/* mknod refused (a user namespace): bind the host's node onto an empty file, after checking
 * the host node is the device the config names. */
static int bind_device(int parentfd, const char *name, const struct oci_device *d, mode_t type,
		       ocirun_error_t *err)
{
	_cleanup_close_ int host = open(d->path, O_PATH | O_CLOEXEC);
	_cleanup_close_ int dst = -1, mnt = -1;
	struct stat st;
	int fd;

	if (host < 0)
		return oerr(err, errno, "open the host's \"%s\" to bind it", d->path);
	if (fstat(host, &st) < 0)
		return oerr(err, errno, "stat the host's \"%s\"", d->path);
	if ((st.st_mode & S_IFMT) != type || st.st_rdev != makedev(d->major, d->minor))
		return oerr_msg(err, ENODEV, "the host's \"%s\" is not device %" PRId64 ":%" PRId64, d->path,
				d->major, d->minor);
	fd = openat(parentfd, name, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 && errno != EEXIST)
		return oerr(err, errno, "create \"%s\"", d->path);
	if (fd >= 0)
		close(fd);
	dst = openat(parentfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (dst < 0)
		return oerr(err, errno, "open \"%s\"", d->path);
	return fs_bind_on_fd(host, "", dst, false, 0, 0, &mnt, d->path, err);
}

static int set_owner_mode(int parentfd, const char *name, const struct oci_device *d, mode_t mode,
			  ocirun_error_t *err)
{
	_cleanup_close_ int fd = openat(parentfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	char proc[32];

	if (fd < 0)
		return oerr(err, errno, "open \"%s\"", d->path);
	if (fchownat(fd, "", d->has_uid ? d->uid : 0, d->has_gid ? d->gid : 0, AT_EMPTY_PATH) < 0)
		return oerr(err, errno, "chown \"%s\"", d->path);
	/* The node was just made by us and is open without following links: chmod it through
	 * the fd (mknod's mode was cut by the umask). */
	if (chmod(fs_fd_proc_path(fd, proc, sizeof(proc)), mode) < 0)
		return oerr(err, errno, "chmod \"%s\"", d->path);
	return 0;
}

static int create_device(const struct fs_config *c, int rootfd, const struct oci_device *d,
			 ocirun_error_t *err)
{
	_cleanup_free_ char *path = fs_path_clean(d->path);
	_cleanup_close_ int parentfd = -1;
	mode_t type = device_type(d->type);
	mode_t mode = (d->has_file_mode ? d->file_mode : 0666) & 07777;
	char *slash = strrchr(path, '/');
	const char *name = slash + 1;

	if (!type || !*name)
		return oerr_msg(err, EINVAL, "device \"%s\": invalid type \"%s\"", d->path,
				d->type ? d->type : "");
	*slash = '\0';
	parentfd = fs_open_in_root(rootfd, path[0] ? path : "/", FS_CREATE_DIR, err);
	*slash = '/';
	if (parentfd < 0)
		return parentfd;
	if (!c->in_userns || type == S_IFIFO) {
		if (mknodat(parentfd, name, type | mode, makedev(d->major, d->minor)) == 0)
			return set_owner_mode(parentfd, name, d, mode, err);
		if (errno == EEXIST)
			return 0; /* the image or a mount already provides it */
		if (errno != EPERM || type == S_IFIFO)
			return oerr(err, errno, "mknod \"%s\"", d->path);
	}
	return bind_device(parentfd, name, d, type, err);
}

static bool configured(const struct oci_linux *l, const char *path)
{
	for (size_t i = 0; l && i < l->n_devices; i++) {
		_cleanup_free_ char *p = l->devices[i].path ? fs_path_clean(l->devices[i].path) : NULL;

		if (p && !strcmp(p, path))
			return true;
	}
	return false;
}

static int dev_links(int rootfd, ocirun_error_t *err)
{
	static const char *const links[][2] = {
	    {"/proc/self/fd", "fd"},
	    {"/proc/self/fd/0", "stdin"},
	    {"/proc/self/fd/1", "stdout"},
	    {"/proc/self/fd/2", "stderr"},
	};
	_cleanup_close_ int dev = fs_open_in_root(rootfd, "/dev", FS_CREATE_DIR, err);

	if (dev < 0)
		return dev;
	for (size_t i = 0; i < ARRAY_SIZE(links); i++)
		if (symlinkat(links[i][0], dev, links[i][1]) < 0 && errno != EEXIST)
			return oerr(err, errno, "symlink \"/dev/%s\"", links[i][1]);
	if (access("/proc/kcore", F_OK) == 0 && symlinkat("/proc/kcore", dev, "core") < 0 && errno != EEXIST)
		return oerr(err, errno, "symlink \"/dev/core\"");
	/* /dev/ptmx must be the devpts instance's, so the container's ptys are its own. */
	if (unlinkat(dev, "ptmx", 0) < 0 && errno != ENOENT)
		return oerr(err, errno, "remove \"/dev/ptmx\"");
	if (symlinkat("pts/ptmx", dev, "ptmx") < 0)
		return oerr(err, errno, "symlink \"/dev/ptmx\"");
	return 0;
}

int fs_setup_dev(const struct fs_config *c, int rootfd, ocirun_error_t *err)
{
	const struct oci_linux *l = c->spec->linux_;
	mode_t old = umask(0);
	int r = 0;

	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(default_devices); i++)
		if (!configured(l, default_devices[i].path))
			r = create_device(c, rootfd, &default_devices[i], err);
	for (size_t i = 0; r == 0 && l && i < l->n_devices; i++)
		r = create_device(c, rootfd, &l->devices[i], err);
	umask(old);
	if (r < 0)
		return r;
	return dev_links(rootfd, err);
}
