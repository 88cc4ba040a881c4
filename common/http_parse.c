/*
 * http_parse.c - the HTTP/1.x head parser declared in http.h.
 *
 * Every step reads through a cursor that stops at the end of the buffer
 * and answers -2 there, so a head can arrive in any number of pieces and
 * is re-parsed from the start each time; malformed input is refused as
 * soon as the offending byte is seen, without waiting for the blank line.
 */
#include <limits.h>
#include <string.h>

#include "common/http.h"

#define NEED_MORE (-2)
#define INVALID (-1)

int http_is_tchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'))
		return 1;
	switch (c) {
	case '!': case '#': case '$': case '%': case '&': case '\'':
	case '*': case '+': case '-': case '.': case '^': case '_':
	case '`': case '|': case '~':
		return 1;
	}
	return 0;
}

/* RFC 9110 5.5: field-vchar, SP and HTAB; also fine in a reason phrase */
static int is_text(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

int http_ieq(const char *s, size_t len, const char *lit)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!lit[i] || lower((unsigned char)s[i]) !=
			       lower((unsigned char)lit[i]))
			return 0;
	return lit[i] == '\0';
}

/* Consume CRLF at *pp. */
static int crlf(const char **pp, const char *end)
{
	const char *p = *pp;

	if (p == end)
		return NEED_MORE;
	if (*p++ != '\r')
		return INVALID;
	if (p == end)
		return NEED_MORE;
	if (*p++ != '\n')
		return INVALID;
	*pp = p;
	return 0;
}

/* Consume one byte c at *pp. */
static int byte(const char **pp, const char *end, char c)
{
	if (*pp == end)
		return NEED_MORE;
	if (**pp != c)
		return INVALID;
	(*pp)++;
	return 0;
}

/* A non-empty token ending in delim; delim is consumed, not kept. */
static int token(const char **pp, const char *end, char delim,
		 const char **tok, size_t *len)
{
	const char *p = *pp;

	while (p < end && http_is_tchar(*p))
		p++;
	if (p == end)
		return NEED_MORE;
	if (*p != delim || p == *pp)
		return INVALID;
	*tok = *pp;
	*len = p - *pp;
	*pp = p + 1;
	return 0;
}

/* "HTTP/1.0" or "HTTP/1.1", nothing else. */
static int version(const char **pp, const char *end, int *minor)
{
	static const char prefix[] = "HTTP/1.";
	const char *p = *pp;

	for (size_t i = 0; i < sizeof(prefix) - 1; i++, p++) {
		if (p == end)
			return NEED_MORE;
		if (*p != prefix[i])
			return INVALID;
	}
	if (p == end)
		return NEED_MORE;
	if (*p != '0' && *p != '1')
		return INVALID;
	*minor = *p - '0';
	*pp = p + 1;
	return 0;
}

/* Header lines up to and including the blank line. */
static int headers(const char **pp, const char *end, struct http_header *h,
		   size_t *num)
{
	const char *p = *pp;
	size_t max = *num, n = 0;
	int r;

	for (;;) {
		const char *v, *ve;
		struct http_header *cur;

		if (p == end)
			return NEED_MORE;
		if (*p == '\r') {
			if ((r = crlf(&p, end)) != 0)
				return r;
			break;
		}
		/* the check waits for a header line to begin, not just a CR */
		if (n == max)
			return INVALID;
		cur = &h[n];
		/* a line starting with white space (obs-fold) has no name */
		if ((r = token(&p, end, ':', &cur->name, &cur->name_len)) != 0)
			return r;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		v = p;
		while (p < end && *p != '\r' && is_text(*p))
			p++;
		if (p == end)
			return NEED_MORE;
		ve = p;
		if ((r = crlf(&p, end)) != 0)
			return r;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		cur->value = v;
		cur->value_len = ve - v;
		n++;
	}
	*num = n;
	*pp = p;
	return 0;
}

int http_parse_request(const char *buf, size_t len, struct http_request *req)
{
	const char *p = buf, *end, *t;
	int r;

	/* the length must fit the return value */
	end = buf + (len > INT_MAX ? INT_MAX : len);
	if ((r = token(&p, end, ' ', &req->method, &req->method_len)) != 0)
		return r;
	/* request-target: visible ASCII, as RFC 3986 allows nothing else */
	for (t = p; p < end && *p > 0x20 && *p < 0x7f; p++)
		;
	if (p == end)
		return NEED_MORE;
	if (*p != ' ' || p == t)
		return INVALID;
	req->target = t;
	req->target_len = p - t;
	p++;
	if ((r = version(&p, end, &req->minor_version)) != 0 ||
	    (r = crlf(&p, end)) != 0 ||
	    (r = headers(&p, end, req->headers, &req->num_headers)) != 0)
		return r;
	return p - buf;
}

int http_parse_response(const char *buf, size_t len, struct http_response *res)
{
	const char *p = buf, *end, *t;
	int r;

	end = buf + (len > INT_MAX ? INT_MAX : len);
	if ((r = version(&p, end, &res->minor_version)) != 0 ||
	    (r = byte(&p, end, ' ')) != 0)
		return r;
	res->status = 0;
	for (int i = 0; i < 3; i++, p++) {
		if (p == end)
			return NEED_MORE;
		if (*p < '0' || *p > '9' || (i == 0 && *p == '0'))
			return INVALID;
		res->status = res->status * 10 + (*p - '0');
	}
	/* "HTTP/1.1 101\r\n": the SP before an empty reason is often cut */
	if (p == end)
		return NEED_MORE;
	if (*p == ' ')
		p++;
	else if (*p != '\r')
		return INVALID;
	for (t = p; p < end && *p != '\r' && is_text(*p); p++)
		;
	if (p == end)
		return NEED_MORE;
	res->reason = t;
	res->reason_len = p - t;
	if ((r = crlf(&p, end)) != 0 ||
	    (r = headers(&p, end, res->headers, &res->num_headers)) != 0)
		return r;
	return p - buf;
}

int http_head_ended(const char *buf, size_t len, size_t *from)
{
	size_t i = *from > 3 ? *from - 3 : 0;

	for (; i + 4 <= len; i++) {
		const char *p = memchr(buf + i, '\r', len - 3 - i);

		if (!p)
			break;
		i = p - buf;
		if (p[1] == '\n' && p[2] == '\r' && p[3] == '\n') {
			*from = len;
			return 1;
		}
	}
	*from = len;
	return 0;
}
