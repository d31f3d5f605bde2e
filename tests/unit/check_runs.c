/* check_runs.c - the run engine: runs written in pieces and read back
 * with buffers of any size (items peeked, skipped and looked ahead at
 * too), a spill file's memory prefix (runs across its segments and
 * across the memory and the file), the block buffers that write and
 * read around the page cache, errors that stick with one message each, the
 * loser tree's order (ties to the lower source), and the external sort of
 * fixed-size items on it (valsort.h). */
#include "autoconfig.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "check_suites.h"
#include "runs.h"
#include "spill.h"
#include "util.h"
#include "valsort.h"

static const char *tmpdir(void)
{
	return spill_dir(NULL);
}

/* Item i of a run: i bytes, each (char)(i + j). */
static void put_item(struct buf *b, unsigned i)
{
	buf_put_varint(b, i);
	for (unsigned j = 0; j < i; j++)
		buf_putc(b, (char)(i + j));
}

START_TEST(test_write_read)
{
	struct spillfile f;
	struct run_writer w;
	uint64_t off[2], len[2];

	spillfile_init(&f, "st", tmpdir());
	/* Two runs one after the other, written in pieces of 7 bytes. */
	for (int r = 0; r < 2; r++) {
		int64_t n;

		run_writer_begin(&w, &f, 7);
		for (unsigned i = 0; i < 300; i++) {
			put_item(&w.b, i + (unsigned)r);
			ck_assert_int_eq(run_writer_step(&w), 0);
		}
		n = run_writer_end(&w);
		ck_assert_int_ge(n, 0);
		off[r] = w.off;
		len[r] = (uint64_t)n;
	}
	ck_assert_uint_eq(off[1], off[0] + len[0]);
	ck_assert_uint_eq(f.size, len[0] + len[1]);
	/* Read back with buffers smaller and larger than the items. */
	for (size_t bufsize = 1; bufsize <= 4096; bufsize *= 8) {
		for (int r = 0; r < 2; r++) {
			struct run_reader rd;
			const char *p;
			size_t n;
			unsigned i = 0;

			run_reader_open(&rd, &f, off[r], len[r], bufsize);
			while (run_reader_next(&rd, &p, &n) == 0) {
				ck_assert_uint_eq(n, i + (unsigned)r);
				for (size_t j = 0; j < n; j++)
					ck_assert_int_eq(p[j], (char)(n + j));
				i++;
			}
			ck_assert_uint_eq(i, 300);
			ck_assert_int_eq(run_reader_next(&rd, &p, &n), 1);
			run_reader_close(&rd);
		}
	}
	ck_assert_ptr_null(f.err);
	spillfile_close(&f);
}
END_TEST

/* Peeking, skipping and looking ahead (agg_slicefinish.c's reading):
 * items of 0 to 299 bytes (lengths of one and two bytes), with buffers
 * smaller and larger than them. */
START_TEST(test_peek_ahead)
{
	struct spillfile f;
	struct run_writer w;
	int64_t len;

	spillfile_init(&f, "st", tmpdir());
	run_writer_begin(&w, &f, 64);
	for (unsigned i = 0; i < 300; i++) {
		put_item(&w.b, i);
		ck_assert_int_eq(run_writer_step(&w), 0);
	}
	len = run_writer_end(&w);
	ck_assert_int_ge(len, 0);
	for (size_t bufsize = 1; bufsize <= 4096; bufsize *= 8) {
		struct run_reader rd;
		const char *p, *q;
		size_t n, m;
		unsigned i = 0;

		run_reader_open(&rd, &f, 0, (uint64_t)len, bufsize);
		while (run_reader_peek(&rd, &p, &n) == 0) {
			ck_assert_uint_eq(n, i);
			/* the item that starts 500 bytes on or later: the first
			 * j > i with the sizes of items i..j-1 (each its bytes
			 * and a varint) adding up to 500 or more */
			unsigned j = i;
			size_t at = 0;

			while (j < 300 && at < 500)
				at += j + (j < 128 ? 1 : 2), j++;
			if (j < 300 && at >= 500) {
				ck_assert_int_eq(run_reader_ahead(&rd, 500, &q, &m), 0);
				ck_assert_uint_eq(m, j);
				if (m > 0)
					ck_assert_int_eq(q[0], (char)m);
			} else {
				ck_assert_int_eq(run_reader_ahead(&rd, 500, &q, &m), 1);
			}
			/* looking ahead moved nothing: peek again, then read on */
			ck_assert_int_eq(run_reader_peek(&rd, &p, &n), 0);
			ck_assert_uint_eq(n, i);
			if (i % 2 == 0) {
				run_reader_skip(&rd, p, n);
			} else {
				ck_assert_int_eq(run_reader_next(&rd, &q, &m), 0);
				ck_assert_uint_eq(m, i);
				for (size_t k = 0; k < m; k++)
					ck_assert_int_eq(q[k], (char)(m + k));
			}
			i++;
		}
		ck_assert_uint_eq(i, 300);
		ck_assert_int_eq(run_reader_peek(&rd, &p, &n), 1);
		ck_assert_int_eq(run_reader_ahead(&rd, 0, &p, &n), 1);
		run_reader_close(&rd);
	}
	ck_assert_ptr_null(f.err);
	spillfile_close(&f);
}
END_TEST

/* Items [first, first + count) of a long run: item i has i % 300 bytes. */
static void put_items(struct buf *b, unsigned first, unsigned count)
{
	for (unsigned i = first; i < first + count; i++)
		put_item(b, i % 300);
}

/* The run at off, len holds those items, read with a buffer of bufsize. */
static void check_items(struct spillfile *f, uint64_t off, uint64_t len, unsigned first,
    unsigned count, size_t bufsize)
{
	struct run_reader rd;
	const char *p;
	size_t n;
	unsigned i = first;

	run_reader_open(&rd, f, off, len, bufsize);
	while (run_reader_next(&rd, &p, &n) == 0) {
		char want[300];

		ck_assert_uint_eq(n, i % 300);
		for (size_t j = 0; j < n; j++)
			want[j] = (char)(n + j);
		ck_assert(n == 0 || memcmp(p, want, n) == 0);
		i++;
	}
	ck_assert_uint_eq(i, first + count);
	ck_assert_int_eq(run_reader_next(&rd, &p, &n), 1);
	run_reader_close(&rd);
}

/* A run written at once (pieces 0) or in pieces: its offset and length. */
static void write_run(struct spillfile *f, unsigned first, unsigned count, size_t pieces,
    uint64_t *off, uint64_t *len)
{
	struct run_writer w;
	int64_t n;

	run_writer_begin(&w, f, pieces == 0 ? SIZE_MAX : pieces);
	for (unsigned i = first; i < first + count; i++) {
		put_item(&w.b, i % 300);
		ck_assert_int_eq(run_writer_step(&w), 0);
	}
	n = run_writer_end(&w);
	ck_assert_int_ge(n, 0);
	*off = w.off;
	*len = (uint64_t)n;
}

START_TEST(test_memory_prefix)
{
	struct spillfile f;
	/* runs: 2 MiB at once, 60 KiB in pieces (the same segment), 6 MiB at
	 * once (beyond the 8 MiB budget: the file), 60 KiB in pieces (file) */
	static const unsigned first[] = { 0, 14000, 14400, 56000 };
	static const unsigned count[] = { 14000, 400, 41600, 400 };
	static const size_t pieces[] = { 0, 7, 0, 7 };
	uint64_t off[4], len[4];
	char *whole, *back;

	spillfile_init(&f, "st", tmpdir());
	spillfile_memory(&f, 8u << 20);
	for (int r = 0; r < 4; r++)
		write_run(&f, first[r], count[r], pieces[r], &off[r], &len[r]);
	ck_assert_uint_eq(f.mem, len[0] + len[1]);	/* runs 2 and 3 in the file */
	ck_assert_uint_eq(off[2], f.mem);
	ck_assert_uint_le(spillfile_mem_bytes(&f), 8u << 20);
	ck_assert_int_ge(f.fd, 0);
	for (int r = 0; r < 4; r++)
		for (size_t bufsize = 1; bufsize <= 65536; bufsize *= 16)
			check_items(&f, off[r], len[r], first[r], count[r], bufsize);
	/* A read across the memory and the file: what was written. */
	struct buf all = { 0 };

	for (int r = 0; r < 4; r++)
		put_items(&all, first[r], count[r]);
	ck_assert_uint_eq(all.len, f.size);
	whole = all.data;
	back = xmalloc(all.len);
	ck_assert_int_eq(spillfile_pread(&f, back, all.len, 0), 0);
	ck_assert_int_eq(memcmp(back, whole, all.len), 0);
	ck_assert_int_eq(spillfile_pread(&f, back, 1000, f.mem - 500), 0);
	ck_assert_int_eq(memcmp(back, whole + f.mem - 500, 1000), 0);
	free(back);
	buf_free(&all);
	ck_assert_ptr_null(f.err);
	spillfile_close(&f);
}
END_TEST

START_TEST(test_memory_segments)
{
	struct spillfile f;
	uint64_t off[2], len[2];

	/* 3 MiB at once, then 2 MiB in 512 KiB pieces: the second run fills
	 * the first segment and goes on in a new one; nothing reaches the
	 * file. */
	spillfile_init(&f, "st", tmpdir());
	spillfile_memory(&f, 16u << 20);
	write_run(&f, 0, 21000, 0, &off[0], &len[0]);
	write_run(&f, 21000, 14000, 512u << 10, &off[1], &len[1]);
	ck_assert_uint_eq(f.nsegs, 2);
	ck_assert_uint_eq(f.mem, f.size);
	ck_assert_int_eq(f.fd, -1);
	for (size_t bufsize = 1; bufsize <= 65536; bufsize *= 16) {
		check_items(&f, off[0], len[0], 0, 21000, bufsize);
		check_items(&f, off[1], len[1], 21000, 14000, bufsize);
	}
	/* A run in memory that ends too soon is corrupt, not read past. */
	{
		struct run_reader rd;
		const char *p;
		size_t n;

		/* items 0 and 1 take 3 bytes, item 2 another 3 */
		run_reader_open(&rd, &f, off[0], 5, 4096);
		ck_assert_int_eq(run_reader_next(&rd, &p, &n), 0);
		ck_assert_int_eq(run_reader_next(&rd, &p, &n), 0);
		ck_assert_int_eq(run_reader_next(&rd, &p, &n), -1);
		run_reader_close(&rd);
		ck_assert_ptr_nonnull(f.err);
	}
	spillfile_close(&f);
}
END_TEST

/*
 * Through the block buffers (spillfile_direct), after a memory prefix of
 * lead bytes (0: none), with O_DIRECT where the file system takes it or through
 * the page cache (cached): every byte reads back as written, at any
 * offset and length, across blocks, the buffers and the tail not yet
 * written; runs read back item by item; a read past the end fails.
 */
static void direct_roundtrip(bool cached, size_t lead)
{
	struct spillfile f;
	struct buf all = { 0 };
	uint64_t x = 88172645463325252ULL, off[2], len[2];
	char *back = xmalloc(200000);

	spillfile_init(&f, "st", tmpdir());
	spillfile_memory(&f, lead > 0 ? lead + 100 : 0);
	spillfile_direct(&f, 3 * 4096 + 100);
	ck_assert_uint_eq(f.blk, 4 * 4096);
	if (lead > 0) {
		buf_reserve(&all, lead);
		for (size_t j = 0; j < lead; j++)
			all.data[j] = (char)(j * 7 + 1);
		ck_assert_int_eq(spillfile_write(&f, all.data, lead), 0);
		all.len = lead;
		ck_assert_uint_eq(f.mem, lead);
	}
	for (int k = 0; k < 60; k++) {
		size_t n;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		n = (size_t)(x % 40000) + 1;
		buf_reserve(&all, n);
		for (size_t j = 0; j < n; j++)
			all.data[all.len + j] = (char)(x >> (j % 56));
		ck_assert_int_eq(spillfile_write(&f, all.data + all.len, n), 0);
		all.len += n;
		if (cached && f.fd >= 0)
			ck_assert_int_ne(fcntl(f.fd, F_SETFL, fcntl(f.fd, F_GETFL) & ~O_DIRECT), -1);
	}
	ck_assert_int_ge(f.fd, 0);
	ck_assert_uint_eq(f.size, all.len);
	ck_assert_uint_eq(f.wat % 4096, 0);
	ck_assert_uint_lt(f.wlen, f.blk);
	ck_assert_uint_eq(f.mem + f.wat + f.wlen, all.len);
	ck_assert_uint_eq(spillfile_mem_bytes(&f), f.mem_alloc + f.blk);
	for (int k = 0; k < 400; k++) {
		uint64_t at;
		size_t n;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		n = (size_t)(x % 200000);
		at = (x >> 20) % (all.len - n);
		if (k % 4 == 0)		/* the end: the tail in the write buffer */
			at = all.len - n;
		ck_assert_int_eq(spillfile_pread(&f, back, n, at), 0);
		ck_assert(n == 0 || memcmp(back, all.data + at, n) == 0);
	}
	ck_assert_uint_eq(spillfile_mem_bytes(&f), f.mem_alloc + 2 * f.blk);
	if (lead > 0) {		/* across the memory and the file */
		ck_assert_int_eq(spillfile_pread(&f, back, 100000, lead - 50000), 0);
		ck_assert(memcmp(back, all.data + lead - 50000, 100000) == 0);
	}
	/* Runs after all that, read back item by item. */
	write_run(&f, 0, 3000, 1000, &off[0], &len[0]);
	write_run(&f, 3000, 50, 0, &off[1], &len[1]);
	for (size_t bufsize = 1; bufsize <= 65536; bufsize *= 16) {
		check_items(&f, off[0], len[0], 0, 3000, bufsize);
		check_items(&f, off[1], len[1], 3000, 50, bufsize);
	}
	ck_assert_ptr_null(f.err);
	ck_assert_int_eq(spillfile_pread(&f, back, 10, f.size - 5), -1);
	ck_assert_ptr_nonnull(strstr(f.err, "st: cannot read a temporary file in "));
	free(back);
	buf_free(&all);
	spillfile_close(&f);
	ck_assert_ptr_null(f.wbuf);
	ck_assert_uint_eq(f.blk, 0);
}

START_TEST(test_direct)
{
	direct_roundtrip(false, 0);
	direct_roundtrip(true, 0);
	direct_roundtrip(false, 4u << 20);
}
END_TEST

START_TEST(test_error_sticks)
{
	struct spillfile f;
	struct run_writer w;
	const char *want = "st: cannot create a temporary file in /nonexistent/dir: "
	    "No such file or directory";

	spillfile_init(&f, "st", "/nonexistent/dir");
	ck_assert_int_eq(spillfile_write(&f, "x", 1), -1);
	ck_assert_str_eq(f.err, want);
	/* Later failures keep the first message. */
	spillfile_fail(&f, xstrdup("something else"));
	ck_assert_int_eq(spillfile_write(&f, "y", 1), -1);
	run_writer_begin(&w, &f, 1);
	put_item(&w.b, 3);
	ck_assert_int_eq(run_writer_step(&w), -1);
	ck_assert_int_eq(run_writer_end(&w), -1);
	ck_assert_str_eq(f.err, want);
	spillfile_close(&f);
	ck_assert_ptr_null(f.err);
}
END_TEST

START_TEST(test_corrupt)
{
	struct spillfile f;
	struct run_reader rd;
	struct buf b = { 0 };
	const char *p;
	size_t n;
	char *want;

	spillfile_init(&f, "st", tmpdir());
	put_item(&b, 5);
	buf_put_varint(&b, 100);	/* an item longer than the run */
	buf_append(&b, "abc", 3);
	ck_assert_int_eq(spillfile_write(&f, b.data, b.len), 0);
	run_reader_open(&rd, &f, 0, b.len, 4);
	ck_assert_int_eq(run_reader_next(&rd, &p, &n), 0);
	ck_assert_uint_eq(n, 5);
	ck_assert_int_eq(run_reader_next(&rd, &p, &n), -1);
	want = xasprintf("st: a temporary file in %s is corrupt", tmpdir());
	ck_assert_str_eq(f.err, want);
	free(want);
	run_reader_close(&rd);
	/* A varint that never ends is corrupt too. */
	free(f.err);
	f.err = NULL;
	ck_assert_int_eq(spillfile_write(&f, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 11), 0);
	run_reader_open(&rd, &f, b.len, 11, 64);
	ck_assert_int_eq(run_reader_next(&rd, &p, &n), -1);
	ck_assert_ptr_nonnull(strstr(f.err, "is corrupt"));
	run_reader_close(&rd);
	buf_free(&b);
	spillfile_close(&f);
}
END_TEST

/* Sources of sorted numbers; UINT32_MAX ends one. */
struct srcs {
	const unsigned *v[8];
	size_t at[8];
};

static unsigned cur(const struct srcs *s, size_t i)
{
	return s->v[i][s->at[i]];
}

static bool less(void *ctx, size_t a, size_t b)
{
	const struct srcs *s = ctx;
	unsigned x = cur(s, a), y = cur(s, b);

	if (x == UINT32_MAX || y == UINT32_MAX)
		return x != UINT32_MAX;
	return x != y ? x < y : a < b;
}

START_TEST(test_losertree)
{
	static const unsigned a[] = { 1, 3, 3, 9, UINT32_MAX }, b[] = { 3, 4, UINT32_MAX },
	    c[] = { UINT32_MAX }, d[] = { 0, 3, 9, 9, UINT32_MAX }, e[] = { 2, UINT32_MAX };
	/* value * 10 + source: equal values in source order */
	static const unsigned want[] = { 3, 10, 24, 30, 30, 31, 33, 41, 90, 93, 93 };
	struct srcs s = { { a, b, c, d, e }, { 0 } };
	struct losertree lt;
	size_t n = 0;

	losertree_init(&lt, 5, less, &s);
	while (cur(&s, losertree_top(&lt)) != UINT32_MAX) {
		size_t t = losertree_top(&lt);

		ck_assert_uint_lt(n, 11);
		ck_assert_uint_eq(cur(&s, t) * 10 + (unsigned)t, want[n]);
		n++;
		s.at[t]++;
		losertree_next(&lt, less, &s);
	}
	ck_assert_uint_eq(n, 11);
	losertree_free(&lt);
	/* One source. */
	memset(&s, 0, sizeof s);
	s.v[0] = a;
	losertree_init(&lt, 1, less, &s);
	for (n = 0; cur(&s, losertree_top(&lt)) != UINT32_MAX; n++) {
		s.at[0]++;
		losertree_next(&lt, less, &s);
	}
	ck_assert_uint_eq(n, 4);
	losertree_free(&lt);
}
END_TEST

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* n items (a permutation of 0..n-1 with repeats folded in) sorted with mem
 * bytes: read back in order, twice, as many as added. */
static void sort_check(uint64_t n, size_t mem)
{
	struct spillfile f;
	struct valsort vs;
	struct vs_cursor c;
	uint64_t x;

	spillfile_init(&f, "st", tmpdir());
	valsort_init(&vs, &f, sizeof x, u64_cmp, mem);
	for (uint64_t i = 0; i < n; i++) {
		x = (i * 7919) % n / 2;	/* each value twice */
		ck_assert_int_eq(valsort_add(&vs, &x), 0);
	}
	ck_assert_int_eq(valsort_finish(&vs), 0);
	ck_assert_uint_le(vs.nruns, VS_FANIN);
	ck_assert_uint_eq(vs.count, n);
	for (int pass = 0; pass < 2; pass++) {
		uint64_t i = 0;
		int rc;

		vs_cursor_open(&c, &vs);
		while ((rc = vs_cursor_next(&c, &x)) == 0) {
			ck_assert_uint_eq(x, i / 2);
			i++;
		}
		ck_assert_int_eq(rc, 1);
		ck_assert_uint_eq(i, n);
		vs_cursor_close(&c);
	}
	valsort_free(&vs);
	spillfile_close(&f);
}

START_TEST(test_valsort)
{
	sort_check(10000, 1 << 20);	/* in memory */
	sort_check(10000, 64 * 8);	/* 157 runs: merged 16 at a time, twice */
	sort_check(1, 64);
	sort_check(0, 64);
}
END_TEST

/* Variable-length items: strings compared as bytes, shorter first on a
 * common prefix. */
static int var_cmp(const void *a, const void *b)
{
	const struct vs_item *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = n > 0 ? memcmp(x->p, y->p, n) : 0;	/* an empty item's p may be NULL */

	return c != 0 ? c : (x->len > y->len) - (x->len < y->len);
}

/* n strings ("v" and a number below n / 2 in decimal, each twice, the
 * first of a pair empty when the number is 0) sorted with mem bytes:
 * read back in order, twice, as many as added. */
static void var_check(uint64_t n, size_t mem)
{
	struct spillfile f;
	struct valsort vs;
	struct vs_cursor c;
	struct vs_item it;
	char s[32], prev[32] = "";
	size_t plen = 0;

	spillfile_init(&f, "st", tmpdir());
	valsort_init_var(&vs, &f, var_cmp, mem);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t x = (i * 7919) % n / 2;
		int len = x == 0 ? 0 : snprintf(s, sizeof s, "v%llu", (unsigned long long)x);

		ck_assert_int_eq(valsort_add_var(&vs, s, (size_t)len), 0);
	}
	ck_assert_int_eq(valsort_finish(&vs), 0);
	ck_assert_uint_le(vs.nruns, VS_FANIN);
	ck_assert_uint_eq(vs.count, n);
	for (int pass = 0; pass < 2; pass++) {
		uint64_t i = 0;
		int rc;

		vs_cursor_open(&c, &vs);
		while ((rc = vs_cursor_next_var(&c, &it)) == 0) {
			struct vs_item p = { prev, plen };

			ck_assert_int_le(var_cmp(&p, &it), 0);
			/* pairs: every other one equals the one before */
			if (i % 2 == 1)
				ck_assert_int_eq(var_cmp(&p, &it), 0);
			memcpy(prev, it.p, it.len);
			plen = it.len;
			i++;
		}
		ck_assert_int_eq(rc, 1);
		ck_assert_uint_eq(i, n);
		vs_cursor_close(&c);
		plen = 0;
	}
	valsort_free(&vs);
	spillfile_close(&f);
}

START_TEST(test_valsort_var)
{
	var_check(10000, 1 << 20);	/* in memory */
	var_check(10000, 4096);		/* many runs: merged 16 at a time */
	var_check(1, 64);
	var_check(0, 64);
}
END_TEST

/* A sort whose spill fails: the add that spills fails, and the later ones
 * at once. */
START_TEST(test_valsort_error)
{
	struct spillfile f;
	struct valsort vs;
	uint64_t x = 1;
	int rc = 0;

	spillfile_init(&f, "st", "/nonexistent/dir");
	valsort_init(&vs, &f, sizeof x, u64_cmp, 64 * 8);
	for (int i = 0; i < 200 && rc == 0; i++)
		rc = valsort_add(&vs, &x);
	ck_assert_int_eq(rc, -1);
	ck_assert_ptr_nonnull(f.err);
	ck_assert_int_eq(valsort_add(&vs, &x), -1);
	valsort_free(&vs);
	spillfile_close(&f);
}
END_TEST

Suite *suite_runs(void)
{
	Suite *s = suite_create("runs");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_write_read);
	tcase_add_test(tc, test_peek_ahead);
	tcase_add_test(tc, test_memory_prefix);
	tcase_add_test(tc, test_memory_segments);
	tcase_add_test(tc, test_direct);
	tcase_add_test(tc, test_error_sticks);
	tcase_add_test(tc, test_corrupt);
	tcase_add_test(tc, test_losertree);
	tcase_add_test(tc, test_valsort);
	tcase_add_test(tc, test_valsort_error);
	tcase_add_test(tc, test_valsort_var);
	suite_add_tcase(s, tc);
	return s;
}
