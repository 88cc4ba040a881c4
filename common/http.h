/*
 * http.h - an HTTP/1.x head parser in the picohttpparser manner: it never
 * allocates and never copies; every string points into the caller's
 * buffer.  It is strict, because the proxy forwards only what it parsed:
 * lines end in CRLF; NUL, bare CR, bare LF, other control characters in a
 * value, obs-fold, and white space before a colon are invalid.  The
 * version is HTTP/1.0 or HTTP/1.1, the request-target visible ASCII, the
 * method and header names RFC 9110 tokens.  A status line may leave out
 * the space before an empty reason phrase.
 */
#ifndef WSCTL_HTTP_H
#define WSCTL_HTTP_H

#include <stddef.h>
#include <stdint.h>

struct http_header {
	const char *name;
	size_t name_len;
	const char *value;	/* optional white space trimmed at both ends */
	size_t value_len;
};

struct http_request {
	const char *method;
	size_t method_len;
	const char *target;	/* the request-target, as sent */
	size_t target_len;
	int minor_version;	/* HTTP/1.<minor_version> */
	struct http_header *headers;	/* caller's array */
	size_t num_headers;	/* in: the array's size; out: headers found */
};

struct http_response {
	int minor_version;
	int status;		/* 100..999 */
	const char *reason;
	size_t reason_len;
	struct http_header *headers;
	size_t num_headers;	/* in: the array's size; out: headers found */
};

/*
 * Parse the request head in buf[0..len).  Returns the head's length, up to
 * and including the blank line, -2 when the head is not complete yet, or
 * -1 when it is invalid (including more headers than req->num_headers).
 * On -2 and -1 *req is unspecified.
 */
int http_parse_request(const char *buf, size_t len, struct http_request *req);

/* The same for a response head. */
int http_parse_response(const char *buf, size_t len, struct http_response *res);

/*
 * Whether buf[0..len) holds the CRLF CRLF that ends a head, searching
 * from where the last search of the same growing buffer stopped: *from
 * (0 at first) is set to len.  So a head that comes a byte at a time is
 * searched once in all, and parsed once when this says it is there.
 */
int http_head_ended(const char *buf, size_t len, size_t *from);

/* 1 when c is an RFC 9110 5.6.2 tchar (a byte of a token), in any locale. */
int http_is_tchar(unsigned char c);

/*
 * http_fields.c: reading field values.
 *
 * The first header named name (case-insensitive) among h[0..n), or NULL.
 */
const struct http_header *http_find(const struct http_header *h, size_t n,
				    const char *name);

/*
 * Returns 1 when the comma-separated list value[0..len) holds the token
 * tok[0..toklen), compared case-insensitively ("keep-alive, Upgrade"
 * holds "upgrade"); empty elements and white space around one are
 * skipped, as RFC 9110 5.6.1 asks.
 */
int http_list_has(const char *value, size_t len, const char *tok,
		  size_t toklen);

/* The same for a NUL-terminated token. */
int http_has_token(const char *value, size_t len, const char *token);

/* 1 when any header named name among h[0..n) lists token: a list may be
 * split over several lines (RFC 9110 5.3). */
int http_any_token(const struct http_header *h, size_t n, const char *name,
		   const char *token);

/*
 * The options named by every Connection header of a head, read once so
 * that dropping the headers they name (RFC 9110 7.6.1) costs one short
 * list per header, not a scan of the head.  The strings point into the
 * head.
 */
#define HTTP_CONN_OPTS_MAX 32
struct http_conn_opts {
	const char *opt[HTTP_CONN_OPTS_MAX];
	size_t len[HTTP_CONN_OPTS_MAX];
	size_t n;
};

/* Fill *o from h[0..n).  Returns 0, or -1 when they name more than
 * HTTP_CONN_OPTS_MAX distinct options (no real client does). */
int http_conn_opts_read(struct http_conn_opts *o, const struct http_header *h,
			size_t n);

/* 1 when *o names name[0..len), case-insensitively. */
int http_conn_opts_has(const struct http_conn_opts *o, const char *name,
		       size_t len);

/*
 * A Content-Length value (RFC 9110 8.6): one to HTTP_LENGTH_DIGITS
 * decimal digits, nothing else: no sign, no white space, no list.
 * Returns 0 with *out set, or -1.
 */
#define HTTP_LENGTH_DIGITS 18
int http_parse_length(const char *v, size_t len, uint64_t *out);

/*
 * The body length all Content-Length headers of h[0..n) give.  Several
 * are accepted only when every one is valid and they agree.  Returns 1
 * with *out set, 0 when there is none, -1 when one is invalid or they
 * disagree.
 */
int http_content_length(const struct http_header *h, size_t n,
			uint64_t *out);

/* Whether header *h is called lit (a string literal), case-insensitively:
 * the lengths first, so that rules over thousands of headers cost a
 * compare each, not a string walk each. */
#define HTTP_NAME_IS(h, lit) ((h)->name_len == sizeof(lit) - 1 && \
			      http_ieq((h)->name, (h)->name_len, lit))

/* Case-insensitive comparison of s[0..len) with the C string lit. */
int http_ieq(const char *s, size_t len, const char *lit);

/* The reason phrase for status ("Not Found"); for a code without one
 * here, "Client Error" or "Server Error" by its class. */
const char *http_reason(int status);

#endif
