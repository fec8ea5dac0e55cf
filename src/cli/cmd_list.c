#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "cli.h"

/* An empty cell (bundle and created of a container whose records are both
 * unreadable) as "-", so that splitting a row on blanks still gives six fields. */
static const char *cell(const char *s)
{
	return s && *s ? s : "-";
}

/* Columns padded like runc's tabwriter (min width 12, padding 3). */
static void print_table(const struct ocirun_list_entry *e, size_t n)
{
	const char *head[6] = {"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"};
	size_t w[6];
	char pid[32];

	for (int c = 0; c < 6; c++)
		w[c] = strlen(head[c]);
	for (size_t i = 0; i < n; i++) {
		const char *cells[6] = {
		    e[i].id, pid, e[i].status, cell(e[i].bundle), cell(e[i].created), cell(e[i].owner)};
		snprintf(pid, sizeof(pid), "%d", (int)e[i].pid);
		for (int c = 0; c < 6; c++)
			if (strlen(cells[c]) > w[c])
				w[c] = strlen(cells[c]);
	}
	for (int c = 0; c < 6; c++)
		w[c] = w[c] + 3 < 12 ? 12 : w[c] + 3;
	for (size_t i = 0; i <= n; i++) {
		const char *cells[6] = {head[0], head[1], head[2], head[3], head[4], head[5]};
		if (i > 0) {
			const struct ocirun_list_entry *x = &e[i - 1];
			snprintf(pid, sizeof(pid), "%d", (int)x->pid);
			cells[0] = x->id, cells[1] = pid, cells[2] = x->status;
			cells[3] = cell(x->bundle), cells[4] = cell(x->created), cells[5] = cell(x->owner);
		}
		for (int c = 0; c < 5; c++)
			printf("%-*s", (int)w[c], cells[c]);
		printf("%s\n", cells[5]);
	}
}

static void print_json(const struct ocirun_list_entry *e, size_t n)
{
	json_gen_t *g = json_gen_new(false);
	char *text;

	json_gen_arr_open(g);
	for (size_t i = 0; i < n; i++) {
		json_gen_obj_open(g);
		json_gen_key(g, "ociVersion");
		json_gen_str(g, "1.2.0");
		json_gen_key(g, "id");
		json_gen_str(g, e[i].id);
		json_gen_key(g, "pid");
		json_gen_i64(g, e[i].pid);
		json_gen_key(g, "status");
		json_gen_str(g, e[i].status);
		json_gen_key(g, "bundle");
		json_gen_str(g, e[i].bundle);
		json_gen_key(g, "rootfs");
		json_gen_str(g, "");
		json_gen_key(g, "created");
		json_gen_str(g, e[i].created);
		json_gen_key(g, "owner");
		json_gen_str(g, e[i].owner);
		json_gen_obj_close(g);
	}
	json_gen_arr_close(g);
	text = json_gen_finish(g, NULL);
	json_gen_free(g);
	printf("%s\n", text);
	free(text);
}

CMD(list)
{
	static const struct option opts[] = {{"quiet", no_argument, NULL, 'q'},
					     {"format", required_argument, NULL, 'f'},
					     {"help", no_argument, NULL, 'h'},
					     {0}};
	struct ocirun_list_entry *e = NULL;
	ocirun_error_t err = {0};
	const char *format = "table";
	bool quiet = false;
	size_t n = 0;
	int c;

	while ((c = getopt_long(argc, argv, "+qf:h", opts, NULL)) != -1) {
		if (c == 'q')
			quiet = true;
		else if (c == 'f')
			format = optarg;
		else if (c == 'h')
			exit(cli_help("list", "Options:\n  -q, --quiet           IDs only\n"
					      "  -f, --format FORMAT   table or json\n"));
		else
			return 1;
	}
	if (strcmp(format, "table") && strcmp(format, "json"))
		return cli_usage_error("list", "invalid format \"%s\": expected table or json", format);
	if (ocirun_list(ctx, &e, &n, &err) < 0)
		return cli_fail(&err);
	if (quiet)
		for (size_t i = 0; i < n; i++)
			printf("%s\n", e[i].id);
	else if (!strcmp(format, "json"))
		print_json(e, n);
	else
		print_table(e, n);
	ocirun_list_free(e, n);
	return 0;
}
