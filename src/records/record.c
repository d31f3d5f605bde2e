/* record.c - record boundary scanning (pure: no I/O). */
#include "autoconfig.h"

#include <stdbool.h>
#include <string.h>

#include "csv.h"
#include "fields.h"
#include "record.h"
#include "scan.h"
#include "util.h"

size_t record_last_end(const char *buf, size_t len, char term)
{
	/* An empty buffer's pointer may be NULL, which memrchr must not see. */
	const char *p = len > 0 ? memrchr(buf, term, len) : NULL;

	return p == NULL ? 0 : (size_t)(p - buf) + 1;
}

size_t record_first_end(const char *buf, size_t len, char term)
{
	const char *p = len > 0 ? memchr(buf, term, len) : NULL;

	return p == NULL ? 0 : (size_t)(p - buf) + 1;
}

size_t record_start_of(const char *buf, size_t base, size_t pos, char term)
{
	const char *p;

	if (pos <= base)
		return base;
	p = memrchr(buf + base, term, pos - base);
	return p == NULL ? base : (size_t)(p - buf) + 1;
}

size_t record_count(const char *buf, size_t len, char term)
{
	return scan_count_byte(buf, len, (unsigned char)term);
}

static bool is_csv(const struct format *f)
{
	return f != NULL && f->kind == FORMAT_CSV;
}

static size_t csv_ends(const struct format *f, char term, const char *buf, size_t len,
    bool first, const char **why, size_t *err_off, size_t *count)
{
	struct csv_iter it;
	const char *last;

	csv_iter_init(&it, buf, len, f, term);
	if (first) {
		last = csv_iter_next(&it);
		if (last != NULL && count != NULL)
			(*count)++;
	} else {
		size_t n = csv_iter_walk(&it);

		/* The walk stops where its last record ended. */
		last = n > 0 ? it.p : NULL;
		if (count != NULL)
			*count += n;
	}
	if (it.why != NULL) {
		*why = it.why;
		*err_off = (size_t)(it.err_at - buf);
		return 0;
	}
	return last == NULL ? 0 : (size_t)(last - buf);
}

size_t records_last_end(const struct format *f, char term, const char *buf, size_t len,
    const char **why, size_t *err_off)
{
	*why = NULL;
	if (!is_csv(f))
		return record_last_end(buf, len, term);
	return csv_ends(f, term, buf, len, false, why, err_off, NULL);
}

size_t records_last_end_n(const struct format *f, char term, const char *buf, size_t len,
    const char **why, size_t *err_off, size_t *nrec)
{
	*why = NULL;
	if (!is_csv(f)) {
		*nrec = SIZE_MAX;
		return record_last_end(buf, len, term);
	}
	*nrec = 0;
	return csv_ends(f, term, buf, len, false, why, err_off, nrec);
}

size_t records_first_end(const struct format *f, char term, const char *buf, size_t len,
    const char **why, size_t *err_off)
{
	*why = NULL;
	if (!is_csv(f))
		return record_first_end(buf, len, term);
	return csv_ends(f, term, buf, len, true, why, err_off, NULL);
}

size_t records_count(const struct format *f, char term, const char *buf, size_t len)
{
	const char *why;
	size_t off, n = 0;

	if (!is_csv(f))
		return record_count(buf, len, term);
	csv_ends(f, term, buf, len, false, &why, &off, &n);
	return n;
}

size_t records_prefix(const struct format *f, char term, const char *buf, size_t len,
    uint64_t *n)
{
	const char *p = buf, *end = buf + len;
	struct csv_iter it;

	if (is_csv(f))
		csv_iter_init(&it, buf, len, f, term);
	while (*n > 0 && p < end) {
		const char *t;

		if (is_csv(f)) {
			t = csv_iter_next(&it);
		} else {
			t = memchr(p, term, (size_t)(end - p));
			t = t != NULL ? t + 1 : NULL;
		}
		p = t != NULL ? t : end;
		(*n)--;
	}
	return (size_t)(p - buf);
}

char *record_too_long(const char *name, uint64_t off, uint64_t max)
{
	if (off == UINT64_MAX)	/* where it starts is not known */
		return xasprintf("%s: a record is longer than --max-record (%llu bytes)", name,
		    (unsigned long long)max);
	return xasprintf("%s: record at byte offset %llu is longer than --max-record (%llu bytes)",
	    name, (unsigned long long)off, (unsigned long long)max);
}
