/* cut.c - the cut stage: keep some fields of each record, in the order
 * given, in the input's format. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "fieldlist.h"
#include "fields.h"
#include "jsonl.h"
#include "stage.h"
#include "util.h"

struct cut {
	struct fieldlist list;
	struct fieldvec fv;
	size_t *idx;		/* selected indexes of the current record */
	struct field *sel;	/* the selected fields */
	size_t cap;
	size_t max;		/* the highest field selected: split no further */
	struct buf out;		/* the block's output */
	struct jout *jout;	/* JSON Lines: the shape of the output objects */
};

static const struct stage_opt cut_opts[] = {
	{ "fields", 'f', OPT_STRING, "the fields to keep, in this order: numbers from 1, "
	  "ranges (2-4, 5-, -3) and header names, separated by commas", "LIST" },
	{ NULL, 0, 0, NULL, NULL },
};

static int cut_setup(struct stage *st, char **err)
{
	struct cut *c = xcalloc(1, sizeof *c);
	const char *list = stage_str(st, "fields");

	st->priv = c;
	if (list == NULL) {
		*err = xasprintf("cut: missing -f LIST");
		return -1;
	}
	if (fieldlist_parse(list, &c->list, err) < 0) {
		char *why = *err;

		*err = xasprintf("cut: %s", why);
		free(why);
		return -1;
	}
	c->max = fieldlist_max(&c->list);	/* numbers now, names at bind */
	return 0;
}

static int cut_bind(struct stage *st, const struct header *h, char **err)
{
	struct cut *c = st->priv;

	if (fieldlist_bind(&c->list, h, err) < 0) {
		char *why = *err;

		*err = xasprintf("cut: %s", why);
		free(why);
		return -1;
	}
	c->max = fieldlist_max(&c->list);
	if (st->fmt->kind == FORMAT_JSON) {
		size_t *idx = xcalloc(c->list.n, sizeof *idx);

		for (size_t i = 0; i < c->list.n; i++)
			idx[i] = c->list.v[i].lo - 1;
		c->jout = jout_new(st->fmt->paths, idx, c->list.n);
		free(idx);
		if (c->jout == NULL) {
			*err = xasprintf("cut: an index above %d would write that many nulls before "
			    "its value", JOUT_MAX_INDEX);
			return -1;
		}
	}
	return 0;
}

static void cut_teardown(struct stage *st)
{
	struct cut *c = st->priv;

	if (c == NULL)
		return;
	fieldlist_free(&c->list);
	fieldvec_free(&c->fv);
	free(c->idx);
	free(c->sel);
	jout_free(c->jout);
	buf_free(&c->out);
	free(c);
	st->priv = NULL;
}

/* Select from fv into c->sel; returns how many. */
static size_t select_fields(struct cut *c, const struct fieldvec *fv)
{
	if (c->cap < fv->n) {
		c->cap = fv->n;
		c->idx = xreallocarray(c->idx, c->cap, sizeof *c->idx);
		c->sel = xreallocarray(c->sel, c->cap, sizeof *c->sel);
	}
	size_t n = fieldlist_expand(&c->list, fv->n, c->idx);

	for (size_t i = 0; i < n; i++)
		c->sel[i] = fv->v[c->idx[i]];
	return n;
}

static void cut_header(struct stage *st, struct fieldvec *h)
{
	struct cut *c = st->priv;
	size_t n = select_fields(c, h);

	if (n > 0)
		memcpy(h->v, c->sel, n * sizeof *h->v);
	h->n = n;
}

/* The terminator of the record starting at p.  One iterator walks the
 * whole block, so the next quote is searched for once, not per record. */
static const char *record_end(const struct stage *st, struct csv_iter *it, const char *p,
    const char *end)
{
	if (st->fmt->kind == FORMAT_CSV) {
		const char *e = csv_iter_next(it);

		return e != NULL ? e - 1 : end - 1;
	}
	return memchr(p, st->term, (size_t)(end - p));
}

static int cut_map(struct stage *st, struct block *b, char **err)
{
	struct cut *c = st->priv;
	const char *p = b->data, *end = b->data + b->len;
	size_t nrec = 0;

	struct csv_iter it;

	c->out.len = 0;
	buf_reserve(&c->out, b->len);
	csv_iter_init(&it, b->data, b->len, st->fmt, st->term);
	while (p < end) {
		const char *t = record_end(st, &it, p, end), *why = NULL;
		size_t len = (size_t)(t - p);

		nrec++;
		/* As cut -d does: a record without the delimiter is kept whole. */
		if (st->fmt->kind == FORMAT_DELIM && memchr(p, st->fmt->delim, len) == NULL) {
			buf_append(&c->out, p, len);
		} else if (fields_split_block(st->fmt, b->jv, nrec - 1, p, len, c->max, &c->fv, &why) < 0) {
			if (b->offset != OFFSET_UNKNOWN)
				*err = xasprintf("%s at byte offset %llu: %s", format_malformed(st->fmt),
				    (unsigned long long)(b->offset + (uint64_t)(p - b->data)), why);
			else
				*err = xasprintf("%s: %s", format_malformed(st->fmt), why);
			return EXIT_DATAERR;
		} else if (c->jout != NULL) {
			jout_write(c->jout, c->fv.jv, &c->out);
		} else {
			fields_join(st->fmt, c->sel, select_fields(c, &c->fv), &c->out);
		}
		buf_putc(&c->out, st->term);
		p = t + 1;
	}
	b->data = c->out.data;
	b->len = c->out.len;
	b->nrec = nrec;
	return 0;
}

const struct stage_def stage_cut = {
	.name = "cut",
	.summary = "keep some fields of each record, in the order given",
	.description =
		"Keeps the fields listed with -f, in that order, each at most once, and writes them "
		"in the input's format: joined by the delimiter for -d and --tsv input (a record "
		"without the delimiter is kept whole, as cut -d does, so for an ascending list the "
		"output is that of cut -d C -f LIST), by one space for whitespace-separated input, "
		"and as CSV for --csv input, quoting exactly the fields that need it. With --header "
		"the header is cut the same way and fields may be named by it. With --json the fields "
		"are paths, and each record becomes an object holding just them, nested as in the "
		"input, as jq's pick() writes it: cut -f .a.b,.c writes {\"a\":{\"b\":1},\"c\":2}, "
		"a path the record lacks as null.",
	.kind = STAGE_MAP,
	.opts = cut_opts,
	.args = NULL,
	.setup = cut_setup,
	.bind = cut_bind,
	.header = cut_header,
	.teardown = cut_teardown,
	.map = cut_map,
};
