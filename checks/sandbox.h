/*
 * sandbox.h - a copy of a production nginx config that runs here: in a
 * temporary prefix, on loopback, as root or not, without the network.
 *
 * sandbox_make writes one file, PREFIX/nginx.conf, with every include
 * inlined and these changes, each listed in notes with the line it
 * changed:
 *   - every listen moves to a free loopback port, keeping its flags but
 *     proxy_protocol (the checker connects directly); "ssl on" becomes
 *     ssl on the server's listens; a server without listen gets one for
 *     nginx's *:80;
 *   - every certificate and key becomes one made here for the config's
 *     server names, which the checker trusts; client certificates,
 *     dhparams, stapling and session ticket keys go;
 *   - every upstream server and every host a proxy_pass names, directly
 *     or through "set" variables, becomes a loopback address where a
 *     stand-in backend will listen (down and backup servers: a socket
 *     nobody listens on); https upstreams become http; other *_pass
 *     directives point at a socket nobody listens on; resolver goes;
 *   - user, pid, daemon, lock_file, worker_rlimit_*, working_directory,
 *     worker_priority, worker_cpu_affinity and every error_log go, and
 *     wsctl's own pid, error log and daemon off come first; access logs,
 *     temp and cache paths move into the prefix (nginx's compiled-in
 *     ones are set there too); stream and mail blocks go;
 *   - the missing pieces of the shape are added: events, an http block
 *     around a conf.d snippet, a server around bare locations;
 *   - with time_div > 1, every timeout (proxy_{read,send,connect}_timeout,
 *     keepalive_timeout, client_{header,body}_timeout, send_timeout, an
 *     upstream server's fail_timeout), nginx's defaults where they are
 *     absent included, is divided by it, so a run that waits for them
 *     takes seconds.
 * Nothing else changes: worker_processes, timeouts, headers, maps and
 * balancing are what production runs.
 */
#ifndef WSCTL_SANDBOX_H
#define WSCTL_SANDBOX_H

#include <stddef.h>

#include "checks/nginx_conf.h"
#include "checks/nginx_write.h"
#include "common/addr.h"

#define SANDBOX_MAX_PORTS	64
#define SANDBOX_MAX_HOSTS	64
#define SANDBOX_MAX_NOTES	256
#define SANDBOX_MIN_MS		2000	/* the shortest divided timeout */

struct sandbox_note {
	struct nginx_pos at;	/* the line changed; file NULL: the whole */
	char text[300];		/* "listen 443 ssl http2 -> 127.0.0.1:41234" */
};

struct sandbox_port {		/* a listen address and where it went */
	struct hostport from;	/* host "" for every address; unix: below */
	char from_unix[200];	/* "unix:/run/x.sock" listens, else "" */
	struct hostport to;	/* 127.0.0.1 or ::1, a free port */
};

struct sandbox_host {		/* an upstream address and its stand-in */
	char from[300];		/* "app:3000", "10.0.0.5:80", "unix:/x.sock" */
	struct hostport to;	/* 127.0.0.1, a free port */
	int live;		/* 0: only down or backup uses it, nobody
				   listens there (to is unused) */
};

struct sandbox_pass {		/* a proxy_pass with variables, evaluated */
	struct nginx_pos at;
	int host;		/* index in hosts, or -1 */
	char upstream[128];	/* the upstream block it names, or "" */
};

struct sandbox {
	int time_div;			/* timeouts of the copy are the config's
					   divided by this: at most what the
					   caller sets (0 or 1: as written),
					   less when a timeout would get
					   shorter than SANDBOX_MIN_MS */
	char prefix[256];		/* $TMPDIR/wsctl-nginx-XXXXXX */
	char conf[300];			/* PREFIX/nginx.conf */
	char cert[300];			/* PREFIX/cert.pem, "" without TLS */
	char key[300];
	struct nginx_writer w;		/* its line map */
	struct sandbox_note notes[SANDBOX_MAX_NOTES];
	size_t nnotes, dropped_notes;	/* past SANDBOX_MAX_NOTES */
	struct sandbox_port ports[SANDBOX_MAX_PORTS];
	size_t nports;
	struct sandbox_host hosts[SANDBOX_MAX_HOSTS];
	size_t nhosts;
	struct sandbox_pass passes[SANDBOX_MAX_HOSTS];
	size_t npasses;
	char words[64 * 1024];		/* the rewritten words */
	size_t words_used;
};

/*
 * Write the sandboxed copy of c (read with NGINX_READ_MISSING_OK; its
 * missing includes become notes) into a fresh prefix under $TMPDIR, and
 * its certificate when a server listens with TLS.  sb is the caller's,
 * zeroed.  Returns 0, or -1 with err filled (and the prefix removed).
 */
int sandbox_make(struct sandbox *sb, const struct nginx_conf *c, char *err,
		 size_t errlen);

/* Where the listen l of the model went, or NULL. */
const struct sandbox_port *sandbox_port(const struct sandbox *sb,
					const struct nginx_listen *l);

/*
 * The stand-in for an upstream address as a config writes it
 * ("app:3000", "localhost:8010", "unix:/x.sock"; port 80 when none), or
 * NULL.
 */
const struct sandbox_host *sandbox_host(const struct sandbox *sb,
					const char *addr);

/*
 * What the proxy_pass with variables at at sends to, as "set" lines of
 * the config give it: the stand-in host, or the upstream block's name
 * into upstream[128].  Returns 1 (host), 0 (upstream) or -1 (not known
 * here).
 */
int sandbox_pass(const struct sandbox *sb, const struct nginx_pos *at,
		 const struct sandbox_host **host, const char **upstream);

/*
 * Turn every "PREFIX/nginx.conf:N" in msg (nginx's words about the copy)
 * into the user's "FILE:LINE", in place.
 */
void sandbox_translate(const struct sandbox *sb, char *msg, size_t len);

/* Remove the prefix and free the line map.  A zeroed sb is fine. */
void sandbox_free(struct sandbox *sb);

#endif
