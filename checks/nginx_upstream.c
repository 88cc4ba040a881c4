/*
 * nginx_upstream.c - upstream blocks for the model: the servers with their
 * parameters, and the balancing method, validated as nginx 1.22 does for
 * what the model keeps.
 */
#include <string.h>
#include <strings.h>

#include "checks/nginx_priv.h"
#include "common/units.h"

static int peer(struct nginx_build *b, struct nginx_peer *p,
		const struct nginx_dir *d)
{
	char e[256];
	size_t i;

	if (nginx_shape(b, d, 0, 2, SIZE_MAX))
		return -1;
	p->addr = d->args[1];
	p->weight = 1;
	p->max_fails = 1;
	p->fail_timeout_ms = 10000;
	p->at = d->at;
	if (!strncmp(p->addr, "unix:", 5))
		p->unix_socket = 1;
	else if (addr_parse(p->addr, 80, &p->hp, e, sizeof(e)) < 0)
		return FAIL(b, d, "%s", e);
	for (i = 2; i < d->nargs; i++) {
		const char *a = d->args[i], *v;
		int bad = 0;

		if ((v = nginx_param(a, "weight")))
			bad = nginx_number(v, &p->weight) < 0 || !p->weight;
		else if ((v = nginx_param(a, "max_fails")))
			bad = nginx_number(v, &p->max_fails) < 0;
		else if ((v = nginx_param(a, "max_conns")))
			bad = nginx_number(v, &p->max_conns) < 0;
		else if ((v = nginx_param(a, "fail_timeout")))
			bad = units_nginx_time(v, &p->fail_timeout_ms) < 0;
		else if (!strcmp(a, "backup"))
			p->backup = 1;
		else if (!strcmp(a, "down"))
			p->down = 1;
		else
			bad = 1;
		if (bad)
			return FAIL(b, d, "invalid parameter '%s'", a);
	}
	return 0;
}

static int upstream_dir(struct nginx_build *b, struct nginx_upstream *u,
			const struct nginx_dir *d)
{
	const char *n = d->name;

	if (!strcmp(n, "ip_hash") || !strcmp(n, "least_conn")) {
		if (nginx_shape(b, d, 0, 1, 1))
			return -1;
		u->balance = n[0] == 'i' ? NGINX_LB_IP_HASH : NGINX_LB_LEAST_CONN;
	} else if (!strcmp(n, "hash")) {
		if (nginx_shape(b, d, 0, 2, 3))
			return -1;
		if (d->nargs == 3 && strcmp(d->args[2], "consistent"))
			return FAIL(b, d, "invalid parameter '%s'", d->args[2]);
		u->balance = NGINX_LB_HASH;
		u->hash_key = d->args[1];
		u->consistent = d->nargs == 3;
	} else if (!strcmp(n, "random")) {
		if (nginx_shape(b, d, 0, 1, 3))
			return -1;
		if (d->nargs > 1 && strcmp(d->args[1], "two"))
			return FAIL(b, d, "invalid parameter '%s'", d->args[1]);
		if (d->nargs > 2 && strcmp(d->args[2], "least_conn"))
			return FAIL(b, d, "invalid parameter '%s'", d->args[2]);
		u->balance = NGINX_LB_RANDOM;
		u->random_two = d->nargs > 1;
		u->random_method = d->nargs > 2 ? d->args[2] : NULL;
	} else if (!strcmp(n, "keepalive")) {
		if (nginx_shape(b, d, 0, 2, 2))
			return -1;
		if (nginx_number(d->args[1], &u->keepalive) < 0 || !u->keepalive)
			return FAIL(b, d, "invalid value '%s' in '%s'",
				    d->args[1], n);
	}
	return 0;
}

int nginx_upstream_build(struct nginx_build *b, struct nginx_upstream *u,
			 const struct nginx_dir *d)
{
	const struct nginx_dir *k;
	struct nginx_peer *peers;
	size_t i;

	if (nginx_shape(b, d, 1, 2, 2))
		return -1;
	for (i = 0; i < b->c->nupstreams; i++)
		if (!strcasecmp(b->c->upstreams[i].name, d->args[1]))
			return FAIL(b, d, "duplicate upstream '%s'", d->args[1]);
	u->name = d->args[1];
	u->dir = d;
	u->at = d->at;
	peers = nginx_alloc_n(b, nginx_count(d->child, "server"), sizeof(*peers));
	if (!peers)
		return OOM(b);
	u->peers = peers;
	for (k = d->child; k; k = k->next) {
		if (!strcmp(k->name, "server")) {
			if (peer(b, &peers[u->npeers++], k))
				return -1;
		} else if (upstream_dir(b, u, k)) {
			return -1;
		}
	}
	if (!u->npeers)
		return FAIL(b, d, "no servers in upstream '%s'", u->name);
	return 0;
}
