/* sdcg: the systemd cgroup driver inside the cgroup module. The container's
 * cgroup is a transient scope that systemd creates (StartTransientUnit with
 * the init's pid, Delegate=yes); once the job is done the scope's directory is
 * an ordinary cgroup v2 leaf, and everything systemd cannot express is
 * written there by the v2 backend, as runc does. Path: the manager's root
 * cgroup (the user's manager when rootless) + the expanded slice + the unit. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "cgroup/internal.h"
#include "cgroup/sd.h"

struct cg_sd {
	struct sd_unit u;
	bool user;             /* the user's manager */
	bool started;          /* the scope's start job is done (this process) */
	struct sd_props props; /* what StartTransientUnit sends besides the fixed ones */
	const struct oci_map *annotations;
	sd_conn_t *conn;
};

void cg_sd_free(struct cg_sd *sd)
{
	if (!sd)
		return;
	sd_unit_clear(&sd->u);
	sd_props_clear(&sd->props);
	sd_disconnect(sd->conn);
	free(sd);
}

static int conn(struct cg_sd *sd, ocirun_error_t *err)
{
	if (sd->conn)
		return 0;
	return sd_connect(sd->user, &sd->conn, err);
}

int cg_sd_plan(const struct cgroup_opts *o, struct cg_sd **ret, char **ret_rel, ocirun_error_t *err)
{
	struct cg_sd *sd = xzalloc(sizeof(*sd));
	_cleanup_free_ char *mgr = NULL;

	sd->user = o->rootless || geteuid() != 0;
	sd->annotations = o->annotations;
	if (sd_unit_parse(o->path, o->id, sd->user, &sd->u, err) < 0 ||
	    sd_annotation_props(o->annotations, &sd->props, err) < 0 || conn(sd, err) < 0)
		goto fail;
	if (sd->user && sd_manager_cgroup(sd->conn, &mgr, err) < 0)
		goto fail;
	if (mgr && strcmp(mgr, "/") == 0)
		mgr[0] = '\0';
	*ret_rel = xasprintf("%s%s/%s", mgr ? mgr : "", strcmp(sd->u.slice_path, "/") ? sd->u.slice_path : "",
			     sd->u.unit);
	*ret = sd;
	return 0;
fail:
	cg_sd_free(sd);
	return oerr_ret(err);
}

/* The properties to send: the resources systemd knows, then the annotations
 * (which win on the same name, as they come last in runc too). */
int cg_sd_props(struct cg_sd *sd, const struct oci_resources *res, ocirun_error_t *err)
{
	struct sd_props p = {0};

	if (sd_resource_props(res, &p, err) < 0 || sd_annotation_props(sd->annotations, &p, err) < 0) {
		sd_props_clear(&p);
		return oerr_ret(err);
	}
	sd_props_clear(&sd->props);
	sd->props = p;
	return 0;
}

int cg_sd_start(cgroup_t *cg, pid_t pid, ocirun_error_t *err)
{
	struct cg_sd *sd = cg->sd;
	struct cg_hier *h = &cg->hiers[0];

	bool made = false;
	int r;

	if (sd->started)
		return 0;
	if (conn(sd, err) < 0)
		return oerr_ret(err);
	/* the unit is ours once systemd accepted StartTransientUnit, even if the
	 * job then fails; before that a same-named unit is someone else's */
	r = sd_start_scope(sd->conn, sd->u.unit, sd->u.slice, pid, &sd->props, &made, err);
	if (made && !h->created)
		h->created = xstrdup(h->path);
	if (r < 0)
		return oerr_ret(err);
	sd->started = true;
	cg->v2_fd = open(h->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cg->v2_fd < 0)
		return oerr(err, errno, "systemd: scope %s: open its cgroup \"%s\"", sd->u.unit, h->path);
	return 0;
}

bool cg_sd_pending(const cgroup_t *cg)
{
	return cg->sd && !cg->sd->started && cg->v2_fd < 0;
}

int cg_sd_update(cgroup_t *cg, const struct oci_resources *res, ocirun_error_t *err)
{
	struct sd_props p = {0};
	int r;

	if (sd_resource_props(res, &p, err) < 0)
		return oerr_ret(err);
	r = conn(cg->sd, err) < 0 ? -1 : sd_set_props(cg->sd->conn, cg->sd->u.unit, &p, err);
	sd_props_clear(&p);
	return r < 0 ? oerr_ret(err) : 0;
}

int cg_sd_destroy(cgroup_t *cg, ocirun_error_t *err)
{
	struct cg_hier *h = &cg->hiers[0];
	struct stat st;

	if (conn(cg->sd, err) < 0 || sd_stop_unit(cg->sd->conn, cg->sd->u.unit, err) < 0)
		return oerr_ret(err);
	/* systemd removes the scope's cgroup; what is left (a sub-cgroup made inside) goes here */
	if (h->path && stat(h->path, &st) == 0 && cg_remove(h->path, h->path, err) < 0)
		return oerr_ret(err);
	free(h->created);
	h->created = NULL;
	return 0;
}

void cg_sd_to_json(const cgroup_t *cg, json_gen_t *g)
{
	json_gen_key(g, "systemd");
	json_gen_obj_open(g);
	json_gen_key(g, "unit");
	json_gen_str(g, cg->sd->u.unit);
	json_gen_key(g, "slice");
	json_gen_str(g, cg->sd->u.slice);
	json_gen_key(g, "bus");
	json_gen_str(g, cg->sd->user ? "user" : "system");
	json_gen_obj_close(g);
}

int cg_sd_from_json(const json_t *v, cgroup_t *cg, ocirun_error_t *err)
{
	const char *unit = json_str(json_obj_get(v, "unit")), *slice = json_str(json_obj_get(v, "slice"));
	const char *bus = json_str(json_obj_get(v, "bus"));
	size_t n = unit ? strlen(unit) : 0;
	struct cg_sd *sd;

	if (!unit || !slice || !bus || n < 7 || strcmp(unit + n - 6, ".scope") != 0 || strchr(unit, '/') ||
	    cg->mode != CG_MODE_UNIFIED || cg->n_hiers != 1)
		return oerr_msg(err, EINVAL, "cgroup state: bad \"systemd\" record");
	sd = xzalloc(sizeof(*sd));
	sd->u.unit = xstrdup(unit);
	sd->u.slice = xstrdup(slice);
	sd->user = strcmp(bus, "user") == 0;
	sd->started = true;
	cg->sd = sd;
	return 0;
}
