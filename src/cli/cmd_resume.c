/* resume: placeholder until implemented. */
#include "cli.h"

CMD(resume)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	return cli_usage_error("resume", "not implemented yet");
}
