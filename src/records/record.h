/* record.h - record boundary scanning (pure: no I/O). */
#ifndef FORKPIPE_RECORD_H
#define FORKPIPE_RECORD_H

#include <stddef.h>
#include <stdint.h>

/*
 * Records end with a terminator byte ('\n', or '\0' with -z).  A record
 * belongs to the chunk in which it starts; every chunk ends just past a
 * terminator, or at the end of its file.
 */

/* Offset just past the last terminator in buf[0..len), or 0 if none. */
size_t record_last_end(const char *buf, size_t len, char term);

/* Offset just past the first terminator in buf[0..len), or 0 if none. */
size_t record_first_end(const char *buf, size_t len, char term);

/* Start of the record containing offset pos (pos <= len), at or after base. */
size_t record_start_of(const char *buf, size_t base, size_t pos, char term);

/* Number of terminators in buf[0..len). */
size_t record_count(const char *buf, size_t len, char term);

/*
 * The same, aware of the input format: with CSV a terminator inside a
 * quoted field does not end a record.  buf must start at a record start.
 * On malformed CSV they return 0 and set *why (static text) and *err_off
 * (offset in buf); why may be NULL for plain records.
 */
struct format;
size_t records_last_end(const struct format *f, char term, const char *buf, size_t len,
    const char **why, size_t *err_off);
/* records_last_end that also counts the records it walked (CSV), so that
 * they need not be walked again; *nrec is SIZE_MAX when it did not. */
size_t records_last_end_n(const struct format *f, char term, const char *buf, size_t len,
    const char **why, size_t *err_off, size_t *nrec);
size_t records_first_end(const struct format *f, char term, const char *buf, size_t len,
    const char **why, size_t *err_off);
size_t records_count(const struct format *f, char term, const char *buf, size_t len);

/* The message (xmalloc'd) for a record of input name, starting at byte
 * offset off (UINT64_MAX: not known), that is longer than max bytes
 * (--max-record). */
char *record_too_long(const char *name, uint64_t off, uint64_t max);

/*
 * The length of the first *n records of buf[0..len) (all of it when it
 * holds fewer; a last record without terminator counts); *n is lowered
 * by the number of records taken.
 */
size_t records_prefix(const struct format *f, char term, const char *buf, size_t len,
    uint64_t *n);

#endif
