/* expr.c - record predicates: parsing, binding field names, evaluation.
 *
 * See expr.h for the grammar and the value rules, which are awk's.  The
 * parser is recursive descent over a small hand-written lexer; the tree
 * is evaluated recursively with values on the stack, so that a record
 * costs no allocation. */
#include "autoconfig.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <math.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "expr.h"
#include "pcre_util.h"
#include "util.h"

#define MAX_DEPTH 256		/* nesting of parentheses and '!' */
#define MAX_FIELD 100000000	/* $N beyond this is surely a mistake */
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

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_name(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* The length of a decimal number at p (sign excluded), 0 if none. */
static size_t scan_decimal(const char *p, size_t n)
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

static void __attribute__((format(printf, 3, 4)))
lex_error(struct lexer *lx, size_t at, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);

	*lx->err = xasprintf("%s at position %zu", msg, at + 1);
	free(msg);
}

/* Advance to the next token.  -1 with *err on a lexical error. */
static int lex(struct lexer *lx)
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

/* "unexpected X at position N" for the current token. */
static void unexpected(struct lexer *lx)
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

/* --- parser ------------------------------------------------------------ */

struct parser {
	struct lexer lx;
	struct expr *e;
	int depth;
};

static struct node *node_new(enum node_kind kind)
{
	struct node *n = xcalloc(1, sizeof *n);

	n->kind = kind;
	return n;
}

static void node_free(struct node *n)
{
	if (n == NULL)
		return;
	node_free(n->l);
	node_free(n->r);
	free(n->name);
	free(n->ref);
	free(n->s);
	pcre2_match_data_free(n->md);
	pcre2_code_free(n->re);
	free(n);
}

static struct node *parse_or(struct parser *ps);

/* The value of the string token (quotes removed, escapes applied). */
static char *string_value(const char *t, size_t start, size_t end, size_t *len)
{
	char *s = xmalloc(end - start);
	size_t n = 0;

	for (size_t i = start + 1; i < end - 1; i++) {
		char c = t[i];

		if (c == '\\') {
			switch (t[i + 1]) {
			case '"': c = '"', i++; break;
			case '\\': c = '\\', i++; break;
			case 'n': c = '\n', i++; break;
			case 't': c = '\t', i++; break;
			default: break;	/* kept, with the byte after it */
			}
		}
		s[n++] = c;
	}
	s[n] = '\0';
	*len = n;
	return s;
}

/* A number as awk prints it in a string context (CONVFMT "%.6g"). */
static char *number_string(double v)
{
	if (fabs(v) < 1e16 && v == (double)(long long)v)
		return xasprintf("%.0f", v);
	return xasprintf("%.6g", v);
}

static struct node *parse_field(struct parser *ps)
{
	const char *t = ps->lx.text;
	size_t s = ps->lx.start + 1, e = ps->lx.end;
	struct node *n = node_new(N_FIELD);
	bool digits = true;

	n->ref = xstrndup(t + ps->lx.start, e - ps->lx.start);
	if (t[s] == '{') {
		n->name = xstrndup(t + s + 1, e - s - 2);
		n->idx = UNBOUND;
		return n;
	}
	for (size_t i = s; i < e; i++)
		digits = digits && is_digit(t[i]);
	if (!digits) {
		n->name = xstrndup(t + s, e - s);
		n->idx = UNBOUND;
		return n;
	}
	n->idx = 0;
	for (size_t i = s; i < e; i++) {
		n->idx = n->idx * 10 + (size_t)(t[i] - '0');
		if (n->idx > MAX_FIELD) {
			lex_error(&ps->lx, ps->lx.start, "field number too large in '%s'", n->ref);
			node_free(n);
			return NULL;
		}
	}
	return n;
}

static struct node *parse_operand(struct parser *ps)
{
	struct lexer *lx = &ps->lx;
	struct node *n = NULL;

	switch (lx->tok) {
	case T_FIELD:
		n = parse_field(ps);
		if (n == NULL)
			return NULL;
		if (n->idx != 0)
			ps->e->needs_fields = true;
		break;
	case T_NUM: {
		char *text = xstrndup(lx->text + lx->start, lx->end - lx->start);

		n = node_new(N_NUM);
		n->num = strtod(text, NULL);
		free(text);
		n->s = number_string(n->num);
		n->len = strlen(n->s);
		break;
	}
	case T_STR:
		n = node_new(N_STR);
		n->s = string_value(lx->text, lx->start, lx->end, &n->len);
		break;
	case T_LPAREN:
		if (++ps->depth > MAX_DEPTH) {
			lex_error(lx, lx->start, "expression nested too deeply");
			return NULL;
		}
		if (lex(lx) < 0)
			return NULL;
		n = parse_or(ps);
		if (n == NULL)
			return NULL;
		if (lx->tok != T_RPAREN) {
			unexpected(lx);
			node_free(n);
			return NULL;
		}
		ps->depth--;
		break;
	default:
		unexpected(lx);
		return NULL;
	}
	if (lex(lx) < 0) {
		node_free(n);
		return NULL;
	}
	return n;
}

static struct node *parse_unary(struct parser *ps)
{
	struct lexer *lx = &ps->lx;

	if (lx->tok != T_NOT)
		return parse_operand(ps);
	if (++ps->depth > MAX_DEPTH) {
		lex_error(lx, lx->start, "expression nested too deeply");
		return NULL;
	}
	if (lex(lx) < 0)
		return NULL;
	struct node *operand = parse_unary(ps);

	if (operand == NULL)
		return NULL;
	ps->depth--;
	struct node *n = node_new(N_NOT);

	n->l = operand;
	return n;
}

/* Compile the pattern of a ~ whose string token is current. */
static int compile_match(struct parser *ps, struct node *n)
{
	struct lexer *lx = &ps->lx;
	size_t len, erroff;
	int errcode;
	char *pat = string_value(lx->text, lx->start, lx->end, &len);

	n->re = pcre2_compile((PCRE2_SPTR)pat, len, PCRE2_DOLLAR_ENDONLY, &errcode, &erroff, NULL);
	n->s = pat;	/* kept for messages */
	n->len = len;
	if (n->re == NULL) {
		PCRE2_UCHAR msg[256];

		pcre2_get_error_message(errcode, msg, sizeof msg);
		*lx->err = xasprintf("invalid regular expression at position %zu: %s at offset %zu",
		    lx->start + 1, (char *)msg, erroff);
		return -1;
	}
	n->jit = pcre2_jit_compile(n->re, PCRE2_JIT_COMPLETE) == 0;
	n->md = pcre2_match_data_create_from_pattern(n->re, NULL);
	if (n->jit && ps->e->stack == NULL) {
		/* The default 32 KiB JIT stack is too small for some patterns. */
		ps->e->stack = pcre2_jit_stack_create(32 * 1024, 8 * 1024 * 1024, NULL);
		pcre2_jit_stack_assign(ps->e->mctx, NULL, ps->e->stack);
	}
	return 0;
}

static bool is_cmp(enum tok t)
{
	return t == T_EQ || t == T_NE || t == T_LT || t == T_LE || t == T_GT || t == T_GE;
}

static struct node *parse_cmp(struct parser *ps)
{
	struct lexer *lx = &ps->lx;
	struct node *l = parse_unary(ps), *n;

	if (l == NULL)
		return NULL;
	if (lx->tok == T_MATCH || lx->tok == T_NOMATCH) {
		n = node_new(N_MATCH);
		n->op = lx->tok;
		n->l = l;
		if (lex(lx) < 0)
			goto fail;
		if (lx->tok != T_STR) {
			if (lx->tok == T_END)
				unexpected(lx);
			else
				lex_error(lx, lx->start, "expected a string (the pattern) after '%s'",
				    n->op == T_MATCH ? "~" : "!~");
			goto fail;
		}
		if (compile_match(ps, n) < 0 || lex(lx) < 0)
			goto fail;
	} else if (is_cmp(lx->tok)) {
		n = node_new(N_CMP);
		n->op = lx->tok;
		n->l = l;
		if (lex(lx) < 0)
			goto fail;
		n->r = parse_unary(ps);
		if (n->r == NULL)
			goto fail;
	} else {
		return l;
	}
	/* Comparisons do not chain: a < b < c needs parentheses. */
	if (is_cmp(lx->tok) || lx->tok == T_MATCH || lx->tok == T_NOMATCH) {
		unexpected(lx);
		goto fail;
	}
	return n;
fail:
	node_free(n);
	return NULL;
}

static struct node *parse_binary(struct parser *ps, enum tok op)
{
	struct lexer *lx = &ps->lx;
	struct node *l = op == T_OR ? parse_binary(ps, T_AND) : parse_cmp(ps);

	while (l != NULL && lx->tok == op) {
		struct node *n = node_new(op == T_OR ? N_OR : N_AND);

		n->l = l;
		l = n;
		if (lex(lx) < 0)
			goto fail;
		n->r = op == T_OR ? parse_binary(ps, T_AND) : parse_cmp(ps);
		if (n->r == NULL)
			goto fail;
	}
	return l;
fail:
	node_free(l);
	return NULL;
}

static struct node *parse_or(struct parser *ps)
{
	return parse_binary(ps, T_OR);
}

struct expr *expr_parse(const char *text, char **err)
{
	struct expr *e = xcalloc(1, sizeof *e);
	struct parser ps = { { text, 0, T_END, 0, 0, err }, e, 0 };

	e->mctx = pcre2_match_context_create(NULL);
	if (lex(&ps.lx) == 0) {
		e->root = parse_or(&ps);
		if (e->root != NULL && ps.lx.tok != T_END) {
			unexpected(&ps.lx);
			node_free(e->root);
			e->root = NULL;
		}
	}
	if (e->root == NULL) {
		expr_free(e);
		return NULL;
	}
	return e;
}

void expr_free(struct expr *e)
{
	if (e == NULL)
		return;
	node_free(e->root);
	pcre2_match_context_free(e->mctx);
	pcre2_jit_stack_free(e->stack);
	free(e->scratch);
	free(e);
}

/* --- binding ------------------------------------------------------------ */

static int bind_node(struct node *n, const struct header *h, char **err)
{
	if (n == NULL)
		return 0;
	if (n->kind == N_FIELD && n->name != NULL) {
		if (h == NULL) {
			*err = xasprintf("field '%s': field names need a header (--header)", n->ref);
			return -1;
		}
		n->idx = header_index(h, n->name);
		if (n->idx == 0) {
			n->idx = UNBOUND;
			*err = xasprintf("field '%s': no such field in the header", n->ref);
			return -1;
		}
	}
	if (bind_node(n->l, h, err) < 0)
		return -1;
	return bind_node(n->r, h, err);
}

int expr_bind(struct expr *e, const struct header *h, char **err)
{
	return bind_node(e->root, h, err);
}

bool expr_needs_fields(const struct expr *e)
{
	return e->needs_fields;
}

static size_t max_field(const struct node *n)
{
	if (n == NULL)
		return 0;
	size_t m = n->kind == N_FIELD && n->idx != UNBOUND ? n->idx : 0;
	size_t l = max_field(n->l), r = max_field(n->r);

	if (l > m)
		m = l;
	return r > m ? r : m;
}

size_t expr_max_field(const struct expr *e)
{
	return max_field(e->root);
}

const char *expr_failed(const struct expr *e)
{
	return e->failed ? e->failmsg : NULL;
}

char *expr_failure(const struct expr *e, bool known, uint64_t off, int *code)
{
	if (!e->failed)
		return NULL;
	return pcre_match_error(e->failrc, "filter", e->failpat, known, off, code);
}

/* --- evaluation --------------------------------------------------------- */

enum vkind {
	V_NUM,		/* a number, with its string form */
	V_STR,		/* a string */
	V_FIELD,	/* a field's text: a number if it looks like one */
};

struct val {
	enum vkind k;
	double n;
	const char *p;
	size_t len;
};

struct ctx {
	struct expr *e;
	const char *rec;
	size_t len;
	const struct field *f;
	size_t nf;
};

/*
 * The value of digits[.digits] with at most 15 digits in all, without
 * strtod: the digits make an integer below 2^53 and 10^frac is exact, so
 * one division rounds correctly, giving strtod's result (Clinger's fast
 * path).  false for anything else (exponents, long numbers).
 */
static bool small_decimal(const char *p, size_t n, bool neg, double *out)
{
	static const double pow10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8,
		1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15 };
	uint64_t u = 0;
	size_t i = 0, frac = 0, digits = 0;
	bool point = false;

	if (n > 16)
		return false;
	for (; i < n; i++) {
		if (is_digit(p[i])) {
			u = u * 10 + (uint64_t)(p[i] - '0');
			digits++;
			frac += point;
		} else if (p[i] == '.' && !point) {
			point = true;
		} else {
			return false;
		}
	}
	if (digits == 0 || digits > 15)
		return false;
	double v = (double)u / pow10[frac];

	*out = neg ? -v : v;
	return true;
}

/*
 * Whether p[0..len) is a number by awk's rule: a decimal number with an
 * optional sign and white space around it.  If so, its value in *out.
 */
static bool field_number(struct expr *e, const char *p, size_t len, double *out)
{
	size_t s = 0, t = len, k;

	while (s < t && is_space(p[s]))
		s++;
	while (t > s && is_space(p[t - 1]))
		t--;
	k = s;
	if (k < t && (p[k] == '+' || p[k] == '-'))
		k++;
	if (k == t || scan_decimal(p + k, t - k) != t - k)
		return false;
	if (small_decimal(p + k, t - k, p[s] == '-', out))
		return true;
	/* strtod needs a terminated copy: fields are not terminated. */
	char small[64], *buf = small;

	if (t - s >= sizeof small) {
		if (e->scratch_cap < t - s + 1) {
			e->scratch_cap = t - s + 1;
			e->scratch = xrealloc(e->scratch, e->scratch_cap);
		}
		buf = e->scratch;
	}
	memcpy(buf, p + s, t - s);
	buf[t - s] = '\0';
	*out = strtod(buf, NULL);
	return true;
}

static bool as_number(struct ctx *c, const struct val *v, double *out)
{
	if (v->k == V_NUM) {
		*out = v->n;
		return true;
	}
	if (v->k == V_STR)
		return false;
	return field_number(c->e, v->p, v->len, out);
}

static bool truth(struct ctx *c, const struct val *v)
{
	double d;

	if (v->k == V_NUM)
		return v->n != 0;
	if (v->k == V_FIELD && field_number(c->e, v->p, v->len, &d))
		return d != 0;
	return v->len > 0;
}

static struct val boolean(bool b)
{
	struct val v = { V_NUM, b ? 1 : 0, b ? "1" : "0", 1 };

	return v;
}

static int compare(struct ctx *c, const struct val *a, const struct val *b)
{
	double x, y;

	if (a->k != V_STR && b->k != V_STR && as_number(c, a, &x) && as_number(c, b, &y))
		return (x > y) - (x < y);
	size_t n = a->len < b->len ? a->len : b->len;
	int r = n > 0 ? memcmp(a->p, b->p, n) : 0;

	if (r != 0)
		return r;
	return (a->len > b->len) - (a->len < b->len);
}

static bool match(struct ctx *c, struct node *n, const struct val *v)
{
	struct expr *e = c->e;
	PCRE2_SPTR s = (PCRE2_SPTR)(v->p != NULL ? v->p : "");
	int rc;

	if (n->jit)
		rc = pcre2_jit_match(n->re, s, v->len, 0, 0, n->md, e->mctx);
	else
		rc = pcre2_match(n->re, s, v->len, 0, 0, n->md, e->mctx);
	if (rc >= 0)
		return true;
	if (rc != PCRE2_ERROR_NOMATCH && !e->failed) {
		PCRE2_UCHAR msg[128];

		pcre2_get_error_message(rc, msg, sizeof msg);
		snprintf(e->failmsg, sizeof e->failmsg, "matching failed: %s", (char *)msg);
		e->failed = true;
		e->failrc = rc;
		e->failpat = n->s;
	}
	return false;
}

static struct val eval(struct ctx *c, struct node *n)
{
	struct val v, w;

	switch (n->kind) {
	case N_OR:
		v = eval(c, n->l);
		if (truth(c, &v))
			return boolean(true);
		v = eval(c, n->r);
		return boolean(truth(c, &v));
	case N_AND:
		v = eval(c, n->l);
		if (!truth(c, &v))
			return boolean(false);
		v = eval(c, n->r);
		return boolean(truth(c, &v));
	case N_NOT:
		v = eval(c, n->l);
		return boolean(!truth(c, &v));
	case N_CMP: {
		v = eval(c, n->l);
		w = eval(c, n->r);
		int r = compare(c, &v, &w);

		switch (n->op) {
		case T_EQ: return boolean(r == 0);
		case T_NE: return boolean(r != 0);
		case T_LT: return boolean(r < 0);
		case T_LE: return boolean(r <= 0);
		case T_GT: return boolean(r > 0);
		default: return boolean(r >= 0);
		}
	}
	case N_MATCH:
		v = eval(c, n->l);
		return boolean(match(c, n, &v) == (n->op == T_MATCH));
	case N_FIELD:
		v.k = V_FIELD;
		v.n = 0;
		if (n->idx == 0) {
			v.p = c->rec;
			v.len = c->len;
		} else if (n->idx != UNBOUND && n->idx <= c->nf) {
			v.p = c->f[n->idx - 1].p;
			v.len = c->f[n->idx - 1].len;
		} else {
			v.k = V_STR;	/* missing: the empty string */
			v.p = "";
			v.len = 0;
		}
		return v;
	case N_NUM:
		v.k = V_NUM;
		v.n = n->num;
		v.p = n->s;
		v.len = n->len;
		return v;
	case N_STR:
		v.k = V_STR;
		v.n = 0;
		v.p = n->s;
		v.len = n->len;
		return v;
	}
	return boolean(false);
}

bool expr_eval(struct expr *e, const char *rec, size_t len, const struct field *f, size_t nf)
{
	struct ctx c = { e, rec, len, f, nf };
	struct val v;

	e->failed = false;
	v = eval(&c, e->root);
	return truth(&c, &v) && !e->failed;
}
