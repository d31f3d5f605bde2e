/* jsonpath.c - jq-style paths (.a.b, .tags[0], ."odd key", .["odd key"])
 * and the trie of a job's paths that the scanner walks. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "jsonl.h"
#include "jsonl_int.h"
#include "util.h"

static bool name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool name_char(char c)
{
	return name_start(c) || (c >= '0' && c <= '9');
}

/* A JSON string literal at s: its length with the quotes, or 0. */
static size_t str_span(const char *s)
{
	size_t i = 1;

	if (s[0] != '"')
		return 0;
	for (; s[i] != '\0' && s[i] != '"'; i++)
		if (s[i] == '\\' && s[i + 1] != '\0')
			i++;
	return s[i] == '"' ? i + 1 : 0;
}

/* "[N]" or "[\"key\"]" at s: its length, or 0. */
static size_t bracket_span(const char *s)
{
	size_t i = 1;

	if (s[0] != '[')
		return 0;
	if (s[1] >= '0' && s[1] <= '9') {
		while (s[i] >= '0' && s[i] <= '9')
			i++;
	} else {
		size_t n = str_span(s + 1);

		if (n == 0)
			return 0;
		i += n;
	}
	return s[i] == ']' ? i + 1 : 0;
}

/* One step at s (after the first, a step needs its '.' unless it is a
 * bracket): its length, or 0. */
static size_t step_span(const char *s, bool first)
{
	size_t dot = 0, n;

	if (s[0] == '.')
		dot = 1;
	else if (first || s[0] != '[')
		return 0;
	if (name_start(s[dot])) {
		n = dot;
		while (name_char(s[n]))
			n++;
		return n;
	}
	if ((n = str_span(s + dot)) > 0)
		return dot + n;
	if ((n = bracket_span(s + dot)) > 0)
		return dot + n;
	return 0;
}

size_t jpath_span(const char *s)
{
	size_t n = step_span(s, true);

	if (n == 0)
		return s[0] == '.' && !(s[1] >= '0' && s[1] <= '9') ? 1 : 0;
	for (size_t k; (k = step_span(s + n, false)) > 0;)
		n += k;
	return n;
}

/* The key of a string literal s[0..n), unescaped; false if invalid. */
static bool literal_key(const char *s, size_t n, struct jstep *st)
{
	struct jval v;
	struct buf b = { 0 };
	const char *why, *p;
	size_t len;

	if (!json_scan(NULL, s, n, &v, &why))
		return false;
	v.type = J_STRING;
	v.p = s;
	v.len = n;
	v.esc = memchr(s, '\\', n) != NULL;
	buf_reserve(&b, n + 1);
	json_text(&v, &b, &p, &len);
	st->key = xmalloc(len + 1);	/* the key may hold a NUL (\u0000) */
	memcpy(st->key, p, len);
	st->key[len] = '\0';
	st->klen = len;
	buf_free(&b);
	return true;
}

static bool parse_step(const char *s, size_t n, struct jstep *st)
{
	if (*s == '.')
		s++, n--;
	st->key = NULL;
	if (s[0] == '"')
		return literal_key(s, n, st);
	if (s[0] != '[') {
		st->key = xstrndup(s, n);
		st->klen = n;
		return true;
	}
	if (s[1] == '"')
		return literal_key(s + 1, n - 2, st);
	st->index = 0;
	for (size_t i = 1; i + 1 < n; i++) {
		if (st->index > (SIZE_MAX - 9) / 10)
			return false;
		st->index = st->index * 10 + (size_t)(s[i] - '0');
	}
	return true;
}

bool jpath_parse(const char *text, struct jpath *out)
{
	size_t n = jpath_span(text), at;

	memset(out, 0, sizeof *out);
	if (n == 0 || text[n] != '\0')
		return false;
	out->text = xstrdup(text);
	at = n == 1 ? 1 : 0;	/* "." alone: the whole record */
	while (text[at] != '\0') {
		size_t k = step_span(text + at, at == 0);

		/* Deeper than any record may nest: it could only be null, and
		 * cut would write objects nested deeper than JSON input may. */
		if (out->nsteps == JSON_MAX_DEPTH) {
			jpath_free(out);
			return false;
		}
		out->steps = xreallocarray(out->steps, out->nsteps + 1, sizeof *out->steps);
		if (!parse_step(text + at, k, &out->steps[out->nsteps])) {
			jpath_free(out);
			return false;
		}
		out->nsteps++;
		at += k;
	}
	return true;
}

void jpath_free(struct jpath *p)
{
	for (size_t i = 0; i < p->nsteps; i++)
		free(p->steps[i].key);
	free(p->steps);
	free(p->text);
	memset(p, 0, sizeof *p);
}

static bool same_step(const struct jstep *a, const struct jstep *b)
{
	if ((a->key == NULL) != (b->key == NULL))
		return false;
	if (a->key == NULL)
		return a->index == b->index;
	return a->klen == b->klen && memcmp(a->key, b->key, a->klen) == 0;
}

static struct jnode *node_new(void)
{
	struct jnode *n = xcalloc(1, sizeof *n);

	n->path = -1;
	return n;
}

/* The child of n for step st, made if absent. */
static struct jnode *child(struct jnode *n, const struct jstep *st)
{
	for (size_t i = 0; i < n->nkids; i++)
		if (same_step(&n->kids[i].step, st))
			return n->kids[i].node;
	n->kids = xreallocarray(n->kids, n->nkids + 1, sizeof *n->kids);
	n->kids[n->nkids].step = *st;
	n->kids[n->nkids].node = node_new();
	if (st->key != NULL) {
		n->keys = true;
		n->kbits |= json_key_bit(st->key, st->klen);
	}
	else
		n->indexes = true;
	return n->kids[n->nkids++].node;
}

static void add_sub(struct jnode *n, size_t idx)
{
	n->sub = xreallocarray(n->sub, n->nsub + 1, sizeof *n->sub);
	n->sub[n->nsub++] = idx;
}

long jpaths_add(struct jpaths *ps, const char *text)
{
	struct jpath p;
	struct jnode *n;

	if (!jpath_parse(text, &p))
		return -1;
	for (size_t i = 0; i < ps->n; i++) {
		bool same = ps->v[i].nsteps == p.nsteps;

		for (size_t k = 0; same && k < p.nsteps; k++)
			same = same_step(&ps->v[i].steps[k], &p.steps[k]);
		if (same) {
			jpath_free(&p);
			return (long)i;
		}
	}
	if (ps->root == NULL)
		ps->root = node_new();
	n = ps->root;
	add_sub(n, ps->n);
	for (size_t k = 0; k < p.nsteps; k++) {
		n = child(n, &p.steps[k]);
		add_sub(n, ps->n);
	}
	n->path = (long)ps->n;
	ps->v = xreallocarray(ps->v, ps->n + 1, sizeof *ps->v);
	ps->v[ps->n] = p;
	return (long)ps->n++;
}

static void node_free(struct jnode *n)
{
	if (n == NULL)
		return;
	for (size_t i = 0; i < n->nkids; i++)
		node_free(n->kids[i].node);	/* the steps belong to the paths */
	free(n->kids);
	free(n->sub);
	free(n);
}

void jpaths_free(struct jpaths *ps)
{
	for (size_t i = 0; i < ps->n; i++)
		jpath_free(&ps->v[i]);
	free(ps->v);
	node_free(ps->root);
	memset(ps, 0, sizeof *ps);
}
