/*
 * bench_html.c - `wsctl bench --html FILE`: one self-contained page of a
 * run, to look at: what was loaded, the figures, the latency histogram
 * (round trips, or handshakes in handshake mode) on a log scale, and the
 * rate second by second with the connections open.  No script, nothing
 * fetched (cli/html.h).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli/bench_html.h"
#include "cli/html.h"

#define NCOLS 30		/* histogram columns */
#define MAX_SECS 120		/* rate columns; longer runs are averaged */

/* "850us", "1.2ms", "3.40s" */
static const char *fmt_us(double us, char *buf, size_t len)
{
	if (us < 1000)
		snprintf(buf, len, "%.0fus", us);
	else if (us < 1e6)
		snprintf(buf, len, "%.3gms", us / 1000);
	else
		snprintf(buf, len, "%.3gs", us / 1e6);
	return buf;
}

/* h's samples in NCOLS columns, log-spaced from its min to its max. */
static void latency(FILE *f, const char *what, const struct hist *h)
{
	double v[NCOLS] = { 0 }, lo, hi, ratio;
	char lab[NCOLS][16], tips[NCOLS][80], cap[256], a[16], b[16], c[16];
	const char *label[NCOLS], *tip[NCOLS];
	unsigned i;
	int k;

	if (h->count < 2)
		return;
	lo = h->min > 0 ? (double)h->min : 1;
	hi = (double)h->max > lo ? (double)h->max : lo + 1;
	ratio = log(hi / lo);
	for (i = 0; i < HIST_NBINS; i++) {
		double top = (double)hist_bin_top(i);

		if (!h->bins[i])
			continue;
		k = top <= lo ? 0 : (int)(NCOLS * log(top / lo) / ratio);
		v[k < 0 ? 0 : k >= NCOLS ? NCOLS - 1 : k] += (double)h->bins[i];
	}
	for (k = 0; k < NCOLS; k++) {
		double from = lo * exp(ratio * k / NCOLS);
		double to = lo * exp(ratio * (k + 1) / NCOLS);

		fmt_us(to, lab[k], sizeof(lab[k]));
		label[k] = k % 6 == 5 ? lab[k] : NULL;
		snprintf(tips[k], sizeof(tips[k]), "%.0f from %s to %s", v[k],
			 fmt_us(from, a, sizeof(a)), fmt_us(to, b, sizeof(b)));
		tip[k] = tips[k];
	}
	snprintf(cap, sizeof(cap), "%s: %llu, p50 %s, p99 %s, max %s (log "
		 "scale)", what, (unsigned long long)h->count,
		 fmt_us((double)hist_percentile(h, 50), a, sizeof(a)),
		 fmt_us((double)hist_percentile(h, 99), b, sizeof(b)),
		 fmt_us((double)h->max, c, sizeof(c)));
	html_columns(f, cap, v, label, tip, NCOLS);
}

/* The rate, second by second (averaged over groups past MAX_SECS). */
static void rate(FILE *f, const struct bench_result *r, const char *what)
{
	double v[MAX_SECS] = { 0 };
	char lab[MAX_SECS][16], tips[MAX_SECS][80], cap[128];
	const char *label[MAX_SECS], *tip[MAX_SECS];
	unsigned per = (r->nsec + MAX_SECS - 1) / MAX_SECS, n, i, k;

	if (!r->nsec)
		return;
	n = (r->nsec + per - 1) / per;
	for (k = 0; k < n; k++) {
		unsigned open = 0, got = 0;

		for (i = k * per; i < (k + 1) * per && i < r->nsec; i++, got++) {
			v[k] += r->per_sec[i];
			open = r->open_sec[i];
		}
		v[k] /= got ? got : 1;
		snprintf(lab[k], sizeof(lab[k]), "%us", (k + 1) * per);
		label[k] = (k + 1) % (n > 10 ? n / 5 : 1) == 0 ? lab[k] : NULL;
		snprintf(tips[k], sizeof(tips[k]), "second %u: %.0f/s, %u open",
			 (k + 1) * per, v[k], open);
		tip[k] = tips[k];
	}
	snprintf(cap, sizeof(cap), "%s a second%s", what,
		 per > 1 ? " (averaged)" : "");
	html_columns(f, cap, v, label, tip, (int)n);
}

int bench_html(const char *path, const struct bench_config *cfg,
	       const struct bench_result *r, int failed, char *err,
	       size_t errlen)
{
	FILE *f = fopen(path, "w");
	struct bench_rates rt;
	uint64_t errors = bench_errors(r);
	char url[2400];
	int i;

	if (!f) {
		snprintf(err, errlen, "cannot write '%s': %s", path,
			 strerror(errno));
		return -1;
	}
	bench_rates(r, &rt);
	snprintf(url, sizeof(url), "%s://%s:%u%s", cfg->url.scheme,
		 cfg->url.host, cfg->url.port, cfg->url.path);
	html_head(f, "wsctl bench", url);
	fputs("<h1>wsctl bench</h1>\n<p class=\"muted\">", f);
	html_text(f, url);
	fprintf(f, ": %s mode, %u connections%s, %.2fs</p>\n",
		bench_mode_name(cfg->mode), cfg->connections,
		cfg->mode == BENCH_HANDSHAKE ? " in flight" : "", rt.elapsed_s);
	fprintf(f, "<div class=\"verdict %s\"><b>%s</b>: %llu handshakes, "
		"%llu messages, %llu errors%s</div>\n", failed ? "bad" : "ok",
		failed ? "FAIL" : "PASS", (unsigned long long)r->handshakes,
		(unsigned long long)r->messages, (unsigned long long)errors,
		r->interrupted ? " (interrupted)" : "");
	fputs("<table>\n", f);
	if (cfg->mode == BENCH_HANDSHAKE)
		fprintf(f, "<tr><td>handshakes</td><td>%.0f/s</td></tr>\n",
			rt.conns_per_s);
	else
		fprintf(f, "<tr><td>messages</td><td>%.0f/s, %.2f MiB/s each "
			"way</td></tr>\n", rt.msgs_per_s,
			rt.bytes_per_s / 1048576);
	fprintf(f, "<tr><td>open at most</td><td>%u</td></tr>\n", r->peak_open);
	for (i = 0; i < BERR_NKINDS; i++)
		if (r->errors[i]) {
			fprintf(f, "<tr><td>error: %s</td><td>%llu: ",
				bench_err_name(i),
				(unsigned long long)r->errors[i]);
			html_text(f, r->first_error[i]);
			fputs("</td></tr>\n", f);
		}
	fputs("</table>\n", f);
	if (cfg->mode == BENCH_HANDSHAKE) {
		latency(f, "handshakes", &r->handshake_us);
		rate(f, r, "handshakes");
	} else {
		latency(f, "round trips", &r->rtt_us);
		latency(f, "handshakes", &r->handshake_us);
		rate(f, r, "round trips");
	}
	html_tail(f);
	if (fclose(f) != 0) {
		snprintf(err, errlen, "cannot write '%s': %s", path,
			 strerror(errno));
		return -1;
	}
	return 0;
}
