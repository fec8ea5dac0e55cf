/* libFuzzer target for the systemd driver's pure conversions (cgroup/sdconv.c):
 * the input, split at NUL bytes, is a linux.cgroupsPath, then key/value pairs
 * of annotations ("org.systemd.property." is put in front of each key), then
 * a CPU list. Everything parsed is freed.
 * Runs in: the fuzzer only. Must not call: exit. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "cgroup/sd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_PARTS 9

static void check_err(const ocirun_error_t *err)
{
	/* a failed call leaves a non-empty, terminated message */
	if (err->msg[0] == '\0' || strnlen(err->msg, sizeof(err->msg)) == sizeof(err->msg))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *parts[MAX_PARTS] = {0};
	struct oci_kv kv[(MAX_PARTS - 2) / 2];
	struct oci_map a = {kv, 0};
	ocirun_error_t err = {0};
	struct sd_props p = {0};
	struct sd_unit u;
	size_t n = 0;
	uint8_t *bits;
	size_t nbits;

	memcpy(buf, data, size);
	buf[size] = '\0';
	for (char *s = buf; n < MAX_PARTS && s <= buf + size; s += strlen(s) + 1)
		parts[n++] = s;
	if (sd_unit_parse(parts[0], "id", false, &u, &err) == 0)
		sd_unit_clear(&u);
	else
		check_err(&err);
	for (size_t i = 1; i + 1 < n - 1 && a.n < ARRAY_SIZE(kv); i += 2) {
		kv[a.n].key = xasprintf("org.systemd.property.%s", parts[i]);
		kv[a.n].value = parts[i + 1];
		a.n++;
	}
	memset(&err, 0, sizeof(err));
	if (sd_annotation_props(&a, &p, &err) < 0)
		check_err(&err);
	sd_props_clear(&p);
	for (size_t i = 0; i < a.n; i++)
		free(kv[i].key);
	memset(&err, 0, sizeof(err));
	if (n > 1 && sd_range_to_bits(parts[n - 1], &bits, &nbits, &err) == 0)
		free(bits);
	else if (n > 1)
		check_err(&err);
	free(buf);
	return 0;
}
