/* fs/internal: shared by the fs/ files: options, in-root paths, mount calls, mountinfo (libmount), /dev.
 * Runs in: the container init (fs_mountinfo_* and fs_parse_mount_options also in the runtime).
 * Must not call: exit, anything outside base/ and spec/. */
#ifndef OCIRUN_FS_INTERNAL_H
#define OCIRUN_FS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "fs/fs.h"

/* ---- mountopts.c ---- */

#define FS_MAX_PROPAGATION 8

/* A mount's options, split into what each syscall needs. */
struct fs_mount_flags {
	unsigned long flags; /* MS_* to set (MS_BIND and MS_REC included; no propagation) */
	unsigned long clear; /* MS_* the options asked to clear ("rw", "suid", "dev"...) */
	unsigned long propagation[FS_MAX_PROPAGATION]; /* in the order given, MS_REC for r* forms */
	size_t n_propagation;
	uint64_t attr_set; /* recursive MOUNT_ATTR_* (rro, rnosuid...) */
	uint64_t attr_clr;
	char *data;           /* unknown options joined with commas; NULL when none */
	bool tmpcopyup;       /* tmpfs: fill it with what the image has at the destination */
	bool idmap;           /* "idmap" or "ridmap" */
	bool idmap_recursive; /* "ridmap": the mapping reaches every submount of an rbind */
};

/* Split options: flags, propagation, recursive attributes, idmap, the rest as filesystem data. */
int fs_parse_mount_options(char *const *options, struct fs_mount_flags *ret, ocirun_error_t *err);
void fs_mount_flags_done(struct fs_mount_flags *f);
/* Copy the tree below dir fd `from` into dir fd `to`: files, dirs, symlinks,
 * devices and fifos with their mode, owner and times (tmpcopyup). */
int fs_copy_tree(int from, int to, const char *what, ocirun_error_t *err);
/* MS_ flag of a propagation name ("rslave" -> MS_SLAVE|MS_REC); 0 when not one. */
unsigned long fs_propagation_flag(const char *name);

/* ---- paths.c ---- */

enum fs_create {
	FS_NO_CREATE,
	FS_CREATE_DIR,  /* missing components and the last one are directories */
	FS_CREATE_FILE, /* missing parents are directories, the last one an empty file */
};

/* openat2(2); returns the fd or -errno. */
int fs_openat2(int dirfd, const char *path, int flags, uint64_t resolve);
/* Open `path` (taken relative to the root even when absolute) inside the directory rootfd as
 * O_PATH, resolving every symlink and ".." as if rootfd were "/" (RESOLVE_IN_ROOT), so nothing
 * outside it can be reached (CVE-2021-30465). Missing components are created per `how`,
 * following dangling symlinks inside the root. Returns the fd. */
int fs_open_in_root(int rootfd, const char *path, enum fs_create how, ocirun_error_t *err);
/* "/proc/self/fd/N" into buf (at least 32 bytes). */
const char *fs_fd_proc_path(int fd, char *buf, size_t size);
/* Absolute, lexically clean form of path ("a/../b//c" -> "/b/c"). */
char *fs_path_clean(const char *path);
/* path equals prefix or lies below it (both clean). */
bool fs_path_under(const char *path, const char *prefix);
/* The container path of an fd inside the root ("/proc"), or an error when the fd is not
 * inside it. */
int fs_container_path(int fd, const char *rootfs, char **ret, ocirun_error_t *err);

/* The host path of a bind source: relative sources resolve against the bundle (or the cwd). */
char *fs_bind_source(const char *bundle, const char *source);

/* ---- mount.c ---- */

/* Per-mount flags a bind remount can change; the others belong to the superblock. */
#define FS_BIND_FLAGS                                                                                        \
	(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME |           \
	 MS_STRICTATIME | MS_NOSYMFOLLOW)
struct mount_attr;
/* The MOUNT_ATTR_* equivalent of MS_* flags to set and clear. */
void fs_ms_to_attr(unsigned long set, unsigned long clear, struct mount_attr *a);

/* Tests set it to exercise the mount(2)-only path used on kernels before 5.12 (no
 * open_tree/move_mount/mount_setattr). */
extern bool fs_legacy_mount_api;
/* open_tree, move_mount, fsopen and mount_setattr are usable (and not disabled by the above). */
bool fs_have_mount_api(void);

/* mount(2) of a filesystem onto the mount point open as dstfd (through /proc/self/fd/N). */
int fs_mount_on_fd(const char *source, int dstfd, const char *type, unsigned long flags, const char *data,
		   const char *what, ocirun_error_t *err);
/* Bind srcfd/srcpath (AT_EMPTY_PATH when srcpath is "") onto dstfd, recursively or not. With the
 * new mount API the MS_* flags in `set` are set and those in `clear` cleared on the new top mount
 * before it is attached (every other flag of the source kept, the locked ones included) and the
 * attached mount's fd goes to *ret_mnt. Without it *ret_mnt is -1: the caller reopens the
 * destination and applies the flags with fs_remount_fd. */
int fs_bind_on_fd(int srcfd, const char *srcpath, int dstfd, bool recursive, unsigned long set,
		  unsigned long clear, int *ret_mnt, const char *what, ocirun_error_t *err);
/* The same for a bind mount of the config: its flags as runc 1.2+ applies them (mount.c,
 * bind_flags_fd): the plain ones exactly as named, atime only when set, locked ones kept in a
 * user namespace unless explicitly cleared. */
int fs_bind_exact_on_fd(int srcfd, const char *srcpath, int dstfd, bool recursive, unsigned long set,
			unsigned long clear, int *ret_mnt, const char *what, ocirun_error_t *err);
int fs_bind_flags_fd(int fd, unsigned long set, unsigned long clear, const char *what, ocirun_error_t *err);
/* Change the MS_* flags of the mount whose root is open as fd, keeping the others. */
int fs_remount_fd(int fd, unsigned long set, unsigned long clear, bool recursive, const char *what,
		  ocirun_error_t *err);
/* mount_setattr(2) of MOUNT_ATTR_* (AT_RECURSIVE when recursive). */
int fs_setattr_fd(int fd, uint64_t set, uint64_t clr, bool recursive, const char *what, ocirun_error_t *err);
/* Change propagation (MS_SHARED... | MS_REC) of the mount whose root is open as fd. */
int fs_propagation_fd(int fd, unsigned long flag, const char *what, ocirun_error_t *err);
/* Reopen `dest` in the root after something was mounted on it and check that it still resolves
 * to `real` (its container path before the mount), so the flags land on the new mount. */
int fs_reopen_mount(int rootfd, const char *rootfs, const char *dest, const char *real, ocirun_error_t *err);

/* ---- apply.c ---- */

/* Whether a mount of TYPE (a bind when BIND) may go on DEST inside /proc (CVE-2019-19921). */
bool fs_proc_dest_allowed(const char *dest, const char *type, bool bind);
/* Is the fd / path a procfs (a bind source that may go onto /proc)? */
bool fs_is_procfs_fd(int fd);
bool fs_is_procfs_path(const char *path);
/* Apply spec->mounts[i] inside the root. */
int fs_apply_mount(const struct fs_config *c, int rootfd, size_t i, ocirun_error_t *err);

/* ---- cgroupfs.c ---- */

/* The "cgroup" mount type: cgroup2 on a v2 host, a tmpfs with one read-only hierarchy per
 * controller on a v1/hybrid host. dstfd is the created destination. */
int fs_mount_cgroup(const struct fs_config *c, int rootfd, const char *dest, int dstfd,
		    const struct fs_mount_flags *mf, ocirun_error_t *err);

/* ---- overlay.c ---- */

/* Init, inside the new mount namespace, before the root's bind: when an overlay root is configured,
 * mount it on c->rootfs (over a tmpfs holding the private upper when no upper is given). */
int fs_overlay_mount(const struct fs_config *c, ocirun_error_t *err);

/* ---- dev.c ---- */

/* Default devices, linux.devices, /dev symlinks and /dev/ptmx in the root. */
int fs_setup_dev(const struct fs_config *c, int rootfd, ocirun_error_t *err);

/* ---- mountinfo.c (libmount) ---- */

struct fs_mountinfo {
	char *target; /* mount point */
	char *root;   /* root of the mount within its filesystem */
	char *fstype;
	char *source;
	char *vfs_opts;      /* per-mount options: "rw,nosuid,relatime" */
	char *fs_opts;       /* superblock options: "rw,memory" */
	unsigned long flags; /* MS_* parsed from vfs_opts */
	bool shared;         /* "shared:N" among the optional fields */
};

/* Every mount of the calling process (in mountinfo order); fstype filters when non-NULL. */
int fs_mountinfo_list(const char *fstype, struct fs_mountinfo **ret, size_t *ret_n, ocirun_error_t *err);
void fs_mountinfo_free(struct fs_mountinfo *m, size_t n);
/* The mount that contains path (absolute and symlink-free): the deepest mount point above it. */
int fs_mountinfo_find(const char *path, struct fs_mountinfo **ret, ocirun_error_t *err);
/* Whether a superblock option list ("rw,cpu,cpuacct") contains name. */
bool fs_mountinfo_has_opt(const char *optstr, const char *name);

#endif
