/*
 * report_json.c - the JSON report, "wsctl.report/1", described by
 * docs/report.schema.json.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "checks/plan.h"
#include "checks/sandbox.h"
#include "cli/report.h"
#include "common/addr.h"

/* What the sandbox changed in the config, and where things went. */
static void add_sandbox(cJSON *root, const struct sandbox *sb)
{
	cJSON *o, *a, *x;
	char addr[300];
	size_t i;

	if (!sb) {
		cJSON_AddNullToObject(root, "sandbox");
		return;
	}
	o = cJSON_AddObjectToObject(root, "sandbox");
	a = cJSON_AddArrayToObject(o, "changes");
	for (i = 0; i < sb->nnotes; i++) {
		const struct sandbox_note *n = &sb->notes[i];

		x = cJSON_CreateObject();
		if (n->at.file) {
			cJSON_AddStringToObject(x, "file", n->at.file);
			cJSON_AddNumberToObject(x, "line", n->at.line);
		} else {
			cJSON_AddNullToObject(x, "file");
			cJSON_AddNullToObject(x, "line");
		}
		cJSON_AddStringToObject(x, "change", n->text);
		cJSON_AddItemToArray(a, x);
	}
	a = cJSON_AddArrayToObject(o, "listen");
	for (i = 0; i < sb->nports; i++) {
		const struct sandbox_port *p = &sb->ports[i];

		x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "from", p->from_unix[0] ? p->from_unix :
					addr_fmt(p->from.host[0] ? p->from.host :
						 "*", p->from.port, addr,
						 sizeof(addr)));
		cJSON_AddStringToObject(x, "to", addr_fmt(p->to.host, p->to.port,
							  addr, sizeof(addr)));
		cJSON_AddItemToArray(a, x);
	}
	a = cJSON_AddArrayToObject(o, "backends");
	for (i = 0; i < sb->nhosts; i++) {
		const struct sandbox_host *h = &sb->hosts[i];

		x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "from", h->from);
		if (h->live)
			cJSON_AddStringToObject(x, "to", addr_fmt(h->to.host,
						h->to.port, addr, sizeof(addr)));
		else
			cJSON_AddNullToObject(x, "to");
		cJSON_AddItemToArray(a, x);
	}
	cJSON_AddBoolToObject(o, "tls", sb->cert[0] != '\0');
	cJSON_AddNumberToObject(o, "time_div", sb->time_div > 1 ? sb->time_div : 1);
}

/* summary.root_causes: each config line (or check) failures come from */
static void add_roots(cJSON *summary, const struct run *run)
{
	struct report_root v[64];
	int n = report_roots(run, v, 64), i, k;
	cJSON *a = cJSON_AddArrayToObject(summary, "root_causes");

	for (i = 0; i < n; i++) {
		cJSON *x = cJSON_CreateObject(), *ids;

		if (v[i].ref) {
			cJSON *ref = cJSON_AddObjectToObject(x, "config_ref");

			cJSON_AddStringToObject(ref, "file", v[i].ref->file);
			cJSON_AddNumberToObject(ref, "line", v[i].ref->line);
			cJSON_AddStringToObject(ref, "directive",
						v[i].ref->directive);
			cJSON_AddStringToObject(x, "fix", v[i].ref->fix);
		} else {
			cJSON_AddNullToObject(x, "config_ref");
			cJSON_AddNullToObject(x, "fix");
		}
		ids = cJSON_AddArrayToObject(x, "checks");
		for (k = 0; k < v[i].nids; k++)
			cJSON_AddItemToArray(ids, cJSON_CreateString(v[i].ids[k]));
		cJSON_AddNumberToObject(x, "following", v[i].follow);
		cJSON_AddItemToArray(a, x);
	}
}

/* The waits for the proxy to route to every backend (checks/settle.h). */
static void add_settles(cJSON *root, const struct run *run)
{
	cJSON *a = cJSON_AddArrayToObject(root, "settle");
	int i;

	for (i = 0; i < run->nsettles; i++) {
		const struct run_settle *e = &run->settles[i];
		cJSON *o = cJSON_CreateObject(), *miss;
		const char *p = e->missing;

		cJSON_AddStringToObject(o, "url", e->url);
		if (e->after[0])
			cJSON_AddStringToObject(o, "after", e->after);
		else
			cJSON_AddNullToObject(o, "after");
		cJSON_AddNumberToObject(o, "ms", (double)e->ms);
		cJSON_AddNumberToObject(o, "requests", e->tries);
		miss = cJSON_AddArrayToObject(o, "missing");
		while (*p) {
			size_t n = strcspn(p, ",");
			char id[300];

			snprintf(id, sizeof(id), "%.*s", (int)n, p);
			cJSON_AddItemToArray(miss, cJSON_CreateString(id));
			p += n;
			p += strspn(p, ", ");
		}
		cJSON_AddItemToArray(a, o);
	}
}

static cJSON *build(const struct run *run, const struct report_meta *m)
{
	struct summary s = report_summary(run);
	cJSON *root = cJSON_CreateObject(), *o, *a;
	char when[64];
	time_t t = run->started_at / 1000;
	struct tm tm;
	int i;

	cJSON_AddStringToObject(root, "schema", "wsctl.report/1");
	o = cJSON_AddObjectToObject(root, "tool");
	cJSON_AddStringToObject(o, "name", "wsctl");
	cJSON_AddStringToObject(o, "version", WSCTL_VERSION);
	a = cJSON_AddArrayToObject(root, "target");
	for (i = 0; i < m->cfg->nurls; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(m->cfg->urls[i]));
	o = cJSON_AddObjectToObject(root, "proxy");
	if (run->server[0])
		cJSON_AddStringToObject(o, "server", run->server);
	else
		cJSON_AddNullToObject(o, "server");
	if (m->config_file)
		cJSON_AddStringToObject(o, "config", m->config_file);
	else
		cJSON_AddNullToObject(o, "config");
	add_sandbox(root, m->sandbox);
	a = cJSON_AddArrayToObject(root, "not_checked");
	for (i = 0; m->plan && i < m->plan->nleft; i++) {
		const struct plan_left *x = &m->plan->left[i];

		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "file", x->at.file);
		cJSON_AddNumberToObject(o, "line", x->at.line);
		cJSON_AddStringToObject(o, "location", x->location);
		cJSON_AddStringToObject(o, "why", x->why);
		cJSON_AddItemToArray(a, o);
	}
	cJSON_AddBoolToObject(root, "interrupted", run->interrupted);
	gmtime_r(&t, &tm);
	snprintf(when, sizeof(when), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, (int)(run->started_at % 1000));
	cJSON_AddStringToObject(root, "started_at", when);
	cJSON_AddNumberToObject(root, "duration_ms", (double)run->duration_ms);
	o = cJSON_AddObjectToObject(root, "summary");
	cJSON_AddNumberToObject(o, "total", s.total);
	cJSON_AddNumberToObject(o, "passed", s.passed);
	cJSON_AddNumberToObject(o, "failed", s.failed);
	cJSON_AddNumberToObject(o, "skipped", s.skipped);
	cJSON_AddNumberToObject(o, "errors", s.errors);
	add_roots(o, run);
	add_settles(root, run);
	a = cJSON_AddArrayToObject(root, "checks");
	for (i = 0; i < run->n; i++) {
		const struct run_result *r = &run->r[i];

		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "id", r->check->id);
		cJSON_AddStringToObject(o, "title", r->check->title);
		cJSON_AddStringToObject(o, "ref", r->check->ref);
		cJSON_AddStringToObject(o, "target", r->url);
		cJSON_AddStringToObject(o, "status",
					report_status_name(r->res.status));
		cJSON_AddNumberToObject(o, "duration_ms",
					(double)r->res.duration_ms);
		cJSON_AddStringToObject(o, "expected", r->res.expected);
		cJSON_AddStringToObject(o, "observed", r->res.observed);
		cJSON_AddStringToObject(o, "message", r->res.message);
		if (r->res.cause[0])
			cJSON_AddStringToObject(o, "cause", r->res.cause);
		else
			cJSON_AddNullToObject(o, "cause");
		if (r->res.ref.file) {
			cJSON *ref = cJSON_AddObjectToObject(o, "config_ref");

			cJSON_AddStringToObject(ref, "file", r->res.ref.file);
			cJSON_AddNumberToObject(ref, "line", r->res.ref.line);
			cJSON_AddStringToObject(ref, "directive",
						r->res.ref.directive);
			cJSON_AddStringToObject(o, "fix", r->res.ref.fix);
		} else {
			cJSON_AddNullToObject(o, "config_ref");
			if (r->res.ref.fix[0])	/* the proxy's hint */
				cJSON_AddStringToObject(o, "fix", r->res.ref.fix);
			else
				cJSON_AddNullToObject(o, "fix");
		}
		cJSON_AddItemToObject(o, "evidence", r->res.evidence ?
				      cJSON_Duplicate(r->res.evidence, 1) :
				      cJSON_CreateObject());
		cJSON_AddItemToArray(a, o);
	}
	return root;
}

int report_json(const char *path, const struct run *run,
		const struct report_meta *m, char *err, size_t errlen)
{
	cJSON *root = build(run, m);
	char *text = cJSON_Print(root);
	FILE *f = strcmp(path, "-") ? fopen(path, "w") : stdout;
	int rc = 0;

	cJSON_Delete(root);
	if (!f || !text || fputs(text, f) < 0 || fputc('\n', f) < 0 ||
	    (f != stdout ? fclose(f) : fflush(f)) != 0) {
		snprintf(err, errlen, "cannot write '%s': %s", path,
			 strerror(errno));
		rc = -1;
	}
	cJSON_free(text);
	return rc;
}
