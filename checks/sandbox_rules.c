/*
 * sandbox_rules.c - the sandbox's changes, one rule per directive and
 * context (the table at the end): what moves into the prefix or onto
 * loopback, what is left out, what is divided.  Every change is a note.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "checks/sandbox_priv.h"
#include "common/net.h"
#include "common/units.h"

/* ---- second pass: the rules --------------------------------------- */

static int r_drop(struct walk *k, const struct nginx_dir *d, const char *why)
{
	sb_note(k, &d->at, "%s: left out (%s)", d->name, why);
	return 0;
}

static int r_access_log(struct walk *k, const struct nginx_dir *d,
			const char *why)
{
	const char *args[MAX_ARGS];
	size_t n = sb_copy_args(d, args);

	(void)why;
	if (n > 1 && strcmp(args[1], "off")) {
		sb_note(k, &d->at, "access_log %s -> %s/access.log", args[1],
		     k->sb->prefix);
		args[1] = sb_keep(k, "%s/access.log", k->sb->prefix);
	}
	sb_emit(k, d, args, n);
	return 0;
}

static int r_path(struct walk *k, const struct nginx_dir *d, const char *dir)
{
	const char *args[MAX_ARGS];
	size_t n = sb_copy_args(d, args);

	if (n > 1) {
		args[1] = sb_keep(k, "%s/%s/%u", k->sb->prefix, dir, ++k->temp);
		sb_note(k, &d->at, "%s %s -> %s", d->name, d->args[1], args[1]);
	}
	sb_emit(k, d, args, n);
	return 0;
}

static int r_cert(struct walk *k, const struct nginx_dir *d, const char *what)
{
	const char *args[2] = { d->name, what[0] == 'c' ? k->sb->cert :
				k->sb->key };
	int *seen = what[0] == 'c' ? &k->certs : &k->keys;

	if ((*seen)++) {
		sb_note(k, &d->at, "%s %s: left out (one made here stands in "
		     "for all)", d->name, d->nargs > 1 ? d->args[1] : "");
		return 0;
	}
	sb_note(k, &d->at, "%s %s -> a %s made here for the server names",
	     d->name, d->nargs > 1 ? d->args[1] : "", what);
	sb_emit(k, d, args, 2);
	return 0;
}

/* A duration nginx reads, divided: "60s" at 1/100 -> "600ms" */
static const char *scaled(struct walk *k, const char *v)
{
	int64_t ms;

	if (units_nginx_time(v, &ms) < 0 || !ms)
		return v;	/* nginx will say what is wrong; 0 stays off */
	ms /= k->sb->time_div;
	return sb_keep(k, "%lldms", (long long)(ms ? ms : 1));
}

/* fail_timeout, divided: nginx reads it in whole seconds, so 1s at least */
static int64_t fail_secs(const struct walk *k, const char *v)
{
	int64_t ms;

	if (units_nginx_time(v, &ms) < 0)
		ms = 10000;
	ms /= k->sb->time_div;
	return ms < 1000 ? 1 : (ms + 999) / 1000;
}

static int r_time(struct walk *k, const struct nginx_dir *d, const char *why)
{
	const char *args[MAX_ARGS];
	size_t n = sb_copy_args(d, args);

	(void)why;
	if (k->sb->time_div <= 1 || n < 2)
		return -1;
	args[1] = scaled(k, args[1]);
	sb_note(k, &d->at, "%s %s -> %s (timeouts at 1/%d)", d->name, d->args[1],
	     args[1], k->sb->time_div);
	sb_emit(k, d, args, n);
	return 0;
}

static int r_ssl(struct walk *k, const struct nginx_dir *d, const char *why)
{
	(void)why;
	if (d->nargs == 2 && !strcmp(d->args[1], "on"))
		sb_note(k, &d->at, "ssl on -> ssl on the server's listen lines");
	else
		sb_note(k, &d->at, "ssl %s: left out", d->nargs > 1 ? d->args[1] : "");
	return 0;
}

const struct sandbox_port *sb_add_port(struct walk *k,
					   const struct hostport *from,
					   const char *unix_path)
{
	struct sandbox *sb = k->sb;
	struct sandbox_port *p;
	size_t i;
	int v6, port;

	for (i = 0; i < sb->nports; i++) {
		p = &sb->ports[i];
		if (unix_path ? !strcmp(p->from_unix, unix_path) :
		    !p->from_unix[0] && p->from.port == from->port &&
		    !strcasecmp(p->from.host, from->host))
			return p;
	}
	if (sb->nports == SANDBOX_MAX_PORTS) {
		snprintf(k->err, k->errlen, "more than %d listen addresses",
			 SANDBOX_MAX_PORTS);
		k->failed = 1;
		return NULL;
	}
	v6 = !unix_path && strchr(from->host, ':') != NULL;
	if (v6 && (port = net_free_port(1)) < 0)
		v6 = 0;		/* no ::1 here: the copy listens on 127.0.0.1 */
	if (!v6)
		port = net_free_port(0);
	if (port < 0) {
		snprintf(k->err, k->errlen, "no free port on 127.0.0.1");
		k->failed = 1;
		return NULL;
	}
	p = &sb->ports[sb->nports++];
	memset(p, 0, sizeof(*p));
	if (unix_path)
		snprintf(p->from_unix, sizeof(p->from_unix), "%s", unix_path);
	else
		p->from = *from;
	snprintf(p->to.host, sizeof(p->to.host), "%s", v6 ? "::1" : "127.0.0.1");
	p->to.port = (uint16_t)port;
	return p;
}

/* the address part of a listen, as the model reads it */
static int listen_from(const char *a, struct hostport *hp)
{
	char e[128];

	memset(hp, 0, sizeof(*hp));
	if (!strcmp(a, "*")) {
		hp->port = 80;
		return 0;
	}
	if (addr_parse(a[0] == '*' && a[1] == ':' ? a + 1 : a, 80, hp, e,
		       sizeof(e)) < 0)
		return -1;
	if (!strcmp(hp->host, "*"))
		hp->host[0] = '\0';
	return 0;
}

void sb_write_listen(struct walk *k, const struct nginx_dir *d,
			 const struct sandbox_port *p, const char *was)
{
	const char *args[MAX_ARGS];
	size_t i, n = 0;
	int ssl = 0;
	char a[300];

	args[n++] = "listen";
	args[n++] = sb_keep(k, "%s", addr_fmt(p->to.host, p->to.port, a, sizeof(a)));
	for (i = 2; d && i < d->nargs && n < MAX_ARGS - 1; i++) {
		const char *f = d->args[i];

		if (!strcmp(f, "proxy_protocol")) {
			sb_note(k, &d->at, "listen %s: proxy_protocol left out "
			     "(the checker connects directly)", was);
			continue;
		}
		if (!strncmp(f, "ipv6only=", 9) && !strchr(p->to.host, ':'))
			continue;
		ssl |= !strcmp(f, "ssl");
		args[n++] = f;
	}
	if (k->ssl_on && !ssl)
		args[n++] = "ssl";
	k->tls |= ssl || k->ssl_on;
	{
		char from[300] = "", to[300] = "";
		size_t o = 0;

		for (i = 1; d && i < d->nargs; i++)
			o += (size_t)snprintf(from + o, o < sizeof(from) ?
					      sizeof(from) - o : 0, " %s",
					      d->args[i]);
		for (i = 1, o = 0; i < n; i++)
			o += (size_t)snprintf(to + o, o < sizeof(to) ?
					      sizeof(to) - o : 0, " %s", args[i]);
		sb_note(k, d ? &d->at : NULL, "listen%s ->%s", d ? from : was, to);
	}
	if (d)
		sb_emit(k, d, args, n);
	else
		nginx_write_dir(&k->sb->w, NULL, args, n, 0);
}

static int r_listen(struct walk *k, const struct nginx_dir *d, const char *why)
{
	const struct sandbox_port *p;
	struct hostport hp;
	int unix_path;

	(void)why;
	if (d->nargs < 2)
		return -1;
	unix_path = !strncmp(d->args[1], "unix:", 5);
	if (!unix_path && listen_from(d->args[1], &hp) < 0)
		return -1;	/* nginx will say what is wrong with it */
	if (!(p = sb_add_port(k, &hp, unix_path ? d->args[1] : NULL)))
		return 0;
	sb_write_listen(k, d, p, d->args[1]);
	return 0;
}

static int r_peer(struct walk *k, const struct nginx_dir *d, const char *why)
{
	const char *args[MAX_ARGS];
	size_t i, n = 0;

	(void)why;
	if (d->nargs < 2)
		return -1;
	int timed = 0;

	args[n++] = d->name;
	args[n++] = sb_host_to(k, sandbox_host(k->sb, d->args[1]));
	for (i = 2; i < d->nargs && n < MAX_ARGS - 1; i++) {
		const char *a = d->args[i];

		if (!strcmp(a, "resolve") || !strncmp(a, "service=", 8))
			continue;
		if (!strncmp(a, "fail_timeout=", 13) && k->sb->time_div > 1) {
			a = sb_keep(k, "fail_timeout=%llds", (long long)
				 fail_secs(k, a + 13));
			timed = 1;
		}
		args[n++] = a;
	}
	if (!timed && k->sb->time_div > 1)	/* nginx's 10s */
		args[n++] = sb_keep(k, "fail_timeout=%llds", (long long)
				 fail_secs(k, "10s"));
	sb_note(k, &d->at, "server %s -> %s", d->args[1], args[1]);
	sb_emit(k, d, args, n);
	return 0;
}

static int r_proxy_pass(struct walk *k, const struct nginx_dir *d,
			const char *why)
{
	const char *args[2] = { d->name, NULL };
	struct pass_url raw, p;
	char ev[2048], auth[300];
	int kind;

	(void)why;
	if (d->nargs != 2)
		return -1;
	kind = sb_pass_target(k, d->args[1], ev, sizeof(ev), &p);
	if (kind < 0) {
		sb_note(k, &d->at, "proxy_pass %s: where it goes is known only "
		     "at run time; no resolver here, so it fails (502)",
		     d->args[1]);
		return -1;
	}
	if (!kind && !p.https)
		return -1;	/* an upstream block's name: as it is */
	snprintf(auth, sizeof(auth), "%.*s", (int)p.auth_len, p.auth);
	if (sb_split_url(d->args[1], &raw) == 0 &&
	    !memchr(raw.auth, '$', raw.auth_len)) {
		/* the authority is written out: change it (and https) alone */
		const char *to = kind ? sb_host_to(k, sandbox_host(k->sb,
				*auth && raw.https && !strchr(auth, ':') ?
				sb_keep(k, "%s:443", auth) : auth)) : auth;

		const char *rest = raw.auth + raw.auth_len;

		if (kind && !strncasecmp(auth, "unix:", 5) && *rest == ':')
			rest++;		/* http://unix:/x.sock:/uri */
		args[1] = sb_keep(k, "http://%s%s", to, rest);
	} else if (!kind) {
		return -1;	/* an upstream through a variable: as it is */
	} else {
		/* the authority comes from variables: write it out, keep the
		   rest as evaluated (nginx passes a variable URL's URI as is;
		   an empty one means the client's, as without variables) */
		const char *to = sb_host_to(k, sandbox_host(k->sb, p.https &&
				!strchr(auth, ':') ? sb_keep(k, "%s:443", auth) :
				auth));
		const char *rest = p.auth + p.auth_len;

		if (!strncasecmp(auth, "unix:", 5) && *rest == ':')
			rest++;
		if (*rest && !strchr(rest, '$')) {
			const char *set[3] = { "set", "$wsctl_none", "" };

			nginx_write_dir(&k->sb->w, &d->at, set, 3, 0);
			args[1] = sb_keep(k, "http://%s%s$wsctl_none", to, rest);
		} else {
			args[1] = sb_keep(k, "http://%s%s", to, rest);
		}
	}
	if (p.https)
		sb_note(k, &d->at, "proxy_pass %s: https -> http (the stand-in "
		     "backend speaks plain HTTP)", d->args[1]);
	sb_note(k, &d->at, "proxy_pass %s -> %s", d->args[1], args[1]);
	sb_emit(k, d, args, 2);
	return 0;
}

static int r_other_pass(struct walk *k, const struct nginx_dir *d,
			const char *why)
{
	const char *args[2] = { d->name, NULL };

	(void)why;
	if (d->nargs != 2 || strchr(d->args[1], '$'))
		return -1;
	args[1] = !strcmp(d->name, "grpc_pass") ?
		sb_keep(k, "grpc://unix:%s/nobody.sock", k->sb->prefix) :
		sb_keep(k, "unix:%s/nobody.sock", k->sb->prefix);
	sb_note(k, &d->at, "%s %s -> %s (not a WebSocket target)", d->name,
	     d->args[1], args[1]);
	sb_emit(k, d, args, 2);
	return 0;
}

/*
 * The rules, by directive name and context.  fn returns 0 when it wrote
 * (or dropped) the directive, -1 to have it written as it is.
 */
static const struct rule {
	const char *name;
	unsigned ctx;
	int (*fn)(struct walk *k, const struct nginx_dir *d, const char *arg);
	const char *arg;
} rules[] = {
	{ "user", C_MAIN, r_drop, "workers run as the checker's user" },
	{ "pid", C_MAIN, r_drop, "nginx.pid is in the prefix" },
	{ "daemon", C_MAIN, r_drop, "nginx runs in the foreground" },
	{ "lock_file", C_MAIN, r_drop, "a host path" },
	{ "working_directory", C_MAIN, r_drop, "a host path" },
	{ "worker_rlimit_nofile", C_MAIN, r_drop, "a host limit" },
	{ "worker_rlimit_core", C_MAIN, r_drop, "a host limit" },
	{ "worker_priority", C_MAIN, r_drop, "a host setting" },
	{ "worker_cpu_affinity", C_MAIN, r_drop, "a host setting" },
	{ "ssl_engine", C_MAIN, r_drop, "a host setting" },
	{ "error_log", ~0u, r_drop, "nginx logs to error.log in the prefix" },
	{ "stream", C_MAIN, r_drop, "not HTTP: not checked" },
	{ "mail", C_MAIN, r_drop, "not HTTP: not checked" },
	{ "access_log", C_ANY_HTTP, r_access_log, NULL },
	{ "client_body_temp_path", C_ANY_HTTP, r_path, "tmp" },
	{ "proxy_temp_path", C_ANY_HTTP, r_path, "tmp" },
	{ "fastcgi_temp_path", C_ANY_HTTP, r_path, "tmp" },
	{ "uwsgi_temp_path", C_ANY_HTTP, r_path, "tmp" },
	{ "scgi_temp_path", C_ANY_HTTP, r_path, "tmp" },
	{ "proxy_cache_path", C_HTTP, r_path, "cache" },
	{ "fastcgi_cache_path", C_HTTP, r_path, "cache" },
	{ "uwsgi_cache_path", C_HTTP, r_path, "cache" },
	{ "scgi_cache_path", C_HTTP, r_path, "cache" },
	{ "ssl_certificate", C_HTTP | C_SERVER, r_cert, "certificate" },
	{ "ssl_certificate_key", C_HTTP | C_SERVER, r_cert, "key" },
	{ "ssl", C_HTTP | C_SERVER, r_ssl, NULL },
	{ "ssl_trusted_certificate", C_HTTP | C_SERVER, r_drop, "a host file" },
	{ "ssl_client_certificate", C_HTTP | C_SERVER, r_drop, "a host file" },
	{ "ssl_verify_client", C_HTTP | C_SERVER, r_drop,
	  "the checker has no client certificate" },
	{ "ssl_verify_depth", C_HTTP | C_SERVER, r_drop, "no client certificates" },
	{ "ssl_crl", C_HTTP | C_SERVER, r_drop, "a host file" },
	{ "ssl_dhparam", C_HTTP | C_SERVER, r_drop, "a host file" },
	{ "ssl_password_file", C_HTTP | C_SERVER, r_drop, "a host file" },
	{ "ssl_session_ticket_key", C_HTTP | C_SERVER, r_drop, "a host file" },
	{ "ssl_stapling", C_HTTP | C_SERVER, r_drop, "no network here" },
	{ "ssl_stapling_file", C_HTTP | C_SERVER, r_drop, "a host file" },
	{ "ssl_stapling_responder", C_HTTP | C_SERVER, r_drop, "no network here" },
	{ "ssl_stapling_verify", C_HTTP | C_SERVER, r_drop, "no network here" },
	{ "ssl_ocsp", C_HTTP | C_SERVER, r_drop, "no network here" },
	{ "ssl_ocsp_responder", C_HTTP | C_SERVER, r_drop, "no network here" },
	{ "ssl_ocsp_cache", C_HTTP | C_SERVER, r_drop, "no network here" },
	{ "proxy_ssl_certificate", C_ANY_HTTP, r_drop, "backends speak plain HTTP" },
	{ "proxy_ssl_certificate_key", C_ANY_HTTP, r_drop, "backends speak plain HTTP" },
	{ "proxy_ssl_trusted_certificate", C_ANY_HTTP, r_drop, "backends speak plain HTTP" },
	{ "proxy_ssl_crl", C_ANY_HTTP, r_drop, "backends speak plain HTTP" },
	{ "proxy_ssl_password_file", C_ANY_HTTP, r_drop, "backends speak plain HTTP" },
	{ "proxy_ssl_verify", C_ANY_HTTP, r_drop, "backends speak plain HTTP" },
	{ "resolver", C_ANY_HTTP, r_drop, "no DNS here: every upstream name is "
	  "moved to a backend" },
	{ "resolver_timeout", C_ANY_HTTP, r_drop, "no DNS here" },
	{ "listen", C_SERVER, r_listen, NULL },
	{ "proxy_read_timeout", C_ANY_HTTP, r_time, NULL },
	{ "proxy_send_timeout", C_ANY_HTTP, r_time, NULL },
	{ "proxy_connect_timeout", C_ANY_HTTP, r_time, NULL },
	{ "keepalive_timeout", C_ANY_HTTP, r_time, NULL },
	{ "client_header_timeout", C_HTTP | C_SERVER, r_time, NULL },
	{ "client_body_timeout", C_ANY_HTTP, r_time, NULL },
	{ "send_timeout", C_ANY_HTTP, r_time, NULL },
	{ "server", C_UPSTREAM, r_peer, NULL },
	{ "proxy_pass", C_LOCATION, r_proxy_pass, NULL },
	{ "fastcgi_pass", C_LOCATION, r_other_pass, NULL },
	{ "uwsgi_pass", C_LOCATION, r_other_pass, NULL },
	{ "scgi_pass", C_LOCATION, r_other_pass, NULL },
	{ "grpc_pass", C_LOCATION, r_other_pass, NULL },
	{ "memcached_pass", C_LOCATION, r_other_pass, NULL },
};

int sb_rule(struct walk *k, const struct nginx_dir *d, unsigned ctx)
{
	size_t i;

	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if ((rules[i].ctx & ctx) && !strcmp(rules[i].name, d->name) &&
		    (!d->block || rules[i].fn == r_drop) &&
		    rules[i].fn(k, d, rules[i].arg) == 0)
			return 0;
	return -1;
}
