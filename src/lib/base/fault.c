#include "base/fault.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void fault_point(const char *name)
{
	const char *want = getenv("OCIRUN_FAULT");

	if (want && strcmp(want, name) == 0) {
		raise(SIGKILL);
		/* the init of a pid namespace ignores signals from inside it */
		_exit(137);
	}
}
