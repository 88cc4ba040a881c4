/*
 * bench_html.h - the HTML page of a wsctl bench run.
 */
#ifndef WSCTL_BENCH_HTML_H
#define WSCTL_BENCH_HTML_H

#include <stddef.h>

#include "bench/bench.h"

/*
 * Write one self-contained page of the run r of cfg to path: its
 * verdict (failed: the run's exit status says so), the figures, the
 * latency histogram and the rate over time.  Returns 0, or -1 with err
 * filled.
 */
int bench_html(const char *path, const struct bench_config *cfg,
	       const struct bench_result *r, int failed, char *err,
	       size_t errlen);

#endif
