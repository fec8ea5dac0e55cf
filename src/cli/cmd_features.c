#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

CMD(features)
{
	char *text;

	(void)ctx;
	if (argc > 1)
		return cli_usage_error("features", "unexpected argument \"%s\"", argv[1]);
	text = ocirun_features();
	printf("%s\n", text);
	free(text);
	return 0;
}
