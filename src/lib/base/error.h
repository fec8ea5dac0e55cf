/* base/error: the caller-owned error record every library function fills.
 * Runs in: any process (heap-free, so it is safe after clone() and travels
 * in one sync message as is). Must not call: anything but libc. */
#ifndef OCIRUN_BASE_ERROR_H
#define OCIRUN_BASE_ERROR_H

#include <stdarg.h>

#define OCIRUN_ERR_MSG 1024

typedef struct ocirun_error {
	int code;                 /* errno value, 0 when only a message */
	char msg[OCIRUN_ERR_MSG]; /* "mount \"/proc\": Operation not permitted" */
} ocirun_error_t;

/* Record an error; appends ": strerror(code)" when code != 0.
 * Returns -code (or -EINVAL when code is 0) and sets errno, so callers can
 * write `return oerr(err, errno, "open %s", path);`. */
int oerr(ocirun_error_t *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Same, without strerror. */
int oerr_msg(ocirun_error_t *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Prefix context: "create container: " + existing message. Returns -code. */
int oerr_prefix(ocirun_error_t *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void oerr_clear(ocirun_error_t *err);
/* Return value to propagate for an already-set error. */
static inline int oerr_ret(const ocirun_error_t *err)
{
	return err->code > 0 ? -err->code : -1;
}

#endif
