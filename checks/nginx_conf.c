/*
 * nginx_conf.c - the model: walk the directive tree of the http context
 * and fill in upstreams, servers, locations, maps and the proxy_*
 * directives of each level.  Arrays are counted before they are filled,
 * so every pointer into them stays valid and the arena is the only owner.
 * Only what the model holds is validated; nginx -t has the last word on
 * the rest.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "checks/nginx_priv.h"
#include "common/units.h"

void *nginx_alloc_n(struct nginx_build *b, size_t n, size_t size)
{
	return nginx_alloc(b->a, (n ? n : 1) * size);
}

int nginx_shape(struct nginx_build *b, const struct nginx_dir *d, int block,
		size_t min, size_t max)
{
	if (block && !d->block)
		return FAIL(b, d, "directive '%s' has no opening '{'", d->name);
	if (!block && d->block)
		return FAIL(b, d, "directive '%s' is not terminated by ';'",
			    d->name);
	if (d->nargs < min || d->nargs > max)
		return FAIL(b, d, "invalid number of arguments in '%s'",
			    d->name);
	return 0;
}

size_t nginx_count(const struct nginx_dir *d, const char *name)
{
	size_t n = 0;

	for (; d; d = d->next)
		n += !strcmp(d->name, name);
	return n;
}

int nginx_number(const char *s, unsigned *v)
{
	unsigned long n = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || n > 100000000)
			return -1;
		n = n * 10 + (unsigned)(*s - '0');
	}
	*v = (unsigned)n;
	return 0;
}

const char *nginx_param(const char *s, const char *name)
{
	size_t n = strlen(name);

	return !strncmp(s, name, n) && s[n] == '=' ? s + n + 1 : NULL;
}

/* ---- proxy directives of one level -------------------------------- */

static int scope_alloc(struct nginx_build *b, struct nginx_scope *s,
		       const struct nginx_dir *first,
		       const struct nginx_scope *parent)
{
	size_t nh = nginx_count(first, "proxy_set_header");
	size_t nl = nginx_count(first, "limit_conn");

	s->parent = parent;
	s->read_timeout_ms = -1;
	if (!(s->headers = nginx_alloc_n(b, nh, sizeof(*s->headers))) ||
	    !(s->limits = nginx_alloc_n(b, nl, sizeof(*s->limits))))
		return OOM(b);
	return 0;
}

/*
 * Take d into s when it is one of the directives a level can set.
 * Returns 1 when it was, 0 when d is something else, -1 on error.
 */
static int scope_dir(struct nginx_build *b, struct nginx_scope *s,
		     const struct nginx_dir *d)
{
	if (!strcmp(d->name, "proxy_read_timeout")) {
		if (nginx_shape(b, d, 0, 2, 2))
			return -1;
		if (s->read_timeout_ms >= 0)
			return FAIL(b, d, "'%s' directive is duplicate", d->name);
		if (units_nginx_time(d->args[1], &s->read_timeout_ms) < 0)
			return FAIL(b, d, "invalid value '%s' in '%s'",
				    d->args[1], d->name);
		s->read_timeout_at = d->at;
		return 1;
	}
	if (!strcmp(d->name, "proxy_http_version")) {
		if (nginx_shape(b, d, 0, 2, 2))
			return -1;
		if (s->http_version)
			return FAIL(b, d, "'%s' directive is duplicate", d->name);
		if (strcmp(d->args[1], "1.0") && strcmp(d->args[1], "1.1"))
			return FAIL(b, d, "invalid value '%s' in '%s', it must "
				    "be '1.0' or '1.1'", d->args[1], d->name);
		s->http_version = d->args[1];
		s->http_version_at = d->at;
		return 1;
	}
	if (!strcmp(d->name, "proxy_set_header")) {
		struct nginx_header *h;

		if (nginx_shape(b, d, 0, 3, 3))
			return -1;
		h = (struct nginx_header *)&s->headers[s->nheaders++];
		h->name = d->args[1];
		h->value = d->args[2];
		h->at = d->at;
		return 1;
	}
	if (!strcmp(d->name, "limit_conn")) {
		struct nginx_limit_conn *l;
		unsigned n;

		if (nginx_shape(b, d, 0, 3, 3))
			return -1;
		if (nginx_number(d->args[2], &n) < 0 || !n)
			return FAIL(b, d, "invalid number of connections '%s'",
				    d->args[2]);
		l = (struct nginx_limit_conn *)&s->limits[s->nlimits++];
		l->zone = d->args[1];
		l->n = n;
		l->at = d->at;
		return 1;
	}
	return 0;
}

/* ---- server and location ------------------------------------------ */

static int listen_dir(struct nginx_build *b, struct nginx_listen *l,
		  const struct nginx_dir *d)
{
	static const char *const flags[] = {
		"bind", "deferred", "reuseport", "default", NULL,
	};
	static const char *const valued[] = {
		"backlog", "rcvbuf", "sndbuf", "accept_filter", "setfib",
		"fastopen", "ipv6only", "so_keepalive", NULL,
	};
	const char *a;
	char e[256];
	size_t i, k;

	if (nginx_shape(b, d, 0, 2, SIZE_MAX))
		return -1;
	a = d->args[1];
	l->at = d->at;
	if (!strncmp(a, "unix:", 5)) {
		l->unix_path = a + 5;
	} else if (!strcmp(a, "*")) {
		l->addr.port = 80;
	} else if (addr_parse(a[0] == '*' && a[1] == ':' ? a + 1 : a, 80,
			      &l->addr, e, sizeof(e)) < 0) {
		return FAIL(b, d, "%s", e);
	}
	for (i = 2; i < d->nargs; i++) {
		a = d->args[i];
		if (!strcmp(a, "ssl"))
			l->ssl = 1;
		else if (!strcmp(a, "http2"))
			l->http2 = 1;
		else if (!strcmp(a, "default_server") || !strcmp(a, "default"))
			l->default_server = 1;
		else if (!strcmp(a, "proxy_protocol"))
			l->proxy_protocol = 1;
		else {
			for (k = 0; flags[k] && strcmp(a, flags[k]); k++)
				;
			if (flags[k])
				continue;
			for (k = 0; valued[k] && !nginx_param(a, valued[k]); k++)
				;
			if (!valued[k])
				return FAIL(b, d, "invalid parameter '%s'", a);
		}
	}
	return 0;
}

/* Locations under first, nested ones included. */
static size_t count_locations(const struct nginx_dir *first)
{
	size_t n = 0;

	for (; first; first = first->next)
		if (!strcmp(first->name, "location") && first->block)
			n += 1 + count_locations(first->child);
	return n;
}

static int location(struct nginx_build *b, struct nginx_server *srv,
		    const struct nginx_location *parent,
		    const struct nginx_scope *up, const struct nginx_dir *d)
{
	struct nginx_location *l;
	const struct nginx_dir *k;
	const char *p;
	int rc;

	if (nginx_shape(b, d, 1, 2, 3))
		return -1;
	l = (struct nginx_location *)&srv->locations[srv->nlocations++];
	l->parent = parent;
	l->dir = d;
	l->at = d->at;
	p = d->args[1];
	if (d->nargs == 3) {
		if (!strcmp(p, "="))
			l->match = NGINX_MATCH_EXACT;
		else if (!strcmp(p, "^~"))
			l->match = NGINX_MATCH_PREFIX_NOREGEX;
		else if (!strcmp(p, "~"))
			l->match = NGINX_MATCH_REGEX;
		else if (!strcmp(p, "~*"))
			l->match = NGINX_MATCH_REGEX_ICASE;
		else
			return FAIL(b, d, "invalid location modifier '%s'", p);
		l->path = d->args[2];
	} else {
		/* nginx also takes the modifier glued on: "=/x", "~*\.js$" */
		if (p[0] == '=')
			l->match = NGINX_MATCH_EXACT, p++;
		else if (p[0] == '^' && p[1] == '~')
			l->match = NGINX_MATCH_PREFIX_NOREGEX, p += 2;
		else if (p[0] == '~' && p[1] == '*')
			l->match = NGINX_MATCH_REGEX_ICASE, p += 2;
		else if (p[0] == '~')
			l->match = NGINX_MATCH_REGEX, p++;
		else if (p[0] == '@')
			l->match = NGINX_MATCH_NAMED;
		l->path = p;
	}
	if (scope_alloc(b, &l->scope, d->child, up))
		return -1;
	for (k = d->child; k; k = k->next) {
		if ((rc = scope_dir(b, &l->scope, k)) < 0)
			return -1;
		if (rc)
			continue;
		if (!strcmp(k->name, "proxy_pass")) {
			if (nginx_shape(b, k, 0, 2, 2))
				return -1;
			if (l->target.url)
				return FAIL(b, k, "'proxy_pass' directive is duplicate");
			l->target.url = k->args[1];
			l->target.at = k->at;
		} else if (!strcmp(k->name, "location")) {
			if (location(b, srv, l, &l->scope, k))
				return -1;
		}
	}
	return 0;
}

static int server(struct nginx_build *b, struct nginx_server *s,
		  const struct nginx_dir *d)
{
	struct nginx_listen *ls;
	const char **names;
	const struct nginx_dir *k;
	size_t nl = nginx_count(d->child, "listen"), nn = 0;
	int rc;

	if (nginx_shape(b, d, 1, 1, 1))
		return -1;
	s->dir = d;
	s->at = d->at;
	for (k = d->child; k; k = k->next)
		if (!strcmp(k->name, "server_name"))
			nn += k->nargs - 1;
	if (!(ls = nginx_alloc_n(b, nl ? nl : 1, sizeof(*ls))) ||
	    !(names = nginx_alloc_n(b, nn, sizeof(*names))) ||
	    !(s->locations = nginx_alloc_n(b, count_locations(d->child),
				     sizeof(*s->locations))) ||
	    scope_alloc(b, &s->scope, d->child, &b->c->http) < 0)
		return OOM(b);
	s->listens = ls;
	s->names = names;
	for (k = d->child; k; k = k->next) {
		if ((rc = scope_dir(b, &s->scope, k)) < 0)
			return -1;
		if (rc)
			continue;
		if (!strcmp(k->name, "listen")) {
			if (listen_dir(b, &ls[s->nlistens++], k))
				return -1;
		} else if (!strcmp(k->name, "ssl") && k->nargs == 2 &&
			   !strcmp(k->args[1], "on")) {
			s->ssl_on = k;
		} else if (!strcmp(k->name, "server_name")) {
			if (nginx_shape(b, k, 0, 2, SIZE_MAX))
				return -1;
			memcpy(&names[s->nnames], k->args + 1,
			       (k->nargs - 1) * sizeof(*names));
			s->nnames += k->nargs - 1;
		} else if (!strcmp(k->name, "location")) {
			if (location(b, s, NULL, &s->scope, k))
				return -1;
		}
	}
	if (!s->nlistens) {	/* nginx listens on *:80 (as root) */
		ls[0].addr.port = 80;
		ls[0].implicit = 1;
		ls[0].at = d->at;
		s->nlistens = 1;
	}
	for (nl = 0; s->ssl_on && nl < s->nlistens; nl++)
		ls[nl].ssl = 1;	/* nginx 1.22: "ssl on" makes them all TLS */
	return 0;
}

/* ---- map, limit_conn_zone ----------------------------------------- */

static int map(struct nginx_build *b, struct nginx_map *m,
	       const struct nginx_dir *d)
{
	struct nginx_map_entry *e;
	const struct nginx_dir *k;
	size_t n = 0;

	if (nginx_shape(b, d, 1, 3, 3))
		return -1;
	m->source = d->args[1];
	m->target = d->args[2];
	m->at = d->at;
	for (k = d->child; k; k = k->next)
		n++;
	if (!(e = nginx_alloc_n(b, n, sizeof(*e))))
		return OOM(b);
	m->entries = e;
	for (k = d->child; k; k = k->next) {
		if (k->block)
			return FAIL(b, k, "directive '%s' is not terminated by ';'",
				    k->name);
		if (k->nargs == 1 && !strcmp(k->name, "hostnames")) {
			m->hostnames = 1;
		} else if (k->nargs == 1 && !strcmp(k->name, "volatile")) {
			m->volatile_ = 1;
		} else if (k->nargs != 2) {
			return FAIL(b, k, "invalid number of the map parameters");
		} else if (!strcmp(k->name, "default")) {
			if (m->dflt)
				return FAIL(b, k, "duplicate default map parameter");
			m->dflt = k->args[1];
		} else {
			e[m->nentries].key = k->args[0];
			e[m->nentries].value = k->args[1];
			e[m->nentries++].at = k->at;
		}
	}
	return 0;
}

static int zone(struct nginx_build *b, struct nginx_limit_zone *z,
		const struct nginx_dir *d)
{
	const char *v, *colon;
	char *name;

	if (nginx_shape(b, d, 0, 3, 3))
		return -1;
	z->key = d->args[1];
	z->at = d->at;
	if (!(v = nginx_param(d->args[2], "zone")) || !(colon = strchr(v, ':')) ||
	    colon == v)
		return FAIL(b, d, "invalid parameter '%s'", d->args[2]);
	if (units_size(colon + 1, &z->size) < 0 || !z->size)
		return FAIL(b, d, "invalid zone size '%s'", colon + 1);
	if (!(name = nginx_alloc(b->a, (size_t)(colon - v) + 1)))
		return OOM(b);
	memcpy(name, v, (size_t)(colon - v));
	z->name = name;
	return 0;
}

/* ---- proxy_pass --------------------------------------------------- */

/* nginx cannot replace the matched part when no prefix was matched */
static int check_uri(struct nginx_build *b, const struct nginx_dir *at,
		     const struct nginx_target *t, enum nginx_match m)
{
	if (*t->uri && (m == NGINX_MATCH_REGEX || m == NGINX_MATCH_REGEX_ICASE ||
			m == NGINX_MATCH_NAMED))
		return FAIL(b, at, "'proxy_pass' cannot have a uri part in a "
			    "regex or named location");
	return 0;
}

static int target(struct nginx_build *b, struct nginx_target *t,
		  enum nginx_match m)
{
	const struct nginx_dir at = { .name = "proxy_pass", .at = t->at };
	const char *url = t->url, *host, *slash, *rb;
	char hostport[300], e[256];
	size_t n;
	int explicit_port;

	if (strchr(url, '$')) {
		t->kind = NGINX_TARGET_VARIABLE;
		t->uri = "";
		return 0;
	}
	if (!strncasecmp(url, "http://", 7)) {
		host = url + 7;
	} else if (!strncasecmp(url, "https://", 8)) {
		host = url + 8;
		t->tls = 1;
	} else {
		return FAIL(b, &at, "invalid URL prefix in '%s'", url);
	}
	if (!strncasecmp(host, "unix:", 5)) {
		/* http://unix:/path/to/socket:/uri */
		const char *colon = strchr(host + 5, ':');

		t->kind = NGINX_TARGET_UNIX;
		t->uri = colon ? colon + 1 : "";
		return check_uri(b, &at, t, m);
	}
	slash = strchr(host, '/');
	n = slash ? (size_t)(slash - host) : strlen(host);
	t->uri = host + n;
	if (check_uri(b, &at, t, m))
		return -1;
	if (!n || n >= sizeof(hostport))
		return FAIL(b, &at, "invalid host in '%s'", url);
	memcpy(hostport, host, n);
	hostport[n] = '\0';
	rb = strrchr(hostport, ']');
	explicit_port = strchr(rb ? rb : hostport, ':') != NULL;
	if (addr_parse(hostport, t->tls ? 443 : 80, &t->addr, e, sizeof(e)) < 0)
		return FAIL(b, &at, "%s", e);
	if ((t->upstream = nginx_upstream_find(b->c, t->addr.host))) {
		if (explicit_port)
			return FAIL(b, &at, "upstream '%s' may not have port %u",
				    t->upstream->name, t->addr.port);
		t->kind = NGINX_TARGET_UPSTREAM;
		memset(&t->addr, 0, sizeof(t->addr));
	} else {
		t->kind = NGINX_TARGET_ADDR;
	}
	return 0;
}

/* ---- http --------------------------------------------------------- */

static int http(struct nginx_build *b, const struct nginx_dir *first)
{
	struct nginx_conf *c = b->c;
	struct nginx_upstream *ups;
	struct nginx_server *srvs;
	struct nginx_map *maps;
	struct nginx_limit_zone *zones;
	const struct nginx_dir *d;
	size_t i, k;
	int rc;

	size_t nups = nginx_count(first, "upstream");
	size_t nsrv = nginx_count(first, "server");
	size_t nmaps = nginx_count(first, "map");
	size_t nzones = nginx_count(first, "limit_conn_zone");

	if (scope_alloc(b, &c->http, first, NULL) ||
	    !(ups = nginx_alloc_n(b, nups, sizeof(*ups))) ||
	    !(srvs = nginx_alloc_n(b, nsrv, sizeof(*srvs))) ||
	    !(maps = nginx_alloc_n(b, nmaps, sizeof(*maps))) ||
	    !(zones = nginx_alloc_n(b, nzones, sizeof(*zones))))
		return OOM(b);
	c->upstreams = ups;
	c->servers = srvs;
	c->maps = maps;
	c->zones = zones;
	/* upstreams first: proxy_pass may name one defined further down */
	for (d = first; d; d = d->next)
		if (!strcmp(d->name, "upstream")) {
			if (nginx_upstream_build(b, &ups[c->nupstreams], d))
				return -1;
			c->nupstreams++;
		}
	for (d = first; d; d = d->next) {
		if ((rc = scope_dir(b, &c->http, d)) < 0)
			return -1;
		if (rc || !strcmp(d->name, "upstream"))
			continue;
		if (!strcmp(d->name, "server"))
			rc = server(b, &srvs[c->nservers++], d);
		else if (!strcmp(d->name, "map"))
			rc = map(b, &maps[c->nmaps++], d);
		else if (!strcmp(d->name, "limit_conn_zone"))
			rc = zone(b, &zones[c->nzones++], d);
		if (rc)
			return -1;
	}
	for (i = 0; i < c->nservers; i++)
		for (k = 0; k < c->servers[i].nlocations; k++) {
			struct nginx_location *l = (struct nginx_location *)
				&c->servers[i].locations[k];

			if (l->target.url && target(b, &l->target, l->match))
				return -1;
		}
	return 0;
}

/* A server block around bare locations, at the first one's line. */
static const struct nginx_dir *wrap_server(struct nginx_build *b)
{
	struct nginx_dir *s = nginx_alloc(b->a, sizeof(*s));
	char **args = nginx_alloc(b->a, 2 * sizeof(*args));

	if (!s || !args || !(args[0] = nginx_strdup(b->a, "server")))
		return NULL;
	s->name = args[0];
	s->args = args;
	s->nargs = 1;
	s->block = 1;
	s->child = b->c->root;
	s->at = b->c->root->at;
	return s;
}

struct nginx_conf *nginx_conf_read(const char *path, char *err, size_t errlen)
{
	return nginx_conf_load(path, 0, err, errlen);
}

struct nginx_conf *nginx_conf_load(const char *path, unsigned flags,
				   char *err, size_t errlen)
{
	struct nginx_conf *c = calloc(1, sizeof(*c));
	struct nginx_build b = { .c = c, .err = err, .errlen = errlen };
	const struct nginx_dir *d, *h = NULL, *first;

	if (!c) {
		nginx_errf(err, errlen, NULL, "out of memory");
		return NULL;
	}
	if (nginx_read_tree(c, path, flags, err, errlen))
		goto fail;
	b.a = c->arena;
	for (d = c->root; d; d = d->next) {
		if (strcmp(d->name, "http"))
			continue;
		if (h) {
			FAIL(&b, d, "'http' directive is duplicate");
			goto fail;
		}
		if (nginx_shape(&b, d, 1, 1, 1))
			goto fail;
		h = d;
	}
	c->has_http = h != NULL;
	/* a conf.d snippet (servers and upstreams, no http) is http's inside,
	   bare locations a server's */
	first = h ? h->child : c->root;
	c->shape = h ? NGINX_SHAPE_MAIN : NGINX_SHAPE_HTTP;
	if (!h && c->root && !nginx_dir_find(c->root, "server") &&
	    nginx_dir_find(c->root, "location")) {
		c->shape = NGINX_SHAPE_SERVER;
		if (!(first = wrap_server(&b))) {
			OOM(&b);
			goto fail;
		}
	}
	if (http(&b, first))
		goto fail;
	return c;
fail:
	nginx_conf_free(c);
	return NULL;
}

void nginx_conf_free(struct nginx_conf *c)
{
	if (!c)
		return;
	nginx_arena_free(c->arena);
	free(c);
}
