/* fs: the container's filesystem view: mount propagation, the root bind,
 * config mounts, /dev, pivot_root, masked and read-only paths.
 * Runs in: the container init, inside its new mount namespace (and user
 * namespace when there is one), except fs_validate (runtime, before clone).
 * Must not call: exit, anything outside base/ and spec/. */
#ifndef OCIRUN_FS_H
#define OCIRUN_FS_H

#include <stdbool.h>

#include "base/error.h"
#include "spec/spec.h"

struct fs_config {
	const struct oci_spec *spec;
	const char *rootfs;      /* absolute, symlink-free host path of the root */
	bool no_pivot;           /* --no-pivot: MS_MOVE + chroot */
	bool in_userns;          /* a new user namespace: mknod is refused, bind device nodes */
	bool new_cgroupns;       /* cgroup namespace was unshared (cgroup mounts show it) */
	const char *cgroup_self; /* /proc/self/cgroup read before that unshare, or NULL */
	const char *bundle;      /* relative bind sources resolve against it; NULL: the cwd */
	/* The runtime opens mounts[i]'s source from the host side, in this mount namespace, and
	 * returns it as an fd: for idmapped mounts (the tree fs_idmap_open made) and for bind
	 * sources the init cannot reach itself (in a user namespace, a directory closed to
	 * others). NULL: nobody to ask (a rootless runtime can reach no more than the init). */
	int (*ask_source)(void *arg, size_t i, ocirun_error_t *err);
	void *ask_arg;
};

/* Runtime, before clone: every mount's type/options are known, bind sources
 * exist, destinations are absolute; device types and paths are valid.
 * `bundle` is the bundle dir (relative bind sources resolve against it). */
int fs_validate(const struct oci_spec *s, const char *bundle, ocirun_error_t *err);

/* Overlay roots (annotations org.ocirun.rootfs.overlay, .layers, .upper; docs/overlay.md).
 * Runtime, before clone: the annotations are well formed, a new mount namespace is asked for, each
 * layer and the upper are directories, and no layer, upper, work dir or mount point contains another.
 * Every error names the annotation and the path. fs_validate calls it. */
int fs_overlay_validate(const struct oci_spec *s, const char *bundle, ocirun_error_t *err);
/* Runtime, in place of realpath(root.path): the absolute, symlink-free root into *ret. With an overlay
 * root it first runs fs_overlay_validate, then creates what is missing and is never removed: the
 * empty mount point root.path (org.ocirun.rootfs.layers) and the upper's work dir "<upper>.work". */
int fs_resolve_root(const struct oci_spec *s, const char *bundle, char **ret, ocirun_error_t *err);
/* restore: every mount point of the config made in rootfs when missing (a file for a bind mount
 * of a file), resolved inside rootfs; those below a tmpfs mount are left to CRIU. */
int fs_make_mountpoints(const struct oci_spec *s, const char *rootfs, const char *bundle,
			ocirun_error_t *err);

/* Init, step 1: apply linux.rootfsPropagation to "/", bind the root on
 * itself, apply `mounts` in order (destinations resolved inside the root
 * without leaving it: CVE-2021-30465), create linux.devices and the default
 * devices, /dev/ptmx, /dev/fd, stdin/out/err links, /dev/shm as mounted. */
int fs_prepare_rootfs(const struct fs_config *c, ocirun_error_t *err);
/* Init, step 2: pivot_root into the root (or MS_MOVE + chroot with no_pivot),
 * detach the old root, chdir("/"); stdio on the null device is reopened on the container's
 * /dev/null (when the runtime made /dev), so that no fd stays on a host mount. */
int fs_enter_rootfs(const struct fs_config *c, ocirun_error_t *err);
/* Init, step 3 (after sysctl/hostname): readonlyPaths, maskedPaths,
 * root.readonly. */
int fs_finalize_rootfs(const struct fs_config *c, ocirun_error_t *err);

/* Idmapped bind mounts (fs/hostsrc.c). The kernel can make them (mount_setattr, Linux 5.12). */
bool fs_idmap_supported(void);
/* mounts[i] asks for an id mapping: uidMappings/gidMappings, or the idmap or ridmap option. */
bool fs_mount_idmapped(const struct oci_mount *m);
/* Runtime (a helper in the init's mount namespace, when the init asks): a detached clone of
 * mounts[i]'s source (recursive for rbind) with the mapping of the user namespace userns_fd applied
 * (to every submount for ridmap), the mount's flags set and the root's propagation. Returns the fd
 * (O_CLOEXEC), which goes to the init (fs_config.ask_source). */
int fs_idmap_open(const struct oci_spec *s, size_t i, const char *bundle, int userns_fd, ocirun_error_t *err);
/* Runtime (the same helper): mounts[i]'s bind source opened O_PATH with the runtime's credentials,
 * which reach what root of the container's user namespace cannot. */
int fs_source_open(const struct oci_spec *s, size_t i, const char *bundle, ocirun_error_t *err);

/* Mount option vocabulary (bsearch table), shared with `features`. */
struct mount_opt {
	const char *name;
	bool clear;              /* "rw" clears MS_RDONLY */
	unsigned long flag;      /* MS_* */
	unsigned long long attr; /* MOUNT_ATTR_* for recursive r* forms, 0 otherwise */
	bool recursive;          /* an "r" form applied with mount_setattr AT_RECURSIVE */
	bool propagation;        /* shared, private, slave, unbindable and r* forms */
	bool idmap; /* idmap, ridmap: an idmapped bind (fs_idmap_open), never passed to mount(2) */
};
const struct mount_opt *mount_opt_lookup(const char *name);
const char *const *mount_opt_names(void);

/* Open a file under /proc (path starts with "/proc/") refusing symlinks and
 * mount crossings, and check with fstatfs that it is procfs, so a container
 * cannot redirect the write with a bind mount or symlink over /proc
 * (CVE-2019-16884, CVE-2025-52881). Returns the fd (O_CLOEXEC added). */
int fs_open_proc_file(const char *path, int flags, ocirun_error_t *err);

/* Whether the host has SELinux (selinuxfs on /sys/fs/selinux); the first answer is kept. */
bool fs_selinux_enabled(void);

#endif
