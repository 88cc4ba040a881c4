/*
 * addr.h - host:port as users write it.  Parsing only: no lookups.
 */
#ifndef WSCTL_ADDR_H
#define WSCTL_ADDR_H

#include <stddef.h>
#include <stdint.h>

struct hostport {
	char host[256];		/* "" when only a port was given */
	uint16_t port;
};

/*
 * Parse "host:port", "[v6addr]:port", "v4addr:port", ":port" or a bare
 * "port" into *hp.  With default_port > 0, a host alone is accepted and
 * gets that port (digits alone are still a port; "::1" needs no
 * brackets then).  Port 0 is accepted.  Returns 0, or -1 with a message
 * in err ("bad port in 'x:99999'").
 */
int addr_parse(const char *s, int default_port, struct hostport *hp,
	       char *err, size_t errlen);

/*
 * Format host and port for people and logs: "127.0.0.1:8010",
 * "[::1]:8010", ":8010" when host is empty.  Returns buf.
 */
char *addr_fmt(const char *host, uint16_t port, char *buf, size_t len);

struct url {
	char scheme[8];		/* "ws", "wss", "http" or "https", lower case */
	int tls;		/* 1 for wss and https */
	char host[256];		/* without brackets for IPv6 */
	uint16_t port;		/* explicit, or the scheme's default */
	int explicit_port;	/* 1 when the URL named the port */
	char path[2048];	/* path and query, "/" when empty */
};

/*
 * Parse a ws://, wss://, http:// or https:// URL (scheme in any case).
 * User info, fragments, port 0, and spaces, control or non-ASCII bytes
 * are refused.  Returns 0, or -1 with err filled ("unsupported scheme
 * 'ftp' in 'ftp://x'").
 */
int url_parse(const char *s, struct url *u, char *err, size_t errlen);

/*
 * The Host header value for u: the host (bracketed when IPv6), with
 * ":port" only when the URL named a port.  Returns buf.
 */
char *url_host_header(const struct url *u, char *buf, size_t len);

#endif
