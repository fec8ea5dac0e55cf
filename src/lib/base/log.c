#include "base/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int log_fd = -1; /* --log FILE, or -1 */
static bool log_json;
static bool log_debug_on;

static const char *const level_names[] = {"error", "warning", "info", "debug"};

int log_init(const char *file, const char *format, bool debug, ocirun_error_t *err)
{
	log_debug_on = debug;
	if (format && strcmp(format, "json") == 0)
		log_json = true;
	else if (format && strcmp(format, "text") != 0)
		return oerr_msg(err, EINVAL, "invalid log format \"%s\": expected text or json", format);
	if (file && *file) {
		int fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			return oerr(err, errno, "open log file \"%s\"", file);
		if (log_fd >= 0)
			close(log_fd);
		log_fd = fd;
	}
	return 0;
}

bool log_debug_enabled(void)
{
	return log_debug_on;
}

static void json_escape(char *out, size_t size, const char *in)
{
	size_t o = 0;

	for (; *in && o + 7 < size; in++) {
		unsigned char c = (unsigned char)*in;
		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else if (c < 0x20) {
			o += snprintf(out + o, size - o, "\\u%04x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
}

int log_format_line(char *buf, int size, enum log_level level, const char *msg)
{
	char ts[64], esc[2 * OCIRUN_ERR_MSG + 64];
	struct timespec now;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	n = strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + n, sizeof(ts) - n, ".%09ldZ", now.tv_nsec);
	json_escape(esc, sizeof(esc), msg);
	if (log_json)
		return snprintf(buf, size, "{\"level\":\"%s\",\"msg\":\"%s\",\"time\":\"%s\"}\n",
				level_names[level], esc, ts);
	return snprintf(buf, size, "time=\"%s\" level=%s msg=\"%s\"\n", ts, level_names[level], esc);
}

static void emit(enum log_level level, const char *msg, bool to_stderr)
{
	char line[4 * OCIRUN_ERR_MSG];
	int n, saved = errno;

	if (log_fd >= 0) {
		n = log_format_line(line, sizeof(line), level, msg);
		if (n > 0)
			(void)!write(log_fd, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
	}
	if (to_stderr) {
		n = snprintf(line, sizeof(line), "%s%s\n",
			     level == LOG_LEVEL_ERROR  ? "ocirun: "
			     : level == LOG_LEVEL_WARN ? "ocirun: warning: "
						       : "ocirun: debug: ",
			     msg);
		if (n > 0)
			(void)!write(STDERR_FILENO, line,
				     (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
	}
	errno = saved;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	char msg[2 * OCIRUN_ERR_MSG];
	va_list ap;

	if (level == LOG_LEVEL_DEBUG && !log_debug_on)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Warnings always reach stderr; info and debug go to the log file, or to
	 * stderr when there is no log file. */
	emit(level, msg, level <= LOG_LEVEL_WARN || log_fd < 0);
}

void log_error_final(const char *msg)
{
	emit(LOG_LEVEL_ERROR, msg, true);
}
