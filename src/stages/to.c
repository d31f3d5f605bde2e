/* to.c - the output format (--to jsonl|tsv|csv): a hidden last stage that
 * job_plan appends, so that every pipeline's records, from the workers or
 * from a reducer in the merger, are written in one place.
 *
 * It splits each record as the stage before it wrote it (the input's
 * format, or a reducer's tab-separated or CSV results) and writes:
 * - jsonl: an object named by the header (-H, a cut's selection of it, or
 *   a reducer's --header-out names, which it turns on and takes as the
 *   names instead of writing them; "GroupBy(.k)" is named "k"), else an
 *   array.  A value that is a JSON number as written is a number, any
 *   other a string, so a round trip gives the same text back.
 * - csv: RFC 4180, quotes around exactly the values that need them.
 * - tsv: values joined by tabs as they are; a value holding a tab, a
 *   line feed or a carriage return cannot be written and ends the run
 *   with 65, as forkpipe's TSV reader takes fields as they are.
 * For --json input to tsv or csv the columns are the paths of the last
 * cut -f (a header line of them first); a null or missing value is empty. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "json.h"
#include "jsonl.h"
#include "stage.h"
#include "util.h"

struct to {
	enum to_kind kind;
	struct format in;	/* how the records it gets split */
	struct format csv;	/* CSV output */
	size_t *cols;		/* JSON input: the columns, as indexes of the paths */
	size_t ncols;
	struct jval *vals;
	char **names;		/* jsonl: the keys; NULL: arrays */
	size_t nnames;
	bool names_first;	/* a reducer's first record is its names */
	struct fieldvec fv;
	struct field *v;	/* JSON input: the columns' values */
	struct buf out, scratch;
};

const char *const to_kind_names[] = { "", "jsonl", "tsv", "csv", NULL };

/* Whether s is a JSON number as written (RFC 8259's grammar). */
static bool json_number(const char *s, size_t len)
{
	const char *why;

	if (len == 0 || (s[0] != '-' && (s[0] < '0' || s[0] > '9')) ||
	    s[len - 1] < '0' || s[len - 1] > '9')
		return false;
	return json_scan(NULL, s, len, NULL, &why);
}

static void put_value(struct buf *b, const struct field *f)
{
	if (json_number(f->p, f->len))
		buf_append(b, f->p, f->len);
	else
		json_string(b, f->p, f->len);
}

static void write_jsonl(const struct to *t, const struct field *v, size_t n, struct buf *b)
{
	if (t->names == NULL) {
		buf_putc(b, '[');
		for (size_t i = 0; i < n; i++) {
			if (i > 0)
				buf_putc(b, ',');
			put_value(b, &v[i]);
		}
		buf_putc(b, ']');
		return;
	}
	buf_putc(b, '{');
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			buf_putc(b, ',');
		if (i < t->nnames)
			json_string(b, t->names[i], strlen(t->names[i]));
		else
			buf_printf(b, "\"%zu\"", i + 1);
		buf_putc(b, ':');
		put_value(b, &v[i]);
	}
	buf_putc(b, '}');
}

/* Write v[0..n) onto b; -1 with *why when TSV cannot hold a value. */
static int write_fields(const struct to *t, const struct field *v, size_t n, struct buf *b,
    const char **why)
{
	if (t->kind == TO_JSONL) {
		write_jsonl(t, v, n, b);
		return 0;
	}
	if (t->kind == TO_CSV) {
		fields_join(&t->csv, v, n, b);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < v[i].len; k++) {
			char c = v[i].p[k];

			if (c == '\t' || c == '\n' || c == '\r') {
				*why = "--to tsv: a value holds a tab or a line break, which TSV "
				    "cannot carry (--to csv or jsonl can)";
				return -1;
			}
		}
		if (i > 0)
			buf_putc(b, '\t');
		buf_append(b, v[i].p, v[i].len);
	}
	return 0;
}

/* "GroupBy(.status)" names the key "status"; other names stay. */
static char *name_of(const char *p, size_t len)
{
	if (len > 9 && memcmp(p, "GroupBy(", 8) == 0 && p[len - 1] == ')') {
		p += 8;
		len -= 9;
	}
	if (len > 1 && p[0] == '.' && p[1] != '[' && p[1] != '"') {
		p++;
		len--;
	}
	return xstrndup(p, len);
}

static void keep_names(struct to *t, const struct field *v, size_t n)
{
	for (size_t i = 0; i < t->nnames; i++)
		free(t->names[i]);
	free(t->names);
	t->names = xcalloc(n + 1, sizeof *t->names);
	t->nnames = n;
	for (size_t i = 0; i < n; i++)
		t->names[i] = name_of(v[i].p, v[i].len);
}

/* The fields of one record: the columns' values for JSON input. */
static int split(struct to *t, const char *p, size_t len, const struct field **v, size_t *n,
    const char **why)
{
	if (t->in.kind != FORMAT_JSON) {
		if (fields_split(&t->in, p, len, &t->fv, why) < 0)
			return -1;
		*v = t->fv.v;
		*n = t->fv.n;
		return 0;
	}
	if (!json_scan(t->in.paths, p, len, t->vals, why))
		return -1;
	t->scratch.len = 0;
	buf_reserve(&t->scratch, len + 1);
	for (size_t i = 0; i < t->ncols; i++) {
		const struct jval *jv = &t->vals[t->cols[i]];

		t->v[i] = (struct field){ "", 0 };
		if (jv->type != J_MISSING && jv->type != J_NULL)
			json_text(jv, &t->scratch, &t->v[i].p, &t->v[i].len);
	}
	*v = t->v;
	*n = t->ncols;
	return 0;
}

/* One record [p, p + len) onto t->out; 1 when it was the names. */
static int to_record(struct to *t, const char *p, size_t len, const char **why)
{
	const struct field *v;
	size_t n;

	if (split(t, p, len, &v, &n, why) < 0)
		return -1;
	if (t->names_first) {
		keep_names(t, v, n);
		t->names_first = false;
		return 1;
	}
	return write_fields(t, v, n, &t->out, why);
}

static int to_map(struct stage *st, struct block *b, char **err)
{
	struct to *t = st->priv;
	const char *p = b->data, *end = b->data + b->len;
	size_t nrec = 0;
	struct csv_iter it;

	t->out.len = 0;
	buf_reserve(&t->out, b->len + b->len / 4);
	csv_iter_init(&it, b->data, b->len, &t->in, st->term);
	while (p < end) {
		const char *e = t->in.kind == FORMAT_CSV ? csv_iter_next(&it) : NULL, *why = NULL;
		const char *r = t->in.kind == FORMAT_CSV ? (e != NULL ? e - 1 : end - 1) :
		    memchr(p, st->term, (size_t)(end - p));
		int rc;

		if (r == NULL)
			r = end;
		rc = to_record(t, p, (size_t)(r - p), &why);
		if (rc < 0) {
			const char *what = strncmp(why, "--to", 4) == 0 ? "" : format_malformed(&t->in);

			if (b->offset != OFFSET_UNKNOWN)
				*err = xasprintf("%s%sat byte offset %llu: %s", what, *what ? " " : "",
				    (unsigned long long)(b->offset + (uint64_t)(p - b->data)), why);
			else
				*err = xasprintf("%s%s%s", what, *what ? ": " : "", why);
			return EXIT_DATAERR;
		}
		if (rc == 0) {
			buf_putc(&t->out, st->term);
			nrec++;
		}
		p = r + 1;
	}
	b->data = t->out.data;
	b->len = t->out.len;
	b->nrec = nrec;
	b->offset = OFFSET_UNKNOWN;
	return 0;
}

static void to_teardown(struct stage *st)
{
	struct to *t = st->priv;

	if (t == NULL)
		return;
	for (size_t i = 0; i < t->nnames; i++)
		free(t->names[i]);
	free(t->names);
	free(t->cols);
	free(t->vals);
	free(t->v);
	fieldvec_free(&t->fv);
	buf_free(&t->out);
	buf_free(&t->scratch);
	free(t);
	st->priv = NULL;
}

/* The (mapped) header: the names for jsonl, a header line otherwise. */
static void to_header(struct stage *st, struct fieldvec *h)
{
	struct to *t = st->priv;

	if (t->kind == TO_JSONL) {
		keep_names(t, h->v, h->n);
		h->n = 0;
	}
}

const struct stage_def stage_to = {
	.name = "to",
	.summary = "the output format (--to)",
	.description = "",
	.kind = STAGE_MAP,
	.header = to_header,
	.teardown = to_teardown,
	.map = to_map,
};

struct stage *stage_to_new(enum to_kind kind, const struct format *in, bool names_first)
{
	struct stage *st = stage_new(&stage_to, "--to");
	struct to *t = xcalloc(1, sizeof *t);

	st->priv = t;
	t->kind = kind;
	t->in = *in;
	t->csv = (struct format){ .kind = FORMAT_CSV, .delim = ',' };
	t->names_first = names_first && kind == TO_JSONL;
	return st;
}

void stage_to_columns(struct stage *st, const size_t *idx, size_t n)
{
	struct to *t = st->priv;

	t->cols = xcalloc(n + 1, sizeof *t->cols);
	memcpy(t->cols, idx, n * sizeof *idx);
	t->ncols = n;
	t->v = xcalloc(n + 1, sizeof *t->v);
}

void stage_to_ready(struct stage *st)
{
	struct to *t = st->priv;

	t->in = *st->fmt;	/* the paths, now bound */
	if (t->in.kind == FORMAT_JSON)
		t->vals = xcalloc(t->in.paths->n + 1, sizeof *t->vals);
}

int stage_to_header_line(struct stage *st, const struct field *v, size_t n, struct buf *out)
{
	struct to *t = st->priv;
	const char *why;

	if (t->kind == TO_JSONL)
		return 0;
	if (t->in.kind == FORMAT_JSON) {
		const struct jpaths *ps = t->in.paths;
		struct field *f = xcalloc(t->ncols + 1, sizeof *f);

		char **names = xcalloc(t->ncols + 1, sizeof *names);

		/* named as jsonl names keys: .a is a, so CSV to JSON Lines and
		 * back gives the header it started with */
		for (size_t i = 0; i < t->ncols; i++) {
			const char *p = ps->v[t->cols[i]].text;

			names[i] = name_of(p, strlen(p));
			f[i] = (struct field){ names[i], strlen(names[i]) };
		}
		n = write_fields(t, f, t->ncols, out, &why);
		for (size_t i = 0; i < t->ncols; i++)
			free(names[i]);
		free(names);
		free(f);
		return (int)n;
	}
	return write_fields(t, v, n, out, &why);
}
