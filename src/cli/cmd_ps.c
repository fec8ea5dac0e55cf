/* ps: the container's processes, as a JSON array of host PIDs or as the
 * lines of `ps` (default `ps -ef`) whose PID column is in the container. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void print_json(const pid_t *pids, size_t n)
{
	/* runc encodes a nil slice: null when there is no process */
	if (n == 0) {
		printf("null\n");
		return;
	}
	putchar('[');
	for (size_t i = 0; i < n; i++)
		printf("%s%d", i ? "," : "", (int)pids[i]);
	printf("]\n");
}

CMD(ps)
{
	static const struct option opts[] = {
	    {"format", required_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {0}};
	const char *format = "table", *id;
	ocirun_error_t err = {0};
	pid_t *pids = NULL;
	char *table = NULL;
	char **args;
	size_t n = 0;
	int c, r = 0;

	while ((c = getopt_long(argc, argv, "+f:h", opts, NULL)) != -1) {
		if (c == 'f')
			format = optarg;
		else if (c == 'h')
			exit(cli_help("ps",
				      "Options:\n  -f, --format FORMAT   table or json (default table)\n\n"
				      "Arguments after the ID (after an optional --) are passed to ps;\n"
				      "without any, ps -ef.\n"));
		else
			return 1;
	}
	if (optind >= argc)
		return cli_usage_error("ps", "a container ID is required");
	id = argv[optind];
	args = argv + optind + 1;
	if (args[0] && !strcmp(args[0], "--"))
		args++;
	if (ocirun_ps(ctx, id, &pids, &n, &err) < 0)
		return cli_fail(&err);
	if (!strcmp(format, "json"))
		print_json(pids, n);
	else if (strcmp(format, "table") != 0)
		r = cli_usage_error("ps", "invalid format option");
	else if (ocirun_ps_table(pids, n, args, &table, &err) < 0)
		r = cli_fail(&err);
	else
		fputs(table, stdout);
	free(table);
	free(pids);
	return r;
}
