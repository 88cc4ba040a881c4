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
 * The first header named name (case-insensitive) among h[0..n), or NULL.
 */
const struct http_header *http_find(const struct http_header *h, size_t n,
				    const char *name);

/*
 * Returns 1 when the comma-separated list value[0..len) holds token,
 * compared case-insensitively ("keep-alive, Upgrade" holds "upgrade").
 */
int http_has_token(const char *value, size_t len, const char *token);

/* Case-insensitive comparison of s[0..len) with the C string lit. */
int http_ieq(const char *s, size_t len, const char *lit);

/* The reason phrase for status ("Not Found"); for a code without one
 * here, "Client Error" or "Server Error" by its class. */
const char *http_reason(int status);

#endif
