/*
 * wsc_deflate.c - the client's side of permessage-deflate (RFC 7692):
 * judging the extensions a 101 agreed to, and compressing and inflating
 * messages once permessage-deflate is agreed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/wsc_priv.h"

/*
 * Whether the request sent offered extension name[0..n), and for
 * permessage-deflate whether any offer allowed client_max_window_bits.
 */
static int offered(const struct wsc *c, const char *name, size_t n,
		   int *client_bits)
{
	const char *s, *end, *on;
	struct ws_pmd p;
	size_t i, onlen;
	int valid, r, found = 0;

	*client_bits = 0;
	for (i = 0; i < c->nsent; i++) {
		const struct http_header *h = &c->sent[i];

		if (!http_ieq(h->name, h->name_len, "Sec-WebSocket-Extensions"))
			continue;
		s = h->value;
		end = h->value + h->value_len;
		while ((r = ws_pmd_next(&s, end, &p, &valid, &on, &onlen)) > 0)
			if (onlen == n && !strncasecmp(on, name, n)) {
				found = 1;
				if (r == 1 && p.client_max_window_bits)
					*client_bits = 1;
			}
	}
	return found;
}

int wsc_deflate_agree(struct wsc *c, const struct http_header *h, char *err,
		      size_t errlen)
{
	const char *s = h->value, *end = h->value + h->value_len, *name;
	struct ws_pmd p, agreed = { 0 };
	size_t nlen;
	int r, valid, pmd = 0, client_bits;

	while ((r = ws_pmd_next(&s, end, &p, &valid, &name, &nlen))) {
		if (r < 0)
			return wsc_fail(WSC_ERR_UPGRADE, err, errlen,
					"Sec-WebSocket-Extensions '%.*s' does "
					"not parse", (int)h->value_len,
					h->value);
		if (!offered(c, name, nlen, &client_bits))
			return wsc_fail(WSC_ERR_UPGRADE, err, errlen,
					"server chose extension '%.*s', which "
					"was not offered", (int)nlen, name);
		if (r == 2)
			continue;	/* the caller's business */
		if (pmd++)
			return wsc_fail(WSC_ERR_UPGRADE, err, errlen,
					"server agreed to permessage-deflate "
					"twice: '%.*s'", (int)h->value_len,
					h->value);
		if (!valid || p.client_max_window_bits < 0 ||
		    (p.client_max_window_bits && !client_bits))
			return wsc_fail(WSC_ERR_UPGRADE, err, errlen,
					"server agreed to permessage-deflate "
					"with parameters not offered or not "
					"valid: '%.*s'", (int)h->value_len,
					h->value);
		if (p.client_max_window_bits == 8)
			return wsc_fail(WSC_ERR_UPGRADE, err, errlen,
					"server asks for client_max_window_"
					"bits=8, which zlib cannot write");
		agreed = p;
	}
	if (!pmd)
		return WSC_OK;
	if (!(c->z = malloc(sizeof(*c->z))))
		return wsc_fail(WSC_ERR_IO, err, errlen, "out of memory");
	ws_deflate_init(c->z, agreed.client_max_window_bits ?
			agreed.client_max_window_bits : 15,
			agreed.client_no_context_takeover);
	snprintf(c->extension, sizeof(c->extension), "%.*s",
		 (int)h->value_len, h->value);
	return WSC_OK;
}

int wsc_deflate_send(struct wsc *c, unsigned opcode, const void *data,
		     size_t len, char *err, size_t errlen)
{
	uint8_t *out;
	size_t n;
	int rc;

	if (ws_deflate_msg(c->z, data, len, 0, &out, &n) < 0)
		return wsc_fail(WSC_ERR_IO, err, errlen, "out of memory");
	rc = wsc_send_frame_rsv(c, 1, WS_RSV1, opcode, out, n, err, errlen);
	free(out);
	return rc;
}

int wsc_inflate(struct wsc *c, const uint8_t *p, size_t len, struct wsc_msg *m,
		char *err, size_t errlen)
{
	size_t n;
	int rc;

	free(c->zmsg);
	c->zmsg = NULL;
	rc = ws_inflate_msg(c->z, p, len, 0, c->max_message, &c->zmsg, &n);
	if (rc == WS_INFLATE_NOMEM)
		return wsc_fail(WSC_ERR_IO, err, errlen, "out of memory");
	if (rc == WS_INFLATE_TOO_BIG)
		return wsc_proto(c, WS_CLOSE_TOO_BIG, err, errlen,
				 "inflated message over the limit of %zu "
				 "bytes", c->max_message);
	if (rc < 0)
		return wsc_proto(c, WS_CLOSE_INVALID_DATA, err, errlen,
				 "compressed message (RSV1) does not inflate");
	m->data = c->zmsg;
	m->len = n;
	m->compressed = 1;
	if (m->opcode == WS_TEXT &&
	    utf8_validate(UTF8_ACCEPT, c->zmsg, n) != UTF8_ACCEPT)
		return wsc_proto(c, WS_CLOSE_INVALID_DATA, err, errlen,
				 "text message is not valid UTF-8");
	return WSC_OK;
}
