/*
 * sandbox.c - write the runnable copy of a production nginx config.  Two
 * passes over the directive tree: the first finds every address the copy
 * must move (upstream servers, proxy_pass hosts) and every server name;
 * the second writes the copy, directive by directive, through the rule
 * table below.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checks/sandbox.h"
#include "common/net.h"
#include "common/tls.h"
#include "common/tmpdir.h"
#include "common/units.h"

#define MAX_ARGS	64
#define MAX_NAMES	100

enum ctx {
	C_MAIN = 1 << 0, C_EVENTS = 1 << 1, C_HTTP = 1 << 2,
	C_SERVER = 1 << 3, C_LOCATION = 1 << 4, C_UPSTREAM = 1 << 5,
	C_OTHER = 1 << 6,
};
#define C_ANY_HTTP (C_HTTP | C_SERVER | C_LOCATION)

struct walk {
	struct sandbox *sb;
	const struct nginx_conf *c;
	const struct nginx_dir *const *sets;	/* every "set" directive */
	size_t nsets;
	const char *names[MAX_NAMES];		/* server names, for the cert */
	size_t nnames;
	int ssl_on;			/* the server being written says so */
	int http_ssl_on;		/* so does the http block */
	int tls;			/* some listen is TLS: make a cert */
	unsigned temp;			/* numbering of moved paths */
	int certs, keys;		/* per block: the first one only */
	int64_t shortest;		/* the config's shortest timeout */
	char *err;
	size_t errlen;
	int failed;
};

static void note(struct walk *k, const struct nginx_pos *at,
		 const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void note(struct walk *k, const struct nginx_pos *at,
		 const char *fmt, ...)
{
	struct sandbox_note *n;
	va_list ap;

	if (k->sb->nnotes == SANDBOX_MAX_NOTES) {
		k->sb->dropped_notes++;
		return;
	}
	n = &k->sb->notes[k->sb->nnotes++];
	n->at = at ? *at : (struct nginx_pos){ NULL, 0 };
	va_start(ap, fmt);
	vsnprintf(n->text, sizeof(n->text), fmt, ap);
	va_end(ap);
}

static const char *keep(struct walk *k, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A rewritten word, in the sandbox's own pool (the conf is read-only). */
static const char *keep(struct walk *k, const char *fmt, ...)
{
	struct sandbox *sb = k->sb;
	size_t room = sizeof(sb->words) - sb->words_used;
	char *p = sb->words + sb->words_used;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(p, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room) {
		snprintf(k->err, k->errlen, "the config is too big to sandbox");
		k->failed = 1;
		return "";
	}
	sb->words_used += (size_t)n + 1;
	return p;
}

static void emit(struct walk *k, const struct nginx_dir *d,
		 const char *const *args, size_t n)
{
	nginx_write_dir(&k->sb->w, &d->at, args, n, 0);
}

/* d's words, for a rule that changes some of them */
static size_t copy_args(const struct nginx_dir *d, const char **args)
{
	size_t i, n = d->nargs < MAX_ARGS ? d->nargs : MAX_ARGS;

	for (i = 0; i < n; i++)
		args[i] = d->args[i];
	return n;
}

/* ---- addresses ---------------------------------------------------- */

/* "host:port" with the host in lower case, port made explicit */
static int host_key(const char *addr, int dflt, char *out, size_t len)
{
	struct hostport hp;
	char e[128];
	size_t i;

	if (!strncmp(addr, "unix:", 5)) {
		snprintf(out, len, "%s", addr);
		return 0;
	}
	if (addr_parse(addr, dflt, &hp, e, sizeof(e)) < 0 || !hp.host[0])
		return -1;
	for (i = 0; hp.host[i]; i++)
		hp.host[i] = (char)tolower((unsigned char)hp.host[i]);
	addr_fmt(hp.host, hp.port, out, len);
	return 0;
}

const struct sandbox_host *sandbox_host(const struct sandbox *sb,
					const char *addr)
{
	char key[300];
	size_t i;

	if (host_key(addr, 80, key, sizeof(key)) < 0)
		return NULL;
	for (i = 0; i < sb->nhosts; i++)
		if (!strcmp(sb->hosts[i].from, key))
			return &sb->hosts[i];
	return NULL;
}

/* Register addr (live: a backend will listen for it). */
static const struct sandbox_host *add_host(struct walk *k, const char *addr,
					   int dflt, int live)
{
	struct sandbox *sb = k->sb;
	struct sandbox_host *h = NULL;
	char key[300];
	size_t i;
	int port;

	if (host_key(addr, dflt, key, sizeof(key)) < 0)
		return NULL;
	for (i = 0; i < sb->nhosts; i++)
		if (!strcmp(sb->hosts[i].from, key))
			h = &sb->hosts[i];
	if (!h) {
		if (sb->nhosts == SANDBOX_MAX_HOSTS) {
			k->failed = 1;
			snprintf(k->err, k->errlen, "more than %d upstream "
				 "addresses", SANDBOX_MAX_HOSTS);
			return NULL;
		}
		h = &sb->hosts[sb->nhosts++];
		snprintf(h->from, sizeof(h->from), "%s", key);
	}
	if (live && !h->live) {
		if ((port = net_free_port(0)) < 0) {
			k->failed = 1;
			snprintf(k->err, k->errlen, "no free port on 127.0.0.1");
			return NULL;
		}
		snprintf(h->to.host, sizeof(h->to.host), "127.0.0.1");
		h->to.port = (uint16_t)port;
		h->live = 1;
	}
	return h;
}

/* Where a moved upstream address points in the copy. */
static const char *host_to(struct walk *k, const struct sandbox_host *h)
{
	char a[300];

	if (!h || !h->live)
		return keep(k, "unix:%s/nobody.sock", k->sb->prefix);
	return keep(k, "%s", addr_fmt(h->to.host, h->to.port, a, sizeof(a)));
}

/* ---- proxy_pass URLs ---------------------------------------------- */

/* The value of the last "set $name VALUE" of the config, or NULL. */
static const char *set_value(const struct walk *k, const char *name,
			     size_t len)
{
	size_t i = k->nsets;

	while (i--) {
		const char *v = k->sets[i]->args[1];

		if (v[0] == '$' && strlen(v + 1) == len &&
		    !strncmp(v + 1, name, len))
			return k->sets[i]->args[2];
	}
	return NULL;
}

/* url with the variables "set" gives replaced; unknown ones stay. */
static void substitute(const struct walk *k, const char *url, char *out,
		       size_t len)
{
	size_t o = 0;

	while (*url && o + 1 < len) {
		const char *name, *v;
		size_t n;
		int braced;

		if (*url != '$') {
			out[o++] = *url++;
			continue;
		}
		braced = url[1] == '{';
		name = url + 1 + braced;
		n = strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
		v = n ? set_value(k, name, n) : NULL;
		if (!v || (braced && name[n] != '}')) {
			out[o++] = *url++;
			continue;
		}
		o += (size_t)snprintf(out + o, len - o, "%s", v);
		if (o >= len)
			o = len - 1;
		url = name + n + braced;
	}
	out[o] = '\0';
}

struct pass_url {
	int https;
	const char *auth;	/* after "://" */
	size_t auth_len;	/* up to the first '/' */
};

static int split_url(const char *u, struct pass_url *p)
{
	if (!strncasecmp(u, "http://", 7))
		p->https = 0, p->auth = u + 7;
	else if (!strncasecmp(u, "https://", 8))
		p->https = 1, p->auth = u + 8;
	else
		return -1;
	if (!strncasecmp(p->auth, "unix:", 5)) {
		const char *c = strchr(p->auth + 5, ':');

		p->auth_len = c ? (size_t)(c - p->auth) : strlen(p->auth);
	} else {
		p->auth_len = strcspn(p->auth, "/");
	}
	return 0;
}

/* The upstream block an authority names, or NULL. */
static int names_upstream(const struct walk *k, const struct pass_url *p)
{
	char name[256];

	if (p->auth_len >= sizeof(name))
		return 0;
	memcpy(name, p->auth, p->auth_len);
	name[p->auth_len] = '\0';
	return nginx_upstream_find(k->c, name) != NULL;
}

/*
 * The host a proxy_pass sends to, evaluated, into auth[] (with its
 * default port's scheme in *https); 0 for an upstream name, 1 for an
 * address, -1 when it cannot be known here.
 */
static int pass_target(const struct walk *k, const char *url, char *ev,
		       size_t evlen, struct pass_url *p)
{
	substitute(k, url, ev, evlen);
	if (split_url(ev, p) < 0 || !p->auth_len ||
	    memchr(p->auth, '$', p->auth_len))
		return -1;
	return names_upstream(k, p) ? 0 : 1;
}

/* ---- first pass: addresses and names ------------------------------ */

static int scan(struct walk *k, const struct nginx_dir *d,
		const struct nginx_dir **sets, size_t *nsets, size_t max);

static void scan_names(struct walk *k, const struct nginx_dir *d)
{
	size_t i;

	for (i = 1; i < d->nargs && k->nnames < MAX_NAMES; i++) {
		const char *n = d->args[i];

		if (!n[0] || n[0] == '~' || !strcmp(n, "_") || strchr(n, '$'))
			continue;
		if (n[0] == '.')	/* ".example.com": both */
			k->names[k->nnames++] = keep(k, "*%s", n);
		k->names[k->nnames++] = n[0] == '.' ? n + 1 : n;
	}
}

static void scan_peer(struct walk *k, const struct nginx_dir *d)
{
	int live = 1;
	size_t i;

	for (i = 2; i < d->nargs; i++)
		if (!strcmp(d->args[i], "down") || !strcmp(d->args[i], "backup"))
			live = 0;
	add_host(k, d->args[1], 80, live);
}

/* The shortest timeout of the config, for the division (see below). */
static void scan_time(struct walk *k, const struct nginx_dir *d)
{
	static const char *const names[] = {
		"proxy_read_timeout", "proxy_send_timeout",
		"proxy_connect_timeout", "keepalive_timeout",
		"client_header_timeout", "client_body_timeout", "send_timeout",
	};
	int64_t ms;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(d->name, names[i]) && d->nargs > 1 &&
		    units_nginx_time(d->args[1], &ms) == 0 && ms > 0 &&
		    ms < k->shortest)
			k->shortest = ms;
}

static int scan(struct walk *k, const struct nginx_dir *d,
		const struct nginx_dir **sets, size_t *nsets, size_t max)
{
	for (; d; d = d->next) {
		scan_time(k, d);
		if (!strcmp(d->name, "set") && d->nargs == 3 && *nsets < max)
			sets[(*nsets)++] = d;
		else if (!strcmp(d->name, "server_name"))
			scan_names(k, d);
		else if (!strcmp(d->name, "server") && !d->block && d->nargs > 1)
			scan_peer(k, d);
		if (d->block && strcmp(d->name, "stream") &&
		    strcmp(d->name, "mail"))
			scan(k, d->child, sets, nsets, max);
	}
	return k->failed ? -1 : 0;
}

/* proxy_pass hosts, once every "set" is known */
static void scan_passes(struct walk *k, const struct nginx_dir *d)
{
	char ev[2048];
	struct pass_url p;

	for (; d; d = d->next) {
		struct sandbox_pass *v = NULL;
		int kind;

		if (strcmp(d->name, "proxy_pass") || d->nargs != 2)
			goto next;
		kind = pass_target(k, d->args[1], ev, sizeof(ev), &p);
		if (strchr(d->args[1], '$') &&
		    k->sb->npasses < SANDBOX_MAX_HOSTS) {
			v = &k->sb->passes[k->sb->npasses++];
			v->at = d->at;
			v->host = -1;
			if (kind == 0)
				snprintf(v->upstream, sizeof(v->upstream), "%.*s",
					 (int)p.auth_len, p.auth);
		}
		if (kind == 1) {
			const struct sandbox_host *h;
			char auth[300];

			snprintf(auth, sizeof(auth), "%.*s", (int)p.auth_len,
				 p.auth);
			h = add_host(k, auth, p.https ? 443 : 80, 1);
			if (v && h)
				v->host = (int)(h - k->sb->hosts);
		}
next:
		if (d->block && strcmp(d->name, "stream") &&
		    strcmp(d->name, "mail"))
			scan_passes(k, d->child);
	}
}

/* ---- second pass: the rules --------------------------------------- */

static void write_block(struct walk *k, const struct nginx_dir *first,
			enum ctx ctx);

static int r_drop(struct walk *k, const struct nginx_dir *d, const char *why)
{
	note(k, &d->at, "%s: left out (%s)", d->name, why);
	return 0;
}

static int r_access_log(struct walk *k, const struct nginx_dir *d,
			const char *why)
{
	const char *args[MAX_ARGS];
	size_t n = copy_args(d, args);

	(void)why;
	if (n > 1 && strcmp(args[1], "off")) {
		note(k, &d->at, "access_log %s -> %s/access.log", args[1],
		     k->sb->prefix);
		args[1] = keep(k, "%s/access.log", k->sb->prefix);
	}
	emit(k, d, args, n);
	return 0;
}

static int r_path(struct walk *k, const struct nginx_dir *d, const char *dir)
{
	const char *args[MAX_ARGS];
	size_t n = copy_args(d, args);

	if (n > 1) {
		args[1] = keep(k, "%s/%s/%u", k->sb->prefix, dir, ++k->temp);
		note(k, &d->at, "%s %s -> %s", d->name, d->args[1], args[1]);
	}
	emit(k, d, args, n);
	return 0;
}

static int r_cert(struct walk *k, const struct nginx_dir *d, const char *what)
{
	const char *args[2] = { d->name, what[0] == 'c' ? k->sb->cert :
				k->sb->key };
	int *seen = what[0] == 'c' ? &k->certs : &k->keys;

	if ((*seen)++) {
		note(k, &d->at, "%s %s: left out (one made here stands in "
		     "for all)", d->name, d->nargs > 1 ? d->args[1] : "");
		return 0;
	}
	note(k, &d->at, "%s %s -> a %s made here for the server names",
	     d->name, d->nargs > 1 ? d->args[1] : "", what);
	emit(k, d, args, 2);
	return 0;
}

/* A duration nginx reads, divided: "60s" at 1/100 -> "600ms" */
static const char *scaled(struct walk *k, const char *v)
{
	int64_t ms;

	if (units_nginx_time(v, &ms) < 0 || !ms)
		return v;	/* nginx will say what is wrong; 0 stays off */
	ms /= k->sb->time_div;
	return keep(k, "%lldms", (long long)(ms ? ms : 1));
}

/* fail_timeout, divided: nginx reads it in whole seconds, so 1s at least */
static int64_t fail_secs(const struct walk *k, const char *v)
{
	int64_t ms;

	if (units_nginx_time(v, &ms) < 0)
		ms = 10000;
	ms /= k->sb->time_div;
	return ms < 1000 ? 1 : (ms + 999) / 1000;
}

static int r_time(struct walk *k, const struct nginx_dir *d, const char *why)
{
	const char *args[MAX_ARGS];
	size_t n = copy_args(d, args);

	(void)why;
	if (k->sb->time_div <= 1 || n < 2)
		return -1;
	args[1] = scaled(k, args[1]);
	note(k, &d->at, "%s %s -> %s (timeouts at 1/%d)", d->name, d->args[1],
	     args[1], k->sb->time_div);
	emit(k, d, args, n);
	return 0;
}

static int r_ssl(struct walk *k, const struct nginx_dir *d, const char *why)
{
	(void)why;
	if (d->nargs == 2 && !strcmp(d->args[1], "on"))
		note(k, &d->at, "ssl on -> ssl on the server's listen lines");
	else
		note(k, &d->at, "ssl %s: left out", d->nargs > 1 ? d->args[1] : "");
	return 0;
}

static const struct sandbox_port *add_port(struct walk *k,
					   const struct hostport *from,
					   const char *unix_path)
{
	struct sandbox *sb = k->sb;
	struct sandbox_port *p;
	size_t i;
	int v6, port;

	for (i = 0; i < sb->nports; i++) {
		p = &sb->ports[i];
		if (unix_path ? !strcmp(p->from_unix, unix_path) :
		    !p->from_unix[0] && p->from.port == from->port &&
		    !strcasecmp(p->from.host, from->host))
			return p;
	}
	if (sb->nports == SANDBOX_MAX_PORTS) {
		snprintf(k->err, k->errlen, "more than %d listen addresses",
			 SANDBOX_MAX_PORTS);
		k->failed = 1;
		return NULL;
	}
	v6 = !unix_path && strchr(from->host, ':') != NULL;
	if (v6 && (port = net_free_port(1)) < 0)
		v6 = 0;		/* no ::1 here: the copy listens on 127.0.0.1 */
	if (!v6)
		port = net_free_port(0);
	if (port < 0) {
		snprintf(k->err, k->errlen, "no free port on 127.0.0.1");
		k->failed = 1;
		return NULL;
	}
	p = &sb->ports[sb->nports++];
	memset(p, 0, sizeof(*p));
	if (unix_path)
		snprintf(p->from_unix, sizeof(p->from_unix), "%s", unix_path);
	else
		p->from = *from;
	snprintf(p->to.host, sizeof(p->to.host), "%s", v6 ? "::1" : "127.0.0.1");
	p->to.port = (uint16_t)port;
	return p;
}

/* the address part of a listen, as the model reads it */
static int listen_from(const char *a, struct hostport *hp)
{
	char e[128];

	memset(hp, 0, sizeof(*hp));
	if (!strcmp(a, "*")) {
		hp->port = 80;
		return 0;
	}
	if (addr_parse(a[0] == '*' && a[1] == ':' ? a + 1 : a, 80, hp, e,
		       sizeof(e)) < 0)
		return -1;
	if (!strcmp(hp->host, "*"))
		hp->host[0] = '\0';
	return 0;
}

static void write_listen(struct walk *k, const struct nginx_dir *d,
			 const struct sandbox_port *p, const char *was)
{
	const char *args[MAX_ARGS];
	size_t i, n = 0;
	int ssl = 0;
	char a[300];

	args[n++] = "listen";
	args[n++] = keep(k, "%s", addr_fmt(p->to.host, p->to.port, a, sizeof(a)));
	for (i = 2; d && i < d->nargs && n < MAX_ARGS - 1; i++) {
		const char *f = d->args[i];

		if (!strcmp(f, "proxy_protocol")) {
			note(k, &d->at, "listen %s: proxy_protocol left out "
			     "(the checker connects directly)", was);
			continue;
		}
		if (!strncmp(f, "ipv6only=", 9) && !strchr(p->to.host, ':'))
			continue;
		ssl |= !strcmp(f, "ssl");
		args[n++] = f;
	}
	if (k->ssl_on && !ssl)
		args[n++] = "ssl";
	k->tls |= ssl || k->ssl_on;
	{
		char from[300] = "", to[300] = "";
		size_t o = 0;

		for (i = 1; d && i < d->nargs; i++)
			o += (size_t)snprintf(from + o, o < sizeof(from) ?
					      sizeof(from) - o : 0, " %s",
					      d->args[i]);
		for (i = 1, o = 0; i < n; i++)
			o += (size_t)snprintf(to + o, o < sizeof(to) ?
					      sizeof(to) - o : 0, " %s", args[i]);
		note(k, d ? &d->at : NULL, "listen%s ->%s", d ? from : was, to);
	}
	if (d)
		emit(k, d, args, n);
	else
		nginx_write_dir(&k->sb->w, NULL, args, n, 0);
}

static int r_listen(struct walk *k, const struct nginx_dir *d, const char *why)
{
	const struct sandbox_port *p;
	struct hostport hp;
	int unix_path;

	(void)why;
	if (d->nargs < 2)
		return -1;
	unix_path = !strncmp(d->args[1], "unix:", 5);
	if (!unix_path && listen_from(d->args[1], &hp) < 0)
		return -1;	/* nginx will say what is wrong with it */
	if (!(p = add_port(k, &hp, unix_path ? d->args[1] : NULL)))
		return 0;
	write_listen(k, d, p, d->args[1]);
	return 0;
}

static int r_peer(struct walk *k, const struct nginx_dir *d, const char *why)
{
	const char *args[MAX_ARGS];
	size_t i, n = 0;

	(void)why;
	if (d->nargs < 2)
		return -1;
	int timed = 0;

	args[n++] = d->name;
	args[n++] = host_to(k, sandbox_host(k->sb, d->args[1]));
	for (i = 2; i < d->nargs && n < MAX_ARGS - 1; i++) {
		const char *a = d->args[i];

		if (!strcmp(a, "resolve") || !strncmp(a, "service=", 8))
			continue;
		if (!strncmp(a, "fail_timeout=", 13) && k->sb->time_div > 1) {
			a = keep(k, "fail_timeout=%llds", (long long)
				 fail_secs(k, a + 13));
			timed = 1;
		}
		args[n++] = a;
	}
	if (!timed && k->sb->time_div > 1)	/* nginx's 10s */
		args[n++] = keep(k, "fail_timeout=%llds", (long long)
				 fail_secs(k, "10s"));
	note(k, &d->at, "server %s -> %s", d->args[1], args[1]);
	emit(k, d, args, n);
	return 0;
}

static int r_proxy_pass(struct walk *k, const struct nginx_dir *d,
			const char *why)
{
	const char *args[2] = { d->name, NULL };
	struct pass_url raw, p;
	char ev[2048], auth[300];
	int kind;

	(void)why;
	if (d->nargs != 2)
		return -1;
	kind = pass_target(k, d->args[1], ev, sizeof(ev), &p);
	if (kind < 0) {
		note(k, &d->at, "proxy_pass %s: where it goes is known only "
		     "at run time; no resolver here, so it fails (502)",
		     d->args[1]);
		return -1;
	}
	if (!kind && !p.https)
		return -1;	/* an upstream block's name: as it is */
	snprintf(auth, sizeof(auth), "%.*s", (int)p.auth_len, p.auth);
	if (split_url(d->args[1], &raw) == 0 &&
	    !memchr(raw.auth, '$', raw.auth_len)) {
		/* the authority is written out: change it (and https) alone */
		const char *to = kind ? host_to(k, sandbox_host(k->sb,
				*auth && raw.https && !strchr(auth, ':') ?
				keep(k, "%s:443", auth) : auth)) : auth;

		const char *rest = raw.auth + raw.auth_len;

		if (kind && !strncasecmp(auth, "unix:", 5) && *rest == ':')
			rest++;		/* http://unix:/x.sock:/uri */
		args[1] = keep(k, "http://%s%s", to, rest);
	} else if (!kind) {
		return -1;	/* an upstream through a variable: as it is */
	} else {
		/* the authority comes from variables: write it out, keep the
		   rest as evaluated (nginx passes a variable URL's URI as is;
		   an empty one means the client's, as without variables) */
		const char *to = host_to(k, sandbox_host(k->sb, p.https &&
				!strchr(auth, ':') ? keep(k, "%s:443", auth) :
				auth));
		const char *rest = p.auth + p.auth_len;

		if (!strncasecmp(auth, "unix:", 5) && *rest == ':')
			rest++;
		if (*rest && !strchr(rest, '$')) {
			const char *set[3] = { "set", "$wsctl_none", "" };

			nginx_write_dir(&k->sb->w, &d->at, set, 3, 0);
			args[1] = keep(k, "http://%s%s$wsctl_none", to, rest);
		} else {
			args[1] = keep(k, "http://%s%s", to, rest);
		}
	}
	if (p.https)
		note(k, &d->at, "proxy_pass %s: https -> http (the stand-in "
		     "backend speaks plain HTTP)", d->args[1]);
	note(k, &d->at, "proxy_pass %s -> %s", d->args[1], args[1]);
	emit(k, d, args, 2);
	return 0;
}

static int r_other_pass(struct walk *k, const struct nginx_dir *d,
			const char *why)
{
	const char *args[2] = { d->name, NULL };

	(void)why;
	if (d->nargs != 2 || strchr(d->args[1], '$'))
		return -1;
	args[1] = !strcmp(d->name, "grpc_pass") ?
		keep(k, "grpc://unix:%s/nobody.sock", k->sb->prefix) :
		keep(k, "unix:%s/nobody.sock", k->sb->prefix);
	note(k, &d->at, "%s %s -> %s (not a WebSocket target)", d->name,
	     d->args[1], args[1]);
	emit(k, d, args, 2);
	return 0;
}

/*
 * The rules, by directive name and context.  fn returns 0 when it wrote
 * (or dropped) the directive, -1 to have it written as it is.
 */
static const struct rule {
	const char *name;
	unsigned ctx;
	int (*fn)(struct walk *k, const struct nginx_dir *d, const char *arg);
	const char *arg;
} rules[] = {
	{ "user", C_MAIN, r_drop, "workers run as the checker's user" },
	{ "pid", C_MAIN, r_drop, "nginx.pid is in the prefix" },
	{ "daemon", C_MAIN, r_drop, "nginx runs in the foreground" },
	{ "lock_file", C_MAIN, r_drop, "a host path" },
	{ "working_directory", C_MAIN, r_drop, "a host path" },
	{ "worker_rlimit_nofile", C_MAIN, r_drop, "a host limit" },
	{ "worker_rlimit_core", C_MAIN, r_drop, "a host limit" },
	{ "worker_priority", C_MAIN, r_drop, "a host setting" },
	{ "worker_cpu_affinity", C_MAIN, r_drop, "a host setting" },
	{ "ssl_engine", C_MAIN, r_drop, "a host setting" },
	{ "error_log", ~0u, r_drop, "nginx logs to error.log in the prefix" },
	{ "stream", C_MAIN, r_drop, "not HTTP: not checked" },
	{ "mail", C_MAIN, r_drop, "not HTTP: not checked" },
	{ "access_log", C_ANY_HTTP, r_access_log, NULL },
	{ "client_body_temp_path", C_ANY_HTTP, r_path, "tmp" },
	{ "proxy_temp_path", C_ANY_HTTP, r_path, "tmp" },
	{ "fastcgi_temp_path", C_ANY_HTTP, r_path, "tmp" },
	{ "uwsgi_temp_path", C_ANY_HTTP, r_path, "tmp" },
	{ "scgi_temp_path", C_ANY_HTTP, r_path, "tmp" },
	{ "proxy_cache_path", C_HTTP, r_path, "cache" },
	{ "fastcgi_cache_path", C_HTTP, r_path, "cache" },
	{ "uwsgi_cache_path", C_HTTP, r_path, "cache" },
	{ "scgi_cache_path", C_HTTP, r_path, "cache" },
	{ "ssl_certificate", C_HTTP | C_SERVER, r_cert, "certificate" },
	{ "ssl_certificate_key", C_HTTP | C_SERVER, r_cert, "key" },
	{ "ssl", C_HTTP | C_SERVER, r_ssl, NULL },
	{ "ssl_trusted_certificate", C_HTTP | C_SERVER, r_drop, "a host file" },
	{ "ssl_client_certificate", C_HTTP | C_SERVER, r_drop, "a host file" },
	{ "ssl_verify_client", C_HTTP | C_SERVER, r_drop,
	  "the checker has no client certificate" },
	{ "ssl_verify_depth", C_HTTP | C_SERVER, r_drop, "no client certificates" },
	{ "ssl_crl", C_HTTP | C_SERVER, r_drop, "a host file" },
	{ "ssl_dhparam", C_HTTP | C_SERVER, r_drop, "a host file" },
	{ "ssl_password_file", C_HTTP | C_SERVER, r_drop, "a host file" },
	{ "ssl_session_ticket_key", C_HTTP | C_SERVER, r_drop, "a host file" },
	{ "ssl_stapling", C_HTTP | C_SERVER, r_drop, "no network here" },
	{ "ssl_stapling_file", C_HTTP | C_SERVER, r_drop, "a host file" },
	{ "ssl_stapling_responder", C_HTTP | C_SERVER, r_drop, "no network here" },
	{ "ssl_stapling_verify", C_HTTP | C_SERVER, r_drop, "no network here" },
	{ "ssl_ocsp", C_HTTP | C_SERVER, r_drop, "no network here" },
	{ "ssl_ocsp_responder", C_HTTP | C_SERVER, r_drop, "no network here" },
	{ "ssl_ocsp_cache", C_HTTP | C_SERVER, r_drop, "no network here" },
	{ "proxy_ssl_certificate", C_ANY_HTTP, r_drop, "backends speak plain HTTP" },
	{ "proxy_ssl_certificate_key", C_ANY_HTTP, r_drop, "backends speak plain HTTP" },
	{ "proxy_ssl_trusted_certificate", C_ANY_HTTP, r_drop, "backends speak plain HTTP" },
	{ "proxy_ssl_crl", C_ANY_HTTP, r_drop, "backends speak plain HTTP" },
	{ "proxy_ssl_password_file", C_ANY_HTTP, r_drop, "backends speak plain HTTP" },
	{ "proxy_ssl_verify", C_ANY_HTTP, r_drop, "backends speak plain HTTP" },
	{ "resolver", C_ANY_HTTP, r_drop, "no DNS here: every upstream name is "
	  "moved to a backend" },
	{ "resolver_timeout", C_ANY_HTTP, r_drop, "no DNS here" },
	{ "listen", C_SERVER, r_listen, NULL },
	{ "proxy_read_timeout", C_ANY_HTTP, r_time, NULL },
	{ "proxy_send_timeout", C_ANY_HTTP, r_time, NULL },
	{ "proxy_connect_timeout", C_ANY_HTTP, r_time, NULL },
	{ "keepalive_timeout", C_ANY_HTTP, r_time, NULL },
	{ "client_header_timeout", C_HTTP | C_SERVER, r_time, NULL },
	{ "client_body_timeout", C_ANY_HTTP, r_time, NULL },
	{ "send_timeout", C_ANY_HTTP, r_time, NULL },
	{ "server", C_UPSTREAM, r_peer, NULL },
	{ "proxy_pass", C_LOCATION, r_proxy_pass, NULL },
	{ "fastcgi_pass", C_LOCATION, r_other_pass, NULL },
	{ "uwsgi_pass", C_LOCATION, r_other_pass, NULL },
	{ "scgi_pass", C_LOCATION, r_other_pass, NULL },
	{ "grpc_pass", C_LOCATION, r_other_pass, NULL },
	{ "memcached_pass", C_LOCATION, r_other_pass, NULL },
};

/* nginx's timeouts where a config sets none, to divide in the copy */
static const struct { const char *name; int ms; } default_times[] = {
	{ "proxy_read_timeout", 60000 }, { "proxy_send_timeout", 60000 },
	{ "proxy_connect_timeout", 60000 }, { "keepalive_timeout", 75000 },
	{ "client_header_timeout", 60000 }, { "client_body_timeout", 60000 },
	{ "send_timeout", 60000 },
};

/* nginx's compiled-in temp paths are the host's: set them in the prefix */
static const char *const temp_paths[] = {
	"client_body_temp_path", "proxy_temp_path", "fastcgi_temp_path",
	"uwsgi_temp_path", "scgi_temp_path",
};

static enum ctx inner(const struct nginx_dir *d, enum ctx ctx)
{
	const char *n = d->name;

	if (ctx == C_MAIN && !strcmp(n, "events"))
		return C_EVENTS;
	if (ctx == C_MAIN && !strcmp(n, "http"))
		return C_HTTP;
	if (ctx == C_HTTP && !strcmp(n, "server"))
		return C_SERVER;
	if (ctx == C_HTTP && !strcmp(n, "upstream"))
		return C_UPSTREAM;
	if ((ctx == C_SERVER || ctx == C_LOCATION) &&
	    (!strcmp(n, "location") || !strcmp(n, "if") ||
	     !strcmp(n, "limit_except")))
		return C_LOCATION;
	return C_OTHER;
}

static void write_dir(struct walk *k, const struct nginx_dir *d, enum ctx ctx)
{
	size_t i;

	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if ((rules[i].ctx & ctx) && !strcmp(rules[i].name, d->name) &&
		    (!d->block || rules[i].fn == r_drop) &&
		    rules[i].fn(k, d, rules[i].arg) == 0)
			return;
	if (!d->block) {
		nginx_write_dir(&k->sb->w, &d->at, (const char *const *)d->args,
				d->nargs, 0);
		return;
	}
	nginx_write_dir(&k->sb->w, &d->at, (const char *const *)d->args,
			d->nargs, 1);
	write_block(k, d->child, inner(d, ctx));
	nginx_write_close(&k->sb->w, &d->at);
}

/* A server: "ssl on" applies to every listen, and none means *:80. */
static void write_server(struct walk *k, const struct nginx_dir *first,
			 const struct nginx_pos *at)
{
	const struct nginx_dir *d;
	struct hostport any = { "", 80 };
	const struct sandbox_port *p;

	k->ssl_on = k->http_ssl_on;
	for (d = first; d; d = d->next)
		if (!strcmp(d->name, "ssl") && d->nargs == 2)
			k->ssl_on = !strcmp(d->args[1], "on");
	if (!nginx_dir_find(first, "listen") && (p = add_port(k, &any, NULL))) {
		note(k, at, "server without listen: nginx's *:80 -> %s:%u",
		     p->to.host, p->to.port);
		write_listen(k, NULL, p, "*:80");
	}
}

static void write_http_defaults(struct walk *k, const struct nginx_dir *first)
{
	size_t i;

	for (i = 0; i < sizeof(temp_paths) / sizeof(temp_paths[0]); i++)
		if (!nginx_dir_find(first, temp_paths[i])) {
			const char *args[2] = { temp_paths[i], NULL };

			args[1] = keep(k, "%s/tmp/%s", k->sb->prefix,
				       temp_paths[i]);
			nginx_write_dir(&k->sb->w, NULL, args, 2, 0);
		}
	if (k->sb->time_div > 1)
		note(k, NULL, "every timeout at 1/%d, nginx's defaults too "
		     "(--real-time: as written)", k->sb->time_div);
	for (i = 0; k->sb->time_div > 1 &&
	     i < sizeof(default_times) / sizeof(default_times[0]); i++)
		if (!nginx_dir_find(first, default_times[i].name)) {
			const char *args[2] = { default_times[i].name, NULL };

			args[1] = keep(k, "%dms", default_times[i].ms /
				       k->sb->time_div);
			nginx_write_dir(&k->sb->w, NULL, args, 2, 0);
		}
	if (!nginx_dir_find(first, "access_log")) {
		const char *args[2] = { "access_log", NULL };

		args[1] = keep(k, "%s/access.log", k->sb->prefix);
		nginx_write_dir(&k->sb->w, NULL, args, 2, 0);
	}
}

static void write_block(struct walk *k, const struct nginx_dir *first,
			enum ctx ctx)
{
	const struct nginx_dir *d;
	int certs = k->certs, keys = k->keys;

	k->certs = k->keys = 0;
	if (ctx == C_SERVER && first)
		write_server(k, first, &first->at);
	if (ctx == C_HTTP) {
		for (d = first; d; d = d->next)
			if (!strcmp(d->name, "ssl") && d->nargs == 2)
				k->http_ssl_on = !strcmp(d->args[1], "on");
		write_http_defaults(k, first);
	}
	for (d = first; d; d = d->next)
		write_dir(k, d, ctx);
	k->certs = certs;
	k->keys = keys;
}

/* The main level: wsctl's own lines first, then the shape's missing
   blocks around the config's directives. */
static void write_main(struct walk *k)
{
	struct nginx_writer *w = &k->sb->w;
	const struct nginx_conf *c = k->c;
	const char *args[3];
	const struct nginx_dir *d;
	struct nginx_pos top = { c->files[0], 1 };

	nginx_write_comment(w, "written by wsctl check: a sandboxed copy of");
	nginx_write_comment(w, c->files[0]);
	args[0] = "daemon", args[1] = "off";
	nginx_write_dir(w, NULL, args, 2, 0);
	args[0] = "pid", args[1] = keep(k, "%s/nginx.pid", k->sb->prefix);
	nginx_write_dir(w, NULL, args, 2, 0);
	args[0] = "error_log", args[1] = keep(k, "%s/error.log", k->sb->prefix);
	args[2] = "warn";
	nginx_write_dir(w, NULL, args, 3, 0);
	if (c->shape == NGINX_SHAPE_MAIN) {
		if (!nginx_dir_find(c->root, "events")) {
			note(k, NULL, "no events block: an empty one added");
			args[0] = "events";
			nginx_write_dir(w, NULL, args, 1, 1);
			nginx_write_close(w, NULL);
		}
		for (d = c->root; d; d = d->next)
			write_dir(k, d, C_MAIN);
		return;
	}
	note(k, NULL, c->shape == NGINX_SHAPE_HTTP ?
	     "a conf.d snippet: read inside http { } with an events block" :
	     "bare locations: read inside server { } inside http { }");
	args[0] = "events";
	nginx_write_dir(w, NULL, args, 1, 1);
	nginx_write_close(w, NULL);
	args[0] = "http";
	nginx_write_dir(w, &top, args, 1, 1);
	if (c->shape == NGINX_SHAPE_HTTP) {
		write_block(k, c->root, C_HTTP);
	} else {
		write_http_defaults(k, NULL);
		args[0] = "server";
		nginx_write_dir(w, &top, args, 1, 1);
		write_block(k, c->root, C_SERVER);
		nginx_write_close(w, &top);
	}
	nginx_write_close(w, &top);
}

/* nginx's compiled-in module folders, for "load_module modules/x.so" */
static const char *const module_dirs[] = {
	"/usr/share/nginx/modules", "/usr/lib/nginx/modules",
	"/usr/lib64/nginx/modules", "/etc/nginx/modules",
};

static int mkdirs(const struct sandbox *sb, char *err, size_t errlen)
{
	static const char *const dirs[] = { "tmp", "cache", "logs" };
	char path[400];
	size_t i;

	/* relative load_module paths are the install prefix's: point the
	   copy's prefix at the same modules */
	snprintf(path, sizeof(path), "%s/modules", sb->prefix);
	for (i = 0; i < sizeof(module_dirs) / sizeof(module_dirs[0]); i++)
		if (access(module_dirs[i], F_OK) == 0) {
			if (symlink(module_dirs[i], path) < 0) {
				snprintf(err, errlen, "cannot make '%s'", path);
				return -1;
			}
			break;
		}

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", sb->prefix, dirs[i]);
		if (mkdir(path, 0700) < 0) {
			snprintf(err, errlen, "cannot make '%s'", path);
			return -1;
		}
	}
	return 0;
}

int sandbox_make(struct sandbox *sb, const struct nginx_conf *c, char *err,
		 size_t errlen)
{
	const struct nginx_dir *sets[256];
	struct walk k = { .sb = sb, .c = c, .err = err, .errlen = errlen,
			  .shortest = 60000 };
	size_t i;

	err[0] = '\0';
	if (tmpdir_make(sb->prefix, sizeof(sb->prefix), "nginx", err,
			errlen) < 0)
		return -1;
	snprintf(sb->conf, sizeof(sb->conf), "%s/nginx.conf", sb->prefix);
	if (mkdirs(sb, err, errlen) < 0)
		goto fail;
	for (i = 0; i < c->nmissing; i++)
		note(&k, &c->missing[i].at, "include %s: not on this host, "
		     "read as an empty file", c->missing[i].path);
	if (scan(&k, c->root, sets, &k.nsets, 256) < 0)
		goto fail;
	k.sets = sets;
	scan_passes(&k, c->root);
	/* one factor for every timeout, so none gets shorter than
	   SANDBOX_MIN_MS, where nginx's timer jitter would decide */
	if (sb->time_div > k.shortest / SANDBOX_MIN_MS)
		sb->time_div = (int)(k.shortest / SANDBOX_MIN_MS);
	if (sb->time_div < 1)
		sb->time_div = 1;
	snprintf(sb->cert, sizeof(sb->cert), "%s/cert.pem", sb->prefix);
	snprintf(sb->key, sizeof(sb->key), "%s/key.pem", sb->prefix);
	if (nginx_write_open(&sb->w, sb->conf) < 0) {
		snprintf(err, errlen, "cannot write '%s'", sb->conf);
		goto fail;
	}
	write_main(&k);
	if (nginx_write_end(&sb->w) < 0 || k.failed) {
		if (!err[0])
			snprintf(err, errlen, "cannot write '%s'", sb->conf);
		goto fail;
	}
	if (!k.tls) {
		sb->cert[0] = sb->key[0] = '\0';
	} else if (tls_make_cert(sb->cert, sb->key, k.names, k.nnames, err,
				 errlen) < 0) {
		goto fail;
	}
	return 0;
fail:
	sandbox_free(sb);
	return -1;
}

const struct sandbox_port *sandbox_port(const struct sandbox *sb,
					const struct nginx_listen *l)
{
	struct hostport from = l->addr;
	size_t i;

	if (!strcmp(from.host, "*"))
		from.host[0] = '\0';
	for (i = 0; i < sb->nports; i++) {
		const struct sandbox_port *p = &sb->ports[i];

		if (l->unix_path ? p->from_unix[0] &&
		    !strcmp(p->from_unix + 5, l->unix_path) :
		    !p->from_unix[0] && p->from.port == from.port &&
		    !strcasecmp(p->from.host, from.host))
			return p;
	}
	return NULL;
}

int sandbox_pass(const struct sandbox *sb, const struct nginx_pos *at,
		 const struct sandbox_host **host, const char **upstream)
{
	size_t i;

	for (i = 0; i < sb->npasses; i++) {
		const struct sandbox_pass *v = &sb->passes[i];

		if (v->at.file != at->file || v->at.line != at->line)
			continue;
		if (v->host >= 0) {
			*host = &sb->hosts[v->host];
			return 1;
		}
		if (v->upstream[0]) {
			*upstream = v->upstream;
			return 0;
		}
		return -1;
	}
	return -1;
}

void sandbox_translate(const struct sandbox *sb, char *msg, size_t len)
{
	size_t n = strlen(sb->conf);
	char *at, out[1024];

	if (!n || !(at = strstr(msg, sb->conf)) || at[n] != ':')
		return;
	{
		unsigned line = (unsigned)strtoul(at + n + 1, NULL, 10);
		const struct nginx_pos *o = nginx_write_origin(&sb->w, line);
		const char *rest = at + n + 1 + strspn(at + n + 1, "0123456789");

		if (!o)
			snprintf(out, sizeof(out), "%.*s%s (a line wsctl added)%s",
				 (int)(at - msg), msg, sb->conf, rest);
		else
			snprintf(out, sizeof(out), "%.*s%s:%u%s", (int)(at - msg),
				 msg, o->file, o->line, rest);
	}
	snprintf(msg, len, "%s", out);
}

void sandbox_free(struct sandbox *sb)
{
	nginx_write_free(&sb->w);
	tmpdir_remove(sb->prefix);
}
