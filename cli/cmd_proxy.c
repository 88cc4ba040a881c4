/*
 * cmd_proxy.c - `wsctl proxy`: options into a struct proxy_config, then
 * proxy/ does the work.  Prints the bound addresses on stdout once the
 * sockets are open, so that a script can start it on port 0.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/units.h"
#include "proxy/lb.h"
#include "proxy/proxy.h"

static const char help[] =
"usage: wsctl proxy --listen ADDR --upstream ADDR[,PARAMS] [options]\n"
"\n"
"Relay WebSocket and HTTP/1.1 connections to upstreams, balanced, as\n"
"nginx does with proxy_pass, the Upgrade and Connection headers and\n"
"X-Forwarded-For.\n"
"\n"
"  -l, --listen ADDR             address to listen on (repeatable):\n"
"                                0.0.0.0:80, :8080, [::1]:8080, 127.0.0.1:0\n"
"  -u, --upstream ADDR[,PARAMS]  an upstream (repeatable); PARAMS, comma\n"
"                                separated: weight=N (1), max_fails=N (1),\n"
"                                fail_timeout=DURATION (10s)\n"
"  -b, --balance NAME            round-robin (default), ip-hash, least-conn\n"
"      --connect-timeout DUR     to connect to an upstream (5s)\n"
"      --read-timeout DUR        close a connection idle both ways this\n"
"                                long (60s)\n"
"      --handshake-timeout DUR   for a client to send its request head (10s)\n"
"      --max-connections N       answer 503 beyond N client connections\n"
"                                (default: what the descriptor limit allows)\n"
"      --drain DUR               on SIGTERM, time open connections get to\n"
"                                finish (5s)\n"
"  -q, --quiet                   no log lines on stderr\n"
"  -h, --help                    show this help\n"
"\n"
"Durations: 300ms, 5s, 2m, 1h.  Prints \"listening on ADDR\" for each\n"
"socket, then serves until SIGTERM or SIGINT.  Exit status: 0 after a\n"
"signal, 2 for a usage or setup error.\n";

enum {
	OPT_CONNECT_TIMEOUT = 256,
	OPT_READ_TIMEOUT,
	OPT_HANDSHAKE_TIMEOUT,
	OPT_MAX_CONNECTIONS,
	OPT_DRAIN,
};

static const struct option options[] = {
	{ "listen", required_argument, NULL, 'l' },
	{ "upstream", required_argument, NULL, 'u' },
	{ "balance", required_argument, NULL, 'b' },
	{ "connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT },
	{ "read-timeout", required_argument, NULL, OPT_READ_TIMEOUT },
	{ "handshake-timeout", required_argument, NULL, OPT_HANDSHAKE_TIMEOUT },
	{ "max-connections", required_argument, NULL, OPT_MAX_CONNECTIONS },
	{ "drain", required_argument, NULL, OPT_DRAIN },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* A positive duration for option name. */
static int duration(const char *cmd, const char *name, const char *s,
		    int64_t *ms)
{
	if (units_duration(s, ms) < 0 || *ms <= 0)
		return cli_usage(cmd, "bad duration '%s' for --%s", s, name);
	return 0;
}

static int parse(int argc, char **argv, struct proxy_config *cfg)
{
	const char *cmd = argv[0];
	char err[300];
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":l:u:b:qh", options, NULL)) != -1) {
		char *end;
		unsigned long n;

		switch (c) {
		case 'l':
			if (cfg->nlisten == PROXY_MAX_LISTEN)
				return cli_usage(cmd, "at most %d --listen",
						 PROXY_MAX_LISTEN);
			cfg->listen[cfg->nlisten++] = optarg;
			break;
		case 'u':
			if (cfg->nupstreams == PROXY_MAX_UPSTREAMS)
				return cli_usage(cmd, "at most %d --upstream",
						 PROXY_MAX_UPSTREAMS);
			if (proxy_parse_upstream(optarg,
					&cfg->upstreams[cfg->nupstreams],
					err, sizeof(err)) < 0)
				return cli_usage(cmd, "%s", err);
			cfg->nupstreams++;
			break;
		case 'b':
			if (!lb_find(optarg))
				return cli_usage(cmd, "unknown balance '%s' "
						 "(round-robin, ip-hash, "
						 "least-conn)", optarg);
			cfg->balance = optarg;
			break;
		case OPT_CONNECT_TIMEOUT:
			if (duration(cmd, "connect-timeout", optarg,
				     &cfg->connect_timeout_ms))
				return EXIT_USAGE;
			break;
		case OPT_READ_TIMEOUT:
			if (duration(cmd, "read-timeout", optarg,
				     &cfg->read_timeout_ms))
				return EXIT_USAGE;
			break;
		case OPT_HANDSHAKE_TIMEOUT:
			if (duration(cmd, "handshake-timeout", optarg,
				     &cfg->handshake_timeout_ms))
				return EXIT_USAGE;
			break;
		case OPT_DRAIN:
			/* 0 is fine here: close at once */
			if (units_duration(optarg, &cfg->drain_ms) < 0)
				return cli_usage(cmd, "bad duration '%s' for "
						 "--drain", optarg);
			break;
		case OPT_MAX_CONNECTIONS:
			n = strtoul(optarg, &end, 10);
			if (*optarg < '1' || *optarg > '9' || *end ||
			    n > 1000000)
				return cli_usage(cmd, "bad number '%s' for "
						 "--max-connections", optarg);
			cfg->max_connections = n;
			break;
		case 'q':
			cfg->log_fd = -1;
			break;
		case 'h':
			cli_help(help);
			return -1;
		default:
			return cli_bad_option(cmd, c, argv);
		}
	}
	if (optind < argc)
		return cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
	if (cfg->nlisten == 0)
		return cli_usage(cmd, "--listen is required");
	if (cfg->nupstreams == 0)
		return cli_usage(cmd, "--upstream is required");
	return 0;
}

int cmd_proxy(int argc, char **argv)
{
	static struct proxy_config cfg;
	struct proxy *px;
	char err[400], addr[80];
	int r;

	proxy_config_init(&cfg);
	r = parse(argc, argv, &cfg);
	if (r < 0)
		return EXIT_OK;		/* --help */
	if (r > 0)
		return r;
	px = proxy_open(&cfg, err, sizeof(err));
	if (!px) {
		cli_err(argv[0], "%s", err);
		return EXIT_USAGE;
	}
	for (int i = 0; proxy_address(px, i, addr, sizeof(addr)); i++)
		printf("listening on %s\n", addr);
	fflush(stdout);
	r = proxy_run(px, err, sizeof(err));
	proxy_free(px);
	if (r < 0) {
		cli_err(argv[0], "%s", err);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}
