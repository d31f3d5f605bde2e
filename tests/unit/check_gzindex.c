/* check_gzindex.c - the gzip index: points found while inflating, and
 * inflating from each gives the same bytes as inflating from the start;
 * each point's CSV quote state and record end;
 * the format round-trips, and any damaged byte is refused. */
#include "autoconfig.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "check_suites.h"
#include "gzindex.h"
#include "gzpoint.h"
#include "util.h"

/* Lines of varied text, n bytes or a little more. */
static void gen_text(struct buf *t, size_t n)
{
	unsigned long x = 12345;

	while (t->len < n) {
		char line[128];
		int k;

		x = x * 6364136223846793005UL + 1442695040888963407UL;
		k = snprintf(line, sizeof line, "10.%lu.%lu.%lu - - GET /item/%lu HTTP/1.1 %lu %lu\n",
		    (x >> 8) % 256, (x >> 16) % 256, (x >> 24) % 256, (x >> 32) % 100000,
		    200 + (x >> 40) % 4 * 100, (x >> 44) % 50000);
		buf_append(t, line, (size_t)k);
	}
}

/* One gzip member of p[0..n) appended to gz. */
static void gz_member(const char *p, size_t n, struct buf *gz)
{
	z_stream zs = { 0 };

	ck_assert_int_eq(deflateInit2(&zs, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
	buf_reserve(gz, deflateBound(&zs, n));
	zs.next_in = (Bytef *)(uintptr_t)p;
	zs.avail_in = (uInt)n;
	zs.next_out = (Bytef *)gz->data + gz->len;
	zs.avail_out = (uInt)(gz->cap - gz->len);
	ck_assert_int_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
	gz->len += zs.total_out;
	deflateEnd(&zs);
}

static int tmpfile_with(const struct buf *b, char *path)
{
	int fd;

	strcpy(path, "/tmp/check_gzindex.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write_all(fd, b->data, b->len), 0);
	return fd;
}

/* What a test made: the index, its gzip file, the text and its gzip. */
static void teardown(struct gzindex *ix, int fd, const char *path, struct buf *text, struct buf *gz)
{
	gzindex_free(ix);
	close(fd);
	unlink(path);
	buf_free(text);
	buf_free(gz);
}

/* The format round-trips: every field of every point. */
static void round_trip(const struct gzindex *ix)
{
	struct gzindex back;
	unsigned char *ser;
	size_t serlen;
	char *err = NULL;

	gzindex_serialise(ix, &ser, &serlen);
	ck_assert_msg(gzindex_parse(ser, serlen, &back, &err) == 0, "%s", err);
	ck_assert_uint_eq(back.n, ix->n);
	ck_assert(gzi_ident_eq(&back.id, &ix->id));
	for (size_t i = 0; i < ix->n; i++) {
		const struct gzi_point *p = &ix->p[i], *q = &back.p[i];

		ck_assert_uint_eq(q->cbit, p->cbit);
		ck_assert_uint_eq(q->uoff, p->uoff);
		ck_assert_uint_eq(q->line_end, p->line_end);
		ck_assert_uint_eq(q->csv_end, p->csv_end);
		ck_assert_uint_eq(q->flags, p->flags);
		ck_assert_uint_eq(q->crc, p->crc);
		ck_assert_uint_eq(q->wlen, p->wlen);
		ck_assert(p->wlen == 0 || memcmp(q->window, p->window, p->wlen) == 0);
	}
	free(ser);
	gzindex_free(&back);
}

START_TEST(test_points_inflate)
{
	struct buf text = { 0 }, gz = { 0 }, out = { 0 };
	struct gzindex ix;
	char path[64], *err = NULL;
	int fd;

	gen_text(&text, 3 << 20);
	/* Two members, the boundary inside a line, and an empty one. */
	gz_member(text.data, 2000001, &gz);
	gz_member(text.data, 0, &gz);
	gz_member(text.data + 2000001, text.len - 2000001, &gz);
	fd = tmpfile_with(&gz, path);
	ck_assert_msg(gzindex_build(fd, 65536, &ix, &err) == 0, "%s", err);
	ck_assert_uint_eq(ix.usize, text.len);
	ck_assert_uint_gt(ix.n, 20);
	for (size_t i = 0; i < ix.n; i++) {
		const struct gzi_point *p = &ix.p[i];
		const char *nl = memchr(text.data + p->uoff, '\n', text.len - p->uoff);

		ck_assert_uint_eq(p->line_end, nl ? (uint64_t)(nl - text.data) : GZI_NONE);
		if (p->wlen > 0)
			ck_assert(memcmp(p->window, text.data + p->uoff - p->wlen, p->wlen) == 0);
		/* From the point to the end, across the points after it. */
		out.len = 0;
		ck_assert_msg(gzindex_inflate(&ix, i, (const unsigned char *)gz.data, gz.len,
		    text.len - p->uoff, &out, &err) == 0, "point %zu: %s", i, err);
		ck_assert_uint_eq(out.len, text.len - p->uoff);
		ck_assert(memcmp(out.data, text.data + p->uoff, out.len) == 0);
	}
	round_trip(&ix);
	/* The file appended to: another identity. */
	{
		struct gzi_ident id;

		ck_assert_int_eq(write_all(fd, "x", 1), 0);
		ck_assert_int_eq(gzi_ident_of(fd, &id, &err), 0);
		ck_assert(!gzi_ident_eq(&id, &ix.id));
	}
	teardown(&ix, fd, path, &text, &gz);
	buf_free(&out);
}
END_TEST

/* CSV records of several lines, most of each inside quotes, with doubled
 * quotes; n bytes or a little more. */
static void gen_csv(struct buf *t, size_t n)
{
	unsigned long x = 777;

	for (unsigned long i = 0; t->len < n; i++) {
		char rec[160];
		int k;

		x = x * 6364136223846793005UL + 1442695040888963407UL;
		k = snprintf(rec, sizeof rec, "%lu,\"%lx\n%lx \"\"q\"\"\n%lx\",%lu\n", i, x >> 3,
		    x >> 17, x >> 29, (x >> 40) % 97);
		buf_append(t, rec, (size_t)k);
	}
}

/* Each point's quote state is the parity of the quotes before it, and
 * its CSV record end the first line end outside quotes after it (found
 * here by walking the text from its start), across members; both
 * round-trip. */
START_TEST(test_points_csv)
{
	struct buf text = { 0 }, gz = { 0 };
	struct gzindex ix;
	char path[64], *err = NULL;
	size_t inside = 0, at = 0;
	int fd, odd = 0;

	gen_csv(&text, 2 << 20);
	/* The member boundary inside a quoted field. */
	gz_member(text.data, 1000003, &gz);
	gz_member(text.data + 1000003, text.len - 1000003, &gz);
	fd = tmpfile_with(&gz, path);
	ck_assert_msg(gzindex_build(fd, 65536, &ix, &err) == 0, "%s", err);
	ck_assert_uint_gt(ix.n, 10);
	for (size_t i = 0; i < ix.n; i++) {
		const struct gzi_point *p = &ix.p[i];
		size_t j;
		int q;

		for (; at < p->uoff; at++)
			odd ^= text.data[at] == '"';
		ck_assert_int_eq((p->flags & GZI_QUOTED) != 0, odd);
		inside += odd;
		for (j = at, q = odd; j < text.len && (text.data[j] != '\n' || q); j++)
			q ^= text.data[j] == '"';
		ck_assert_uint_eq(p->csv_end, j < text.len ? j : GZI_NONE);
	}
	ck_assert_uint_gt(inside, ix.n / 3);
	round_trip(&ix);
	teardown(&ix, fd, path, &text, &gz);
}
END_TEST

/* Read from every point to the end in small pieces: the same bytes, and
 * the CRC-32 chain holds; a point's CRC-32 changed, or a byte of the
 * data, is found by a reader that passes there. */
START_TEST(test_gzpoint_read)
{
	struct buf text = { 0 }, gz = { 0 }, out = { 0 };
	struct gzp_reader *rd = gzp_new();
	struct gzindex ix;
	char path[64], *err = NULL;
	int fd, rc;

	gen_text(&text, 1 << 20);
	gz_member(text.data, 0, &gz);
	gz_member(text.data, 300001, &gz);
	gz_member(text.data + 300001, text.len - 300001, &gz);
	gz_member(text.data, 0, &gz);
	fd = tmpfile_with(&gz, path);
	ck_assert_msg(gzindex_build(fd, 65536, &ix, &err) == 0, "%s", err);
	for (size_t i = 0; i < ix.n; i++) {
		out.len = 0;
		gzp_start(rd, &ix, (const unsigned char *)gz.data, gz.len, i);
		while ((rc = gzp_read(rd, &out, 10000, &err)) == 1)
			;
		ck_assert_msg(rc == 0, "point %zu: %s", i, err);
		ck_assert_uint_eq(out.len, text.len - ix.p[i].uoff);
		ck_assert(memcmp(out.data, text.data + ix.p[i].uoff, out.len) == 0);
		ck_assert_uint_eq(gzp_point_at(&ix, ix.p[i].uoff) <= i, 1);
	}
	/* A point's CRC-32 that does not match the data. */
	ck_assert_uint_ge(ix.n, 4);
	ix.p[2].crc ^= 1;
	gzp_start(rd, &ix, (const unsigned char *)gz.data, gz.len, 1);
	while ((rc = gzp_read(rd, &out, 1 << 20, &err)) == 1)
		;
	ck_assert_int_eq(rc, -1);
	ck_assert_ptr_nonnull(strstr(err, "CRC-32 mismatch"));
	free(err);
	ix.p[2].crc ^= 1;
	/* The last member's trailer. */
	gz.data[gz.len - 20 - 8] ^= 1;
	gzp_start(rd, &ix, (const unsigned char *)gz.data, gz.len, ix.n - 2);
	while ((rc = gzp_read(rd, &out, 1 << 20, &err)) == 1)
		;
	ck_assert_int_eq(rc, -1);
	ck_assert_ptr_nonnull(strstr(err, "CRC-32 mismatch"));
	free(err);
	gzp_free(rd);
	teardown(&ix, fd, path, &text, &gz);
	buf_free(&out);
}
END_TEST

/* Every byte of a small index flipped in turn: refused, every time. */
START_TEST(test_damaged)
{
	struct buf text = { 0 }, gz = { 0 };
	struct gzindex ix, back;
	char path[64], *err = NULL;
	unsigned char *ser;
	size_t serlen;
	int fd;

	gen_text(&text, 300000);
	gz_member(text.data, text.len, &gz);
	fd = tmpfile_with(&gz, path);
	ck_assert_msg(gzindex_build(fd, 65536, &ix, &err) == 0, "%s", err);
	ck_assert_uint_ge(ix.n, 2);
	gzindex_serialise(&ix, &ser, &serlen);
	for (size_t at = 0; at < serlen; at++) {
		ser[at] ^= 0x5a;
		ck_assert_msg(gzindex_parse(ser, serlen, &back, &err) < 0, "byte %zu accepted", at);
		free(err);
		ser[at] ^= 0x5a;
	}
	for (size_t cut = 0; cut < serlen; cut += 97) {
		ck_assert_int_lt(gzindex_parse(ser, cut, &back, &err), 0);
		free(err);
	}
	ck_assert_int_lt(gzindex_parse((const unsigned char *)gz.data, gz.len, &back, &err), 0);
	ck_assert_str_eq(err, "not a forkpipe gzip index");
	free(err);
	free(ser);
	teardown(&ix, fd, path, &text, &gz);
}
END_TEST

/* Bad gzip data is refused, not indexed. */
START_TEST(test_bad_gzip)
{
	struct buf text = { 0 }, gz = { 0 };
	struct gzindex ix;
	char path[64], *err = NULL;
	int fd;

	gen_text(&text, 200000);
	gz_member(text.data, text.len, &gz);
	gz.data[gz.len - 6] ^= 1;	/* the CRC-32 */
	fd = tmpfile_with(&gz, path);
	ck_assert_int_lt(gzindex_build(fd, 65536, &ix, &err), 0);
	ck_assert_msg(strstr(err, "CRC-32") != NULL, "%s", err);
	free(err);
	close(fd);
	unlink(path);
	buf_free(&text);
	buf_free(&gz);
}
END_TEST

Suite *suite_gzindex(void)
{
	Suite *s = suite_create("gzindex");
	TCase *tc = tcase_create("gzindex");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_points_inflate);
	tcase_add_test(tc, test_points_csv);
	tcase_add_test(tc, test_damaged);
	tcase_add_test(tc, test_gzpoint_read);
	tcase_add_test(tc, test_bad_gzip);
	suite_add_tcase(s, tc);
	return s;
}
