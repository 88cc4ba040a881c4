/*
 * html.h - what the HTML pages of wsctl check and wsctl bench share: the
 * page's head (no script, nothing fetched: a Content-Security-Policy of
 * default-src 'none' and the style inline) and the charts, drawn with
 * inline-styled boxes.
 */
#ifndef WSCTL_HTML_H
#define WSCTL_HTML_H

#include <stdio.h>

/* The head of a page titled "kind: title", through <body>. */
void html_head(FILE *f, const char *kind, const char *title);

/* s, escaped for HTML text and attributes. */
void html_text(FILE *f, const char *s);

/*
 * A column chart: v[0..n) as columns, each labelled below by label[i]
 * (NULL for none) and titled with tip[i] on hover (NULL for none);
 * caption above.  Nothing when n is 0 or every value is 0.
 */
void html_columns(FILE *f, const char *caption, const double *v,
		  const char *const *label, const char *const *tip, int n);

/* The end of the page. */
void html_tail(FILE *f);

#endif
