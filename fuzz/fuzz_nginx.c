/*
 * fuzz_nginx.c - the nginx config reader (checks/nginx_*.c) on a file
 * of fuzzed bytes: a model or NULL, never a crash, and an error that is
 * one printable line.  The query the checker starts from runs on every
 * model that reads, and its error is one line too.  Inputs that include absolute paths
 * are skipped: the harness reads its own file, not the host's.
 */
#include <stdint.h>
#include <unistd.h>

#include "checks/nginx_conf.h"
#include "fuzz/fuzz.h"

static char dir[64], path[96];

/* The harness's own file and folder go when the run ends. */
static void cleanup(void)
{
	unlink(path);
	rmdir(dir);
}

static void setup(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/wsctl-fuzz-nginx.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/nginx.conf", dir);
	atexit(cleanup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nginx_conf *c;
	char err[512];
	FILE *f;

	if (!path[0])
		setup();
	if (memmem(data, size, "include", 7) && memchr(data, '/', size))
		return 0;
	if (!(f = fopen(path, "wb")))
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
	err[0] = 0;
	c = nginx_conf_read(path, err, sizeof(err));
	if (!c) {
		contract_oneline(err, sizeof(err));
		CONTRACT(err[0] != 0);
		return 0;
	}
	/* what plan.c asks of a model first, on whatever came out */
	{
		const struct nginx_server *srv;
		const struct nginx_location *loc;

		err[0] = 0;
		if (nginx_find_proxy(c, 0, size % 2 ? "/" : NULL, &srv, &loc,
				     err, sizeof(err)) < 0)
			contract_oneline(err, sizeof(err));
	}
	nginx_conf_free(c);
	return 0;
}
