/*
 * merge.c - adding wsctl bench reports (merge.h).  What a report says is
 * read back into a struct bench_result, so the merged run prints, judges
 * its thresholds and writes its report as a single run does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/hdr.h"
#include "bench/merge.h"

static double num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) && v->valuedouble > 0 ? v->valuedouble : 0;
}

static uint64_t count(const cJSON *o, const char *key)
{
	return (uint64_t)num(o, key);
}

static const cJSON *obj(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

/* The first key of a or b whose values differ, into buf; NULL if none. */
static const char *differ(const cJSON *a, const cJSON *b, const char *path,
			  char *buf, size_t len)
{
	const cJSON *x;

	cJSON_ArrayForEach(x, a) {
		const cJSON *y = obj(b, x->string);

		if (!y || !cJSON_Compare(x, y, 1)) {
			char *va = cJSON_PrintUnformatted(x);
			char *vb = y ? cJSON_PrintUnformatted(y) : NULL;

			snprintf(buf, len, "%s%s: %.60s in the first, %.60s here",
				 path, x->string, va ? va : "?",
				 vb ? vb : "nothing");
			cJSON_free(va);
			cJSON_free(vb);
			return buf;
		}
	}
	cJSON_ArrayForEach(x, b)
		if (!obj(a, x->string)) {
			snprintf(buf, len, "%s%s: nothing in the first", path,
				 x->string);
			return buf;
		}
	return NULL;
}

/* A histogram of the report into h (added): its buckets, then its exact
   minimum, maximum and sum. */
static int add_hist(const cJSON *root, const char *key, struct hist *h,
		    char *err, size_t errlen)
{
	const cJSON *o = obj(root, key);
	const char *text = cJSON_GetStringValue(obj(o, "hdr"));
	struct hist one;
	char why[200];

	if (!o || !count(o, "count"))
		return 0;
	if (!text) {
		snprintf(err, errlen, "%s has no \"hdr\": a report of an older "
			 "wsctl bench", key);
		return -1;
	}
	if (hdr_decode(text, &one, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "%s.hdr: %s", key, why);
		return -1;
	}
	if (one.count != count(o, "count")) {
		snprintf(err, errlen, "%s.hdr holds %llu values, count says "
			 "%llu", key, (unsigned long long)one.count,
			 (unsigned long long)count(o, "count"));
		return -1;
	}
	one.min = count(o, "min");
	one.max = count(o, "max");
	one.sum = count(o, "sum") ? count(o, "sum") : one.sum;
	hist_merge(h, &one);
	return 0;
}

static void add_backends(const cJSON *root, struct bench_result *r)
{
	const cJSON *b;
	unsigned i;

	cJSON_ArrayForEach(b, obj(root, "backends")) {
		const char *id = cJSON_GetStringValue(obj(b, "id"));

		if (!id)
			continue;
		for (i = 0; i < r->nbackends; i++)
			if (!strcmp(r->backends[i].id, id))
				break;
		if (i == r->nbackends) {
			if (i == BENCH_MAX_BACKENDS ||
			    strlen(id) >= sizeof(r->backends[i].id)) {
				r->backend_other += count(b, "connections");
				continue;
			}
			snprintf(r->backends[i].id, sizeof(r->backends[i].id),
				 "%s", id);
			r->nbackends++;
		}
		r->backends[i].conns += count(b, "connections");
		r->backends[i].msgs += count(b, "messages");
	}
}

static void add_errors(const cJSON *e, struct bench_result *r)
{
	const cJSON *st;
	int k;

	for (k = 0; k < BERR_NKINDS; k++) {
		const char *first = cJSON_GetStringValue(
			obj(obj(e, "first"), bench_err_name(k)));

		r->errors[k] += count(e, bench_err_name(k));
		if (first && !r->first_error[k][0])
			snprintf(r->first_error[k], sizeof(r->first_error[k]),
				 "%s", first);
	}
	cJSON_ArrayForEach(st, obj(e, "status_codes")) {
		int code = atoi(st->string);

		if (code >= 100 && code < 1000)
			r->status[code] += (uint64_t)num(obj(e, "status_codes"),
							 st->string);
	}
}

static int set_config(const cJSON *root, struct bench_config *cfg,
		      char *err, size_t errlen)
{
	const cJSON *c = obj(root, "config");
	const char *url = cJSON_GetStringValue(obj(root, "url"));
	const char *mode = cJSON_GetStringValue(obj(root, "mode"));
	char why[300];

	memset(cfg, 0, sizeof(*cfg));
	if (!url || !mode || !cJSON_IsObject(c)) {
		snprintf(err, errlen, "not a wsctl bench report (no url, mode "
			 "or config)");
		return -1;
	}
	if (url_parse(url, &cfg->url, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "url: %s", why);
		return -1;
	}
	cfg->mode = !strcmp(mode, "handshake") ? BENCH_HANDSHAKE :
		    !strcmp(mode, "idle") ? BENCH_IDLE : BENCH_ECHO;
	cfg->ramp = (unsigned)num(c, "ramp");
	cfg->duration_ms = (int64_t)num(c, "duration_ms");
	cfg->count = count(c, "count");
	cfg->size = count(c, "size");
	cfg->text = !strcmp(cJSON_GetStringValue(obj(c, "type")) ?
			    cJSON_GetStringValue(obj(c, "type")) : "", "text");
	cfg->rate = num(c, "rate");
	cfg->timeout_ms = (int64_t)num(c, "timeout_ms");
	return 0;
}

int bench_merge(const cJSON *root, int first, struct bench_config *cfg,
		struct bench_result *r, char *err, size_t errlen)
{
	static cJSON *scenario;	/* the first report's url, mode, config */
	const cJSON *c = obj(root, "connections"), *m = obj(root, "messages");
	char buf[300];
	int64_t us = (int64_t)(num(root, "elapsed_s") * 1e6);

	if (first) {
		cJSON_Delete(scenario);
		scenario = cJSON_CreateObject();
		cJSON_AddItemToObject(scenario, "url", cJSON_Duplicate(
			obj(root, "url"), 1));
		cJSON_AddItemToObject(scenario, "mode", cJSON_Duplicate(
			obj(root, "mode"), 1));
		cJSON_AddItemToObject(scenario, "config", cJSON_Duplicate(
			obj(root, "config"), 1));
		if (set_config(root, cfg, err, errlen) < 0)
			return -1;
		memset(r, 0, sizeof(*r));
		r->mode = cfg->mode;
		hist_init(&r->handshake_us);
		hist_init(&r->rtt_us);
		hist_init(&r->tcp_us);
		hist_init(&r->tls_us);
	} else {
		const char *d;

		if ((d = differ(obj(scenario, "config"), obj(root, "config"),
				"config.", buf, sizeof(buf))) ||
		    !cJSON_Compare(obj(scenario, "url"), obj(root, "url"), 1) ||
		    !cJSON_Compare(obj(scenario, "mode"), obj(root, "mode"), 1)) {
			snprintf(err, errlen, "another scenario: %s", d ? d :
				 "its url or mode differs");
			return -1;
		}
	}
	if (add_hist(root, "handshake_us", &r->handshake_us, err, errlen) < 0 ||
	    add_hist(root, "rtt_us", &r->rtt_us, err, errlen) < 0 ||
	    add_hist(root, "tcp_us", &r->tcp_us, err, errlen) < 0 ||
	    add_hist(root, "tls_us", &r->tls_us, err, errlen) < 0)
		return -1;
	cfg->connections += (unsigned)num(obj(root, "config"), "connections");
	r->interrupted |= cJSON_IsTrue(obj(root, "interrupted"));
	if (us > r->elapsed_us)
		r->elapsed_us = us;
	if ((int64_t)(num(c, "ramp_s") * 1e6) > r->ramp_us)
		r->ramp_us = (int64_t)(num(c, "ramp_s") * 1e6);
	r->ramp_done = first ? cJSON_IsTrue(obj(c, "ramp_done")) :
		       r->ramp_done && cJSON_IsTrue(obj(c, "ramp_done"));
	r->attempts += count(c, "attempts");
	r->handshakes += count(c, "handshakes");
	r->ramp_handshakes += count(c, "ramp_handshakes");
	r->closes += count(c, "closes");
	r->peak_open += (unsigned)count(c, "peak_open");
	r->messages += count(m, "count");
	r->bytes += count(m, "bytes");
	r->wire_in += count(obj(root, "wire"), "read");
	r->wire_out += count(obj(root, "wire"), "written");
	r->idle_opened += (unsigned)count(obj(root, "idle"), "opened");
	r->idle_held += (unsigned)count(obj(root, "idle"), "held");
	r->tls_resumed += count(root, "tls_resumed");
	r->backend_none += count(root, "backend_unnamed");
	r->backend_other += count(root, "backend_others");
	add_backends(root, r);
	add_errors(obj(root, "errors"), r);
	return 0;
}
