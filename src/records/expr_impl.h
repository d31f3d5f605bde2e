/* expr_impl.h - what the parts of the expression module share: the
 * tokens and the lexer (expr_lex.c), the tree the parser builds
 * (expr.c) and the evaluator walks (expr_eval.c).  Only those three
 * include it: expr.h is the module's interface. */
#ifndef FORKPIPE_EXPR_IMPL_H
#define FORKPIPE_EXPR_IMPL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UNBOUND SIZE_MAX	/* a $name before expr_bind */

enum tok {
	T_END, T_OR, T_AND, T_NOT, T_EQ, T_NE, T_LT, T_LE, T_GT, T_GE, T_MATCH, T_NOMATCH,
	T_LPAREN, T_RPAREN, T_FIELD, T_NUM, T_STR, T_BAD,
};

enum node_kind { N_OR, N_AND, N_NOT, N_CMP, N_MATCH, N_FIELD, N_NUM, N_STR };

struct node {
	enum node_kind kind;
	enum tok op;		/* N_CMP: T_EQ..T_GE; N_MATCH: T_MATCH or T_NOMATCH */
	struct node *l, *r;
	size_t idx;		/* N_FIELD: 0 for $0, 1-based, or UNBOUND */
	char *name;		/* N_FIELD by name; ref is how it was written */
	char *ref;
	double num;		/* N_NUM */
	char *s;		/* N_NUM: its string form; N_STR: the value */
	size_t len;
	pcre2_code *re;		/* N_MATCH */
	pcre2_match_data *md;
	bool jit;
};

struct expr {
	struct node *root;
	bool needs_fields;
	pcre2_match_context *mctx;
	pcre2_jit_stack *stack;
	char *scratch;		/* for numbers too long for the stack buffer */
	size_t scratch_cap;
	bool failed;
	char failmsg[200];
	int failrc;		/* PCRE2's error */
	const char *failpat;	/* the pattern that failed */
};

/* --- lexer ------------------------------------------------------------- */

struct lexer {
	const char *text;
	size_t pos;		/* next byte */
	enum tok tok;		/* the current token */
	size_t start, end;	/* its bytes */
	char **err;
};

static inline bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static inline bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline bool is_name(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* The length of a decimal number at p (sign excluded), 0 if none.
 * Inline: the evaluator calls it for every field it reads as a number. */
static inline size_t scan_decimal(const char *p, size_t n)
{
	size_t i = 0, digits = 0;

	while (i < n && is_digit(p[i]))
		i++, digits++;
	if (i < n && p[i] == '.') {
		i++;
		while (i < n && is_digit(p[i]))
			i++, digits++;
	}
	if (digits == 0)
		return 0;
	if (i < n && (p[i] == 'e' || p[i] == 'E')) {
		size_t j = i + 1;

		if (j < n && (p[j] == '+' || p[j] == '-'))
			j++;
		if (j < n && is_digit(p[j])) {
			while (j < n && is_digit(p[j]))
				j++;
			i = j;
		}
	}
	return i;
}

/* Advance to the next token.  -1 with *err on a lexical error. */
int lex_next(struct lexer *lx);
/* *err = "MESSAGE at position N", N the 1-based position of byte at. */
void lex_error(struct lexer *lx, size_t at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "unexpected X at position N" for the current token. */
void lex_unexpected(struct lexer *lx);

#endif
