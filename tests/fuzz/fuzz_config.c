/* libFuzzer target for what `create` checks before anything exists: a
 * config.json parsed by spec_parse, then the runtime-side validators in the
 * order lifecycle/container.c calls them (namespaces, sysctl, capabilities,
 * rlimits, fs_validate against a small bundle, seccomp compilation).
 * fuzz_spec covers the parsers alone; this one goes past them.
 * Runs in: the fuzzer only. Must not call: exit. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fs/fs.h"
#include "ns/ns.h"
#include "sec/sec.h"
#include "spec/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char bundle[4096];

/* A bundle made once per process: rootfs/ with a directory and a file, so
 * that mount sources and the root path can resolve. Left in $TMPDIR (which
 * tests/fuzz/run points into build-fuzz/ and empties) on exit: libFuzzer
 * offers no teardown hook. */
static void make_bundle(void)
{
	char p[4200];
	const char *tmp = getenv("TMPDIR");

	snprintf(bundle, sizeof(bundle), "%s/ocirun-fuzz-bundle.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(bundle))
		abort();
	snprintf(p, sizeof(p), "%s/rootfs", bundle);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/rootfs/etc", bundle);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/file", bundle);
	fclose(fopen(p, "w"));
}

static void check_error(const ocirun_error_t *err)
{
	if (err->msg[0] == '\0' || strnlen(err->msg, sizeof(err->msg)) == sizeof(err->msg))
		__builtin_trap();
}

/* ns_plan_make opens namespace paths; a fuzzed path could name a FIFO or a
 * device, so only paths below /proc/self/ns/ are let through to it. */
static bool unsafe_ns_paths(const struct oci_spec *s)
{
	for (size_t i = 0; s->linux_ && i < s->linux_->n_namespaces; i++) {
		const char *p = s->linux_->namespaces[i].path;
		if (p && *p && (strncmp(p, "/proc/self/ns/", 14) != 0 || strstr(p, "..")))
			return true;
	}
	return false;
}

static void validate(const struct oci_spec *s)
{
	const struct oci_process *p = s->process;
	ocirun_error_t err = {0};
	struct ns_plan plan;

	if (!unsafe_ns_paths(s)) {
		if (ns_plan_make(s, &plan, &err) == 0)
			ns_plan_release(&plan);
		else
			check_error(&err);
	}
	memset(&err, 0, sizeof(err));
	if (ns_sysctl_validate(s, &err) < 0)
		check_error(&err);
	if (p) {
		memset(&err, 0, sizeof(err));
		if (caps_validate(p->capabilities, &(struct caps_set){0}, &err) < 0)
			check_error(&err);
		memset(&err, 0, sizeof(err));
		if (rlimits_validate(p->rlimits, p->n_rlimits, &err) < 0)
			check_error(&err);
	}
	memset(&err, 0, sizeof(err));
	if (fs_validate(s, bundle, &err) < 0)
		check_error(&err);
	if (s->linux_ && s->linux_->seccomp) {
		seccomp_prog_t *prog = NULL;
		memset(&err, 0, sizeof(err));
		if (seccomp_compile(s->linux_->seccomp, &prog, &err) == 0)
			seccomp_prog_free(prog);
		else
			check_error(&err);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ocirun_error_t err = {0};
	struct oci_spec *s = NULL;

	if (!bundle[0])
		make_bundle();
	if (spec_parse((const char *)data, size, "config.json", &s, &err) < 0) {
		check_error(&err);
		return 0;
	}
	validate(s);
	spec_free(s);
	return 0;
}
