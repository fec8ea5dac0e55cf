#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"
#include "cli.h"
#include "spec/spec.h"

CMD(spec)
{
	static const struct option opts[] = {{"bundle", required_argument, NULL, 'b'},
					     {"rootless", no_argument, NULL, 'r'},
					     {"help", no_argument, NULL, 'h'},
					     {0}};
	const char *bundle = ".";
	bool rootless = false;
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = -1;
	const char *text;
	int c, r;

	(void)ctx;
	while ((c = getopt_long(argc, argv, "+b:h", opts, NULL)) != -1) {
		if (c == 'b')
			bundle = optarg;
		else if (c == 'r')
			rootless = true;
		else if (c == 'h')
			exit(cli_help("spec", "Options:\n  -b, --bundle DIR   where to write config.json\n"
					      "  --rootless         a config for an unprivileged user\n"));
		else
			return 1;
	}
	if (optind < argc)
		return cli_usage_error("spec", "unexpected argument \"%s\"", argv[optind]);
	path = xasprintf("%s/config.json", bundle);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0 && errno == EEXIST)
		return cli_usage_error("spec", "%s exists: remove it first", path);
	if (fd < 0)
		return cli_usage_error("spec", "create %s: %s", path, strerror(errno));
	text = spec_default_json(rootless);
	r = write_all(fd, text, strlen(text));
	if (r < 0)
		return cli_usage_error("spec", "write %s: %s", path, strerror(-r));
	return 0;
}
