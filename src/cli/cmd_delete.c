/* delete [-f|--force] ID: remove a stopped (or, forced, any) container and all it holds. */
#include <stdbool.h>
#include <stdlib.h>

#include "cli.h"

CMD(delete)
{
	static const struct option opts[] = {
	    {"force", no_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {0}};
	ocirun_error_t err = {0};
	bool force = false;
	const char *id;
	int c;

	while ((c = getopt_long(argc, argv, "+fh", opts, NULL)) != -1) {
		if (c == 'f')
			force = true;
		else if (c == 'h')
			exit(
			    cli_help("delete", "Options:\n  -f, --force   kill a running container first\n"));
		else
			return 1;
	}
	if (cli_take_id("delete", argc, argv, &id))
		return 1;
	return ocirun_delete(ctx, id, force, &err) < 0 ? cli_fail(&err) : 0;
}
