/* Overlay roots, asked for with annotations (docs/overlay.md):
 *   org.ocirun.rootfs.overlay "true"  root.path is the one read-only lower layer;
 *   org.ocirun.rootfs.layers  "A:B"   lower layers, top first; root.path is the merged root's mount point;
 *   org.ocirun.rootfs.upper   "DIR"   the writable layer, kept; its work dir is the sibling DIR.work.
 * Without an upper the writable layer lives on a tmpfs mounted inside the container's mount namespace,
 * so it goes away with the container. The runtime checks everything before clone (fs_overlay_validate);
 * the init assembles the overlay on root.path before the root's bind (fs_overlay_mount), so none of it
 * ever reaches the host's mount table. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "fs/fs-internal.h"

#define ANN_OVERLAY "org.ocirun.rootfs.overlay"
#define ANN_LAYERS  "org.ocirun.rootfs.layers"
#define ANN_UPPER   "org.ocirun.rootfs.upper"
/* Each layer travels as "/proc/self/fd/N" in one page of mount data; the kernel's own limit is 500. */
#define MAX_LAYERS  128
#define WORK_SUFFIX ".work"

struct ovl_plan {
	bool on;
	const char *ann; /* the annotation the lower layers come from */
	char **lowers;   /* host paths (relative ones joined to the bundle), top first */
	size_t n_lowers;
	char *upper;        /* NULL: a private upper on a tmpfs */
	bool root_is_lower; /* org.ocirun.rootfs.overlay: root.path is the lower layer */
};

static void plan_add_lower(struct ovl_plan *p, char *path)
{
	p->lowers = xrealloc(p->lowers, (p->n_lowers + 2) * sizeof(*p->lowers));
	p->lowers[p->n_lowers++] = path;
	p->lowers[p->n_lowers] = NULL;
}

static void plan_done(struct ovl_plan *p)
{
	strv_free(p->lowers);
	free(p->upper);
	*p = (struct ovl_plan){0};
}

/* The annotations alone, without looking at the filesystem. */
static int plan_parse(const struct oci_spec *s, const char *bundle, struct ovl_plan *ret, ocirun_error_t *err)
{
	const char *ov = spec_annotation(s, ANN_OVERLAY), *layers = spec_annotation(s, ANN_LAYERS);
	const char *upper = spec_annotation(s, ANN_UPPER);
	struct ovl_plan p = {0};
	bool overlay = false;

	if (ov && !strcmp(ov, "true"))
		overlay = true;
	else if (ov && strcmp(ov, "false"))
		return oerr_msg(err, EINVAL, ANN_OVERLAY ": \"%s\" is neither \"true\" nor \"false\"", ov);
	if (overlay && layers)
		return oerr_msg(err, EINVAL, ANN_OVERLAY ": cannot be combined with " ANN_LAYERS);
	if (upper && !overlay && !layers)
		return oerr_msg(err, EINVAL, ANN_UPPER ": needs " ANN_LAYERS " or " ANN_OVERLAY " \"true\"");
	if (upper && !upper[0])
		return oerr_msg(err, EINVAL, ANN_UPPER ": must not be empty");
	if (!overlay && !layers) {
		*ret = p;
		return 0;
	}
	if (!s->root || !s->root->path || !s->root->path[0])
		return oerr_msg(err, EINVAL, "root.path: must not be empty");
	p.on = true;
	if (overlay) {
		p.ann = ANN_OVERLAY;
		p.root_is_lower = true;
		plan_add_lower(&p, fs_bind_source(bundle, s->root->path));
	} else {
		p.ann = ANN_LAYERS;
		if (!layers[0])
			return oerr_msg(err, EINVAL, ANN_LAYERS ": must name at least one directory");
		for (const char *l = layers;; l++) {
			const char *e = strchrnul(l, ':');
			_cleanup_free_ char *one = xasprintf("%.*s", (int)(e - l), l);

			if (!one[0]) {
				size_t i = p.n_lowers + 1;

				plan_done(&p);
				return oerr_msg(err, EINVAL, ANN_LAYERS ": layer %zu is empty in \"%s\"", i,
						layers);
			}
			if (p.n_lowers == MAX_LAYERS) {
				plan_done(&p);
				return oerr_msg(err, E2BIG, ANN_LAYERS ": more than %d layers", MAX_LAYERS);
			}
			plan_add_lower(&p, fs_bind_source(bundle, one));
			if (!*(l = e))
				break;
		}
	}
	if (upper)
		p.upper = fs_bind_source(bundle, upper);
	*ret = p;
	return 0;
}

/* ---- runtime: validation, mount point and work dir ---- */

/* One path the overlay uses, resolved on the host, for the overlap checks. */
struct ovl_path {
	char *what; /* "layer 2", "upper", "work dir", "root.path" */
	const char *ann;
	char *real;
};

/* realpath of a directory that must exist, with an error naming the annotation. */
static int real_dir(const char *ann, const char *what, const char *path, char **ret, ocirun_error_t *err)
{
	char buf[PATH_MAX];
	struct stat st;

	if (!realpath(path, buf))
		return oerr(err, errno, "%s: %s \"%s\"", ann, what, path);
	if (stat(buf, &st) < 0)
		return oerr(err, errno, "%s: %s \"%s\"", ann, what, path);
	if (!S_ISDIR(st.st_mode))
		return oerr_msg(err, ENOTDIR, "%s: %s \"%s\" is not a directory", ann, what, path);
	*ret = xstrdup(buf);
	return 0;
}

/* realpath of a path whose last component may be missing (the parent must exist). */
static int real_maybe_missing(const char *ann, const char *what, const char *path, char **ret,
			      ocirun_error_t *err)
{
	_cleanup_free_ char *clean = fs_path_clean(path), *parent = NULL;
	char buf[PATH_MAX];
	struct stat st;
	char *slash;

	if (realpath(path, buf)) {
		if (stat(buf, &st) < 0)
			return oerr(err, errno, "%s: %s \"%s\"", ann, what, path);
		if (!S_ISDIR(st.st_mode))
			return oerr_msg(err, ENOTDIR, "%s: %s \"%s\" is not a directory", ann, what, path);
		*ret = xstrdup(buf);
		return 0;
	}
	if (errno != ENOENT || !strcmp(clean, "/"))
		return oerr(err, errno, "%s: %s \"%s\"", ann, what, path);
	slash = strrchr(clean, '/');
	parent = slash == clean ? xstrdup("/") : xasprintf("%.*s", (int)(slash - clean), clean);
	if (!realpath(parent, buf))
		return oerr(err, errno, "%s: the parent of %s \"%s\"", ann, what, path);
	*ret = xasprintf("%s%s%s", strcmp(buf, "/") ? buf : "", "/", slash + 1);
	return 0;
}

static const char *work_name(const char *upper_real, char *buf, size_t size)
{
	snprintf(buf, size, "%s" WORK_SUFFIX, upper_real);
	return buf;
}

/* The work dir must be on the upper's filesystem (overlayfs requires it): a sibling is, unless the
 * upper is itself a mount point. */
static int check_work(const char *upper_real, const char *work, ocirun_error_t *err)
{
	_cleanup_free_ char *parent = xstrdup(upper_real);
	struct stat up, st;

	if (stat(upper_real, &up) < 0)
		return oerr(err, errno, ANN_UPPER ": stat \"%s\"", upper_real);
	if (lstat(work, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return oerr_msg(err, ENOTDIR, ANN_UPPER ": the work dir \"%s\" is not a directory",
					work);
	} else {
		if (errno != ENOENT)
			return oerr(err, errno, ANN_UPPER ": stat the work dir \"%s\"", work);
		*strrchr(parent, '/') = '\0';
		if (stat(parent[0] ? parent : "/", &st) < 0)
			return oerr(err, errno, ANN_UPPER ": stat \"%s\"", parent);
	}
	if (st.st_dev != up.st_dev)
		return oerr_msg(err, EXDEV,
				ANN_UPPER
				": \"%s\" is a mount point: its work dir \"%s\" would be on another "
				"filesystem; use a directory below it",
				upper_real, work);
	return 0;
}

/* No path may contain another: overlayfs refuses overlapping layers, and a layer under the mount
 * point (or the mount point under a layer) would be covered by the overlay itself. */
static int check_overlaps(const struct ovl_path *v, size_t n, ocirun_error_t *err)
{
	for (size_t j = 1; j < n; j++)
		for (size_t i = 0; i < j; i++) {
			const char *how;

			if (!strcmp(v[j].real, v[i].real))
				how = "is the same directory as";
			else if (fs_path_under(v[j].real, v[i].real))
				how = "is inside";
			else if (fs_path_under(v[i].real, v[j].real))
				how = "contains";
			else
				continue;
			return oerr_msg(err, EINVAL, "%s: %s \"%s\" %s %s \"%s\"", v[j].ann, v[j].what,
					v[j].real, how, v[i].what, v[i].real);
		}
	return 0;
}

static bool new_mount_ns(const struct oci_spec *s)
{
	const struct oci_namespace *ns = spec_find_namespace(s, "mount");

	return ns && (!ns->path || !ns->path[0]);
}

/* The checks of fs_overlay_validate on a parsed plan; *ret_root gets the mount point's real path. */
static int plan_check(const struct oci_spec *s, const char *bundle, const struct ovl_plan *p, char **ret_root,
		      ocirun_error_t *err)
{
	struct ovl_path v[MAX_LAYERS + 3] = {0};
	size_t n = 0;
	char work[PATH_MAX + sizeof(WORK_SUFFIX)];
	int r = -EINVAL;

	if (!new_mount_ns(s))
		return oerr_msg(err, EINVAL,
				"%s: needs a new mount namespace (linux.namespaces \"mount\" without a path)",
				p->ann);
	if (!p->root_is_lower) {
		_cleanup_free_ char *root = fs_bind_source(bundle, s->root->path);
		v[n] = (struct ovl_path){.what = xstrdup("root.path"), .ann = ANN_LAYERS};
		if ((r = real_maybe_missing(ANN_LAYERS, "root.path", root, &v[n].real, err)) < 0)
			goto out;
		n++;
	}
	for (size_t i = 0; i < p->n_lowers; i++) {
		v[n] = (struct ovl_path){.what = p->root_is_lower ? xstrdup("root.path")
								  : xasprintf("layer %zu", i + 1),
					 .ann = p->ann};
		if ((r = real_dir(p->ann, v[n].what, p->lowers[i], &v[n].real, err)) < 0)
			goto out;
		n++;
	}
	if (p->upper) {
		v[n] = (struct ovl_path){.what = xstrdup("upper"), .ann = ANN_UPPER};
		if ((r = real_dir(ANN_UPPER, "upper", p->upper, &v[n].real, err)) < 0)
			goto out;
		work_name(v[n].real, work, sizeof(work));
		n++;
		if ((r = check_work(v[n - 1].real, work, err)) < 0)
			goto out;
		v[n++] =
		    (struct ovl_path){.what = xstrdup("work dir"), .ann = ANN_UPPER, .real = xstrdup(work)};
	}
	if ((r = check_overlaps(v, n, err)) < 0)
		goto out;
	if (ret_root)
		*ret_root = xstrdup(v[0].real);
	r = 0;
out:
	for (size_t i = 0; i < n + 1 && i < ARRAY_SIZE(v); i++) {
		free(v[i].what);
		free(v[i].real);
	}
	return r;
}

int fs_overlay_validate(const struct oci_spec *s, const char *bundle, ocirun_error_t *err)
{
	struct ovl_plan p;
	int r;

	if (plan_parse(s, bundle, &p, err) < 0)
		return oerr_ret(err);
	r = p.on ? plan_check(s, bundle, &p, NULL, err) : 0;
	plan_done(&p);
	return r;
}

/* The work dir is created by the runtime (host root), owned like the upper, so that an init in a
 * user namespace that maps the upper's owner can use it. */
static int make_work_dir(const char *upper, ocirun_error_t *err)
{
	char real[PATH_MAX], work[PATH_MAX + sizeof(WORK_SUFFIX)];
	struct stat st;

	if (!realpath(upper, real) || stat(real, &st) < 0)
		return oerr(err, errno, ANN_UPPER ": \"%s\"", upper);
	work_name(real, work, sizeof(work));
	if (mkdir(work, 0700) < 0) {
		if (errno == EEXIST)
			return 0;
		return oerr(err, errno, ANN_UPPER ": create the work dir \"%s\"", work);
	}
	if (fchownat(AT_FDCWD, work, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
		return oerr(err, errno, ANN_UPPER ": chown the work dir \"%s\"", work);
	return 0;
}

int fs_resolve_root(const struct oci_spec *s, const char *bundle, char **ret, ocirun_error_t *err)
{
	_cleanup_free_ char *root = NULL, *mp = NULL;
	char buf[PATH_MAX];
	struct ovl_plan p;
	int r = 0;

	if (!s->root || !s->root->path || !s->root->path[0])
		return oerr_msg(err, EINVAL, "root.path: must not be empty");
	root = fs_bind_source(bundle, s->root->path);
	if (plan_parse(s, bundle, &p, err) < 0)
		return oerr_ret(err);
	if (p.on) {
		/* Nothing is created unless every check passed. */
		r = plan_check(s, bundle, &p, p.root_is_lower ? NULL : &mp, err);
		/* The merged root's mount point: an empty directory, created once and never removed.
		 * Removing it at delete would lazily detach every mount on it in every namespace, the
		 * root of another container still running from the same bundle included. */
		if (r == 0 && mp && mkdir(mp, 0755) < 0 && errno != EEXIST)
			r = oerr(err, errno, ANN_LAYERS ": create the mount point root.path \"%s\"", mp);
		if (r == 0 && p.upper)
			r = make_work_dir(p.upper, err);
	}
	plan_done(&p);
	if (r < 0)
		return r;
	if (!realpath(root, buf))
		return oerr(err, errno, "root.path \"%s\"", s->root->path);
	*ret = xstrdup(buf);
	return 0;
}

/* ---- init: assemble the overlay ---- */

static int open_dir(const char *ann, const char *what, int dirfd, const char *path, int flags,
		    ocirun_error_t *err)
{
	int fd = openat(dirfd, path, O_PATH | O_DIRECTORY | O_CLOEXEC | flags);

	if (fd < 0)
		return oerr(err, errno, "%s: open %s \"%s\"", ann, what, path);
	return fd;
}

/* The private writable layer: a tmpfs on the mount point itself (the lower layers are already open,
 * so covering them does not matter) with upper/ and work/ in it. The upper's root takes the mode and
 * owner of the top lower's root, which is what the merged "/" shows. */
static int private_upper(const char *rootfs, int top, int *ret_upper, int *ret_work, ocirun_error_t *err)
{
	_cleanup_close_ int tfd = -1;
	struct stat st;

	if (fstat(top, &st) < 0)
		return oerr(err, errno, "stat the top layer");
	if (mount("tmpfs", rootfs, "tmpfs", 0, "mode=0700") < 0)
		return oerr(err, errno, "mount the tmpfs of the writable layer on \"%s\"", rootfs);
	tfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (tfd < 0)
		return oerr(err, errno, "open the writable layer's tmpfs on \"%s\"", rootfs);
	if (mkdirat(tfd, "upper", 0700) < 0 || mkdirat(tfd, "work", 0700) < 0)
		return oerr(err, errno, "create upper and work in the writable layer's tmpfs");
	if (fchmodat(tfd, "upper", st.st_mode & 07777, 0) < 0)
		return oerr(err, errno, "chmod the upper layer's root");
	/* An owner not mapped into a user namespace cannot be set; the mode still is. */
	if (fchownat(tfd, "upper", st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
		log_debug("chown the upper layer's root to %u:%u: %m", st.st_uid, st.st_gid);
	if ((*ret_upper = open_dir(ANN_UPPER, "upper", tfd, "upper", 0, err)) < 0)
		return oerr_ret(err);
	if ((*ret_work = open_dir(ANN_UPPER, "work dir", tfd, "work", 0, err)) < 0)
		return oerr_ret(err);
	return 0;
}

/* The kept writable layer: the upper as configured, its work dir beside it (created here only when
 * the runtime did not). */
static int kept_upper(const char *upper, int *ret_upper, int *ret_work, ocirun_error_t *err)
{
	_cleanup_free_ char *work = xasprintf("%s" WORK_SUFFIX, upper);

	if ((*ret_upper = open_dir(ANN_UPPER, "upper", AT_FDCWD, upper, 0, err)) < 0)
		return oerr_ret(err);
	if (mkdir(work, 0700) < 0 && errno != EEXIST)
		return oerr(err, errno, ANN_UPPER ": create the work dir \"%s\"", work);
	/* The work dir is ours, beside the upper: never follow a symlink put in its place. */
	if ((*ret_work = open_dir(ANN_UPPER, "work dir", AT_FDCWD, work, O_NOFOLLOW, err)) < 0)
		return oerr_ret(err);
	return 0;
}

/* "lowerdir=/proc/self/fd/5:/proc/self/fd/6,upperdir=...,workdir=..." Every layer goes by its fd:
 * no escaping of ':' or ',' in paths, and root.path can be both the lower layer and the mount point. */
static int overlay_data(const int *lower, size_t n, int upper, int work, bool userns, char *buf, size_t size,
			ocirun_error_t *err)
{
	size_t off = 0;
	int w;

	off += (size_t)snprintf(buf, size, "lowerdir=");
	for (size_t i = 0; i < n && off < size; i++)
		off += (size_t)snprintf(buf + off, size - off, "%s/proc/self/fd/%d", i ? ":" : "", lower[i]);
	if (off >= size)
		return oerr_msg(err, E2BIG, "overlay mount options: too long");
	/* In a user namespace trusted.* xattrs are out of reach: overlayfs keeps its metadata in user.*. */
	w = snprintf(buf + off, size - off, ",upperdir=/proc/self/fd/%d,workdir=/proc/self/fd/%d%s", upper,
		     work, userns ? ",userxattr" : "");
	if (w < 0 || (size_t)w >= size - off)
		return oerr_msg(err, E2BIG, "overlay mount options: too long");
	return 0;
}

int fs_overlay_mount(const struct fs_config *c, ocirun_error_t *err)
{
	struct ovl_plan p;
	int lower[MAX_LAYERS];
	_cleanup_close_ int upper = -1, work = -1;
	char data[4096];
	size_t n = 0;
	int r = 0;

	if (plan_parse(c->spec, c->bundle, &p, err) < 0)
		return oerr_ret(err);
	if (!p.on)
		return 0;
	for (; n < p.n_lowers; n++) {
		lower[n] =
		    open_dir(p.ann, p.root_is_lower ? "root.path" : "layer", AT_FDCWD, p.lowers[n], 0, err);
		if (lower[n] < 0) {
			r = oerr_ret(err);
			goto out;
		}
	}
	r = p.upper ? kept_upper(p.upper, &upper, &work, err)
		    : private_upper(c->rootfs, lower[0], &upper, &work, err);
	if (r < 0)
		goto out;
	if ((r = overlay_data(lower, n, upper, work, c->in_userns, data, sizeof(data), err)) < 0)
		goto out;
	if (mount("overlay", c->rootfs, "overlay", 0, data) < 0)
		r = oerr(err, errno, "%s: mount the overlay on \"%s\"%s", p.ann, c->rootfs,
			 c->in_userns ? " (overlayfs in a user namespace needs Linux 5.11)" : "");
out:
	while (n-- > 0)
		close(lower[n]);
	plan_done(&p);
	return r;
}
