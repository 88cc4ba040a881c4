/*
 * headers.c - headers.*: what the backend sees of the client, read from
 * the backend's own record of the handshake.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "checks/backends.h"
#include "checks/probe.h"
#include "checks/run.h"
#include "common/addr.h"
#include "common/http.h"

#define XFF_SENT "203.0.113.7"

static const char *const hdrs[] = { "X-Forwarded-For: " XFF_SENT,
				    "Sec-WebSocket-Extensions: x-wsctl-check" };
static const char *const protos[] = { "wsctl.check" };

/*
 * Open a connection carrying a probe (and X-Forwarded-For: 203.0.113.7),
 * fetch the backend's record, and note our address as the proxy saw it
 * and, when sent is not NULL, the Sec-WebSocket-* headers the request
 * carried ("Name: value" each, in the order of names[]).  The handshake
 * need not succeed: a proxy that drops the upgrade still delivers a
 * request whose headers can be judged.
 */
/* The Origin a browser on the target's page sends: "https://host:port". */
static void origin_of(const char *url, char *out, size_t len)
{
	char err[128], host[300];
	struct url u;

	if (url_parse(url, &u, err, sizeof(err)) < 0) {
		out[0] = '\0';
		return;
	}
	snprintf(out, len, "%s://%s", u.tls ? "https" : "http",
		 url_host_header(&u, host, sizeof(host)));
}

static cJSON *seen_sent(struct check_ctx *c, char *client_ip, size_t iplen,
			char *host, size_t hostlen, const char *const *names,
			char (*sent)[256], size_t nnames)
{
	struct wsc w;
	struct wsc_opts o;
	char token[33], err[512], origin[320];
	cJSON *rec = NULL;
	int rc;

	probe_opts(c, &o);
	/* every probe is a browser's: same-origin checks compare this */
	origin_of(c->url, origin, sizeof(origin));
	if (origin[0])
		o.origin = origin;
	o.protocols = protos;
	o.nprotocols = 1;
	rc = probe_open(c, &w, &o, hdrs, 2, token, err, sizeof(err));
	c->res->no_tunnel = 0;	/* what the backend got is judged anyway */
	if (rc == WSC_ERR_CONNECT || rc == WSC_ERR_TLS || rc == WSC_ERR_REQUEST) {
		check_error(c, "%s", err);
		goto out;
	}
	probe_client_ip(&w, client_ip, iplen);
	url_host_header(&w.url, host, hostlen);
	for (size_t i = 0; i < nnames; i++) {
		const struct http_header *h = http_find(w.sent, w.nsent,
							names[i]);

		sent[i][0] = 0;
		if (h)
			snprintf(sent[i], sizeof(sent[i]), "%s: %.*s", names[i],
				 (int)h->value_len, h->value);
	}
	rec = probe_record(c, token, NULL);
out:
	wsc_free(&w);
	return rec;
}

static cJSON *seen(struct check_ctx *c, char *client_ip, size_t iplen,
		   char *host, size_t hostlen)
{
	return seen_sent(c, client_ip, iplen, host, hostlen, NULL, NULL, 0);
}

/*
 * What production's backend will see: the client's Host, port included
 * when it is not the scheme's, because that is what a browser's Origin
 * carries and what same-origin checks (gorilla/websocket, Django
 * Channels) compare it with; and the Origin itself, unchanged.
 */
static void run_host(struct check_ctx *c)
{
	char hbuf[1024], obuf[1024];
	char ip[64], host[300], bare[300], origin[320], *colon;
	const char *got, *orig;
	cJSON *rec = seen(c, ip, sizeof(ip), host, sizeof(host));

	if (!rec)
		return;
	got = record_header(rec, "Host", hbuf, sizeof(hbuf));
	orig = record_header(rec, "Origin", obuf, sizeof(obuf));
	origin_of(c->url, origin, sizeof(origin));
	snprintf(bare, sizeof(bare), "%s", host);
	colon = strrchr(bare, ':');
	if (colon && !strchr(colon, ']'))
		*colon = 0;
	if (got && !strcmp(got, host) && orig && !strcmp(orig, origin))
		check_pass(c, "Host: %s, Origin: %s", got, orig);
	else if (got && !strcmp(got, host))
		check_fail(c, origin, "Origin: %s (the Origin must arrive as the "
			   "browser sent it)", orig ? orig : "(none)");
	else if (got && strcmp(host, bare) && !strcmp(got, bare))
		check_fail(c, host, "Host: %s: the port was dropped, so a "
			   "backend that compares Origin %s with Host refuses browsers, and "
			   "absolute URLs it builds go to the wrong port", got,
			   origin);
	else
		check_fail(c, host, "%s%s", got ? got : "no Host",
			   got ? " (the proxy's upstream name, not the "
			   "client's Host)" : "");
	cJSON_Delete(rec);
}

static void run_x_real_ip(struct check_ctx *c)
{
	char hbuf[1024];
	char ip[64], host[300];
	const char *got;
	cJSON *rec = seen(c, ip, sizeof(ip), host, sizeof(host));

	if (!rec)
		return;
	got = record_header(rec, "X-Real-IP", hbuf, sizeof(hbuf));
	if (got && !strcmp(got, ip))
		check_pass(c, "X-Real-IP: %s", got);
	else
		check_fail(c, ip, "%s", got ? got : "no X-Real-IP");
	cJSON_Delete(rec);
}

/* Compare comma-separated lists element by element, ignoring spaces. */
static int same_list(const char *a, const char *b)
{
	for (;;) {
		while (*a == ' ' || *a == '\t')
			a++;
		while (*b == ' ' || *b == '\t')
			b++;
		if (!*a || !*b)
			return !*a && !*b;
		if (*a != *b)
			return 0;
		a++;
		b++;
	}
}

static void run_x_forwarded_for(struct check_ctx *c)
{
	char hbuf[1024];
	char ip[64], host[300], want[128];
	const char *got;
	cJSON *rec = seen(c, ip, sizeof(ip), host, sizeof(host));

	if (!rec)
		return;
	snprintf(want, sizeof(want), XFF_SENT ", %s", ip);
	got = record_header(rec, "X-Forwarded-For", hbuf, sizeof(hbuf));
	if (got && same_list(got, want))
		check_pass(c, "X-Forwarded-For: %s", got);
	else if (got && !strcmp(got, ip))
		check_fail(c, want, "%s (overwritten: the client's list is "
			   "lost; append to it)", got);
	else if (got && !strcmp(got, XFF_SENT))
		check_fail(c, want, "%s (passed on without the client's address: "
			   "the proxy does not set X-Forwarded-For)", got);
	else
		check_fail(c, want, "%s", got ? got : "no X-Forwarded-For");
	cJSON_Delete(rec);
}

/* The proto= of a Forwarded header ("for=1.2.3.4;proto=https"), or "". */
static void forwarded_proto(const char *fwd, char *out, size_t len)
{
	const char *p;
	size_t n;

	out[0] = '\0';
	for (p = fwd; p && *p; p++) {
		if (strncasecmp(p, "proto=", 6) || (p != fwd && p[-1] != ';' &&
						    p[-1] != ' ' && p[-1] != ','))
			continue;
		p += 6;
		if (*p == '"')
			p++;
		n = strcspn(p, "\";, ");
		snprintf(out, len, "%.*s", (int)n, p);
		return;
	}
}

/*
 * Behind TLS the backend must learn the client used it (secure cookies,
 * Origin checks, absolute URLs); through a plain listener it must not be
 * told https; and the value is http or https, not the WebSocket scheme
 * (Tomcat's RemoteIpValve refuses "wss").
 */
static void run_forwarded_proto(struct check_ctx *c)
{
	char hbuf[1024], fbuf[1024], ip[64], host[300], fproto[32], err[128];
	const char *xfp, *fwd, *got;
	struct url u;
	cJSON *rec;

	if (url_parse(c->url, &u, err, sizeof(err)) < 0) {
		check_error(c, "%s", err);
		return;
	}
	if (!(rec = seen(c, ip, sizeof(ip), host, sizeof(host))))
		return;
	xfp = record_header(rec, "X-Forwarded-Proto", hbuf, sizeof(hbuf));
	fwd = record_header(rec, "Forwarded", fbuf, sizeof(fbuf));
	forwarded_proto(fwd, fproto, sizeof(fproto));
	got = xfp ? xfp : fproto[0] ? fproto : NULL;
	if (got && strcasecmp(got, "http") && strcasecmp(got, "https"))
		check_fail(c, u.tls ? "https" : "http or none", "%s: %s (a "
			   "scheme is http or https)", xfp ?
			   "X-Forwarded-Proto" : "Forwarded proto", got);
	else if (u.tls && !got)
		check_fail(c, "X-Forwarded-Proto: https (or Forwarded: proto=https)",
			   "neither: the backend cannot tell the client used wss "
			   "(secure cookies and Origin checks go wrong)");
	else if (u.tls && strcasecmp(got, "https"))
		check_fail(c, "https", "%s: %s through a TLS listener", xfp ?
			   "X-Forwarded-Proto" : "Forwarded proto", got);
	else if (!u.tls && got && !strcasecmp(got, "https"))
		check_fail(c, "http or none", "%s: https through a plain "
			   "listener", xfp ? "X-Forwarded-Proto" : "Forwarded proto");
	else if (got)
		check_pass(c, "%s: %s", xfp ? "X-Forwarded-Proto" :
			   "Forwarded proto", got);
	else
		check_pass(c, "not told https (no X-Forwarded-Proto) through a "
			   "plain listener");
	cJSON_Delete(rec);
}

static void run_upgrade_connection(struct check_ctx *c)
{
	char hbuf[1024], hbuf2[1024];
	char ip[64], host[300];
	const char *up, *conn;
	cJSON *rec = seen(c, ip, sizeof(ip), host, sizeof(host));

	if (!rec)
		return;
	up = record_header(rec, "Upgrade", hbuf, sizeof(hbuf));
	conn = record_header(rec, "Connection", hbuf2, sizeof(hbuf2));
	if (up && http_ieq(up, strlen(up), "websocket") && conn &&
	    http_has_token(conn, strlen(conn), "upgrade"))
		check_pass(c, "Upgrade: %s, Connection: %s", up, conn);
	else
		check_fail(c, "Upgrade: websocket, Connection: upgrade",
			   "Upgrade: %s, Connection: %s", up ? up : "(none)",
			   conn ? conn : "(none)");
	cJSON_Delete(rec);
}

static void run_http_version(struct check_ctx *c)
{
	char ip[64], host[300];
	const char *v;
	cJSON *rec = seen(c, ip, sizeof(ip), host, sizeof(host));

	if (!rec)
		return;
	v = record_version(rec);
	if (!strcmp(v, "HTTP/1.1"))
		check_pass(c, "%s", v);
	else
		check_fail(c, "HTTP/1.1", "%s%s", v[0] ? v : "(unknown)",
			   !strcmp(v, "HTTP/1.0") ?
			   " (HTTP/1.0 has no Upgrade)" : "");
	cJSON_Delete(rec);
}

static void run_websocket_passthrough(struct check_ctx *c)
{
	static const char *const names[] = { "Sec-WebSocket-Key",
		"Sec-WebSocket-Version", "Sec-WebSocket-Protocol",
		"Sec-WebSocket-Extensions" };
	char hbuf[1024], sent[4][256], ip[64], host[300];
	cJSON *rec = seen_sent(c, ip, sizeof(ip), host, sizeof(host), names,
			       sent, 4);

	if (!rec)
		return;
	for (size_t i = 0; i < 4; i++) {
		const char *got = record_header(rec, names[i], hbuf, sizeof(hbuf));
		size_t nl = strlen(names[i]) + 2;

		if (!sent[i][0])
			continue;
		if (!got || strcmp(got, sent[i] + nl)) {
			check_fail(c, sent[i], "%s: %s", names[i],
				   got ? got : "(none)");
			goto out;
		}
	}
	check_pass(c, "all four arrived unchanged");
out:
	cJSON_Delete(rec);
}

const struct check headers_checks[] = {
	{ "headers.host", "RFC 9110 7.2; nginx proxy_set_header",
	  "the backend sees the client's Host", run_host, NEEDS_BACKENDS },
	{ "headers.x-real-ip", "nginx proxy_set_header X-Real-IP $remote_addr",
	  "the backend's X-Real-IP is the client's address", run_x_real_ip,
	  NEEDS_BACKENDS },
	{ "headers.x-forwarded-for", "nginx $proxy_add_x_forwarded_for",
	  "the client's address is appended to X-Forwarded-For",
	  run_x_forwarded_for, NEEDS_BACKENDS },
	{ "headers.forwarded-proto", "RFC 7239 5.4; nginx $scheme",
	  "behind TLS the backend is told https, through plain HTTP not",
	  run_forwarded_proto, NEEDS_BACKENDS },
	{ "headers.upgrade-connection", "RFC 6455 4.1; RFC 9110 7.6.1",
	  "the backend sees Upgrade: websocket and Connection: upgrade",
	  run_upgrade_connection, NEEDS_BACKENDS },
	{ "headers.http-version", "RFC 6455 4.1",
	  "the backend receives the handshake as HTTP/1.1", run_http_version,
	  NEEDS_BACKENDS },
	{ "headers.websocket-passthrough", "RFC 6455 4.1, 9.1",
	  "Sec-WebSocket-Key, -Version, -Protocol and -Extensions arrive unchanged",
	  run_websocket_passthrough, NEEDS_BACKENDS },
	{ NULL, NULL, NULL, NULL, 0 },
};
