/* restore: a container from a bundle and a CRIU image (runc's flags); the exit code is the
 * container's, as with run, or 0 when detached. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

static const char restore_help[] =
    "  -b, --bundle DIR         bundle directory (default: current directory)\n"
    "  -d, --detach             do not wait for the container\n"
    "  --pid-file FILE          write the init's host PID to FILE\n"
    "  --console-socket PATH    send the pty master to this unix socket\n"
    "  --no-subreaper           do not become the subreaper of the container\n"
    "  --no-pivot               accepted (CRIU restores the mounts)\n"
    "  --lsm-profile TYPE:NAME  LSM profile of the restored processes\n"
    "  --lsm-mount-context CTX  SELinux mount context of the restored mounts\n";

CMD(restore)
{
	enum { OPT_PID = CLI_CRIU_LAST, OPT_CONSOLE, OPT_NOSUB, OPT_NOPIVOT, OPT_LSM, OPT_LSMCTX };
	static const struct option opts[] = {
	    CLI_CRIU_OPTIONS,
	    {"bundle", required_argument, NULL, 'b'},
	    {"detach", no_argument, NULL, 'd'},
	    {"pid-file", required_argument, NULL, OPT_PID},
	    {"console-socket", required_argument, NULL, OPT_CONSOLE},
	    {"no-subreaper", no_argument, NULL, OPT_NOSUB},
	    {"no-pivot", no_argument, NULL, OPT_NOPIVOT},
	    {"lsm-profile", required_argument, NULL, OPT_LSM},
	    {"lsm-mount-context", required_argument, NULL, OPT_LSMCTX},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	struct ocirun_restore_opts o = {0};
	ocirun_error_t err = {0};
	int c, status = 0;

	/* long options with one dash too, as runc's flag parser takes them: containerd's shim
	 * (go-runc) passes "-no-subreaper" */
	while ((c = getopt_long_only(argc, argv, "+b:dh", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			o.bundle = optarg;
			break;
		case 'd':
			o.detach = true;
			break;
		case OPT_PID:
			o.pid_file = optarg;
			break;
		case OPT_CONSOLE:
			o.console_socket = optarg;
			break;
		case OPT_NOSUB:
			o.no_subreaper = true;
			break;
		case OPT_NOPIVOT:
			o.no_pivot = true;
			break;
		case OPT_LSM:
			o.lsm_profile = optarg;
			break;
		case OPT_LSMCTX:
			o.lsm_mount_context = optarg;
			break;
		case 'h': {
			char help[4096];
			snprintf(help, sizeof(help), "Options:\n%s%s", restore_help, cli_criu_help);
			exit(cli_help("restore", help));
		}
		default:
			if (cli_criu_opt("restore", c, &o.criu) == 0)
				break;
			return 1;
		}
	}
	if (cli_take_id("restore", argc, argv, &o.id))
		return 1;
	if (ocirun_restore(ctx, &o, &status, &err) < 0)
		return cli_fail(&err);
	return status;
}
