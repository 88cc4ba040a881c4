/*
 * fuzz_http.c - the HTTP head parser (common/http_parse.c) against the
 * contract in common/http.h: the return is the head's length, -2 or -1;
 * every string points inside the head; names are tokens and values
 * hold no CR, LF or NUL; a complete head's every prefix is "need more";
 * bytes after the head change nothing; http_head_ended finds the same
 * end.  Request and response both, chosen by the first byte.
 */
#include <stdint.h>

#include "common/http.h"
#include "fuzz/fuzz.h"

#define MAXH 64

static void in_head(const char *p, size_t len, const char *buf, int r)
{
	CONTRACT(p >= buf && p + len <= buf + r);
}

static void check_headers(const struct http_header *h, size_t n,
			  const char *buf, int r)
{
	CONTRACT(n <= MAXH);
	for (size_t i = 0; i < n; i++) {
		in_head(h[i].name, h[i].name_len, buf, r);
		in_head(h[i].value, h[i].value_len, buf, r);
		CONTRACT(h[i].name_len > 0);
		for (size_t k = 0; k < h[i].name_len; k++)
			CONTRACT(http_is_tchar((unsigned char)h[i].name[k]));
		for (size_t k = 0; k < h[i].value_len; k++)
			CONTRACT(h[i].value[k] != '\r' && h[i].value[k] != '\n' &&
				 h[i].value[k] != '\0');
		if (h[i].value_len)
			CONTRACT(h[i].value[0] != ' ' &&
				 h[i].value[h[i].value_len - 1] != ' ');
	}
}

static int parse(int resp, const char *buf, size_t len, size_t *nh)
{
	struct http_header h[MAXH];
	int r;

	if (resp) {
		struct http_response rs = { .headers = h, .num_headers = MAXH };

		r = http_parse_response(buf, len, &rs);
		if (r > 0) {
			CONTRACT(rs.status >= 100 && rs.status <= 999);
			in_head(rs.reason, rs.reason_len, buf, r);
			check_headers(h, rs.num_headers, buf, r);
			*nh = rs.num_headers;
		}
	} else {
		struct http_request rq = { .headers = h, .num_headers = MAXH };

		r = http_parse_request(buf, len, &rq);
		if (r > 0) {
			CONTRACT(rq.minor_version == 0 || rq.minor_version == 1);
			in_head(rq.method, rq.method_len, buf, r);
			in_head(rq.target, rq.target_len, buf, r);
			CONTRACT(rq.method_len > 0 && rq.target_len > 0);
			check_headers(h, rq.num_headers, buf, r);
			*nh = rq.num_headers;
		}
	}
	CONTRACT(r == -1 || r == -2 || (r > 0 && (size_t)r <= len));
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int resp = size && (data[0] & 1);
	const char *buf = (const char *)data + (size > 0);
	size_t len = size - (size > 0), nh = 0, nh2 = 0, from = 0;
	int r;

	/* exactly len bytes, so that an over-read is ASan's to see */
	char *copy = malloc(len ? len : 1);

	memcpy(copy, buf, len);
	r = parse(resp, copy, len, &nh);
	if (r > 0) {
		/* no prefix of a good head is complete, nor refused */
		for (size_t cut = 0; cut < (size_t)r; cut += 1 + cut / 8)
			CONTRACT(parse(resp, copy, cut, &nh2) == -2);
		/* and what follows it is not its business */
		CONTRACT(parse(resp, copy, (size_t)r, &nh2) == r && nh2 == nh);
		CONTRACT(http_head_ended(copy, (size_t)r, &from) == 1);
	}
	free(copy);
	return 0;
}
