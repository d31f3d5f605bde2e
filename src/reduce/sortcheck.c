/* sortcheck.c - sort -c and -C: per-chunk checks in the workers, the
 * seams between chunks in the merger (see sortcheck.h). */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "sortcheck.h"
#include "util.h"

/* What the merger keeps of a chunk. */
struct summary {
	uint64_t seq, count;
	uint64_t bad;		/* 1-based index of the first disorder, or 0 */
	struct buf first, last, badrec;	/* records without terminator */
};

struct sortcheck {
	struct summary *v;
	size_t n, cap;
};

/* Whether b may not follow a: after it in the order, or (-u) equal. */
static bool disorder(const struct sortspec *s, int c)
{
	return c > 0 || (c == 0 && s->unique);
}

static void put_rec(struct buf *out, const char *rec, size_t len, char term)
{
	buf_put_varint(out, len + 1);
	buf_append(out, rec, len);
	buf_putc(out, term);
}

void sortcheck_encode(struct sortp *p, struct buf *out)
{
	const struct sortspec *s = p->spec;
	const char *base = p->data.data;
	size_t bad = 0;

	if (p->nents == 0)
		return;
	for (size_t i = 1; i < p->nents && bad == 0; i++) {
		if (disorder(s, ent_cmp(s, base, &p->ents[i - 1], &p->ents[i])))
			bad = i + 1;
	}
	buf_put_varint(out, bad);
	put_rec(out, base + p->ents[0].off, p->ents[0].len, p->term);
	put_rec(out, base + p->ents[p->nents - 1].off, p->ents[p->nents - 1].len, p->term);
	if (bad > 0)
		put_rec(out, base + p->ents[bad - 1].off, p->ents[bad - 1].len, p->term);
}

static struct summary *add(struct sortp *p, uint64_t seq, uint64_t count)
{
	struct sortcheck *c = p->check;
	struct summary *m;

	if (c == NULL)
		c = p->check = xcalloc(1, sizeof *c);
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 16;
		c->v = xreallocarray(c->v, c->cap, sizeof *c->v);
	}
	m = &c->v[c->n++];
	memset(m, 0, sizeof *m);
	m->seq = seq;
	m->count = count;
	return m;
}

/* A record at *q into b (without its terminator): false if malformed. */
static bool get_rec(const char **q, const char *end, char term, struct buf *b)
{
	uint64_t n = get_len(q, end);

	if (n == 0 || n == UINT64_MAX || n > (uint64_t)(end - *q) || (*q)[n - 1] != term)
		return false;
	buf_append(b, *q, (size_t)n - 1);
	*q += n;
	return true;
}

int sortcheck_merge(struct sortp *p, uint64_t seq, uint64_t count, const char *data,
    size_t len)
{
	const char *q = data, *end = data + len;
	struct summary *m;

	if (count == 0)
		return len == 0 ? 0 : -1;
	m = add(p, seq, count);
	m->bad = get_len(&q, end);
	if (m->bad == UINT64_MAX || m->bad > count || m->bad == 1 ||
	    !get_rec(&q, end, p->term, &m->first) || !get_rec(&q, end, p->term, &m->last) ||
	    (m->bad > 0 && !get_rec(&q, end, p->term, &m->badrec)) || q != end)
		return -1;
	return 0;
}

static int by_seq(const void *x, const void *y)
{
	const struct summary *a = x, *b = y;

	return (a->seq > b->seq) - (a->seq < b->seq);
}

static int report(const struct sortp *p, const char *name, uint64_t line, const struct buf *rec,
    char **err)
{
	if (p->spec->check_quiet)
		*err = xstrdup("");
	else
		*err = xasprintf("sort: %s:%llu: disorder: %.*s", name, (unsigned long long)line,
		    (int)rec->len, rec->data);
	return 1;
}

int sortcheck_finish(struct sortp *p, const char *name, char **err)
{
	struct sortcheck *c;
	const struct summary *prev = NULL;
	uint64_t line = 0;

	if (p->nents > 0) {	/* folded here: a sort after another reducer */
		struct buf b = { 0 };
		int rc;

		sortcheck_encode(p, &b);
		rc = sortcheck_merge(p, p->seq, p->nents, b.data, b.len);
		buf_free(&b);
		if (rc < 0)
			return -1;
	}
	c = p->check;
	if (c == NULL)
		return 0;
	qsort(c->v, c->n, sizeof *c->v, by_seq);
	for (size_t i = 0; i < c->n; i++) {
		const struct summary *m = &c->v[i];

		if (prev != NULL && disorder(p->spec, sortspec_compare(p->spec, prev->last.data,
		    prev->last.len, m->first.data, m->first.len)))
			return report(p, name, line + 1, &m->first, err);
		if (m->bad > 0)
			return report(p, name, line + m->bad, &m->badrec, err);
		line += m->count;
		prev = m;
	}
	return 0;
}

void sortcheck_free(struct sortp *p)
{
	struct sortcheck *c = p->check;

	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n; i++) {
		buf_free(&c->v[i].first);
		buf_free(&c->v[i].last);
		buf_free(&c->v[i].badrec);
	}
	free(c->v);
	free(c);
	p->check = NULL;
}
