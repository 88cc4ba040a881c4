/*
 * export.c - a wsctl bench scenario as an Artillery script (export.h).
 *
 * Artillery's model is virtual users: each arrives in a phase, runs its
 * flow on its own connection, and leaves.  wsctl bench's connections map
 * onto users; what differs is said in the script's comments.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bench/export.h"

#define MAX_CA (1 << 20)	/* bytes of a --ca file written in */

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* s as a YAML double-quoted scalar. */
static void quoted(FILE *f, const char *s, size_t n)
{
	fputc('"', f);
	for (; n--; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void qs(FILE *f, const char *s)
{
	quoted(f, s, strlen(s));
}

/* The --ca file's PEM as a literal block, indented by six. */
static int ca_block(FILE *f, const char *path, char *err, size_t errlen)
{
	FILE *in = fopen(path, "r");
	char line[512];
	long total = 0;

	if (!in)
		return fail(err, errlen, "cannot read %s: %s", path,
			    strerror(errno));
	fputs("    ca: |\n", f);
	while (fgets(line, sizeof(line), in)) {
		total += (long)strlen(line);
		if (total > MAX_CA) {
			fclose(in);
			return fail(err, errlen, "%s is over 1 MiB", path);
		}
		line[strcspn(line, "\r\n")] = '\0';
		fprintf(f, "      %s\n", line);
	}
	fclose(in);
	return 0;
}

static void config(FILE *f, const struct bench_config *cfg, const char *url,
		   double ramp_s, uint64_t arrivals)
{
	unsigned i;

	fputs("config:\n  target: ", f);
	qs(f, url);
	fprintf(f, "\n  timeout: %lld\n",
		(long long)((cfg->timeout_ms + 999) / 1000));
	fprintf(f, "  phases:\n    - duration: %g\n      arrivalCount: %llu\n",
		ramp_s, (unsigned long long)arrivals);
	if (cfg->nheaders || cfg->protocols) {
		fputs("  ws:\n", f);
		if (cfg->protocols) {
			const char *p = cfg->protocols;

			fputs("    subprotocols:\n", f);
			while (*p) {
				size_t n = strcspn(p, ",");

				fputs("      - ", f);
				quoted(f, p, n);
				fputc('\n', f);
				p += n;
				p += strspn(p, ", ");
			}
		}
		if (cfg->nheaders)
			fputs("    headers:\n", f);
		for (i = 0; i < cfg->nheaders; i++) {
			const char *h = cfg->headers[i], *v;
			size_t n = strcspn(h, ":");

			for (v = h + n + (h[n] == ':'); *v == ' ' ||
			     *v == '\t'; v++)
				;
			fputs("      ", f);
			quoted(f, h, n);
			fputs(": ", f);
			qs(f, v);
			fputc('\n', f);
		}
	}
}

/* TLS: Node's tls.connect options, which the ws engine passes on. */
static int tls(FILE *f, const struct bench_config *cfg, char *err,
	       size_t errlen)
{
	if (!cfg->url.tls)
		return 0;
	if (!cfg->insecure && !cfg->ca_file && !cfg->tls_version)
		return 0;
	fputs("  tls:\n", f);
	if (cfg->insecure)
		fputs("    rejectUnauthorized: false\n", f);
	if (cfg->tls_version)
		fprintf(f, "    minVersion: TLSv1.%d\n    maxVersion: TLSv1.%d\n",
			cfg->tls_version - 10, cfg->tls_version - 10);
	if (cfg->ca_file && ca_block(f, cfg->ca_file, err, errlen) < 0)
		return -1;
	return 0;
}

/* One send that waits for its echo: a text message of size 'x's. */
static void send_echo(FILE *f, const char *indent, uint64_t size)
{
	uint64_t i;

	fprintf(f, "%s- send:\n%s    payload: \"", indent, indent);
	for (i = 0; i < size; i++)
		fputc('x', f);
	fprintf(f, "\"\n%s    match:\n%s      regexp: \"^x\"\n"
		"%s      value: \"x\"\n", indent, indent, indent);
}

int bench_export_artillery(FILE *f, const struct bench_config *cfg,
			   const char *url, char *err, size_t errlen)
{
	double d_s = cfg->duration_ms / 1000.0;
	uint64_t per_user = 0;
	double think_ms = 0;

	if (cfg->nstages)
		return fail(err, errlen, "--stages has no Artillery equivalent "
			    "(its phases ramp arrivals, not connections)");
	if (cfg->mode != BENCH_HANDSHAKE && cfg->size == 0)
		return fail(err, errlen, "Artillery's ws engine takes an empty "
			    "echo for an error: give --size 1 or more");
	if (cfg->mode == BENCH_ECHO && cfg->rate > 0) {
		per_user = (uint64_t)llround(cfg->rate * d_s /
					     cfg->connections);
		think_ms = 1000.0 * cfg->connections / cfg->rate;
		if (cfg->count && cfg->count / cfg->connections < per_user)
			per_user = cfg->count / cfg->connections;
	} else if (cfg->mode == BENCH_ECHO && cfg->count) {
		per_user = (cfg->count + cfg->connections - 1) /
			   cfg->connections;
	} else if (cfg->mode == BENCH_ECHO) {
		return fail(err, errlen, "a closed loop bounded only by time "
			    "has no Artillery equivalent: give --rate or "
			    "--count");
	} else if (cfg->mode == BENCH_HANDSHAKE && !cfg->count) {
		return fail(err, errlen, "handshakes kept in flight for a time "
			    "have no Artillery equivalent: give --count");
	}
	if (cfg->mode == BENCH_ECHO && per_user == 0)
		return fail(err, errlen, "fewer messages than connections: "
			    "no user would send one");

	fprintf(f, "# wsctl bench --mode %s, as an Artillery script (ws "
		"engine).\n", bench_mode_name(cfg->mode));
	if (cfg->mode == BENCH_ECHO)
		fprintf(f, "# %u users (connections), each sending %llu "
			"messages of %llu bytes and waiting for each echo%s.\n",
			cfg->connections, (unsigned long long)per_user,
			(unsigned long long)cfg->size,
			think_ms > 0 ? ", a think time apart" : "");
	else if (cfg->mode == BENCH_IDLE)
		fprintf(f, "# %u users (connections) arriving in the first "
			"second, each holding its connection for %lld ms, then "
			"echoing one message.\n", cfg->connections,
			(long long)cfg->duration_ms);
	else
		fprintf(f, "# %llu users arriving over the duration, each one "
			"handshake: open, upgrade, close.\n",
			(unsigned long long)cfg->count);
	if (!cfg->text && cfg->mode != BENCH_HANDSHAKE)
		fputs("# Artillery's ws engine sends text messages; wsctl bench "
		      "sent binary.\n", f);
	if (think_ms > 0)
		fputs("# The think time follows each echo, so the rate is a "
		      "little below --rate; the count is the same.\n", f);
	if (cfg->resume)
		fputs("# --resume is not exported: each user makes a full TLS "
		      "handshake.\n", f);

	if (cfg->mode == BENCH_HANDSHAKE)
		config(f, cfg, url, d_s > 0 ? d_s : 1, cfg->count);
	else
		config(f, cfg, url, 1, cfg->connections);
	if (tls(f, cfg, err, errlen) < 0)
		return -1;

	fputs("scenarios:\n  - engine: ws\n    flow:\n", f);
	switch (cfg->mode) {
	case BENCH_ECHO:
		fputs("      - loop:\n", f);
		send_echo(f, "          ", cfg->size);
		if (think_ms > 0)
			fprintf(f, "          - think: \"%.0fms\"\n", think_ms);
		fprintf(f, "        count: %llu\n", (unsigned long long)per_user);
		break;
	case BENCH_IDLE:
		fprintf(f, "      - think: \"%lldms\"\n",
			(long long)cfg->duration_ms);
		send_echo(f, "      ", cfg->size);
		break;
	case BENCH_HANDSHAKE:
		/* the engine opens the connection before the flow and closes
		   it after: a flow that does nothing is one handshake */
		fputs("      - think: \"0ms\"\n", f);
		break;
	}
	if (fflush(f) != 0 || ferror(f))
		return fail(err, errlen, "%s", strerror(errno ? errno : EIO));
	return 0;
}
