/*
 * sandbox.c - write the runnable copy of a production nginx config.  Two
 * passes over the directive tree: the first (sandbox_scan.c) finds every
 * address the copy must move and every server name; the second, here,
 * writes the copy, directive by directive, through the rules of
 * sandbox_rules.c, and adds what the shape lacks.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checks/sandbox_priv.h"
#include "common/tls.h"
#include "common/tmpdir.h"

void sb_note(struct walk *k, const struct nginx_pos *at,
		 const char *fmt, ...)
{
	struct sandbox_note *n;
	va_list ap;

	if (k->sb->nnotes == SANDBOX_MAX_NOTES) {
		k->sb->dropped_notes++;
		return;
	}
	n = &k->sb->notes[k->sb->nnotes++];
	n->at = at ? *at : (struct nginx_pos){ NULL, 0 };
	va_start(ap, fmt);
	vsnprintf(n->text, sizeof(n->text), fmt, ap);
	va_end(ap);
}

/* A rewritten word, in the sandbox's own pool (the conf is read-only). */
const char *sb_keep(struct walk *k, const char *fmt, ...)
{
	struct sandbox *sb = k->sb;
	size_t room = sizeof(sb->words) - sb->words_used;
	char *p = sb->words + sb->words_used;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(p, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room) {
		snprintf(k->err, k->errlen, "the config is too big to sandbox");
		k->failed = 1;
		return "";
	}
	sb->words_used += (size_t)n + 1;
	return p;
}

void sb_emit(struct walk *k, const struct nginx_dir *d,
		 const char *const *args, size_t n)
{
	nginx_write_dir(&k->sb->w, &d->at, args, n, 0);
}

/* d's words, for a rule that changes some of them */
size_t sb_copy_args(const struct nginx_dir *d, const char **args)
{
	size_t i, n = d->nargs < MAX_ARGS ? d->nargs : MAX_ARGS;

	for (i = 0; i < n; i++)
		args[i] = d->args[i];
	return n;
}

/* nginx's timeouts where a config sets none, to divide in the copy */
static const struct { const char *name; int ms; } default_times[] = {
	{ "proxy_read_timeout", 60000 }, { "proxy_send_timeout", 60000 },
	{ "proxy_connect_timeout", 60000 }, { "keepalive_timeout", 75000 },
	{ "client_header_timeout", 60000 }, { "client_body_timeout", 60000 },
	{ "send_timeout", 60000 },
};

/* nginx's compiled-in temp paths are the host's: set them in the prefix */
static const char *const temp_paths[] = {
	"client_body_temp_path", "proxy_temp_path", "fastcgi_temp_path",
	"uwsgi_temp_path", "scgi_temp_path",
};

static enum ctx inner(const struct nginx_dir *d, enum ctx ctx)
{
	const char *n = d->name;

	if (ctx == C_MAIN && !strcmp(n, "events"))
		return C_EVENTS;
	if (ctx == C_MAIN && !strcmp(n, "http"))
		return C_HTTP;
	if (ctx == C_HTTP && !strcmp(n, "server"))
		return C_SERVER;
	if (ctx == C_HTTP && !strcmp(n, "upstream"))
		return C_UPSTREAM;
	if ((ctx == C_SERVER || ctx == C_LOCATION) &&
	    (!strcmp(n, "location") || !strcmp(n, "if") ||
	     !strcmp(n, "limit_except")))
		return C_LOCATION;
	return C_OTHER;
}

static void write_block(struct walk *k, const struct nginx_dir *first,
			enum ctx ctx);

static void write_dir(struct walk *k, const struct nginx_dir *d, enum ctx ctx)
{
	if (sb_rule(k, d, ctx) == 0)
		return;
	if (!d->block) {
		nginx_write_dir(&k->sb->w, &d->at, (const char *const *)d->args,
				d->nargs, 0);
		return;
	}
	nginx_write_dir(&k->sb->w, &d->at, (const char *const *)d->args,
			d->nargs, 1);
	write_block(k, d->child, inner(d, ctx));
	nginx_write_close(&k->sb->w, &d->at);
}

/* A server: "ssl on" applies to every listen, and none means *:80. */
static void write_server(struct walk *k, const struct nginx_dir *first,
			 const struct nginx_pos *at)
{
	const struct nginx_dir *d;
	struct hostport any = { "", 80 };
	const struct sandbox_port *p;

	k->ssl_on = k->http_ssl_on;
	for (d = first; d; d = d->next)
		if (!strcmp(d->name, "ssl") && d->nargs == 2)
			k->ssl_on = !strcmp(d->args[1], "on");
	if (!nginx_dir_find(first, "listen") && (p = sb_add_port(k, &any, NULL))) {
		sb_note(k, at, "server without listen: nginx's *:80 -> %s:%u",
		     p->to.host, p->to.port);
		sb_write_listen(k, NULL, p, "*:80");
	}
}

static void write_http_defaults(struct walk *k, const struct nginx_dir *first)
{
	size_t i;

	for (i = 0; i < sizeof(temp_paths) / sizeof(temp_paths[0]); i++)
		if (!nginx_dir_find(first, temp_paths[i])) {
			const char *args[2] = { temp_paths[i], NULL };

			args[1] = sb_keep(k, "%s/tmp/%s", k->sb->prefix,
				       temp_paths[i]);
			nginx_write_dir(&k->sb->w, NULL, args, 2, 0);
		}
	if (k->sb->time_div > 1)
		sb_note(k, NULL, "every timeout at 1/%d, nginx's defaults too "
		     "(--real-time: as written)", k->sb->time_div);
	for (i = 0; k->sb->time_div > 1 &&
	     i < sizeof(default_times) / sizeof(default_times[0]); i++)
		if (!nginx_dir_find(first, default_times[i].name)) {
			const char *args[2] = { default_times[i].name, NULL };

			args[1] = sb_keep(k, "%dms", default_times[i].ms /
				       k->sb->time_div);
			nginx_write_dir(&k->sb->w, NULL, args, 2, 0);
		}
	if (!nginx_dir_find(first, "access_log")) {
		const char *args[2] = { "access_log", NULL };

		args[1] = sb_keep(k, "%s/access.log", k->sb->prefix);
		nginx_write_dir(&k->sb->w, NULL, args, 2, 0);
	}
}

static void write_block(struct walk *k, const struct nginx_dir *first,
			enum ctx ctx)
{
	const struct nginx_dir *d;
	int certs = k->certs, keys = k->keys;

	k->certs = k->keys = 0;
	if (ctx == C_SERVER && first)
		write_server(k, first, &first->at);
	if (ctx == C_HTTP) {
		for (d = first; d; d = d->next)
			if (!strcmp(d->name, "ssl") && d->nargs == 2)
				k->http_ssl_on = !strcmp(d->args[1], "on");
		write_http_defaults(k, first);
	}
	for (d = first; d; d = d->next)
		write_dir(k, d, ctx);
	k->certs = certs;
	k->keys = keys;
}

/* The main level: wsctl's own lines first, then the shape's missing
   blocks around the config's directives. */
static void write_main(struct walk *k)
{
	struct nginx_writer *w = &k->sb->w;
	const struct nginx_conf *c = k->c;
	const char *args[3];
	const struct nginx_dir *d;
	struct nginx_pos top = { c->files[0], 1 };

	nginx_write_comment(w, "written by wsctl check: a sandboxed copy of");
	nginx_write_comment(w, c->files[0]);
	args[0] = "daemon", args[1] = "off";
	nginx_write_dir(w, NULL, args, 2, 0);
	args[0] = "pid", args[1] = sb_keep(k, "%s/nginx.pid", k->sb->prefix);
	nginx_write_dir(w, NULL, args, 2, 0);
	args[0] = "error_log", args[1] = sb_keep(k, "%s/error.log", k->sb->prefix);
	args[2] = "warn";
	nginx_write_dir(w, NULL, args, 3, 0);
	if (c->shape == NGINX_SHAPE_MAIN) {
		if (!nginx_dir_find(c->root, "events")) {
			sb_note(k, NULL, "no events block: an empty one added");
			args[0] = "events";
			nginx_write_dir(w, NULL, args, 1, 1);
			nginx_write_close(w, NULL);
		}
		for (d = c->root; d; d = d->next)
			write_dir(k, d, C_MAIN);
		return;
	}
	sb_note(k, NULL, c->shape == NGINX_SHAPE_HTTP ?
	     "a conf.d snippet: read inside http { } with an events block" :
	     "bare locations: read inside server { } inside http { }");
	args[0] = "events";
	nginx_write_dir(w, NULL, args, 1, 1);
	nginx_write_close(w, NULL);
	args[0] = "http";
	nginx_write_dir(w, &top, args, 1, 1);
	if (c->shape == NGINX_SHAPE_HTTP) {
		write_block(k, c->root, C_HTTP);
	} else {
		write_http_defaults(k, NULL);
		args[0] = "server";
		nginx_write_dir(w, &top, args, 1, 1);
		write_block(k, c->root, C_SERVER);
		nginx_write_close(w, &top);
	}
	nginx_write_close(w, &top);
}

/* nginx's compiled-in module folders, for "load_module modules/x.so" */
static const char *const module_dirs[] = {
	"/usr/share/nginx/modules", "/usr/lib/nginx/modules",
	"/usr/lib64/nginx/modules", "/etc/nginx/modules",
};

static int mkdirs(const struct sandbox *sb, char *err, size_t errlen)
{
	static const char *const dirs[] = { "tmp", "cache", "logs" };
	char path[400];
	size_t i;

	/* relative load_module paths are the install prefix's: point the
	   copy's prefix at the same modules */
	snprintf(path, sizeof(path), "%s/modules", sb->prefix);
	for (i = 0; i < sizeof(module_dirs) / sizeof(module_dirs[0]); i++)
		if (access(module_dirs[i], F_OK) == 0) {
			if (symlink(module_dirs[i], path) < 0) {
				snprintf(err, errlen, "cannot make '%s'", path);
				return -1;
			}
			break;
		}

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", sb->prefix, dirs[i]);
		if (mkdir(path, 0700) < 0) {
			snprintf(err, errlen, "cannot make '%s'", path);
			return -1;
		}
	}
	return 0;
}

int sandbox_make(struct sandbox *sb, const struct nginx_conf *c, char *err,
		 size_t errlen)
{
	const struct nginx_dir *sets[256];
	struct walk k = { .sb = sb, .c = c, .err = err, .errlen = errlen,
			  .shortest = 60000 };
	size_t i;

	err[0] = '\0';
	if (tmpdir_make(sb->prefix, sizeof(sb->prefix), "nginx", err,
			errlen) < 0)
		return -1;
	snprintf(sb->conf, sizeof(sb->conf), "%s/nginx.conf", sb->prefix);
	if (mkdirs(sb, err, errlen) < 0)
		goto fail;
	for (i = 0; i < c->nmissing; i++)
		sb_note(&k, &c->missing[i].at, "include %s: not on this host, "
		     "read as an empty file", c->missing[i].path);
	if (sb_scan(&k, c->root, sets, &k.nsets, 256) < 0)
		goto fail;
	k.sets = sets;
	sb_scan_passes(&k, c->root);
	/* one factor for every timeout, so none gets shorter than
	   SANDBOX_MIN_MS, where nginx's timer jitter would decide */
	if (sb->time_div > k.shortest / SANDBOX_MIN_MS)
		sb->time_div = (int)(k.shortest / SANDBOX_MIN_MS);
	if (sb->time_div < 1)
		sb->time_div = 1;
	snprintf(sb->cert, sizeof(sb->cert), "%s/cert.pem", sb->prefix);
	snprintf(sb->key, sizeof(sb->key), "%s/key.pem", sb->prefix);
	if (nginx_write_open(&sb->w, sb->conf) < 0) {
		snprintf(err, errlen, "cannot write '%s'", sb->conf);
		goto fail;
	}
	write_main(&k);
	if (nginx_write_end(&sb->w) < 0 || k.failed) {
		if (!err[0])
			snprintf(err, errlen, "cannot write '%s'", sb->conf);
		goto fail;
	}
	if (!k.tls) {
		sb->cert[0] = sb->key[0] = '\0';
	} else if (tls_make_cert(sb->cert, sb->key, k.names, k.nnames, err,
				 errlen) < 0) {
		goto fail;
	}
	return 0;
fail:
	sandbox_free(sb);
	return -1;
}

const struct sandbox_port *sandbox_port(const struct sandbox *sb,
					const struct nginx_listen *l)
{
	struct hostport from = l->addr;
	size_t i;

	if (!strcmp(from.host, "*"))
		from.host[0] = '\0';
	for (i = 0; i < sb->nports; i++) {
		const struct sandbox_port *p = &sb->ports[i];

		if (l->unix_path ? p->from_unix[0] &&
		    !strcmp(p->from_unix + 5, l->unix_path) :
		    !p->from_unix[0] && p->from.port == from.port &&
		    !strcasecmp(p->from.host, from.host))
			return p;
	}
	return NULL;
}

int sandbox_pass(const struct sandbox *sb, const struct nginx_pos *at,
		 const struct sandbox_host **host, const char **upstream)
{
	size_t i;

	for (i = 0; i < sb->npasses; i++) {
		const struct sandbox_pass *v = &sb->passes[i];

		if (v->at.file != at->file || v->at.line != at->line)
			continue;
		if (v->host >= 0) {
			*host = &sb->hosts[v->host];
			return 1;
		}
		if (v->upstream[0]) {
			*upstream = v->upstream;
			return 0;
		}
		return -1;
	}
	return -1;
}

void sandbox_translate(const struct sandbox *sb, char *msg, size_t len)
{
	size_t n = strlen(sb->conf);
	char *at, out[1024];

	if (!n || !(at = strstr(msg, sb->conf)) || at[n] != ':')
		return;
	{
		unsigned line = (unsigned)strtoul(at + n + 1, NULL, 10);
		const struct nginx_pos *o = nginx_write_origin(&sb->w, line);
		const char *rest = at + n + 1 + strspn(at + n + 1, "0123456789");

		if (!o)
			snprintf(out, sizeof(out), "%.*s%s (a line wsctl added)%s",
				 (int)(at - msg), msg, sb->conf, rest);
		else
			snprintf(out, sizeof(out), "%.*s%s:%u%s", (int)(at - msg),
				 msg, o->file, o->line, rest);
	}
	snprintf(msg, len, "%s", out);
}

void sandbox_free(struct sandbox *sb)
{
	nginx_write_free(&sb->w);
	tmpdir_remove(sb->prefix);
}
