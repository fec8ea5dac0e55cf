/* start, state, kill, delete: one ID and a flag or two. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int only_id(const char *cmd, int argc, char **argv, const char **id)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0}};
	int c;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h')
			exit(cli_help(cmd, ""));
		return 1;
	}
	return cli_take_id(cmd, argc, argv, id);
}

CMD(start)
{
	ocirun_error_t err = {0};
	const char *id;

	if (only_id("start", argc, argv, &id))
		return 1;
	return ocirun_start(ctx, id, &err) < 0 ? cli_fail(&err) : 0;
}

CMD(state)
{
	ocirun_error_t err = {0};
	const char *id;
	char *json = NULL;

	if (only_id("state", argc, argv, &id))
		return 1;
	if (ocirun_state(ctx, id, &json, &err) < 0)
		return cli_fail(&err);
	printf("%s\n", json);
	free(json);
	return 0;
}

CMD(kill)
{
	static const struct option opts[] = {
	    {"all", no_argument, NULL, 'a'}, {"help", no_argument, NULL, 'h'}, {0}};
	ocirun_error_t err = {0};
	const char *sig_name = "SIGTERM";
	bool all = false;
	int c, sig;

	while ((c = getopt_long(argc, argv, "+ah", opts, NULL)) != -1) {
		if (c == 'a')
			all = true;
		else if (c == 'h')
			exit(cli_help("kill",
				      "Options:\n  -a, --all   signal every process of the container\n"));
		else
			return 1;
	}
	if (optind >= argc)
		return cli_usage_error("kill", "a container ID is required");
	if (argc - optind > 2)
		return cli_usage_error("kill", "unexpected argument \"%s\"", argv[optind + 2]);
	if (argc - optind == 2)
		sig_name = argv[optind + 1];
	sig = ocirun_signal_from_name(sig_name);
	if (sig < 0)
		return cli_usage_error("kill", "unknown signal \"%s\"", sig_name);
	return ocirun_kill(ctx, argv[optind], sig, all, &err) < 0 ? cli_fail(&err) : 0;
}

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
