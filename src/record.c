/* record.c - record boundary scanning (pure: no I/O). */
#include "autoconfig.h"

#include <string.h>

#include "record.h"
#include "scan.h"

size_t record_last_end(const char *buf, size_t len, char term)
{
	const char *p = memrchr(buf, term, len);

	return p == NULL ? 0 : (size_t)(p - buf) + 1;
}

size_t record_first_end(const char *buf, size_t len, char term)
{
	const char *p = memchr(buf, term, len);

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
