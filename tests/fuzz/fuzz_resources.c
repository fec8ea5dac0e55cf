/* libFuzzer target for `update --resources`: a LinuxResources document
 * parsed by spec_parse_resources and freed.
 * Runs in: the fuzzer only. Must not call: exit. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "spec/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ocirun_error_t err = {0};
	struct oci_resources *r = NULL;

	if (spec_parse_resources((const char *)data, size, "resources.json", &r, &err) < 0) {
		/* a failed call leaves a non-empty, terminated message */
		if (err.msg[0] == '\0' || strnlen(err.msg, sizeof(err.msg)) == sizeof(err.msg))
			__builtin_trap();
		return 0;
	}
	spec_free_resources(r);
	return 0;
}
