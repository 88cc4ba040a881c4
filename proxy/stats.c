/*
 * stats.c - the stats listener's answer: one JSON document with the
 * connections open now, the totals since start, and each upstream's
 * counts and passive health.  Everything is counted by the process that
 * answers: with --workers each worker has its own numbers and its own
 * view of the upstreams' health, and says which worker it is.
 *
 * The connections are counted by walking the list when asked, so that
 * serving traffic costs nothing for the stats.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "proxy/conn.h"

int64_t px_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *px_iso_time(int64_t ms, char *buf, size_t len)
{
	time_t t = ms / 1000;
	struct tm tm;
	char s[32];

	gmtime_r(&t, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03dZ", s, (int)(ms % 1000));
	return buf;
}

struct open_counts {
	unsigned clients, waiting, connecting, http, tunnels, closing;
};

static void count_open(const struct proxy *px, struct open_counts *o)
{
	memset(o, 0, sizeof(*o));
	for (const struct conn *c = px->conns; c; c = c->next) {
		if (c->status)
			continue;
		o->clients++;
		switch (c->state) {
		case CS_HEAD: o->waiting++; break;
		case CS_CONNECT: o->connecting++; break;
		case CS_HTTP: o->http++; break;
		case CS_TUNNEL: o->tunnels++; break;
		default: o->closing++; break;
		}
	}
}

/* The document, into e. */
static void document(struct proxy *px, struct emit *e)
{
	int64_t now = loop_now(px->loop), wall = px_wall_ms();
	struct open_counts o;
	char line[600], when[40];

	count_open(px, &o);
#define OUT(...) emit(e, line, snprintf(line, sizeof(line), __VA_ARGS__))
	OUT("{\"pid\":%d,\"worker\":%d,\"workers\":%u,\"started\":\"%s\","
	    "\"draining\":%s,\n", (int)getpid(), px->worker,
	    px->cfg->workers ? px->cfg->workers : 1,
	    px_iso_time(px->started_ms, when, sizeof(when)),
	    px->draining ? "true" : "false");
	OUT(" \"open\":{\"clients\":%u,\"waiting\":%u,\"connecting\":%u,"
	    "\"http\":%u,\"tunnels\":%u,\"closing\":%u},\n", o.clients,
	    o.waiting, o.connecting, o.http, o.tunnels, o.closing);
	OUT(" \"totals\":{\"connections\":%llu,\"requests\":%llu,"
	    "\"tunnels\":%llu,\"replies\":%llu},\n",
	    (unsigned long long)px->totals.connections,
	    (unsigned long long)px->totals.requests,
	    (unsigned long long)px->totals.tunnels,
	    (unsigned long long)px->totals.replies);
	OUT(" \"balance\":\"%s\",\n \"upstreams\":[", px->gen->lb.ops->name);
	for (unsigned i = 0; i < px->gen->lb.npeers; i++) {
		const struct lb_peer *p = &px->gen->lb.peers[i];
		int down = now < p->down_until;

		OUT("%s\n  {\"address\":\"%s\",\"weight\":%u,\"active\":%u,"
		    "\"total\":%llu,\"failures\":%llu,\"recent_fails\":%u,"
		    "\"health\":\"%s\"", i ? "," : "", p->name,
		    p->conf->weight, p->conns, (unsigned long long)p->total,
		    (unsigned long long)p->failures, p->fails,
		    down ? "down" : "up");
		if (down)
			OUT(",\"down_until\":\"%s\",\"retry_in_ms\":%lld",
			    px_iso_time(wall + (p->down_until - now), when,
					sizeof(when)),
			    (long long)(p->down_until - now));
		OUT("}");
	}
	OUT("\n ]\n}\n");
#undef OUT
}

void status_answer(struct conn *c, const struct http_request *rq)
{
	struct proxy *px = c->px;
	/* rq may point into the scratch buffer: done with it before use */
	char *body = px->scratch;
	struct emit e = { body, 0, HBUF - 256, 0 };
	int head = http_ieq(rq->method, rq->method_len, "HEAD"), len;

	if (!head && !http_ieq(rq->method, rq->method_len, "GET")) {
		conn_reply(c, 405, "the stats listener answers GET");
		return;
	}
	document(px, &e);
	if (e.overflow) {
		conn_reply(c, 500, "stats too large");
		return;
	}
	len = snprintf(px->hbuf, HBUF, "HTTP/1.1 200 OK\r\n"
		       "Content-Type: application/json\r\n"
		       "Content-Length: %zu\r\n"
		       "Cache-Control: no-store\r\n"
		       "Connection: close\r\n\r\n%.*s", e.len,
		       head ? 0 : (int)e.len, body);
	c->replied = 1;
	if (side_send(&c->cl, px->hbuf, len) < 0) {
		conn_close(c);
		return;
	}
	conn_finish(c);
}
