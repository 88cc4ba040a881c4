/*
 * wsc_body.c - the start of the body of a response that refused the
 * upgrade, and its first line of text for a one-line error message.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/http_chunk.h"
#include "common/net.h"
#include "common/wsc_priv.h"

#define BODY_WAIT_MS 1000	/* for the start of a refusal's body */
#define BODY_QUIET_MS 300	/* a body of unknown length: silence ends it */

/*
 * The start of a refusal's body: up to Content-Length, to the end of a
 * chunked body, or else until EOF or a short silence; never longer than
 * BODY_WAIT_MS (or the deadline), never more than WSC_BODY_MAX bytes,
 * however much the server claims or sends.
 */
void wsc_read_body(struct wsc *c, int64_t deadline)
{
	const struct http_header *h, *hs = c->res.headers;
	size_t n = c->res.num_headers, want = WSC_BODY_MAX, have;
	int64_t end = clock_ms() + BODY_WAIT_MS, until;
	struct http_chunked ch = { 0 };
	size_t scanned = 0;
	uint64_t len;
	int sized = 0, chunked = 0;
	char *p;

	if (deadline >= 0 && deadline < end)
		end = deadline;
	h = http_find(hs, n, "Transfer-Encoding");
	chunked = h && http_has_token(h->value, h->value_len, "chunked");
	if (!chunked && http_content_length(hs, n, &len) > 0) {
		sized = 1;
		if (len < want)
			want = (size_t)len;
	}
	if (c->res.status == 204 || c->res.status == 304 ||
	    c->res.status < 200)
		want = 0;
	while ((have = c->rlen - c->roff) < want && clock_ms() < end) {
		if (chunked) {
			if (http_chunked_scan(&ch, (char *)c->rbuf + c->roff +
					      scanned, have - scanned) < 0 ||
			    http_chunked_done(&ch))
				break;
			scanned = have;
		}
		until = end;
		if (!sized && !chunked && clock_ms() + BODY_QUIET_MS < end)
			until = clock_ms() + BODY_QUIET_MS;
		if (wsc_io_fill(c, want, until, NULL, 0) != WSC_OK)
			break;
	}
	have = c->rlen - c->roff;
	if (have > want)
		have = want;
	if (have && (p = malloc(have))) {
		memcpy(p, c->rbuf + c->roff, have);
		c->body = p;
		c->body_len = have;
	}
}

/* Undo the chunked coding of what arrived of a body; returns the length. */
static size_t dechunk(const char *in, size_t len, char *out)
{
	size_t i = 0, o = 0, size;
	unsigned char ch;

	while (i < len) {
		size = 0;
		while (i < len && isxdigit((unsigned char)in[i])) {
			ch = (unsigned char)in[i];
			size = size * 16 + (size_t)(isdigit(ch) ? ch - '0' :
						    tolower(ch) - 'a' + 10);
			if (size > len)
				return o;
			i++;
		}
		while (i < len && in[i] != '\n')	/* chunk extensions */
			i++;
		if (++i > len || size == 0)
			break;
		if (size > len - i)
			size = len - i;
		memcpy(out + o, in + i, size);
		o += size;
		i += size + 2;
	}
	return o;
}

char *wsc_body_line(const struct wsc *c, char *out, size_t len)
{
	char buf[WSC_BODY_MAX];
	const struct http_header *h;
	const char *p = c->body, *end;
	size_t n = 0, blen = c->body_len;
	int in_tag = 0;

	if (!len)
		return out;
	*out = '\0';
	if (!p || !c->head_len)
		return out;
	h = http_find(c->res.headers, c->res.num_headers, "Transfer-Encoding");
	if (h && http_has_token(h->value, h->value_len, "chunked")) {
		blen = dechunk(c->body, c->body_len, buf);
		p = buf;
	}
	for (end = p + blen; p < end; p++) {
		unsigned char ch = (unsigned char)*p;

		if (ch == '\n' || ch == '\r') {
			if (n)
				break;
			continue;
		}
		if (ch == '<')
			in_tag = 1;
		else if (ch == '>' && in_tag)
			in_tag = 0;
		else if (!in_tag && n + 1 < len && (n || !isspace(ch)))
			out[n++] = ch < 0x20 || ch == 0x7f ? ' ' : (char)ch;
	}
	while (n && isspace((unsigned char)out[n - 1]))
		n--;
	out[n] = '\0';
	return out;
}
