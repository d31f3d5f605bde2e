/* grep_rec.c - grep record by record, for what whole-block matching
 * cannot do: several regular expressions (any of them selects a record),
 * -o (the matched parts, one per record, as grep -o prints them) and -n
 * (each record's number, before a colon).
 *
 * In the workers -n numbers the records of the chunk from 1; the merger
 * adds the records of the chunks before (merger.c), so the numbers are
 * those of the whole input.  After a reducer the stage sees the whole
 * stream and its numbers are final.
 *
 * With -m as well as -o, the merger's cut after N records must count
 * whole records, not parts: the workers then write whole records, and
 * the merger takes the parts of the records it writes (stage_grep_parts). */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "grep_int.h"
#include "pcre_util.h"
#include "record.h"
#include "util.h"

/* The leftmost match in rec[0..len) at or after start, of any pattern
 * (the longest of those that start there, as grep -o with several
 * patterns): 1 with [*s, *e), 0 for none, or PCRE2's error. */
static int leftmost(struct grep *g, const char *rec, size_t len, size_t start, size_t *s,
    size_t *e)
{
	bool found = false;

	for (size_t i = 0; i < g->nrx; i++) {
		int rc = grep_run(g, &g->rx[i], rec, len, start);

		if (rc < 0) {
			g->failed = i;
			return rc;
		}
		if (rc == 0)
			continue;
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(g->rx[i].md);

		if (!found || ov[0] < *s || (ov[0] == *s && ov[1] > *e)) {
			*s = ov[0];
			*e = ov[1];
		}
		found = true;
	}
	return found;
}

/* Whether any pattern matches rec: 1, 0, or PCRE2's error. */
static int any_match(struct grep *g, const char *rec, size_t len)
{
	for (size_t i = 0; i < g->nrx; i++) {
		int rc = grep_run(g, &g->rx[i], rec, len, 0);

		if (rc < 0)
			g->failed = i;
		if (rc != 0)
			return rc;
	}
	return 0;
}

static void put_number(struct grep *g, uint64_t n)
{
	buf_printf(&g->out, "%llu:", (unsigned long long)n);
}

/*
 * -o: each non-empty match of the record on a record of its own, as
 * grep -o: the search goes on from the end of a match, or one byte
 * further after an empty one.
 */
static int put_parts(struct grep *g, const char *rec, size_t len, uint64_t n, char term)
{
	size_t cur = 0, s = 0, e = 0;

	while (cur < len) {
		int rc = leftmost(g, rec, len, cur, &s, &e);

		if (rc <= 0)
			return rc;
		if (s == len)
			break;
		if (e == s) {
			cur = s + 1;
			continue;
		}
		if (g->number)
			put_number(g, n);
		buf_append(&g->out, rec + s, e - s);
		buf_putc(&g->out, term);
		cur = e;
	}
	return 0;
}

/* The terminator of the record at pos. */
static size_t record_end(const struct stage *st, struct grep *g, struct csv_iter *it,
    const struct block *b, size_t pos)
{
	if (g->csv) {
		const char *e = csv_iter_next(it);

		return e != NULL ? (size_t)(e - b->data) - 1 : b->len - 1;
	}
	return (size_t)((char *)memchr(b->data + pos, st->term, b->len - pos) - b->data);
}

int grep_map_records(struct stage *st, struct grep *g, struct block *b, char **err)
{
	struct csv_iter it;
	size_t pos = 0, nrec = 0;

	g->out.len = 0;
	if (g->csv)
		csv_iter_init(&it, b->data, b->len, st->fmt, st->term);
	while (pos < b->len) {
		size_t le = record_end(st, g, &it, b, pos), len = le - pos;
		const char *rec = b->data + pos;
		uint64_t n;
		int rc;

		if (g->left == 0)
			break;
		n = ++g->seen;
		rc = any_match(g, rec, len);
		if (rc < 0)
			return grep_match_failed(g, b, pos, rc, err);
		if ((rc == 1) != g->invert) {
			g->left--;
			nrec++;
			/* grep -v -o prints nothing: a record that does not
			 * match has no matching part. */
			if (g->only && !g->invert)
				rc = put_parts(g, rec, len, n, st->term);
			else if (!g->only) {
				if (g->number)
					put_number(g, n);
				buf_append(&g->out, rec, len + 1);
			}
			if (rc < 0)
				return grep_match_failed(g, b, pos, rc, err);
		}
		pos = le + 1;
	}
	/* The records after the -m-th are not read, but -n's count for the
	 * merger is of all the chunk's records. */
	if (pos < b->len && g->number)
		g->seen += records_count(st->fmt, st->term, b->data + pos, b->len - pos);
	b->data = g->out.data;
	b->len = g->out.len;
	b->nrec = g->only ? NREC_UNKNOWN : nrec;
	return 0;
}

void stage_grep_defer_parts(struct stage *st)
{
	struct grep *g = st->priv;

	g->only = false;
	g->deferred = true;
}

int stage_grep_parts(struct stage *st, const char *p, size_t len, struct buf *out, char **err)
{
	struct grep *g = st->priv;
	size_t pos = 0;

	g->out.len = 0;
	/* grep -v -o prints nothing. */
	while (pos < len && !g->invert) {
		const char *t = memchr(p + pos, st->term, len - pos);
		size_t le = t != NULL ? (size_t)(t - p) : len, at = pos;
		uint64_t n = 0;
		int rc;

		/* -n's number, made final by the merger already. */
		while (g->number && at < le && p[at] >= '0' && p[at] <= '9')
			n = n * 10 + (uint64_t)(p[at++] - '0');
		if (g->number && at < le && p[at] == ':')
			at++;
		rc = put_parts(g, p + at, le - at, n, st->term);
		if (rc < 0) {
			*err = pcre_match_error(rc, "grep", grep_failed_pattern(g), false, 0, &rc);
			return rc;
		}
		pos = le + 1;
	}
	out->len = 0;
	buf_append(out, g->out.data, g->out.len);
	return 0;
}
