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

/* The target URL for a server and location, when none was given. */
static int target(const struct nginx_server *s, const struct nginx_location *l,
		  char *out, size_t len, char *err, size_t errlen)
{
	const char *path = "/";
	struct hostport hp;
	char addr[300];
	size_t i;

	if (l->match == NGINX_MATCH_PREFIX || l->match == NGINX_MATCH_EXACT ||
	    l->match == NGINX_MATCH_PREFIX_NOREGEX)
		path = l->path;
	for (i = 0; i < s->nlistens; i++)
		if (nginx_listen_target(&s->listens[i], &hp) == 0) {
			snprintf(out, len, "%s://%s%s", s->listens[i].ssl ?
				 "wss" : "ws", addr_fmt(hp.host, hp.port, addr,
				 sizeof(addr)), path);
			return 0;
		}
	snprintf(err, errlen, "the server that proxies listens on no TCP address");
	return -1;
}

static int add_peers(const struct nginx_upstream *u, struct backends *bs,
		     char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < u->npeers; i++) {
		const struct nginx_peer *p = &u->peers[i];
		char addr[300];

		if (p->unix_socket || p->backup || p->down ||
		    !nginx_host_is_local(p->hp.host))
			continue;
		snprintf(addr, sizeof(addr), "%s", p->addr);
		if (!strchr(addr, ':') || addr[strlen(addr) - 1] == ']')
			snprintf(addr, sizeof(addr), "%s:%u", p->addr, p->hp.port);
		if (backends_add(bs, addr, (int)p->weight, err, errlen) < 0)
			return -1;
	}
	return 0;
}

int plan_from_nginx(const struct nginx_conf *c, const char *url,
		    struct backends *bs, struct expect *ex, char *url_out,
		    size_t url_len, char *err, size_t errlen)
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
	if (!url && target(s, l, url_out, url_len, err, errlen) < 0)
		return -1;
	if (!bs->n) {
		bs->spawn = 1;
		if (l->target.kind == NGINX_TARGET_UPSTREAM) {
			if (add_peers(l->target.upstream, bs, err, errlen) < 0)
				return -1;
		} else if (l->target.kind == NGINX_TARGET_ADDR &&
			   nginx_host_is_local(l->target.addr.host)) {
			char addr[300];

			addr_fmt(l->target.addr.host, l->target.addr.port, addr,
				 sizeof(addr));
			if (backends_add(bs, addr, 1, err, errlen) < 0)
				return -1;
		}
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
