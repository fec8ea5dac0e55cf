#include "base/json.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <yajl_gen.h>
#include <yajl_tree.h>

#include "base/util.h"

#define V(x) ((yajl_val)(x))

/* yajl builds its tree iteratively but frees it recursively: a document
 * nested deeper than this would overflow the stack in yajl_tree_free(). */
#define JSON_MAX_DEPTH 20000

static int check_depth(const char *text, size_t len, ocirun_error_t *err)
{
	size_t depth = 0;
	bool in_string = false;

	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = false;
		} else if (c == '"') {
			in_string = true;
		} else if (c == '[' || c == '{') {
			if (++depth > JSON_MAX_DEPTH)
				return oerr_msg(err, EINVAL, "invalid JSON: nested deeper than %d levels",
						JSON_MAX_DEPTH);
		} else if ((c == ']' || c == '}') && depth > 0) {
			depth--;
		}
	}
	return 0;
}

int json_parse(const char *text, size_t len, json_t **ret, ocirun_error_t *err)
{
	char errbuf[256] = "";
	_cleanup_free_ char *copy = xmalloc(len + 1);
	yajl_val v;

	if (check_depth(text, len, err) < 0)
		return oerr_ret(err);
	memcpy(copy, text, len);
	copy[len] = '\0';
	if (strlen(copy) != len)
		return oerr_msg(err, EINVAL, "invalid JSON: NUL byte at offset %zu", strlen(copy));
	v = yajl_tree_parse(copy, errbuf, sizeof(errbuf));
	if (!v) {
		/* yajl's message spans lines; keep the first one */
		char *nl = strchr(errbuf, '\n');
		if (nl)
			*nl = '\0';
		return oerr_msg(err, EINVAL, "invalid JSON: %s", *errbuf ? errbuf : "parse error");
	}
	*ret = (json_t *)v;
	return 0;
}

void json_free(json_t *v)
{
	yajl_tree_free(V(v));
}

enum json_type json_type(const json_t *v)
{
	if (!v)
		return JSON_NULL;
	switch (V(v)->type) {
	case yajl_t_string:
		return JSON_STRING;
	case yajl_t_number:
		return JSON_NUMBER;
	case yajl_t_object:
		return JSON_OBJECT;
	case yajl_t_array:
		return JSON_ARRAY;
	case yajl_t_true:
	case yajl_t_false:
		return JSON_BOOL;
	default:
		return JSON_NULL;
	}
}

const char *json_type_name(enum json_type t)
{
	static const char *const names[] = {"null", "boolean", "number", "string", "object", "array"};
	return names[t];
}

size_t json_len(const json_t *v)
{
	if (YAJL_IS_OBJECT(V(v)))
		return V(v)->u.object.len;
	if (YAJL_IS_ARRAY(V(v)))
		return V(v)->u.array.len;
	return 0;
}

const char *json_obj_key(const json_t *v, size_t i)
{
	return V(v)->u.object.keys[i];
}
json_t *json_obj_val(const json_t *v, size_t i)
{
	return (json_t *)V(v)->u.object.values[i];
}
json_t *json_arr_get(const json_t *v, size_t i)
{
	return (json_t *)V(v)->u.array.values[i];
}

json_t *json_obj_get(const json_t *v, const char *key)
{
	if (!YAJL_IS_OBJECT(V(v)))
		return NULL;
	/* the last duplicate wins, as in Go's encoding/json */
	for (size_t i = V(v)->u.object.len; i-- > 0;)
		if (strcmp(V(v)->u.object.keys[i], key) == 0)
			return (json_t *)V(v)->u.object.values[i];
	return NULL;
}

const char *json_str(const json_t *v)
{
	return YAJL_IS_STRING(V(v)) ? V(v)->u.string : NULL;
}
bool json_bool(const json_t *v)
{
	return YAJL_IS_TRUE(V(v));
}

bool json_is_integer(const json_t *v)
{
	const char *r;

	if (!YAJL_IS_NUMBER(V(v)))
		return false;
	r = V(v)->u.number.r;
	return r && !strpbrk(r, ".eE");
}

int json_i64(const json_t *v, int64_t *ret)
{
	if (!json_is_integer(v))
		return -EINVAL;
	if (!(V(v)->u.number.flags & YAJL_NUMBER_INT_VALID))
		return -ERANGE;
	*ret = V(v)->u.number.i;
	return 0;
}

int json_u64(const json_t *v, uint64_t *ret)
{
	const char *r;
	char *end;
	unsigned long long u;

	if (!json_is_integer(v))
		return -EINVAL;
	r = V(v)->u.number.r;
	if (*r == '-')
		return -ERANGE;
	errno = 0;
	u = strtoull(r, &end, 10);
	if (errno || *end)
		return -ERANGE;
	*ret = u;
	return 0;
}

struct json_gen {
	yajl_gen g;
};

json_gen_t *json_gen_new(bool pretty)
{
	json_gen_t *g = xzalloc(sizeof(*g));

	g->g = yajl_gen_alloc(NULL);
	if (!g->g)
		abort();
	yajl_gen_config(g->g, yajl_gen_beautify, pretty ? 1 : 0);
	if (pretty)
		yajl_gen_config(g->g, yajl_gen_indent_string, "\t");
	yajl_gen_config(g->g, yajl_gen_validate_utf8, 0);
	return g;
}

void json_gen_set_indent(json_gen_t *g, const char *indent)
{
	yajl_gen_config(g->g, yajl_gen_indent_string, indent);
}

void json_gen_free(json_gen_t *g)
{
	if (!g)
		return;
	yajl_gen_free(g->g);
	free(g);
}

void json_gen_obj_open(json_gen_t *g)
{
	yajl_gen_map_open(g->g);
}
void json_gen_obj_close(json_gen_t *g)
{
	yajl_gen_map_close(g->g);
}
void json_gen_arr_open(json_gen_t *g)
{
	yajl_gen_array_open(g->g);
}
void json_gen_arr_close(json_gen_t *g)
{
	yajl_gen_array_close(g->g);
}
void json_gen_key(json_gen_t *g, const char *key)
{
	json_gen_str(g, key);
}

void json_gen_str(json_gen_t *g, const char *s)
{
	if (!s)
		yajl_gen_null(g->g);
	else
		yajl_gen_string(g->g, (const unsigned char *)s, strlen(s));
}

void json_gen_i64(json_gen_t *g, int64_t v)
{
	yajl_gen_integer(g->g, v);
}

void json_gen_u64(json_gen_t *g, uint64_t v)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%" PRIu64, v);
	yajl_gen_number(g->g, buf, (size_t)n);
}

void json_gen_bool(json_gen_t *g, bool v)
{
	yajl_gen_bool(g->g, v);
}
void json_gen_null(json_gen_t *g)
{
	yajl_gen_null(g->g);
}

void json_gen_tree(json_gen_t *g, const json_t *v)
{
	switch (json_type(v)) {
	case JSON_NULL:
		yajl_gen_null(g->g);
		break;
	case JSON_BOOL:
		yajl_gen_bool(g->g, json_bool(v));
		break;
	case JSON_NUMBER:
		yajl_gen_number(g->g, V(v)->u.number.r, strlen(V(v)->u.number.r));
		break;
	case JSON_STRING:
		json_gen_str(g, json_str(v));
		break;
	case JSON_OBJECT:
		yajl_gen_map_open(g->g);
		for (size_t i = 0; i < json_len(v); i++) {
			json_gen_str(g, json_obj_key(v, i));
			json_gen_tree(g, json_obj_val(v, i));
		}
		yajl_gen_map_close(g->g);
		break;
	case JSON_ARRAY:
		yajl_gen_array_open(g->g);
		for (size_t i = 0; i < json_len(v); i++)
			json_gen_tree(g, json_arr_get(v, i));
		yajl_gen_array_close(g->g);
		break;
	}
}

char *json_gen_finish(json_gen_t *g, size_t *ret_len)
{
	const unsigned char *buf;
	size_t len;
	char *r;

	yajl_gen_get_buf(g->g, &buf, &len);
	r = xmalloc(len + 1);
	if (len)
		memcpy(r, buf, len);
	r[len] = '\0';
	if (ret_len)
		*ret_len = len;
	return r;
}
