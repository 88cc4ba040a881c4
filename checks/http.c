/*
 * http.c - http.*: the same URL without an upgrade, with libcurl, as a
 * browser fetching a page from the listener that also serves sockets.
 */
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "checks/backends.h"
#include "checks/http_probe.h"
#include "checks/probe.h"
#include "checks/run.h"
#include "common/addr.h"

size_t probe_discard(char *d, size_t s, size_t n, void *arg)
{
	(void)d;
	(void)arg;
	return s * n;
}

int probe_http_url(const char *wsurl, char *out, size_t len)
{
	struct url u;
	char err[256];

	if (url_parse(wsurl, &u, err, sizeof(err)) < 0)
		return -1;
	/* ws://host/x -> http://host/x: the URL minus its "ws" */
	snprintf(out, len, "%s%s", u.tls ? "https" : "http",
		 strchr(wsurl, ':'));
	return 0;
}

CURL *probe_curl(struct check_ctx *c, const char *url,
		 struct curl_slist **connect_to, char *err)
{
	struct url u;
	CURL *h;

	*connect_to = NULL;
	if (url_parse(url, &u, err, CURL_ERROR_SIZE) < 0)
		return NULL;
	if (!(h = curl_easy_init())) {
		snprintf(err, CURL_ERROR_SIZE, "cannot start libcurl");
		return NULL;
	}
	if (c->connect) {
		struct hostport to;
		char spec[700], hb[300], cb[300];

		if (addr_parse(c->connect, u.port, &to, err, CURL_ERROR_SIZE)
		    == 0) {
			snprintf(hb, sizeof(hb), strchr(u.host, ':') ? "[%s]" :
				 "%s", u.host);
			snprintf(cb, sizeof(cb), strchr(to.host, ':') ? "[%s]" :
				 "%s", to.host);
			snprintf(spec, sizeof(spec), "%s:%u:%s:%u", hb, u.port,
				 cb, to.port);
			*connect_to = curl_slist_append(NULL, spec);
			curl_easy_setopt(h, CURLOPT_CONNECT_TO, *connect_to);
		}
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, probe_discard);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)check_time_left(c));
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROXY, "");
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, err);
	if (c->env->cfg->insecure) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (c->env->cfg->ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->env->cfg->ca_file);
	err[0] = 0;
	return h;
}

static void run_plain_request(struct check_ctx *c)
{
	char hbuf[1024];
	char err[CURL_ERROR_SIZE + 256], url[2400] = "", token[33], probe[64];
	struct curl_slist *hdrs = NULL, *connect_to = NULL;
	const char *conn;
	long status = 0;
	CURLcode rc;
	cJSON *rec;
	CURL *h;

	if (probe_http_url(c->url, url, sizeof(url)) < 0 ||
	    !(h = probe_curl(c, url, &connect_to, err))) {
		check_error(c, "%s", url[0] ? err : "bad URL");
		return;
	}
	backends_token(token);
	snprintf(probe, sizeof(probe), "X-Wsctl-Probe: %s", token);
	hdrs = curl_slist_append(hdrs, probe);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	rc = curl_easy_perform(h);
	if (rc == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(h);
	curl_slist_free_all(hdrs);
	curl_slist_free_all(connect_to);
	check_evidence_str(c, "url", url);
	check_evidence_num(c, "status", (double)status);
	if (rc != CURLE_OK) {
		check_fail(c, "an answer from the backend", "%s",
			   err[0] ? err : curl_easy_strerror(rc));
		return;
	}
	if (status < 200 || status > 299) {
		check_fail(c, "the backend's 200", "%ld", status);
		return;
	}
	if (!(rec = probe_record(c, token, NULL)))
		return;
	conn = record_header(rec, "Connection", hbuf, sizeof(hbuf));
	check_pass(c, "%ld from the backend, which saw Connection: %s", status,
		   conn ? conn : "(none)");
	check_evidence_str(c, "backend_connection", conn ? conn : "");
	cJSON_Delete(rec);
}

const struct check http_checks[] = {
	{ "http.plain-request", "RFC 9110 9.3.1",
	  "a request without an upgrade to the same URL is answered by the backend",
	  run_plain_request, NEEDS_BACKENDS },
	{ NULL, NULL, NULL, NULL, 0 },
};
