/* check_frame.c - frame headers, ranges and framed I/O on pipes. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "check_suites.h"
#include "frame.h"

/* --- headers and ranges ---------------------------------------------- */

START_TEST(test_hdr_round_trip)
{
	unsigned char raw[FRAME_HDR_SIZE];
	struct frame_hdr in = { FRAME_RESULT, 7, UINT64_C(0x0123456789abcdef), 12345 };
	struct frame_hdr out;

	for (uint32_t t = FRAME_TASK_RANGE; t <= FRAME_ERROR; t++) {
		in.type = t;
		memset(&out, 0, sizeof out);
		frame_encode_hdr(raw, &in);
		ck_assert_int_eq(frame_decode_hdr(raw, &out), 0);
		ck_assert_uint_eq(out.type, t);
		ck_assert_uint_eq(out.aux, 7);
		ck_assert_uint_eq(out.seq, UINT64_C(0x0123456789abcdef));
		ck_assert_uint_eq(out.len, 12345);
	}
	/* Little-endian: type in the low half of word 0, "PF" above it. */
	in.type = FRAME_RESULT;
	frame_encode_hdr(raw, &in);
	ck_assert_uint_eq(raw[0], FRAME_RESULT);
	ck_assert_uint_eq(raw[1], 0);
	ck_assert_uint_eq(raw[2], 0x50);
	ck_assert_uint_eq(raw[3], 0x46);
	ck_assert_uint_eq(raw[4], 7);
	ck_assert_uint_eq(raw[8], 0xef);
	ck_assert_uint_eq(raw[15], 0x01);
	ck_assert_uint_eq(raw[16], 12345 & 0xff);
	ck_assert_uint_eq(raw[17], 12345 >> 8);
}
END_TEST

START_TEST(test_hdr_bad_magic)
{
	unsigned char raw[FRAME_HDR_SIZE];
	struct frame_hdr h = { FRAME_TASK_DATA, 0, 1, 10 }, out;

	frame_encode_hdr(raw, &h);
	raw[3] ^= 0x01;
	ck_assert_int_eq(frame_decode_hdr(raw, &out), -1);
	frame_encode_hdr(raw, &h);
	raw[2] = 0;
	ck_assert_int_eq(frame_decode_hdr(raw, &out), -1);
	memset(raw, 0, sizeof raw);
	ck_assert_int_eq(frame_decode_hdr(raw, &out), -1);
}
END_TEST

START_TEST(test_hdr_bad_type)
{
	unsigned char raw[FRAME_HDR_SIZE];
	struct frame_hdr h = { 0, 0, 1, 10 }, out;

	frame_encode_hdr(raw, &h);
	ck_assert_int_eq(frame_decode_hdr(raw, &out), -1);
	h.type = FRAME_LAST + 1;
	frame_encode_hdr(raw, &h);
	ck_assert_int_eq(frame_decode_hdr(raw, &out), -1);
	h.type = 0xffff;
	frame_encode_hdr(raw, &h);
	ck_assert_int_eq(frame_decode_hdr(raw, &out), -1);
}
END_TEST

START_TEST(test_hdr_oversize)
{
	unsigned char raw[FRAME_HDR_SIZE];
	struct frame_hdr h = { FRAME_TASK_DATA, 0, 1, FRAME_MAX_PAYLOAD }, out;

	frame_encode_hdr(raw, &h);
	ck_assert_int_eq(frame_decode_hdr(raw, &out), 0);
	ck_assert_uint_eq(out.len, FRAME_MAX_PAYLOAD);
	h.len = FRAME_MAX_PAYLOAD + 1;
	frame_encode_hdr(raw, &h);
	ck_assert_int_eq(frame_decode_hdr(raw, &out), -1);
	h.len = UINT64_MAX;
	frame_encode_hdr(raw, &h);
	ck_assert_int_eq(frame_decode_hdr(raw, &out), -1);
}
END_TEST

/* A worker's figures: two counters and a word per stage, nothing else. */
START_TEST(test_hdr_stats_len)
{
	static const struct { uint64_t len; int rc; } cases[] = {
		{ 16, 0 }, { 24, 0 }, { FRAME_STATS_MAX, 0 },
		{ 0, -1 }, { 8, -1 }, { 20, -1 }, { 25, -1 }, { FRAME_STATS_MAX + 8, -1 },
		{ UINT64_MAX - 7, -1 },
	};
	unsigned char raw[FRAME_HDR_SIZE];
	struct frame_hdr out;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct frame_hdr h = { FRAME_STATS, 0, 3, cases[i].len };

		frame_encode_hdr(raw, &h);
		ck_assert_msg(frame_decode_hdr(raw, &out) == cases[i].rc, "length %llu",
		    (unsigned long long)cases[i].len);
	}
	ck_assert_uint_eq(FRAME_LAST, FRAME_REJECT);
	ck_assert(!frame_ends_chunk(FRAME_REJECT, 0));	/* it comes before the end */
}
END_TEST

/* The figures go before the frame that ends a chunk, and only that one. */
START_TEST(test_ends_chunk)
{
	ck_assert(frame_ends_chunk(FRAME_RESULT, 0));
	ck_assert(!frame_ends_chunk(FRAME_RESULT, 1));
	ck_assert(frame_ends_chunk(FRAME_PARTIAL, 0));
	ck_assert(frame_ends_chunk(FRAME_SIZE, 0));
	ck_assert(frame_ends_chunk(FRAME_PIECE, 0));
	ck_assert(frame_ends_chunk(FRAME_SKIP, 0));
	ck_assert(frame_ends_chunk(FRAME_FOLDED, 0));
	ck_assert(frame_ends_chunk(FRAME_PARTIAL, 1));	/* a kept table: its encoding's figures */
	ck_assert(!frame_ends_chunk(FRAME_FLUSH, 0));
	ck_assert(!frame_ends_chunk(FRAME_WRITTEN, 0));
	ck_assert(!frame_ends_chunk(FRAME_QUOTES, 0));
	ck_assert(!frame_ends_chunk(FRAME_ERROR, 65));
	ck_assert(!frame_ends_chunk(FRAME_STATS, 0));
}
END_TEST

START_TEST(test_range_round_trip)
{
	unsigned char raw[FRAME_RANGE_SIZE];
	struct frame_range in = { 3, UINT64_C(1) << 40, 123456789 }, out;

	frame_encode_range(raw, &in);
	memset(&out, 0, sizeof out);
	ck_assert_int_eq(frame_decode_range((const char *)raw, sizeof raw, &out), 0);
	ck_assert_uint_eq(out.file, 3);
	ck_assert_uint_eq(out.offset, UINT64_C(1) << 40);
	ck_assert_uint_eq(out.length, 123456789);

	in = (struct frame_range){ UINT32_MAX, 0, 0 };
	frame_encode_range(raw, &in);
	ck_assert_int_eq(frame_decode_range((const char *)raw, sizeof raw, &out), 0);
	ck_assert_uint_eq(out.file, UINT32_MAX);
	ck_assert_uint_eq(out.offset, 0);
	ck_assert_uint_eq(out.length, 0);
}
END_TEST

START_TEST(test_range_bad)
{
	unsigned char raw[FRAME_RANGE_SIZE + 1];
	struct frame_range in = { 1, 100, 200 }, out;

	frame_encode_range(raw, &in);
	raw[FRAME_RANGE_SIZE] = 0;
	ck_assert_int_eq(frame_decode_range((const char *)raw, FRAME_RANGE_SIZE - 1, &out), -1);
	ck_assert_int_eq(frame_decode_range((const char *)raw, FRAME_RANGE_SIZE + 1, &out), -1);
	ck_assert_int_eq(frame_decode_range((const char *)raw, 0, &out), -1);
	/* Offsets that no file can have. */
	in = (struct frame_range){ 0, UINT64_MAX, 1 };
	frame_encode_range(raw, &in);
	ck_assert_int_eq(frame_decode_range((const char *)raw, FRAME_RANGE_SIZE, &out), -1);
	in = (struct frame_range){ 0, INT64_MAX, 1 };
	frame_encode_range(raw, &in);
	ck_assert_int_eq(frame_decode_range((const char *)raw, FRAME_RANGE_SIZE, &out), -1);
	in = (struct frame_range){ 0, INT64_MAX, 0 };
	frame_encode_range(raw, &in);
	ck_assert_int_eq(frame_decode_range((const char *)raw, FRAME_RANGE_SIZE, &out), 0);
}
END_TEST

/* --- blocking frame_write / frame_read ------------------------------- */

#define BIG 200000

static unsigned char pattern_byte(size_t i)
{
	return (unsigned char)(i * 31 + (i >> 8));
}

/* The writer side: runs in a child so that big frames cannot deadlock. */
static void write_frames(int fd)
{
	static char big[BIG];
	struct iovec iov[150];
	char one = 'x';
	int rc = 0;

	for (size_t i = 0; i < BIG; i++)
		big[i] = (char)pattern_byte(i);
	/* 0 bytes: no iovec at all, then one empty iovec. */
	rc |= frame_write(fd, FRAME_RESULT, 1, 10, NULL, 0);
	iov[0] = (struct iovec){ &one, 0 };
	rc |= frame_write(fd, FRAME_RESULT, 2, 11, iov, 1);
	/* 1 byte. */
	iov[0] = (struct iovec){ &one, 1 };
	rc |= frame_write(fd, FRAME_PARTIAL, 3, 12, iov, 1);
	/* 200000 bytes in three pieces, one of them empty. */
	iov[0] = (struct iovec){ big, 1000 };
	iov[1] = (struct iovec){ big + 1000, 0 };
	iov[2] = (struct iovec){ big + 1000, BIG - 1000 };
	rc |= frame_write(fd, FRAME_TASK_DATA, 4, 13, iov, 3);
	/* More iovecs than one writev batch. */
	for (int i = 0; i < 150; i++)
		iov[i] = (struct iovec){ big + (size_t)i * 1000, (size_t)i % 7 * 100 };
	rc |= frame_write(fd, FRAME_ERROR, 5, 14, iov, 150);
	_exit(rc == 0 ? 0 : 1);
}

START_TEST(test_write_read_pipe)
{
	int fds[2], status;
	pid_t pid;
	struct frame_hdr h;
	struct buf payload = { 0 };
	size_t want;

	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(fds[0]);
		write_frames(fds[1]);
	}
	close(fds[1]);

	ck_assert_int_eq(frame_read(fds[0], &h, &payload), 1);
	ck_assert_uint_eq(h.type, FRAME_RESULT);
	ck_assert_uint_eq(h.aux, 1);
	ck_assert_uint_eq(h.seq, 10);
	ck_assert_uint_eq(h.len, 0);
	ck_assert_uint_eq(payload.len, 0);

	ck_assert_int_eq(frame_read(fds[0], &h, &payload), 1);
	ck_assert_uint_eq(h.aux, 2);
	ck_assert_uint_eq(payload.len, 0);

	ck_assert_int_eq(frame_read(fds[0], &h, &payload), 1);
	ck_assert_uint_eq(h.type, FRAME_PARTIAL);
	ck_assert_uint_eq(h.seq, 12);
	ck_assert_uint_eq(payload.len, 1);
	ck_assert_int_eq(payload.data[0], 'x');

	ck_assert_int_eq(frame_read(fds[0], &h, &payload), 1);
	ck_assert_uint_eq(h.type, FRAME_TASK_DATA);
	ck_assert_uint_eq(h.aux, 4);
	ck_assert_uint_eq(h.seq, 13);
	ck_assert_uint_eq(h.len, BIG);
	ck_assert_uint_eq(payload.len, BIG);
	for (size_t i = 0; i < BIG; i++)
		if ((unsigned char)payload.data[i] != pattern_byte(i))
			ck_abort_msg("byte %zu of the big payload differs", i);

	ck_assert_int_eq(frame_read(fds[0], &h, &payload), 1);
	ck_assert_uint_eq(h.type, FRAME_ERROR);
	want = 0;
	for (int i = 0; i < 150; i++) {
		size_t n = (size_t)i % 7 * 100;

		for (size_t j = 0; j < n; j++)
			if ((unsigned char)payload.data[want + j] != pattern_byte((size_t)i * 1000 + j))
				ck_abort_msg("iovec %d byte %zu differs", i, j);
		want += n;
	}
	ck_assert_uint_eq(payload.len, want);
	ck_assert_uint_eq(h.len, want);

	ck_assert_int_eq(frame_read(fds[0], &h, &payload), 0);
	/* Every frame arrived whole; the writer's exit code is not checked
	 * as valgrind may replace it (see check_chunker.c). */
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	close(fds[0]);
	buf_free(&payload);
}
END_TEST

/* Feed bytes into a pipe and close it. */
static int pipe_with(const void *data, size_t len)
{
	int fds[2];

	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(write(fds[1], data, len), (ssize_t)len);
	close(fds[1]);
	return fds[0];
}

/* A frame encoded beforehand goes out with the next in one write, and
 * reads back as two frames. */
START_TEST(test_write_after)
{
	unsigned char before[FRAME_HDR_SIZE + 16];
	struct frame_hdr h = { FRAME_STATS, 0, 5, 16 };
	struct iovec iov = { (void *)"out\n", 4 };
	struct buf payload = { 0 };
	int fds[2];

	frame_encode_hdr(before, &h);
	frame_put_u64(before + FRAME_HDR_SIZE, 7);
	frame_put_u64(before + FRAME_HDR_SIZE + 8, 9);
	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(frame_write_after(fds[1], before, sizeof before, FRAME_RESULT, 0, 5, &iov, 1), 0);
	ck_assert_int_eq(frame_write_after(fds[1], NULL, 0, FRAME_PARTIAL, 0, 6, NULL, 0), 0);
	close(fds[1]);
	ck_assert_int_eq(frame_read(fds[0], &h, &payload), 1);
	ck_assert_uint_eq(h.type, FRAME_STATS);
	ck_assert_uint_eq(payload.len, 16);
	ck_assert_uint_eq(frame_get_u64(payload.data), 7);
	ck_assert_uint_eq(frame_get_u64(payload.data + 8), 9);
	ck_assert_int_eq(frame_read(fds[0], &h, &payload), 1);
	ck_assert_uint_eq(h.type, FRAME_RESULT);
	ck_assert_uint_eq(h.seq, 5);
	ck_assert_uint_eq(payload.len, 4);
	ck_assert_int_eq(memcmp(payload.data, "out\n", 4), 0);
	ck_assert_int_eq(frame_read(fds[0], &h, &payload), 1);
	ck_assert_uint_eq(h.type, FRAME_PARTIAL);
	ck_assert_uint_eq(h.len, 0);
	ck_assert_int_eq(frame_read(fds[0], &h, &payload), 0);
	close(fds[0]);
	buf_free(&payload);
}
END_TEST

START_TEST(test_read_truncated)
{
	unsigned char raw[FRAME_HDR_SIZE + 3];
	struct frame_hdr h = { FRAME_RESULT, 0, 1, 10 };
	struct buf payload = { 0 };
	int fd;

	frame_encode_hdr(raw, &h);
	memcpy(raw + FRAME_HDR_SIZE, "abc", 3);
	/* EOF inside the payload. */
	fd = pipe_with(raw, sizeof raw);
	errno = 0;
	ck_assert_int_eq(frame_read(fd, &h, &payload), -1);
	ck_assert_int_eq(errno, EPROTO);
	close(fd);
	/* EOF inside the header. */
	fd = pipe_with(raw, 5);
	errno = 0;
	ck_assert_int_eq(frame_read(fd, &h, &payload), -1);
	ck_assert_int_eq(errno, EPROTO);
	close(fd);
	/* A bad header. */
	raw[3] = 'X';
	fd = pipe_with(raw, sizeof raw);
	ck_assert_int_eq(frame_read(fd, &h, &payload), -1);
	close(fd);
	buf_free(&payload);
}
END_TEST

/* --- incremental reader ---------------------------------------------- */

static void nonblocking_pipe(int fds[2])
{
	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK), 0);
}

START_TEST(test_reader_byte_at_a_time)
{
	unsigned char raw[2 * FRAME_HDR_SIZE + 5];
	struct frame_hdr h1 = { FRAME_RESULT, 9, 42, 5 }, h2 = { FRAME_PARTIAL, 0, 43, 0 };
	struct frame_reader r;
	int fds[2];

	memset(&r, 0, sizeof r);
	frame_encode_hdr(raw, &h1);
	memcpy(raw + FRAME_HDR_SIZE, "hello", 5);
	frame_encode_hdr(raw + FRAME_HDR_SIZE + 5, &h2);
	nonblocking_pipe(fds);

	ck_assert_int_eq(frame_reader_read(fds[0], &r), FRAME_AGAIN);
	for (size_t i = 0; i < FRAME_HDR_SIZE + 5; i++) {
		ck_assert_int_eq(write(fds[1], raw + i, 1), 1);
		if (i + 1 < FRAME_HDR_SIZE + 5)
			ck_assert_int_eq(frame_reader_read(fds[0], &r), FRAME_AGAIN);
	}
	ck_assert_int_eq(frame_reader_read(fds[0], &r), FRAME_READY);
	ck_assert_uint_eq(r.hdr.type, FRAME_RESULT);
	ck_assert_uint_eq(r.hdr.aux, 9);
	ck_assert_uint_eq(r.hdr.seq, 42);
	ck_assert_uint_eq(r.payload.len, 5);
	ck_assert_mem_eq(r.payload.data, "hello", 5);
	/* Until reset, the frame stays ready. */
	ck_assert_int_eq(frame_reader_read(fds[0], &r), FRAME_READY);
	frame_reader_reset(&r);

	/* An empty payload is ready as soon as its header is. */
	for (size_t i = 0; i < FRAME_HDR_SIZE; i++) {
		ck_assert_int_eq(frame_reader_read(fds[0], &r), FRAME_AGAIN);
		ck_assert_int_eq(write(fds[1], raw + FRAME_HDR_SIZE + 5 + i, 1), 1);
	}
	ck_assert_int_eq(frame_reader_read(fds[0], &r), FRAME_READY);
	ck_assert_uint_eq(r.hdr.type, FRAME_PARTIAL);
	ck_assert_uint_eq(r.hdr.seq, 43);
	ck_assert_uint_eq(r.payload.len, 0);
	frame_reader_reset(&r);

	/* EOF between frames. */
	close(fds[1]);
	ck_assert_int_eq(frame_reader_read(fds[0], &r), FRAME_EOF);
	close(fds[0]);
	frame_reader_free(&r);
}
END_TEST

START_TEST(test_reader_whole_frames)
{
	unsigned char raw[3 * FRAME_HDR_SIZE + 7];
	struct frame_hdr h = { FRAME_TASK_DATA, 0, 0, 3 };
	struct frame_reader r;
	int fds[2];
	size_t off = 0;

	memset(&r, 0, sizeof r);
	/* Three frames written at once are read one after another. */
	for (uint64_t seq = 0; seq < 3; seq++) {
		h.seq = seq;
		h.len = seq == 1 ? 1 : 3;
		frame_encode_hdr(raw + off, &h);
		off += FRAME_HDR_SIZE;
		memcpy(raw + off, seq == 1 ? "B" : "AAA", h.len);
		off += h.len;
	}
	nonblocking_pipe(fds);
	ck_assert_int_eq(write(fds[1], raw, off), (ssize_t)off);
	for (uint64_t seq = 0; seq < 3; seq++) {
		ck_assert_int_eq(frame_reader_read(fds[0], &r), FRAME_READY);
		ck_assert_uint_eq(r.hdr.seq, seq);
		ck_assert_uint_eq(r.payload.len, seq == 1 ? 1 : 3);
		frame_reader_reset(&r);
	}
	ck_assert_int_eq(frame_reader_read(fds[0], &r), FRAME_AGAIN);
	close(fds[1]);
	ck_assert_int_eq(frame_reader_read(fds[0], &r), FRAME_EOF);
	close(fds[0]);
	frame_reader_free(&r);
}
END_TEST

START_TEST(test_reader_broken)
{
	unsigned char raw[FRAME_HDR_SIZE + 4];
	struct frame_hdr h = { FRAME_RESULT, 0, 1, 10 };
	struct frame_reader r;
	int fds[2];

	memset(&r, 0, sizeof r);
	frame_encode_hdr(raw, &h);
	memcpy(raw + FRAME_HDR_SIZE, "abcd", 4);

	/* EOF inside the payload. */
	nonblocking_pipe(fds);
	ck_assert_int_eq(write(fds[1], raw, sizeof raw), (ssize_t)sizeof raw);
	ck_assert_int_eq(frame_reader_read(fds[0], &r), FRAME_AGAIN);
	close(fds[1]);
	ck_assert_int_eq(frame_reader_read(fds[0], &r), FRAME_BROKEN);
	close(fds[0]);
	frame_reader_reset(&r);

	/* EOF inside the header. */
	nonblocking_pipe(fds);
	ck_assert_int_eq(write(fds[1], raw, 10), 10);
	close(fds[1]);
	ck_assert_int_eq(frame_reader_read(fds[0], &r), FRAME_BROKEN);
	close(fds[0]);
	frame_reader_reset(&r);

	/* A bad header. */
	raw[2] = 'Z';
	nonblocking_pipe(fds);
	ck_assert_int_eq(write(fds[1], raw, sizeof raw), (ssize_t)sizeof raw);
	ck_assert_int_eq(frame_reader_read(fds[0], &r), FRAME_BROKEN);
	close(fds[1]);
	close(fds[0]);
	frame_reader_free(&r);
}
END_TEST

/* A non-blocking pipe holding len bytes, its write end closed. */
static int big_pipe_with(const void *data, size_t len)
{
	int fds[2];

	nonblocking_pipe(fds);
	ck_assert_int_eq(fcntl(fds[1], F_SETPIPE_SZ, 1 << 20), 1 << 20);
	ck_assert_int_eq(write(fds[1], data, len), (ssize_t)len);
	close(fds[1]);
	return fds[0];
}

/* A header whose length is far beyond the bytes that follow (the
 * largest it may give) fails as truncated, with the payload buffer no
 * larger than the bytes that came: the length is not believed before
 * its bytes arrive (found by fuzz/frame.c). */
START_TEST(test_false_length)
{
	static unsigned char raw[FRAME_HDR_SIZE + 300000];
	struct frame_hdr h = { FRAME_RESULT, 0, 1, FRAME_MAX_PAYLOAD };
	struct frame_reader r;
	struct buf payload = { 0 };
	int fd;

	frame_encode_hdr(raw, &h);
	memset(raw + FRAME_HDR_SIZE, 'x', sizeof raw - FRAME_HDR_SIZE);
	fd = big_pipe_with(raw, sizeof raw);
	ck_assert_int_eq(frame_read(fd, &h, &payload), -1);
	ck_assert_uint_le(payload.cap, 4 << 20);
	close(fd);
	buf_free(&payload);

	memset(&r, 0, sizeof r);
	fd = big_pipe_with(raw, sizeof raw);
	ck_assert_int_eq(frame_reader_read(fd, &r), FRAME_BROKEN);
	ck_assert_uint_eq(r.payload.len, sizeof raw - FRAME_HDR_SIZE);
	ck_assert_uint_le(r.payload.cap, 4 << 20);
	close(fd);
	frame_reader_free(&r);
}
END_TEST

START_TEST(test_reader_ioerr)
{
	struct frame_reader r;

	memset(&r, 0, sizeof r);
	errno = 0;
	ck_assert_int_eq(frame_reader_read(-1, &r), FRAME_IOERR);
	ck_assert_int_eq(errno, EBADF);
	frame_reader_free(&r);
}
END_TEST

Suite *suite_frame(void)
{
	Suite *s = suite_create("frame");
	TCase *tc;

	tc = tcase_create("core");
	tcase_add_test(tc, test_hdr_round_trip);
	tcase_add_test(tc, test_ends_chunk);
	tcase_add_test(tc, test_range_round_trip);
	tcase_add_test(tc, test_write_read_pipe);
	tcase_add_test(tc, test_write_after);
	tcase_add_test(tc, test_reader_byte_at_a_time);
	tcase_add_test(tc, test_reader_whole_frames);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_test(tc, test_hdr_oversize);
	tcase_add_test(tc, test_hdr_stats_len);
	tcase_add_test(tc, test_range_bad);
	tcase_add_test(tc, test_false_length);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_test(tc, test_hdr_bad_magic);
	tcase_add_test(tc, test_hdr_bad_type);
	tcase_add_test(tc, test_read_truncated);
	tcase_add_test(tc, test_reader_broken);
	tcase_add_test(tc, test_reader_ioerr);
	suite_add_tcase(s, tc);
	return s;
}
