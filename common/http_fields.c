/*
 * http_fields.c - reading field values: finding a header, token lists
 * (RFC 9110 5.6.1), the options a Connection header names, and
 * Content-Length.  Everything that judges a header's value does it here,
 * once, so that the proxy, the echo backends, the client and the checks
 * cannot read the same bytes differently.
 */
#include "common/http.h"

const struct http_header *http_find(const struct http_header *h, size_t n,
				    const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (http_ieq(h[i].name, h[i].name_len, name))
			return &h[i];
	return NULL;
}

/* Case-insensitive equality of two counted strings. */
static int ieq_n(const char *a, size_t alen, const char *b, size_t blen)
{
	if (alen != blen)
		return 0;
	for (size_t i = 0; i < alen; i++) {
		unsigned char x = a[i], y = b[i];

		if (x >= 'A' && x <= 'Z')
			x += 'a' - 'A';
		if (y >= 'A' && y <= 'Z')
			y += 'a' - 'A';
		if (x != y)
			return 0;
	}
	return 1;
}

/*
 * The next element of the list at *pp (before end): white space and
 * empty elements skipped, the element trimmed.  Returns 1 with *s, *len
 * set, or 0 at the end.
 */
static int next_elem(const char **pp, const char *end, const char **s,
		     size_t *len)
{
	const char *p = *pp, *b, *e;

	for (;;) {
		while (p < end && (*p == ' ' || *p == '\t' || *p == ','))
			p++;
		if (p == end) {
			*pp = p;
			return 0;
		}
		for (b = p; p < end && *p != ','; p++)
			;
		for (e = p; e > b && (e[-1] == ' ' || e[-1] == '\t'); e--)
			;
		if (e > b)
			break;
	}
	*pp = p;
	*s = b;
	*len = e - b;
	return 1;
}

int http_list_has(const char *value, size_t len, const char *tok,
		  size_t toklen)
{
	const char *p = value, *end = value + len, *s;
	size_t n;

	while (next_elem(&p, end, &s, &n))
		if (ieq_n(s, n, tok, toklen))
			return 1;
	return 0;
}

int http_has_token(const char *value, size_t len, const char *token)
{
	size_t tl = 0;

	while (token[tl])
		tl++;
	return http_list_has(value, len, token, tl);
}

int http_any_token(const struct http_header *h, size_t n, const char *name,
		   const char *token)
{
	for (size_t i = 0; i < n; i++)
		if (http_ieq(h[i].name, h[i].name_len, name) &&
		    http_has_token(h[i].value, h[i].value_len, token))
			return 1;
	return 0;
}

int http_conn_opts_read(struct http_conn_opts *o, const struct http_header *h,
			size_t n)
{
	o->n = 0;
	for (size_t i = 0; i < n; i++) {
		const char *p, *end, *s;
		size_t len;

		if (!HTTP_NAME_IS(&h[i], "connection"))
			continue;
		p = h[i].value;
		end = p + h[i].value_len;
		while (next_elem(&p, end, &s, &len)) {
			if (http_conn_opts_has(o, s, len))
				continue;
			if (o->n == HTTP_CONN_OPTS_MAX)
				return -1;
			o->opt[o->n] = s;
			o->len[o->n++] = len;
		}
	}
	return 0;
}

int http_conn_opts_has(const struct http_conn_opts *o, const char *name,
		       size_t len)
{
	for (size_t i = 0; i < o->n; i++)
		if (ieq_n(o->opt[i], o->len[i], name, len))
			return 1;
	return 0;
}

int http_parse_length(const char *v, size_t len, uint64_t *out)
{
	uint64_t n = 0;

	if (len == 0 || len > HTTP_LENGTH_DIGITS)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		n = n * 10 + (uint64_t)(v[i] - '0');
	}
	*out = n;
	return 0;
}

int http_content_length(const struct http_header *h, size_t n,
			uint64_t *out)
{
	int seen = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t v;

		if (!HTTP_NAME_IS(&h[i], "content-length"))
			continue;
		if (http_parse_length(h[i].value, h[i].value_len, &v) < 0 ||
		    (seen && v != *out))
			return -1;
		*out = v;
		seen = 1;
	}
	return seen;
}
