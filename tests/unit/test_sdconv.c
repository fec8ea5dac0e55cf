/* The systemd driver's pure conversions (cgroup/sdconv.c): cgroupsPath to
 * slice and unit, slice expansion, resources and annotations to unit
 * properties. No systemd needed: nothing here talks to D-Bus. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup/sd.h"
#include "unit.h"

static const struct sd_prop *find(const struct sd_props *p, const char *name)
{
	return sd_props_find(p, name);
}

TEST(path_three_parts)
{
	ocirun_error_t err = {0};
	struct sd_unit u;

	CHECK(sd_unit_parse("kubepods-besteffort-pod1.slice:cri-containerd:abc", "id", false, &u, &err) == 0);
	CHECK_STR(u.slice, "kubepods-besteffort-pod1.slice");
	CHECK_STR(u.unit, "cri-containerd-abc.scope");
	CHECK_STR(u.slice_path, "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice");
	sd_unit_clear(&u);
}

TEST(path_defaults)
{
	ocirun_error_t err = {0};
	struct sd_unit u;

	CHECK(sd_unit_parse(NULL, "c1", false, &u, &err) == 0);
	CHECK_STR(u.slice, "system.slice");
	CHECK_STR(u.unit, "ocirun-c1.scope");
	CHECK_STR(u.slice_path, "/system.slice");
	sd_unit_clear(&u);
	CHECK(sd_unit_parse("", "c1", true, &u, &err) == 0);
	CHECK_STR(u.slice, "user.slice");
	sd_unit_clear(&u);
	CHECK(sd_unit_parse(":libpod:x", "c1", false, &u, &err) == 0);
	CHECK_STR(u.slice, "system.slice");
	CHECK_STR(u.unit, "libpod-x.scope");
	sd_unit_clear(&u);
	CHECK(sd_unit_parse(":libpod:x", "c1", true, &u, &err) == 0);
	CHECK_STR(u.slice, "user.slice");
	sd_unit_clear(&u);
	CHECK(sd_unit_parse("-.slice:p:n", "c1", false, &u, &err) == 0);
	CHECK_STR(u.slice_path, "/");
	sd_unit_clear(&u);
}

TEST(path_errors_name_the_field)
{
	static const char *bad[] = {"a:b",
				    "a:b:c:d",
				    "/sys/x",
				    "system.slice:p:",
				    "foo:p:n",
				    "a--b.slice:p:n",
				    "a/b.slice:p:n",
				    "system.slice:p:n/x",
				    "system.slice:p:x.slice"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		ocirun_error_t err = {0};
		struct sd_unit u = {0};
		CHECK(sd_unit_parse(bad[i], "id", false, &u, &err) < 0);
		CHECK_CONTAINS(err.msg, "linux.cgroupsPath");
	}
}

TEST(expand_slice)
{
	ocirun_error_t err = {0};
	char *p = NULL;

	CHECK(sd_expand_slice("a.slice", &p, &err) == 0);
	CHECK_STR(p, "/a.slice");
	free(p);
	CHECK(sd_expand_slice("a-b-c.slice", &p, &err) == 0);
	CHECK_STR(p, "/a.slice/a-b.slice/a-b-c.slice");
	free(p);
	CHECK(sd_expand_slice("-a.slice", &p, &err) < 0);
	CHECK(sd_expand_slice("a-.slice", &p, &err) < 0);
	CHECK(sd_expand_slice(".slice", &p, &err) < 0);
	CHECK(sd_expand_slice("a.scope", &p, &err) < 0);
}

TEST(cpu_quota)
{
	int64_t q = 50000;

	CHECK(sd_cpu_quota_per_sec(&q, 100000) == 500000 && q == 50000);
	q = 12345; /* 123450 us/s rounds up to 130000, quota follows */
	CHECK(sd_cpu_quota_per_sec(&q, 100000) == 130000 && q == 13000);
	q = 50000;
	CHECK(sd_cpu_quota_per_sec(&q, 0) == 500000);
	q = -1;
	CHECK(sd_cpu_quota_per_sec(&q, 100000) == UINT64_MAX);
	q = 0;
	CHECK(sd_cpu_quota_per_sec(&q, 100000) == UINT64_MAX);
}

TEST(range_to_bits)
{
	ocirun_error_t err = {0};
	uint8_t *b = NULL;
	size_t n = 0;

	CHECK(sd_range_to_bits("0-1", &b, &n, &err) == 0 && n == 1 && b[0] == 0x03);
	free(b);
	CHECK(sd_range_to_bits("0,9", &b, &n, &err) == 0 && n == 2 && b[0] == 0x01 && b[1] == 0x02);
	free(b);
	CHECK(sd_range_to_bits("3-2", &b, &n, &err) < 0);
	CHECK(sd_range_to_bits("x", &b, &n, &err) < 0);
	/* the message named the node after freeing the list (ASan: use after free) */
	CHECK(sd_range_to_bits("1,70000", &b, &n, &err) < 0);
	CHECK_CONTAINS(err.msg, "node out of range");
	CHECK(sd_range_to_bits("65535", &b, &n, &err) == 0 && n == 8192 && b[8191] == 0x80);
	free(b);
	CHECK(sd_range_to_bits("2-3,1", &b, &n, &err) == 0 && n == 1 && b[0] == 0x0e);
	free(b);
	CHECK(sd_range_to_bits("", &b, &n, &err) < 0);
	CHECK(sd_range_to_bits("1-", &b, &n, &err) < 0);
}

TEST(resource_props)
{
	ocirun_error_t err = {0};
	struct oci_memory mem = {.has_limit = true,
				 .limit = 64 << 20,
				 .has_reservation = true,
				 .reservation = 32 << 20,
				 .has_swap = true,
				 .swap = 96 << 20};
	struct oci_cpu cpu = {.has_shares = true,
			      .shares = 1024,
			      .has_quota = true,
			      .quota = 50000,
			      .has_period = true,
			      .period = 100000,
			      .cpus = "0",
			      .mems = "0"};
	struct oci_pids pids = {.has_limit = true, .limit = 0};
	struct oci_blkio io = {.has_weight = true, .weight = 500};
	struct oci_resources r = {.memory = &mem, .cpu = &cpu, .pids = &pids, .block_io = &io};
	struct sd_props p = {0};

	CHECK(sd_resource_props(&r, &p, &err) == 0);
	CHECK(find(&p, "MemoryMax") && find(&p, "MemoryMax")->v.u == 64u << 20);
	CHECK(find(&p, "MemoryLow") && find(&p, "MemoryLow")->v.u == 32u << 20);
	CHECK(find(&p, "MemorySwapMax") && find(&p, "MemorySwapMax")->v.u == 32u << 20);
	CHECK(find(&p, "CPUWeight") && find(&p, "CPUWeight")->v.u == 39);
	CHECK(find(&p, "CPUQuotaPerSecUSec") && find(&p, "CPUQuotaPerSecUSec")->v.u == 500000);
	CHECK(find(&p, "CPUQuotaPeriodUSec") && find(&p, "CPUQuotaPeriodUSec")->v.u == 100000);
	CHECK(find(&p, "AllowedCPUs") && find(&p, "AllowedCPUs")->n_bytes == 1 &&
	      find(&p, "AllowedCPUs")->bytes[0] == 1);
	CHECK(find(&p, "AllowedMemoryNodes") != NULL);
	CHECK(find(&p, "TasksMax") && find(&p, "TasksMax")->v.u == 1); /* systemd refuses 0 */
	CHECK(find(&p, "IOWeight") && find(&p, "IOWeight")->v.u == 1 + (500 - 10) * 9999 / 990);
	sd_props_clear(&p);

	pids.limit = -1;
	mem.limit = -1;
	mem.has_swap = false;
	cpu.cpus = "2-1";
	CHECK(sd_resource_props(&r, &p, &err) < 0);
	CHECK_CONTAINS(err.msg, "linux.resources.cpu.cpus");
	sd_props_clear(&p);
	cpu.cpus = NULL;
	CHECK(sd_resource_props(&r, &p, &err) == 0);
	CHECK(find(&p, "TasksMax")->v.u == UINT64_MAX);
	CHECK(find(&p, "MemoryMax")->v.u == UINT64_MAX);
	sd_props_clear(&p);

	mem.limit = 64 << 20;
	mem.has_swap = true;
	mem.swap = 1 << 20; /* below the limit */
	CHECK(sd_resource_props(&r, &p, &err) < 0);
	CHECK_CONTAINS(err.msg, "linux.resources.memory.swap");
	sd_props_clear(&p);
}

TEST(annotations)
{
	ocirun_error_t err = {0};
	struct oci_kv kv[] = {
	    {"org.systemd.property.TimeoutStopSec", "uint64 7"},
	    {"org.systemd.property.CollectMode", "'inactive-or-failed'"},
	    {"org.systemd.property.CPUWeight", "uint64 77"},
	    {"org.systemd.property.RuntimeMaxUSec", "@t 5000000"},
	    {"org.systemd.property.SendSIGHUP", "true"},
	    {"other.annotation", "ignored"},
	};
	struct oci_map m = {kv, sizeof(kv) / sizeof(*kv)};
	struct sd_props p = {0};

	CHECK(sd_annotation_props(&m, &p, &err) == 0);
	CHECK(p.n == 5);
	CHECK(find(&p, "TimeoutStopUSec") && find(&p, "TimeoutStopUSec")->type == 't' &&
	      find(&p, "TimeoutStopUSec")->v.u == 7000000);
	CHECK(!find(&p, "TimeoutStopSec"));
	CHECK(find(&p, "CollectMode") && find(&p, "CollectMode")->type == 's');
	CHECK_STR(find(&p, "CollectMode")->v.s, "inactive-or-failed");
	CHECK(find(&p, "RuntimeMaxUSec") && find(&p, "RuntimeMaxUSec")->v.u == 5000000);
	CHECK(find(&p, "SendSIGHUP") && find(&p, "SendSIGHUP")->type == 'b' && find(&p, "SendSIGHUP")->v.b);
	sd_props_clear(&p);
}

TEST(annotation_errors)
{
	struct oci_kv bad[][1] = {
	    {{"org.systemd.property.A1", "true"}},
	    {{"org.systemd.property.Ab", "true"}},
	    {{"org.systemd.property.TimeoutStopSec", "'x'"}},
	    {{"org.systemd.property.CPUWeight", "uint64 -1"}},
	    {{"org.systemd.property.CPUWeight", "bogus"}},
	    /* ...Sec x 1e6 out of uint64 (a double out of range was undefined behaviour) */
	    {{"org.systemd.property.TimeoutStopSec", "double 1e300"}},
	    {{"org.systemd.property.TimeoutStopSec", "-1"}},
	    {{"org.systemd.property.TimeoutStopSec", "double -2.5"}},
	    {{"org.systemd.property.TimeoutStopSec", "uint64 18446744073710"}},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		ocirun_error_t err = {0};
		struct oci_map m = {bad[i], 1};
		struct sd_props p = {0};
		CHECK(sd_annotation_props(&m, &p, &err) < 0);
		CHECK_CONTAINS(err.msg, "org.systemd.property.");
		sd_props_clear(&p);
	}
}

TEST(value_types)
{
	ocirun_error_t err = {0};
	struct sd_prop x = {0};

	CHECK(sd_parse_value("A", "42", &x, &err) == 0 && x.type == 'i' && x.v.i == 42);
	CHECK(sd_parse_value("A", "uint32 42", &x, &err) == 0 && x.type == 'u' && x.v.u == 42);
	CHECK(sd_parse_value("A", "int64 -3", &x, &err) == 0 && x.type == 'x' && x.v.i == -3);
	CHECK(sd_parse_value("A", "1.5", &x, &err) == 0 && x.type == 'd' && x.v.d == 1.5);
	CHECK(sd_parse_value("A", "false", &x, &err) == 0 && x.type == 'b' && !x.v.b);
	CHECK(sd_parse_value("A", "uint32 5000000000", &x, &err) < 0);
	/* the narrow GVariant types keep their range */
	CHECK(sd_parse_value("A", "byte 255", &x, &err) == 0 && x.v.u == 255);
	CHECK(sd_parse_value("A", "byte 256", &x, &err) < 0);
	CHECK(sd_parse_value("A", "uint16 65536", &x, &err) < 0);
	CHECK(sd_parse_value("A", "int16 -32769", &x, &err) < 0);
	CHECK(sd_parse_value("A", "int16 -32768", &x, &err) == 0 && x.v.i == -32768);
}

/* The pairs of DeviceAllow joined as "path perms;..." */
static char *allow_list(const struct sd_props *p)
{
	const struct sd_prop *x = find(p, "DeviceAllow");
	static char buf[512];

	buf[0] = 0;
	for (size_t i = 0; x && i + 1 < x->n_pairs; i += 2)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s %s;", x->pairs[i],
			 x->pairs[i + 1]);
	return buf;
}

#define DEV(al, t, ma, mi, acc)                                                                              \
	{                                                                                                    \
		.allow = al, .type = t, .has_major = true, .major = ma, .has_minor = true, .minor = mi,      \
		.access = acc                                                                                \
	}

TEST(device_props)
{
	ocirun_error_t err = {0};
	struct sd_props p = {0};
	/* what `ocirun spec` and runc's defaults give: deny all, then allow lists */
	struct oci_device_cgroup rules[] = {
	    DEV(false, "a", -1, -1, "rwm"), DEV(true, "c", 1, 3, "rw"),     DEV(true, "c", 1, 3, "m"),
	    DEV(true, "c", -1, -1, "m"),    DEV(true, "c", 136, -1, "rwm"), DEV(true, "b", 8, 0, "r"),
	    DEV(true, "c", -1, 5, "rw"),    DEV(true, "c", 10, 200, "rwm"), DEV(false, "c", 10, 200, "w"),
	};

	CHECK(sd_device_props(rules, 0, &p, &err) == 0 && p.n == 0); /* no rules: no properties */
	CHECK(sd_device_props(rules, 9, &p, &err) == 0);
	CHECK(find(&p, "DevicePolicy") && strcmp(find(&p, "DevicePolicy")->v.s, "strict") == 0);
	/* sorted by major:minor, "*:5" left out (systemd has no form for it), 10:200 lost its w */
	CHECK_STR(allow_list(&p),
		  "char-* m;/dev/char/1:3 rwm;/dev/block/8:0 r;/dev/char/10:200 rm;char-136 rwm;");
	sd_props_clear(&p);

	/* allow all (a privileged container): policy auto, no entries */
	struct oci_device_cgroup all[] = {DEV(false, "a", -1, -1, "rwm"), DEV(true, NULL, -1, -1, "rwm")};
	CHECK(sd_device_props(all, 2, &p, &err) == 0);
	CHECK(strcmp(find(&p, "DevicePolicy")->v.s, "auto") == 0 && find(&p, "DeviceAllow")->n_pairs == 0);
	sd_props_clear(&p);

	/* a deny list: strict with no entries (the eBPF program written next replaces systemd's) */
	struct oci_device_cgroup deny[] = {DEV(true, "a", -1, -1, "rwm"), DEV(false, "b", 8, 0, "w")};
	CHECK(sd_device_props(deny, 2, &p, &err) == 0);
	CHECK(strcmp(find(&p, "DevicePolicy")->v.s, "strict") == 0 && find(&p, "DeviceAllow")->n_pairs == 0);
	sd_props_clear(&p);

	/* a hole in a wildcard entry: the v1 cgroup cannot, and neither can systemd */
	struct oci_device_cgroup hole[] = {DEV(false, "a", -1, -1, "rwm"), DEV(true, "c", 4, -1, "rwm"),
					   DEV(false, "c", 4, 1, "w")};
	CHECK(sd_device_props(hole, 3, &p, &err) < 0);
	CHECK_CONTAINS(err.msg, "linux.resources.devices");
	sd_props_clear(&p);
}

int main(void)
{
	RUN(path_three_parts);
	RUN(path_defaults);
	RUN(path_errors_name_the_field);
	RUN(expand_slice);
	RUN(cpu_quota);
	RUN(range_to_bits);
	RUN(resource_props);
	RUN(annotations);
	RUN(annotation_errors);
	RUN(value_types);
	RUN(device_props);
	return UNIT_END();
}
