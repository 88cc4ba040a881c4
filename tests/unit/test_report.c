/*
 * test_report.c - the root causes a report lists (cli/report_roots.c).
 */
#include <string.h>

#include "cli/report.h"
#include "tests/unit/unit.h"

static const struct check a = { "headers.websocket-passthrough", "", "", NULL, 0 };
static const struct check b = { "frames.compressed", "", "", NULL, 0 };
static const struct check c = { "frames.text", "", "", NULL, 0 };

/* Three results on one target, each of a, b and c, all passing. */
static void three(struct run_result r[3])
{
	const struct check *k[3] = { &a, &b, &c };
	int i;

	memset(r, 0, 3 * sizeof(*r));
	for (i = 0; i < 3; i++) {
		r[i].check = k[i];
		r[i].url = "ws://x/";
		r[i].res.status = CHECK_PASS;
	}
}

/* A failure no line explains, then one a line does: two roots (this
 * crashed on the first one's missing line). */
static void unblamed_then_blamed(void)
{
	struct run_result r[3];
	struct run run = { .r = r, .n = 3 };
	struct report_root out[8];
	int n;

	three(r);
	r[0].res.status = CHECK_FAIL;
	r[1].res.status = CHECK_FAIL;
	r[1].res.ref.file = "nginx.conf";
	r[1].res.ref.line = 49;
	strcpy(r[1].res.ref.directive, "proxy_set_header Sec-WebSocket-Extensions \"\"");
	n = report_roots(&run, out, 8);
	EXPECTF(n == 2, "%d roots", n);
	EXPECT(!out[0].ref && out[0].nids == 1 &&
	       !strcmp(out[0].ids[0], a.id));
	EXPECT(out[1].ref == &r[1].res.ref && out[1].nids == 1);
}

/* One line behind two checks, and a check that follows from one: one
 * root, two ids, one follower. */
static void one_line_two_checks(void)
{
	struct run_result r[3];
	struct run run = { .r = r, .n = 3 };
	struct report_root out[8];
	int i, n;

	three(r);
	for (i = 0; i < 2; i++) {
		r[i].res.status = CHECK_FAIL;
		r[i].res.ref.file = "nginx.conf";
		r[i].res.ref.line = 7;
		strcpy(r[i].res.ref.directive, "proxy_set_header Upgrade \"\"");
	}
	r[2].res.status = CHECK_FAIL;
	strcpy(r[2].res.cause, b.id);
	n = report_roots(&run, out, 8);
	EXPECTF(n == 1, "%d roots", n);
	EXPECT(out[0].nids == 2 && out[0].follow == 1);
}

const struct unit_case report_cases[] = {
	{ "report.roots-unblamed-then-blamed", unblamed_then_blamed },
	{ "report.roots-one-line", one_line_two_checks },
	{ NULL, NULL },
};
