/*
 * proxy_apache.c - Apache httpd's driver: a site's config (what
 * sites-available/ holds: <VirtualHost> blocks with mod_proxy's
 * ProxyPass, <Proxy balancer://> members, RewriteRule [P]), the
 * ProxyPass that carries WebSockets, and the vhost it lives in.
 *
 * The copy is included by a main config of wsctl's (apache2.conf in the
 * sandbox: the modules a proxy needs, Listen on loopback, pid, runtime
 * and logs in the sandbox), so the user's lines keep their numbers.
 */
#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checks/proxy.h"

#define MODULES "/usr/lib/apache2/modules"

static int is(const struct proxy_args *a, const char *w)
{
	return a->n && !strcasecmp(a->v[0], w);
}

static int detect(const char *text)
{
	static const char *const words[] = {
		"<VirtualHost", "ProxyPass", "ServerName", "BalancerMember",
		"ProxyPreserveHost", "</VirtualHost>", "RewriteEngine",
		"ProxyPassReverse", NULL,
	};
	int i, n = 0;

	for (i = 0; words[i]; i++)
		n += strstr(text, words[i]) != NULL;
	return n >= 2 ? n : 0;
}

/* scheme://host[:port]/rest, parsed; 0 when w is no such URL. */
struct url_parts {
	char scheme[16], addr[300];	/* addr: "host:port" */
	const char *rest;
};

static int url_split(const char *w, struct url_parts *u)
{
	const char *p = strstr(w, "://"), *h, *end;
	size_t hl;
	int has_port;

	if (!p || p - w >= (int)sizeof(u->scheme))
		return 0;
	snprintf(u->scheme, sizeof(u->scheme), "%.*s", (int)(p - w), w);
	h = p + 3;
	end = h + strcspn(h, "/");
	hl = (size_t)(end - h);
	if (!hl || *h == ':')
		return 0;	/* no host: "http:///x", "balancer://" */
	has_port = memchr(h, ':', hl) != NULL && h[0] != '[';
	if (!strcasecmp(u->scheme, "balancer"))
		snprintf(u->addr, sizeof(u->addr), "%.*s", (int)hl, h);
	else if (has_port)
		snprintf(u->addr, sizeof(u->addr), "%.*s", (int)hl, h);
	else
		snprintf(u->addr, sizeof(u->addr), "%.*s:%s", (int)hl, h,
			 !strcasecmp(u->scheme, "https") ||
			 !strcasecmp(u->scheme, "wss") ? "443" : "80");
	u->rest = end;
	return 1;
}

static int ws_scheme(const char *s)
{
	return !strcasecmp(s, "ws") || !strcasecmp(s, "wss");
}

/* "^/ws/(.*)$" as a path to request: "/ws/". */
static void regex_path(const char *re, char *out, size_t len)
{
	size_t l;

	re += *re == '^';
	l = strcspn(re, "(.*+?[$\\");
	snprintf(out, len, "%.*s", (int)l, re);
	if (!out[0])
		snprintf(out, len, "/");
}

struct balancer {
	char name[300];
	unsigned line;		/* <Proxy balancer://name> */
	int ws;			/* a member speaks ws:// or upgrades */
	unsigned first;		/* its first BalancerMember */
};

/* Balancer bal's line, and whether a member is ws://; with add, its
   members into m. */
static void read_balancer(struct proxy_model *m, struct balancer *bal,
			  int add)
{
	unsigned n;
	int in = 0;
	struct proxy_args a;

	for (n = 1; n <= m->nlines; n++) {
		struct url_parts u;

		proxy_split(m->line[n], &a);
		if (is(&a, "<Proxy") && a.n > 1 && url_split(a.v[1], &u) &&
		    !strcasecmp(u.scheme, "balancer")) {
			char name[300];

			snprintf(name, sizeof(name), "%s", u.addr);
			name[strcspn(name, ">")] = 0;
			in = !strcmp(name, bal->name);
			if (in)
				bal->line = n;
			continue;
		}
		if (is(&a, "</Proxy>"))
			in = 0;
		if (in && is(&a, "BalancerMember") && a.n > 1 &&
		    url_split(a.v[1], &u) && m->nb < BACKENDS_MAX) {
			int i, k = m->nb;

			bal->ws |= ws_scheme(u.scheme);
			for (i = 2; i < a.n; i++)
				bal->ws |= !strncasecmp(a.v[i], "upgrade=", 8) &&
					   strcasecmp(a.v[i] + 8, "h2c");
			if (!bal->first)
				bal->first = n;
			if (!add)
				continue;
			m->nb++;

			snprintf(m->b[k].addr, sizeof(m->b[k].addr), "%s", u.addr);
			m->b[k].weight = 1;
			m->b[k].line = n;
			for (i = 2; i < a.n; i++) {
				if (!strncasecmp(a.v[i], "loadfactor=", 11))
					m->b[k].weight = atoi(a.v[i] + 11);
				if (!strncasecmp(a.v[i], "status=", 7) &&
				    strchr(a.v[i] + 7, 'H'))
					m->b[k].backup = 1;
			}
		}
		if (in && add && is(&a, "ProxySet")) {
			int i;

			for (i = 1; i < a.n; i++)
				if (!strncasecmp(a.v[i], "lbmethod=", 9)) {
					proxy_fact_add(m, "lbmethod", n);
					m->balance_line = n;
					m->balance = !strcasecmp(a.v[i] + 9,
						"bybusyness") ? BALANCE_LEAST_CONN :
						!strcasecmp(a.v[i] + 9, "byrequests") ?
						BALANCE_ROUND_ROBIN : BALANCE_HASH;
				}
		}
	}
}

/* A vhost: its lines and what it listens on. */
static void read_vhost(struct proxy_model *m, unsigned from, int target)
{
	struct proxy_listen *l;
	struct proxy_args a;
	unsigned n;
	char *c;

	if (m->nlisten == PROXY_MAX_LISTEN)
		return;
	if (target && m->nlisten) {
		/* the target's vhost goes first */
		memmove(&m->listen[1], &m->listen[0],
			sizeof(m->listen[0]) * (size_t)m->nlisten);
	}
	l = &m->listen[target ? 0 : m->nlisten];
	m->nlisten++;
	memset(l, 0, sizeof(*l));
	l->line = from;
	proxy_split(m->line[from], &a);
	if (a.n > 1) {
		snprintf(l->host, sizeof(l->host), "%s", a.v[1]);
		l->host[strcspn(l->host, ">")] = 0;
		if ((c = strrchr(l->host, ':'))) {
			l->port = (unsigned)atoi(c + 1);
			*c = 0;
		}
	}
	for (n = from + 1; n <= m->nlines; n++) {
		proxy_split(m->line[n], &a);
		if (is(&a, "</VirtualHost>"))
			break;
		if (is(&a, "ServerName") && a.n > 1 && !l->name[0])
			snprintf(l->name, sizeof(l->name), "%s", a.v[1]);
		if (is(&a, "SSLEngine") && a.n > 1 && !strcasecmp(a.v[1], "on"))
			l->tls = 1;
	}
	if (!l->port)
		l->port = l->tls ? 443 : 80;
	if (l->name[0] && strchr(l->name, ':'))
		l->name[strcspn(l->name, ":")] = 0;
}

/* The ProxyPass (or RewriteRule [P]) that carries WebSockets: one to a
   ws:// URL, with upgrade=websocket, or to a ws:// balancer; else the
   first. */
struct pass {
	unsigned line, vhost, location;
	char path[256];
	struct url_parts to;
	int upgrade;
};

static int read_pass(struct proxy_model *m, const struct proxy_args *a,
		     unsigned n, const char *location, struct pass *p)
{
	int i = 1, k;

	memset(p, 0, sizeof(*p));
	p->line = n;
	if (is(a, "RewriteRule")) {
		if (a->n < 4 || !strchr(a->v[3], 'P') ||
		    !url_split(a->v[2], &p->to))
			return 0;
		regex_path(a->v[1], p->path, sizeof(p->path));
		p->upgrade = ws_scheme(p->to.scheme);
		return 1;
	}
	if (location) {
		snprintf(p->path, sizeof(p->path), "%s", location);
	} else {
		if (a->n < 3)
			return 0;
		if (is(a, "ProxyPassMatch"))
			regex_path(a->v[1], p->path, sizeof(p->path));
		else
			snprintf(p->path, sizeof(p->path), "%s", a->v[1]);
		i = 2;
	}
	if (i >= a->n || !url_split(a->v[i], &p->to))
		return 0;	/* ProxyPass /x ! */
	p->upgrade = ws_scheme(p->to.scheme);
	for (k = i + 1; k < a->n; k++)
		if (!strncasecmp(a->v[k], "upgrade=", 8) &&
		    strcasecmp(a->v[k] + 8, "h2c"))
			p->upgrade = 2;
	(void)m;
	return 1;
}

static int read_conf(struct proxy_model *m, char *err, size_t errlen)
{
	struct pass best = { 0 }, p;
	struct balancer bal = { "", 0, 0, 0 };
	unsigned n, vhost = 0, target_vhost = 0;
	char location[256] = "";
	struct proxy_args a;
	int found = 0, proxy_block = 0;

	for (n = 1; n <= m->nlines; n++) {
		proxy_split(m->line[n], &a);
		if (is(&a, "<VirtualHost"))
			vhost = n;
		else if (is(&a, "</VirtualHost>"))
			vhost = 0;
		else if (is(&a, "<Location") && a.n > 1) {
			snprintf(location, sizeof(location), "%s", a.v[1]);
			location[strcspn(location, ">")] = 0;
		} else if (is(&a, "</Location>"))
			location[0] = 0;
		else if (is(&a, "<Proxy"))
			proxy_block = 1;
		else if (is(&a, "</Proxy>"))
			proxy_block = 0;
		else if (!proxy_block && (is(&a, "ProxyPass") ||
			 is(&a, "ProxyPassMatch") || is(&a, "RewriteRule")) &&
			 read_pass(m, &a, n, location[0] ? location : NULL,
				   &p)) {
			struct balancer b = { "", 0, 0, 0 };

			if (!strcasecmp(p.to.scheme, "balancer")) {
				snprintf(b.name, sizeof(b.name), "%s", p.to.addr);
				read_balancer(m, &b, 0);
				p.upgrade |= b.ws;
			}
			if (!found || (p.upgrade && !best.upgrade)) {
				best = p;
				bal = b;
				target_vhost = vhost;
				found = 1;
			}
		}
	}
	if (!found)
		return snprintf(err, errlen, "%s: no ProxyPass to a backend",
				m->file), -1;
	snprintf(m->path, sizeof(m->path), "%s", best.path);
	/* what says "upgrade": a balancer's members, or the ProxyPass */
	proxy_fact_add(m, "proxypass", bal.first ? bal.first : best.line);
	if (best.upgrade)
		proxy_fact_add(m, "upgrade", best.line);
	if (bal.name[0]) {
		read_balancer(m, &bal, 1);
	} else if (m->nb < BACKENDS_MAX) {
		snprintf(m->b[0].addr, sizeof(m->b[0].addr), "%s", best.to.addr);
		m->b[0].weight = 1;
		m->b[0].line = best.line;
		m->nb = 1;
	}
	if (!m->nb)
		return snprintf(err, errlen, "%s:%u: balancer://%s has no "
				"BalancerMember", m->file, best.line,
				bal.name), -1;
	if (!m->balance_line)
		m->balance = BALANCE_ROUND_ROBIN;	/* byrequests */
	/* every vhost listens somewhere of its own; the target's first */
	for (n = 1; n <= m->nlines; n++) {
		proxy_split(m->line[n], &a);
		if (is(&a, "<VirtualHost"))
			read_vhost(m, n, n == target_vhost);
	}
	if (!m->nlisten)
		return snprintf(err, errlen, "%s: no <VirtualHost>", m->file), -1;
	m->timeout_ms = 60000;		/* Timeout's default */
	for (n = 1; n <= m->nlines; n++) {
		proxy_split(m->line[n], &a);
		if ((is(&a, "ProxyTimeout") || (is(&a, "Timeout") &&
		     !proxy_fact(m, "timeout"))) && a.n > 1) {
			m->timeout_ms = strtoll(a.v[1], NULL, 10) * 1000;
			m->timeout_line = n;
			proxy_fact_add(m, "timeout", n);
		} else if (is(&a, "ProxyPreserveHost") && a.n > 1 &&
			   !strcasecmp(a.v[1], "on")) {
			proxy_fact_add(m, "preservehost", n);
		} else if (is(&a, "AllowEncodedSlashes")) {
			proxy_fact_add(m, "encodedslashes", n);
		} else if (is(&a, "ProxyAddHeaders") && a.n > 1 &&
			   !strcasecmp(a.v[1], "off")) {
			proxy_fact_add(m, "addheaders-off", n);
		} else if (is(&a, "RequestHeader") && a.n > 2) {
			if (!strcasecmp(a.v[2], "X-Real-IP"))
				proxy_fact_add(m, "x-real-ip", n);
			else if (!strcasecmp(a.v[2], "X-Forwarded-Proto"))
				proxy_fact_add(m, "x-forwarded-proto", n);
			else if (!strcasecmp(a.v[2], "Host"))
				proxy_fact_add(m, "host", n);
		}
	}
	n = target_vhost ? target_vhost : best.line;
	snprintf(m->section, sizeof(m->section), "%s", m->line[n] +
		 strspn(m->line[n], " \t"));
	proxy_strip_comment(m->section);
	m->section_line = n;
	return 0;
}

/* What the copy leaves to the main config, or out: the host's files,
   logs, users and modules. */
static const char *const host_out[] = {
	"LoadModule", "Include", "IncludeOptional", "User", "Group",
	"PidFile", "ServerRoot", "Mutex", "DefaultRuntimeDir", "ErrorLog",
	"CustomLog", "TransferLog", "Listen", "SSLCertificateChainFile",
	"SSLCACertificateFile", "SSLOpenSSLConfCmd", "SSLStaplingCache",
	"SSLSessionCache", "ScoreBoardFile", NULL,
};

static int in_list(const char *const *l, const char *w)
{
	for (; *l; l++)
		if (!strcasecmp(*l, w))
			return 1;
	return 0;
}

/* Each URL to a backend made its stand-in's (plain: ws, http). */
static void write_urls(FILE *f, const struct proxy_model *m,
		       const struct proxy_box *b, const struct proxy_args *a,
		       unsigned n)
{
	int i;

	fprintf(f, "%*s%s", (int)strspn(m->line[n], " \t"), "", a->v[0]);
	for (i = 1; i < a->n; i++) {
		struct url_parts u;
		const struct hostport *to;

		if (!url_split(a->v[i], &u) || !strcasecmp(u.scheme, "balancer")) {
			fprintf(f, " %s", a->v[i]);
			continue;
		}
		to = proxy_stand_in(m, b, u.addr);
		fprintf(f, " %s://%s:%u%s", ws_scheme(u.scheme) ? "ws" : "http",
			to ? to->host : "127.0.0.1", to ? to->port : 1, u.rest);
	}
	fprintf(f, "\n");
}

static int write_main(const struct proxy_model *m, const struct proxy_box *b,
		      char *err, size_t errlen)
{
	static const char *const mods[] = {
		"mpm_event", "authz_core", "authz_host", "proxy", "proxy_http",
		"proxy_wstunnel", "proxy_balancer", "lbmethod_byrequests",
		"lbmethod_bybusyness", "lbmethod_bytraffic", "slotmem_shm",
		"headers", "rewrite", "ssl", "socache_shmcb", "setenvif",
		"remoteip", "alias", "mime", "dir", "http2", "proxy_http2",
		"env", "expires", "deflate", "filter", NULL,
	};
	char path[400];
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "%s/apache2.conf", b->prefix);
	if (!(f = fopen(path, "w")))
		return snprintf(err, errlen, "cannot write %s", path), -1;
	fprintf(f, "# wsctl's: what a site's config needs around it\n");
	fprintf(f, "ServerName localhost\nPidFile %s/apache2.pid\n"
		"DefaultRuntimeDir %s\nErrorLog /dev/stderr\nLogLevel warn\n"
		"TypesConfig /dev/null\n"
		"Define APACHE_LOG_DIR %s\nDefine APACHE_RUN_DIR %s\n"
		"Define APACHE_LOCK_DIR %s\n", b->prefix, b->prefix, b->prefix,
		b->prefix, b->prefix);
	if (geteuid() == 0)
		fprintf(f, "User nobody\nGroup nogroup\n");
	for (i = 0; mods[i]; i++) {
		struct stat st;

		snprintf(path, sizeof(path), MODULES "/mod_%s.so", mods[i]);
		if (stat(path, &st) == 0)
			fprintf(f, "LoadModule %s_module %s\n", mods[i], path);
	}
	for (i = 0; i < m->nlisten; i++) {
		int k, dup = 0;

		for (k = 0; k < i; k++)
			dup |= b->listen[k].port == b->listen[i].port;
		if (!dup)
			fprintf(f, "Listen %s:%u\n", b->listen[i].host,
				b->listen[i].port);
	}
	fprintf(f, "Include %s\n", b->conf);
	if (fclose(f) != 0)
		return snprintf(err, errlen, "cannot write the main config"), -1;
	return 0;
}

static int write_conf(const struct proxy_model *m, struct proxy_box *b,
		      char *err, size_t errlen)
{
	struct proxy_args a;
	unsigned n;
	FILE *f;
	int i;

	if (!(f = fopen(b->conf, "w")))
		return snprintf(err, errlen, "cannot write %s", b->conf), -1;
	for (n = 1; n <= m->nlines; n++) {
		proxy_split(m->line[n], &a);
		if (!a.n) {
			proxy_copy_line(f, m, b, n, 0, NULL);
			continue;
		}
		if (is(&a, "<VirtualHost")) {
			for (i = 0; i < m->nlisten && m->listen[i].line != n; i++)
				;
			fprintf(f, "<VirtualHost %s:%u>\n", b->listen[i].host,
				b->listen[i].port);
		} else if (in_list(host_out, a.v[0])) {
			proxy_copy_line(f, m, b, n, 1, "the sandbox's own");
		} else if (is(&a, "SSLCertificateFile") ||
			   is(&a, "SSLCertificateKeyFile")) {
			fprintf(f, "%s %s\n", a.v[0], is(&a, "SSLCertificateFile") ?
				b->cert : b->key);
			proxy_note(b, n, "%s: the sandbox's", a.v[0]);
		} else if (is(&a, "ProxyPass") || is(&a, "ProxyPassReverse") ||
			   is(&a, "ProxyPassMatch") || is(&a, "BalancerMember") ||
			   is(&a, "RewriteRule")) {
			write_urls(f, m, b, &a, n);
		} else if (is(&a, "SSLProxyCheckPeerName") ||
			   is(&a, "SSLProxyVerify") ||
			   is(&a, "SSLProxyCACertificateFile")) {
			proxy_copy_line(f, m, b, n, 1, "plain to the stand-ins");
		} else {
			proxy_copy_line(f, m, b, n, 0, NULL);
		}
	}
	if (fclose(f) != 0)
		return snprintf(err, errlen, "cannot write %s", b->conf), -1;
	proxy_note(b, 0, "included by wsctl's apache2.conf: the modules a "
		   "proxy needs, Listen on loopback, pid file and logs in the "
		   "sandbox");
	return write_main(m, b, err, errlen);
}

static void argv_of(const struct proxy_box *b, const char **argv)
{
	static char main_conf[300];

	snprintf(main_conf, sizeof(main_conf), "%.280s/apache2.conf",
		 b->prefix);
	argv[0] = "apache2";
	argv[1] = "-d";
	argv[2] = b->prefix;
	argv[3] = "-f";
	argv[4] = main_conf;
	argv[5] = "-DFOREGROUND";
	argv[6] = NULL;
}

/* Apache binds before it reads all of its config, and writes its pid
   file once it has: accepting is not enough. */
static int ready(const struct proxy_model *m, const struct proxy_box *b)
{
	char path[400];
	struct stat st;

	(void)m;
	snprintf(path, sizeof(path), "%s/apache2.pid", b->prefix);
	return stat(path, &st) == 0;
}

static const struct proxy_rule rules[] = {
	{ "headers.host", "preservehost", "no ProxyPreserveHost On (Apache "
	  "sends the backend's name)", "ProxyPreserveHost On" },
	{ "headers.x-forwarded-for", "addheaders-off", NULL,
	  "remove it: Apache appends the client to X-Forwarded-For" },
	{ "headers.x-real-ip", "x-real-ip", "no RequestHeader set X-Real-IP",
	  "RequestHeader set X-Real-IP \"expr=%{REMOTE_ADDR}\"" },
	{ "headers.forwarded-proto", "x-forwarded-proto",
	  "no RequestHeader set X-Forwarded-Proto",
	  "RequestHeader set X-Forwarded-Proto \"https\"" },
	{ "distribution.balance", "lbmethod", "no lbmethod (byrequests)",
	  "ProxySet lbmethod=byrequests" },
	{ "path.preserved", "encodedslashes", "no AllowEncodedSlashes "
	  "NoDecode (Apache answers 404 to a path with %2F)",
	  "AllowEncodedSlashes NoDecode, and nocanon on the ProxyPass" },
	{ "timeout.idle", "timeout", "no ProxyTimeout (Timeout, 60 s)",
	  "ProxyTimeout 3600" },
	{ "timeout.idle-close", "timeout", "no ProxyTimeout (Timeout, 60 s)",
	  "ProxyTimeout 3600" },
	{ NULL, NULL, NULL, NULL },
};

static const char *hint(const char *id)
{
	const char *fix = proxy_rule_fix(rules, id);

	if (fix)
		return fix;
	if (!strcmp(id, "handshake.status-101"))
		return "upgrade=websocket on the ProxyPass, or on each "
		       "BalancerMember of a balancer (Apache 2.4.47 and later)";
	if (!strcmp(id, "upgrade.h2c"))
		return "upgrade=websocket, not upgrade=ANY, on the ProxyPass";
	if (!strcmp(id, "reload.tunnels"))
		return "GracefulShutdownTimeout longer than the tunnels live";
	if (!strcmp(id, "capacity.tunnels"))
		return "MaxRequestWorkers (with ServerLimit, ThreadsPerChild) "
		       "for the tunnels: each holds a thread of the event MPM "
		       "(400 by default, 150 in Debian's mpm_event.conf)";
	return NULL;
}

static void blame(const struct proxy_model *m, const char *id,
		  struct check_ref *ref)
{
	const struct proxy_fact *pass = proxy_fact(m, "proxypass");

	/* no upgrade: the ProxyPass (or members) itself, which says what
	   it passes; the backend then sees no Upgrade */
	if ((!strcmp(id, "handshake.status-101") ||
	     !strcmp(id, "headers.upgrade-connection")) &&
	    !proxy_fact(m, "upgrade") && pass) {
		ref->file = m->file;
		ref->line = pass->line;
		snprintf(ref->directive, sizeof(ref->directive), "%.150s: no "
			 "upgrade=websocket", pass->text);
		snprintf(ref->fix, sizeof(ref->fix), "%s",
			 hint("handshake.status-101"));
		return;
	}
	proxy_rule_blame(m, rules, id, ref);
}

const struct proxy_driver proxy_apache = {
	"apache", "apache2", "Apache", detect, read_conf, write_conf, argv_of,
	SIGUSR1, hint, blame, ready,
};
