/*
 * fuzz_units.c - what people type: durations and sizes (common/units.c),
 * host:port and URLs (common/addr.c).  Each returns 0 or -1; a duration
 * read back from its own format is the same; an address or URL that
 * parses formats back to one that parses the same; every error message
 * is one printable line.
 */
#include <stdint.h>

#include "common/addr.h"
#include "common/units.h"
#include "fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size, 4096), buf[64], err[256], hdr[300];
	struct hostport hp, hp2;
	struct url u, u2;
	int64_t ms, ms2;
	uint64_t bytes;

	if (!s)
		return 0;
	if (units_duration(s, &ms) == 0) {
		CONTRACT(ms >= 0);
		units_fmt_duration(ms, buf, sizeof(buf));
		CONTRACT(units_duration(buf, &ms2) == 0 && ms2 == ms);
	}
	CONTRACT(units_size(s, &bytes) == 0 || units_size(s, &bytes) == -1);

	err[0] = 0;
	if (addr_parse(s, size % 2 ? 80 : 0, &hp, err, sizeof(err)) == 0) {
		addr_fmt(hp.host, hp.port, hdr, sizeof(hdr));
		CONTRACT(addr_parse(hdr, 0, &hp2, err, sizeof(err)) == 0);
		CONTRACT(hp2.port == hp.port && !strcmp(hp2.host, hp.host));
	} else {
		contract_oneline(err, sizeof(err));
	}
	err[0] = 0;
	if (url_parse(s, &u, err, sizeof(err)) == 0) {
		char again[2400];

		CONTRACT(u.path[0] == '/');
		snprintf(again, sizeof(again), "%s://%s%s", u.scheme,
			 url_host_header(&u, hdr, sizeof(hdr)), u.path);
		CONTRACT(url_parse(again, &u2, err, sizeof(err)) == 0);
		CONTRACT(u2.port == u.port && !strcmp(u2.host, u.host) &&
			 !strcmp(u2.path, u.path) && u2.tls == u.tls);
	} else {
		contract_oneline(err, sizeof(err));
	}
	free(s);
	return 0;
}
