/* systemd: the D-Bus calls of the systemd cgroup driver, through sd-bus from
 * libsystemd. The library is opened with dlopen the first time the driver is
 * used (only --systemd-cgroup needs it), and this is the only file that
 * touches it; the few prototypes are declared here, so building needs no
 * libsystemd-dev. */
#include "cgroup/sd.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"

#define SD_DEST  "org.freedesktop.systemd1"
#define SD_PATH  "/org/freedesktop/systemd1"
#define SD_MGR   "org.freedesktop.systemd1.Manager"
#define JOB_WAIT (30ull * 1000000) /* usec, runc's timeout */

typedef struct sd_bus sd_bus;
typedef struct sd_bus_message sd_bus_message;
typedef struct sd_bus_slot sd_bus_slot;
typedef struct {
	const char *name;
	const char *message;
	int _need_free;
} sd_bus_error;
typedef int (*sd_bus_message_handler_t)(sd_bus_message *m, void *userdata, sd_bus_error *ret_error);

#define SDBUS_FUNCS(X)                                                                                       \
	X(int, sd_bus_new, (sd_bus **))                                                                      \
	X(int, sd_bus_set_address, (sd_bus *, const char *))                                                 \
	X(int, sd_bus_start, (sd_bus *))                                                                     \
	X(int, sd_bus_open_system, (sd_bus **))                                                              \
	X(int, sd_bus_open_user, (sd_bus **))                                                                \
	X(sd_bus *, sd_bus_flush_close_unref, (sd_bus *))                                                    \
	X(int, sd_bus_message_new_method_call,                                                               \
	  (sd_bus *, sd_bus_message **, const char *, const char *, const char *, const char *))             \
	X(int, sd_bus_message_append, (sd_bus_message *, const char *, ...))                                 \
	X(int, sd_bus_message_append_array, (sd_bus_message *, char, const void *, size_t))                  \
	X(int, sd_bus_message_open_container, (sd_bus_message *, char, const char *))                        \
	X(int, sd_bus_message_close_container, (sd_bus_message *))                                           \
	X(int, sd_bus_call, (sd_bus *, sd_bus_message *, uint64_t, sd_bus_error *, sd_bus_message **))       \
	X(int, sd_bus_message_read, (sd_bus_message *, const char *, ...))                                   \
	X(sd_bus_message *, sd_bus_message_unref, (sd_bus_message *))                                        \
	X(int, sd_bus_match_signal,                                                                          \
	  (sd_bus *, sd_bus_slot **, const char *, const char *, const char *, const char *,                 \
	   sd_bus_message_handler_t, void *))                                                                \
	X(sd_bus_slot *, sd_bus_slot_unref, (sd_bus_slot *))                                                 \
	X(int, sd_bus_process, (sd_bus *, sd_bus_message **))                                                \
	X(int, sd_bus_wait, (sd_bus *, uint64_t))                                                            \
	X(void, sd_bus_error_free, (sd_bus_error *))                                                         \
	X(int, sd_bus_error_has_name, (const sd_bus_error *, const char *))                                  \
	X(int, sd_bus_get_property_string,                                                                   \
	  (sd_bus *, const char *, const char *, const char *, const char *, sd_bus_error *, char **))

static struct {
	bool loaded;
#define SD_FIELD(ret, name, args) ret(*name) args;
	SDBUS_FUNCS(SD_FIELD)
#undef SD_FIELD
} sd;

struct sd_conn {
	sd_bus *bus;
	bool bus_client; /* through a bus daemon (signals need the sender), not systemd's private socket */
	bool user;
};

static int sd_load(ocirun_error_t *err)
{
	void *h;

	if (sd.loaded)
		return 0;
	h = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return oerr_msg(err, ENOENT, "systemd cgroup driver: load libsystemd: %s", dlerror());
#define SD_SYM(ret, name, args)                                                                              \
	if (!(sd.name = (__typeof__(sd.name))dlsym(h, #name)))                                               \
		return oerr_msg(err, ENOENT, "systemd cgroup driver: libsystemd has no %s", #name);
	SDBUS_FUNCS(SD_SYM)
#undef SD_SYM
	sd.loaded = true;
	return 0;
}

static int bus_err(ocirun_error_t *err, int r, sd_bus_error *e, const char *what, const char *unit)
{
	int code = -r > 0 ? -r : EIO;
	int ret = oerr_msg(err, code, "systemd: %s %s: %s", what, unit,
			   e && e->message ? e->message : strerror(code));

	if (e)
		sd.sd_bus_error_free(e);
	return ret;
}

/* systemd's private socket first (no dbus-daemon needed), then the bus. */
static int open_bus(bool user, sd_conn_t *c, ocirun_error_t *err)
{
	_cleanup_free_ char *priv = NULL;
	const char *rt = getenv("XDG_RUNTIME_DIR");
	int r;

	if (user)
		priv = rt && *rt ? xasprintf("%s/systemd/private", rt) : NULL;
	else
		priv = xstrdup("/run/systemd/private");
	if (priv && access(priv, W_OK) == 0 && sd.sd_bus_new(&c->bus) >= 0) {
		_cleanup_free_ char *addr = xasprintf("unix:path=%s", priv);
		if (sd.sd_bus_set_address(c->bus, addr) >= 0 && sd.sd_bus_start(c->bus) >= 0)
			return 0;
		c->bus = sd.sd_bus_flush_close_unref(c->bus);
	}
	c->bus_client = true;
	r = user ? sd.sd_bus_open_user(&c->bus) : sd.sd_bus_open_system(&c->bus);
	if (r < 0)
		return oerr_msg(err, -r, "systemd cgroup driver: cannot reach systemd on the %s bus: %s",
				user ? "user" : "system", strerror(-r));
	return 0;
}

int sd_connect(bool user, sd_conn_t **ret, ocirun_error_t *err)
{
	struct stat st;
	sd_conn_t *c;

	if (sd_load(err) < 0)
		return oerr_ret(err);
	if (!user && (stat("/run/systemd/system", &st) < 0 || !S_ISDIR(st.st_mode)))
		return oerr_msg(
		    err, ENOTSUP,
		    "systemd cgroup driver: systemd is not running on this host (no /run/systemd/system)");
	c = xzalloc(sizeof(*c));
	c->user = user;
	if (open_bus(user, c, err) < 0) {
		free(c);
		return oerr_ret(err);
	}
	*ret = c;
	return 0;
}

void sd_disconnect(sd_conn_t *c)
{
	if (!c)
		return;
	if (c->bus)
		sd.sd_bus_flush_close_unref(c->bus);
	free(c);
}

int sd_manager_cgroup(sd_conn_t *c, char **ret, ocirun_error_t *err)
{
	sd_bus_error e = {0};
	char *s = NULL;
	int r = sd.sd_bus_get_property_string(c->bus, SD_DEST, SD_PATH, SD_MGR, "ControlGroup", &e, &s);

	if (r < 0)
		return bus_err(err, r, &e, "get property", "ControlGroup");
	*ret = xstrdup(s);
	free(s);
	return 0;
}

/* DeviceAllow "a(ss)": an empty list first, which clears what the unit has (an update must not
 * add to the old list), then the entries; m has the (sv) of the first one open. */
static int append_device_allow(sd_bus_message *m, const struct sd_prop *p)
{
	int r;

	if ((r = sd.sd_bus_message_append(m, "v", "a(ss)", 0)) < 0 ||
	    (r = sd.sd_bus_message_close_container(m)) < 0)
		return r;
	if (p->n_pairs == 0)
		return 0;
	if ((r = sd.sd_bus_message_open_container(m, 'r', "sv")) < 0 ||
	    (r = sd.sd_bus_message_append(m, "s", p->name)) < 0 ||
	    (r = sd.sd_bus_message_open_container(m, 'v', "a(ss)")) < 0 ||
	    (r = sd.sd_bus_message_open_container(m, 'a', "(ss)")) < 0)
		return r;
	for (size_t i = 0; i + 1 < p->n_pairs; i += 2)
		if ((r = sd.sd_bus_message_append(m, "(ss)", p->pairs[i], p->pairs[i + 1])) < 0)
			return r;
	if ((r = sd.sd_bus_message_close_container(m)) < 0 || (r = sd.sd_bus_message_close_container(m)) < 0)
		return r;
	return sd.sd_bus_message_close_container(m);
}

static int append_prop(sd_bus_message *m, const struct sd_prop *p)
{
	static const char sig[] = {
	    ['b'] = 'b', ['s'] = 's', ['i'] = 'i', ['u'] = 'u', ['x'] = 'x', ['t'] = 't', ['d'] = 'd'};
	char s[2] = {0};
	int r;

	if ((r = sd.sd_bus_message_open_container(m, 'r', "sv")) < 0 ||
	    (r = sd.sd_bus_message_append(m, "s", p->name)) < 0)
		return r;
	switch (p->type) {
	case 'y':
		if ((r = sd.sd_bus_message_open_container(m, 'v', "ay")) < 0 ||
		    (r = sd.sd_bus_message_append_array(m, 'y', p->bytes, p->n_bytes)) < 0)
			return r;
		break;
	case 'U':
		if ((r = sd.sd_bus_message_append(m, "v", "au", 1, (uint32_t)p->v.u)) < 0)
			return r;
		return sd.sd_bus_message_close_container(m);
	case 'A':
		return append_device_allow(m, p);
	default:
		if ((unsigned char)p->type >= sizeof(sig) || !sig[(unsigned char)p->type])
			return -EINVAL;
		s[0] = sig[(unsigned char)p->type];
		if ((r = sd.sd_bus_message_open_container(m, 'v', s)) < 0)
			return r;
		if (p->type == 'b')
			r = sd.sd_bus_message_append(m, s, (int)p->v.b);
		else if (p->type == 's')
			r = sd.sd_bus_message_append(m, s, p->v.s);
		else if (p->type == 'i')
			r = sd.sd_bus_message_append(m, s, (int32_t)p->v.i);
		else if (p->type == 'u')
			r = sd.sd_bus_message_append(m, s, (uint32_t)p->v.u);
		else if (p->type == 'x')
			r = sd.sd_bus_message_append(m, s, p->v.i);
		else if (p->type == 'd')
			r = sd.sd_bus_message_append(m, s, p->v.d);
		else
			r = sd.sd_bus_message_append(m, s, p->v.u);
		if (r < 0)
			return r;
	}
	if ((r = sd.sd_bus_message_close_container(m)) < 0)
		return r;
	return sd.sd_bus_message_close_container(m);
}

static int append_props(sd_bus_message *m, const struct sd_props *p)
{
	int r;

	for (size_t i = 0; p && i < p->n; i++)
		if ((r = append_prop(m, &p->v[i])) < 0)
			return r;
	return 0;
}

struct job_wait {
	char *job;
	char *result;
};

static int on_job_removed(sd_bus_message *m, void *data, sd_bus_error *e)
{
	struct job_wait *w = data;
	const char *path = NULL, *unit = NULL, *result = NULL;
	uint32_t id;

	(void)e;
	if (sd.sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0)
		return 0;
	if (w->job && path && strcmp(path, w->job) == 0 && !w->result)
		w->result = xstrdup(result ? result : "");
	return 0;
}

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Call a Start/Stop method whose reply is a job path, and wait for JobRemoved
 * of that job. The match is installed before the call, so the signal is not
 * lost. *ret_called: systemd accepted the call (a job was queued). */
static int call_job(sd_conn_t *c, sd_bus_message *m, const char *what, const char *unit, char **ret_result,
		    bool *ret_called, sd_bus_error *e, ocirun_error_t *err)
{
	struct job_wait w = {0};
	sd_bus_slot *slot = NULL;
	sd_bus_message *reply = NULL;
	const char *job = NULL;
	uint64_t end;
	int r;

	r = sd.sd_bus_match_signal(c->bus, &slot, c->bus_client ? SD_DEST : NULL, SD_PATH, SD_MGR,
				   "JobRemoved", on_job_removed, &w);
	if (r < 0)
		return bus_err(err, r, NULL, "subscribe to JobRemoved for", unit);
	r = sd.sd_bus_call(c->bus, m, 0, e, &reply);
	if (r < 0) {
		sd.sd_bus_slot_unref(slot);
		/* the caller looks at e; without a D-Bus error name, err says it */
		if (!e->name)
			bus_err(err, r, NULL, what, unit);
		return r;
	}
	*ret_called = true;
	r = sd.sd_bus_message_read(reply, "o", &job);
	w.job = job ? xstrdup(job) : NULL;
	sd.sd_bus_message_unref(reply);
	if (r < 0 || !w.job) {
		sd.sd_bus_slot_unref(slot);
		return bus_err(err, r < 0 ? r : -EPROTO, NULL, what, unit);
	}
	end = now_usec() + JOB_WAIT;
	while (!w.result) {
		uint64_t now = now_usec();
		r = sd.sd_bus_process(c->bus, NULL);
		if (r < 0)
			break;
		if (r > 0)
			continue;
		if (now >= end) {
			r = -ETIMEDOUT;
			break;
		}
		r = sd.sd_bus_wait(c->bus, end - now);
		if (r < 0)
			break;
	}
	sd.sd_bus_slot_unref(slot);
	free(w.job);
	if (!w.result)
		return oerr_msg(err, r < 0 ? -r : EIO, "systemd: %s %s: waiting for the job: %s", what, unit,
				strerror(r < 0 ? -r : EIO));
	*ret_result = w.result;
	return 1;
}

static int new_call(sd_conn_t *c, sd_bus_message **m, const char *member)
{
	return sd.sd_bus_message_new_method_call(c->bus, m, SD_DEST, SD_PATH, SD_MGR, member);
}

static void reset_failed(sd_conn_t *c, const char *unit)
{
	sd_bus_message *m = NULL;
	sd_bus_error e = {0};

	if (new_call(c, &m, "ResetFailedUnit") >= 0 && sd.sd_bus_message_append(m, "s", unit) >= 0)
		sd.sd_bus_call(c->bus, m, 0, &e, NULL);
	sd.sd_bus_error_free(&e);
	sd.sd_bus_message_unref(m);
}

static int start_msg(sd_conn_t *c, const char *unit, const char *slice, pid_t pid,
		     const struct sd_props *props, sd_bus_message **ret)
{
	_cleanup_free_ char *desc = xasprintf("ocirun container %s", unit);
	struct sd_props fixed = {0};
	sd_bus_message *m = NULL;
	int r;

	sd_props_add(&fixed, "Description", 's')->v.s = xstrdup(desc);
	sd_props_add(&fixed, "Slice", 's')->v.s = xstrdup(slice);
	sd_props_add(&fixed, "Delegate", 'b')->v.b = true;
	sd_props_add(&fixed, "DefaultDependencies", 'b')->v.b = false;
	sd_props_add(&fixed, "PIDs", 'U')->v.u = (uint64_t)pid;
	sd_props_add(&fixed, "MemoryAccounting", 'b')->v.b = true;
	sd_props_add(&fixed, "CPUAccounting", 'b')->v.b = true;
	sd_props_add(&fixed, "IOAccounting", 'b')->v.b = true;
	sd_props_add(&fixed, "TasksAccounting", 'b')->v.b = true;
	if ((r = new_call(c, &m, "StartTransientUnit")) < 0 ||
	    (r = sd.sd_bus_message_append(m, "ss", unit, "replace")) < 0 ||
	    (r = sd.sd_bus_message_open_container(m, 'a', "(sv)")) < 0 || (r = append_props(m, &fixed)) < 0 ||
	    (r = append_props(m, props)) < 0 || (r = sd.sd_bus_message_close_container(m)) < 0 ||
	    (r = sd.sd_bus_message_append(m, "a(sa(sv))", 0)) < 0) {
		sd.sd_bus_message_unref(m);
		sd_props_clear(&fixed);
		return r;
	}
	sd_props_clear(&fixed);
	*ret = m;
	return 0;
}

int sd_start_scope(sd_conn_t *c, const char *unit, const char *slice, pid_t pid, const struct sd_props *props,
		   bool *ret_made, ocirun_error_t *err)
{
	*ret_made = false;
	for (int attempt = 0;; attempt++) {
		sd_bus_message *m = NULL;
		sd_bus_error e = {0};
		_cleanup_free_ char *result = NULL;
		int r = start_msg(c, unit, slice, pid, props, &m);

		if (r < 0)
			return bus_err(err, r, NULL, "build StartTransientUnit for", unit);
		r = call_job(c, m, "start", unit, &result, ret_made, &e, err);
		sd.sd_bus_message_unref(m);
		/* a failed unit of the same name is left from before: reset it once, as runc */
		if (r < 0 && attempt == 0 &&
		    sd.sd_bus_error_has_name(&e, "org.freedesktop.systemd1.UnitExists")) {
			sd.sd_bus_error_free(&e);
			reset_failed(c, unit);
			continue;
		}
		if (r < 0 && e.name)
			return bus_err(err, r, &e, "start", unit);
		if (r < 0)
			return oerr_ret(err);
		if (strcmp(result, "done") != 0) {
			reset_failed(c, unit);
			return oerr_msg(err, EIO, "systemd: start %s: job %s", unit, result);
		}
		return 0;
	}
}

int sd_set_props(sd_conn_t *c, const char *unit, const struct sd_props *props, ocirun_error_t *err)
{
	sd_bus_message *m = NULL;
	sd_bus_error e = {0};
	int r;

	if (!props || props->n == 0)
		return 0;
	if ((r = new_call(c, &m, "SetUnitProperties")) < 0 ||
	    (r = sd.sd_bus_message_append(m, "sb", unit, 1)) < 0 ||
	    (r = sd.sd_bus_message_open_container(m, 'a', "(sv)")) < 0 || (r = append_props(m, props)) < 0 ||
	    (r = sd.sd_bus_message_close_container(m)) < 0) {
		sd.sd_bus_message_unref(m);
		return bus_err(err, r, NULL, "build SetUnitProperties for", unit);
	}
	r = sd.sd_bus_call(c->bus, m, 0, &e, NULL);
	sd.sd_bus_message_unref(m);
	if (r < 0)
		return bus_err(err, r, &e, "set properties of", unit);
	return 0;
}

int sd_stop_unit(sd_conn_t *c, const char *unit, ocirun_error_t *err)
{
	sd_bus_message *m = NULL;
	sd_bus_error e = {0};
	_cleanup_free_ char *result = NULL;
	bool called = false;
	int r;

	if ((r = new_call(c, &m, "StopUnit")) < 0 ||
	    (r = sd.sd_bus_message_append(m, "ss", unit, "replace")) < 0) {
		sd.sd_bus_message_unref(m);
		return bus_err(err, r, NULL, "build StopUnit for", unit);
	}
	r = call_job(c, m, "stop", unit, &result, &called, &e, err);
	sd.sd_bus_message_unref(m);
	if (r < 0 && sd.sd_bus_error_has_name(&e, "org.freedesktop.systemd1.NoSuchUnit")) {
		sd.sd_bus_error_free(&e);
		return 0;
	}
	if (r < 0 && e.name)
		return bus_err(err, r, &e, "stop", unit);
	if (r < 0)
		return oerr_ret(err);
	if (strcmp(result, "done") != 0)
		log_debug("systemd: stop %s: job %s", unit, result);
	reset_failed(c, unit);
	return 0;
}
