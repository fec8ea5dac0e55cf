/* update: placeholder until implemented. */
#include "cli.h"

CMD(update)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	return cli_usage_error("update", "not implemented yet");
}
