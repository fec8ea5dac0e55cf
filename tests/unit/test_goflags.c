/* runc's flag value syntaxes (cli/goflags.c): the values Go accepts, the ones it refuses, and the
 * messages runc prints for them. */
#include <errno.h>
#include <stdint.h>

#include "../../src/cli/goflags.h"
#include "unit.h"

TEST(ram_in_bytes)
{
	static const struct {
		const char *in;
		int64_t out;
	} ok[] = {
	    {"0", 0},
	    {"1 ", 1}, /* the regexp allows the space without a unit */
	    {"100b", 100},
	    {"512m", 512LL << 20},
	    {"1g", 1LL << 30},
	    {"1.5G", 3LL << 29},
	    {"64 KiB", 64LL << 10},
	    {"2T", 2LL << 40},
	    {"1p", 1LL << 50},
	    {"10000000000000p", INT64_MIN}, /* Go's int64(float64) out of range on amd64 */
	};
	static const char *const bad[] = {"", "-1", "m", "1x", "1mm", " 1", "1.2.3m", "1,5g"};
	ocirun_error_t err = {0};
	int64_t v;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		v = 7;
		CHECK(go_ram_in_bytes("memory", ok[i].in, &v, &err) == 0);
		CHECK(v == ok[i].out);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(go_ram_in_bytes("memory", bad[i], &v, &err) < 0);
	go_ram_in_bytes("memory", "1x", &v, &err);
	CHECK_STR(err.msg, "invalid value for memory: invalid size: '1x'");
	go_ram_in_bytes("memory", "1.2.3m", &v, &err);
	CHECK_STR(err.msg, "invalid value for memory: strconv.ParseFloat: parsing \"1.2.3\": invalid syntax");
}

TEST(parse_uint_int)
{
	ocirun_error_t err = {0};
	uint64_t u;
	int64_t i;

	CHECK(go_parse_uint("cpu-period", "18446744073709551615", &u, &err) == 0 && u == UINT64_MAX);
	CHECK(go_parse_uint("cpu-period", "18446744073709551616", &u, &err) == -ERANGE);
	CHECK_STR(err.msg, "invalid value for cpu-period: strconv.ParseUint: parsing "
			   "\"18446744073709551616\": value out of range");
	CHECK(go_parse_uint("cpu-period", "-1", &u, &err) == -EINVAL);
	CHECK(go_parse_uint("cpu-period", "+1", &u, &err) == -EINVAL);
	CHECK(go_parse_int("cpu-quota", "-9223372036854775808", &i, &err) == 0 && i == INT64_MIN);
	CHECK(go_parse_int("cpu-quota", "9223372036854775807", &i, &err) == 0 && i == INT64_MAX);
	CHECK(go_parse_int("cpu-quota", "9223372036854775808", &i, &err) == -ERANGE);
	CHECK(go_parse_int("cpu-quota", "+5", &i, &err) == 0 && i == 5);
	CHECK(go_parse_int("cpu-quota", "1e3", &i, &err) == -EINVAL);
	CHECK_STR(err.msg, "invalid value for cpu-quota: strconv.ParseInt: parsing \"1e3\": invalid syntax");
	CHECK(go_int_flag("pids-limit", "0x10", &i, &err) == 0 && i == 16);
	CHECK(go_int_flag("pids-limit", "12a", &i, &err) < 0);
	CHECK_STR(err.msg, "invalid value \"12a\" for flag -pids-limit: parse error");
}

TEST(duration)
{
	static const struct {
		const char *in;
		int64_t ns;
	} ok[] = {
	    {"0", 0},
	    {"5s", 5000000000},
	    {"100ms", 100000000},
	    {"1m30s", 90000000000},
	    {"1.5h", 5400000000000},
	    {"-2us", -2000},
	    {"3\xc2\xb5s", 3000},
	    {".5s", 500000000},
	    {"2562047h47m16.854775807s", INT64_MAX},
	};
	static const char *const bad[] = {"", "5", "s", "1x", "1.s.", "+", "-", "2562047h47m16.854775808s"};
	int64_t ns;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ns = 7;
		CHECK(go_parse_duration(ok[i].in, &ns) == 0);
		CHECK(ns == ok[i].ns);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(go_parse_duration(bad[i], &ns) < 0);
}

int main(void)
{
	RUN(ram_in_bytes);
	RUN(parse_uint_int);
	RUN(duration);
	return UNIT_END();
}
