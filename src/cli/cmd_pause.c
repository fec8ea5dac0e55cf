/* pause ID: freeze every process of a container. */
#include "cli.h"

CMD(pause)
{
	ocirun_error_t err = {0};
	const char *id;

	if (cli_only_id("pause", argc, argv, &id))
		return 1;
	return ocirun_pause(ctx, id, &err) < 0 ? cli_fail(&err) : 0;
}
