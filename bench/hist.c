/*
 * hist.c - the log-linear histogram of hist.h.
 *
 * A value v at or above HIST_SUB whose top set bit is bit e keeps its top
 * HIST_SUB_BITS bits: m = v >> s, s = e - HIST_SUB_BITS + 1, and m is in
 * [HIST_SUB / 2, HIST_SUB).  Its bucket is s * HIST_SUB / 2 + m, which
 * continues exactly where the linear buckets 0..HIST_SUB-1 end.
 */
#include <string.h>

#include "bench/hist.h"

#define HALF (HIST_SUB / 2)

void hist_init(struct hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

unsigned hist_bin(uint64_t v)
{
	unsigned s;

	if (v > HIST_MAX)
		v = HIST_MAX;
	if (v < HIST_SUB)
		return (unsigned)v;
	s = 63 - __builtin_clzll(v) - HIST_SUB_BITS + 1;
	return s * HALF + (unsigned)(v >> s);
}

uint64_t hist_bin_top(unsigned i)
{
	unsigned s;

	if (i < HIST_SUB)
		return i;
	s = i / HALF - 1;
	return ((uint64_t)(i - s * HALF + 1) << s) - 1;
}

void hist_add(struct hist *h, uint64_t v)
{
	h->bins[hist_bin(v)]++;
	h->count++;
	h->sum += v;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

void hist_merge(struct hist *dst, const struct hist *src)
{
	unsigned i;

	if (!src->count)
		return;
	for (i = 0; i < HIST_NBINS; i++)
		dst->bins[i] += src->bins[i];
	dst->count += src->count;
	dst->sum += src->sum;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

uint64_t hist_percentile(const struct hist *h, double p)
{
	uint64_t rank, seen = 0, v;
	unsigned i;

	if (!h->count)
		return 0;
	if (p <= 0)
		return h->min;
	if (p >= 100)
		return h->max;
	/* the smallest rank whose share reaches p; the epsilon keeps
	 * 99.9 % of 1000 from becoming rank 1000 through rounding */
	rank = (uint64_t)(p / 100.0 * (double)h->count - 1e-9) + 1;
	if (rank > h->count)
		rank = h->count;
	for (i = 0; i < HIST_NBINS; i++) {
		seen += h->bins[i];
		if (seen >= rank)
			break;
	}
	v = hist_bin_top(i);
	if (v > h->max)
		v = h->max;
	if (v < h->min)
		v = h->min;
	return v;
}

double hist_mean(const struct hist *h)
{
	return h->count ? (double)h->sum / (double)h->count : 0;
}
