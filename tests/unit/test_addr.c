/*
 * test_addr.c - host:port and URLs.
 */
#include <stdio.h>
#include <string.h>

#include "common/addr.h"
#include "tests/unit/unit.h"

static void addr_valid(void)
{
	static const struct {
		const char *s;
		int def;
		const char *host;
		uint16_t port;
	} t[] = {
		{ "127.0.0.1:8010", 0, "127.0.0.1", 8010 },
		{ "localhost:80", 0, "localhost", 80 },
		{ "[::1]:8010", 0, "::1", 8010 },
		{ "[fe80::1%eth0]:1", 0, "fe80::1%eth0", 1 },
		{ "[::ffff:127.0.0.1]:9", 0, "::ffff:127.0.0.1", 9 },
		{ ":8010", 0, "", 8010 },
		{ "8010", 0, "", 8010 },
		{ "8010", 80, "", 8010 },
		{ "0", 0, "", 0 },
		{ "127.0.0.1:0", 0, "127.0.0.1", 0 },
		{ "x:65535", 0, "x", 65535 },
		{ "my-host.example_1.com:443", 0, "my-host.example_1.com", 443 },
		{ "localhost", 80, "localhost", 80 },
		{ "127.0.0.1", 8010, "127.0.0.1", 8010 },
		{ "[::1]", 443, "::1", 443 },
		{ "::1", 443, "::1", 443 },
		{ "::", 1, "::", 1 },
		{ "host:00080", 0, "host", 80 },
	};

	for (size_t i = 0; i < NELEM(t); i++) {
		struct hostport hp;
		char err[128] = "";
		int r = addr_parse(t[i].s, t[i].def, &hp, err, sizeof(err));

		EXPECTF(r == 0 && !strcmp(hp.host, t[i].host) &&
			hp.port == t[i].port, "'%s' gave %d '%s' %u (%s)",
			t[i].s, r, r ? "" : hp.host, r ? 0 : hp.port, err);
	}
}

static void addr_invalid(void)
{
	static const struct {
		const char *s;
		int def;
		const char *err;
	} t[] = {
		{ "", 80, "empty address" },
		{ "x:99999", 0, "bad port in 'x:99999'" },
		{ "x:65536", 0, "bad port in 'x:65536'" },
		{ "99999", 0, "bad port in '99999'" },
		{ "x:", 0, "bad port in 'x:'" },
		{ ":", 0, "bad port in ':'" },
		{ "x:-1", 0, "bad port in 'x:-1'" },
		{ "x:8a", 0, "bad port in 'x:8a'" },
		{ "x:123456", 0, "bad port in 'x:123456'" },
		{ "localhost", 0, "missing port in 'localhost'" },
		{ "[::1]", 0, "missing port in '[::1]'" },
		{ "::1", 0, "ipv6 address needs brackets in '::1'" },
		{ "::1:80", 0, "ipv6 address needs brackets in '::1:80'" },
		{ "[::1]80", 0, "bad address in '[::1]80'" },
		{ "[::1:80", 0, "bad ipv6 address in '[::1:80'" },
		{ "[]:80", 0, "bad ipv6 address in '[]:80'" },
		{ "[127.0.0.1]:80", 0, "bad ipv6 address in '[127.0.0.1]:80'" },
		{ "[zz::1]:80", 0, "bad ipv6 address in '[zz::1]:80'" },
		{ "a b:80", 0, "bad host in 'a b:80'" },
		{ "a/b:80", 0, "bad host in 'a/b:80'" },
		{ "user@host:80", 0, "bad host in 'user@host:80'" },
		{ "host:80 ", 0, "bad port in 'host:80 '" },
	};

	for (size_t i = 0; i < NELEM(t); i++) {
		struct hostport hp;
		char err[128] = "";
		int r = addr_parse(t[i].s, t[i].def, &hp, err, sizeof(err));

		EXPECTF(r == -1 && !strcmp(err, t[i].err),
			"'%s' gave %d, '%s', want '%s'", t[i].s, r, err, t[i].err);
	}
	/* a long host is refused, not cut */
	char big[400];
	memset(big, 'a', 300);
	strcpy(big + 300, ":80");
	EXPECT(addr_parse(big, 0, &(struct hostport){ 0 }, NULL, 0) == -1);
}

static void addr_format(void)
{
	char buf[64];

	EXPECT(!strcmp(addr_fmt("127.0.0.1", 8010, buf, sizeof(buf)),
		       "127.0.0.1:8010"));
	EXPECT(!strcmp(addr_fmt("::1", 8010, buf, sizeof(buf)), "[::1]:8010"));
	EXPECT(!strcmp(addr_fmt("", 8010, buf, sizeof(buf)), ":8010"));
	EXPECT(!strcmp(addr_fmt(NULL, 1, buf, sizeof(buf)), ":1"));
	EXPECT(!strcmp(addr_fmt("localhost", 0, buf, sizeof(buf)),
		       "localhost:0"));
	EXPECT(!strcmp(addr_fmt("localhost", 80, buf, 5), "loca"));
}

static void url_valid(void)
{
	static const struct {
		const char *s, *scheme, *host, *path, *host_hdr;
		int tls, explicit_port;
		uint16_t port;
	} t[] = {
		{ "ws://127.0.0.1:8010/echo", "ws", "127.0.0.1", "/echo",
		  "127.0.0.1:8010", 0, 1, 8010 },
		{ "ws://example.com", "ws", "example.com", "/",
		  "example.com", 0, 0, 80 },
		{ "wss://example.com", "wss", "example.com", "/",
		  "example.com", 1, 0, 443 },
		{ "http://h/", "http", "h", "/", "h", 0, 0, 80 },
		{ "https://h:8443/a/b?c=d&e", "https", "h", "/a/b?c=d&e",
		  "h:8443", 1, 1, 8443 },
		{ "WS://H/x", "ws", "H", "/x", "H", 0, 0, 80 },
		{ "WsS://h", "wss", "h", "/", "h", 1, 0, 443 },
		{ "ws://h?q=1", "ws", "h", "/?q=1", "h", 0, 0, 80 },
		{ "ws://h:80/", "ws", "h", "/", "h:80", 0, 1, 80 },
		{ "ws://[::1]:8010/chat", "ws", "::1", "/chat", "[::1]:8010",
		  0, 1, 8010 },
		{ "wss://[::1]/", "wss", "::1", "/", "[::1]", 1, 0, 443 },
		{ "ws://h/%20x", "ws", "h", "/%20x", "h", 0, 0, 80 },
		{ "ws://h/a:b@c", "ws", "h", "/a:b@c", "h", 0, 0, 80 },
		{ "ws://h:65535", "ws", "h", "/", "h:65535", 0, 1, 65535 },
	};

	for (size_t i = 0; i < NELEM(t); i++) {
		struct url u;
		char err[128] = "", hh[300];
		int r = url_parse(t[i].s, &u, err, sizeof(err));

		if (r != 0) {
			unit_fail(__FILE__, __LINE__, "'%s' refused: %s",
				  t[i].s, err);
			continue;
		}
		url_host_header(&u, hh, sizeof(hh));
		EXPECTF(!strcmp(u.scheme, t[i].scheme) &&
			!strcmp(u.host, t[i].host) &&
			!strcmp(u.path, t[i].path) && u.tls == t[i].tls &&
			u.port == t[i].port &&
			u.explicit_port == t[i].explicit_port &&
			!strcmp(hh, t[i].host_hdr),
			"'%s' gave %s %s %u %s tls=%d explicit=%d host '%s'",
			t[i].s, u.scheme, u.host, u.port, u.path, u.tls,
			u.explicit_port, hh);
	}
}

static void url_invalid(void)
{
	static const struct {
		const char *s, *err;
	} t[] = {
		{ "", "empty url" },
		{ "ftp://x", "unsupported scheme 'ftp' in 'ftp://x'" },
		{ "wsx://x", "unsupported scheme 'wsx' in 'wsx://x'" },
		{ "127.0.0.1:8010", "missing scheme in '127.0.0.1:8010'" },
		{ "ws:/x", "missing scheme in 'ws:/x'" },
		{ "://x", "missing scheme in '://x'" },
		{ "ws://", "missing host in 'ws://'" },
		{ "ws:///x", "missing host in 'ws:///x'" },
		{ "ws://:80/", "missing host in 'ws://:80/'" },
		{ "ws://u:p@h/", "user info is not allowed in 'ws://u:p@h/'" },
		{ "ws://u@h", "user info is not allowed in 'ws://u@h'" },
		{ "ws://h/#f", "fragments are not allowed in 'ws://h/#f'" },
		{ "ws://h#", "fragments are not allowed in 'ws://h#'" },
		{ "ws://h:0/", "bad port in 'ws://h:0/'" },
		{ "ws://h:/", "bad port in 'ws://h:/'" },
		{ "ws://h:65536", "bad port in 'ws://h:65536'" },
		{ "ws://h:8x/", "bad port in 'ws://h:8x/'" },
		{ "ws://::1/", "ipv6 address needs brackets in 'ws://::1/'" },
		{ "ws://[::1/", "bad ipv6 address in 'ws://[::1/'" },
		{ "ws://[::1]x/", "bad address in 'ws://[::1]x/'" },
		{ "ws://h%41/", "bad host in 'ws://h%41/'" },
		{ "ws://h/a b",
		  "url has a space, control or non-ascii character at offset 8" },
		{ "ws://h/\x01",
		  "url has a space, control or non-ascii character at offset 7" },
		{ "ws://h/\x7f",
		  "url has a space, control or non-ascii character at offset 7" },
		{ "ws://h/\xc3\xa9",
		  "url has a space, control or non-ascii character at offset 7" },
		{ " ws://h/",
		  "url has a space, control or non-ascii character at offset 0" },
		{ "ws://h/\r\n",
		  "url has a space, control or non-ascii character at offset 7" },
	};

	for (size_t i = 0; i < NELEM(t); i++) {
		struct url u;
		char err[128] = "";
		int r = url_parse(t[i].s, &u, err, sizeof(err));

		EXPECTF(r == -1 && !strcmp(err, t[i].err),
			"'%s' gave %d, '%s', want '%s'", unit_show(t[i].s,
			strlen(t[i].s)), r, err, t[i].err);
	}
	/* the path has a limit; past it the url is refused, not cut */
	static char big[3000] = "ws://h/";
	memset(big + 7, 'a', 2100);
	EXPECT(url_parse(big, &(struct url){ 0 }, NULL, 0) == -1);
	big[7 + 2040] = '\0';
	EXPECT(url_parse(big, &(struct url){ 0 }, NULL, 0) == 0);
}

const struct unit_case addr_cases[] = {
	{ "addr.parse-valid", addr_valid },
	{ "addr.parse-invalid", addr_invalid },
	{ "addr.fmt", addr_format },
	{ "url.parse-valid", url_valid },
	{ "url.parse-invalid", url_invalid },
	{ NULL, NULL },
};
