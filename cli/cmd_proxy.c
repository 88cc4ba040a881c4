/*
 * cmd_proxy.c - `wsctl proxy`: options into a struct proxy_config, then
 * proxy/ does the work.  A --config file is read first and the other
 * options override it.  Prints the bound addresses on stdout once the
 * sockets are open, so that a script can start it on port 0.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/units.h"
#include "proxy/lb.h"
#include "proxy/proxy.h"

static const char help[] =
"usage: wsctl proxy --listen ADDR --upstream ADDR[,PARAMS] [options]\n"
"       wsctl proxy --config FILE [options]\n"
"\n"
"Relay WebSocket and HTTP/1.1 connections to upstreams, balanced, as\n"
"nginx does with proxy_pass, the Upgrade and Connection headers and\n"
"X-Forwarded-For.\n"
"\n"
"  -c, --config FILE             settings as JSON (see docs/proxy.md);\n"
"                                options given here override the file\n"
"  -l, --listen ADDR             address to listen on (repeatable):\n"
"                                0.0.0.0:80, :8080, [::1]:8080, 127.0.0.1:0\n"
"  -u, --upstream ADDR[,PARAMS]  an upstream (repeatable); PARAMS, comma\n"
"                                separated: weight=N (1), max_fails=N (1),\n"
"                                fail_timeout=DURATION (10s)\n"
"  -b, --balance NAME            round-robin (default), ip-hash, least-conn\n"
"      --tls-cert FILE           serve TLS (wss://, https://) on every\n"
"      --tls-key FILE            listener with this PEM chain and key\n"
"      --connect-timeout DUR     to connect to an upstream (5s)\n"
"      --read-timeout DUR        close a connection idle both ways this\n"
"                                long (60s)\n"
"      --handshake-timeout DUR   for a client to send its request head,\n"
"                                TLS handshake included (10s)\n"
"      --max-connections N       answer 503 beyond N client connections\n"
"                                (default: what the descriptor limit allows)\n"
"      --drain DUR               on SIGTERM, time open connections get to\n"
"                                finish (5s)\n"
"      --access-log FILE|-       one line per request or tunnel\n"
"      --log-format FORMAT       of the access log: text (default), json\n"
"      --status-listen ADDR      serve JSON stats on this address\n"
"      --workers N               N processes sharing the listeners with\n"
"                                SO_REUSEPORT (1)\n"
"      --busy-poll US            after finding events, look for more this\n"
"                                many microseconds before sleeping (0: off,\n"
"                                the default; at most 10000)\n"
"  -t, --test-config             check the options and --config (and the\n"
"                                certificates) and exit: 0, or 2 with the\n"
"                                error, binding nothing (as nginx -t)\n"
"      --pid-file FILE           write the pid there once listening;\n"
"                                removed on exit\n"
"  -q, --quiet                   no log lines on stderr\n"
"  -h, --help                    show this help\n"
"\n"
"Durations: 300ms, 5s, 2m, 1h.  Prints \"listening on ADDR\" for each\n"
"socket, then serves until SIGTERM or SIGINT; SIGHUP reloads the options\n"
"and --config (open tunnels stay), SIGUSR1 reopens the access log.  Exit\n"
"status: 0 after a signal, 2 for a usage or setup error.\n";

/* -t and --pid-file: the first command line's, not a reload's */
static int test_only;
static const char *pid_file;

enum {
	OPT_CONNECT_TIMEOUT = 256,
	OPT_READ_TIMEOUT,
	OPT_HANDSHAKE_TIMEOUT,
	OPT_MAX_CONNECTIONS,
	OPT_DRAIN,
	OPT_TLS_CERT,
	OPT_TLS_KEY,
	OPT_ACCESS_LOG,
	OPT_LOG_FORMAT,
	OPT_STATUS_LISTEN,
	OPT_WORKERS,
	OPT_BUSY_POLL,
	OPT_PID_FILE,
};

static const struct option options[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "listen", required_argument, NULL, 'l' },
	{ "upstream", required_argument, NULL, 'u' },
	{ "balance", required_argument, NULL, 'b' },
	{ "connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT },
	{ "read-timeout", required_argument, NULL, OPT_READ_TIMEOUT },
	{ "handshake-timeout", required_argument, NULL, OPT_HANDSHAKE_TIMEOUT },
	{ "max-connections", required_argument, NULL, OPT_MAX_CONNECTIONS },
	{ "drain", required_argument, NULL, OPT_DRAIN },
	{ "tls-cert", required_argument, NULL, OPT_TLS_CERT },
	{ "tls-key", required_argument, NULL, OPT_TLS_KEY },
	{ "access-log", required_argument, NULL, OPT_ACCESS_LOG },
	{ "log-format", required_argument, NULL, OPT_LOG_FORMAT },
	{ "status-listen", required_argument, NULL, OPT_STATUS_LISTEN },
	{ "workers", required_argument, NULL, OPT_WORKERS },
	{ "busy-poll", required_argument, NULL, OPT_BUSY_POLL },
	{ "test-config", no_argument, NULL, 't' },
	{ "pid-file", required_argument, NULL, OPT_PID_FILE },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Why the options are wrong, into err; returns EXIT_USAGE. */
static int bad(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return EXIT_USAGE;
}

/* A positive duration for option name. */
static int duration(const char *name, const char *s, int64_t *ms,
		    char *err, size_t errlen)
{
	if (units_duration(s, ms) < 0 || *ms <= 0)
		return bad(err, errlen, "bad duration '%s' for --%s", s, name);
	return 0;
}

/* A whole number in [1, max] for option name. */
static int count(const char *name, const char *s, unsigned long max,
		 unsigned *v, char *err, size_t errlen)
{
	char *end;
	unsigned long n = strtoul(s, &end, 10);

	if (*s < '1' || *s > '9' || *end || n > max)
		return bad(err, errlen, "bad number '%s' for --%s", s, name);
	*v = n;
	return 0;
}

/*
 * The first pass: only --config, so that the file is read first and the
 * other options, read next, override it.  Errors wait for the second.
 */
static int load_config(int argc, char **argv, struct proxy_config *cfg,
		       char *err, size_t errlen)
{
	const char *path = NULL;
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":c:l:u:b:qth", options, NULL)) !=
	       -1)
		if (c == 'c')
			path = optarg;
	if (!path)
		return 0;
	if (proxy_config_load(cfg, path, err, errlen) < 0)
		return EXIT_USAGE;
	return 0;
}

/*
 * The second pass, over the file's settings.  Returns 0, -1 for --help,
 * or EXIT_USAGE with err filled (empty: the message is printed).
 */
static int parse(int argc, char **argv, struct proxy_config *cfg,
		 char *err, size_t errlen)
{
	const char *cert = NULL, *key = NULL;
	int cli_listen = 0, cli_upstream = 0;
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":c:l:u:b:qth", options, NULL)) != -1) {
		switch (c) {
		case 'c':
			break;		/* read by load_config */
		case 'l':
			/* the command line's list replaces the file's */
			if (!cli_listen++)
				cfg->nlisten = 0;
			if (cfg->nlisten == PROXY_MAX_LISTEN)
				return bad(err, errlen, "at most %d --listen",
						 PROXY_MAX_LISTEN);
			memset(&cfg->listen[cfg->nlisten], 0,
			       sizeof(cfg->listen[0]));
			cfg->listen[cfg->nlisten++].addr = optarg;
			break;
		case 'u':
			if (!cli_upstream++)
				cfg->nupstreams = 0;
			if (cfg->nupstreams == PROXY_MAX_UPSTREAMS)
				return bad(err, errlen, "at most %d --upstream",
						 PROXY_MAX_UPSTREAMS);
			if (proxy_parse_upstream(optarg,
					&cfg->upstreams[cfg->nupstreams],
					err, errlen) < 0)
				return EXIT_USAGE;
			cfg->nupstreams++;
			break;
		case 'b':
			if (!lb_find(optarg))
				return bad(err, errlen, "unknown balance '%s' "
						 "(round-robin, ip-hash, "
						 "least-conn)", optarg);
			cfg->balance = optarg;
			break;
		case OPT_TLS_CERT:
			cert = optarg;
			break;
		case OPT_TLS_KEY:
			key = optarg;
			break;
		case OPT_CONNECT_TIMEOUT:
			if (duration("connect-timeout", optarg,
				     &cfg->connect_timeout_ms, err, errlen))
				return EXIT_USAGE;
			break;
		case OPT_READ_TIMEOUT:
			if (duration("read-timeout", optarg,
				     &cfg->read_timeout_ms, err, errlen))
				return EXIT_USAGE;
			break;
		case OPT_HANDSHAKE_TIMEOUT:
			if (duration("handshake-timeout", optarg,
				     &cfg->handshake_timeout_ms, err, errlen))
				return EXIT_USAGE;
			break;
		case OPT_DRAIN:
			/* 0 is fine here: close at once */
			if (units_duration(optarg, &cfg->drain_ms) < 0)
				return bad(err, errlen, "bad duration '%s' for "
						 "--drain", optarg);
			break;
		case OPT_MAX_CONNECTIONS:
			if (count("max-connections", optarg, 1000000,
				  &cfg->max_connections, err, errlen))
				return EXIT_USAGE;
			break;
		case OPT_ACCESS_LOG:
			cfg->access_log = optarg;
			break;
		case OPT_LOG_FORMAT:
			if (!strcmp(optarg, "text"))
				cfg->log_format = PROXY_LOG_TEXT;
			else if (!strcmp(optarg, "json"))
				cfg->log_format = PROXY_LOG_JSON;
			else
				return bad(err, errlen, "unknown log format '%s' "
						 "(text, json)", optarg);
			break;
		case OPT_STATUS_LISTEN:
			cfg->status_listen = optarg;
			break;
		case OPT_BUSY_POLL:
			/* 0 is fine here: off */
			cfg->busy_poll_us = 0;
			if (strcmp(optarg, "0") && count("busy-poll", optarg,
				  PROXY_MAX_BUSY_POLL_US, &cfg->busy_poll_us,
				  err, errlen))
				return EXIT_USAGE;
			break;
		case OPT_WORKERS:
			if (count("workers", optarg, PROXY_MAX_WORKERS,
				  &cfg->workers, err, errlen))
				return EXIT_USAGE;
			break;
		case 'q':
			cfg->log_fd = -1;
			break;
		case 't':
			test_only = 1;
			break;
		case OPT_PID_FILE:
			if (!optarg[0])
				return bad(err, errlen, "empty --pid-file");
			pid_file = optarg;
			break;
		case 'h':
			cli_help(help);
			return -1;
		default:
			err[0] = 0;
			return cli_bad_option(argv[0], c, argv);
		}
	}
	if (optind < argc)
		return bad(err, errlen, "unexpected argument '%s'", argv[optind]);
	if (!cert != !key)
		return bad(err, errlen, "--tls-cert and --tls-key go together");
	for (int i = 0; cert && i < cfg->nlisten; i++) {
		cfg->listen[i].tls_cert = cert;
		cfg->listen[i].tls_key = key;
	}
	if (cfg->nlisten == 0)
		return bad(err, errlen, "--listen is required");
	if (cfg->nupstreams == 0)
		return bad(err, errlen, "--upstream is required");
	return 0;
}

/* Both passes into cfg, which the caller set up with proxy_config_init. */
static int read_all(int argc, char **argv, struct proxy_config *cfg,
		    char *err, size_t errlen)
{
	int r = load_config(argc, argv, cfg, err, errlen);

	return r ? r : parse(argc, argv, cfg, err, errlen);
}

struct args {
	int argc;
	char **argv;
};

/* SIGHUP: the same command line, over the --config file as it is now */
static struct proxy_config *reread(void *arg, char *err, size_t errlen)
{
	const struct args *a = arg;
	struct proxy_config *cfg = calloc(1, sizeof(*cfg));

	if (!cfg) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	proxy_config_init(cfg);
	err[0] = 0;
	if (read_all(a->argc, a->argv, cfg, err, errlen) != 0) {
		if (!err[0])
			snprintf(err, errlen, "the command line no longer reads");
		proxy_config_fini(cfg);
		free(cfg);
		return NULL;
	}
	return cfg;
}

static int write_pid(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "w");

	if (!f || fprintf(f, "%ld\n", (long)getpid()) < 0 || fclose(f) != 0) {
		snprintf(err, errlen, "cannot write --pid-file '%s'", path);
		return -1;
	}
	return 0;
}

int cmd_proxy(int argc, char **argv)
{
	static struct proxy_config cfg;
	static struct args args;
	struct proxy *px;
	char err[400] = "", line[120];
	pid_t owner;
	int r;

	proxy_config_init(&cfg);
	if (load_config(argc, argv, &cfg, err, sizeof(err)) != 0) {
		cli_err(argv[0], "%s", err);
		proxy_config_fini(&cfg);
		return EXIT_USAGE;
	}
	r = parse(argc, argv, &cfg, err, sizeof(err));
	if (r != 0) {
		proxy_config_fini(&cfg);
		if (r > 0 && err[0])
			cli_usage(argv[0], "%s", err);
		return r < 0 ? EXIT_OK : r;	/* r < 0: --help */
	}
	if (test_only) {
		r = proxy_config_test(&cfg, err, sizeof(err));
		if (r < 0)
			cli_err(argv[0], "%s", err);
		else
			printf("wsctl proxy: the configuration is ok\n");
		proxy_config_fini(&cfg);
		return r < 0 ? EXIT_USAGE : EXIT_OK;
	}
	px = proxy_open(&cfg, err, sizeof(err));
	if (!px) {
		cli_err(argv[0], "%s", err);
		proxy_config_fini(&cfg);
		return EXIT_USAGE;
	}
	args.argc = argc;
	args.argv = argv;
	proxy_on_reload(px, reread, &args);
	if (pid_file && write_pid(pid_file, err, sizeof(err)) < 0) {
		cli_err(argv[0], "%s", err);
		proxy_free(px);
		proxy_config_fini(&cfg);
		return EXIT_USAGE;
	}
	owner = getpid();
	for (int i = 0; proxy_address(px, i, line, sizeof(line)); i++)
		printf("%s\n", line);
	fflush(stdout);
	/* with --workers this returns in each worker and in the parent */
	r = proxy_serve(px, err, sizeof(err));
	/* serve returns in each worker too: the file is the parent's */
	if (pid_file && getpid() == owner)
		unlink(pid_file);
	proxy_free(px);
	proxy_config_fini(&cfg);
	if (r < 0) {
		cli_err(argv[0], "%s", err);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}
