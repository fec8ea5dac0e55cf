#include "ns/ns.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "base/util.h"
#include "spec/spec.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* The names, /proc entries and flags are spec_ns_types (spec/), in join order. */

int ns_flag_from_name(const char *name)
{
	const struct spec_ns_type *t = spec_ns_type(name);

	return t ? t->flag : 0;
}

const char *ns_name_from_flag(int flag)
{
	for (size_t i = 0; i < spec_n_ns_types; i++)
		if (spec_ns_types[i].flag == flag)
			return spec_ns_types[i].name;
	return "?";
}

const char *ns_proc_name(int flag)
{
	for (size_t i = 0; i < spec_n_ns_types; i++)
		if (spec_ns_types[i].flag == flag)
			return spec_ns_types[i].proc;
	return "?";
}

static int join_rank(int flag)
{
	for (size_t i = 0; i < spec_n_ns_types; i++)
		if (spec_ns_types[i].flag == flag)
			return (int)i;
	return (int)spec_n_ns_types;
}

static int check_ns_path(const char *path, int flag, size_t idx, ocirun_error_t *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	int type;

	if (fd < 0)
		return oerr(err, errno, "linux.namespaces[%zu].path: open \"%s\"", idx, path);
	type = ioctl(fd, NS_GET_NSTYPE);
	if (type < 0)
		return oerr_msg(err, EINVAL, "linux.namespaces[%zu].path: \"%s\" is not a namespace", idx,
				path);
	if (type != flag)
		return oerr_msg(err, EINVAL, "linux.namespaces[%zu].path: \"%s\" is not a %s namespace", idx,
				path, ns_name_from_flag(flag));
	return 0;
}

int ns_plan_make(const struct oci_spec *s, struct ns_plan *p, ocirun_error_t *err)
{
	const struct oci_linux *l = s->linux_;
	bool has_mnt = false;

	memset(p, 0, sizeof(*p));
	for (size_t i = 0; l && i < l->n_namespaces; i++) {
		const struct oci_namespace *n = &l->namespaces[i];
		int flag = ns_flag_from_name(n->type ? n->type : "");

		if (!flag)
			return oerr_msg(err, EINVAL, "linux.namespaces[%zu].type: unknown namespace \"%s\"",
					i, n->type ? n->type : "");
		if (flag == CLONE_NEWNS)
			has_mnt = true;
		if (flag == CLONE_NEWUSER)
			p->in_user = true;
		if (n->path && *n->path) {
			if (check_ns_path(n->path, flag, i, err) < 0) {
				ns_plan_release(p);
				return oerr_ret(err);
			}
			p->join[p->n_join].type = flag;
			p->join[p->n_join].path = xstrdup(n->path);
			p->join[p->n_join++].fd = -1;
			continue;
		}
		if (flag == CLONE_NEWUSER)
			p->new_user = true;
		if (flag == CLONE_NEWCGROUP || flag == CLONE_NEWTIME)
			p->late_flags |= (unsigned long)flag;
		else
			p->clone_flags |= (unsigned long)flag;
	}
	p->has_mnt = has_mnt;
	ns_plan_sort_joins(p);
	return 0;
}

void ns_plan_sort_joins(struct ns_plan *p)
{
	/* insertion sort by join order: user first, mount last */
	for (size_t i = 1; i < p->n_join; i++)
		for (size_t j = i; j > 0 && join_rank(p->join[j].type) < join_rank(p->join[j - 1].type);
		     j--) {
			struct ns_join t = p->join[j];
			p->join[j] = p->join[j - 1];
			p->join[j - 1] = t;
		}
}

void ns_plan_release(struct ns_plan *p)
{
	for (size_t i = 0; i < p->n_join; i++) {
		free(p->join[i].path);
		if (p->join[i].fd >= 0)
			close(p->join[i].fd);
	}
	p->n_join = 0;
}

int ns_open_joins(struct ns_plan *p, ocirun_error_t *err)
{
	for (size_t i = 0; i < p->n_join; i++) {
		if (p->join[i].fd >= 0)
			continue;
		p->join[i].fd = open(p->join[i].path, O_RDONLY | O_CLOEXEC);
		if (p->join[i].fd < 0)
			return oerr(err, errno, "open %s namespace \"%s\"",
				    ns_name_from_flag(p->join[i].type), p->join[i].path);
	}
	return 0;
}

/* setns every namespace of `allow` not joined yet; a refusal (EPERM) is left for a later pass
 * when `tolerate_eperm`. */
static int join_pass(struct ns_plan *p, unsigned allow, bool tolerate_eperm, bool *joined,
		     ocirun_error_t *err)
{
	for (size_t i = 0; i < p->n_join; i++) {
		if (joined[i] || !((unsigned)p->join[i].type & allow))
			continue;
		if (setns(p->join[i].fd, p->join[i].type) < 0) {
			if (tolerate_eperm && errno == EPERM)
				continue;
			return oerr(err, errno, "join %s namespace \"%s\"",
				    ns_name_from_flag(p->join[i].type), p->join[i].path);
		}
		joined[i] = true;
	}
	return 0;
}

/* A namespace given by path may be owned by a user namespace other than the one joined (a
 * host-owned network namespace beside the user namespace of another container): it can only be
 * joined with the rights we have before entering the user namespace. Others (a rootless
 * runtime's) only with the rights the user namespace grants. So: every other namespace that the
 * current rights allow, then the user namespace, then the rest. */
int ns_join_all(struct ns_plan *p, ocirun_error_t *err)
{
	bool joined[NS_MAX] = {false};
	unsigned others = ~(unsigned)CLONE_NEWUSER;

	if (join_pass(p, others, true, joined, err) < 0 ||
	    join_pass(p, (unsigned)CLONE_NEWUSER, false, joined, err) < 0 ||
	    join_pass(p, others, false, joined, err) < 0)
		return oerr_ret(err);
	return 0;
}

static bool has_ns(const struct oci_spec *s, const char *type)
{
	return spec_find_namespace(s, type) != NULL;
}

/* The config joins, by path, the namespace of type `name` that the runtime itself is in (the
 * host's, for a runtime on the host): a sysctl written there would change the host. */
static bool joins_own_ns(const struct oci_spec *s, const char *name)
{
	const struct oci_namespace *ns = spec_find_namespace(s, name);
	char own[64];
	struct stat a, b;

	if (!ns || !ns->path || !*ns->path)
		return false;
	snprintf(own, sizeof(own), "/proc/self/ns/%s", ns_proc_name(ns_flag_from_name(name)));
	/* a path that cannot be read is refused later, when it is opened to be joined */
	return stat(ns->path, &a) == 0 && stat(own, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int ns_sysctl_validate(const struct oci_spec *s, ocirun_error_t *err)
{
	static const char *const ipc_keys[] = {"kernel.msgmax", "kernel.msgmnb",         "kernel.msgmni",
					       "kernel.sem",    "kernel.shmall",         "kernel.shmmax",
					       "kernel.shmmni", "kernel.shm_rmid_forced"};
	const struct oci_map *m;

	if (!s->linux_)
		return 0;
	m = &s->linux_->sysctl;
	for (size_t i = 0; i < m->n; i++) {
		const char *k = m->items[i].key;
		bool ok = false;
		const char *need = NULL;

		for (size_t j = 0; j < ARRAY_SIZE(ipc_keys); j++)
			if (!strcmp(k, ipc_keys[j]))
				need = "ipc";
		if (!strncmp(k, "fs.mqueue.", 10))
			need = "ipc";
		else if (!strncmp(k, "net.", 4))
			need = "network";
		else if (!strcmp(k, "kernel.hostname") || !strcmp(k, "kernel.domainname"))
			need = "uts";
		if (need)
			ok = has_ns(s, need);
		if (!*k || *k == '.' || *k == '/' || strstr(k, "..") || strstr(k, "//") || strstr(k, "./") ||
		    strstr(k, "/."))
			return oerr_msg(err, EINVAL, "linux.sysctl: invalid key \"%s\"", k);
		if (!need)
			return oerr_msg(
			    err, EPERM,
			    "linux.sysctl: \"%s\" is not namespaced and cannot be set in a container", k);
		if (!ok)
			return oerr_msg(err, EPERM,
					"linux.sysctl: \"%s\" needs the container's own %s namespace, which "
					"the config does not give it",
					k, need);
		if (joins_own_ns(s, need))
			return oerr_msg(err, EPERM,
					"linux.sysctl: \"%s\" would change the host: the %s namespace that "
					"linux.namespaces joins by path is the runtime's own",
					k, need);
		/* as runc: the hostname field says what the hostname is */
		if (!strcmp(k, "kernel.hostname"))
			return oerr_msg(err, EINVAL,
					"linux.sysctl: \"kernel.hostname\" conflicts with the \"hostname\" "
					"field (set that instead)");
	}
	return 0;
}
