/* pause: freeze every process of a container. */
#include <stdlib.h>

#include "cli.h"

CMD(pause)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0}};
	ocirun_error_t err = {0};
	const char *id;
	int c;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h')
			exit(cli_help("pause", ""));
		return 1;
	}
	if (cli_take_id("pause", argc, argv, &id))
		return 1;
	return ocirun_pause(ctx, id, &err) < 0 ? cli_fail(&err) : 0;
}
