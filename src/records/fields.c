/* fields.c - splitting records into fields and joining them again. */
#include "autoconfig.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "csv.h"
#include "fields.h"
#include "jsonl.h"
#include "util.h"

static inline void push(struct fieldvec *fv, const char *p, size_t len)
{
	if (fv->n == fv->cap) {
		fv->cap = fv->cap ? fv->cap * 2 : 16;
		fv->v = xreallocarray(fv->v, fv->cap, sizeof *fv->v);
	}
	fv->v[fv->n].p = p;
	fv->v[fv->n].len = len;
	fv->n++;
}

static void split_blanks(const char *rec, size_t len, size_t max, struct fieldvec *fv)
{
	size_t i = 0;

	while (fv->n < max) {
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

static void split_delim(const char *rec, size_t len, char delim, size_t max,
    struct fieldvec *fv)
{
	const char *p = rec, *end = rec + len;

	while (fv->n < max) {
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
 * The quoted CSV field opening at rec[*i] == '"'.  Without doubled quotes
 * its value is the bytes between the quotes, in place; with them, the
 * value is unescaped into scratch, which has room for the whole record,
 * so values already there never move.  *i ends past the closing quote.
 */
static int csv_quoted(const char *rec, size_t len, size_t *i, struct buf *scratch,
    struct field *val, const char **why)
{
	size_t k = *i + 1;
	bool copied = false;

	for (;;) {
		const char *q = k < len ? memchr(rec + k, '"', len - k) : NULL;

		if (q == NULL) {
			*why = "unterminated quoted field";
			return -1;
		}
		size_t at = (size_t)(q - rec);
		bool doubled = at + 1 < len && rec[at + 1] == '"';

		if (!doubled && !copied) {
			val->p = rec + k;
			val->len = at - k;
			*i = at + 1;
			return 0;
		}
		if (!copied) {
			val->p = scratch->data + scratch->len;
			copied = true;
		}
		buf_append(scratch, rec + k, at - k);
		if (!doubled) {
			val->len = (size_t)(scratch->data + scratch->len - val->p);
			*i = at + 1;
			return 0;
		}
		buf_putc(scratch, '"');
		k = at + 2;
	}
}

/* Lax CSV: text after a closing quote joins the value, as common parsers
 * do; the value moves to scratch if it is not there yet. */
static void csv_lax_tail(const char *rec, size_t len, char delim, size_t *i,
    struct buf *scratch, struct field *val)
{
	char *end = scratch->data + scratch->len;

	if (val->p != end - val->len || val->len == 0) {
		char *p = end;

		buf_append(scratch, val->p, val->len);
		val->p = p;
	}
	while (*i < len && rec[*i] != delim)
		buf_putc(scratch, rec[(*i)++]);
	val->len = (size_t)(scratch->data + scratch->len - val->p);
}

/* The first delimiter or quote in rec[k, len), or len: eight bytes at a
 * time where the record has them (a byte is one of the two when it xor
 * the byte is zero; the lowest zero byte found this way is exact). */
static inline size_t csv_stop(const char *rec, size_t k, size_t len, char delim)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	const uint64_t dd = ones * (unsigned char)delim, qq = ones * '"';

	while (len - k >= 8) {
		uint64_t w, d, q, m;

		memcpy(&w, rec + k, 8);
		d = w ^ dd;
		q = w ^ qq;
		m = (((d - ones) & ~d) | ((q - ones) & ~q)) & highs;
		if (m != 0)
			return k + (size_t)(__builtin_ctzll(m) >> 3);
		k += 8;
	}
#endif
	while (k < len && rec[k] != delim && rec[k] != '"')
		k++;
	return k;
}

/* An unquoted field from rec[*i] to the next delimiter, in place.  Its
 * end and a stray quote are found in one pass; lax, a quote is data. */
static inline int csv_plain(const struct format *f, const char *rec, size_t len, size_t *i,
    struct field *val, const char **why)
{
	size_t k = csv_stop(rec, *i, len, f->delim);

	while (k < len && rec[k] == '"') {
		if (!f->lax) {
			*why = CSV_STRAY_QUOTE;
			return -1;
		}
		k = csv_stop(rec, k + 1, len, f->delim);
	}
	val->p = rec + *i;
	val->len = k - *i;
	*i = k;
	return 0;
}

/*
 * The fields from rec[i] on that hold no quote, up to max of them: most
 * fields of most CSV, split where the delimiters are, found sixteen
 * bytes at a time (a mask of a block's delimiters, one bit a byte) up to
 * the first quote or the last whole block.  Where the rest begins (a
 * field start): the fields there are left to the field by field split.
 */
static inline size_t csv_run(const char *rec, size_t len, size_t i, char delim, size_t max,
    struct fieldvec *fv)
{
#ifdef __SSE2__
	const __m128i dd = _mm_set1_epi8(delim), qq = _mm_set1_epi8('"');

	for (size_t k = i; len - k >= 16 && fv->n < max; k += 16) {
		__m128i w = _mm_loadu_si128((const __m128i *)(const void *)(rec + k));
		unsigned md = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(w, dd));
		unsigned mq = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(w, qq));

		if (mq != 0)
			md &= (1U << __builtin_ctz(mq)) - 1;	/* those before it */
		for (; md != 0 && fv->n < max; md &= md - 1) {
			size_t j = k + (size_t)__builtin_ctz(md);

			push(fv, rec + i, j - i);
			i = j + 1;
		}
		if (mq != 0)
			break;
	}
#else
	(void)rec, (void)len, (void)delim, (void)max, (void)fv;
#endif
	return i;
}

/* The CSV fields, unescaped values appended to fv->scratch, which has
 * room for len + 1 more bytes. */
static int split_csv_into(const struct format *f, const char *rec, size_t len, size_t max,
    struct fieldvec *fv, const char **why)
{
	size_t i = 0;

	if (len > 0 && rec[len - 1] == '\r')
		len--;
	while (fv->n < max) {
		struct field val;

		i = csv_run(rec, len, i, f->delim, max, fv);
		if (fv->n >= max)
			break;
		if (i < len && rec[i] == '"') {
			if (csv_quoted(rec, len, &i, &fv->scratch, &val, why) < 0)
				return -1;
			if (i < len && rec[i] != f->delim) {
				if (!f->lax) {
					*why = "text after a closing quote";
					return -1;
				}
				csv_lax_tail(rec, len, f->delim, &i, &fv->scratch, &val);
			}
		} else if (csv_plain(f, rec, len, &i, &val, why) < 0) {
			return -1;
		}
		push(fv, val.p, val.len);
		if (i >= len)
			break;
		i++;	/* the delimiter */
	}
	return 0;
}

/* The quoted field opening at rec[*i] for fields_csv_plain_record: its
 * value in place (pushed while fewer than max), *i then at the byte
 * after the closing quote; false for what the general way is to take (a
 * doubled quote, no closing quote before end). */
static inline bool quick_quoted(const char *rec, size_t len, size_t *i, size_t max,
    struct fieldvec *fv)
{
	const char *c = memchr(rec + *i + 1, '"', len - *i - 1);
	size_t at;

	if (c == NULL || (size_t)(c - rec) + 1 >= len || c[1] == '"')
		return false;
	at = (size_t)(c - rec);
	if (fv->n < max)
		push(fv, rec + *i + 1, at - *i - 1);
	*i = at + 1;
	return true;
}

const char *fields_csv_plain_record(const struct format *f, const char *rec, const char *end,
    char term, size_t max, struct fieldvec *fv)
{
#ifdef __SSE2__
	const __m128i dd = _mm_set1_epi8(f->delim), qq = _mm_set1_epi8('"');
	const __m128i tt = _mm_set1_epi8(term);
	size_t i = 0, len = (size_t)(end - rec), k = 0;

	fv->n = 0;
	while (len - k >= 16) {
		__m128i w = _mm_loadu_si128((const __m128i *)(const void *)(rec + k));
		unsigned md = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(w, dd));
		unsigned mq = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(w, qq));
		unsigned mt = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(w, tt));
		unsigned stop = mq | mt;
		size_t at;

		if (stop == 0) {
			for (; md != 0; md &= md - 1) {
				size_t j = k + (size_t)__builtin_ctz(md);

				if (fv->n < max)
					push(fv, rec + i, j - i);
				i = j + 1;
			}
			k += 16;
			continue;
		}
		at = k + (size_t)__builtin_ctz(stop);
		for (md &= (1U << __builtin_ctz(stop)) - 1; md != 0; md &= md - 1) {
			size_t j = k + (size_t)__builtin_ctz(md);

			if (fv->n < max)
				push(fv, rec + i, j - i);
			i = j + 1;
		}
		if (rec[at] == term) {
			if (fv->n < max)	/* the last, without a CR before its end */
				push(fv, rec + i, at - i - (at > i && rec[at - 1] == '\r'));
			return rec + at;
		}
		/* A quote: it opens a field, or the general way takes it. */
		if (at != i || !quick_quoted(rec, len, &i, max, fv))
			return NULL;
		if (rec[i] == term)
			return rec + i;
		if (rec[i] != f->delim)
			return NULL;
		k = ++i;
	}
#else
	(void)f, (void)rec, (void)end, (void)term, (void)max, (void)fv;
#endif
	return NULL;
}

static int split_csv(const struct format *f, const char *rec, size_t len, size_t max,
    struct fieldvec *fv, const char **why)
{
	/* Room for every unescaped byte: values in scratch never move. */
	fv->scratch.len = 0;
	buf_reserve(&fv->scratch, len + 1);
	return split_csv_into(f, rec, len, max, fv, why);
}

int fields_split_csv_more(const struct format *f, const char *rec, size_t len, size_t max,
    struct fieldvec *fv, const char **why)
{
	if (rec == NULL)
		rec = "";
	fv->n = 0;
	buf_reserve(&fv->scratch, len + 1);
	return split_csv_into(f, rec, len, max, fv, why);
}

static size_t json_room(const struct format *f, struct fieldvec *fv)
{
	size_t n = f->paths != NULL ? f->paths->n : 0;

	if (fv->jcap < n) {
		fv->jcap = n;
		fv->jv = xreallocarray(fv->jv, n, sizeof *fv->jv);
	}
	return n;
}

/* The fields of fv->jv: strings unescaped, objects compacted. */
static void json_fields(size_t n, struct fieldvec *fv)
{
	size_t need = 1;

	fv->n = 0;
	for (size_t i = 0; i < n; i++)
		need += fv->jv[i].type == J_MISSING ? 0 : fv->jv[i].len;
	/* Room for every value: those already in scratch never move. */
	fv->scratch.len = 0;
	buf_reserve(&fv->scratch, need);
	for (size_t i = 0; i < n; i++) {
		const char *p;
		size_t l;

		json_text(&fv->jv[i], &fv->scratch, &p, &l);
		push(fv, p, l);
	}
}

/* A JSON record's fields: its paths' values. */
static int split_json(const struct format *f, const char *rec, size_t len, struct fieldvec *fv,
    const char **why)
{
	size_t n = json_room(f, fv);

	if (!json_scan(f->paths, rec, len, fv->jv, why))
		return -1;
	json_fields(n, fv);
	return 0;
}

void fields_json_vals(const struct format *f, const struct jval *vals, struct fieldvec *fv)
{
	size_t n = json_room(f, fv);

	if (n > 0)
		memcpy(fv->jv, vals, n * sizeof *vals);
	json_fields(n, fv);
}

int fields_split_block(const struct format *f, const struct jval *jv, size_t k, const char *rec,
    size_t len, size_t max, struct fieldvec *fv, const char **why)
{
	if (jv != NULL && f->kind == FORMAT_JSON) {
		fields_json_vals(f, jv + k * (f->paths != NULL ? f->paths->n : 0), fv);
		return 0;
	}
	return fields_split_upto(f, rec, len, max, fv, why);
}

int fields_split_upto(const struct format *f, const char *rec, size_t len, size_t max,
    struct fieldvec *fv, const char **why)
{
	/* An empty record may arrive as (NULL, 0) from an empty buffer;
	 * pointer arithmetic on NULL is undefined even with offset 0. */
	if (rec == NULL)
		rec = "";
	fv->n = 0;
	switch (f->kind) {
	case FORMAT_BLANKS:
		split_blanks(rec, len, max, fv);
		return 0;
	case FORMAT_DELIM:
		split_delim(rec, len, f->delim, max, fv);
		return 0;
	case FORMAT_CSV:
		return split_csv(f, rec, len, max, fv, why);
	case FORMAT_JSON:
		return split_json(f, rec, len, fv, why);
	}
	return 0;
}

int fields_split(const struct format *f, const char *rec, size_t len, struct fieldvec *fv,
    const char **why)
{
	return fields_split_upto(f, rec, len, SIZE_MAX, fv, why);
}

void fieldvec_free(struct fieldvec *fv)
{
	free(fv->v);
	free(fv->jv);
	buf_free(&fv->scratch);
	memset(fv, 0, sizeof *fv);
}

bool format_delimiter(const char *arg, char *out)
{
	if (strcmp(arg, "\\t") == 0 || strcmp(arg, "tab") == 0) {
		*out = '\t';
		return true;
	}
	/* Any byte, as cut -d and datamash -t take it: whether it suits the
	 * format (a quote in CSV, the record terminator) is format_check's. */
	if (strlen(arg) != 1)
		return false;
	*out = arg[0];
	return true;
}

const char *format_check(const struct format *f, char term)
{
	if (f->kind == FORMAT_BLANKS)
		return NULL;
	if (f->delim == term)
		return term == '\n' ? "the delimiter cannot be a newline, which ends records "
		    "(with -z, records end at NUL and a newline may separate fields)" :
		    "the delimiter cannot be NUL, which ends records with -z";
	if (f->kind == FORMAT_CSV && f->delim == '"')
		return "the delimiter of CSV cannot be '\"', which quotes its fields "
		    "(without --csv it is a plain delimiter)";
	if (f->kind == FORMAT_CSV && (f->delim == '\n' || f->delim == '\r'))
		return "the delimiter of CSV cannot be a newline or a CR, which end its records";
	return NULL;
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
