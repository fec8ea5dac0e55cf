/* create and run share their options. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "cli.h"

static const char create_help[] =
    "Options:\n"
    "  -b, --bundle DIR         bundle directory (default: current directory)\n"
    "  --pid-file FILE          write the init's host PID to FILE\n"
    "  --console-socket PATH    send the pty master to this unix socket (process.terminal)\n"
    "  --pidfd-socket PATH      send a pidfd of the init to this unix socket\n"
    "  --no-pivot               MS_MOVE + chroot instead of pivot_root\n"
    "  --no-new-keyring         keep the caller's session keyring\n"
    "  --preserve-fds N         pass N extra fds (from fd 3) to the container\n";
static const char run_help[] = "  -d, --detach             do not wait for the container\n"
			       "  --keep                   keep the stopped container after it exits\n";

static int parse_create(const char *cmd, bool is_run, int argc, char **argv, struct ocirun_create_opts *o)
{
	enum {
		OPT_PID = 256,
		OPT_CONSOLE,
		OPT_NOPIVOT,
		OPT_NOKEYRING,
		OPT_PRESERVE,
		OPT_KEEP,
		OPT_NOSUB,
		OPT_PIDFD
	};
	static const struct option opts[] = {
	    {"bundle", required_argument, NULL, 'b'},
	    {"pid-file", required_argument, NULL, OPT_PID},
	    {"console-socket", required_argument, NULL, OPT_CONSOLE},
	    {"pidfd-socket", required_argument, NULL, OPT_PIDFD},
	    {"no-pivot", no_argument, NULL, OPT_NOPIVOT},
	    {"no-new-keyring", no_argument, NULL, OPT_NOKEYRING},
	    {"preserve-fds", required_argument, NULL, OPT_PRESERVE},
	    {"detach", no_argument, NULL, 'd'},
	    {"keep", no_argument, NULL, OPT_KEEP},
	    {"no-subreaper", no_argument, NULL, OPT_NOSUB},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	uint64_t n;
	int c;

	while ((c = getopt_long(argc, argv, is_run ? "+b:dh" : "+b:h", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			o->bundle = optarg;
			break;
		case OPT_PID:
			o->pid_file = optarg;
			break;
		case OPT_CONSOLE:
			o->console_socket = optarg;
			break;
		case OPT_PIDFD:
			o->pidfd_socket = optarg;
			break;
		case OPT_NOPIVOT:
			o->no_pivot = true;
			break;
		case OPT_NOKEYRING:
			o->no_new_keyring = true;
			break;
		case OPT_PRESERVE:
			if (parse_u64(optarg, &n) < 0 || n > 65536)
				return cli_usage_error(cmd, "--preserve-fds: invalid number \"%s\"", optarg);
			o->preserve_fds = (int)n;
			break;
		case 'd':
			o->detach = true;
			break;
		case OPT_KEEP:
			if (!is_run)
				return cli_usage_error(cmd, "unknown option --keep");
			o->keep = true;
			break;
		case OPT_NOSUB:
			break; /* runc compatibility: ocirun is its init's parent without it */
		case 'h':
			cli_help(cmd, create_help);
			if (is_run)
				printf("%s", run_help);
			exit(0);
		default:
			return 1;
		}
	}
	return cli_take_id(cmd, argc, argv, &o->id);
}

CMD(create)
{
	struct ocirun_create_opts o = {0};
	ocirun_error_t err = {0};

	if (parse_create("create", false, argc, argv, &o))
		return 1;
	if (ocirun_create(ctx, &o, &err) < 0)
		return cli_fail(&err);
	return 0;
}

CMD(run)
{
	struct ocirun_create_opts o = {0};
	ocirun_error_t err = {0};
	int status = 0;

	if (parse_create("run", true, argc, argv, &o))
		return 1;
	if (ocirun_run(ctx, &o, &status, &err) < 0)
		return cli_fail(&err);
	return status;
}
