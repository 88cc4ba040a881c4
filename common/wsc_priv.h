/*
 * wsc_priv.h - what the wsc_*.c files share and callers never see: the
 * byte transport under a connection (plain TCP or TLS), with deadlines.
 */
#ifndef WSCTL_WSC_PRIV_H
#define WSCTL_WSC_PRIV_H

#include <stdarg.h>

#include "common/clock.h"
#include "common/wsc.h"
#include "common/ws_deflate.h"

#define WSC_RBUF_MIN (16 * 1024)

/* A deadline on the clock_ms() clock for timeout_ms; -1 means never. */
int64_t wsc_deadline(int timeout_ms);

/*
 * Read once more into c->rbuf, making room so that need bytes can sit
 * from c->roff on (need may not pass max_message + WS_MAX_HDR, nor
 * WSC_HEAD_MAX for a head).  Waits until deadline.  Returns WSC_OK when at
 * least one byte came, WSC_ERR_TIMEOUT, WSC_ERR_EOF or WSC_ERR_IO (err
 * filled for the last two; the caller says what a timeout meant).
 */
int wsc_io_fill(struct wsc *c, size_t need, int64_t deadline, char *err,
		size_t errlen);

/* Write all of buf by deadline.  Returns WSC_OK, WSC_ERR_TIMEOUT or
 * WSC_ERR_IO, with err filled. */
int wsc_io_write(struct wsc *c, const void *buf, size_t len,
		 int64_t deadline, char *err, size_t errlen);

/*
 * After a response head other than 101: keep the start of its body in
 * c->body (see wsc_body.c).  Never fails; a body that does not come in
 * time is simply shorter.
 */
void wsc_read_body(struct wsc *c, int64_t deadline);

/* A protocol error: c->fail_code is code, err the message; returns
 * WSC_ERR_PROTO. */
int wsc_proto(struct wsc *c, unsigned code, char *err, size_t errlen,
	      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/*
 * wsc_deflate.c.  wsc_deflate_agree judges the 101's extensions h against
 * what was offered and sets up c->z when permessage-deflate is agreed;
 * returns WSC_OK or WSC_ERR_UPGRADE.  wsc_deflate_send sends a
 * compressed message.  wsc_inflate inflates the payload p[0..len) of the
 * message m (opcode set) into c->zmsg and points m at it, checking the
 * size and UTF-8; returns WSC_OK, WSC_ERR_PROTO or WSC_ERR_IO.
 */
int wsc_deflate_agree(struct wsc *c, const struct http_header *h, char *err,
		      size_t errlen);
int wsc_deflate_send(struct wsc *c, unsigned opcode, const void *data,
		     size_t len, char *err, size_t errlen);
int wsc_inflate(struct wsc *c, const uint8_t *p, size_t len, struct wsc_msg *m,
		char *err, size_t errlen);

/* Fill err with the printf-style message and return rc. */
int wsc_fail(int rc, char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
