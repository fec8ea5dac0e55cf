/* goflags: Go's number and duration syntaxes as runc's flags take them, with
 * the messages runc prints (see goflags.h). */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/util.h"
#include "goflags.h"

/* strconv.ParseUint(s, 10, 64) */
int go_parse_uint(const char *opt, const char *s, uint64_t *ret, ocirun_error_t *err)
{
	uint64_t v = 0;

	if (!*s || strspn(s, "0123456789") != strlen(s))
		return oerr_msg(err, EINVAL,
				"invalid value for %s: strconv.ParseUint: parsing \"%s\": invalid syntax",
				opt, s);
	for (const char *p = s; *p; p++) {
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return oerr_msg(
			    err, ERANGE,
			    "invalid value for %s: strconv.ParseUint: parsing \"%s\": value out of range",
			    opt, s);
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*ret = v;
	return 0;
}

/* strconv.ParseInt(s, 10, 64) */
int go_parse_int(const char *opt, const char *s, int64_t *ret, ocirun_error_t *err)
{
	const char *digits = s + (*s == '+' || *s == '-');
	bool neg = *s == '-';
	uint64_t v = 0;

	if (!*digits || strspn(digits, "0123456789") != strlen(digits))
		return oerr_msg(err, EINVAL,
				"invalid value for %s: strconv.ParseInt: parsing \"%s\": invalid syntax", opt,
				s);
	for (const char *p = digits; *p; p++) {
		/* checked before the multiplication, which could wrap */
		if (v > ((uint64_t)INT64_MAX + neg - (uint64_t)(*p - '0')) / 10)
			return oerr_msg(
			    err, ERANGE,
			    "invalid value for %s: strconv.ParseInt: parsing \"%s\": value out of range", opt,
			    s);
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*ret = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

/* An integer flag as Go's flag package reads it (base prefixes allowed). */
int go_int_flag(const char *opt, const char *s, int64_t *ret, ocirun_error_t *err)
{
	char *end;

	errno = 0;
	*ret = strtoll(s, &end, 0);
	if (!*s || *end || errno)
		return oerr_msg(err, EINVAL, "invalid value \"%s\" for flag -%s: parse error", s, opt);
	return 0;
}

/* docker/go-units RAMInBytes, as runc's update uses it: a decimal number,
 * an optional space, an optional k/m/g/t/p (powers of 1024), an optional
 * i and b, all case-insensitive: "512m", "1.5G", "64 KiB", "100b". */
int go_ram_in_bytes(const char *opt, const char *s, int64_t *ret, ocirun_error_t *err)
{
	static const char units[] = "kmgtp";
	size_t num = 0;
	const char *p = s, *u;
	double size, mul = 1;
	char *copy;

	/* ^(\d+(\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$ */
	if (!(*p >= '0' && *p <= '9'))
		goto invalid;
	for (;;) {
		p += strspn(p, "0123456789");
		if (p[0] != '.' || !(p[1] >= '0' && p[1] <= '9'))
			break;
		p++;
	}
	num = (size_t)(p - s);
	if (*p == ' ')
		p++;
	if (*p && (u = strchr(units, *p | 0x20)) != NULL) {
		for (long i = 0; i <= u - units; i++)
			mul *= 1024;
		p++;
	}
	if (*p == 'i' || *p == 'I')
		p++;
	if (*p == 'b' || *p == 'B')
		p++;
	if (*p)
		goto invalid;
	copy = xasprintf("%.*s", (int)num, s);
	if (memchr(copy, '.', num) != strrchr(copy, '.')) {
		oerr_msg(err, EINVAL,
			 "invalid value for %s: strconv.ParseFloat: parsing \"%s\": invalid syntax", opt,
			 copy);
		free(copy);
		return -EINVAL;
	}
	errno = 0;
	size = strtod(copy, NULL);
	if (errno == ERANGE && isinf(size)) {
		oerr_msg(err, ERANGE,
			 "invalid value for %s: strconv.ParseFloat: parsing \"%s\": value out of range", opt,
			 copy);
		free(copy);
		return -ERANGE;
	}
	free(copy);
	size *= mul;
	/* Go's int64(float64) on amd64 gives the minimum for values out of range. */
	*ret = size >= 9223372036854775808.0 ? INT64_MIN : (int64_t)size;
	return 0;
invalid:
	return oerr_msg(err, EINVAL, "invalid value for %s: invalid size: '%s'", opt, s);
}

int go_parse_duration(const char *s, int64_t *ret_ns)
{
	static const struct {
		const char *name;
		uint64_t ns;
	} units[] = {
	    {"ns", 1},           {"us", 1000},      {"\xc2\xb5s", 1000}, /* U+00B5 micro sign */
	    {"\xce\xbcs", 1000},                                         /* U+03BC Greek mu */
	    {"ms", 1000000},     {"s", 1000000000}, {"m", 60000000000},  {"h", 3600000000000},
	};
	const uint64_t limit = (uint64_t)1 << 63;
	bool neg = false;
	uint64_t d = 0;

	/* time.ParseDuration: [-+]?([0-9]*(\.[0-9]*)?[a-z]+)+, or "0" */
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (!strcmp(s, "0")) {
		*ret_ns = 0;
		return 0;
	}
	if (!*s)
		return -EINVAL;
	while (*s) {
		uint64_t v = 0, f = 0, unit = 0;
		double scale = 1;
		bool pre = false, post = false;
		size_t ul;

		if (*s != '.' && !(*s >= '0' && *s <= '9'))
			return -EINVAL;
		for (; *s >= '0' && *s <= '9'; s++, pre = true) {
			if (v > (limit - 1) / 10)
				return -ERANGE;
			v = v * 10 + (uint64_t)(*s - '0');
			if (v > limit)
				return -ERANGE;
		}
		if (*s == '.') {
			bool overflow = false;
			for (s++; *s >= '0' && *s <= '9'; s++, post = true) {
				if (overflow || f > (limit - 1) / 10) {
					overflow = true; /* further digits are below precision */
					continue;
				}
				f = f * 10 + (uint64_t)(*s - '0');
				scale *= 10;
			}
		}
		if (!pre && !post)
			return -EINVAL;
		ul = strcspn(s, ".0123456789");
		if (ul == 0)
			return -EINVAL; /* missing unit */
		for (size_t i = 0; i < ARRAY_SIZE(units); i++)
			if (strlen(units[i].name) == ul && !strncmp(s, units[i].name, ul))
				unit = units[i].ns;
		if (!unit)
			return -EINVAL;
		s += ul;
		if (v > limit / unit)
			return -ERANGE;
		v *= unit;
		if (f > 0) {
			v += (uint64_t)((double)f * ((double)unit / scale));
			if (v > limit)
				return -ERANGE;
		}
		d += v;
		if (d > limit)
			return -ERANGE;
	}
	if (!neg && d > limit - 1)
		return -ERANGE;
	*ret_ns = neg ? (int64_t)(0 - d) : (int64_t)d;
	return 0;
}
