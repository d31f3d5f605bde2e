/* frame.h - framed messages on pipes.
 *
 * Every message is a fixed 24-byte header (magic and type, a chunk
 * sequence number, the payload length) followed by the payload.  A reader
 * accumulates partial reads and acts only on whole frames. */
#ifndef FORKPIPE_FRAME_H
#define FORKPIPE_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "buf.h"

enum frame_type {
	FRAME_TASK_RANGE = 1,	/* payload: struct frame_range */
	FRAME_TASK_DATA,	/* payload: struct frame_range, then the chunk's bytes */
	FRAME_RESULT,		/* payload: output records of a chunk */
	FRAME_PARTIAL,		/* payload: a reducer's encoded partial; aux 1:
				 * the table a worker kept across chunks, which
				 * covers every chunk it folded since its last
				 * (worker_table.c) */
	FRAME_ERROR,		/* aux: exit code; payload: message */
	FRAME_SIZE,		/* worker: a chunk's output is ready; payload: u64 size */
	FRAME_WRITE,		/* supervisor: write that output; payload: u64 offset */
	FRAME_WRITTEN,		/* worker: it is written */
	FRAME_TASK_QUOTES,	/* count the quotes of a range; payload: struct frame_range */
	FRAME_QUOTES,		/* worker: payload: u64 count */
	FRAME_PIECE,		/* a chunk's compressed output: payload: u32 crc,
				 * u64 length (uncompressed), the piece */
	FRAME_SKIP,		/* --keep-going: a command failed on the chunk,
				 * which has no output; payload: the message */
	FRAME_STATS,		/* worker, when asked, just before the frame that
				 * ends a chunk: the chunk's figures (meter.h);
				 * payload: u64 records in, u64 records out, u64
				 * CPU nanoseconds of each stage the workers run */
	FRAME_FOLDED,		/* worker: the chunk is folded into the table it
				 * keeps (not yet sent); no payload */
	FRAME_FLUSH,		/* supervisor: send the table kept (FRAME_PARTIAL,
				 * aux 1); no payload */
	FRAME_RECORDS,		/* worker, with grep -n, before the frame that
				 * ends a chunk: payload: u64, the records
				 * grep read in the chunk */
	FRAME_REJECT,		/* worker, with --reject, before the frame that
				 * ends a chunk: its records that did not parse;
				 * payload: for each, u64 input offset, u64
				 * length, its bytes */
	FRAME_LAST = FRAME_REJECT,	/* the highest type: frames beyond it are bad */
};

#define FRAME_MAGIC 0x46500000u	/* "FP" in the high half of word 0 */
#define FRAME_HDR_SIZE 24
#define FRAME_MAX_PAYLOAD (UINT64_C(1) << 40)
/* A FRAME_STATS payload: two counters and a word per stage, no more
 * stages than a pipeline can hold. */
#define FRAME_STATS_MIN 16
#define FRAME_STATS_MAX (16 + 8 * 65536)

struct frame_hdr {
	uint32_t type;
	uint32_t aux;
	uint64_t seq;
	uint64_t len;
};

/* A chunk of a seekable input file. */
struct frame_range {
	uint32_t file;
	uint64_t offset;
	uint64_t length;
};
#define FRAME_RANGE_SIZE 20

void frame_encode_hdr(unsigned char out[FRAME_HDR_SIZE], const struct frame_hdr *h);
/* 0, or -1 when the bytes are not a valid header. */
int frame_decode_hdr(const unsigned char in[FRAME_HDR_SIZE], struct frame_hdr *h);
/* Whether a worker's frame of this type and aux word is the last of its
 * chunk (the result is then whole, or placed output sized). */
bool frame_ends_chunk(uint32_t type, uint32_t aux);
void frame_put_u64(unsigned char out[8], uint64_t v);
uint64_t frame_get_u64(const char *in);
void frame_encode_range(unsigned char out[FRAME_RANGE_SIZE], const struct frame_range *r);
int frame_decode_range(const char *in, size_t len, struct frame_range *r);

/*
 * Blocking write of one frame whose payload is the iovecs.  0 or -1 with
 * errno.
 */
int frame_write(int fd, uint32_t type, uint32_t aux, uint64_t seq,
    const struct iovec *iov, int iovcnt);
/* The same, after before_len bytes of frames already encoded, in the
 * same writev: a small frame sent with the next costs no system call. */
int frame_write_after(int fd, const void *before, size_t before_len, uint32_t type,
    uint32_t aux, uint64_t seq, const struct iovec *iov, int iovcnt);

/* Blocking read of one whole frame.  1 frame, 0 clean EOF, -1 error. */
int frame_read(int fd, struct frame_hdr *h, struct buf *payload);

/*
 * Incremental reader for non-blocking descriptors.  Small frames are read
 * through a staging buffer, so that one read() brings in a header, its
 * payload and often the next frame; large payloads are read in place.
 */
struct frame_reader {
	unsigned char hdr_bytes[FRAME_HDR_SIZE];
	size_t hdr_got;
	struct frame_hdr hdr;
	struct buf payload;
	char *stage;
	size_t stage_len, stage_pos;
};

enum {
	FRAME_READY = 1,	/* a whole frame is in hdr and payload */
	FRAME_AGAIN = 0,	/* would block; call again when readable */
	FRAME_EOF = -1,		/* end of file between frames */
	FRAME_BROKEN = -2,	/* end of file inside a frame, or a bad header */
	FRAME_IOERR = -3,	/* read failed; errno says why */
};

/*
 * Read what is available.  After FRAME_READY the caller takes the frame
 * and calls frame_reader_reset before reading again.
 */
int frame_reader_read(int fd, struct frame_reader *r);
void frame_reader_reset(struct frame_reader *r);
/* Whether bytes of a further frame are already staged. */
bool frame_reader_pending(const struct frame_reader *r);
void frame_reader_free(struct frame_reader *r);

#endif
