/*
 * path.c - path.preserved: the backend gets the path and query the
 * client sent, percent-encoding intact, after exactly the rewrite the
 * config says (nginx: a proxy_pass URI replaces the location's prefix,
 * but from the decoded path, so a%2Fb arrives as a/b).  Apps route on
 * the path (socket.io's /socket.io/, signed URLs, ids with a slash
 * encoded), so a changed path is a 404 or the wrong room.
 */
#include <stdio.h>
#include <string.h>

#include "checks/probe.h"
#include "checks/run.h"
#include "common/addr.h"

#define QUERY_PROBE "x=%3A&y"

/* The URL with the probe's path (when it may grow) and query added. */
static int probe_url(const struct check_ctx *c, char *url, size_t len,
		     char *target, size_t tlen)
{
	const struct expect *ex = c->env->expect;
	const char *q = strchr(c->url, '?'), *path;
	size_t base = q ? (size_t)(q - c->url) : strlen(c->url);
	struct url u;
	char err[128];
	int grow;

	if (url_parse(c->url, &u, err, sizeof(err)) < 0)
		return -1;
	path = u.path;
	grow = ex->path_extend ? ex->path_extend > 0 :
	       base && c->url[base - 1] == '/';
	snprintf(url, len, "%.*s%s?%s%s%s", (int)base, c->url,
		 grow ? PATH_PROBE : "", q ? q + 1 : "", q ? "&" : "",
		 QUERY_PROBE);
	snprintf(target, tlen, "%.*s%s?%s%s%s", (int)strcspn(path, "?"),
		 path, grow ? PATH_PROBE : "", q ? q + 1 : "", q ? "&" : "",
		 QUERY_PROBE);
	return 0;
}

/* What the backend should get for target, by the config's rule. */
static void rewrite(const struct expect *ex, const char *target, char *out,
		    size_t len)
{
	size_t n = strlen(ex->path_prefix);

	if (ex->path_rule == 1 && !strncmp(target, ex->path_prefix, n))
		snprintf(out, len, "%s%s", ex->path_uri, target + n);
	else
		snprintf(out, len, "%s", target);
}

/* A toggled trailing slash: redirected?  Into note, for the message. */
static void slash(struct check_ctx *c, char *note, size_t len)
{
	char url[2300], err[512];
	const char *q = strchr(c->url, '?');
	size_t base = q ? (size_t)(q - c->url) : strlen(c->url);
	struct wsc_opts o;
	struct wsc w;
	struct url u;
	int rc, has = base && c->url[base - 1] == '/';

	note[0] = 0;
	if (url_parse(c->url, &u, err, sizeof(err)) < 0 ||
	    !strcmp(u.path, "/") || !strncmp(u.path, "/?", 2))
		return;
	snprintf(url, sizeof(url), "%.*s%s%s", (int)(base - (size_t)has),
		 c->url, has ? "" : "/", q ? q : "");
	probe_opts(c, &o);
	o.url = url;
	rc = wsc_open(&w, &o, err, sizeof(err));
	if (rc == WSC_ERR_STATUS && w.res.status >= 300 && w.res.status < 400) {
		const struct http_header *h = http_find(w.headers,
			w.res.num_headers, "Location");
		const char *v = h ? h->value : "", *e = v + (h ? h->value_len : 0);
		const char *p = memmem(v, (size_t)(e - v), "://", 3);

		/* the path only: the host and port may be the sandbox's */
		if (p && (p = memchr(p + 3, '/', (size_t)(e - p - 3))))
			v = p;
		snprintf(note, len, "; %s the trailing slash the proxy answers "
			 "%d%s%.*s (a WebSocket client does not follow it)",
			 has ? "without" : "with", w.res.status,
			 h ? " to " : "", (int)(e - v), v);
		check_evidence_num(c, "slash_redirect", w.res.status);
	}
	wsc_free(&w);
}

/* Which bytes of want the proxy decoded in got, for the message. */
static const char *decoded(const char *want, const char *got)
{
	return strstr(want, "%2F") && !strstr(got, "%2F") ?
	       "percent-encoding changed (%2F arrived decoded)" :
	       strstr(want, "%3A") && !strstr(got, "%3A") ?
	       "percent-encoding changed (%3A arrived decoded)" :
	       "the path changed";
}

static void run_preserved(struct check_ctx *c)
{
	const struct expect *ex = c->env->expect;
	char url[2300], target[2300], want[2400], got[2400], err[512];
	char token[33], note[400];
	const cJSON *req;
	const char *s;
	struct wsc_opts o;
	struct wsc w;
	cJSON *rec;

	if (ex->path_rule < 0) {
		check_skip(c, "the proxy_pass URI (%s) has variables: the path "
			   "is made at run time", ex->path_from);
		return;
	}
	if (probe_url(c, url, sizeof(url), target, sizeof(target)) < 0) {
		check_error(c, "bad URL '%s'", c->url);
		return;
	}
	probe_opts(c, &o);
	o.url = url;
	if (probe_open(c, &w, &o, NULL, 0, token, err, sizeof(err)) != WSC_OK) {
		probe_failed(c, err);
		wsc_free(&w);
		return;
	}
	wsc_free(&w);
	if (!(rec = probe_record(c, token, NULL)))
		return;
	req = cJSON_GetObjectItem(rec, "request");
	s = cJSON_GetStringValue(cJSON_GetObjectItem(req, "target"));
	snprintf(got, sizeof(got), "%s", s ? s : "");
	cJSON_Delete(rec);
	rewrite(ex, target, want, sizeof(want));
	check_evidence_str(c, "sent", target);
	check_evidence_str(c, "expected", want);
	check_evidence_str(c, "received", got);
	slash(c, note, sizeof(note));
	if (strcmp(got, want))
		check_fail(c, want, "%s: %s%s", got, decoded(want, got), note);
	else
		check_pass(c, "%s%s", got, note);
}

const struct check path_checks[] = {
	{ "path.preserved", "RFC 3986 2.1, 6.2.2; nginx proxy_pass URI",
	  "the backend gets the path and query sent, percent-encoding intact",
	  run_preserved, NEEDS_BACKENDS | NEEDS_TUNNEL },
	{ NULL, NULL, NULL, NULL, 0 },
};
