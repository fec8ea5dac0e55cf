/* base/json: the only file that uses yajl. A read-only tree (parse) and a
 * generator (emit). Runs in: runtime. Must not call: exit. */
#ifndef OCIRUN_BASE_JSON_H
#define OCIRUN_BASE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

typedef struct json_node json_t; /* opaque: a yajl_val */

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_OBJECT, JSON_ARRAY };

/* Parse text (len bytes, need not be NUL-terminated). Errors say where. */
int json_parse(const char *text, size_t len, json_t **ret, ocirun_error_t *err);
void json_free(json_t *v);

enum json_type json_type(const json_t *v);
const char *json_type_name(enum json_type t);
size_t json_len(const json_t *v); /* object members or array elements */
const char *json_obj_key(const json_t *v, size_t i);
json_t *json_obj_val(const json_t *v, size_t i);
json_t *json_obj_get(const json_t *v, const char *key);
json_t *json_arr_get(const json_t *v, size_t i);
const char *json_str(const json_t *v); /* NULL unless a string */
bool json_bool(const json_t *v);
/* Integer accessors: -ERANGE when out of range, -EINVAL when not an integer. */
int json_i64(const json_t *v, int64_t *ret);
int json_u64(const json_t *v, uint64_t *ret);
bool json_is_integer(const json_t *v);

/* Generator. */
typedef struct json_gen json_gen_t;
json_gen_t *json_gen_new(bool pretty);
/* Indent of a pretty generator: a tab by default (config files, as runc
 * writes them); `state` output uses two spaces, as runc prints it. */
void json_gen_set_indent(json_gen_t *g, const char *indent);
void json_gen_free(json_gen_t *g);
void json_gen_obj_open(json_gen_t *g);
void json_gen_obj_close(json_gen_t *g);
void json_gen_arr_open(json_gen_t *g);
void json_gen_arr_close(json_gen_t *g);
void json_gen_key(json_gen_t *g, const char *key); /* same as json_gen_str */
void json_gen_str(json_gen_t *g, const char *s);   /* NULL emits null */
void json_gen_i64(json_gen_t *g, int64_t v);
void json_gen_u64(json_gen_t *g, uint64_t v);
void json_gen_bool(json_gen_t *g, bool v);
void json_gen_null(json_gen_t *g);
/* Emit a parsed tree as is. */
void json_gen_tree(json_gen_t *g, const json_t *v);
/* Returns a malloc'd copy of the output (NUL-terminated). */
char *json_gen_finish(json_gen_t *g, size_t *ret_len);

#endif
