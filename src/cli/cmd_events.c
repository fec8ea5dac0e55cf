/* events: placeholder until implemented. */
#include "cli.h"

CMD(events)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	return cli_usage_error("events", "not implemented yet");
}
