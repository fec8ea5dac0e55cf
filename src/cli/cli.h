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
CMD(checkpoint);
CMD(restore);

/* The CRIU options checkpoint and restore share (cmd_checkpoint.c). */
enum {
	CLI_CRIU_IMAGE = 0x1000,
	CLI_CRIU_WORK,
	CLI_CRIU_TCP,
	CLI_CRIU_UNIXSK,
	CLI_CRIU_SHELL,
	CLI_CRIU_LOCKS,
	CLI_CRIU_CGMODE,
	CLI_CRIU_EMPTYNS,
	CLI_CRIU_DEDUP,
	CLI_CRIU_LAZY,
	CLI_CRIU_LAST
};
#define CLI_CRIU_OPTIONS                                                                                     \
	{"image-path", required_argument, NULL, CLI_CRIU_IMAGE},                                             \
	    {"work-path", required_argument, NULL, CLI_CRIU_WORK},                                           \
	    {"tcp-established", no_argument, NULL, CLI_CRIU_TCP},                                            \
	    {"ext-unix-sk", no_argument, NULL, CLI_CRIU_UNIXSK},                                             \
	    {"shell-job", no_argument, NULL, CLI_CRIU_SHELL},                                                \
	    {"file-locks", no_argument, NULL, CLI_CRIU_LOCKS},                                               \
	    {"manage-cgroups-mode", required_argument, NULL, CLI_CRIU_CGMODE},                               \
	    {"empty-ns", required_argument, NULL, CLI_CRIU_EMPTYNS},                                         \
	    {"auto-dedup", no_argument, NULL, CLI_CRIU_DEDUP},                                               \
	{                                                                                                    \
		"lazy-pages", no_argument, NULL, CLI_CRIU_LAZY                                               \
	}
extern const char cli_criu_help[];
/* 0 when c was one of them (stored in o), 1 otherwise (a usage error was printed for a bad value). */
int cli_criu_opt(const char *cmd, int c, struct ocirun_criu_opts *o);

#endif
