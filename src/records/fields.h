/* fields.h - splitting records into fields and joining them again, for
 * whitespace-separated, delimited (TSV) and CSV (RFC 4180) data; for JSON
 * Lines the "fields" are the values of the job's paths (json.h). */
#ifndef FORKPIPE_FIELDS_H
#define FORKPIPE_FIELDS_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

enum format_kind {
	FORMAT_BLANKS,	/* runs of spaces and tabs separate fields, like awk */
	FORMAT_DELIM,	/* each delimiter byte separates two fields, like cut -d */
	FORMAT_CSV,	/* RFC 4180: quoted fields, "" inside quotes */
	FORMAT_JSON,	/* JSON Lines: fields are jq-style paths' values */
};

struct jpaths;
struct jval;

struct format {
	enum format_kind kind;
	char delim;	/* FORMAT_DELIM and FORMAT_CSV */
	bool lax;	/* CSV: accept stray quotes in unquoted fields */
	struct jpaths *paths;	/* FORMAT_JSON: every path the stages name,
				 * field i+1 being path i (set when they bind) */
	bool resync;	/* CSV with --reject: a malformed record ends at the
			 * first terminator from its error on (csv.h) */
};

/* Whether fields are found by splitting at separators alone. */
static inline bool format_plain(const struct format *f)
{
	return f->kind == FORMAT_BLANKS || f->kind == FORMAT_DELIM;
}

/* Whether the quote parity at an offset says nothing about where records
 * start: CSV with stray quotes accepted (--csv-lax) or set aside
 * (--reject).  Such input is not cut by a quote grid or a gzip index's
 * quote state, but read in order. */
static inline bool format_quotes_unreliable(const struct format *f)
{
	return f->kind == FORMAT_CSV && (f->lax || f->resync);
}

/* What a record that does not parse is called in messages. */
static inline const char *format_malformed(const struct format *f)
{
	return f != NULL && f->kind == FORMAT_JSON ? "invalid JSON" : "malformed CSV";
}

struct field {
	const char *p;	/* the value, unquoted */
	size_t len;
};

/* The fields of one record; reused from record to record. */
struct fieldvec {
	struct field *v;
	size_t n, cap;
	struct buf scratch;	/* CSV values with doubled quotes, unescaped;
				 * JSON strings unescaped, objects compacted */
	struct jval *jv;	/* JSON: the paths' values as spans of the record */
	size_t jcap;
};

/*
 * Split rec[0..len) (one record, without its terminator) into fv.  A CSV
 * record may end with CR, which is dropped (CRLF line ends).  Returns 0,
 * or -1 for malformed CSV with *why set to a static description.  A JSON
 * record is validated whole, and its fields are its paths' values as
 * text (json_text), all of them whatever max says.
 */
int fields_split(const struct format *f, const char *rec, size_t len, struct fieldvec *fv,
    const char **why);
/*
 * The same for the first max fields only: the rest of the record is not
 * looked at (nor checked), which is what a stage reading $1..$max needs.
 */
int fields_split_upto(const struct format *f, const char *rec, size_t len, size_t max,
    struct fieldvec *fv, const char **why);
/*
 * fields_split_upto for a CSV record, except that the values unescaped
 * (quoted with doubled quotes) are added to fv->scratch instead of
 * replacing what it holds; they may move it, so the caller keeps them as
 * offsets or moves its pointers (the fold's batches, reduce/agg.c, keep
 * a batch's records' values until they fold).
 */
int fields_split_csv_more(const struct format *f, const char *rec, size_t len, size_t max,
    struct fieldvec *fv, const char **why);
/*
 * The CSV record at rec (up to end) split up to max fields into fv in
 * one pass that also finds its end, when it is simple: its fields either
 * unquoted without quotes, or quoted without doubled quotes (their
 * values in place) and followed by a delimiter or its end.  Its end is
 * the terminator term that ends it (what csv_iter_next would find).
 * NULL for any other record, or with no terminator in the whole blocks
 * of sixteen bytes the pass reads (or without SSE2): the record is then
 * to be found and split the general way.
 */
const char *fields_csv_plain_record(const struct format *f, const char *rec, const char *end,
    char term, size_t max, struct fieldvec *fv);
/*
 * A JSON record's fields from its paths' values, scanned before (the
 * worker scans each block once: struct block's jv): what fields_split
 * gives for the record, without scanning it again.
 */
void fields_json_vals(const struct format *f, const struct jval *vals, struct fieldvec *fv);
/* The record k of a block as the first stage gets it: its fields from
 * jv when the worker scanned them, split otherwise. */
int fields_split_block(const struct format *f, const struct jval *jv, size_t k, const char *rec,
    size_t len, size_t max, struct fieldvec *fv, const char **why);
void fieldvec_free(struct fieldvec *fv);

/*
 * Append fields to out joined in format f: blanks format joins with one
 * space, delimited with the delimiter, CSV with the delimiter and quotes
 * around exactly the fields that need them.  No terminator is added.
 */
void fields_join(const struct format *f, const struct field *v, size_t n, struct buf *out);

/* Parse a delimiter argument: one byte, or "\t".  false if invalid. */
bool format_delimiter(const char *arg, char *out);

/* Whether records ending in term can have f's delimiter: NULL, or why
 * not (a static message). */
const char *format_check(const struct format *f, char term);

/* Whether a CSV value must be quoted on output. */
bool fields_csv_needs_quotes(const struct format *f, const char *p, size_t len);

#endif
