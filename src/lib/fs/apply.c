/* The application of one config mount (mounts[i]) inside the root: resolve and create the
 * destination, get the source (opened here, or by the runtime on MOUNT_ASK), mount or bind,
 * then the flags, recursive attributes and propagation, each on the new mount's fd. The /proc
 * guards (CVE-2019-19921) live here too. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>

#include "base/log.h"
#include "base/util.h"
#include "fs/fs-internal.h"

/* CVE-2019-19921: a mount inside /proc (for instance a volume racing to replace /proc with a
 * symlink) could cover the procfs files that are masked or written later. Only procfs on /proc
 * itself and binds over the files that lxcfs-style tools emulate are allowed. validate.c asks
 * early about the configured path, check_proc_dest late about the resolved one. */
bool fs_proc_dest_allowed(const char *dest, const char *type, bool bind)
{
	static const char *const emulated[] = {
	    "/proc/cpuinfo", "/proc/diskstats",
	    "/proc/meminfo", "/proc/stat",
	    "/proc/swaps",   "/proc/uptime",
	    "/proc/loadavg", "/proc/slabinfo",
	    "/proc/net/dev", "/proc/sys/kernel/ns_last_pid",
	};

	if (!fs_path_under(dest, "/proc"))
		return true;
	if (!strcmp(dest, "/proc"))
		return type && !strcmp(type, "proc");
	for (size_t i = 0; bind && i < ARRAY_SIZE(emulated); i++)
		if (!strcmp(dest, emulated[i]))
			return true;
	return false;
}

/* A bind of a procfs onto /proc itself is allowed (runc allows it too: a container in the host's
 * pid namespace that may not mount a procfs of its own binds the host's). */
bool fs_is_procfs_fd(int fd)
{
	struct statfs sf;

	return fd >= 0 && fstatfs(fd, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC;
}

bool fs_is_procfs_path(const char *path)
{
	struct statfs sf;

	return statfs(path, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC;
}

static int check_proc_dest(const char *real, const char *type, bool bind, ocirun_error_t *err)
{
	if (fs_proc_dest_allowed(real, type, bind))
		return 0;
	return oerr_msg(err, EPERM, "\"%s\" cannot be mounted because it is inside /proc", real);
}

struct mount_ctx {
	const struct fs_config *c;
	const struct oci_mount *m;
	size_t i; /* index in mounts */
	int rootfd;
	const char *dest; /* clean container path as configured */
	char *real;       /* container path the destination resolved to */
	int dstfd;
	int mnt;          /* fd of the new mount's root, -1 until known */
	int inherit_mode; /* a tmpfs without mode= over an existing directory: its mode, else -1 */
	bool bound;       /* made by a bind: flags need a remount */
	int srcfd;        /* the source opened by the runtime (get_source), or -1 */
	bool idmapped;    /* srcfd is the runtime's idmapped tree, to attach as it is */
	struct fs_mount_flags mf;
};

/* The source from the runtime (fs_config.ask_source), in x->srcfd: always for an idmapped mount,
 * which only the runtime can make; for another bind, when the init cannot reach the source
 * itself: in a user namespace, root of the container is "others" to a host directory, which
 * `chmod o-rwx` closes (runc opens each such source on the host side too). */
static int get_source(struct mount_ctx *x, const char *src, ocirun_error_t *err)
{
	struct stat st;

	x->idmapped = fs_mount_idmapped(x->m);
	if (!x->idmapped && (!x->c->ask_source || stat(src, &st) == 0))
		return 0;
	if (!x->c->ask_source)
		return oerr_msg(err, EPERM, "an idmapped mount needs the runtime to make it");
	x->srcfd = x->c->ask_source(x->c->ask_arg, x->i, err);
	return x->srcfd < 0 ? oerr_ret(err) : 0;
}

static int do_bind(struct mount_ctx *x, ocirun_error_t *err)
{
	_cleanup_free_ char *src = fs_bind_source(x->c->bundle, x->m->source);

	x->bound = true;
	if (x->idmapped) {
		/* made by the runtime with its mapping and flags (fs/hostsrc.c): only attach it */
		if (move_mount(x->srcfd, "", x->dstfd, "",
			       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
			return oerr(err, errno, "attach the idmapped mount of \"%s\" on \"%s\"", src,
				    x->dest);
		x->mnt = TAKE_FD(x->srcfd);
		return 0;
	}
	if (x->srcfd >= 0)
		return fs_bind_exact_on_fd(x->srcfd, "", x->dstfd, x->mf.flags & MS_REC, x->mf.flags,
					   x->mf.clear, &x->mnt, x->dest, err);
	return fs_bind_exact_on_fd(AT_FDCWD, src, x->dstfd, x->mf.flags & MS_REC, x->mf.flags, x->mf.clear,
				   &x->mnt, x->dest, err);
}

/* proc or sysfs refused (EPERM: a user namespace without its own pid or network namespace):
 * bind the host's instance recursively instead, with the flags applied to every submount. */
static int do_kernfs_fallback(struct mount_ctx *x, const char *host, ocirun_error_t *err)
{
	struct mount_attr a = {0};

	log_warn("mount %s on \"%s\" refused, binding the host's \"%s\" instead", x->m->type, x->dest, host);
	if (fs_have_mount_api()) {
		fs_ms_to_attr(x->mf.flags, 0, &a);
		x->mf.attr_set |= a.attr_set & ~(uint64_t)MOUNT_ATTR__ATIME;
	}
	x->bound = true;
	return fs_bind_on_fd(AT_FDCWD, host, x->dstfd, true, x->mf.flags, 0, &x->mnt, x->dest, err);
}

static int do_fs_mount(struct mount_ctx *x, ocirun_error_t *err)
{
	const char *type = x->m->type;
	const char *label = x->c->spec->linux_ ? x->c->spec->linux_->mount_label : NULL;
	_cleanup_free_ char *data = NULL;
	unsigned long flags = x->mf.flags & ~(MS_BIND | MS_REC);
	ocirun_error_t first;

	if (label && fs_selinux_enabled() && strcmp(type, "proc") && strcmp(type, "sysfs"))
		data = x->mf.data ? xasprintf("%s,context=\"%s\"", x->mf.data, label)
				  : xasprintf("context=\"%s\"", label);
	else if (x->mf.data)
		data = xstrdup(x->mf.data);
	if (x->inherit_mode >= 0) {
		char *with = data ? xasprintf("%s,mode=%o", data, x->inherit_mode)
				  : xasprintf("mode=%o", x->inherit_mode);
		free(data);
		data = with;
	}
	if (fs_mount_on_fd(x->m->source ? x->m->source : type, x->dstfd, type, flags, data, x->dest,
			   &first) == 0)
		return 0;
	if (first.code == EPERM && !strcmp(type, "proc"))
		return do_kernfs_fallback(x, "/proc", err);
	if (first.code == EPERM && !strcmp(type, "sysfs"))
		return do_kernfs_fallback(x, "/sys", err);
	*err = first;
	if (first.code == EPERM && !strcmp(type, "mqueue") && x->c->in_userns)
		return oerr_msg(err, EPERM,
				"%s (in a user namespace, mqueue needs the container's own ipc namespace)",
				first.msg);
	return oerr_ret(err);
}

static bool is_bind(const struct oci_mount *m, const struct fs_mount_flags *mf)
{
	return (mf->flags & MS_BIND) || (m->type && !strcmp(m->type, "bind"));
}

/* procfs, sysfs and /dev go where the config says or nowhere: an image whose /proc, /sys or /dev
 * is a symlink would have them mounted elsewhere in the container, beside the paths that are then
 * masked, made read-only or filled with device nodes (refused as runc refuses it). */
static int check_kernfs_dest(const struct mount_ctx *x, bool bind, ocirun_error_t *err)
{
	const char *type = x->m->type;

	if (!strcmp(x->real, x->dest))
		return 0;
	if ((!bind && type && (!strcmp(type, "proc") || !strcmp(type, "sysfs"))) || !strcmp(x->dest, "/dev"))
		return oerr_msg(err, ELOOP,
				"filesystem \"%s\" must be mounted on ordinary directory: \"%s\" resolves "
				"through a symlink to \"%s\"",
				bind ? "bind" : type, x->dest, x->real);
	return 0;
}

static bool has_data_opt(const char *data, const char *key)
{
	size_t n = strlen(key);

	for (const char *p = data; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (!strncmp(p, key, n))
			return true;
	return false;
}

/* A tmpfs without mode= over a directory the image has takes that directory's mode (as runc
 * does): the image's /tmp stays 1777, a 0710 directory stays 0710. One made here keeps tmpfs's
 * default. -1 when not such a case. */
static int existing_dir_mode(const struct mount_ctx *x, bool bind)
{
	ocirun_error_t ignored;
	struct stat st;
	int fd, mode = -1;

	if (bind || !x->m->type || strcmp(x->m->type, "tmpfs") || has_data_opt(x->mf.data, "mode="))
		return -1;
	fd = fs_open_in_root(x->rootfd, x->dest, FS_NO_CREATE, &ignored);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
		mode = (int)(st.st_mode & 07777);
	close(fd);
	return mode;
}

static int open_dest(struct mount_ctx *x, bool bind, ocirun_error_t *err)
{
	enum fs_create how = FS_CREATE_DIR;
	bool host_proc = false;

	if (bind) {
		_cleanup_free_ char *src = fs_bind_source(x->c->bundle, x->m->source);
		struct stat st;

		if (get_source(x, src, err) < 0)
			return oerr_ret(err);
		/* a source from the runtime is open: its type, not the path's (which root of a
		 * user namespace may not even reach) */
		if (x->srcfd >= 0 ? fstat(x->srcfd, &st) < 0 : stat(src, &st) < 0)
			return oerr(err, errno, "stat \"%s\"", src);
		if (!S_ISDIR(st.st_mode))
			how = FS_CREATE_FILE;
		host_proc = x->srcfd >= 0 ? fs_is_procfs_fd(x->srcfd) : fs_is_procfs_path(src);
	}
	x->inherit_mode = existing_dir_mode(x, bind);
	x->dstfd = fs_open_in_root(x->rootfd, x->dest, how, err);
	if (x->dstfd < 0)
		return x->dstfd;
	if (fs_container_path(x->dstfd, x->c->rootfs, &x->real, err) < 0)
		return oerr_ret(err);
	if (check_kernfs_dest(x, bind, err) < 0)
		return oerr_ret(err);
	if (host_proc && !strcmp(x->real, "/proc"))
		return 0;
	return check_proc_dest(x->real, x->m->type, bind, err);
}

static int finish_mount(struct mount_ctx *x, ocirun_error_t *err)
{
	if (x->mnt < 0) {
		x->mnt = fs_reopen_mount(x->rootfd, x->c->rootfs, x->dest, x->real, err);
		if (x->mnt < 0)
			return x->mnt;
		if (x->bound && (x->mf.flags | x->mf.clear) & FS_BIND_FLAGS &&
		    fs_bind_flags_fd(x->mnt, x->mf.flags, x->mf.clear, x->dest, err) < 0)
			return oerr_ret(err);
	}
	if (fs_setattr_fd(x->mnt, x->mf.attr_set, x->mf.attr_clr, true, x->dest, err) < 0)
		return oerr_ret(err);
	for (size_t i = 0; i < x->mf.n_propagation; i++)
		if (fs_propagation_fd(x->mnt, x->mf.propagation[i], x->dest, err) < 0)
			return oerr_ret(err);
	return 0;
}

static int apply(struct mount_ctx *x, ocirun_error_t *err)
{
	bool bind;

	if (fs_parse_mount_options(x->m->options, &x->mf, err) < 0)
		return oerr_ret(err);
	bind = is_bind(x->m, &x->mf);
	/* a read-only /dev is filled first and made read-only by fs_prepare_rootfs */
	if (!bind && !strcmp(x->dest, "/dev"))
		x->mf.flags &= ~(unsigned long)MS_RDONLY;
	if (!bind && !x->m->type)
		return oerr_msg(err, EINVAL, "no type and no bind option");
	if (bind && !x->m->source)
		return oerr_msg(err, EINVAL, "a bind mount needs a source");
	if (open_dest(x, bind, err) < 0)
		return oerr_ret(err);
	if (bind) {
		if (do_bind(x, err) < 0)
			return oerr_ret(err);
	} else if (!strcmp(x->m->type, "cgroup")) {
		if (fs_mount_cgroup(x->c, x->rootfd, x->dest, x->dstfd, &x->mf, err) < 0)
			return oerr_ret(err);
	} else {
		/* tmpcopyup: keep a handle on the image's directory before the tmpfs
		 * hides it, then copy it in */
		_cleanup_close_ int under = -1;
		if (x->mf.tmpcopyup) {
			if (strcmp(x->m->type, "tmpfs") != 0)
				return oerr_msg(err, EINVAL, "tmpcopyup needs a tmpfs, not %s", x->m->type);
			under = openat(x->dstfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (under < 0)
				return oerr(err, errno, "open \"%s\" for tmpcopyup", x->dest);
		}
		if (do_fs_mount(x, err) < 0)
			return oerr_ret(err);
		if (under >= 0) {
			if (finish_mount(x, err) < 0)
				return oerr_ret(err);
			return fs_copy_tree(under, x->mnt, x->dest, err);
		}
	}
	return finish_mount(x, err);
}

/* The destination inside the container. One given as a host path below the root (as runc's
 * tests write them) is taken relative to it, as runc does; any other is already the container's
 * path. Either way it is resolved inside the root (fs_open_in_root). */
static char *container_dest(const char *rootfs, const char *destination)
{
	char *dest = fs_path_clean(destination ? destination : "");
	size_t n = strlen(rootfs);

	if (n > 1 && fs_path_under(dest, rootfs)) {
		char *inner = fs_path_clean(dest[n] ? dest + n : "/");
		free(dest);
		return inner;
	}
	return dest;
}

int fs_apply_mount(const struct fs_config *c, int rootfd, size_t i, ocirun_error_t *err)
{
	const struct oci_mount *m = &c->spec->mounts[i];
	_cleanup_free_ char *dest = container_dest(c->rootfs, m->destination);
	struct mount_ctx x = {.c = c,
			      .m = m,
			      .i = i,
			      .rootfd = rootfd,
			      .dest = dest,
			      .dstfd = -1,
			      .mnt = -1,
			      .srcfd = -1,
			      .inherit_mode = -1};
	int r = apply(&x, err);

	if (x.dstfd >= 0)
		close(x.dstfd);
	if (x.mnt >= 0)
		close(x.mnt);
	if (x.srcfd >= 0)
		close(x.srcfd);
	free(x.real);
	fs_mount_flags_done(&x.mf);
	if (r < 0)
		return oerr_prefix(err, "mounts[%zu] (%s on %s)", i, m->type ? m->type : "bind", dest);
	return 0;
}
