/*
 * result.c - how checks state their verdict and evidence.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/clock.h"
#include "checks/check.h"
#include "common/net.h"

static void set(struct check_ctx *c, enum check_status st, const char *fmt,
		va_list ap)
{
	c->res->status = st;
	vsnprintf(c->res->message, sizeof(c->res->message), fmt, ap);
}

void check_pass(struct check_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set(c, CHECK_PASS, fmt, ap);
	va_end(ap);
}

void check_skip(struct check_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set(c, CHECK_SKIP, fmt, ap);
	va_end(ap);
}

void check_error(struct check_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set(c, CHECK_ERROR, fmt, ap);
	va_end(ap);
}

void check_fail(struct check_ctx *c, const char *expected,
		const char *observed_fmt, ...)
{
	va_list ap;

	c->res->status = CHECK_FAIL;
	snprintf(c->res->expected, sizeof(c->res->expected), "%s", expected);
	va_start(ap, observed_fmt);
	vsnprintf(c->res->observed, sizeof(c->res->observed), observed_fmt, ap);
	va_end(ap);
	snprintf(c->res->message, sizeof(c->res->message),
		 "expected %.255s, observed %.511s",
		 c->res->expected, c->res->observed);
}

static cJSON *evidence(struct check_ctx *c)
{
	if (!c->res->evidence)
		c->res->evidence = cJSON_CreateObject();
	return c->res->evidence;
}

void check_evidence_json(struct check_ctx *c, const char *key, cJSON *item)
{
	cJSON *ev = evidence(c);

	if (!item)
		return;
	if (cJSON_GetObjectItemCaseSensitive(ev, key))
		cJSON_ReplaceItemInObjectCaseSensitive(ev, key, item);
	else
		cJSON_AddItemToObject(ev, key, item);
}

void check_evidence_str(struct check_ctx *c, const char *key, const char *val)
{
	check_evidence_json(c, key, cJSON_CreateString(val ? val : ""));
}

void check_evidence_len(struct check_ctx *c, const char *key, const char *val,
			size_t len)
{
	char buf[8192];

	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, val, len);
	buf[len] = 0;
	check_evidence_str(c, key, buf);
}

void check_evidence_num(struct check_ctx *c, const char *key, double val)
{
	check_evidence_json(c, key, cJSON_CreateNumber(val));
}

int check_time_left(const struct check_ctx *c)
{
	int64_t left = c->deadline - clock_ms();

	return left < 1 ? 1 : left > 0x7fffffff ? 0x7fffffff : (int)left;
}
