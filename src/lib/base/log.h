/* base/log: the runtime's log sink (stderr and/or --log FILE, text or
 * runc-compatible json lines). Only cli/ and lifecycle/ log errors, so each
 * error is reported once. Runs in: runtime and container init (the fd is
 * inherited and close-on-exec). Must not call: exit. */
#ifndef OCIRUN_BASE_LOG_H
#define OCIRUN_BASE_LOG_H

#include <stdbool.h>

#include "base/error.h"

enum log_level { LOG_LEVEL_ERROR = 0, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

/* file: NULL or "" for stderr only; format "text" or "json". */
int log_init(const char *file, const char *format, bool debug, ocirun_error_t *err);
bool log_debug_enabled(void);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Error reported at the edge: to stderr as "ocirun: msg" and to the log file. */
void log_error_final(const char *msg);
/* Format one log line (json or text) into buf; used for tests and the sync channel. */
int log_format_line(char *buf, int size, enum log_level level, const char *msg);

#define log_debug(...)                                                                                       \
	do {                                                                                                 \
		if (log_debug_enabled())                                                                     \
			log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__);                                               \
	} while (0)
#define log_warn(...) log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)

#endif
