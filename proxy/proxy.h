/*
 * proxy.h - wsctl proxy: a balancing reverse proxy for WebSocket and
 * plain HTTP/1.1, one thread, one epoll loop.  cli/cmd_proxy.c fills a
 * struct proxy_config; proxy_open binds and resolves everything that can
 * fail at start, proxy_run serves until SIGTERM or SIGINT.
 *
 * Opening and running are apart so that a caller can print the bound
 * addresses in between, and so that a later --workers can fork after
 * proxy_open and share the listening sockets.
 */
#ifndef WSCTL_PROXY_H
#define WSCTL_PROXY_H

#include <stddef.h>
#include <stdint.h>

#define PROXY_MAX_LISTEN 8
#define PROXY_MAX_UPSTREAMS 64	/* a request's tried set is one uint64_t */
#define PROXY_HEAD_MAX 16384	/* the longest request or response head */
#define PROXY_MAX_WORKERS 64

struct proxy_upstream {
	char host[256];
	uint16_t port;
	unsigned weight;		/* 1..1000; share of the traffic */
	unsigned max_fails;		/* 0: never taken out */
	int64_t fail_timeout_ms;	/* how long it stays out */
};

/* A listening address; with a certificate and key it speaks TLS. */
struct proxy_listen {
	const char *addr;
	const char *tls_cert;		/* PEM chain; NULL: plain */
	const char *tls_key;		/* PEM key */
};

enum proxy_log_format { PROXY_LOG_TEXT, PROXY_LOG_JSON };

#define PROXY_MAX_BUSY_POLL_US 10000	/* --busy-poll's ceiling: 10 ms */

struct proxy_config {
	struct proxy_listen listen[PROXY_MAX_LISTEN];
	int nlisten;
	struct proxy_upstream upstreams[PROXY_MAX_UPSTREAMS];
	int nupstreams;
	const char *balance;		/* a balancer's name: "round-robin" */
	int64_t connect_timeout_ms;
	int64_t read_timeout_ms;	/* idle time, both directions */
	int64_t handshake_timeout_ms;	/* to send a whole request head */
	int64_t drain_ms;		/* grace for open tunnels at exit */
	unsigned max_connections;	/* 0: as many as descriptors allow */
	int log_fd;			/* one line per notable event; -1: none */
	const char *access_log;		/* a path, "-" for stdout, NULL: none */
	int log_format;			/* enum proxy_log_format */
	const char *status_listen;	/* JSON stats served here; NULL: none */
	unsigned workers;		/* processes; 1: no fork */
	unsigned busy_poll_us;		/* loop_set_poll(); 0: off */
	void *json;			/* the --config tree the strings live in */
};

struct proxy;

/*
 * Where a reload gets its configuration: a new one, allocated, which the
 * proxy then owns (proxy_config_fini, then free); or NULL with err
 * filled ("px.json: upstreams[1]: bad weight ...").
 */
typedef struct proxy_config *proxy_reload_fn(void *arg, char *err,
					     size_t errlen);

/* Fill *cfg with the defaults (nginx's where nginx has one). */
void proxy_config_init(struct proxy_config *cfg);

/*
 * Read the JSON configuration file path into *cfg, over what it holds
 * (config_json.c; docs/proxy.md has the schema).  Strings in cfg then
 * point into the parsed file, which proxy_config_fini frees.  Returns 0,
 * or -1 with err naming the file and the field: "px.json: upstreams[1]:
 * bad weight in '127.0.0.1:1,weight=0'".
 */
int proxy_config_load(struct proxy_config *cfg, const char *path,
		      char *err, size_t errlen);

/* Free what proxy_config_load kept. */
void proxy_config_fini(struct proxy_config *cfg);

/*
 * Parse an upstream as given to --upstream: "ADDR[,weight=N]
 * [,max_fails=N][,fail_timeout=DURATION]" into *u, defaults filled in.
 * Returns 0, or -1 with err filled ("bad weight in '127.0.0.1:1,weight=0'").
 */
int proxy_parse_upstream(const char *spec, struct proxy_upstream *u,
			 char *err, size_t errlen);

/*
 * Check cfg, raise the descriptor limit, resolve the upstreams and open
 * the listening sockets.  cfg must outlive the proxy.  Returns the proxy,
 * or NULL with err filled.
 */
struct proxy *proxy_open(const struct proxy_config *cfg, char *err,
			 size_t errlen);

/*
 * What proxy_open would find wrong in cfg short of binding (as nginx
 * -t): every listener's certificate and key load and match.  Returns 0,
 * or -1 with err filled.
 */
int proxy_config_test(const struct proxy_config *cfg, char *err,
		      size_t errlen);

/*
 * On SIGHUP, reload through fn: the new config's listeners, upstreams,
 * balancer, certificates, timeouts and logs take over for new
 * connections, while open tunnels and requests finish under the old
 * one (proxy/reload.c).  Without it, SIGHUP reopens the access log.
 */
void proxy_on_reload(struct proxy *px, proxy_reload_fn *fn, void *arg);

/*
 * The line to print for listening address i: "listening on
 * 127.0.0.1:41235", "listening on 127.0.0.1:41236 (tls)", "stats on
 * 127.0.0.1:41237"; NULL past the last one.
 */
const char *proxy_address(struct proxy *px, int i, char *buf, size_t len);

/*
 * The proxy as cfg->workers processes (workers.c): fork them, each
 * running proxy_run on its own share of the listening sockets, pass
 * SIGTERM, SIGINT and SIGHUP on to them, start a worker again when one
 * dies of something else, and return once all have ended after a
 * signal.  With one worker this is proxy_run.  It returns in every
 * process: in a worker when that worker is done (as proxy_run), in the
 * parent after the last worker.  Returns 0, or -1 with err filled (a
 * fork failed at start, or a worker failed).
 */
int proxy_serve(struct proxy *px, char *err, size_t errlen);

/*
 * Serve until SIGTERM or SIGINT, then stop accepting, give open
 * connections cfg->drain_ms to finish, and close the rest.  SIGHUP
 * reloads (proxy_on_reload), SIGUSR1 reopens the access log.  Returns 0, or
 * -1 with err filled when the loop itself failed.
 */
int proxy_run(struct proxy *px, char *err, size_t errlen);

/* Close everything proxy_open opened and free px. */
void proxy_free(struct proxy *px);

#endif
