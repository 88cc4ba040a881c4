/*
 * probe.c - the connection and evidence plumbing every check shares.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "checks/backends.h"
#include "checks/probe.h"
#include "checks/run.h"
#include "common/net.h"

void probe_opts(struct check_ctx *c, struct wsc_opts *o)
{
	int left = check_time_left(c);

	memset(o, 0, sizeof(*o));
	o->url = c->url;
	o->connect_to = c->connect;
	o->timeout_ms = left < 10000 ? left : 10000;
	o->insecure = c->env->cfg->insecure;
	o->ca_file = c->env->cfg->ca_file;
}

static void note_server(struct check_ctx *c, const struct wsc *w)
{
	const struct http_header *h;
	struct check_notes *n = c->env->notes;

	if (!n || !w->head_len)
		return;
	h = http_find(w->headers, w->res.num_headers, "Server");
	if (!h)
		return;
	pthread_mutex_lock(&n->lock);
	if (!n->server[0])
		snprintf(n->server, sizeof(n->server), "%.*s",
			 (int)h->value_len, h->value);
	pthread_mutex_unlock(&n->lock);
}

int probe_open(struct check_ctx *c, struct wsc *w, struct wsc_opts *o,
	       const char *const *hdrs, size_t n, char token[33], char *err,
	       size_t errlen)
{
	const char *all[16];
	char line[64];
	size_t k = 0, i;
	int rc;

	if (token) {
		backends_token(token);
		snprintf(line, sizeof(line), "X-Wsctl-Probe: %s", token);
		all[k++] = line;
	}
	for (i = 0; i < n && k < 16; i++)
		all[k++] = hdrs[i];
	o->headers = all;
	o->nheaders = k;
	rc = wsc_open(w, o, err, errlen);
	/* a check that fails now fails for want of a tunnel, unless it
	   judges what the backend got anyway (headers.*) */
	c->res->no_tunnel = rc != WSC_OK;
	o->headers = NULL;
	o->nheaders = 0;
	if (w->request_len)
		check_evidence_len(c, "request_head", w->request, w->request_len);
	if (w->head_len)
		check_evidence_len(c, "response_head", w->head, w->head_len);
	note_server(c, w);
	return rc;
}

int probe_failed(struct check_ctx *c, const char *err)
{
	check_fail(c, "101 Switching Protocols", "%s", err);
	c->res->no_tunnel = 1;
	return -1;
}

cJSON *probe_record(struct check_ctx *c, const char *token, int *backend)
{
	int left = check_time_left(c), idx = -1;
	cJSON *rec = backends_probe(c->env->backends, token,
				    left < 3000 ? left : 3000, &idx);

	if (!rec) {
		/* the proxy answered itself: the request never got through */
		c->res->no_tunnel = 1;
		check_error(c, "no backend has a record of the request "
			    "(X-Wsctl-Probe: %s): did it reach a wsctl echo?",
			    token);
		return NULL;
	}
	if (backend)
		*backend = idx;
	check_evidence_json(c, "backend_record", cJSON_Duplicate(rec, 1));
	return rec;
}

const char *record_header(const cJSON *rec, const char *name, char *buf,
			  size_t len)
{
	const cJSON *req = cJSON_GetObjectItemCaseSensitive(rec, "request");
	const cJSON *hdrs = cJSON_GetObjectItemCaseSensitive(req, "headers");
	const cJSON *pair;
	size_t used = 0;
	int found = 0;

	/* several lines of one name are one comma-separated list (RFC 9110
	   5.3), as HAProxy's "option forwardfor" adds X-Forwarded-For */
	buf[0] = 0;
	cJSON_ArrayForEach(pair, hdrs) {
		const cJSON *k = cJSON_GetArrayItem(pair, 0);
		const cJSON *v = cJSON_GetArrayItem(pair, 1);

		if (!cJSON_IsString(k) || !cJSON_IsString(v) ||
		    strcasecmp(k->valuestring, name))
			continue;
		used += snprintf(buf + used, used < len ? len - used : 0, "%s%s",
				 found ? ", " : "", v->valuestring);
		found = 1;
	}
	return found ? buf : NULL;
}

const char *record_version(const cJSON *rec)
{
	const cJSON *req = cJSON_GetObjectItemCaseSensitive(rec, "request");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, "version");

	return cJSON_IsString(v) ? v->valuestring : "";
}

/* The first bytes of p as a reader can take them: quoted text when they
   are printable, else hex. */
static void first_bytes(const uint8_t *p, size_t n, char *out, size_t len)
{
	size_t i, show = n < 40 ? n : 40, used = 0;
	int text = 1;

	for (i = 0; i < show; i++)
		text &= p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"';
	if (text) {
		snprintf(out, len, "\"%.*s\"%s", (int)show, (const char *)p,
			 n > show ? "..." : "");
		return;
	}
	show = n < 16 ? n : 16;
	out[0] = 0;
	for (i = 0; i < show && used + 4 < len; i++)
		used += (size_t)snprintf(out + used, len - used, "%s%02x",
					 i ? " " : "", p[i]);
	if (n > show && used + 4 < len)
		snprintf(out + used, len - used, " ...");
}

int probe_echo(struct check_ctx *c, struct wsc *w, unsigned opcode,
	       const void *data, size_t len, const char *what)
{
	char err[256];
	struct wsc_msg m;
	int rc;

	if (wsc_send(w, opcode, data, len, err, sizeof(err)) != WSC_OK) {
		check_fail(c, "the message sent", "sending %s: %s", what, err);
		return -1;
	}
	do {
		rc = wsc_recv(w, &m, check_time_left(c), err, sizeof(err));
	} while (rc == WSC_OK && (m.opcode == WS_PONG || m.opcode == WS_PING));
	if (rc != WSC_OK) {
		check_fail(c, "its echo", "%s: %s", what, err);
		return -1;
	}
	if (m.opcode == WS_CLOSE) {
		check_fail(c, "its echo", "%s: a close (%u %.*s) instead", what,
			   m.close_code, (int)m.reason_len, m.reason);
		return -1;
	}
	if (m.opcode != opcode) {
		check_fail(c, ws_opcode_name(opcode), "%s came back as %s", what,
			   ws_opcode_name(m.opcode));
		return -1;
	}
	if (m.len != len || memcmp(m.data, data, len)) {
		size_t i = 0;

		while (i < len && i < m.len && m.data[i] == ((const uint8_t *)data)[i])
			i++;
		char got[200];

		first_bytes(m.data, m.len, got, sizeof(got));
		check_fail(c, "the same bytes", "%s came back as %zu bytes, "
			   "differing from byte %zu: %s%s", what, m.len, i,
			   m.len ? "" : "(none)", m.len ? got : "");
		return -1;
	}
	return 0;
}

int probe_backend(struct check_ctx *c, const struct wsc *w, const char *token)
{
	const struct http_header *h = NULL;
	char id[300];
	int idx = -1;

	if (w->head_len)
		h = http_find(w->headers, w->res.num_headers, "X-Wsctl-Backend");
	if (h) {
		snprintf(id, sizeof(id), "%.*s", (int)h->value_len, h->value);
		idx = backends_find_id(c->env->backends, id);
		if (idx >= 0)
			return idx;
	}
	if (token) {
		int left = check_time_left(c);
		cJSON *rec = backends_probe(c->env->backends, token,
					    left < 2000 ? left : 2000, &idx);

		cJSON_Delete(rec);
	}
	return idx;
}

char *probe_client_ip(const struct wsc *w, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char tmp[80];
	char *colon;

	buf[0] = 0;
	if (getsockname(w->fd, (struct sockaddr *)&ss, &sl) < 0)
		return buf;
	net_fmt_sockaddr((struct sockaddr *)&ss, tmp, sizeof(tmp));
	/* "1.2.3.4:5" or "[::1]:5" */
	colon = strrchr(tmp, ':');
	if (colon)
		*colon = 0;
	if (tmp[0] == '[') {
		tmp[strlen(tmp) - 1] = 0;
		snprintf(buf, len, "%s", tmp + 1);
	} else {
		snprintf(buf, len, "%s", tmp);
	}
	return buf;
}

void probe_sleep(struct check_ctx *c, int ms)
{
	int left = check_time_left(c);
	struct timespec ts;

	if (ms > left)
		ms = left;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}
