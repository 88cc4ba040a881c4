/*
 * hdr.c - HdrHistogram's compressed V2 encoding of a struct hist
 * (hdr.h).  Big-endian header, then the counts as ZigZag LEB128 with a
 * run of zeros written as its negated length, all deflated (zlib) behind
 * a cookie and a length, in base64.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "bench/hdr.h"

#define V2_ENCODING 0x1c849313u		/* 0x1c849303 | word size 0x10 */
#define V2_COMPRESSED 0x1c849314u
#define HEADER 40
#define PAYLOAD_MAX (HIST_NBINS * 9)
#define RAW_MAX (HEADER + PAYLOAD_MAX)

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24, p[1] = v >> 16, p[2] = v >> 8, p[3] = v;
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, v >> 32);
	put32(p + 4, (uint32_t)v);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

/* One signed value, ZigZag then LEB128 (HdrHistogram's 9-byte form). */
static size_t put_zigzag(uint8_t *p, int64_t v)
{
	uint64_t u = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
	size_t n = 0;

	while (n < 8 && u >= 0x80) {
		p[n++] = (uint8_t)(u | 0x80);
		u >>= 7;
	}
	p[n++] = (uint8_t)u;	/* the ninth byte holds 8 bits */
	return n;
}

/* Read one value from p[0..len); returns its length, or 0 when cut. */
static size_t get_zigzag(const uint8_t *p, size_t len, int64_t *v)
{
	uint64_t u = 0;
	size_t n;

	for (n = 0; n < len && n < 9; n++) {
		if (n == 8) {
			u |= (uint64_t)p[n] << 56;
			n++;
			goto done;
		}
		u |= (uint64_t)(p[n] & 0x7f) << (7 * n);
		if (!(p[n] & 0x80)) {
			n++;
			goto done;
		}
	}
	return 0;
done:
	*v = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
	return n;
}

size_t hdr_encode(const struct hist *h, char *out, size_t cap)
{
	uint8_t *raw = malloc(RAW_MAX), *z = NULL;
	uLongf zlen = compressBound(RAW_MAX);
	size_t n = HEADER, last = 0, i = 0, len = 0;

	if (!raw || !(z = malloc(8 + zlen)))
		goto out;
	for (i = 0; i < HIST_NBINS; i++)
		if (h->bins[i])
			last = i + 1;
	for (i = 0; i < last; i++) {
		int64_t v = (int64_t)h->bins[i];

		if (!v) {
			int64_t zeros = 1;

			while (i + 1 < last && !h->bins[i + 1]) {
				zeros++;
				i++;
			}
			v = zeros > 1 ? -zeros : 0;
		}
		n += put_zigzag(raw + n, v);
	}
	put32(raw, V2_ENCODING);
	put32(raw + 4, (uint32_t)(n - HEADER));
	put32(raw + 8, 0);			/* normalizing index offset */
	put32(raw + 12, 2);			/* significant digits */
	put64(raw + 16, 1);			/* lowest discernible value */
	put64(raw + 24, HIST_MAX);		/* highest trackable value */
	put64(raw + 32, 0x3ff0000000000000ull);	/* conversion ratio 1.0 */
	if (compress2(z + 8, &zlen, raw, n, Z_DEFAULT_COMPRESSION) != Z_OK)
		goto out;
	put32(z, V2_COMPRESSED);
	put32(z + 4, (uint32_t)zlen);
	if (4 * ((8 + zlen + 2) / 3) + 1 > cap)
		goto out;
	len = (size_t)EVP_EncodeBlock((unsigned char *)out, z, (int)(8 + zlen));
out:
	free(raw);
	free(z);
	return len;
}

static int bad(char *err, size_t errlen, const char *why)
{
	snprintf(err, errlen, "%s", why);
	return -1;
}

int hdr_decode(const char *text, struct hist *h, char *err, size_t errlen)
{
	size_t tlen = strlen(text), blen = 3 * (tlen / 4), i = 0, at;
	uint8_t *bin = NULL, *raw = NULL;
	uLongf rawlen = RAW_MAX;
	int rc = -1, n;

	hist_init(h);
	if (tlen % 4 || tlen > 4 * ((8 + compressBound(RAW_MAX) + 2) / 3))
		return bad(err, errlen, "not an HdrHistogram V2 encoding");
	if (!(bin = malloc(blen + 1)) || !(raw = malloc(RAW_MAX))) {
		bad(err, errlen, "out of memory");
		goto out;
	}
	n = EVP_DecodeBlock(bin, (const unsigned char *)text, (int)tlen);
	/* EVP_DecodeBlock counts the padding's zero bytes in */
	if (n >= 2 && tlen >= 2 && text[tlen - 1] == '=')
		n -= text[tlen - 2] == '=' ? 2 : 1;
	if (n < 8 || get32(bin) != V2_COMPRESSED ||
	    get32(bin + 4) > (uint32_t)n - 8) {
		bad(err, errlen, "not an HdrHistogram V2 encoding");
		goto out;
	}
	if (uncompress(raw, &rawlen, bin + 8, get32(bin + 4)) != Z_OK ||
	    rawlen < HEADER || get32(raw) != V2_ENCODING ||
	    get32(raw + 4) > rawlen - HEADER) {
		bad(err, errlen, "a damaged HdrHistogram encoding");
		goto out;
	}
	if (get32(raw + 8) != 0 || get32(raw + 12) != 2 || get64(raw + 16) != 1) {
		snprintf(err, errlen, "a histogram of another layout (%u "
			 "significant digits, lowest value %llu): only wsctl "
			 "bench's (2, 1) are read", get32(raw + 12),
			 (unsigned long long)get64(raw + 16));
		goto out;
	}
	for (at = HEADER; at < HEADER + get32(raw + 4);) {
		int64_t v;
		size_t k = get_zigzag(raw + at, HEADER + get32(raw + 4) - at, &v);

		if (!k) {
			bad(err, errlen, "a damaged HdrHistogram encoding");
			goto out;
		}
		at += k;
		if (v < 0) {		/* a run of -v empty buckets */
			if ((uint64_t)-v > HIST_NBINS - i)
				break;
			i += (size_t)-v;
			continue;
		}
		if (i == HIST_NBINS)
			break;
		h->bins[i++] = (uint64_t)v;
	}
	if (at < HEADER + get32(raw + 4)) {
		bad(err, errlen, "an HdrHistogram with values past its range");
		goto out;
	}
	for (i = 0; i < HIST_NBINS; i++) {
		uint64_t lo = i ? hist_bin_top((unsigned)i - 1) + 1 : 0;
		uint64_t top = hist_bin_top((unsigned)i);

		if (!h->bins[i])
			continue;
		if (h->count + h->bins[i] < h->count) {
			bad(err, errlen, "an HdrHistogram whose count overflows");
			goto out;
		}
		h->count += h->bins[i];
		h->sum += h->bins[i] * (lo + (top - lo) / 2);
		if (lo < h->min)
			h->min = lo;
		h->max = top;
	}
	rc = 0;
out:
	free(bin);
	free(raw);
	return rc;
}

int hdr_log_start(FILE *f, double start)
{
	time_t t = (time_t)start;
	char when[64];
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%a %b %d %H:%M:%S UTC %Y", &tm);
	return fprintf(f, "#[Histogram log format version 1.3]\n"
		       "#[StartTime: %.3f (seconds since epoch), %s]\n"
		       "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\","
		       "\"Interval_Compressed_Histogram\"\n", start, when) < 0 ?
	       -1 : 0;
}

int hdr_log_interval(FILE *f, const char *tag, double start, double length,
		     const struct hist *h)
{
	char *text = malloc(HDR_TEXT_MAX);
	int rc = -1;

	if (text && hdr_encode(h, text, HDR_TEXT_MAX))
		rc = fprintf(f, "Tag=%s,%.3f,%.3f,%.3f,%s\n", tag, start, length,
			     h->max / 1000.0, text) < 0 ? -1 : 0;
	free(text);
	return rc;
}
