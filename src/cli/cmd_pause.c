/* pause and resume: freeze or thaw every process of a container. */
#include <stdlib.h>

#include "cli.h"

static int freeze_cmd(const char *name, struct ocirun_ctx *ctx, int argc, char **argv,
		      int (*op)(const struct ocirun_ctx *, const char *, ocirun_error_t *))
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0}};
	ocirun_error_t err = {0};
	const char *id;
	int c;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h')
			exit(cli_help(name, ""));
		return 1;
	}
	if (cli_take_id(name, argc, argv, &id))
		return 1;
	return op(ctx, id, &err) < 0 ? cli_fail(&err) : 0;
}

CMD(pause)
{
	return freeze_cmd("pause", ctx, argc, argv, ocirun_pause);
}

CMD(resume)
{
	return freeze_cmd("resume", ctx, argc, argv, ocirun_resume);
}
