/*
 * http_chunk.c - the chunked-body scanner declared in http_chunk.h.
 *
 * A byte-at-a-time state machine, except for chunk data, which is skipped
 * in one step.  It is the proxy's only defence against request smuggling
 * through chunked bodies, so it accepts nothing it is unsure of: a bare
 * LF, a size with more than 15 hex digits, a NUL in an extension.
 */
#include "common/http_chunk.h"

enum {
	CH_SIZE,		/* the first hex digit of a size */
	CH_SIZE_MORE,		/* more hex digits, ';' or CR */
	CH_EXT,			/* a chunk extension, up to CR */
	CH_SIZE_LF,
	CH_DATA,
	CH_DATA_CR,
	CH_DATA_LF,
	CH_TRAILER,		/* the start of a trailer line, or the end */
	CH_TRAILER_LINE,
	CH_TRAILER_LF,
	CH_LAST_LF,
	CH_DONE,
};

#define MAX_DIGITS 15		/* 2^60: more than any body, no overflow */

void http_chunked_init(struct http_chunked *c)
{
	c->left = 0;
	c->state = CH_SIZE;
	c->digits = 0;
}

int http_chunked_done(const struct http_chunked *c)
{
	return c->state == CH_DONE;
}

static int hexval(unsigned char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch |= 0x20;
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/* field-vchar, SP and HTAB: what an extension or a trailer line may hold */
static int is_text(unsigned char ch)
{
	return ch == '\t' || (ch >= 0x20 && ch != 0x7f);
}

long http_chunked_scan(struct http_chunked *c, const char *buf, size_t len)
{
	size_t i = 0;

	while (i < len && c->state != CH_DONE) {
		unsigned char ch = buf[i];
		int v;

		switch (c->state) {
		case CH_DATA: {
			size_t n = len - i;

			if (n > c->left)
				n = c->left;
			c->left -= n;
			i += n;
			if (c->left == 0)
				c->state = CH_DATA_CR;
			continue;
		}
		case CH_SIZE:
		case CH_SIZE_MORE:
			if ((v = hexval(ch)) >= 0) {
				if (++c->digits > MAX_DIGITS)
					return -1;
				c->left = c->left * 16 + v;
				c->state = CH_SIZE_MORE;
			} else if (c->state == CH_SIZE) {
				return -1;
			} else if (ch == ';') {
				c->state = CH_EXT;
			} else if (ch == '\r') {
				c->state = CH_SIZE_LF;
			} else {
				return -1;
			}
			break;
		case CH_EXT:
			if (ch == '\r')
				c->state = CH_SIZE_LF;
			else if (!is_text(ch))
				return -1;
			break;
		case CH_SIZE_LF:
			if (ch != '\n')
				return -1;
			c->digits = 0;
			c->state = c->left ? CH_DATA : CH_TRAILER;
			break;
		case CH_DATA_CR:
			if (ch != '\r')
				return -1;
			c->state = CH_DATA_LF;
			break;
		case CH_DATA_LF:
			if (ch != '\n')
				return -1;
			c->state = CH_SIZE;
			break;
		case CH_TRAILER:
			if (ch == '\r')
				c->state = CH_LAST_LF;
			else if (is_text(ch) && ch != ' ' && ch != '\t')
				c->state = CH_TRAILER_LINE;
			else
				return -1;
			break;
		case CH_TRAILER_LINE:
			if (ch == '\r')
				c->state = CH_TRAILER_LF;
			else if (!is_text(ch))
				return -1;
			break;
		case CH_TRAILER_LF:
			if (ch != '\n')
				return -1;
			c->state = CH_TRAILER;
			break;
		case CH_LAST_LF:
			if (ch != '\n')
				return -1;
			c->state = CH_DONE;
			break;
		}
		i++;
	}
	return (long)i;
}
