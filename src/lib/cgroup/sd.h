/* cgroup/sd: the systemd cgroup driver. sdconv.c holds the pure conversions
 * (cgroupsPath, resources and annotations to unit properties), systemd.c the
 * D-Bus calls through libsystemd's sd-bus, opened with dlopen on first use.
 * Runs in: runtime. Must not call: exit, anything outside base/ and spec/. */
#ifndef OCIRUN_CGROUP_SD_H
#define OCIRUN_CGROUP_SD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/error.h"
#include "spec/spec.h"

/* Where the container's scope goes: from linux.cgroupsPath "slice:prefix:name". */
struct sd_unit {
	char *slice;      /* "system.slice" */
	char *slice_path; /* "/system.slice", the slice's cgroup below the manager's root */
	char *unit;       /* "<prefix>-<name>.scope" */
};

/* One unit property in D-Bus terms. Types: 'b' 's' 'i' 'u' 'x' 't' 'd',
 * 'y' for "ay" (bytes), 'U' for "au" (one uint32 in u) and 'A' for DeviceAllow's
 * "a(ss)" (pairs: path, permissions; sent empty first, which clears the unit's list,
 * then with the pairs, as runc does). */
struct sd_prop {
	char *name;
	char type;
	union {
		bool b;
		int64_t i;
		uint64_t u;
		double d;
		char *s;
	} v;
	uint8_t *bytes;
	size_t n_bytes;
	char **pairs; /* 'A': path, perms, path, perms... */
	size_t n_pairs;
};

struct sd_props {
	struct sd_prop *v;
	size_t n;
};

/* runc's rules: path NULL or "" gives "ocirun-<id>.scope"; else exactly three
 * ':'-separated parts, an empty slice giving system.slice (user.slice rootless). */
int sd_unit_parse(const char *path, const char *id, bool rootless, struct sd_unit *ret, ocirun_error_t *err);
void sd_unit_clear(struct sd_unit *u);
/* "a-b-c.slice" -> "/a.slice/a-b.slice/a-b-c.slice"; "-.slice" -> "/". */
int sd_expand_slice(const char *slice, char **ret, ocirun_error_t *err);
/* cpu.max quota/period -> CPUQuotaPerSecUSec, rounded up to 10 ms as systemd
 * stores it; quota <= 0: UINT64_MAX (no limit). *quota gets the rounded value. */
uint64_t sd_cpu_quota_per_sec(int64_t *quota, uint64_t period);
/* "0-3,5" -> systemd's CPU set bytes (bit n of byte n/8). */
int sd_range_to_bits(const char *s, uint8_t **ret, size_t *ret_n, ocirun_error_t *err);
/* The resources systemd knows as unit properties, converted as runc does. */
int sd_resource_props(const struct oci_resources *r, struct sd_props *p, ocirun_error_t *err);
/* DevicePolicy and DeviceAllow from the device rules (runc's conversion): the rules are replayed
 * as the v1 device cgroup would (a wildcard rule resets, later rules add or remove access); an
 * allow-all list gives DevicePolicy=auto and no DeviceAllow; an allow list gives "strict" and
 * one entry per rule ("/dev/char/1:3", "char-136", "block-*"); a deny list, which systemd
 * cannot express, gives "strict" with no entries (the eBPF program written after the unit is
 * what enforces the rules in every case; systemd's must not deny more). No rules: nothing. */
int sd_device_props(const struct oci_device_cgroup *rules, size_t n, struct sd_props *p, ocirun_error_t *err);
/* org.systemd.property.<Name> annotations; "...Sec" becomes "...USec" (value x 1e6). */
int sd_annotation_props(const struct oci_map *annotations, struct sd_props *p, ocirun_error_t *err);
/* Parse one annotation value (GVariant text: true, 42, uint64 42, @t 42, 'str', "str", 1.5). */
int sd_parse_value(const char *name, const char *text, struct sd_prop *ret, ocirun_error_t *err);
struct sd_prop *sd_props_add(struct sd_props *p, const char *name, char type);
const struct sd_prop *sd_props_find(const struct sd_props *p, const char *name);
void sd_props_clear(struct sd_props *p);

/* ---- D-Bus (systemd.c) ---- */

/* rootless: the user's manager (user bus), else the system manager. */
typedef struct sd_conn sd_conn_t;
int sd_connect(bool user, sd_conn_t **ret, ocirun_error_t *err);
void sd_disconnect(sd_conn_t *c);
/* The manager's root cgroup ("" for the system manager, "/user.slice/.../user@1000.service"). */
int sd_manager_cgroup(sd_conn_t *c, char **ret, ocirun_error_t *err);
/* StartTransientUnit(unit, "replace", props + Slice, Delegate, PIDs=[pid], ...) and
 * wait for its job. *ret_made: systemd accepted the call, so the unit (if it
 * still exists) is this caller's; false when the name was taken (UnitExists). */
int sd_start_scope(sd_conn_t *c, const char *unit, const char *slice, pid_t pid, const struct sd_props *props,
		   bool *ret_made, ocirun_error_t *err);
int sd_set_props(sd_conn_t *c, const char *unit, const struct sd_props *props, ocirun_error_t *err);
/* StopUnit and wait; an unknown unit is not an error. Then ResetFailedUnit. */
int sd_stop_unit(sd_conn_t *c, const char *unit, ocirun_error_t *err);

#endif
