/* state: the runtime-spec state of a container as JSON. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

CMD(state)
{
	ocirun_error_t err = {0};
	const char *id;
	char *json = NULL;

	if (cli_only_id("state", argc, argv, &id))
		return 1;
	if (ocirun_state(ctx, id, &json, &err) < 0)
		return cli_fail(&err);
	printf("%s\n", json);
	free(json);
	return 0;
}
