/* events: resource usage statistics and OOM notifications as JSON lines. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "goflags.h"

static int print_line(const char *line, void *data)
{
	(void)data;
	if (puts(line) < 0 || fflush(stdout) != 0)
		return errno ? -errno : -EIO;
	return 0;
}

CMD(events)
{
	enum { OPT_STATS = 256, OPT_INTERVAL };
	static const struct option opts[] = {{"stats", no_argument, NULL, OPT_STATS},
					     {"interval", required_argument, NULL, OPT_INTERVAL},
					     {"help", no_argument, NULL, 'h'},
					     {0}};
	struct ocirun_events_opts eo = {.interval_ns = 5000000000};
	ocirun_error_t err = {0};
	const char *id;
	int c;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_STATS:
			eo.stats = true;
			break;
		case OPT_INTERVAL:
			if (go_parse_duration(optarg, &eo.interval_ns) < 0)
				return cli_usage_error(
				    "events", "invalid value \"%s\" for flag -interval: parse error", optarg);
			break;
		case 'h':
			exit(cli_help("events",
				      "Options:\n"
				      "  --interval D   stats interval, Go duration syntax (default 5s)\n"
				      "  --stats        print the stats once and exit\n"));
		default:
			return 1;
		}
	}
	if (cli_take_id("events", argc, argv, &id))
		return 1;
	return ocirun_events(ctx, id, &eo, print_line, NULL, &err) < 0 ? cli_fail(&err) : 0;
}
