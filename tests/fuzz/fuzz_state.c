/* libFuzzer target for the state file reader: the input is written as
 * state.json into a temp dir (made once per process) and read with
 * state_read, as every command on an existing container does. A state that
 * reads is then printed (state_emit), its cgroup record loaded
 * (cgroup_from_json), and written back with state_write: what ocirun wrote
 * must read again with the same id and bundle. The same input is then read
 * as owned.json (state_owned_read, what `delete --force` falls back on),
 * and what reads is written back and must read again the same.
 * Runs in: the fuzzer only. Must not call: exit. */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/json.h"
#include "base/util.h"
#include "cgroup/cgroup.h"
#include "state/state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int in_fd = -1, out_fd = -1;

static int make_dir(void)
{
	const char *tmp = getenv("TMPDIR");
	char dir[4096];
	int fd;

	snprintf(dir, sizeof(dir), "%s/ocirun-fuzz-state.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		abort();
	fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		abort();
	return fd;
}

static void check_error(const ocirun_error_t *err)
{
	if (err->msg[0] == '\0' || strnlen(err->msg, sizeof(err->msg)) == sizeof(err->msg))
		__builtin_trap();
}

static void use_cgroup(const json_t *v)
{
	ocirun_error_t err = {0};
	json_gen_t *g;
	cgroup_t *cg = NULL;

	if (cgroup_from_json(v, &cg, &err) < 0) {
		check_error(&err);
		return;
	}
	g = json_gen_new(false);
	cgroup_to_json(cg, g);
	free(json_gen_finish(g, NULL));
	json_gen_free(g);
	(void)cgroup_path(cg, "memory");
	(void)cgroup_path(cg, NULL);
	cgroup_free(cg);
}

static void round_trip(const struct container_state *st)
{
	ocirun_error_t err = {0};
	struct container_state *again = NULL;

	if (state_write(out_fd, st, &err) < 0)
		__builtin_trap();
	if (state_read(out_fd, &again, &err) < 0)
		__builtin_trap();
	if (strcmp(again->id, st->id) != 0 || strcmp(again->bundle, st->bundle) != 0 ||
	    again->pid != st->pid || again->annotations.n != st->annotations.n)
		__builtin_trap();
	state_free(again);
}

static void owned(const uint8_t *data, size_t size)
{
	ocirun_error_t err = {0};
	struct state_owned o, again;

	if (write_file_at(in_fd, STATE_OWNED, data, size, &err) < 0)
		abort();
	if (state_owned_read(in_fd, &o, &err) < 0) {
		check_error(&err);
		return;
	}
	if (o.pid < 0)
		__builtin_trap(); /* must never reach kill() */
	if (o.cgroup)
		use_cgroup(o.cgroup);
	if (state_owned_write(out_fd, &o, &err) < 0 || state_owned_read(out_fd, &again, &err) < 0)
		__builtin_trap();
	if (again.pid != o.pid || again.start_time != o.start_time || again.cgroup_made != o.cgroup_made ||
	    !again.cgroup != !o.cgroup)
		__builtin_trap();
	state_owned_release(&again);
	state_owned_release(&o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ocirun_error_t err = {0};
	struct container_state *st = NULL;
	json_gen_t *g;

	if (in_fd < 0) {
		in_fd = make_dir();
		out_fd = make_dir();
	}
	owned(data, size);
	if (write_file_at(in_fd, STATE_FILE, data, size, &err) < 0)
		abort();
	if (state_read(in_fd, &st, &err) < 0) {
		check_error(&err);
		return 0;
	}
	g = json_gen_new(true);
	state_emit(g, st, "running");
	free(json_gen_finish(g, NULL));
	json_gen_free(g);
	(void)state_init_alive(st);
	if (st->cgroup)
		use_cgroup(st->cgroup);
	round_trip(st);
	state_free(st);
	return 0;
}
