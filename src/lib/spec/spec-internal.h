/* spec internals: the field tables that drive parsing and freeing, shared by
 * spec.c, validate.c and the unit tests (which generate wrong-type cases from them).
 * Runs in: runtime (before clone). Must not call: exit, anything outside base/. */
#ifndef OCIRUN_SPEC_INTERNAL_H
#define OCIRUN_SPEC_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "spec/spec.h"

/* Larger documents are rejected before parsing: yajl's tree costs tens of
 * bytes per value, so a few MiB of "[0,0,...]" already means hundreds of MiB. */
#define SPEC_MAX_SIZE (16u << 20)
/* yajl_tree_free() recurses once per nesting level, so a deep enough
 * document in an ignored key crashes the runtime; no valid config comes close. */
#define SPEC_MAX_DEPTH 20000

enum spec_ftype {
	SPEC_STR,       /* char * */
	SPEC_BOOL,      /* bool */
	SPEC_I32,       /* int32_t */
	SPEC_U32,       /* uint32_t */
	SPEC_U16,       /* uint16_t */
	SPEC_I64,       /* int64_t */
	SPEC_U64,       /* uint64_t */
	SPEC_STRV,      /* NULL-terminated char ** */
	SPEC_U32_ARRAY, /* uint32_t * plus count */
	SPEC_MAP,       /* struct oci_map: an object of strings */
	SPEC_OBJ,       /* an embedded struct */
	SPEC_PTR,       /* a pointer to an allocated struct, NULL when absent */
	SPEC_ARRAY,     /* an array of structs plus count */
	SPEC_OBJ_MAP,   /* an object of objects: structs whose first member is the char * key */
};

#define SPEC_NONE (-1)

struct spec_desc;

struct spec_field {
	const char *key; /* the JSON name */
	enum spec_ftype type;
	int offset;                  /* of the value in the parent struct */
	int has_offset;              /* of the bool has_ flag, or SPEC_NONE */
	int count_offset;            /* of the size_t n_ count (arrays), or SPEC_NONE */
	const struct spec_desc *sub; /* SPEC_OBJ, SPEC_PTR, SPEC_ARRAY, SPEC_OBJ_MAP */
	bool required;               /* absent or null is an error */
};

struct spec_desc {
	const char *name; /* the C struct, for debugging */
	size_t size;      /* of one struct (array elements) */
	const struct spec_field *fields;
	size_t n_fields;
};

extern const struct spec_desc spec_desc_config;    /* struct oci_spec */
extern const struct spec_desc spec_desc_process;   /* struct oci_process */
extern const struct spec_desc spec_desc_resources; /* struct oci_resources */

/* Semantic checks on a Process or LinuxResources object; `prefix` is the JSON
 * path of the object followed by a dot ("process.") or "" at the top level. */
int spec_validate_process(const struct oci_process *p, const char *what, const char *prefix,
			  ocirun_error_t *err);
int spec_validate_resources(const struct oci_resources *r, const char *what, const char *prefix,
			    ocirun_error_t *err);

#endif
