/*
 * cmd_check.c - wsctl check: run the conformance checks against a proxy.
 * Option parsing and set-up live here; the checks live in checks/.
 */
#include <fnmatch.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <curl/curl.h>

#include "checks/backends.h"
#include "checks/blame.h"
#include "checks/nginx_conf.h"
#include "checks/nginx_run.h"
#include "checks/plan.h"
#include "checks/proxy.h"
#include "checks/sandbox.h"
#include "checks/run.h"
#include "cli/check_proxy.h"
#include "cli/cli.h"
#include "cli/report.h"
#include "common/addr.h"
#include "common/units.h"
#include "common/wsc.h"

/* --proxy-config's model, read while the options are checked */
static struct proxy_model pm;

static const char usage[] =
"usage: wsctl check [options] [URL...]\n"
"\n"
"Run conformance checks against a WebSocket reverse proxy: the 101, header\n"
"forwarding, frames, closes, idle timeouts, balancing, failover, load.\n"
"\n"
"What to check:\n"
"  URL                      the proxy, ws:// or wss:// (several allowed)\n"
"  --nginx-conf FILE        read the target, backends and expectations from\n"
"                           an nginx config (includes followed)\n"
"  --start-nginx            run nginx on a sandboxed copy of that config:\n"
"                           loopback ports, certificates made here, stand-in\n"
"                           backends for every upstream, host paths moved\n"
"  --real-time              keep the sandbox's timeouts as written (default:\n"
"                           every timeout, and --idle, at 1/30 or less)\n"
"  --proxy-config FILE      read them from a config of nginx, HAProxy,\n"
"                           Caddy (Caddyfile) or Apache; its kind detected\n"
"  --proxy KIND             ... or this: nginx, haproxy, caddy, apache\n"
"  --start                  run that proxy on a sandboxed copy of it, as\n"
"                           --start-nginx does (nginx: the same)\n"
"  --location PATH          check the location nginx picks for PATH\n"
"                           (repeatable; default: every WebSocket location)\n"
"  --backends LIST          wsctl echo backends behind the proxy: ADDR,...\n"
"                           already running, or spawn:ADDR,... to start them;\n"
"                           ADDR*W: the proxy gives it weight W\n"
"  --strict-backends        spawned backends refuse an HTTP/1.0 upgrade, as\n"
"                           RFC 6455 says (default: accept it, as node ws\n"
"                           does, so only headers.http-version fails)\n"
"  --balance METHOD         expected balancing: round-robin, ip-hash,\n"
"                           least-conn (when no config says it)\n"
"  --expect-sticky          the apps need sessions kept on one backend\n"
"                           (Socket.IO, SignalR): affinity.session judges\n"
"  --read-timeout DURATION  the proxy's idle timeout (when no config says it)\n"
"  --reload-cmd CMD         how reload.tunnels reloads a running proxy's\n"
"                           config (/bin/sh -c CMD; --start-nginx: SIGHUP)\n"
"\n"
"Which checks, and how:\n"
"  --list                   print every check id, what it checks and what\n"
"                           it needs: [backends] [spawned] [wait]\n"
"                           [read timeout] [reload]\n"
"  --only IDS               only these ids or globs, comma-separated\n"
"                           (repeatable): --only 'headers.*'; a bare\n"
"                           section is all of it: --only frames; one that\n"
"                           matches no check is an error (exit 2)\n"
"  --skip IDS               not these (--list shows what is left)\n"
"  --quick                  skip the checks that wait for timeouts\n"
"  --idle DURATION          how long the timeout.idle* checks wait (default 65s)\n"
"  --connections N          connections for concurrency.parallel (default 200)\n"
"  --capacity N             tunnels capacity.tunnels holds at once (default:\n"
"                           what the config allows, else 1000)\n"
"  --timeout DURATION       limit per check, on top of its waits (default 30s)\n"
"  --settle DURATION        before the checks, and after each that stops a\n"
"                           backend, wait up to this for the proxy to route\n"
"                           to every backend again (default 5s; 0: never)\n"
"  --insecure               wss://: accept any certificate\n"
"  --ca FILE                wss://: trust these CA certificates\n"
"\n"
"Output:\n"
"  --report FILE            write the JSON report (docs/report.schema.json)\n"
"  --junit FILE             write JUnit XML\n"
"  --html FILE              write one self-contained HTML page of the run\n"
"  --name NAME              the JUnit suite's name (default: the config's\n"
"                           file name, else the URL), stable across runs\n"
"  --format table|json      what goes to stdout (default table)\n"
"  --color auto|always|never\n"
"                           colour the table (default auto: on a terminal,\n"
"                           unless NO_COLOR is set or TERM is dumb)\n"
"  -v, --verbose            list what the sandbox changed in the config,\n"
"                           and under each failure the heads as they went\n"
"  -h, --help               show this help\n"
"\n"
"Exit status: 0 nothing failed, 1 a check failed or errored, 2 usage or\n"
"setup error (a bad URL, a missing config, a busy port, nginx won't start).\n";

enum {
	OPT_NGINX_CONF = 256, OPT_START_NGINX, OPT_BACKENDS, OPT_BALANCE,
	OPT_READ_TIMEOUT, OPT_LIST, OPT_ONLY, OPT_SKIP, OPT_QUICK, OPT_IDLE,
	OPT_CONNECTIONS, OPT_TIMEOUT, OPT_INSECURE, OPT_CA, OPT_REPORT,
	OPT_JUNIT, OPT_FORMAT, OPT_COLOR, OPT_LOCATION, OPT_STRICT_BACKENDS,
	OPT_REAL_TIME, OPT_RELOAD_CMD, OPT_CAPACITY, OPT_EXPECT_STICKY,
	OPT_SETTLE, OPT_PROXY_CONFIG, OPT_PROXY, OPT_START, OPT_NAME, OPT_HTML,
};

static const struct option options[] = {
	{ "nginx-conf", required_argument, NULL, OPT_NGINX_CONF },
	{ "start-nginx", no_argument, NULL, OPT_START_NGINX },
	{ "proxy-config", required_argument, NULL, OPT_PROXY_CONFIG },
	{ "proxy", required_argument, NULL, OPT_PROXY },
	{ "start", no_argument, NULL, OPT_START },
	{ "location", required_argument, NULL, OPT_LOCATION },
	{ "strict-backends", no_argument, NULL, OPT_STRICT_BACKENDS },
	{ "real-time", no_argument, NULL, OPT_REAL_TIME },
	{ "reload-cmd", required_argument, NULL, OPT_RELOAD_CMD },
	{ "backends", required_argument, NULL, OPT_BACKENDS },
	{ "balance", required_argument, NULL, OPT_BALANCE },
	{ "read-timeout", required_argument, NULL, OPT_READ_TIMEOUT },
	{ "list", no_argument, NULL, OPT_LIST },
	{ "only", required_argument, NULL, OPT_ONLY },
	{ "skip", required_argument, NULL, OPT_SKIP },
	{ "quick", no_argument, NULL, OPT_QUICK },
	{ "idle", required_argument, NULL, OPT_IDLE },
	{ "connections", required_argument, NULL, OPT_CONNECTIONS },
	{ "capacity", required_argument, NULL, OPT_CAPACITY },
	{ "expect-sticky", no_argument, NULL, OPT_EXPECT_STICKY },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "settle", required_argument, NULL, OPT_SETTLE },
	{ "insecure", no_argument, NULL, OPT_INSECURE },
	{ "ca", required_argument, NULL, OPT_CA },
	{ "report", required_argument, NULL, OPT_REPORT },
	{ "junit", required_argument, NULL, OPT_JUNIT },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "color", required_argument, NULL, OPT_COLOR },
	{ "name", required_argument, NULL, OPT_NAME },
	{ "html", required_argument, NULL, OPT_HTML },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct out_opts {
	const char *report, *junit, *name, *html;
	int json, color, verbose;
};

/* The sandbox's timeouts, --idle and the pings run at 1/TIME_DIV at most
   (checks/sandbox.h: SANDBOX_MIN_MS). */
#define TIME_DIV 100

/*
 * SIGINT, SIGTERM and SIGHUP end a run the orderly way: the signals are
 * blocked in every thread but this one, which tells the runner to stop;
 * cmd_check then prints what it has, writes the reports and cleans up.
 */
static sigset_t stop_signals;
static volatile int got_signal;

static void *signal_thread(void *arg)
{
	int sig = 0;

	(void)arg;
	if (sigwait(&stop_signals, &sig) == 0) {
		got_signal = sig;
		run_interrupt();
	}
	return NULL;
}

static int catch_signals(void)
{
	pthread_t t;

	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGHUP);
	if (pthread_sigmask(SIG_BLOCK, &stop_signals, NULL) ||
	    pthread_create(&t, NULL, signal_thread, NULL))
		return -1;
	pthread_detach(t);
	return 0;
}

static void list_one(const struct check *c, void *arg)
{
	char needs[64] = "";

	(void)arg;
	if (c->needs & NEEDS_SPAWNED)
		strcat(needs, " [spawned]");
	else if (c->needs & NEEDS_BACKENDS)
		strcat(needs, " [backends]");
	if (c->needs & NEEDS_WAIT)
		strcat(needs, " [wait]");
	if (c->needs & NEEDS_TIMEOUT)
		strcat(needs, " [read timeout]");
	if (c->needs & NEEDS_RELOAD)
		strcat(needs, " [reload]");
	printf("%-31s %s%s\n", c->id, c->title, needs);
}

/* Split a comma-separated list into pats (pointing into s); a bare
   section ("frames", as h2spec takes one) is every check of it. */
static int add_patterns(char *s, const char **pats, int *n)
{
	static char sections[RUN_MAX_PATTERNS][64];
	static int nsections;
	char *tok, *save;

	for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (*n == RUN_MAX_PATTERNS)
			return -1;
		if (!strpbrk(tok, ".*?[") && strlen(tok) < 60 &&
		    nsections < RUN_MAX_PATTERNS) {
			snprintf(sections[nsections], sizeof(sections[0]), "%s.*",
				 tok);
			tok = sections[nsections++];
		}
		pats[(*n)++] = tok;
	}
	return 0;
}

struct match {
	const char *pat;
	int hits;
};

static void count_match(const struct check *c, void *arg)
{
	struct match *m = arg;

	m->hits += !fnmatch(m->pat, c->id, 0);
}

/* The first of pats that selects no check, or NULL. */
static const char *unmatched(const char *const *pats, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		struct match m = { pats[i], 0 };

		check_foreach(count_match, &m);
		if (!m.hits)
			return pats[i];
	}
	return NULL;
}

struct selection {
	const struct check_config *cfg;
	int hits;
};

static void count_selected(const struct check *c, void *arg)
{
	struct selection *s = arg;

	s->hits += run_selected(s->cfg, c->id);
}

static void list_selected(const struct check *c, void *arg)
{
	if (run_selected(arg, c->id))
		list_one(c, NULL);
}

static int parse(int argc, char **argv, struct check_config *cfg,
		 struct backends *bs, struct out_opts *out)
{
	const char *cmd = argv[0];
	char err[1024];
	int c, color = -1, list = 0;
	struct selection sel = { cfg, 0 };
	const char *bad;
	uint64_t n;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hv", options, NULL)) != -1) {
		switch (c) {
		case OPT_NGINX_CONF: cfg->nginx_conf = optarg; break;
		case OPT_START_NGINX: cfg->start_nginx = 1; break;
		case OPT_PROXY_CONFIG: cfg->proxy_config = optarg; break;
		case OPT_PROXY: cfg->proxy_kind = optarg; break;
		case OPT_START: cfg->start = 1; break;
		case OPT_STRICT_BACKENDS: bs->strict = 1; break;
		case OPT_REAL_TIME: cfg->time_div = 1; break;
		case OPT_RELOAD_CMD:
			if (!optarg[strspn(optarg, " \t")])
				return cli_usage(cmd, "empty --reload-cmd");
			cfg->reload_cmd = optarg;
			break;
		case OPT_LOCATION:
			if (optarg[0] != '/')
				return cli_usage(cmd, "bad --location '%s': a "
						 "path, such as /ws/", optarg);
			if (cfg->nlocations == RUN_MAX_URLS)
				return cli_usage(cmd, "more than %d --location",
						 RUN_MAX_URLS);
			cfg->locations[cfg->nlocations++] = optarg;
			break;
		case OPT_BACKENDS:
			if (backends_parse(bs, optarg, err, sizeof(err)) < 0)
				return cli_usage(cmd, "bad --backends: %s", err);
			break;
		case OPT_BALANCE:
			cfg->balance = balance_parse(optarg);
			if (cfg->balance == BALANCE_UNKNOWN)
				return cli_usage(cmd, "unknown balancing method '%s'",
						 optarg);
			break;
		case OPT_READ_TIMEOUT:
			if (units_duration(optarg, &cfg->read_timeout_ms) < 0 ||
			    cfg->read_timeout_ms <= 0)
				return cli_usage(cmd, "bad duration '%s' for "
						 "--read-timeout", optarg);
			break;
		case OPT_LIST: list = 1; break;
		case OPT_ONLY:
			if (add_patterns(optarg, cfg->only, &cfg->nonly) < 0)
				return cli_usage(cmd, "too many --only patterns");
			break;
		case OPT_SKIP:
			if (add_patterns(optarg, cfg->skip, &cfg->nskip) < 0)
				return cli_usage(cmd, "too many --skip patterns");
			break;
		case OPT_QUICK: cfg->quick = 1; break;
		case OPT_IDLE:
			if (units_duration(optarg, &cfg->idle_ms) < 0 ||
			    cfg->idle_ms <= 0)
				return cli_usage(cmd, "bad duration '%s' for --idle",
						 optarg);
			break;
		case OPT_CONNECTIONS:
			if (units_size(optarg, &n) < 0 || n < 1 || n > 20000)
				return cli_usage(cmd, "bad --connections '%s' "
						 "(1 to 20000)", optarg);
			cfg->connections = (int)n;
			break;
		case OPT_EXPECT_STICKY: cfg->expect_sticky = 1; break;
		case OPT_CAPACITY:
			if (units_size(optarg, &n) < 0 || n < 1 || n > 100000)
				return cli_usage(cmd, "bad --capacity '%s' "
						 "(1 to 100000)", optarg);
			cfg->capacity = (int)n;
			break;
		case OPT_TIMEOUT:
			if (units_duration(optarg, &cfg->timeout_ms) < 0 ||
			    cfg->timeout_ms <= 0)
				return cli_usage(cmd, "bad duration '%s' for "
						 "--timeout", optarg);
			break;
		case OPT_SETTLE:
			if (units_duration(optarg, &cfg->settle_ms) < 0 ||
			    cfg->settle_ms < 0 || cfg->settle_ms > 600000)
				return cli_usage(cmd, "bad duration '%s' for "
						 "--settle (0 to 10m)", optarg);
			break;
		case OPT_INSECURE: cfg->insecure = 1; break;
		case OPT_CA: cfg->ca_file = optarg; break;
		case OPT_REPORT: out->report = optarg; break;
		case OPT_JUNIT: out->junit = optarg; break;
		case OPT_HTML: out->html = optarg; break;
		case OPT_NAME:
			if (!optarg[0])
				return cli_usage(cmd, "empty --name");
			out->name = optarg;
			break;
		case OPT_FORMAT:
			if (!strcmp(optarg, "json"))
				out->json = 1;
			else if (strcmp(optarg, "table"))
				return cli_usage(cmd, "unknown format '%s' (table "
						 "or json)", optarg);
			break;
		case OPT_COLOR:
			color = !strcmp(optarg, "always") ? 1 :
				!strcmp(optarg, "never") ? 0 :
				!strcmp(optarg, "auto") ? -1 : -2;
			if (color == -2)
				return cli_usage(cmd, "unknown --color '%s'", optarg);
			break;
		case 'v': out->verbose = 1; break;
		case 'h':
			exit(cli_help(usage));
		default:
			return cli_bad_option(cmd, c, argv);
		}
	}
	out->color = cli_color(color);
	/* a selection of nothing would go green having checked nothing */
	if ((bad = unmatched(cfg->only, cfg->nonly)))
		return cli_usage(cmd, "--only '%s' matches no check (wsctl check "
				 "--list shows them)", bad);
	if ((bad = unmatched(cfg->skip, cfg->nskip)))
		return cli_usage(cmd, "--skip '%s' matches no check (wsctl check "
				 "--list shows them)", bad);
	check_foreach(count_selected, &sel);
	if (!sel.hits)
		return cli_usage(cmd, "--only and --skip leave no check to run");
	if (list) {
		check_foreach(list_selected, cfg);
		exit(EXIT_OK);
	}
	for (; optind < argc; optind++) {
		struct url u;

		if (cfg->nurls == RUN_MAX_URLS)
			return cli_usage(cmd, "more than %d URLs", RUN_MAX_URLS);
		if (url_parse(argv[optind], &u, err, sizeof(err)) < 0)
			return cli_usage(cmd, "bad URL '%s': %s", argv[optind], err);
		if (strcmp(u.scheme, "ws") && strcmp(u.scheme, "wss"))
			return cli_usage(cmd, "bad URL '%s': want ws:// or wss://",
					 argv[optind]);
		cfg->urls[cfg->nurls++] = argv[optind];
	}
	if (cfg->proxy_config && cfg->nginx_conf)
		return cli_usage(cmd, "--proxy-config or --nginx-conf, not both");
	if (cfg->start && !cfg->proxy_config)
		return cli_usage(cmd, "--start needs --proxy-config");
	if (cfg->proxy_kind && !cfg->proxy_config)
		return cli_usage(cmd, "--proxy needs --proxy-config");
	if (cfg->proxy_config) {
		const struct proxy_driver *d = NULL;

		if (cfg->proxy_kind && !(d = proxy_find(cfg->proxy_kind)))
			return cli_usage(cmd, "unknown proxy '%s' (nginx, "
					 "haproxy, caddy, apache)",
					 cfg->proxy_kind);
		if (proxy_load(&pm, cfg->proxy_config, d, err, sizeof(err)) < 0)
			return cli_err(cmd, "%s", err), EXIT_USAGE;
		if (pm.drv == &proxy_nginx) {
			/* nginx's own path: the same as --nginx-conf */
			cfg->nginx_conf = cfg->proxy_config;
			cfg->start_nginx = cfg->start;
			cfg->proxy_config = NULL;
		} else if (cfg->nurls || cfg->nlocations) {
			return cli_usage(cmd, "a URL or --location with a %s "
					 "config: its first frontend is the "
					 "target", pm.drv->kind);
		} else if (!cfg->start) {
			return cli_usage(cmd, "--proxy-config for %s needs "
					 "--start (a running one: give its URL "
					 "and --backends)", pm.drv->kind);
		} else if (cfg->reload_cmd || bs->n) {
			return cli_usage(cmd, "--reload-cmd or --backends with "
					 "--start: the sandbox reloads the %s it "
					 "started and starts a backend for every "
					 "server itself", pm.drv->kind);
		}
	}
	if (!cfg->nurls && !cfg->nginx_conf && !cfg->proxy_config)
		return cli_usage(cmd, "nothing to check: give a URL, "
				 "--proxy-config or --nginx-conf");
	if (cfg->start_nginx && !cfg->nginx_conf)
		return cli_usage(cmd, "--start-nginx needs --nginx-conf");
	if (cfg->start_nginx && cfg->reload_cmd)
		return cli_usage(cmd, "--reload-cmd with --start-nginx: the "
				 "nginx started here is reloaded by SIGHUP");
	if (cfg->nlocations && !cfg->nginx_conf)
		return cli_usage(cmd, "--location needs --nginx-conf");
	if (cfg->start_nginx && !cfg->time_div)
		cfg->time_div = TIME_DIV;
	if (cfg->start_nginx && bs->n)
		return cli_usage(cmd, "--backends with --start-nginx: the "
				 "sandbox starts a backend for every upstream "
				 "itself");
	return EXIT_OK;
}

static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* Spawned backends refuse "<path>?wsctl-reject" with 403: path is what
   they see for a target, query included. */
static void add_reject(struct backends *bs, const char *path)
{
	if (bs->nreject == 64 || strlen(path) + 20 > sizeof(bs->reject[0]))
		return;
	snprintf(bs->reject[bs->nreject++], sizeof(bs->reject[0]),
		 "%.2000s%swsctl-reject=403", path, strchr(path, '?') ? "&" : "?");
}

/*
 * On a terminal, while the checks run: a progress line on stderr,
 * "[12/54] running 3; timeout.idle: up to 43s", rewritten as it changes
 * and erased before the table; and when stdout is the terminal too
 * (live), each check's row there as it finishes.
 */
static atomic_int ticking;
static struct {
	int live, color, width, headings;
	const char *url;	/* of the last row shown */
	int rows;		/* rows shown */
} tick_out;

static int dumb_term(void)
{
	const char *t = getenv("TERM");

	return !t || !strcmp(t, "dumb");
}

/* The rows finished since the last call, to stdout. */
static int live_rows(void)
{
	struct run_row w[16];
	int n, i, shown = 0;

	while (tick_out.live &&
	       (n = run_finished(tick_out.rows, w, 16)) > 0) {
		if (!shown++)
			fputs("\r\033[K", stderr);
		for (i = 0; i < n; i++) {
			if (tick_out.headings && (!tick_out.url ||
						  strcmp(tick_out.url, w[i].url)))
				printf("%s%s\n", tick_out.url ? "\n" : "",
				       w[i].url);
			tick_out.url = w[i].url;
			report_row(stdout, &w[i], tick_out.color,
				   tick_out.width);
		}
		tick_out.rows += n;
	}
	fflush(stdout);
	return shown;
}

static void *ticker(void *arg)
{
	char line[160] = "";

	(void)arg;
	while (ticking) {
		struct run_progress p;
		struct timespec ts = { 0, 200 * 1000000L };
		char wait[96] = "", now[160];

		int rows = live_rows();

		run_progress(&p);
		if (p.waiting)
			snprintf(wait, sizeof(wait), "; %s: up to %llds",
				 p.waiting, (long long)(p.wait_ms + 999) / 1000);
		snprintf(now, sizeof(now), "[%d/%d] running %d%s", p.done,
			 p.total, p.running, wait);
		if (p.total && (rows || strcmp(now, line))) {
			fprintf(stderr, "\r\033[K%s", now);
			memcpy(line, now, sizeof(line));
		}
		nanosleep(&ts, NULL);
	}
	live_rows();
	if (line[0])
		fputs("\r\033[K", stderr);
	return NULL;
}

/* The terminal's width when stdout is one (COLUMNS first), else 0. */
static int term_width(void)
{
	const char *c = getenv("COLUMNS");
	struct winsize ws;

	if (!isatty(1))
		return 0;
	if (c && atoi(c) > 0)
		return atoi(c);
	if (ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

static int output(const struct run *run, const struct check_config *cfg,
		  const struct out_opts *out, const struct sandbox *sb,
		  const struct plan *plan)
{
	struct report_meta m = { cfg, cfg->nginx_conf ? cfg->nginx_conf :
				 cfg->proxy_config, sb, plan, out->verbose,
				 pm.drv ? pm.drv->kind : "nginx", out->name,
				 term_width(), tick_out.live };
	struct summary s = report_summary(run);
	char err[512];
	int rc = s.failed || s.errors ? EXIT_FAIL : EXIT_OK;

	if (out->json) {
		if (report_json("-", run, &m, err, sizeof(err)) < 0)
			cli_err("check", "%s", err);
	} else {
		report_table(stdout, run, &m, out->color);
	}
	if (out->report && report_json(out->report, run, &m, err, sizeof(err)) < 0) {
		cli_err("check", "%s", err);
		rc = EXIT_FAIL;
	}
	if (out->junit && report_junit(out->junit, run, &m, err, sizeof(err)) < 0) {
		cli_err("check", "%s", err);
		rc = EXIT_FAIL;
	}
	if (out->html && report_html(out->html, run, &m, err, sizeof(err)) < 0) {
		cli_err("check", "%s", err);
		rc = EXIT_FAIL;
	}
	return rc;
}

/* Stand-ins for every other live upstream address of the sandbox. */
static int add_extras(const struct sandbox *sb, const struct backends *bs,
		      struct backends *extra, char *err, size_t errlen)
{
	size_t i;
	int k, used;

	extra->spawn = 1;
	for (i = 0; i < sb->nhosts; i++) {
		char addr[300];

		if (!sb->hosts[i].live)
			continue;
		addr_fmt(sb->hosts[i].to.host, sb->hosts[i].to.port, addr,
			 sizeof(addr));
		for (k = 0, used = 0; k < bs->n; k++)
			used |= !strcmp(bs->b[k].addr, addr);
		if (used)
			continue;
		if ((k = backends_add(extra, addr, 1, err, errlen)) < 0)
			return -1;
		snprintf(extra->b[k].id, sizeof(extra->b[k].id), "%s",
			 sb->hosts[i].from);
	}
	return 0;
}

/*
 * Read the config, make the sandbox when nginx is to be started, and
 * plan the targets, their backends and expectations.  Returns EXIT_OK
 * or EXIT_USAGE (the message printed).
 */
static int setup(struct check_config *cfg, struct nginx_conf **conf,
		 struct sandbox *sb, struct backends *bs, struct backends *extra,
		 const struct expect *given, struct plan *plan)
{
	struct plan_request rq = { cfg->urls, cfg->nurls, cfg->locations,
				   cfg->nlocations, given };
	char err[1024];
	int i;

	*conf = nginx_conf_load(cfg->nginx_conf, cfg->start_nginx ?
				NGINX_READ_MISSING_OK : 0, err, sizeof(err));
	if (!*conf)
		return cli_err("check", "%s", err), EXIT_USAGE;
	sb->time_div = cfg->time_div;
	if (cfg->start_nginx && sandbox_make(sb, *conf, err, sizeof(err)) < 0)
		return cli_err("check", "%s", err), EXIT_USAGE;
	if (cfg->start_nginx)
		cfg->time_div = sb->time_div;
	if (plan_make(*conf, cfg->start_nginx ? sb : NULL, &rq, bs, plan, err,
		      sizeof(err)) < 0)
		return cli_err("check", "%s", err), EXIT_USAGE;
	/* the report lists every target */
	for (i = 0; i < plan->n; i++) {
		const char *q = strchr(plan->t[i].url, '?');
		char path[2300];

		cfg->urls[i] = plan->t[i].url;
		cfg->connect[i] = plan->t[i].connect[0] ? plan->t[i].connect :
				  NULL;
		snprintf(path, sizeof(path), "%s%s", plan->t[i].backend_path,
			 q ? q : "");
		if (bs->spawn)
			add_reject(bs, path);
	}
	cfg->nurls = plan->n;
	if (!cfg->start_nginx)
		return EXIT_OK;
	/* the copy's certificate is made here: trust exactly that one */
	if (sb->cert[0] && !cfg->insecure && !cfg->ca_file)
		cfg->ca_file = sb->cert;
	if (add_extras(sb, bs, extra, err, sizeof(err)) < 0)
		return cli_err("check", "%s", err), EXIT_USAGE;
	return EXIT_OK;
}

/*
 * The checks of each target in turn, each with its own backends (a
 * view of bs) and expectations, into one run.
 */
static void run_targets(const struct check_config *cfg,
			const struct nginx_conf *conf, struct plan *plan,
			struct backends *bs, struct check_notes *notes,
			struct run *run)
{
	static struct backends view;
	static struct check_config one;
	static struct check_env env;
	int i;

	for (i = 0; i < plan->n && !run_interrupted() && !run->abandoned; i++) {
		struct plan_target *t = &plan->t[i];
		int k, first = run->n;

		one = *cfg;
		one.urls[0] = t->url;
		one.connect[0] = cfg->connect[i];
		one.nurls = 1;
		backends_view(bs, t->backend, t->weight, t->nbackends, &view);
		env.cfg = &one;
		env.backends = view.n ? &view : NULL;
		env.expect = &t->ex;
		env.notes = notes;
		run_checks(&env, run);
		backends_unview(&view, t->backend, bs);
		for (k = first; k < run->n; k++)
			blame(conf, t, run->r[k].check->id, &run->r[k].res);
	}
}

/*
 * Whether each target can be reached at all: a refused port, a name that
 * does not resolve or a certificate not trusted is one setup error, not
 * a table of failures.  Anything past TCP and TLS is the checks' to say.
 */
static int reachable(const struct check_config *cfg, char *err, size_t len)
{
	int i;

	for (i = 0; i < cfg->nurls; i++) {
		struct wsc_opts o = { 0 };
		struct wsc w;
		char why[512];
		int rc;

		o.url = cfg->urls[i];
		o.connect_to = cfg->connect[i];
		o.timeout_ms = 5000;
		o.insecure = cfg->insecure;
		o.ca_file = cfg->ca_file;
		rc = wsc_open(&w, &o, why, sizeof(why));
		wsc_free(&w);
		if (rc == WSC_ERR_CONNECT)
			return snprintf(err, len, "%s: %s", cfg->urls[i], why), -1;
		if (rc == WSC_ERR_TLS)
			return snprintf(err, len, "%s: %s (--ca FILE trusts its "
					"CA, --insecure any certificate)",
					cfg->urls[i], why), -1;
	}
	return 0;
}

int cmd_check(int argc, char **argv)
{
	static struct backends bs, extra;
	static struct sandbox sb;
	static struct proxy_box pb;
	static struct plan plan;
	struct check_config cfg = {
		.idle_ms = 65000, .connections = 200, .timeout_ms = 30000,
		.settle_ms = 5000,
	};
	struct out_opts out = { NULL, NULL, NULL, NULL, 0, 0, 0 };
	struct expect ex = { .balance = BALANCE_UNKNOWN };
	struct check_notes notes = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct check_env env = { &cfg, NULL, &ex, &notes, NULL };
	struct nginx_conf *conf = NULL;
	struct nginx_proc ngx = { 0, "" };
	struct run run = { 0 };
	pthread_t tick;
	char err[1024];
	int rc, i;

	if ((rc = parse(argc, argv, &cfg, &bs, &out)) != EXIT_OK)
		return rc;
	if (cfg.balance != BALANCE_UNKNOWN) {
		ex.balance = cfg.balance;
		snprintf(ex.balance_from, sizeof(ex.balance_from), "--balance");
	}
	if (cfg.read_timeout_ms) {
		ex.read_timeout_ms = cfg.read_timeout_ms;
		snprintf(ex.read_timeout_from, sizeof(ex.read_timeout_from),
			 "--read-timeout");
	}
	if (catch_signals() < 0)
		return cli_err("check", "cannot set up signal handling"),
		       EXIT_USAGE;
	raise_nofile();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = EXIT_USAGE;
	if (cfg.nginx_conf &&
	    setup(&cfg, &conf, &sb, &bs, &extra, &ex, &plan) != EXIT_OK)
		goto out;
	if (cfg.proxy_config && check_proxy_setup(&cfg, &ex, &bs, &pm, &pb,
						  err, sizeof(err)) < 0) {
		cli_err("check", "%s", err);
		goto out;
	}
	if (!cfg.nginx_conf && bs.spawn)
		for (i = 0; i < cfg.nurls; i++) {
			struct url u;

			if (url_parse(cfg.urls[i], &u, err, sizeof(err)) == 0)
				add_reject(&bs, u.path);
		}
	if (bs.n) {
		if ((cfg.proxy_config ?
		     check_proxy_backends(&bs, &pm, &pb, err, sizeof(err)) :
		     backends_start_all(&bs, err, sizeof(err))) < 0) {
			cli_err("check", "%s", err);
			goto out;
		}
		env.backends = &bs;
	}
	if (extra.n && backends_start_all(&extra, err, sizeof(err)) < 0) {
		cli_err("check", "%s", err);
		goto out;
	}
	if (cfg.start_nginx) {
		struct hostport hp;

		if (addr_parse(plan.t[0].connect, 0, &hp, err, sizeof(err)) < 0 ||
		    nginx_start(&ngx, sb.prefix, sb.conf, &hp, err,
				sizeof(err)) < 0) {
			sandbox_translate(&sb, err, sizeof(err));
			cli_err("check", "%s", err);
			goto out;
		}
		cfg.reload_pid = ngx.pid;
	}
	if (cfg.proxy_config &&
	    check_proxy_start(&cfg, &pm, &pb, err, sizeof(err)) < 0) {
		cli_err("check", "%s", err);
		goto out;
	}
	if (!cfg.nginx_conf && reachable(&cfg, err, sizeof(err)) < 0) {
		cli_err("check", "%s", err);
		goto out;
	}
	if (!out.json && isatty(2) && !dumb_term()) {
		tick_out.live = isatty(1);
		tick_out.color = out.color;
		tick_out.width = term_width();
		tick_out.headings = cfg.nurls > 1 || cfg.nginx_conf;
		ticking = 1;
		if (pthread_create(&tick, NULL, ticker, NULL) != 0)
			ticking = tick_out.live = 0;
	}
	if (cfg.nginx_conf)
		run_targets(&cfg, conf, &plan, &bs, &notes, &run);
	else if (!run_interrupted() && run_checks(&env, &run) < 0)
		rc = -1;
	if (ticking) {
		ticking = 0;
		pthread_join(tick, NULL);
	}
	if (rc < 0) {
		rc = EXIT_USAGE;
		cli_err("check", "cannot run the checks");
		goto out;
	}
	snprintf(run.server, sizeof(run.server), "%s", notes.server);
	for (i = 0; !cfg.nginx_conf && i < run.n; i++) {
		struct check_result *res = &run.r[i].res;

		if (cfg.proxy_config)
			proxy_blame(&pm, run.r[i].check->id, res);
		else
			proxy_hint(notes.server, run.r[i].check->id, res);
	}
	run.interrupted |= run_interrupted();
	if (cfg.proxy_config)
		check_proxy_sandbox(&pm, &pb, &sb);
	rc = output(&run, &cfg, &out, cfg.start_nginx || cfg.proxy_config ?
		    &sb : NULL, cfg.nginx_conf ? &plan : NULL);
	if (run.interrupted) {
		cli_err("check", "interrupted by %s", strsignal(got_signal));
		rc = EXIT_FAIL;
	}
	if (run.abandoned) {
		/* a check's thread still holds env, curl and this stack:
		 * stop the children, then end here without freeing them */
		if (!run.interrupted)
			cli_err("check", "a check never finished; exiting "
				"without cleaning up after it");
		nginx_stop(&ngx);
		proxy_stop(&pb);
		backends_stop_all(&bs);
		backends_stop_all(&extra);
		sandbox_free(&sb);
		proxy_box_free(&pb);
		fflush(NULL);
		_exit(EXIT_FAIL);
	}
out:
	if (run_interrupted() && rc == EXIT_USAGE)
		rc = EXIT_FAIL;
	nginx_stop(&ngx);
	proxy_stop(&pb);
	backends_stop_all(&bs);
	backends_stop_all(&extra);
	sandbox_free(&sb);
	proxy_box_free(&pb);
	proxy_model_free(&pm);
	run_free(&run);
	nginx_conf_free(conf);
	curl_global_cleanup();
	return rc;
}
