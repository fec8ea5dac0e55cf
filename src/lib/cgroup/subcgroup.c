/* exec --cgroup: put a process in sub-cgroups of the container's cgroup, with runc's syntax:
 * "[controller[,controller...]:]path", repeatable, one controller-less path at most (for the
 * hierarchies no prefix names). Paths stay below the container's cgroup. */
#include <errno.h>
#include <string.h>

#include "base/util.h"
#include "cgroup/cgroup.h"
#include "cgroup/internal.h"

struct sub_arg {
	char *ctrl; /* NULL: every hierarchy no other argument names */
	const char *path;
};

static void subs_free(struct sub_arg *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].ctrl);
	free(v);
}

/* One argument into v (room made by the caller); runc's checks and words. */
static int parse_one(const char *arg, struct sub_arg *v, size_t *n, ocirun_error_t *err)
{
	const char *colon = strchr(arg, ':');
	_cleanup_free_ char *ctrls = NULL;
	char *save = NULL;

	if (!colon) {
		for (size_t j = 0; j < *n; j++)
			if (!v[j].ctrl)
				return oerr_msg(err, EINVAL,
						"invalid --cgroup argument(s): multiple <path> arguments");
		v[(*n)++] = (struct sub_arg){NULL, arg};
		return 0;
	}
	ctrls = xasprintf("%.*s", (int)(colon - arg), arg);
	if (!*ctrls || ctrls[0] == ',' || ctrls[strlen(ctrls) - 1] == ',' || strstr(ctrls, ",,"))
		return oerr_msg(err, EINVAL, "invalid --cgroup argument: %s (empty <controller> prefix)",
				arg);
	for (char *c = strtok_r(ctrls, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
		for (size_t j = 0; j < *n; j++)
			if (v[j].ctrl && !strcmp(v[j].ctrl, c))
				return oerr_msg(
				    err, EINVAL,
				    "invalid --cgroup argument(s): controller %s specified multiple times",
				    c);
		v[(*n)++] = (struct sub_arg){xstrdup(c), colon + 1};
	}
	return 0;
}

static int parse_subs(char *const *args, struct sub_arg **ret, size_t *ret_n, ocirun_error_t *err)
{
	size_t room = 0, n = 0;
	struct sub_arg *v;

	for (size_t i = 0; args[i]; i++) {
		room++;
		for (const char *c = args[i]; (c = strchr(c, ',')); c++)
			room++;
	}
	v = xzalloc(room * sizeof(*v));
	for (size_t i = 0; args[i]; i++)
		if (parse_one(args[i], v, &n, err) < 0) {
			subs_free(v, n);
			return oerr_ret(err);
		}
	*ret = v;
	*ret_n = n;
	return 0;
}

/* base + the lexically clean sub path, or NULL when ".." would leave base. */
static char *sub_dir(const char *base, const char *sub)
{
	_cleanup_free_ char *copy = xstrdup(sub);
	char *out = xstrdup(base), *save = NULL;
	size_t depth = 0;

	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, "."))
			continue;
		if (!strcmp(c, "..")) {
			if (!depth--) {
				free(out);
				return NULL;
			}
			*strrchr(out, '/') = '\0';
			continue;
		}
		char *next = xasprintf("%s/%s", out, c);
		free(out);
		out = next;
		depth++;
	}
	return out;
}

/* The argument for hierarchy h: the one naming one of its controllers, else the
 * controller-less one, else none (the container's cgroup itself). */
static const struct sub_arg *sub_for(const struct cg_hier *h, const struct sub_arg *v, size_t n)
{
	const struct sub_arg *any = NULL;

	for (size_t i = 0; i < n; i++) {
		if (!v[i].ctrl)
			any = &v[i];
		else if (cg_list_has(h->controllers, v[i].ctrl))
			return &v[i];
	}
	return any;
}

static bool names_hier(const cgroup_t *cg, const char *ctrl)
{
	for (size_t i = 0; i < cg->n_hiers; i++)
		if (cg->hiers[i].path && cg_list_has(cg->hiers[i].controllers, ctrl))
			return true;
	return false;
}

static int enter_subs(const cgroup_t *cg, pid_t pid, const struct sub_arg *v, size_t n, ocirun_error_t *err)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].ctrl && !names_hier(cg, v[i].ctrl))
			return oerr_msg(err, EINVAL, "unknown controller %s", v[i].ctrl);
	for (size_t i = 0; i < cg->n_hiers; i++) {
		const struct cg_hier *h = &cg->hiers[i];
		const struct sub_arg *a = h->path ? sub_for(h, v, n) : NULL;
		_cleanup_free_ char *dir = NULL;

		if (!h->path)
			continue;
		dir = sub_dir(h->path, a ? a->path : "");
		if (!dir)
			return oerr_msg(err, EINVAL, "bad sub cgroup path: %s", a->path);
		if (cg_enter_dir(dir, pid, err) < 0)
			return oerr_prefix(err, "adding pid %d to cgroups", (int)pid);
	}
	return 0;
}

int cgroup_enter_sub(const cgroup_t *cg, pid_t pid, char *const *args, ocirun_error_t *err)
{
	struct sub_arg *v = NULL;
	size_t n = 0;
	int r;

	if (!args || !args[0])
		return cgroup_enter(cg, pid, err);
	if (parse_subs(args, &v, &n, err) < 0)
		return oerr_ret(err);
	r = enter_subs(cg, pid, v, n, err);
	subs_free(v, n);
	return r;
}
