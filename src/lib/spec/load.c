/* Reading config.json from a bundle: size-limited, then parsed (spec.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/util.h"
#include "spec/spec-internal.h"
#include "spec/spec.h"

/* Like read_file(), but never holds more than the size limit: config.json
 * could be a FIFO or a symlink to /dev/zero. */
static int read_config(const char *path, char **ret, size_t *ret_len, ocirun_error_t *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;
	struct stat st;

	if (fd < 0)
		return oerr(err, errno, "open \"%s\"", path);
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > (off_t)SPEC_MAX_SIZE)
		goto too_large;
	for (;;) {
		ssize_t n;

		if (len == cap) {
			if (len > SPEC_MAX_SIZE)
				goto too_large;
			cap = cap ? cap * 2 : 64 * 1024;
			buf = xrealloc(buf, cap + 1);
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return oerr(err, errno, "read \"%s\"", path);
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > SPEC_MAX_SIZE)
		goto too_large;
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
too_large:
	return oerr_msg(err, EFBIG, "read \"%s\": file larger than %u MiB", path, SPEC_MAX_SIZE >> 20);
}

int spec_read(const char *bundle, char **ret, size_t *ret_len, ocirun_error_t *err)
{
	_cleanup_free_ char *path = xasprintf("%s/config.json", bundle && *bundle ? bundle : ".");

	return read_config(path, ret, ret_len, err);
}

int spec_load(const char *bundle, struct oci_spec **ret, ocirun_error_t *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r;

	r = spec_read(bundle, &text, &len, err);
	if (r < 0)
		return r;
	return spec_parse(text, len, "config.json", ret, err);
}
