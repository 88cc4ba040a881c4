/*
 * plan.c - derive a check run's targets and expectations from an nginx
 * config: which locations, over which schemes, behind which backends.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "checks/plan.h"
#include "common/addr.h"

static enum balance from_nginx(enum nginx_balance b)
{
	switch (b) {
	case NGINX_LB_ROUND_ROBIN: return BALANCE_ROUND_ROBIN;
	case NGINX_LB_IP_HASH: return BALANCE_IP_HASH;
	case NGINX_LB_LEAST_CONN: return BALANCE_LEAST_CONN;
	case NGINX_LB_HASH: return BALANCE_HASH;
	case NGINX_LB_RANDOM: return BALANCE_RANDOM;
	}
	return BALANCE_UNKNOWN;
}

static void where(const struct nginx_pos *at, char *out, size_t len)
{
	const char *slash;

	if (!at->file) {
		snprintf(out, len, "nginx's default");
		return;
	}
	slash = strrchr(at->file, '/');
	snprintf(out, len, "%s:%u", slash ? slash + 1 : at->file, at->line);
}

/* What l does to paths, for path.preserved; uri is the target's. */
static void path_expect(struct plan_target *t, const char *uri)
{
	const struct nginx_location *l = t->loc;
	const struct nginx_target *pt = &l->target;
	struct expect *ex = &t->ex;
	char longer[2300];
	size_t n = strlen(uri);

	where(&pt->at, ex->path_from, sizeof(ex->path_from));
	snprintf(longer, sizeof(longer), "%s%s", uri, PATH_PROBE_DECODED);
	ex->path_extend = n && uri[n - 1] == '/' &&
			  nginx_location_for(t->server, longer) == l ? 1 : -1;
	if (pt->kind == NGINX_TARGET_VARIABLE && pt->uri && *pt->uri)
		ex->path_rule = -1;	/* made at run time */
	else if (pt->uri && *pt->uri &&
		 (l->match == NGINX_MATCH_PREFIX ||
		  l->match == NGINX_MATCH_EXACT ||
		  l->match == NGINX_MATCH_PREFIX_NOREGEX)) {
		ex->path_rule = 1;
		snprintf(ex->path_prefix, sizeof(ex->path_prefix), "%s",
			 l->path);
		snprintf(ex->path_uri, sizeof(ex->path_uri), "%s", pt->uri);
	}
}

static void leave(struct plan *p, const struct nginx_location *l,
		  const char *why)
{
	struct plan_left *x;

	if (p->nleft == PLAN_MAX_LEFT)
		return;
	x = &p->left[p->nleft++];
	x->at = l->at;
	nginx_location_name(l, x->location, sizeof(x->location));
	snprintf(x->why, sizeof(x->why), "%.*s", (int)sizeof(x->why) - 1, why);
}

/* ---- backends ----------------------------------------------------- */

/* Index of addr in bs, added (with id) when new; -1 with err. */
static int backend(struct backends *bs, const char *addr, const char *id,
		   char *err, size_t errlen)
{
	int i;

	for (i = 0; i < bs->n; i++)
		if (!strcmp(bs->b[i].addr, addr))
			return i;
	if ((i = backends_add(bs, addr, 1, err, errlen)) < 0)
		return -1;
	snprintf(bs->b[i].id, sizeof(bs->b[i].id), "%s", id);
	return i;
}

static int use(struct plan_target *t, struct backends *bs, const char *addr,
	       const char *id, int weight, char *err, size_t errlen)
{
	int i, k;

	if (t->nbackends == BACKENDS_MAX)
		return 0;
	if ((i = backend(bs, addr, id, err, errlen)) < 0)
		return -1;
	for (k = 0; k < t->nbackends; k++)
		if (t->backend[k] == i)
			return 0;
	t->backend[t->nbackends] = i;
	t->weight[t->nbackends++] = weight;
	return 0;
}

/* One backend for what the config calls name: its stand-in, or itself
   when it is a local address of the running proxy's host. */
static int use_name(struct plan_target *t, const struct sandbox *sb,
		    struct backends *bs, const char *name,
		    const struct hostport *hp, int weight, char *err,
		    size_t errlen)
{
	char addr[300];

	if (sb) {
		const struct sandbox_host *h = sandbox_host(sb, name);

		if (!h || !h->live)
			return 0;
		addr_fmt(h->to.host, h->to.port, addr, sizeof(addr));
		return use(t, bs, addr, name, weight, err, errlen);
	}
	if (!hp || !nginx_host_is_local(hp->host))
		return 0;
	if (!strchr(name, ':') || name[strlen(name) - 1] == ']')
		addr_fmt(hp->host, hp->port, addr, sizeof(addr));
	else
		snprintf(addr, sizeof(addr), "%s", name);
	return use(t, bs, addr, addr, weight, err, errlen);
}

static int use_upstream(struct plan_target *t, const struct sandbox *sb,
			struct backends *bs, const struct nginx_upstream *u,
			char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < u->npeers; i++) {
		const struct nginx_peer *p = &u->peers[i];

		if (p->backup || p->down || (!sb && p->unix_socket))
			continue;
		if (use_name(t, sb, bs, p->addr, p->unix_socket ? NULL : &p->hp,
			     (int)p->weight, err, errlen) < 0)
			return -1;
	}
	return 0;
}

static int use_backends(const struct nginx_conf *c, struct plan_target *t,
			const struct sandbox *sb, struct backends *bs,
			char *err, size_t errlen)
{
	const struct nginx_target *x = &t->loc->target;
	const struct sandbox_host *h = NULL;
	const char *up = NULL;
	char addr[300];

	switch (x->kind) {
	case NGINX_TARGET_UPSTREAM:
		return use_upstream(t, sb, bs, x->upstream, err, errlen);
	case NGINX_TARGET_ADDR:
		addr_fmt(x->addr.host, x->addr.port, addr, sizeof(addr));
		return use_name(t, sb, bs, addr, &x->addr, 1, err, errlen);
	case NGINX_TARGET_UNIX: {
		const char *u = x->url + 7 + x->tls;	/* "unix:/x:/uri" */
		const char *end = strchr(u + 5, ':');

		snprintf(addr, sizeof(addr), "%.*s", end ? (int)(end - u) :
			 (int)strlen(u), u);
		return sb ? use_name(t, sb, bs, addr, NULL, 1, err, errlen) : 0;
	}
	case NGINX_TARGET_VARIABLE:
		if (!sb)
			return 0;
		switch (sandbox_pass(sb, &x->at, &h, &up)) {
		case 1:
			return use_name(t, sb, bs, h->from, NULL, 1, err, errlen);
		case 0:
			if (nginx_upstream_find(c, up))
				return use_upstream(t, sb, bs,
						    nginx_upstream_find(c, up),
						    err, errlen);
			return 0;
		default:
			return 0;
		}
	case NGINX_TARGET_NONE:
		break;
	}
	return 0;
}

/* ---- targets ------------------------------------------------------ */

/* The name a server answers to, as a browser would send it, or NULL. */
static const char *server_host(const struct nginx_server *s)
{
	size_t i;

	for (i = 0; i < s->nnames; i++) {
		const char *n = s->names[i];

		if (n[0] && n[0] != '~' && n[0] != '.' && !strchr(n, '$') &&
		    !strchr(n, '*') && strcmp(n, "_"))
			return n;
	}
	return NULL;
}

/* Where to dial for listen l: the copy's port, or l's own address. */
static int dial(const struct sandbox *sb, const struct nginx_listen *l,
		char *out, size_t len)
{
	struct hostport hp;

	if (sb) {
		const struct sandbox_port *p = sandbox_port(sb, l);

		if (!p)
			return -1;
		addr_fmt(p->to.host, p->to.port, out, len);
		return 0;
	}
	if (nginx_listen_target(l, &hp) < 0)
		return -1;
	addr_fmt(hp.host, hp.port, out, len);
	return 0;
}

/* "ws://chat.example.com/ws/", the port only when not the scheme's. */
static void prod_url(const struct nginx_server *s, const struct nginx_listen *l,
		     const char *path, char *out, size_t len)
{
	const char *h = server_host(s);
	char hostport[300];
	uint16_t port = l->unix_path ? 0 : l->addr.port;

	if (!h)
		h = l->addr.host[0] && strcmp(l->addr.host, "0.0.0.0") &&
		    strcmp(l->addr.host, "::") && !l->unix_path ?
		    l->addr.host : "localhost";
	if (port == (l->ssl ? 443 : 80))
		port = 0;
	if (port)
		addr_fmt(h, port, hostport, sizeof(hostport));
	else
		snprintf(hostport, sizeof(hostport), strchr(h, ':') ? "[%s]" :
			 "%s", h);
	snprintf(out, len, "%s://%s%s", l->ssl ? "wss" : "ws", hostport, path);
}

static int fill(const struct nginx_conf *c, const struct sandbox *sb,
		const struct plan_request *rq, struct backends *bs,
		int fixed_backends, struct plan_target *t, char *err,
		size_t errlen)
{
	const struct expect *g = rq->given;
	struct nginx_pos at;
	struct url u;
	char uri[2048];
	int i;

	if (url_parse(t->url, &u, err, errlen) < 0)
		return -1;
	snprintf(uri, sizeof(uri), "%.*s", (int)strcspn(u.path, "?"), u.path);
	if (nginx_backend_uri(t->loc, uri, t->backend_path,
			      sizeof(t->backend_path)) < 0)
		snprintf(t->backend_path, sizeof(t->backend_path), "%s", uri);
	t->ex = *g;
	path_expect(t, uri);
	if (t->ex.balance == BALANCE_UNKNOWN &&
	    t->loc->target.kind == NGINX_TARGET_UPSTREAM) {
		t->ex.balance = from_nginx(t->loc->target.upstream->balance);
		where(&t->loc->target.upstream->at, t->ex.balance_from,
		      sizeof(t->ex.balance_from));
	}
	if (t->loc->target.kind == NGINX_TARGET_UPSTREAM) {
		const struct nginx_upstream *up = t->loc->target.upstream;
		size_t k;

		if (!nginx_dir_find(up->dir->child, "zone"))
			t->ex.workers = nginx_workers(c);
		for (k = 0; k < up->npeers; k++)
			if (up->peers[k].fail_timeout_ms > t->ex.fail_timeout_ms)
				t->ex.fail_timeout_ms = up->peers[k].fail_timeout_ms;
	}
	if (!t->ex.capacity) {
		const struct nginx_limit_conn *lim[16];
		size_t nl = nginx_limit_conns(&t->loc->scope, lim);
		unsigned wc;
		char line[300];

		t->ex.capacity = nginx_tunnel_capacity(c, &at, &wc);
		where(&at, line, sizeof(line));
		snprintf(t->ex.capacity_from, sizeof(t->ex.capacity_from),
			 "worker_connections %u (%.200s) x %d worker%s", wc, line,
			 nginx_workers(c), nginx_workers(c) == 1 ? "" : "s");
		/* one client (the checker) meets any limit_conn key */
		for (size_t k = 0; k < nl; k++)
			if (lim[k]->n < t->ex.capacity) {
				t->ex.capacity = lim[k]->n;
				where(&lim[k]->at, line, sizeof(line));
				snprintf(t->ex.capacity_from,
					 sizeof(t->ex.capacity_from),
					 "limit_conn %.100s %u (%.150s)",
					 lim[k]->zone, lim[k]->n, line);
			}
	}
	t->ex.shutdown_timeout_ms = nginx_shutdown_timeout(c, &at);
	if (t->ex.shutdown_timeout_ms)
		where(&at, t->ex.shutdown_from, sizeof(t->ex.shutdown_from));
	if (!t->ex.read_timeout_ms) {
		t->ex.read_timeout_ms = nginx_read_timeout(&t->loc->scope, &at);
		where(&at, t->ex.read_timeout_from,
		      sizeof(t->ex.read_timeout_from));
	}
	if (!fixed_backends)
		return use_backends(c, t, sb, bs, err, errlen);
	for (i = 0; i < bs->n && i < BACKENDS_MAX; i++) {
		t->backend[i] = i;
		t->weight[i] = bs->b[i].weight;
	}
	t->nbackends = i;
	return 0;
}

static int add_target(struct plan *p, const struct nginx_server *s,
		      const struct nginx_location *l, const char *url,
		      const char *connect)
{
	struct plan_target *t;
	int i;

	for (i = 0; i < p->n; i++)
		if (!strcmp(p->t[i].url, url) && !strcmp(p->t[i].connect, connect))
			return 0;
	if (p->n == PLAN_MAX_TARGETS)
		return -1;
	t = &p->t[p->n++];
	memset(t, 0, sizeof(*t));
	snprintf(t->url, sizeof(t->url), "%s", url);
	snprintf(t->connect, sizeof(t->connect), "%s", connect);
	t->server = s;
	t->loc = l;
	return 0;
}

/* A URL of the command line: the server and location nginx picks. */
static int requested(const struct nginx_conf *c, const struct sandbox *sb,
		     struct plan *p, const char *url, char *err, size_t errlen)
{
	const struct nginx_server *s;
	const struct nginx_location *l;
	char uri[2048], connect[300] = "";
	struct url u;
	size_t i;

	if (url_parse(url, &u, err, errlen) < 0)
		return -1;
	snprintf(uri, sizeof(uri), "%.*s", (int)strcspn(u.path, "?"), u.path);
	if (!(s = nginx_server_for(c, u.port, u.host)))
		return nginx_errf(err, errlen, NULL, "%s: no server listens on "
				  "port %u", c->files[0], u.port);
	if (!(l = nginx_location_for(s, uri)))
		return nginx_errf(err, errlen, NULL, "%s: no location matches "
				  "'%s'", c->files[0], uri);
	if (!l->target.url)
		return nginx_errf(err, errlen, &l->at, "location '%s' does not "
				  "proxy '%s'", l->path, uri);
	/* the running proxy: the URL says where it is; the copy: its port */
	for (i = 0; sb && i < s->nlistens && !connect[0]; i++)
		if (!s->listens[i].unix_path && s->listens[i].addr.port == u.port &&
		    s->listens[i].ssl == u.tls)
			dial(sb, &s->listens[i], connect, sizeof(connect));
	if (!connect[0] && sb)
		return nginx_errf(err, errlen, NULL, "%s: no %s listen on port "
				  "%u for %s", c->files[0], u.tls ? "ssl" :
				  "plain", u.port, url);
	if (add_target(p, s, l, url, connect) < 0)
		return nginx_errf(err, errlen, NULL, "more than %d targets",
				  PLAN_MAX_TARGETS);
	return 0;
}

/*
 * An example of what regex re matches, for a location to be reached:
 * literals as they are, "\d" as 0, a class as its first member (a
 * negated one as 'x'), "." as x, a group as its first alternative,
 * "+" once, "{n}" n times, and "?" "*" parts left out (or, with
 * optional 1, kept once).  Anchors end it.  Writes at most len - 1
 * bytes; returns where re stopped.  Never fails: nginx_location_for
 * judges the result.
 */
static const char *example(const char *re, char *out, size_t len, size_t *n,
			   int optional, int depth)
{
	while (*re && *re != ')' && *re != '|') {
		size_t start = *n;
		char c = *re;

		if (c == '^' || c == '$') {
			re++;
			continue;
		}
		if (c == '(' && depth < 8) {
			re++;
			if (re[0] == '?' && re[1] == ':')
				re += 2;
			re = example(re, out, len, n, optional, depth + 1);
			while (*re && *re != ')') {	/* other alternatives */
				size_t skip = *n;

				re = example(re + 1, out, len, &skip, optional,
					     depth + 1);
				out[*n] = '\0';
			}
			if (*re == ')')
				re++;
		} else {
			if (c == '[') {
				const char *q = re + 1;
				int neg = *q == '^';

				q += neg;
				c = neg ? 'x' : *q == '\\' ? q[1] : *q;
				for (q++; *q && *q != ']'; q++)
					;
				re = *q ? q + 1 : q;
			} else if (c == '\\' && re[1]) {
				c = re[1] == 'd' ? '0' : re[1] == 'w' ? 'a' :
				    re[1] == 's' ? 'x' : re[1];
				re += 2;
			} else {
				c = c == '.' ? 'x' : c;
				re++;
			}
			if (*n + 1 < len)
				out[(*n)++] = c;
		}
		if (*re == '?' || *re == '*') {
			if (!optional)
				*n = start;
			re++;
		} else if (*re == '+') {
			re++;
		} else if (*re == '{') {
			unsigned times = 0, k;
			size_t piece = *n - start;

			for (re++; *re >= '0' && *re <= '9'; re++)
				times = times * 10 + (unsigned)(*re - '0');
			while (*re && *re != '}')
				re++;
			if (*re)
				re++;
			if (times == 0)
				*n = start;
			for (k = 1; k < times && k < 8; k++)
				if (*n + piece < len) {
					memmove(out + *n, out + start, piece);
					*n += piece;
				}
		}
	}
	out[*n] = '\0';
	return re;
}

/*
 * A path that reaches l: its own for a prefix or exact location; for a
 * regex, an example of what it matches (optional parts left out, then
 * kept); "" when none does.
 */
static void path_for(const struct nginx_server *s,
		     const struct nginx_location *l, char *out, size_t len)
{
	int optional;

	out[0] = '\0';
	if (l->match == NGINX_MATCH_NAMED)
		return;
	if (l->match != NGINX_MATCH_REGEX && l->match != NGINX_MATCH_REGEX_ICASE) {
		snprintf(out, len, "%s", l->path);
		return;
	}
	for (optional = 0; optional < 2; optional++) {
		size_t n = 0;

		if (l->path[0] != '/' && !(l->path[0] == '^' && l->path[1] == '/'))
			out[n++] = '/';
		example(l->path, out, len, &n, optional, 0);
		if (nginx_location_for(s, out) == l)
			return;
	}
	out[0] = '\0';
}

static int passes_upgrade(const struct nginx_location *l)
{
	const struct nginx_header *h = nginx_header_find(&l->scope, "Upgrade");

	return l->target.url && h && *h->value;
}

/* Every scheme the server of l listens on, one target each. */
static void automatic(const struct nginx_conf *c, const struct sandbox *sb,
		      struct plan *p, const struct nginx_server *s,
		      const struct nginx_location *l)
{
	char path[1100], why[1500], url[2300], connect[300];
	const struct nginx_location *got;
	int scheme, any = 0;
	size_t i;

	(void)c;
	if (sb && l->target.kind == NGINX_TARGET_VARIABLE) {
		const struct sandbox_host *h;
		const char *up;

		if (sandbox_pass(sb, &l->target.at, &h, &up) < 0) {
			snprintf(why, sizeof(why), "proxy_pass %s: where it "
				 "goes is known only at run time (no 'set' of "
				 "the config gives it), and the sandbox has no "
				 "DNS", l->target.url);
			leave(p, l, why);
			return;
		}
	}
	path_for(s, l, path, sizeof(path));
	if (!path[0]) {
		leave(p, l, l->match == NGINX_MATCH_NAMED ?
		      "a named location: no request reaches it directly" :
		      "no path found that this regex matches: name one with "
		      "--location PATH");
		return;
	}
	if ((got = nginx_location_for(s, path)) != l) {
		char other[300];

		nginx_location_name(got, other, sizeof(other));
		snprintf(why, sizeof(why), "requests for %s go to %s", path,
			 other);
		leave(p, l, why);
		return;
	}
	for (scheme = 0; scheme < 2; scheme++)
		for (i = 0; i < s->nlistens; i++) {
			const struct nginx_listen *ls = &s->listens[i];

			if (ls->ssl != scheme || dial(sb, ls, connect,
						      sizeof(connect)) < 0)
				continue;
			prod_url(s, ls, path, url, sizeof(url));
			if (add_target(p, s, l, url, connect) < 0)
				leave(p, l, "more targets than wsctl checks in "
				      "one run (16): name it with --location");
			any = 1;
			break;
		}
	if (!any)
		leave(p, l, "its server listens on no TCP address");
}

int plan_make(const struct nginx_conf *c, const struct sandbox *sb,
	      const struct plan_request *rq, struct backends *bs,
	      struct plan *p, char *err, size_t errlen)
{
	int fixed = bs->n > 0, i;
	size_t si, li;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < rq->nurls; i++)
		if (requested(c, sb, p, rq->urls[i], err, errlen) < 0)
			return -1;
	for (i = 0; i < rq->npaths; i++) {
		char url[2300];
		int before = p->n;

		for (si = 0; si < c->nservers; si++) {
			const struct nginx_server *s = &c->servers[si];
			const struct nginx_location *l =
				nginx_location_for(s, rq->paths[i]);
			size_t k;

			if (!l || !l->target.url)
				continue;
			for (k = 0; k < s->nlistens; k++) {
				char connect[300];

				if (dial(sb, &s->listens[k], connect,
					 sizeof(connect)) < 0)
					continue;
				prod_url(s, &s->listens[k], rq->paths[i], url,
					 sizeof(url));
				add_target(p, s, l, url, connect);
			}
		}
		if (p->n == before)
			return nginx_errf(err, errlen, NULL, "%s: no location "
					  "that proxies matches '%s'",
					  c->files[0], rq->paths[i]);
	}
	if (!rq->nurls && !rq->npaths) {
		for (si = 0; si < c->nservers; si++)
			for (li = 0; li < c->servers[si].nlocations; li++)
				p->websocket |= passes_upgrade(
					&c->servers[si].locations[li]);
		for (si = 0; si < c->nservers; si++)
			for (li = 0; li < c->servers[si].nlocations; li++) {
				const struct nginx_server *s = &c->servers[si];
				const struct nginx_location *l = &s->locations[li];

				if (!l->target.url)
					continue;
				if (p->websocket && !passes_upgrade(l))
					leave(p, l, "does not pass Upgrade on: "
					      "not a WebSocket location");
				else
					automatic(c, sb, p, s, l);
			}
	}
	if (!p->n)
		return nginx_errf(err, errlen, NULL, "%s: no location proxies "
				  "requests%s", c->files[0], p->nleft ?
				  " that can be checked" : "");
	bs->spawn |= !fixed;
	for (i = 0; i < p->n; i++) {
		if (!sb && !rq->nurls && !p->t[i].connect[0])
			return nginx_errf(err, errlen, NULL, "no address for %s",
					  p->t[i].url);
		if (fill(c, sb, rq, bs, fixed, &p->t[i], err, errlen) < 0)
			return -1;
	}
	return 0;
}
