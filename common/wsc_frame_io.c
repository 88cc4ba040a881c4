/*
 * wsc_frame_io.c - frames and messages on an open client connection:
 * masked sends, and receives that join fragments and hold the server to
 * RFC 6455 (section 5 framing, 5.5.1 close payloads, 8.1 UTF-8).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/net.h"
#include "common/tls.h"
#include "common/wsc_priv.h"

#define SEND_CHUNK (16 * 1024)
#define CLOSE_EOF_WAIT_MS 1000	/* for the server's TCP close (7.1.1) */

int wsc_send_raw(struct wsc *c, const void *buf, size_t len, char *err,
		 size_t errlen)
{
	return wsc_io_write(c, buf, len, wsc_deadline(c->timeout_ms), err,
			    errlen);
}

int wsc_send_frame_rsv(struct wsc *c, int fin, unsigned rsv, unsigned opcode,
		       const void *data, size_t len, char *err,
		       size_t errlen)
{
	uint8_t buf[SEND_CHUNK], mask[4];
	const uint8_t *p = data;
	int masked = !(c->flags & (WSC_NO_MASK | WSC_SERVER));
	int64_t deadline = wsc_deadline(c->timeout_ms);
	size_t hlen, off = 0, n;
	int rc;

	if (masked && ws_make_mask(mask) < 0)
		return wsc_fail(WSC_ERR_IO, err, errlen,
				"no randomness for a masking key");
	hlen = ws_frame_header(buf, fin, opcode, len, masked ? mask : NULL);
	buf[0] |= (uint8_t)((rsv & 7) << 4);
	/* the header travels with the first piece of the payload */
	do {
		n = len - off < sizeof(buf) - hlen ? len - off
						   : sizeof(buf) - hlen;
		if (n)
			memcpy(buf + hlen, p + off, n);
		if (masked)
			ws_mask(buf + hlen, n, mask, off);
		rc = wsc_io_write(c, buf, hlen + n, deadline, err, errlen);
		if (rc != WSC_OK)
			return rc;
		off += n;
		hlen = 0;
	} while (off < len);
	return WSC_OK;
}

int wsc_send_frame(struct wsc *c, int fin, unsigned opcode, const void *data,
		   size_t len, char *err, size_t errlen)
{
	return wsc_send_frame_rsv(c, fin, 0, opcode, data, len, err, errlen);
}

int wsc_send(struct wsc *c, unsigned opcode, const void *data, size_t len,
	     char *err, size_t errlen)
{
	if (c->z && (opcode == WS_TEXT || opcode == WS_BINARY))
		return wsc_deflate_send(c, opcode, data, len, err, errlen);
	return wsc_send_frame(c, 1, opcode, data, len, err, errlen);
}

int wsc_send_close(struct wsc *c, unsigned code, const char *reason,
		   char *err, size_t errlen)
{
	uint8_t p[125];
	size_t n = 0, rlen = reason ? strlen(reason) : 0;

	if (code) {
		p[0] = (uint8_t)(code >> 8);
		p[1] = (uint8_t)code;
		if (rlen > sizeof(p) - 2)
			rlen = sizeof(p) - 2;
		if (rlen)
			memcpy(p + 2, reason, rlen);
		n = 2 + rlen;
	}
	c->close_sent = 1;
	return wsc_send_frame(c, 1, WS_CLOSE, p, n, err, errlen);
}

int wsc_proto(struct wsc *c, unsigned code, char *err, size_t errlen,
	      const char *fmt, ...)
{
	va_list ap;

	c->fail_code = code;
	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return WSC_ERR_PROTO;
}

/* Why ws_frame_parse refused the header at p (2 bytes are there). */
static int bad_header(struct wsc *c, const uint8_t *p, size_t have,
		      char *err, size_t errlen)
{
	unsigned op = p[0] & 0x0f;

	if ((op > WS_BINARY && op < WS_CLOSE) || op > WS_PONG)
		return wsc_proto(c, WS_CLOSE_PROTOCOL, err, errlen,
				 "frame with reserved opcode 0x%x", op);
	if (op >= WS_CLOSE && !(p[0] & 0x80))
		return wsc_proto(c, WS_CLOSE_PROTOCOL, err, errlen,
				 "fragmented %s frame", ws_opcode_name(op));
	if (op >= WS_CLOSE && have > 1 && (p[1] & 0x7f) > 125)
		return wsc_proto(c, WS_CLOSE_PROTOCOL, err, errlen,
				 "%s frame longer than 125 bytes",
				 ws_opcode_name(op));
	return wsc_proto(c, WS_CLOSE_PROTOCOL, err, errlen,
			 "frame length not in its shortest form, or over 2^63");
}

int wsc_recv_frame(struct wsc *c, struct ws_frame *f, const uint8_t **data,
		   size_t *len, int timeout_ms, char *err, size_t errlen)
{
	int64_t deadline = wsc_deadline(timeout_ms);
	size_t have, need;
	uint8_t *p;
	int n, rc;

	for (;;) {
		have = c->rlen - c->roff;
		p = c->rbuf + c->roff;
		n = have ? ws_frame_parse(p, have, f) : -2;
		if (n == -1)
			return bad_header(c, p, have, err, errlen);
		need = have + 1;
		if (n > 0) {
			if (f->len > c->max_message)
				return wsc_proto(c, WS_CLOSE_TOO_BIG, err,
						 errlen, "frame of %llu bytes, "
						 "over the limit of %zu",
						 (unsigned long long)f->len,
						 c->max_message);
			need = (size_t)n + (size_t)f->len;
			if (have >= need)
				break;
		}
		rc = wsc_io_fill(c, need, deadline, err, errlen);
		if (rc == WSC_ERR_EOF)
			return wsc_fail(rc, err, errlen, have ?
					"connection closed in the middle of a "
					"frame" : c->close_received ?
					"connection closed" :
					"connection closed without a close "
					"frame");
		if (rc != WSC_OK)
			return rc;
	}
	*data = p + n;
	*len = (size_t)f->len;
	if (f->masked)
		ws_mask(p + n, *len, f->mask, 0);
	c->roff += need;
	return WSC_OK;
}

static int got_close(struct wsc *c, struct wsc_msg *m, char *err,
		     size_t errlen)
{
	size_t rlen;

	c->close_received = 1;
	c->close_code = WS_CLOSE_NO_STATUS;
	c->close_reason[0] = '\0';
	m->close_code = WS_CLOSE_NO_STATUS;
	if (m->len == 0)
		return WSC_OK;
	if (m->len == 1)
		return wsc_proto(c, WS_CLOSE_PROTOCOL, err, errlen,
				 "close frame with a 1-byte payload");
	m->close_code = (unsigned)m->data[0] << 8 | m->data[1];
	m->reason = (const char *)m->data + 2;
	m->reason_len = rlen = m->len - 2;
	c->close_code = m->close_code;
	memcpy(c->close_reason, m->reason, rlen);
	c->close_reason[rlen] = '\0';
	if (!ws_close_code_valid(m->close_code))
		return wsc_proto(c, WS_CLOSE_PROTOCOL, err, errlen,
				 "close frame with code %u, which may not be "
				 "sent", m->close_code);
	if (utf8_validate(UTF8_ACCEPT, m->data + 2, rlen) != UTF8_ACCEPT)
		return wsc_proto(c, WS_CLOSE_INVALID_DATA, err, errlen,
				 "close reason is not valid UTF-8");
	return WSC_OK;
}

/* Append a fragment to the message being joined. */
static int join(struct wsc *c, const uint8_t *p, size_t len, char *err,
		size_t errlen)
{
	size_t cap;
	uint8_t *q;

	if (len > c->max_message - c->msg_len)
		return wsc_proto(c, WS_CLOSE_TOO_BIG, err, errlen,
				 "message over the limit of %zu bytes",
				 c->max_message);
	if (c->msg_len + len > c->msg_cap) {
		cap = c->msg_cap ? c->msg_cap : 4096;
		while (cap < c->msg_len + len)
			cap *= 2;
		if (!(q = realloc(c->msg, cap)))
			return wsc_fail(WSC_ERR_IO, err, errlen,
					"out of memory");
		c->msg = q;
		c->msg_cap = cap;
	}
	memcpy(c->msg + c->msg_len, p, len);
	c->msg_len += len;
	if (c->msg_opcode == WS_TEXT && !c->msg_z &&
	    (c->utf8 = utf8_validate(c->utf8, p, len)) == UTF8_REJECT)
		return wsc_proto(c, WS_CLOSE_INVALID_DATA, err, errlen,
				 "text message is not valid UTF-8");
	return WSC_OK;
}

/* One frame into *m; WSC_OK with m->opcode 0 when a message goes on. */
static int take(struct wsc *c, const struct ws_frame *f, const uint8_t *p,
		size_t len, struct wsc_msg *m, char *err, size_t errlen)
{
	int rc, z = f->rsv == WS_RSV1 && c->z &&
		    (f->opcode == WS_TEXT || f->opcode == WS_BINARY);

	/* RSV1 says a message is compressed, once permessage-deflate is
	 * agreed (RFC 7692 6); nothing else gives an RSV bit a meaning */
	if (f->rsv && !z)
		return wsc_proto(c, WS_CLOSE_PROTOCOL, err, errlen,
				 "frame with reserved bits set (RSV 0x%x)",
				 f->rsv);
	if (f->masked != !!(c->flags & WSC_SERVER))
		return wsc_proto(c, WS_CLOSE_PROTOCOL, err, errlen, f->masked ?
				 "masked frame from the server" :
				 "unmasked frame from the client");
	memset(m, 0, sizeof(*m));
	switch (f->opcode) {
	case WS_TEXT:
	case WS_BINARY:
		if (c->in_msg)
			return wsc_proto(c, WS_CLOSE_PROTOCOL, err, errlen,
					 "new message before the fragmented "
					 "one ended");
		if (f->fin && z) {
			*m = (struct wsc_msg){ .opcode = f->opcode,
					       .frames = 1 };
			return wsc_inflate(c, p, len, m, err, errlen);
		}
		if (f->fin) {
			if (f->opcode == WS_TEXT &&
			    utf8_validate(UTF8_ACCEPT, p, len) != UTF8_ACCEPT)
				return wsc_proto(c, WS_CLOSE_INVALID_DATA, err,
						 errlen, "text message is not "
						 "valid UTF-8");
			*m = (struct wsc_msg){ .opcode = f->opcode, .data = p,
					       .len = len, .frames = 1 };
			return WSC_OK;
		}
		c->in_msg = 1;
		c->msg_opcode = f->opcode;
		c->msg_len = 0;
		c->msg_frames = 1;
		c->msg_z = z;
		c->utf8 = UTF8_ACCEPT;
		return join(c, p, len, err, errlen);
	case WS_CONT:
		if (!c->in_msg)
			return wsc_proto(c, WS_CLOSE_PROTOCOL, err, errlen,
					 "continuation frame with no message "
					 "to continue");
		c->msg_frames++;
		if ((rc = join(c, p, len, err, errlen)) != WSC_OK || !f->fin)
			return rc;
		c->in_msg = 0;
		if (c->msg_z) {
			*m = (struct wsc_msg){ .opcode = c->msg_opcode,
					       .frames = c->msg_frames };
			return wsc_inflate(c, c->msg, c->msg_len, m, err,
					   errlen);
		}
		if (c->msg_opcode == WS_TEXT && c->utf8 != UTF8_ACCEPT)
			return wsc_proto(c, WS_CLOSE_INVALID_DATA, err, errlen,
					 "text message is not valid UTF-8");
		*m = (struct wsc_msg){ .opcode = c->msg_opcode, .data = c->msg,
				       .len = c->msg_len,
				       .frames = c->msg_frames };
		return WSC_OK;
	}
	*m = (struct wsc_msg){ .opcode = f->opcode, .data = p, .len = len,
			       .frames = 1 };
	if (f->opcode == WS_CLOSE)
		return got_close(c, m, err, errlen);
	if (f->opcode == WS_PING && (c->flags & WSC_AUTO_PONG) &&
	    !c->close_sent)
		return wsc_send_frame(c, 1, WS_PONG, p, len, err, errlen);
	return WSC_OK;
}

int wsc_recv(struct wsc *c, struct wsc_msg *m, int timeout_ms, char *err,
	     size_t errlen)
{
	int64_t deadline = wsc_deadline(timeout_ms);
	const uint8_t *p;
	struct ws_frame f;
	int64_t left;
	size_t len;
	int rc;

	do {
		left = deadline < 0 ? -1 : deadline - clock_ms();
		if (left < 0 && deadline >= 0)
			left = 0;
		rc = wsc_recv_frame(c, &f, &p, &len, (int)left, err, errlen);
		if (rc == WSC_OK)
			rc = take(c, &f, p, len, m, err, errlen);
	} while (rc == WSC_OK && !m->opcode && c->in_msg);
	if (!(c->flags & WSC_AUTO_CLOSE) || c->close_sent)
		return rc;
	if (rc == WSC_ERR_PROTO)
		wsc_send_close(c, c->fail_code, NULL, NULL, 0);
	else if (rc == WSC_OK && m->opcode == WS_CLOSE)
		wsc_send_close(c, c->close_code == WS_CLOSE_NO_STATUS ? 0 :
			       c->close_code, NULL, NULL, 0);
	return rc;
}

int wsc_close(struct wsc *c, unsigned code, const char *reason,
	      int timeout_ms, char *err, size_t errlen)
{
	int64_t deadline = wsc_deadline(timeout_ms), left, end;
	struct wsc_msg m;
	int rc;

	if (!c->close_sent &&
	    (rc = wsc_send_close(c, code, reason, err, errlen)) != WSC_OK)
		return rc;
	while (!c->close_received) {
		left = deadline < 0 ? -1 : deadline - clock_ms();
		if (deadline >= 0 && left < 0)
			left = 0;
		rc = wsc_recv(c, &m, (int)left, err, errlen);
		if (rc != WSC_OK)
			return rc;
	}
	/* the server closes TCP first (RFC 6455 7.1.1); wait a little */
	end = clock_ms() + CLOSE_EOF_WAIT_MS;
	if (deadline >= 0 && deadline < end)
		end = deadline;
	while ((left = end - clock_ms()) > 0 &&
	       wsc_recv(c, &m, (int)left, NULL, 0) == WSC_OK)
		;
	return WSC_OK;
}

int wsc_pending(const struct wsc *c)
{
	struct ws_frame f;
	size_t have = c->rlen - c->roff;
	int n;

	if (c->tls && tls_pending(c->tls))
		return 1;
	if (!have)
		return 0;
	n = ws_frame_parse(c->rbuf + c->roff, have, &f);
	return n == -1 || (n > 0 && have - (size_t)n >= f.len);
}

void wsc_free(struct wsc *c)
{
	if (c->tls)
		tls_free(c->tls);
	if (c->fd >= 0)
		close(c->fd);
	free(c->request);
	free(c->head);
	free(c->body);
	free(c->rbuf);
	free(c->msg);
	free(c->zmsg);
	if (c->z) {
		ws_deflate_free(c->z);
		free(c->z);
	}
	c->z = NULL;
	c->zmsg = NULL;
	c->tls = NULL;
	c->fd = -1;
	c->request = c->head = c->body = NULL;
	c->rbuf = c->msg = NULL;
	c->rlen = c->roff = c->rcap = c->msg_len = c->msg_cap = 0;
}

const char *wsc_close_name(unsigned code)
{
	switch (code) {
	case 1000: return "normal closure";
	case 1001: return "going away";
	case 1002: return "protocol error";
	case 1003: return "unsupported data";
	case 1005: return "no status";
	case 1006: return "abnormal closure";
	case 1007: return "invalid payload data";
	case 1008: return "policy violation";
	case 1009: return "message too big";
	case 1010: return "mandatory extension";
	case 1011: return "internal error";
	case 1012: return "service restart";
	case 1013: return "try again later";
	case 1014: return "bad gateway";
	case 1015: return "tls handshake";
	}
	if (code >= 3000 && code <= 3999)
		return "registered";
	if (code >= 4000 && code <= 4999)
		return "private use";
	return "unknown";
}
