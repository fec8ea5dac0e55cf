/* Unit tests of spec/: the walker (values land in the right fields, every
 * field rejects every wrong type with its path), validation, the default spec
 * and spec_load. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"
#include "spec/spec-internal.h"
#include "spec/spec.h"
#include "unit.h"

/* Fixtures are JSON tokens turned into a string by the preprocessor. */
#define JSON_TEXT(...) #__VA_ARGS__

/* clang-format off */
/* `runc spec` (runc 1.1.5) output */
static const char runc_spec[] = JSON_TEXT({
	"ociVersion": "1.0.2-dev",
	"process": {
		"terminal": true,
		"user": { "uid": 0, "gid": 0 },
		"args": [ "sh" ],
		"env": [ "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm" ],
		"cwd": "/",
		"capabilities": {
			"bounding": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ],
			"effective": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ],
			"permitted": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ],
			"ambient": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ]
		},
		"rlimits": [ { "type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024 } ],
		"noNewPrivileges": true
	},
	"root": { "path": "rootfs", "readonly": true },
	"hostname": "runc",
	"mounts": [
		{ "destination": "/proc", "type": "proc", "source": "proc" },
		{ "destination": "/dev", "type": "tmpfs", "source": "tmpfs",
		  "options": [ "nosuid", "strictatime", "mode=755", "size=65536k" ] },
		{ "destination": "/dev/pts", "type": "devpts", "source": "devpts",
		  "options": [ "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5" ] },
		{ "destination": "/dev/shm", "type": "tmpfs", "source": "shm",
		  "options": [ "nosuid", "noexec", "nodev", "mode=1777", "size=65536k" ] },
		{ "destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
		  "options": [ "nosuid", "noexec", "nodev" ] },
		{ "destination": "/sys", "type": "sysfs", "source": "sysfs",
		  "options": [ "nosuid", "noexec", "nodev", "ro" ] },
		{ "destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
		  "options": [ "nosuid", "noexec", "nodev", "relatime", "ro" ] }
	],
	"linux": {
		"resources": { "devices": [ { "allow": false, "access": "rwm" } ] },
		"namespaces": [ { "type": "pid" }, { "type": "network" }, { "type": "ipc" },
				{ "type": "uts" }, { "type": "mount" } ],
		"maskedPaths": [ "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
				 "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
				 "/proc/sched_debug", "/sys/firmware", "/proc/scsi" ],
		"readonlyPaths": [ "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger" ]
	}
});

/* every field of the tables, with distinct values */
static const char full_spec[] = JSON_TEXT({
	"ociVersion": "1.2.0",
	"process": {
		"terminal": true,
		"consoleSize": { "height": 24, "width": 80 },
		"user": { "uid": 1000, "gid": 1001, "umask": 18, "additionalGids": [ 5, 6, 2147483647 ],
			  "username": "alice" },
		"args": [ "/bin/sh", "-c", "true" ],
		"commandLine": "sh -c true",
		"env": [ "A=1", "B=2" ],
		"cwd": "/work",
		"capabilities": { "bounding": [ "CAP_B" ], "effective": [ "CAP_E" ],
				  "inheritable": [ "CAP_I" ], "permitted": [ "CAP_P" ],
				  "ambient": [ "CAP_A" ] },
		"rlimits": [ { "type": "RLIMIT_NOFILE", "hard": 2048, "soft": 1024 },
			     { "type": "RLIMIT_CORE", "hard": 18446744073709551615, "soft": 0 } ],
		"noNewPrivileges": true,
		"apparmorProfile": "aa-profile",
		"oomScoreAdj": -1000,
		"selinuxLabel": "system_u:system_r:container_t:s0",
		"scheduler": { "policy": "SCHED_DEADLINE", "nice": -5, "priority": 7,
			       "flags": [ "SCHED_FLAG_RESET_ON_FORK" ], "runtime": 100, "deadline": 200,
			       "period": 300 },
		"ioPriority": { "class": "IOPRIO_CLASS_BE", "priority": 4 },
		"execCPUAffinity": { "initial": "0-1", "final": "2" }
	},
	"root": { "path": "/rootfs", "readonly": false },
	"hostname": "host",
	"domainname": "example.org",
	"mounts": [
		{ "destination": "/data", "source": "/src", "type": "bind", "options": [ "rbind", "ro" ],
		  "uidMappings": [ { "containerID": 0, "hostID": 100000, "size": 65536 } ],
		  "gidMappings": [ { "containerID": 1, "hostID": 200000, "size": 10 } ] },
		{ "destination": "tmp", "type": "tmpfs" }
	],
	"hooks": {
		"prestart": [ { "path": "/bin/pre", "args": [ "pre", "x" ], "env": [ "E=1" ],
				"timeout": 5 } ],
		"createRuntime": [ { "path": "/bin/cr" } ],
		"createContainer": [ { "path": "/bin/cc" } ],
		"startContainer": [ { "path": "/bin/sc" } ],
		"poststart": [ { "path": "/bin/ps" } ],
		"poststop": [ { "path": "/bin/stop1" }, { "path": "/bin/stop2", "timeout": 1 } ]
	},
	"annotations": { "org.b": "2", "org.a": "1" },
	"linux": {
		"namespaces": [ { "type": "pid" }, { "type": "network", "path": "/proc/1/ns/net" },
				{ "type": "mount" }, { "type": "user" }, { "type": "cgroup" },
				{ "type": "time" }, { "type": "ipc" }, { "type": "uts" } ],
		"uidMappings": [ { "containerID": 0, "hostID": 1000, "size": 1 } ],
		"gidMappings": [ { "containerID": 0, "hostID": 1001, "size": 2 } ],
		"timeOffsets": { "monotonic": { "secs": -10, "nanosecs": 5 },
				 "boottime": { "secs": 20, "nanosecs": 999999999 } },
		"devices": [ { "type": "c", "path": "/dev/fuse", "major": 10, "minor": 229, "fileMode": 438,
			       "uid": 0, "gid": 5 },
			     { "type": "p", "path": "/dev/fifo" } ],
		"cgroupsPath": "/my/cgroup",
		"resources": {
			"devices": [ { "allow": false, "access": "rwm" },
				     { "allow": true, "type": "c", "major": 10, "minor": -1,
				       "access": "rw" } ],
			"memory": { "limit": 536870912, "reservation": 1, "swap": -1, "kernel": 2,
				    "kernelTCP": 3, "swappiness": 60, "disableOOMKiller": true,
				    "useHierarchy": false,
				    "checkBeforeUpdate": true },
			"cpu": { "shares": 1024, "quota": 50000, "burst": 10, "period": 100000,
				 "realtimeRuntime": 950000, "realtimePeriod": 1000000, "cpus": "0-3",
				 "mems": "0", "idle": 1 },
			"pids": { "limit": -1 },
			"blockIO": {
				"weight": 500, "leafWeight": 300,
				"weightDevice": [
					{ "major": 8, "minor": 0, "weight": 600, "leafWeight": 65535 },
					{ "major": 8, "minor": 16 }
				],
				"throttleReadBpsDevice": [ { "major": 8, "minor": 1, "rate": 1 } ],
				"throttleWriteBpsDevice": [ { "major": 8, "minor": 2, "rate": 2 } ],
				"throttleReadIOPSDevice": [ { "major": 8, "minor": 3, "rate": 3 } ],
				"throttleWriteIOPSDevice": [ { "major": 8, "minor": 4, "rate": 4 } ]
			},
			"hugepageLimits": [ { "pageSize": "2MB", "limit": 209715200 } ],
			"network": { "classID": 1048577,
				     "priorities": [ { "name": "eth0", "priority": 500 } ] },
			"rdma": { "mlx5_1": { "hcaHandles": 3, "hcaObjects": 10000 },
				  "mlx4_0": { "hcaObjects": 7 } },
			"unified": { "memory.high": "1G", "io.weight": "default 100" }
		},
		"rootfsPropagation": "rslave",
		"seccomp": {
			"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
			"architectures": [ "SCMP_ARCH_X86_64", "SCMP_ARCH_X86" ],
			"flags": [ "SECCOMP_FILTER_FLAG_LOG" ],
			"listenerPath": "/run/seccomp.sock", "listenerMetadata": "meta",
			"syscalls": [
				{ "names": [ "read", "write" ], "action": "SCMP_ACT_ALLOW" },
				{ "names": [ "personality" ], "action": "SCMP_ACT_ERRNO", "errnoRet": 38,
				  "args": [ { "index": 0, "value": 8, "valueTwo": 0, "op": "SCMP_CMP_EQ" },
					    { "index": 5, "value": 18446744073709551615,
					      "op": "SCMP_CMP_MASKED_EQ" } ] }
			]
		},
		"sysctl": { "net.ipv4.ip_forward": "1", "kernel.shmmax": "100" },
		"maskedPaths": [ "/proc/kcore" ],
		"readonlyPaths": [ "/proc/sys", "/proc/bus" ],
		"mountLabel": "system_u:object_r:container_file_t:s0",
		"intelRdt": { "closID": "clos1", "l3CacheSchema": "L3:0=ff", "memBwSchema": "MB:0=50",
			      "enableCMT": true, "enableMBM": true },
		"personality": { "domain": "LINUX32", "flags": [ "f1" ] },
		"memoryPolicy": { "mode": "MPOL_BIND", "nodes": "0-1", "flags": [ "MPOL_F_STATIC_NODES" ] },
		"netDevices": { "eth1": { "name": "ceth1" }, "eth2": {} }
	},
	"vm": { "hypervisor": { "path": "/ignored", "nested": [ [ [ { "deep": [ 1, 2.5, null ] } ] ] ] } }
});
/* clang-format on */

static struct oci_spec *parse_ok(const char *text)
{
	ocirun_error_t err = {0};
	struct oci_spec *s = NULL;

	if (spec_parse(text, strlen(text), "config.json", &s, &err) < 0) {
		fprintf(stderr, "# unexpected error: %s\n", err.msg);
		return NULL;
	}
	return s;
}

/* Parse text as config.json; returns the error message ("" on success). */
static const char *parse_err(const char *text)
{
	static ocirun_error_t err;
	struct oci_spec *s = NULL;

	oerr_clear(&err);
	if (spec_parse(text, strlen(text), "config.json", &s, &err) == 0) {
		spec_free(s);
		return "";
	}
	CHECK(s == NULL);
	return err.msg;
}

/* A copy of text with the one occurrence of from replaced by to. */
static char *edit(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);

	if (!at || strstr(at + 1, from)) {
		fprintf(stderr, "# fixture edit: \"%s\" not found exactly once\n", from);
		abort();
	}
	return xasprintf("%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
}

static const char *edit_err(const char *from, const char *to)
{
	static char msg[OCIRUN_ERR_MSG];
	char *text = edit(runc_spec, from, to);

	snprintf(msg, sizeof(msg), "%s", parse_err(text));
	free(text);
	return msg;
}

#define CHECK_EDIT(from, to, want) CHECK_STR(edit_err(from, to), want)

TEST(runc_spec_fixture)
{
	struct oci_spec *s = parse_ok(runc_spec);
	struct oci_process *p;
	struct oci_linux *l;

	CHECK(s != NULL);
	if (!s)
		return;
	p = s->process;
	l = s->linux_;
	CHECK_STR(s->oci_version, "1.0.2-dev");
	CHECK(p && p->terminal && p->user.uid == 0 && p->user.gid == 0 && !p->user.has_umask);
	CHECK(p->console_size == NULL && p->n_rlimits == 1 && p->no_new_privileges);
	CHECK_STR(p->args[0], "sh");
	CHECK(p->args[1] == NULL);
	CHECK_STR(p->env[1], "TERM=xterm");
	CHECK(p->env[2] == NULL);
	CHECK_STR(p->cwd, "/");
	CHECK_STR(p->capabilities->bounding[2], "CAP_NET_BIND_SERVICE");
	CHECK_STR(p->capabilities->ambient[0], "CAP_AUDIT_WRITE");
	CHECK(p->capabilities->inheritable == NULL);
	CHECK_STR(p->rlimits[0].type, "RLIMIT_NOFILE");
	CHECK(p->rlimits[0].hard == 1024 && p->rlimits[0].soft == 1024);
	CHECK(!p->has_oom_score_adj && p->scheduler == NULL && p->apparmor_profile == NULL);
	CHECK_STR(s->root->path, "rootfs");
	CHECK(s->root->readonly);
	CHECK_STR(s->hostname, "runc");
	CHECK(s->domainname == NULL && s->hooks == NULL && s->annotations.n == 0);
	CHECK(s->n_mounts == 7);
	CHECK_STR(s->mounts[0].destination, "/proc");
	CHECK(s->mounts[0].options == NULL);
	CHECK_STR(s->mounts[1].options[3], "size=65536k");
	CHECK_STR(s->mounts[6].destination, "/sys/fs/cgroup");
	CHECK_STR(s->mounts[6].options[4], "ro");
	CHECK(l && l->n_namespaces == 5 && l->n_uid_mappings == 0 && l->seccomp == NULL);
	CHECK_STR(l->namespaces[4].type, "mount");
	CHECK(l->namespaces[4].path == NULL);
	CHECK(l->resources && l->resources->n_devices == 1 && l->resources->memory == NULL);
	CHECK(!l->resources->devices[0].allow && !l->resources->devices[0].has_major);
	CHECK(l->resources->devices[0].type == NULL);
	CHECK_STR(l->resources->devices[0].access, "rwm");
	CHECK(strv_len(l->masked_paths) == 10 && strv_len(l->readonly_paths) == 5);
	CHECK_STR(l->masked_paths[9], "/proc/scsi");
	CHECK(spec_find_namespace(s, "network") == &l->namespaces[1]);
	CHECK(spec_find_namespace(s, "user") == NULL);
	CHECK(spec_annotation(s, "x") == NULL);
	spec_free(s);
}

static void check_full_process(const struct oci_process *p)
{
	CHECK(p->terminal && p->console_size && p->console_size->height == 24 &&
	      p->console_size->width == 80);
	CHECK(p->user.uid == 1000 && p->user.gid == 1001 && p->user.has_umask && p->user.umask == 18);
	CHECK(p->user.n_additional_gids == 3 && p->user.additional_gids[2] == INT32_MAX);
	CHECK_STR(p->user.username, "alice");
	CHECK(strv_len(p->args) == 3);
	CHECK_STR(p->args[2], "true");
	CHECK_STR(p->command_line, "sh -c true");
	CHECK_STR(p->env[1], "B=2");
	CHECK_STR(p->cwd, "/work");
	CHECK_STR(p->capabilities->bounding[0], "CAP_B");
	CHECK_STR(p->capabilities->effective[0], "CAP_E");
	CHECK_STR(p->capabilities->inheritable[0], "CAP_I");
	CHECK_STR(p->capabilities->permitted[0], "CAP_P");
	CHECK_STR(p->capabilities->ambient[0], "CAP_A");
	CHECK(p->n_rlimits == 2 && p->rlimits[0].hard == 2048 && p->rlimits[0].soft == 1024);
	CHECK(p->rlimits[1].hard == UINT64_MAX && p->rlimits[1].soft == 0);
	CHECK_STR(p->rlimits[1].type, "RLIMIT_CORE");
	CHECK(p->no_new_privileges && p->has_oom_score_adj && p->oom_score_adj == -1000);
	CHECK_STR(p->apparmor_profile, "aa-profile");
	CHECK_STR(p->selinux_label, "system_u:system_r:container_t:s0");
	CHECK_STR(p->scheduler->policy, "SCHED_DEADLINE");
	CHECK(p->scheduler->has_nice && p->scheduler->nice == -5);
	CHECK(p->scheduler->has_priority && p->scheduler->priority == 7);
	CHECK_STR(p->scheduler->flags[0], "SCHED_FLAG_RESET_ON_FORK");
	CHECK(p->scheduler->runtime == 100 && p->scheduler->deadline == 200 && p->scheduler->period == 300);
	CHECK_STR(p->io_priority->class, "IOPRIO_CLASS_BE");
	CHECK(p->io_priority->priority == 4);
	CHECK_STR(p->exec_cpu_affinity->initial, "0-1");
	CHECK_STR(p->exec_cpu_affinity->final, "2");
}

static void check_full_resources(const struct oci_resources *r)
{
	const struct oci_blkio *b = r->block_io;

	CHECK(r->n_devices == 2 && !r->devices[0].allow && r->devices[1].allow);
	CHECK(r->devices[1].has_major && r->devices[1].major == 10);
	CHECK(r->devices[1].has_minor && r->devices[1].minor == -1);
	CHECK_STR(r->devices[1].type, "c");
	CHECK_STR(r->devices[1].access, "rw");
	CHECK(r->memory->has_limit && r->memory->limit == 536870912);
	CHECK(r->memory->has_reservation && r->memory->reservation == 1);
	CHECK(r->memory->has_swap && r->memory->swap == -1);
	CHECK(r->memory->has_kernel && r->memory->kernel == 2 && r->memory->has_kernel_tcp &&
	      r->memory->kernel_tcp == 3);
	CHECK(r->memory->has_swappiness && r->memory->swappiness == 60);
	CHECK(r->memory->has_disable_oom_killer && r->memory->disable_oom_killer);
	CHECK(r->memory->has_use_hierarchy && !r->memory->use_hierarchy);
	CHECK(r->memory->has_check_before_update && r->memory->check_before_update);
	CHECK(r->cpu->has_shares && r->cpu->shares == 1024 && r->cpu->has_quota && r->cpu->quota == 50000);
	CHECK(r->cpu->has_burst && r->cpu->burst == 10 && r->cpu->has_period && r->cpu->period == 100000);
	CHECK(r->cpu->has_realtime_runtime && r->cpu->realtime_runtime == 950000);
	CHECK(r->cpu->has_realtime_period && r->cpu->realtime_period == 1000000);
	CHECK(r->cpu->has_idle && r->cpu->idle == 1);
	CHECK_STR(r->cpu->cpus, "0-3");
	CHECK_STR(r->cpu->mems, "0");
	CHECK(r->pids->has_limit && r->pids->limit == -1);
	CHECK(b->has_weight && b->weight == 500 && b->has_leaf_weight && b->leaf_weight == 300);
	CHECK(b->n_weight_device == 2 && b->weight_device[0].major == 8 && b->weight_device[1].minor == 16);
	CHECK(b->weight_device[0].has_weight && b->weight_device[0].weight == 600);
	CHECK(b->weight_device[0].has_leaf_weight && b->weight_device[0].leaf_weight == 65535);
	CHECK(!b->weight_device[1].has_weight && !b->weight_device[1].has_leaf_weight);
	CHECK(b->n_throttle_read_bps_device == 1 && b->throttle_read_bps_device[0].rate == 1);
	CHECK(b->throttle_read_bps_device[0].minor == 1);
	CHECK(b->n_throttle_write_bps_device == 1 && b->throttle_write_bps_device[0].rate == 2);
	CHECK(b->n_throttle_read_iops_device == 1 && b->throttle_read_iops_device[0].rate == 3);
	CHECK(b->n_throttle_write_iops_device == 1 && b->throttle_write_iops_device[0].rate == 4);
	CHECK(b->throttle_write_iops_device[0].minor == 4);
	CHECK(r->n_hugepage_limits == 1 && r->hugepage_limits[0].limit == 209715200);
	CHECK_STR(r->hugepage_limits[0].page_size, "2MB");
	CHECK(r->network->has_class_id && r->network->class_id == 1048577 && r->network->n_priorities == 1);
	CHECK_STR(r->network->priorities[0].name, "eth0");
	CHECK(r->network->priorities[0].priority == 500);
	/* maps come back sorted by key */
	CHECK(r->n_rdma == 2);
	CHECK_STR(r->rdma[0].device, "mlx4_0");
	CHECK(!r->rdma[0].has_hca_handles && r->rdma[0].has_hca_objects && r->rdma[0].hca_objects == 7);
	CHECK_STR(r->rdma[1].device, "mlx5_1");
	CHECK(r->rdma[1].has_hca_handles && r->rdma[1].hca_handles == 3 && r->rdma[1].hca_objects == 10000);
	CHECK(r->unified.n == 2);
	CHECK_STR(r->unified.items[0].key, "io.weight");
	CHECK_STR(r->unified.items[0].value, "default 100");
	CHECK_STR(r->unified.items[1].key, "memory.high");
	CHECK_STR(r->unified.items[1].value, "1G");
}

static void check_full_linux(const struct oci_linux *l)
{
	const struct oci_seccomp *sc = l->seccomp;

	CHECK(l->n_namespaces == 8);
	CHECK_STR(l->namespaces[1].path, "/proc/1/ns/net");
	CHECK_STR(l->namespaces[5].type, "time");
	CHECK(l->n_uid_mappings == 1 && l->uid_mappings[0].host_id == 1000 && l->uid_mappings[0].size == 1);
	CHECK(l->n_gid_mappings == 1 && l->gid_mappings[0].host_id == 1001 && l->gid_mappings[0].size == 2);
	CHECK(l->n_time_offsets == 2);
	CHECK_STR(l->time_offsets[0].clock, "boottime");
	CHECK(l->time_offsets[0].secs == 20 && l->time_offsets[0].nanosecs == 999999999);
	CHECK_STR(l->time_offsets[1].clock, "monotonic");
	CHECK(l->time_offsets[1].secs == -10 && l->time_offsets[1].nanosecs == 5);
	CHECK(l->n_devices == 2 && l->devices[0].major == 10 && l->devices[0].minor == 229);
	CHECK(l->devices[0].has_file_mode && l->devices[0].file_mode == 0666);
	CHECK(l->devices[0].has_uid && l->devices[0].uid == 0 && l->devices[0].has_gid &&
	      l->devices[0].gid == 5);
	CHECK(!l->devices[1].has_file_mode && !l->devices[1].has_uid && !l->devices[1].has_gid);
	CHECK_STR(l->devices[1].type, "p");
	CHECK_STR(l->cgroups_path, "/my/cgroup");
	check_full_resources(l->resources);
	CHECK_STR(l->rootfs_propagation, "rslave");
	CHECK_STR(sc->default_action, "SCMP_ACT_ERRNO");
	CHECK(sc->has_default_errno_ret && sc->default_errno_ret == 1);
	CHECK_STR(sc->architectures[1], "SCMP_ARCH_X86");
	CHECK_STR(sc->flags[0], "SECCOMP_FILTER_FLAG_LOG");
	CHECK_STR(sc->listener_path, "/run/seccomp.sock");
	CHECK_STR(sc->listener_metadata, "meta");
	CHECK(sc->n_syscalls == 2 && !sc->syscalls[0].has_errno_ret && sc->syscalls[0].n_args == 0);
	CHECK_STR(sc->syscalls[0].names[1], "write");
	CHECK(sc->syscalls[1].has_errno_ret && sc->syscalls[1].errno_ret == 38 &&
	      sc->syscalls[1].n_args == 2);
	CHECK(sc->syscalls[1].args[0].index == 0 && sc->syscalls[1].args[0].value == 8);
	CHECK(sc->syscalls[1].args[1].index == 5 && sc->syscalls[1].args[1].value == UINT64_MAX);
	CHECK(sc->syscalls[1].args[1].value_two == 0);
	CHECK_STR(sc->syscalls[1].args[1].op, "SCMP_CMP_MASKED_EQ");
	CHECK(l->sysctl.n == 2);
	CHECK_STR(l->sysctl.items[0].key, "kernel.shmmax");
	CHECK_STR(l->sysctl.items[1].value, "1");
	CHECK_STR(l->masked_paths[0], "/proc/kcore");
	CHECK_STR(l->readonly_paths[1], "/proc/bus");
	CHECK_STR(l->mount_label, "system_u:object_r:container_file_t:s0");
	CHECK_STR(l->intel_rdt->clos_id, "clos1");
	CHECK_STR(l->intel_rdt->l3_cache_schema, "L3:0=ff");
	CHECK_STR(l->intel_rdt->mem_bw_schema, "MB:0=50");
	CHECK(l->intel_rdt->enable_cmt && l->intel_rdt->enable_mbm);
	CHECK_STR(l->personality->domain, "LINUX32");
	CHECK_STR(l->personality->flags[0], "f1");
	CHECK_STR(l->memory_policy->mode, "MPOL_BIND");
	CHECK_STR(l->memory_policy->nodes, "0-1");
	CHECK_STR(l->memory_policy->flags[0], "MPOL_F_STATIC_NODES");
	CHECK(l->n_net_devices == 2);
	CHECK_STR(l->net_devices[0].host_name, "eth1");
	CHECK_STR(l->net_devices[0].name, "ceth1");
	CHECK_STR(l->net_devices[1].host_name, "eth2");
	CHECK(l->net_devices[1].name == NULL);
}

TEST(full_spec_fixture)
{
	struct oci_spec *s = parse_ok(full_spec);
	const struct oci_hooks *h;

	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_STR(s->oci_version, "1.2.0");
	check_full_process(s->process);
	CHECK_STR(s->root->path, "/rootfs");
	CHECK(!s->root->readonly);
	CHECK_STR(s->hostname, "host");
	CHECK_STR(s->domainname, "example.org");
	CHECK(s->n_mounts == 2);
	CHECK_STR(s->mounts[0].source, "/src");
	CHECK_STR(s->mounts[0].type, "bind");
	CHECK_STR(s->mounts[0].options[1], "ro");
	CHECK(s->mounts[0].n_uid_mappings == 1 && s->mounts[0].uid_mappings[0].host_id == 100000);
	CHECK(s->mounts[0].uid_mappings[0].size == 65536 && s->mounts[0].uid_mappings[0].container_id == 0);
	CHECK(s->mounts[0].n_gid_mappings == 1 && s->mounts[0].gid_mappings[0].container_id == 1);
	CHECK_STR(s->mounts[1].destination, "tmp"); /* relative: accepted, left to fs/ */
	CHECK(s->mounts[1].source == NULL && s->mounts[1].n_uid_mappings == 0);
	h = s->hooks;
	CHECK(h->n_prestart == 1 && h->prestart[0].has_timeout && h->prestart[0].timeout == 5);
	CHECK_STR(h->prestart[0].args[1], "x");
	CHECK_STR(h->prestart[0].env[0], "E=1");
	CHECK_STR(h->create_runtime[0].path, "/bin/cr");
	CHECK_STR(h->create_container[0].path, "/bin/cc");
	CHECK_STR(h->start_container[0].path, "/bin/sc");
	CHECK_STR(h->poststart[0].path, "/bin/ps");
	CHECK(h->n_poststop == 2 && !h->poststop[0].has_timeout && h->poststop[1].timeout == 1);
	CHECK_STR(h->poststop[1].path, "/bin/stop2");
	CHECK(s->annotations.n == 2);
	CHECK_STR(spec_annotation(s, "org.a"), "1");
	CHECK_STR(spec_annotation(s, "org.b"), "2");
	check_full_linux(s->linux_);
	CHECK(spec_find_namespace(s, "time") == &s->linux_->namespaces[5]);
	spec_free(s);
}

/* ---- wrong types, generated from the field tables ---- */

struct bad_value {
	const char *json;   /* replaces the field's value */
	const char *suffix; /* appended to the field's path in the error */
	const char *expect; /* "expected ..." */
};

static const struct bad_value *bad_values(enum spec_ftype t)
{
#define S "an unsigned 32-bit integer"
	static const struct bad_value str[] = {{"1", "", "a string"},
					       {"true", "", "a string"},
					       {"[]", "", "a string"},
					       {"{}", "", "a string"},
					       {NULL, NULL, NULL}};
	static const struct bad_value boolean[] = {{"\"true\"", "", "a boolean"},
						   {"1", "", "a boolean"},
						   {"[true]", "", "a boolean"},
						   {NULL, NULL, NULL}};
	static const struct bad_value i32[] = {
	    {"\"1\"", "", "a 32-bit integer"},       {"2147483648", "", "a 32-bit integer"},
	    {"-2147483649", "", "a 32-bit integer"}, {"1.5", "", "a 32-bit integer"},
	    {"1e3", "", "a 32-bit integer"},         {NULL, NULL, NULL}};
	static const struct bad_value u32[] = {{"\"1\"", "", S}, {"4294967296", "", S}, {"-1", "", S},
					       {"1.0", "", S},   {"false", "", S},      {NULL, NULL, NULL}};
	static const struct bad_value u16[] = {{"65536", "", "an unsigned 16-bit integer"},
					       {"-1", "", "an unsigned 16-bit integer"},
					       {"\"10\"", "", "an unsigned 16-bit integer"},
					       {NULL, NULL, NULL}};
	static const struct bad_value i64[] = {{"9223372036854775808", "", "a 64-bit integer"},
					       {"-9223372036854775809", "", "a 64-bit integer"},
					       {"0.5", "", "a 64-bit integer"},
					       {"\"-1\"", "", "a 64-bit integer"},
					       {NULL, NULL, NULL}};
	static const struct bad_value u64[] = {{"18446744073709551616", "", "an unsigned 64-bit integer"},
					       {"-1", "", "an unsigned 64-bit integer"},
					       {"2E2", "", "an unsigned 64-bit integer"},
					       {"{}", "", "an unsigned 64-bit integer"},
					       {NULL, NULL, NULL}};
	static const struct bad_value strv[] = {{"\"x\"", "", "an array of strings"},
						{"{}", "", "an array of strings"},
						{"[\"x\", 1]", "[1]", "a string"},
						{"[null]", "[0]", "a string"},
						{NULL, NULL, NULL}};
	static const struct bad_value u32s[] = {{"1", "", "an array of unsigned 32-bit integers"},
						{"[1, -1]", "[1]", S},
						{"[4294967296]", "[0]", S},
						{"[\"1\"]", "[0]", S},
						{NULL, NULL, NULL}};
	static const struct bad_value map[] = {{"[]", "", "an object"},
					       {"\"a=b\"", "", "an object"},
					       {"{\"a\": \"b\", \"k\": 1}", ".k", "a string"},
					       {"{\"k\": null}", ".k", "a string"},
					       {NULL, NULL, NULL}};
	static const struct bad_value obj[] = {
	    {"[]", "", "an object"}, {"1", "", "an object"}, {"\"x\"", "", "an object"}, {NULL, NULL, NULL}};
	static const struct bad_value arr[] = {{"{}", "", "an array"},
					       {"\"x\"", "", "an array"},
					       {"[1]", "[0]", "an object"},
					       {"[null]", "[0]", "an object"},
					       {NULL, NULL, NULL}};
	static const struct bad_value objmap[] = {{"[]", "", "an object"},
						  {"{\"k\": 1}", ".k", "an object"},
						  {"{\"k\": []}", ".k", "an object"},
						  {NULL, NULL, NULL}};
#undef S
	switch (t) {
	case SPEC_STR:
		return str;
	case SPEC_BOOL:
		return boolean;
	case SPEC_I32:
		return i32;
	case SPEC_U32:
		return u32;
	case SPEC_U16:
		return u16;
	case SPEC_I64:
		return i64;
	case SPEC_U64:
		return u64;
	case SPEC_STRV:
		return strv;
	case SPEC_U32_ARRAY:
		return u32s;
	case SPEC_MAP:
		return map;
	case SPEC_OBJ:
	case SPEC_PTR:
		return obj;
	case SPEC_ARRAY:
		return arr;
	case SPEC_OBJ_MAP:
		return objmap;
	}
	return NULL;
}

/* The fields from the document root down to the field under test. */
static const struct spec_field *gen_path[16];
static int gen_cases;

static void emit_object(FILE *out, const struct spec_desc *d, int i, int n, const char *value);

static void emit_valid(FILE *out, const struct spec_field *f)
{
	switch (f->type) {
	case SPEC_STR:
		fputs("\"/v\"", out);
		break;
	case SPEC_BOOL:
		fputs("true", out);
		break;
	case SPEC_I32:
	case SPEC_U32:
	case SPEC_U16:
	case SPEC_I64:
	case SPEC_U64:
		fputs("1", out);
		break;
	case SPEC_STRV:
		fputs("[\"v\"]", out);
		break;
	case SPEC_U32_ARRAY:
	case SPEC_ARRAY:
		fputs("[]", out);
		break;
	case SPEC_MAP:
	case SPEC_OBJ_MAP:
		fputs("{}", out);
		break;
	case SPEC_OBJ:
	case SPEC_PTR:
		emit_object(out, f->sub, 0, 0, NULL);
		break;
	}
}

/* An object of type d holding its required fields (valid) and, when i < n,
 * the way down to gen_path[n - 1], whose value is `value` (omitted if NULL). */
static void emit_object(FILE *out, const struct spec_desc *d, int i, int n, const char *value)
{
	const struct spec_field *next = i < n ? gen_path[i] : NULL;
	bool first = true;

	fputc('{', out);
	for (size_t k = 0; k < d->n_fields; k++) {
		const struct spec_field *f = &d->fields[k];

		if (f == next || !f->required)
			continue;
		fprintf(out, "%s\"%s\": ", first ? "" : ", ", f->key);
		emit_valid(out, f);
		first = false;
	}
	if (next && (i < n - 1 || value)) {
		fprintf(out, "%s\"%s\": ", first ? "" : ", ", next->key);
		if (i == n - 1)
			fputs(value, out);
		else if (next->type == SPEC_ARRAY || next->type == SPEC_OBJ_MAP) {
			fputs(next->type == SPEC_ARRAY ? "[" : "{\"k\": ", out);
			emit_object(out, next->sub, i + 1, n, value);
			fputs(next->type == SPEC_ARRAY ? "]" : "}", out);
		} else {
			emit_object(out, next->sub, i + 1, n, value);
		}
	}
	fputc('}', out);
}

/* gen_path[0..n-1] as the error names it: "mounts[0].uidMappings[0].size" */
static void format_path(char *buf, size_t size, int n)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int i = 0; i < n && len < size; i++) {
		const struct spec_field *f = gen_path[i];
		const char *idx = i == n - 1                ? ""
				  : f->type == SPEC_ARRAY   ? "[0]"
				  : f->type == SPEC_OBJ_MAP ? ".k"
							    : "";
		len += (size_t)snprintf(buf + len, size - len, "%s%s%s", i ? "." : "", f->key, idx);
	}
}

static void gen_check(const struct spec_desc *root, const char *what, int n, const char *value,
		      const char *want)
{
	ocirun_error_t err = {0};
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	int r;

	emit_object(out, root, 0, n, value);
	fclose(out);
	if (root == &spec_desc_config) {
		struct oci_spec *s = NULL;
		r = spec_parse(text, len, what, &s, &err);
		spec_free(s);
	} else if (root == &spec_desc_process) {
		struct oci_process *p = NULL;
		r = spec_parse_process(text, len, what, &p, &err);
		spec_free_process(p);
	} else {
		struct oci_resources *res = NULL;
		r = spec_parse_resources(text, len, what, &res, &err);
		spec_free_resources(res);
	}
	CHECK(r == -EINVAL);
	if (strcmp(err.msg, want) != 0)
		fprintf(stderr, "# document: %s\n", text);
	CHECK_STR(err.msg, want);
	gen_cases++;
	free(text);
}

static void gen_fields(const struct spec_desc *root, const char *what, const struct spec_desc *d, int depth)
{
	char path[512], want[1024];

	CHECK(depth < (int)ARRAY_SIZE(gen_path));
	for (size_t k = 0; k < d->n_fields; k++) {
		const struct spec_field *f = &d->fields[k];

		gen_path[depth] = f;
		format_path(path, sizeof(path), depth + 1);
		for (const struct bad_value *b = bad_values(f->type); b->json; b++) {
			snprintf(want, sizeof(want), "%s: %s%s: expected %s", what, path, b->suffix,
				 b->expect);
			gen_check(root, what, depth + 1, b->json, want);
		}
		if (f->required) {
			snprintf(want, sizeof(want), "%s: %s: missing required field", what, path);
			gen_check(root, what, depth + 1, NULL, want);
			gen_check(root, what, depth + 1, "null", want);
		}
		if (f->sub)
			gen_fields(root, what, f->sub, depth + 1);
	}
}

TEST(every_field_rejects_wrong_types)
{
	gen_cases = 0;
	gen_fields(&spec_desc_config, "config.json", &spec_desc_config, 0);
	gen_fields(&spec_desc_process, "process.json", &spec_desc_process, 0);
	gen_fields(&spec_desc_resources, "resources.json", &spec_desc_resources, 0);
	fprintf(stderr, "# %d generated wrong-type and missing-field cases\n", gen_cases);
	CHECK(gen_cases > 1000);
}

/* ---- hand-written cases ---- */

TEST(type_error_messages)
{
	CHECK_EDIT("\"uid\": 0", "\"uid\": 4294967296",
		   "config.json: process.user.uid: expected an unsigned 32-bit integer");
	CHECK_EDIT("\"uid\": 0", "\"uid\": -1",
		   "config.json: process.user.uid: expected an unsigned 32-bit integer");
	CHECK_EDIT("\"nosuid\", \"noexec\", \"newinstance\"", "1, \"noexec\", \"newinstance\"",
		   "config.json: mounts[2].options[0]: expected a string");
	CHECK_EDIT("\"resources\": {", "\"resources\": { \"memory\": { \"limit\": \"1G\" },",
		   "config.json: linux.resources.memory.limit: expected a 64-bit integer");
	CHECK_EDIT("\"hostname\": \"runc\"", "\"hostname\": \"runc\", \"process\": \"sh\"",
		   "config.json: process: expected an object");
	CHECK_EDIT("\"type\": \"ipc\"", "\"type\": [ \"ipc\" ]",
		   "config.json: linux.namespaces[2].type: expected a string");
	CHECK_EDIT("\"hostname\": \"runc\"",
		   "\"hostname\": \"runc\", \"annotations\": { \"a\": \"b\", \"c\": 1 }",
		   "config.json: annotations.c: expected a string");
	CHECK_EDIT("\"resources\": {", "\"resources\": { \"rdma\": { \"mlx\": { \"hcaHandles\": -3 } },",
		   "config.json: linux.resources.rdma.mlx.hcaHandles: expected an unsigned 32-bit integer");
	CHECK_EDIT("\"soft\": 1024", "\"soft\": 18446744073709551616",
		   "config.json: process.rlimits[0].soft: expected an unsigned 64-bit integer");
}

TEST(top_level_and_invalid_json)
{
	CHECK_STR(parse_err("[]"), "config.json: expected a JSON object");
	CHECK_STR(parse_err("null"), "config.json: expected a JSON object");
	CHECK_STR(parse_err("\"config\""), "config.json: expected a JSON object");
	CHECK_STR(parse_err("42"), "config.json: expected a JSON object");
	CHECK_STR(parse_err(""), "config.json: invalid JSON: empty document");
	CHECK_CONTAINS(parse_err("   "), "config.json: invalid JSON: ");
	CHECK_CONTAINS(parse_err("{"), "config.json: invalid JSON: ");
	CHECK_CONTAINS(parse_err("{\"ociVersion\": \"1.0.0\",}"), "config.json: invalid JSON: ");
	CHECK_CONTAINS(parse_err("{} {}"), "config.json: invalid JSON: ");
	CHECK_CONTAINS(parse_err("{'a': 1}"), "config.json: invalid JSON: ");
	CHECK_CONTAINS(parse_err("{\"a\": \"\xff\"}"), "config.json: invalid JSON: ");
	CHECK_STR(parse_err("{}"), "config.json: ociVersion: missing required field");
}

TEST(embedded_nul)
{
	ocirun_error_t err = {0};
	struct oci_spec *s = NULL;
	char *text;

	/* yajl would decode this to "run" and drop the rest: refused, naming the field */
	CHECK_CONTAINS(edit_err("\"hostname\": \"runc\"", "\"hostname\": \"run\\u0000c\""),
		       "config.json: hostname: string contains a NUL byte");
	/* a NUL in a key cannot make "root\u0000x" match "root": an unknown key, ignored */
	CHECK_STR(edit_err("\"hostname\": \"runc\"", "\"hostname\": \"runc\", \"root\\u0000x\": 1"), "");
	/* an escaped backslash followed by u0000 is just text */
	text = edit(runc_spec, "\"hostname\": \"runc\"", "\"hostname\": \"a\\\\u0000\"");
	s = parse_ok(text);
	CHECK(s && strcmp(s->hostname, "a\\u0000") == 0);
	spec_free(s);
	free(text);
	/* a raw NUL byte in the document */
	CHECK(spec_parse("{\"a\":\"\0\"}", 8, "config.json", &s, &err) == -EINVAL);
	CHECK_CONTAINS(err.msg, "config.json: invalid JSON: ");
	/* other escapes decode */
	text = edit(runc_spec, "\"hostname\": \"runc\"", "\"hostname\": \"r\\u00e9\\t\\\"x\\\"\"");
	s = parse_ok(text);
	CHECK(s && strcmp(s->hostname, "r\xc3\xa9\t\"x\"") == 0);
	spec_free(s);
	free(text);
}

static char *nested(size_t depth)
{
	char *text = xmalloc(2 * depth + 64);
	size_t n = (size_t)sprintf(text, "{\"ociVersion\": \"1.0.0\", \"x\": ");

	memset(text + n, '[', depth);
	memset(text + n + depth, ']', depth);
	strcpy(text + n + 2 * depth, "}");
	return text;
}

TEST(deep_nesting)
{
	char *text = nested(100000), *ok;
	size_t n;

	CHECK(strlen(text) == 200000 + 30);

	/* yajl_tree_free() recurses per level: this deep in an ignored key must
	 * not crash, it is refused */
	CHECK_STR(parse_err(text), "config.json: invalid JSON: nested deeper than 20000 levels");
	free(text);
	text = nested(8000000);
	CHECK_STR(parse_err(text), "config.json: invalid JSON: nested deeper than 20000 levels");
	free(text);
	/* 998 levels in "x" plus the document itself: within the limit */
	text = nested(SPEC_MAX_DEPTH - 1);
	CHECK_STR(parse_err(text), "config.json: root: missing required field");
	free(text);
	text = nested(SPEC_MAX_DEPTH);
	CHECK_STR(parse_err(text), "config.json: invalid JSON: nested deeper than 20000 levels");
	free(text);
	/* brackets inside strings (even after an escaped quote) do not count */
	text = xmalloc(2100);
	strcpy(text, "\"hostname\": \"runc\", \"xdata\": \"\\\"");
	n = strlen(text);
	memset(text + n, '[', 2000);
	strcpy(text + n + 2000, "\"");
	ok = edit(runc_spec, "\"hostname\": \"runc\"", text);
	CHECK_STR(parse_err(ok), "");
	free(ok);
	free(text);
}

TEST(duplicate_keys_last_wins)
{
	struct oci_spec *s;
	char *text =
	    edit(runc_spec, "\"hostname\": \"runc\"",
		 "\"hostname\": \"first\", \"hostname\": \"second\", "
		 "\"annotations\": { \"b\": \"1\", \"a\": \"x\", \"b\": \"2\", \"a\": \"y\", \"c\": \"3\" }");
	char *p;

	/* the earlier "process": 1 is overridden by the later, valid, object */
	p = xasprintf("%s", text);
	free(text);
	text = edit(p, "\"ociVersion\": \"1.0.2-dev\",",
		    "\"ociVersion\": 1, \"process\": 1, \"ociVersion\": \"1.0.2-dev\",");
	free(p);
	s = parse_ok(text);
	CHECK(s != NULL);
	if (s) {
		CHECK_STR(s->hostname, "second");
		CHECK(s->annotations.n == 3);
		CHECK_STR(spec_annotation(s, "a"), "y");
		CHECK_STR(spec_annotation(s, "b"), "2");
		CHECK_STR(spec_annotation(s, "c"), "3");
		CHECK_STR(s->annotations.items[0].key, "a");
		CHECK_STR(s->process->args[0], "sh");
	}
	spec_free(s);
	free(text);
}

TEST(null_is_absent)
{
	struct oci_spec *s;
	char *text = edit(runc_spec, "\"hostname\": \"runc\"",
			  "\"hostname\": null, \"domainname\": null, \"hooks\": null, \"annotations\": null");
	char *t2 = edit(text, "\"noNewPrivileges\": true",
			"\"noNewPrivileges\": null, \"oomScoreAdj\": null, "
			"\"capabilities\": null, \"user\": null");

	s = parse_ok(t2);
	CHECK(s != NULL);
	if (s) {
		CHECK(s->hostname == NULL && s->domainname == NULL && s->hooks == NULL);
		CHECK(s->annotations.n == 0 && s->annotations.items == NULL);
		CHECK(!s->process->no_new_privileges && !s->process->has_oom_score_adj);
		CHECK(s->process->capabilities == NULL && s->process->user.uid == 0);
	}
	spec_free(s);
	free(text);
	free(t2);
	/* null in a required field is missing; null elements are wrong types */
	CHECK_EDIT("\"path\": \"rootfs\"", "\"path\": null",
		   "config.json: root.path: missing required field");
	CHECK_EDIT("\"args\": [ \"sh\" ]", "\"args\": [ \"sh\", null ]",
		   "config.json: process.args[1]: expected a string");
	CHECK_EDIT("{ \"type\": \"pid\" }", "null", "config.json: linux.namespaces[0]: expected an object");
	CHECK_EDIT("\"linux\": {", "\"linux\": null, \"x\": {", "");
}

TEST(integer_limits)
{
	struct oci_spec *s;
	char *text = edit(runc_spec, "\"uid\": 0, \"gid\": 0",
			  "\"uid\": 2147483647, \"gid\": 0, \"additionalGids\": [ 0, 2147483647 ]");
	char *t2 = edit(
	    text, "\"resources\": {",
	    "\"resources\": { \"memory\": { \"limit\": -9223372036854775807, \"swap\": 9223372036854775807, "
	    "\"swappiness\": 18446744073709551615 }, \"blockIO\": { \"weight\": 65535 }, ");
	char *t3 = edit(t2, "\"noNewPrivileges\": true", "\"noNewPrivileges\": true, \"oomScoreAdj\": -1000");

	s = parse_ok(t3);
	CHECK(s != NULL);
	if (s) {
		CHECK(s->process->user.uid == INT32_MAX && s->process->user.additional_gids[1] == INT32_MAX);
		/* not INT64_MIN: yajl's integer parser reports it as out of range */
		CHECK(s->linux_->resources->memory->limit == -INT64_MAX);
		CHECK(s->linux_->resources->memory->swap == INT64_MAX);
		CHECK(s->linux_->resources->memory->swappiness == UINT64_MAX);
		CHECK(s->linux_->resources->block_io->weight == 65535);
		CHECK(s->process->oom_score_adj == -1000);
	}
	spec_free(s);
	free(text);
	free(t2);
	free(t3);
}

TEST(validation)
{
	CHECK_EDIT("\"1.0.2-dev\"", "\"2.0.0\"",
		   "config.json: ociVersion: unsupported version \"2.0.0\" (want 1.x)");
	CHECK_EDIT("\"1.0.2-dev\"", "\"1\"", "config.json: ociVersion: unsupported version \"1\" (want 1.x)");
	CHECK_EDIT("\"root\": { \"path\": \"rootfs\", \"readonly\": true },", "",
		   "config.json: root: missing required field");
	CHECK_EDIT("\"path\": \"rootfs\"", "\"path\": \"\"", "config.json: root.path: must not be empty");
	CHECK_EDIT("\"process\": {", "\"process\": null, \"x\": {",
		   "config.json: process: missing required field");
	CHECK_EDIT("\"args\": [ \"sh\" ]", "\"args\": []", "config.json: process.args: must not be empty");
	CHECK_EDIT("\"args\": [ \"sh\" ],", "", "config.json: process.args: must not be empty");
	CHECK_EDIT("\"cwd\": \"/\"", "\"cwd\": \"work\"",
		   "config.json: process.cwd: must be an absolute path, not \"work\"");
	CHECK_EDIT("\"cwd\": \"/\"", "\"cwd\": \"\"", "config.json: process.cwd: missing required field");
	CHECK_EDIT("\"cwd\": \"/\",", "", "config.json: process.cwd: missing required field");
	CHECK_EDIT("\"RLIMIT_NOFILE\"", "\"\"", "config.json: process.rlimits[0].type: must not be empty");
	/* 4294967295 is -1 to setresuid: a no-op that would leave the process root */
	CHECK_EDIT("\"uid\": 0, \"gid\": 0", "\"uid\": 4294967295, \"gid\": 0",
		   "config.json: process.user.uid: 4294967295 is out of range (0..2147483647)");
	CHECK_EDIT("\"uid\": 0, \"gid\": 0", "\"uid\": 0, \"gid\": 2147483648",
		   "config.json: process.user.gid: 2147483648 is out of range (0..2147483647)");
	CHECK_EDIT("\"soft\": 1024", "\"soft\": 1025",
		   "config.json: process.rlimits[0]: soft limit 1025 exceeds hard limit 1024");
	CHECK_EDIT("{ \"type\": \"network\" }", "{ \"type\": \"foo\" }",
		   "config.json: linux.namespaces[1].type: unknown namespace \"foo\"");
	CHECK_EDIT("{ \"type\": \"network\" }", "{ \"type\": \"pid\" }",
		   "config.json: linux.namespaces[1].type: duplicate namespace \"pid\"");
	CHECK_EDIT("{ \"type\": \"network\" }", "{ \"type\": \"network\", \"path\": \"proc/1/ns/net\" }",
		   "config.json: linux.namespaces[1].path: must be an absolute path, not \"proc/1/ns/net\"");
	CHECK_EDIT("{ \"type\": \"network\" }", "{ \"type\": \"network\", \"path\": \"\" }", "");
	CHECK_EDIT("\"destination\": \"/proc\"", "\"destination\": \"\"",
		   "config.json: mounts[0].destination: must not be empty");
	CHECK_EDIT("\"destination\": \"/proc\"", "\"destination\": \"proc\"", "");
	CHECK_EDIT("\"linux\": {", "\"linux\": { \"devices\": [ { \"type\": \"x\", \"path\": \"/dev/x\" } ],",
		   "config.json: linux.devices[0].type: unknown device type \"x\" (want c, b, u or p)");
	CHECK_EDIT("\"linux\": {",
		   "\"linux\": { \"devices\": [ { \"type\": \"cc\", \"path\": \"/dev/x\" } ],",
		   "config.json: linux.devices[0].type: unknown device type \"cc\" (want c, b, u or p)");
	CHECK_EDIT("\"linux\": {", "\"linux\": { \"devices\": [ { \"type\": \"u\", \"path\": \"dev/x\" } ],",
		   "config.json: linux.devices[0].path: must be an absolute path, not \"dev/x\"");
	CHECK_EDIT("\"linux\": {", "\"linux\": { \"timeOffsets\": { \"realtime\": { \"secs\": 1 } },",
		   "config.json: linux.timeOffsets.realtime: unknown clock (want monotonic or boottime)");
	CHECK_EDIT("\"linux\": {",
		   "\"linux\": { \"timeOffsets\": { \"boottime\": { \"nanosecs\": 1000000000 } },",
		   "config.json: linux.timeOffsets.boottime.nanosecs: must be less than 1000000000");
	CHECK_EDIT("\"linux\": {", "\"linux\": { \"rootfsPropagation\": \"rshared\",", "");
	/* the propagation vocabulary is fs/'s (mountopts.c): fs_validate refuses "bogus" (test_fs) */
	CHECK_EDIT("\"linux\": {", "\"linux\": { \"rootfsPropagation\": \"bogus\",", "");
	CHECK_EDIT("\"linux\": {", "\"linux\": { \"seccomp\": { \"defaultAction\": \"\" },",
		   "config.json: linux.seccomp.defaultAction: must not be empty");
	CHECK_EDIT(
	    "\"access\": \"rwm\"", "\"access\": \"rwx\"",
	    "config.json: linux.resources.devices[0].access: invalid access \"rwx\" (want letters of rwm)");
	CHECK_EDIT(
	    "\"access\": \"rwm\"", "\"access\": \"rwm\", \"type\": \"p\"",
	    "config.json: linux.resources.devices[0].type: unknown device type \"p\" (want a, b or c)");
	CHECK_EDIT("\"hostname\": \"runc\"",
		   "\"hostname\": \"runc\", \"hooks\": { \"prestart\": [ { \"path\": \"hook\" } ] }",
		   "config.json: hooks.prestart[0].path: must be an absolute path, not \"hook\"");
	CHECK_EDIT(
	    "\"hostname\": \"runc\"",
	    "\"hostname\": \"runc\", \"hooks\": { \"poststop\": [ { \"path\": \"/a\" }, { \"path\": \"/b\", "
	    "\"timeout\": 0 } ] }",
	    "config.json: hooks.poststop[1].timeout: must be greater than zero");
	CHECK_EDIT("\"hostname\": \"runc\"",
		   "\"hostname\": \"runc\", \"hooks\": { \"createRuntime\": [ { \"args\": [] } ] }",
		   "config.json: hooks.createRuntime[0].path: missing required field");
}

TEST(validate_without_parse)
{
	ocirun_error_t err = {0};
	struct oci_spec s = {0};

	CHECK(spec_validate(&s, NULL, &err) == -EINVAL);
	CHECK_STR(err.msg, "ociVersion: missing required field");
	CHECK(spec_validate(&s, "x.json", &err) == -EINVAL);
	CHECK_STR(err.msg, "x.json: ociVersion: missing required field");
}

static const char *process_err(const char *text, struct oci_process **ret)
{
	static ocirun_error_t err;
	struct oci_process *p = NULL;

	oerr_clear(&err);
	if (spec_parse_process(text, strlen(text), "process.json", &p, &err) < 0)
		return err.msg;
	if (ret)
		*ret = p;
	else
		spec_free_process(p);
	return "";
}

TEST(process_json)
{
	struct oci_process *p = NULL;
	const char *start = strstr(full_spec, "\"process\": ") + strlen("\"process\": ");
	const char *end = strstr(start, "\"root\": ");
	char *text = xasprintf("%.*s", (int)(end - start), start);

	/* the full fixture's process object, without the trailing ", " */
	text[strlen(text) - 2] = '\0';
	CHECK_STR(process_err(text, &p), "");
	if (p)
		check_full_process(p);
	spec_free_process(p);
	free(text);
	CHECK_STR(process_err("{\"args\": [\"sh\"], \"cwd\": \"/\", \"user\": {\"uid\": \"0\"}}", NULL),
		  "process.json: user.uid: expected an unsigned 32-bit integer");
	CHECK_STR(process_err("{\"cwd\": \"/\"}", NULL), "process.json: args: must not be empty");
	CHECK_STR(process_err("{\"args\": [\"sh\"]}", NULL), "process.json: cwd: missing required field");
	CHECK_STR(process_err("{\"args\": [\"sh\"], \"cwd\": \"x\"}", NULL),
		  "process.json: cwd: must be an absolute path, not \"x\"");
	CHECK_STR(
	    process_err("{\"args\": [\"sh\"], \"cwd\": \"/\", \"rlimits\": [{\"type\": \"RLIMIT_CPU\"}]}",
			NULL),
	    "process.json: rlimits[0].hard: missing required field");
	CHECK_STR(process_err("[]", NULL), "process.json: expected a JSON object");
	CHECK_STR(process_err("{\"args\": [\"sh\"], \"cwd\": \"/\", \"ociVersion\": 3}", NULL), "");
}

static const char *resources_err(const char *text, struct oci_resources **ret)
{
	static ocirun_error_t err;
	struct oci_resources *r = NULL;

	oerr_clear(&err);
	if (spec_parse_resources(text, strlen(text), "resources.json", &r, &err) < 0)
		return err.msg;
	if (ret)
		*ret = r;
	else
		spec_free_resources(r);
	return "";
}

TEST(resources_json)
{
	struct oci_resources *r = NULL;
	const char *start = strstr(full_spec, "\"resources\": ") + strlen("\"resources\": ");
	const char *end = strstr(start, "\"rootfsPropagation\": ");
	char *text = xasprintf("%.*s", (int)(end - start), start);

	text[strlen(text) - 2] = '\0';
	CHECK_STR(resources_err(text, &r), "");
	if (r)
		check_full_resources(r);
	spec_free_resources(r);
	free(text);
	CHECK_STR(resources_err("{}", &r), "");
	CHECK(r && r->memory == NULL && r->n_devices == 0 && r->unified.n == 0);
	spec_free_resources(r);
	CHECK_STR(resources_err("{\"memory\": {\"limit\": \"1G\"}}", NULL),
		  "resources.json: memory.limit: expected a 64-bit integer");
	CHECK_STR(resources_err("{\"cpu\": {\"shares\": -2}}", NULL),
		  "resources.json: cpu.shares: expected an unsigned 64-bit integer");
	CHECK_STR(resources_err("{\"devices\": [{\"allow\": true, \"access\": \"rwq\"}]}", NULL),
		  "resources.json: devices[0].access: invalid access \"rwq\" (want letters of rwm)");
	CHECK_STR(resources_err("{\"pids\": {}}", &r), "");
	CHECK(r && r->pids && !r->pids->has_limit);
	spec_free_resources(r);
}

TEST(default_spec)
{
	struct oci_spec *s;
	const char *text = spec_default_json(false);

	CHECK(text == spec_default_json(false));
	s = parse_ok(text);
	CHECK(s != NULL);
	if (s) {
		CHECK_STR(s->oci_version, "1.2.0");
		CHECK_STR(s->process->args[0], "sh");
		CHECK(s->process->terminal && s->process->no_new_privileges && s->process->n_rlimits == 1);
		CHECK(s->process->rlimits[0].hard == 1024);
		CHECK(s->n_mounts == 7 && spec_find_namespace(s, "network") &&
		      !spec_find_namespace(s, "user"));
		CHECK_STR(s->mounts[2].options[5], "gid=5");
		CHECK(s->linux_->resources && s->linux_->resources->n_devices == 1);
		CHECK(strv_len(s->linux_->masked_paths) == 10 && strv_len(s->linux_->readonly_paths) == 5);
		CHECK(s->linux_->n_uid_mappings == 0);
	}
	spec_free(s);

	text = spec_default_json(true);
	CHECK(strchr(text, '%') == NULL);
	s = parse_ok(text);
	CHECK(s != NULL);
	if (s) {
		CHECK(!spec_find_namespace(s, "network") && spec_find_namespace(s, "user"));
		CHECK(s->linux_->n_uid_mappings == 1 && s->linux_->uid_mappings[0].host_id == geteuid());
		CHECK(s->linux_->uid_mappings[0].container_id == 0 && s->linux_->uid_mappings[0].size == 1);
		CHECK(s->linux_->n_gid_mappings == 1 && s->linux_->gid_mappings[0].host_id == getegid());
		CHECK(s->linux_->resources == NULL);
		CHECK_STR(s->mounts[5].type, "none");
		CHECK_STR(s->mounts[5].options[0], "rbind");
		CHECK(strv_len(s->mounts[2].options) == 5);
	}
	spec_free(s);
}

TEST(load)
{
	char dir[] = "/tmp/ocirun-test-spec.XXXXXX";
	ocirun_error_t err = {0};
	struct oci_spec *s = NULL;
	char *path, *want;
	int fd;

	CHECK(mkdtemp(dir) != NULL);
	path = xasprintf("%s/config.json", dir);
	CHECK(spec_load(dir, &s, &err) == -ENOENT);
	want = xasprintf("open \"%s\": No such file or directory", path);
	CHECK_STR(err.msg, want);
	free(want);

	CHECK(write_file(path, runc_spec, strlen(runc_spec), &err) == 0);
	CHECK(spec_load(dir, &s, &err) == 0);
	CHECK(s && strcmp(s->hostname, "runc") == 0);
	spec_free(s);
	s = NULL;

	CHECK(write_file(path, "{\"ociVersion\": 1}", 17, &err) == 0);
	CHECK(spec_load(dir, &s, &err) == -EINVAL);
	CHECK_STR(err.msg, "config.json: ociVersion: expected a string");

	/* sparse, so the test stays cheap */
	fd = open(path, O_WRONLY | O_TRUNC);
	CHECK(fd >= 0 && ftruncate(fd, SPEC_MAX_SIZE + 1) == 0);
	close(fd);
	CHECK(spec_load(dir, &s, &err) == -EFBIG);
	CHECK_CONTAINS(err.msg, "file larger than 16 MiB");

	unlink(path);
	CHECK(mkdir(path, 0755) == 0);
	CHECK(spec_load(dir, &s, &err) == -EISDIR);
	CHECK_CONTAINS(err.msg, "Is a directory");
	rmdir(path);
	rmdir(dir);
	free(path);

	/* the in-memory parsers have the same limit */
	CHECK(spec_parse("{}", SPEC_MAX_SIZE + 1, "config.json", &s, &err) == -EFBIG);
	CHECK_CONTAINS(err.msg, "config.json: document too large");
}

/* Under ASan every realloc copies, and yajl grows an object's arrays one entry at a time: 200000
 * keys take over 10 minutes there (measured on 07f73e5 too), in yajl, not in ocirun's code. The
 * sanitizer build exercises the same paths with fewer keys. */
#if defined(__SANITIZE_ADDRESS__)
#define BIG_MAP_KEYS 20000
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BIG_MAP_KEYS 20000
#endif
#endif
#ifndef BIG_MAP_KEYS
#define BIG_MAP_KEYS 200000
#endif

TEST(big_maps)
{
	/* BIG_MAP_KEYS annotations, half of them duplicates: sorting keeps this fast */
	size_t n = BIG_MAP_KEYS, cap = n * 40 + strlen(runc_spec);
	char want[32];
	char *text = xmalloc(cap), *p;
	struct oci_spec *s;
	int len = (int)(strstr(runc_spec, "\"hostname\"") - runc_spec);

	p = text + sprintf(text, "%.*s\"annotations\": {", len, runc_spec);
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "%s\"key%zu\": \"%zu\"", i ? ", " : "", i % (n / 2), i);
	sprintf(p, "}, %s", runc_spec + len);
	s = parse_ok(text);
	CHECK(s && s->annotations.n == n / 2);
	if (s) {
		/* the last of duplicate keys wins: key7 is entry n/2 + 7 */
		snprintf(want, sizeof(want), "%zu", n / 2 + 7);
		CHECK_STR(spec_annotation(s, "key7"), want);
		snprintf(want, sizeof(want), "key%zu", n / 2 - 1);
		_cleanup_free_ char *last = xstrdup(want);
		snprintf(want, sizeof(want), "%zu", n - 1);
		CHECK_STR(spec_annotation(s, last), want);
	}
	spec_free(s);
	free(text);
}

int main(void)
{
	RUN(runc_spec_fixture);
	RUN(full_spec_fixture);
	RUN(every_field_rejects_wrong_types);
	RUN(type_error_messages);
	RUN(top_level_and_invalid_json);
	RUN(embedded_nul);
	RUN(deep_nesting);
	RUN(duplicate_keys_last_wins);
	RUN(null_is_absent);
	RUN(integer_limits);
	RUN(validation);
	RUN(validate_without_parse);
	RUN(process_json);
	RUN(resources_json);
	RUN(default_spec);
	RUN(load);
	RUN(big_maps);
	return UNIT_END();
}
