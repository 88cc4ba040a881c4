/*
 * addr.c - host:port and URLs as users write them.  Syntax only: whether
 * a name resolves is net.c's business.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/addr.h"
#include "common/err.h"

/* A decimal port s[0..n), 0..65535, into *port.  Returns 0 or -1. */
static int parse_port(const char *s, size_t n, uint16_t *port)
{
	unsigned v = 0;

	if (n == 0 || n > 5)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v > 65535)
		return -1;
	*port = v;
	return 0;
}

static int all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return n > 0;
}

/* A DNS name or an IPv4 address: letters, digits, '-', '.', '_'. */
static int name_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];

		/* ASCII, whatever the locale's isalnum would say */
		if (!((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' &&
		      (c | 0x20) <= 'z')) && c != '-' && c != '.' && c != '_')
			return 0;
	}
	return n > 0;
}

/*
 * The inside of "[...]": an IPv6 address, optionally with a zone
 * ("fe80::1%eth0").  inet_pton has the last word on the address.
 */
static int v6_ok(const char *s, size_t n)
{
	char tmp[64];
	const char *zone = memchr(s, '%', n);
	size_t alen = zone ? (size_t)(zone - s) : n;
	struct in6_addr a;

	if (alen == 0 || alen >= sizeof(tmp))
		return 0;
	memcpy(tmp, s, alen);
	tmp[alen] = '\0';
	if (inet_pton(AF_INET6, tmp, &a) != 1)
		return 0;
	return !zone || name_ok(zone + 1, n - alen - 1);
}

static int copy_host(char *dst, size_t dstlen, const char *s, size_t n)
{
	if (n >= dstlen)
		return -1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

/*
 * Split s[0..n) into host and port.  *port_s is NULL when no port was
 * written.  The host is checked; the port is left to the caller.
 * Returns 0, or -1 with a short reason in *why.
 */
static int split(const char *s, size_t n, char *host, size_t hostlen,
		 const char **port_s, size_t *port_n, const char **why)
{
	const char *colon;

	*port_s = NULL;
	*port_n = 0;
	if (n > 0 && s[0] == '[') {
		const char *rb = memchr(s, ']', n);

		if (!rb || !v6_ok(s + 1, rb - s - 1)) {
			*why = "bad ipv6 address";
			return -1;
		}
		if (copy_host(host, hostlen, s + 1, rb - s - 1) < 0) {
			*why = "host too long";
			return -1;
		}
		if (rb + 1 == s + n)
			return 0;
		if (rb[1] != ':') {
			*why = "bad address";
			return -1;
		}
		*port_s = rb + 2;
		*port_n = s + n - *port_s;
		return 0;
	}
	colon = memchr(s, ':', n);
	if (colon && memchr(colon + 1, ':', s + n - colon - 1)) {
		*why = "ipv6 address needs brackets";
		return -1;
	}
	if (colon) {
		*port_s = colon + 1;
		*port_n = s + n - *port_s;
		n = colon - s;
	}
	if (n > 0 && !name_ok(s, n)) {
		*why = "bad host";
		return -1;
	}
	if (copy_host(host, hostlen, s, n) < 0) {
		*why = "host too long";
		return -1;
	}
	return 0;
}

int addr_parse(const char *s, int default_port, struct hostport *hp,
	       char *err, size_t errlen)
{
	const char *port_s, *why;
	size_t n, port_n;
	struct in6_addr a6;

	if (!s || !*s)
		return err_fmt(err, errlen, "empty address");
	n = strlen(s);
	memset(hp, 0, sizeof(*hp));
	if (all_digits(s, n)) {
		if (parse_port(s, n, &hp->port) < 0)
			return err_fmt(err, errlen, "bad port in '%s'", s);
		return 0;
	}
	/* "::1" alone: unambiguous only when no port can follow */
	if (default_port > 0 && inet_pton(AF_INET6, s, &a6) == 1 &&
	    n < sizeof(hp->host)) {
		memcpy(hp->host, s, n + 1);
		hp->port = default_port;
		return 0;
	}
	if (split(s, n, hp->host, sizeof(hp->host), &port_s, &port_n,
		  &why) < 0)
		return err_fmt(err, errlen, "%s in '%s'", why, s);
	if (!port_s) {
		if (default_port <= 0 || default_port > 65535)
			return err_fmt(err, errlen, "missing port in '%s'", s);
		hp->port = default_port;
		return 0;
	}
	if (parse_port(port_s, port_n, &hp->port) < 0)
		return err_fmt(err, errlen, "bad port in '%s'", s);
	return 0;
}

char *addr_fmt(const char *host, uint16_t port, char *buf, size_t len)
{
	if (!host || !*host)
		snprintf(buf, len, ":%u", port);
	else if (strchr(host, ':'))
		snprintf(buf, len, "[%s]:%u", host, port);
	else
		snprintf(buf, len, "%s:%u", host, port);
	return buf;
}

static const struct {
	const char *name;
	int tls;
	uint16_t port;
} schemes[] = {
	{ "ws", 0, 80 },
	{ "wss", 1, 443 },
	{ "http", 0, 80 },
	{ "https", 1, 443 },
};

int url_parse(const char *s, struct url *u, char *err, size_t errlen)
{
	const char *sep, *auth, *end, *port_s, *why, *p;
	size_t i, port_n, slen;

	memset(u, 0, sizeof(*u));
	if (!s || !*s)
		return err_fmt(err, errlen, "empty url");
	/* checked first, so that no message below prints a control char */
	for (p = s; *p; p++) {
		unsigned char c = *p;

		if (c <= 0x20 || c >= 0x7f)
			return err_fmt(err, errlen,
				    "url has a space, control or non-ascii "
				    "character at offset %zu", (size_t)(p - s));
	}
	sep = strstr(s, "://");
	if (!sep || sep == s)
		return err_fmt(err, errlen, "missing scheme in '%s'", s);
	slen = sep - s;
	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (strlen(schemes[i].name) == slen &&
		    !strncasecmp(s, schemes[i].name, slen))
			break;
	if (i == sizeof(schemes) / sizeof(schemes[0]))
		return err_fmt(err, errlen, "unsupported scheme '%.*s' in '%s'",
			    (int)(slen < 16 ? slen : 16), s, s);
	strcpy(u->scheme, schemes[i].name);
	u->tls = schemes[i].tls;
	u->port = schemes[i].port;

	if (strchr(s, '#'))
		return err_fmt(err, errlen, "fragments are not allowed in '%s'",
			    s);
	auth = sep + 3;
	end = auth + strcspn(auth, "/?");
	if (memchr(auth, '@', end - auth))
		return err_fmt(err, errlen, "user info is not allowed in '%s'", s);
	if (end == auth)
		return err_fmt(err, errlen, "missing host in '%s'", s);
	if (split(auth, end - auth, u->host, sizeof(u->host), &port_s,
		  &port_n, &why) < 0)
		return err_fmt(err, errlen, "%s in '%s'", why, s);
	if (!u->host[0])
		return err_fmt(err, errlen, "missing host in '%s'", s);
	if (port_s) {
		if (parse_port(port_s, port_n, &u->port) < 0 || u->port == 0)
			return err_fmt(err, errlen, "bad port in '%s'", s);
		u->explicit_port = 1;
	}
	if (snprintf(u->path, sizeof(u->path), "%s%s",
		     *end == '/' ? "" : "/", end) >= (int)sizeof(u->path))
		return err_fmt(err, errlen, "path too long in url");
	return 0;
}

char *url_host_header(const struct url *u, char *buf, size_t len)
{
	const char *lb = "", *rb = "";
	char port[8] = "";

	if (strchr(u->host, ':')) {
		lb = "[";
		rb = "]";
	}
	if (u->explicit_port)
		snprintf(port, sizeof(port), ":%u", u->port);
	snprintf(buf, len, "%s%s%s%s", lb, u->host, rb, port);
	return buf;
}
