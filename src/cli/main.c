/* ocirun: global options and the command table. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "cli.h"

static const struct cli_cmd commands[] = {
    {"checkpoint", cmd_checkpoint, "checkpoint [options] ID", "checkpoint a running container with CRIU",
     false},
    {"create", cmd_create, "create [options] ID", "create a container", true},
    {"delete", cmd_delete, "delete [-f|--force] ID", "delete a container and everything it holds", false},
    {"events", cmd_events, "events [--stats] [--interval D] ID", "print resource usage and OOM events",
     false},
    {"exec", cmd_exec, "exec [options] ID [COMMAND ARGS...]", "run a new process in a running container",
     true},
    {"features", cmd_features, "features", "print what this runtime supports as JSON", false},
    {"kill", cmd_kill, "kill [-a|--all] ID [SIGNAL]",
     "send a signal (default SIGTERM) to the container's init", false},
    {"list", cmd_list, "list [-q] [-f|--format table|json]", "list containers", false},
    {"pause", cmd_pause, "pause ID", "freeze every process of the container", false},
    {"ps", cmd_ps, "ps [-f|--format table|json] ID [-- PS ARGS]", "list the processes of a container", false},
    {"restore", cmd_restore, "restore [options] ID", "restore a container from a CRIU checkpoint", true},
    {"resume", cmd_resume, "resume ID", "thaw a paused container", false},
    {"run", cmd_run, "run [options] ID", "create and start a container, wait for it", true},
    {"spec", cmd_spec, "spec [-b DIR] [--rootless]", "write a default config.json", false},
    {"start", cmd_start, "start ID", "start the user program of a created container", false},
    {"state", cmd_state, "state ID", "print the state of a container as JSON", false},
    {"update", cmd_update, "update [options] ID", "change the resource limits of a container", false},
};

static const char *cur_cmd = "ocirun";

int cli_fail(const ocirun_error_t *err)
{
	log_error_final(err->msg[0] ? err->msg : "unknown error");
	return 1;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	char msg[512];
	int n;
	va_list ap;

	n = snprintf(msg, sizeof(msg), "%s: ", cmd);
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
	va_end(ap);
	log_error_final(msg);
	return 1;
}

int cli_take_id(const char *cmd, int argc, char **argv, const char **ret_id)
{
	if (optind >= argc)
		return cli_usage_error(cmd, "a container ID is required");
	if (argc - optind > 1)
		return cli_usage_error(cmd, "unexpected argument \"%s\"", argv[optind + 1]);
	*ret_id = argv[optind];
	return 0;
}

int cli_only_id(const char *cmd, int argc, char **argv, const char **ret_id)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0}};
	int c;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h')
			exit(cli_help(cmd, ""));
		return 1;
	}
	return cli_take_id(cmd, argc, argv, ret_id);
}

int cli_help(const char *cmd, const char *options)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, cmd))
			printf("usage: ocirun %s\n\n%s\n\n%s", commands[i].usage, commands[i].summary,
			       options);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: ocirun [global options] COMMAND [options] [arguments]\n\n"
		   "ocirun is an OCI container runtime with runc's command line.\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nGlobal options:\n"
		   "  --root DIR               state root (default /run/ocirun)\n"
		   "  --log FILE               also write log lines to FILE\n"
		   "  --log-format text|json   format of the log lines (default text)\n"
		   "  --debug                  log debug lines\n"
		   "  --systemd-cgroup         use the systemd cgroup driver (a transient scope)\n"
		   "  --rootless auto|true|false\n"
		   "  -v, --version            print the version\n"
		   "  -h, --help               print this help\n");
}

static void version(void)
{
	printf("ocirun version %s\ncommit: %s\nspec: 1.2.0\n", OCIRUN_VERSION, OCIRUN_COMMIT);
}

/* Whether state goes under $XDG_RUNTIME_DIR rather than /run/ocirun, by runc's
 * rule: any user but root, and root of a user namespace unless $USER is root.
 * Rootless podman runs the runtime as root of its user namespace with the
 * user's runtime dir, where /run/ocirun cannot be created; the real root
 * keeps /run/ocirun even when XDG_RUNTIME_DIR is set (/run/user/0). */
static bool honor_xdg_runtime_dir(void)
{
	const char *user = getenv("USER");

	if (geteuid() != 0)
		return true;
	if (!ocirun_rootless_auto())
		return false;
	return !user || strcmp(user, "root") != 0;
}

int main(int argc, char **argv)
{
	enum { OPT_ROOT = 256, OPT_LOG, OPT_LOG_FORMAT, OPT_DEBUG, OPT_SYSTEMD, OPT_ROOTLESS, OPT_CRIU };
	static const struct option opts[] = {
	    {"root", required_argument, NULL, OPT_ROOT},
	    {"log", required_argument, NULL, OPT_LOG},
	    {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
	    {"debug", no_argument, NULL, OPT_DEBUG},
	    {"systemd-cgroup", no_argument, NULL, OPT_SYSTEMD},
	    {"rootless", required_argument, NULL, OPT_ROOTLESS},
	    {"criu", required_argument, NULL, OPT_CRIU},
	    {"version", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	struct ocirun_ctx ctx = {.root = "/run/ocirun", .rootless = -1};
	const char *log_file = NULL, *log_format = "text";
	static char root_buf[4096];
	bool root_given = false;
	ocirun_error_t err = {0};
	char **full_argv = argv;
	int c;

	fds_note_caller();
	while ((c = getopt_long(argc, argv, "+vh", opts, NULL)) != -1) {
		switch (c) {
		case OPT_ROOT:
			ctx.root = optarg;
			ctx.root_given = root_given = true;
			break;
		case OPT_LOG:
			log_file = optarg;
			break;
		case OPT_LOG_FORMAT:
			log_format = optarg;
			break;
		case OPT_DEBUG:
			ctx.debug = true;
			break;
		case OPT_SYSTEMD:
			ctx.systemd_cgroup = true;
			break;
		case OPT_ROOTLESS:
			if (!strcmp(optarg, "auto"))
				ctx.rootless = -1;
			else if (!strcmp(optarg, "true"))
				ctx.rootless = 1;
			else if (!strcmp(optarg, "false"))
				ctx.rootless = 0;
			else
				return cli_usage_error("--rootless",
						       "expected auto, true or false, got \"%s\"", optarg);
			break;
		case OPT_CRIU:
			break; /* accepted for runc compatibility; CRIU is found in PATH */
		case 'v':
			version();
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (log_init(log_file, log_format, ctx.debug, &err) < 0)
		return cli_fail(&err);
	if (optind >= argc) {
		usage(stderr);
		return 1;
	}
	if (ctx.rootless == -1)
		ctx.rootless = ocirun_rootless_auto();
	if (!root_given && honor_xdg_runtime_dir()) {
		const char *xdg = getenv("XDG_RUNTIME_DIR");
		if (xdg && *xdg) {
			snprintf(root_buf, sizeof(root_buf), "%s/ocirun", xdg);
			ctx.root = root_buf;
		} else if (geteuid() != 0) {
			snprintf(root_buf, sizeof(root_buf), "/tmp/ocirun-%u", (unsigned)geteuid());
			ctx.root = root_buf;
		}
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, argv[optind]) != 0)
			continue;
		cur_cmd = commands[i].name;
		if (commands[i].enters_container && ocirun_protect_exe(full_argv, &err) < 0)
			return cli_fail(&err);
		argc -= optind;
		argv += optind;
		optind = 0; /* reset getopt for the command's own options */
		return commands[i].fn(&ctx, argc, argv);
	}
	return cli_usage_error("ocirun", "unknown command \"%s\"", argv[optind]);
}
