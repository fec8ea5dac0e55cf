/* base/cleanup: scope-bound release of fds, memory and FILEs, with explicit
 * hand-over (TAKE_PTR / TAKE_FD). Runs in: any process. Must not call: exit. */
#ifndef OCIRUN_BASE_CLEANUP_H
#define OCIRUN_BASE_CLEANUP_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void cleanup_freep(void *p)
{
	free(*(void **)p);
}
static inline void cleanup_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}
static inline void cleanup_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}
void strv_free(char **v);
static inline void cleanup_strvp(char ***v)
{
	strv_free(*v);
}

#define _cleanup_free_   __attribute__((cleanup(cleanup_freep)))
#define _cleanup_close_  __attribute__((cleanup(cleanup_closep)))
#define _cleanup_fclose_ __attribute__((cleanup(cleanup_fclosep)))
#define _cleanup_strv_   __attribute__((cleanup(cleanup_strvp)))

#define TAKE_PTR(p)                                                                                          \
	({                                                                                                   \
		__typeof__(p) _tp = (p);                                                                     \
		(p) = NULL;                                                                                  \
		_tp;                                                                                         \
	})
#define TAKE_FD(fd)                                                                                          \
	({                                                                                                   \
		int _tf = (fd);                                                                              \
		(fd) = -1;                                                                                   \
		_tf;                                                                                         \
	})

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
