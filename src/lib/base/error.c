#include "base/error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int finish(ocirun_error_t *err, int code)
{
	err->code = code;
	errno = code ? code : EINVAL;
	return code ? -code : -EINVAL;
}

int oerr(ocirun_error_t *err, int code, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!err)
		return code ? -code : -EINVAL;
	va_start(ap, fmt);
	n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	if (code && n >= 0 && (size_t)n < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", strerror(code));
	return finish(err, code);
}

int oerr_msg(ocirun_error_t *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code ? -code : -EINVAL;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return finish(err, code);
}

int oerr_prefix(ocirun_error_t *err, const char *fmt, ...)
{
	char prefix[256], old[OCIRUN_ERR_MSG];
	va_list ap;

	if (!err)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	size_t n;

	memcpy(old, err->msg, sizeof(old));
	n = strnlen(prefix, sizeof(prefix));
	/* "prefix: old", cut at the buffer's end */
	memcpy(err->msg, prefix, n);
	if (n + 2 < sizeof(err->msg)) {
		memcpy(err->msg + n, ": ", 2);
		n += 2;
	}
	snprintf(err->msg + n, sizeof(err->msg) - n, "%.*s", (int)(sizeof(err->msg) - n - 1), old);
	return oerr_ret(err);
}

void oerr_clear(ocirun_error_t *err)
{
	if (err) {
		err->code = 0;
		err->msg[0] = '\0';
	}
}
