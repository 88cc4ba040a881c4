/*
 * test_units.c - durations and sizes.
 */
#include <stdio.h>
#include <string.h>

#include "common/units.h"
#include "tests/unit/unit.h"

static void duration_valid(void)
{
	static const struct {
		const char *s;
		int64_t ms;
	} t[] = {
		{ "0", 0 },
		{ "65", 65000 },
		{ "0s", 0 },
		{ "300ms", 300 },
		{ "65s", 65000 },
		{ "5m", 300000 },
		{ "2h", 7200000 },
		{ "1d", 86400000 },
		{ "1m30s", 90000 },
		{ "1h30m", 5400000 },
		{ "1d2h3m4s5ms", 93784005 },
		{ "1s500ms", 1500 },
		{ "007s", 7000 },
		{ "9223372036854775807ms", INT64_MAX },
		{ "9223372036854775s", 9223372036854775000 },
		{ "9223372036854775", 9223372036854775000 },
		{ "106751991167d", 106751991167LL * 86400000 },
		{ "0.5", 500 },
		{ "1.25", 1250 },
		{ "0.001", 1 },
		{ "2.0", 2000 },
	};

	for (size_t i = 0; i < NELEM(t); i++) {
		int64_t ms = -1;
		int r = units_duration(t[i].s, &ms);

		EXPECTF(r == 0 && ms == t[i].ms, "'%s' gave %d, %lld ms",
			t[i].s, r, (long long)ms);
	}
}

static void duration_invalid(void)
{
	static const char *const t[] = {
		"", "s", "ms", "-1", "-1s", "+1s", "1.5s", ".5", "1.", "0.0001", "1.5.", "1.x",
		" 1s", "1s ",
		"1 s", "1x", "1S", "1M", "1w", "1y", "1sec", "1mss", "30s1m",
		"1s1s", "1m1m", "1ms1s", "1m30", "1h5", "0x10", "1e3",
		"9223372036854775808ms", "9223372036854776s",
		"9223372036854776", "106751991168d",
		"106751991167d8h", "99999999999999999999999ms",
	};

	for (size_t i = 0; i < NELEM(t); i++) {
		int64_t ms = 12345;
		int r = units_duration(t[i], &ms);

		EXPECTF(r == -1 && ms == 12345, "'%s' gave %d, %lld ms",
			t[i], r, (long long)ms);
	}
	EXPECT(units_duration(NULL, &(int64_t){ 0 }) == -1);
}

static void size_valid(void)
{
	static const struct {
		const char *s;
		uint64_t b;
	} t[] = {
		{ "0", 0 },
		{ "1", 1 },
		{ "125", 125 },
		{ "1k", 1024 },
		{ "1K", 1024 },
		{ "1KiB", 1024 },
		{ "16m", 16 << 20 },
		{ "16M", 16 << 20 },
		{ "16MiB", 16 << 20 },
		{ "2g", 2ULL << 30 },
		{ "2G", 2ULL << 30 },
		{ "2GiB", 2ULL << 30 },
		{ "18446744073709551615", UINT64_MAX },
		{ "17179869183G", 17179869183ULL << 30 },
	};

	for (size_t i = 0; i < NELEM(t); i++) {
		uint64_t b = 7;
		int r = units_size(t[i].s, &b);

		EXPECTF(r == 0 && b == t[i].b, "'%s' gave %d, %llu", t[i].s,
			r, (unsigned long long)b);
	}
}

static void size_invalid(void)
{
	static const char *const t[] = {
		"", "k", "-1", "+1", "1.5k", " 1k", "1k ", "1 k", "1kb", "1KB",
		"1kib", "1Ki", "1mib", "1t", "1T", "1TiB", "1b", "1B", "1kk",
		"0x10", "18446744073709551616", "17179869184G", "1e3",
	};

	for (size_t i = 0; i < NELEM(t); i++) {
		uint64_t b = 7;
		int r = units_size(t[i], &b);

		EXPECTF(r == -1 && b == 7, "'%s' gave %d, %llu", t[i], r,
			(unsigned long long)b);
	}
	EXPECT(units_size(NULL, &(uint64_t){ 0 }) == -1);
}

static void fmt_duration(void)
{
	static const struct {
		int64_t ms;
		const char *s;
	} t[] = {
		{ 0, "0s" },
		{ 1, "1ms" },
		{ 300, "300ms" },
		{ 1000, "1s" },
		{ 1500, "1500ms" },
		{ 65000, "65s" },
		{ 90000, "90s" },
		{ 60000, "1m" },
		{ 300000, "5m" },
		{ 7200000, "2h" },
		{ 5400000, "90m" },
		{ 86400000, "1d" },
		{ 86401000, "1d1s" },
		{ 86400001, "1d1ms" },
		{ -65000, "-65s" },
	};
	char buf[64];

	for (size_t i = 0; i < NELEM(t); i++) {
		units_fmt_duration(t[i].ms, buf, sizeof(buf));
		EXPECTF(!strcmp(buf, t[i].s), "%lld gave '%s', want '%s'",
			(long long)t[i].ms, buf, t[i].s);
	}
	/* a short buffer is cut, never overrun */
	units_fmt_duration(300, buf, 3);
	EXPECTF(!strcmp(buf, "30"), "got '%s'", buf);
}

/* What units_fmt_duration writes, units_duration reads back. */
static void fmt_round_trip(void)
{
	static const int64_t t[] = {
		1, 999, 1001, 59999, 60001, 3599999, 3600000, 86399999,
		86400000 * 3 + 1, 86400000LL * 365 + 3600000 + 7,
		INT64_MAX, INT64_MAX - 999, 123456789012345,
	};
	char buf[64];

	for (size_t i = 0; i < NELEM(t); i++) {
		int64_t back = -1;

		units_fmt_duration(t[i], buf, sizeof(buf));
		EXPECTF(units_duration(buf, &back) == 0 && back == t[i],
			"%lld -> '%s' -> %lld", (long long)t[i], buf,
			(long long)back);
	}
}

/* nginx's own grammar for proxy_read_timeout and fail_timeout */
static void nginx_time(void)
{
	static const struct { const char *s; int64_t ms; } good[] = {
		{ "60", 60000 }, { "60s", 60000 }, { "1w", 604800000 },
		{ "1M", 2592000000LL }, { "1y", 31536000000LL },
		{ "1h 30m", 5400000 }, { "1d2h3m4s5ms", 93784005 },
		{ "500ms", 500 }, { "0", 0 },
	};
	static const char *const bad[] = {
		"", "0.25", "1.5s", "30m1h", "1s1s", "s", "1x", "-1", " 1s",
		"1 s", "99999999999999999999y", "1m 2M",
	};
	int64_t ms;

	for (size_t i = 0; i < NELEM(good); i++)
		EXPECTF(units_nginx_time(good[i].s, &ms) == 0 &&
			ms == good[i].ms, "'%s' gave %lld", good[i].s,
			(long long)ms);
	for (size_t i = 0; i < NELEM(bad); i++)
		EXPECTF(units_nginx_time(bad[i], &ms) == -1, "'%s' accepted",
			bad[i]);
}

const struct unit_case units_cases[] = {
	{ "units.nginx-time", nginx_time },
	{ "units.duration-valid", duration_valid },
	{ "units.duration-invalid", duration_invalid },
	{ "units.size-valid", size_valid },
	{ "units.size-invalid", size_invalid },
	{ "units.fmt-duration", fmt_duration },
	{ "units.fmt-round-trip", fmt_round_trip },
	{ NULL, NULL },
};
