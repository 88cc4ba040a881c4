/*
 * check_proxy.h - the --proxy-config part of wsctl check.
 */
#ifndef WSCTL_CHECK_PROXY_H
#define WSCTL_CHECK_PROXY_H

#include <stddef.h>

#include "checks/backends.h"
#include "checks/expect.h"
#include "checks/proxy.h"

struct check_config;

/*
 * For m, read from cfg->proxy_config (a kind other than nginx), with
 * cfg->start: make the sandbox b, point cfg's one
 * target at it, add a stand-in backend to bs for every server (spawn
 * mode), and take the config's balancing and timeout into ex where no
 * flag gave them.  Returns 0, or -1 with err filled (a usage error).
 */
int check_proxy_setup(struct check_config *cfg, struct expect *ex,
		      struct backends *bs, const struct proxy_model *m,
		      struct proxy_box *b, char *err, size_t errlen);

/*
 * Start bs, the stand-ins check_proxy_setup added (backends_start_all).
 * When one cannot listen because someone else bound its port since it
 * was picked, every stand-in gets a new port and the copy is written
 * again to use them, up to 3 times.  Returns 0, or -1 with err.
 */
int check_proxy_backends(struct backends *bs, const struct proxy_model *m,
			 struct proxy_box *b, char *err, size_t errlen);

/*
 * Start the proxy on the copy (its backends already listen) and tell
 * cfg how to reload it.  Returns 0, or -1 with err: the proxy's own
 * words.
 */
int check_proxy_start(struct check_config *cfg, const struct proxy_model *m,
		      struct proxy_box *b, char *err, size_t errlen);

struct sandbox;

/* What the copy of m in b changed, its listens and stand-ins, into sb
   (zeroed) as the report shows a sandbox. */
void check_proxy_sandbox(const struct proxy_model *m,
			 const struct proxy_box *b, struct sandbox *sb);

#endif
