/* sdconv: the systemd driver's pure conversions, without libsystemd, so they
 * are unit-tested on any host. The rules are runc's (libcontainer/specconv and
 * the cgroups module's systemd package), re-derived here. */
#include "cgroup/sd.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "cgroup/internal.h"

#define ANNOT_PREFIX "org.systemd.property."

void sd_unit_clear(struct sd_unit *u)
{
	free(u->slice);
	free(u->slice_path);
	free(u->unit);
	memset(u, 0, sizeof(*u));
}

int sd_expand_slice(const char *slice, char **ret, ocirun_error_t *err)
{
	size_t len = strlen(slice), sl = strlen(".slice");
	_cleanup_free_ char *name = NULL;
	char *path = xstrdup(""), *prefix = xstrdup("");

	if (len <= sl || strcmp(slice + len - sl, ".slice") != 0 || strchr(slice, '/'))
		goto bad;
	name = xasprintf("%.*s", (int)(len - sl), slice);
	if (strcmp(name, "-") == 0) {
		free(path);
		free(prefix);
		*ret = xstrdup("/");
		return 0;
	}
	for (char *p = name;;) {
		size_t n = strcspn(p, "-");
		char *np, *npre;
		if (n == 0)
			goto bad;
		np = xasprintf("%s/%s%.*s.slice", path, prefix, (int)n, p);
		npre = xasprintf("%s%.*s-", prefix, (int)n, p);
		free(path);
		free(prefix);
		path = np;
		prefix = npre;
		if (!p[n])
			break;
		p += n + 1;
	}
	free(prefix);
	*ret = path;
	return 0;
bad:
	free(path);
	free(prefix);
	return oerr_msg(err, EINVAL, "linux.cgroupsPath: invalid slice name \"%s\"", slice);
}

static bool unit_name_ok(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      strchr(":-_.\\@", *s)))
			return false;
	return true;
}

int sd_unit_parse(const char *path, const char *id, bool rootless, struct sd_unit *ret, ocirun_error_t *err)
{
	struct sd_unit u = {0};
	const char *c1, *c2;

	if (!path || !*path) {
		if (!id || !*id)
			return oerr_msg(err, EINVAL, "cgroup: no linux.cgroupsPath and no container id");
		u.slice = xstrdup(rootless ? "user.slice" : "system.slice");
		u.unit = xasprintf("ocirun-%s.scope", id);
	} else {
		c1 = strchr(path, ':');
		c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2 || strchr(c2 + 1, ':'))
			return oerr_msg(err, EINVAL,
					"linux.cgroupsPath: expected \"slice:prefix:name\" for the systemd "
					"cgroup driver, got \"%s\"",
					path);
		if (!c2[1])
			return oerr_msg(err, EINVAL, "linux.cgroupsPath \"%s\": the name part is empty",
					path);
		u.slice = c1 == path ? xstrdup(rootless ? "user.slice" : "system.slice")
				     : xasprintf("%.*s", (int)(c1 - path), path);
		if (strlen(c2 + 1) > 6 && strcmp(c2 + strlen(c2) - 6, ".slice") == 0) {
			sd_unit_clear(&u);
			return oerr_msg(
			    err, ENOTSUP,
			    "linux.cgroupsPath \"%s\": a slice as the container's unit is not supported",
			    path);
		}
		u.unit = xasprintf("%.*s-%s.scope", (int)(c2 - c1 - 1), c1 + 1, c2 + 1);
	}
	if (!unit_name_ok(u.unit) || strlen(u.unit) > 255) {
		int r = oerr_msg(err, EINVAL, "linux.cgroupsPath: \"%s\" is not a valid unit name", u.unit);
		sd_unit_clear(&u);
		return r;
	}
	if (sd_expand_slice(u.slice, &u.slice_path, err) < 0) {
		sd_unit_clear(&u);
		return oerr_ret(err);
	}
	*ret = u;
	return 0;
}

uint64_t sd_cpu_quota_per_sec(int64_t *quota, uint64_t period)
{
	uint64_t us;

	if (*quota <= 0)
		return UINT64_MAX;
	if (period == 0)
		period = 100000;
	us = (uint64_t)*quota * 1000000 / period;
	if (us % 10000 != 0) {
		us = (us / 10000 + 1) * 10000;
		*quota = (int64_t)(us * period / 1000000);
	}
	return us;
}

#define MAX_NODE 65535

/* One "a" or "a-b" of a list into the bit set (MAX_NODE + 1 bits); *hi gets
 * the highest node. 0, or 1 for a node out of range, -1 for garbage. */
static int range_bits(char *t, uint8_t *bits, uint64_t *hi)
{
	char *dash = strchr(t, '-');
	uint64_t a, b;

	if (dash)
		*dash = '\0';
	if (parse_u64(t, &a) < 0 || (dash && parse_u64(dash + 1, &b) < 0))
		return -1;
	if (!dash)
		b = a;
	if (b < a)
		return -1;
	if (b > MAX_NODE)
		return 1;
	for (uint64_t x = a; x <= b; x++)
		bits[x / 8] |= (uint8_t)(1u << (x % 8));
	if (b > *hi)
		*hi = b;
	return 0;
}

/* Straight into a bit set: a list of ranges is never expanded into numbers
 * ("0-65535" repeated made gigabytes, found by fuzz_sdconv). */
int sd_range_to_bits(const char *s, uint8_t **ret, size_t *ret_n, ocirun_error_t *err)
{
	_cleanup_free_ char *copy = xstrdup(s);
	uint8_t *bits = xzalloc((MAX_NODE + 1) / 8);
	uint64_t hi = 0;
	bool any = false;

	for (char *save = NULL, *t = strtok_r(copy, ",\n ", &save); t; t = strtok_r(NULL, ",\n ", &save)) {
		int r = range_bits(t, bits, &hi);
		if (r != 0) {
			free(bits);
			if (r > 0)
				return oerr_msg(err, EINVAL,
						"CPU/memory node out of range (max %d) in \"%s\"", MAX_NODE,
						s);
			return oerr_msg(err, EINVAL, "invalid CPU/memory node list \"%s\"", s);
		}
		any = true;
	}
	if (!any) {
		free(bits);
		return oerr_msg(err, EINVAL, "invalid CPU/memory node list \"%s\"", s);
	}
	*ret = xrealloc(bits, hi / 8 + 1);
	*ret_n = hi / 8 + 1;
	return 0;
}

static void free_pairs(struct sd_prop *x)
{
	for (size_t i = 0; i < x->n_pairs; i++)
		free(x->pairs[i]);
	free(x->pairs);
	x->pairs = NULL;
	x->n_pairs = 0;
}

struct sd_prop *sd_props_add(struct sd_props *p, const char *name, char type)
{
	struct sd_prop *x;

	/* a later value for the same name replaces the earlier one */
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->v[i].name, name) == 0) {
			x = &p->v[i];
			if (x->type == 's')
				free(x->v.s);
			free(x->bytes);
			x->bytes = NULL;
			x->n_bytes = 0;
			free_pairs(x);
			memset(&x->v, 0, sizeof(x->v));
			x->type = type;
			return x;
		}
	p->v = xrealloc(p->v, (p->n + 1) * sizeof(*p->v));
	x = &p->v[p->n++];
	memset(x, 0, sizeof(*x));
	x->name = xstrdup(name);
	x->type = type;
	return x;
}

const struct sd_prop *sd_props_find(const struct sd_props *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->v[i].name, name) == 0)
			return &p->v[i];
	return NULL;
}

void sd_props_clear(struct sd_props *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].name);
		if (p->v[i].type == 's')
			free(p->v[i].v.s);
		free(p->v[i].bytes);
		free_pairs(&p->v[i]);
	}
	free(p->v);
	p->v = NULL;
	p->n = 0;
}

static void add_u64(struct sd_props *p, const char *name, uint64_t v)
{
	sd_props_add(p, name, 't')->v.u = v;
}

static int add_cpuset(struct sd_props *p, const char *name, const char *field, const char *list,
		      ocirun_error_t *err)
{
	struct sd_prop *x;
	uint8_t *b;
	size_t n;

	if (!list || !*list)
		return 0;
	if (sd_range_to_bits(list, &b, &n, err) < 0)
		return oerr_prefix(err, "linux.resources.cpu.%s", field);
	x = sd_props_add(p, name, 'y');
	x->bytes = b;
	x->n_bytes = n;
	return 0;
}

static int memory_props(const struct oci_memory *m, struct sd_props *p, ocirun_error_t *err)
{
	int64_t limit = m->has_limit ? m->limit : 0, sw = 0;
	bool disable = false;

	if (m->has_limit && m->limit != 0)
		add_u64(p, "MemoryMax", m->limit < 0 ? UINT64_MAX : (uint64_t)m->limit);
	if (m->has_reservation && m->reservation != 0)
		add_u64(p, "MemoryLow", m->reservation < 0 ? UINT64_MAX : (uint64_t)m->reservation);
	if (m->has_swap && cg_swap_to_v2(m->swap, limit, &sw, &disable, err) < 0)
		return oerr_ret(err);
	if (sw != 0 || disable)
		add_u64(p, "MemorySwapMax", sw < 0 ? UINT64_MAX : (uint64_t)sw);
	return 0;
}

static int cpu_props(const struct oci_cpu *c, struct sd_props *p, ocirun_error_t *err)
{
	int64_t quota = c->has_quota ? c->quota : 0;
	uint64_t period = c->has_period ? c->period : 0;

	if (c->has_idle && c->idle == 1)
		add_u64(p, "CPUWeight", 0);
	else if (c->has_shares && c->shares != 0)
		add_u64(p, "CPUWeight", cg_shares_to_weight(c->shares));
	if (period != 0)
		add_u64(p, "CPUQuotaPeriodUSec", period);
	if (quota != 0 || period != 0)
		add_u64(p, "CPUQuotaPerSecUSec", sd_cpu_quota_per_sec(&quota, period));
	if (add_cpuset(p, "AllowedCPUs", "cpus", c->cpus, err) < 0 ||
	    add_cpuset(p, "AllowedMemoryNodes", "mems", c->mems, err) < 0)
		return oerr_ret(err);
	return 0;
}

int sd_resource_props(const struct oci_resources *r, struct sd_props *p, ocirun_error_t *err)
{
	if (!r)
		return 0;
	if (r->memory && memory_props(r->memory, p, err) < 0)
		return oerr_ret(err);
	if (r->cpu && cpu_props(r->cpu, p, err) < 0)
		return oerr_ret(err);
	if (r->pids && r->pids->has_limit)
		add_u64(p, "TasksMax",
			r->pids->limit < 0    ? UINT64_MAX
			: r->pids->limit == 0 ? 1
					      : (uint64_t)r->pids->limit);
	if (r->block_io && r->block_io->has_weight && r->block_io->weight != 0)
		add_u64(p, "IOWeight", cg_blkio_to_io_weight(r->block_io->weight));
	return sd_device_props(r->devices, r->n_devices, p, err);
}

/* ---- devices: the v1 device cgroup's list, replayed ---- */

enum { DEV_R = 1, DEV_W = 2, DEV_M = 4 };

struct dev_entry {
	char type;            /* 'b' or 'c' */
	int64_t major, minor; /* -1: any */
	unsigned perms;
};

struct dev_list {
	bool default_allow; /* a deny list: entries are exceptions that deny */
	struct dev_entry *v;
	size_t n;
};

static int perms_of(const char *access, unsigned *ret, ocirun_error_t *err)
{
	unsigned m = 0;

	for (const char *a = access && *access ? access : "rwm"; *a; a++) {
		const char *c = strchr("rwm", *a);
		if (!c)
			return oerr_msg(err, EINVAL, "linux.resources.devices: access \"%s\": not r, w or m",
					access);
		m |= 1u << (c - "rwm");
	}
	*ret = m;
	return 0;
}

static struct dev_entry *dev_find(struct dev_list *l, const struct dev_entry *e)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].type == e->type && l->v[i].major == e->major && l->v[i].minor == e->minor)
			return &l->v[i];
	return NULL;
}

/* An exception of the list's kind: add its access to the entry of the same node. */
static void dev_add(struct dev_list *l, const struct dev_entry *e)
{
	struct dev_entry *x = dev_find(l, e);

	if (x) {
		x->perms |= e->perms;
		return;
	}
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = *e;
}

/* A rule against the list's kind takes access away from the exact entry; the v1 cgroup cannot
 * punch a hole in a wider wildcard entry, and neither can this. */
static int dev_remove(struct dev_list *l, const struct dev_entry *e, ocirun_error_t *err)
{
	const struct dev_entry wide[] = {
	    {e->type, -1, e->minor, 0}, {e->type, e->major, -1, 0}, {e->type, -1, -1, 0}};
	struct dev_entry *x;

	for (size_t i = 0; i < 3; i++) {
		if (wide[i].major == e->major && wide[i].minor == e->minor)
			continue;
		x = dev_find(l, &wide[i]);
		if (x && (x->perms & e->perms))
			return oerr_msg(err, EINVAL,
					"linux.resources.devices: a rule for %c %" PRId64 ":%" PRId64
					" inside a wider wildcard rule cannot be expressed for systemd",
					e->type, e->major, e->minor);
	}
	x = dev_find(l, e);
	if (x && !(x->perms &= ~e->perms))
		*x = l->v[--l->n];
	return 0;
}

static int dev_replay(const struct oci_device_cgroup *rules, size_t n, struct dev_list *l,
		      ocirun_error_t *err)
{
	for (size_t i = 0; i < n; i++) {
		const struct oci_device_cgroup *d = &rules[i];
		char t = d->type && *d->type ? d->type[0] : 'a';
		struct dev_entry e = {.type = t,
				      .major = d->has_major && d->major >= 0 ? d->major : -1,
				      .minor = d->has_minor && d->minor >= 0 ? d->minor : -1};

		if (perms_of(d->access, &e.perms, err) < 0)
			return oerr_ret(err);
		if (t == 'a') { /* all devices: the list starts again */
			free(l->v);
			*l = (struct dev_list){.default_allow = d->allow};
			continue;
		}
		if (t != 'b' && t != 'c')
			return oerr_msg(err, EINVAL, "linux.resources.devices: type \"%s\": not a, b or c",
					d->type);
		if (d->allow != l->default_allow)
			dev_add(l, &e);
		else if (dev_remove(l, &e, err) < 0)
			return oerr_ret(err);
	}
	return 0;
}

static int dev_cmp(const void *a, const void *b)
{
	const struct dev_entry *x = a, *y = b;

	if (x->major != y->major)
		return x->major < y->major ? -1 : 1;
	if (x->minor != y->minor)
		return x->minor < y->minor ? -1 : 1;
	return x->type - y->type;
}

/* One DeviceAllow entry: /dev/{char,block}/M:m, {char,block}-M, {char,block}-*; "*:m" has no
 * systemd form and is left to the eBPF program (runc warns and skips it too). */
static void dev_allow_entry(struct sd_prop *x, const struct dev_entry *e)
{
	const char *group = e->type == 'b' ? "block" : "char";
	char perms[4] = {0}, *path;
	size_t k = 0;

	if (e->major < 0 && e->minor >= 0)
		return;
	if (e->major < 0)
		path = xasprintf("%s-*", group);
	else if (e->minor < 0)
		path = xasprintf("%s-%" PRId64, group, e->major);
	else
		path = xasprintf("/dev/%s/%" PRId64 ":%" PRId64, group, e->major, e->minor);
	for (unsigned b = 0; b < 3; b++)
		if (e->perms & (1u << b))
			perms[k++] = "rwm"[b];
	x->pairs = xrealloc(x->pairs, (x->n_pairs + 2) * sizeof(*x->pairs));
	x->pairs[x->n_pairs++] = path;
	x->pairs[x->n_pairs++] = xstrdup(perms);
}

int sd_device_props(const struct oci_device_cgroup *rules, size_t n, struct sd_props *p, ocirun_error_t *err)
{
	struct dev_list l = {0};
	struct sd_prop *x;

	if (n == 0)
		return 0;
	if (dev_replay(rules, n, &l, err) < 0) {
		free(l.v);
		return oerr_ret(err);
	}
	x = sd_props_add(p, "DevicePolicy", 's');
	x->v.s = xstrdup(l.default_allow && l.n == 0 ? "auto" : "strict");
	x = sd_props_add(p, "DeviceAllow", 'A');
	if (!l.default_allow) {
		qsort(l.v, l.n, sizeof(*l.v), dev_cmp);
		for (size_t i = 0; i < l.n; i++)
			dev_allow_entry(x, &l.v[i]);
	}
	free(l.v);
	return 0;
}

/* A signed or unsigned integer after an optional GVariant type word. */
static int parse_number(const char *name, const char *t, char type, struct sd_prop *x, ocirun_error_t *err)
{
	char *end;

	errno = 0;
	if (type == 'd') {
		x->v.d = strtod(t, &end);
	} else if (type == 't' || type == 'u' || type == 'y' || type == 'q') {
		if (*t == '-')
			goto bad;
		x->v.u = strtoull(t, &end, 0);
	} else {
		x->v.i = strtoll(t, &end, 0);
	}
	if (errno || end == t || *end)
		goto bad;
	if ((type == 'u' && x->v.u > UINT32_MAX) || (type == 'q' && x->v.u > UINT16_MAX) ||
	    (type == 'y' && x->v.u > UINT8_MAX) ||
	    (type == 'i' && (x->v.i < INT32_MIN || x->v.i > INT32_MAX)) ||
	    (type == 'n' && (x->v.i < INT16_MIN || x->v.i > INT16_MAX)))
		goto bad;
	x->type = type == 'q' || type == 'y' ? 'u' : type == 'n' ? 'i' : type;
	return 0;
bad:
	return oerr_msg(err, EINVAL, "annotation %s%s: invalid number \"%s\"", ANNOT_PREFIX, name, t);
}

int sd_parse_value(const char *name, const char *text, struct sd_prop *x, ocirun_error_t *err)
{
	static const struct {
		const char *word;
		char type;
	} words[] = {{"uint64 ", 't'}, {"@t ", 't'},    {"int64 ", 'x'}, {"@x ", 'x'},     {"uint32 ", 'u'},
		     {"@u ", 'u'},     {"int32 ", 'i'}, {"@i ", 'i'},    {"double ", 'd'}, {"@d ", 'd'},
		     {"uint16 ", 'q'}, {"int16 ", 'n'}, {"byte ", 'y'}};
	size_t len = strlen(text);

	if (strcmp(text, "true") == 0 || strcmp(text, "false") == 0) {
		x->type = 'b';
		x->v.b = text[0] == 't';
		return 0;
	}
	if (len >= 2 && (text[0] == '\'' || text[0] == '"') && text[len - 1] == text[0]) {
		x->type = 's';
		x->v.s = xasprintf("%.*s", (int)(len - 2), text + 1);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		if (strncmp(text, words[i].word, strlen(words[i].word)) == 0)
			return parse_number(name, text + strlen(words[i].word), words[i].type, x, err);
	if (strpbrk(text, ".eE") && !strpbrk(text, "xX"))
		return parse_number(name, text, 'd', x, err);
	/* an untyped integer is an int32 in GVariant text, as in runc's parser */
	return parse_number(name, text, 'i', x, err);
}

static bool name_ok(const char *s)
{
	if (strlen(s) < 3)
		return false;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')))
			return false;
	return true;
}

/* runc's rule: a name ending in "Sec" after a lower-case letter means seconds,
 * sent as the "...USec" property in microseconds (uint64). Seconds whose
 * microseconds do not fit (or negative ones) are refused, where runc wraps. */
static int sec_to_usec(const char *key, struct sd_prop *x, ocirun_error_t *err)
{
	const uint64_t max = UINT64_MAX / 1000000;
	uint64_t us;

	switch (x->type) {
	case 'u':
	case 't':
		if (x->v.u > max)
			goto range;
		us = x->v.u * 1000000;
		break;
	case 'i':
	case 'x':
		if (x->v.i < 0 || (uint64_t)x->v.i > max)
			goto range;
		us = (uint64_t)x->v.i * 1000000;
		break;
	case 'd':
		/* also false for NaN; a double this side of max converts exactly enough */
		if (!(x->v.d >= 0 && x->v.d < (double)max))
			goto range;
		us = (uint64_t)(x->v.d * 1000000);
		break;
	default:
		return oerr_msg(err, EINVAL, "annotation %s: a ...Sec value must be a number", key);
	}
	x->type = 't';
	x->v.u = us;
	return 0;
range:
	return oerr_msg(err, ERANGE, "annotation %s: seconds out of range", key);
}

int sd_annotation_props(const struct oci_map *a, struct sd_props *p, ocirun_error_t *err)
{
	for (size_t i = 0; a && i < a->n; i++) {
		const char *key = a->items[i].key, *name;
		struct sd_prop tmp = {0}, *x;
		_cleanup_free_ char *pname = NULL;
		size_t len;

		if (strncmp(key, ANNOT_PREFIX, strlen(ANNOT_PREFIX)) != 0)
			continue;
		name = key + strlen(ANNOT_PREFIX);
		if (!name_ok(name))
			return oerr_msg(err, EINVAL,
					"annotation %s: the property name must be 3 or more letters", key);
		if (sd_parse_value(name, a->items[i].value ? a->items[i].value : "", &tmp, err) < 0)
			return oerr_ret(err);
		len = strlen(name);
		pname = xstrdup(name);
		if (len > 3 && strcmp(name + len - 3, "Sec") == 0 && name[len - 4] >= 'a' &&
		    name[len - 4] <= 'z') {
			free(pname);
			pname = xasprintf("%.*sUSec", (int)(len - 3), name);
			if (sec_to_usec(key, &tmp, err) < 0) {
				if (tmp.type == 's')
					free(tmp.v.s);
				return oerr_ret(err);
			}
		}
		x = sd_props_add(p, pname, tmp.type);
		x->v = tmp.v;
	}
	return 0;
}
