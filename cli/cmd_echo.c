/*
 * cmd_echo.c - wsctl echo: options into a struct echo_config, then
 * fixtures/echo.c runs the backends until SIGINT or SIGTERM.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/addr.h"
#include "common/units.h"
#include "common/ws.h"
#include "fixtures/echo.h"

static const char help[] =
"usage: wsctl echo --listen ADDR [--listen ADDR...] [options]\n"
"\n"
"Run WebSocket echo backends, any number in one process. Each echoes\n"
"every message with its type, answers pings and echoes the close code,\n"
"names itself in every response, and records each request head it\n"
"receives byte for byte for a checker to ask about.\n"
"\n"
"  -l, --listen ADDR         a backend on ADDR: HOST:PORT, [V6]:PORT,\n"
"                            localhost:PORT (127.0.0.1 and ::1) or PORT\n"
"                            (every address); port 0 picks a free port\n"
"  -i, --id NAME             the Nth --id names the Nth backend\n"
"                            (default: its ADDR as given, with the port\n"
"                            it got for port 0)\n"
"      --prefix TEXT         prepend TEXT to text replies\n"
"      --subprotocol NAME    accept subprotocol NAME (repeatable)\n"
"      --reject PATH=STATUS  answer upgrades on PATH with STATUS\n"
"                            (repeatable)\n"
"      --delay DURATION      wait before each reply (300ms, 2s)\n"
"      --close-after N[:CODE]\n"
"                            close after N replies, with CODE (1000)\n"
"      --max-message SIZE    largest message; more is closed with 1009\n"
"                            (default 16MiB)\n"
"      --accept-http10       upgrade HTTP/1.0 requests too, as node ws does\n"
"                            (RFC 6455 asks for HTTP/1.1; default: 400)\n"
"      --no-deflate          refuse permessage-deflate (default: agree to\n"
"                            it and compress every reply)\n"
"      --parent PID          stop, as on SIGTERM, once the parent process PID\n"
"                            is gone (wsctl check passes its own)\n"
"      --head-timeout DURATION\n"
"                            time for a client to send its request head\n"
"                            (default 10s)\n"
"      --tls-cert FILE       serve TLS with this PEM certificate chain\n"
"      --tls-key FILE        and this PEM private key\n"
"  -q, --quiet               no connection log on stderr\n"
"      --log-format FORMAT   text (default) or json\n"
"  -h, --help                show this help\n"
"\n"
"At start, one line per backend on stdout:\n"
"  listening on ADDR[ ADDR...] (id ID)\n"
"Responses carry X-Wsctl-Backend: ID and X-Wsctl-Conn: N. GET\n"
"/.wsctl/info, /.wsctl/conn/N and /.wsctl/probe/TOKEN answer with JSON;\n"
"any other plain GET gets its own request record.\n"
"\n"
"Exit status: 0 after SIGINT or SIGTERM, 1 a listener could not be\n"
"opened, 2 usage or setup error.\n";

enum {
	OPT_PREFIX = 256, OPT_SUBPROTOCOL, OPT_REJECT, OPT_DELAY,
	OPT_CLOSE_AFTER, OPT_MAX_MESSAGE, OPT_HEAD_TIMEOUT, OPT_TLS_CERT,
	OPT_TLS_KEY, OPT_LOG_FORMAT, OPT_ACCEPT_HTTP10, OPT_NO_DEFLATE,
	OPT_PARENT,
};

static const struct option options[] = {
	{ "listen", required_argument, NULL, 'l' },
	{ "id", required_argument, NULL, 'i' },
	{ "prefix", required_argument, NULL, OPT_PREFIX },
	{ "subprotocol", required_argument, NULL, OPT_SUBPROTOCOL },
	{ "accept-http10", no_argument, NULL, OPT_ACCEPT_HTTP10 },
	{ "no-deflate", no_argument, NULL, OPT_NO_DEFLATE },
	{ "parent", required_argument, NULL, OPT_PARENT },
	{ "reject", required_argument, NULL, OPT_REJECT },
	{ "delay", required_argument, NULL, OPT_DELAY },
	{ "close-after", required_argument, NULL, OPT_CLOSE_AFTER },
	{ "max-message", required_argument, NULL, OPT_MAX_MESSAGE },
	{ "head-timeout", required_argument, NULL, OPT_HEAD_TIMEOUT },
	{ "tls-cert", required_argument, NULL, OPT_TLS_CERT },
	{ "tls-key", required_argument, NULL, OPT_TLS_KEY },
	{ "quiet", no_argument, NULL, 'q' },
	{ "log-format", required_argument, NULL, OPT_LOG_FORMAT },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* An RFC 9110 token, which subprotocol names are (RFC 6455 4.1). */
static int is_token(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s <= 0x20 || *s >= 0x7f ||
		    strchr("\"(),/:;<=>?@[\\]{}", *s))
			return 0;
	return 1;
}

/* Fit for a header value and a log field: visible ASCII, no quotes. */
static int is_id(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s <= 0x20 || *s >= 0x7f || *s == '"' || *s == '\\')
			return 0;
	return 1;
}

/* "PATH=STATUS" */
static int parse_reject(char *s, struct echo_reject *r)
{
	char *eq = strrchr(s, '='), *end;
	long v;

	if (!eq || s[0] != '/' || eq[1] < '0' || eq[1] > '9')
		return -1;
	v = strtol(eq + 1, &end, 10);
	if (*end || v < 400 || v > 599)
		return -1;
	*eq = '\0';
	r->path = s;
	r->status = (int)v;
	return 0;
}

/* A process id: 2 to INT_MAX, digits only. */
static int parse_pid(const char *s, int *pid)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end || errno || v < 2 || v > INT_MAX)
		return -1;
	*pid = (int)v;
	return 0;
}

static int duration(const char *opt, const char *arg, int64_t *ms)
{
	if (units_duration(arg, ms) < 0)
		return cli_usage("echo", "bad duration '%s' for %s", arg, opt);
	return 0;
}

/*
 * Parse argv into cfg, whose arrays (and rej, which cfg->rejects points
 * to) have room for argc entries.
 */
static int parse(int argc, char **argv, struct echo_config *cfg,
		 struct echo_reject *rej, size_t *nid)
{
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":l:i:qh", options, NULL)) != -1) {
		switch (c) {
		case 'l':
			cfg->listen[cfg->nlisten++] = optarg;
			break;
		case 'i':
			if (!is_id(optarg))
				return cli_usage("echo", "bad id '%s': use "
						 "visible ASCII without quotes",
						 optarg);
			cfg->id[(*nid)++] = optarg;
			break;
		case OPT_PREFIX:
			if (utf8_validate(UTF8_ACCEPT, (const uint8_t *)optarg,
					  strlen(optarg)) != UTF8_ACCEPT)
				return cli_usage("echo", "--prefix is not UTF-8");
			cfg->prefix = optarg;
			break;
		case OPT_ACCEPT_HTTP10:
			cfg->accept_http10 = 1;
			break;
		case OPT_NO_DEFLATE:
			cfg->no_deflate = 1;
			break;
		case OPT_PARENT:
			if (parse_pid(optarg, &cfg->parent) < 0)
				return cli_usage("echo", "bad --parent '%s': want "
						 "a process id", optarg);
			break;
		case OPT_SUBPROTOCOL:
			if (!is_token(optarg))
				return cli_usage("echo", "bad subprotocol '%s'",
						 optarg);
			cfg->subprotocols[cfg->nsubprotocols++] = optarg;
			break;
		case OPT_REJECT:
			if (parse_reject(optarg, &rej[cfg->nrejects]) < 0)
				return cli_usage("echo", "bad --reject '%s': "
						 "want /PATH=STATUS, STATUS "
						 "400-599", optarg);
			cfg->nrejects++;
			break;
		case OPT_DELAY:
			if (duration("--delay", optarg, &cfg->delay_ms))
				return EXIT_USAGE;
			break;
		case OPT_CLOSE_AFTER:
			if (echo_parse_close_after(optarg, strlen(optarg),
						   &cfg->close_after,
						   &cfg->close_code) < 0)
				return cli_usage("echo", "bad --close-after '%s': "
						 "want N or N:CODE, CODE a "
						 "valid close code", optarg);
			break;
		case OPT_MAX_MESSAGE:
			if (units_size(optarg, &cfg->max_message) < 0 ||
			    cfg->max_message == 0)
				return cli_usage("echo", "bad size '%s' for "
						 "--max-message", optarg);
			break;
		case OPT_HEAD_TIMEOUT:
			if (duration("--head-timeout", optarg,
				     &cfg->head_timeout_ms))
				return EXIT_USAGE;
			if (cfg->head_timeout_ms == 0)
				return cli_usage("echo", "--head-timeout must "
						 "be more than 0");
			break;
		case OPT_TLS_CERT:
			cfg->tls_cert = optarg;
			break;
		case OPT_TLS_KEY:
			cfg->tls_key = optarg;
			break;
		case 'q':
			cfg->quiet = 1;
			break;
		case OPT_LOG_FORMAT:
			if (strcmp(optarg, "text") && strcmp(optarg, "json"))
				return cli_usage("echo", "bad --log-format '%s': "
						 "want text or json", optarg);
			cfg->log_json = !strcmp(optarg, "json");
			break;
		case 'h':
			return cli_help(help), -1;
		default:
			return cli_bad_option("echo", c, argv);
		}
	}
	if (optind < argc)
		return cli_usage("echo", "unexpected argument '%s'",
				 argv[optind]);
	return EXIT_OK;
}

/*
 * Backend i's id, when it is known before listening: not for "HOST:0"
 * without --id, whose id gets the port it is given.
 */
static const char *known_id(const struct echo_config *cfg, size_t i)
{
	struct hostport hp;
	char err[128];

	if (cfg->id[i])
		return cfg->id[i];
	if (addr_parse(cfg->listen[i], 0, &hp, err, sizeof(err)) == 0 &&
	    hp.port == 0)
		return NULL;
	return cfg->listen[i];
}

/* What parse cannot see option by option. */
static int check(struct echo_config *cfg, size_t nid)
{
	const char *a, *b;
	char err[256];
	size_t i, k;

	if (!cfg->nlisten)
		return cli_usage("echo", "no --listen given");
	if (nid > cfg->nlisten)
		return cli_usage("echo", "%zu --id for %zu --listen", nid,
				 cfg->nlisten);
	for (i = 0; i < cfg->nlisten; i++)
		for (k = 0; k < i; k++)
			if ((a = known_id(cfg, i)) && (b = known_id(cfg, k)) &&
			    !strcmp(a, b))
				return cli_usage("echo", "two backends with "
						 "id '%s'", a);
	if (!cfg->tls_cert != !cfg->tls_key)
		return cli_usage("echo", "--tls-cert and --tls-key go "
				 "together");
	if (cfg->tls_cert &&
	    echo_tls_check(cfg->tls_cert, cfg->tls_key, err, sizeof(err)) < 0)
		return cli_usage("echo", "%s", err);
	return EXIT_OK;
}

static int run(struct echo_config *cfg)
{
	char err[256], addrs[512];
	struct echo *e;
	size_t i;
	int r;

	e = echo_open(cfg, err, sizeof(err));
	if (!e) {
		cli_err("echo", "%s", err);
		return EXIT_FAIL;
	}
	for (i = 0; i < cfg->nlisten; i++)
		printf("listening on %s (id %s)\n",
		       echo_addresses(e, i, addrs, sizeof(addrs)),
		       echo_id(e, i));
	fflush(stdout);
	r = echo_run(e);
	echo_free(e);
	if (r < 0) {
		cli_err("echo", "the event loop failed");
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

int cmd_echo(int argc, char **argv)
{
	struct echo_config cfg = {
		.max_message = 16u << 20,
		.head_timeout_ms = 10000,
	};
	size_t n = (size_t)argc, nid = 0;
	struct echo_reject *rejects;
	int r = EXIT_USAGE;

	cfg.listen = calloc(n, sizeof(*cfg.listen));
	cfg.id = calloc(n, sizeof(*cfg.id));
	cfg.subprotocols = calloc(n, sizeof(*cfg.subprotocols));
	cfg.rejects = rejects = calloc(n, sizeof(*rejects));
	if (!cfg.listen || !cfg.id || !cfg.subprotocols || !rejects) {
		cli_err("echo", "out of memory");
		goto out;
	}
	r = parse(argc, argv, &cfg, rejects, &nid);
	if (r < 0) {
		r = EXIT_OK;	/* --help */
		goto out;
	}
	if (r == EXIT_OK)
		r = check(&cfg, nid);
	if (r == EXIT_OK)
		r = run(&cfg);
out:
	free(cfg.listen);
	free(cfg.id);
	free(cfg.subprotocols);
	free(rejects);
	return r;
}
