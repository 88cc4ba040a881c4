/*
 * nginx_priv.h - what the nginx_*.c files share and nobody else needs:
 * the arena that owns a conf's memory, the reader that fills in files and
 * the directive tree, and the helpers of the model builder.
 */
#ifndef WSCTL_NGINX_PRIV_H
#define WSCTL_NGINX_PRIV_H

#include <stdarg.h>
#include <stddef.h>

#include "checks/nginx_conf.h"

/* Zeroed memory that lives until nginx_arena_free; NULL when out of it. */
void *nginx_alloc(struct nginx_arena *a, size_t size);
char *nginx_strdup(struct nginx_arena *a, const char *s);
void nginx_arena_free(struct nginx_arena *a);

/*
 * Read path and its includes into c->files, c->root and c->missing,
 * allocating from c->arena (created here); flags are NGINX_READ_*.  Returns 0, or -1 with err filled.
 */
int nginx_read_tree(struct nginx_conf *c, const char *path, unsigned flags,
		    char *err, size_t errlen);


/* ---- building the model (nginx_conf.c, nginx_upstream.c) ---------- */

struct nginx_build {
	struct nginx_conf *c;
	struct nginx_arena *a;
	char *err;
	size_t errlen;
};

/* An error at directive d, or out of memory; both evaluate to -1. */
#define FAIL(b, d, ...) nginx_errf((b)->err, (b)->errlen, &(d)->at, __VA_ARGS__)
#define OOM(b) nginx_errf((b)->err, (b)->errlen, NULL, "out of memory")

/* An arena array of n (at least one) zeroed elements, or NULL. */
void *nginx_alloc_n(struct nginx_build *b, size_t n, size_t size);

/*
 * d must (block 1) or must not (block 0) have a block, and min..max words
 * with its name.  Returns 0, or -1 with nginx's complaint in b->err.
 */
int nginx_shape(struct nginx_build *b, const struct nginx_dir *d, int block,
		size_t min, size_t max);

/* How many of d and the directives after it are named name. */
size_t nginx_count(const struct nginx_dir *d, const char *name);

/* A decimal number 0..1e9 with nothing after it.  Returns 0 or -1. */
int nginx_number(const char *s, unsigned *v);

/* The value of "name=value" when s starts with name and '=', else NULL. */
const char *nginx_param(const char *s, const char *name);

/* Fill u from the upstream block d.  Returns 0 or -1 with b->err set. */
int nginx_upstream_build(struct nginx_build *b, struct nginx_upstream *u,
			 const struct nginx_dir *d);

#endif
