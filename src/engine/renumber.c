/* renumber.c - grep -n in the workers numbers each chunk's records from
 * 1; the merger, which writes chunks in order and knows how many records
 * each had, adds the records of the chunks before (see merger.c). */
#include "autoconfig.h"

#include <string.h>

#include "record.h"
#include "renumber.h"

int renumber(const struct format *f, char term, uint64_t base, const char *p, size_t len,
    struct buf *out)
{
	size_t pos = 0;

	out->len = 0;
	buf_reserve(out, len + len / 4 + 32);
	while (pos < len) {
		uint64_t n = 0;
		size_t d = pos, end, at;
		const char *why;

		while (d < len && p[d] >= '0' && p[d] <= '9')
			n = n * 10 + (uint64_t)(p[d++] - '0');
		if (d == pos || d == len || p[d] != ':')
			return -1;
		d++;
		/* The record after the number: with CSV, a terminator inside
		 * quotes does not end it. */
		end = records_first_end(f, term, p + d, len - d, &why, &at);
		end = end > 0 ? d + end : len;
		buf_printf(out, "%llu:", (unsigned long long)(base + n));
		buf_append(out, p + d, end - d);
		pos = end;
	}
	return 0;
}
