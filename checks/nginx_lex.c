/*
 * nginx_lex.c - nginx's configuration tokenizer, following the rules of
 * ngx_conf_read_token: blanks and ';' '{' end a word, '}' only where a
 * token starts, '#' starts a comment only where a token starts, quotes
 * only open at the start of a word, and a closing quote must be followed
 * by a blank, ';', '{' or ')'.  It walks the caller's buffer and never
 * allocates.
 */
#include <string.h>

#include "checks/nginx_conf.h"

void nginx_lex_init(struct nginx_lexer *lx, const char *buf, size_t len)
{
	lx->pos = buf;
	lx->end = buf + len;
	lx->line = 1;
}

static int blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Skip blanks and comments; returns 0 at the end of the buffer. */
static int skip(struct nginx_lexer *lx)
{
	const char *p = lx->pos, *end = lx->end;

	while (p < end) {
		if (*p == '\n') {
			lx->line++;
		} else if (*p == '#') {
			while (p < end && *p != '\n')
				p++;
			continue;
		} else if (!blank(*p)) {
			break;
		}
		p++;
	}
	lx->pos = p;
	return p < end;
}

static enum nginx_tok_kind fail(struct nginx_lexer *lx, struct nginx_token *t,
				enum nginx_lex_err err, const char *at)
{
	t->kind = NGINX_TOK_ERROR;
	t->err = err;
	t->p = at;
	t->len = 1;
	lx->pos = lx->end;	/* every later call says END */
	return t->kind;
}

static enum nginx_tok_kind quoted(struct nginx_lexer *lx,
				  struct nginx_token *t)
{
	const char *open = lx->pos, *p = open + 1, *end = lx->end;
	char q = *open;

	t->flags = NGINX_TOK_QUOTED;
	while (p < end && *p != q) {
		if (*p == '\\') {
			t->flags |= NGINX_TOK_ESCAPED;
			if (++p == end)
				break;
		}
		if (*p == '\n')
			lx->line++;
		p++;
	}
	if (p == end)
		return fail(lx, t, NGINX_LEX_UNTERMINATED, open);
	t->kind = NGINX_TOK_WORD;
	t->p = open + 1;
	t->len = (size_t)(p - t->p);
	lx->pos = ++p;
	/* nginx allows ')' so that if ($a = "b") works */
	if (p < end && !blank(*p) && *p != ';' && *p != '{' && *p != ')') {
		t->line = lx->line;
		return fail(lx, t, NGINX_LEX_UNEXPECTED, p);
	}
	return t->kind;
}

static enum nginx_tok_kind word(struct nginx_lexer *lx, struct nginx_token *t)
{
	const char *p = lx->pos, *end = lx->end;
	int variable = 0;

	t->flags = 0;
	t->p = p;
	while (p < end) {
		/* "${name}" is one word although '{' would end it */
		if (*p == '{' && variable) {
			p++;
			continue;
		}
		variable = 0;
		if (*p == '\\') {
			t->flags |= NGINX_TOK_ESCAPED;
			if (++p == end)
				break;
			if (*p == '\n')
				lx->line++;
		} else if (*p == '$') {
			variable = 1;
		} else if (blank(*p) || *p == ';' || *p == '{') {
			break;
		}
		p++;
	}
	t->kind = NGINX_TOK_WORD;
	t->len = (size_t)(p - t->p);
	lx->pos = p;
	return t->kind;
}

enum nginx_tok_kind nginx_lex_next(struct nginx_lexer *lx,
				   struct nginx_token *t)
{
	t->err = NGINX_LEX_OK;
	t->flags = 0;
	t->len = 0;
	if (!skip(lx)) {
		t->kind = NGINX_TOK_END;
		t->p = lx->end;
		t->line = lx->line;
		return t->kind;
	}
	t->p = lx->pos;
	t->line = lx->line;
	switch (*lx->pos) {
	case ';':
		t->kind = NGINX_TOK_SEMI;
		break;
	case '{':
		t->kind = NGINX_TOK_OPEN;
		break;
	case '}':
		t->kind = NGINX_TOK_CLOSE;
		break;
	case '"':
	case '\'':
		return quoted(lx, t);
	default:
		return word(lx, t);
	}
	t->len = 1;
	lx->pos++;
	return t->kind;
}

size_t nginx_tok_text(const struct nginx_token *t, char *dst)
{
	const char *s = t->p, *end = t->p + t->len;
	char *d = dst;

	if (!(t->flags & NGINX_TOK_ESCAPED)) {
		memcpy(dst, t->p, t->len);
		dst[t->len] = '\0';
		return t->len;
	}
	while (s < end) {
		if (*s == '\\' && s + 1 < end) {
			switch (s[1]) {
			case '"':
			case '\'':
			case '\\':
				*d++ = s[1];
				s += 2;
				continue;
			case 't':
				*d++ = '\t';
				s += 2;
				continue;
			case 'r':
				*d++ = '\r';
				s += 2;
				continue;
			case 'n':
				*d++ = '\n';
				s += 2;
				continue;
			}
			/* any other escape keeps both bytes, as nginx does */
			*d++ = *s++;
		}
		*d++ = *s++;
	}
	*d = '\0';
	return (size_t)(d - dst);
}
