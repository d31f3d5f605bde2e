/* fields.c - splitting records into fields and joining them again. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "util.h"

static void push(struct fieldvec *fv, const char *p, size_t len)
{
	if (fv->n == fv->cap) {
		fv->cap = fv->cap ? fv->cap * 2 : 16;
		fv->v = xreallocarray(fv->v, fv->cap, sizeof *fv->v);
	}
	fv->v[fv->n].p = p;
	fv->v[fv->n].len = len;
	fv->n++;
}

static void split_blanks(const char *rec, size_t len, struct fieldvec *fv)
{
	size_t i = 0;

	for (;;) {
		while (i < len && (rec[i] == ' ' || rec[i] == '\t'))
			i++;
		if (i == len)
			return;
		size_t start = i;

		while (i < len && rec[i] != ' ' && rec[i] != '\t')
			i++;
		push(fv, rec + start, i - start);
	}
}

static void split_delim(const char *rec, size_t len, char delim, struct fieldvec *fv)
{
	const char *p = rec, *end = rec + len;

	for (;;) {
		const char *d = memchr(p, delim, (size_t)(end - p));

		if (d == NULL) {
			push(fv, p, (size_t)(end - p));
			return;
		}
		push(fv, p, (size_t)(d - p));
		p = d + 1;
	}
}

/*
 * One quoted CSV field starting at rec[*i] == '"'.  Its value goes to
 * scratch (quotes removed, "" made "); *i ends past the closing quote.
 */
static int csv_quoted(const char *rec, size_t len, size_t *i, struct buf *scratch,
    const char **why)
{
	size_t k = *i + 1;

	for (;;) {
		const char *q = memchr(rec + k, '"', len - k);

		if (q == NULL) {
			*why = "unterminated quoted field";
			return -1;
		}
		size_t at = (size_t)(q - rec);

		buf_append(scratch, rec + k, at - k);
		if (at + 1 < len && rec[at + 1] == '"') {
			buf_putc(scratch, '"');
			k = at + 2;
			continue;
		}
		*i = at + 1;
		return 0;
	}
}

static int split_csv(const struct format *f, const char *rec, size_t len, struct fieldvec *fv,
    const char **why)
{
	size_t i = 0, nf = 0;

	if (len > 0 && rec[len - 1] == '\r')
		len--;
	fv->scratch.len = 0;
	for (;;) {
		size_t start = fv->scratch.len;

		if (i < len && rec[i] == '"') {
			if (csv_quoted(rec, len, &i, &fv->scratch, why) < 0)
				return -1;
			if (i < len && rec[i] != f->delim) {
				if (!f->lax) {
					*why = "text after a closing quote";
					return -1;
				}
				/* Lax: keep what follows, as common parsers do. */
				while (i < len && rec[i] != f->delim)
					buf_putc(&fv->scratch, rec[i++]);
			}
		} else {
			const char *d = memchr(rec + i, f->delim, len - i);
			size_t end = d ? (size_t)(d - rec) : len;

			if (!f->lax && memchr(rec + i, '"', end - i) != NULL) {
				*why = "quote inside an unquoted field";
				return -1;
			}
			buf_append(&fv->scratch, rec + i, end - i);
			i = end;
		}
		/* Offsets, not pointers: scratch may move while it grows. */
		if (nf == fv->offs_cap) {
			fv->offs_cap = fv->offs_cap ? fv->offs_cap * 2 : 16;
			fv->offs = xreallocarray(fv->offs, fv->offs_cap, 2 * sizeof *fv->offs);
		}
		fv->offs[2 * nf] = start;
		fv->offs[2 * nf + 1] = fv->scratch.len - start;
		nf++;
		if (i >= len)
			break;
		i++;	/* the delimiter */
	}
	for (size_t k = 0; k < nf; k++)
		push(fv, fv->scratch.data + fv->offs[2 * k], fv->offs[2 * k + 1]);
	return 0;
}

int fields_split(const struct format *f, const char *rec, size_t len, struct fieldvec *fv,
    const char **why)
{
	fv->n = 0;
	switch (f->kind) {
	case FORMAT_BLANKS:
		split_blanks(rec, len, fv);
		return 0;
	case FORMAT_DELIM:
		split_delim(rec, len, f->delim, fv);
		return 0;
	case FORMAT_CSV:
		return split_csv(f, rec, len, fv, why);
	}
	return 0;
}

void fieldvec_free(struct fieldvec *fv)
{
	free(fv->v);
	free(fv->offs);
	buf_free(&fv->scratch);
	memset(fv, 0, sizeof *fv);
}

bool format_delimiter(const char *arg, char *out)
{
	if (strcmp(arg, "\\t") == 0 || strcmp(arg, "tab") == 0) {
		*out = '\t';
		return true;
	}
	if (strlen(arg) != 1 || arg[0] == '\n' || arg[0] == '"')
		return false;
	*out = arg[0];
	return true;
}

bool fields_csv_needs_quotes(const struct format *f, const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] == f->delim || p[i] == '"' || p[i] == '\n' || p[i] == '\r')
			return true;
	return false;
}

static void csv_put(const struct format *f, const char *p, size_t len, struct buf *out)
{
	if (!fields_csv_needs_quotes(f, p, len)) {
		buf_append(out, p, len);
		return;
	}
	buf_putc(out, '"');
	for (size_t i = 0; i < len; i++) {
		if (p[i] == '"')
			buf_putc(out, '"');
		buf_putc(out, p[i]);
	}
	buf_putc(out, '"');
}

void fields_join(const struct format *f, const struct field *v, size_t n, struct buf *out)
{
	char sep = f->kind == FORMAT_BLANKS ? ' ' : f->delim;

	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			buf_putc(out, sep);
		if (f->kind == FORMAT_CSV)
			csv_put(f, v[i].p, v[i].len, out);
		else
			buf_append(out, v[i].p, v[i].len);
	}
}
