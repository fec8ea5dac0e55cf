/* resume ID: thaw a paused container. */
#include "cli.h"

CMD(resume)
{
	ocirun_error_t err = {0};
	const char *id;

	if (cli_only_id("resume", argc, argv, &id))
		return 1;
	return ocirun_resume(ctx, id, &err) < 0 ? cli_fail(&err) : 0;
}
