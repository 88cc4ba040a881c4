/*
 * wsc_priv.h - what the wsc_*.c files share and callers never see: the
 * byte transport under a connection (plain TCP or TLS), with deadlines.
 */
#ifndef WSCTL_WSC_PRIV_H
#define WSCTL_WSC_PRIV_H

#include <stdarg.h>

#include "common/clock.h"
#include "common/wsc.h"

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

/* Fill err with the printf-style message and return rc. */
int wsc_fail(int rc, char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
