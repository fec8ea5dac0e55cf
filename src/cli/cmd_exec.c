/* exec [options] ID [COMMAND [ARGS...]] with runc's flags. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "cli.h"

static const char exec_help[] =
    "Options:\n"
    "  -p, --process FILE       a process.json to run (replaces the flags below)\n"
    "  -t, --tty                allocate a pseudo-TTY\n"
    "  --console-socket PATH    send the pty master to this unix socket\n"
    "  --pidfd-socket PATH      send a pidfd of the process to this unix socket\n"
    "  --cwd DIR                working directory\n"
    "  -e, --env KEY=VALUE      add an environment variable (repeatable)\n"
    "  -u, --user UID[:GID]     run as this user\n"
    "  -g, --additional-gids G  add a supplementary group (repeatable)\n"
    "  -c, --cap CAP            add a capability (repeatable)\n"
    "  --no-new-privs           set no_new_privs\n"
    "  -d, --detach             do not wait for the process\n"
    "  --pid-file FILE          write the process's host PID to FILE\n"
    "  --preserve-fds N         pass N extra fds (from fd 3)\n"
    "  --ignore-paused          exec even if the container is paused\n"
    "  --cgroup [CTRL[,CTRL]:]PATH  run in this sub-cgroup of the container's (repeatable;\n"
    "                           PATH alone: the hierarchies no CTRL names)\n";

CMD(exec)
{
	enum {
		OPT_CONSOLE = 256,
		OPT_CWD,
		OPT_NNP,
		OPT_PID,
		OPT_PRESERVE,
		OPT_IGNORE,
		OPT_LABEL,
		OPT_APPARMOR,
		OPT_CGROUP,
		OPT_PIDFD
	};
	static const struct option opts[] = {
	    {"process", required_argument, NULL, 'p'},
	    {"tty", no_argument, NULL, 't'},
	    {"console-socket", required_argument, NULL, OPT_CONSOLE},
	    {"pidfd-socket", required_argument, NULL, OPT_PIDFD},
	    {"cwd", required_argument, NULL, OPT_CWD},
	    {"env", required_argument, NULL, 'e'},
	    {"user", required_argument, NULL, 'u'},
	    {"additional-gids", required_argument, NULL, 'g'},
	    {"cap", required_argument, NULL, 'c'},
	    {"no-new-privs", no_argument, NULL, OPT_NNP},
	    {"detach", no_argument, NULL, 'd'},
	    {"pid-file", required_argument, NULL, OPT_PID},
	    {"preserve-fds", required_argument, NULL, OPT_PRESERVE},
	    {"ignore-paused", no_argument, NULL, OPT_IGNORE},
	    {"process-label", required_argument, NULL, OPT_LABEL},
	    {"apparmor", required_argument, NULL, OPT_APPARMOR},
	    {"cgroup", required_argument, NULL, OPT_CGROUP},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	_cleanup_strv_ char **env = NULL, **gids = NULL, **caps = NULL, **cgroups = NULL;
	struct ocirun_exec_opts o = {0};
	ocirun_error_t err = {0};
	int c, status = 0;
	uint64_t n;

	while ((c = getopt_long(argc, argv, "+p:te:u:g:c:dh", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			o.process_file = optarg;
			break;
		case 't':
			o.tty = true;
			break;
		case OPT_CONSOLE:
			o.console_socket = optarg;
			break;
		case OPT_CWD:
			o.cwd = optarg;
			break;
		case 'e':
			strv_push(&env, optarg);
			break;
		case 'u':
			o.user = optarg;
			break;
		case 'g':
			strv_push(&gids, optarg);
			break;
		case 'c':
			strv_push(&caps, optarg);
			break;
		case OPT_NNP:
			o.no_new_privs = true;
			break;
		case 'd':
			o.detach = true;
			break;
		case OPT_PIDFD:
			o.pidfd_socket = optarg;
			break;
		case OPT_PID:
			o.pid_file = optarg;
			break;
		case OPT_PRESERVE:
			if (parse_u64(optarg, &n) < 0 || n > 65536)
				return cli_usage_error("exec", "--preserve-fds: invalid number \"%s\"",
						       optarg);
			o.preserve_fds = (int)n;
			break;
		case OPT_IGNORE:
			o.ignore_paused = true;
			break;
		case OPT_LABEL:
		case OPT_APPARMOR:
			return cli_usage_error("exec",
					       "SELinux and AppArmor labels are not supported on this host");
		case OPT_CGROUP:
			strv_push(&cgroups, optarg);
			break;
		case 'h':
			exit(cli_help("exec", exec_help));
		default:
			return 1;
		}
	}
	if (optind >= argc)
		return cli_usage_error("exec", "a container ID is required");
	o.id = argv[optind++];
	if (optind < argc && !strcmp(argv[optind], "--"))
		optind++;
	o.args = argv + optind;
	o.env = env;
	o.sub_cgroups = cgroups;
	o.additional_gids = gids;
	o.caps = caps;
	/* as runc: 255 when exec itself failed, so that it differs from any status of the process */
	if (ocirun_exec(ctx, &o, &status, &err) < 0) {
		cli_fail(&err);
		return 255;
	}
	return status;
}
