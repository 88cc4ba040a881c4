/*
 * fuzz_proxy_conf.c - a proxy's config as the drivers read it
 * (checks/proxy_*.c: HAProxy, Caddy, Apache), by each driver and by
 * detection.  Each returns 0 or -1; a model it returns has a listen and
 * a backend, every line it names is a line of the file, its path starts
 * with '/'; an error is one line.
 */
#include <stdint.h>

#include "checks/proxy.h"
#include "fuzz/fuzz.h"

static void one(const char *s, const struct proxy_driver *drv)
{
	struct proxy_model *m = calloc(1, sizeof(*m));
	char err[512] = "";
	int i;

	if (!m)
		return;
	m->file = "fuzz.conf";
	m->text = strdup(s);
	if (m->text && proxy_parse(m, drv, err, sizeof(err)) == 0) {
		CONTRACT(m->drv);
		if (!m->drv->read)	/* nginx's: nginx_conf.h reads it */
			goto out;
		CONTRACT(m->nlisten >= 1 && m->nb >= 1);
		CONTRACT(m->path[0] == '/');
		for (i = 0; i < m->nlisten; i++)
			CONTRACT(m->listen[i].line <= m->nlines);
		for (i = 0; i < m->nb; i++)
			CONTRACT(m->b[i].line >= 1 && m->b[i].line <= m->nlines &&
				 m->b[i].addr[0]);
		for (i = 0; i < m->nfacts; i++)
			CONTRACT(m->fact[i].line >= 1 &&
				 m->fact[i].line <= m->nlines);
		CONTRACT(m->section_line <= m->nlines);
	} else if (m->text) {
		CONTRACT(err[0] && strnlen(err, sizeof(err)) < sizeof(err));
		CONTRACT(!strchr(err, '\n'));
	}
out:
	proxy_model_free(m);
	free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size, 1 << 16);

	if (!s)
		return 0;
	one(s, NULL);
	one(s, proxy_find("haproxy"));
	one(s, proxy_find("caddy"));
	one(s, proxy_find("apache"));
	free(s);
	return 0;
}
