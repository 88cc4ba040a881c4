/*
 * threshold.h - pass/fail limits on a bench run, as k6's thresholds and
 * Artillery's ensure: "p99<5ms", "errors<0.1%", "rate>10000".
 */
#ifndef WSCTL_BENCH_THRESHOLD_H
#define WSCTL_BENCH_THRESHOLD_H

#include <stddef.h>

#include "bench/bench.h"

struct bench_threshold {
	char expr[64];		/* as written */
	char metric[16];	/* p50, p90, p99, p99.9, max, mean, rate,
				   errors */
	double pct;		/* pNN's NN */
	int less;		/* 1: <, or <=; 0: >, or >= */
	int equal;		/* <= or >= */
	double limit;		/* microseconds, per second, or a count */
	int percent;		/* errors<N%: of the operations */
};

/*
 * Parse s ("p99<5ms", "p99.9<=20ms", "errors<0.1%", "errors<1",
 * "rate>10000", "rate>=500/s") into t, without allocating.  Returns 0,
 * or -1 with err filled ("bad threshold 'x': ...").
 */
int bench_threshold_parse(const char *s, struct bench_threshold *t,
			  char *err, size_t errlen);

/*
 * The figure t judges in r, into *got (latencies of the mode's own
 * measure: round trips, or handshakes in handshake mode), and whether
 * it is within t: 1 yes, 0 no.
 */
int bench_threshold_eval(const struct bench_threshold *t,
			 const struct bench_result *r, double *got);

/* *got as t's metric reads: "1.25ms", "12000/s", "0.02%", "3". */
char *bench_threshold_fmt(const struct bench_threshold *t, double got,
			  char *buf, size_t len);

#endif
