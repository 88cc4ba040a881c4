/*
 * cmd_bench.c - `wsctl bench URL`: options into a struct bench_config,
 * room for the descriptors, then bench/ runs the load; the summary goes
 * to stdout, a progress line to stderr when that is a terminal, and the
 * figures to --report as JSON.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench/bench.h"
#include "bench/export.h"
#include "bench/merge.h"
#include "bench/threshold.h"
#include "cli/bench_html.h"
#include "cli/cli.h"
#include "cli/report.h"
#include "common/http.h"
#include "common/units.h"
#include "common/wsc.h"

static const char help[] =
"usage: wsctl bench [options] URL\n"
"       wsctl bench merge [--threshold EXPR] [--report FILE] [--junit FILE]\n"
"                         [--html FILE] REPORT.json...\n"
"\n"
"Load a WebSocket server or proxy from one thread and measure it: round\n"
"trips of a message, handshakes, or connections held. URL is\n"
"ws://HOST[:PORT][/PATH] or wss://... (TLS on the same event loop).\n"
"\n"
"  -m, --mode MODE           echo (default): send a message, wait for its\n"
"                            echo, again; handshake: open, upgrade, close,\n"
"                            again; idle: open, hold, then echo once each\n"
"  -c, --connections N       connections (echo, idle) or handshakes in\n"
"                            flight (handshake); default 10\n"
"  -d, --duration DURATION   how long to load (echo, handshake) or to hold\n"
"                            the connections (idle); default 10s\n"
"  -n, --count N             echo: stop after N messages; handshake: after\n"
"                            N handshakes (if the duration is not over)\n"
"  -s, --size SIZE           message payload (default 1KiB, at most 16MiB)\n"
"      --text                send text messages (default binary)\n"
"  -r, --rate N[/s]          echo: open loop, N messages a second in all,\n"
"                            each timed from when it was due\n"
"      --ramp N              handshakes in flight while opening (echo,\n"
"                            idle; default 256)\n"
"      --stages STAGES       ramp as k6 does, instead of -c and -d (echo,\n"
"                            handshake): DURATION:TARGET,... each going\n"
"                            linearly from the last target (first 0) to\n"
"                            TARGET connections (handshakes in flight)\n"
"                            over DURATION: 10s:100,30s:100,10s:0\n"
"  -H, --header 'NAME: VALUE'\n"
"                            add a request header (repeatable; Host:\n"
"                            replaces the URL's)\n"
"      --subprotocol NAME    offer a subprotocol (repeatable, in order;\n"
"                            -s is --size here)\n"
"      --insecure            wss: accept any certificate\n"
"      --ca FILE             wss: trust the CA certificates in FILE\n"
"      --tls VERSION         wss: only TLS 1.2 or 1.3 (default: either)\n"
"      --resume              wss: resume each slot's last TLS session\n"
"                            (tickets or cache), as clients that reconnect\n"
"  -t, --timeout DURATION    for each 101, echo and close (default 5s)\n"
"      --report FILE         write the figures as JSON to FILE\n"
"      --threshold EXPR      pass or fail the run on a figure (repeatable):\n"
"                            p99<5ms, p99.9<=20ms, max<1s, mean<2ms,\n"
"                            errors<0.1%, errors<1, rate>10000; latencies\n"
"                            are round trips (handshakes in handshake mode)\n"
"      --junit FILE          write the thresholds as JUnit XML tests\n"
"      --html FILE           write one self-contained HTML page: the\n"
"                            latency histogram and the rate over time\n""      --hdr-log FILE        write each second's round trips and\n"
"                            handshakes in HdrHistogram's interval log\n"
"      --export artillery FILE\n"
"                            write the scenario as an Artillery script\n"
"                            (ws engine) to FILE and exit, no load: for\n"
"                            loads bigger than one host\n""  -q, --quiet               no progress line\n"
"  -h, --help                show this help\n"
"\n"
"The summary goes to stdout, a progress line to stderr when it is a\n"
"terminal. Ctrl-C ends the load early and still reports.\n""\n"
"merge adds --report files from runs on several hosts into one run: the\n"
"counts summed, the histograms added bucket by bucket (percentiles of\n"
"the union), --threshold judged, the same outputs; reports of different\n"
"scenarios (URL, mode, options) are refused, the difference named.\n"
"\n"
"Exit status: 0 no error, 1 an error was counted (or an idle connection\n"
"was lost, the run was interrupted, or a threshold failed), 2 usage or\n"
"setup error.  With --threshold, the errors count only through it.\n";

enum {
	OPT_TEXT = 256, OPT_RAMP, OPT_REPORT, OPT_THRESHOLD, OPT_JUNIT,
	OPT_STAGES, OPT_SUBPROTOCOL, OPT_HTML, OPT_INSECURE, OPT_CA, OPT_TLS,
	OPT_RESUME, OPT_HDR_LOG, OPT_EXPORT,
};

#define MAX_THRESHOLDS 16
#define MAX_REPORT (64 << 20)	/* bytes of a report bench merge reads */

static const struct option options[] = {
	{ "mode", required_argument, NULL, 'm' },
	{ "connections", required_argument, NULL, 'c' },
	{ "duration", required_argument, NULL, 'd' },
	{ "count", required_argument, NULL, 'n' },
	{ "size", required_argument, NULL, 's' },
	{ "text", no_argument, NULL, OPT_TEXT },
	{ "rate", required_argument, NULL, 'r' },
	{ "ramp", required_argument, NULL, OPT_RAMP },
	{ "timeout", required_argument, NULL, 't' },
	{ "stages", required_argument, NULL, OPT_STAGES },
	{ "header", required_argument, NULL, 'H' },
	{ "subprotocol", required_argument, NULL, OPT_SUBPROTOCOL },
	{ "report", required_argument, NULL, OPT_REPORT },
	{ "threshold", required_argument, NULL, OPT_THRESHOLD },
	{ "junit", required_argument, NULL, OPT_JUNIT },
	{ "html", required_argument, NULL, OPT_HTML },
	{ "insecure", no_argument, NULL, OPT_INSECURE },
	{ "ca", required_argument, NULL, OPT_CA },
	{ "tls", required_argument, NULL, OPT_TLS },
	{ "resume", no_argument, NULL, OPT_RESUME },
	{ "hdr-log", required_argument, NULL, OPT_HDR_LOG },
	{ "export", required_argument, NULL, OPT_EXPORT },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct opts {
	struct bench_config cfg;
	const char *url;
	const char *report, *junit, *html, *hdr_log;
	const char *export;		/* --export artillery FILE */
	struct bench_threshold th[MAX_THRESHOLDS];
	int nth;
	int quiet;
	int have_count, have_rate, have_duration, have_connections, have_tls;
	char protocols[1024];		/* --subprotocol, joined */
};

/* A positive decimal integer no larger than max. */
static int number(const char *s, unsigned long long max,
		  unsigned long long *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || *end || *v == 0 || *v > max ? -1 : 0;
}

/* "N" or "N/s", N a positive number (fractions allowed). */
static int rate(const char *s, double *v)
{
	char *end;

	if ((*s < '0' || *s > '9') && *s != '.')
		return -1;
	*v = strtod(s, &end);
	if (!strcmp(end, "/s"))
		end += 2;
	return *end || !(*v > 0) || *v > 1e9 ? -1 : 0;
}

/* One more --threshold; 0, or the usage error's status. */
static int add_threshold(struct opts *o, const char *expr)
{
	char err[200];

	if (o->nth == MAX_THRESHOLDS)
		return cli_usage("bench", "at most %d --threshold",
				 MAX_THRESHOLDS);
	if (bench_threshold_parse(expr, &o->th[o->nth], err, sizeof(err)) < 0)
		return cli_usage("bench", "%s", err);
	o->nth++;
	return 0;
}

/* 1 when s is an HTTP token (RFC 9110 5.6.2). */
static int token(const char *s)
{
	for (; *s; s++)
		if (!http_is_tchar((unsigned char)*s))
			return 0;
	return 1;
}

/* --stages "10s:100,30s:1000,10s:0" into cfg; connections and duration
   follow from them. */
static int stages(const char *arg, struct bench_config *cfg)
{
	char buf[1024], *tok, *save, *colon;
	unsigned long long v;

	if (strlen(arg) >= sizeof(buf))
		return cli_usage("bench", "--stages is too long");
	snprintf(buf, sizeof(buf), "%s", arg);
	cfg->nstages = 0;
	cfg->connections = 0;
	cfg->duration_ms = 0;
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		struct bench_stage *st = &cfg->stages[cfg->nstages];

		if (cfg->nstages == BENCH_MAX_STAGES)
			return cli_usage("bench", "at most %d stages",
					 BENCH_MAX_STAGES);
		if (!(colon = strchr(tok, ':')))
			return cli_usage("bench", "bad stage '%s': want "
					 "DURATION:TARGET, as 30s:100", tok);
		*colon = '\0';
		if (units_duration(tok, &st->ms) < 0 || st->ms <= 0)
			return cli_usage("bench", "bad duration '%s' in "
					 "--stages", tok);
		if (!strcmp(colon + 1, "0"))
			v = 0;
		else if (number(colon + 1, 10000000, &v) < 0)
			return cli_usage("bench", "bad target '%s' in --stages",
					 colon + 1);
		st->target = (unsigned)v;
		if (st->target > cfg->connections)
			cfg->connections = st->target;
		cfg->duration_ms += st->ms;
		cfg->nstages++;
	}
	if (!cfg->nstages || !cfg->connections)
		return cli_usage("bench", "--stages never reaches a target "
				 "above 0");
	return 0;
}

/* -H "Name: value"; not one of the handshake's own. */
static int header(const char *line, struct bench_config *cfg)
{
	static const char *const own[] = { "upgrade", "connection",
		"sec-websocket-key", "sec-websocket-version",
		"sec-websocket-protocol", "sec-websocket-extensions" };
	char err[300];
	size_t i, n = strcspn(line, ":");

	if (wsc_check_header(line, err, sizeof(err)) < 0)
		return cli_usage("bench", "%s", err);
	for (i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (n == strlen(own[i]) && !strncasecmp(line, own[i], n))
			return cli_usage("bench", "-H %.*s: bench makes that "
					 "header itself%s", (int)n, line,
					 i == 4 ? " (--subprotocol)" : "");
	if (cfg->nheaders == BENCH_MAX_HEADERS)
		return cli_usage("bench", "at most %d -H", BENCH_MAX_HEADERS);
	cfg->headers[cfg->nheaders++] = line;
	return 0;
}

static int parse(int argc, char **argv, struct opts *o)
{
	struct bench_config *cfg = &o->cfg;
	unsigned long long v;
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":m:c:d:n:s:r:t:H:qh", options,
				NULL)) != -1) {
		switch (c) {
		case 'm':
			if (!strcmp(optarg, "echo"))
				cfg->mode = BENCH_ECHO;
			else if (!strcmp(optarg, "handshake"))
				cfg->mode = BENCH_HANDSHAKE;
			else if (!strcmp(optarg, "idle"))
				cfg->mode = BENCH_IDLE;
			else
				return cli_usage("bench", "bad mode '%s': want "
						 "echo, handshake or idle",
						 optarg);
			break;
		case 'c':
			if (number(optarg, 10000000, &v) < 0)
				return cli_usage("bench", "bad number of "
						 "connections '%s'", optarg);
			cfg->connections = (unsigned)v;
			o->have_connections = 1;
			break;
		case 'd':
			if (units_duration(optarg, &cfg->duration_ms) < 0)
				return cli_usage("bench", "bad duration '%s' "
						 "for --duration", optarg);
			o->have_duration = 1;
			break;
		case 'n':
			if (number(optarg, UINT64_MAX, &v) < 0)
				return cli_usage("bench", "bad count '%s'",
						 optarg);
			cfg->count = v;
			o->have_count = 1;
			break;
		case 's':
			if (units_size(optarg, &cfg->size) < 0 ||
			    cfg->size > BENCH_MAX_SIZE)
				return cli_usage("bench", "bad size '%s': want "
						 "0 to 16MiB", optarg);
			break;
		case OPT_TEXT:
			cfg->text = 1;
			break;
		case 'r':
			if (rate(optarg, &cfg->rate) < 0)
				return cli_usage("bench", "bad rate '%s': want "
						 "N or N/s", optarg);
			o->have_rate = 1;
			break;
		case OPT_RAMP:
			if (number(optarg, 10000000, &v) < 0)
				return cli_usage("bench", "bad --ramp '%s'",
						 optarg);
			cfg->ramp = (unsigned)v;
			break;
		case 't':
			if (units_duration(optarg, &cfg->timeout_ms) < 0 ||
			    cfg->timeout_ms <= 0)
				return cli_usage("bench", "bad duration '%s' "
						 "for --timeout", optarg);
			break;
		case OPT_STAGES:
			if (stages(optarg, cfg))
				return EXIT_USAGE;
			break;
		case 'H':
			if (header(optarg, cfg))
				return EXIT_USAGE;
			break;
		case OPT_SUBPROTOCOL: {
			size_t n = strlen(o->protocols);

			if (!*optarg || !token(optarg))
				return cli_usage("bench", "bad subprotocol '%s'",
						 optarg);
			if (n + strlen(optarg) + 3 > sizeof(o->protocols))
				return cli_usage("bench", "too many subprotocols");
			snprintf(o->protocols + n, sizeof(o->protocols) - n,
				 "%s%s", n ? ", " : "", optarg);
			cfg->protocols = o->protocols;
			break;
		}
		case OPT_REPORT:
			o->report = optarg;
			break;
		case OPT_JUNIT:
			o->junit = optarg;
			break;
		case OPT_HTML:
			o->html = optarg;
			break;
		case OPT_HDR_LOG:
			o->hdr_log = optarg;
			break;
		case OPT_EXPORT:
			/* two arguments: the format, then the file */
			if (strcmp(optarg, "artillery"))
				return cli_usage("bench", "bad --export '%s': "
						 "want artillery", optarg);
			if (optind == argc || !*argv[optind])
				return cli_usage("bench", "--export artillery "
						 "needs a FILE");
			o->export = argv[optind++];
			break;
		case OPT_INSECURE:
			cfg->insecure = 1;
			break;
		case OPT_CA:
			if (access(optarg, R_OK) < 0)
				return cli_usage("bench", "cannot read '%s': %s",
						 optarg, strerror(errno));
			cfg->ca_file = optarg;
			break;
		case OPT_TLS:
			if (!strcmp(optarg, "1.2"))
				cfg->tls_version = 12;
			else if (!strcmp(optarg, "1.3"))
				cfg->tls_version = 13;
			else
				return cli_usage("bench", "bad --tls '%s': want "
						 "1.2 or 1.3", optarg);
			o->have_tls = 1;
			break;
		case OPT_RESUME:
			cfg->resume = 1;
			o->have_tls = 1;
			break;
		case OPT_THRESHOLD:
			if (add_threshold(o, optarg))
				return EXIT_USAGE;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'h':
			return cli_help(help), -1;
		default:
			return cli_bad_option("bench", c, argv);
		}
	}
	if (optind == argc)
		return cli_usage("bench", "no URL given");
	if (optind + 1 < argc)
		return cli_usage("bench", "unexpected argument '%s'",
				 argv[optind + 1]);
	o->url = argv[optind];
	return EXIT_OK;
}

/* What parse cannot see option by option. */
static int check(struct opts *o)
{
	struct bench_config *cfg = &o->cfg;
	char err[300];

	if (url_parse(o->url, &cfg->url, err, sizeof(err)) < 0)
		return cli_usage("bench", "%s", err);
	if (strcmp(cfg->url.scheme, "ws") && strcmp(cfg->url.scheme, "wss"))
		return cli_usage("bench", "want a ws:// or wss:// URL, not %s://",
				 cfg->url.scheme);
	if (!cfg->url.tls && (o->have_tls || cfg->insecure || cfg->ca_file))
		return cli_usage("bench", "--insecure, --ca, --tls and --resume "
				 "are for wss://");
	if (cfg->mode != BENCH_ECHO && o->have_rate)
		return cli_usage("bench", "--rate is for --mode echo");
	if (cfg->nstages && cfg->mode == BENCH_IDLE)
		return cli_usage("bench", "--stages is for --mode echo or "
				 "handshake");
	if (cfg->nstages && (o->have_connections || o->have_duration))
		return cli_usage("bench", "--stages sets the connections and "
				 "the duration: no -c or -d with it");
	if (cfg->mode == BENCH_IDLE && o->have_count)
		return cli_usage("bench", "--count is not for --mode idle");
	if (cfg->mode != BENCH_IDLE && o->have_duration &&
	    cfg->duration_ms == 0)
		return cli_usage("bench", "--duration must be more than 0");
	return EXIT_OK;
}

/*
 * Make room for the connections: raise the soft descriptor limit as far
 * as they need.  Past the hard limit, say so in one line.
 */
static int room(const struct bench_config *cfg)
{
	rlim_t need = (rlim_t)cfg->connections + BENCH_RESERVE_FDS;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return EXIT_OK;
	if (rl.rlim_max != RLIM_INFINITY && need > rl.rlim_max) {
		cli_err("bench", "-c %u needs %llu descriptors, over this "
			"system's limit of %llu per process (ulimit -Hn)",
			cfg->connections, (unsigned long long)need,
			(unsigned long long)rl.rlim_max);
		return EXIT_USAGE;
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		rl.rlim_cur = need;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
			cli_err("bench", "cannot raise the descriptor limit to "
				"%llu: %s", (unsigned long long)need,
				strerror(errno));
			return EXIT_USAGE;
		}
	}
	return EXIT_OK;
}

/* ---- progress on a terminal ---- */

struct progress {
	int64_t last_us;
	uint64_t last_msgs, last_hs;
	unsigned connections;
};

static void progress(const struct bench_result *r, void *arg)
{
	struct progress *p = arg;
	double dt = (r->elapsed_us - p->last_us) / 1e6;
	uint64_t errs = bench_errors(r);

	if (dt <= 0)
		return;
	fprintf(stderr, "\r%5.0fs  %u open", r->elapsed_us / 1e6, r->open);
	if (r->mode == BENCH_ECHO)
		fprintf(stderr, "  %.0f msg/s  p99 %lluus",
			(r->messages - p->last_msgs) / dt,
			(unsigned long long)hist_percentile(&r->rtt_us, 99));
	else if (r->mode == BENCH_HANDSHAKE)
		fprintf(stderr, "  %.0f handshakes/s",
			(r->handshakes - p->last_hs) / dt);
	else if (r->idle_opened)
		fprintf(stderr, "  holding");
	else
		fprintf(stderr, "  opening %u/%u", r->open, p->connections);
	fprintf(stderr, "  errors %llu\033[K", (unsigned long long)errs);
	fflush(stderr);
	p->last_us = r->elapsed_us;
	p->last_msgs = r->messages;
	p->last_hs = r->handshakes;
}

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	if (interrupted < 2)
		interrupted++;
}

/* Each threshold's verdict on f; returns how many failed. */
static int judge(const struct opts *o, const struct bench_result *r, FILE *f)
{
	int i, failed = 0;

	for (i = 0; i < o->nth; i++) {
		char v[32];
		double got;
		int ok = bench_threshold_eval(&o->th[i], r, &got);

		failed += !ok;
		if (f)
			fprintf(f, "%s threshold %s (%s %s)\n", ok ? "ok  " :
				"FAIL", o->th[i].expr, o->th[i].metric,
				bench_threshold_fmt(&o->th[i], got, v, sizeof(v)));
	}
	return failed;
}

static int write_report(FILE *f, const struct opts *o,
			const struct bench_result *r)
{
	cJSON *root = NULL, *a;
	char *s = bench_json(&o->cfg, r);
	int bad, i;

	/* the thresholds join the figures, as checks do a check report */
	if (s && o->nth && (root = cJSON_Parse(s))) {
		a = cJSON_AddArrayToObject(root, "thresholds");
		for (i = 0; i < o->nth; i++) {
			cJSON *t = cJSON_CreateObject();
			double got;
			int ok = bench_threshold_eval(&o->th[i], r, &got);

			cJSON_AddStringToObject(t, "expr", o->th[i].expr);
			cJSON_AddStringToObject(t, "metric", o->th[i].metric);
			cJSON_AddNumberToObject(t, "observed", got);
			cJSON_AddStringToObject(t, "status", ok ? "pass" : "fail");
			cJSON_AddItemToArray(a, t);
		}
		free(s);
		s = cJSON_Print(root);
		cJSON_Delete(root);
	}
	bad = !s || fputs(s, f) == EOF || fputc('\n', f) == EOF;
	bad |= fclose(f) != 0;
	free(s);
	if (bad) {
		cli_err("bench", "cannot write %s", o->report);
		return -1;
	}
	return 0;
}

/* One testsuite, a testcase per threshold. */
static int write_junit(const struct opts *o, const struct bench_result *r)
{
	FILE *f = fopen(o->junit, "w");
	struct bench_rates rt;
	int i, failed;

	if (!f) {
		cli_err("bench", "cannot write %s: %s", o->junit, strerror(errno));
		return -1;
	}
	bench_rates(r, &rt);
	failed = judge(o, r, NULL);
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites "
		"name=\"wsctl bench\" tests=\"%d\" failures=\"%d\" time=\"%.3f\">\n"
		"  <testsuite name=\"wsctl bench %s\" tests=\"%d\" failures=\"%d\" "
		"time=\"%.3f\">\n", o->nth, failed, rt.elapsed_s,
		bench_mode_name(o->cfg.mode), o->nth, failed, rt.elapsed_s);
	for (i = 0; i < o->nth; i++) {
		char v[32];
		double got;
		int ok = bench_threshold_eval(&o->th[i], r, &got);

		fputs("    <testcase classname=\"threshold\" name=\"", f);
		report_xml_escape(f, o->th[i].expr);
		fputs("\"", f);
		if (ok) {
			fputs("/>\n", f);
			continue;
		}
		fputs("><failure type=\"threshold\" message=\"", f);
		report_xml_escape(f, o->th[i].metric);
		fprintf(f, " was %s\"/></testcase>\n",
			bench_threshold_fmt(&o->th[i], got, v, sizeof(v)));
	}
	fputs("  </testsuite>\n</testsuites>\n", f);
	if (fclose(f) != 0) {
		cli_err("bench", "cannot write %s", o->junit);
		return -1;
	}
	return 0;
}

/* The summary, the thresholds' verdicts and the files of a run (or of
   a merge); returns the exit status. */
static int outputs(struct opts *o, const struct bench_result *r,
		   FILE *report)
{
	const struct bench_config *cfg = &o->cfg;
	char err[300];
	int rc = EXIT_OK;

	bench_print(stdout, cfg, r);
	/* thresholds, when given, say what errors a run may have */
	if ((!o->nth && bench_errors(r)) || r->interrupted ||
	    (cfg->mode == BENCH_IDLE && r->idle_held < cfg->connections))
		rc = EXIT_FAIL;
	if (judge(o, r, stdout) > 0)
		rc = EXIT_FAIL;
	fflush(stdout);
	if (report && write_report(report, o, r) < 0)
		rc = EXIT_FAIL;
	if (o->junit && write_junit(o, r) < 0)
		rc = EXIT_FAIL;
	if (o->html && bench_html(o->html, cfg, r, rc != EXIT_OK, err,
				  sizeof(err)) < 0) {
		cli_err("bench", "%s", err);
		rc = EXIT_FAIL;
	}
	return rc;
}

static int run(struct opts *o)
{
	struct bench_config *cfg = &o->cfg;
	struct sigaction sa = { .sa_handler = on_signal }, old_int, old_term;
	struct progress p = { .connections = cfg->connections };
	struct bench_result *r;
	FILE *report = NULL;
	char err[300];
	int rc;

	if (room(cfg) != EXIT_OK)
		return EXIT_USAGE;
	if (o->report && !(report = fopen(o->report, "w"))) {
		cli_err("bench", "cannot write %s: %s", o->report,
			strerror(errno));
		return EXIT_USAGE;
	}
	if (o->hdr_log && !(cfg->hdr_log = fopen(o->hdr_log, "w"))) {
		cli_err("bench", "cannot write %s: %s", o->hdr_log,
			strerror(errno));
		if (report)
			fclose(report);
		return EXIT_USAGE;
	}
	r = malloc(sizeof(*r));
	if (!r) {
		cli_err("bench", "out of memory");
		if (report)
			fclose(report);
		return EXIT_USAGE;
	}
	if (!o->quiet && isatty(STDERR_FILENO)) {
		cfg->progress = progress;
		cfg->progress_arg = &p;
	}
	cfg->stop = &interrupted;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	rc = bench_run(cfg, r, err, sizeof(err));
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (cfg->progress)
		fprintf(stderr, "\r\033[K");
	if (rc < 0) {
		cli_err("bench", "%s", err);
		if (report)
			fclose(report);
		free(r);
		return EXIT_USAGE;
	}
	rc = outputs(o, r, report);
	if (cfg->hdr_log && fclose(cfg->hdr_log) != 0) {
		cli_err("bench", "cannot write %s", o->hdr_log);
		rc = EXIT_FAIL;
	}
	free(r);
	return rc;
}

/* --export: the scenario for another engine, and no load.  It is made
   in memory first, so a scenario refused leaves no file behind. */
static int export(struct opts *o)
{
	char err[300], *buf = NULL;
	size_t len = 0;
	FILE *mem, *f;
	int rc, bad;

	if (o->report || o->junit || o->html || o->hdr_log || o->nth)
		return cli_usage("bench", "--export runs no load: no --report, "
				 "--junit, --html, --hdr-log or --threshold "
				 "with it");
	if (!(mem = open_memstream(&buf, &len))) {
		cli_err("bench", "out of memory");
		return EXIT_USAGE;
	}
	rc = bench_export_artillery(mem, &o->cfg, o->url, err, sizeof(err));
	bad = fclose(mem) != 0;
	if (rc < 0 || bad) {
		cli_err("bench", "--export artillery: %s", bad ? "out of memory"
			: err);
		free(buf);
		return EXIT_USAGE;
	}
	if (!(f = fopen(o->export, "w"))) {
		cli_err("bench", "cannot write %s: %s", o->export,
			strerror(errno));
		free(buf);
		return EXIT_USAGE;
	}
	bad = fwrite(buf, 1, len, f) != len;
	bad |= fclose(f) != 0;
	free(buf);
	if (bad) {
		cli_err("bench", "cannot write %s", o->export);
		return EXIT_USAGE;
	}
	printf("wrote %s: run it with  artillery run %s\n", o->export,
	       o->export);
	return EXIT_OK;
}

/* A report file, whole, as JSON; NULL with the reason said. */
static cJSON *read_report(const char *path)
{
	FILE *f = fopen(path, "r");
	size_t cap = 1 << 16, n = 0, got;
	char *buf = NULL, *p;
	cJSON *root = NULL;

	if (!f) {
		cli_err("bench", "merge: cannot read %s: %s", path,
			strerror(errno));
		return NULL;
	}
	while ((p = realloc(buf, cap + 1))) {
		buf = p;
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (n < cap || cap >= MAX_REPORT)
			break;
		cap *= 2;
	}
	if (buf && !ferror(f) && n < MAX_REPORT) {
		buf[n] = '\0';
		root = cJSON_Parse(buf);
	}
	if (!root)
		cli_err("bench", "merge: %s is not a JSON report%s", path,
			n >= MAX_REPORT ? " (over 64 MiB)" : "");
	fclose(f);
	free(buf);
	return root;
}

/* wsctl bench merge [options] REPORT... */
static int merge(int argc, char **argv)
{
	static const struct option mopts[] = {
		{ "threshold", required_argument, NULL, OPT_THRESHOLD },
		{ "report", required_argument, NULL, OPT_REPORT },
		{ "junit", required_argument, NULL, OPT_JUNIT },
		{ "html", required_argument, NULL, OPT_HTML },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .cfg = { .mode = BENCH_ECHO } };
	struct bench_result *r;
	FILE *report = NULL;
	char err[400];
	int c, i, rc = EXIT_USAGE;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", mopts, NULL)) != -1) {
		switch (c) {
		case OPT_THRESHOLD:
			if (add_threshold(&o, optarg))
				return EXIT_USAGE;
			break;
		case OPT_REPORT:
			o.report = optarg;
			break;
		case OPT_JUNIT:
			o.junit = optarg;
			break;
		case OPT_HTML:
			o.html = optarg;
			break;
		case 'h':
			return cli_help(help);
		default:
			return cli_bad_option("bench", c, argv);
		}
	}
	if (optind == argc)
		return cli_usage("bench", "merge: no report given");
	if (!(r = malloc(sizeof(*r)))) {
		cli_err("bench", "out of memory");
		return EXIT_USAGE;
	}
	for (i = optind; i < argc; i++) {
		cJSON *root = read_report(argv[i]);

		if (!root)
			goto out;
		if (bench_merge(root, i == optind, &o.cfg, r, err,
				sizeof(err)) < 0) {
			cli_err("bench", "merge: %s: %s", argv[i], err);
			cJSON_Delete(root);
			goto out;
		}
		cJSON_Delete(root);
	}
	if (o.report && !(report = fopen(o.report, "w"))) {
		cli_err("bench", "cannot write %s: %s", o.report, strerror(errno));
		goto out;
	}
	printf("merged %d report%s\n", argc - optind, argc - optind > 1 ? "s" : "");
	rc = outputs(&o, r, report);
out:
	free(r);
	return rc;
}

/* wsctl bench [options] URL */
static int load(int argc, char **argv)
{
	struct opts o = {
		.cfg = {
			.mode = BENCH_ECHO,
			.connections = 10,
			.ramp = 256,
			.duration_ms = 10000,
			.size = 1024,
			.timeout_ms = 5000,
		},
	};
	int r = parse(argc, argv, &o);

	if (r < 0)
		return EXIT_OK;		/* --help */
	if (r == EXIT_OK)
		r = check(&o);
	if (r == EXIT_OK)
		r = o.export ? export(&o) : run(&o);
	return r;
}

int cmd_bench(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "merge"))
		return merge(argc - 1, argv + 1);
	return load(argc, argv);
}
