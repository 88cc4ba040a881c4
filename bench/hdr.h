/*
 * hdr.h - struct hist in HdrHistogram's compressed V2 encoding (the
 * "HISTF..." strings of its interval logs), so that histograms from
 * several hosts add up exactly and HdrHistogram's own tools read them.
 *
 * A struct hist is the counts array of an HdrHistogram with lowest
 * discernible value 1, 2 significant digits and a highest trackable
 * value of HIST_MAX: 256 sub-buckets, index for index (hist.c), so the
 * encoding is the counts as they are.
 */
#ifndef WSCTL_BENCH_HDR_H
#define WSCTL_BENCH_HDR_H

#include <stddef.h>
#include <stdio.h>

#include "bench/hist.h"

/* The longest base64 text hdr_encode writes, NUL included. */
#define HDR_TEXT_MAX (4 * ((8 + 64 + 40 + HIST_NBINS * 9) / 3 + 2) + 1)

/*
 * h as base64 of the compressed V2 encoding into out (cap bytes,
 * HDR_TEXT_MAX is always enough), NUL-ended.  Returns its length, or 0
 * when out is too small or out of memory.
 */
size_t hdr_encode(const struct hist *h, char *out, size_t cap);

/*
 * Decode text (an encoding of the same layout) into h, which it
 * initialises; min and max are known to their bucket only, the sum to
 * the buckets' middles.  Returns 0, or -1 with err filled ("not an
 * HdrHistogram V2 encoding", "a histogram of 3 significant digits: only
 * 2 are read").
 */
int hdr_decode(const char *text, struct hist *h, char *err, size_t errlen);

/*
 * HdrHistogram's interval log (format 1.3): hdr_log_start writes its
 * head with the run's start (unix seconds), hdr_log_interval one line
 * "Tag=TAG,START,LENGTH,MAX,HISTF..." (seconds from the start, the
 * interval's maximum in ms, values being us).  Return 0, or -1 when f
 * fails or out of memory.
 */
int hdr_log_start(FILE *f, double start);
int hdr_log_interval(FILE *f, const char *tag, double start, double length,
		     const struct hist *h);

#endif
