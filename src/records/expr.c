/* expr.c - record predicates: parsing and binding field names.
 *
 * See expr.h for the grammar and the value rules, which are awk's.  The
 * parser is recursive descent over a small hand-written lexer
 * (expr_lex.c); the tree it builds (expr_impl.h) is evaluated by
 * expr_eval.c. */
#include "autoconfig.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "expr_impl.h"
#include "expr.h"
#include "util.h"

#define MAX_DEPTH 256		/* nesting of parentheses and '!' */
#define MAX_FIELD 100000000	/* $N beyond this is surely a mistake */

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
	if (t[s - 1] == '.') {	/* a JSON path, as written */
		n->name = xstrdup(n->ref);
		n->idx = UNBOUND;
		return n;
	}
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
		if (lex_next(lx) < 0)
			return NULL;
		n = parse_or(ps);
		if (n == NULL)
			return NULL;
		if (lx->tok != T_RPAREN) {
			lex_unexpected(lx);
			node_free(n);
			return NULL;
		}
		ps->depth--;
		break;
	default:
		lex_unexpected(lx);
		return NULL;
	}
	if (lex_next(lx) < 0) {
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
	if (lex_next(lx) < 0)
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
		if (lex_next(lx) < 0)
			goto fail;
		if (lx->tok != T_STR) {
			if (lx->tok == T_END)
				lex_unexpected(lx);
			else
				lex_error(lx, lx->start, "expected a string (the pattern) after '%s'",
				    n->op == T_MATCH ? "~" : "!~");
			goto fail;
		}
		if (compile_match(ps, n) < 0 || lex_next(lx) < 0)
			goto fail;
	} else if (is_cmp(lx->tok)) {
		n = node_new(N_CMP);
		n->op = lx->tok;
		n->l = l;
		if (lex_next(lx) < 0)
			goto fail;
		n->r = parse_unary(ps);
		if (n->r == NULL)
			goto fail;
	} else {
		return l;
	}
	/* Comparisons do not chain: a < b < c needs parentheses. */
	if (is_cmp(lx->tok) || lx->tok == T_MATCH || lx->tok == T_NOMATCH) {
		lex_unexpected(lx);
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
		if (lex_next(lx) < 0)
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
	if (lex_next(&ps.lx) == 0) {
		e->root = parse_or(&ps);
		if (e->root != NULL && ps.lx.tok != T_END) {
			lex_unexpected(&ps.lx);
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
	if (n->kind == N_FIELD && n->name == NULL && n->idx != 0) {
		char *what = xasprintf("field '%s'", n->ref);

		*err = header_numbered(h, what);
		free(what);
		if (*err != NULL)
			return -1;
	}
	if (n->kind == N_FIELD && n->name != NULL) {
		if (h == NULL) {
			*err = xasprintf("field '%s': field names need a header (--header)", n->ref);
			return -1;
		}
		n->idx = header_index(h, n->name);
		if (n->idx == 0) {
			char *what = xasprintf("field '%s'", n->ref);

			n->idx = UNBOUND;
			*err = header_miss(h, what, n->name);
			free(what);
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
