/*
 * fuzz_threshold.c - bench --threshold as people type it
 * (bench/threshold.c): the parser returns 0 or -1; a threshold it takes
 * names a known metric with a finite limit (a percentile in (0, 100]),
 * and one it refuses says why in one printable line.
 */
#include <math.h>
#include <stdint.h>

#include "bench/threshold.h"
#include "fuzz/fuzz.h"

static int known(const char *m)
{
	return (m[0] == 'p' && m[1]) || !strcmp(m, "max") ||
	       !strcmp(m, "mean") || !strcmp(m, "rate") ||
	       !strcmp(m, "errors");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size, 256), err[256];
	struct bench_threshold t;
	int rc;

	if (!s)
		return 0;
	err[0] = '\0';
	rc = bench_threshold_parse(s, &t, err, sizeof(err));
	CONTRACT(rc == 0 || rc == -1);
	if (rc == 0) {
		CONTRACT(known(t.metric));
		CONTRACT(isfinite(t.limit) && t.limit >= 0);
		CONTRACT(t.metric[0] != 'p' || (t.pct > 0 && t.pct <= 100));
		CONTRACT(!t.percent || !strcmp(t.metric, "errors"));
		CONTRACT(!strcmp(t.expr, s));
	} else {
		contract_oneline(err, sizeof(err));
	}
	free(s);
	return 0;
}
