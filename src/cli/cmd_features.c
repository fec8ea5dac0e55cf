/* features: placeholder until implemented. */
#include "cli.h"

CMD(features)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	return cli_usage_error("features", "not implemented yet");
}
