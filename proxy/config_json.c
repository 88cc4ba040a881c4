/*
 * config_json.c - --config FILE: the command line's settings as one JSON
 * object (schema in docs/proxy.md), read with cJSON.  Unknown keys are
 * errors, so that a typo is not a setting silently left at its default.
 * Every error names the file and the field: "px.json: upstreams[1].weight:
 * want a number from 1 to 1000".
 *
 * Strings in the config point into the parsed tree, which stays until
 * proxy_config_fini.  Upstreams given as strings are read by
 * proxy_parse_upstream, as --upstream is.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/err.h"
#include "common/units.h"
#include "proxy/lb.h"
#include "proxy/proxy.h"

#define MAX_FILE (1 << 20)

/* Where an error is: the file and the field. */
struct at {
	const char *file;
	char *err;
	size_t errlen;
};

static int bad(const struct at *a, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bad(const struct at *a, const char *field, const char *fmt, ...)
{
	char msg[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_fmt(a->err, a->errlen, "%s: %s: %s", a->file, field, msg);
}

static char *slurp(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	if (!f) {
		err_fmt(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	buf = malloc(MAX_FILE + 1);
	if (!buf) {
		fclose(f);
		err_fmt(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	n = fread(buf, 1, MAX_FILE + 1, f);
	if (ferror(f) || n > MAX_FILE) {
		err_fmt(err, errlen, "%s: %s", path, ferror(f) ?
			strerror(errno) : "larger than 1 MiB");
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static int string(const struct at *a, const char *field, const cJSON *v,
		  const char **out)
{
	if (!cJSON_IsString(v) || !v->valuestring[0])
		return bad(a, field, "want a non-empty string");
	*out = v->valuestring;
	return 0;
}

static int duration(const struct at *a, const char *field, const cJSON *v,
		    int64_t *ms, int zero_ok)
{
	if (!cJSON_IsString(v) || units_duration(v->valuestring, ms) < 0 ||
	    (*ms == 0 && !zero_ok))
		return bad(a, field, "want a duration string such as \"30s\"");
	return 0;
}

static int number(const struct at *a, const char *field, const cJSON *v,
		  unsigned min, unsigned max, unsigned *out)
{
	if (!cJSON_IsNumber(v) || v->valuedouble < min ||
	    v->valuedouble > max || v->valuedouble != (double)(unsigned)
	    v->valuedouble)
		return bad(a, field, "want a whole number from %u to %u", min,
			   max);
	*out = (unsigned)v->valuedouble;
	return 0;
}

static int one_listen(const struct at *a, const char *field, const cJSON *v,
		      struct proxy_listen *l)
{
	char f[80];
	const cJSON *k;

	memset(l, 0, sizeof(*l));
	if (cJSON_IsString(v))
		return string(a, field, v, &l->addr);
	if (!cJSON_IsObject(v))
		return bad(a, field, "want an address or an object");
	cJSON_ArrayForEach(k, v) {
		const char **dst;

		if (!strcmp(k->string, "address"))
			dst = &l->addr;
		else if (!strcmp(k->string, "tls_cert"))
			dst = &l->tls_cert;
		else if (!strcmp(k->string, "tls_key"))
			dst = &l->tls_key;
		else
			return bad(a, field, "unknown key \"%s\"", k->string);
		snprintf(f, sizeof(f), "%s.%s", field, k->string);
		if (string(a, f, k, dst) < 0)
			return -1;
	}
	if (!l->addr)
		return bad(a, field, "no \"address\"");
	if (!l->tls_cert != !l->tls_key)
		return bad(a, field, "tls_cert and tls_key go together");
	return 0;
}

static int listens(const struct at *a, const cJSON *v,
		   struct proxy_config *cfg)
{
	char f[32];
	const cJSON *e;

	cfg->nlisten = 0;
	if (!cJSON_IsArray(v))
		return one_listen(a, "listen", v, &cfg->listen[cfg->nlisten++]);
	if (cJSON_GetArraySize(v) > PROXY_MAX_LISTEN)
		return bad(a, "listen", "at most %d addresses",
			   PROXY_MAX_LISTEN);
	cJSON_ArrayForEach(e, v) {
		snprintf(f, sizeof(f), "listen[%d]", cfg->nlisten);
		if (one_listen(a, f, e, &cfg->listen[cfg->nlisten++]) < 0)
			return -1;
	}
	return 0;
}

static int one_upstream(const struct at *a, const char *field,
			const cJSON *v, struct proxy_upstream *u)
{
	char f[80], e[256];
	const cJSON *k, *addr;

	if (cJSON_IsString(v)) {
		if (proxy_parse_upstream(v->valuestring, u, e, sizeof(e)) < 0)
			return bad(a, field, "%s", e);
		return 0;
	}
	if (!cJSON_IsObject(v))
		return bad(a, field, "want an address or an object");
	addr = cJSON_GetObjectItemCaseSensitive(v, "address");
	snprintf(f, sizeof(f), "%s.address", field);
	if (!addr)
		return bad(a, field, "no \"address\"");
	if (!cJSON_IsString(addr) || strchr(addr->valuestring, ',') ||
	    proxy_parse_upstream(addr->valuestring, u, e, sizeof(e)) < 0)
		return bad(a, f, "want host:port");
	cJSON_ArrayForEach(k, v) {
		int r;

		snprintf(f, sizeof(f), "%s.%s", field, k->string);
		if (!strcmp(k->string, "address"))
			r = 0;
		else if (!strcmp(k->string, "weight"))
			r = number(a, f, k, 1, 1000, &u->weight);
		else if (!strcmp(k->string, "max_fails"))
			r = number(a, f, k, 0, 1000000, &u->max_fails);
		else if (!strcmp(k->string, "fail_timeout"))
			r = duration(a, f, k, &u->fail_timeout_ms, 1);
		else
			r = bad(a, field, "unknown key \"%s\"", k->string);
		if (r < 0)
			return -1;
	}
	return 0;
}

static int upstreams(const struct at *a, const cJSON *v,
		     struct proxy_config *cfg)
{
	char f[32];
	const cJSON *e;

	cfg->nupstreams = 0;
	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) < 1)
		return bad(a, "upstreams", "want a non-empty array");
	if (cJSON_GetArraySize(v) > PROXY_MAX_UPSTREAMS)
		return bad(a, "upstreams", "at most %d", PROXY_MAX_UPSTREAMS);
	cJSON_ArrayForEach(e, v) {
		snprintf(f, sizeof(f), "upstreams[%d]", cfg->nupstreams);
		if (one_upstream(a, f, e,
				 &cfg->upstreams[cfg->nupstreams++]) < 0)
			return -1;
	}
	return 0;
}

/* One top-level key. */
static int setting(const struct at *a, const cJSON *k,
		   struct proxy_config *cfg)
{
	const char *name = k->string, *s = NULL;

	if (!strcmp(name, "listen"))
		return listens(a, k, cfg);
	if (!strcmp(name, "upstreams"))
		return upstreams(a, k, cfg);
	if (!strcmp(name, "balance")) {
		if (!cJSON_IsString(k) || !lb_find(k->valuestring))
			return bad(a, name, "want \"round-robin\", \"ip-hash\" "
				   "or \"least-conn\"");
		cfg->balance = k->valuestring;
		return 0;
	}
	if (!strcmp(name, "connect_timeout"))
		return duration(a, name, k, &cfg->connect_timeout_ms, 0);
	if (!strcmp(name, "read_timeout"))
		return duration(a, name, k, &cfg->read_timeout_ms, 0);
	if (!strcmp(name, "handshake_timeout"))
		return duration(a, name, k, &cfg->handshake_timeout_ms, 0);
	if (!strcmp(name, "drain"))
		return duration(a, name, k, &cfg->drain_ms, 1);
	if (!strcmp(name, "max_connections"))
		return number(a, name, k, 1, 1000000, &cfg->max_connections);
	if (!strcmp(name, "busy_poll_us"))
		return number(a, name, k, 0, PROXY_MAX_BUSY_POLL_US,
			      &cfg->busy_poll_us);
	if (!strcmp(name, "workers"))
		return number(a, name, k, 1, PROXY_MAX_WORKERS, &cfg->workers);
	if (!strcmp(name, "access_log"))
		return string(a, name, k, &cfg->access_log);
	if (!strcmp(name, "status_listen"))
		return string(a, name, k, &cfg->status_listen);
	if (!strcmp(name, "log_format")) {
		if (string(a, name, k, &s) < 0 ||
		    (strcmp(s, "text") && strcmp(s, "json")))
			return bad(a, name, "want \"text\" or \"json\"");
		cfg->log_format = strcmp(s, "json") ? PROXY_LOG_TEXT
						    : PROXY_LOG_JSON;
		return 0;
	}
	if (!strcmp(name, "quiet")) {
		if (!cJSON_IsBool(k))
			return bad(a, name, "want true or false");
		if (cJSON_IsTrue(k))
			cfg->log_fd = -1;
		return 0;
	}
	return bad(a, name, "unknown setting");
}

/* The line of the byte at p in text, for a syntax error. */
static int line_of(const char *text, const char *p)
{
	int line = 1;

	for (; text < p && *text; text++)
		line += *text == '\n';
	return line;
}

int proxy_config_load(struct proxy_config *cfg, const char *path,
		      char *err, size_t errlen)
{
	struct at a = { path, err, errlen };
	const char *end = NULL;
	char *text = slurp(path, err, errlen);
	cJSON *root;
	const cJSON *k;

	if (!text)
		return -1;
	root = cJSON_ParseWithOpts(text, &end, 1);
	if (!root) {
		int line = end ? line_of(text, end) : 0;

		free(text);
		return err_fmt(err, errlen, "%s: invalid JSON at line %d",
			       path, line);
	}
	free(text);
	proxy_config_fini(cfg);
	cfg->json = root;
	if (!cJSON_IsObject(root))
		return err_fmt(err, errlen, "%s: want a JSON object", path);
	cJSON_ArrayForEach(k, root)
		if (setting(&a, k, cfg) < 0)
			return -1;
	return 0;
}

void proxy_config_fini(struct proxy_config *cfg)
{
	cJSON_Delete(cfg->json);
	cfg->json = NULL;
}
