/* check_gzip.c - gzip and zstd codecs: pieces that assemble into one
 * gzip member, the streaming inflater against gzip -t, BGZF members,
 * zstd frames.  The gzip, pigz, bgzip and zstd programs are used as
 * references when installed (gzip always is). */
#include "autoconfig.h"

#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "buf.h"
#include "check_suites.h"
#include "compress.h"
#include "decompress.h"
#include "gzip_in.h"
#include "gzip_out.h"
#include "util.h"
#include "zstd_codec.h"

/* Check records every assertion that passes, at a write(2) each: loops
 * that run millions of times check with this instead. */
#define REQUIRE(cond, ...) do { if (!(cond)) ck_abort_msg(__VA_ARGS__); } while (0)

/* ---- data ---- */

static uint64_t rng_state;

static uint32_t rnd(void)
{
	/* xorshift64*: the same data on every run. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 2685821657736338717ULL) >> 32);
}

static void seed(uint64_t s)
{
	rng_state = s * 0x9e3779b97f4a7c15ULL + 1;
}

static void gen_random(struct buf *b, size_t n)
{
	buf_reserve(b, n);
	for (size_t i = 0; i < n; i++)
		b->data[b->len++] = (char)rnd();
}

static void gen_repetitive(struct buf *b, size_t n)
{
	static const char *const words[] = { "alpha ", "beta ", "gamma\n", "delta ", "alpha beta " };

	while (b->len < n) {
		const char *w = words[rnd() % 5];

		buf_append(b, w, strlen(w));
	}
	b->len = n;
}

/* An access log: what forkpipe is mostly fed. */
static void gen_log(struct buf *b, size_t n)
{
	static const char *const paths[] = {
		"/", "/index.html", "/api/v1/items/", "/api/v1/users/", "/static/app.js",
		"/static/style.css", "/images/logo.png", "/search?q=", "/login", "/cart/add/",
	};
	static const char *const agents[] = {
		"Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0 Safari/537.36",
		"curl/7.88.1", "Googlebot/2.1 (+http://www.google.com/bot.html)", "python-requests/2.31.0",
	};
	static const char *const methods[] = { "GET", "GET", "GET", "POST", "HEAD" };
	static const int status[] = { 200, 200, 200, 200, 304, 301, 404, 500, 403 };
	unsigned sec = 0;

	while (b->len < n) {
		sec += rnd() % 3;
		buf_printf(b, "10.%u.%u.%u - - [12/Nov/2024:%02u:%02u:%02u +0000] \"%s %s%u HTTP/1.1\" %d %u "
		    "\"-\" \"%s\"\n", rnd() % 4, rnd() % 256, rnd() % 256, sec / 3600 % 24, sec / 60 % 60,
		    sec % 60, methods[rnd() % 5], paths[rnd() % 10], rnd() % 5000, status[rnd() % 9],
		    rnd() % 60000, agents[rnd() % 5]);
	}
	b->len = n;
}

/* ---- files and programs ---- */

/* Each test works in its own directory under a base that the parent
 * process removes after the test case, even when a test failed. */
static char basedir[64], tmpdir[96];

static void base_setup(void)
{
	strcpy(basedir, "/tmp/check_gzip.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(basedir));
}

static void base_teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", basedir);
	if (system(cmd) != 0)
		fprintf(stderr, "check_gzip: cannot remove %s\n", basedir);
}

static void tmp_setup(void)
{
	snprintf(tmpdir, sizeof tmpdir, "%s/t.XXXXXX", basedir);
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

/* Write len bytes to tmpdir/name; returns the path, in one of four static
 * buffers that calls take in turn. */
static const char *put_file(const char *name, const void *data, size_t len)
{
	static char paths[4][128];
	static int slot;
	char *path = paths[slot++ % 4];
	int fd;

	snprintf(path, 128, "%s/%s", tmpdir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write_all(fd, data, len), 0);
	close(fd);
	return path;
}

static void get_file(const char *path, struct buf *b)
{
	char tmp[65536];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	while ((n = read(fd, tmp, sizeof tmp)) > 0)
		buf_append(b, tmp, (size_t)n);
	close(fd);
}

/* Run a shell command; its exit status. */
static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	st = system(cmd);
	ck_assert_int_ne(st, -1);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static bool have(const char *prog)
{
	static const char *names[8];
	static bool found[8];
	static int n;

	for (int i = 0; i < n; i++)
		if (strcmp(names[i], prog) == 0)
			return found[i];
	ck_assert_int_lt(n, 8);
	names[n] = prog;
	found[n] = run("command -v %s >/dev/null 2>&1", prog) == 0;
	return found[n++];
}

/*
 * A batch of files in one directory, for one gzip (or zstd) process to
 * judge them all: starting a process costs tens of milliseconds here,
 * and the tests check thousands of streams.
 */
struct batch {
	char dir[160];
	const char *ext;	/* "gz" or "zst" */
	size_t n;
	struct buf want;	/* round trips: every file's data, in order */
};

static void batch_init(struct batch *b, const char *name, const char *ext)
{
	memset(b, 0, sizeof *b);
	snprintf(b->dir, sizeof b->dir, "%s/%s", tmpdir, name);
	ck_assert_int_eq(mkdir(b->dir, 0700), 0);
	b->ext = ext;
}

static void batch_add(struct batch *b, const void *data, size_t len)
{
	char path[200];
	int fd;

	/* Numbered so that the shell's glob lists them in order. */
	snprintf(path, sizeof path, "%s/%06zu.%s", b->dir, b->n++, b->ext);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write_all(fd, data, len), 0);
	close(fd);
}

/* A stream that must decompress to want. */
static void batch_add_pair(struct batch *b, const struct buf *z, const char *want, size_t wantlen)
{
	batch_add(b, z->data, z->len);
	buf_append(&b->want, want, wantlen);
}

/* TOOL -t passes on every file, and TOOL -dc of all of them gives every
 * expected byte. */
static void batch_round_trip(struct batch *b, const char *tool)
{
	char out[200];
	struct buf got = { 0 };
	size_t i;

	if (b->n > 0) {
		ck_assert_int_eq(run("cd '%s' && %s -t -- *.%s", b->dir, tool, b->ext), 0);
		snprintf(out, sizeof out, "%s.out", b->dir);
		ck_assert_int_eq(run("cd '%s' && %s -dc -- *.%s > '%s'", b->dir, tool, b->ext, out), 0);
		get_file(out, &got);
		for (i = 0; i < got.len && i < b->want.len && got.data[i] == b->want.data[i]; i++)
			continue;
		ck_assert_msg(i == got.len && i == b->want.len, "%s -dc differs at byte %zu of %zu", tool, i,
		    b->want.len);
	}
	buf_free(&got);
	buf_free(&b->want);
}

/* ---- gzip output ---- */

/* gz_deflate_piece(), which never fails here. */
static struct gz_piece deflate_piece(struct gz_deflater *d, const void *dict, size_t dictlen,
    const void *data, size_t len, struct buf *out)
{
	struct gz_piece p;
	char *err = NULL;

	if (gz_deflate_piece(d, dict, dictlen, data, len, out, &p, &err) < 0)
		ck_abort_msg("gz_deflate_piece: %s", err);
	return p;
}

/* Compress data the way workers and merger will: pieces of piece bytes,
 * each primed with the 32 KiB before it when dict is set. */
static void assemble(struct gz_deflater *d, int level, bool dict, const char *data, size_t len,
    size_t piece, struct buf *out)
{
	struct gz_writer w;
	size_t off = 0;

	gzip_header(out, level);
	gz_writer_init(&w);
	do {
		size_t n = len - off < piece ? len - off : piece;
		size_t dl = dict ? (off < GZ_DICT_MAX ? off : GZ_DICT_MAX) : 0;
		struct gz_piece p = deflate_piece(d, dl ? data + off - dl : NULL, dl, data + off, n, out);

		REQUIRE(p.len == n, "piece length %zu, want %zu", (size_t)p.len, n);
		REQUIRE(p.crc == (uint32_t)crc32(0, (const Bytef *)data + off, (uInt)n), "piece CRC");
		gz_writer_add(&w, p);
		off += n;
	} while (off < len);
	ck_assert_uint_eq(w.len, len);
	gz_writer_finish(&w, out);
}

/* zlib's own gunzip: exactly one member, exactly the bytes. */
static void zlib_gunzip_eq(const struct buf *gz, const char *want, size_t wantlen)
{
	z_stream zs;
	struct buf out = { 0 };
	int rc;

	memset(&zs, 0, sizeof zs);
	ck_assert_int_eq(inflateInit2(&zs, 16 + 15), Z_OK);
	buf_reserve(&out, wantlen + 1);
	zs.next_in = (Bytef *)gz->data;
	zs.avail_in = (uInt)gz->len;
	zs.next_out = (Bytef *)out.data;
	zs.avail_out = (uInt)out.cap;
	rc = inflate(&zs, Z_FINISH);
	ck_assert_msg(rc == Z_STREAM_END, "zlib inflate: %d %s", rc, zs.msg ? zs.msg : "");
	ck_assert_uint_eq(zs.avail_in, 0);
	ck_assert_uint_eq(zs.total_out, wantlen);
	ck_assert(wantlen == 0 || memcmp(out.data, want, wantlen) == 0);
	inflateEnd(&zs);
	buf_free(&out);
}

/* gzip -t and gzip -dc on one stream. */
static void gzip_tool_eq(const struct buf *gz, const char *want, size_t wantlen)
{
	static int count;
	struct batch b;
	char name[32];

	snprintf(name, sizeof name, "one%d", count++);
	batch_init(&b, name, "gz");
	batch_add_pair(&b, gz, want, wantlen);
	batch_round_trip(&b, "gzip");
}

/* Decode all of in with the streaming decoder, in input pieces of ip
 * bytes and output room of op bytes.  GZ_END or GZ_ERROR. */
typedef int decode_fn(void *z, const void *in, size_t inlen, size_t *used, void *out,
    size_t outcap, size_t *made, bool eof, char **err);

static int gz_decode_fn(void *z, const void *in, size_t inlen, size_t *used, void *out,
    size_t outcap, size_t *made, bool eof, char **err)
{
	return gz_inflate(z, in, inlen, used, out, outcap, made, eof, err);
}

static int zstd_decode_fn(void *z, const void *in, size_t inlen, size_t *used, void *out,
    size_t outcap, size_t *made, bool eof, char **err)
{
	return zstd_decode(z, in, inlen, used, out, outcap, made, eof, err);
}

static int decode_all(decode_fn *fn, void *z, const char *in, size_t len, size_t ip, size_t op,
    struct buf *out, char **err)
{
	size_t pos = 0;

	*err = NULL;
	for (;;) {
		size_t n = len - pos < ip ? len - pos : ip, used = 0, made = 0;
		bool eof = pos + n == len;
		int rc;

		buf_reserve(out, op);
		rc = fn(z, in + pos, n, &used, out->data + out->len, op, &made, eof, err);
		REQUIRE(used <= n && made <= op, "used %zu of %zu, made %zu of %zu", used, n, made, op);
		out->len += made;
		pos += used;
		if (rc != GZ_MORE)
			return rc;
		/* GZ_MORE means the input was used up or the room filled. */
		REQUIRE(used == n || made == op, "GZ_MORE without reason: used %zu/%zu made %zu/%zu",
		    used, n, made, op);
		REQUIRE(used > 0 || made > 0, "GZ_MORE without progress");
	}
}

static int gunzip_ours(const char *in, size_t len, size_t ip, size_t op, struct buf *out, char **err)
{
	struct gz_inflater *z = gz_inflater_new();
	int rc = decode_all(gz_decode_fn, z, in, len, ip, op, out, err);

	if (rc == GZ_END) {
		ck_assert_uint_eq(gz_inflater_total_in(z), len);
		ck_assert_uint_eq(gz_inflater_total_out(z), out->len);
	}
	gz_inflater_free(z);
	return rc;
}

static void ours_eq(const struct buf *gz, size_t ip, size_t op, const char *want, size_t wantlen)
{
	struct buf out = { 0 };
	char *err;
	int rc = gunzip_ours(gz->data, gz->len, ip, op, &out, &err);

	ck_assert_msg(rc == GZ_END, "gz_inflate (in %zu, out %zu): %s", ip, op, err ? err : "?");
	ck_assert_uint_eq(out.len, wantlen);
	ck_assert(wantlen == 0 || memcmp(out.data, want, wantlen) == 0);
	buf_free(&out);
}

START_TEST(test_detect)
{
	ck_assert(gzip_detect("\x1f\x8b\x08", 3));
	ck_assert(gzip_detect("\x1f\x8b\x08\x00\x00", 5));
	ck_assert(!gzip_detect("\x1f\x8b", 2));
	ck_assert(!gzip_detect("\x1f\x8b\x07", 3));
	ck_assert(!gzip_detect("hello", 5));
	ck_assert(!gzip_detect("", 0));
	ck_assert(zstd_detect("\x28\xb5\x2f\xfd", 4));
	ck_assert(zstd_detect("\x50\x2a\x4d\x18", 4));
	ck_assert(zstd_detect("\x5f\x2a\x4d\x18", 4));
	ck_assert(!zstd_detect("\x28\xb5\x2f", 3));
	ck_assert(!zstd_detect("\x1f\x8b\x08\x00", 4));
	ck_assert(zstd_level_valid(1) && zstd_level_valid(3) && zstd_level_valid(19));
	ck_assert(!zstd_level_valid(1000));
}
END_TEST

START_TEST(test_codec_detect)
{
	/* What the engine decides from an input's first bytes: gzip by its
	 * two magic bytes, as gzip does (a bad method after them is a
	 * corrupt header, not plain data); shorter inputs are plain. */
	ck_assert_int_eq(codec_detect("\x1f\x8b\x08\x00", 4), CODEC_GZIP);
	ck_assert_int_eq(codec_detect("\x1f\x8b\x07", 3), CODEC_GZIP);
	ck_assert_int_eq(codec_detect("\x1f\x8b", 2), CODEC_GZIP);
	ck_assert_int_eq(codec_detect("\x1f", 1), CODEC_NONE);
	ck_assert_int_eq(codec_detect("\x1f\x9e\x08\x00", 4), CODEC_NONE);
	ck_assert_int_eq(codec_detect("\x28\xb5\x2f\xfd", 4), CODEC_ZSTD);
	ck_assert_int_eq(codec_detect("\x53\x2a\x4d\x18", 4), CODEC_ZSTD);
	ck_assert_int_eq(codec_detect("\x28\xb5\x2f", 3), CODEC_NONE);
	ck_assert_int_eq(codec_detect("GET /", 5), CODEC_NONE);
	ck_assert_int_eq(codec_detect("", 0), CODEC_NONE);
}
END_TEST

START_TEST(test_empty_output)
{
	/* No piece at all, or only empty ones: what gzip writes for
	 * /dev/null, byte for byte. */
	static const unsigned char want[20] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 3, 0 };
	struct gz_deflater *d = gz_deflater_new(6);
	struct buf gz = { 0 };
	struct gz_writer w;
	struct gz_piece p;

	gzip_header(&gz, 6);
	gz_writer_init(&w);
	p = deflate_piece(d, NULL, 0, "", 0, &gz);
	ck_assert_uint_eq(p.len, 0);
	gz_writer_add(&w, p);
	gz_writer_finish(&w, &gz);
	ck_assert_uint_eq(gz.len, 20);
	ck_assert_mem_eq(gz.data, want, 20);
	zlib_gunzip_eq(&gz, "", 0);
	ours_eq(&gz, 1, 1, "", 0);
	gzip_tool_eq(&gz, "", 0);
	buf_free(&gz);
	gz_deflater_free(d);
}
END_TEST

START_TEST(test_round_trip)
{
	static const int levels[] = { 1, 6, 9 };
	static const size_t pieces[] = { 1, 2, 3, 7, 100, 4096, 32768, 32769, 65536, 100003, 1 << 20 };
	struct buf inputs[8] = { { 0 } };
	size_t ninputs = 0;
	struct batch b;

	batch_init(&b, "round", "gz");
	seed(1);
	for (size_t n = 0; n <= 3; n++)
		gen_random(&inputs[ninputs++], n);
	gen_log(&inputs[ninputs++], 3000);
	gen_repetitive(&inputs[ninputs++], 150000);
	gen_random(&inputs[ninputs++], 70000);
	gen_log(&inputs[ninputs++], 300000);

	for (size_t li = 0; li < 3; li++) {
		struct gz_deflater *d = gz_deflater_new(levels[li]);

		for (size_t ii = 0; ii < ninputs; ii++) {
			const struct buf *in = &inputs[ii];

			for (size_t pi = 0; pi < sizeof pieces / sizeof *pieces; pi++) {
				/* Tiny pieces only for small inputs, and each piece
				 * size once it covers the whole input. */
				if (in->len / pieces[pi] > 4000 || (pi > 0 && pieces[pi - 1] >= in->len))
					continue;
				for (int dict = 0; dict <= 1; dict++) {
					struct buf gz = { 0 };

					assemble(d, levels[li], dict, in->data, in->len, pieces[pi], &gz);
					zlib_gunzip_eq(&gz, in->data, in->len);
					ours_eq(&gz, gz.len, 65536, in->data, in->len);
					ours_eq(&gz, 1 + pi * 37, 1 + pi * 1000, in->data, in->len);
					batch_add_pair(&b, &gz, in->data, in->len);
					buf_free(&gz);
				}
			}
		}
		gz_deflater_free(d);
	}
	batch_round_trip(&b, "gzip");
	for (size_t i = 0; i < ninputs; i++)
		buf_free(&inputs[i]);
}
END_TEST

/* A dictionary must make repeated content across pieces cheap; without
 * one each piece starts afresh. */
START_TEST(test_dictionary_helps)
{
	struct gz_deflater *d = gz_deflater_new(6);
	struct buf data = { 0 }, with = { 0 }, without = { 0 };

	seed(2);
	gen_random(&data, 20000);
	buf_reserve(&data, 20000);	/* no move while appending to itself */
	buf_append(&data, data.data, 20000);	/* the second half repeats the first */
	assemble(d, 6, true, data.data, data.len, 20000, &with);
	assemble(d, 6, false, data.data, data.len, 20000, &without);
	ck_assert_uint_lt(with.len, 20000 + 1000);
	ck_assert_uint_gt(without.len, 40000);
	zlib_gunzip_eq(&with, data.data, data.len);
	/* A dictionary longer than the window is cut to its end. */
	{
		struct buf gz = { 0 };
		struct gz_writer w;

		gzip_header(&gz, 6);
		gz_writer_init(&w);
		gz_writer_add(&w, deflate_piece(d, NULL, 0, data.data, 20000, &gz));
		gz_writer_add(&w, deflate_piece(d, data.data, 20000, data.data + 20000, 20000, &gz));
		gz_writer_finish(&w, &gz);
		zlib_gunzip_eq(&gz, data.data, data.len);
		buf_free(&gz);
	}
	buf_free(&data);
	buf_free(&with);
	buf_free(&without);
	gz_deflater_free(d);
}
END_TEST

/* Within 1% of gzip -6 on 10 MB of log in 1 MiB pieces (and of pigz -6,
 * which does the same thing, when installed). */
START_TEST(test_ratio)
{
	struct gz_deflater *d = gz_deflater_new(6);
	struct buf log = { 0 }, gz = { 0 }, indep = { 0 }, ref = { 0 };
	char logpath[128], gzpath[160];

	seed(3);
	gen_log(&log, 10 * 1000 * 1000);
	snprintf(logpath, sizeof logpath, "%s", put_file("log", log.data, log.len));
	snprintf(gzpath, sizeof gzpath, "%s.gz", logpath);
	assemble(d, 6, true, log.data, log.len, 1 << 20, &gz);
	assemble(d, 6, false, log.data, log.len, 1 << 20, &indep);
	zlib_gunzip_eq(&gz, log.data, log.len);
	zlib_gunzip_eq(&indep, log.data, log.len);

	ck_assert_int_eq(run("gzip -6 -n -c '%s' > '%s'", logpath, gzpath), 0);
	get_file(gzpath, &ref);
	ck_assert_msg(gz.len * 100 <= ref.len * 101, "with dictionary %zu bytes, gzip -6 %zu", gz.len,
	    ref.len);
	ck_assert_msg(indep.len * 100 <= ref.len * 103, "independent %zu bytes, gzip -6 %zu", indep.len,
	    ref.len);
	if (have("pigz")) {
		ref.len = 0;
		ck_assert_int_eq(run("pigz -6 -n -c '%s' > '%s'", logpath, gzpath), 0);
		get_file(gzpath, &ref);
		ck_assert_msg(gz.len * 100 <= ref.len * 101, "with dictionary %zu bytes, pigz -6 %zu",
		    gz.len, ref.len);
	}
	buf_free(&log);
	buf_free(&gz);
	buf_free(&indep);
	buf_free(&ref);
	gz_deflater_free(d);
}
END_TEST

/* ---- gzip input ---- */

/* A gzip member made by zlib, with the optional header fields. */
static void zlib_member(const char *data, size_t len, int level, const char *name,
    const char *comment, const char *extra, unsigned xlen, bool hcrc, struct buf *out)
{
	z_stream zs;
	gz_header h;
	size_t bound;

	memset(&zs, 0, sizeof zs);
	memset(&h, 0, sizeof h);
	ck_assert_int_eq(deflateInit2(&zs, level, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY), Z_OK);
	h.name = (Bytef *)(uintptr_t)name;
	h.comment = (Bytef *)(uintptr_t)comment;
	h.extra = (Bytef *)(uintptr_t)extra;
	h.extra_len = xlen;
	h.hcrc = hcrc;
	h.os = 3;
	ck_assert_int_eq(deflateSetHeader(&zs, &h), Z_OK);
	bound = deflateBound(&zs, len) + 64 + (name ? strlen(name) : 0) + (comment ? strlen(comment) : 0) + xlen;
	buf_reserve(out, bound);
	zs.next_in = (Bytef *)(uintptr_t)data;
	zs.avail_in = (uInt)len;
	zs.next_out = (Bytef *)out->data + out->len;
	zs.avail_out = (uInt)bound;
	ck_assert_int_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
	out->len += bound - zs.avail_out;
	deflateEnd(&zs);
}

static void put16le(struct buf *b, unsigned v)
{
	buf_putc(b, (char)(v & 0xff));
	buf_putc(b, (char)(v >> 8));
}

static void put32le(struct buf *b, uint32_t v)
{
	put16le(b, v & 0xffff);
	put16le(b, v >> 16);
}

/* BGZF as htslib writes it: members of at most 65280 input bytes, each
 * with a BC extra subfield giving its size, then the empty EOF member.
 * With pad, another subfield comes first, long enough to need a second
 * read. */
static void make_bgzf(const char *data, size_t len, size_t block, bool pad, struct buf *out)
{
	static const unsigned char eof_block[28] = {
		0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff, 6, 0, 'B', 'C', 2, 0, 0x1b, 0,
		3, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	size_t off = 0;

	while (off < len) {
		size_t n = len - off < block ? len - off : block;
		unsigned char raw[70000];
		unsigned xlen = pad ? 6 + 4 + 100 : 6;
		z_stream zs;
		size_t clen;

		memset(&zs, 0, sizeof zs);
		ck_assert_int_eq(deflateInit2(&zs, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
		zs.next_in = (Bytef *)(uintptr_t)(data + off);
		zs.avail_in = (uInt)n;
		zs.next_out = raw;
		zs.avail_out = sizeof raw;
		ck_assert_int_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
		clen = sizeof raw - zs.avail_out;
		deflateEnd(&zs);
		buf_append(out, "\x1f\x8b\x08\x04\0\0\0\0\0\xff", 10);
		put16le(out, xlen);
		if (pad) {
			buf_append(out, "XY", 2);
			put16le(out, 100);
			for (int i = 0; i < 100; i++)
				buf_putc(out, 'p');
		}
		buf_append(out, "BC", 2);
		put16le(out, 2);
		put16le(out, (unsigned)(12 + xlen + clen + 8 - 1));
		buf_append(out, raw, clen);
		put32le(out, (uint32_t)crc32(0, (const Bytef *)data + off, (uInt)n));
		put32le(out, (uint32_t)n);
		off += n;
	}
	buf_append(out, eof_block, sizeof eof_block);
}

START_TEST(test_multi_member)
{
	struct buf text = { 0 }, gz = { 0 }, want = { 0 };
	struct gz_deflater *d = gz_deflater_new(6);
	char extra[40];

	seed(4);
	gen_log(&text, 1500);
	memset(extra, 'x', sizeof extra);
	/* Members of every shape: plain, named, with comment, extra field
	 * and header CRC, empty, ours (sync-flushed pieces, final empty
	 * block). */
	zlib_member(text.data, 400, 6, NULL, NULL, NULL, 0, false, &gz);
	zlib_member(text.data + 400, 300, 9, "access.log", "a comment", extra, sizeof extra, true, &gz);
	zlib_member("", 0, 6, NULL, NULL, NULL, 0, false, &gz);
	zlib_member(text.data + 700, 100, 1, "n", NULL, NULL, 0, true, &gz);
	assemble(d, 6, true, text.data + 800, 700, 123, &gz);
	buf_append(&want, text.data, 1500);

	/* Every input piece size, and small and large output room. */
	for (size_t ip = 1; ip <= gz.len + 1; ip++) {
		ours_eq(&gz, ip, 1, want.data, want.len);
		ours_eq(&gz, ip, 7, want.data, want.len);
		ours_eq(&gz, ip, 65536, want.data, want.len);
	}
	{
		struct gz_inflater *z = gz_inflater_new();
		struct buf out = { 0 };
		char *err;

		ck_assert_int_eq(decode_all(gz_decode_fn, z, gz.data, gz.len, 5, 5, &out, &err), GZ_END);
		ck_assert_uint_eq(gz_inflater_members(z), 5);
		/* Reset: a new stream from the same inflater. */
		gz_inflater_reset(z);
		out.len = 0;
		ck_assert_int_eq(decode_all(gz_decode_fn, z, gz.data, gz.len, 1000, 1000, &out, &err), GZ_END);
		ck_assert_uint_eq(out.len, want.len);
		gz_inflater_free(z);
		buf_free(&out);
	}
	gzip_tool_eq(&gz, want.data, want.len);

	/* pigz -i: independent blocks in one member. */
	if (have("pigz")) {
		struct buf big = { 0 }, pz = { 0 };
		char path[128], gzpath[160];

		gen_log(&big, 400000);
		snprintf(path, sizeof path, "%s", put_file("big", big.data, big.len));
		snprintf(gzpath, sizeof gzpath, "%s.gz", path);
		ck_assert_int_eq(run("pigz -i -b 32 -c '%s' > '%s'", path, gzpath), 0);
		get_file(gzpath, &pz);
		for (size_t ip = 1; ip < 100; ip += 7)
			ours_eq(&pz, ip, 4096, big.data, big.len);
		ours_eq(&pz, pz.len, 1 << 20, big.data, big.len);
		buf_free(&big);
		buf_free(&pz);
	}
	buf_free(&text);
	buf_free(&gz);
	buf_free(&want);
	gz_deflater_free(d);
}
END_TEST

static void check_bgzf_file(const struct buf *bg, const struct buf *data, bool full_sweep)
{
	const char *path = put_file("bgzf.gz", bg->data, bg->len);
	int fd = open(path, O_RDONLY);
	struct gz_member *m;
	struct gz_inflater *z = gz_inflater_new();
	struct buf out = { 0 };
	size_t n;
	uint64_t off = 0;
	char *err = NULL;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bgzf_members(fd, bg->len, &m, &n, &err), 1);
	ck_assert_uint_ge(n, 2);
	/* Back to back, and inflated one by one they give the data. */
	for (size_t i = 0; i < n; i++) {
		size_t used = 0, before = out.len;

		ck_assert_uint_eq(m[i].offset, off);
		off += m[i].csize;
		ck_assert_msg(gz_inflate_member(z, bg->data + m[i].offset, m[i].csize, m[i].offset, &out,
		    &used, &err) == 0, "%s", err);
		ck_assert_uint_eq(used, m[i].csize);
		ck_assert_uint_eq(out.len - before, m[i].usize);
	}
	ck_assert_uint_eq(off, bg->len);
	ck_assert_uint_eq(m[n - 1].usize, 0);	/* the EOF member */
	ck_assert_uint_eq(out.len, data->len);
	ck_assert_mem_eq(out.data, data->data, data->len);
	free(m);
	close(fd);
	gz_inflater_free(z);
	buf_free(&out);

	/* As one stream, in pieces of many sizes. */
	for (size_t ip = 1; ip <= (full_sweep ? 64 : 8); ip++)
		ours_eq(bg, ip, ip * 13, data->data, data->len);
	for (size_t ip = 100; ip < bg->len * 2; ip = ip * 3 + 1)
		ours_eq(bg, ip, 65536, data->data, data->len);
	gzip_tool_eq(bg, data->data, data->len);
}

START_TEST(test_bgzf)
{
	struct buf data = { 0 }, bg = { 0 };

	seed(5);
	gen_log(&data, 200000);
	make_bgzf(data.data, data.len, 65280, false, &bg);
	check_bgzf_file(&bg, &data, true);
	bg.len = 0;
	make_bgzf(data.data, data.len, 10000, true, &bg);
	check_bgzf_file(&bg, &data, false);

	if (have("bgzip")) {
		char path[128], gzpath[160];

		snprintf(path, sizeof path, "%s", put_file("plain", data.data, data.len));
		snprintf(gzpath, sizeof gzpath, "%s.gz", path);
		ck_assert_int_eq(run("bgzip -c '%s' > '%s'", path, gzpath), 0);
		bg.len = 0;
		get_file(gzpath, &bg);
		check_bgzf_file(&bg, &data, false);
	}

	/* Not BGZF, or not only BGZF: 0, for the streaming path. */
	{
		struct gz_deflater *d = gz_deflater_new(6);
		struct buf other = { 0 };
		struct gz_member *m = NULL;
		size_t n = 99;
		char *err = NULL;
		int fd;

		assemble(d, 6, true, data.data, data.len, 65536, &other);
		fd = open(put_file("plain.gz", other.data, other.len), O_RDONLY);
		ck_assert_int_eq(bgzf_members(fd, other.len, &m, &n, &err), 0);
		ck_assert_ptr_null(m);
		ck_assert_uint_eq(n, 0);
		close(fd);

		fd = open(put_file("cut.gz", bg.data, bg.len - 5), O_RDONLY);	/* truncated */
		ck_assert_int_eq(bgzf_members(fd, bg.len - 5, &m, &n, &err), 0);
		close(fd);

		buf_append(&bg, "\0\0\0\0", 4);	/* trailing zeros */
		fd = open(put_file("pad.gz", bg.data, bg.len), O_RDONLY);
		ck_assert_int_eq(bgzf_members(fd, bg.len, &m, &n, &err), 0);
		close(fd);

		fd = open(put_file("empty.gz", "", 0), O_RDONLY);
		ck_assert_int_eq(bgzf_members(fd, 0, &m, &n, &err), 0);
		close(fd);

		/* A read error is -1 with a message. */
		ck_assert_int_eq(bgzf_members(-1, 100, &m, &n, &err), -1);
		ck_assert_ptr_nonnull(strstr(err, "read error"));
		free(err);
		buf_free(&other);
		gz_deflater_free(d);
	}
	buf_free(&data);
	buf_free(&bg);
}
END_TEST

START_TEST(test_member_errors)
{
	struct buf gz = { 0 }, out = { 0 };
	struct gz_inflater *z = gz_inflater_new();
	size_t used;
	char *err, want[128];

	zlib_member("hello, world\n", 13, 6, NULL, NULL, NULL, 0, false, &gz);
	ck_assert_int_eq(gz_inflate_member(z, gz.data, gz.len, 1000, &out, &used, &err), 0);
	ck_assert_uint_eq(used, gz.len);
	ck_assert_uint_eq(out.len, 13);
	/* Offsets count from base. */
	ck_assert_int_eq(gz_inflate_member(z, gz.data, gz.len - 3, 1000, &out, &used, &err), -1);
	snprintf(want, sizeof want, "unexpected end of gzip data at compressed byte offset %zu",
	    1000 + gz.len - 3);
	ck_assert_str_eq(err, want);
	free(err);
	gz.data[gz.len - 8] ^= 1;
	ck_assert_int_eq(gz_inflate_member(z, gz.data, gz.len, 1000, &out, &used, &err), -1);
	snprintf(want, sizeof want, "corrupt gzip data at compressed byte offset %zu: CRC-32 mismatch",
	    1000 + gz.len - 8);
	ck_assert_str_eq(err, want);
	free(err);
	ck_assert_int_eq(gz_inflate_member(z, "hello", 5, 7, &out, &used, &err), -1);
	ck_assert_str_eq(err, "corrupt gzip header at compressed byte offset 7: not a gzip member");
	free(err);
	gz_inflater_free(z);
	buf_free(&gz);
	buf_free(&out);
}
END_TEST

/* What went wrong, in the classes that both gzip -t and the inflater
 * report. */
enum verdict { V_OK, V_TRUNC, V_NOTGZ, V_GARBAGE, V_CRC, V_LEN, V_CORRUPT };
static const char *const vnames[] = { "ok", "truncated", "not gzip", "trailing garbage", "crc",
	"length", "corrupt" };

/* The inflater's verdict, fed whole and byte by byte (same message);
 * *msg gets the message. */
static enum verdict our_verdict(const char *data, size_t len, char **msg)
{
	struct buf out = { 0 };
	char *err, *err1;
	int rc = gunzip_ours(data, len, len + 1, 1 << 16, &out, &err);
	int rc1;

	out.len = 0;
	rc1 = gunzip_ours(data, len, 1, 1000, &out, &err1);
	ck_assert_int_eq(rc, rc1);
	if (rc != GZ_END) {
		ck_assert_str_eq(err, err1);
		free(err1);
	}
	/* Cut in pieces of 13 bytes, too. */
	out.len = 0;
	rc1 = gunzip_ours(data, len, 13, 1 << 16, &out, &err1);
	ck_assert_int_eq(rc, rc1);
	buf_free(&out);
	*msg = err;
	if (rc == GZ_END)
		return V_OK;
	ck_assert_str_eq(err, err1);
	free(err1);
	if (strncmp(err, "unexpected end of gzip data at compressed byte offset ", 54) == 0)
		return V_TRUNC;
	if (strcmp(err, "not in gzip format") == 0)
		return V_NOTGZ;
	if (strncmp(err, "trailing garbage after gzip data at compressed byte offset ", 59) == 0)
		return V_GARBAGE;
	ck_assert_msg(strncmp(err, "corrupt gzip ", 13) == 0, "unexpected message: %s", err);
	if (strstr(err, ": CRC-32 mismatch"))
		return V_CRC;
	if (strstr(err, ": length mismatch"))
		return V_LEN;
	return V_CORRUPT;
}

/* gzip -t's verdict from what it printed about one file. */
static enum verdict gzip_says(const char *text)
{
	if (*text == '\0')
		return V_OK;
	if (strstr(text, "unexpected end of file"))
		return V_TRUNC;
	if (strstr(text, "not in gzip format"))
		return V_NOTGZ;
	if (strstr(text, "trailing garbage ignored"))
		return V_GARBAGE;
	if (strstr(text, "crc error"))
		return V_CRC;
	if (strstr(text, "length error"))
		return V_LEN;
	return V_CORRUPT;
}

/* Streams judged by the inflater at once, and by one gzip -t at the end. */
struct vcase {
	enum verdict ours;
	char *msg;
	const char *what;
	size_t at;
};

struct vbatch {
	struct batch b;
	struct vcase *c;
	size_t cap;
};

static void vb_init(struct vbatch *vb, const char *name)
{
	batch_init(&vb->b, name, "gz");
	vb->c = NULL;
	vb->cap = 0;
}

/* want: the verdict expected (or -1); want_msg: the message (or NULL). */
static void vb_add(struct vbatch *vb, const char *what, size_t at, const char *data, size_t len,
    int want, const char *want_msg)
{
	struct vcase *c;

	if (vb->b.n == vb->cap) {
		vb->cap = vb->cap ? vb->cap * 2 : 64;
		vb->c = xreallocarray(vb->c, vb->cap, sizeof *vb->c);
	}
	c = &vb->c[vb->b.n];
	c->what = what;
	c->at = at;
	c->ours = our_verdict(data, len, &c->msg);
	if (want >= 0)
		ck_assert_msg((int)c->ours == want, "%s at %zu: the inflater says %s (%s), not %s", what, at,
		    vnames[c->ours], c->msg ? c->msg : "", vnames[want]);
	if (want_msg != NULL)
		ck_assert_str_eq(c->msg, want_msg);
	batch_add(&vb->b, data, len);
}

static enum verdict exact(enum verdict v)
{
	return v;
}

/* Bad data of any kind (truncated, corrupt, CRC or length mismatch) as
 * one verdict: gzip's own inflate does not check distances against the
 * data decoded so far and copies zeros instead, so where zlib stops at
 * "invalid distance too far back" gzip goes on and fails the CRC.  The
 * reason may differ, never the verdict. */
static enum verdict group(enum verdict v)
{
	return v == V_TRUNC || v == V_CRC || v == V_LEN ? V_CORRUPT : v;
}

/* The same verdict as gzip -t on every stream, compared through
 * classes.  Returns how many streams were bad. */
static size_t vb_check(struct vbatch *vb, enum verdict (*classes)(enum verdict))
{
	struct buf err = { 0 }, *text = xcalloc(vb->b.n, sizeof *text);
	char errpath[200];
	size_t bad = 0;

	snprintf(errpath, sizeof errpath, "%s.err", vb->b.dir);
	/* gzip -t names each file it finds fault with; a file it does not
	 * name is good.  After some errors it gives up on the files left:
	 * so it runs again after the last file it named, until none. */
	for (size_t from = 0; from < vb->b.n; ) {
		unsigned long last = ULONG_MAX;

		run("cd '%s' && set -- *.gz && shift %zu && gzip -t -- \"$@\" 2>'%s'", vb->b.dir, from,
		    errpath);
		err.len = 0;
		get_file(errpath, &err);
		buf_putc(&err, '\0');
		for (char *line = err.data, *nl; *line; line = nl + 1) {
			char *end;
			unsigned long i;

			nl = strchr(line, '\n');
			if (nl == NULL)
				nl = line + strlen(line) - 1;
			if (strncmp(line, "gzip: ", 6) != 0)
				continue;
			i = strtoul(line + 6, &end, 10);
			ck_assert_msg(end != line + 6 && i < vb->b.n, "gzip -t: %.*s", (int)(nl - line), line);
			buf_append(&text[i], end, (size_t)(nl - end));
			buf_putc(&text[i], ' ');
			last = i;
		}
		from = last != ULONG_MAX ? last + 1 : vb->b.n;
	}
	for (size_t i = 0; i < vb->b.n; i++) {
		struct vcase *c = &vb->c[i];
		enum verdict g;

		buf_putc(&text[i], '\0');
		g = gzip_says(text[i].data);
		ck_assert_msg(classes(g) == classes(c->ours),
		    "%s at %zu: gzip -t says %s (%s), the inflater %s (%s)", c->what, c->at, vnames[g],
		    text[i].data, vnames[c->ours], c->msg ? c->msg : "");
		if (c->ours != V_OK)
			bad++;
		free(c->msg);
		buf_free(&text[i]);
	}
	free(text);
	free(vb->c);
	buf_free(&err);
	return bad;
}

/* Two members, the second made here, as the corruption target. */
static void sample(struct buf *gz, size_t *second)
{
	struct gz_deflater *d = gz_deflater_new(6);
	struct buf text = { 0 };

	seed(6);
	gen_log(&text, 1000);
	zlib_member(text.data, 500, 6, "x.log", NULL, NULL, 0, false, gz);
	*second = gz->len;
	assemble(d, 6, true, text.data + 500, 500, 200, gz);
	buf_free(&text);
	gz_deflater_free(d);
}

START_TEST(test_corrupt_named)
{
	struct buf gz = { 0 }, c = { 0 };
	struct vbatch vb;
	size_t second, n;
	char want[160];

	vb_init(&vb, "named");
	sample(&gz, &second);
	n = gz.len;
	vb_add(&vb, "good", 0, gz.data, n, V_OK, NULL);

	/* Bad CRC-32, bad ISIZE, in either member. */
	for (int m = 0; m < 2; m++) {
		size_t end = m ? n : second;

		c.len = 0;
		buf_append(&c, gz.data, n);
		c.data[end - 8] ^= 0x40;
		snprintf(want, sizeof want, "corrupt gzip data at compressed byte offset %zu: CRC-32 mismatch",
		    end - 8);
		vb_add(&vb, "crc", end - 8, c.data, n, V_CRC, want);
		c.data[end - 8] ^= 0x40;
		c.data[end - 3] ^= 0x01;
		snprintf(want, sizeof want, "corrupt gzip data at compressed byte offset %zu: length mismatch",
		    end - 4);
		vb_add(&vb, "isize", end - 4, c.data, n, V_LEN, want);
	}

	/* Truncated in the headers, the trailers, and through the data;
	 * where a member ends the file is fine. */
	for (size_t cut = 0; cut < n; cut++) {
		if (!(cut < 20 || (cut + 12 > second && cut < second + 20) || cut + 20 > n || cut % 11 == 0))
			continue;
		snprintf(want, sizeof want, "unexpected end of gzip data at compressed byte offset %zu", cut);
		vb_add(&vb, "truncated", cut, gz.data, cut, cut == second ? V_OK : V_TRUNC,
		    cut == second ? NULL : want);
	}

	/* Trailing bytes: zeros are padding, anything else garbage, a lone
	 * non-zero byte or a bare magic a truncated member. */
	{
		static const struct { const char *s; size_t len; enum verdict v; } tails[] = {
			{ "\0", 1, V_OK }, { "\0\0", 2, V_OK }, { "\0\0\0\0\0\0\0\0\0\0\0\0", 12, V_OK },
			{ "x", 1, V_TRUNC }, { "\x1f", 1, V_TRUNC }, { "\x1f\x8b", 2, V_TRUNC },
			{ "\x1f\x8b\x08", 3, V_TRUNC }, { "\x1f\x8b\x08\0\0\0\0\0\0\x03", 10, V_TRUNC },
			{ "xy", 2, V_GARBAGE }, { "x\0", 2, V_GARBAGE }, { "\0x", 2, V_GARBAGE },
			{ "\0\0\0\0\0\0\0\0x", 9, V_GARBAGE }, { "garbage\n", 8, V_GARBAGE },
			{ "PK\x03\x04zzzz", 8, V_GARBAGE }, { "\x1f\x8c\0\0", 4, V_GARBAGE },
			{ "\x1f\x8b\x07\0\0\0\0\0\0\x03", 10, V_CORRUPT },
			{ "\x1f\x8b\x08\x80\0\0\0\0\0\x03", 10, V_CORRUPT },
		};

		for (size_t i = 0; i < sizeof tails / sizeof *tails; i++) {
			c.len = 0;
			buf_append(&c, gz.data, n);
			buf_append(&c, tails[i].s, tails[i].len);
			snprintf(want, sizeof want,
			    "trailing garbage after gzip data at compressed byte offset %zu", n);
			vb_add(&vb, "tail", i, c.data, c.len, (int)tails[i].v,
			    tails[i].v == V_GARBAGE ? want : NULL);
		}
		/* Lots of zeros. */
		c.len = 0;
		buf_append(&c, gz.data, n);
		for (int i = 0; i < 100000; i++)
			buf_putc(&c, 0);
		vb_add(&vb, "zeros", 100000, c.data, c.len, V_OK, NULL);
	}

	/* Not gzip at all. */
	vb_add(&vb, "empty", 0, "", 0, V_TRUNC, "unexpected end of gzip data at compressed byte offset 0");
	vb_add(&vb, "one byte", 0, "x", 1, V_TRUNC, "unexpected end of gzip data at compressed byte offset 1");
	vb_add(&vb, "zero byte", 0, "\0", 1, V_NOTGZ, "not in gzip format");
	vb_add(&vb, "zeros", 0, "\0\0\0\0", 4, V_NOTGZ, "not in gzip format");
	vb_add(&vb, "text", 0, "hello, world\n", 13, V_NOTGZ, "not in gzip format");
	vb_add(&vb, "zstd", 0, "\x28\xb5\x2f\xfd\x24\0\x01\0\0\x99\xe9\xd8\x51", 13, V_NOTGZ,
	    "not in gzip format");

	/* Header damage: unknown method, reserved or encryption flags,
	 * header CRC. */
	c.len = 0;
	buf_append(&c, gz.data, n);
	c.data[2] = 7;
	vb_add(&vb, "method", 2, c.data, n, V_CORRUPT,
	    "corrupt gzip header at compressed byte offset 0: unknown compression method");
	c.data[2] = 8;
	c.data[3] |= 0x40;
	vb_add(&vb, "flags", 3, c.data, n, V_CORRUPT,
	    "corrupt gzip header at compressed byte offset 0: unknown header flags set");
	c.data[3] &= ~0x40;
	c.data[second + 3] = 0x20;
	snprintf(want, sizeof want,
	    "corrupt gzip header at compressed byte offset %zu: unknown header flags set", second);
	vb_add(&vb, "encrypted", second + 3, c.data, n, V_CORRUPT, want);
	{
		struct buf h = { 0 };

		zlib_member("abc", 3, 6, "name", NULL, NULL, 0, true, &h);
		vb_add(&vb, "hcrc", 0, h.data, h.len, V_OK, NULL);
		h.data[10 + 5] ^= 1;	/* the header CRC, after "name\0" */
		vb_add(&vb, "hcrc", 15, h.data, h.len, V_CORRUPT,
		    "corrupt gzip header at compressed byte offset 0: header crc mismatch");
		buf_free(&h);
	}
	vb_check(&vb, exact);
	buf_free(&gz);
	buf_free(&c);
}
END_TEST

/* A byte changed anywhere: the same verdict as gzip -t, every time. */
START_TEST(test_corrupt_flips)
{
	static const unsigned char masks[] = { 0x01, 0x80, 0xff, 0x10, 0x04 };
	struct buf gz = { 0 }, c = { 0 };
	struct vbatch vb;
	size_t second;

	vb_init(&vb, "flips");
	sample(&gz, &second);
	for (size_t at = 0; at < gz.len; at++) {
		c.len = 0;
		buf_append(&c, gz.data, gz.len);
		c.data[at] ^= (char)masks[at % 5];
		vb_add(&vb, "flip", at, c.data, c.len, -1, NULL);
		/* Bad deflate data is named where it is: not before the
		 * flipped byte, as zlib (and gzip before ISA-L) names it. */
		const char *m = vb.c[vb.b.n - 1].msg;
		unsigned long long off;

		if (m != NULL && strstr(m, ": invalid ") != NULL &&
		    sscanf(m, "corrupt gzip data at compressed byte offset %llu:", &off) == 1)
			ck_assert_msg(off >= at, "flip at %zu reported at %llu: %s", at, off, m);
	}
	/* Only the time stamps, the XFL and OS bytes, the stored file name
	 * and the padding bits that byte-align a block may change
	 * unnoticed. */
	ck_assert_uint_ge(vb_check(&vb, group), gz.len - 24);
	buf_free(&gz);
	buf_free(&c);
}
END_TEST

/* ---- zstd ---- */

static int unzstd_ours(const char *in, size_t len, size_t ip, size_t op, struct buf *out, char **err)
{
	struct zstd_decoder *z = zstd_decoder_new();
	int rc = decode_all(zstd_decode_fn, z, in, len, ip, op, out, err);

	if (rc == GZ_END) {
		ck_assert_uint_eq(zstd_decoder_total_in(z), len);
		ck_assert_uint_eq(zstd_decoder_total_out(z), out->len);
	}
	zstd_decoder_free(z);
	return rc;
}

static void zstd_frames(int level, const char *data, size_t len, size_t piece, struct buf *out)
{
	struct zstd_compressor *c = zstd_compressor_new(level);

	char *err = NULL;

	for (size_t off = 0; off < len; off += piece)
		if (zstd_compress_frame(c, data + off, len - off < piece ? len - off : piece, out,
		    &err) < 0)
			ck_abort_msg("zstd_compress_frame: %s", err);
	zstd_finish(out, len);
	zstd_compressor_free(c);
}

static void zstd_ok(const struct buf *z, const char *want, size_t wantlen, size_t ip, size_t op)
{
	struct buf out = { 0 };
	char *err;

	ck_assert_msg(unzstd_ours(z->data, z->len, ip, op, &out, &err) == GZ_END, "zstd_decode: %s", err);
	ck_assert_uint_eq(out.len, wantlen);
	ck_assert(wantlen == 0 || memcmp(out.data, want, wantlen) == 0);
	buf_free(&out);
}

/* Streams that zstd -t must reject, when zstd is installed. */
static struct batch zbad;

static char *zstd_error(const char *data, size_t len)
{
	struct buf out = { 0 };
	char *err, *err1;

	ck_assert_int_eq(unzstd_ours(data, len, len + 1, 1 << 16, &out, &err), GZ_ERROR);
	out.len = 0;
	ck_assert_int_eq(unzstd_ours(data, len, 1, 1000, &out, &err1), GZ_ERROR);
	buf_free(&out);
	if (strncmp(err, "corrupt zstd data", 17) != 0)
		ck_assert_str_eq(err, err1);	/* the decoder's position may vary */
	free(err1);
	batch_add(&zbad, data, len);
	return err;
}

START_TEST(test_zstd)
{
	static const int levels[] = { 1, 3, 9 };
	struct buf data = { 0 }, z = { 0 }, c = { 0 };
	struct batch good;
	char *err, *want;

	batch_init(&good, "zgood", "zst");
	batch_init(&zbad, "zbad", "zst");
	seed(7);
	gen_log(&data, 300000);
	for (size_t li = 0; li < 3; li++) {
		z.len = 0;
		zstd_frames(levels[li], data.data, data.len, 65536, &z);
		ck_assert(zstd_detect(z.data, z.len));
		ck_assert_uint_lt(z.len, data.len / 4);
		zstd_ok(&z, data.data, data.len, z.len, 1 << 20);
		for (size_t ip = 1; ip <= 16; ip++)
			zstd_ok(&z, data.data, data.len, ip, ip * 101);
		zstd_ok(&z, data.data, data.len, 4096, 1);
		batch_add_pair(&good, &z, data.data, data.len);
	}
	/* Small and empty inputs. */
	for (size_t n = 0; n <= 3; n++) {
		z.len = 0;
		zstd_frames(3, data.data, n, 65536, &z);
		zstd_ok(&z, data.data, n, 1, 1);
		batch_add_pair(&good, &z, data.data, n);
	}

	/* A skippable frame first, as pzstd writes, is skipped. */
	z.len = 0;
	buf_append(&z, "\x50\x2a\x4d\x18\x04\0\0\0abcd", 12);
	zstd_frames(3, data.data, 1000, 300, &z);
	ck_assert(zstd_detect(z.data, z.len));
	zstd_ok(&z, data.data, 1000, 1, 7);

	/* Corrupt frames: the checksum or the block decoder notices. */
	z.len = 0;
	zstd_frames(3, data.data, data.len, 65536, &z);
	for (size_t at = 100; at < z.len - 4; at += z.len / 7) {
		c.len = 0;
		buf_append(&c, z.data, z.len);
		c.data[at] ^= 0x20;
		err = zstd_error(c.data, c.len);
		ck_assert_msg(strncmp(err, "corrupt zstd data at compressed byte offset ", 44) == 0, "%s", err);
		free(err);
	}
	c.len = 0;
	buf_append(&c, z.data, z.len);
	c.data[z.len - 1] ^= 1;	/* the last frame's checksum */
	err = zstd_error(c.data, c.len);
	ck_assert_ptr_nonnull(strstr(err, "checksum"));
	free(err);

	err = zstd_error(z.data, z.len - 10);
	want = xasprintf("unexpected end of zstd data at compressed byte offset %zu", z.len - 10);
	ck_assert_str_eq(err, want);
	free(err);
	free(want);

	c.len = 0;
	buf_append(&c, z.data, z.len);
	buf_append(&c, "garbage!", 8);
	err = zstd_error(c.data, c.len);
	want = xasprintf("trailing garbage after zstd data at compressed byte offset %zu", z.len);
	ck_assert_str_eq(err, want);
	free(err);
	free(want);

	err = zstd_error("hello, world\n", 13);
	ck_assert_str_eq(err, "not in zstd format");
	free(err);
	err = zstd_error("", 0);
	ck_assert_str_eq(err, "unexpected end of zstd data at compressed byte offset 0");
	free(err);

	if (have("zstd")) {
		batch_round_trip(&good, "zstd -q");
		/* zstd -t rejects each bad one: it names none that passed. */
		ck_assert_int_eq(run("cd '%s' && for f in *.zst; do zstd -q -t \"$f\" 2>/dev/null && "
		    "echo \"zstd -t accepts $f\" >&2 && exit 1; done; exit 0", zbad.dir), 0);
	}
	buf_free(&good.want);

	buf_free(&data);
	buf_free(&z);
	buf_free(&c);
}
END_TEST

/* A codec that cannot work returns an error, which a worker sends in its
 * error frame: it never exits the process itself.  (A bad level is a
 * bug, and the only failure of zlib or libzstd, memory aside, that a
 * test can cause.) */
START_TEST(test_codec_failures)
{
	struct gz_deflater *d = gz_deflater_new(0);
	struct zstd_compressor *zc = zstd_compressor_new(99);
	struct compress_opts o = { COMPRESS_GZIP, 10, false };
	struct compressor *c = compressor_new(&o);
	struct buf out = { 0 };
	struct gz_piece gp;
	struct piece_info pi;
	char *err = NULL;

	/* An empty piece needs no codec. */
	ck_assert_int_eq(gz_deflate_piece(d, NULL, 0, "", 0, &out, &gp, &err), 0);
	for (int i = 0; i < 2; i++) {	/* and the failure stays */
		ck_assert_int_eq(gz_deflate_piece(d, NULL, 0, "x\n", 2, &out, &gp, &err), -1);
		ck_assert_str_eq(err, "gzip level 0 out of range 1-9");
		free(err);
	}
	ck_assert_int_eq(zstd_compress_frame(zc, "x\n", 2, &out, &err), -1);
	ck_assert_str_eq(err, "zstd level 99 out of range");
	free(err);
	ck_assert_int_eq(compressor_piece(c, "ab", 2, "x\n", 2, &out, &pi, &err), -1);
	ck_assert_str_eq(err, "gzip level 10 out of range 1-9");
	free(err);
	ck_assert_uint_eq(out.len, 0);
	compressor_free(c);
	zstd_compressor_free(zc);
	gz_deflater_free(d);
	buf_free(&out);
}
END_TEST

/* zlib or libzstd out of memory in a worker: the exit of xmalloc()'s
 * there, which the supervisor reports as memory and retries (run as an
 * exit test: Check expects EXIT_OUT_OF_MEMORY). */
START_TEST(test_library_out_of_memory)
{
	fatal_in_child();
	lib_out_of_memory();
}
END_TEST

static TCase *tcase(Suite *s, const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
	tcase_add_checked_fixture(tc, tmp_setup, NULL);
	/* gzip runs hundreds of times, and the ratio test compresses 10 MB:
	 * slow under valgrind or the sanitizers. */
	tcase_set_timeout(tc, 900);
	suite_add_tcase(s, tc);
	return tc;
}

Suite *suite_gzip(void)
{
	Suite *s = suite_create("gzip");
	TCase *tc;

	tc = tcase(s, "gzip_out");
	tcase_add_test(tc, test_detect);
	tcase_add_test(tc, test_codec_detect);
	tcase_add_test(tc, test_empty_output);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_dictionary_helps);
	tc = tcase(s, "gzip_ratio");
	tcase_add_test(tc, test_ratio);
	tc = tcase(s, "gzip_in");
	tcase_add_test(tc, test_multi_member);
	tcase_add_test(tc, test_bgzf);
	tcase_add_test(tc, test_member_errors);
	tc = tcase(s, "gzip_corrupt");
	tcase_add_test(tc, test_corrupt_named);
	tcase_add_test(tc, test_corrupt_flips);
	tc = tcase(s, "zstd");
	tcase_add_test(tc, test_zstd);
	tc = tcase(s, "codec_failures");
	tcase_add_test(tc, test_codec_failures);
	tcase_add_exit_test(tc, test_library_out_of_memory, EXIT_OUT_OF_MEMORY);
	return s;
}
