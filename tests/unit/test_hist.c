/*
 * test_hist.c - the latency histogram: small values exact, large ones
 * within the promised 1/128, buckets contiguous, percentiles by rank,
 * min and max exact, merge the same as recording twice.
 */
#include <stdlib.h>

#include "bench/hist.h"
#include "tests/unit/unit.h"

extern const struct unit_case hist_cases[];

static struct hist *fresh(void)
{
	struct hist *h = malloc(sizeof(*h));

	hist_init(h);
	return h;
}

/* every value up to 255 has a bucket of its own */
static void exact_below_sub(void)
{
	for (uint64_t v = 0; v < HIST_SUB; v++) {
		EXPECTF(hist_bin(v) == v, "%llu in bin %u",
			(unsigned long long)v, hist_bin(v));
		EXPECT(hist_bin_top(hist_bin(v)) == v);
	}
}

/* the buckets tile the range: bin i + 1 starts right after bin i ends,
 * and a value's bin holds it */
static void buckets_contiguous(void)
{
	for (unsigned i = 0; i + 1 < HIST_NBINS; i++) {
		uint64_t top = hist_bin_top(i);

		EXPECTF(hist_bin(top) == i, "top %llu of bin %u is in bin %u",
			(unsigned long long)top, i, hist_bin(top));
		EXPECTF(hist_bin(top + 1) == i + 1, "%llu after bin %u is "
			"in bin %u", (unsigned long long)top + 1, i,
			hist_bin(top + 1));
	}
	EXPECT(hist_bin_top(HIST_NBINS - 1) == HIST_MAX);
	EXPECT(hist_bin(HIST_MAX) == HIST_NBINS - 1);
	EXPECT(hist_bin(UINT64_MAX) == HIST_NBINS - 1);
}

/* a bucket's width is at most 1/128 of the values it holds */
static void relative_error(void)
{
	uint64_t v = 1;

	for (int k = 0; k < 2000; k++) {
		uint64_t top = hist_bin_top(hist_bin(v));

		EXPECTF(top >= v && (top - v) * 128 <= v, "%llu reported "
			"as %llu", (unsigned long long)v,
			(unsigned long long)top);
		v = v * 1013 / 1000 + 1;
		if (v > HIST_MAX)
			break;
	}
}

static void empty(void)
{
	struct hist *h = fresh();

	EXPECT(hist_percentile(h, 50) == 0);
	EXPECT(hist_percentile(h, 100) == 0);
	EXPECT(hist_mean(h) == 0);
	EXPECT(h->count == 0);
	free(h);
}

/* 1..10000 once each: percentile p is about p * 100 */
static void percentiles_uniform(void)
{
	struct hist *h = fresh();
	static const double ps[] = { 1, 10, 50, 90, 99, 99.9 };

	for (uint64_t v = 1; v <= 10000; v++)
		hist_add(h, v);
	EXPECT(h->count == 10000);
	EXPECT(h->min == 1 && h->max == 10000);
	EXPECT(hist_percentile(h, 0) == 1);
	EXPECT(hist_percentile(h, 100) == 10000);
	for (size_t i = 0; i < NELEM(ps); i++) {
		uint64_t want = (uint64_t)(ps[i] * 100 + 0.5);
		uint64_t got = hist_percentile(h, ps[i]);

		EXPECTF(got >= want && (got - want) * 128 <= want,
			"p%g is %llu, want %llu", ps[i],
			(unsigned long long)got, (unsigned long long)want);
	}
	EXPECTF(hist_mean(h) == 5000.5, "mean %f", hist_mean(h));
	free(h);
}

/* rank is ceil(p * n / 100): with 1000 samples, p99.9 is the 999th */
static void percentile_rank(void)
{
	struct hist *h = fresh();

	for (uint64_t v = 1; v <= 999; v++)
		hist_add(h, 10);
	hist_add(h, 200);
	EXPECT(hist_percentile(h, 99.9) == 10);
	EXPECT(hist_percentile(h, 99.95) == 200);
	EXPECT(hist_percentile(h, 100) == 200);
	free(h);
}

/* one outlier far out: the max is exact, not a bucket's top */
static void max_exact(void)
{
	struct hist *h = fresh();

	hist_add(h, 50);
	hist_add(h, 1234567);
	EXPECT(h->max == 1234567);
	EXPECT(hist_percentile(h, 99) == 1234567);
	EXPECT(hist_percentile(h, 50) == 50);
	hist_add(h, UINT64_MAX / 4);	/* past HIST_MAX: counted there */
	EXPECT(h->count == 3);
	EXPECT(h->bins[HIST_NBINS - 1] == 1);
	EXPECT(h->max == UINT64_MAX / 4);
	free(h);
}

static void merge(void)
{
	struct hist *a = fresh(), *b = fresh(), *both = fresh();

	for (uint64_t v = 0; v < 5000; v += 3) {
		hist_add(a, v);
		hist_add(both, v);
	}
	for (uint64_t v = 7; v < 900000; v = v * 3 / 2 + 1) {
		hist_add(b, v);
		hist_add(both, v);
	}
	hist_merge(a, b);
	EXPECT(a->count == both->count);
	EXPECT(a->sum == both->sum);
	EXPECT(a->min == both->min && a->max == both->max);
	for (unsigned i = 0; i < HIST_NBINS; i++)
		EXPECTF(a->bins[i] == both->bins[i], "bin %u", i);
	hist_init(b);
	hist_merge(a, b);		/* an empty one changes nothing */
	EXPECT(a->min == both->min && a->count == both->count);
	free(a);
	free(b);
	free(both);
}

const struct unit_case hist_cases[] = {
	{ "hist.exact-below-256", exact_below_sub },
	{ "hist.buckets-contiguous", buckets_contiguous },
	{ "hist.relative-error", relative_error },
	{ "hist.empty", empty },
	{ "hist.percentiles-uniform", percentiles_uniform },
	{ "hist.percentile-rank", percentile_rank },
	{ "hist.max-exact", max_exact },
	{ "hist.merge", merge },
	{ NULL, NULL },
};
