/*
 * fuzz_proxy_json.c - wsctl proxy's --config reader (proxy/config_json.c)
 * on a file of fuzzed bytes: 0 with a configuration whose every field is
 * in its documented range, or -1 with one printable line naming the
 * file; never a crash or a leak.
 */
#include <stdint.h>

#include "fuzz/fuzz.h"
#include "proxy/proxy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proxy_config cfg;
	char err[512];

	proxy_config_init(&cfg);
	err[0] = 0;
	if (proxy_config_load(&cfg, fuzz_file("px.json", data, size), err,
			      sizeof(err)) < 0) {
		contract_oneline(err, sizeof(err));
		CONTRACT(strstr(err, "px.json") != NULL);
	} else {
		CONTRACT(cfg.nlisten >= 0 && cfg.nlisten <= PROXY_MAX_LISTEN);
		CONTRACT(cfg.nupstreams >= 0 &&
			 cfg.nupstreams <= PROXY_MAX_UPSTREAMS);
		for (int i = 0; i < cfg.nupstreams; i++)
			CONTRACT(cfg.upstreams[i].weight >= 1 &&
				 cfg.upstreams[i].weight <= 1000);
		CONTRACT(cfg.read_timeout_ms >= 0 && cfg.drain_ms >= 0);
	}
	proxy_config_fini(&cfg);
	return 0;
}
