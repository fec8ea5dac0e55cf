/* libFuzzer target for the persisted cgroup record (the "cgroup" member of
 * state.json): json_parse, cgroup_from_json, then back with cgroup_to_json,
 * which must load again and name the same directories.
 * Runs in: the fuzzer only. Must not call: exit. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "cgroup/cgroup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_error(const ocirun_error_t *err)
{
	if (err->msg[0] == '\0' || strnlen(err->msg, sizeof(err->msg)) == sizeof(err->msg))
		__builtin_trap();
}

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static const char *const controllers[] = {NULL, "", "memory", "cpu", "pids", "name=systemd", "devices"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ocirun_error_t err = {0};
	json_t *v = NULL, *v2 = NULL;
	cgroup_t *cg = NULL, *cg2 = NULL;
	json_gen_t *g;
	char *text;
	size_t len;

	if (json_parse((const char *)data, size, &v, &err) < 0) {
		check_error(&err);
		return 0;
	}
	if (cgroup_from_json(v, &cg, &err) < 0) {
		check_error(&err);
		json_free(v);
		return 0;
	}
	json_free(v);
	g = json_gen_new(false);
	cgroup_to_json(cg, g);
	text = json_gen_finish(g, &len);
	json_gen_free(g);
	if (json_parse(text, len, &v2, &err) < 0 || cgroup_from_json(v2, &cg2, &err) < 0)
		__builtin_trap();
	for (size_t i = 0; i < sizeof(controllers) / sizeof(controllers[0]); i++)
		if (!same(cgroup_path(cg, controllers[i]), cgroup_path(cg2, controllers[i])))
			__builtin_trap();
	(void)cgroup_v2_fd(cg);
	cgroup_free(cg2);
	cgroup_free(cg);
	json_free(v2);
	free(text);
	return 0;
}
