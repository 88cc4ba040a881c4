/*
 * test_nginx_conf.c - reading nginx configurations.  The tokenizer runs
 * on every prefix of its inputs, fenced by an unreadable page; the reader
 * reads the configurations in fixtures/nginx (all accepted by nginx -t)
 * and broken ones written to a temporary directory, and every error must
 * come back with its file:line.  Run from the top of the tree.
 *
 * The build links only tests/unit and common into unit_tests, so the
 * reader's sources are compiled into this file.
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checks/nginx_conf.h"
#include "tests/unit/unit.h"

#define FIX "fixtures/nginx/"

/* ---- tokenizer ---------------------------------------------------- */

/*
 * Tokenize s[0..len) fenced, checking that every token lies inside the
 * buffer, and describe the tokens: "[word] ; { } $" with "@LINE" after
 * each when lines is set, "!U@LINE" for an unterminated string and
 * "!X@LINE" for a byte after a closing quote.
 */
static const char *t_lex(const char *s, size_t len, int lines)
{
	static char out[4096];
	const char *buf = unit_fence(s, len);
	struct nginx_lexer lx;
	struct nginx_token t;
	char text[1024];
	size_t o = 0, i, n;

	out[0] = '\0';
	nginx_lex_init(&lx, buf, len);
	for (i = 0; i < len + 2; i++) {
		nginx_lex_next(&lx, &t);
		EXPECTF(t.p >= buf && t.p + t.len <= buf + len,
			"token outside the buffer in '%s'", unit_show(s, len));
		if (t.kind == NGINX_TOK_WORD) {
			EXPECT(t.len < sizeof(text));
			if (t.len >= sizeof(text))
				break;
			n = nginx_tok_text(&t, text);
			EXPECT(n <= t.len && text[n] == '\0');
			o += snprintf(out + o, sizeof(out) - o, "[%s]", text);
		} else if (t.kind == NGINX_TOK_ERROR) {
			o += snprintf(out + o, sizeof(out) - o, "!%c",
				      t.err == NGINX_LEX_UNTERMINATED ? 'U' : 'X');
		} else {
			o += snprintf(out + o, sizeof(out) - o, "%c",
				      ";{}$"[t.kind == NGINX_TOK_SEMI ? 0 :
					     t.kind == NGINX_TOK_OPEN ? 1 :
					     t.kind == NGINX_TOK_CLOSE ? 2 : 3]);
		}
		if (lines || t.kind == NGINX_TOK_ERROR)
			o += snprintf(out + o, sizeof(out) - o, "@%u", t.line);
		if (t.kind == NGINX_TOK_END || t.kind == NGINX_TOK_ERROR)
			return out;
		o += snprintf(out + o, sizeof(out) - o, " ");
		if (o >= sizeof(out) - 64)
			break;
	}
	unit_fail(__FILE__, __LINE__, "no end token for '%s'",
		  unit_show(s, len));
	return out;
}

/* Every prefix of s, fenced: in bounds, and always an end. */
static void t_prefixes(const char *s, size_t len)
{
	for (size_t k = 0; k <= len; k++)
		t_lex(s, k, 1);
}

#define LEX_IS(s, want) \
	do { \
		const char *got_ = t_lex(s, strlen(s), 0); \
		EXPECTF(!strcmp(got_, want), "'%s' gave '%s', want '%s'", \
			unit_show(s, strlen(s)), got_, want); \
		t_prefixes(s, strlen(s)); \
	} while (0)

#define LEX_LINES(s, want) \
	do { \
		const char *got_ = t_lex(s, strlen(s), 1); \
		EXPECTF(!strcmp(got_, want), "'%s' gave '%s', want '%s'", \
			unit_show(s, strlen(s)), got_, want); \
	} while (0)

static void lex_words(void)
{
	LEX_IS("", "$");
	LEX_IS("  \t\r\n ", "$");
	LEX_IS("a b;", "[a] [b] ; $");
	LEX_IS("http{server{listen 80;}}",
	       "[http] { [server] { [listen] [80] ; } } $");
	LEX_IS("a;b{c}", "[a] ; [b] { [c}] $");	/* nginx: '}' in a word */
	LEX_IS("a; }", "[a] ; } $");
	LEX_IS("set $x ${host}y;", "[set] [$x] [${host}y] ; $");
	LEX_IS("if ($a = \"b\") {", "[if] [($a] [=] [b] [)] { $");
	LEX_IS("a\"b c'd;", "[a\"b] [c'd] ; $");	/* quotes only open words */
	LEX_IS("a#b c;", "[a#b] [c] ; $");
	LEX_IS("a \\", "[a] [\\] $");
	LEX_IS("a\\", "[a\\] $");
}

static void lex_quotes(void)
{
	LEX_IS("x '' \"\";", "[x] [] [] ; $");
	LEX_IS("'a b' \"c;d\" 'e{f}';", "[a b] [c;d] [e{f}] ; $");
	LEX_IS("\"a\\\"b\" 'c\\'d' 'e\\\\f';", "[a\"b] [c'd] [e\\f] ; $");
	LEX_IS("\"t\\tn\\nr\\r\";", "[t\tn\nr\r] ; $");
	LEX_IS("\"x\\qy\";", "[x\\qy] ; $");	/* other escapes stay */
	LEX_IS("a\\;b\\ c;", "[a\\;b\\ c] ; $");	/* kept, as nginx */
	LEX_IS("'a'{", "[a] { $");
}

static void lex_comments(void)
{
	LEX_IS("# only a comment", "$");
	LEX_IS("a; # b; c;\nd;", "[a] ; [d] ; $");
	LEX_IS("#x\n#y\n;", "; $");
	LEX_IS("a '#not' \"# either\";", "[a] [#not] [# either] ; $");
}

static void lex_lines(void)
{
	LEX_LINES("a\n\nb;\n#c;\n}", "[a]@1 [b]@3 ;@3 }@5 $@5");
	LEX_LINES("a;\r\nb;", "[a]@1 ;@1 [b]@2 ;@2 $@2");
	LEX_LINES("a\\\nb c", "[a\\\nb]@1 [c]@2 $@2");
	LEX_LINES("x \"one\ntwo\" y", "[x]@1 [one\ntwo]@1 [y]@2 $@2");
	LEX_LINES("'a\\\n' b\n", "[a\\\n]@1 [b]@2 $@3");
}

static void lex_errors(void)
{
	struct nginx_lexer lx;
	struct nginx_token t;
	const char *s = "a \"bc;\n";

	LEX_IS("\"abc", "!U@1");
	LEX_IS("x\n\"a\nb", "[x] !U@2");
	LEX_IS("'a\\", "!U@1");
	LEX_IS("'a\\'", "!U@1");
	LEX_IS("\"a\"b", "!X@1");
	LEX_IS("\"a\"#", "!X@1");
	LEX_IS("\"a\"}", "!X@1");
	LEX_IS("x\n'a\nb'c", "[x] !X@3");

	/* the offending byte is reported, and the lexer stays at the end */
	nginx_lex_init(&lx, "'a'b;", 5);
	EXPECT(nginx_lex_next(&lx, &t) == NGINX_TOK_ERROR);
	EXPECT(t.err == NGINX_LEX_UNEXPECTED && *t.p == 'b');
	EXPECT(nginx_lex_next(&lx, &t) == NGINX_TOK_END);
	nginx_lex_init(&lx, s, strlen(s));
	EXPECT(nginx_lex_next(&lx, &t) == NGINX_TOK_WORD);
	EXPECT(nginx_lex_next(&lx, &t) == NGINX_TOK_ERROR);
	EXPECT(t.err == NGINX_LEX_UNTERMINATED && t.p == s + 2);
	EXPECT(nginx_lex_next(&lx, &t) == NGINX_TOK_END);
	EXPECT(nginx_lex_next(&lx, &t) == NGINX_TOK_END);
}

static void lex_flags(void)
{
	struct nginx_lexer lx;
	struct nginx_token t;
	const char *s = "plain 'q' e\\\"s \"both\\n\"";
	unsigned want[] = {
		0, NGINX_TOK_QUOTED, NGINX_TOK_ESCAPED,
		NGINX_TOK_QUOTED | NGINX_TOK_ESCAPED,
	};

	nginx_lex_init(&lx, s, strlen(s));
	for (size_t i = 0; i < NELEM(want); i++) {
		EXPECT(nginx_lex_next(&lx, &t) == NGINX_TOK_WORD);
		EXPECTF(t.flags == want[i], "word %zu: flags %u, want %u", i,
			t.flags, want[i]);
	}
	EXPECT(nginx_lex_next(&lx, &t) == NGINX_TOK_END);
}

/* Whole fixture files at every length. */
static void lex_fixtures(void)
{
	const char *names[] = {
		"article.conf", "real/mattermost-tls.conf", "real/jupyter.conf",
		"listen.conf",
		"include/conf.d/notes.txt",
	};
	char buf[8192];

	for (size_t i = 0; i < NELEM(names); i++) {
		char path[256];
		FILE *f;
		size_t n;

		snprintf(path, sizeof(path), FIX "%s", names[i]);
		f = fopen(path, "r");
		EXPECTF(f, "cannot open %s (run from the top of the tree)", path);
		if (!f)
			return;
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		t_prefixes(buf, n);
	}
}

/* ---- fixtures ----------------------------------------------------- */

static struct nginx_conf *t_read(const char *path)
{
	char err[512] = "";
	struct nginx_conf *c = nginx_conf_read(path, err, sizeof(err));

	EXPECTF(c, "%s: %s", path, err);
	if (!c)
		exit(1);	/* the case fails: its first EXPECT is reported */
	return c;
}

#define STR_IS(got, want) \
	do { \
		const char *g_ = (got), *w_ = (want); \
		EXPECTF(g_ && !strcmp(g_, w_), "%s is '%s', want '%s'", #got, \
			g_ ? g_ : "(null)", w_); \
	} while (0)

#define AT_IS(pos, f, l) \
	do { \
		struct nginx_pos p_ = (pos); \
		EXPECTF(p_.file && !strcmp(p_.file, f) && p_.line == (l), \
			"%s is %s:%u, want %s:%u", #pos, \
			p_.file ? p_.file : "(default)", p_.line, f, l); \
	} while (0)

static void header_is(const struct nginx_scope *s, const char *name,
		      const char *value, unsigned line)
{
	const struct nginx_header *h = nginx_header_find(s, name);

	EXPECTF(h, "no %s header", name);
	if (!h)
		return;
	EXPECTF(!strcmp(h->value, value), "%s is '%s', want '%s'", name,
		h->value, value);
	EXPECTF(line ? h->at.line == line : h->at.file == NULL,
		"%s set at line %u, want %u", name, h->at.line, line);
}

static void conf_article(void)
{
	struct nginx_conf *c = t_read(FIX "article.conf");
	const struct nginx_header *hs[16];
	const char *order[] = {
		"Host", "X-Real-IP", "X-Forwarded-For", "Upgrade",
		"Connection", "Content-Length", "Transfer-Encoding", "TE",
		"Keep-Alive", "Expect",
	};
	const struct nginx_upstream *u;
	const struct nginx_server *s;
	const struct nginx_location *l;
	const struct nginx_map *m;
	struct nginx_pos at;
	struct hostport hp;
	char err[256];
	size_t n;

	EXPECT(c->nfiles == 1 && c->has_http);
	STR_IS(c->files[0], FIX "article.conf");

	/* upstream websocket { #ip_hash; server localhost:8010; ... } */
	EXPECT(c->nupstreams == 1);
	u = nginx_upstream_find(c, "websocket");
	EXPECT(u == &c->upstreams[0]);
	EXPECT(u->balance == NGINX_LB_ROUND_ROBIN);
	STR_IS(nginx_balance_name(u->balance), "round-robin");
	EXPECT(u->npeers == 2);
	STR_IS(u->peers[0].addr, "localhost:8010");
	STR_IS(u->peers[1].hp.host, "localhost");
	EXPECT(u->peers[0].hp.port == 8010 && u->peers[1].hp.port == 8011);
	EXPECT(u->peers[0].weight == 1 && u->peers[1].weight == 1);
	EXPECT(nginx_upstream_weight_sum(u) == 2);
	EXPECT(nginx_host_is_local(u->peers[0].hp.host));
	AT_IS(u->peers[1].at, FIX "article.conf", 17);

	/* map $http_upgrade $connection_upgrade { default upgrade; '' close; } */
	m = nginx_map_find(c, "$connection_upgrade");
	EXPECT(m && c->nmaps == 1);
	STR_IS(m->source, "$http_upgrade");
	STR_IS(m->dflt, "upgrade");
	EXPECT(m->nentries == 1);
	STR_IS(nginx_map_value(m, ""), "close");
	STR_IS(nginx_map_value(m, "websocket"), "upgrade");
	STR_IS(nginx_map_value(m, "WebSocket"), "upgrade");

	/* the server and its one location */
	EXPECT(c->nservers == 1);
	EXPECT(nginx_find_proxy(c, 0, NULL, &s, &l, err, sizeof(err)) == 0);
	EXPECT(s == &c->servers[0] && l == &s->locations[0]);
	EXPECT(s->nlistens == 1 && !s->listens[0].implicit);
	EXPECT(s->listens[0].addr.host[0] == '\0' && s->listens[0].addr.port == 80);
	EXPECT(!s->listens[0].ssl);
	EXPECT(nginx_listen_target(&s->listens[0], &hp) == 0);
	STR_IS(hp.host, "127.0.0.1");
	EXPECT(s->nnames == 1);
	STR_IS(s->names[0], "localhost");
	STR_IS(l->path, "/");
	EXPECT(l->match == NGINX_MATCH_PREFIX && !l->parent);
	EXPECT(l->target.kind == NGINX_TARGET_UPSTREAM && l->target.upstream == u);
	STR_IS(l->target.uri, "");
	AT_IS(l->target.at, FIX "article.conf", 28);

	/* what nginx sends upstream */
	EXPECT(nginx_read_timeout(&l->scope, &at) == 300000);
	AT_IS(at, FIX "article.conf", 29);
	STR_IS(nginx_http_version(&l->scope, &at), "1.1");
	AT_IS(at, FIX "article.conf", 35);
	n = nginx_headers(&l->scope, hs, NELEM(hs));
	EXPECTF(n == NELEM(order), "%zu headers, want %zu", n, NELEM(order));
	for (size_t i = 0; i < n && i < NELEM(order); i++)
		STR_IS(hs[i]->name, order[i]);
	header_is(&l->scope, "upgrade", "$http_upgrade", 36);
	header_is(&l->scope, "Connection", "$connection_upgrade", 37);
	header_is(&l->scope, "Host", "$host", 31);
	header_is(&l->scope, "TE", "", 0);
	EXPECT(nginx_header_find(&l->scope, "Origin") == NULL);
	EXPECT(nginx_header_shadowed(&l->scope, "Upgrade") == NULL);

	/* the tree keeps what the model does not */
	{
		const struct nginx_dir *d = s->dir->child;

		d = nginx_dir_find(d, "access_log");
		EXPECT(d && d->nargs == 2 && !d->block);
		if (d)
			STR_IS(d->args[1], "/var/log/nginx/yourdomain.log");
	}

	/* a URL picks the server by port and the location by path */
	EXPECT(nginx_find_proxy(c, 80, "/chat?room=1", &s, &l, err,
				sizeof(err)) == 0);
	EXPECT(nginx_find_proxy(c, 8080, NULL, &s, &l, err, sizeof(err)) < 0);
	STR_IS(err, "no server listens for port 8080");
	nginx_conf_free(c);
}

static void conf_defaults(void)
{
	struct nginx_conf *c = t_read(FIX "defaults.conf");
	const struct nginx_location *l = &c->servers[0].locations[0];
	const struct nginx_header *hs[4];
	struct nginx_pos at = { "x", 1 };

	/* proxy_http_version absent: 1.0, which cannot carry an upgrade */
	STR_IS(nginx_http_version(&l->scope, &at), "1.0");
	EXPECT(at.file == NULL);
	EXPECT(nginx_read_timeout(&l->scope, &at) == 60000 && !at.file);
	EXPECT(nginx_headers(&l->scope, hs, NELEM(hs)) == 8);
	STR_IS(hs[0]->name, "Host");
	STR_IS(hs[0]->value, "$proxy_host");
	header_is(&l->scope, "Connection", "close", 0);
	header_is(&l->scope, "Upgrade", "", 0);
	EXPECT(nginx_header_shadowed(&l->scope, "Upgrade") == NULL);
	nginx_conf_free(c);
}

static void conf_inherit(void)
{
	struct nginx_conf *c = t_read(FIX "inherit.conf");
	const struct nginx_location *ok, *drop, *root, *nested, *deeper;
	const struct nginx_header *h, *hs[16];
	struct nginx_pos at;
	char err[256];
	const struct nginx_server *s;

	EXPECT(c->nservers == 2);
	EXPECT(c->servers[0].nlocations == 2 && c->servers[1].nlocations == 3);
	ok = &c->servers[0].locations[0];
	drop = &c->servers[0].locations[1];
	root = &c->servers[1].locations[0];
	nested = &c->servers[1].locations[1];
	deeper = &c->servers[1].locations[2];
	STR_IS(deeper->path, "/nested/deeper");
	EXPECT(deeper->parent == nested && nested->parent == NULL);

	/* /ok sets nothing: http's headers, server's timeout, http's version */
	EXPECT(nginx_read_timeout(&ok->scope, &at) == 5 * 60000);
	AT_IS(at, FIX "inherit.conf", 13);
	STR_IS(nginx_http_version(&ok->scope, &at), "1.1");
	AT_IS(at, FIX "inherit.conf", 6);
	header_is(&ok->scope, "Upgrade", "$http_upgrade", 8);
	header_is(&ok->scope, "Connection", "upgrade", 9);
	header_is(&ok->scope, "Host", "$proxy_host", 0);
	EXPECT(nginx_headers(&ok->scope, hs, NELEM(hs)) == 8);

	/* /drop sets one header, so Upgrade and Connection fall back */
	EXPECT(nginx_read_timeout(&drop->scope, &at) == 90000);
	AT_IS(at, FIX "inherit.conf", 23);
	header_is(&drop->scope, "X-Real-IP", "$remote_addr", 22);
	header_is(&drop->scope, "Upgrade", "", 0);
	header_is(&drop->scope, "Connection", "close", 0);
	h = nginx_header_shadowed(&drop->scope, "Upgrade");
	EXPECT(h && h->at.line == 8);
	h = nginx_header_shadowed(&drop->scope, "connection");
	EXPECT(h && h->at.line == 9);
	EXPECT(nginx_header_shadowed(&drop->scope, "X-Real-IP") == NULL);
	EXPECT(nginx_headers(&drop->scope, hs, NELEM(hs)) == 9);
	EXPECT(nginx_find_proxy(c, 8080, "/drop/x", &s, &drop, err,
				sizeof(err)) == 0);
	STR_IS(drop->path, "/drop");

	/* the second server's own header drops http's at every location */
	STR_IS(nginx_http_version(&root->scope, &at), "1.0");
	AT_IS(at, FIX "inherit.conf", 33);
	EXPECT(nginx_read_timeout(&root->scope, &at) == 3600000);
	AT_IS(at, FIX "inherit.conf", 7);
	header_is(&root->scope, "X-Server", "yes", 30);
	header_is(&root->scope, "Upgrade", "", 0);
	EXPECT(nginx_header_shadowed(&root->scope, "Upgrade")->at.line == 8);
	header_is(&nested->scope, "X-Server", "yes", 30);
	STR_IS(nginx_http_version(&nested->scope, NULL), "1.1");

	/* nested: its own list, where "" removes a header */
	header_is(&deeper->scope, "X-Deep", "1", 41);
	header_is(&deeper->scope, "Connection", "", 42);
	EXPECT(nginx_header_find(&deeper->scope, "X-Server") == NULL);
	EXPECT(nginx_header_shadowed(&deeper->scope, "X-Server")->at.line == 30);
	EXPECT(nginx_header_shadowed(&deeper->scope, "Connection") == NULL);
	EXPECT(nginx_find_proxy(c, 8081, "/nested/deeper/x", &s, &deeper, err,
				sizeof(err)) == 0);
	EXPECT(deeper == &c->servers[1].locations[2]);
	nginx_conf_free(c);
}

static void conf_balance(void)
{
	struct nginx_conf *c = t_read(FIX "balance.conf");
	const struct nginx_upstream *u;
	const struct nginx_location *l;
	const struct nginx_server *s;
	char err[256];

	EXPECT(c->nupstreams == 6);
	u = nginx_upstream_find(c, "rr");
	EXPECT(u && u->balance == NGINX_LB_ROUND_ROBIN && u->npeers == 5);
	EXPECT(u->peers[0].weight == 3 && u->peers[1].weight == 1);
	EXPECT(u->peers[2].weight == 2 && u->peers[2].max_fails == 3);
	EXPECT(u->peers[2].fail_timeout_ms == 30000);
	EXPECT(u->peers[0].max_fails == 1 && u->peers[0].fail_timeout_ms == 10000);
	EXPECT(u->peers[3].backup && !u->peers[3].down);
	EXPECT(u->peers[4].down && !u->peers[4].backup);
	EXPECT(u->keepalive == 16);
	EXPECT(nginx_upstream_weight_sum(u) == 6);

	u = nginx_upstream_find(c, "sticky");
	EXPECT(u && u->balance == NGINX_LB_IP_HASH);
	STR_IS(nginx_balance_name(u->balance), "ip_hash");
	EXPECT(u->peers[1].weight == 2 && nginx_upstream_weight_sum(u) == 3);

	u = nginx_upstream_find(c, "fewest");
	EXPECT(u && u->balance == NGINX_LB_LEAST_CONN);
	STR_IS(nginx_balance_name(u->balance), "least_conn");
	EXPECT(u->peers[0].max_conns == 100);
	STR_IS(u->peers[1].hp.host, "::1");
	EXPECT(u->peers[1].hp.port == 8011);

	u = nginx_upstream_find(c, "keyed");
	EXPECT(u && u->balance == NGINX_LB_HASH && u->consistent);
	STR_IS(u->hash_key, "$request_uri");
	EXPECT(u->peers[1].unix_socket && !u->peers[0].unix_socket);
	STR_IS(u->peers[1].addr, "unix:/tmp/wsctl-backend.sock");

	u = nginx_upstream_find(c, "plainhash");
	EXPECT(u && u->balance == NGINX_LB_HASH && !u->consistent);
	STR_IS(u->hash_key, "$remote_addr");

	u = nginx_upstream_find(c, "dice");
	EXPECT(u && u->balance == NGINX_LB_RANDOM && u->random_two);
	STR_IS(u->random_method, "least_conn");
	STR_IS(nginx_balance_name(u->balance), "random");

	/* upstream names match case-insensitively, as in nginx */
	EXPECT(nginx_find_proxy(c, 8080, "/sticky", &s, &l, err,
				sizeof(err)) == 0);
	EXPECT(l->target.kind == NGINX_TARGET_UPSTREAM);
	EXPECT(l->target.upstream == nginx_upstream_find(c, "sticky"));
	STR_IS(l->target.uri, "/");
	nginx_conf_free(c);
}

static void conf_listen(void)
{
	struct nginx_conf *c = t_read(FIX "listen.conf");
	const struct nginx_server *s = &c->servers[0];
	const struct nginx_listen *ls;
	struct hostport hp;

	EXPECT(c->nservers == 4);
	EXPECT(s->nlistens == 2 && s->nnames == 2);
	STR_IS(s->names[1], "www.example.com");
	ls = s->listens;
	STR_IS(ls[0].addr.host, "127.0.0.1");
	EXPECT(ls[0].addr.port == 8080 && ls[0].default_server);
	STR_IS(ls[1].addr.host, "::1");
	EXPECT(ls[1].addr.port == 8080 && !ls[1].default_server);
	EXPECT(nginx_listen_target(&ls[1], &hp) == 0);
	STR_IS(hp.host, "::1");

	ls = c->servers[1].listens;
	EXPECT(ls[0].addr.host[0] == '\0' && ls[0].addr.port == 8081);
	STR_IS(ls[1].addr.host, "localhost");
	EXPECT(ls[1].addr.port == 8082);

	ls = c->servers[2].listens;	/* no listen: nginx's *:80 */
	EXPECT(c->servers[2].nlistens == 1 && ls[0].implicit);
	EXPECT(ls[0].addr.port == 80 && ls[0].addr.host[0] == '\0');
	AT_IS(ls[0].at, FIX "listen.conf", 59);

	ls = c->servers[3].listens;
	STR_IS(ls[0].unix_path, "/tmp/wsctl-test.sock");
	EXPECT(nginx_listen_target(&ls[0], &hp) < 0);
	EXPECT(ls[1].addr.host[0] == '\0' && ls[1].addr.port == 8083);
	EXPECT(nginx_listen_target(&ls[1], &hp) == 0);
	STR_IS(hp.host, "127.0.0.1");
	nginx_conf_free(c);
}

/* Which location nginx picks for a path, and what it proxies to. */
static void conf_locations(void)
{
	static const struct {
		const char *path, *want;	/* want NULL: an error */
		enum nginx_target_kind kind;
	} cases[] = {
		{ "/exact", "/exact", NGINX_TARGET_ADDR },
		{ "/exact/more", NULL, 0 },	/* "/" does not proxy */
		{ "/ws/chat", "/ws/", NGINX_TARGET_ADDR },
		{ "/static/a.png", "/static/", NGINX_TARGET_ADDR },
		{ "/img/a.PNG", "\\.(png|jpg)$", NGINX_TARGET_UNIX },
		{ "/api/v2/x", "^/api/v[0-9]+/", NGINX_TARGET_VARIABLE },
		{ "/app/chat/room", "/app/chat", NGINX_TARGET_ADDR },
		{ "/app/other", "/app", NGINX_TARGET_ADDR },
		{ "/app/x.jpg", "\\.(png|jpg)$", NGINX_TARGET_UNIX },
		{ "/app/chat/x.jpg", "\\.(png|jpg)$", NGINX_TARGET_UNIX },
	};
	struct nginx_conf *c = t_read(FIX "listen.conf");
	const struct nginx_location *l;
	const struct nginx_server *s;
	char err[256];

	for (size_t i = 0; i < NELEM(cases); i++) {
		int rc = nginx_find_proxy(c, 8080, cases[i].path, &s, &l, err,
					  sizeof(err));

		if (!cases[i].want) {
			EXPECTF(rc < 0, "%s was proxied", cases[i].path);
			continue;
		}
		EXPECTF(rc == 0, "%s: %s", cases[i].path, err);
		if (rc)
			continue;
		EXPECTF(!strcmp(l->path, cases[i].want) &&
			l->target.kind == cases[i].kind,
			"%s went to '%s' (kind %d), want '%s'", cases[i].path,
			l->path, l->target.kind, cases[i].want);
	}
	EXPECT(nginx_find_proxy(c, 8080, "/exact/more", &s, &l, err,
				sizeof(err)) < 0);
	STR_IS(err, FIX "listen.conf:15: location '/' does not proxy '/exact/more'");

	/* proxy_pass forms */
	nginx_find_proxy(c, 8080, "/ws/", &s, &l, err, sizeof(err));
	STR_IS(l->target.addr.host, "127.0.0.1");
	EXPECT(l->target.addr.port == 8011 && !l->target.tls);
	STR_IS(l->target.uri, "/socket/");
	nginx_find_proxy(c, 8080, "/static/", &s, &l, err, sizeof(err));
	EXPECT(l->target.tls && l->target.addr.port == 8443);
	nginx_find_proxy(c, 8080, "/app/chat", &s, &l, err, sizeof(err));
	STR_IS(l->target.addr.host, "::1");
	EXPECT(l->target.addr.port == 8013);

	/* no path: the first location that proxies, default_server first */
	EXPECT(nginx_find_proxy(c, 0, NULL, &s, &l, err, sizeof(err)) == 0);
	EXPECT(s == &c->servers[0]);
	STR_IS(l->path, "/exact");
	EXPECT(nginx_find_proxy(c, 8082, NULL, &s, &l, err, sizeof(err)) == 0);
	EXPECT(s == &c->servers[1] && l->target.kind == NGINX_TARGET_ADDR);
	STR_IS(l->target.addr.host, "localhost");
	EXPECT(l->target.addr.port == 8016);
	EXPECT(nginx_find_proxy(c, 8083, NULL, &s, &l, err, sizeof(err)) < 0);
	STR_IS(err, "no location proxies requests for port 8083");
	EXPECT(nginx_find_proxy(c, 80, "/", &s, &l, err, sizeof(err)) < 0);
	STR_IS(err, "no location matches '/' for port 80");
	nginx_conf_free(c);
}

static void conf_include(void)
{
	struct nginx_conf *c = t_read(FIX "include/nginx.conf");
	const char *files[] = {
		FIX "include/nginx.conf",
		FIX "include/conf.d/10-upstream.conf",
		FIX "include/conf.d/20-server.conf",
		FIX "include/snippets/websocket.conf",
	};
	const char *snip = FIX "include/snippets/websocket.conf";
	const struct nginx_location *l;
	const struct nginx_server *s;
	const struct nginx_header *h;
	const struct nginx_dir *d;
	struct nginx_pos at;
	char err[256];

	EXPECTF(c->nfiles == NELEM(files), "%zu files", c->nfiles);
	for (size_t i = 0; i < c->nfiles && i < NELEM(files); i++)
		STR_IS(c->files[i], files[i]);
	EXPECT(c->nupstreams == 1 && c->nservers == 1);
	AT_IS(c->upstreams[0].at, FIX "include/conf.d/10-upstream.conf", 1);
	EXPECT(c->upstreams[0].balance == NGINX_LB_LEAST_CONN);
	EXPECT(nginx_find_proxy(c, 8088, "/chat", &s, &l, err,
				sizeof(err)) == 0);
	EXPECT(l->target.upstream == &c->upstreams[0]);
	EXPECT(nginx_read_timeout(&l->scope, &at) == 86400000);
	AT_IS(at, snip, 4);
	h = nginx_header_find(&l->scope, "Upgrade");
	EXPECT(h);
	if (h)
		AT_IS(h->at, snip, 2);
	/* the include directive is replaced by what it included */
	d = nginx_dir_find(c->root, "http");
	EXPECT(d && d->child && !strcmp(d->child->name, "upstream"));
	EXPECT(!nginx_dir_find(d->child, "include"));
	nginx_conf_free(c);
}

/* ---- files written for the case ----------------------------------- */

static char t_dir[300];

/* $TMPDIR, or /tmp: the run's own temporary folder */
static const char *t_tmpdir(void)
{
	const char *t = getenv("TMPDIR");

	return t && *t ? t : "/tmp";
}

static int t_rm(const char *path, const struct stat *st, int flag,
		struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void t_cleanup(void)
{
	if (t_dir[0] && chdir("/") == 0)
		nftw(t_dir, t_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* Work in a new temporary directory, removed when the case exits. */
static void t_tmp(void)
{
	snprintf(t_dir, sizeof(t_dir), "%s/wsctl-unit.XXXXXX", t_tmpdir());
	EXPECT(mkdtemp(t_dir) && chdir(t_dir) == 0);
	atexit(t_cleanup);
}

/* Write text to path (relative to the temporary directory), mkdir -p. */
static void t_put(const char *path, const char *text)
{
	char dir[256];
	FILE *f;

	for (const char *p = path; (p = strchr(p, '/')); p++) {
		snprintf(dir, sizeof(dir), "%.*s", (int)(p - path), path);
		mkdir(dir, 0755);
	}
	f = fopen(path, "w");
	EXPECTF(f, "cannot write %s", path);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* nginx.conf with text fails to read with exactly want. */
static void t_fails(const char *text, const char *want)
{
	char err[512] = "";
	struct nginx_conf *c;

	t_put("nginx.conf", text);
	c = nginx_conf_read("nginx.conf", err, sizeof(err));
	EXPECTF(!c, "'%s' was read", unit_show(text, strlen(text)));
	EXPECTF(!strcmp(err, want), "'%s' gave '%s', want '%s'",
		unit_show(text, strlen(text)), err, want);
	nginx_conf_free(c);
}

static void err_syntax(void)
{
	t_tmp();
	t_fails("events {\n}\nhttp {\n    server {\n        listen 80;\n"
		"    }\n}\n}\n", "nginx.conf:8: unexpected '}'");
	t_fails("http {\n    listen 80\n}\n", "nginx.conf:3: unexpected '}'");
	t_fails("http {\n    ;\n}\n", "nginx.conf:2: unexpected ';'");
	t_fails("{\n}\n", "nginx.conf:1: unexpected '{'");
	t_fails("http {\n    server {\n    }\n",
		"nginx.conf:4: unexpected end of file, expecting '}'");
	t_fails("events {}\nworker_processes 1",
		"nginx.conf:2: unexpected end of file, expecting ';' or '}'");
	t_fails("http {\n    add_header X \"a\"b;\n}\n",
		"nginx.conf:2: unexpected 'b'");
	t_fails("http {\n  return 200 \"a\n\n", "nginx.conf:2: unterminated string");
	t_fails("http {\n  return 200 'x'\x01;\n}\n",
		"nginx.conf:2: unexpected '\\x01'");

	/* 64 blocks deep is fine, 65 are refused before the stack suffers */
	{
		char deep[65 * 6 + 1] = "";

		for (int i = 0; i < 64; i++)
			strcat(deep, "a {\n");
		for (int i = 0; i < 64; i++)
			strcat(deep, "}\n");
		t_put("nginx.conf", deep);
		{
			char err[256] = "";
			struct nginx_conf *c = nginx_conf_read("nginx.conf", err,
							       sizeof(err));

			EXPECTF(c, "%s", err);
			nginx_conf_free(c);
		}
		memmove(deep + 4, deep, strlen(deep) + 1);
		memcpy(deep, "b {\n", 4);
		strcat(deep, "}\n");
		t_fails(deep, "nginx.conf:65: blocks nest deeper than 64");
	}
}

static void err_files(void)
{
	char err[512] = "", name[32], text[64];

	t_tmp();
	EXPECT(!nginx_conf_read("x.conf", err, sizeof(err)));
	STR_IS(err, "cannot open 'x.conf': No such file or directory");

	/* the include's own line, and the included file's */
	t_put("conf.d/ws.conf", "server {\n    listen 80;\n"
	      "    return 200 \"hi;\n}\n");
	t_fails("events {}\nhttp {\n    include conf.d/ws.conf;\n}\n",
		"conf.d/ws.conf:3: unterminated string");
	t_fails("http {\n    include missing.conf;\n}\n",
		"nginx.conf:2: cannot open 'missing.conf': No such file or directory");
	t_fails("http {\n    include conf.d;\n}\n",
		"nginx.conf:2: cannot read 'conf.d': Is a directory");
	t_fails("http {\n    include;\n}\n",
		"nginx.conf:2: invalid number of arguments in 'include'");
	t_fails("http {\n    include a b;\n}\n",
		"nginx.conf:2: invalid number of arguments in 'include'");
	t_fails("http {\n    include x.conf {\n    }\n}\n",
		"nginx.conf:2: directive 'include' is not terminated by ';'");

	/* cycles, direct and not */
	t_fails("events {}\n\ninclude nginx.conf;\n",
		"nginx.conf:3: include cycle through 'nginx.conf'");
	t_fails("include *.conf;\n",
		"nginx.conf:1: include cycle through 'nginx.conf'");
	t_put("a.conf", "include b.conf;\n");
	t_put("b.conf", "\ninclude a.conf;\n");
	t_fails("include a.conf;\n", "b.conf:2: include cycle through 'a.conf'");

	/* sixteen levels of includes are fine, seventeen are not */
	for (int i = 1; i <= 17; i++) {
		snprintf(name, sizeof(name), "deep/%d.conf", i);
		snprintf(text, sizeof(text), "# level %d\ninclude deep/%d.conf;\n",
			 i, i + 1);
		t_put(name, i == 17 ? "# level 17\n" : text);
	}
	t_put("deep/16.conf", "# level 16\n");
	t_put("nginx.conf", "events {}\ninclude deep/1.conf;\n");
	{
		struct nginx_conf *c = nginx_conf_read("nginx.conf", err,
						       sizeof(err));

		EXPECTF(c && c->nfiles == 17, "%s", err);
		nginx_conf_free(c);
	}
	t_put("deep/16.conf", "# level 16\ninclude deep/17.conf;\n");
	t_fails("events {}\n\n\n\n\n\ninclude deep/1.conf;\n",
		"deep/16.conf:2: include nests deeper than 16");
	/* one level less, and the deepest file closes a cycle */
	t_put("deep/17.conf", "include nginx.conf;\n");
	t_fails("events {}\n\n\n\n\n\ninclude deep/3.conf;\n",
		"deep/17.conf:1: include cycle through 'nginx.conf'");
}

/* Relative includes resolve against the main file's directory. */
static void conf_include_paths(void)
{
	char err[512] = "";
	struct nginx_conf *c;

	t_tmp();
	t_put("etc/nginx/nginx.conf", "events {}\nhttp {\n"
	      "    include sites/*.conf;\n    include /dev/null;\n"
	      "    include \"sites/[z]*.conf\";\n}\n");
	t_put("etc/nginx/sites/b.conf", "include snippets/up.conf;\n"
	      "server { listen 8081; location / { proxy_pass http://up; } }\n");
	t_put("etc/nginx/sites/a.conf", "server { listen 8080; }\n");
	t_put("etc/nginx/sites/z-ws.conf", "# matched twice, read twice\n");
	t_put("etc/nginx/snippets/up.conf", "upstream up { server 127.0.0.1:1; }\n");
	t_put("etc/nginx/sites/snippets/up.conf", "this is not the one\n");
	c = nginx_conf_read("etc/nginx/nginx.conf", err, sizeof(err));
	EXPECTF(c, "%s", err);
	if (!c)
		return;
	EXPECT(c->nfiles == 6);
	STR_IS(c->files[1], "etc/nginx/sites/a.conf");
	STR_IS(c->files[2], "etc/nginx/sites/b.conf");
	STR_IS(c->files[3], "etc/nginx/snippets/up.conf");
	STR_IS(c->files[4], "etc/nginx/sites/z-ws.conf");
	STR_IS(c->files[5], "/dev/null");
	EXPECT(c->nservers == 2 && c->nupstreams == 1);
	EXPECT(c->servers[1].locations[0].target.upstream == &c->upstreams[0]);
	nginx_conf_free(c);

	/* an absolute main path gives absolute names */
	{
		char path[400], want[400];

		snprintf(path, sizeof(path), "%s/etc/nginx/nginx.conf", t_dir);
		c = nginx_conf_read(path, err, sizeof(err));
		EXPECTF(c, "%s", err);
		if (!c)
			return;
		snprintf(want, sizeof(want), "%s/etc/nginx/snippets/up.conf",
			 t_dir);
		STR_IS(c->files[3], want);
		nginx_conf_free(c);
	}
}

static void err_model(void)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "http {\n    proxy_set_header Upgrade;\n}\n",
		  "nginx.conf:2: invalid number of arguments in 'proxy_set_header'" },
		{ "http {\n proxy_read_timeout 1s;\n proxy_read_timeout 2s;\n}\n",
		  "nginx.conf:3: 'proxy_read_timeout' directive is duplicate" },
		{ "http {\n    proxy_read_timeout 5x;\n}\n",
		  "nginx.conf:2: invalid value '5x' in 'proxy_read_timeout'" },
		{ "http {\n    proxy_http_version 2.0;\n}\n",
		  "nginx.conf:2: invalid value '2.0' in 'proxy_http_version', "
		  "it must be '1.0' or '1.1'" },
		{ "http {\n    proxy_http_version 1.1;\n    proxy_http_version 1.1;\n}\n",
		  "nginx.conf:3: 'proxy_http_version' directive is duplicate" },
		{ "http {\n upstream a {\n  server 127.0.0.1:1 weight=0;\n }\n}\n",
		  "nginx.conf:3: invalid parameter 'weight=0'" },
		{ "http {\n upstream a {\n  server 127.0.0.1:1 slow_start=1s;\n }\n}\n",
		  "nginx.conf:3: invalid parameter 'slow_start=1s'" },
		{ "http {\n upstream a {\n  server 127.0.0.1:1 fail_timeout=x;\n }\n}\n",
		  "nginx.conf:3: invalid parameter 'fail_timeout=x'" },
		{ "http {\n upstream a {\n  server 127.0.0.1:99999;\n }\n}\n",
		  "nginx.conf:3: bad port in '127.0.0.1:99999'" },
		{ "http {\n upstream a {\n  hash $x sticky;\n  server 127.0.0.1:1;\n }\n}\n",
		  "nginx.conf:3: invalid parameter 'sticky'" },
		{ "http {\n upstream empty {\n  ip_hash;\n }\n}\n",
		  "nginx.conf:2: no servers in upstream 'empty'" },
		{ "http {\n upstream ws { server 127.0.0.1:1; }\n"
		  " upstream WS { server 127.0.0.1:2; }\n}\n",
		  "nginx.conf:3: duplicate upstream 'WS'" },
		{ "http {\n upstream ws { server 127.0.0.1:1; }\n"
		  " server {\n  location / {\n   proxy_pass http://ws:8080;\n  }\n }\n}\n",
		  "nginx.conf:5: upstream 'ws' may not have port 8080" },
		{ "http {\n server {\n  location / {\n   proxy_pass ws://backend;\n  }\n }\n}\n",
		  "nginx.conf:4: invalid URL prefix in 'ws://backend'" },
		{ "http {\n server {\n  location ~ \\.php$ {\n"
		  "   proxy_pass http://127.0.0.1:1/x;\n  }\n }\n}\n",
		  "nginx.conf:4: 'proxy_pass' cannot have a uri part in a regex "
		  "or named location" },
		{ "http {\n server {\n  location / {\n   proxy_pass http://a;\n"
		  "   proxy_pass http://b;\n  }\n }\n}\n",
		  "nginx.conf:5: 'proxy_pass' directive is duplicate" },
		{ "http;\n", "nginx.conf:1: directive 'http' has no opening '{'" },
		{ "http {\n}\nhttp {\n}\n", "nginx.conf:3: 'http' directive is duplicate" },
		{ "http {\n server {\n  listen 80 {\n  }\n }\n}\n",
		  "nginx.conf:3: directive 'listen' is not terminated by ';'" },
		{ "http {\n server {\n  listen 80 sssl;\n }\n}\n",
		  "nginx.conf:3: invalid parameter 'sssl'" },
		{ "http {\n server {\n  listen 99999;\n }\n}\n",
		  "nginx.conf:3: bad port in '99999'" },
		{ "http {\n server {\n  location =~ /x {\n  }\n }\n}\n",
		  "nginx.conf:3: invalid location modifier '=~'" },
		{ "http {\n server {\n  location {\n  }\n }\n}\n",
		  "nginx.conf:3: invalid number of arguments in 'location'" },
		{ "http {\n server {\n  location / {\n   location /x;\n  }\n }\n}\n",
		  "nginx.conf:4: directive 'location' has no opening '{'" },
		{ "http {\n server {\n  server_name;\n }\n}\n",
		  "nginx.conf:3: invalid number of arguments in 'server_name'" },
		{ "http {\n server x {\n }\n}\n",
		  "nginx.conf:2: invalid number of arguments in 'server'" },
		{ "http {\n map $a $b {\n  default x;\n  default y;\n }\n}\n",
		  "nginx.conf:4: duplicate default map parameter" },
		{ "http {\n map $a $b {\n  one two three;\n }\n}\n",
		  "nginx.conf:3: invalid number of the map parameters" },
		{ "http {\n limit_conn_zone $binary_remote_addr zone=addr;\n}\n",
		  "nginx.conf:2: invalid parameter 'zone=addr'" },
		{ "http {\n server {\n  limit_conn addr 0;\n }\n}\n",
		  "nginx.conf:3: invalid number of connections '0'" },
	};

	t_tmp();
	for (size_t i = 0; i < NELEM(cases); i++)
		t_fails(cases[i].text, cases[i].want);
}

/* Odd but valid: forms the model must take as nginx does. */
static void conf_forms(void)
{
	char err[512] = "";
	struct nginx_conf *c;
	const struct nginx_server *s;
	const struct nginx_location *l;
	const struct nginx_limit_conn *lc;

	t_tmp();
	/* a conf.d snippet given on its own: read as the inside of http */
	t_put("ws.conf", "upstream up { server 127.0.0.1:1; }\n"
	      "server {\n  listen 127.0.0.1:8080;\n"
	      "  location /ws { proxy_pass http://up; }\n}\n");
	c = nginx_conf_read("ws.conf", err, sizeof(err));
	EXPECTF(c, "%s", err);
	if (!c)
		return;
	EXPECT(!c->has_http && c->nservers == 1 && c->nupstreams == 1);
	EXPECT(nginx_find_proxy(c, 8080, NULL, &s, &l, err, sizeof(err)) == 0);
	nginx_conf_free(c);

	t_put("nginx.conf",
	      "events {}\nhttp {\n"
	      "  limit_conn_zone $binary_remote_addr zone=perip:10m;\n"
	      "  limit_conn perip 10;\n"
	      "  server {\n"
	      "    listen 8443 ssl http2;\n"
	      "    listen *:8444 proxy_protocol;\n"
	      "    listen localhost;\n"
	      "    location =/x { proxy_pass http://127.0.0.1:1; }\n"
	      "    location ~*\\.js$ { proxy_pass http://127.0.0.1:2; }\n"
	      "    location ^~/y { proxy_pass http://127.0.0.1:3;\n"
	      "                    limit_conn perip 1; }\n"
	      "  }\n"
	      "}\n");
	c = nginx_conf_read("nginx.conf", err, sizeof(err));
	EXPECTF(c, "%s", err);
	if (!c)
		return;
	s = &c->servers[0];
	EXPECT(s->nlistens == 3);
	EXPECT(s->listens[0].ssl && s->listens[0].http2 && s->listens[0].addr.port == 8443);
	EXPECT(s->listens[1].proxy_protocol && !s->listens[1].ssl);
	EXPECT(s->listens[1].addr.port == 8444 && !s->listens[1].addr.host[0]);
	STR_IS(s->listens[2].addr.host, "localhost");
	EXPECT(s->listens[2].addr.port == 80);
	EXPECT(s->locations[0].match == NGINX_MATCH_EXACT);
	STR_IS(s->locations[0].path, "/x");
	EXPECT(s->locations[1].match == NGINX_MATCH_REGEX_ICASE);
	STR_IS(s->locations[1].path, "\\.js$");
	EXPECT(s->locations[2].match == NGINX_MATCH_PREFIX_NOREGEX);
	STR_IS(s->locations[2].path, "/y");
	EXPECT(c->nzones == 1 && c->zones[0].size == 10u << 20);
	STR_IS(c->zones[0].name, "perip");
	STR_IS(c->zones[0].key, "$binary_remote_addr");
	EXPECT(nginx_limit_conns(&s->locations[0].scope, &lc) == 1 && lc[0].n == 10);
	EXPECT(nginx_limit_conns(&s->locations[2].scope, &lc) == 1 && lc[0].n == 1);
	EXPECT(nginx_find_proxy(c, 8443, "/a/b.JS", &s, &l, err,
				sizeof(err)) == 0);
	EXPECT(l == &c->servers[0].locations[1]);
	nginx_conf_free(c);

	/* proxy_read_timeout as people write it */
	{
		static const struct {
			const char *v;
			int64_t ms;
		} t[] = {
			{ "300s", 300000 }, { "90", 90000 }, { "5m", 300000 },
			{ "1h", 3600000 }, { "1m30s", 90000 }, { "500ms", 500 },
			{ "'2d'", 172800000 },
		};

		for (size_t i = 0; i < NELEM(t); i++) {
			char text[128];

			snprintf(text, sizeof(text), "http {\n proxy_read_timeout %s;\n}\n",
				 t[i].v);
			t_put("nginx.conf", text);
			c = nginx_conf_read("nginx.conf", err, sizeof(err));
			EXPECTF(c, "%s", err);
			if (!c)
				continue;
			EXPECTF(nginx_read_timeout(&c->http, NULL) == t[i].ms,
				"%s gave %lld", t[i].v,
				(long long)nginx_read_timeout(&c->http, NULL));
			nginx_conf_free(c);
		}
	}
}

static void host_local(void)
{
	const char *yes[] = { "", "*", "localhost", "LocalHost", "127.0.0.1",
			      "127.1.2.3", "::1", "0.0.0.0", "::" };
	const char *no[] = { "10.0.0.1", "example.com", "::2", "128.0.0.1" };

	for (size_t i = 0; i < NELEM(yes); i++)
		EXPECTF(nginx_host_is_local(yes[i]), "'%s' is not local", yes[i]);
	for (size_t i = 0; i < NELEM(no); i++)
		EXPECTF(!nginx_host_is_local(no[i]), "'%s' is local", no[i]);
}

/* proxy_read_timeout in nginx's grammar: 1w and "1h 30m" read, 0.25 not */
static void read_timeout_grammar(void)
{
	static const struct { const char *v; int64_t ms; } cases[] = {
		{ "1w", 604800000 }, { "\"1h 30m\"", 5400000 }, { "90", 90000 },
		{ "0.25", -1 }, { "1x", -1 },
	};

	for (size_t i = 0; i < NELEM(cases); i++) {
		char path[300], err[512] = "";
		int fd;

		snprintf(path, sizeof(path), "%s/wsctl-unit-XXXXXX", t_tmpdir());
		fd = mkstemp(path);
		FILE *f = fdopen(fd, "w");
		struct nginx_conf *c;

		fprintf(f, "server { listen 8080; location / { proxy_pass "
			"http://127.0.0.1:1; proxy_read_timeout %s; } }\n",
			cases[i].v);
		fclose(f);
		c = nginx_conf_read(path, err, sizeof(err));
		unlink(path);
		if (cases[i].ms < 0) {
			EXPECTF(!c && strstr(err, ":1:"), "'%s': %s", cases[i].v,
				c ? "accepted" : err);
		} else {
			struct nginx_pos at;

			EXPECTF(c && nginx_read_timeout(&c->servers[0].locations[0]
							.scope, &at) ==
				cases[i].ms, "'%s': %s", cases[i].v, err);
		}
		nginx_conf_free(c);
	}
}

/* server_name picks the server: exact, then wildcards, else the default */
static void server_for(void)
{
	struct nginx_conf *c;
	char err[512] = "";

	t_tmp();
	t_put("nginx.conf", "events {} http {\n"
	      "server { listen 80; server_name a.example.com; }\n"
	      "server { listen 80 default_server; server_name dflt; }\n"
	      "server { listen 80; server_name b.example.com *.wild.org; }\n"
	      "server { listen 80; server_name www.*; }\n"
	      "server { listen 443 ssl; server_name b.example.com; }\n}\n");
	c = nginx_conf_read("nginx.conf", err, sizeof(err));
	EXPECTF(c, "%s", err);
	if (!c)
		return;
	EXPECT(nginx_server_for(c, 80, "B.Example.com") == &c->servers[2]);
	EXPECT(nginx_server_for(c, 80, "x.wild.org") == &c->servers[2]);
	EXPECT(nginx_server_for(c, 80, "www.site") == &c->servers[3]);
	EXPECT(nginx_server_for(c, 80, "nobody.net") == &c->servers[1]);
	EXPECT(nginx_server_for(c, 443, "b.example.com") == &c->servers[4]);
	EXPECT(nginx_server_for(c, 8080, "a.example.com") == NULL);
	nginx_conf_free(c);
}

/* what the backend sees after proxy_pass with and without a URI */
static void backend_uri(void)
{
	struct nginx_conf *c;
	char err[512] = "", out[64];
	const struct nginx_location *l;

	t_tmp();
	t_put("nginx.conf", "events {} http { server { listen 80;\n"
	      "location ^~ /push/ { proxy_pass http://127.0.0.1:8080/; }\n"
	      "location /api/ { proxy_pass http://127.0.0.1:8080/v2/; }\n"
	      "location /ws/ { proxy_pass http://127.0.0.1:8080; }\n"
	      "location ~ ^/re/ { proxy_pass http://127.0.0.1:8080; }\n} }\n");
	c = nginx_conf_read("nginx.conf", err, sizeof(err));
	EXPECTF(c, "%s", err);
	if (!c)
		return;
	l = nginx_location_for(&c->servers[0], "/push/x");
	EXPECT(l && nginx_backend_uri(l, "/push/x", out, sizeof(out)) == 0 &&
	       !strcmp(out, "/x"));
	l = nginx_location_for(&c->servers[0], "/api/users");
	EXPECT(l && nginx_backend_uri(l, "/api/users", out, sizeof(out)) == 0 &&
	       !strcmp(out, "/v2/users"));
	l = nginx_location_for(&c->servers[0], "/ws/");
	EXPECT(l && nginx_backend_uri(l, "/ws/", out, sizeof(out)) == 0 &&
	       !strcmp(out, "/ws/"));
	l = nginx_location_for(&c->servers[0], "/re/a");
	EXPECT(l && l->match == NGINX_MATCH_REGEX &&
	       nginx_backend_uri(l, "/re/a", out, sizeof(out)) == 0 &&
	       !strcmp(out, "/re/a"));
	EXPECT(l && !strcmp(nginx_location_name(l, out, sizeof(out)),
			    "location ~ ^/re/"));
	nginx_conf_free(c);
}

/* the sandbox's reading: missing includes listed, bare locations, ssl on */
static void sandbox_shapes(void)
{
	struct nginx_conf *c;
	char err[512] = "";

	t_tmp();
	t_put("nginx.conf", "events {}\nhttp {\n    include /nonexistent/x.conf;\n"
	      "    server { listen 443; ssl on; }\n}\n");
	EXPECT(!nginx_conf_read("nginx.conf", err, sizeof(err)) &&
	       strstr(err, "nginx.conf:3: cannot open '/nonexistent/x.conf'"));
	c = nginx_conf_load("nginx.conf", NGINX_READ_MISSING_OK, err, sizeof(err));
	EXPECTF(c, "%s", err);
	if (c) {
		EXPECT(c->nmissing == 1 && c->missing[0].at.line == 3 &&
		       !strcmp(c->missing[0].path, "/nonexistent/x.conf"));
		EXPECT(c->shape == NGINX_SHAPE_MAIN && c->nservers == 1 &&
		       c->servers[0].ssl_on && c->servers[0].listens[0].ssl);
		nginx_conf_free(c);
	}
	t_put("ws.conf", "location /ws/ {\n    proxy_pass http://127.0.0.1:8080;\n}\n");
	c = nginx_conf_read("ws.conf", err, sizeof(err));
	EXPECTF(c, "%s", err);
	if (c) {
		EXPECT(c->shape == NGINX_SHAPE_SERVER && c->nservers == 1 &&
		       c->servers[0].nlocations == 1 &&
		       c->servers[0].listens[0].implicit);
		nginx_conf_free(c);
	}
}

const struct unit_case nginx_conf_cases[] = {
	{ "nginx.server-for", server_for },
	{ "nginx.backend-uri", backend_uri },
	{ "nginx.sandbox-shapes", sandbox_shapes },
	{ "nginx.read-timeout-grammar", read_timeout_grammar },
	{ "nginx.lex-words", lex_words },
	{ "nginx.lex-quotes", lex_quotes },
	{ "nginx.lex-comments", lex_comments },
	{ "nginx.lex-lines", lex_lines },
	{ "nginx.lex-errors", lex_errors },
	{ "nginx.lex-flags", lex_flags },
	{ "nginx.lex-fixtures", lex_fixtures },
	{ "nginx.conf-article", conf_article },
	{ "nginx.conf-defaults", conf_defaults },
	{ "nginx.conf-inherit", conf_inherit },
	{ "nginx.conf-balance", conf_balance },
	{ "nginx.conf-listen", conf_listen },
	{ "nginx.conf-locations", conf_locations },
	{ "nginx.conf-include", conf_include },
	{ "nginx.conf-include-paths", conf_include_paths },
	{ "nginx.conf-forms", conf_forms },
	{ "nginx.err-syntax", err_syntax },
	{ "nginx.err-files", err_files },
	{ "nginx.err-model", err_model },
	{ "nginx.host-local", host_local },
	{ NULL, NULL },
};
