/*
 * reload.c - SIGHUP: a new configuration for new connections, while
 * the open ones finish under the old, as nginx's reload does with old
 * and new workers, but in one process: each connection holds the
 * generation (struct gen) it was accepted under.
 *
 * A reload is all or nothing.  The new config is read, its upstreams
 * resolved, its certificates loaded, its access log and new listening
 * addresses opened; when any of that fails, the proxy says why and goes
 * on as it was.  Listening sockets on addresses both configs have stay
 * open throughout, so a client never finds the port closed.  Idle
 * keep-alive connections are closed (none of them is in a request), the
 * others serve their request and close; tunnels stay until they end.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/err.h"
#include "proxy/listen.h"

struct gen *gen_new(const struct proxy_config *cfg, char *err,
		    size_t errlen)
{
	struct gen *g = calloc(1, sizeof(*g));

	if (!g) {
		err_fmt(err, errlen, "out of memory");
		return NULL;
	}
	g->cfg = cfg;
	g->refs = 1;
	if (lb_init(&g->lb, cfg, err, errlen) < 0) {
		free(g);
		return NULL;
	}
	for (int i = 0; i < cfg->nlisten; i++) {
		const struct proxy_listen *l = &cfg->listen[i];

		if (!l->tls_cert != !l->tls_key) {
			err_fmt(err, errlen, "listen %s: a tls certificate "
				"needs a key, and a key a certificate",
				l->addr);
			goto fail;
		}
		if (l->tls_cert && !(g->tls[i] = side_tls_ctx(l, err, errlen)))
			goto fail;
	}
	return g;
fail:
	gen_put(g);
	return NULL;
}

void gen_put(struct gen *g)
{
	if (--g->refs)
		return;
	for (int i = 0; i < PROXY_MAX_LISTEN; i++)
		side_tls_ctx_free(g->tls[i]);
	lb_fini(&g->lb);
	if (g->own) {
		proxy_config_fini(g->own);
		free(g->own);
	}
	free(g);
}

void proxy_reload(struct proxy *px)
{
	struct proxy_config *cfg;
	struct gen *g, *old = px->gen;
	char err[400] = "";
	unsigned stay = 0;
	int logfd;

	if (!(cfg = px->reload(px->reload_arg, err, sizeof(err)))) {
		px_log(px, "reload: %s; the running configuration stays", err);
		return;
	}
	if (!(g = gen_new(cfg, err, sizeof(err)))) {
		proxy_config_fini(cfg);
		free(cfg);
		px_log(px, "reload: %s; the running configuration stays", err);
		return;
	}
	g->own = cfg;
	if (alog_open(cfg, &logfd, err, sizeof(err)) < 0)
		goto fail;
	/* workers each hold their own share of the listening sockets,
	 * made before the fork: those cannot change here */
	if (cfg->workers != px->cfg->workers ||
	    (cfg->workers > 1 && !listen_same(px->cfg, cfg))) {
		err_fmt(err, sizeof(err), "--workers, and the listeners with "
			"more than one worker, change only with a restart");
		goto fail_log;
	}
	if (cfg->workers > 1)
		listen_retls(px, g);
	else if (listen_reopen(px, g, err, sizeof(err)) < 0)
		goto fail_log;
	if (px->alog_fd > STDERR_FILENO)
		close(px->alog_fd);
	px->alog_fd = logfd;
	px->gen = g;
	px->cfg = cfg;
	loop_set_poll(px->loop, cfg->busy_poll_us);
	px_set_limit(px);
	conn_drain(px);
	for (struct conn *c = px->conns; c; c = c->next)
		stay += !c->status;
	gen_put(old);
	px_log(px, "reloaded: %d listener%s, %d upstream%s (%s); %u "
	       "connection%s on the old configuration until %s",
	       cfg->nlisten, cfg->nlisten == 1 ? "" : "s", cfg->nupstreams,
	       cfg->nupstreams == 1 ? "" : "s", g->lb.ops->name, stay,
	       stay == 1 ? " stays" : "s stay", stay == 1 ? "it ends" :
	       "they end");
	return;
fail_log:
	if (logfd > STDERR_FILENO)
		close(logfd);
fail:
	gen_put(g);
	px_log(px, "reload: %s; the running configuration stays", err);
}
