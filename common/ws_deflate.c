/*
 * ws_deflate.c - permessage-deflate (RFC 7692): the extension list's
 * grammar (RFC 6455 9.1) and the per-message codec over zlib.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/http.h"
#include "common/ws_deflate.h"

static const uint8_t tail[4] = { 0x00, 0x00, 0xff, 0xff };

static const char *skip_ows(const char *s, const char *end)
{
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	return s;
}

static const char *skip_token(const char *s, const char *end)
{
	while (s < end && http_is_tchar((unsigned char)*s))
		s++;
	return s;
}

static int is(const char *s, size_t n, const char *word)
{
	return n == strlen(word) && !strncasecmp(s, word, n);
}

/*
 * A window size, 8..15 in its shortest form, from a token or the inside
 * of a quoted string (whose escapes are taken as the byte they escape).
 * Returns it, or -1.
 */
static int window_bits(const char *v, size_t n, int quoted)
{
	int bits = 0, digits = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		char ch = v[i];

		if (quoted && ch == '\\' && i + 1 < n)
			ch = v[++i];
		if (ch < '0' || ch > '9' || (digits && bits == 0) ||
		    digits == 2)
			return -1;
		bits = bits * 10 + (ch - '0');
		digits++;
	}
	return digits && bits >= 8 && bits <= 15 ? bits : -1;
}

/* Judge one parameter of a permessage-deflate element into *p. */
static int param(struct ws_pmd *p, const char *k, size_t kn, const char *v,
		 size_t vn, int has_value, int quoted)
{
	int bits = has_value ? window_bits(v, vn, quoted) : 0;

	if (is(k, kn, "server_no_context_takeover")) {
		if (has_value || p->server_no_context_takeover)
			return -1;
		p->server_no_context_takeover = 1;
	} else if (is(k, kn, "client_no_context_takeover")) {
		if (has_value || p->client_no_context_takeover)
			return -1;
		p->client_no_context_takeover = 1;
	} else if (is(k, kn, "server_max_window_bits")) {
		if (bits < 0 || !has_value || p->server_max_window_bits)
			return -1;
		p->server_max_window_bits = bits;
	} else if (is(k, kn, "client_max_window_bits")) {
		if (bits < 0 || p->client_max_window_bits)
			return -1;
		p->client_max_window_bits = has_value ? bits : -1;
	} else {
		return -1;
	}
	return 0;
}

/* A quoted string at s (on its '"'): the end of its inside, or NULL. */
static const char *quoted_end(const char *s, const char *end)
{
	for (s++; s < end; s++) {
		if (*s == '\\' && s + 1 < end)
			s++;
		else if (*s == '"')
			return s;
		else if ((unsigned char)*s < 0x20 && *s != '\t')
			return NULL;
	}
	return NULL;
}

int ws_pmd_next(const char **sp, const char *end, struct ws_pmd *p,
		int *valid, const char **name, size_t *nlen)
{
	const char *s = *sp, *k, *v;
	size_t kn, vn;
	int pmd, bad = 0;

	/* empty elements and the commas between them */
	while ((s = skip_ows(s, end)) < end && *s == ',')
		s++;
	if (s == end) {
		*sp = s;
		return 0;
	}
	*name = s;
	s = skip_token(s, end);
	if (s == *name)
		return -1;
	*nlen = (size_t)(s - *name);
	pmd = is(*name, *nlen, WS_PMD_NAME);
	memset(p, 0, sizeof(*p));
	for (;;) {
		int has_value = 0, quoted = 0;

		s = skip_ows(s, end);
		if (s == end || *s == ',')
			break;
		if (*s != ';')
			return -1;
		s = skip_ows(s + 1, end);
		k = s;
		s = skip_token(s, end);
		if (s == k)
			return -1;
		kn = (size_t)(s - k);
		v = s;
		vn = 0;
		s = skip_ows(s, end);
		if (s < end && *s == '=') {
			has_value = 1;
			s = skip_ows(s + 1, end);
			if (s < end && *s == '"') {
				const char *q = quoted_end(s, end);

				if (!q)
					return -1;
				quoted = 1;
				v = s + 1;
				vn = (size_t)(q - v);
				s = q + 1;
			} else {
				v = s;
				s = skip_token(s, end);
				if (s == v)
					return -1;
				vn = (size_t)(s - v);
			}
		}
		if (pmd && param(p, k, kn, v, vn, has_value, quoted) < 0)
			bad = 1;
	}
	*sp = s;
	*valid = !bad;
	return pmd ? 1 : 2;
}

char *ws_pmd_format(const struct ws_pmd *p, char *out, size_t len)
{
	char bits[40] = "";

	if (p->server_max_window_bits > 0)
		snprintf(bits, sizeof(bits), "; server_max_window_bits=%d",
			 p->server_max_window_bits);
	snprintf(out, len, "%s%s%s%s", WS_PMD_NAME,
		 p->server_no_context_takeover ?
		 "; server_no_context_takeover" : "",
		 p->client_no_context_takeover ?
		 "; client_no_context_takeover" : "", bits);
	return out;
}

void ws_deflate_init(struct ws_deflate *d, int tx_bits, int tx_no_context)
{
	memset(d, 0, sizeof(*d));
	d->tx_bits = tx_bits < 9 ? 9 : tx_bits > 15 ? 15 : tx_bits;
	d->tx_reset = tx_no_context;
}

void ws_deflate_free(struct ws_deflate *d)
{
	if (d->tx_on)
		deflateEnd(&d->tx);
	if (d->rx_on)
		inflateEnd(&d->rx);
	d->tx_on = d->rx_on = 0;
}

/* Make *buf (cap bytes) need bytes long, when it is shorter. */
static int grow(uint8_t **buf, size_t *cap, size_t need)
{
	uint8_t *b;

	if (need <= *cap)
		return 0;
	if (!(b = realloc(*buf, need)))
		return -1;
	*buf = b;
	*cap = need;
	return 0;
}

/* zlib counts in uInt: a buffer is offered at most this much at once */
#define ZCHUNK ((size_t)1 << 30)

static uInt zlen(size_t n)
{
	return (uInt)(n > ZCHUNK ? ZCHUNK : n);
}

int ws_deflate_msg(struct ws_deflate *d, const uint8_t *in, size_t len,
		   size_t room, uint8_t **out, size_t *outlen)
{
	z_stream *z = &d->tx;
	uint8_t *buf = NULL;
	size_t cap = 0, have = room, off = 0;
	int rc;

	if (!d->tx_on) {
		if (deflateInit2(z, Z_DEFAULT_COMPRESSION, Z_DEFLATED,
				 -d->tx_bits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
			return -1;
		d->tx_on = 1;
	}
	if (grow(&buf, &cap, room + deflateBound(z, zlen(len)) + 16) < 0)
		return -1;
	do {
		z->next_in = (Bytef *)(uintptr_t)(in + off);
		z->avail_in = zlen(len - off);
		off += z->avail_in;
		/* a sync flush writes all it has: call again while it fills
		 * the buffer */
		do {
			if (cap - have < 64 && grow(&buf, &cap, cap * 2) < 0)
				goto nomem;
			z->next_out = buf + have;
			z->avail_out = zlen(cap - have);
			rc = deflate(z, Z_SYNC_FLUSH);
			have = (size_t)(z->next_out - buf);
		} while (rc == Z_OK && (z->avail_in || !z->avail_out));
		if (rc != Z_OK && rc != Z_BUF_ERROR)
			goto nomem;
	} while (off < len);
	/* a sync flush ends in an empty stored block: 00 00 ff ff */
	if (have - room >= 4 && !memcmp(buf + have - 4, tail, 4))
		have -= 4;
	/* zlib flushes nothing for an empty message after a flush: send
	 * it as one empty stored block's first byte (RFC 7692 7.2.3.6) */
	if (have == room)
		buf[have++] = 0x00;
	if (d->tx_reset)
		deflateReset(z);
	*out = buf;
	*outlen = have - room;
	return 0;
nomem:
	free(buf);
	return -1;
}

/*
 * Inflate what z->next_in holds into *buf (cap bytes, *have used), which
 * may not pass limit bytes.  Returns 0 when all of it is in and out, 1
 * when the peer's stream ended there (BFINAL), or a WS_INFLATE_*.
 */
static int inflate_some(z_stream *z, uint8_t **buf, size_t *cap, size_t *have,
			size_t limit)
{
	int rc;

	for (;;) {
		if (*cap - *have < 1024 && *cap <= limit &&
		    grow(buf, cap, *cap * 2 > limit + 1 ? limit + 1 :
			 *cap * 2) < 0)
			return WS_INFLATE_NOMEM;
		z->next_out = *buf + *have;
		z->avail_out = zlen(*cap - *have);
		rc = inflate(z, Z_SYNC_FLUSH);
		*have = (size_t)(z->next_out - *buf);
		if (*have > limit)
			return WS_INFLATE_TOO_BIG;
		if (rc == Z_STREAM_END) {
			/* a new stream starts with the next message */
			inflateReset(z);
			return z->avail_in ? WS_INFLATE_BAD : 1;
		}
		if (rc == Z_MEM_ERROR)
			return WS_INFLATE_NOMEM;
		if (rc != Z_OK && rc != Z_BUF_ERROR)
			return WS_INFLATE_BAD;
		if (!z->avail_in && z->avail_out)
			return 0;	/* all in, and all out */
		if (rc == Z_BUF_ERROR && z->avail_out)
			return WS_INFLATE_BAD;	/* stuck, with room left */
	}
}

int ws_inflate_msg(struct ws_deflate *d, const uint8_t *in, size_t len,
		   size_t room, size_t max, uint8_t **out, size_t *outlen)
{
	z_stream *z = &d->rx;
	uint8_t *buf = NULL;
	size_t cap = 0, have = room, off = 0;
	int rc = 0;

	if (!d->rx_on) {
		if (inflateInit2(z, -15) != Z_OK)
			return WS_INFLATE_NOMEM;
		d->rx_on = 1;
	}
	if (grow(&buf, &cap, room + (len < max ? len : max) + 64) < 0)
		return WS_INFLATE_NOMEM;
	while (off < len && rc == 0) {
		z->next_in = (Bytef *)(uintptr_t)(in + off);
		z->avail_in = zlen(len - off);
		off += z->avail_in;
		rc = inflate_some(z, &buf, &cap, &have, room + max);
	}
	if (rc == 0) {
		z->next_in = (Bytef *)(uintptr_t)tail;
		z->avail_in = sizeof(tail);
		rc = inflate_some(z, &buf, &cap, &have, room + max);
	}
	if (rc < 0) {
		free(buf);
		return rc;
	}
	*out = buf;
	*outlen = have - room;
	return 0;
}
