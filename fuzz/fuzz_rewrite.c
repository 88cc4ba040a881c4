/*
 * fuzz_rewrite.c - what wsctl proxy decides about a request head
 * (proxy/rewrite.c), with no socket: a head the parser accepts is either
 * refused with a status in 400..505, or rewritten into a head that
 *  - parses whole, as HTTP/1.x, with the same method;
 *  - asks for an origin-form target ("/..." or "*");
 *  - has exactly one Host (for HTTP/1.1), and for an absolute-form
 *    target the target's authority as its value;
 *  - carries no header the client's Connection named (but the framing
 *    and routing ones), no hop-by-hop header but the proxy's own
 *    Connection and Upgrade, and one X-Real-IP, the client's;
 *  - has Connection "upgrade" exactly when the client asked to upgrade;
 *  - frames its body as the client's did.
 */
#include <stdint.h>

#include "fuzz/fuzz.h"
#include "proxy/rewrite.h"

#define MAXH 128
#define IP "192.0.2.7"

static size_t count(const struct http_header *h, size_t n, const char *name)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += http_ieq(h[i].name, h[i].name_len, name);
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_header h[MAXH], o[MAXH + 8];
	struct http_request rq = { .headers = h, .num_headers = MAXH };
	struct http_request out = { .headers = o, .num_headers = MAXH + 8 };
	struct req_info in;
	const struct http_header *v;
	static char buf[64 * 1024];
	const char *why;
	int st, len;

	if (http_parse_request((const char *)data, size, &rq) <= 0)
		return 0;
	st = request_inspect(&rq, &in, &why);
	if (st) {
		CONTRACT(st >= 400 && st <= 505);
		contract_oneline(why, 200);
		return 0;
	}
	len = request_rewrite(&rq, &in, IP, size & 1, buf, sizeof(buf));
	if (len < 0)
		return 0;
	CONTRACT(http_parse_request(buf, (size_t)len, &out) == len);
	CONTRACT(out.method_len == rq.method_len &&
		 !memcmp(out.method, rq.method, rq.method_len));
	CONTRACT(out.target[0] == '/' || (out.target_len == 1 &&
					  out.target[0] == '*'));
	if (rq.minor_version == 1)
		CONTRACT(count(o, out.num_headers, "host") == 1);
	if (in.authority_len) {
		v = http_find(o, out.num_headers, "host");
		CONTRACT(v && v->value_len == in.authority_len &&
			 !memcmp(v->value, in.authority, in.authority_len));
	}
	for (size_t i = 0; i < out.num_headers; i++) {
		const struct http_header *x = &o[i];
		int framing = http_ieq(x->name, x->name_len, "host") ||
			      http_ieq(x->name, x->name_len, "content-length") ||
			      http_ieq(x->name, x->name_len,
				       "transfer-encoding");

		CONTRACT(framing || !http_conn_opts_has(&in.opts, x->name,
							x->name_len) ||
			 http_ieq(x->name, x->name_len, "connection") ||
			 http_ieq(x->name, x->name_len, "upgrade") ||
			 http_ieq(x->name, x->name_len, "x-real-ip") ||
			 http_ieq(x->name, x->name_len, "x-forwarded-for") ||
			 http_ieq(x->name, x->name_len, "x-forwarded-proto"));
		CONTRACT(!http_ieq(x->name, x->name_len, "keep-alive") &&
			 !http_ieq(x->name, x->name_len, "proxy-connection") &&
			 !http_ieq(x->name, x->name_len, "te"));
	}
	CONTRACT(count(o, out.num_headers, "connection") == 1);
	CONTRACT(count(o, out.num_headers, "x-real-ip") == 1);
	v = http_find(o, out.num_headers, "x-real-ip");
	CONTRACT(v->value_len == strlen(IP) && !memcmp(v->value, IP, v->value_len));
	v = http_find(o, out.num_headers, "connection");
	CONTRACT(http_ieq(v->value, v->value_len,
			  in.upgrade_asked ? "upgrade" : "close"));
	CONTRACT(count(o, out.num_headers, "upgrade") == (size_t)in.upgrade_asked);
	CONTRACT(count(o, out.num_headers, "content-length") ==
		 count(h, rq.num_headers, "content-length"));
	CONTRACT(count(o, out.num_headers, "transfer-encoding") ==
		 count(h, rq.num_headers, "transfer-encoding"));
	return 0;
}
