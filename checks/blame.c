/*
 * blame.c - the config line behind a failure, and the line to write.
 * A static reading of the target's location says what would break and
 * why; the live run says whether it did.  Only failures get a line, and
 * only checks whose cause can be in the config have a rule.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "checks/blame.h"
#include "common/addr.h"

static void at_dir(struct check_ref *r, const struct nginx_pos *at,
		   const char *fix, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void at_dir(struct check_ref *r, const struct nginx_pos *at,
		   const char *fix, const char *fmt, ...)
{
	va_list ap;

	r->file = at->file;
	r->line = at->line;
	va_start(ap, fmt);
	vsnprintf(r->directive, sizeof(r->directive), fmt, ap);
	va_end(ap);
	snprintf(r->fix, sizeof(r->fix), "%s", fix);
}

/*
 * A header line that should say want: the line that says otherwise, the
 * outer line that a level in between hides, or the location where it is
 * missing.  Returns 1 when something is to blame.
 */
static int header(struct check_ref *r, const struct nginx_location *l,
		  const char *name, int (*ok)(const char *value),
		  const char *fix)
{
	const struct nginx_header *h = nginx_header_find(&l->scope, name);
	const struct nginx_header *hidden;
	char loc[300];

	if (h && h->at.file && ok(h->value))
		return 0;
	if (h && h->at.file) {
		at_dir(r, &h->at, fix, "proxy_set_header %s %s", h->name,
		       *h->value ? h->value : "\"\"");
		return 1;
	}
	nginx_location_name(l, loc, sizeof(loc));
	if ((hidden = nginx_header_shadowed(&l->scope, name))) {
		at_dir(r, &hidden->at, fix, "proxy_set_header %s %s (does not "
		       "apply in %s, which has proxy_set_header lines of its "
		       "own: repeat it there)", hidden->name, hidden->value, loc);
		return 1;
	}
	at_dir(r, &l->at, fix, "%s: no proxy_set_header %s", loc, name);
	return 1;
}

static int upgrade_ok(const char *v)
{
	return *v != '\0';
}

static int connection_ok(const char *v)
{
	return !strcasecmp(v, "upgrade") || v[0] == '$';
}

static int xff_ok(const char *v)
{
	return strstr(v, "$proxy_add_x_forwarded_for") != NULL;
}

static int real_ip_ok(const char *v)
{
	return strstr(v, "$remote_addr") != NULL ||
	       strstr(v, "$realip_remote_addr") != NULL;
}

static int proto_ok(const char *v)
{
	return !strcmp(v, "$scheme");
}

static int version(struct check_ref *r, const struct nginx_location *l)
{
	struct nginx_pos at;
	const char *v = nginx_http_version(&l->scope, &at);
	char loc[300];

	if (!strcmp(v, "1.1"))
		return 0;
	if (at.file) {
		at_dir(r, &at, "proxy_http_version 1.1;", "proxy_http_version %s",
		       v);
		return 1;
	}
	nginx_location_name(l, loc, sizeof(loc));
	at_dir(r, &l->at, "proxy_http_version 1.1;",
	       "%s: no proxy_http_version 1.1 (nginx speaks HTTP/1.0 upstream)",
	       loc);
	return 1;
}

static int upgrade(struct check_ref *r, const struct nginx_conf *c,
		   const struct nginx_location *l)
{
	const char *conn = nginx_map_find(c, "$connection_upgrade") ?
		"proxy_set_header Connection $connection_upgrade;" :
		"proxy_set_header Connection \"upgrade\";";
	char both[400];

	snprintf(both, sizeof(both), "proxy_set_header Upgrade $http_upgrade; %s",
		 conn);
	return header(r, l, "Upgrade", upgrade_ok, both) ||
	       header(r, l, "Connection", connection_ok, conn);
}

/*
 * A header nginx passes on by itself, unless a proxy_set_header line
 * replaces or deletes it: that line.  Returns 1 when there is one.
 */
static int passed_on(struct check_ref *r, const struct nginx_location *l,
		     const char *name)
{
	const struct nginx_header *h = nginx_header_find(&l->scope, name);

	if (!h || !h->at.file)
		return 0;
	at_dir(r, &h->at, "delete it: nginx passes the client's header, and "
	       "the backend's answer, on as they are", "proxy_set_header %s %s",
	       h->name, *h->value ? h->value : "\"\"");
	return 1;
}

static void blame_one(const struct nginx_conf *c, const struct plan_target *t,
		      const char *id, struct check_result *res)
{
	const struct nginx_location *l = t->loc;
	struct check_ref *r = &res->ref;
	struct nginx_pos at;
	char loc[300];

	if (!strcmp(id, "headers.http-version")) {
		version(r, l);
	} else if (!strcmp(id, "headers.upgrade-connection") ||
		   !strcmp(id, "handshake.status-101") ||
		   !strcmp(id, "handshake.response-headers")) {
		if (!upgrade(r, c, l) && !strcmp(id, "handshake.status-101"))
			version(r, l);
	} else if (!strcmp(id, "headers.x-forwarded-for")) {
		header(r, l, "X-Forwarded-For", xff_ok, "proxy_set_header "
		       "X-Forwarded-For $proxy_add_x_forwarded_for;");
	} else if (!strcmp(id, "headers.forwarded-proto")) {
		header(r, l, "X-Forwarded-Proto", proto_ok,
		       "proxy_set_header X-Forwarded-Proto $scheme;");
	} else if (!strcmp(id, "headers.x-real-ip")) {
		header(r, l, "X-Real-IP", real_ip_ok,
		       "proxy_set_header X-Real-IP $remote_addr;");
	} else if (!strcmp(id, "headers.host")) {
		const struct nginx_header *h = nginx_header_find(&l->scope, "Host");
		char e[128];
		struct url u;
		const char *fix = url_parse(t->url, &u, e, sizeof(e)) == 0 &&
			u.explicit_port ? "proxy_set_header Host $http_host;" :
			"proxy_set_header Host $host;";

		nginx_location_name(l, loc, sizeof(loc));
		if (h && h->at.file)
			at_dir(r, &h->at, fix, "proxy_set_header Host %s", h->value);
		else
			at_dir(r, &l->at, fix, "%s: no proxy_set_header Host "
			       "(nginx sends $proxy_host, the upstream's name)",
			       loc);
	} else if (!strncmp(id, "timeout.idle", 12)) {
		int64_t ms = nginx_read_timeout(&l->scope, &at);

		nginx_location_name(l, loc, sizeof(loc));
		if (at.file)
			at_dir(r, &at, "proxy_read_timeout 3600s; (longer than "
			       "the idle time your clients allow)",
			       "proxy_read_timeout %lld%s", (long long)(ms % 1000 ?
			       ms : ms / 1000), ms % 1000 ? "ms" : "s");
		else
			at_dir(r, &l->at, "proxy_read_timeout 3600s; (or have "
			       "clients ping more often than every 60 s)",
			       "%s: no proxy_read_timeout (nginx's default is "
			       "60s)", loc);
	} else if (!strcmp(id, "headers.websocket-passthrough")) {
		static const char *const names[] = { "Sec-WebSocket-Key",
			"Sec-WebSocket-Version", "Sec-WebSocket-Protocol",
			"Sec-WebSocket-Extensions" };
		size_t k;

		for (k = 0; k < 4 && !passed_on(r, l, names[k]); k++)
			;
	} else if (!strcmp(id, "upgrade.h2c")) {
		const struct nginx_header *h = nginx_header_find(&l->scope,
								 "Upgrade");

		if (h && h->at.file && strstr(h->value, "$http_upgrade"))
			at_dir(r, &h->at, "map $http_upgrade $ws_upgrade { "
			       "~*^websocket$ websocket; default \"\"; } (in "
			       "http), then proxy_set_header Upgrade $ws_upgrade;",
			       "proxy_set_header Upgrade %s", h->value);
	} else if (!strcmp(id, "frames.compressed")) {
		passed_on(r, l, "Sec-WebSocket-Extensions");
	} else if (!strcmp(id, "reload.tunnels") &&
		   nginx_shutdown_timeout(c, &at)) {
		const struct nginx_dir *d = nginx_dir_find(c->root,
						"worker_shutdown_timeout");

		at_dir(r, &at, "delete it, or make it longer than your clients' "
		       "sessions (each reload cuts the tunnels still open then)",
		       "worker_shutdown_timeout %s", d->args[1]);
	} else if (!strcmp(id, "path.preserved") && l->target.uri &&
		   *l->target.uri) {
		at_dir(r, &l->target.at, "proxy_pass without the URI part "
		       "(nginx then passes the path as the client sent it), "
		       "and the app served under the location's path",
		       "proxy_pass %s", l->target.url);
	} else if (!strcmp(id, "capacity.tunnels")) {
		const struct nginx_limit_conn *lim[16];
		size_t nl = nginx_limit_conns(&l->scope, lim);
		unsigned wc, cap = nginx_tunnel_capacity(c, &at, &wc);
		size_t k, low = 0;

		for (k = 1; k < nl; k++)
			if (lim[k]->n < lim[low]->n)
				low = k;
		if (nl && lim[low]->n < cap)
			at_dir(r, &lim[low]->at, "raise N above the tunnels one "
			       "client key holds", "limit_conn %s %u",
			       lim[low]->zone, lim[low]->n);
		else if (at.file)
			at_dir(r, &at, "a larger worker_connections (each tunnel "
			       "takes two), with worker_rlimit_nofile to match",
			       "worker_connections %u", wc);
	} else if (!strcmp(id, "concurrency.parallel")) {
		const struct nginx_limit_conn *lim[16];
		size_t n = nginx_limit_conns(&l->scope, lim);

		if (n)
			at_dir(r, &lim[0]->at, "raise N above the connections "
			       "one client key holds", "limit_conn %s %u",
			       lim[0]->zone, lim[0]->n);
	} else if (!strcmp(id, "distribution.balance") &&
		   l->target.kind == NGINX_TARGET_UPSTREAM) {
		const struct nginx_upstream *u = l->target.upstream;
		const struct nginx_dir *w = nginx_dir_find(c->root,
							   "worker_processes");
		int workers = w && w->nargs > 1 && strcmp(w->args[1], "1");

		if (workers && u->balance == NGINX_LB_ROUND_ROBIN &&
		    !nginx_dir_find(u->dir->child, "zone"))
			at_dir(r, &u->at, "zone backends 64k; (in the upstream "
			       "block, so every worker shares one round-robin)",
			       "upstream %s: no zone, and worker_processes %s: "
			       "each worker balances on its own", u->name,
			       w->args[1]);
		else
			at_dir(r, &u->at, "the balancing method in this block",
			       "upstream %s (%s)", u->name,
			       nginx_balance_name(u->balance));
	}
}

void blame(const struct nginx_conf *c, const struct plan_target *t,
	   const char *id, struct check_result *res)
{
	memset(&res->ref, 0, sizeof(res->ref));
	if (res->status != CHECK_FAIL || res->cause[0])
		return;
	/* no tunnel opened: a line that breaks every handshake is to
	   blame, whatever the check was about; else the check's own */
	if (res->no_tunnel)
		blame_one(c, t, "handshake.status-101", res);
	if (!res->ref.file) {
		memset(&res->ref, 0, sizeof(res->ref));
		blame_one(c, t, id, res);
	}
}
