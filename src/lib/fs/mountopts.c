/* The mount option vocabulary: a sorted table (bsearch) and the split of a mount's options into
 * mount(2) flags, propagation changes, recursive mount_setattr(2) attributes and filesystem data. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "base/util.h"
#include "fs/fs-internal.h"

#define ATIME_ATTR MOUNT_ATTR__ATIME

/* Sorted by name (strcmp order): mount_opt_lookup uses bsearch. The recursive atime forms are
 * encoded as { clear, attr }: a set value of the MOUNT_ATTR__ATIME field, or clear = back to
 * relatime (the kernel default). */
static const struct mount_opt opts[] = {
    {.name = "async", .clear = true, .flag = MS_SYNCHRONOUS},
    {.name = "atime", .clear = true, .flag = MS_NOATIME},
    {.name = "bind", .flag = MS_BIND},
    {.name = "defaults"},
    {.name = "dev", .clear = true, .flag = MS_NODEV},
    {.name = "diratime", .clear = true, .flag = MS_NODIRATIME},
    {.name = "dirsync", .flag = MS_DIRSYNC},
    {.name = "exec", .clear = true, .flag = MS_NOEXEC},
    {.name = "idmap", .idmap = true},
    {.name = "iversion", .flag = MS_I_VERSION},
    {.name = "lazytime", .flag = MS_LAZYTIME},
    {.name = "loud", .clear = true, .flag = MS_SILENT},
    {.name = "mand", .flag = MS_MANDLOCK},
    {.name = "noatime", .flag = MS_NOATIME},
    {.name = "nodev", .flag = MS_NODEV},
    {.name = "nodiratime", .flag = MS_NODIRATIME},
    {.name = "noexec", .flag = MS_NOEXEC},
    {.name = "noiversion", .clear = true, .flag = MS_I_VERSION},
    {.name = "nolazytime", .clear = true, .flag = MS_LAZYTIME},
    {.name = "nomand", .clear = true, .flag = MS_MANDLOCK},
    {.name = "norelatime", .clear = true, .flag = MS_RELATIME},
    {.name = "nostrictatime", .clear = true, .flag = MS_STRICTATIME},
    {.name = "nosuid", .flag = MS_NOSUID},
    {.name = "nosymfollow", .flag = MS_NOSYMFOLLOW},
    {.name = "private", .flag = MS_PRIVATE, .propagation = true},
    {.name = "ratime", .clear = true, .attr = MOUNT_ATTR_NOATIME, .recursive = true},
    {.name = "rbind", .flag = MS_BIND | MS_REC},
    {.name = "rdev", .clear = true, .attr = MOUNT_ATTR_NODEV, .recursive = true},
    {.name = "rdiratime", .clear = true, .attr = MOUNT_ATTR_NODIRATIME, .recursive = true},
    {.name = "relatime", .flag = MS_RELATIME},
    {.name = "remount", .flag = MS_REMOUNT},
    {.name = "rexec", .clear = true, .attr = MOUNT_ATTR_NOEXEC, .recursive = true},
    {.name = "ridmap", .idmap = true, .recursive = true},
    {.name = "rnoatime", .attr = MOUNT_ATTR_NOATIME, .recursive = true},
    {.name = "rnodev", .attr = MOUNT_ATTR_NODEV, .recursive = true},
    {.name = "rnodiratime", .attr = MOUNT_ATTR_NODIRATIME, .recursive = true},
    {.name = "rnoexec", .attr = MOUNT_ATTR_NOEXEC, .recursive = true},
    {.name = "rnorelatime", .attr = MOUNT_ATTR_STRICTATIME, .recursive = true},
    {.name = "rnostrictatime", .clear = true, .attr = MOUNT_ATTR_STRICTATIME, .recursive = true},
    {.name = "rnosuid", .attr = MOUNT_ATTR_NOSUID, .recursive = true},
    {.name = "rnosymfollow", .attr = MOUNT_ATTR_NOSYMFOLLOW, .recursive = true},
    {.name = "ro", .flag = MS_RDONLY},
    {.name = "rprivate", .flag = MS_PRIVATE | MS_REC, .propagation = true},
    {.name = "rrelatime", .clear = true, .attr = ATIME_ATTR, .recursive = true},
    {.name = "rro", .attr = MOUNT_ATTR_RDONLY, .recursive = true},
    {.name = "rrw", .clear = true, .attr = MOUNT_ATTR_RDONLY, .recursive = true},
    {.name = "rshared", .flag = MS_SHARED | MS_REC, .propagation = true},
    {.name = "rslave", .flag = MS_SLAVE | MS_REC, .propagation = true},
    {.name = "rstrictatime", .attr = MOUNT_ATTR_STRICTATIME, .recursive = true},
    {.name = "rsuid", .clear = true, .attr = MOUNT_ATTR_NOSUID, .recursive = true},
    {.name = "runbindable", .flag = MS_UNBINDABLE | MS_REC, .propagation = true},
    {.name = "rw", .clear = true, .flag = MS_RDONLY},
    {.name = "shared", .flag = MS_SHARED, .propagation = true},
    {.name = "silent", .flag = MS_SILENT},
    {.name = "slave", .flag = MS_SLAVE, .propagation = true},
    {.name = "strictatime", .flag = MS_STRICTATIME},
    {.name = "suid", .clear = true, .flag = MS_NOSUID},
    {.name = "sync", .flag = MS_SYNCHRONOUS},
    {.name = "tmpcopyup"},
    {.name = "unbindable", .flag = MS_UNBINDABLE, .propagation = true},
};

static const char *const names[] = {
    "async",
    "atime",
    "bind",
    "defaults",
    "dev",
    "diratime",
    "dirsync",
    "exec",
    "idmap",
    "iversion",
    "lazytime",
    "loud",
    "mand",
    "noatime",
    "nodev",
    "nodiratime",
    "noexec",
    "noiversion",
    "nolazytime",
    "nomand",
    "norelatime",
    "nostrictatime",
    "nosuid",
    "nosymfollow",
    "private",
    "ratime",
    "rbind",
    "rdev",
    "rdiratime",
    "relatime",
    "remount",
    "rexec",
    "ridmap",
    "rnoatime",
    "rnodev",
    "rnodiratime",
    "rnoexec",
    "rnorelatime",
    "rnostrictatime",
    "rnosuid",
    "rnosymfollow",
    "ro",
    "rprivate",
    "rrelatime",
    "rro",
    "rrw",
    "rshared",
    "rslave",
    "rstrictatime",
    "rsuid",
    "runbindable",
    "rw",
    "shared",
    "silent",
    "slave",
    "strictatime",
    "suid",
    "sync",
    "tmpcopyup",
    "unbindable",
    NULL,
};

_Static_assert(ARRAY_SIZE(names) == ARRAY_SIZE(opts) + 1, "names[] and opts[] must list the same options");

static int cmp_opt(const void *key, const void *elem)
{
	return strcmp(key, ((const struct mount_opt *)elem)->name);
}

const struct mount_opt *mount_opt_lookup(const char *name)
{
	if (!name)
		return NULL;
	return bsearch(name, opts, ARRAY_SIZE(opts), sizeof(opts[0]), cmp_opt);
}

const char *const *mount_opt_names(void)
{
	return names;
}

unsigned long fs_propagation_flag(const char *name)
{
	const struct mount_opt *o = mount_opt_lookup(name);

	return o && o->propagation ? o->flag : 0;
}

static void add_data(struct fs_mount_flags *f, const char *opt)
{
	if (!f->data) {
		f->data = xstrdup(opt);
		return;
	}
	char *joined = xasprintf("%s,%s", f->data, opt);
	free(f->data);
	f->data = joined;
}

static void add_recursive(struct fs_mount_flags *f, const struct mount_opt *o)
{
	if (o->attr & ATIME_ATTR) {
		/* mount_setattr takes one atime mode: clear the field, then set it (or leave it
		 * at 0, which is relatime). */
		f->attr_clr |= ATIME_ATTR;
		f->attr_set &= ~(uint64_t)ATIME_ATTR;
		if (!o->clear)
			f->attr_set |= o->attr;
		return;
	}
	if (o->clear) {
		f->attr_clr |= o->attr;
		f->attr_set &= ~o->attr;
	} else {
		f->attr_set |= o->attr;
		f->attr_clr &= ~o->attr;
	}
}

int fs_parse_mount_options(char *const *options, struct fs_mount_flags *ret, ocirun_error_t *err)
{
	struct fs_mount_flags f = {0};

	for (size_t i = 0; options && options[i]; i++) {
		const struct mount_opt *o = mount_opt_lookup(options[i]);

		if (!o) {
			if (options[i][0])
				add_data(&f, options[i]);
			continue;
		}
		if (o->idmap) {
			/* "ridmap" wins over "idmap" whatever the order, as in runc */
			f.idmap = true;
			f.idmap_recursive |= o->recursive;
		} else if (!strcmp(o->name, "tmpcopyup")) {
			f.tmpcopyup = true;
		} else if (o->propagation) {
			if (f.n_propagation == FS_MAX_PROPAGATION) {
				free(f.data);
				return oerr_msg(err, EINVAL, "too many propagation options (at most %d)",
						FS_MAX_PROPAGATION);
			}
			f.propagation[f.n_propagation++] = o->flag;
		} else if (o->recursive) {
			add_recursive(&f, o);
		} else if (o->clear) {
			f.flags &= ~o->flag;
			f.clear |= o->flag;
		} else {
			f.flags |= o->flag;
			f.clear &= ~o->flag;
		}
	}
	*ret = f;
	return 0;
}

void fs_mount_flags_done(struct fs_mount_flags *f)
{
	free(f->data);
	f->data = NULL;
}
