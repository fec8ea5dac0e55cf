/* spec: config.json (and process.json, LinuxResources) as plain structs.
 * Parsing walks yajl's tree (through base/json) with declarative field tables;
 * unknown keys are ignored, wrong types are rejected with the JSON path.
 * Runs in: runtime (before clone). Must not call: exit, anything outside base/. */
#ifndef OCIRUN_SPEC_H
#define OCIRUN_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

/* Every `char **` below is a NULL-terminated string vector (NULL when absent).
 * Every array of structs is a pointer plus an `n_` count.
 * Optional scalars have a `has_` flag. */

struct oci_kv {
	char *key;
	char *value;
};

struct oci_map {
	struct oci_kv *items;
	size_t n;
};

struct oci_id_mapping {
	uint32_t container_id;
	uint32_t host_id;
	uint32_t size;
};

struct oci_user {
	uint32_t uid;
	uint32_t gid;
	bool has_umask;
	uint32_t umask;
	uint32_t *additional_gids;
	size_t n_additional_gids;
	char *username;
};

struct oci_rlimit {
	char *type; /* "RLIMIT_NOFILE" */
	uint64_t hard;
	uint64_t soft;
};

struct oci_capabilities {
	char **bounding;
	char **effective;
	char **inheritable;
	char **permitted;
	char **ambient;
};

struct oci_box {
	uint32_t height;
	uint32_t width;
};

struct oci_scheduler {
	char *policy;
	bool has_nice;
	int32_t nice;
	bool has_priority;
	int32_t priority;
	char **flags;
	uint64_t runtime;
	uint64_t deadline;
	uint64_t period;
};

struct oci_io_priority {
	char *class;
	int32_t priority;
};

struct oci_cpu_affinity {
	char *initial;
	char *final;
};

struct oci_process {
	bool terminal;
	struct oci_box *console_size; /* NULL when absent */
	struct oci_user user;
	char **args;
	char *command_line; /* windows only; parsed and ignored */
	char **env;
	char *cwd;
	struct oci_capabilities *capabilities; /* NULL when absent */
	struct oci_rlimit *rlimits;
	size_t n_rlimits;
	bool no_new_privileges;
	char *apparmor_profile;
	bool has_oom_score_adj;
	int32_t oom_score_adj;
	char *selinux_label;
	struct oci_scheduler *scheduler;
	struct oci_io_priority *io_priority;
	struct oci_cpu_affinity *exec_cpu_affinity;
};

struct oci_root {
	char *path;
	bool readonly;
};

struct oci_mount {
	char *destination;
	char *source;
	char *type;
	char **options;
	struct oci_id_mapping *uid_mappings;
	size_t n_uid_mappings;
	struct oci_id_mapping *gid_mappings;
	size_t n_gid_mappings;
};

struct oci_hook {
	char *path;
	char **args;
	char **env;
	bool has_timeout;
	int64_t timeout; /* seconds, > 0 */
};

struct oci_hooks {
	struct oci_hook *prestart;
	size_t n_prestart;
	struct oci_hook *create_runtime;
	size_t n_create_runtime;
	struct oci_hook *create_container;
	size_t n_create_container;
	struct oci_hook *start_container;
	size_t n_start_container;
	struct oci_hook *poststart;
	size_t n_poststart;
	struct oci_hook *poststop;
	size_t n_poststop;
};

struct oci_namespace {
	char *type; /* pid network mount ipc uts user cgroup time */
	char *path;
};

struct oci_device {
	char *type; /* c b u p */
	char *path;
	int64_t major;
	int64_t minor;
	bool has_file_mode;
	uint32_t file_mode;
	bool has_uid;
	uint32_t uid;
	bool has_gid;
	uint32_t gid;
};

/* ---- linux.resources ---- */

struct oci_device_cgroup {
	bool allow;
	char *type; /* a c b; NULL means a */
	bool has_major;
	int64_t major; /* -1 means wildcard too */
	bool has_minor;
	int64_t minor;
	char *access; /* rwm */
};

struct oci_memory {
	bool has_limit;
	int64_t limit;
	bool has_reservation;
	int64_t reservation;
	bool has_swap;
	int64_t swap;
	bool has_kernel;
	int64_t kernel;
	bool has_kernel_tcp;
	int64_t kernel_tcp;
	bool has_swappiness;
	uint64_t swappiness;
	bool has_disable_oom_killer;
	bool disable_oom_killer;
	bool has_use_hierarchy;
	bool use_hierarchy;
	bool has_check_before_update;
	bool check_before_update;
};

struct oci_cpu {
	bool has_shares;
	uint64_t shares;
	bool has_quota;
	int64_t quota;
	bool has_burst;
	uint64_t burst;
	bool has_period;
	uint64_t period;
	bool has_realtime_runtime;
	int64_t realtime_runtime;
	bool has_realtime_period;
	uint64_t realtime_period;
	char *cpus;
	char *mems;
	bool has_idle;
	int64_t idle;
};

struct oci_pids {
	bool has_limit;
	int64_t limit;
};

struct oci_weight_device {
	int64_t major;
	int64_t minor;
	bool has_weight;
	uint16_t weight;
	bool has_leaf_weight;
	uint16_t leaf_weight;
};

struct oci_throttle_device {
	int64_t major;
	int64_t minor;
	uint64_t rate;
};

struct oci_blkio {
	bool has_weight;
	uint16_t weight;
	bool has_leaf_weight;
	uint16_t leaf_weight;
	struct oci_weight_device *weight_device;
	size_t n_weight_device;
	struct oci_throttle_device *throttle_read_bps_device;
	size_t n_throttle_read_bps_device;
	struct oci_throttle_device *throttle_write_bps_device;
	size_t n_throttle_write_bps_device;
	struct oci_throttle_device *throttle_read_iops_device;
	size_t n_throttle_read_iops_device;
	struct oci_throttle_device *throttle_write_iops_device;
	size_t n_throttle_write_iops_device;
};

struct oci_hugepage_limit {
	char *page_size; /* "2MB" */
	uint64_t limit;
};

struct oci_net_priority {
	char *name;
	uint32_t priority;
};

struct oci_network {
	bool has_class_id;
	uint32_t class_id;
	struct oci_net_priority *priorities;
	size_t n_priorities;
};

struct oci_rdma {
	char *device; /* the map key */
	bool has_hca_handles;
	uint32_t hca_handles;
	bool has_hca_objects;
	uint32_t hca_objects;
};

struct oci_resources {
	struct oci_device_cgroup *devices;
	size_t n_devices;
	struct oci_memory *memory; /* NULL when absent */
	struct oci_cpu *cpu;
	struct oci_pids *pids;
	struct oci_blkio *block_io;
	struct oci_hugepage_limit *hugepage_limits;
	size_t n_hugepage_limits;
	struct oci_network *network;
	struct oci_rdma *rdma; /* from an object keyed by device name */
	size_t n_rdma;
	struct oci_map unified;
};

/* ---- seccomp ---- */

struct oci_seccomp_arg {
	uint32_t index;
	uint64_t value;
	uint64_t value_two;
	char *op; /* SCMP_CMP_EQ ... */
};

struct oci_seccomp_syscall {
	char **names;
	char *action;
	bool has_errno_ret;
	uint32_t errno_ret;
	struct oci_seccomp_arg *args;
	size_t n_args;
};

struct oci_seccomp {
	char *default_action;
	bool has_default_errno_ret;
	uint32_t default_errno_ret;
	char **architectures;
	char **flags;
	char *listener_path;
	char *listener_metadata;
	struct oci_seccomp_syscall *syscalls;
	size_t n_syscalls;
};

struct oci_time_offset {
	char *clock; /* the map key: "monotonic" or "boottime" */
	int64_t secs;
	uint32_t nanosecs;
};

struct oci_intel_rdt {
	char *clos_id;
	char *l3_cache_schema;
	char *mem_bw_schema;
	bool enable_cmt;
	bool enable_mbm;
};

struct oci_personality {
	char *domain;
	char **flags;
};

struct oci_memory_policy {
	char *mode;
	char *nodes;
	char **flags;
};

struct oci_net_device {
	char *host_name; /* the map key */
	char *name;      /* name inside the container, NULL keeps host_name */
};

struct oci_linux {
	struct oci_namespace *namespaces;
	size_t n_namespaces;
	struct oci_id_mapping *uid_mappings;
	size_t n_uid_mappings;
	struct oci_id_mapping *gid_mappings;
	size_t n_gid_mappings;
	struct oci_time_offset *time_offsets;
	size_t n_time_offsets;
	struct oci_device *devices;
	size_t n_devices;
	char *cgroups_path;
	struct oci_resources *resources;
	char *rootfs_propagation;
	struct oci_seccomp *seccomp;
	struct oci_map sysctl;
	char **masked_paths;
	char **readonly_paths;
	char *mount_label;
	struct oci_intel_rdt *intel_rdt;
	struct oci_personality *personality;
	struct oci_memory_policy *memory_policy;
	struct oci_net_device *net_devices;
	size_t n_net_devices;
};

struct oci_spec {
	char *oci_version;
	struct oci_process *process; /* NULL when absent */
	struct oci_root *root;
	char *hostname;
	char *domainname;
	struct oci_mount *mounts;
	size_t n_mounts;
	struct oci_hooks *hooks;
	struct oci_map annotations;
	struct oci_linux *linux_; /* "linux" (the name is a predefined macro) */
};

/* Parse config.json text. `what` names the source in errors ("config.json").
 * Errors look like: config.json: process.user.uid: expected an unsigned 32-bit integer */
int spec_parse(const char *text, size_t len, const char *what, struct oci_spec **ret, ocirun_error_t *err);
/* Read and parse bundle/config.json. */
int spec_load(const char *bundle, struct oci_spec **ret, ocirun_error_t *err);

/* The namespace vocabulary, the one table of it: runtime-spec name, /proc/PID/ns entry, clone
 * flag, in join order (user first: it decides the privileges for the rest; mount last: it
 * changes how paths resolve). validate.c, ns/ and features read it. */
struct spec_ns_type {
	const char *name;
	const char *proc;
	int flag;
};
extern const struct spec_ns_type spec_ns_types[];
extern const size_t spec_n_ns_types;
/* The entry named NAME, or NULL. */
const struct spec_ns_type *spec_ns_type(const char *name);
/* The text of BUNDLE/config.json (size-limited), for a caller that parses and keeps it. */
int spec_read(const char *bundle, char **ret, size_t *ret_len, ocirun_error_t *err);
void spec_free(struct oci_spec *s);

/* exec --process: a Process object. */
int spec_parse_process(const char *text, size_t len, const char *what, struct oci_process **ret,
		       ocirun_error_t *err);
void spec_free_process(struct oci_process *p);

/* update --resources: a LinuxResources object. */
int spec_parse_resources(const char *text, size_t len, const char *what, struct oci_resources **ret,
			 ocirun_error_t *err);
void spec_free_resources(struct oci_resources *r);

/* Semantic checks that need no host access (required fields, value ranges,
 * namespace names, absolute paths...). spec_parse calls it. */
int spec_validate(const struct oci_spec *s, const char *what, ocirun_error_t *err);

/* Helpers. */
const struct oci_namespace *spec_find_namespace(const struct oci_spec *s, const char *type);
const char *spec_annotation(const struct oci_spec *s, const char *key);

/* The default config.json of `ocirun spec` (like runc's); rootless variant. */
const char *spec_default_json(bool rootless);

#endif
