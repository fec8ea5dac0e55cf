/* ps: the container's processes, as a JSON array of host PIDs or as the
 * lines of `ps` (default `ps -ef`) whose PID column is in the container. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/error.h"
#include "base/util.h"
#include "cli.h"

extern char **environ;

/* Run ps with args (stdin /dev/null, stdout and stderr into one pipe, as Go's
 * CombinedOutput) and collect its output. */
static int run_ps(char *const *args, char **ret, ocirun_error_t *err)
{
	posix_spawn_file_actions_t fa;
	_cleanup_strv_ char **argv = NULL;
	_cleanup_free_ char *out = NULL;
	int p[2], r, status;
	size_t len = 0;
	pid_t pid;

	strv_push(&argv, "ps");
	for (size_t i = 0; args && args[i]; i++)
		strv_push(&argv, args[i]);
	if (!args || !args[0])
		strv_push(&argv, "-ef");
	if (pipe2(p, O_CLOEXEC) < 0)
		return oerr(err, errno, "pipe");
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, p[1], STDERR_FILENO);
	r = posix_spawnp(&pid, "ps", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (r != 0) {
		close(p[0]);
		if (r == ENOENT)
			return oerr_msg(err, r, "exec: \"ps\": executable file not found in $PATH");
		return oerr(err, r, "exec \"ps\"");
	}
	r = read_fd_all(p[0], &out, &len, err);
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return oerr(err, errno, "wait for ps");
	if (r < 0)
		return oerr_prefix(err, "read the output of ps");
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		return oerr_msg(err, EINVAL, "exit status %d: %s", WEXITSTATUS(status), out);
	if (WIFSIGNALED(status))
		return oerr_msg(err, EINTR, "signal: %s: %s", strsignal(WTERMSIG(status)), out);
	*ret = TAKE_PTR(out);
	return 0;
}

/* The n-th whitespace-separated field of line (length in *ret_len), or NULL. */
static const char *field(const char *line, size_t n, size_t *ret_len)
{
	const char *ws = " \t\v\f\r";

	for (size_t i = 0;; i++) {
		line += strspn(line, ws);
		if (!*line)
			return NULL;
		*ret_len = strcspn(line, ws);
		if (i == n)
			return line;
		line += *ret_len;
	}
}

/* Run `ps ARGS` (default -ef) and keep the header and the lines whose PID
 * column names one of pids. */
static int ps_table(const pid_t *pids, size_t n, char *const *args, char **ret, ocirun_error_t *err)
{
	_cleanup_free_ char *out = NULL;
	char *line, *nl, *res;
	size_t col = 0, len, rlen = 0;
	bool found = false;

	if (run_ps(args, &out, err) < 0)
		return oerr_ret(err);
	/* The PID column is the header's field named PID. */
	nl = strchr(out, '\n');
	if (nl)
		*nl = '\0';
	for (const char *f; (f = field(out, col, &len)) != NULL; col++)
		if (len == 3 && !strncmp(f, "PID", 3)) {
			found = true;
			break;
		}
	if (!found)
		return oerr_msg(err, EINVAL, "couldn't find PID field in ps output");
	res = xmalloc(strlen(out) + 2 + (nl ? strlen(nl + 1) + 1 : 0));
	rlen = (size_t)sprintf(res, "%s\n", out);
	for (line = nl ? nl + 1 : NULL; line && *line; line = nl ? nl + 1 : NULL) {
		const char *f;
		char num[32];
		long v;
		char *end;

		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (!*line)
			continue;
		f = field(line, col, &len);
		snprintf(num, sizeof(num), "%.*s", f ? (int)(len < 31 ? len : 31) : 0, f ? f : "");
		errno = 0;
		v = strtol(num, &end, 10);
		if (!f || !*num || *end || errno || v != (pid_t)v) {
			free(res);
			return oerr_msg(err, EINVAL,
					"unable to parse pid: strconv.Atoi: parsing \"%s\": invalid syntax",
					num);
		}
		for (size_t i = 0; i < n; i++)
			if (pids[i] == (pid_t)v) {
				rlen += (size_t)sprintf(res + rlen, "%s\n", line);
				break;
			}
	}
	*ret = res;
	return 0;
}

static void print_json(const pid_t *pids, size_t n)
{
	/* runc encodes a nil slice: null when there is no process */
	if (n == 0) {
		printf("null\n");
		return;
	}
	putchar('[');
	for (size_t i = 0; i < n; i++)
		printf("%s%d", i ? "," : "", (int)pids[i]);
	printf("]\n");
}

CMD(ps)
{
	static const struct option opts[] = {
	    {"format", required_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {0}};
	const char *format = "table", *id;
	ocirun_error_t err = {0};
	pid_t *pids = NULL;
	char *table = NULL;
	char **args;
	size_t n = 0;
	int c, r = 0;

	while ((c = getopt_long(argc, argv, "+f:h", opts, NULL)) != -1) {
		if (c == 'f')
			format = optarg;
		else if (c == 'h')
			exit(cli_help("ps",
				      "Options:\n  -f, --format FORMAT   table or json (default table)\n\n"
				      "Arguments after the ID (after an optional --) are passed to ps;\n"
				      "without any, ps -ef.\n"));
		else
			return 1;
	}
	if (optind >= argc)
		return cli_usage_error("ps", "a container ID is required");
	id = argv[optind];
	args = argv + optind + 1;
	if (args[0] && !strcmp(args[0], "--"))
		args++;
	if (ocirun_ps(ctx, id, &pids, &n, &err) < 0)
		return cli_fail(&err);
	if (!strcmp(format, "json"))
		print_json(pids, n);
	else if (strcmp(format, "table") != 0)
		r = cli_usage_error("ps", "invalid format option");
	else if (ps_table(pids, n, args, &table, &err) < 0)
		r = cli_fail(&err);
	else
		fputs(table, stdout);
	free(table);
	free(pids);
	return r;
}
