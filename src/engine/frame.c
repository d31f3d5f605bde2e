/* frame.c - framed messages on pipes. */
#include "autoconfig.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bytes.h"
#include "frame.h"
#include "util.h"

void frame_encode_hdr(unsigned char out[FRAME_HDR_SIZE], const struct frame_hdr *h)
{
	le_put32(out, FRAME_MAGIC | h->type);
	le_put32(out + 4, h->aux);
	le_put64(out + 8, h->seq);
	le_put64(out + 16, h->len);
}

int frame_decode_hdr(const unsigned char in[FRAME_HDR_SIZE], struct frame_hdr *h)
{
	uint32_t w = le_get32(in);

	if ((w & 0xffff0000u) != FRAME_MAGIC)
		return -1;
	h->type = w & 0xffffu;
	if (h->type < FRAME_TASK_RANGE || h->type > FRAME_LAST)
		return -1;
	h->aux = le_get32(in + 4);
	h->seq = le_get64(in + 8);
	h->len = le_get64(in + 16);
	if (h->len > FRAME_MAX_PAYLOAD)
		return -1;
	if (h->type == FRAME_STATS &&
	    (h->len < FRAME_STATS_MIN || h->len > FRAME_STATS_MAX || h->len % 8 != 0))
		return -1;
	return 0;
}

bool frame_ends_chunk(uint32_t type, uint32_t aux)
{
	switch (type) {
	case FRAME_RESULT:
		return aux == 0;
	case FRAME_PARTIAL:
	case FRAME_FOLDED:
	case FRAME_SIZE:
	case FRAME_PIECE:
	case FRAME_SKIP:
		return true;
	default:
		return false;
	}
}

void frame_put_u64(unsigned char out[8], uint64_t v)
{
	le_put64(out, v);
}

uint64_t frame_get_u64(const char *in)
{
	return le_get64(in);
}

void frame_encode_range(unsigned char out[FRAME_RANGE_SIZE], const struct frame_range *r)
{
	le_put32(out, r->file);
	le_put64(out + 4, r->offset);
	le_put64(out + 12, r->length);
}

int frame_decode_range(const char *in, size_t len, struct frame_range *r)
{
	const unsigned char *p = (const unsigned char *)in;

	if (len != FRAME_RANGE_SIZE)
		return -1;
	r->file = le_get32(p);
	r->offset = le_get64(p + 4);
	r->length = le_get64(p + 12);
	if (r->offset > INT64_MAX || r->length > INT64_MAX - r->offset)
		return -1;
	return 0;
}

int frame_write(int fd, uint32_t type, uint32_t aux, uint64_t seq,
    const struct iovec *iov, int iovcnt)
{
	return frame_write_after(fd, NULL, 0, type, aux, seq, iov, iovcnt);
}

int frame_write_after(int fd, const void *before, size_t before_len, uint32_t type,
    uint32_t aux, uint64_t seq, const struct iovec *iov, int iovcnt)
{
	unsigned char hdr[FRAME_HDR_SIZE];
	struct frame_hdr h = { type, aux, seq, 0 };
	struct iovec v[64];
	int n = 0, i = 0;

	for (int k = 0; k < iovcnt; k++)
		h.len += iov[k].iov_len;
	frame_encode_hdr(hdr, &h);
	if (before_len > 0) {
		v[n].iov_base = (void *)before;
		v[n++].iov_len = before_len;
	}
	v[n].iov_base = hdr;
	v[n++].iov_len = sizeof hdr;
	/* writev in batches; a short write resumes inside the batch. */
	while (i < iovcnt || n > 0) {
		while (n < 64 && i < iovcnt)
			v[n++] = iov[i++];
		ssize_t w = writev(fd, v, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		int k = 0;

		while (k < n && (size_t)w >= v[k].iov_len)
			w -= (ssize_t)v[k++].iov_len;
		if (k < n) {
			v[k].iov_base = (char *)v[k].iov_base + w;
			v[k].iov_len -= (size_t)w;
		}
		memmove(v, v + k, (size_t)(n - k) * sizeof *v);
		n -= k;
	}
	return 0;
}

int frame_read(int fd, struct frame_hdr *h, struct buf *payload)
{
	unsigned char hdr[FRAME_HDR_SIZE];
	ssize_t n = read_full(fd, hdr, sizeof hdr);

	if (n == 0)
		return 0;
	if (n != (ssize_t)sizeof hdr || frame_decode_hdr(hdr, h) < 0) {
		errno = n < 0 ? errno : EPROTO;
		return -1;
	}
	payload->len = 0;
	buf_reserve(payload, 1);	/* data is never NULL, even when empty */
	while (payload->len < h->len) {
		size_t step = buf_grow_step(payload, h->len);

		buf_reserve(payload, step);
		n = read_full(fd, payload->data + payload->len, step);
		if (n != (ssize_t)step) {
			errno = n < 0 ? errno : EPROTO;
			return -1;
		}
		payload->len += step;
	}
	return 1;
}

#define FRAME_STAGE (64 * 1024)

static bool frame_complete(const struct frame_reader *r)
{
	return r->hdr_got == FRAME_HDR_SIZE && r->payload.len == r->hdr.len;
}

/* Move staged bytes into the header or the payload.  -1 on a bad header. */
static int take_staged(struct frame_reader *r)
{
	size_t avail = r->stage_len - r->stage_pos;
	const char *p = r->stage + r->stage_pos;

	if (r->hdr_got < FRAME_HDR_SIZE) {
		size_t n = FRAME_HDR_SIZE - r->hdr_got;

		n = n < avail ? n : avail;
		memcpy(r->hdr_bytes + r->hdr_got, p, n);
		r->hdr_got += n;
		r->stage_pos += n;
		if (r->hdr_got < FRAME_HDR_SIZE)
			return 0;
		if (frame_decode_hdr(r->hdr_bytes, &r->hdr) < 0)
			return -1;
		r->payload.len = 0;
		buf_reserve(&r->payload, 1);	/* data is never NULL, even when empty */
		return 0;
	}
	size_t n = r->hdr.len - r->payload.len;

	n = n < avail ? n : avail;
	buf_reserve(&r->payload, n);
	memcpy(r->payload.data + r->payload.len, p, n);
	r->payload.len += n;
	r->stage_pos += n;
	return 0;
}

int frame_reader_read(int fd, struct frame_reader *r)
{
	for (;;) {
		if (frame_complete(r))
			return FRAME_READY;
		if (r->stage_pos < r->stage_len) {
			if (take_staged(r) < 0)
				return FRAME_BROKEN;
			continue;
		}
		bool in_payload = r->hdr_got == FRAME_HDR_SIZE;
		size_t big = in_payload ? r->hdr.len - r->payload.len : 0;
		ssize_t n;

		if (big >= FRAME_STAGE) {
			/* Room as the bytes come: the length is the sender's word. */
			big = buf_grow_step(&r->payload, r->hdr.len);
			buf_reserve(&r->payload, big);
			n = read(fd, r->payload.data + r->payload.len, big);
		} else {
			if (r->stage == NULL)
				r->stage = xmalloc(FRAME_STAGE);
			n = read(fd, r->stage, FRAME_STAGE);
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return FRAME_AGAIN;
			return FRAME_IOERR;
		}
		if (n == 0)
			return r->hdr_got == 0 ? FRAME_EOF : FRAME_BROKEN;
		if (big >= FRAME_STAGE) {
			r->payload.len += (size_t)n;
		} else {
			r->stage_len = (size_t)n;
			r->stage_pos = 0;
		}
	}
}

bool frame_reader_pending(const struct frame_reader *r)
{
	return r->stage_pos < r->stage_len;
}

void frame_reader_reset(struct frame_reader *r)
{
	r->hdr_got = 0;
	r->payload.len = 0;
}

void frame_reader_free(struct frame_reader *r)
{
	buf_free(&r->payload);
	free(r->stage);
	r->stage = NULL;
	r->stage_len = r->stage_pos = 0;
	r->hdr_got = 0;
}
