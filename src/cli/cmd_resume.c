/* resume: thaw a paused container. */
#include <stdlib.h>

#include "cli.h"

CMD(resume)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0}};
	ocirun_error_t err = {0};
	const char *id;
	int c;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h')
			exit(cli_help("resume", ""));
		return 1;
	}
	if (cli_take_id("resume", argc, argv, &id))
		return 1;
	return ocirun_resume(ctx, id, &err) < 0 ? cli_fail(&err) : 0;
}
