/*
 * test_err.c - err_oneline: control bytes escaped, cut whole, in place.
 */
#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "tests/unit/unit.h"

static void oneline(void)
{
	static const struct { const char *in; size_t cap; const char *out; }
	cases[] = {
		{ "plain", 32, "plain" },
		{ "a\nb", 32, "a\\x0ab" },
		{ "\x1b[31mred", 32, "\\x1b[31mred" },
		{ "x\r\n\x7f", 32, "x\\x0d\\x0a\\x7f" },
		{ "ab\ncd", 6, "ab" },		/* "ab\x0a" needs 7 */
		{ "ab\ncd", 8, "ab\\x0ac" },
		{ "", 4, "" },
	};
	char buf[64];

	for (size_t i = 0; i < NELEM(cases); i++) {
		snprintf(buf, sizeof(buf), "%s", cases[i].in);
		err_oneline(buf, cases[i].cap);
		EXPECTF(!strcmp(buf, cases[i].out), "'%s' (cap %zu) gave '%s'",
			unit_show(cases[i].in, strlen(cases[i].in)),
			cases[i].cap, buf);
	}
}

static void fmt_oneline(void)
{
	char err[64];

	EXPECT(err_fmt(err, sizeof(err), "bad '%s'", "a\nb") == -1);
	EXPECT(!strcmp(err, "bad 'a\\x0ab'"));
}

const struct unit_case err_cases[] = {
	{ "err.oneline", oneline },
	{ "err.fmt-oneline", fmt_oneline },
	{ NULL, NULL },
};
