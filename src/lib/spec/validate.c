/* spec/validate: semantic checks on parsed specs (required values, absolute paths, known
 * names, ranges), kept apart from the walker's type checks. Runs in: runtime (before clone).
 * Must not call: exit, anything outside base/, anything that looks at the host. */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "base/cleanup.h"
#include "spec/spec-internal.h"
#include "spec/spec.h"

__attribute__((format(printf, 3, 4))) static int verr(ocirun_error_t *err, const char *what, const char *fmt,
						      ...)
{
	char msg[OCIRUN_ERR_MSG];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!what || !*what)
		return oerr_msg(err, EINVAL, "%s", msg);
	return oerr_msg(err, EINVAL, "%s: %s", what, msg);
}

static bool is_empty(const char *s)
{
	return !s || !*s;
}
static bool is_absolute(const char *s)
{
	return s && s[0] == '/';
}

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

const struct spec_ns_type spec_ns_types[] = {
    {"user", "user", CLONE_NEWUSER},  {"ipc", "ipc", CLONE_NEWIPC},  {"uts", "uts", CLONE_NEWUTS},
    {"network", "net", CLONE_NEWNET}, {"pid", "pid", CLONE_NEWPID},  {"cgroup", "cgroup", CLONE_NEWCGROUP},
    {"time", "time", CLONE_NEWTIME},  {"mount", "mnt", CLONE_NEWNS},
};
const size_t spec_n_ns_types = ARRAY_SIZE(spec_ns_types);

const struct spec_ns_type *spec_ns_type(const char *name)
{
	for (size_t i = 0; i < spec_n_ns_types; i++)
		if (!strcmp(spec_ns_types[i].name, name))
			return &spec_ns_types[i];
	return NULL;
}

/* Kernel limits checked here so that the error names the field, not the
 * syscall that would fail later in the container. */
#define PATH_LIMIT 4095 /* PATH_MAX - 1 */
#define NAME_LIMIT 64   /* HOST_NAME_MAX */

static int check_len(const char *s, size_t max, const char *what, ocirun_error_t *err, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int check_len(const char *s, size_t max, const char *what, ocirun_error_t *err, const char *fmt, ...)
{
	char field[256];
	va_list ap;
	size_t n;

	if (!s || (n = strnlen(s, max + 1)) <= max)
		return 0;
	va_start(ap, fmt);
	vsnprintf(field, sizeof(field), fmt, ap);
	va_end(ap);
	return verr(err, what, "%s: longer than %zu bytes", field, max);
}

/* name: the field as the error names it ("linux.uidMappings", "mounts[2].gidMappings") */
static int check_maps(const struct oci_id_mapping *m, size_t n, const char *name, const char *what,
		      ocirun_error_t *err)
{
	for (size_t i = 0; i < n; i++) {
		if (m[i].size == 0)
			return verr(err, what, "%s[%zu].size: must be at least 1", name, i);
		if ((uint64_t)m[i].container_id + m[i].size > UINT32_MAX ||
		    (uint64_t)m[i].host_id + m[i].size > UINT32_MAX)
			return verr(err, what, "%s[%zu].size: %u ids from %u/%u run past the largest id",
				    name, i, m[i].size, m[i].container_id, m[i].host_id);
	}
	return 0;
}

static int check_mount_maps(const struct oci_mount *m, size_t i, const char *what, ocirun_error_t *err)
{
	char name[64];

	snprintf(name, sizeof(name), "mounts[%zu].uidMappings", i);
	if (check_maps(m->uid_mappings, m->n_uid_mappings, name, what, err) < 0)
		return oerr_ret(err);
	snprintf(name, sizeof(name), "mounts[%zu].gidMappings", i);
	return check_maps(m->gid_mappings, m->n_gid_mappings, name, what, err);
}

/* An id above 2^31-1 is -1 to setresuid/setresgid for 4294967295 (which then change nothing and
 * leave the process root) and not a valid kernel id for the others: refused, as runc does. */
static int check_ids(const struct oci_user *u, const char *what, const char *prefix, ocirun_error_t *err)
{
	if (u->uid > INT32_MAX)
		return verr(err, what, "%suser.uid: %" PRIu32 " is out of range (0..2147483647)", prefix,
			    u->uid);
	if (u->gid > INT32_MAX)
		return verr(err, what, "%suser.gid: %" PRIu32 " is out of range (0..2147483647)", prefix,
			    u->gid);
	for (size_t i = 0; i < u->n_additional_gids; i++)
		if (u->additional_gids[i] > INT32_MAX)
			return verr(err, what,
				    "%suser.additionalGids[%zu]: %" PRIu32 " is out of range (0..2147483647)",
				    prefix, i, u->additional_gids[i]);
	return 0;
}

int spec_validate_process(const struct oci_process *p, const char *what, const char *prefix,
			  ocirun_error_t *err)
{
	if (check_len(p->cwd, PATH_LIMIT, what, err, "%scwd", prefix) < 0 ||
	    (p->args && check_len(p->args[0], PATH_LIMIT, what, err, "%sargs[0]", prefix) < 0))
		return oerr_ret(err);
	if (p->has_oom_score_adj && (p->oom_score_adj < -1000 || p->oom_score_adj > 1000))
		return verr(err, what, "%soomScoreAdj: %d is outside -1000..1000", prefix, p->oom_score_adj);
	if (!p->args || !p->args[0])
		return verr(err, what, "%sargs: must not be empty", prefix);
	if (check_ids(&p->user, what, prefix, err) < 0)
		return oerr_ret(err);
	if (is_empty(p->cwd))
		return verr(err, what, "%scwd: missing required field", prefix);
	if (!is_absolute(p->cwd))
		return verr(err, what, "%scwd: must be an absolute path, not \"%s\"", prefix, p->cwd);
	for (size_t i = 0; i < p->n_rlimits; i++) {
		const struct oci_rlimit *rl = &p->rlimits[i];

		if (is_empty(rl->type))
			return verr(err, what, "%srlimits[%zu].type: must not be empty", prefix, i);
		/* setrlimit() would fail with a bare EINVAL inside the container */
		if (rl->soft > rl->hard)
			return verr(err, what,
				    "%srlimits[%zu]: soft limit %" PRIu64 " exceeds hard limit %" PRIu64,
				    prefix, i, rl->soft, rl->hard);
	}
	return 0;
}

int spec_validate_resources(const struct oci_resources *r, const char *what, const char *prefix,
			    ocirun_error_t *err)
{
	for (size_t i = 0; i < r->n_devices; i++) {
		const struct oci_device_cgroup *d = &r->devices[i];

		if (d->type && strcmp(d->type, "a") && strcmp(d->type, "b") && strcmp(d->type, "c"))
			return verr(err, what,
				    "%sdevices[%zu].type: unknown device type \"%s\" (want a, b or c)",
				    prefix, i, d->type);
		/* an "a" among them means nothing and is ignored, as runc's v1 driver does
		 * (runc's own tests write "rwa") */
		if (d->access && d->access[strspn(d->access, "rwma")])
			return verr(err, what,
				    "%sdevices[%zu].access: invalid access \"%s\" (want letters of rwm)",
				    prefix, i, d->access);
	}
	return 0;
}

static int validate_hooks(const struct oci_hooks *h, const char *what, ocirun_error_t *err)
{
	static const struct {
		const char *name;
		size_t list, count;
	} kinds[] = {
#define KIND(json, m) {json, offsetof(struct oci_hooks, m), offsetof(struct oci_hooks, n_##m)}
	    KIND("prestart", prestart),
	    KIND("createRuntime", create_runtime),
	    KIND("createContainer", create_container),
	    KIND("startContainer", start_container),
	    KIND("poststart", poststart),
	    KIND("poststop", poststop),
#undef KIND
	};

	for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
		const struct oci_hook *list = *(struct oci_hook *const *)((const char *)h + kinds[k].list);
		size_t n = *(const size_t *)((const char *)h + kinds[k].count);

		for (size_t i = 0; i < n; i++) {
			if (check_len(list[i].path, PATH_LIMIT, what, err, "hooks.%s[%zu].path",
				      kinds[k].name, i) < 0)
				return oerr_ret(err);
			if (!is_absolute(list[i].path))
				return verr(err, what,
					    "hooks.%s[%zu].path: must be an absolute path, not \"%s\"",
					    kinds[k].name, i, list[i].path ? list[i].path : "");
			if (list[i].has_timeout && list[i].timeout <= 0)
				return verr(err, what, "hooks.%s[%zu].timeout: must be greater than zero",
					    kinds[k].name, i);
		}
	}
	return 0;
}

static int validate_namespaces(const struct oci_linux *l, const char *what, ocirun_error_t *err)
{
	unsigned seen = 0;

	for (size_t i = 0; i < l->n_namespaces; i++) {
		const struct oci_namespace *ns = &l->namespaces[i];
		const struct spec_ns_type *t = ns->type ? spec_ns_type(ns->type) : NULL;
		/* the table index doubles as a bit in the duplicate check */
		ssize_t idx = t ? t - spec_ns_types : -1;

		if (idx < 0)
			return verr(err, what, "linux.namespaces[%zu].type: unknown namespace \"%s\"", i,
				    ns->type ? ns->type : "");
		if (seen & (1u << idx))
			return verr(err, what, "linux.namespaces[%zu].type: duplicate namespace \"%s\"", i,
				    ns->type);
		seen |= 1u << idx;
		if (!is_empty(ns->path) && !is_absolute(ns->path))
			return verr(err, what,
				    "linux.namespaces[%zu].path: must be an absolute path, not \"%s\"", i,
				    ns->path);
	}
	return 0;
}

static int validate_linux(const struct oci_linux *l, const char *what, ocirun_error_t *err)
{
	int r;

	r = validate_namespaces(l, what, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < l->n_devices; i++) {
		const struct oci_device *d = &l->devices[i];

		if (!d->type || strlen(d->type) != 1 || !strchr("bcup", d->type[0]))
			return verr(err, what,
				    "linux.devices[%zu].type: unknown device type \"%s\" (want c, b, u or p)",
				    i, d->type ? d->type : "");
		if (!is_absolute(d->path))
			return verr(err, what,
				    "linux.devices[%zu].path: must be an absolute path, not \"%s\"", i,
				    d->path ? d->path : "");
	}
	for (size_t i = 0; i < l->n_time_offsets; i++) {
		const struct oci_time_offset *t = &l->time_offsets[i];

		if (strcmp(t->clock, "monotonic") && strcmp(t->clock, "boottime"))
			return verr(err, what,
				    "linux.timeOffsets.%s: unknown clock (want monotonic or boottime)",
				    t->clock);
		if (t->nanosecs >= 1000000000u)
			return verr(err, what, "linux.timeOffsets.%s.nanosecs: must be less than 1000000000",
				    t->clock);
	}
	if (l->seccomp && is_empty(l->seccomp->default_action))
		return verr(err, what, "linux.seccomp.defaultAction: must not be empty");
	if (l->resources)
		return spec_validate_resources(l->resources, what, "linux.resources.", err);
	return 0;
}

int spec_validate(const struct oci_spec *s, const char *what, ocirun_error_t *err)
{
	int r;

	if (!s->oci_version)
		return verr(err, what, "ociVersion: missing required field");
	if (strncmp(s->oci_version, "1.", 2) != 0)
		return verr(err, what, "ociVersion: unsupported version \"%s\" (want 1.x)", s->oci_version);
	if (!s->root)
		return verr(err, what, "root: missing required field");
	if (is_empty(s->root->path))
		return verr(err, what, "root.path: must not be empty");
	if (check_len(s->root->path, PATH_LIMIT, what, err, "root.path") < 0 ||
	    check_len(s->hostname, NAME_LIMIT, what, err, "hostname") < 0 ||
	    check_len(s->domainname, NAME_LIMIT, what, err, "domainname") < 0)
		return oerr_ret(err);
	for (size_t i = 0; i < s->n_mounts; i++)
		if (check_len(s->mounts[i].destination, PATH_LIMIT, what, err, "mounts[%zu].destination", i) <
			0 ||
		    check_len(s->mounts[i].source, PATH_LIMIT, what, err, "mounts[%zu].source", i) < 0 ||
		    check_len(s->mounts[i].type, 255, what, err, "mounts[%zu].type", i) < 0)
			return oerr_ret(err);
	/* runc requires it too, although the spec makes it optional for create */
	if (!s->process)
		return verr(err, what, "process: missing required field");
	r = spec_validate_process(s->process, what, "process.", err);
	if (r < 0)
		return r;
	/* relative destinations are accepted (runc resolves them against /); fs/ decides */
	for (size_t i = 0; i < s->n_mounts; i++) {
		if (is_empty(s->mounts[i].destination))
			return verr(err, what, "mounts[%zu].destination: must not be empty", i);
		if (check_mount_maps(&s->mounts[i], i, what, err) < 0)
			return oerr_ret(err);
	}
	if (s->hooks) {
		r = validate_hooks(s->hooks, what, err);
		if (r < 0)
			return r;
	}
	if (s->linux_) {
		const struct oci_linux *l = s->linux_;
		if (check_len(l->cgroups_path, PATH_LIMIT, what, err, "linux.cgroupsPath") < 0 ||
		    check_maps(l->uid_mappings, l->n_uid_mappings, "linux.uidMappings", what, err) < 0 ||
		    check_maps(l->gid_mappings, l->n_gid_mappings, "linux.gidMappings", what, err) < 0)
			return oerr_ret(err);
		return validate_linux(l, what, err);
	}
	return 0;
}
