/*
 * units.c - durations and sizes as people write them.
 *
 * Numbers are unsigned decimal integers: no sign, no fraction, no
 * exponent, no white space.  "1.5s" is refused rather than guessed at;
 * write "1500ms".
 */
#include <stdio.h>
#include <string.h>

#include "common/units.h"

#define MS_PER_S	1000LL
#define MS_PER_M	(60 * MS_PER_S)
#define MS_PER_H	(60 * MS_PER_M)
#define MS_PER_D	(24 * MS_PER_H)

/* Largest unit first: units_duration wants them in this order. */
static const struct {
	const char *name;
	int64_t ms;
} dur_units[] = {
	{ "d", MS_PER_D },
	{ "h", MS_PER_H },
	{ "m", MS_PER_M },
	{ "s", MS_PER_S },
	{ "ms", 1 },
};

#define NDUR (sizeof(dur_units) / sizeof(dur_units[0]))

/*
 * Read a run of digits at *sp into *v.  Returns 0 and advances *sp, or -1
 * when there is no digit or the number does not fit below max.
 */
static int read_number(const char **sp, uint64_t max, uint64_t *v)
{
	const char *s = *sp;
	uint64_t n = 0;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned d = *s - '0';

		if (n > (max - d) / 10)
			return -1;
		n = n * 10 + d;
	}
	*sp = s;
	*v = n;
	return 0;
}

/* The index of the unit s starts with, and its length in *ulen; or -1. */
static int dur_unit(const char *s, size_t *ulen)
{
	/* "ms" before "m": the longest name that matches wins */
	if (s[0] == 'm' && s[1] == 's') {
		*ulen = 2;
		return NDUR - 1;
	}
	for (size_t i = 0; i < NDUR - 1; i++) {
		if (s[0] == dur_units[i].name[0]) {
			*ulen = 1;
			return i;
		}
	}
	return -1;
}

/*
 * Units must come largest first and each at most once ("1h30m", not
 * "30m1h"), as nginx requires; a bare number stands alone.
 */
int units_duration(const char *s, int64_t *ms)
{
	uint64_t total = 0, n;
	int last = -1;

	if (!s || !*s)
		return -1;
	if (read_number(&s, INT64_MAX, &n) < 0)
		return -1;
	if (!*s || *s == '.') {
		/* a bare number of seconds, to the millisecond: "65", "0.25" */
		uint64_t frac = 0, scale = 100;

		if (*s == '.' && (s[1] < '0' || s[1] > '9'))
			return -1;
		for (s += *s == '.'; *s >= '0' && *s <= '9'; s++, scale /= 10) {
			if (!scale)
				return -1;
			frac += (*s - '0') * scale;
		}
		if (*s || n > (INT64_MAX - frac) / MS_PER_S)
			return -1;
		*ms = n * MS_PER_S + frac;
		return 0;
	}
	for (;;) {
		size_t ulen;
		int u = dur_unit(s, &ulen);
		uint64_t unit;

		if (u <= last)
			return -1;
		unit = dur_units[u].ms;
		if (n > (INT64_MAX - total) / unit)
			return -1;
		total += n * unit;
		last = u;
		s += ulen;
		if (!*s)
			break;
		if (read_number(&s, INT64_MAX, &n) < 0)
			return -1;
	}
	*ms = total;
	return 0;
}

/* nginx's time units (ngx_parse_time), largest first; case matters. */
static const struct {
	char name[3];
	int64_t ms;
} ngx_units[] = {
	{ "y", 365 * MS_PER_D }, { "M", 30 * MS_PER_D }, { "w", 7 * MS_PER_D },
	{ "d", MS_PER_D }, { "h", MS_PER_H }, { "m", MS_PER_M },
	{ "s", MS_PER_S }, { "ms", 1 },
};

#define NNGX (sizeof(ngx_units) / sizeof(ngx_units[0]))

int units_nginx_time(const char *s, int64_t *ms)
{
	uint64_t total = 0, n;
	int last = -1;

	if (!s || read_number(&s, INT64_MAX, &n) < 0)
		return -1;
	if (!*s) {
		if (n > INT64_MAX / MS_PER_S)
			return -1;
		*ms = (int64_t)n * MS_PER_S;
		return 0;
	}
	for (;;) {
		int u = -1;

		for (int i = NNGX - 1; i >= 0; i--)
			if (!strncmp(s, ngx_units[i].name,
				     strlen(ngx_units[i].name)) &&
			    (u < 0 || strlen(ngx_units[i].name) >
			     strlen(ngx_units[u].name)))
				u = i;
		if (u <= last ||
		    n > (INT64_MAX - total) / (uint64_t)ngx_units[u].ms)
			return -1;
		total += n * ngx_units[u].ms;
		last = u;
		s += strlen(ngx_units[u].name);
		while (*s == ' ')
			s++;
		if (!*s)
			break;
		if (read_number(&s, INT64_MAX, &n) < 0)
			return -1;
	}
	*ms = (int64_t)total;
	return 0;
}

int units_size(const char *s, uint64_t *bytes)
{
	uint64_t n, mult;

	if (!s || read_number(&s, UINT64_MAX, &n) < 0)
		return -1;
	if (!*s)
		mult = 1;
	else if (!strcmp(s, "k") || !strcmp(s, "K") || !strcmp(s, "KiB"))
		mult = 1ULL << 10;
	else if (!strcmp(s, "m") || !strcmp(s, "M") || !strcmp(s, "MiB"))
		mult = 1ULL << 20;
	else if (!strcmp(s, "g") || !strcmp(s, "G") || !strcmp(s, "GiB"))
		mult = 1ULL << 30;
	else
		return -1;
	if (n > UINT64_MAX / mult)
		return -1;
	*bytes = n * mult;
	return 0;
}

/*
 * Two candidates: the largest unit that divides ms exactly ("90s"), and
 * every unit greedily ("1d1s").  The shorter wins, the single unit on a
 * tie; both read back through units_duration to the same value.
 */
char *units_fmt_duration(int64_t ms, char *buf, size_t len)
{
	char one[32], mixed[64];
	const char *sign = ms < 0 ? "-" : "";
	uint64_t v = ms < 0 ? -(uint64_t)ms : (uint64_t)ms;
	uint64_t rest = v;
	size_t i, off = 0;

	if (v == 0) {
		snprintf(buf, len, "0s");
		return buf;
	}
	for (i = 0; i < NDUR; i++) {
		if (v % dur_units[i].ms == 0) {
			snprintf(one, sizeof(one), "%llu%s",
				 (unsigned long long)(v / dur_units[i].ms),
				 dur_units[i].name);
			break;
		}
	}
	for (i = 0; i < NDUR && rest; i++) {
		uint64_t q = rest / dur_units[i].ms;

		if (!q)
			continue;
		rest -= q * dur_units[i].ms;
		off += snprintf(mixed + off, sizeof(mixed) - off, "%llu%s",
				(unsigned long long)q, dur_units[i].name);
	}
	snprintf(buf, len, "%s%s", sign,
		 strlen(mixed) < strlen(one) ? mixed : one);
	return buf;
}

char *units_fmt_ms(int64_t ms, char *buf, size_t len)
{
	if (ms < 1000 && ms > -1000)
		snprintf(buf, len, "%lldms", (long long)ms);
	else if (ms < 10000 && ms > -10000)
		snprintf(buf, len, "%.2fs", ms / 1000.0);
	else
		snprintf(buf, len, "%.1fs", ms / 1000.0);
	return buf;
}
