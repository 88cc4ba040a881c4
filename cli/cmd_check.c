/*
 * cmd_check.c - wsctl check: run the conformance checks against a proxy.
 * Option parsing and set-up live here; the checks live in checks/.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <curl/curl.h>

#include "checks/backends.h"
#include "checks/nginx_conf.h"
#include "checks/nginx_run.h"
#include "checks/plan.h"
#include "checks/run.h"
#include "cli/cli.h"
#include "cli/report.h"
#include "common/addr.h"
#include "common/units.h"

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
"  --start-nginx            run nginx with that config for the run\n"
"  --backends LIST          wsctl echo backends behind the proxy: ADDR,...\n"
"                           already running, or spawn:ADDR,... to start them\n"
"  --balance METHOD         expected balancing: round-robin, ip-hash,\n"
"                           least-conn (when no config says it)\n"
"  --read-timeout DURATION  the proxy's idle timeout (when no config says it)\n"
"\n"
"Which checks, and how:\n"
"  --list                   print every check id, what it checks and what\n"
"                           it needs: [backends] [spawned] [wait] [read timeout]\n"
"  --only IDS               only these ids or globs, comma-separated\n"
"                           (repeatable): --only 'headers.*'\n"
"  --skip IDS               not these\n"
"  --quick                  skip the checks that wait for timeouts\n"
"  --idle DURATION          how long timeout.idle stays idle (default 65s)\n"
"  --connections N          connections for concurrency.parallel (default 200)\n"
"  --timeout DURATION       limit per check, on top of its waits (default 30s)\n"
"  --insecure               wss://: accept any certificate\n"
"  --ca FILE                wss://: trust these CA certificates\n"
"\n"
"Output:\n"
"  --report FILE            write the JSON report (docs/report.schema.json)\n"
"  --junit FILE             write JUnit XML\n"
"  --format table|json      what goes to stdout (default table)\n"
"  --color auto|always|never\n"
"                           colour the table (default auto: on a terminal)\n"
"  -h, --help               show this help\n"
"\n"
"Exit status: 0 nothing failed, 1 a check failed or errored, 2 usage or\n"
"setup error (a bad URL, a missing config, a busy port, nginx won't start).\n";

enum {
	OPT_NGINX_CONF = 256, OPT_START_NGINX, OPT_BACKENDS, OPT_BALANCE,
	OPT_READ_TIMEOUT, OPT_LIST, OPT_ONLY, OPT_SKIP, OPT_QUICK, OPT_IDLE,
	OPT_CONNECTIONS, OPT_TIMEOUT, OPT_INSECURE, OPT_CA, OPT_REPORT,
	OPT_JUNIT, OPT_FORMAT, OPT_COLOR,
};

static const struct option options[] = {
	{ "nginx-conf", required_argument, NULL, OPT_NGINX_CONF },
	{ "start-nginx", no_argument, NULL, OPT_START_NGINX },
	{ "backends", required_argument, NULL, OPT_BACKENDS },
	{ "balance", required_argument, NULL, OPT_BALANCE },
	{ "read-timeout", required_argument, NULL, OPT_READ_TIMEOUT },
	{ "list", no_argument, NULL, OPT_LIST },
	{ "only", required_argument, NULL, OPT_ONLY },
	{ "skip", required_argument, NULL, OPT_SKIP },
	{ "quick", no_argument, NULL, OPT_QUICK },
	{ "idle", required_argument, NULL, OPT_IDLE },
	{ "connections", required_argument, NULL, OPT_CONNECTIONS },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "insecure", no_argument, NULL, OPT_INSECURE },
	{ "ca", required_argument, NULL, OPT_CA },
	{ "report", required_argument, NULL, OPT_REPORT },
	{ "junit", required_argument, NULL, OPT_JUNIT },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "color", required_argument, NULL, OPT_COLOR },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct out_opts {
	const char *report, *junit;
	int json, color;
};

/* Spawned processes, for the signal handler only. */
static struct backends *sig_backends;
static struct nginx_proc *sig_nginx;

static void on_signal(int sig)
{
	int i;

	(void)sig;
	if (sig_backends)
		for (i = 0; i < sig_backends->n; i++)
			if (sig_backends->b[i].pid > 0)
				kill(sig_backends->b[i].pid, SIGKILL);
	if (sig_nginx && sig_nginx->pid > 0)
		kill(sig_nginx->pid, SIGTERM);
	_exit(EXIT_FAIL);
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
	printf("%-31s %s%s\n", c->id, c->title, needs);
}

/* Split a comma-separated list into pats (pointing into s). */
static int add_patterns(char *s, const char **pats, int *n)
{
	char *tok, *save;

	for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (*n == RUN_MAX_PATTERNS)
			return -1;
		pats[(*n)++] = tok;
	}
	return 0;
}

static int parse(int argc, char **argv, struct check_config *cfg,
		 struct backends *bs, struct out_opts *out)
{
	const char *cmd = argv[0];
	char err[256];
	int c, color = -1;
	uint64_t n;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
		switch (c) {
		case OPT_NGINX_CONF: cfg->nginx_conf = optarg; break;
		case OPT_START_NGINX: cfg->start_nginx = 1; break;
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
		case OPT_LIST:
			check_foreach(list_one, NULL);
			exit(EXIT_OK);
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
		case OPT_TIMEOUT:
			if (units_duration(optarg, &cfg->timeout_ms) < 0 ||
			    cfg->timeout_ms <= 0)
				return cli_usage(cmd, "bad duration '%s' for "
						 "--timeout", optarg);
			break;
		case OPT_INSECURE: cfg->insecure = 1; break;
		case OPT_CA: cfg->ca_file = optarg; break;
		case OPT_REPORT: out->report = optarg; break;
		case OPT_JUNIT: out->junit = optarg; break;
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
		case 'h':
			exit(cli_help(usage));
		default:
			return cli_bad_option(cmd, c, argv);
		}
	}
	out->color = color >= 0 ? color : isatty(1);
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
	if (!cfg->nurls && !cfg->nginx_conf)
		return cli_usage(cmd, "nothing to check: give a URL or --nginx-conf");
	if (cfg->start_nginx && !cfg->nginx_conf)
		return cli_usage(cmd, "--start-nginx needs --nginx-conf");
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

/* Spawned backends refuse "<path>?wsctl-reject" with 403, per target. */
static int add_rejects(struct backends *bs, const struct check_config *cfg)
{
	int i;

	for (i = 0; i < cfg->nurls && bs->nreject < 64; i++) {
		struct url u;
		char err[256];

		if (url_parse(cfg->urls[i], &u, err, sizeof(err)) < 0)
			return -1;
		if (strlen(u.path) + 20 > sizeof(bs->reject[0]))
			continue;
		snprintf(bs->reject[bs->nreject++], sizeof(bs->reject[0]),
			 "%.2000s%swsctl-reject=403", u.path,
			 strchr(u.path, '?') ? "&" : "?");
	}
	return 0;
}

static int output(const struct run *run, const struct check_config *cfg,
		  const struct out_opts *out)
{
	struct report_meta m = { cfg, cfg->nginx_conf };
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
	return rc;
}

int cmd_check(int argc, char **argv)
{
	static struct backends bs;
	struct check_config cfg = {
		.idle_ms = 65000, .connections = 200, .timeout_ms = 30000,
	};
	struct out_opts out = { NULL, NULL, 0, 0 };
	struct expect ex = { .balance = BALANCE_UNKNOWN };
	struct check_notes notes = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct check_env env = { &cfg, NULL, &ex, &notes };
	struct nginx_conf *conf = NULL;
	struct nginx_proc ngx = { 0, "" };
	struct run run = { 0 };
	char err[1024], url[2300];
	int rc;

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
	if (cfg.nginx_conf) {
		if (!(conf = nginx_conf_read(cfg.nginx_conf, err, sizeof(err))))
			return cli_err("check", "%s", err), EXIT_USAGE;
		if (plan_from_nginx(conf, cfg.nurls ? cfg.urls[0] : NULL, &bs, &ex,
				    url, sizeof(url), err, sizeof(err)) < 0) {
			nginx_conf_free(conf);
			return cli_err("check", "%s", err), EXIT_USAGE;
		}
		if (!cfg.nurls)
			cfg.urls[cfg.nurls++] = url;
	}
	raise_nofile();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	sig_backends = &bs;
	sig_nginx = &ngx;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	rc = EXIT_USAGE;
	if (bs.n) {
		if (bs.spawn)
			add_rejects(&bs, &cfg);
		if (backends_start_all(&bs, err, sizeof(err)) < 0) {
			cli_err("check", "%s", err);
			goto out;
		}
		env.backends = &bs;
	}
	if (cfg.start_nginx) {
		const struct nginx_dir *pid = nginx_dir_find(conf->root, "pid");
		const struct nginx_dir *dm = nginx_dir_find(conf->root, "daemon");
		struct url u;
		struct hostport hp;

		if (dm && dm->nargs > 1 && strcmp(dm->args[1], "off")) {
			cli_err("check", "%s:%u: 'daemon %s' would put nginx in "
				"the background; --start-nginx runs it in the "
				"foreground (daemon off)", dm->at.file,
				dm->at.line, dm->args[1]);
			goto out;
		}
		url_parse(cfg.urls[0], &u, err, sizeof(err));
		snprintf(hp.host, sizeof(hp.host), "%s", u.host);
		hp.port = u.port;
		if (nginx_start(&ngx, cfg.nginx_conf, !conf->has_http,
				pid && pid->nargs > 1 ? pid->args[1] : NULL,
				dm != NULL, &hp, err, sizeof(err)) < 0) {
			cli_err("check", "%s", err);
			goto out;
		}
	}
	if (run_checks(&env, &run) < 0) {
		cli_err("check", "cannot run the checks");
		goto out;
	}
	snprintf(run.server, sizeof(run.server), "%s", notes.server);
	rc = output(&run, &cfg, &out);
	if (run.abandoned) {
		/* a check's thread still holds env, curl and this stack:
		 * stop the children, then end here without freeing them */
		cli_err("check", "a check never finished; exiting without "
			"cleaning up after it");
		nginx_stop(&ngx);
		backends_stop_all(&bs);
		fflush(NULL);
		_exit(EXIT_FAIL);
	}
out:
	nginx_stop(&ngx);
	backends_stop_all(&bs);
	run_free(&run);
	nginx_conf_free(conf);
	curl_global_cleanup();
	return rc;
}
