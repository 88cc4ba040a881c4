/*
 * report_table.c - the table people read: one line per check, and what
 * was expected and observed when it did not pass.
 */
#include <stdio.h>
#include <string.h>

#include "checks/plan.h"
#include "checks/sandbox.h"
#include "cli/report.h"
#include "common/units.h"

static const char *const names[] = { "pass", "fail", "skip", "error" };
static const char *const colors[] = { "\033[32m", "\033[1;31m", "\033[33m",
				      "\033[1;35m" };

const char *report_status_name(enum check_status st)
{
	return names[st];
}

struct summary report_summary(const struct run *run)
{
	struct summary s = { 0, 0, 0, 0, 0 };
	int i;

	for (i = 0; i < run->n; i++) {
		s.total++;
		switch (run->r[i].res.status) {
		case CHECK_PASS: s.passed++; break;
		case CHECK_FAIL: s.failed++; break;
		case CHECK_SKIP: s.skipped++; break;
		case CHECK_ERROR: s.errors++; break;
		}
	}
	return s;
}

/* What the sandbox changed: a count, or with -v every change. */
static void sandbox_lines(FILE *f, const struct report_meta *m)
{
	const struct sandbox *sb = m->sandbox;
	size_t i;

	if (!sb)
		return;
	fprintf(f, "sandbox: %s ran a copy of %s with %zu change%s",
		m->proxy ? m->proxy : "nginx", m->config_file, sb->nnotes,
		sb->nnotes == 1 ? "" : "s");
	if (sb->time_div > 1)
		fprintf(f, ", timeouts at 1/%d", sb->time_div);
	fprintf(f, "%s\n", m->verbose ? ":" : " (-v lists them)");
	for (i = 0; m->verbose && i < sb->nnotes; i++) {
		const struct sandbox_note *n = &sb->notes[i];

		if (n->at.file)
			fprintf(f, "  %s:%u: %s\n", n->at.file, n->at.line,
				n->text);
		else
			fprintf(f, "  %s\n", n->text);
	}
	fputc('\n', f);
}

/* The target's location and where it is, for the group's heading. */
static const char *target_loc(const struct report_meta *m, const char *url,
			      char *buf, size_t len)
{
	int i;

	buf[0] = '\0';
	for (i = 0; m->plan && i < m->plan->n; i++) {
		const struct nginx_location *l = m->plan->t[i].loc;

		if (strcmp(m->plan->t[i].url, url))
			continue;
		char name[300];
		int n = snprintf(buf, len, "  (%s, %s:%u", nginx_location_name(l,
				 name, sizeof(name)), l->at.file, l->at.line);
		const char *path = strstr(url, "://");

		path = path ? strchr(path + 3, '/') : NULL;
		if (n > 0 && (size_t)n < len && path &&
		    strncmp(path, m->plan->t[i].backend_path,
			    strcspn(path, "?")))
			n += snprintf(buf + n, len - (size_t)n, "; the backend "
				      "sees %s", m->plan->t[i].backend_path);
		if (n > 0 && (size_t)n < len)
			snprintf(buf + n, len - (size_t)n, ")");
		break;
	}
	return buf;
}

static void left_lines(FILE *f, const struct report_meta *m)
{
	int i;

	if (!m->plan || !m->plan->nleft)
		return;
	fprintf(f, "not checked:\n");
	for (i = 0; i < m->plan->nleft; i++) {
		const struct plan_left *x = &m->plan->left[i];

		fprintf(f, "  %s:%u: %s: %s\n", x->at.file, x->at.line,
			x->location, x->why);
	}
	fputc('\n', f);
}

/* The root causes, each once: "FILE:LINE: directive", then the checks. */
static void roots(FILE *f, const struct run *run)
{
	struct report_root v[64];
	int n = report_roots(run, v, 64), i, k;

	if (!n)
		return;
	fprintf(f, "\nroot causes:\n");
	for (i = 0; i < n; i++) {
		if (v[i].ref)
			fprintf(f, "  %s:%u: %s\n    fix: %s\n    fails:",
				v[i].ref->file, v[i].ref->line,
				v[i].ref->directive, v[i].ref->fix);
		else
			fprintf(f, "  %s: %s\n%s%s%s    fails:", v[i].ids[0],
				v[i].first->res.message[0] ?
				v[i].first->res.message : v[i].first->res.observed,
				v[i].first->res.ref.fix[0] ? "    fix: " : "",
				v[i].first->res.ref.fix,
				v[i].first->res.ref.fix[0] ? "\n" : "");
		for (k = 0; k < v[i].nids; k++)
			fprintf(f, "%s %s", k ? "," : "", v[i].ids[k]);
		if (v[i].follow)
			fprintf(f, ", and %d check%s that follow%s from %s",
				v[i].follow, v[i].follow == 1 ? "" : "s",
				v[i].follow == 1 ? "s" : "",
				v[i].nids == 1 ? "it" : "them");
		fputc('\n', f);
	}
}

/* The waits after a check that never saw every backend again. */
static void settles(FILE *f, const struct run *run)
{
	char d[32];
	int i;

	for (i = 0; i < run->nsettles; i++) {
		const struct run_settle *e = &run->settles[i];

		if (e->after[0] && e->missing[0])
			fprintf(f, "\nafter %s the proxy routed nothing to %s "
				"within %s (--settle): later checks may fail "
				"for that\n", e->after, e->missing,
				units_fmt_ms(e->ms, d, sizeof(d)));
	}
}

/* The message column starts here: the id, the status, two spaces. */
#define MSG_COL 42

/*
 * s from column MSG_COL, broken at spaces into lines of at most width
 * columns (0: one line), each line after the first indented to MSG_COL:
 * the table fits the terminal, and the rows stay rows.
 */
static void wrap(FILE *f, const char *s, int width)
{
	int room = width - MSG_COL;

	if (width <= 0 || room < 20) {
		fputs(s, f);
		return;
	}
	while ((int)strlen(s) > room) {
		int cut = room;

		while (cut > 0 && s[cut] != ' ')
			cut--;
		if (cut == 0)	/* one long word: break it */
			cut = room;
		fprintf(f, "%.*s\n%*s", cut, s, MSG_COL, "");
		s += cut;
		while (*s == ' ')
			s++;
	}
	fputs(s, f);
}

/* The head evidence[key], a line at a time after mark, indented. */
static void heads(FILE *f, const cJSON *evidence, const char *key,
		  const char *mark)
{
	const char *s = cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(evidence, key));

	while (s && *s && *s != '\r' && *s != '\n') {
		size_t n = strcspn(s, "\r\n");

		fprintf(f, "%-41s %s%.*s\n", "", mark, (int)n, s);
		s += n;
		s += *s == '\r';
		s += *s == '\n';
	}
}

static void row_head(FILE *f, const char *id, enum check_status st, int color)
{
	fprintf(f, "%-34s %s%-5s%s", id, color ? colors[st] : "", names[st],
		color ? "\033[0m" : "");
}

void report_row(FILE *f, const struct run_row *w, int color, int width)
{
	row_head(f, w->id, w->status, color);
	if (w->text[0]) {
		fputs("  ", f);
		wrap(f, w->text, width);
	}
	fputc('\n', f);
}

void report_table(FILE *f, const struct run *run, const struct report_meta *m,
		  int color)
{
	const char *url = NULL;
	struct summary s = report_summary(run);
	int i, shown = 0;
	char loc[400];

	if (m->live && (m->sandbox || (m->plan && m->plan->nleft)))
		fputc('\n', f);
	sandbox_lines(f, m);
	left_lines(f, m);
	for (i = 0; i < run->n; i++) {
		const struct run_result *r = &run->r[i];
		enum check_status st = r->res.status;
		const char *detail = r->res.message;

		if (m->live && st != CHECK_FAIL && st != CHECK_ERROR)
			continue;	/* shown as it finished */
		if (m->live && !shown++)
			fprintf(f, "\nfailures:\n");
		if ((m->cfg->nurls > 1 || m->plan) &&
		    (!url || strcmp(url, r->url))) {
			url = r->url;
			fprintf(f, "%s%s%s\n", i && !m->live ? "\n" : "", url,
				target_loc(m, url, loc, sizeof(loc)));
		}
		if (st == CHECK_FAIL && r->res.expected[0])
			detail = NULL;
		row_head(f, r->check->id, st, color);
		if (r->res.cause[0]) {
			fprintf(f, "  cause: %s", r->res.cause);
		} else if (detail && detail[0]) {
			fputs("  ", f);
			wrap(f, detail, m->width);
		} else if (!detail) {
			char both[sizeof(r->res.expected) + sizeof(r->res.observed) + 32];

			snprintf(both, sizeof(both), "expected %s; observed %s",
				 r->res.expected, r->res.observed);
			fputs("  ", f);
			wrap(f, both, m->width);
		}
		fputc('\n', f);
		if (r->res.ref.file)
			fprintf(f, "%-41s %s:%u: %s\n%-41s fix: %s\n", "",
				r->res.ref.file, r->res.ref.line,
				r->res.ref.directive, "", r->res.ref.fix);
		else if (r->res.ref.fix[0])
			fprintf(f, "%-41s fix: %s\n", "", r->res.ref.fix);
		/* -v: a failure's own evidence, the heads as they went */
		if (m->verbose && !r->res.cause[0] &&
		    (st == CHECK_FAIL || st == CHECK_ERROR)) {
			heads(f, r->res.evidence, "request_head", "> ");
			heads(f, r->res.evidence, "response_head", "< ");
		}
	}
	roots(f, run);
	settles(f, run);
	fprintf(f, "\n%d check%s: %d passed, %d failed, %d skipped, %d errors "
		   "(%.1fs)\n", s.total, s.total == 1 ? "" : "s", s.passed,
		s.failed, s.skipped, s.errors, run->duration_ms / 1000.0);
}
