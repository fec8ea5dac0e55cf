/* goflags: runc's flag value syntaxes (Go's strconv, flag, time.ParseDuration
 * and docker/go-units), with the messages runc prints for bad values. The CLI
 * turns strings into numbers here; the library only sees numbers. */
#ifndef OCIRUN_CLI_GOFLAGS_H
#define OCIRUN_CLI_GOFLAGS_H

#include <stdint.h>

#include "ocirun/ocirun.h"

/* strconv.ParseUint(s, 10, 64) / ParseInt(s, 10, 64), as runc's update reads
 * its string flags: "invalid value for OPT: strconv.ParseUint: ...". */
int go_parse_uint(const char *opt, const char *s, uint64_t *ret, ocirun_error_t *err);
int go_parse_int(const char *opt, const char *s, int64_t *ret, ocirun_error_t *err);
/* An integer flag as Go's flag package reads it (0x and 0 prefixes too). */
int go_int_flag(const char *opt, const char *s, int64_t *ret, ocirun_error_t *err);
/* docker/go-units RAMInBytes: "512m", "1.5G", "64 KiB", "100b". */
int go_ram_in_bytes(const char *opt, const char *s, int64_t *ret, ocirun_error_t *err);
/* time.ParseDuration ("5s", "100ms", "1m30s", "0"): 0, -EINVAL or -ERANGE. */
int go_parse_duration(const char *s, int64_t *ret_ns);

#endif
