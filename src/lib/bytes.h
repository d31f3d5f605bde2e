/* bytes.h - integers as bytes: fixed-size little-endian, and unsigned
 * LEB128 varints (7 bits a byte, low bits first, the high bit set on
 * every byte but the last), as frames, partials and spilled runs write
 * them.  Inline: the run engine and the reducers call these per record. */
#ifndef FORKPIPE_BYTES_H
#define FORKPIPE_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define VARINT_MAX 10		/* bytes of the longest 64-bit varint */

static inline void le_put32(void *out, uint32_t v)
{
	unsigned char *p = out;

	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static inline void le_put64(void *out, uint64_t v)
{
	unsigned char *p = out;

	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static inline uint32_t le_get32(const void *in)
{
	const unsigned char *p = in;

	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t le_get64(const void *in)
{
	const unsigned char *p = in;

	return (uint64_t)le_get32(p) | (uint64_t)le_get32(p + 4) << 32;
}

/* Append v as 8 little-endian bytes. */
static inline void buf_put_le64(struct buf *b, uint64_t v)
{
	unsigned char t[8];

	le_put64(t, v);
	buf_append(b, t, sizeof t);
}

/* Append v as a varint. */
static inline void buf_put_varint(struct buf *b, uint64_t v)
{
	if (b->cap - b->len < VARINT_MAX)
		buf_reserve(b, VARINT_MAX);
	while (v >= 0x80) {
		b->data[b->len++] = (char)(v | 0x80);
		v >>= 7;
	}
	b->data[b->len++] = (char)v;
}

/* Read a varint at *pp, before end, into *v and move *pp past it.  False
 * (and *pp unchanged) when the bytes end first or it runs over 64 bits. */
static inline bool varint_get(const char **pp, const char *end, uint64_t *v)
{
	const unsigned char *p = (const unsigned char *)*pp;
	uint64_t x = 0;

	for (int shift = 0; shift < 64; shift += 7) {
		if ((const char *)p >= end)
			return false;
		x |= (uint64_t)(*p & 0x7f) << shift;
		if (*p++ < 0x80) {
			*pp = (const char *)p;
			*v = x;
			return true;
		}
	}
	return false;
}

#endif
