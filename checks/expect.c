/*
 * expect.c - balancing methods by name.
 */
#include <string.h>

#include "checks/expect.h"

static const char *const names[] = {
	[BALANCE_UNKNOWN] = "unknown",
	[BALANCE_ROUND_ROBIN] = "round-robin",
	[BALANCE_IP_HASH] = "ip-hash",
	[BALANCE_LEAST_CONN] = "least-conn",
	[BALANCE_HASH] = "hash",
	[BALANCE_RANDOM] = "random",
};

enum balance balance_parse(const char *s)
{
	size_t i;

	for (i = 1; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i]))
			return (enum balance)i;
	return BALANCE_UNKNOWN;
}

const char *balance_name(enum balance b)
{
	return names[b];
}
