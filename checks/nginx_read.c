/*
 * nginx_read.c - read nginx configuration files into a directive tree:
 * tokens become directives, blocks become children, and include
 * directives are replaced by the directives of the files they name, each
 * keeping its own file and line.  Also the arena that owns a conf.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "checks/nginx_priv.h"

#define MAX_FILE	(16u << 20)	/* bigger is not a config */
#define MAX_BLOCKS	64		/* our recursion, not an nginx limit */

/* ---- arena -------------------------------------------------------- */

struct chunk {
	struct chunk *next;
	size_t used, size;
	max_align_t data[];	/* an array of max_align_t keeps it aligned */
};

struct nginx_arena {
	struct chunk *head;
};

void *nginx_alloc(struct nginx_arena *a, size_t size)
{
	const size_t align = sizeof(max_align_t);
	struct chunk *ch = a->head;
	void *p;

	size = (size + align - 1) / align * align;
	if (!size)
		size = align;
	if (!ch || ch->size - ch->used < size) {
		size_t n = size > 16384 ? size : 16384;

		if (!(ch = calloc(1, sizeof(*ch) + n)))
			return NULL;
		ch->size = n;
		ch->next = a->head;
		a->head = ch;
	}
	p = (char *)ch->data + ch->used;
	ch->used += size;
	return p;
}

char *nginx_strdup(struct nginx_arena *a, const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = nginx_alloc(a, n);

	if (d)
		memcpy(d, s, n);
	return d;
}

void nginx_arena_free(struct nginx_arena *a)
{
	struct chunk *ch, *next;

	if (!a)
		return;
	for (ch = a->head; ch; ch = next) {
		next = ch->next;
		free(ch);
	}
	free(a);
}

int nginx_errf(char *err, size_t errlen, const struct nginx_pos *at,
	       const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (!errlen)
		return -1;
	if (at && at->file)
		n = snprintf(err, errlen, "%s:%u: ", at->file, at->line);
	if (n < 0 || (size_t)n >= errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	err_oneline(err, errlen);
	return -1;
}

/* ---- reader ------------------------------------------------------- */

struct file_id {
	dev_t dev;
	ino_t ino;
	const char *name;
};

struct reader {
	struct nginx_arena *a;
	const char *prefix;	/* the main file's directory: "" or ".../" */
	size_t nprefix;
	struct file_id open[NGINX_INCLUDE_DEPTH + 1];	/* include stack */
	int depth;
	struct file_id *seen;		/* every file read, first path wins */
	size_t nseen;
	char **words;			/* the directive being collected */
	size_t nwords, cap;
	int blocks;
	unsigned flags;			/* NGINX_READ_* */
	struct nginx_missing *missing;	/* includes that named no file */
	size_t nmissing;
	char *err;
	size_t errlen;
};

static int oom(struct reader *r)
{
	return nginx_errf(r->err, r->errlen, NULL, "out of memory");
}

static int push_word(struct reader *r, const struct nginx_token *t)
{
	char *w;

	if (r->nwords + 1 >= r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		char **v = realloc(r->words, cap * sizeof(*v));

		if (!v)
			return oom(r);
		r->words = v;
		r->cap = cap;
	}
	if (!(w = nginx_alloc(r->a, t->len + 1)))
		return oom(r);
	nginx_tok_text(t, w);
	r->words[r->nwords++] = w;
	return 0;
}

static struct nginx_dir *make_dir(struct reader *r, const struct nginx_pos *at,
				  int block)
{
	struct nginx_dir *d = nginx_alloc(r->a, sizeof(*d));
	char **args = nginx_alloc(r->a, (r->nwords + 1) * sizeof(*args));

	if (!d || !args)
		return oom(r), NULL;
	memcpy(args, r->words, r->nwords * sizeof(*args));
	d->name = args[0];
	d->args = args;
	d->nargs = r->nwords;
	d->block = block;
	d->at = *at;
	r->nwords = 0;
	return d;
}

/* Format a byte for a message: 'x', or '\x01' when it does not print. */
static const char *show(char c, char *buf)
{
	if (c > ' ' && c < 127)
		snprintf(buf, 8, "'%c'", c);
	else
		snprintf(buf, 8, "'\\x%02x'", (unsigned char)c);
	return buf;
}

static int read_file(struct reader *r, const char *path,
		     const struct nginx_pos *from,
		     const struct nginx_dir ***tail);

/* An include of a file this host does not have: kept, read as empty. */
static int missing(struct reader *r, const struct nginx_dir *d,
		   const char *path)
{
	struct nginx_missing *v;

	v = realloc(r->missing, (r->nmissing + 1) * sizeof(*v));
	if (!v)
		return oom(r);
	r->missing = v;
	v[r->nmissing].at = d->at;
	if (!(v[r->nmissing].path = nginx_strdup(r->a, path)))
		return oom(r);
	r->nmissing++;
	return 0;
}

static int include(struct reader *r, const struct nginx_dir *d,
		   const struct nginx_dir ***tail)
{
	const char *pat;
	char *full;
	glob_t g;
	size_t i, n;
	int rc;

	if (d->nargs != 2)
		return nginx_errf(r->err, r->errlen, &d->at,
				  "invalid number of arguments in 'include'");
	pat = d->args[1];
	n = (pat[0] == '/' ? 0 : r->nprefix) + strlen(pat) + 1;
	if (!(full = malloc(n)))
		return oom(r);
	snprintf(full, n, "%.*s%s", pat[0] == '/' ? 0 : (int)r->nprefix,
		 r->prefix, pat);
	if (!strpbrk(full, "*?[")) {
		if ((r->flags & NGINX_READ_MISSING_OK) && access(full, F_OK) &&
		    errno == ENOENT) {
			rc = missing(r, d, full);
			free(full);
			return rc;
		}
		rc = read_file(r, full, &d->at, tail);
		free(full);
		return rc;
	}
	rc = glob(full, 0, NULL, &g);
	free(full);
	if (rc == GLOB_NOMATCH)	/* nginx lets a pattern match nothing */
		return 0;
	if (rc == GLOB_NOSPACE)
		return oom(r);
	if (rc)
		return nginx_errf(r->err, r->errlen, &d->at,
				  "cannot read the directories of '%s'", pat);
	for (i = 0, rc = 0; i < g.gl_pathc && !rc; i++)
		rc = read_file(r, g.gl_pathv[i], &d->at, tail);
	globfree(&g);
	return rc;
}

/*
 * Parse directives into *tail (which moves along) until '}' when in a
 * block, or until the end of the file otherwise.
 */
static int parse(struct reader *r, struct nginx_lexer *lx, const char *file,
		 const struct nginx_dir ***tail, int in_block)
{
	struct nginx_token t;
	struct nginx_pos at = { file, 0 }, start = { file, 0 };
	struct nginx_dir *d;
	char c[8];

	for (;;) {
		nginx_lex_next(lx, &t);
		at.line = t.line;
		switch (t.kind) {
		case NGINX_TOK_WORD:
			if (!r->nwords)
				start = at;
			if (push_word(r, &t))
				return -1;
			continue;
		case NGINX_TOK_ERROR:
			if (t.err == NGINX_LEX_UNTERMINATED)
				return nginx_errf(r->err, r->errlen, &at,
						  "unterminated string");
			return nginx_errf(r->err, r->errlen, &at,
					  "unexpected %s", show(*t.p, c));
		case NGINX_TOK_SEMI:
			if (!r->nwords)
				return nginx_errf(r->err, r->errlen, &at,
						  "unexpected ';'");
			if (!(d = make_dir(r, &start, 0)))
				return -1;
			if (!strcmp(d->name, "include")) {
				if (include(r, d, tail))
					return -1;
				continue;
			}
			**tail = d;
			*tail = &d->next;
			continue;
		case NGINX_TOK_OPEN:
			if (!r->nwords)
				return nginx_errf(r->err, r->errlen, &at,
						  "unexpected '{'");
			if (!(d = make_dir(r, &start, 1)))
				return -1;
			if (!strcmp(d->name, "include"))
				return nginx_errf(r->err, r->errlen, &start,
						  "directive 'include' is not terminated by ';'");
			if (++r->blocks > MAX_BLOCKS)
				return nginx_errf(r->err, r->errlen, &start,
						  "blocks nest deeper than %d",
						  MAX_BLOCKS);
			**tail = d;
			*tail = &d->next;
			{
				const struct nginx_dir **inner = &d->child;

				if (parse(r, lx, file, &inner, 1))
					return -1;
			}
			r->blocks--;
			continue;
		case NGINX_TOK_CLOSE:
			if (r->nwords || !in_block)
				return nginx_errf(r->err, r->errlen, &at,
						  "unexpected '}'");
			return 0;
		case NGINX_TOK_END:
			if (r->nwords)
				return nginx_errf(r->err, r->errlen, &at,
						  "unexpected end of file, expecting ';' or '}'");
			if (in_block)
				return nginx_errf(r->err, r->errlen, &at,
						  "unexpected end of file, expecting '}'");
			return 0;
		}
	}
}

/* Read all of fd into a malloc'ed buffer; -1 with errno set. */
static int slurp(int fd, char **buf, size_t *len)
{
	size_t cap = 8192, n = 0;
	char *b = malloc(cap), *nb;
	ssize_t got;

	if (!b)
		return -1;
	for (;;) {
		if (n == cap) {
			if (cap >= MAX_FILE) {
				free(b);
				errno = EFBIG;
				return -1;
			}
			if (!(nb = realloc(b, cap *= 2))) {
				free(b);
				return -1;
			}
			b = nb;
		}
		got = read(fd, b + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			free(b);
			return -1;
		}
		if (!got)
			break;
		n += (size_t)got;
	}
	*buf = b;
	*len = n;
	return 0;
}

/* The name files[] keeps for the file (dev, ino): the first path read. */
static const char *file_name(struct reader *r, const struct stat *st,
			     const char *path)
{
	struct file_id *v;
	size_t i;

	for (i = 0; i < r->nseen; i++)
		if (r->seen[i].dev == st->st_dev && r->seen[i].ino == st->st_ino)
			return r->seen[i].name;
	if (!(v = realloc(r->seen, (r->nseen + 1) * sizeof(*v))))
		return NULL;
	r->seen = v;
	v[r->nseen].dev = st->st_dev;
	v[r->nseen].ino = st->st_ino;
	if (!(v[r->nseen].name = nginx_strdup(r->a, path)))
		return NULL;
	return v[r->nseen++].name;
}

static int read_file(struct reader *r, const char *path,
		     const struct nginx_pos *from,
		     const struct nginx_dir ***tail)
{
	struct nginx_lexer lx;
	struct stat st;
	const char *name;
	char *buf;
	size_t len;
	int fd, i, rc;

	if (r->depth > NGINX_INCLUDE_DEPTH)
		return nginx_errf(r->err, r->errlen, from,
				  "include nests deeper than %d",
				  NGINX_INCLUDE_DEPTH);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return nginx_errf(r->err, r->errlen, from,
				  "cannot open '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || slurp(fd, &buf, &len) < 0) {
		int e = errno;

		close(fd);
		return nginx_errf(r->err, r->errlen, from,
				  "cannot read '%s': %s", path, strerror(e));
	}
	close(fd);
	for (i = 0; i < r->depth; i++)
		if (r->open[i].dev == st.st_dev && r->open[i].ino == st.st_ino) {
			free(buf);
			return nginx_errf(r->err, r->errlen, from,
					  "include cycle through '%s'",
					  r->open[i].name);
		}
	if (!(name = file_name(r, &st, path))) {
		free(buf);
		return oom(r);
	}
	r->open[r->depth].dev = st.st_dev;
	r->open[r->depth].ino = st.st_ino;
	r->open[r->depth].name = name;
	r->depth++;
	nginx_lex_init(&lx, buf, len);
	rc = parse(r, &lx, name, tail, 0);
	r->depth--;
	free(buf);
	return rc;
}

int nginx_read_tree(struct nginx_conf *c, const char *path, unsigned flags,
		    char *err, size_t errlen)
{
	struct reader r = { .flags = flags, .err = err, .errlen = errlen };
	struct nginx_missing *miss;
	const struct nginx_dir **tail = &c->root;
	const char *slash = strrchr(path, '/');
	const char **files;
	size_t i;
	int rc = -1;

	if (!(c->arena = r.a = calloc(1, sizeof(*r.a))))
		return oom(&r);
	/* nginx -c FILE takes FILE's directory as the conf prefix */
	r.prefix = path;
	r.nprefix = slash ? (size_t)(slash - path) + 1 : 0;
	if (read_file(&r, path, NULL, &tail))
		goto out;
	if (!(files = nginx_alloc(r.a, r.nseen * sizeof(*files)))) {
		oom(&r);
		goto out;
	}
	for (i = 0; i < r.nseen; i++)
		files[i] = r.seen[i].name;
	c->files = files;
	c->nfiles = r.nseen;
	if (!(miss = nginx_alloc(r.a, (r.nmissing + 1) * sizeof(*miss)))) {
		oom(&r);
		goto out;
	}
	if (r.nmissing)
		memcpy(miss, r.missing, r.nmissing * sizeof(*miss));
	c->missing = miss;
	c->nmissing = r.nmissing;
	rc = 0;
out:
	free(r.missing);
	free(r.seen);
	free(r.words);
	return rc;
}

const struct nginx_dir *nginx_dir_find(const struct nginx_dir *d,
				       const char *name)
{
	for (; d; d = d->next)
		if (!strcmp(d->name, name))
			return d;
	return NULL;
}
