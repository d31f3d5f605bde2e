/* buf.h - a growable byte buffer. */
#ifndef FORKPIPE_BUF_H
#define FORKPIPE_BUF_H

#include <stddef.h>
#include <string.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
};

void buf_reserve(struct buf *b, size_t extra);
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
