/* spec: the field tables of config.json and the one walker that parses and
 * frees the structs of spec.h from them; semantic checks live in validate.c.
 * Runs in: runtime (before clone). Must not call: exit, anything outside base/. */
#include "spec/spec.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/util.h"
#include "spec/spec-internal.h"

/* ---- field tables ---- */

/* A compile error unless member m of struct S has type `type`, so a table row
 * cannot point the walker at a member of another type. */
#define TYPE_CHECK(S, m, type)                                                                               \
	(0 * sizeof(char[__builtin_types_compatible_p(__typeof__(((struct S *)0)->m), type) ? 1 : -1]))
#define FIELD(k, ft, S, m, ctype, has, cnt, sub, req)                                                        \
	{                                                                                                    \
		k, ft, (int)(offsetof(struct S, m) + TYPE_CHECK(S, m, ctype)), has, cnt, sub, req            \
	}
#define HAS(S, m) ((int)(offsetof(struct S, has_##m) + TYPE_CHECK(S, has_##m, bool)))
#define CNT(S, m) ((int)(offsetof(struct S, n_##m) + TYPE_CHECK(S, n_##m, size_t)))

#define CT_STR  char *
#define CT_BOOL bool
#define CT_I32  int32_t
#define CT_U32  uint32_t
#define CT_U16  uint16_t
#define CT_I64  int64_t
#define CT_U64  uint64_t
#define CT_STRV char **
#define CT_MAP  struct oci_map

/* VAL: zero/NULL when absent; REQ: absent is an error; OPT: sets has_<member>. */
#define VAL(k, tag, S, m)  FIELD(k, SPEC_##tag, S, m, CT_##tag, SPEC_NONE, SPEC_NONE, NULL, false)
#define REQ(k, tag, S, m)  FIELD(k, SPEC_##tag, S, m, CT_##tag, SPEC_NONE, SPEC_NONE, NULL, true)
#define OPT(k, tag, S, m)  FIELD(k, SPEC_##tag, S, m, CT_##tag, HAS(S, m), SPEC_NONE, NULL, false)
#define U32S(k, S, m)      FIELD(k, SPEC_U32_ARRAY, S, m, uint32_t *, SPEC_NONE, CNT(S, m), NULL, false)
#define OBJ(k, S, m, T)    FIELD(k, SPEC_OBJ, S, m, struct T, SPEC_NONE, SPEC_NONE, &desc_##T, false)
#define PTR(k, S, m, T)    FIELD(k, SPEC_PTR, S, m, struct T *, SPEC_NONE, SPEC_NONE, &desc_##T, false)
#define ARR(k, S, m, T)    FIELD(k, SPEC_ARRAY, S, m, struct T *, SPEC_NONE, CNT(S, m), &desc_##T, false)
#define OBJMAP(k, S, m, T) FIELD(k, SPEC_OBJ_MAP, S, m, struct T *, SPEC_NONE, CNT(S, m), &desc_##T, false)

#define DESC(S, ...)                                                                                         \
	static const struct spec_field fields_##S[] = {__VA_ARGS__};                                         \
	static const struct spec_desc desc_##S = {#S, sizeof(struct S), fields_##S, ARRAY_SIZE(fields_##S)}

/* Elements of an object-of-objects keep their JSON key in their first member. */
_Static_assert(offsetof(struct oci_rdma, device) == 0, "map key first");
_Static_assert(offsetof(struct oci_time_offset, clock) == 0, "map key first");
_Static_assert(offsetof(struct oci_net_device, host_name) == 0, "map key first");

/* clang-format off */
DESC(oci_box,
	REQ("height", U32, oci_box, height),
	REQ("width", U32, oci_box, width));

DESC(oci_user,
	VAL("uid", U32, oci_user, uid),
	VAL("gid", U32, oci_user, gid),
	OPT("umask", U32, oci_user, umask),
	U32S("additionalGids", oci_user, additional_gids),
	VAL("username", STR, oci_user, username));

DESC(oci_capabilities,
	VAL("bounding", STRV, oci_capabilities, bounding),
	VAL("effective", STRV, oci_capabilities, effective),
	VAL("inheritable", STRV, oci_capabilities, inheritable),
	VAL("permitted", STRV, oci_capabilities, permitted),
	VAL("ambient", STRV, oci_capabilities, ambient));

DESC(oci_rlimit,
	REQ("type", STR, oci_rlimit, type),
	REQ("hard", U64, oci_rlimit, hard),
	REQ("soft", U64, oci_rlimit, soft));

DESC(oci_scheduler,
	REQ("policy", STR, oci_scheduler, policy),
	OPT("nice", I32, oci_scheduler, nice),
	OPT("priority", I32, oci_scheduler, priority),
	VAL("flags", STRV, oci_scheduler, flags),
	VAL("runtime", U64, oci_scheduler, runtime),
	VAL("deadline", U64, oci_scheduler, deadline),
	VAL("period", U64, oci_scheduler, period));

DESC(oci_io_priority,
	REQ("class", STR, oci_io_priority, class),
	VAL("priority", I32, oci_io_priority, priority));

DESC(oci_cpu_affinity,
	VAL("initial", STR, oci_cpu_affinity, initial),
	VAL("final", STR, oci_cpu_affinity, final));

DESC(oci_process,
	VAL("terminal", BOOL, oci_process, terminal),
	PTR("consoleSize", oci_process, console_size, oci_box),
	OBJ("user", oci_process, user, oci_user),
	VAL("args", STRV, oci_process, args),
	VAL("commandLine", STR, oci_process, command_line),
	VAL("env", STRV, oci_process, env),
	REQ("cwd", STR, oci_process, cwd),
	PTR("capabilities", oci_process, capabilities, oci_capabilities),
	ARR("rlimits", oci_process, rlimits, oci_rlimit),
	VAL("noNewPrivileges", BOOL, oci_process, no_new_privileges),
	VAL("apparmorProfile", STR, oci_process, apparmor_profile),
	OPT("oomScoreAdj", I32, oci_process, oom_score_adj),
	VAL("selinuxLabel", STR, oci_process, selinux_label),
	PTR("scheduler", oci_process, scheduler, oci_scheduler),
	PTR("ioPriority", oci_process, io_priority, oci_io_priority),
	PTR("execCPUAffinity", oci_process, exec_cpu_affinity, oci_cpu_affinity));

DESC(oci_root,
	REQ("path", STR, oci_root, path),
	VAL("readonly", BOOL, oci_root, readonly));

DESC(oci_id_mapping,
	REQ("containerID", U32, oci_id_mapping, container_id),
	REQ("hostID", U32, oci_id_mapping, host_id),
	REQ("size", U32, oci_id_mapping, size));

DESC(oci_mount,
	REQ("destination", STR, oci_mount, destination),
	VAL("source", STR, oci_mount, source),
	VAL("type", STR, oci_mount, type),
	VAL("options", STRV, oci_mount, options),
	ARR("uidMappings", oci_mount, uid_mappings, oci_id_mapping),
	ARR("gidMappings", oci_mount, gid_mappings, oci_id_mapping));

DESC(oci_hook,
	REQ("path", STR, oci_hook, path),
	VAL("args", STRV, oci_hook, args),
	VAL("env", STRV, oci_hook, env),
	OPT("timeout", I64, oci_hook, timeout));

DESC(oci_hooks,
	ARR("prestart", oci_hooks, prestart, oci_hook),
	ARR("createRuntime", oci_hooks, create_runtime, oci_hook),
	ARR("createContainer", oci_hooks, create_container, oci_hook),
	ARR("startContainer", oci_hooks, start_container, oci_hook),
	ARR("poststart", oci_hooks, poststart, oci_hook),
	ARR("poststop", oci_hooks, poststop, oci_hook));

DESC(oci_namespace,
	REQ("type", STR, oci_namespace, type),
	VAL("path", STR, oci_namespace, path));

DESC(oci_time_offset,
	VAL("secs", I64, oci_time_offset, secs),
	VAL("nanosecs", U32, oci_time_offset, nanosecs));

DESC(oci_device,
	REQ("type", STR, oci_device, type),
	REQ("path", STR, oci_device, path),
	VAL("major", I64, oci_device, major),
	VAL("minor", I64, oci_device, minor),
	OPT("fileMode", U32, oci_device, file_mode),
	OPT("uid", U32, oci_device, uid),
	OPT("gid", U32, oci_device, gid));

DESC(oci_device_cgroup,
	REQ("allow", BOOL, oci_device_cgroup, allow),
	VAL("type", STR, oci_device_cgroup, type),
	OPT("major", I64, oci_device_cgroup, major),
	OPT("minor", I64, oci_device_cgroup, minor),
	VAL("access", STR, oci_device_cgroup, access));

DESC(oci_memory,
	OPT("limit", I64, oci_memory, limit),
	OPT("reservation", I64, oci_memory, reservation),
	OPT("swap", I64, oci_memory, swap),
	OPT("kernel", I64, oci_memory, kernel),
	OPT("kernelTCP", I64, oci_memory, kernel_tcp),
	OPT("swappiness", U64, oci_memory, swappiness),
	OPT("disableOOMKiller", BOOL, oci_memory, disable_oom_killer),
	OPT("useHierarchy", BOOL, oci_memory, use_hierarchy),
	OPT("checkBeforeUpdate", BOOL, oci_memory, check_before_update));

DESC(oci_cpu,
	OPT("shares", U64, oci_cpu, shares),
	OPT("quota", I64, oci_cpu, quota),
	OPT("burst", U64, oci_cpu, burst),
	OPT("period", U64, oci_cpu, period),
	OPT("realtimeRuntime", I64, oci_cpu, realtime_runtime),
	OPT("realtimePeriod", U64, oci_cpu, realtime_period),
	VAL("cpus", STR, oci_cpu, cpus),
	VAL("mems", STR, oci_cpu, mems),
	OPT("idle", I64, oci_cpu, idle));

DESC(oci_pids,
	OPT("limit", I64, oci_pids, limit));

DESC(oci_weight_device,
	REQ("major", I64, oci_weight_device, major),
	REQ("minor", I64, oci_weight_device, minor),
	OPT("weight", U16, oci_weight_device, weight),
	OPT("leafWeight", U16, oci_weight_device, leaf_weight));

DESC(oci_throttle_device,
	REQ("major", I64, oci_throttle_device, major),
	REQ("minor", I64, oci_throttle_device, minor),
	VAL("rate", U64, oci_throttle_device, rate));

DESC(oci_blkio,
	OPT("weight", U16, oci_blkio, weight),
	OPT("leafWeight", U16, oci_blkio, leaf_weight),
	ARR("weightDevice", oci_blkio, weight_device, oci_weight_device),
	ARR("throttleReadBpsDevice", oci_blkio, throttle_read_bps_device, oci_throttle_device),
	ARR("throttleWriteBpsDevice", oci_blkio, throttle_write_bps_device, oci_throttle_device),
	ARR("throttleReadIOPSDevice", oci_blkio, throttle_read_iops_device, oci_throttle_device),
	ARR("throttleWriteIOPSDevice", oci_blkio, throttle_write_iops_device, oci_throttle_device));

DESC(oci_hugepage_limit,
	REQ("pageSize", STR, oci_hugepage_limit, page_size),
	REQ("limit", U64, oci_hugepage_limit, limit));

DESC(oci_net_priority,
	REQ("name", STR, oci_net_priority, name),
	REQ("priority", U32, oci_net_priority, priority));

DESC(oci_network,
	OPT("classID", U32, oci_network, class_id),
	ARR("priorities", oci_network, priorities, oci_net_priority));

DESC(oci_rdma,
	OPT("hcaHandles", U32, oci_rdma, hca_handles),
	OPT("hcaObjects", U32, oci_rdma, hca_objects));

DESC(oci_resources,
	ARR("devices", oci_resources, devices, oci_device_cgroup),
	PTR("memory", oci_resources, memory, oci_memory),
	PTR("cpu", oci_resources, cpu, oci_cpu),
	PTR("pids", oci_resources, pids, oci_pids),
	PTR("blockIO", oci_resources, block_io, oci_blkio),
	ARR("hugepageLimits", oci_resources, hugepage_limits, oci_hugepage_limit),
	PTR("network", oci_resources, network, oci_network),
	OBJMAP("rdma", oci_resources, rdma, oci_rdma),
	VAL("unified", MAP, oci_resources, unified));

DESC(oci_seccomp_arg,
	REQ("index", U32, oci_seccomp_arg, index),
	REQ("value", U64, oci_seccomp_arg, value),
	VAL("valueTwo", U64, oci_seccomp_arg, value_two),
	REQ("op", STR, oci_seccomp_arg, op));

DESC(oci_seccomp_syscall,
	REQ("names", STRV, oci_seccomp_syscall, names),
	REQ("action", STR, oci_seccomp_syscall, action),
	OPT("errnoRet", U32, oci_seccomp_syscall, errno_ret),
	ARR("args", oci_seccomp_syscall, args, oci_seccomp_arg));

DESC(oci_seccomp,
	REQ("defaultAction", STR, oci_seccomp, default_action),
	OPT("defaultErrnoRet", U32, oci_seccomp, default_errno_ret),
	VAL("architectures", STRV, oci_seccomp, architectures),
	VAL("flags", STRV, oci_seccomp, flags),
	VAL("listenerPath", STR, oci_seccomp, listener_path),
	VAL("listenerMetadata", STR, oci_seccomp, listener_metadata),
	ARR("syscalls", oci_seccomp, syscalls, oci_seccomp_syscall));

DESC(oci_intel_rdt,
	VAL("closID", STR, oci_intel_rdt, clos_id),
	VAL("l3CacheSchema", STR, oci_intel_rdt, l3_cache_schema),
	VAL("memBwSchema", STR, oci_intel_rdt, mem_bw_schema),
	VAL("enableCMT", BOOL, oci_intel_rdt, enable_cmt),
	VAL("enableMBM", BOOL, oci_intel_rdt, enable_mbm));

DESC(oci_personality,
	VAL("domain", STR, oci_personality, domain),
	VAL("flags", STRV, oci_personality, flags));

DESC(oci_memory_policy,
	VAL("mode", STR, oci_memory_policy, mode),
	VAL("nodes", STR, oci_memory_policy, nodes),
	VAL("flags", STRV, oci_memory_policy, flags));

DESC(oci_net_device,
	VAL("name", STR, oci_net_device, name));

DESC(oci_linux,
	ARR("namespaces", oci_linux, namespaces, oci_namespace),
	ARR("uidMappings", oci_linux, uid_mappings, oci_id_mapping),
	ARR("gidMappings", oci_linux, gid_mappings, oci_id_mapping),
	OBJMAP("timeOffsets", oci_linux, time_offsets, oci_time_offset),
	ARR("devices", oci_linux, devices, oci_device),
	VAL("cgroupsPath", STR, oci_linux, cgroups_path),
	PTR("resources", oci_linux, resources, oci_resources),
	VAL("rootfsPropagation", STR, oci_linux, rootfs_propagation),
	PTR("seccomp", oci_linux, seccomp, oci_seccomp),
	VAL("sysctl", MAP, oci_linux, sysctl),
	VAL("maskedPaths", STRV, oci_linux, masked_paths),
	VAL("readonlyPaths", STRV, oci_linux, readonly_paths),
	VAL("mountLabel", STR, oci_linux, mount_label),
	PTR("intelRdt", oci_linux, intel_rdt, oci_intel_rdt),
	PTR("personality", oci_linux, personality, oci_personality),
	PTR("memoryPolicy", oci_linux, memory_policy, oci_memory_policy),
	OBJMAP("netDevices", oci_linux, net_devices, oci_net_device));

DESC(oci_spec,
	REQ("ociVersion", STR, oci_spec, oci_version),
	PTR("process", oci_spec, process, oci_process),
	PTR("root", oci_spec, root, oci_root),
	VAL("hostname", STR, oci_spec, hostname),
	VAL("domainname", STR, oci_spec, domainname),
	ARR("mounts", oci_spec, mounts, oci_mount),
	PTR("hooks", oci_spec, hooks, oci_hooks),
	VAL("annotations", MAP, oci_spec, annotations),
	PTR("linux", oci_spec, linux_, oci_linux));
/* clang-format on */

#define EXPORT_DESC(name, S)                                                                                 \
	const struct spec_desc name = {#S, sizeof(struct S), fields_##S, ARRAY_SIZE(fields_##S)}
EXPORT_DESC(spec_desc_config, oci_spec);
EXPORT_DESC(spec_desc_process, oci_process);
EXPORT_DESC(spec_desc_resources, oci_resources);

/* ---- paths and errors ---- */

/* One step of the JSON path, on the walker's stack: a key, or an index when key is NULL. */
struct jpath {
	const struct jpath *up;
	const char *key;
	size_t index;
};

struct walk {
	const char *what;
	ocirun_error_t *err;
};

static size_t path_format(const struct jpath *p, char *buf, size_t size)
{
	size_t n;
	int r;

	if (!p)
		return 0;
	n = path_format(p->up, buf, size);
	if (n >= size)
		return n;
	if (p->key)
		r = snprintf(buf + n, size - n, "%s%s", n ? "." : "", p->key);
	else
		r = snprintf(buf + n, size - n, "[%zu]", p->index);
	return r < 0 ? n : n + (size_t)r;
}

__attribute__((format(printf, 3, 4))) static int path_error(const struct walk *w, const struct jpath *p,
							    const char *fmt, ...)
{
	char path[OCIRUN_ERR_MSG] = "", msg[OCIRUN_ERR_MSG];
	va_list ap;

	path_format(p, path, sizeof(path));
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return oerr_msg(w->err, EINVAL, "%s%s%s%s%s", w->what, *w->what ? ": " : "", path, *path ? ": " : "",
			msg);
}

static const char *const expected_names[] = {
    [SPEC_STR] = "a string",
    [SPEC_BOOL] = "a boolean",
    [SPEC_I32] = "a 32-bit integer",
    [SPEC_U32] = "an unsigned 32-bit integer",
    [SPEC_U16] = "an unsigned 16-bit integer",
    [SPEC_I64] = "a 64-bit integer",
    [SPEC_U64] = "an unsigned 64-bit integer",
    [SPEC_STRV] = "an array of strings",
    [SPEC_U32_ARRAY] = "an array of unsigned 32-bit integers",
    [SPEC_MAP] = "an object",
    [SPEC_OBJ] = "an object",
    [SPEC_PTR] = "an object",
    [SPEC_ARRAY] = "an array",
    [SPEC_OBJ_MAP] = "an object",
};

static int expected(const struct walk *w, const struct jpath *p, enum spec_ftype t)
{
	return path_error(w, p, "expected %s", expected_names[t]);
}

/* ---- the walker ---- */

static void *alloc_array(size_t n, size_t size)
{
	size_t total;

	if (__builtin_mul_overflow(n, size, &total))
		abort();
	return xzalloc(total);
}

static int walk_object(const struct walk *w, const struct jpath *p, const struct spec_desc *d,
		       const json_t *v, char *base);

/* see precheck() */
#define NUL_MARK         "\\u0001\\u0002\\u0003\\u0004"
#define NUL_MARK_DECODED "\x01\x02\x03\x04"

static int parse_scalar(const struct walk *w, const struct jpath *p, enum spec_ftype t, const json_t *v,
			void *dst)
{
	int64_t i;
	uint64_t u;

	switch (t) {
	case SPEC_STR:
		if (!json_str(v))
			break;
		if (strstr(json_str(v), NUL_MARK_DECODED))
			return path_error(w, p, "string contains a NUL byte");
		*(char **)dst = xstrdup(json_str(v));
		return 0;
	case SPEC_BOOL:
		if (json_type(v) != JSON_BOOL)
			break;
		*(bool *)dst = json_bool(v);
		return 0;
	case SPEC_I32:
		if (json_i64(v, &i) < 0 || i < INT32_MIN || i > INT32_MAX)
			break;
		*(int32_t *)dst = (int32_t)i;
		return 0;
	case SPEC_I64:
		if (json_i64(v, &i) < 0)
			break;
		*(int64_t *)dst = i;
		return 0;
	case SPEC_U16:
		if (json_u64(v, &u) < 0 || u > UINT16_MAX)
			break;
		*(uint16_t *)dst = (uint16_t)u;
		return 0;
	case SPEC_U32:
		if (json_u64(v, &u) < 0 || u > UINT32_MAX)
			break;
		*(uint32_t *)dst = (uint32_t)u;
		return 0;
	case SPEC_U64:
		if (json_u64(v, &u) < 0)
			break;
		*(uint64_t *)dst = u;
		return 0;
	default:
		abort(); /* containers never reach here */
	}
	return expected(w, p, t);
}

static int parse_strv(const struct walk *w, const struct jpath *p, const json_t *v, char ***dst)
{
	size_t n;
	char **strv;

	if (json_type(v) != JSON_ARRAY)
		return expected(w, p, SPEC_STRV);
	n = json_len(v);
	/* stored before it is filled: on error the caller frees what is there */
	strv = *dst = alloc_array(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		const struct jpath ip = {p, NULL, i};
		int r = parse_scalar(w, &ip, SPEC_STR, json_arr_get(v, i), &strv[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_u32_array(const struct walk *w, const struct jpath *p, const json_t *v, uint32_t **dst,
			   size_t *count)
{
	size_t n;

	if (json_type(v) != JSON_ARRAY)
		return expected(w, p, SPEC_U32_ARRAY);
	n = json_len(v);
	if (n == 0)
		return 0;
	*dst = alloc_array(n, sizeof(uint32_t));
	*count = n;
	for (size_t i = 0; i < n; i++) {
		const struct jpath ip = {p, NULL, i};
		int r = parse_scalar(w, &ip, SPEC_U32, json_arr_get(v, i), &(*dst)[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

struct member {
	const char *key;
	size_t index;
};

static int member_cmp(const void *a, const void *b)
{
	const struct member *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c)
		return c;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* The member indexes of a JSON object sorted by key, keeping only the last of
 * duplicate keys (as Go's encoding/json does, so runc and ocirun agree on
 * which value wins). Sorting makes this O(n log n) for huge maps. */
static size_t *unique_members(const json_t *obj, size_t *ret_n)
{
	size_t n = json_len(obj), k = 0;
	_cleanup_free_ struct member *m = NULL;
	size_t *order;

	*ret_n = 0;
	if (n == 0)
		return NULL;
	m = alloc_array(n, sizeof(*m));
	for (size_t i = 0; i < n; i++)
		m[i] = (struct member){json_obj_key(obj, i), i};
	qsort(m, n, sizeof(*m), member_cmp);
	order = alloc_array(n, sizeof(size_t));
	for (size_t i = 0; i < n; i++)
		if (i + 1 == n || strcmp(m[i].key, m[i + 1].key) != 0)
			order[k++] = m[i].index;
	*ret_n = k;
	return order;
}

static int parse_map(const struct walk *w, const struct jpath *p, const json_t *v, struct oci_map *m)
{
	_cleanup_free_ size_t *order = NULL;
	size_t n;

	if (json_type(v) != JSON_OBJECT)
		return expected(w, p, SPEC_MAP);
	order = unique_members(v, &n);
	if (n == 0)
		return 0;
	m->items = alloc_array(n, sizeof(struct oci_kv));
	m->n = n;
	for (size_t i = 0; i < n; i++) {
		const struct jpath kp = {p, json_obj_key(v, order[i]), 0};
		int r;

		if (strstr(kp.key, NUL_MARK_DECODED))
			return path_error(w, p, "key contains a NUL byte");
		m->items[i].key = xstrdup(kp.key);
		r = parse_scalar(w, &kp, SPEC_STR, json_obj_val(v, order[i]), &m->items[i].value);
		if (r < 0)
			return r;
	}
	return 0;
}

/* SPEC_ARRAY and SPEC_OBJ_MAP: both become an array of structs plus a count. */
static int parse_items(const struct walk *w, const struct jpath *p, const struct spec_field *f,
		       const json_t *v, char *base)
{
	bool is_map = f->type == SPEC_OBJ_MAP;
	_cleanup_free_ size_t *order = NULL;
	size_t n, size = f->sub->size;
	char *items;

	if (json_type(v) != (is_map ? JSON_OBJECT : JSON_ARRAY))
		return expected(w, p, f->type);
	if (is_map)
		order = unique_members(v, &n);
	else
		n = json_len(v);
	if (n == 0)
		return 0;
	items = alloc_array(n, size);
	*(char **)(base + f->offset) = items;
	*(size_t *)(base + f->count_offset) = n;
	for (size_t i = 0; i < n; i++) {
		struct jpath ip = {p, NULL, i};
		const json_t *iv;
		int r;

		if (is_map) {
			ip.key = json_obj_key(v, order[i]);
			iv = json_obj_val(v, order[i]);
			*(char **)(items + i * size) = xstrdup(ip.key);
		} else {
			iv = json_arr_get(v, i);
		}
		r = walk_object(w, &ip, f->sub, iv, items + i * size);
		if (r < 0)
			return r;
	}
	return 0;
}

static int walk_field(const struct walk *w, const struct jpath *p, const struct spec_field *f,
		      const json_t *v, char *base)
{
	char *dst = base + f->offset;
	int r;

	switch (f->type) {
	case SPEC_STRV:
		r = parse_strv(w, p, v, (char ***)dst);
		break;
	case SPEC_U32_ARRAY:
		r = parse_u32_array(w, p, v, (uint32_t **)dst, (size_t *)(base + f->count_offset));
		break;
	case SPEC_MAP:
		r = parse_map(w, p, v, (struct oci_map *)dst);
		break;
	case SPEC_OBJ:
		r = walk_object(w, p, f->sub, v, dst);
		break;
	case SPEC_PTR:
		if (json_type(v) != JSON_OBJECT)
			return expected(w, p, f->type);
		*(char **)dst = xzalloc(f->sub->size);
		r = walk_object(w, p, f->sub, v, *(char **)dst);
		break;
	case SPEC_ARRAY:
	case SPEC_OBJ_MAP:
		r = parse_items(w, p, f, v, base);
		break;
	default:
		r = parse_scalar(w, p, f->type, v, dst);
		break;
	}
	if (r == 0 && f->has_offset != SPEC_NONE)
		*(bool *)(base + f->has_offset) = true;
	return r;
}

/* Only the keys of the table are looked at, so unknown keys (and whatever
 * nesting they hold) are ignored; null counts as absent. */
static int walk_object(const struct walk *w, const struct jpath *p, const struct spec_desc *d,
		       const json_t *v, char *base)
{
	if (json_type(v) != JSON_OBJECT)
		return p ? expected(w, p, SPEC_OBJ) : path_error(w, NULL, "expected a JSON object");
	for (size_t i = 0; i < d->n_fields; i++) {
		const struct spec_field *f = &d->fields[i];
		const struct jpath fp = {p, f->key, 0};
		const json_t *fv = json_obj_get(v, f->key);
		int r;

		if (json_type(fv) == JSON_NULL) {
			if (f->required)
				return path_error(w, &fp, "missing required field");
			continue;
		}
		r = walk_field(w, &fp, f, fv, base);
		if (r < 0)
			return r;
	}
	return 0;
}

static void free_object(const struct spec_desc *d, char *base);

static void free_items(const struct spec_field *f, char *base)
{
	char *items = *(char **)(base + f->offset);
	size_t n = *(size_t *)(base + f->count_offset);

	for (size_t i = 0; items && i < n; i++) {
		char *item = items + i * f->sub->size;
		if (f->type == SPEC_OBJ_MAP)
			free(*(char **)item);
		free_object(f->sub, item);
	}
	free(items);
}

static void free_object(const struct spec_desc *d, char *base)
{
	for (size_t i = 0; i < d->n_fields; i++) {
		const struct spec_field *f = &d->fields[i];
		char *dst = base + f->offset;

		switch (f->type) {
		case SPEC_STR:
			free(*(char **)dst);
			break;
		case SPEC_STRV:
			strv_free(*(char ***)dst);
			break;
		case SPEC_U32_ARRAY:
			free(*(uint32_t **)dst);
			break;
		case SPEC_MAP: {
			struct oci_map *m = (struct oci_map *)dst;
			for (size_t j = 0; j < m->n; j++) {
				free(m->items[j].key);
				free(m->items[j].value);
			}
			free(m->items);
			break;
		}
		case SPEC_OBJ:
			free_object(f->sub, dst);
			break;
		case SPEC_PTR:
			if (*(char **)dst)
				free_object(f->sub, *(char **)dst);
			free(*(char **)dst);
			break;
		case SPEC_ARRAY:
		case SPEC_OBJ_MAP:
			free_items(f, base);
			break;
		case SPEC_BOOL:
		case SPEC_I32:
		case SPEC_U32:
		case SPEC_U16:
		case SPEC_I64:
		case SPEC_U64:
			break;
		}
	}
}

/* ---- documents ---- */

/* What yajl gives no handle on, dealt with on the raw text: nesting deep
 * enough to overflow the stack in yajl_tree_free(), and "\u0000" escapes,
 * which yajl decodes into a NUL that silently truncates the C string (a key
 * "process\u0000x" would read as "process"). Each such escape is rewritten
 * to NUL_MARK, which the walker reports with the path of the field. */

static int precheck(const char *text, size_t len, const char *what, char **ret_copy, ocirun_error_t *err)
{
	const char *sep = *what ? ": " : "";
	size_t depth = 0, nuls = 0;
	bool in_string = false;

	*ret_copy = NULL;
	if (len > SPEC_MAX_SIZE)
		return oerr_msg(err, EFBIG, "%s%sdocument too large (%zu bytes, the limit is %u MiB)", what,
				sep, len, SPEC_MAX_SIZE >> 20);
	if (len == 0)
		return oerr_msg(err, EINVAL, "%s%sinvalid JSON: empty document", what, sep);
	for (size_t i = 0; i < len; i++) {
		char c = text[i];

		if (in_string) {
			if (c == '"') {
				in_string = false;
			} else if (c == '\\') {
				if (len - i > 5 && memcmp(text + i + 1, "u0000", 5) == 0)
					nuls++;
				i++;
			}
		} else if (c == '"') {
			in_string = true;
		} else if (c == '[' || c == '{') {
			if (++depth > SPEC_MAX_DEPTH)
				return oerr_msg(err, EINVAL, "%s%sinvalid JSON: nested deeper than %d levels",
						what, sep, SPEC_MAX_DEPTH);
		} else if ((c == ']' || c == '}') && depth > 0) {
			depth--;
		}
	}
	if (nuls) {
		size_t o = 0, mark = strlen(NUL_MARK);
		/* every 6-byte escape may become the mark, in strings or not */
		char *copy = xmalloc(len / 6 * mark + len + 1);
		for (size_t i = 0; i < len; i++) {
			if (text[i] == '\\' && len - i > 5 && memcmp(text + i + 1, "u0000", 5) == 0) {
				memcpy(copy + o, NUL_MARK, mark);
				o += mark;
				i += 5;
			} else if (text[i] == '\\' && i + 1 < len) {
				copy[o++] = text[i++];
				copy[o++] = text[i];
			} else {
				copy[o++] = text[i];
			}
		}
		copy[o] = '\0';
		*ret_copy = copy;
	}
	return 0;
}

static void json_freep(json_t **v)
{
	if (*v)
		json_free(*v);
}

static int parse_doc(const char *text, size_t len, const char *what, const struct spec_desc *d, void **ret,
		     ocirun_error_t *err)
{
	const struct walk w = {what ? what : "", err};
	__attribute__((cleanup(json_freep))) json_t *root = NULL;
	char *obj;
	int r;

	_cleanup_free_ char *copy = NULL;

	r = precheck(text, len, w.what, &copy, err);
	if (r < 0)
		return r;
	r = copy ? json_parse(copy, strlen(copy), &root, err) : json_parse(text, len, &root, err);
	if (r < 0)
		return *w.what ? oerr_prefix(err, "%s", w.what) : r;
	obj = xzalloc(d->size);
	r = walk_object(&w, NULL, d, root, obj);
	if (r < 0) {
		free_object(d, obj);
		free(obj);
		return r;
	}
	*ret = obj;
	return 0;
}

/* A document walked by its table, then its semantic checks; nothing is
 * returned unless both pass. */
static int parse_checked(const char *text, size_t len, const char *what, const struct spec_desc *d,
			 int (*check)(const void *obj, const char *what, ocirun_error_t *err), void **ret,
			 ocirun_error_t *err)
{
	void *obj = NULL;
	int r;

	r = parse_doc(text, len, what, d, &obj, err);
	if (r < 0)
		return r;
	r = check(obj, what, err);
	if (r < 0) {
		free_object(d, obj);
		free(obj);
		return r;
	}
	*ret = obj;
	return 0;
}

static int check_spec(const void *o, const char *what, ocirun_error_t *err)
{
	return spec_validate(o, what, err);
}

static int check_process(const void *o, const char *what, ocirun_error_t *err)
{
	return spec_validate_process(o, what, "", err);
}

static int check_resources(const void *o, const char *what, ocirun_error_t *err)
{
	return spec_validate_resources(o, what, "", err);
}

int spec_parse(const char *text, size_t len, const char *what, struct oci_spec **ret, ocirun_error_t *err)
{
	void *obj = NULL;
	int r = parse_checked(text, len, what, &desc_oci_spec, check_spec, &obj, err);

	if (r == 0)
		*ret = obj;
	return r;
}

int spec_parse_process(const char *text, size_t len, const char *what, struct oci_process **ret,
		       ocirun_error_t *err)
{
	void *obj = NULL;
	int r = parse_checked(text, len, what, &desc_oci_process, check_process, &obj, err);

	if (r == 0)
		*ret = obj;
	return r;
}

int spec_parse_resources(const char *text, size_t len, const char *what, struct oci_resources **ret,
			 ocirun_error_t *err)
{
	void *obj = NULL;
	int r = parse_checked(text, len, what, &desc_oci_resources, check_resources, &obj, err);

	if (r == 0)
		*ret = obj;
	return r;
}

void spec_free(struct oci_spec *s)
{
	if (!s)
		return;
	free_object(&desc_oci_spec, (char *)s);
	free(s);
}

void spec_free_process(struct oci_process *p)
{
	if (!p)
		return;
	free_object(&desc_oci_process, (char *)p);
	free(p);
}

void spec_free_resources(struct oci_resources *r)
{
	if (!r)
		return;
	free_object(&desc_oci_resources, (char *)r);
	free(r);
}

const struct oci_namespace *spec_find_namespace(const struct oci_spec *s, const char *type)
{
	if (!s || !s->linux_ || !type)
		return NULL;
	for (size_t i = 0; i < s->linux_->n_namespaces; i++)
		if (s->linux_->namespaces[i].type && strcmp(s->linux_->namespaces[i].type, type) == 0)
			return &s->linux_->namespaces[i];
	return NULL;
}

const char *spec_annotation(const struct oci_spec *s, const char *key)
{
	if (!s || !key)
		return NULL;
	/* parsed maps hold each key once; the last match suits hand-built ones too */
	for (size_t i = s->annotations.n; i-- > 0;)
		if (s->annotations.items[i].key && strcmp(s->annotations.items[i].key, key) == 0)
			return s->annotations.items[i].value;
	return NULL;
}
