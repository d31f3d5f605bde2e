/* expr_lex.c - the expression lexer: tokens, and the messages that
 * name a position in the text (see expr_impl.h).  The grammar is in
 * expr.h, the parser in expr.c. */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "expr_impl.h"
#include "jsonl.h"
#include "util.h"

void lex_error(struct lexer *lx, size_t at, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);

	*lx->err = xasprintf("%s at position %zu", msg, at + 1);
	free(msg);
}

int lex_next(struct lexer *lx)
{
	const char *t = lx->text;
	size_t p = lx->pos;

	while (is_space(t[p]))
		p++;
	lx->start = p;
	switch (t[p]) {
	case '\0':
		lx->tok = T_END;
		break;
	case '(':
		lx->tok = T_LPAREN, p++;
		break;
	case ')':
		lx->tok = T_RPAREN, p++;
		break;
	case '~':
		lx->tok = T_MATCH, p++;
		break;
	case '&':
	case '|':
		if (t[p + 1] != t[p]) {
			lx->tok = T_BAD, p++;
			break;
		}
		lx->tok = t[p] == '&' ? T_AND : T_OR, p += 2;
		break;
	case '=':
		if (t[p + 1] != '=') {
			*lx->err = xasprintf("unexpected '=' at position %zu (compare with '==')", p + 1);
			return -1;
		}
		lx->tok = T_EQ, p += 2;
		break;
	case '!':
		if (t[p + 1] == '=')
			lx->tok = T_NE, p += 2;
		else if (t[p + 1] == '~')
			lx->tok = T_NOMATCH, p += 2;
		else
			lx->tok = T_NOT, p++;
		break;
	case '<':
	case '>':
		if (t[p + 1] == '=')
			lx->tok = t[p] == '<' ? T_LE : T_GE, p += 2;
		else
			lx->tok = t[p] == '<' ? T_LT : T_GT, p++;
		break;
	case '"':
		for (p++; t[p] != '"'; p++) {
			if (t[p] == '\0') {
				lex_error(lx, lx->start, "unterminated string");
				return -1;
			}
			if (t[p] == '\\' && t[p + 1] != '\0')
				p++;
		}
		lx->tok = T_STR, p++;
		break;
	case '$':
		p++;
		if (t[p] == '{') {
			const char *close = strchr(t + p, '}');

			if (close == NULL) {
				lex_error(lx, lx->start, "unterminated '%s'", "${");
				return -1;
			}
			if (close == t + p + 1) {
				lex_error(lx, lx->start, "empty field name '%s'", "${}");
				return -1;
			}
			p = (size_t)(close - t) + 1;
		} else {
			if (!is_name(t[p])) {
				lex_error(lx, lx->start, "'%s' needs a field number or name", "$");
				return -1;
			}
			while (is_name(t[p]))
				p++;
		}
		lx->tok = T_FIELD;
		break;
	case '.':
		/* A JSON path (.status, .req["x"]), unless a number (.5). */
		if (!is_digit(t[p + 1]) && jpath_span(t + p) > 1) {
			p += jpath_span(t + p);
			lx->tok = T_FIELD;
			break;
		}
		/* fall through */
	default: {
		size_t n = strlen(t + p), k = t[p] == '-' ? 1 : 0;
		size_t d = scan_decimal(t + p + k, n - k);

		if (d == 0) {
			lx->tok = T_BAD, p++;
			break;
		}
		p += k + d;
		if (is_name(t[p]) || t[p] == '.') {
			while (is_name(t[p]) || t[p] == '.' || t[p] == '+' || t[p] == '-')
				p++;
			char *word = xstrndup(t + lx->start, p - lx->start);

			lex_error(lx, lx->start, "bad number '%s'", word);
			free(word);
			return -1;
		}
		lx->tok = T_NUM;
		break;
	}
	}
	lx->end = p;
	lx->pos = p;
	return 0;
}

/*
 * The word operators of SQL-like and Python-like languages, which
 * people write from habit ("$9 == 404 and ..."): the message names the
 * operator meant.  NULL if the current token is not one of them.
 */
struct word_op {
	const char *word, *op;
};

static const struct word_op *word_operator(const struct lexer *lx)
{
	static const struct word_op words[] = {
		{ "and", "&&" }, { "or", "||" }, { "not", "!" },
	};
	const char *t = lx->text + lx->start;

	if (lx->tok != T_BAD)
		return NULL;
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		size_t n = strlen(words[i].word);

		if (strncasecmp(t, words[i].word, n) == 0 && !is_name(t[n]))
			return &words[i];
	}
	return NULL;
}

void lex_unexpected(struct lexer *lx)
{
	size_t n = lx->end - lx->start;
	const struct word_op *w = word_operator(lx);
	char *what;

	if (w != NULL) {
		*lx->err = xasprintf("unexpected '%.*s' at position %zu (write '%s' for '%s')",
		    (int)strlen(w->word), lx->text + lx->start, lx->start + 1, w->op, w->word);
		return;
	}
	if (lx->tok == T_END) {
		lex_error(lx, lx->start, "unexpected end of expression");
		return;
	}
	if (lx->tok == T_BAD && ((unsigned char)lx->text[lx->start] < 0x20 ||
	    (unsigned char)lx->text[lx->start] >= 0x7f))
		what = xasprintf("byte 0x%02x", (unsigned char)lx->text[lx->start]);
	else if (n > 30)
		what = xasprintf("'%.27s...'", lx->text + lx->start);
	else
		what = xasprintf("'%.*s'", (int)n, lx->text + lx->start);
	lex_error(lx, lx->start, "unexpected %s", what);
	free(what);
}
