/*
 * proxy_haproxy.c - HAProxy's driver: haproxy.cfg's sections (global,
 * defaults, frontend, backend, listen), the frontend that listens and
 * the backend its WebSocket traffic goes to.
 */
#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "checks/proxy.h"
#include "common/units.h"

static int is_section(const char *w)
{
	return !strcmp(w, "global") || !strcmp(w, "defaults") ||
	       !strcmp(w, "frontend") || !strcmp(w, "backend") ||
	       !strcmp(w, "listen") || !strcmp(w, "resolvers") ||
	       !strcmp(w, "peers") || !strcmp(w, "userlist") ||
	       !strcmp(w, "program") || !strcmp(w, "mailers") ||
	       !strcmp(w, "cache") || !strcmp(w, "http-errors") ||
	       !strcmp(w, "ring");
}

static int detect(const char *text)
{
	static const char *const words[] = {
		"\nfrontend ", "\nbackend ", "\ndefaults", "\nglobal",
		"default_backend", "timeout tunnel", "\n    server ",
		"mode http", "balance ", NULL,
	};
	int i, n = 0;

	for (i = 0; words[i]; i++)
		n += strstr(text, words[i]) != NULL;
	return n >= 2 ? n : 0;
}

/* HAProxy's times: a bare number is milliseconds. */
static int haproxy_time(const char *s, int64_t *ms)
{
	size_t i = strspn(s, "0123456789");

	if (i && !s[i]) {
		*ms = strtoll(s, NULL, 10);
		return 0;
	}
	return units_duration(s, ms);
}

static enum balance balance_of(const char *alg)
{
	if (!strcmp(alg, "roundrobin") || !strcmp(alg, "static-rr"))
		return BALANCE_ROUND_ROBIN;
	if (!strcmp(alg, "leastconn"))
		return BALANCE_LEAST_CONN;
	if (!strcmp(alg, "source"))
		return BALANCE_IP_HASH;
	if (!strcmp(alg, "random"))
		return BALANCE_RANDOM;
	return BALANCE_HASH;	/* uri, url_param, hdr, rdp-cookie, first */
}

/* What a defaults or backend section sets for the target's backend. */
struct scope {
	unsigned balance_line, tunnel_line, server_line, client_line;
	int64_t tunnel, server, client;
	enum balance balance;
	unsigned forwardfor, redispatch, realip, proto, host, deny;
};

/* http-request deny (or reject, tarpit, return) on an Upgrade that is
   not h2c's: WebSocket handshakes refused. */
static int denies_upgrade(const char *line, const struct proxy_args *a)
{
	if (a->n < 2 || strcmp(a->v[0], "http-request") ||
	    (strcmp(a->v[1], "deny") && strcmp(a->v[1], "reject") &&
	     strcmp(a->v[1], "tarpit") && strcmp(a->v[1], "return")))
		return 0;
	return strcasestr(line, "upgrade") && !strcasestr(line, "h2c");
}

static void scope_line(const char *line, struct scope *s,
		       const struct proxy_args *a, unsigned n)
{
	int64_t t;

	if (!strcmp(a->v[0], "balance") && a->n > 1) {
		s->balance = balance_of(a->v[1]);
		s->balance_line = n;
	} else if (!strcmp(a->v[0], "timeout") && a->n > 2 &&
		   haproxy_time(a->v[2], &t) == 0) {
		if (!strcmp(a->v[1], "tunnel"))
			s->tunnel = t, s->tunnel_line = n;
		else if (!strcmp(a->v[1], "server"))
			s->server = t, s->server_line = n;
		else if (!strcmp(a->v[1], "client"))
			s->client = t, s->client_line = n;
	} else if (!strcmp(a->v[0], "option") && a->n > 1) {
		if (!strcmp(a->v[1], "forwardfor"))
			s->forwardfor = n;
		else if (!strcmp(a->v[1], "redispatch"))
			s->redispatch = n;
	} else if (denies_upgrade(line, a)) {
		s->deny = n;
	} else if (a->n > 2 && (!strcmp(a->v[0], "http-request")) &&
		   (!strcmp(a->v[1], "set-header") ||
		    !strcmp(a->v[1], "add-header"))) {
		if (!strcasecmp(a->v[2], "X-Real-IP"))
			s->realip = n;
		else if (!strcasecmp(a->v[2], "X-Forwarded-Proto"))
			s->proto = n;
		else if (!strcasecmp(a->v[2], "Host"))
			s->host = n;
	}
}

/* Later scopes win: the backend over the frontend over the defaults. */
static void scope_merge(struct scope *to, const struct scope *from)
{
	if (from->balance_line)
		to->balance = from->balance, to->balance_line = from->balance_line;
#define TAKE(f) if (from->f) to->f = from->f
	TAKE(tunnel_line); TAKE(server_line); TAKE(client_line);
	TAKE(tunnel); TAKE(server); TAKE(client);
	TAKE(forwardfor); TAKE(redispatch); TAKE(realip); TAKE(proto);
	TAKE(host); TAKE(deny);
#undef TAKE
}

static int read_conf(struct proxy_model *m, char *err, size_t errlen)
{
	struct scope defaults = { 0 }, front = { 0 }, back = { 0 };
	char want[128] = "", path[256] = "/", sect[32] = "", name[128] = "";
	unsigned n, front_line = 0, back_line = 0;
	struct proxy_args a;
	int in_front = 0, in_back = 0, pass;

	/* pass 0: the frontend (the first that binds) and the backend it
	   sends WebSocket traffic to; pass 1: that backend's servers */
	for (pass = 0; pass < 2; pass++)
	for (n = 1; n <= m->nlines; n++) {
		proxy_split(m->line[n], &a);
		if (!a.n)
			continue;
		if (is_section(a.v[0]) && !isspace((unsigned char)m->line[n][0])) {
			snprintf(sect, sizeof(sect), "%s", a.v[0]);
			snprintf(name, sizeof(name), "%s", a.n > 1 ? a.v[1] : "");
			in_front = pass == 0 && !front_line &&
				   (!strcmp(sect, "frontend") || !strcmp(sect, "listen"));
			if (in_front)
				front_line = n;
			in_back = pass == 1 && want[0] && !strcmp(name, want) &&
				  (!strcmp(sect, "backend") || !strcmp(sect, "listen"));
			if (in_back)
				back_line = n;
			if (pass == 0 && !strcmp(sect, "listen") && front_line == n)
				snprintf(want, sizeof(want), "%s", name);
			if (!strcmp(sect, "listen") && a.n > 2 && in_front &&
			    m->nlisten < PROXY_MAX_LISTEN) {
				struct proxy_listen *l = &m->listen[m->nlisten++];
				char *c = strrchr(a.v[2], ':');

				snprintf(l->host, sizeof(l->host), "%.*s",
					 c ? (int)(c - a.v[2]) : 0, a.v[2]);
				l->port = c ? (unsigned)atoi(c + 1) : 0;
				l->line = n;
			}
			continue;
		}
		if (pass == 0 && !strcmp(sect, "defaults"))
			scope_line(m->line[n], &defaults, &a, n);
		if (pass == 0 && in_front) {
			scope_line(m->line[n], &front, &a, n);
			if (!strcmp(a.v[0], "bind") && a.n > 1 &&
			    a.v[1][0] != '/' && strncmp(a.v[1], "unix@", 5) &&
			    m->nlisten < PROXY_MAX_LISTEN) {
				struct proxy_listen *l = &m->listen[m->nlisten++];
				char *c = strrchr(a.v[1], ':');
				int i;

				snprintf(l->host, sizeof(l->host), "%.*s",
					 c ? (int)(c - a.v[1]) : 0, a.v[1]);
				l->port = c ? (unsigned)atoi(c + 1) : 0;
				l->line = n;
				for (i = 2; i < a.n; i++)
					l->tls |= !strcmp(a.v[i], "ssl");
			}
			if (!strcmp(a.v[0], "default_backend") && a.n > 1 &&
			    !want[0])
				snprintf(want, sizeof(want), "%s", a.v[1]);
			/* use_backend B if ACL: the one a WebSocket path or
			   an Upgrade goes to wins over the default */
			if (!strcmp(a.v[0], "use_backend") && a.n > 1) {
				snprintf(want, sizeof(want), "%s", a.v[1]);
			}
			if (!strcmp(a.v[0], "acl") && a.n > 3 &&
			    (!strcmp(a.v[2], "path_beg") ||
			     !strcmp(a.v[2], "path")))
				snprintf(path, sizeof(path), "%s", a.v[a.n - 1]);
		}
		if (pass == 1 && in_back) {
			scope_line(m->line[n], &back, &a, n);
			if (!strcmp(a.v[0], "server") && a.n > 2 &&
			    m->nb < BACKENDS_MAX) {
				int i, k = m->nb++;

				snprintf(m->b[k].addr, sizeof(m->b[k].addr), "%s",
					 a.v[2]);
				m->b[k].weight = 1;
				m->b[k].line = n;
				for (i = 3; i < a.n; i++) {
					if (!strcmp(a.v[i], "weight") && i + 1 < a.n)
						m->b[k].weight = atoi(a.v[i + 1]);
					m->b[k].backup |= !strcmp(a.v[i], "backup");
				}
			}
		}
	}
	if (!front_line || !m->nlisten)
		return snprintf(err, errlen, "%s: no frontend binds an address",
				m->file), -1;
	if (!back_line || !m->nb)
		return snprintf(err, errlen, "%s:%u: %s%s has no server", m->file,
				back_line ? back_line : front_line,
				want[0] ? "backend " : "the frontend",
				want), -1;
	snprintf(m->path, sizeof(m->path), "%s", path);
	snprintf(m->section, sizeof(m->section), "%s", m->line[back_line]);
	proxy_strip_comment(m->section);
	m->section_line = back_line;
	scope_merge(&defaults, &front);
	scope_merge(&defaults, &back);
	m->balance = defaults.balance_line ? defaults.balance :
		     BALANCE_ROUND_ROBIN;
	m->balance_line = defaults.balance_line;
	/* a tunnel idles out after timeout tunnel, or without it the
	   shorter of client and server */
	if (defaults.tunnel_line) {
		m->timeout_ms = defaults.tunnel;
		m->timeout_line = defaults.tunnel_line;
	} else if (defaults.server_line || defaults.client_line) {
		int server = defaults.server_line && (!defaults.client_line ||
						      defaults.server <= defaults.client);

		m->timeout_ms = server ? defaults.server : defaults.client;
		m->timeout_line = server ? defaults.server_line :
				  defaults.client_line;
	}
	if (m->balance_line)
		proxy_fact_add(m, "balance", m->balance_line);
	if (m->timeout_line)
		proxy_fact_add(m, "timeout", m->timeout_line);
	{
		const struct { const char *key; unsigned line; } facts[] = {
			{ "forwardfor", defaults.forwardfor },
			{ "redispatch", defaults.redispatch },
			{ "x-real-ip", defaults.realip },
			{ "x-forwarded-proto", defaults.proto },
			{ "host", defaults.host },
			{ "deny-upgrade", defaults.deny },
		};

		for (size_t i = 0; i < sizeof(facts) / sizeof(facts[0]); i++)
			if (facts[i].line)
				proxy_fact_add(m, facts[i].key, facts[i].line);
	}
	return 0;
}

/* What goes from global: what would daemonize, change user, or write
   or talk outside the sandbox. */
static const char *const global_out[] = {
	"daemon", "chroot", "user", "group", "uid", "gid", "pidfile",
	"stats", "ca-base", "crt-base", "ssl-dh-param-file", "nbproc",
	"master-worker", "lua-load", NULL,
};

static int in_list(const char *const *l, const char *w)
{
	for (; *l; l++)
		if (!strcmp(*l, w))
			return 1;
	return 0;
}

/* bind ADDR [opts]: ADDR the copy's port, a certificate the sandbox's. */
static void write_bind(FILE *f, const struct proxy_box *b, const char *pem,
		       const struct proxy_args *a, int idx)
{
	int i;

	fprintf(f, "    bind %s:%u", b->listen[idx].host, b->listen[idx].port);
	for (i = 2; i < a->n; i++) {
		if (!strcmp(a->v[i], "crt") || !strcmp(a->v[i], "crt-list")) {
			fprintf(f, " crt %s", pem);
			i++;
		} else if (!strcmp(a->v[i], "ca-file") ||
			   !strcmp(a->v[i], "crl-file") ||
			   !strcmp(a->v[i], "verify")) {
			i++;
		} else {
			fprintf(f, " %s", a->v[i]);
		}
	}
	fprintf(f, "\n");
}

/* server NAME ADDR [opts]: ADDR the stand-in's, TLS to it gone. */
static void write_server(FILE *f, const struct hostport *to,
			 const struct proxy_args *a)
{
	int i;

	fprintf(f, "    server %s %s:%u", a->v[1], to->host, to->port);
	for (i = 3; i < a->n; i++) {
		if (!strcmp(a->v[i], "ssl") || !strcmp(a->v[i], "check-ssl"))
			continue;
		if (!strcmp(a->v[i], "verify") || !strcmp(a->v[i], "ca-file") ||
		    !strcmp(a->v[i], "crt") || !strcmp(a->v[i], "sni")) {
			i++;
			continue;
		}
		fprintf(f, " %s", a->v[i]);
	}
	fprintf(f, "\n");
}

static int write_conf(const struct proxy_model *m, struct proxy_box *b,
		      char *err, size_t errlen)
{
	char pem[300], sect[32] = "";
	FILE *f;
	unsigned n;
	int k = 0, in_target = 0;

	snprintf(pem, sizeof(pem), "%s/haproxy.pem", b->prefix);
	if (b->cert[0]) {
		/* HAProxy takes the certificate and its key in one file */
		FILE *out = fopen(pem, "w");
		const char *parts[] = { b->cert, b->key };
		int i, c;

		for (i = 0; out && i < 2; i++) {
			FILE *in = fopen(parts[i], "r");

			while (in && (c = fgetc(in)) != EOF)
				fputc(c, out);
			if (in)
				fclose(in);
		}
		if (!out || fclose(out) != 0)
			return snprintf(err, errlen, "cannot write %s", pem), -1;
	}
	snprintf(b->conf, sizeof(b->conf), "%s/haproxy.cfg", b->prefix);
	if (!(f = fopen(b->conf, "w")))
		return snprintf(err, errlen, "cannot write %s", b->conf), -1;
	for (n = 1; n <= m->nlines; n++) {
		struct proxy_args a;

		proxy_split(m->line[n], &a);
		if (a.n && is_section(a.v[0]) &&
		    !isspace((unsigned char)m->line[n][0])) {
			snprintf(sect, sizeof(sect), "%s", a.v[0]);
			in_target = n == m->section_line;
			if (!strcmp(sect, "listen") && a.n > 2 && k < m->nlisten &&
			    m->listen[k].line == n) {
				fprintf(f, "%s %s %s:%u\n", a.v[0], a.v[1],
					b->listen[k].host, b->listen[k].port);
				k++;
				continue;
			}
		}
		if (!a.n) {
			proxy_copy_line(f, m, b, n, 0, NULL);
		} else if (!strcmp(sect, "global") && in_list(global_out, a.v[0])) {
			proxy_copy_line(f, m, b, n, 1, "the sandbox");
		} else if (!strcmp(a.v[0], "log") &&
			   !(a.n > 1 && !strcmp(a.v[1], "global"))) {
			proxy_copy_line(f, m, b, n, 1, "no logging to the host");
		} else if (!strcmp(a.v[0], "bind") && k < m->nlisten &&
			   m->listen[k].line == n) {
			write_bind(f, b, pem, &a, k++);
		} else if (!strcmp(a.v[0], "bind")) {
			/* another frontend's: a port of its own */
			fprintf(f, "    bind 127.0.0.1:0\n");
		} else if (!strcmp(a.v[0], "server") && a.n > 2) {
			const struct hostport *to = in_target ?
				proxy_stand_in(m, b, a.v[2]) : NULL;
			struct hostport none = { "127.0.0.1", 1 };

			/* other backends' servers: a socket nobody listens on */
			write_server(f, to ? to : &none, &a);
		} else {
			proxy_copy_line(f, m, b, n, 0, NULL);
		}
	}
	if (fclose(f) != 0)
		return snprintf(err, errlen, "cannot write %s", b->conf), -1;
	return 0;
}

static void argv_of(const struct proxy_box *b, const char **argv)
{
	/* master-worker in the foreground: SIGUSR2 reloads */
	argv[0] = "haproxy";
	argv[1] = "-W";
	argv[2] = "-db";
	argv[3] = "-f";
	argv[4] = b->conf;
	argv[5] = NULL;
}

/* For each check: the fact to blame, what is missing, and the fix. */
static const struct proxy_rule rules[] = {
	{ "headers.x-forwarded-for", "forwardfor", "no option forwardfor",
	  "option forwardfor" },
	{ "headers.x-real-ip", "x-real-ip", "no X-Real-IP set",
	  "http-request set-header X-Real-IP %[src]" },
	{ "headers.forwarded-proto", "x-forwarded-proto",
	  "no X-Forwarded-Proto set",
	  "http-request set-header X-Forwarded-Proto https if { ssl_fc }" },
	{ "handshake.status-101", "deny-upgrade", NULL,
	  "remove the rule, or narrow it to Upgrade: h2c" },
	{ "headers.host", "host", NULL,
	  "remove it: HAProxy passes the client's Host as it came" },
	{ "distribution.balance", "balance", "no balance (roundrobin)",
	  "balance roundrobin" },
	{ "failover.backend-down", "redispatch", "no option redispatch",
	  "option redispatch (and check on each server)" },
	{ "timeout.idle", "timeout", "no timeout tunnel", "timeout tunnel 1h" },
	{ "timeout.idle-close", "timeout", "no timeout tunnel",
	  "timeout tunnel 1h" },
	{ NULL, NULL, NULL, NULL },
};

static const char *hint(const char *id)
{
	const char *fix = proxy_rule_fix(rules, id);

	if (fix)
		return fix;
	if (!strcmp(id, "upgrade.h2c"))
		return "http-request deny if { req.hdr(upgrade) -i h2c }";
	if (!strcmp(id, "reload.tunnels"))
		return "hard-stop-after (global) longer than the tunnels live";
	return NULL;
}

static void blame(const struct proxy_model *m, const char *id,
		  struct check_ref *ref)
{
	proxy_rule_blame(m, rules, id, ref);
}

const struct proxy_driver proxy_haproxy = {
	"haproxy", "haproxy", NULL, detect, read_conf, write_conf, argv_of,
	SIGUSR2, hint, blame, NULL,
};
