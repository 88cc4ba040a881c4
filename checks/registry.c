/*
 * registry.c - the one list of check tables, in the documented order.
 */
#include <string.h>

#include "checks/check.h"

static const struct check *const tables[] = {
	settle_checks,
	handshake_checks,
	upgrade_checks,
	http_checks,
	h2_checks,
	headers_checks,
	path_checks,
	frames_checks,
	deflate_checks,
	control_checks,
	timeout_checks,
	oneway_checks,
	reload_checks,
	capacity_checks,
	affinity_checks,
	diff_checks,
	other_checks,
};

void check_foreach(void (*fn)(const struct check *c, void *arg), void *arg)
{
	size_t t;
	const struct check *c;

	for (t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (c = tables[t]; c->id; c++)
			fn(c, arg);
}

const struct check *check_find(const char *id)
{
	size_t t;
	const struct check *c;

	for (t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (c = tables[t]; c->id; c++)
			if (!strcmp(c->id, id))
				return c;
	return NULL;
}
