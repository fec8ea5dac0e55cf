/* spec/default: the config.json that `ocirun spec` writes, with the values of
 * `runc spec` (and `runc spec --rootless`). Runs in: runtime.
 * Must not call: exit, anything outside base/. */
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "base/json.h"
#include "base/util.h"
#include "spec/spec.h"

/* The documents below are plain JSON tokens that the preprocessor turns into
 * a string (#__VA_ARGS__), so they need no escaping; they come out on one
 * line and are pretty-printed once at run time. */
#define JSON_TEXT(...) #__VA_ARGS__

/* clang-format off */
static const char default_doc[] = JSON_TEXT({
	"ociVersion": "1.2.0",
	"process": {
		"terminal": true,
		"user": { "uid": 0, "gid": 0 },
		"args": [ "sh" ],
		"env": [
			"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			"TERM=xterm"
		],
		"cwd": "/",
		"capabilities": {
			"bounding": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ],
			"effective": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ],
			"permitted": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ]
		},
		"rlimits": [ { "type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024 } ],
		"noNewPrivileges": true
	},
	"root": { "path": "rootfs", "readonly": true },
	"hostname": "runc",
	"mounts": [
		{ "destination": "/proc", "type": "proc", "source": "proc" },
		{
			"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
			"options": [ "nosuid", "strictatime", "mode=755", "size=65536k" ]
		},
		{
			"destination": "/dev/pts", "type": "devpts", "source": "devpts",
			"options": [
				"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"
			]
		},
		{
			"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
			"options": [ "nosuid", "noexec", "nodev", "mode=1777", "size=65536k" ]
		},
		{
			"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
			"options": [ "nosuid", "noexec", "nodev" ]
		},
		{
			"destination": "/sys", "type": "sysfs", "source": "sysfs",
			"options": [ "nosuid", "noexec", "nodev", "ro" ]
		},
		{
			"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
			"options": [ "nosuid", "noexec", "nodev", "relatime", "ro" ]
		}
	],
	"linux": {
		"resources": {
			"devices": [ { "allow": false, "access": "rwm" } ]
		},
		"namespaces": [
			{ "type": "pid" },
			{ "type": "network" },
			{ "type": "ipc" },
			{ "type": "uts" },
			{ "type": "mount" }
		],
		"maskedPaths": [
			"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
			"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
			"/proc/sched_debug", "/sys/firmware", "/proc/scsi"
		],
		"readonlyPaths": [ "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger" ]
	}
});

/* Rootless, as runc makes it: no network namespace (an unprivileged user
 * could not configure it) but a user namespace mapping root to the caller
 * (the two %u: geteuid() and getegid()), /sys bind-mounted since sysfs cannot
 * be mounted without owning the network namespace, no gid= for devpts (gid 5
 * is not mapped), and no cgroup device rules. */
static const char rootless_format[] = JSON_TEXT({
	"ociVersion": "1.2.0",
	"process": {
		"terminal": true,
		"user": { "uid": 0, "gid": 0 },
		"args": [ "sh" ],
		"env": [
			"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			"TERM=xterm"
		],
		"cwd": "/",
		"capabilities": {
			"bounding": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ],
			"effective": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ],
			"permitted": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ]
		},
		"rlimits": [ { "type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024 } ],
		"noNewPrivileges": true
	},
	"root": { "path": "rootfs", "readonly": true },
	"hostname": "runc",
	"mounts": [
		{ "destination": "/proc", "type": "proc", "source": "proc" },
		{
			"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
			"options": [ "nosuid", "strictatime", "mode=755", "size=65536k" ]
		},
		{
			"destination": "/dev/pts", "type": "devpts", "source": "devpts",
			"options": [ "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620" ]
		},
		{
			"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
			"options": [ "nosuid", "noexec", "nodev", "mode=1777", "size=65536k" ]
		},
		{
			"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
			"options": [ "nosuid", "noexec", "nodev" ]
		},
		{
			"destination": "/sys", "type": "none", "source": "/sys",
			"options": [ "rbind", "nosuid", "noexec", "nodev", "ro" ]
		},
		{
			"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
			"options": [ "nosuid", "noexec", "nodev", "relatime", "ro" ]
		}
	],
	"linux": {
		"uidMappings": [ { "containerID": 0, "hostID": %u, "size": 1 } ],
		"gidMappings": [ { "containerID": 0, "hostID": %u, "size": 1 } ],
		"namespaces": [
			{ "type": "pid" },
			{ "type": "ipc" },
			{ "type": "uts" },
			{ "type": "mount" },
			{ "type": "user" }
		],
		"maskedPaths": [
			"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
			"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
			"/proc/sched_debug", "/sys/firmware", "/proc/scsi"
		],
		"readonlyPaths": [ "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger" ]
	}
});
/* clang-format on */

static char *pretty(char *compact)
{
	ocirun_error_t err;
	json_t *tree;
	json_gen_t *g;
	char *out;

	/* cannot fail on the documents above; keep the compact text if it does */
	if (json_parse(compact, strlen(compact), &tree, &err) < 0)
		return compact;
	g = json_gen_new(true);
	json_gen_tree(g, tree);
	out = json_gen_finish(g, NULL);
	json_gen_free(g);
	json_free(tree);
	free(compact);
	return out;
}

const char *spec_default_json(bool rootless)
{
	/* built once per process and kept: callers get a string they do not free */
	static char *docs[2];

	if (!docs[rootless])
		docs[rootless] =
		    pretty(rootless ? xasprintf(rootless_format, (unsigned)geteuid(), (unsigned)getegid())
				    : xstrdup(default_doc));
	return docs[rootless];
}
