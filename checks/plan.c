/*
 * plan.c - derive a check run's expectations from an nginx config.
 */
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

/* The name a server answers to, as a browser would send it, or NULL. */
static const char *server_host(const struct nginx_server *s)
{
	size_t i;

	for (i = 0; i < s->nnames; i++) {
		const char *n = s->names[i];

		if (n[0] && n[0] != '~' && n[0] != '*' && n[0] != '.' &&
		    !strchr(n, '$') && !strchr(n, '*') && strcmp(n, "_"))
			return n;
	}
	return NULL;
}

/*
 * The target URL for a server and location, when none was given.  In a
 * sandbox, the URL is production's (the server's name and its listen
 * port) and connect gets where the copy listens for it.
 */
static int target(const struct nginx_server *s, const struct nginx_location *l,
		  const struct sandbox *sb, char *out, size_t len,
		  char *connect, size_t clen, char *err, size_t errlen)
{
	const char *path = "/", *name = server_host(s);
	struct hostport hp;
	char addr[300];
	size_t i;

	if (l->match == NGINX_MATCH_PREFIX || l->match == NGINX_MATCH_EXACT ||
	    l->match == NGINX_MATCH_PREFIX_NOREGEX)
		path = l->path;
	for (i = 0; i < s->nlistens; i++) {
		const struct nginx_listen *ls = &s->listens[i];
		const struct sandbox_port *p = sb ? sandbox_port(sb, ls) : NULL;
		int dflt = ls->addr.port == (ls->ssl ? 443 : 80);

		if (sb && p) {
			const char *h = name ? name : ls->addr.host[0] &&
				strcmp(ls->addr.host, "0.0.0.0") &&
				strcmp(ls->addr.host, "::") ? ls->addr.host :
				"localhost";

			if (ls->unix_path)
				dflt = 1;
			snprintf(out, len, "%s://%s%s", ls->ssl ? "wss" : "ws",
				 dflt ? (strchr(h, ':') ? addr_fmt(h, 0, addr,
				 sizeof(addr)) : h) : addr_fmt(h, ls->addr.port,
				 addr, sizeof(addr)), path);
			if (dflt && strchr(h, ':'))	/* "[::1]" alone */
				snprintf(out, len, "%s://[%s]%s", ls->ssl ?
					 "wss" : "ws", h, path);
			addr_fmt(p->to.host, p->to.port, connect, clen);
			return 0;
		}
		if (!sb && nginx_listen_target(ls, &hp) == 0) {
			snprintf(out, len, "%s://%s%s", ls->ssl ? "wss" : "ws",
				 addr_fmt(hp.host, hp.port, addr, sizeof(addr)),
				 path);
			return 0;
		}
	}
	snprintf(err, errlen, "the server that proxies listens on no TCP address");
	return -1;
}

/* One backend standing in for what the config calls name. */
static int add_standin(const struct sandbox *sb, const char *name, int weight,
		       struct backends *bs, char *err, size_t errlen)
{
	const struct sandbox_host *h = sandbox_host(sb, name);
	char addr[300];
	int i;

	if (!h || !h->live)
		return 0;
	addr_fmt(h->to.host, h->to.port, addr, sizeof(addr));
	if ((i = backends_add(bs, addr, weight, err, errlen)) < 0)
		return -1;
	snprintf(bs->b[i].id, sizeof(bs->b[i].id), "%s", name);
	return 0;
}

static int add_peers(const struct nginx_upstream *u, const struct sandbox *sb,
		     struct backends *bs, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < u->npeers; i++) {
		const struct nginx_peer *p = &u->peers[i];
		char addr[300];

		if (p->backup || p->down)
			continue;
		if (sb) {
			if (add_standin(sb, p->addr, (int)p->weight, bs, err,
					errlen) < 0)
				return -1;
			continue;
		}
		if (p->unix_socket || !nginx_host_is_local(p->hp.host))
			continue;
		snprintf(addr, sizeof(addr), "%s", p->addr);
		if (!strchr(addr, ':') || addr[strlen(addr) - 1] == ']')
			snprintf(addr, sizeof(addr), "%s:%u", p->addr, p->hp.port);
		if (backends_add(bs, addr, (int)p->weight, err, errlen) < 0)
			return -1;
	}
	return 0;
}

/* The backends behind l: its upstream's servers, or its one host. */
static int add_backends(const struct nginx_conf *c,
			const struct nginx_location *l, const struct sandbox *sb,
			struct backends *bs, char *err, size_t errlen)
{
	const struct nginx_target *t = &l->target;
	const struct sandbox_host *h = NULL;
	const char *up = NULL;
	char addr[300];

	switch (t->kind) {
	case NGINX_TARGET_UPSTREAM:
		return add_peers(t->upstream, sb, bs, err, errlen);
	case NGINX_TARGET_ADDR:
		addr_fmt(t->addr.host, t->addr.port, addr, sizeof(addr));
		if (sb)
			return add_standin(sb, addr, 1, bs, err, errlen);
		if (!nginx_host_is_local(t->addr.host))
			return 0;
		return backends_add(bs, addr, 1, err, errlen) < 0 ? -1 : 0;
	case NGINX_TARGET_UNIX:
		if (!sb)
			return 0;
		{
			const char *h = t->url + 7 + t->tls;	/* "unix:/x:/u" */
			const char *end = strchr(h + 5, ':');

			snprintf(addr, sizeof(addr), "%.*s", end ?
				 (int)(end - h) : (int)strlen(h), h);
		}
		return add_standin(sb, addr, 1, bs, err, errlen);
	case NGINX_TARGET_VARIABLE:
		if (!sb)
			return 0;
		switch (sandbox_pass(sb, &t->at, &h, &up)) {
		case 1:
			return add_standin(sb, h->from, 1, bs, err, errlen);
		case 0:
			if (nginx_upstream_find(c, up))
				return add_peers(nginx_upstream_find(c, up), sb,
						 bs, err, errlen);
			return 0;
		default:
			return 0;
		}
	case NGINX_TARGET_NONE:
		break;
	}
	return 0;
}

int plan_from_nginx(const struct nginx_conf *c, const struct sandbox *sb,
		    const char *url, struct backends *bs, struct expect *ex,
		    char *url_out, size_t url_len, char *connect,
		    size_t connect_len, char *err, size_t errlen)
{
	const struct nginx_server *s;
	const struct nginx_location *l;
	struct nginx_pos at;
	struct url u;
	char path[2048];

	if (url) {
		if (url_parse(url, &u, err, errlen) < 0)
			return -1;
		snprintf(path, sizeof(path), "%.*s", (int)strcspn(u.path, "?"),
			 u.path);
	}
	if (nginx_find_proxy(c, url ? u.port : 0, url ? path : NULL, &s, &l,
			     err, errlen) < 0)
		return -1;
	connect[0] = '\0';
	if (!url && target(s, l, sb, url_out, url_len, connect, connect_len,
			   err, errlen) < 0)
		return -1;
	if (url && sb) {
		size_t i;

		for (i = 0; i < s->nlistens && !connect[0]; i++) {
			const struct sandbox_port *p = sandbox_port(sb, &s->listens[i]);

			if (p && s->listens[i].addr.port == u.port &&
			    s->listens[i].ssl == u.tls)
				addr_fmt(p->to.host, p->to.port, connect,
					 connect_len);
		}
		if (!connect[0]) {
			snprintf(err, errlen, "%s: no listen of the server "
				 "takes %s", c->files[0], url);
			return -1;
		}
	}
	if (!bs->n) {
		bs->spawn = 1;
		if (add_backends(c, l, sb, bs, err, errlen) < 0)
			return -1;
	}
	if (ex->balance == BALANCE_UNKNOWN &&
	    l->target.kind == NGINX_TARGET_UPSTREAM) {
		ex->balance = from_nginx(l->target.upstream->balance);
		where(&l->target.upstream->at, ex->balance_from,
		      sizeof(ex->balance_from));
	}
	if (!ex->read_timeout_ms) {
		ex->read_timeout_ms = nginx_read_timeout(&l->scope, &at);
		where(&at, ex->read_timeout_from, sizeof(ex->read_timeout_from));
	}
	return 0;
}
