/* cut.c - the cut stage: keep some fields of each record, in the order
 * given, in the input's format; or some bytes (-b, -c: cutbytes.c). */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "cutbytes.h"
#include "fieldlist.h"
#include "fields.h"
#include "jsonl.h"
#include "stage.h"
#include "util.h"

struct cut {
	struct fieldlist list;
	bool by_bytes;		/* -b or -c: bytes, not fields */
	struct byteranges bytes;
	bool complement;
	bool only_delimited;	/* -s */
	const char *od;		/* --output-delimiter, or NULL */
	size_t odlen;
	struct format ofmt;	/* CSV output: the input's, with od's byte */
	struct buf hdr;		/* the header, when it is cut as one string */
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
	{ "bytes", 'b', OPT_STRING, "the bytes to keep instead, by position from 1 (numbers and "
	  "ranges), in input order, as cut -b", "LIST" },
	{ "characters", 'c', OPT_STRING, "the same as -b: in the C locale a character is a byte, "
	  "as GNU cut counts", "LIST" },
	{ "complement", 0, OPT_FLAG, "keep the fields (or bytes) the list does not name, in "
	  "input order", NULL },
	{ "only-delimited", 's', OPT_FLAG, "with -f, drop the records without the delimiter (for "
	  "blank-separated input: with fewer than two fields)", NULL },
	{ "output-delimiter", 0, OPT_STRING, "join the kept fields with STR instead of the "
	  "input's delimiter (one byte for --csv; empty: a NUL, as GNU cut); with -b and -c, write STR between the bytes "
	  "of two ranges", "STR" },
	{ NULL, 0, 0, NULL, NULL },
};

/* How far records must be split: every field for --complement, two
 * for -s to see whether there are two. */
static size_t split_max(const struct cut *c)
{
	size_t m = c->complement ? SIZE_MAX : fieldlist_max(&c->list);

	return c->only_delimited && m < 2 ? 2 : m;
}

/* Which of -f, -b and -c gives the list: NULL with *err when not one. */
static const char *the_list(struct stage *st, struct cut *c, char **err)
{
	const char *f = stage_str(st, "fields"), *b = stage_str(st, "bytes");
	const char *ch = stage_str(st, "characters");

	if ((f != NULL) + (b != NULL) + (ch != NULL) > 1) {
		*err = xasprintf("cut: only one of -f, -b and -c may be given");
		return NULL;
	}
	if (f == NULL && b == NULL && ch == NULL) {
		*err = xasprintf("cut: missing -f LIST (or -b LIST, -c LIST)");
		return NULL;
	}
	c->by_bytes = f == NULL;
	if (c->by_bytes && c->only_delimited) {
		*err = xasprintf("cut: -s keeps the records that contain the delimiter: it needs "
		    "-f, not -%c", b != NULL ? 'b' : 'c');
		return NULL;
	}
	return f != NULL ? f : b != NULL ? b : ch;
}

/* --output-delimiter: for CSV output one byte that can delimit CSV. */
static int output_delimiter(struct stage *st, struct cut *c, char **err)
{
	const char *why;

	c->od = stage_str(st, "output-delimiter");
	if (c->od == NULL)
		return 0;
	/* As GNU cut: an empty string is a NUL. */
	c->odlen = c->od[0] != '\0' ? strlen(c->od) : 1;
	if (st->fmt->kind != FORMAT_CSV || c->by_bytes)
		return 0;
	c->ofmt = *st->fmt;
	c->ofmt.delim = c->od[0];
	if (c->odlen != 1) {
		*err = xasprintf("cut: --output-delimiter: CSV output needs one byte, not '%s'", c->od);
		return -1;
	}
	why = format_check(&c->ofmt, st->term);
	if (why != NULL) {
		*err = xasprintf("cut: --output-delimiter: %s", why);
		return -1;
	}
	return 0;
}

static int cut_setup(struct stage *st, char **err)
{
	struct cut *c = xcalloc(1, sizeof *c);
	const char *list;

	st->priv = c;
	c->complement = stage_flag(st, "complement");
	c->only_delimited = stage_flag(st, "only-delimited");
	list = the_list(st, c, err);
	if (list == NULL || output_delimiter(st, c, err) < 0)
		return -1;
	if (fieldlist_parse(list, &c->list, err) < 0 ||
	    (c->by_bytes && byteranges_from(&c->list, c->complement, &c->bytes, err) < 0)) {
		char *why = *err;

		*err = xasprintf("cut: %s", why);
		free(why);
		return -1;
	}
	c->max = split_max(c);	/* numbers now, names at bind */
	return 0;
}

static int cut_bind(struct stage *st, const struct header *h, char **err)
{
	struct cut *c = st->priv;

	if (h != NULL && st->fmt->kind == FORMAT_CSV && (c->by_bytes || c->od != NULL)) {
		*err = xasprintf("cut: a CSV header (--header) is cut by fields, in CSV: "
		    "not with -b, -c or --output-delimiter");
		return -1;
	}
	if (fieldlist_bind(&c->list, h, err) < 0) {
		char *why = *err;

		*err = xasprintf("cut: %s", why);
		free(why);
		return -1;
	}
	c->max = split_max(c);
	if (st->fmt->kind == FORMAT_JSON) {
		if (c->by_bytes || c->complement || c->od != NULL || c->only_delimited) {
			*err = xasprintf("cut: -b, -c, --complement, --output-delimiter and -s do not "
			    "apply to --json records");
			return -1;
		}
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
	byteranges_free(&c->bytes);
	buf_free(&c->hdr);
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
	size_t n = c->complement ? fieldlist_expand_complement(&c->list, fv->n, c->idx) :
	    fieldlist_expand(&c->list, fv->n, c->idx);

	for (size_t i = 0; i < n; i++)
		c->sel[i] = fv->v[c->idx[i]];
	return n;
}

/* The selected fields (or bytes) of one record, joined, onto out. */
static void cut_fields(const struct stage *st, struct cut *c, const struct fieldvec *fv,
    struct buf *out)
{
	size_t n = select_fields(c, fv);

	if (c->od == NULL || st->fmt->kind == FORMAT_CSV) {
		fields_join(c->od != NULL ? &c->ofmt : st->fmt, c->sel, n, out);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			buf_append(out, c->od, c->odlen);
		buf_append(out, c->sel[i].p, c->sel[i].len);
	}
}

/* The header is cut as its records are.  Joined other than by the
 * input's delimiter (-b, --output-delimiter), it becomes one field, which
 * the header's writer then joins to nothing. */
static void cut_header(struct stage *st, struct fieldvec *h)
{
	struct cut *c = st->priv;
	size_t n;

	if (c->by_bytes || c->od != NULL) {
		struct buf raw = { 0 };

		c->hdr.len = 0;
		if (c->by_bytes) {
			fields_join(st->fmt, h->v, h->n, &raw);
			byteranges_cut(&c->bytes, raw.data, raw.len, c->od, c->odlen, &c->hdr);
		} else {
			cut_fields(st, c, h, &c->hdr);
		}
		buf_free(&raw);
		h->v[0] = (struct field){ c->hdr.data != NULL ? c->hdr.data : "", c->hdr.len };
		h->n = 1;
		return;
	}
	n = select_fields(c, h);
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

/* Cut one record [p, p + len) onto c->out; 1 when it is dropped (-s),
 * -1 with *why for malformed CSV. */
static int cut_record(struct stage *st, struct cut *c, const struct block *b, size_t ri,
    const char *p, size_t len, const char **why)
{
	if (c->by_bytes) {
		byteranges_cut(&c->bytes, p, len, c->od, c->odlen, &c->out);
		return 0;
	}
	/* As cut -d does: a record without the delimiter is kept whole, or
	 * with -s dropped. */
	if (st->fmt->kind == FORMAT_DELIM && memchr(p, st->fmt->delim, len) == NULL) {
		if (c->only_delimited)
			return 1;
		buf_append(&c->out, p, len);
		return 0;
	}
	if (fields_split_block(st->fmt, b->jv, ri, p, len, c->max, &c->fv, why) < 0)
		return -1;
	if (c->jout != NULL) {
		jout_write(c->jout, c->fv.jv, &c->out);
		return 0;
	}
	if (c->only_delimited && c->fv.n < 2)
		return 1;
	cut_fields(st, c, &c->fv, &c->out);
	return 0;
}

static int cut_map(struct stage *st, struct block *b, char **err)
{
	struct cut *c = st->priv;
	const char *p = b->data, *end = b->data + b->len;
	size_t nrec = 0, ri = 0;	/* records out, records in */

	struct csv_iter it;

	c->out.len = 0;
	buf_reserve(&c->out, b->len);
	csv_iter_init(&it, b->data, b->len, st->fmt, st->term);
	while (p < end) {
		const char *t = record_end(st, &it, p, end), *why = NULL;
		int rc = cut_record(st, c, b, ri++, p, (size_t)(t - p), &why);

		if (rc < 0) {
			if (b->offset != OFFSET_UNKNOWN)
				*err = xasprintf("%s at byte offset %llu: %s", format_malformed(st->fmt),
				    (unsigned long long)(b->offset + (uint64_t)(p - b->data)), why);
			else
				*err = xasprintf("%s: %s", format_malformed(st->fmt), why);
			return EXIT_DATAERR;
		}
		if (rc == 0) {
			buf_putc(&c->out, st->term);
			nrec++;
		}
		p = t + 1;
	}
	b->data = c->out.data;
	b->len = c->out.len;
	b->nrec = nrec;
	return 0;
}

size_t stage_cut_paths(const struct stage *st, size_t **idx)
{
	const struct cut *c = st->priv;

	if (c == NULL || c->jout == NULL)
		return 0;
	*idx = xcalloc(c->list.n + 1, sizeof **idx);
	for (size_t i = 0; i < c->list.n; i++)
		(*idx)[i] = c->list.v[i].lo - 1;
	return c->list.n;
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
		"the header is cut the same way and fields may be named by it. "
		"--complement keeps the fields the list does not name, -s drops the records "
		"without the delimiter and --output-delimiter joins the fields with another "
		"string, as in GNU cut. -b LIST (or -c LIST: in the C locale a character is a "
		"byte) keeps bytes instead, in input order whatever the list's order, overlapping "
		"ranges merged, with --output-delimiter between the bytes of two ranges: the "
		"output of LC_ALL=C cut with the same options. "
		"With --json the fields are paths, and each record becomes an object holding just them, nested as in the "
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
