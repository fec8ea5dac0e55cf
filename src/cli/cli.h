/* cli: parse options, call one library function, print, exit code.
 * Runs in: the ocirun process. The only layer that prints or exits. */
#ifndef OCIRUN_CLI_H
#define OCIRUN_CLI_H

#include <getopt.h>

#include "ocirun/ocirun.h"

struct cli_cmd {
	const char *name;
	int (*fn)(struct ocirun_ctx *ctx, int argc, char **argv);
	const char *usage; /* "create [options] ID" */
	const char *summary;
	bool enters_container; /* its processes enter the container: run from a protected binary */
};

/* Report an error once (stderr and --log) and return the exit code 1. */
int cli_fail(const ocirun_error_t *err);
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Exactly one positional ID after options, else a usage error. */
int cli_take_id(const char *cmd, int argc, char **argv, const char **ret_id);
/* No option but --help, then exactly one ID. */
int cli_only_id(const char *cmd, int argc, char **argv, const char **ret_id);
/* Print a command's --help from its table entry. */
int cli_help(const char *cmd, const char *options);

#define CMD(name) int cmd_##name(struct ocirun_ctx *ctx, int argc, char **argv)
CMD(create);
CMD(run);
CMD(start);
CMD(state);
CMD(kill);
CMD(delete);
CMD(list);
CMD(spec);
CMD(exec);
CMD(pause);
CMD(resume);
CMD(update);
CMD(events);
CMD(ps);
CMD(features);

#endif
