/* libFuzzer target for `exec --process`: a process.json document parsed by
 * spec_parse_process, then checked as exec checks it before it forks
 * (capability and rlimit names), and freed.
 * Runs in: the fuzzer only. Must not call: exit. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sec/sec.h"
#include "spec/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A failed call must leave a non-empty, terminated message. */
static void check_error(const ocirun_error_t *err)
{
	if (err->msg[0] == '\0' || strnlen(err->msg, sizeof(err->msg)) == sizeof(err->msg))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ocirun_error_t err = {0};
	struct oci_process *p = NULL;

	if (spec_parse_process((const char *)data, size, "process.json", &p, &err) < 0) {
		check_error(&err);
		return 0;
	}
	memset(&err, 0, sizeof(err));
	if (caps_validate(p->capabilities, &(struct caps_set){0}, &err) < 0)
		check_error(&err);
	memset(&err, 0, sizeof(err));
	if (rlimits_validate(p->rlimits, p->n_rlimits, &err) < 0)
		check_error(&err);
	spec_free_process(p);
	return 0;
}
