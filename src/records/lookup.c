/* lookup.c - join's lookup table (see lookup.h). */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "lookup.h"
#include "util.h"

/* A record's state in the keytab: where its span of order[] starts, how
 * many records it has, and how many are placed so far. */
enum { SPAN_START, SPAN_COUNT, SPAN_FILLED, SPAN_WORDS };
#define SPAN_UNSET UINT64_MAX

/* Where the record at p ends: its terminator, or NULL on malformed CSV. */
static const char *record_end(const struct format *f, struct csv_iter *it, const char *p,
    const char *end, char term)
{
	if (f->kind == FORMAT_CSV) {
		const char *e = csv_iter_next(it);

		return e != NULL ? e - 1 : NULL;
	}
	return memchr(p, term, (size_t)(end - p));
}

/* Append fv's values to the arena, as offsets for now: the arena may
 * still move. */
static void add_record(struct lookup *lk, const struct fieldvec *fv, size_t *cap_f,
    size_t *cap_r)
{
	if (lk->nrec == *cap_r) {
		*cap_r = *cap_r ? *cap_r * 2 : 256;
		lk->recs = xreallocarray(lk->recs, *cap_r, sizeof *lk->recs);
	}
	lk->recs[lk->nrec].first = lk->nfields;
	lk->recs[lk->nrec].n = fv->n;
	lk->nrec++;
	for (size_t i = 0; i < fv->n; i++) {
		if (lk->nfields == *cap_f) {
			*cap_f = *cap_f ? *cap_f * 2 : 1024;
			lk->fields = xreallocarray(lk->fields, *cap_f, sizeof *lk->fields);
		}
		lk->fields[lk->nfields].p = (const char *)(uintptr_t)lk->vals.len;
		lk->fields[lk->nfields].len = fv->v[i].len;
		lk->nfields++;
		buf_append(&lk->vals, fv->v[i].p, fv->v[i].len);
	}
}

/* Offsets become pointers, now that the arena stays where it is. */
static void fix_pointers(struct lookup *lk)
{
	for (size_t i = 0; i < lk->nfields; i++)
		lk->fields[i].p = lk->vals.data + (uintptr_t)lk->fields[i].p;
}

static void bind_header(struct lookup *lk)
{
	const struct lookup_rec *h = &lk->recs[0];

	lk->has_header = true;
	for (size_t i = 0; i < h->n; i++) {
		if (lk->header.fields.n == lk->header.fields.cap) {
			lk->header.fields.cap = lk->header.fields.cap ? lk->header.fields.cap * 2 : 16;
			lk->header.fields.v = xreallocarray(lk->header.fields.v, lk->header.fields.cap,
			    sizeof *lk->header.fields.v);
		}
		lk->header.fields.v[lk->header.fields.n++] = lk->fields[h->first + i];
	}
}

int lookup_parse(struct lookup *lk, const char *data, size_t len, const struct format *f,
    char term, bool header, const char **why, size_t *err_off)
{
	const char *p = data, *end = data + len;
	struct fieldvec fv = { 0 };
	struct csv_iter it;
	size_t cap_f = 0, cap_r = 0;

	memset(lk, 0, sizeof *lk);
	csv_iter_init(&it, data, len, f, term);
	it.resync = false;	/* --reject is for the input, not a lookup file */
	while (p < end) {
		const char *t = record_end(f, &it, p, end, term);
		size_t n;

		if (t == NULL) {
			*why = it.why != NULL ? it.why : "unterminated quoted field";
			*err_off = (size_t)(p - data);
			fieldvec_free(&fv);
			return -1;
		}
		n = (size_t)(t - p);
		fv.n = 0;
		/* As join: an empty record has no fields at all. */
		if (n > 0 && fields_split(f, p, n, &fv, why) < 0) {
			*err_off = (size_t)(p - data);
			fieldvec_free(&fv);
			return -1;
		}
		add_record(lk, &fv, &cap_f, &cap_r);
		p = t + 1;
	}
	fieldvec_free(&fv);
	fix_pointers(lk);
	if (header && lk->nrec > 0)
		bind_header(lk);
	return 0;
}

const char *lookup_key(const struct field *v, size_t n, const size_t *keys, size_t nkeys,
    struct buf *scratch, size_t *len)
{
	if (nkeys == 1) {
		*len = keys[0] < n ? v[keys[0]].len : 0;
		return keys[0] < n ? v[keys[0]].p : "";
	}
	scratch->len = 0;
	for (size_t i = 0; i < nkeys; i++) {
		uint32_t l = keys[i] < n ? (uint32_t)v[keys[i]].len : 0;

		buf_append(scratch, &l, sizeof l);
		if (l > 0)
			buf_append(scratch, v[keys[i]].p, l);
	}
	*len = scratch->len;
	return scratch->data;
}

void lookup_index(struct lookup *lk, const size_t *keys, size_t nkeys)
{
	size_t first = lk->has_header ? 1 : 0, at = 0;
	uint64_t *ent = xcalloc(lk->nrec + 1, sizeof *ent);
	struct buf scratch = { 0 };

	keytab_init(&lk->kt, SPAN_WORDS * sizeof(uint64_t));
	/* Count each key's records, and remember each record's entry
	 * (offsets stay valid however the arena grows). */
	for (size_t r = first; r < lk->nrec; r++) {
		size_t n, len;
		const struct field *v = lookup_fields(lk, r, &n);
		const char *key = lookup_key(v, n, keys, nkeys, &scratch, &len);
		bool added;

		ent[r] = keytab_put(&lk->kt, key, len, keytab_hash(key, len), &added);
		uint64_t *span = keytab_state(&lk->kt, ent[r]);

		if (added)
			span[SPAN_START] = SPAN_UNSET;
		span[SPAN_COUNT]++;
	}
	/* Spans in order of each key's first record, then the records into
	 * them in file order. */
	lk->order = xcalloc(lk->nrec + 1, sizeof *lk->order);
	for (size_t r = first; r < lk->nrec; r++) {
		uint64_t *span = keytab_state(&lk->kt, ent[r]);

		if (span[SPAN_START] == SPAN_UNSET) {
			span[SPAN_START] = at;
			at += span[SPAN_COUNT];
		}
		lk->order[span[SPAN_START] + span[SPAN_FILLED]++] = r;
	}
	free(ent);
	buf_free(&scratch);
}

uint64_t lookup_bytes(const struct lookup *lk)
{
	uint64_t n = lk->vals.cap + lk->nfields * sizeof *lk->fields +
	    lk->nrec * (sizeof *lk->recs + sizeof *lk->order);

	return lk->kt.slots != NULL ? n + keytab_bytes(&lk->kt) : n;
}

void lookup_free(struct lookup *lk)
{
	free(lk->fields);
	free(lk->recs);
	free(lk->order);
	free(lk->header.fields.v);
	buf_free(&lk->vals);
	if (lk->kt.slots != NULL)
		keytab_free(&lk->kt);
	memset(lk, 0, sizeof *lk);
}
