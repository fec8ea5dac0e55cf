/* checkpoint: dump a running container with CRIU (runc's flags). Also the options that restore
 * shares with it (cli_criu_opt). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "cli.h"

const char cli_criu_help[] =
    "  --image-path DIR         CRIU image files (default ./checkpoint)\n"
    "  --work-path DIR          CRIU work files and logs (default: the image dir)\n"
    "  --tcp-established        allow open TCP connections\n"
    "  --ext-unix-sk            allow external unix sockets\n"
    "  --shell-job              allow shell jobs\n"
    "  --file-locks             handle file locks\n"
    "  --manage-cgroups-mode M  soft|full|strict|ignore (default soft)\n"
    "  --empty-ns TYPE          create the namespace but do not restore it (network)\n"
    "  --auto-dedup             deduplicate memory images\n"
    "  --lazy-pages             restore memory lazily (userfaultfd)\n";

static const char checkpoint_help[] =
    "  --parent-path DIR        previous images (pre-dump), relative to --image-path\n"
    "  --leave-running          leave the container running\n"
    "  --pre-dump               dump memory only, leave it running\n"
    "  --tcp-skip-in-flight     skip in-flight TCP connections\n"
    "  --link-remap             link unlinked files back where possible\n"
    "  --page-server ADDR:PORT  send pages to a CRIU page server\n"
    "  --status-fd FD           CRIU writes \\0 to FD once lazy pages are ready\n";

int cli_criu_opt(const char *cmd, int c, struct ocirun_criu_opts *o)
{
	static char *empty_ns[9];
	size_t n = 0;

	switch (c) {
	case CLI_CRIU_IMAGE:
		o->image_path = optarg;
		return 0;
	case CLI_CRIU_WORK:
		o->work_path = optarg;
		return 0;
	case CLI_CRIU_TCP:
		o->tcp_established = true;
		return 0;
	case CLI_CRIU_UNIXSK:
		o->ext_unix_sk = true;
		return 0;
	case CLI_CRIU_SHELL:
		o->shell_job = true;
		return 0;
	case CLI_CRIU_LOCKS:
		o->file_locks = true;
		return 0;
	case CLI_CRIU_CGMODE:
		o->manage_cgroups_mode = optarg;
		return 0;
	case CLI_CRIU_DEDUP:
		o->auto_dedup = true;
		return 0;
	case CLI_CRIU_LAZY:
		o->lazy_pages = true;
		return 0;
	case CLI_CRIU_EMPTYNS:
		while (empty_ns[n])
			n++;
		if (n == 8)
			return cli_usage_error(cmd, "--empty-ns: too many");
		empty_ns[n] = optarg;
		o->empty_ns = empty_ns;
		return 0;
	}
	return 1;
}

CMD(checkpoint)
{
	enum { OPT_PARENT = CLI_CRIU_LAST, OPT_LEAVE, OPT_PRE, OPT_SKIP, OPT_REMAP, OPT_PS, OPT_STATUS };
	static const struct option opts[] = {
	    CLI_CRIU_OPTIONS,
	    {"parent-path", required_argument, NULL, OPT_PARENT},
	    {"leave-running", no_argument, NULL, OPT_LEAVE},
	    {"pre-dump", no_argument, NULL, OPT_PRE},
	    {"tcp-skip-in-flight", no_argument, NULL, OPT_SKIP},
	    {"link-remap", no_argument, NULL, OPT_REMAP},
	    {"page-server", required_argument, NULL, OPT_PS},
	    {"status-fd", required_argument, NULL, OPT_STATUS},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	struct ocirun_checkpoint_opts o = {.status_fd = -1};
	ocirun_error_t err = {0};
	int64_t fd;
	int c;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_PARENT:
			o.parent_path = optarg;
			break;
		case OPT_LEAVE:
			o.leave_running = true;
			break;
		case OPT_PRE:
			o.pre_dump = true;
			break;
		case OPT_SKIP:
			o.tcp_skip_in_flight = true;
			break;
		case OPT_REMAP:
			o.link_remap = true;
			break;
		case OPT_PS:
			o.page_server = optarg;
			break;
		case OPT_STATUS:
			if (parse_i64(optarg, &fd) < 0 || fd < 0 || fd > 65535)
				return cli_usage_error("checkpoint", "--status-fd: invalid fd \"%s\"",
						       optarg);
			o.status_fd = (int)fd;
			break;
		case 'h': {
			char help[4096];
			snprintf(help, sizeof(help), "Options:\n%s%s", cli_criu_help, checkpoint_help);
			exit(cli_help("checkpoint", help));
		}
		default:
			if (cli_criu_opt("checkpoint", c, &o.criu) == 0)
				break;
			return 1;
		}
	}
	if (cli_take_id("checkpoint", argc, argv, &o.id))
		return 1;
	return ocirun_checkpoint(ctx, &o, &err) < 0 ? cli_fail(&err) : 0;
}
