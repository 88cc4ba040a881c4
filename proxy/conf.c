/*
 * conf.c - defaults and the upstream spec, shared by the command line and
 * (later) a configuration file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/units.h"
#include "proxy/proxy.h"

#define MAX_WEIGHT 1000

void proxy_config_init(struct proxy_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->balance = "round-robin";
	cfg->connect_timeout_ms = 5000;
	cfg->read_timeout_ms = 60000;		/* nginx's proxy_read_timeout */
	cfg->handshake_timeout_ms = 10000;
	cfg->drain_ms = 5000;
	cfg->max_connections = 0;
	cfg->log_fd = STDERR_FILENO;
}

/* An unsigned decimal in [min, max]. */
static int number(const char *s, unsigned min, unsigned max, unsigned *v)
{
	char *end;
	unsigned long n;

	if (*s < '0' || *s > '9')
		return -1;
	n = strtoul(s, &end, 10);
	if (*end || n < min || n > max)
		return -1;
	*v = n;
	return 0;
}

int proxy_parse_upstream(const char *spec, struct proxy_upstream *u,
			 char *err, size_t errlen)
{
	char buf[512], *p, *next;
	struct hostport hp;

	memset(u, 0, sizeof(*u));
	u->weight = 1;
	u->max_fails = 1;
	u->fail_timeout_ms = 10000;
	if (strlen(spec) >= sizeof(buf)) {
		snprintf(err, errlen, "upstream '%.40s...' is too long", spec);
		return -1;
	}
	strcpy(buf, spec);
	if ((next = strchr(buf, ',')))
		*next++ = '\0';
	if (addr_parse(buf, 0, &hp, err, errlen) < 0)
		return -1;
	if (!hp.host[0] || !hp.port) {
		snprintf(err, errlen, "upstream '%s' needs a host and a port",
			 buf);
		return -1;
	}
	memcpy(u->host, hp.host, sizeof(u->host));
	u->port = hp.port;
	for (p = next; p; p = next) {
		const char *val;
		int bad;

		if ((next = strchr(p, ',')))
			*next++ = '\0';
		val = strchr(p, '=');
		if (!val) {
			snprintf(err, errlen, "bad parameter '%s' in '%s'", p,
				 spec);
			return -1;
		}
		val++;
		if (!strncmp(p, "weight=", 7))
			bad = number(val, 1, MAX_WEIGHT, &u->weight);
		else if (!strncmp(p, "max_fails=", 10))
			bad = number(val, 0, 1000000, &u->max_fails);
		else if (!strncmp(p, "fail_timeout=", 13))
			bad = units_duration(val, &u->fail_timeout_ms);
		else {
			snprintf(err, errlen, "unknown parameter '%.*s' in '%s'",
				 (int)(val - 1 - p), p, spec);
			return -1;
		}
		if (bad) {
			snprintf(err, errlen, "bad %.*s in '%s'",
				 (int)(val - 1 - p), p, spec);
			return -1;
		}
	}
	return 0;
}
