/* exec: placeholder until implemented. */
#include "cli.h"

CMD(exec)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	return cli_usage_error("exec", "not implemented yet");
}
