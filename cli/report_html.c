/*
 * report_html.c - one self-contained HTML page of a run, to look at: the
 * verdict first, then the root causes, then every check with what was
 * expected and observed, its evidence folded, the spread over the
 * backends as bars, the timeout checks' timelines and the histograms of
 * the times measured.  No script and nothing fetched (cli/html.h).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "checks/sandbox.h"
#include "cli/html.h"
#include "cli/report.h"

#define NBUCKETS 20

static void text(FILE *f, const char *s)
{
	html_text(f, s);
}

static void roots(FILE *f, const struct run *run)
{
	struct report_root v[64];
	int n = report_roots(run, v, 64), i, k;

	if (!n)
		return;
	fputs("<h2>Root causes</h2>\n", f);
	for (i = 0; i < n; i++) {
		const struct check_result *res = &v[i].first->res;

		fputs("<div class=\"root\"><p><b>", f);
		if (v[i].ref) {
			text(f, v[i].ref->file);
			fprintf(f, ":%u: ", v[i].ref->line);
			text(f, v[i].ref->directive);
		} else {
			text(f, v[i].first->check->id);
			fputs(": expected ", f);
			text(f, res->expected);
			fputs(", observed ", f);
			text(f, res->observed);
		}
		fputs("</b></p>\n", f);
		if (v[i].ref && v[i].ref->fix[0]) {
			fputs("<p>fix: <code>", f);
			text(f, v[i].ref->fix);
			fputs("</code></p>\n", f);
		} else if (res->ref.fix[0]) {
			fputs("<p>fix: <code>", f);
			text(f, res->ref.fix);
			fputs("</code></p>\n", f);
		}
		fputs("<p class=\"muted\">fails: ", f);
		for (k = 0; k < v[i].nids; k++) {
			fputs(k ? ", " : "", f);
			text(f, v[i].ids[k]);
		}
		if (v[i].follow)
			fprintf(f, ", and %d checks that follow from %s",
				v[i].follow, v[i].nids > 1 ? "them" : "it");
		fputs("</p></div>\n", f);
	}
}

/* distribution.balance and its kin: {"backend": count} as bars. */
static void bars(FILE *f, const cJSON *ev)
{
	const cJSON *counts = cJSON_GetObjectItemCaseSensitive(ev, "counts");
	const cJSON *c;
	double max = 0;

	if (!cJSON_IsObject(counts))
		return;
	cJSON_ArrayForEach(c, counts)
		if (cJSON_IsNumber(c) && c->valuedouble > max)
			max = c->valuedouble;
	if (max <= 0)
		return;
	fputs("<table class=\"dist\">\n", f);
	cJSON_ArrayForEach(c, counts) {
		if (!cJSON_IsNumber(c))
			continue;
		fputs("<tr><td><code>", f);
		text(f, c->string);
		fprintf(f, "</code></td><td><span class=\"bar\" style=\"width:"
			"%.0fem\"></span> %.0f</td></tr>\n",
			20 * c->valuedouble / max, c->valuedouble);
	}
	fputs("</table>\n", f);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* evidence[key], an array of times in ms, as a histogram. */
static void samples(FILE *f, const cJSON *ev, const char *key,
		    const char *what)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(ev, key), *x;
	double v[NBUCKETS] = { 0 }, *t, width;
	char lab[NBUCKETS][24], tips[NBUCKETS][64], cap[200];
	const char *label[NBUCKETS], *tip[NBUCKETS];
	int n = cJSON_GetArraySize(a), i = 0, k;

	if (!cJSON_IsArray(a) || n < 2 || !(t = malloc(n * sizeof(*t))))
		return;
	cJSON_ArrayForEach(x, a)
		t[i++] = cJSON_IsNumber(x) ? x->valuedouble : 0;
	qsort(t, n, sizeof(*t), cmp_double);
	width = t[n - 1] > 0 ? t[n - 1] / NBUCKETS : 1;
	for (i = 0; i < n; i++) {
		k = (int)(t[i] / width);
		v[k < NBUCKETS ? k : NBUCKETS - 1]++;
	}
	for (k = 0; k < NBUCKETS; k++) {
		snprintf(lab[k], sizeof(lab[k]), "%.2gms", (k + 1) * width);
		label[k] = k % 5 == 4 ? lab[k] : NULL;
		snprintf(tips[k], sizeof(tips[k]), "%.0f from %.3g to %.3g ms",
			 v[k], k * width, (k + 1) * width);
		tip[k] = tips[k];
	}
	snprintf(cap, sizeof(cap), "%s: %d, p50 %.2fms, p99 %.2fms, max "
		 "%.2fms", what, n, t[(n - 1) / 2],
		 t[(int)ceil(0.99 * n) - 1], t[n - 1]);
	html_columns(f, cap, v, label, tip, NBUCKETS);
	free(t);
}

static double num(const cJSON *ev, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(ev, key);

	return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

/*
 * The timeout checks' timeline: how long the tunnel stayed open (green),
 * where it closed (red), and the read timeout it was to close at
 * (dashed); measured times, with the sandbox's scale said.
 */
static void timeline(FILE *f, const cJSON *ev, int div)
{
	double closed = num(ev, "closed_after_ms"), idle = num(ev, "idle_ms");
	double want = num(ev, "expected_close_ms"), end, span;

	if (closed < 0 && idle < 0)
		return;
	end = closed >= 0 ? closed : idle;
	span = 1.1 * fmax(end, fmax(idle, want));
	if (span <= 0)
		return;
	fprintf(f, "<p class=\"caption\">open %.2fs", end / 1000);
	if (closed >= 0)
		fprintf(f, ", then closed");
	if (want >= 0)
		fprintf(f, "; the read timeout: %.2fs", want / 1000);
	if (div > 1)
		fprintf(f, " (measured at 1/%d of the config's times)", div);
	fprintf(f, "</p>\n<div class=\"line\"><div class=\"open\" "
		"style=\"left:0;width:%.1f%%\"></div>", 100 * end / span);
	if (closed >= 0)
		fprintf(f, "<div class=\"mark close\" style=\"left:%.1f%%\" "
			"title=\"closed\"></div>", 100 * closed / span);
	if (want >= 0)
		fprintf(f, "<div class=\"mark want\" style=\"left:%.1f%%\" "
			"title=\"read timeout\"></div>", 100 * want / span);
	fputs("</div>\n", f);
}

static void row(FILE *f, const struct run_result *r, int div)
{
	const struct check_result *res = &r->res;
	const char *st = report_status_name(res->status);

	fprintf(f, "<tr id=\"%s\"><td><code>", r->check->id);
	text(f, r->check->id);
	fprintf(f, "</code></td><td class=\"%s\">%s</td><td>", st, st);
	if (res->cause[0]) {
		fputs("follows <a href=\"#", f);
		text(f, res->cause);
		fputs("\">", f);
		text(f, res->cause);
		fputs("</a>", f);
	} else if (res->status == CHECK_FAIL || res->status == CHECK_ERROR) {
		if (res->expected[0]) {
			fputs("expected <b>", f);
			text(f, res->expected);
			fputs("</b><br>observed <b>", f);
			text(f, res->observed);
			fputs("</b>", f);
		} else {
			text(f, res->message);
		}
		if (res->ref.file) {
			fputs("<br><code>", f);
			text(f, res->ref.file);
			fprintf(f, ":%u: ", res->ref.line);
			text(f, res->ref.directive);
			fputs("</code>", f);
		}
		if (res->ref.fix[0]) {
			fputs("<br>fix: <code>", f);
			text(f, res->ref.fix);
			fputs("</code>", f);
		}
	} else {
		text(f, res->message);
	}
	if (res->evidence) {
		char *ev = cJSON_Print(res->evidence);

		bars(f, res->evidence);
		timeline(f, res->evidence, div);
		samples(f, res->evidence, "handshake_ms", "handshakes");
		samples(f, res->evidence, "rtt_ms", "round trips");
		if (ev) {
			fputs("<details><summary>evidence</summary><pre>", f);
			text(f, ev);
			fputs("</pre></details>", f);
		}
		cJSON_free(ev);
	}
	fprintf(f, "</td><td class=\"muted\">%.3fs</td></tr>\n",
		res->duration_ms / 1000.0);
}

int report_html(const char *path, const struct run *run,
		const struct report_meta *m, char *err, size_t errlen)
{
	FILE *f = fopen(path, "w");
	struct summary s = report_summary(run);
	time_t start = run->started_at / 1000;
	char when[40];
	struct tm tm;
	int u, i, bad = s.failed || s.errors;
	int div = m->sandbox ? m->sandbox->time_div : 0;

	if (!f) {
		snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
		return -1;
	}
	gmtime_r(&start, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	html_head(f, "wsctl check", m->name ? m->name : m->config_file ?
		  m->config_file : m->cfg->nurls ? m->cfg->urls[0] : "");
	fputs("<h1>wsctl check</h1>\n<p class=\"muted\">", f);
	for (u = 0; u < m->cfg->nurls; u++) {
		fputs(u ? ", " : "", f);
		text(f, m->cfg->urls[u]);
	}
	if (m->config_file) {
		fputs(" from ", f);
		text(f, m->config_file);
	}
	if (run->server[0]) {
		fputs(" (Server: ", f);
		text(f, run->server);
		fputs(")", f);
	}
	fprintf(f, "; %s, %.1fs</p>\n", when, run->duration_ms / 1000.0);
	fprintf(f, "<div class=\"verdict %s\"><b>%s</b>: %d checks, %d passed, "
		"%d failed, %d skipped, %d errors%s</div>\n", bad ? "bad" : "ok",
		bad ? "FAIL" : "PASS", s.total, s.passed, s.failed, s.skipped,
		s.errors, run->interrupted ? " (interrupted)" : "");
	roots(f, run);
	for (u = 0; u < m->cfg->nurls; u++) {
		fputs("<h2>Checks", f);
		if (m->cfg->nurls > 1) {
			fputs(": ", f);
			text(f, m->cfg->urls[u]);
		}
		fputs("</h2>\n<table><tr><th>check</th><th>status</th>"
		      "<th>what was seen</th><th>time</th></tr>\n", f);
		for (i = 0; i < run->n; i++)
			if (!strcmp(run->r[i].url, m->cfg->urls[u]))
				row(f, &run->r[i], div);
		fputs("</table>\n", f);
	}
	html_tail(f);
	if (fclose(f) != 0) {
		snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
		return -1;
	}
	return 0;
}
