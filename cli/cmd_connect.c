/*
 * cmd_connect.c - `wsctl connect URL`: wscat's job, scriptable.  Parses
 * the options, opens the connection with common/wsc and hands it to the
 * session (connect_session.c).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "cli/cli.h"
#include "cli/connect.h"
#include "common/addr.h"
#include "common/tls.h"
#include "common/units.h"
#include "common/wsc.h"

#define CMD "connect"

static const char help[] =
"usage: wsctl connect [options] URL\n"
"       wsctl connect [options] -c URL\n"
"       wsctl connect [options] -l [ADDR:]PORT\n"
"\n"
"Open a WebSocket connection to URL (ws:// or wss://; without a scheme,\n"
"ws://, as wscat takes it) and talk through it.\n"
"On a terminal: a prompt; each line typed is sent as a text message and\n"
"what arrives is shown after \"< \".  Otherwise each line of stdin is sent\n"
"as a text message and each message received is written to stdout on a\n"
"line of its own; the run ends once stdin has ended and every message has\n"
"had a reply, or --wait has passed.\n"
"With -l, wsctl is the server: it waits for a client and talks with it\n"
"the same way, one client at a time; in a script, with one client, until\n"
"it closes (or --wait after stdin ends).\n"
"\n"
"options:\n"
"  -H, --header 'NAME: VALUE'  add a request header (repeatable)\n"
"  -s, --subprotocol NAME      offer a subprotocol (repeatable, in order)\n"
"  -c, --connect URL           the URL, as wscat takes it\n"
"  -l, --listen [ADDR:]PORT    be the server, on ADDR (default 127.0.0.1)\n"
"                              and PORT (0: any free one; stderr says)\n"
"  -o, --origin ORIGIN         send an Origin header\n"
"      --host HOST             send Host: HOST instead of the URL's\n"
"      --auth USER:PASSWORD    send HTTP Basic authentication\n"
"  -x, --execute MESSAGE       send MESSAGE instead of reading stdin\n"
"                              (repeatable, sent in order)\n"
"  -w, --wait DURATION         after the last message is sent, wait this\n"
"                              long and close, replies or not; -1: stay\n"
"                              open until the server closes\n"
"      --binary                send all of stdin as one binary message and\n"
"                              write what arrives as raw bytes\n"
"      --ping-interval DURATION\n"
"                              send a ping this often; fail when a pong is\n"
"                              missing by the next one\n"
"      --show-handshake        print the response head on stderr\n"
"  -P, --show-ping-pong        print each ping and pong received (on\n"
"                              stderr, but on a terminal)\n"
"      --timeout DURATION      limit for connecting, the handshake, each\n"
"                              reply awaited and the close (default 10s)\n"
"      --source ADDRESS        connect from this local address\n"
"  -n, --insecure, --no-check  do not verify the server's certificate\n"
"      --ca FILE               trust the CA certificates in FILE (PEM)\n"
"      --cert FILE             wss://: present this client certificate\n"
"                              (PEM, with its chain)\n"
"      --key FILE              ... and its key (default: in --cert's file)\n"
"      --passphrase PASS       the key's passphrase (default: asked on the\n"
"                              terminal when the key is encrypted)\n"
"      --no-color              no colour on a terminal (as NO_COLOR=1)\n"
"      --slash                 accepted as wscat has it: /commands are\n"
"                              always on\n"
"  -h, --help                  show this help\n"
"\n"
"commands, typed or as lines of stdin:\n"
"  /ping [DATA]                send a ping\n"
"  /close [CODE [REASON]]      close the connection (default code 1000)\n"
"  //TEXT                      send the text \"/TEXT\"\n"
"\n"
"DURATION: 500ms, 10s, 2m, or seconds as wscat takes them (1, 0.5).\n"
"Exit status: 0 ok; 1 the connection failed, closed abnormally, or a\n"
"reply did not come; 2 usage error.\n";

enum {
	OPT_AUTH = 256,
	OPT_HOST,
	OPT_NO_COLOR,
	OPT_SLASH,
	OPT_BINARY,
	OPT_PING,
	OPT_SHOW,
	OPT_TIMEOUT,
	OPT_SOURCE,
	OPT_CA,
	OPT_CERT,
	OPT_KEY,
	OPT_PASSPHRASE,
};

static const struct option longopts[] = {
	{ "header", required_argument, NULL, 'H' },
	{ "subprotocol", required_argument, NULL, 's' },
	{ "origin", required_argument, NULL, 'o' },
	{ "connect", required_argument, NULL, 'c' },
	{ "listen", required_argument, NULL, 'l' },
	{ "no-check", no_argument, NULL, 'n' },
	{ "auth", required_argument, NULL, OPT_AUTH },
	{ "host", required_argument, NULL, OPT_HOST },
	{ "no-color", no_argument, NULL, OPT_NO_COLOR },
	{ "slash", no_argument, NULL, OPT_SLASH },
	{ "show-ping-pong", no_argument, NULL, 'P' },
	{ "execute", required_argument, NULL, 'x' },
	{ "wait", required_argument, NULL, 'w' },
	{ "binary", no_argument, NULL, OPT_BINARY },
	{ "ping-interval", required_argument, NULL, OPT_PING },
	{ "show-handshake", no_argument, NULL, OPT_SHOW },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "source", required_argument, NULL, OPT_SOURCE },
	{ "insecure", no_argument, NULL, 'n' },
	{ "ca", required_argument, NULL, OPT_CA },
	{ "cert", required_argument, NULL, OPT_CERT },
	{ "key", required_argument, NULL, OPT_KEY },
	{ "passphrase", required_argument, NULL, OPT_PASSPHRASE },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* A duration option's value into *ms; min is the least accepted. */
static int duration(const char *opt, const char *s, int64_t min,
		    int64_t *ms)
{
	if (units_duration(s, ms) < 0 || *ms > INT_MAX)
		return cli_usage(CMD, "bad duration '%s' for %s", s, opt);
	if (*ms < min)
		return cli_usage(CMD, "%s must be more than 0", opt);
	return 0;
}

/* "Authorization: Basic BASE64(user:password)" into out. */
static int basic_auth(const char *cred, char *out, size_t len)
{
	static const char head[] = "Authorization: Basic ";
	size_t n = strlen(cred);

	if (sizeof(head) + 4 * ((n + 2) / 3) > len)
		return -1;
	memcpy(out, head, sizeof(head) - 1);
	EVP_EncodeBlock((unsigned char *)out + sizeof(head) - 1,
			(const unsigned char *)cred, (int)n);
	return 0;
}

/* --cert, --key and --passphrase make sense together, and load. */
static int client_cert(const struct connect_config *cfg, const struct url *u)
{
	struct tls_opts o = { .cert_file = cfg->cert_file,
			      .key_file = cfg->key_file,
			      .passphrase = cfg->passphrase };
	char err[600];

	if ((cfg->key_file || cfg->passphrase) && !cfg->cert_file)
		return cli_usage(CMD, "--key and --passphrase need --cert");
	if (cfg->cert_file && !u->tls)
		return cli_usage(CMD, "--cert needs a wss:// URL");
	if (tls_check_client(&o, err, sizeof(err)) < 0)
		return cli_err(CMD, "%s", err), EXIT_USAGE;
	return 0;
}

static int parse(int argc, char **argv, struct connect_config *cfg)
{
	const char *url = NULL;
	char err[300];
	struct hostport hp;
	struct url u;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":H:s:x:w:o:c:l:nPh", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'H':
			if (wsc_check_header(optarg, err, sizeof(err)) < 0)
				return cli_usage(CMD, "%s", err);
			cfg->headers[cfg->nheaders++] = optarg;
			break;
		case 's':
			if (!*optarg || strpbrk(optarg, ", \t"))
				return cli_usage(CMD, "bad subprotocol '%s'",
						 optarg);
			cfg->protocols[cfg->nprotocols++] = optarg;
			break;
		case 'x':
			cfg->execute[cfg->nexecute++] = optarg;
			break;
		case 'w':
			/* wscat's -w -1: stay open until the server closes */
			if (!strcmp(optarg, "-1"))
				cfg->wait_ms = INT_MAX;
			else if (duration("--wait", optarg, 0, &cfg->wait_ms))
				return EXIT_USAGE;
			break;
		case 'o':
			cfg->origin = optarg;
			break;
		case 'c':
			url = optarg;
			break;
		case 'l':
			/* a bare port is loopback's: bind elsewhere only when
			   asked (wscat binds every address) */
			if (strspn(optarg, "0123456789") == strlen(optarg))
				snprintf(cfg->listen_buf, sizeof(cfg->listen_buf),
					 "127.0.0.1:%s", optarg);
			else
				snprintf(cfg->listen_buf, sizeof(cfg->listen_buf),
					 "%s", optarg);
			if (addr_parse(cfg->listen_buf, 0, &hp, err,
				       sizeof(err)) < 0)
				return cli_usage(CMD, "bad --listen '%s': want "
						 "[ADDR:]PORT", optarg);
			cfg->listen = cfg->listen_buf;
			break;
		case 'n':
			cfg->insecure = 1;
			break;
		case 'P':
			cfg->show_ping_pong = 1;
			break;
		case OPT_AUTH:
			if (!strchr(optarg, ':'))
				return cli_usage(CMD, "--auth wants USER:PASSWORD");
			if (basic_auth(optarg, cfg->auth, sizeof(cfg->auth)) < 0)
				return cli_usage(CMD, "--auth is too long");
			cfg->headers[cfg->nheaders++] = cfg->auth;
			break;
		case OPT_HOST:
			if (!*optarg || strpbrk(optarg, " \t\r\n"))
				return cli_usage(CMD, "bad --host '%s'", optarg);
			snprintf(cfg->host, sizeof(cfg->host), "Host: %s", optarg);
			cfg->headers[cfg->nheaders++] = cfg->host;
			break;
		case OPT_NO_COLOR:
			cfg->no_color = 1;
			break;
		case OPT_SLASH:
			break;	/* /commands are always on */
		case OPT_BINARY:
			cfg->binary = 1;
			break;
		case OPT_PING:
			if (duration("--ping-interval", optarg, 1,
				     &cfg->ping_ms))
				return EXIT_USAGE;
			break;
		case OPT_SHOW:
			cfg->show_handshake = 1;
			break;
		case OPT_TIMEOUT:
			if (duration("--timeout", optarg, 1, &cfg->timeout_ms))
				return EXIT_USAGE;
			break;
		case OPT_SOURCE:
			cfg->source = optarg;
			break;
		case OPT_CA:
		case OPT_CERT:
		case OPT_KEY:
			if (access(optarg, R_OK) < 0)
				return cli_usage(CMD, "cannot read '%s': %s",
						 optarg, strerror(errno));
			*(c == OPT_CA ? &cfg->ca_file : c == OPT_CERT ?
			  &cfg->cert_file : &cfg->key_file) = optarg;
			break;
		case OPT_PASSPHRASE:
			cfg->passphrase = optarg;
			break;
		case 'h':
			return -1;
		default:
			return cli_bad_option(CMD, c, argv);
		}
	}
	if (!url && optind < argc)
		url = argv[optind++];
	if (cfg->listen && url)
		return cli_usage(CMD, "-l and a URL: choose one, as wscat does");
	if (cfg->listen && (cfg->cert_file || cfg->nheaders || cfg->origin))
		return cli_usage(CMD, "-l takes no -H, --host, --auth, -o or "
				 "--cert: they are a client's");
	if (cfg->listen) {
		if (optind < argc)
			return cli_usage(CMD, "unexpected argument '%s'",
					 argv[optind]);
		if (cfg->wait_ms < 0)
			cfg->wait_ms = INT_MAX;	/* until the client closes */
		return 0;
	}
	if (!url)
		return cli_usage(CMD, "missing URL");
	if (optind < argc)
		return cli_usage(CMD, "unexpected argument '%s'", argv[optind]);
	/* as wscat: a URL without a scheme is ws:// */
	if (!strstr(url, "://")) {
		snprintf(cfg->url_buf, sizeof(cfg->url_buf), "ws://%s", url);
		url = cfg->url_buf;
	}
	cfg->url = url;
	if (url_parse(cfg->url, &u, err, sizeof(err)) < 0)
		return cli_usage(CMD, "%s", err);
	return client_cert(cfg, &u);
}

/* The response head on stderr, as received, without its blank line. */
static void show_head(const struct wsc *c)
{
	size_t i, len = c->head_len;

	while (len && (c->head[len - 1] == '\n' || c->head[len - 1] == '\r'))
		len--;
	for (i = 0; i < len; i++)
		if (c->head[i] != '\r')
			fputc(c->head[i], stderr);
	if (len)
		fputc('\n', stderr);
}

static int run(const struct connect_config *cfg)
{
	char err[600];
	struct wsc c;
	struct wsc_opts o = {
		.url = cfg->url,
		.headers = cfg->headers,
		.nheaders = cfg->nheaders,
		.protocols = cfg->protocols,
		.nprotocols = cfg->nprotocols,
		.origin = cfg->origin,
		.user_agent = "wsctl/" WSCTL_VERSION,
		.source = cfg->source,
		.timeout_ms = (int)cfg->timeout_ms,
		.insecure = cfg->insecure,
		.ca_file = cfg->ca_file,
		.cert_file = cfg->cert_file,
		.key_file = cfg->key_file,
		.passphrase = cfg->passphrase,
		.flags = WSC_AUTO_PONG | WSC_AUTO_CLOSE,
	};
	int rc, interactive;

	rc = wsc_open(&c, &o, err, sizeof(err));
	if (cfg->show_handshake && (rc == WSC_OK || rc == WSC_ERR_STATUS ||
				    rc == WSC_ERR_UPGRADE))
		show_head(&c);
	if (rc == WSC_ERR_REQUEST) {
		wsc_free(&c);
		return cli_usage(CMD, "%s", err);
	}
	if (rc != WSC_OK) {
		cli_err(CMD, "%s%s", rc == WSC_ERR_UPGRADE ?
			"bad upgrade response: " : "", err);
		wsc_free(&c);
		return EXIT_FAIL;
	}
	interactive = !cfg->nexecute && isatty(STDIN_FILENO) &&
		      isatty(STDOUT_FILENO);
	rc = connect_session(cfg, &c, interactive);
	wsc_free(&c);
	return rc;
}

int cmd_connect(int argc, char **argv)
{
	struct connect_config cfg = { .wait_ms = -1, .timeout_ms = 10000 };
	const char **lists;
	int rc;

	/* every list is at most argc long (--auth and --host add one) */
	lists = calloc(3 * (size_t)argc, sizeof(*lists));
	if (!lists) {
		cli_err(CMD, "out of memory");
		return EXIT_FAIL;
	}
	cfg.headers = lists;
	cfg.protocols = lists + argc;
	cfg.execute = lists + 2 * argc;
	rc = parse(argc, argv, &cfg);
	if (rc < 0)
		rc = cli_help(help);
	else if (rc == 0 && cfg.listen)
		rc = connect_listen(&cfg, !cfg.nexecute && isatty(STDIN_FILENO) &&
				    isatty(STDOUT_FILENO));
	else if (rc == 0)
		rc = run(&cfg);
	free(lists);
	return rc;
}
