/* csv.c - finding CSV record ends: quote-aware, validating. */
#include "autoconfig.h"

#include <string.h>

#include "csv.h"
#include "scan.h"

void csv_iter_init(struct csv_iter *it, const char *p, size_t len, const struct format *f, char term)
{
	it->start = it->p = p;
	it->end = p + len;
	it->q = p;	/* not yet searched */
	it->term = term;
	it->delim = f->delim;
	it->lax = f->lax;
	it->why = NULL;
	it->err_at = NULL;
	it->open_quote = NULL;
	it->at_eof = false;
	it->resync = f->resync;
	it->bad = false;
	it->q = len > 0 ? memchr(p, '"', len) : NULL;
	if (it->q == NULL)
		it->q = it->end;
}

static void next_quote(struct csv_iter *it, const char *from)
{
	if (it->q >= from)
		return;
	it->q = from < it->end ? memchr(from, '"', (size_t)(it->end - from)) : NULL;
	if (it->q == NULL)
		it->q = it->end;
}

static bool field_start(const struct csv_iter *it, const char *at)
{
	return at == it->start || at[-1] == it->delim || at[-1] == it->term ||
	    (at[-1] == '\r' && (at - 1 == it->start || at[-2] == it->term));
}

/* Past the quoted field opening at q; NULL if it does not close here. */
static const char *skip_quoted(struct csv_iter *it, const char *q)
{
	const char *p = q + 1;

	for (;;) {
		const char *c = memchr(p, '"', (size_t)(it->end - p));

		if (c == NULL)
			return NULL;
		if (c + 1 < it->end && c[1] == '"') {
			p = c + 2;
			continue;
		}
		if (c + 1 == it->end)
			return it->at_eof ? c + 1 : NULL;	/* more input may double it */
		char n = c[1];

		if (n != it->delim && n != it->term && n != '\r' && !it->lax) {
			it->why = "text after a closing quote";
			it->err_at = c + 1;
		}
		return c + 1;
	}
}

/* resync: the malformed record at it->p ends at the first terminator
 * from the error at on, or at the end of the input. */
static const char *bad_record(struct csv_iter *it, const char *at)
{
	const char *t = at < it->end ? memchr(at, it->term, (size_t)(it->end - at)) : NULL;

	it->why = NULL;
	if (t == NULL && !it->at_eof)
		return NULL;	/* it may end in more input */
	it->p = t != NULL ? t + 1 : it->end;
	it->bad = true;
	return it->p;
}

const char *csv_iter_next(struct csv_iter *it)
{
	const char *p = it->p;

	it->open_quote = NULL;
	it->bad = false;
	if (p == it->end)
		return NULL;	/* also an empty buffer, whose pointer may be NULL */
	for (;;) {
		const char *t;

		next_quote(it, p);
		t = memchr(p, it->term, (size_t)(it->q - p));
		if (t != NULL) {
			it->p = t + 1;
			return t + 1;
		}
		if (it->q == it->end)
			return NULL;
		/* A quote before the next terminator. */
		if (!field_start(it, it->q)) {
			if (!it->lax) {
				it->why = CSV_STRAY_QUOTE;
				it->err_at = it->q;
				return it->resync ? bad_record(it, it->q) : NULL;
			}
			p = it->q + 1;	/* lax: a stray quote is data */
			continue;
		}
		const char *after = skip_quoted(it, it->q);

		if (it->why != NULL)
			return it->resync ? bad_record(it, it->err_at) : NULL;
		if (after == NULL && it->resync && it->at_eof)
			return bad_record(it, it->end);	/* unterminated */
		if (after == NULL) {
			it->open_quote = it->q;	/* unterminated so far */
			return NULL;
		}
		p = after;
	}
}

size_t csv_iter_walk(struct csv_iter *it)
{
	size_t n = 0;

	for (;;) {
		/* Every terminator before the next quote ends a record. */
		next_quote(it, it->p);
		if (it->q > it->p) {
			const char *last = memrchr(it->p, it->term, (size_t)(it->q - it->p));

			if (last != NULL) {
				n += scan_count_byte(it->p, (size_t)(last + 1 - it->p),
				    (unsigned char)it->term);
				it->p = last + 1;
			}
		}
		if (csv_iter_next(it) == NULL)
			return n;
		n++;
	}
}

/*
 * In well-formed CSV an offset is inside a quoted field exactly when an
 * odd number of quotes comes before it (a doubled quote adds two), so a
 * record end can be found from any offset whose parity is known, without
 * walking the records from a record start: the CSV quote grid
 * (io/csv_cut.c) and the gzip index's points (io/gzindex_build.c,
 * engine/worker_gzpoint.c) start there.
 */
const char *csv_parity_end(const char *p, size_t n, char term, int *odd)
{
	const char *e = p + n;

	while (p < e) {
		const char *q = memchr(p, '"', (size_t)(e - p));
		const char *stop = q != NULL ? q : e;

		if (!*odd && p < stop) {
			const char *t = memchr(p, term, (size_t)(stop - p));

			if (t != NULL)
				return t;
		}
		if (q == NULL)
			return NULL;
		*odd ^= 1;
		p = q + 1;
	}
	return NULL;
}
