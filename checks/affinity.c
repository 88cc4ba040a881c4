/*
 * affinity.c - affinity.session: one engine.io (Socket.IO) session, its
 * long-polling requests and then its WebSocket upgrade, as a browser
 * makes them, must reach one backend, which alone knows the session.
 * Behind a round-robin proxy the second request meets a backend that
 * answers 400 "Session ID unknown" (SignalR's negotiate has the same
 * shape).  Cookies the proxy sets (HAProxy "cookie ... insert", nginx
 * sticky) are sent back on every request, the upgrade included.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "checks/backends.h"
#include "checks/http_probe.h"
#include "checks/probe.h"
#include "checks/run.h"

#define POLLS 4			/* polls between the open and the upgrade */

struct reply {
	char body[512];
	size_t len;
	char backend[300];	/* X-Wsctl-Backend */
	long status;
};

static size_t body_cb(char *d, size_t s, size_t n, void *arg)
{
	struct reply *r = arg;
	size_t k = s * n, room = sizeof(r->body) - 1 - r->len;

	memcpy(r->body + r->len, d, k < room ? k : room);
	r->len += k < room ? k : room;
	r->body[r->len] = 0;
	return s * n;
}

static size_t header_cb(char *d, size_t s, size_t n, void *arg)
{
	struct reply *r = arg;
	size_t k = s * n;
	static const char name[] = "x-wsctl-backend:";

	if (k > sizeof(name) && !strncasecmp(d, name, sizeof(name) - 1)) {
		size_t i = sizeof(name) - 1, e = k;

		while (i < k && d[i] == ' ')
			i++;
		while (e > i && (d[e - 1] == '\r' || d[e - 1] == '\n'))
			e--;
		snprintf(r->backend, sizeof(r->backend), "%.*s", (int)(e - i),
			 d + i);
	}
	return k;
}

/* GET url on h (which keeps its cookies); r gets what came back. */
static int get(CURL *h, const char *url, struct reply *r)
{
	memset(r, 0, sizeof(*r));
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, body_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
	if (curl_easy_perform(h) != CURLE_OK)
		return -1;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	return 0;
}

/* The cookies h holds, as a request header: "Cookie: a=1; b=2". */
static void cookies(CURL *h, char *out, size_t len)
{
	struct curl_slist *list = NULL, *l;
	size_t n = 0;

	out[0] = 0;
	curl_easy_getinfo(h, CURLINFO_COOKIELIST, &list);
	for (l = list; l; l = l->next) {
		/* Netscape format: domain flag path secure expiry name value */
		const char *f = l->data, *name = NULL;
		int tab = 0;

		for (; *f; f++)
			if (*f == '\t' && ++tab == 5)
				name = f + 1;
		if (!name || n >= len)
			continue;
		const char *v = strchr(name, '\t');

		if (!v)
			continue;
		n += (size_t)snprintf(out + n, len - n, "%s%.*s=%s",
				      n ? "; " : "Cookie: ", (int)(v - name),
				      name, v + 1);
	}
	curl_slist_free_all(list);
}

/* Sticky by config or flag?  Then why, into from. */
static int sticky(const struct check_ctx *c, char *from, size_t len)
{
	const struct expect *ex = c->env->expect;

	if (c->env->cfg->expect_sticky)
		return snprintf(from, len, "--expect-sticky"), 1;
	if (ex->balance == BALANCE_IP_HASH || ex->balance == BALANCE_HASH)
		return snprintf(from, len, "%s, %s", balance_name(ex->balance),
				ex->balance_from), 1;
	snprintf(from, len, "%s", ex->balance == BALANCE_UNKNOWN ?
		 "no sticky method known" : balance_name(ex->balance));
	return 0;
}

static void run_session(struct check_ctx *c)
{
	char base[2400], url[2500], err[CURL_ERROR_SIZE + 256], from[400];
	char sid[64], cookie[1024], path[2 + POLLS][320];
	long status[2 + POLLS];
	const char *sep = strchr(c->url, '?') ? "&" : "?";
	struct curl_slist *connect_to = NULL;
	struct wsc_opts o;
	struct reply r;
	struct wsc w;
	cJSON *open;
	const char *s;
	CURL *h;
	int i, n = 0, moved = -1, want = sticky(c, from, sizeof(from));
	const char *hdrs[1] = { cookie };

	if (probe_http_url(c->url, base, sizeof(base)) < 0 ||
	    !(h = probe_curl(c, base, &connect_to, err))) {
		check_error(c, "bad URL '%s'", c->url);
		return;
	}
	curl_easy_setopt(h, CURLOPT_COOKIEFILE, "");	/* keep cookies */
	snprintf(url, sizeof(url), "%s%sEIO=4&transport=polling", base, sep);
	if (get(h, url, &r) < 0 || r.status != 200 || r.body[0] != '0' ||
	    !(open = cJSON_Parse(r.body + 1))) {
		check_fail(c, "an engine.io session opened", "%s: %s", url,
			   err[0] ? err : r.status ? "not an open packet" :
			   "no answer");
		goto out;
	}
	s = cJSON_GetStringValue(cJSON_GetObjectItem(open, "sid"));
	snprintf(sid, sizeof(sid), "%s", s ? s : "");
	cJSON_Delete(open);
	status[n] = r.status;
	snprintf(path[n++], sizeof(path[0]), "%s", r.backend);
	for (i = 0; i < POLLS; i++) {
		snprintf(url, sizeof(url), "%s%sEIO=4&transport=polling&sid=%s",
			 base, sep, sid);
		if (get(h, url, &r) < 0) {
			check_fail(c, "each poll answered", "poll %d: %s", i + 1,
				   err);
			goto out;
		}
		status[n] = r.status;
		snprintf(path[n++], sizeof(path[0]), "%s", r.backend);
		if (r.status != 200 && moved < 0)
			moved = n - 1;
	}
	/* the upgrade, with the session and the proxy's cookies */
	cookies(h, cookie, sizeof(cookie));
	snprintf(url, sizeof(url), "%s%sEIO=4&transport=websocket&sid=%s",
		 c->url, sep, sid);
	probe_opts(c, &o);
	o.url = url;
	if (probe_open(c, &w, &o, hdrs, cookie[0] ? 1 : 0, NULL, err,
		       sizeof(err)) == WSC_OK || w.res.status) {
		const struct http_header *b = http_find(w.headers,
			w.res.num_headers, "X-Wsctl-Backend");

		status[n] = w.res.status;
		snprintf(path[n++], sizeof(path[0]), "%.*s",
			 b ? (int)b->value_len : 1, b ? b->value : "?");
		if (w.res.status != 101 && moved < 0)
			moved = n - 1;
	} else {
		wsc_free(&w);
		check_fail(c, "the session's upgrade answered", "%s", err);
		goto out;
	}
	wsc_free(&w);
	c->res->no_tunnel = 0;
	for (i = 1; i < n && moved < 0; i++)
		if (strcmp(path[i], path[0]))
			moved = i;
	{
		cJSON *a = cJSON_CreateArray();

		for (i = 0; i < n; i++)
			cJSON_AddItemToArray(a, cJSON_CreateString(path[i]));
		check_evidence_json(c, "backends", a);
		check_evidence_str(c, "sticky_from", from);
	}
	if (moved < 0)
		check_pass(c, "the open, %d polls and the upgrade of one session "
			   "all reached %s (%s)", POLLS, path[0], from);
	else if (want)
		check_fail(c, "every request of a session on one backend",
			   "the session opened on %s, its %s reached %s: "
			   "%ld%s (%s)", path[0],
			   moved == n - 1 ? "upgrade" : "poll", path[moved],
			   status[moved], status[moved] == 400 ?
			   " Session ID unknown" : "", from);
	else
		check_skip(c, "the proxy spreads one session's requests (%s, "
			   "then %s): Socket.IO and SignalR apps break here with "
			   "\"Session ID unknown\" (%s; --expect-sticky judges "
			   "it)", path[0], path[moved], from);
out:
	curl_easy_cleanup(h);
	curl_slist_free_all(connect_to);
}

const struct check affinity_checks[] = {
	{ "affinity.session", "engine.io protocol v4; nginx ip_hash, hash; "
	  "HAProxy cookie",
	  "one engine.io session's polls and upgrade reach one backend",
	  run_session, NEEDS_BACKENDS | RUNS_ALONE },
	{ NULL, NULL, NULL, NULL, 0 },
};
