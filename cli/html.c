/*
 * html.c - the head and the charts of wsctl's HTML pages (cli/html.h).
 */
#include <stdio.h>

#include "cli/html.h"
#include "cli/report.h"

static const char style[] =
"body{font:14px/1.4 system-ui,sans-serif;margin:2em auto;max-width:70em;"
"color:#222}"
"h1{font-size:1.5em;margin:0 0 .2em}"
".verdict{padding:.8em 1em;border-radius:6px;margin:1em 0;font-size:1.2em}"
".ok{background:#e3f6e3}.bad{background:#fbe3e3}"
"table{border-collapse:collapse;width:100%}"
"td,th{text-align:left;vertical-align:top;padding:.3em .5em;"
"border-bottom:1px solid #ddd}"
".pass{color:#197319}.fail{color:#b00}.error{color:#b05a00}"
".skip{color:#777}"
"code,pre{font:12px/1.3 ui-monospace,monospace}"
"pre{white-space:pre-wrap;background:#f6f6f6;padding:.5em;max-height:30em;"
"overflow:auto}"
".root{border-left:4px solid #b00;padding:.2em .8em;margin:.6em 0}"
".bar{background:#4a7fd0;height:1em;display:inline-block}"
".muted{color:#666}"
".chart{display:flex;align-items:flex-end;height:8em;gap:2px;"
"border-bottom:1px solid #999;margin:.3em 0 0}"
".chart div{background:#4a7fd0;flex:1;min-width:3px}"
".axis{display:flex;gap:2px;font-size:11px;color:#666}"
".axis span{flex:1;min-width:3px;overflow:visible;white-space:nowrap}"
".line{position:relative;height:1.6em;background:#f0f0f0;margin:.4em 0;"
"width:36em}"
".line .open{position:absolute;top:.3em;height:1em;background:#7bc47b}"
".line .mark{position:absolute;top:0;height:1.6em;width:3px}"
".line .close{background:#b00}"
".line .want{border-left:2px dashed #333}"
".caption{margin:.8em 0 0;font-weight:600}";

void html_text(FILE *f, const char *s)
{
	report_xml_escape(f, s);
}

void html_head(FILE *f, const char *kind, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset="
	      "\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" "
	      "content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
	      "<title>", f);
	html_text(f, kind);
	fputs(": ", f);
	html_text(f, title);
	fprintf(f, "</title>\n<style>%s</style></head><body>\n", style);
}

void html_columns(FILE *f, const char *caption, const double *v,
		  const char *const *label, const char *const *tip, int n)
{
	double max = 0;
	int i;

	for (i = 0; i < n; i++)
		if (v[i] > max)
			max = v[i];
	if (max <= 0)
		return;
	fputs("<p class=\"caption\">", f);
	html_text(f, caption);
	fputs("</p>\n<div class=\"chart\">", f);
	for (i = 0; i < n; i++) {
		fprintf(f, "<div style=\"height:%.1f%%\"", 100 * v[i] / max);
		if (tip && tip[i]) {
			fputs(" title=\"", f);
			html_text(f, tip[i]);
			fputc('"', f);
		}
		fputs("></div>", f);
	}
	fputs("</div>\n<div class=\"axis\">", f);
	for (i = 0; i < n; i++) {
		fputs("<span>", f);
		if (label && label[i])
			html_text(f, label[i]);
		fputs("</span>", f);
	}
	fputs("</div>\n", f);
}

void html_tail(FILE *f)
{
	fputs("</body></html>\n", f);
}
