/* start: run the user program of a created container. */
#include "cli.h"

CMD(start)
{
	ocirun_error_t err = {0};
	const char *id;

	if (cli_only_id("start", argc, argv, &id))
		return 1;
	return ocirun_start(ctx, id, &err) < 0 ? cli_fail(&err) : 0;
}
