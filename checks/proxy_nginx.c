/*
 * proxy_nginx.c - nginx's driver: detection and hints.  Its config is
 * read by nginx_conf.h and sandboxed by sandbox.h (--nginx-conf), which
 * know far more of nginx than the line model of the other drivers.
 */
#include <string.h>

#include "checks/proxy.h"

static int detect(const char *text)
{
	static const char *const words[] = {
		"proxy_pass", "server {", "location ", "upstream ", "http {",
		"proxy_set_header", "listen ", NULL,
	};
	int i, n = 0;

	for (i = 0; words[i]; i++)
		n += strstr(text, words[i]) != NULL;
	return n >= 2 ? n : 0;
}

static const struct {
	const char *id, *fix;
} hints[] = {
	{ "handshake.status-101", "proxy_http_version 1.1; proxy_set_header "
	  "Upgrade $http_upgrade; proxy_set_header Connection \"upgrade\";" },
	{ "headers.upgrade-connection", "proxy_set_header Upgrade "
	  "$http_upgrade; proxy_set_header Connection \"upgrade\";" },
	{ "headers.http-version", "proxy_http_version 1.1;" },
	{ "headers.host", "proxy_set_header Host $http_host; (nginx's "
	  "default is $proxy_host, and $host drops the port)" },
	{ "headers.x-real-ip", "proxy_set_header X-Real-IP $remote_addr;" },
	{ "headers.x-forwarded-for", "proxy_set_header X-Forwarded-For "
	  "$proxy_add_x_forwarded_for;" },
	{ "headers.forwarded-proto", "proxy_set_header X-Forwarded-Proto "
	  "$scheme;" },
	{ "timeout.idle", "proxy_read_timeout 1h;" },
	{ "timeout.idle-close", "proxy_read_timeout 1h;" },
	{ "distribution.balance", "the upstream's balancing: no ip_hash or "
	  "hash for round-robin" },
	{ "reload.tunnels", "worker_shutdown_timeout longer than the tunnels "
	  "live" },
	{ NULL, NULL },
};

static const char *hint(const char *id)
{
	int i;

	for (i = 0; hints[i].id; i++)
		if (!strcmp(hints[i].id, id))
			return hints[i].fix;
	return NULL;
}

const struct proxy_driver proxy_nginx = {
	"nginx", "nginx", "nginx", detect, NULL, NULL, NULL, 0, hint, NULL,
	NULL,
};
