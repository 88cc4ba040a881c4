/*
 * report.c - what a run measured, for a person (a table) and for a
 * program (JSON, with cJSON).  Both show the same figures; the JSON has
 * them unrounded, latencies in microseconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "bench/bench.h"
#include "bench/hdr.h"
#include "common/units.h"

static double per_s(uint64_t n, double s)
{
	return s > 0 ? (double)n / s : 0;
}

void bench_rates(const struct bench_result *r, struct bench_rates *out)
{
	double ramp_s = r->ramp_us / 1e6;

	memset(out, 0, sizeof(*out));
	out->elapsed_s = r->elapsed_us / 1e6;
	if (r->mode == BENCH_HANDSHAKE)
		out->conns_per_s = per_s(r->handshakes, out->elapsed_s);
	else
		out->conns_per_s = per_s(r->ramp_handshakes, ramp_s);
	out->msgs_per_s = per_s(r->messages, out->elapsed_s);
	out->bytes_per_s = per_s(r->bytes, out->elapsed_s);
}

/* ---- the table ---- */

/* Microseconds as a person reads them: 87us, 1.25ms, 3.10s. */
static const char *fmt_us(uint64_t us, char *buf, size_t len)
{
	if (us < 1000)
		snprintf(buf, len, "%lluus", (unsigned long long)us);
	else if (us < 1000000)
		snprintf(buf, len, "%.2fms", us / 1e3);
	else
		snprintf(buf, len, "%.2fs", us / 1e6);
	return buf;
}

static void print_hist(FILE *f, const char *name, const struct hist *h,
		       int p999)
{
	static const double ps[] = { 50, 90, 99, 99.9 };
	char v[32];
	size_t i;

	if (!h->count) {
		fprintf(f, "%-14s none\n", name);
		return;
	}
	fprintf(f, "%-14s", name);
	for (i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		if (ps[i] == 99.9 && !p999)
			continue;
		fprintf(f, " p%g %s ", ps[i],
			fmt_us(hist_percentile(h, ps[i]), v, sizeof(v)));
	}
	fprintf(f, " max %s", fmt_us(h->max, v, sizeof(v)));
	fprintf(f, "  (%llu)\n", (unsigned long long)h->count);
}

static void print_errors(FILE *f, const struct bench_result *r)
{
	int e, st;

	if (!bench_errors(r)) {
		fprintf(f, "%-14s none\n", "errors");
		return;
	}
	fprintf(f, "%-14s %llu\n", "errors",
		(unsigned long long)bench_errors(r));
	for (e = 0; e < BERR_NKINDS; e++) {
		if (!r->errors[e])
			continue;
		fprintf(f, "  %-12s %-8llu %s", bench_err_name(e),
			(unsigned long long)r->errors[e], r->first_error[e]);
		if (e == BERR_STATUS) {
			const char *sep = " (";

			for (st = 100; st < 1000; st++) {
				if (!r->status[st])
					continue;
				fprintf(f, "%s%d: %llu", sep, st,
					(unsigned long long)r->status[st]);
				sep = ", ";
			}
			fprintf(f, ")");
		}
		fputc('\n', f);
	}
}

/* The backends in the order of their ids, into order[]; returns how many
 * 101s there were in all. */
static uint64_t sort_backends(const struct bench_result *r,
			      unsigned order[BENCH_MAX_BACKENDS])
{
	uint64_t total = r->backend_other + r->backend_none;
	unsigned i, k;

	for (i = 0; i < r->nbackends; i++) {
		total += r->backends[i].conns;
		for (k = i; k > 0 && strcmp(r->backends[order[k - 1]].id,
					    r->backends[i].id) > 0; k--)
			order[k] = order[k - 1];
		order[k] = i;
	}
	return total;
}

static void print_backends(FILE *f, const struct bench_result *r)
{
	unsigned order[BENCH_MAX_BACKENDS], i;
	uint64_t total = sort_backends(r, order);
	const char *sep = " ";

	if (!r->nbackends)
		return;
	fprintf(f, "%-14s", "backends");
	for (i = 0; i < r->nbackends; i++, sep = ", ") {
		const struct bench_backend *k = &r->backends[order[i]];

		fprintf(f, "%s%s %.1f%% (%llu)", sep, k->id,
			100.0 * k->conns / total, (unsigned long long)k->conns);
	}
	if (r->backend_other)
		fprintf(f, ", others %.1f%%", 100.0 * r->backend_other / total);
	if (r->backend_none)
		fprintf(f, ", unnamed %.1f%%", 100.0 * r->backend_none / total);
	fputc('\n', f);
}

/* "stages         0 to 100 in 10s, 100 for 30s, to 0 in 10s" */
static void print_stages(FILE *f, const struct bench_config *cfg)
{
	unsigned i, from = 0;
	char d[32];

	if (!cfg->nstages)
		return;
	fprintf(f, "%-14s", "stages");
	for (i = 0; i < cfg->nstages; i++) {
		const struct bench_stage *st = &cfg->stages[i];

		units_fmt_duration(st->ms, d, sizeof(d));
		if (st->target == from)
			fprintf(f, "%s %u for %s", i ? "," : "", from, d);
		else
			fprintf(f, "%s %u to %u in %s", i ? "," : "", from,
				st->target, d);
		from = st->target;
	}
	fputc('\n', f);
}

void bench_print(FILE *f, const struct bench_config *cfg,
		 const struct bench_result *r)
{
	struct bench_rates rt;
	char d[32];

	bench_rates(r, &rt);
	fprintf(f, "wsctl bench %s %s://%s:%u%s: %u connections",
		bench_mode_name(cfg->mode), cfg->url.scheme, cfg->url.host,
		cfg->url.port, cfg->url.path, cfg->connections);
	if (cfg->mode == BENCH_HANDSHAKE)
		fprintf(f, " in flight");
	else
		fprintf(f, ", %llu-byte %s messages",
			(unsigned long long)cfg->size,
			cfg->text ? "text" : "binary");
	if (cfg->rate > 0)
		fprintf(f, ", %g/s open loop", cfg->rate);
	fprintf(f, "%s\n", r->interrupted ? " (interrupted)" : "");
	print_stages(f, cfg);
	fputc('\n', f);

	if (cfg->nstages) {
		fprintf(f, "%-14s %llu opened, at most %u at once\n",
			"connections", (unsigned long long)r->handshakes,
			r->peak_open);
		if (cfg->mode == BENCH_HANDSHAKE)
			fprintf(f, "%-14s %.0f/s over %.2fs\n", "handshakes",
				rt.conns_per_s, rt.elapsed_s);
	} else if (cfg->mode == BENCH_HANDSHAKE) {
		fprintf(f, "%-14s %llu in %.2fs: %.0f/s\n", "handshakes",
			(unsigned long long)r->handshakes, rt.elapsed_s,
			rt.conns_per_s);
	} else {
		fprintf(f, "%-14s %llu of %u opened in %s: %.0f/s (%u in "
			"flight%s)\n", "connections",
			(unsigned long long)r->ramp_handshakes,
			cfg->connections, fmt_us(r->ramp_us, d, sizeof(d)),
			rt.conns_per_s, cfg->ramp < cfg->connections ?
			cfg->ramp : cfg->connections,
			r->ramp_done ? "" : "; the run ended first");
	}
	if (cfg->mode == BENCH_IDLE && r->idle_opened)
		fprintf(f, "%-14s %u opened, held %s, %u still echoing\n",
			"idle", r->idle_opened,
			fmt_us(cfg->duration_ms * 1000, d, sizeof(d)),
			r->idle_held);
	else if (cfg->mode == BENCH_IDLE)
		fprintf(f, "%-14s none opened\n", "idle");
	if (cfg->url.tls) {
		print_hist(f, "tcp connect", &r->tcp_us, 0);
		print_hist(f, "tls", &r->tls_us, 0);
		if (cfg->resume)
			fprintf(f, "%-14s %llu of %llu TLS handshakes\n",
				"resumed", (unsigned long long)r->tls_resumed,
				(unsigned long long)r->tls_us.count);
	}
	print_hist(f, "handshake", &r->handshake_us, 0);
	if (cfg->mode == BENCH_IDLE) {
		/* one echo per connection once the hold is over: a check
		   that each is alive, not a rate */
		print_hist(f, "round trip", &r->rtt_us, 1);
		fprintf(f, "%-14s %llu, one echo per held connection after "
			"the hold\n", "messages", (unsigned long long)r->messages);
	} else if (cfg->mode != BENCH_HANDSHAKE) {
		print_hist(f, "round trip", &r->rtt_us, 1);
		fprintf(f, "%-14s %llu in %.2fs: %.0f/s, %.2f MiB/s each way\n",
			"messages", (unsigned long long)r->messages,
			rt.elapsed_s, rt.msgs_per_s, rt.bytes_per_s / 1048576);
	}
	print_backends(f, r);
	print_errors(f, r);
}

/* ---- JSON ---- */

static cJSON *json_hist(const struct hist *h, int p999)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "count", (double)h->count);
	cJSON_AddNumberToObject(o, "min", h->count ? (double)h->min : 0);
	cJSON_AddNumberToObject(o, "mean", hist_mean(h));
	cJSON_AddNumberToObject(o, "p50", (double)hist_percentile(h, 50));
	cJSON_AddNumberToObject(o, "p90", (double)hist_percentile(h, 90));
	cJSON_AddNumberToObject(o, "p99", (double)hist_percentile(h, 99));
	if (p999)
		cJSON_AddNumberToObject(o, "p99_9",
					(double)hist_percentile(h, 99.9));
	cJSON_AddNumberToObject(o, "max", (double)h->max);
	cJSON_AddNumberToObject(o, "sum", (double)h->sum);
	/* every bucket, for bench merge and HdrHistogram's own tools */
	if (h->count) {
		char *text = malloc(HDR_TEXT_MAX);

		if (text && hdr_encode(h, text, HDR_TEXT_MAX))
			cJSON_AddStringToObject(o, "hdr", text);
		free(text);
	}
	return o;
}

static cJSON *json_config(const struct bench_config *cfg)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "connections", cfg->connections);
	cJSON_AddNumberToObject(o, "ramp", cfg->mode == BENCH_HANDSHAKE ||
				cfg->ramp > cfg->connections ?
				cfg->connections : cfg->ramp);
	cJSON_AddNumberToObject(o, "duration_ms", (double)cfg->duration_ms);
	cJSON_AddNumberToObject(o, "count", (double)cfg->count);
	cJSON_AddNumberToObject(o, "size", (double)cfg->size);
	cJSON_AddStringToObject(o, "type", cfg->text ? "text" : "binary");
	cJSON_AddNumberToObject(o, "rate", cfg->rate);
	cJSON_AddNumberToObject(o, "timeout_ms", (double)cfg->timeout_ms);
	if (cfg->nstages) {
		cJSON *a = cJSON_AddArrayToObject(o, "stages");
		unsigned i;

		for (i = 0; a && i < cfg->nstages; i++) {
			cJSON *st = cJSON_CreateObject();

			cJSON_AddNumberToObject(st, "duration_ms",
						(double)cfg->stages[i].ms);
			cJSON_AddNumberToObject(st, "target",
						cfg->stages[i].target);
			cJSON_AddItemToArray(a, st);
		}
	}
	if (cfg->protocols)
		cJSON_AddStringToObject(o, "subprotocols", cfg->protocols);
	return o;
}

static cJSON *json_errors(const struct bench_result *r)
{
	cJSON *o = cJSON_CreateObject(), *first, *codes;
	int e, st;
	char k[16];

	cJSON_AddNumberToObject(o, "total", (double)bench_errors(r));
	for (e = 0; e < BERR_NKINDS; e++)
		cJSON_AddNumberToObject(o, bench_err_name(e),
					(double)r->errors[e]);
	codes = cJSON_AddObjectToObject(o, "status_codes");
	for (st = 100; st < 1000; st++) {
		if (!r->status[st])
			continue;
		snprintf(k, sizeof(k), "%d", st);
		cJSON_AddNumberToObject(codes, k, (double)r->status[st]);
	}
	first = cJSON_AddObjectToObject(o, "first");
	for (e = 0; e < BERR_NKINDS; e++)
		if (r->errors[e])
			cJSON_AddStringToObject(first, bench_err_name(e),
						r->first_error[e]);
	return o;
}

static cJSON *json_backends(const struct bench_result *r)
{
	cJSON *a = cJSON_CreateArray();
	unsigned order[BENCH_MAX_BACKENDS], i;
	uint64_t total = sort_backends(r, order);

	for (i = 0; i < r->nbackends; i++) {
		const struct bench_backend *k = &r->backends[order[i]];
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "id", k->id);
		cJSON_AddNumberToObject(o, "connections", (double)k->conns);
		cJSON_AddNumberToObject(o, "messages", (double)k->msgs);
		cJSON_AddNumberToObject(o, "share", total ?
					(double)k->conns / total : 0);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

char *bench_json(const struct bench_config *cfg, const struct bench_result *r)
{
	cJSON *root = cJSON_CreateObject(), *o;
	struct bench_rates rt;
	char url[2400], *s;

	if (!root)
		return NULL;
	bench_rates(r, &rt);
	snprintf(url, sizeof(url), "%s://%s:%u%s", cfg->url.scheme,
		 cfg->url.host, cfg->url.port, cfg->url.path);
	cJSON_AddStringToObject(root, "url", url);
	cJSON_AddStringToObject(root, "mode", bench_mode_name(cfg->mode));
	cJSON_AddItemToObject(root, "config", json_config(cfg));
	cJSON_AddBoolToObject(root, "interrupted", r->interrupted);
	cJSON_AddNumberToObject(root, "elapsed_s", rt.elapsed_s);

	o = cJSON_AddObjectToObject(root, "connections");
	cJSON_AddNumberToObject(o, "attempts", (double)r->attempts);
	cJSON_AddNumberToObject(o, "handshakes", (double)r->handshakes);
	cJSON_AddNumberToObject(o, "per_sec", rt.conns_per_s);
	cJSON_AddNumberToObject(o, "ramp_s", r->ramp_us / 1e6);
	cJSON_AddBoolToObject(o, "ramp_done", r->ramp_done);
	cJSON_AddNumberToObject(o, "ramp_handshakes",
				(double)r->ramp_handshakes);
	cJSON_AddNumberToObject(o, "closes", (double)r->closes);
	cJSON_AddNumberToObject(o, "peak_open", r->peak_open);
	cJSON_AddItemToObject(root, "handshake_us",
			      json_hist(&r->handshake_us, 0));
	if (cfg->url.tls) {
		cJSON_AddItemToObject(root, "tcp_us", json_hist(&r->tcp_us, 0));
		cJSON_AddItemToObject(root, "tls_us", json_hist(&r->tls_us, 0));
		cJSON_AddNumberToObject(root, "tls_resumed",
					(double)r->tls_resumed);
	}

	o = cJSON_AddObjectToObject(root, "messages");
	cJSON_AddNumberToObject(o, "count", (double)r->messages);
	cJSON_AddNumberToObject(o, "per_sec", rt.msgs_per_s);
	cJSON_AddNumberToObject(o, "bytes", (double)r->bytes);
	cJSON_AddNumberToObject(o, "bytes_per_sec", rt.bytes_per_s);
	cJSON_AddItemToObject(root, "rtt_us", json_hist(&r->rtt_us, 1));

	if (cfg->mode == BENCH_IDLE) {
		o = cJSON_AddObjectToObject(root, "idle");
		cJSON_AddNumberToObject(o, "opened", r->idle_opened);
		cJSON_AddNumberToObject(o, "held", r->idle_held);
		cJSON_AddNumberToObject(o, "hold_s", cfg->duration_ms / 1e3);
	}
	o = cJSON_AddObjectToObject(root, "wire");
	cJSON_AddNumberToObject(o, "read", (double)r->wire_in);
	cJSON_AddNumberToObject(o, "written", (double)r->wire_out);

	cJSON_AddItemToObject(root, "backends", json_backends(r));
	cJSON_AddNumberToObject(root, "backend_unnamed",
				(double)r->backend_none);
	cJSON_AddNumberToObject(root, "backend_others",
				(double)r->backend_other);
	cJSON_AddItemToObject(root, "errors", json_errors(r));

	s = cJSON_Print(root);
	cJSON_Delete(root);
	return s;
}
