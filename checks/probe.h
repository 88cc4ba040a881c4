/*
 * probe.h - what checks share: opening a connection the way the run is
 * configured, asking the backends what they received, and echoing.
 */
#ifndef WSCTL_PROBE_H
#define WSCTL_PROBE_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "checks/check.h"
#include "common/wsc.h"

/* Options for a connection to c->url: deadline, TLS settings. */
void probe_opts(struct check_ctx *c, struct wsc_opts *o);

/*
 * Open w to c->url with o (from probe_opts, possibly extended) plus a
 * fresh "X-Wsctl-Probe" header whose token goes to token (when not NULL),
 * and the extra header lines hdrs[0..n).  Keeps the request and response
 * heads as evidence and notes the proxy's Server header.  Returns the
 * wsc_open result with its message in err.
 */
int probe_open(struct check_ctx *c, struct wsc *w, struct wsc_opts *o,
	       const char *const *hdrs, size_t n, char token[33], char *err,
	       size_t errlen);

/*
 * Fail c because a handshake did not complete: expected a 101, observed
 * what err says.  Returns -1, so callers can "return probe_failed(...)".
 */
int probe_failed(struct check_ctx *c, const char *err);

/*
 * The backends' record of the request that carried token, or NULL (then
 * c has an error verdict).  Sets *backend to its index when not NULL.
 * The record goes into the evidence; the caller frees it.
 */
cJSON *probe_record(struct check_ctx *c, const char *token, int *backend);

/*
 * The value of header name (case-insensitive) in a record, all its lines
 * joined with ", ", into buf; returns buf, or NULL when there is none.
 */
const char *record_header(const cJSON *rec, const char *name, char *buf,
			  size_t len);

/* The request line's version in a record ("HTTP/1.1"), or "". */
const char *record_version(const cJSON *rec);

/*
 * Send a message and wait for its echo, skipping pongs.  Returns 0 when
 * the same opcode and bytes came back; otherwise fails c (naming what)
 * and returns -1.
 */
int probe_echo(struct check_ctx *c, struct wsc *w, unsigned opcode,
	       const void *data, size_t len, const char *what);

/* Which backend served w: from X-Wsctl-Backend, else by token; or -1. */
int probe_backend(struct check_ctx *c, const struct wsc *w, const char *token);

/* The local address of w's socket without the port, into buf. */
char *probe_client_ip(const struct wsc *w, char *buf, size_t len);

/* Sleep ms milliseconds (never past the check's deadline). */
void probe_sleep(struct check_ctx *c, int ms);

#endif
