/*
 * fuzz_chunk.c - the chunked-body scanner (common/http_chunk.c): the
 * same verdict and the same body length however the input is split, a
 * return never past the input, and nothing taken once the body ended.
 * The first byte picks the split.
 */
#include <stdint.h>

#include "common/http_chunk.h"
#include "fuzz/fuzz.h"

/* Scan p[0..n) in pieces of at most step; returns the body's length,
 * -1 for invalid, or -2 when it had not ended. */
static long scan(const char *p, size_t n, size_t step)
{
	struct http_chunked ch;
	size_t off = 0;

	http_chunked_init(&ch);
	while (off < n) {
		size_t k = n - off < step ? n - off : step;
		long r = http_chunked_scan(&ch, p + off, k);

		if (r < 0)
			return -1;
		CONTRACT((size_t)r <= k);
		off += (size_t)r;
		if (http_chunked_done(&ch)) {
			CONTRACT(http_chunked_scan(&ch, p + off, n - off) == 0);
			return (long)off;
		}
		CONTRACT((size_t)r == k);
	}
	return -2;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t step;
	long whole;

	if (size < 1)
		return 0;
	step = 1 + data[0] % 17;
	whole = scan((const char *)data + 1, size - 1, size);
	CONTRACT(scan((const char *)data + 1, size - 1, step) == whole);
	CONTRACT(scan((const char *)data + 1, size - 1, 1) == whole);
	return 0;
}
