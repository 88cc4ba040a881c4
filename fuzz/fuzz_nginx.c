/*
 * fuzz_nginx.c - the nginx config reader (checks/nginx_*.c) on a file
 * of fuzzed bytes: a model or NULL, never a crash, and an error that is
 * one printable line.  The query the checker starts from runs on every
 * model that reads, and its error is one line too.  Inputs that include absolute paths
 * are skipped: the harness reads its own file, not the host's.
 */
#include <stdint.h>

#include "checks/nginx_conf.h"
#include "fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nginx_conf *c;
	char err[512];

	if (memmem(data, size, "include", 7) && memchr(data, '/', size))
		return 0;
	err[0] = 0;
	c = nginx_conf_read(fuzz_file("nginx.conf", data, size), err,
			    sizeof(err));
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
