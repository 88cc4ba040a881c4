/*
 * nginx_write.c - directives back to text, with a map of where each line
 * came from.
 */
#include <stdlib.h>
#include <string.h>

#include "checks/nginx_write.h"

int nginx_write_open(struct nginx_writer *w, const char *path)
{
	memset(w, 0, sizeof(*w));
	w->f = fopen(path, "w");
	return w->f ? 0 : -1;
}

static void mapped(struct nginx_writer *w, const struct nginx_pos *at)
{
	static const struct nginx_pos none = { NULL, 0 };

	if (w->line == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 256;
		struct nginx_pos *m = realloc(w->map, cap * sizeof(*m));

		if (!m) {
			w->failed = 1;
			return;
		}
		w->map = m;
		w->cap = cap;
	}
	w->map[w->line++] = at ? *at : none;
}

/* A word in double quotes: nginx reads \" \\ \t \r \n back as the byte */
static void word(FILE *f, const char *s)
{
	putc('"', f);
	for (; *s; s++) {
		switch (*s) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\t': fputs("\\t", f); break;
		case '\r': fputs("\\r", f); break;
		case '\n': fputs("\\n", f); break;
		default: putc(*s, f);
		}
	}
	putc('"', f);
}

static void indent(struct nginx_writer *w)
{
	int i;

	for (i = 0; i < w->depth; i++)
		fputs("    ", w->f);
}

void nginx_write_dir(struct nginx_writer *w, const struct nginx_pos *at,
		     const char *const *args, size_t nargs, int block)
{
	size_t i;

	if (!w->f || !nargs)
		return;
	indent(w);
	/* a plain name bare, so the copy reads like a config; a map key
	   ('' or a regex) quoted like any word */
	if (args[0][0] && !args[0][strspn(args[0], "abcdefghijklmnopqrstuvwxyz"
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")])
		fputs(args[0], w->f);
	else
		word(w->f, args[0]);
	for (i = 1; i < nargs; i++) {
		putc(' ', w->f);
		word(w->f, args[i]);
	}
	fputs(block ? " {\n" : ";\n", w->f);
	mapped(w, at);
	if (block)
		w->depth++;
}

void nginx_write_close(struct nginx_writer *w, const struct nginx_pos *at)
{
	if (!w->f)
		return;
	if (w->depth > 0)
		w->depth--;
	indent(w);
	fputs("}\n", w->f);
	mapped(w, at);
}

void nginx_write_comment(struct nginx_writer *w, const char *text)
{
	if (!w->f)
		return;
	indent(w);
	fputs("# ", w->f);
	for (; *text; text++)
		putc(*text == '\n' || *text == '\r' ? ' ' : *text, w->f);
	putc('\n', w->f);
	mapped(w, NULL);
}

int nginx_write_end(struct nginx_writer *w)
{
	int rc = 0;

	if (!w->f)
		return -1;
	if (ferror(w->f) || w->failed)
		rc = -1;
	if (fclose(w->f))
		rc = -1;
	w->f = NULL;
	return rc;
}

const struct nginx_pos *nginx_write_origin(const struct nginx_writer *w,
					   unsigned n)
{
	if (!n || n > w->line || !w->map[n - 1].file)
		return NULL;
	return &w->map[n - 1];
}

void nginx_write_free(struct nginx_writer *w)
{
	if (w->f)
		fclose(w->f);
	free(w->map);
	memset(w, 0, sizeof(*w));
}
