/*
 * hist.h - a latency histogram in the manner of HdrHistogram: log-linear
 * buckets in fixed memory, so recording is O(1), never allocates, and any
 * percentile of millions of samples is a walk over a few thousand
 * counters.  Values are unsigned integers (wsctl bench records
 * microseconds).
 *
 * Values below HIST_SUB (256) are kept exactly.  Above, each power of two
 * is cut into HIST_SUB / 2 equal buckets, so a value is known to within
 * 1/128 (0.8 %) of itself.  Values above HIST_MAX are counted as
 * HIST_MAX; min, max and the mean are exact whatever the value.
 */
#ifndef WSCTL_HIST_H
#define WSCTL_HIST_H

#include <stdint.h>

#define HIST_SUB_BITS 8
#define HIST_SUB (1u << HIST_SUB_BITS)
#define HIST_TOP_BIT 40				/* 2^40 us: 12 days */
#define HIST_MAX ((UINT64_C(1) << HIST_TOP_BIT) - 1)
#define HIST_NBINS ((HIST_TOP_BIT - HIST_SUB_BITS + 2) * (HIST_SUB / 2))

struct hist {
	uint64_t count;
	uint64_t sum;		/* of the values as recorded, for the mean */
	uint64_t min, max;	/* exact; min is UINT64_MAX while empty */
	uint64_t bins[HIST_NBINS];
};

/* Empty h. */
void hist_init(struct hist *h);

/* Record one value. */
void hist_add(struct hist *h, uint64_t v);

/* Add every value recorded in src to dst. */
void hist_merge(struct hist *dst, const struct hist *src);

/*
 * The value below which p percent of the recorded values fall (0 <= p
 * <= 100): the top of the bucket that holds the sample of rank
 * ceil(p * count / 100), clamped to [min, max], so p 0 is the minimum
 * and p 100 the maximum exactly.  0 when h is empty.
 */
uint64_t hist_percentile(const struct hist *h, double p);

/* The mean of the recorded values, 0 when h is empty. */
double hist_mean(const struct hist *h);

/* The bucket v falls in, and the largest value of bucket i; for tests. */
unsigned hist_bin(uint64_t v);
uint64_t hist_bin_top(unsigned i);

#endif
