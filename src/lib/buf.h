/* buf.h - a growable byte buffer. */
#ifndef FORKPIPE_BUF_H
#define FORKPIPE_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
};

void buf_reserve(struct buf *b, size_t extra);

/*
 * How many bytes of a len-byte message b still lacks to make room for and
 * read next: at most the room b has, or what it holds plus a megabyte.
 * A length read from outside (a pipe, a file) is so believed only as its
 * bytes arrive: a false one meets the end of the data before it takes
 * much more memory than the data does.
 */
static inline size_t buf_grow_step(const struct buf *b, uint64_t len)
{
	uint64_t left = len - b->len, most = (uint64_t)b->len + (1 << 20);

	if (most < b->cap - b->len)
		most = b->cap - b->len;
	return (size_t)(left < most ? left : most);
}
void buf_free(struct buf *b);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static inline void buf_append(struct buf *b, const void *p, size_t n)
{
	if (n == 0)
		return;	/* an empty buffer's data may be NULL */
	if (b->cap - b->len < n)
		buf_reserve(b, n);
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

static inline void buf_putc(struct buf *b, char c)
{
	if (b->cap == b->len)
		buf_reserve(b, 1);
	b->data[b->len++] = c;
}

#endif
