/* pause: placeholder until implemented. */
#include "cli.h"

CMD(pause)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	return cli_usage_error("pause", "not implemented yet");
}
