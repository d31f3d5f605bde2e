/* json.c - JSON text written into a buffer. */
#include "autoconfig.h"

#include <math.h>
#include <string.h>

#include "json.h"

/* The length of the valid UTF-8 sequence at p[0..n), or 0 when p does
 * not start one (a stray continuation byte, an overlong form, a
 * surrogate, a code point past U+10FFFF, or a truncated sequence). */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4;
	else
		return 0;
	/* The second byte's range rules out overlong forms, surrogates
	 * and code points past U+10FFFF. */
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

static void put_escape(struct buf *b, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

	switch (c) {
	case '"': buf_append(b, "\\\"", 2); return;
	case '\\': buf_append(b, "\\\\", 2); return;
	case '\b': buf_append(b, "\\b", 2); return;
	case '\f': buf_append(b, "\\f", 2); return;
	case '\n': buf_append(b, "\\n", 2); return;
	case '\r': buf_append(b, "\\r", 2); return;
	case '\t': buf_append(b, "\\t", 2); return;
	default: buf_append(b, e, sizeof e); return;
	}
}

static void put_string(struct buf *b, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	buf_putc(b, '"');
	while (p < end) {
		size_t k;

		if (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\') {
			buf_putc(b, (char)*p++);
		} else if (*p >= 0x80 && (k = utf8_len(p, (size_t)(end - p))) > 0) {
			buf_append(b, p, k);
			p += k;
		} else {
			put_escape(b, *p++);	/* also DEL, harmless on terminals */
		}
	}
	buf_putc(b, '"');
}

/* A comma unless the value opens its container, then the key. */
static void member(struct buf *b, const char *key)
{
	if (b->len > 0 && b->data[b->len - 1] != '{' && b->data[b->len - 1] != '[')
		buf_putc(b, ',');
	if (key != NULL) {
		put_string(b, key, strlen(key));
		buf_putc(b, ':');
	}
}

void json_open(struct buf *b, const char *key, char bracket)
{
	member(b, key);
	buf_putc(b, bracket);
}

void json_close(struct buf *b, char bracket)
{
	buf_putc(b, bracket);
}

void json_u64(struct buf *b, const char *key, uint64_t v)
{
	member(b, key);
	buf_printf(b, "%llu", (unsigned long long)v);
}

void json_int(struct buf *b, const char *key, long v)
{
	member(b, key);
	buf_printf(b, "%ld", v);
}

void json_bool(struct buf *b, const char *key, bool v)
{
	member(b, key);
	buf_printf(b, "%s", v ? "true" : "false");
}

void json_num(struct buf *b, const char *key, double v, int decimals)
{
	member(b, key);
	buf_printf(b, "%.*f", decimals, isfinite(v) ? v : 0.0);
}

void json_strn(struct buf *b, const char *key, const char *s, size_t len)
{
	member(b, key);
	put_string(b, s, len);
}

void json_string(struct buf *b, const char *s, size_t len)
{
	put_string(b, s, len);
}

void json_str(struct buf *b, const char *key, const char *s)
{
	if (s == NULL) {
		member(b, key);
		buf_append(b, "null", 4);
		return;
	}
	json_strn(b, key, s, strlen(s));
}
