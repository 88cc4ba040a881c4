/*
 * proxy_caddy.c - Caddy's driver: a Caddyfile's sites, the first whose
 * reverse_proxy has upstreams, the path that reaches it (its matcher, or
 * the handle around it) and its subdirectives.
 *
 * The copy keeps every line where it was but for the global options
 * wsctl needs (its admin port, loopback binds, Caddy's own CA for TLS,
 * no trust store touched), which go first, or inside the user's own
 * global block.  Sites listen on fresh loopback ports, upstreams are the
 * stand-ins, logs go to stderr, and a site's tls is "tls internal".
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "checks/proxy.h"
#include "common/net.h"

/* What a line is to a Caddyfile: the block it opens, if any. */
static int opens(const struct proxy_args *a)
{
	return a->n && !strcmp(a->v[a->n - 1], "{");
}

static int closes(const struct proxy_args *a)
{
	return a->n == 1 && !strcmp(a->v[0], "}");
}

static int detect(const char *text)
{
	static const char *const words[] = {
		"reverse_proxy", "file_server", "encode ", "handle_path",
		"lb_policy", "header_up", "tls internal", "respond ", NULL,
	};
	int i, n = 0;

	for (i = 0; words[i]; i++)
		n += strstr(text, words[i]) != NULL;
	/* "reverse_proxy" alone says Caddy; nginx and Apache say it never */
	return n && strstr(text, "reverse_proxy") ? n + 1 : 0;
}

/* A site address: [scheme://]host[:port][/path]. */
struct site {
	char scheme[8], host[256];
	unsigned port;		/* 0: none written */
};

static void site_parse(const char *w, struct site *s)
{
	const char *p = strstr(w, "://"), *colon, *slash;
	size_t hl;

	memset(s, 0, sizeof(*s));
	if (p) {
		snprintf(s->scheme, sizeof(s->scheme), "%.*s", (int)(p - w), w);
		w = p + 3;
	}
	slash = strchr(w, '/');
	hl = slash ? (size_t)(slash - w) : strlen(w);
	colon = memchr(w, ':', hl);
	if (w[0] == '[')
		colon = memchr(w, ']', hl) ? strchr(memchr(w, ']', hl), ':') : NULL;
	if (colon && (!slash || colon < slash)) {
		s->port = (unsigned)atoi(colon + 1);
		hl = (size_t)(colon - w);
	}
	snprintf(s->host, sizeof(s->host), "%.*s", (int)hl, w);
}

/* Caddy serves HTTPS on a site with a host name or address, unless it
   says http:// or port 80. */
static int site_tls(const struct site *s)
{
	if (s->scheme[0])
		return !strcmp(s->scheme, "https");
	if (s->port)
		return s->host[0] && s->port != 80;
	return s->host[0] != 0;
}

static enum balance balance_of(const char *p)
{
	if (!strcmp(p, "round_robin") || !strcmp(p, "weighted_round_robin"))
		return BALANCE_ROUND_ROBIN;
	if (!strcmp(p, "least_conn"))
		return BALANCE_LEAST_CONN;
	if (!strcmp(p, "ip_hash") || !strcmp(p, "client_ip_hash"))
		return BALANCE_IP_HASH;
	if (!strncmp(p, "random", 6))
		return BALANCE_RANDOM;
	return BALANCE_HASH;	/* first, uri_hash, header, cookie */
}

/* An upstream as written ("app:3000", "http://app:3000", ":8080") made
   the model's address: host:port, a port alone on localhost. */
static void upstream_addr(const char *w, char *out, size_t len)
{
	const char *p = strstr(w, "://");

	if (p)
		w = p + 3;
	if (w[0] == ':')
		snprintf(out, len, "localhost%s", w);
	else
		snprintf(out, len, "%s", w);
}

static void add_upstream(struct proxy_model *m, const char *w, unsigned n)
{
	char addr[300];
	int i;

	upstream_addr(w, addr, sizeof(addr));
	if (!addr[0] || addr[strlen(addr) - 1] == ':')
		return;		/* "http://", or a bare ":" */
	/* listed twice, served twice as often (round_robin) */
	for (i = 0; i < m->nb; i++)
		if (!strcmp(m->b[i].addr, addr)) {
			m->b[i].weight++;
			return;
		}
	if (m->nb == BACKENDS_MAX)
		return;
	snprintf(m->b[m->nb].addr, sizeof(m->b[m->nb].addr), "%s", addr);
	m->b[m->nb].weight = 1;
	m->b[m->nb].line = n;
	m->nb++;
}

/* A matcher's path, up to its wildcard, as a path to request: "/ws/". */
static void matcher_path(const char *w, char *out, size_t len)
{
	size_t l = strcspn(w, "*");

	snprintf(out, len, "%.*s", (int)l, w);
	if (!out[0])
		snprintf(out, len, "/");
}

/* The path of named matcher name in the site that starts at line from. */
static int named_path(const struct proxy_model *m, unsigned from,
		      const char *name, char *out, size_t len)
{
	unsigned n, in = 0;
	struct proxy_args a;

	for (n = from; n <= m->nlines; n++) {
		proxy_split(m->line[n], &a);
		if (a.n && !strcmp(a.v[0], name)) {
			if (a.n > 2 && !strcmp(a.v[1], "path")) {
				matcher_path(a.v[2], out, len);
				return 0;
			}
			in = opens(&a);
			continue;
		}
		if (in && closes(&a))
			in = 0;
		if (in && a.n > 1 && !strcmp(a.v[0], "path")) {
			matcher_path(a.v[1], out, len);
			return 0;
		}
	}
	return -1;
}

static int read_conf(struct proxy_model *m, char *err, size_t errlen)
{
	unsigned n, site_line = 0, rp_line = 0, handle_depth = 0;
	int depth = 0, rp_depth = -1, in_site = 0, done = 0;
	char handle_path[256] = "", w[8];
	struct proxy_args a;

	for (n = 1; n <= m->nlines && !done; n++) {
		proxy_split(m->line[n], &a);
		if (!a.n)
			continue;
		if (closes(&a)) {
			if (--depth < 0)
				depth = 0;
			if (rp_depth >= 0 && depth <= rp_depth)
				done = 1;	/* the reverse_proxy block ends */
			if ((unsigned)depth < handle_depth)
				handle_depth = 0, handle_path[0] = 0;
			if (!depth)
				in_site = 0;
			continue;
		}
		if (depth == 0 && opens(&a) && a.n > 1 && a.v[0][0] != '(') {
			int i;

			in_site = 1;
			site_line = n;
			m->nlisten = 0;
			for (i = 0; i < a.n - 1 && m->nlisten < PROXY_MAX_LISTEN;
			     i++) {
				struct proxy_listen *l = &m->listen[m->nlisten];
				char w[300];
				struct site s;

				snprintf(w, sizeof(w), "%s", a.v[i]);
				w[strcspn(w, ",")] = 0;
				if (!w[0])
					continue;
				site_parse(w, &s);
				l->tls = site_tls(&s);
				l->port = s.port ? s.port : l->tls ? 443 : 80;
				snprintf(l->host, sizeof(l->host), "%s", s.host);
				snprintf(l->name, sizeof(l->name), "%s",
					 s.host[0] && !strchr(s.host, '*') ?
					 s.host : "");
				l->line = n;
				m->nlisten++;
			}
		} else if (in_site && a.n > 1 && opens(&a) &&
			   (!strcmp(a.v[0], "handle") ||
			    !strcmp(a.v[0], "handle_path") ||
			    !strcmp(a.v[0], "route")) && a.v[1][0] == '/') {
			matcher_path(a.v[1], handle_path, sizeof(handle_path));
			handle_depth = (unsigned)depth + 1;
		} else if (in_site && rp_depth < 0 &&
			   !strcmp(a.v[0], "reverse_proxy")) {
			int i = 1, last = a.n - opens(&a);

			rp_line = n;
			if (i < last && a.v[i][0] == '/') {
				matcher_path(a.v[i], m->path, sizeof(m->path));
				i++;
			} else if (i < last && a.v[i][0] == '@') {
				named_path(m, site_line, a.v[i], m->path,
					   sizeof(m->path));
				i++;
			} else if (i < last && !strcmp(a.v[i], "*")) {
				i++;
			}
			for (; i < last; i++)
				add_upstream(m, a.v[i], n);
			if (!m->path[0] && handle_path[0])
				snprintf(m->path, sizeof(m->path), "%s",
					 handle_path);
			if (opens(&a))
				rp_depth = depth;
			else if (m->nb)
				done = 1;
		} else if (rp_depth >= 0 && depth == rp_depth + 1) {
			if (!strcmp(a.v[0], "to")) {
				int i;

				for (i = 1; i < a.n; i++)
					add_upstream(m, a.v[i], n);
			} else if (!strcmp(a.v[0], "lb_policy") && a.n > 1) {
				m->balance = balance_of(a.v[1]);
				m->balance_line = n;
				proxy_fact_add(m, "lb_policy", n);
			} else if (!strcmp(a.v[0], "lb_try_duration")) {
				proxy_fact_add(m, "lb_try_duration", n);
			} else if (!strcmp(a.v[0], "header_up") && a.n > 1) {
				const char *h = a.v[1] + (a.v[1][0] == '+');

				if (!strcasecmp(h, "Host"))
					proxy_fact_add(m, "host", n);
				else if (!strcasecmp(h, "X-Real-IP"))
					proxy_fact_add(m, "x-real-ip", n);
				else if (!strcasecmp(h, "-Upgrade") ||
					 !strcasecmp(h, "-Connection"))
					proxy_fact_add(m, "drop-upgrade", n);
				else if (!strcasecmp(h, "-X-Forwarded-For") ||
					 !strcasecmp(h, "X-Forwarded-For"))
					proxy_fact_add(m, "xff", n);
			}
		}
		if (opens(&a))
			depth++;
	}
	for (n = 1; n <= m->nlines; n++)
		if (strstr(m->line[n], "trusted_proxies"))
			proxy_fact_add(m, "trusted_proxies", n);
	if (!rp_line)
		return snprintf(err, errlen, "%s: no site has a reverse_proxy",
				m->file), -1;
	if (!m->nb)
		return snprintf(err, errlen, "%s:%u: reverse_proxy has no "
				"upstream", m->file, rp_line), -1;
	if (!m->nlisten)
		return snprintf(err, errlen, "%s:%u: reverse_proxy outside a "
				"site", m->file, rp_line), -1;
	if (!m->path[0])
		snprintf(m->path, sizeof(m->path), "/");
	if (!m->balance_line)
		m->balance = BALANCE_RANDOM;	/* Caddy's default */
	snprintf(m->section, sizeof(m->section), "%s",
		 proxy_word(m->line[rp_line], w, sizeof(w)));
	proxy_strip_comment(m->section);
	if (strlen(m->section) > 1 &&
	    !strcmp(m->section + strlen(m->section) - 2, " {"))
		m->section[strlen(m->section) - 2] = 0;
	m->section_line = rp_line;
	return 0;
}

/* Global options of the user's that would bind, trust, or talk
   outside: wsctl's own take their place. */
static const char *const global_out[] = {
	"admin", "http_port", "https_port", "default_bind", "storage",
	"email", "acme_ca", "acme_ca_root", "acme_dns", "acme_eab",
	"on_demand_tls", "local_certs", "skip_install_trust", "cert_issuer",
	NULL,
};

static int in_list(const char *const *l, const char *w)
{
	for (; *l; l++)
		if (!strcmp(*l, w))
			return 1;
	return 0;
}

static unsigned port_or(unsigned fallback)
{
	int p = net_free_port(0);

	return p > 0 ? (unsigned)p : fallback;
}

static int write_globals(FILE *f, struct proxy_box *b)
{
	fprintf(f, "\tadmin 127.0.0.1:%u\n", b->admin_port);
	fprintf(f, "\thttp_port %u\n", port_or(1));
	fprintf(f, "\thttps_port %u\n", port_or(1));
	fprintf(f, "\tdefault_bind 127.0.0.1\n");
	fprintf(f, "\tlocal_certs\n");
	fprintf(f, "\tskip_install_trust\n");
	proxy_note(b, 0, "global options: admin 127.0.0.1:%u, default_bind "
		   "127.0.0.1, local_certs, skip_install_trust, the sandbox's "
		   "http_port and https_port", b->admin_port);
	return 6;
}

/* A site's line: every address on a loopback port, its scheme said. */
static void write_site(FILE *f, const struct proxy_args *a, unsigned port)
{
	int i;

	for (i = 0; i < a->n - 1; i++) {
		char w[300];
		struct site s;
		size_t l;

		snprintf(w, sizeof(w), "%s", a->v[i]);
		l = strcspn(w, ",");
		w[l] = 0;
		if (!w[0]) {
			fprintf(f, "%s", a->v[i]);	/* a lone "," */
			continue;
		}
		site_parse(w, &s);
		fprintf(f, "%s%s://%s:%u%s", i ? " " : "",
			site_tls(&s) ? "https" : "http", s.host,
			port ? port : port_or(1), a->v[i][l] ? "," : "");
	}
	fprintf(f, " {\n");
}

static int write_conf(const struct proxy_model *m, struct proxy_box *b,
		      char *err, size_t errlen)
{
	unsigned n, global = 0, global_end = 0;
	int depth = 0, in_tls = 0;
	struct proxy_args a;
	FILE *f;

	/* the user's own global block: the first, with no address */
	for (n = 1; n <= m->nlines; n++) {
		proxy_split(m->line[n], &a);
		if (!a.n)
			continue;
		if (a.n == 1 && !strcmp(a.v[0], "{"))
			global = n;
		break;
	}
	for (n = global + 1; global && n <= m->nlines && !global_end; n++) {
		proxy_split(m->line[n], &a);
		depth += opens(&a) - closes(&a);
		if (depth < 0)
			global_end = n;
	}
	depth = 0;
	if (!(f = fopen(b->conf, "w")))
		return snprintf(err, errlen, "cannot write %s", b->conf), -1;
	if (!global) {
		fprintf(f, "{\n");
		b->shift = (unsigned)write_globals(f, b) + 2;
		fprintf(f, "}\n");
		b->shift_after = 0;
	}
	for (n = 1; n <= m->nlines; n++) {
		proxy_split(m->line[n], &a);
		if (n == global) {
			proxy_copy_line(f, m, b, n, 0, NULL);
			b->shift = (unsigned)write_globals(f, b);
			b->shift_after = n;
			depth++;
			continue;
		}
		if (in_tls) {
			/* a tls block's issuer and DNS settings: internal */
			if (closes(&a) && --in_tls == 0) {
				proxy_copy_line(f, m, b, n, 0, NULL);
				depth--;
				continue;
			}
			in_tls += opens(&a);
			proxy_copy_line(f, m, b, n, 1, "tls internal");
			continue;
		}
		if (!a.n) {
			proxy_copy_line(f, m, b, n, 0, NULL);
			continue;
		}
		if (closes(&a)) {
			depth--;
			proxy_copy_line(f, m, b, n, 0, NULL);
			continue;
		}
		if (n > global && n < global_end &&
		    in_list(global_out, a.v[0])) {
			proxy_copy_line(f, m, b, n, 1, "the sandbox's own");
		} else if (depth == 0 && opens(&a) && a.n > 1 &&
			   a.v[0][0] != '(') {
			write_site(f, &a, n == m->listen[0].line ?
				   b->listen[0].port : 0);
		} else if (!strcmp(a.v[0], "tls")) {
			fprintf(f, "%*stls internal%s\n",
				(int)strspn(m->line[n], " \t"), "",
				opens(&a) ? " {" : "");
			if (opens(&a))
				in_tls = 1;
		} else if (!strcmp(a.v[0], "output") && a.n > 1 &&
			   !strcmp(a.v[1], "file")) {
			fprintf(f, "output stderr  # wsctl: was %s\n", a.v[2] ?
				a.v[2] : "");
		} else if (!strcmp(a.v[0], "import") && a.n > 1 &&
			   (strchr(a.v[1], '/') || strchr(a.v[1], '*') ||
			    strchr(a.v[1], '.'))) {
			proxy_copy_line(f, m, b, n, 1, "a file of the host's");
		} else if (!strcmp(a.v[0], "reverse_proxy") || !strcmp(a.v[0], "to")) {
			int i;

			fprintf(f, "%*s%s", (int)strspn(m->line[n], " \t"), "",
				a.v[0]);
			for (i = 1; i < a.n; i++) {
				char addr[300];
				const struct hostport *to;

				upstream_addr(a.v[i], addr, sizeof(addr));
				to = n >= m->section_line ?
				     proxy_stand_in(m, b, addr) : NULL;
				if (a.v[i][0] == '/' || a.v[i][0] == '@' ||
				    !strcmp(a.v[i], "*") || !strcmp(a.v[i], "{"))
					fprintf(f, " %s", a.v[i]);
				else if (to)
					fprintf(f, " %s:%u", to->host, to->port);
				else
					fprintf(f, " 127.0.0.1:1");
			}
			fprintf(f, "\n");
		} else if (!strcmp(a.v[0], "tls_insecure_skip_verify") ||
			   !strcmp(a.v[0], "tls_server_name") ||
			   !strcmp(a.v[0], "tls_trusted_ca_certs") ||
			   (a.n == 1 && !strcmp(a.v[0], "tls"))) {
			proxy_copy_line(f, m, b, n, 1, "plain to the stand-ins");
		} else {
			proxy_copy_line(f, m, b, n, 0, NULL);
		}
		if (opens(&a))
			depth++;
	}
	if (fclose(f) != 0)
		return snprintf(err, errlen, "cannot write %s", b->conf), -1;
	/* what the checker trusts: Caddy's own CA, made when it starts */
	snprintf(b->ca, sizeof(b->ca), "%s/caddy/pki/authorities/local/root.crt",
		 b->prefix);
	snprintf(b->reload_cmd, sizeof(b->reload_cmd), "caddy reload --config "
		 "%s --adapter caddyfile --address 127.0.0.1:%u --force",
		 b->conf, b->admin_port);
	return 0;
}

static void argv_of(const struct proxy_box *b, const char **argv)
{
	argv[0] = "caddy";
	argv[1] = "run";
	argv[2] = "--config";
	argv[3] = b->conf;
	argv[4] = "--adapter";
	argv[5] = "caddyfile";
	argv[6] = NULL;
}

/* A TLS site is ready once Caddy's CA and the site's certificate are. */
static int ready(const struct proxy_model *m, const struct proxy_box *b)
{
	const struct proxy_listen *l = &m->listen[0];
	char path[1024];
	struct stat st;

	if (!l->tls)
		return 1;
	if (stat(b->ca, &st) < 0)
		return 0;
	if (!l->name[0])
		return 1;
	snprintf(path, sizeof(path), "%s/caddy/certificates/local/%.200s/%.200s.crt",
		 b->prefix, l->name, l->name);
	return stat(path, &st) == 0;
}

static const struct proxy_rule rules[] = {
	{ "handshake.status-101", "drop-upgrade", NULL,
	  "remove it: Caddy passes a WebSocket's Upgrade on by itself" },
	{ "headers.upgrade-connection", "drop-upgrade", NULL,
	  "remove it: Caddy passes a WebSocket's Upgrade on by itself" },
	{ "headers.x-real-ip", "x-real-ip", "no header_up X-Real-IP",
	  "header_up X-Real-IP {remote_host}" },
	{ "headers.host", "host", NULL,
	  "remove it: Caddy passes the client's Host as it came" },
	{ "headers.x-forwarded-for", "trusted_proxies",
	  "no trusted_proxies: Caddy replaces an X-Forwarded-For from a "
	  "client it does not trust",
	  "trusted_proxies static private_ranges (in the global servers "
	  "options), for the proxies in front of Caddy" },
	{ "distribution.balance", "lb_policy", "no lb_policy (Caddy picks "
	  "at random)", "lb_policy round_robin" },
	{ "failover.backend-down", "lb_try_duration", "no lb_try_duration: "
	  "a request to a down upstream fails at once",
	  "lb_try_duration 5s" },
	{ NULL, NULL, NULL, NULL },
};

static const char *hint(const char *id)
{
	const char *fix = proxy_rule_fix(rules, id);

	if (fix)
		return fix;
	if (!strcmp(id, "handshake.pipelined"))
		return "a Caddy of 2024 or later: older ones drop what a client "
		       "sends behind its upgrade request";
	if (!strcmp(id, "upgrade.h2c"))
		return "@h2c header Upgrade h2c, and respond @h2c 403 before "
		       "reverse_proxy";
	if (!strcmp(id, "reload.tunnels"))
		return "stream_close_delay (Caddy 2.7 and later) keeps tunnels "
		       "open across a reload";
	return NULL;
}

static void blame(const struct proxy_model *m, const char *id,
		  struct check_ref *ref)
{
	proxy_rule_blame(m, rules, id, ref);
}

const struct proxy_driver proxy_caddy = {
	"caddy", "caddy", "Caddy", detect, read_conf, write_conf, argv_of, 0,
	hint, blame, ready,
};
