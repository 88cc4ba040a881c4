/*
 * settle.c - the wait for the proxy to route to every backend, and
 * backends.routed, its verdict.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "checks/probe.h"
#include "checks/run.h"
#include "checks/settle.h"
#include "common/addr.h"
#include "common/clock.h"
#include "common/http.h"
#include "common/units.h"

#define TRY_MS 1000		/* one request's answer */
#define RECORD_MS 300		/* asking the backends for its record */

/* The backend that served o's request on w: named in the answer, or by
   the record of token; -1 when none did. */
static int served(struct backends *bs, const struct wsc *w, int rc,
		  const char *token)
{
	const struct http_header *h = NULL;
	char id[300];
	cJSON *rec;
	int idx = -1;

	if (w->head_len)
		h = http_find(w->headers, w->res.num_headers, "X-Wsctl-Backend");
	if (h) {
		snprintf(id, sizeof(id), "%.*s", (int)h->value_len, h->value);
		if ((idx = backends_find_id(bs, id)) >= 0)
			return idx;
	}
	/* the proxy's own error page: nothing reached a backend */
	if (rc == WSC_ERR_STATUS && w->res.status >= 500)
		return -1;
	if (rc == WSC_ERR_CONNECT || rc == WSC_ERR_TLS || rc == WSC_ERR_REQUEST)
		return -1;
	rec = backends_probe(bs, token, RECORD_MS, &idx);
	cJSON_Delete(rec);
	return rec ? idx : -1;
}

/* Sources 127.N.0.1 work only towards an IPv4 loopback address. */
static int can_vary_source(const char *url, const char *connect)
{
	struct hostport hp;
	struct url u;
	char err[256];

	if (url_parse(url, &u, err, sizeof(err)) < 0)
		return 0;
	if (connect && addr_parse(connect, u.port, &hp, err, sizeof(err)) == 0)
		return !strncmp(hp.host, "127.", 4);
	return !strncmp(u.host, "127.", 4);
}

static void pause_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

int settle_wait(const struct check_env *env, const char *url,
		const char *connect, int64_t bound_ms, struct settle *s)
{
	struct backends *bs = env->backends;
	int64_t t0 = clock_ms(), left;
	int vary = can_vary_source(url, connect), missing, i, idle = 50;
	int denied = 0;

	memset(s, 0, sizeof(*s));
	s->n = bs ? bs->n : 0;
	for (i = 0; i < s->n; i++)
		s->reached_ms[i] = -1;
	missing = s->n;
	while (missing > 0 && (left = bound_ms - (clock_ms() - t0)) > 0) {
		char token[33], line[64], u[2400], src[32], err[256];
		const char *hdrs[1] = { line };
		struct wsc_opts o;
		struct wsc w;
		int rc, b, status;

		backends_token(token);
		snprintf(line, sizeof(line), "X-Wsctl-Probe: %s", token);
		snprintf(u, sizeof(u), "%s%swsctl-settle=%d", url,
			 strchr(url, '?') ? "&" : "?", s->tries);
		snprintf(src, sizeof(src), "127.%d.0.1", 1 + s->tries / 2 % 16);
		memset(&o, 0, sizeof(o));
		o.url = u;
		o.connect_to = connect;
		o.timeout_ms = left < TRY_MS ? (int)left : TRY_MS;
		o.insecure = env->cfg->insecure;
		o.ca_file = env->cfg->ca_file;
		o.headers = hdrs;
		o.nheaders = 1;
		/* every other request from another /24, for ip_hash */
		o.source = vary && s->tries % 2 ? src : NULL;
		rc = wsc_open(&w, &o, err, sizeof(err));
		b = served(bs, &w, rc, token);
		status = w.head_len ? w.res.status : 0;
		wsc_free(&w);
		s->tries++;
		if (b >= 0 && s->reached_ms[b] < 0) {
			s->reached_ms[b] = clock_ms() - t0;
			missing--;
		}
		if (b >= 0) {
			idle = 50;
			continue;
		}
		s->refused++;
		snprintf(s->last_error, sizeof(s->last_error), "%s", err);
		/* nobody listens, or TLS fails: no health check explains it,
		   and the checks will say it */
		if (rc == WSC_ERR_CONNECT || rc == WSC_ERR_TLS ||
		    rc == WSC_ERR_REQUEST)
			break;
		/* the proxy's own 4xx, again: its rules, not a health check
		   (those answer 502 or 503) */
		if (rc == WSC_ERR_STATUS && status >= 400 && status < 500 &&
		    status != 408 && status != 429 && ++denied >= 3)
			break;
		if (rc != WSC_ERR_STATUS || status >= 500)
			denied = 0;
		/* a proxy that marked a backend down: give it time */
		left = bound_ms - (clock_ms() - t0);
		pause_ms(left < idle ? (int)(left > 0 ? left : 0) : idle);
		if (idle < 250)
			idle *= 2;
	}
	s->ms = clock_ms() - t0;
	return missing;
}

char *settle_missing(const struct settle *s, const struct backends *bs,
		     char *buf, size_t len)
{
	size_t used = 0;
	int i;

	buf[0] = 0;
	for (i = 0; i < s->n && used < len; i++)
		if (s->reached_ms[i] < 0)
			used += snprintf(buf + used, len - used, "%s%s",
					 used ? ", " : "", bs->b[i].id);
	return buf;
}

/* backends.routed: the verdict on the run's first settle. */
static void run_routed(struct check_ctx *c)
{
	const struct settle *s = c->env->settled;
	struct backends *bs = c->env->backends;
	char miss[1024], d[32];
	cJSON *reached;
	int i, n = 0;

	if (!s) {
		check_skip(c, "--settle 0: the run did not wait for the proxy "
			   "to route to every backend");
		return;
	}
	reached = cJSON_CreateObject();
	for (i = 0; i < s->n; i++) {
		if (s->reached_ms[i] >= 0 && ++n)
			cJSON_AddNumberToObject(reached, bs->b[i].id,
						(double)s->reached_ms[i]);
		else
			cJSON_AddNullToObject(reached, bs->b[i].id);
	}
	check_evidence_json(c, "reached_ms", reached);
	check_evidence_num(c, "requests", s->tries);
	check_evidence_num(c, "ms", (double)s->ms);
	/* no backend at all: when no handshake completes either, that is
	   the one cause */
	c->res->no_tunnel = n == 0;
	if (n == s->n) {
		check_pass(c, "every backend served a request within %s (%d "
			   "request%s)", units_fmt_ms(s->ms, d, sizeof(d)),
			   s->tries, s->tries == 1 ? "" : "s");
		return;
	}
	check_fail(c, "each backend serves a request within --settle",
		   "%s never served one in %s: %d requests, %d with no backend "
		   "behind the answer%s%s", settle_missing(s, bs, miss,
		   sizeof(miss)), units_fmt_ms(s->ms, d, sizeof(d)),
		   s->tries, s->refused, s->last_error[0] ? "; last: " : "",
		   s->last_error);
}

const struct check settle_checks[] = {
	{ "backends.routed", "wsctl --settle",
	  "the proxy routes to every backend before the checks start "
	  "(health checks have caught up)", run_routed,
	  NEEDS_BACKENDS | RUNS_FIRST },
	{ NULL, NULL, NULL, NULL, 0 },
};
