/*
 * fuzz_nginx.c - the nginx config reader (checks/nginx_*.c) on a file
 * of fuzzed bytes: a model or NULL, never a crash, and an error that is
 * one printable line.  The query the checker starts from runs on every
 * model that reads, and its error is one line too.  Every model is also
 * written back out as the sandbox writes its copy (checks/nginx_write.c),
 * and the copy must read back as the same directives, word for word and
 * block for block, each line mapped to the original's.  Inputs that
 * include absolute paths are skipped: the harness reads its own file,
 * not the host's.
 */
#include <stdint.h>

#include "checks/nginx_conf.h"
#include "checks/nginx_write.h"
#include "fuzz/fuzz.h"

static void write_tree(struct nginx_writer *w, const struct nginx_dir *d)
{
	for (; d; d = d->next) {
		nginx_write_dir(w, &d->at, (const char *const *)d->args,
				d->nargs, d->block);
		if (d->block) {
			write_tree(w, d->child);
			nginx_write_close(w, &d->at);
		}
	}
}

/* a and b hold the same directives; b's lines map back to a's */
static void same_tree(const struct nginx_dir *a, const struct nginx_dir *b,
		      const struct nginx_writer *w)
{
	for (; a && b; a = a->next, b = b->next) {
		const struct nginx_pos *o = nginx_write_origin(w, b->at.line);
		size_t i;

		CONTRACT(a->nargs == b->nargs && a->block == b->block);
		for (i = 0; i < a->nargs; i++)
			CONTRACT(!strcmp(a->args[i], b->args[i]));
		CONTRACT(o && o->line == a->at.line);
		same_tree(a->child, b->child, w);
	}
	CONTRACT(!a && !b);
}

static void round_trip(const struct nginx_conf *c, const char *path)
{
	char copy[160], err[512];
	struct nginx_writer w;
	struct nginx_conf *back;

	snprintf(copy, sizeof(copy), "%.*s/copy.conf",
		 (int)(strrchr(path, '/') - path), path);
	CONTRACT(nginx_write_open(&w, copy) == 0);
	write_tree(&w, c->root);
	CONTRACT(nginx_write_end(&w) == 0);
	back = nginx_conf_read(copy, err, sizeof(err));
	CONTRACT(back != NULL);
	same_tree(c->root, back->root, &w);
	nginx_conf_free(back);
	nginx_write_free(&w);
	unlink(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nginx_conf *c;
	const char *path;
	char err[512];

	if (memmem(data, size, "include", 7) && memchr(data, '/', size))
		return 0;
	err[0] = 0;
	path = fuzz_file("nginx.conf", data, size);
	c = nginx_conf_read(path, err, sizeof(err));
	if (!c) {
		contract_oneline(err, sizeof(err));
		CONTRACT(err[0] != 0);
		return 0;
	}
	/* the queries plan.c makes of a model, on whatever came out */
	{
		const struct nginx_server *srv;
		const struct nginx_location *loc;
		char out[256];

		err[0] = 0;
		if (nginx_find_proxy(c, 0, size % 2 ? "/" : NULL, &srv, &loc,
				     err, sizeof(err)) < 0)
			contract_oneline(err, sizeof(err));
		srv = nginx_server_for(c, 80, "localhost");
		CONTRACT(!srv || (srv >= c->servers &&
				  srv < c->servers + c->nservers));
		if (srv && (loc = nginx_location_for(srv, "/ws/x")) != NULL) {
			/* -1 only when the URI does not fit */
			CONTRACT(nginx_backend_uri(loc, "/ws/x", out,
						   sizeof(out)) == 0 ||
				 strlen(loc->target.uri ? loc->target.uri : "")
				 + 6 > sizeof(out));
			nginx_location_name(loc, out, sizeof(out));
		}
		{
			struct nginx_pos at;
			unsigned wc = 0;
			unsigned cap = nginx_tunnel_capacity(c, &at, &wc);

			/* two connections a tunnel, one per listener and
			   channel: never more than the workers' share */
			CONTRACT(wc > 0 && cap <= 1000000 &&
				 cap <= (uint64_t)nginx_workers(c) * (wc / 2));
			CONTRACT(nginx_shutdown_timeout(c, &at) >= 0);
		}
	}
	round_trip(c, path);
	nginx_conf_free(c);
	return 0;
}
