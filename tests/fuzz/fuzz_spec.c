/* libFuzzer target for the spec parsers: config.json, process.json and
 * LinuxResources documents, each parsed (type walk plus validation) and freed.
 * Runs in: the fuzzer only. Must not call: exit. */
#include <stddef.h>
#include <stdint.h>

#include "spec/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Isrc/lib -I/usr/include/yajl \
 *	tests/fuzz/fuzz_spec.c src/lib/spec/\*.c src/lib/base/\*.c -lyajl -o /tmp/fuzz_spec
 * /tmp/fuzz_spec -max_total_time=60 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	ocirun_error_t err;
	struct oci_spec *s = NULL;
	struct oci_process *p = NULL;
	struct oci_resources *r = NULL;

	if (spec_parse(text, size, "config.json", &s, &err) == 0)
		spec_free(s);
	if (spec_parse_process(text, size, "process.json", &p, &err) == 0)
		spec_free_process(p);
	if (spec_parse_resources(text, size, "resources.json", &r, &err) == 0)
		spec_free_resources(r);
	return 0;
}
