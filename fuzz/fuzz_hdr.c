/*
 * fuzz_hdr.c - HdrHistogram encodings as bench merge reads them from
 * reports (bench/hdr.c): hdr_decode returns 0 or -1 with a one-line
 * reason; one it takes has a count that is the sum of its buckets, and
 * encodes back into an encoding that decodes to the same buckets.
 */
#include <stdint.h>

#include "bench/hdr.h"
#include "fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hist h, again;
	static char text[HDR_TEXT_MAX];
	char *s = fuzz_string(data, size, 65536), err[256];
	uint64_t n = 0;
	unsigned i;

	if (!s)
		return 0;
	err[0] = '\0';
	if (hdr_decode(s, &h, err, sizeof(err)) == 0) {
		for (i = 0; i < HIST_NBINS; i++)
			n += h.bins[i];
		CONTRACT(n == h.count);
		CONTRACT(!h.count || h.min <= h.max);
		CONTRACT(hdr_encode(&h, text, sizeof(text)) > 0);
		CONTRACT(hdr_decode(text, &again, err, sizeof(err)) == 0);
		CONTRACT(!memcmp(h.bins, again.bins, sizeof(h.bins)));
	} else {
		contract_oneline(err, sizeof(err));
	}
	free(s);
	return 0;
}
