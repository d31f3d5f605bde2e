/* csv.h - finding CSV record ends (RFC 4180): a terminator inside a
 * quoted field does not end a record.  Pure: no I/O. */
#ifndef FORKPIPE_CSV_H
#define FORKPIPE_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "fields.h"

/* Strict CSV's message for a stray quote, naming the way out. */
#define CSV_STRAY_QUOTE "quote inside an unquoted field (--csv-lax accepts it)"

/*
 * Walks the records of a buffer that starts at a record start.  The
 * position of the next quote is cached, so a buffer with few quotes is
 * walked at memchr speed.
 */
struct csv_iter {
	const char *start, *p, *end;
	const char *q;		/* next quote at or after p (end if none) */
	char term, delim;
	bool lax;
	const char *why;	/* set on malformed input */
	const char *err_at;	/* where */
	const char *open_quote;	/* after a NULL: the quote still open, if any */
	bool at_eof;		/* the buffer ends where the input ends */
	bool resync;		/* from the format (--reject): a malformed record
				 * is returned, not an error, with bad set */
	bool bad;		/* resync: the record just returned is malformed */
};

void csv_iter_init(struct csv_iter *it, const char *p, size_t len, const struct format *f, char term);

/*
 * The end (just past the terminator) of the record at it->p, which then
 * moves there.  NULL when the rest of the buffer holds no complete
 * record (it->p stays: the record may continue in more input), or on
 * malformed input (it->why is set; in lax mode stray quotes are data).
 *
 * With resync (--reject) a malformed record is a record too, so that
 * every reader of the input (the chunker, the stream cutter, the worker)
 * finds the same record ends whatever the chunks: it ends at the first
 * terminator at or after the error (quotes no longer count), or an
 * unterminated quoted field at the end of the input; it->bad is then
 * set until the next call.
 */
const char *csv_iter_next(struct csv_iter *it);

/*
 * The records from it->p on, walked as csv_iter_next walks them until it
 * returns NULL (it is left as that loop leaves it), counted: the
 * terminators before each quote are counted in bulk, not one record at a
 * time.
 */
size_t csv_iter_walk(struct csv_iter *it);

/* Move to p, the end (past the terminator) of the record at it->p that
 * the caller found itself, where csv_iter_next would have found it
 * (fields_csv_plain_record, for a simple record). */
static inline void csv_iter_skip(struct csv_iter *it, const char *p)
{
	it->p = p;	/* it->q, if now behind p, is found again from p */
	it->open_quote = NULL;
	it->bad = false;
}

/*
 * The first terminator outside quotes in p[0..n), *odd saying whether
 * p is inside a quoted field (the parity of the quotes before it); NULL
 * when there is none.  *odd is the state where the scan stopped: at the
 * terminator, or after p[n-1], so a scan goes on in the next bytes.
 */
const char *csv_parity_end(const char *p, size_t n, char term, int *odd);

#endif
