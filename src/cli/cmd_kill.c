/* kill [-a|--all] ID [SIGNAL]: signal the init, or every process of the container. */
#include <stdbool.h>
#include <stdlib.h>

#include "cli.h"

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
