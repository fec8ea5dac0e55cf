/* hooks: running OCI hooks (prestart, createRuntime, ..., poststop) with the state on stdin and a timeout.
 * Runs in: the runtime, and the container init for createContainer/startContainer.
 * Must not call: exit, log_*, signal handlers or alarm(), anything outside base/ and spec/. */
#ifndef OCIRUN_HOOKS_H
#define OCIRUN_HOOKS_H

#include <stddef.h>

#include "base/error.h"
#include "spec/spec.h"

/* Run hooks[0..n) in order; stop at and return the first failure.
 * Each hook is fork + execve(path, args, env): args as given (args[0] is the
 * program's argv[0]; absent args means argv = {path}), env exactly as given
 * (empty when absent). state_json (may be NULL: empty stdin) is written to the
 * hook's stdin through a pipe; a hook that does not read it is fine. stdout
 * and stderr are captured (last 2 KiB each) and appended to the error when the
 * hook fails; they are discarded on success (as runc does). Signal mask and
 * dispositions are reset, fds >= 3 are closed. A hook running past its
 * timeout (seconds) is killed with SIGKILL. kind names the list in messages,
 * which start as runc's do:
 *   error running prestart hook #0: "/usr/bin/foo": exit status 3; stderr: ...
 *   error running prestart hook #1: "/usr/bin/foo": killed after timeout of 5s
 *   error running prestart hook #0: "/nope": exec: No such file or directory
 * The index is the hook's position in the config list (0-based, like runc).
 * Whether a failure is fatal is the caller's decision. */
int hooks_run(const struct oci_hook *hooks, size_t n, const char *kind, const char *state_json,
	      ocirun_error_t *err);
/* Only hooks[i] (poststart, poststop: every hook runs, each failure is a warning). */
int hooks_run_nth(const struct oci_hook *hooks, size_t i, const char *kind, const char *state_json,
		  ocirun_error_t *err);

#endif
