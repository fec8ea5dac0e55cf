#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"
#include "hooks/hooks.h"
#include "unit.h"

static char tmpdir[] = "/tmp/ocirun-test-hooks.XXXXXX";

static char *tmp_path(const char *name)
{
	return xasprintf("%s/%s", tmpdir, name);
}

/* A hook running /bin/sh -c script [extra...]. */
static struct oci_hook sh_hook(const char *script, const char *a0, const char *a1)
{
	struct oci_hook h = {.path = xstrdup("/bin/sh")};

	strv_push(&h.args, "sh");
	strv_push(&h.args, "-c");
	strv_push(&h.args, script);
	if (a0)
		strv_push(&h.args, a0);
	if (a1)
		strv_push(&h.args, a1);
	return h;
}

static void hook_free(struct oci_hook *h)
{
	free(h->path);
	strv_free(h->args);
	strv_free(h->env);
}

TEST(state_on_stdin)
{
	ocirun_error_t err = {0};
	const char *state = "{\"ociVersion\":\"1.2.0\",\"id\":\"c1\",\"status\":\"creating\",\"pid\":42}";
	_cleanup_free_ char *file = tmp_path("stdin.json");
	_cleanup_free_ char *script = xasprintf("cat > %s", file);
	struct oci_hook h = sh_hook(script, NULL, NULL);

	CHECK(hooks_run(&h, 1, "prestart", state, &err) == 0);
	_cleanup_free_ char *got = unit_slurp(file, 0);
	CHECK_STR(got, state);
	hook_free(&h);
}

TEST(args_and_env_exact)
{
	ocirun_error_t err = {0};
	_cleanup_free_ char *file = tmp_path("args.txt");
	_cleanup_free_ char *script = xasprintf("echo \"$0 $1 $FOO ${OCIRUN_TEST_MARK-unset}\" > %s", file);
	struct oci_hook h = sh_hook(script, "x", "y");

	strv_push(&h.env, "FOO=bar");
	setenv("OCIRUN_TEST_MARK", "inherited", 1);
	CHECK(hooks_run(&h, 1, "createRuntime", "{}", &err) == 0);
	_cleanup_free_ char *got = unit_slurp(file, 0);
	CHECK_STR(got, "x y bar unset\n");
	unsetenv("OCIRUN_TEST_MARK");
	hook_free(&h);
}

TEST(absent_env_is_empty)
{
	ocirun_error_t err = {0};
	_cleanup_free_ char *file = tmp_path("noenv.txt");
	_cleanup_free_ char *script = xasprintf("echo \"${OCIRUN_TEST_MARK-unset}\" > %s", file);
	struct oci_hook h = sh_hook(script, NULL, NULL);

	setenv("OCIRUN_TEST_MARK", "inherited", 1); /* the runtime's env must not leak */
	CHECK(hooks_run(&h, 1, "poststop", NULL, &err) == 0);
	_cleanup_free_ char *got = unit_slurp(file, 0);
	CHECK_STR(got, "unset\n");
	unsetenv("OCIRUN_TEST_MARK");
	hook_free(&h);
}

/* No args: argv is {path}. /bin/sh without arguments runs its stdin, so the
 * "state" here is a script that records $0. */
TEST(absent_args_is_path)
{
	ocirun_error_t err = {0};
	struct oci_hook h = {.path = "/bin/sh"};
	_cleanup_free_ char *file = tmp_path("argv0.txt");
	_cleanup_free_ char *script = xasprintf("echo \"$0 $#\" > %s\n", file);

	CHECK(hooks_run(&h, 1, "prestart", script, &err) == 0);
	_cleanup_free_ char *got = unit_slurp(file, 0);
	CHECK_STR(got, "/bin/sh 0\n");
}

TEST(exit_status_and_output)
{
	ocirun_error_t err = {0};
	struct oci_hook h = sh_hook("echo to-out; echo '  oops  ' >&2; exit 3", NULL, NULL);

	CHECK(hooks_run(&h, 1, "prestart", "{}", &err) < 0);
	CHECK_STR(err.msg,
		  "error running prestart hook #0: \"/bin/sh\": exit status 3; stdout: to-out; stderr: oops");
	hook_free(&h);
}

TEST(killed_by_signal)
{
	ocirun_error_t err = {0};
	struct oci_hook h = sh_hook("kill -SEGV $$", NULL, NULL);

	CHECK(hooks_run(&h, 1, "poststart", "{}", &err) < 0);
	CHECK_CONTAINS(err.msg, "error running poststart hook #0: \"/bin/sh\": killed by signal 11");
	hook_free(&h);
}

TEST(timeout_kills)
{
	ocirun_error_t err = {0};
	struct oci_hook h = {.path = "/bin/sleep", .has_timeout = true, .timeout = 1};

	strv_push(&h.args, "sleep");
	strv_push(&h.args, "10");
	CHECK(hooks_run(&h, 1, "createContainer", "{}", &err) < 0);
	CHECK_STR(err.msg,
		  "error running createContainer hook #0: \"/bin/sleep\": killed after timeout of 1s");
	CHECK(err.code == ETIMEDOUT);
	strv_free(h.args);
}

/* A timeout that is not reached changes nothing. */
TEST(timeout_not_reached)
{
	ocirun_error_t err = {0};
	struct oci_hook h = sh_hook("exit 0", NULL, NULL);

	h.has_timeout = true;
	h.timeout = 30;
	CHECK(hooks_run(&h, 1, "prestart", "{}", &err) == 0);
	hook_free(&h);
}

TEST(nonexistent_path)
{
	ocirun_error_t err = {0};
	struct oci_hook h = {.path = "/nonexistent/hook"};

	CHECK(hooks_run(&h, 1, "startContainer", "{}", &err) < 0);
	CHECK_STR(
	    err.msg,
	    "error running startContainer hook #0: \"/nonexistent/hook\": exec: No such file or directory");
	CHECK(err.code == ENOENT);
}

TEST(order_and_first_failure_stops)
{
	ocirun_error_t err = {0};
	_cleanup_free_ char *file = tmp_path("order.txt");
	_cleanup_free_ char *s0 = xasprintf("printf 0 >> %s", file);
	_cleanup_free_ char *s1 = xasprintf("printf 1 >> %s", file);
	_cleanup_free_ char *s3 = xasprintf("printf 3 >> %s", file);
	struct oci_hook hs[4] = {sh_hook(s0, NULL, NULL), sh_hook(s1, NULL, NULL),
				 sh_hook("exit 7", NULL, NULL), sh_hook(s3, NULL, NULL)};

	CHECK(hooks_run(hs, 4, "prestart", "{}", &err) < 0);
	CHECK_STR(err.msg, "error running prestart hook #2: \"/bin/sh\": exit status 7");
	_cleanup_free_ char *got = unit_slurp(file, 0);
	CHECK_STR(got, "01");
	for (size_t i = 0; i < ARRAY_SIZE(hs); i++)
		hook_free(&hs[i]);
}

/* One hook of a list, named by its index in the list (poststop warnings). */
TEST(nth_names_its_index)
{
	ocirun_error_t err = {0};
	struct oci_hook hs[2] = {sh_hook("exit 0", NULL, NULL), sh_hook("exit 4", NULL, NULL)};

	CHECK(hooks_run_nth(hs, 0, "poststop", "{}", &err) == 0);
	CHECK(hooks_run_nth(hs, 1, "poststop", "{}", &err) < 0);
	CHECK_STR(err.msg, "error running poststop hook #1: \"/bin/sh\": exit status 4");
	for (size_t i = 0; i < ARRAY_SIZE(hs); i++)
		hook_free(&hs[i]);
}

/* A hook that ignores a large stdin must not fail the run nor leave a
 * SIGPIPE behind that would kill the runtime. */
TEST(unread_stdin)
{
	ocirun_error_t err = {0};
	size_t big = 1 << 20;
	_cleanup_free_ char *state = xmalloc(big + 1);
	struct oci_hook h = sh_hook("exit 0", NULL, NULL);
	sigset_t pending;

	memset(state, 'x', big);
	state[big] = '\0';
	CHECK(hooks_run(&h, 1, "prestart", state, &err) == 0);
	sigpending(&pending);
	CHECK(!sigismember(&pending, SIGPIPE));
	hook_free(&h);
}

TEST(fds_closed_in_hook)
{
	ocirun_error_t err = {0};
	_cleanup_free_ char *file = tmp_path("fds.txt");
	_cleanup_free_ char *script =
	    xasprintf("if [ -e /proc/self/fd/57 ]; then echo open; else echo closed; fi > %s", file);
	struct oci_hook h = sh_hook(script, NULL, NULL);

	CHECK(dup2(1, 57) == 57); /* no close-on-exec */
	CHECK(hooks_run(&h, 1, "prestart", "{}", &err) == 0);
	close(57);
	_cleanup_free_ char *got = unit_slurp(file, 0);
	CHECK_STR(got, "closed\n");
	hook_free(&h);
}

TEST(blocked_signals_reset)
{
	ocirun_error_t err = {0};
	struct oci_hook k = sh_hook("kill -TERM $$; sleep 5", NULL, NULL);
	sigset_t term, old;

	/* The runtime blocks signals for its signalfd; a hook must not inherit
	 * that mask (here: SIGTERM must still kill it). */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, &old);
	k.has_timeout = true;
	k.timeout = 3;
	CHECK(hooks_run(&k, 1, "prestart", "{}", &err) < 0);
	CHECK_CONTAINS(err.msg, "killed by signal 15");
	sigprocmask(SIG_SETMASK, &old, NULL);
	hook_free(&k);
}

TEST(empty_list)
{
	ocirun_error_t err = {0};

	CHECK(hooks_run(NULL, 0, "prestart", "{}", &err) == 0);
}

int main(void)
{
	ocirun_error_t err = {0};

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(state_on_stdin);
	RUN(args_and_env_exact);
	RUN(absent_env_is_empty);
	RUN(absent_args_is_path);
	RUN(exit_status_and_output);
	RUN(killed_by_signal);
	RUN(timeout_kills);
	RUN(timeout_not_reached);
	RUN(nonexistent_path);
	RUN(order_and_first_failure_stops);
	RUN(nth_names_its_index);
	RUN(unread_stdin);
	RUN(fds_closed_in_hook);
	RUN(blocked_signals_reset);
	RUN(empty_list);
	rm_rf_at(AT_FDCWD, tmpdir, &err);
	return UNIT_END();
}
