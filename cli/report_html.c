/*
 * report_html.c - one self-contained HTML page of a run, to look at: the
 * verdict first, then the root causes, then every check with what was
 * expected and observed, its evidence folded, and the spread over the
 * backends as bars.  No script and nothing fetched: the style is inline.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/report.h"

static const char style[] =
"body{font:14px/1.4 system-ui,sans-serif;margin:2em auto;max-width:70em;"
"color:#222}"
"h1{font-size:1.5em;margin:0 0 .2em}"
".verdict{padding:.8em 1em;border-radius:6px;margin:1em 0;font-size:1.2em}"
".ok{background:#e3f6e3}.bad{background:#fbe3e3}"
"table{border-collapse:collapse;width:100%}"
"td,th{text-align:left;vertical-align:top;padding:.3em .5em;"
"border-bottom:1px solid #ddd}"
".pass{color:#197319}.fail{color:#b00}.error{color:#b05a00}"
".skip{color:#777}"
"code,pre{font:12px/1.3 ui-monospace,monospace}"
"pre{white-space:pre-wrap;background:#f6f6f6;padding:.5em;max-height:30em;"
"overflow:auto}"
".root{border-left:4px solid #b00;padding:.2em .8em;margin:.6em 0}"
".bar{background:#4a7fd0;height:1em;display:inline-block}"
".muted{color:#666}";

static void text(FILE *f, const char *s)
{
	report_xml_escape(f, s);
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

static void row(FILE *f, const struct run_result *r)
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

	if (!f) {
		snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
		return -1;
	}
	gmtime_r(&start, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset="
		"\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" "
		"content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
		"<title>wsctl check: ");
	text(f, m->name ? m->name : m->config_file ? m->config_file :
	     m->cfg->nurls ? m->cfg->urls[0] : "");
	fprintf(f, "</title>\n<style>%s</style></head><body>\n", style);
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
				row(f, &run->r[i]);
		fputs("</table>\n", f);
	}
	fputs("</body></html>\n", f);
	if (fclose(f) != 0) {
		snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
		return -1;
	}
	return 0;
}
