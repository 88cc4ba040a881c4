/*
 * sandbox_scan.c - the sandbox's first pass: every address the copy must
 * move (upstream servers, the hosts proxy_pass names, directly or through
 * "set" variables), every server name (for the certificate), and the
 * shortest timeout (for the division).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "checks/sandbox_priv.h"
#include "common/net.h"
#include "common/units.h"

/* ---- addresses ---------------------------------------------------- */

/* "host:port" with the host in lower case, port made explicit */
int sb_host_key(const char *addr, int dflt, char *out, size_t len)
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

	if (sb_host_key(addr, 80, key, sizeof(key)) < 0)
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

	if (sb_host_key(addr, dflt, key, sizeof(key)) < 0)
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
const char *sb_host_to(struct walk *k, const struct sandbox_host *h)
{
	char a[300];

	if (!h || !h->live)
		return sb_keep(k, "unix:%s/nobody.sock", k->sb->prefix);
	return sb_keep(k, "%s", addr_fmt(h->to.host, h->to.port, a, sizeof(a)));
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


int sb_split_url(const char *u, struct pass_url *p)
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
int sb_pass_target(const struct walk *k, const char *url, char *ev,
		       size_t evlen, struct pass_url *p)
{
	substitute(k, url, ev, evlen);
	if (sb_split_url(ev, p) < 0 || !p->auth_len ||
	    memchr(p->auth, '$', p->auth_len))
		return -1;
	return names_upstream(k, p) ? 0 : 1;
}

/* ---- first pass: addresses and names ------------------------------ */

static void scan_names(struct walk *k, const struct nginx_dir *d)
{
	size_t i;

	for (i = 1; i < d->nargs && k->nnames < MAX_NAMES; i++) {
		const char *n = d->args[i];

		if (!n[0] || n[0] == '~' || !strcmp(n, "_") || strchr(n, '$'))
			continue;
		if (n[0] == '.')	/* ".example.com": both */
			k->names[k->nnames++] = sb_keep(k, "*%s", n);
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

int sb_scan(struct walk *k, const struct nginx_dir *d,
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
			sb_scan(k, d->child, sets, nsets, max);
	}
	return k->failed ? -1 : 0;
}

/* proxy_pass hosts, once every "set" is known */
void sb_scan_passes(struct walk *k, const struct nginx_dir *d)
{
	char ev[2048];
	struct pass_url p;

	for (; d; d = d->next) {
		struct sandbox_pass *v = NULL;
		int kind;

		if (strcmp(d->name, "proxy_pass") || d->nargs != 2)
			goto next;
		kind = sb_pass_target(k, d->args[1], ev, sizeof(ev), &p);
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
			sb_scan_passes(k, d->child);
	}
}
