/*
 * merge.h - wsctl bench reports from several hosts added into one: the
 * counts summed, the histograms added bucket by bucket (their "hdr"
 * encodings), so that percentiles are the union's, not averages.
 */
#ifndef WSCTL_BENCH_MERGE_H
#define WSCTL_BENCH_MERGE_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "bench/bench.h"

/*
 * Add the report root (a wsctl bench --report document) into cfg and r.
 * The first report (first set) sets cfg and initialises r; each later
 * one must be of the same scenario (URL, mode and config): when it is
 * not, err names the first difference ("config.size: 1024 in the first,
 * 64 here").  Afterwards cfg->connections is the sum over the reports
 * and r's elapsed time the longest.  Returns 0, or -1 with err filled.
 */
int bench_merge(const cJSON *root, int first, struct bench_config *cfg,
		struct bench_result *r, char *err, size_t errlen);

#endif
