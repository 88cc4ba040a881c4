/*
 * report_roots.c - the root causes of a run's failures, each once: the
 * failures that follow from no other, grouped by the config line that
 * causes them (a missing Upgrade line fails handshake.status-101 and
 * headers.upgrade-connection, on ws:// and wss:// alike: one cause).
 */
#include <string.h>

#include "cli/report.h"

static int failed(const struct check_result *r)
{
	return r->status == CHECK_FAIL || r->status == CHECK_ERROR;
}

static int same_ref(const struct check_ref *a, const struct check_ref *b)
{
	return a->file && b->file && a->line == b->line &&
	       !strcmp(a->file, b->file) && !strcmp(a->directive, b->directive);
}

static void add_id(struct report_root *x, const char *id)
{
	int k;

	for (k = 0; k < x->nids; k++)
		if (!strcmp(x->ids[k], id))
			return;
	if (x->nids < REPORT_ROOT_IDS)
		x->ids[x->nids++] = id;
}

int report_roots(const struct run *run, struct report_root *out, int max)
{
	int i, k, n = 0;

	for (i = 0; i < run->n; i++) {
		const struct run_result *r = &run->r[i];
		struct report_root *x = NULL;

		if (!failed(&r->res) || r->res.cause[0])
			continue;
		for (k = 0; k < n && !x; k++)
			if (r->res.ref.file ? out[k].ref &&
			    same_ref(out[k].ref, &r->res.ref) :
			    !out[k].ref && !strcmp(out[k].ids[0], r->check->id))
				x = &out[k];
		if (!x) {
			if (n == max)
				continue;
			x = &out[n++];
			memset(x, 0, sizeof(*x));
			x->ref = r->res.ref.file ? &r->res.ref : NULL;
			x->first = r;
		}
		add_id(x, r->check->id);
	}
	/* what follows from them: a check that names one as its cause */
	for (i = 0; i < run->n; i++) {
		const char *cause = run->r[i].res.cause;

		if (!cause[0])
			continue;
		for (k = 0; k < n; k++) {
			int j, hit = 0;

			for (j = 0; j < out[k].nids; j++)
				hit |= !strcmp(out[k].ids[j], cause);
			if (hit) {
				out[k].follow++;
				break;
			}
		}
	}
	return n;
}
