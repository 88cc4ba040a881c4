/*
 * report_junit.c - JUnit XML, the format CI systems read: one testsuite
 * per target, one testcase per check.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/report.h"

void report_xml_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		default:
			/* XML 1.0 has no way to carry other control characters */
			if (c < 0x20 && c != '\n' && c != '\t' && c != '\r')
				fprintf(f, "\\x%02x", c);
			else
				fputc(c, f);
		}
	}
}

static void xml(FILE *f, const char *s)
{
	report_xml_escape(f, s);
}

static void testcase(FILE *f, const struct run_result *r)
{
	const char *tag[] = { NULL, "failure", "skipped", "error" };
	char cls[64];
	size_t n = strcspn(r->check->id, ".");

	snprintf(cls, sizeof(cls), "%.*s", (int)n, r->check->id);
	fprintf(f, "    <testcase classname=\"");
	xml(f, cls);
	fprintf(f, "\" name=\"");
	xml(f, r->check->id);
	fprintf(f, "\" time=\"%.3f\"", r->res.duration_ms / 1000.0);
	if (r->res.status == CHECK_PASS) {
		fputs("/>\n", f);
		return;
	}
	fprintf(f, ">\n      <%s", tag[r->res.status]);
	/* what CI groups failures by: the cause, or the config's line */
	if (r->res.status != CHECK_SKIP) {
		fputs(" type=\"", f);
		if (r->res.cause[0]) {
			fputs("follows ", f);
			xml(f, r->res.cause);
		} else if (r->res.ref.file) {
			xml(f, r->res.ref.file);
			fprintf(f, ":%u", r->res.ref.line);
		} else {
			xml(f, r->check->id);
		}
		fputs("\"", f);
	}
	fputs(" message=\"", f);
	if (r->res.cause[0]) {
		fputs("cause: ", f);
		xml(f, r->res.cause);
		fputs("; ", f);
	}
	xml(f, r->res.message[0] ? r->res.message : r->res.observed);
	if (r->res.ref.file) {
		fprintf(f, "; %s:%u: ", r->res.ref.file, r->res.ref.line);
		xml(f, r->res.ref.directive);
		fputs("; fix: ", f);
		xml(f, r->res.ref.fix);
	}
	if (r->res.status == CHECK_SKIP) {
		fputs("\"/>\n    </testcase>\n", f);
		return;
	}
	fputs("\">", f);
	if (r->res.evidence) {
		char *ev = cJSON_Print(r->res.evidence);

		if (ev)
			xml(f, ev);
		cJSON_free(ev);
	}
	fprintf(f, "</%s>\n    </testcase>\n", tag[r->res.status]);
}

/* --name, else the config's file name, else the URL; with several
   targets, each's URL after it. */
static void suite_name(FILE *f, const struct report_meta *m, int u)
{
	const char *base = m->name, *slash;

	if (!base && m->config_file) {
		slash = strrchr(m->config_file, '/');
		base = slash ? slash + 1 : m->config_file;
	}
	if (!base) {
		xml(f, m->cfg->urls[u]);
		return;
	}
	xml(f, base);
	if (m->cfg->nurls > 1) {
		fputc(' ', f);
		xml(f, m->cfg->urls[u]);
	}
}

int report_junit(const char *path, const struct run *run,
		 const struct report_meta *m, char *err, size_t errlen)
{
	FILE *f = fopen(path, "w");
	struct summary all = report_summary(run);
	time_t start = run->started_at / 1000;
	char host[256] = "", when[32];
	struct tm tm;
	int u, i;

	if (!f) {
		snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
		return -1;
	}
	if (gethostname(host, sizeof(host) - 1) < 0)
		host[0] = 0;
	gmtime_r(&start, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<testsuites name=\"wsctl check\" tests=\"%d\" failures=\"%d\" "
		   "errors=\"%d\" skipped=\"%d\" time=\"%.3f\">\n",
		all.total, all.failed, all.errors, all.skipped,
		run->duration_ms / 1000.0);
	for (u = 0; u < m->cfg->nurls; u++) {
		int t = 0, fl = 0, e = 0, s = 0;
		int64_t ms = 0;

		for (i = 0; i < run->n; i++) {
			if (strcmp(run->r[i].url, m->cfg->urls[u]))
				continue;
			t++;
			/* checks run side by side: a target's suite took at
			   least its longest; one target's, the whole run */
			if (run->r[i].res.duration_ms > ms)
				ms = run->r[i].res.duration_ms;
			fl += run->r[i].res.status == CHECK_FAIL;
			e += run->r[i].res.status == CHECK_ERROR;
			s += run->r[i].res.status == CHECK_SKIP;
		}
		if (m->cfg->nurls == 1)
			ms = run->duration_ms;
		fprintf(f, "  <testsuite name=\"");
		suite_name(f, m, u);
		fprintf(f, "\" tests=\"%d\" failures=\"%d\" errors=\"%d\" "
			   "skipped=\"%d\" time=\"%.3f\" timestamp=\"%s\" "
			   "hostname=\"", t, fl, e, s, ms / 1000.0, when);
		xml(f, host);
		fputs("\">\n", f);
		for (i = 0; i < run->n; i++)
			if (!strcmp(run->r[i].url, m->cfg->urls[u]))
				testcase(f, &run->r[i]);
		fputs("  </testsuite>\n", f);
	}
	fputs("</testsuites>\n", f);
	if (fclose(f) != 0) {
		snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
		return -1;
	}
	return 0;
}
