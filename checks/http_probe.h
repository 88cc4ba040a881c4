/*
 * http_probe.h - plain HTTP requests for checks, with libcurl, set up as
 * the run is (checks/http.c).
 */
#ifndef WSCTL_HTTP_PROBE_H
#define WSCTL_HTTP_PROBE_H

#include <stddef.h>

#include <curl/curl.h>

#include "checks/check.h"

/* wsurl as http:// or https:// (its "ws" dropped), into out.  0 or -1. */
int probe_http_url(const char *wsurl, char *out, size_t len);

/*
 * A libcurl handle for a GET of url, set up as c's run is: dialing
 * c->connect instead of url's host (a sandbox), the run's TLS trust, c's
 * time left, no proxy from the environment, the body thrown away, and
 * err (CURL_ERROR_SIZE at least) as its error buffer.  *connect_to is
 * the caller's to free (curl_slist_free_all) after the handle.  NULL
 * with err filled when it cannot be made.
 */
CURL *probe_curl(struct check_ctx *c, const char *url,
		 struct curl_slist **connect_to, char *err);

/* A CURLOPT_WRITEFUNCTION that drops the body. */
size_t probe_discard(char *d, size_t s, size_t n, void *arg);

#endif
