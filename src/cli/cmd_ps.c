/* ps: placeholder until implemented. */
#include "cli.h"

CMD(ps)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	return cli_usage_error("ps", "not implemented yet");
}
