/*
 * check_proxy.c - wsctl check --proxy-config FILE --start: a config of
 * any proxy a driver knows (checks/proxy.h), run in its sandbox with a
 * stand-in backend for each server it names.
 */
#include <stdio.h>
#include <string.h>

#include "checks/proxy.h"
#include "checks/run.h"
#include "checks/sandbox.h"
#include "cli/check_proxy.h"

#define BACKEND_TRIES 3	/* starts of the stand-ins that lose a port */

/* The URL production serves: its name (or localhost), its port unless
   the scheme's default, and the path that reaches the backends. */
static void target_url(const struct proxy_model *m, struct proxy_box *b)
{
	const struct proxy_listen *l = &m->listen[0];
	const char *host = l->name[0] ? l->name :
			   l->host[0] && strcmp(l->host, "*") &&
			   strcmp(l->host, "0.0.0.0") && strcmp(l->host, "::") &&
			   strcmp(l->host, "[::]") ? l->host : "localhost";
	char port[16] = "";

	if (l->port && l->port != (l->tls ? 443u : 80u))
		snprintf(port, sizeof(port), ":%u", l->port);
	snprintf(b->url, sizeof(b->url), "%s://%s%s%s", l->tls ? "wss" : "ws",
		 host, port, m->path[0] == '/' ? m->path : "/");
}

/* Where backend i's stand-in listens, "127.0.0.1:PORT", into addr. */
static void stand_in(const struct proxy_box *b, int i, char *addr,
		     size_t len)
{
	snprintf(addr, len, "%s:%u", b->backend[i].host, b->backend[i].port);
}

int check_proxy_setup(struct check_config *cfg, struct expect *ex,
		      struct backends *bs, const struct proxy_model *m,
		      struct proxy_box *b, char *err, size_t errlen)
{
	int i;

	if (proxy_box_make(m, b, err, errlen) < 0)
		return -1;
	target_url(m, b);
	cfg->urls[0] = b->url;
	cfg->connect[0] = b->connect;
	cfg->nurls = 1;
	bs->spawn = 1;
	for (i = 0; i < m->nb; i++) {
		char addr[300];
		int k;

		if (m->b[i].backup)
			continue;	/* its stand-in: nobody listens */
		stand_in(b, i, addr, sizeof(addr));
		if ((k = backends_add(bs, addr, m->b[i].weight > 0 ?
				      m->b[i].weight : 1, err, errlen)) < 0)
			return -1;
		snprintf(bs->b[k].id, sizeof(bs->b[k].id), "%s", m->b[i].addr);
	}
	if (ex->balance == BALANCE_UNKNOWN) {
		ex->balance = m->balance;
		if (m->balance_line)
			snprintf(ex->balance_from, sizeof(ex->balance_from),
				 "%s:%u", m->file, m->balance_line);
		else
			snprintf(ex->balance_from, sizeof(ex->balance_from),
				 "%s's default", m->drv->kind);
	}
	if (!ex->read_timeout_ms && m->timeout_ms) {
		ex->read_timeout_ms = m->timeout_ms;
		if (m->timeout_line)
			snprintf(ex->read_timeout_from,
				 sizeof(ex->read_timeout_from), "%s:%u",
				 m->file, m->timeout_line);
		else
			snprintf(ex->read_timeout_from,
				 sizeof(ex->read_timeout_from), "%s's default",
				 m->drv->kind);
	}
	if (b->ca[0] && !cfg->insecure && !cfg->ca_file)
		cfg->ca_file = b->ca;
	return 0;
}

int check_proxy_backends(struct backends *bs, const struct proxy_model *m,
			 struct proxy_box *b, char *err, size_t errlen)
{
	int tries, i, k;

	for (tries = 1;; tries++) {
		if (backends_start_all(bs, err, errlen) == 0)
			return 0;
		if (tries == BACKEND_TRIES ||
		    !strcasestr(err, "address already in use"))
			return -1;
		/* bs's entries are m's non-backup servers, in order */
		if (proxy_box_new_backends(m, b, err, errlen) < 0)
			return -1;
		for (i = 0, k = 0; i < m->nb; i++)
			if (!m->b[i].backup)
				stand_in(b, i, bs->b[k++].addr,
					 sizeof(bs->b[0].addr));
	}
}

int check_proxy_start(struct check_config *cfg, const struct proxy_model *m,
		      struct proxy_box *b, char *err, size_t errlen)
{
	if (proxy_start(m, b, err, errlen) < 0)
		return -1;
	if (m->drv->reload_sig) {
		cfg->reload_pid = b->pid;
		cfg->reload_sig = m->drv->reload_sig;
	} else if (b->reload_cmd[0]) {
		cfg->reload_cmd = b->reload_cmd;
	}
	return 0;
}

void check_proxy_sandbox(const struct proxy_model *m,
			 const struct proxy_box *b, struct sandbox *sb)
{
	int i;

	snprintf(sb->cert, sizeof(sb->cert), "%s", b->cert);
	for (i = 0; i < b->nnotes && sb->nnotes < SANDBOX_MAX_NOTES; i++) {
		struct sandbox_note *n = &sb->notes[sb->nnotes++];

		n->at.file = b->note[i].line ? m->file : NULL;
		n->at.line = b->note[i].line;
		snprintf(n->text, sizeof(n->text), "%s", b->note[i].text);
	}
	for (i = 0; i < m->nlisten && sb->nports < SANDBOX_MAX_PORTS; i++) {
		struct sandbox_port *p = &sb->ports[sb->nports++];

		snprintf(p->from.host, sizeof(p->from.host), "%s",
			 strcmp(m->listen[i].host, "*") ? m->listen[i].host : "");
		p->from.port = (uint16_t)m->listen[i].port;
		p->to = b->listen[i];
	}
	for (i = 0; i < m->nb && sb->nhosts < SANDBOX_MAX_HOSTS; i++) {
		struct sandbox_host *h = &sb->hosts[sb->nhosts++];

		snprintf(h->from, sizeof(h->from), "%s", m->b[i].addr);
		h->to = b->backend[i];
		h->live = !m->b[i].backup;
	}
}
