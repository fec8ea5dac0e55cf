/* base/util: memory, string-vector, file and path helpers.
 * Runs in: any process. Must not call: exit (allocation failure aborts). */
#ifndef OCIRUN_BASE_UTIL_H
#define OCIRUN_BASE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/cleanup.h"
#include "base/error.h"

void *xmalloc(size_t n);
void *xzalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

size_t strv_len(char *const *v);
char **strv_dup(char *const *v);
/* Append a copy of s; *v may be NULL. */
void strv_push(char ***v, const char *s);

/* Read a whole file (NUL-terminated; *ret_len excludes the NUL). */
int read_file(const char *path, char **ret, size_t *ret_len, ocirun_error_t *err);
/* The caller's user namespace is not the host's (its uid_map is not the full identity map). */
bool running_in_userns(void);
/* CVE-2019-5736: make this process not dumpable (no ptrace-mode access to /proc/self/exe and
 * friends by the container's processes) and check that it took. */
int set_not_dumpable(ocirun_error_t *err);
int read_file_at(int dirfd, const char *path, char **ret, size_t *ret_len, ocirun_error_t *err);
int read_fd_all(int fd, char **ret, size_t *ret_len, ocirun_error_t *err);
/* Write data to an existing or new file (O_WRONLY|O_TRUNC|O_CREAT unless flags given). */
int write_file(const char *path, const void *data, size_t len, ocirun_error_t *err);
int write_file_at(int dirfd, const char *path, const void *data, size_t len, ocirun_error_t *err);
/* Write dir/name atomically: dir/.name.tmp, fsync, rename. */
int write_file_atomic(int dirfd, const char *name, const void *data, size_t len, ocirun_error_t *err);
int write_all(int fd, const void *data, size_t len);
int mkdir_p(const char *path, mode_t mode, ocirun_error_t *err);
/* Remove a directory tree (not crossing mount points); missing is fine. */
int rm_rf_at(int dirfd, const char *name, ocirun_error_t *err);

/* Parse a non-negative decimal; -EINVAL on garbage or overflow. */
int parse_u64(const char *s, uint64_t *ret);
int parse_i64(const char *s, int64_t *ret);

/* Close every fd >= from except those in keep[] (close_range where possible). */
int close_fds_from(int from);
/* Mark every fd >= from close-on-exec. */
int cloexec_fds_from(int from);
/* Note which fds the caller passed (call first in main, before opening any);
 * fd_from_caller(fd): fd was open then. --preserve-fds passes only those, so
 * a runtime fd that took a free number (the log, sd-bus's socket to systemd)
 * never reaches the container. */
void fds_note_caller(void);
bool fd_from_caller(int fd);

/* Process start time (field 22 of /proc/PID/stat), 0 when the process is gone. */
uint64_t proc_start_time(pid_t pid);
/* Process state letter from /proc/PID/stat ('Z' zombie, 'X' dead), 0 when gone. */
char proc_state(pid_t pid);

#endif
