/*
 * nginx_query.c - what a check asks of a read configuration: which
 * location proxies, where its server listens, and which proxy settings
 * apply there once nginx's inheritance rules are followed.
 */
#include <arpa/inet.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "checks/nginx_priv.h"
#include "common/units.h"

/* nginx's ngx_http_proxy_headers, which apply where not overridden */
static const struct nginx_header defaults[] = {
	{ "Host", "$proxy_host", { NULL, 0 } },
	{ "Connection", "close", { NULL, 0 } },
	{ "Content-Length", "$proxy_internal_body_length", { NULL, 0 } },
	{ "Transfer-Encoding", "$proxy_internal_chunked", { NULL, 0 } },
	{ "TE", "", { NULL, 0 } },
	{ "Keep-Alive", "", { NULL, 0 } },
	{ "Expect", "", { NULL, 0 } },
	{ "Upgrade", "", { NULL, 0 } },
};

#define NDEFAULTS (sizeof(defaults) / sizeof(defaults[0]))

/* ---- finding the proxy -------------------------------------------- */

static int regex_match(const struct nginx_location *l, const char *path)
{
	regex_t re;
	int flags = REG_EXTENDED | REG_NOSUB, rc;

	if (l->match == NGINX_MATCH_REGEX_ICASE)
		flags |= REG_ICASE;
	if (regcomp(&re, l->path, flags))
		return 0;	/* PCRE-only syntax: cannot tell, say no */
	rc = regexec(&re, path, 0, NULL, 0);
	regfree(&re);
	return rc == 0;
}

/*
 * nginx's ngx_http_core_find_location over the locations directly under
 * parent: an exact match ends the search; else the longest prefix wins,
 * its nested locations are searched, and then (unless it was ^~) the
 * regexes of this level in order, the first match winning.  *out gets the
 * choice.  Returns 1 when the choice is final (exact or regex).
 */
static int find_location(const struct nginx_server *s,
			 const struct nginx_location *parent, const char *path,
			 const struct nginx_location **out)
{
	const struct nginx_location *l, *best = NULL;
	size_t i, n, blen = 0;

	for (i = 0; i < s->nlocations; i++) {
		l = &s->locations[i];
		if (l->parent != parent)
			continue;
		if (l->match == NGINX_MATCH_EXACT && !strcmp(l->path, path)) {
			*out = l;
			return 1;
		}
		if (l->match != NGINX_MATCH_PREFIX &&
		    l->match != NGINX_MATCH_PREFIX_NOREGEX)
			continue;
		n = strlen(l->path);
		if (!strncmp(path, l->path, n) && (!best || n > blen)) {
			best = l;
			blen = n;
		}
	}
	if (best) {
		*out = best;
		if (find_location(s, best, path, out))
			return 1;
		if (best->match == NGINX_MATCH_PREFIX_NOREGEX)
			return 0;
	}
	for (i = 0; i < s->nlocations; i++) {
		l = &s->locations[i];
		if (l->parent != parent || (l->match != NGINX_MATCH_REGEX &&
					    l->match != NGINX_MATCH_REGEX_ICASE))
			continue;
		if (regex_match(l, path)) {
			*out = l;
			find_location(s, l, path, out);
			return 1;
		}
	}
	return 0;
}

static int listens_on(const struct nginx_server *s, int port)
{
	size_t i;

	for (i = 0; i < s->nlistens; i++)
		if (!s->listens[i].unix_path && s->listens[i].addr.port == port)
			return 1 + s->listens[i].default_server;
	return 0;
}

/* The servers for port, the default_server (for that port) first. */
static size_t candidates(const struct nginx_conf *c, int port,
			 const struct nginx_server **v, size_t max)
{
	size_t i, n = 0;
	int pass;

	for (pass = 2; pass >= 1; pass--)
		for (i = 0; i < c->nservers && n < max; i++) {
			int on = port ? listens_on(&c->servers[i], port) : 1;

			if (on == pass)
				v[n++] = &c->servers[i];
		}
	return n;
}

int nginx_find_proxy(const struct nginx_conf *c, int port, const char *path,
		     const struct nginx_server **server,
		     const struct nginx_location **loc,
		     char *err, size_t errlen)
{
	const struct nginx_server *v[64];
	const struct nginx_location *l = NULL;
	char uri[2048];
	size_t n = candidates(c, port, v, sizeof(v) / sizeof(v[0])), i, k;
	char where[32] = "";

	if (port)
		snprintf(where, sizeof(where), " for port %d", port);
	if (!n)
		return nginx_errf(err, errlen, NULL, "no server listens%s",
				  where);
	if (!path) {
		for (i = 0; i < n; i++)
			for (k = 0; k < v[i]->nlocations; k++)
				if (v[i]->locations[k].target.url) {
					*server = v[i];
					*loc = &v[i]->locations[k];
					return 0;
				}
		return nginx_errf(err, errlen, NULL,
				  "no location proxies requests%s", where);
	}
	/* locations match the path without its query */
	snprintf(uri, sizeof(uri), "%.*s", (int)strcspn(path, "?"), path);
	find_location(v[0], NULL, uri, &l);
	if (!l)
		return nginx_errf(err, errlen, NULL,
				  "no location matches '%s'%s", uri, where);
	if (!l->target.url)
		return nginx_errf(err, errlen, &l->at,
				  "location '%s' does not proxy '%s'",
				  l->path, uri);
	*server = v[0];
	*loc = l;
	return 0;
}

char *nginx_location_name(const struct nginx_location *l, char *buf,
			  size_t len)
{
	static const char *const mod[] = {
		[NGINX_MATCH_PREFIX] = "", [NGINX_MATCH_EXACT] = "= ",
		[NGINX_MATCH_PREFIX_NOREGEX] = "^~ ", [NGINX_MATCH_REGEX] = "~ ",
		[NGINX_MATCH_REGEX_ICASE] = "~* ", [NGINX_MATCH_NAMED] = "",
	};

	snprintf(buf, len, "location %s%s", mod[l->match], l->path);
	return buf;
}

const struct nginx_location *nginx_location_for(const struct nginx_server *s,
					       const char *uri)
{
	const struct nginx_location *l = NULL;

	find_location(s, NULL, uri, &l);
	return l;
}

/* server_name's rules: exact, then *.x / .x, then x.*, else NULL */
static int name_match(const char *name, const char *host)
{
	size_t n = strlen(name), h = strlen(host);

	if (!strcasecmp(name, host))
		return 3;
	if (name[0] == '.' && (!strcasecmp(name + 1, host) ||
			       (h > n && !strcasecmp(host + h - n, name))))
		return 2;
	if (name[0] == '*' && name[1] == '.' && h > n - 1 &&
	    !strcasecmp(host + h - (n - 1), name + 1))
		return 2;
	if (n > 2 && name[n - 1] == '*' && name[n - 2] == '.' &&
	    !strncasecmp(host, name, n - 1))
		return 1;
	return 0;
}

const struct nginx_server *nginx_server_for(const struct nginx_conf *c,
					    int port, const char *host)
{
	const struct nginx_server *v[64], *best = NULL;
	size_t n = candidates(c, port, v, sizeof(v) / sizeof(v[0])), i, k;
	int score = 0;

	for (i = 0; i < n; i++)
		for (k = 0; k < v[i]->nnames; k++) {
			int m = name_match(v[i]->names[k], host);

			if (m > score) {
				score = m;
				best = v[i];
			}
		}
	return best ? best : n ? v[0] : NULL;
}

int nginx_backend_uri(const struct nginx_location *l, const char *uri,
		      char *out, size_t len)
{
	const struct nginx_target *t = &l->target;
	size_t n = strlen(l->path);
	int w;

	if (t->kind == NGINX_TARGET_VARIABLE || t->kind == NGINX_TARGET_NONE ||
	    !*t->uri || (l->match != NGINX_MATCH_PREFIX &&
			 l->match != NGINX_MATCH_EXACT &&
			 l->match != NGINX_MATCH_PREFIX_NOREGEX) ||
	    strncmp(uri, l->path, n))
		w = snprintf(out, len, "%s", uri);
	else
		w = snprintf(out, len, "%s%s", t->uri, uri + n);
	return w < 0 || (size_t)w >= len ? -1 : 0;
}

int nginx_workers(const struct nginx_conf *c)
{
	const struct nginx_dir *d = nginx_dir_find(c->root, "worker_processes");
	unsigned n = 1;
	long cpus;

	if (!d || d->nargs < 2)
		return 1;
	if (!strcmp(d->args[1], "auto"))
		return (cpus = sysconf(_SC_NPROCESSORS_ONLN)) > 0 ? (int)cpus : 1;
	return nginx_number(d->args[1], &n) == 0 && n > 0 ? (int)n : 1;
}

/* Distinct listening addresses of every server. */
static unsigned listening(const struct nginx_conf *c)
{
	const struct nginx_listen *seen[64];
	unsigned n = 0;

	for (size_t s = 0; s < c->nservers; s++)
		for (size_t i = 0; i < c->servers[s].nlistens; i++) {
			const struct nginx_listen *l = &c->servers[s].listens[i];
			unsigned k;

			for (k = 0; k < n; k++)
				if (seen[k]->addr.port == l->addr.port &&
				    !strcmp(seen[k]->addr.host, l->addr.host))
					break;
			if (k == n && n < 64)
				seen[n++] = l;
		}
	return n;
}

unsigned nginx_tunnel_capacity(const struct nginx_conf *c,
			       struct nginx_pos *at, unsigned *wc)
{
	const struct nginx_dir *ev = nginx_dir_find(c->root, "events");
	const struct nginx_dir *d = ev ? nginx_dir_find(ev->child,
					"worker_connections") : NULL;
	unsigned n = 512, lsn = listening(c);
	uint64_t cap;

	if (d && d->nargs > 1 && nginx_number(d->args[1], &n) == 0 && n) {
		*at = d->at;
	} else {
		n = 512;
		at->file = NULL;
		at->line = 0;
	}
	*wc = n;
	/* a worker's channel to the master takes one too; more than a
	   million is as good as no limit for the checker */
	cap = n > lsn + 1 ? (uint64_t)nginx_workers(c) * ((n - lsn - 1) / 2) : 0;
	return cap < 1000000 ? (unsigned)cap : 1000000;
}

int64_t nginx_shutdown_timeout(const struct nginx_conf *c,
			       struct nginx_pos *at)
{
	const struct nginx_dir *d = nginx_dir_find(c->root,
						   "worker_shutdown_timeout");
	int64_t ms;

	if (!d || d->nargs < 2 || units_nginx_time(d->args[1], &ms) < 0)
		return 0;
	if (at)
		*at = d->at;
	return ms;
}

int nginx_listen_target(const struct nginx_listen *l, struct hostport *hp)
{
	const char *h = l->addr.host;

	if (l->unix_path)
		return -1;
	*hp = l->addr;
	if (!*h || !strcmp(h, "0.0.0.0"))
		snprintf(hp->host, sizeof(hp->host), "127.0.0.1");
	else if (!strcmp(h, "::"))
		snprintf(hp->host, sizeof(hp->host), "::1");
	return 0;
}

/* ---- inherited settings ------------------------------------------- */

int64_t nginx_read_timeout(const struct nginx_scope *s, struct nginx_pos *at)
{
	for (; s; s = s->parent)
		if (s->read_timeout_ms >= 0) {
			if (at)
				*at = s->read_timeout_at;
			return s->read_timeout_ms;
		}
	if (at)
		at->file = NULL, at->line = 0;
	return 60000;
}

const char *nginx_http_version(const struct nginx_scope *s,
			       struct nginx_pos *at)
{
	for (; s; s = s->parent)
		if (s->http_version) {
			if (at)
				*at = s->http_version_at;
			return s->http_version;
		}
	if (at)
		at->file = NULL, at->line = 0;
	return "1.0";
}

/* The level whose proxy_set_header lines apply at s, or NULL. */
static const struct nginx_scope *header_source(const struct nginx_scope *s)
{
	while (s && !s->nheaders)
		s = s->parent;
	return s;
}

static const struct nginx_header *in(const struct nginx_header *h, size_t n,
				     const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcasecmp(h[i].name, name))
			return &h[i];
	return NULL;
}

size_t nginx_headers(const struct nginx_scope *s,
		     const struct nginx_header **out, size_t max)
{
	const struct nginx_scope *src = header_source(s);
	size_t i, n = 0, own = src ? src->nheaders : 0;

	for (i = 0; i < own; i++, n++)
		if (n < max)
			out[n] = &src->headers[i];
	for (i = 0; i < NDEFAULTS; i++) {
		if (src && in(src->headers, own, defaults[i].name))
			continue;
		if (n < max)
			out[n] = &defaults[i];
		n++;
	}
	return n;
}

const struct nginx_header *nginx_header_find(const struct nginx_scope *s,
					     const char *name)
{
	const struct nginx_scope *src = header_source(s);
	const struct nginx_header *h;

	if (src && (h = in(src->headers, src->nheaders, name)))
		return h;
	return in(defaults, NDEFAULTS, name);
}

const struct nginx_header *nginx_header_shadowed(const struct nginx_scope *s,
						 const char *name)
{
	const struct nginx_scope *src = header_source(s);
	const struct nginx_header *h;

	if (!src || in(src->headers, src->nheaders, name))
		return NULL;
	for (s = src->parent; s; s = s->parent)
		if ((h = in(s->headers, s->nheaders, name)))
			return h;
	return NULL;
}

size_t nginx_limit_conns(const struct nginx_scope *s,
			 const struct nginx_limit_conn **out)
{
	while (s && !s->nlimits)
		s = s->parent;
	*out = s ? s->limits : NULL;
	return s ? s->nlimits : 0;
}

/* ---- upstreams, maps, addresses ----------------------------------- */

unsigned nginx_upstream_weight_sum(const struct nginx_upstream *u)
{
	unsigned sum = 0;
	size_t i;

	for (i = 0; i < u->npeers; i++)
		if (!u->peers[i].backup && !u->peers[i].down)
			sum += u->peers[i].weight;
	return sum;
}

const char *nginx_balance_name(enum nginx_balance b)
{
	switch (b) {
	case NGINX_LB_ROUND_ROBIN:
		return "round-robin";
	case NGINX_LB_IP_HASH:
		return "ip_hash";
	case NGINX_LB_LEAST_CONN:
		return "least_conn";
	case NGINX_LB_HASH:
		return "hash";
	case NGINX_LB_RANDOM:
		return "random";
	}
	return "?";
}

const struct nginx_upstream *nginx_upstream_find(const struct nginx_conf *c,
						 const char *name)
{
	size_t i;

	for (i = 0; i < c->nupstreams; i++)
		if (!strcasecmp(c->upstreams[i].name, name))
			return &c->upstreams[i];
	return NULL;
}

const struct nginx_map *nginx_map_find(const struct nginx_conf *c,
				       const char *target)
{
	size_t i;

	for (i = 0; i < c->nmaps; i++)
		if (!strcmp(c->maps[i].target, target))
			return &c->maps[i];
	return NULL;
}

const char *nginx_map_value(const struct nginx_map *m, const char *key)
{
	size_t i;

	/* nginx compares map strings case-insensitively */
	for (i = 0; i < m->nentries; i++)
		if (m->entries[i].key[0] != '~' &&
		    !strcasecmp(m->entries[i].key, key))
			return m->entries[i].value;
	return m->dflt ? m->dflt : "";
}

int nginx_host_is_local(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (!*host || !strcmp(host, "*") || !strcasecmp(host, "localhost"))
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127 || a4.s_addr == 0;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6) || IN6_IS_ADDR_UNSPECIFIED(&a6);
	return 0;
}
