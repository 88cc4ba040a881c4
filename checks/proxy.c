/*
 * proxy.c - the table of proxy drivers, and what they share: reading a
 * config into lines, detecting its kind, facts, and blame.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/proxy.h"

#define MAX_CONF (4 * 1024 * 1024)

static const struct proxy_driver *const drivers[] = {
	&proxy_nginx, &proxy_haproxy, &proxy_caddy, &proxy_apache, NULL,
};

const struct proxy_driver *proxy_find(const char *kind)
{
	int i;

	for (i = 0; drivers[i]; i++)
		if (!strcmp(drivers[i]->kind, kind))
			return drivers[i];
	return NULL;
}

const struct proxy_driver *proxy_by_server(const char *server)
{
	int i;

	for (i = 0; server && drivers[i]; i++)
		if (drivers[i]->server && !strncasecmp(server,
		    drivers[i]->server, strlen(drivers[i]->server)))
			return drivers[i];
	return NULL;
}

/* The whole file, NUL-terminated, into m->text; its lines into m->line. */
static int slurp(struct proxy_model *m, const char *file, char *err,
		 size_t errlen)
{
	FILE *f = fopen(file, "r");
	size_t len = 0, cap = 0;

	if (!f)
		return snprintf(err, errlen, "cannot read %s: %s", file,
				strerror(errno)), -1;
	for (;;) {
		size_t got;

		if (len + 4096 + 1 > cap) {
			char *t = cap >= MAX_CONF ? NULL : realloc(m->text,
							cap = cap ? cap * 2 : 8192);

			if (!t) {
				fclose(f);
				return snprintf(err, errlen, "%s: larger than "
						"%d MiB", file, MAX_CONF >> 20), -1;
			}
			m->text = t;
		}
		got = fread(m->text + len, 1, cap - len - 1, f);
		len += got;
		if (got == 0)
			break;
	}
	fclose(f);
	m->text[len] = 0;
	if (memchr(m->text, 0, len))
		return snprintf(err, errlen, "%s: not a text file", file), -1;
	return 0;
}

/* Cut m->text into m->line[1..]. */
static int split(struct proxy_model *m, char *err, size_t errlen)
{
	char *p, *nl;

	for (p = m->text; *p; p = nl + 1) {
		if (m->nlines == PROXY_MAX_LINES)
			return snprintf(err, errlen, "%s: more than %d lines",
					m->file, PROXY_MAX_LINES), -1;
		m->line[++m->nlines] = p;
		if (!(nl = strchr(p, '\n')))
			break;
		*nl = 0;
		if (nl > p && nl[-1] == '\r')
			nl[-1] = 0;
	}
	return 0;
}

int proxy_load(struct proxy_model *m, const char *file,
	       const struct proxy_driver *drv, char *err, size_t errlen)
{
	m->file = file;
	if (slurp(m, file, err, errlen) < 0)
		return -1;
	return proxy_parse(m, drv, err, errlen);
}

int proxy_parse(struct proxy_model *m, const struct proxy_driver *drv,
		char *err, size_t errlen)
{
	const char *file = m->file;
	int i, best = 0, tie = 0;

	m->balance = BALANCE_UNKNOWN;
	for (i = 0; !drv && drivers[i]; i++) {
		int score = drivers[i]->detect(m->text);

		if (score > best)
			best = score, tie = 0, m->drv = drivers[i];
		else if (score && score == best)
			tie = 1;
	}
	if (!drv && (!m->drv || tie))
		return snprintf(err, errlen, "cannot tell which proxy %s is "
				"for; say --proxy KIND (nginx, haproxy, caddy, "
				"apache)", file), -1;
	if (drv)
		m->drv = drv;
	if (split(m, err, errlen) < 0)
		return -1;
	if (!m->drv->read)
		return 0;
	if (m->drv->read(m, err, errlen) < 0)
		return -1;
	/* a request's path: "ws/" as written (an acl's, a matcher's) is
	   "/ws/" */
	if (m->path[0] != '/') {
		char p[sizeof(m->path)];

		snprintf(p, sizeof(p), "/%.*s", (int)sizeof(p) - 2, m->path);
		memcpy(m->path, p, sizeof(p));
	}
	return 0;
}
void proxy_model_free(struct proxy_model *m)
{
	free(m->text);
	m->text = NULL;
}

const struct proxy_fact *proxy_fact(const struct proxy_model *m,
				    const char *key)
{
	int i;

	for (i = 0; i < m->nfacts; i++)
		if (!strcmp(m->fact[i].key, key))
			return &m->fact[i];
	return NULL;
}

void proxy_fact_add(struct proxy_model *m, const char *key, unsigned n)
{
	struct proxy_fact *f;
	char w[8];

	if (m->nfacts == PROXY_MAX_FACTS || n < 1 || n > m->nlines)
		return;
	f = &m->fact[m->nfacts++];
	f->key = key;
	f->line = n;
	snprintf(f->text, sizeof(f->text), "%s", proxy_word(m->line[n], w,
							     sizeof(w)));
	proxy_strip_comment(f->text);
}

void proxy_strip_comment(char *s)
{
	char *c;

	for (c = s; (c = strchr(c, '#')); c++)
		if (c > s && isspace((unsigned char)c[-1])) {
			*c = 0;
			break;
		}
	for (c = s + strlen(s); c > s && isspace((unsigned char)c[-1]); c--)
		c[-1] = 0;
}

void proxy_split(const char *line, struct proxy_args *a)
{
	char *p;

	snprintf(a->buf, sizeof(a->buf), "%s", line);
	a->n = 0;
	for (p = strtok(a->buf, " \t\r"); p && a->n < PROXY_MAX_ARGS - 1;
	     p = strtok(NULL, " \t\r")) {
		if (*p == '#')
			break;
		a->v[a->n++] = p;
	}
	a->v[a->n] = NULL;
}

const char *proxy_word(const char *line, char *w, size_t wlen)
{
	size_t i = 0;

	while (*line == ' ' || *line == '\t')
		line++;
	while (line[i] && !isspace((unsigned char)line[i]) && i + 1 < wlen) {
		w[i] = line[i];
		i++;
	}
	w[i] = 0;
	return line;
}

void proxy_copy_line(FILE *f, const struct proxy_model *m,
		     struct proxy_box *b, unsigned n, int drop,
		     const char *why)
{
	if (drop) {
		fprintf(f, "# wsctl: left out (%s): %s\n", why, m->line[n]);
		proxy_note(b, n, "%.200s: left out (%s)",
			   m->line[n] + strspn(m->line[n], " \t"), why);
	} else {
		fprintf(f, "%s\n", m->line[n]);
	}
}

void proxy_note(struct proxy_box *b, unsigned n, const char *fmt, ...)
{
	va_list ap;

	if (b->nnotes == PROXY_MAX_NOTES)
		return;
	b->note[b->nnotes].line = n;
	va_start(ap, fmt);
	vsnprintf(b->note[b->nnotes].text, sizeof(b->note[0].text), fmt, ap);
	va_end(ap);
	b->nnotes++;
}

const struct hostport *proxy_stand_in(const struct proxy_model *m,
				      const struct proxy_box *b,
				      const char *addr)
{
	int i;

	for (i = 0; i < m->nb; i++)
		if (!strcmp(m->b[i].addr, addr))
			return &b->backend[i];
	return NULL;
}

void proxy_ref(const struct proxy_model *m, const char *key,
	       const char *missing, const char *fix, struct check_ref *ref)
{
	const struct proxy_fact *f = key ? proxy_fact(m, key) : NULL;

	if (f) {
		ref->line = f->line;
		snprintf(ref->directive, sizeof(ref->directive), "%s", f->text);
	} else if (m->section_line) {
		ref->line = m->section_line;
		snprintf(ref->directive, sizeof(ref->directive), "%s: %s",
			 m->section, missing);
	} else {
		return;
	}
	ref->file = m->file;
	snprintf(ref->fix, sizeof(ref->fix), "%s", fix);
}

void proxy_blame(const struct proxy_model *m, const char *id,
		 struct check_result *res)
{
	const char *h;

	if (res->status != CHECK_FAIL && res->status != CHECK_ERROR)
		return;
	/* one that follows from another's failure is not its own
	   directive's fault */
	if (res->cause[0])
		return;
	/* no tunnel opened: a line that breaks every handshake is to
	   blame, whatever the check was about; else the check's own */
	if (res->no_tunnel && m->drv->blame)
		m->drv->blame(m, "handshake.status-101", &res->ref);
	if (!res->ref.file && m->drv->blame) {
		memset(&res->ref, 0, sizeof(res->ref));
		m->drv->blame(m, id, &res->ref);
	}
	if (!res->ref.file && m->drv->hint && (h = m->drv->hint(id)))
		snprintf(res->ref.fix, sizeof(res->ref.fix), "%s", h);
}

void proxy_hint(const char *server, const char *id, struct check_result *res)
{
	const struct proxy_driver *d = proxy_by_server(server);
	const char *h;

	if (res->status != CHECK_FAIL || res->cause[0] || res->ref.file ||
	    res->ref.fix[0])
		return;
	if (d && d->hint && (h = d->hint(id)))
		snprintf(res->ref.fix, sizeof(res->ref.fix), "%s", h);
}

const char *proxy_rule_fix(const struct proxy_rule *rules, const char *id)
{
	for (; rules->id; rules++)
		if (!strcmp(rules->id, id))
			return rules->fix;
	return NULL;
}

void proxy_rule_blame(const struct proxy_model *m,
		      const struct proxy_rule *rules, const char *id,
		      struct check_ref *ref)
{
	for (; rules->id; rules++) {
		if (strcmp(rules->id, id))
			continue;
		if (!rules->missing && !proxy_fact(m, rules->key))
			return;
		proxy_ref(m, rules->key, rules->missing, rules->fix, ref);
		return;
	}
}
