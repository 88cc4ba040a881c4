#include <string.h>
#include "checks/proxy.h"
static int detect(const char *text) { (void)text; return 0; }
const struct proxy_driver proxy_apache = { "apache", "apache", NULL, detect, NULL, NULL, NULL, 0, NULL, NULL, NULL };
