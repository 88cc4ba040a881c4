/*
 * threshold.c - pass/fail limits on a bench run (threshold.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/threshold.h"

/* "bad threshold 'S': WHY", S's control bytes shown as '?': one line. */
static int bad(char *err, size_t errlen, const char *s, const char *why)
{
	char shown[64];
	size_t i;

	for (i = 0; s[i] && i + 1 < sizeof(shown); i++)
		shown[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' :
			   s[i];
	shown[i] = '\0';
	snprintf(err, errlen, "bad threshold '%s': %s", shown, why);
	return -1;
}

/* A plain decimal number (no sign, space, hex, inf or nan) from s. */
static double decimal(const char *s, char **end)
{
	double v;

	if (((*s < '0' || *s > '9') && *s != '.') ||
	    (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))) {
		*end = (char *)s;
		return 0;
	}
	v = strtod(s, end);
	if (!isfinite(v))
		*end = (char *)s;
	return v;
}

/* "5ms", "250us", "1.5s", or a bare number of milliseconds, into us. */
static int latency(const char *s, double *us)
{
	char *end;
	double v = decimal(s, &end);

	if (end == s)
		return -1;
	if (!*end || !strcmp(end, "ms"))
		*us = v * 1e3;
	else if (!strcmp(end, "us"))
		*us = v;
	else if (!strcmp(end, "s"))
		*us = v * 1e6;
	else
		return -1;
	return 0;
}

int bench_threshold_parse(const char *s, struct bench_threshold *t,
			  char *err, size_t errlen)
{
	size_t m = strcspn(s, "<>");
	const char *v;
	char *end;

	memset(t, 0, sizeof(*t));
	if (strlen(s) >= sizeof(t->expr))
		return bad(err, errlen, s, "too long");
	snprintf(t->expr, sizeof(t->expr), "%s", s);
	if (!s[m] || m == 0 || m >= sizeof(t->metric))
		return bad(err, errlen, s, "want METRIC<LIMIT or METRIC>LIMIT");
	snprintf(t->metric, sizeof(t->metric), "%.*s", (int)m, s);
	t->less = s[m] == '<';
	t->equal = s[m + 1] == '=';
	v = s + m + 1 + t->equal;
	if (t->metric[0] == 'p' && t->metric[1]) {
		t->pct = decimal(t->metric + 1, &end);
		if (end == t->metric + 1 || *end || t->pct <= 0 ||
		    t->pct > 100)
			return bad(err, errlen, s, "a percentile is p1 to p100");
		if (latency(v, &t->limit) < 0)
			return bad(err, errlen, s, "a latency is 5ms, 250us or 1s");
	} else if (!strcmp(t->metric, "max") || !strcmp(t->metric, "mean")) {
		if (latency(v, &t->limit) < 0)
			return bad(err, errlen, s, "a latency is 5ms, 250us or 1s");
	} else if (!strcmp(t->metric, "rate")) {
		t->limit = decimal(v, &end);
		if (end == v || (*end && strcmp(end, "/s")))
			return bad(err, errlen, s, "a rate is N or N/s");
	} else if (!strcmp(t->metric, "errors")) {
		t->limit = decimal(v, &end);
		t->percent = *end == '%';
		if (end == v || end[t->percent])
			return bad(err, errlen, s, "errors are a count or N%");
	} else {
		return bad(err, errlen, s, "the metrics are pNN, max, mean, "
			   "rate and errors");
	}
	return 0;
}

int bench_threshold_eval(const struct bench_threshold *t,
			 const struct bench_result *r, double *got)
{
	const struct hist *h = r->mode == BENCH_HANDSHAKE ? &r->handshake_us :
			       &r->rtt_us;
	struct bench_rates rt;

	bench_rates(r, &rt);
	if (t->pct > 0)
		*got = (double)hist_percentile(h, t->pct);
	else if (!strcmp(t->metric, "max"))
		*got = h->count ? (double)h->max : 0;
	else if (!strcmp(t->metric, "mean"))
		*got = hist_mean(h);
	else if (!strcmp(t->metric, "rate"))
		*got = r->mode == BENCH_HANDSHAKE ? rt.conns_per_s :
		       rt.msgs_per_s;
	else if (t->percent) {
		uint64_t ops = r->attempts + r->messages;

		*got = ops ? 100.0 * (double)bench_errors(r) / (double)ops : 0;
	} else {
		*got = (double)bench_errors(r);
	}
	if (t->less)
		return t->equal ? *got <= t->limit : *got < t->limit;
	return t->equal ? *got >= t->limit : *got > t->limit;
}

char *bench_threshold_fmt(const struct bench_threshold *t, double got,
			  char *buf, size_t len)
{
	if (!strcmp(t->metric, "rate"))
		snprintf(buf, len, "%.0f/s", got);
	else if (!strcmp(t->metric, "errors"))
		snprintf(buf, len, t->percent ? "%.3g%%" : "%.0f", got);
	else if (got >= 1e6)
		snprintf(buf, len, "%.2fs", got / 1e6);
	else if (got >= 1e3)
		snprintf(buf, len, "%.2fms", got / 1e3);
	else
		snprintf(buf, len, "%.0fus", got);
	return buf;
}
