/* pinflate.c - a measurement, not part of forkpipe: can one gzip member
 * without an index be inflated faster by two processes than by one?
 * (issue 16, item 5).
 *
 * What it does, with two processes (the default):
 *   A  inflates the member with ISA-L from its start up to the first
 *      deflate block that B starts at, counting lines and the CRC-32;
 *   B  searches the first dynamic-Huffman block at or after a fraction f
 *      of the compressed file (every bit offset: header fields, the code
 *      length codes and the two codes must be valid prefix codes, then
 *      the whole block must decode and the next block header be valid;
 *      a stored block's LEN/NLEN also locates the block after it), decodes
 *      from there with its own inflater whose output symbols are 16 bits:
 *      a back-reference into the unknown 32 KiB before the start gives
 *      markers (256 + the byte's place in that window).  As soon as a
 *      block ends with the last 32 KiB free of markers, it hands the rest
 *      to ISA-L, with those 32 KiB as dictionary and the exact bit offset
 *      (as src/io/gzpoint.c starts at an index point).  At the end, the
 *      markers are replaced by A's last 32 KiB, and the line counts, CRCs
 *      (crc32_combine) and lengths are joined and checked against the
 *      gzip trailer.
 * With -1 one process inflates with ISA-L (the serial baseline, with the
 * same line count and CRC); with -M the marker inflater decodes the whole
 * member from its start (its speed against ISA-L's).
 *
 * Build: `make bench/pinflate` in the build directory, or by hand:
 *   cc -O2 -o bench/pinflate bench/pinflate.c -lisal -lz
 * Run:
 *   bench/pinflate [-1 | -M] [-p] [-s] [-f FRACTION] FILE.gz
 * (-p: also how many markers each sixteenth of B's output holds; -s: B's
 * marked output in shared memory, resolved half by A, half by B.)
 * It prints "lines N bytes N crc X" on stdout (the trailer's CRC and
 * length checked) and its timings on stderr.  The figures are in
 * docs/performance.md ("Inflating one member on two cores"). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define WIN 32768u
#define OUTBUF (4u << 20)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* CPU seconds of this process: on a machine others use too, the wall
 * time of a part says less than its CPU time. */
static double cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Of which in the kernel (page faults of the big buffer). */
static double sys_cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void die(const char *what)
{
	fprintf(stderr, "pinflate: %s\n", what);
	exit(1);
}

/* ---- what the output is reduced to: lines, length, CRC-32 ---- */

struct tally {
	uint64_t lines, len;
	uint32_t crc;
};

/* memchr: as fast at -O2 as a loop the compiler vectorizes at -O3. */
static uint64_t count_nl(const unsigned char *p, size_t n)
{
	const unsigned char *end = p + n;
	uint64_t c = 0;

	while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		c++;
		p++;
	}
	return c;
}

static void tally_add(struct tally *t, const unsigned char *p, size_t n)
{
	t->lines += count_nl(p, n);
	t->crc = crc32_gzip_refl(t->crc, (unsigned char *)(uintptr_t)p, n);
	t->len += n;
}

/* t followed by u */
static void tally_join(struct tally *t, const struct tally *u)
{
	t->crc = (uint32_t)crc32_combine(t->crc, u->crc, (z_off_t)u->len);
	t->lines += u->lines;
	t->len += u->len;
}

/* ---- the file ---- */

static const unsigned char *map;
static uint64_t fsize;

/* Bit offset of the deflate data of the (single) member. */
static uint64_t member_start(void)
{
	uint64_t at = 10;
	unsigned flg;

	if (fsize < 18 || map[0] != 0x1f || map[1] != 0x8b || map[2] != 8)
		die("not a gzip file");
	flg = map[3];
	if (flg & 4)
		at += 2 + (map[at] | (unsigned)map[at + 1] << 8);
	if (flg & 8)
		while (at < fsize && map[at++] != 0)
			;
	if (flg & 16)
		while (at < fsize && map[at++] != 0)
			;
	if (flg & 2)
		at += 2;
	return at * 8;
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ---- ISA-L, with output reduced to a tally and the last 32 KiB kept ---- */

struct run {
	struct inflate_state is;
	unsigned char *buf;	/* WIN of history, then output */
	size_t fill;		/* bytes in buf */
	struct tally t;
	uint64_t off;		/* compressed bytes given to ISA-L */
};

static void run_init(struct run *r, uint64_t bit, const unsigned char *dict)
{
	memset(r, 0, sizeof *r);
	r->buf = malloc(WIN + OUTBUF);
	isal_inflate_init(&r->is);
	r->is.crc_flag = ISAL_DEFLATE;
	if (dict != NULL && isal_inflate_set_dict(&r->is, (uint8_t *)(uintptr_t)dict, WIN) != 0)
		die("cannot set the dictionary");
	r->off = bit / 8;
	if (bit % 8) {
		r->is.read_in = map[r->off] >> (bit % 8);
		r->is.read_in_length = (int32_t)(8 - bit % 8);
		r->off++;
	}
}

/* Inflate feeding `feed` bytes; return ISA-L's code. */
static int run_step(struct run *r, uint64_t feed)
{
	size_t before;
	int rc;

	if (r->fill > WIN + OUTBUF - (1u << 20)) {
		memmove(r->buf, r->buf + r->fill - WIN, WIN);
		r->fill = WIN;
	}
	if (feed > fsize - r->off)
		feed = fsize - r->off;
	if (feed > (1u << 30))
		feed = 1u << 30;
	r->is.next_in = (uint8_t *)(uintptr_t)(map + r->off);
	r->is.avail_in = (uint32_t)feed;
	r->is.next_out = r->buf + r->fill;
	r->is.avail_out = (uint32_t)(WIN + OUTBUF - r->fill);
	before = r->fill;
	rc = isal_inflate(&r->is);
	r->off += feed - r->is.avail_in;
	r->fill = (size_t)(r->is.next_out - r->buf);
	tally_add(&r->t, r->buf + before, r->fill - before);
	if (rc < 0)
		die("invalid deflate data (ISA-L)");
	return rc;
}

static void run_to_end(struct run *r)
{
	while (r->is.block_state != ISAL_BLOCK_FINISH) {
		uint64_t o = r->off, f = r->fill;

		run_step(r, fsize - r->off);
		if (r->off == o && r->fill == f && r->is.block_state != ISAL_BLOCK_FINISH)
			die("unexpected end of deflate data");
	}
}

/* The last WIN bytes of output (the run made at least that much). */
static const unsigned char *run_window(const struct run *r)
{
	if (r->fill < WIN)
		die("less than 32 KiB of output");
	return r->buf + r->fill - WIN;
}

static bool at_boundary(const struct inflate_state *s)
{
	return (s->block_state == ISAL_BLOCK_NEW_HDR || s->block_state == ISAL_BLOCK_HDR) &&
	    s->tmp_out_valid == s->tmp_out_processed && s->copy_overflow_length == 0 &&
	    s->write_overflow_len == 0;
}

/* Inflate up to the block starting at bit `stop`: fed in bulk up to 4 KiB
 * before it, then 16 bytes at a time; ISA-L says where it waits between
 * blocks (as src/io/gzindex_build.c does). */
static void run_until(struct run *r, uint64_t stop)
{
	while (r->off + 4096 < stop / 8)
		run_step(r, stop / 8 - 4096 - r->off);
	for (;;) {
		run_step(r, 16);
		if (r->is.avail_in == 0 && at_boundary(&r->is) && r->is.avail_out > 0) {
			uint64_t p = r->off * 8 - (uint64_t)r->is.tmp_in_size * 8 -
			    (uint64_t)r->is.read_in_length;

			if (p == stop)
				return;
			if (p > stop)
				die("A passed the block B starts at: a false block start");
		}
		if (r->is.block_state == ISAL_BLOCK_FINISH)
			die("A reached the end without meeting B's block");
	}
}

/* ---- the marker inflater ---- */

struct bits {
	uint64_t pos;		/* bit offset in map */
};

static inline uint64_t peek(const struct bits *b)
{
	uint64_t at = b->pos >> 3, v = 0;

	if (at + 8 <= fsize)
		memcpy(&v, map + at, 8);
	else
		for (uint64_t i = 0; at + i < fsize; i++)
			v |= (uint64_t)map[at + i] << (8 * i);
	return v >> (b->pos & 7);	/* at least 57 valid bits */
}

static inline unsigned take(struct bits *b, unsigned n)
{
	unsigned v = (unsigned)(peek(b) & ((1u << n) - 1));

	b->pos += n;
	return v;
}

/* A prefix code as one table indexed by the next `bits` bits:
 * entry = symbol << 4 | code length, 0 for no code. */
struct huff {
	uint16_t tab[1u << 15];
	unsigned bits;
};

static unsigned reverse(unsigned c, unsigned n)
{
	unsigned r = 0;

	while (n--) {
		r = r << 1 | (c & 1);
		c >>= 1;
	}
	return r;
}

/* Build from code lengths; -1 if they are not a code zlib would accept:
 * over-subscribed, or incomplete where only a single one-bit code may be
 * (complete_only: never, as for the code length code). */
static int huff_build(struct huff *h, const unsigned char *len, unsigned n, bool complete_only)
{
	unsigned count[16] = { 0 }, next[16], max = 0, codes = 0;
	int left = 1;

	for (unsigned i = 0; i < n; i++) {
		count[len[i]]++;
		if (len[i] > max)
			max = len[i];
	}
	for (unsigned l = 1; l < 16; l++) {
		left = left * 2 - (int)count[l];
		codes += count[l];
		if (left < 0)
			return -1;
	}
	if (left > 0 && (complete_only || max > 1))
		return -1;
	h->bits = max ? max : 1;
	memset(h->tab, 0, sizeof(uint16_t) << h->bits);
	next[1] = 0;
	for (unsigned l = 1; l < 15; l++)
		next[l + 1] = (next[l] + count[l]) << 1;
	for (unsigned s = 0; s < n; s++) {
		unsigned l = len[s], r;

		if (l == 0)
			continue;
		r = reverse(next[l]++, l);
		for (unsigned i = r; i < (1u << h->bits); i += 1u << l)
			h->tab[i] = (uint16_t)(s << 4 | l);
	}
	(void)codes;
	return 0;
}

static inline int decode(struct bits *b, const struct huff *h)
{
	unsigned e = h->tab[peek(b) & ((1u << h->bits) - 1)];

	if (e == 0)
		return -1;
	b->pos += e & 15;
	return (int)(e >> 4);
}

static const uint16_t len_base[29] = { 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27,
	31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258 };
static const uint8_t len_extra[29] = { 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3,
	3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0 };
static const uint16_t dist_base[30] = { 1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97,
	129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385,
	24577 };
static const uint8_t dist_extra[30] = { 0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7,
	8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13 };
static const uint8_t clc_order[19] = { 16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2,
	14, 1, 15 };

/* Read a dynamic block's header (after BFINAL and BTYPE); -1 if invalid. */
static int dyn_header(struct bits *b, struct huff *lit, struct huff *dist)
{
	unsigned char clen[19] = { 0 }, lens[286 + 30];
	struct huff *clc = dist;	/* dist's table serves the code length code first */
	unsigned hlit = take(b, 5) + 257, hdist = take(b, 5) + 1, hclen = take(b, 4) + 4, i = 0;

	if (hlit > 286 || hdist > 30)
		return -1;
	for (unsigned k = 0; k < hclen; k++)
		clen[clc_order[k]] = (unsigned char)take(b, 3);
	if (huff_build(clc, clen, 19, true) < 0)
		return -1;
	while (i < hlit + hdist) {
		int s = decode(b, clc);
		unsigned rep, val;

		if (s < 0)
			return -1;
		if (s < 16) {
			lens[i++] = (unsigned char)s;
			continue;
		}
		if (s == 16) {
			if (i == 0)
				return -1;
			val = lens[i - 1];
			rep = 3 + take(b, 2);
		} else if (s == 17) {
			val = 0;
			rep = 3 + take(b, 3);
		} else {
			val = 0;
			rep = 11 + take(b, 7);
		}
		if (i + rep > hlit + hdist)
			return -1;
		while (rep--)
			lens[i++] = (unsigned char)val;
	}
	if (lens[256] == 0)
		return -1;
	if (huff_build(lit, lens, hlit, false) < 0 || huff_build(dist, lens + hlit, hdist, false) < 0)
		return -1;
	return 0;
}

/* Output as 16-bit symbols: < 256 a byte, 256 + w the byte at w of the
 * unknown window before the start. */
struct mout {
	uint16_t *s;
	uint64_t n, cap;
};

static void mout_room(struct mout *o, uint64_t more)
{
	if (o->n + more <= o->cap)
		return;
	if (o->cap == 0 && more > (64u << 20)) {
		/* The big one, touched only as it fills.  (Huge pages cost
		 * more kernel time here: 1.0-1.2 s against 0.3 s for 4 KiB
		 * pages over 512 MB.) */
		o->cap = more;
		o->s = mmap(NULL, more * sizeof(uint16_t), PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (o->s == MAP_FAILED)
			die("out of memory");
		return;
	}
	while (o->n + more > o->cap)
		o->cap = o->cap ? o->cap * 2 : 1u << 20;
	o->s = realloc(o->s, o->cap * sizeof(uint16_t));
	if (o->s == NULL)
		die("out of memory");
}

static struct huff fixed_lit, fixed_dist;

static void fixed_init(void)
{
	unsigned char l[288];
	unsigned i;

	for (i = 0; i < 144; i++)
		l[i] = 8;
	for (; i < 256; i++)
		l[i] = 9;
	for (; i < 280; i++)
		l[i] = 7;
	for (; i < 288; i++)
		l[i] = 8;
	if (huff_build(&fixed_lit, l, 288, false) < 0)
		die("internal: fixed codes");
	memset(l, 5, 32);	/* 30 and 31 take a code (a complete one), never valid */
	if (huff_build(&fixed_dist, l, 32, false) < 0)
		die("internal: fixed codes");
}

/* Decode the Huffman-coded data of a block to its end of block. */
static int codes(struct bits *b, struct mout *o, const struct huff *lit, const struct huff *dist)
{
	for (;;) {
		int s = decode(b, lit);
		unsigned len, d;
		int ds;

		if (s < 0)
			return -1;
		if (s < 256) {
			mout_room(o, 1);
			o->s[o->n++] = (uint16_t)s;
			continue;
		}
		if (s == 256)
			return 0;
		if (s > 285)
			return -1;
		len = len_base[s - 257] + take(b, len_extra[s - 257]);
		ds = decode(b, dist);
		if (ds < 0 || ds > 29)
			return -1;
		d = dist_base[ds] + take(b, dist_extra[ds]);
		if (d > o->n + WIN)
			return -1;
		mout_room(o, len);
		if (d <= o->n) {
			/* A marker copies as any symbol: only a reference
			 * before the start makes new ones. */
			uint16_t *p = o->s + o->n;
			const uint16_t *q = p - d;

			if (d >= len) {
				memcpy(p, q, len * sizeof *p);
			} else {
				for (unsigned k = 0; k < len; k++)
					p[k] = q[k];
			}
			o->n += len;
			continue;
		}
		for (unsigned k = 0; k < len; k++) {
			int64_t src = (int64_t)o->n - d;

			o->s[o->n++] = src >= 0 ? o->s[src] : (uint16_t)(256 + WIN + src);
		}
	}
}

/* Whether the last 32 KiB of output hold a marker. */
static bool window_marked(const struct mout *o)
{
	uint16_t any = 0;

	if (o->n < WIN)
		return true;
	for (uint64_t i = o->n - WIN; i < o->n; i++)
		any |= o->s[i];
	return any >= 256;
}

/* Where the last marker is, or -1. */
static int64_t last_marker(const struct mout *o)
{
	for (uint64_t i = o->n; i > 0; i--)
		if (o->s[i - 1] >= 256)
			return (int64_t)(i - 1);
	return -1;
}

static struct huff dlit, ddist;

/* Decode one block; *final tells whether it was the last. */
static int block(struct bits *b, struct mout *o, bool *final)
{
	unsigned type;

	*final = take(b, 1);
	type = take(b, 2);
	if (type == 0) {
		uint64_t at = (b->pos + 7) / 8;
		unsigned len;

		if (at + 4 > fsize)
			return -1;
		len = map[at] | (unsigned)map[at + 1] << 8;
		if ((len ^ (map[at + 2] | (unsigned)map[at + 3] << 8)) != 0xffff || at + 4 + len > fsize)
			return -1;
		mout_room(o, len);
		for (unsigned k = 0; k < len; k++)
			o->s[o->n++] = map[at + 4 + k];
		b->pos = (at + 4 + len) * 8;
		return 0;
	}
	if (type == 1)
		return codes(b, o, &fixed_lit, &fixed_dist);
	if (type == 3 || dyn_header(b, &dlit, &ddist) < 0)
		return -1;
	return codes(b, o, &dlit, &ddist);
}

/* ---- the block finder ---- */

static struct mout trial;

/* Whether a valid block header starts at pos (stored: LEN/NLEN). */
static bool __attribute__((unused)) header_ok(uint64_t pos)
{
	struct bits b = { pos };
	unsigned type;

	take(&b, 1);
	type = take(&b, 2);
	if (type == 3)
		return false;
	if (type == 0) {
		uint64_t at = (b.pos + 7) / 8;

		return at + 4 <= fsize &&
		    ((map[at] | (unsigned)map[at + 1] << 8) ^ (map[at + 2] | (unsigned)map[at + 3] << 8)) == 0xffff;
	}
	if (type == 1)
		return true;
	return dyn_header(&b, &dlit, &ddist) == 0;
}

/* Whether a dynamic block starts at pos: its header valid, and it and
 * the blocks after it (up to TRIAL_BLOCKS, or the last) decoded to their
 * ends with back-references at most 32 KiB before pos.  Fewer blocks are
 * not enough where the data is already compressed (stored blocks, random
 * bits): a header that passes and one block that decodes were found there
 * by chance, and A then met no block where B started. */
#define TRIAL_BLOCKS 8

static bool dynamic_at(uint64_t pos)
{
	struct bits b = { pos };
	uint64_t v = peek(&b);
	bool final = false;

	if ((v & 6) != 4 || ((v >> 3) & 31) > 29 || ((v >> 8) & 31) > 29)
		return false;
	trial.n = 0;
	for (int k = 0; k < TRIAL_BLOCKS && !final; k++)
		if (block(&b, &trial, &final) < 0)
			return false;
	return true;
}

/* The first dynamic block at or after bit `from`; a stored block found
 * by its LEN/NLEN leads to the block after it. */
static uint64_t find_block(uint64_t from)
{
	for (uint64_t pos = from; pos + 64 < fsize * 8; pos++) {
		uint64_t v = (map[pos / 8] >> (pos % 8)) | (uint64_t)map[pos / 8 + 1] << (8 - pos % 8);

		if ((v & 7) == 4 && dynamic_at(pos))
			return pos;
		if ((v & 7) == 0) {
			uint64_t at = (pos + 3 + 7) / 8;
			unsigned len;

			if (at + 4 > fsize)
				continue;
			len = map[at] | (unsigned)map[at + 1] << 8;
			if ((len ^ (map[at + 2] | (unsigned)map[at + 3] << 8)) == 0xffff &&
			    dynamic_at((at + 4 + len) * 8))
				return (at + 4 + len) * 8;
		}
	}
	die("no deflate block found after the split");
	return 0;
}

/* ---- the three modes ---- */

struct shared {
	unsigned char window[WIN];
	struct tally t, t2;	/* A's part; the second half of B's marked output */
	double secs, cpu, cpu2;
};

static void report(const struct tally *t)
{
	uint32_t crc = le32(map + fsize - 8), isize = le32(map + fsize - 4);

	if (crc != t->crc || isize != (uint32_t)t->len)
		die("CRC-32 or length mismatch with the trailer");
	printf("lines %llu bytes %llu crc %08x\n", (unsigned long long)t->lines,
	    (unsigned long long)t->len, t->crc);
}

static void serial(void)
{
	struct run r;
	double t0 = now(), c0 = cpu(), t1, c1;

	run_init(&r, member_start(), NULL);
	run_to_end(&r);
	t1 = now();
	c1 = cpu();
	fprintf(stderr, "serial ISA-L: %.3f s (CPU %.3f s), %.0f MB/s of output (%.0f per CPU second)\n",
	    t1 - t0, c1 - c0, r.t.len / (t1 - t0) / 1e6, r.t.len / (c1 - c0) / 1e6);
	report(&r.t);
}

/* The marked output with the window put in, into a tally: a piece at a
 * time, so that the bytes are counted while in the cache. */
static void resolve(const struct mout *o, uint64_t from, uint64_t to, const unsigned char *window,
    struct tally *t)
{
	static unsigned char piece[1u << 18], lut[256 + WIN];

	/* One table for bytes and markers: no branch to mispredict when
	 * three symbols in four are markers. */
	for (unsigned v = 0; v < 256; v++)
		lut[v] = (unsigned char)v;
	if (window != NULL)
		memcpy(lut + 256, window, WIN);
	for (uint64_t at = from; at < to; at += sizeof piece) {
		uint64_t n = to - at < sizeof piece ? to - at : sizeof piece;

		for (uint64_t i = 0; i < n; i++)
			piece[i] = lut[o->s[at + i]];
		tally_add(t, piece, n);
	}
}

static void markers_only(void)
{
	struct bits b = { member_start() };
	struct mout o = { 0 };
	struct tally t = { 0 };
	bool final = false;
	double t0 = now(), t1, c0 = cpu(), c1, s0 = sys_cpu(), s1;

	mout_room(&o, le32(map + fsize - 4) + 65536);
	while (!final)
		if (block(&b, &o, &final) < 0)
			die("invalid deflate data (marker inflater)");
	t1 = now();
	c1 = cpu();
	s1 = sys_cpu();
	resolve(&o, 0, o.n, NULL, &t);
	fprintf(stderr, "marker inflater: %.3f s (CPU %.3f s, %.3f s of it in the kernel), %.0f MB/s of "
	    "output (%.0f per CPU second, %.0f per user CPU second)\n", t1 - t0, c1 - c0, s1 - s0,
	    o.n / (t1 - t0) / 1e6, o.n / (c1 - c0) / 1e6, o.n / (c1 - c0 - (s1 - s0)) / 1e6);
	report(&t);
}

/* How many markers each sixteenth of the marked output holds, and the
 * longest stretch without one (the handoff needs 32 KiB at a block end). */
static void profile(const struct mout *o)
{
	uint64_t part = o->n / 16 + 1, m = 0, all = 0, run = 0, best = 0;

	fprintf(stderr, "markers per sixteenth of B's marked output:");
	for (uint64_t i = 0; i < o->n; i++) {
		if (o->s[i] >= 256) {
			m++;
			run = 0;
		} else if (++run > best) {
			best = run;
		}
		if ((i + 1) % part == 0 || i + 1 == o->n) {
			fprintf(stderr, " %llu", (unsigned long long)m);
			all += m;
			m = 0;
		}
	}
	fprintf(stderr, "; %llu in all (%.3f%%), longest run without one %llu\n",
	    (unsigned long long)all, o->n ? 100.0 * all / o->n : 0.0, (unsigned long long)best);
}

/* The marked output: in memory both processes see (-s), A resolves its
 * second half while B resolves the first; in B's own memory (its faults
 * cost less than shared memory's), B resolves all of it. */
static void shared_mout(struct mout *o, bool shared)
{
	uint64_t cap = le32(map + fsize - 4) + 65536ull;	/* ISIZE: a bound here */

	o->s = mmap(NULL, cap * sizeof(uint16_t), PROT_READ | PROT_WRITE,
	    (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (o->s == MAP_FAILED)
		die("out of memory");
	o->cap = cap;
	o->n = 0;
}

/* Process A: inflate up to B's block, give the window, then resolve the
 * second half of B's marked output. */
static void process_a(struct shared *sh, const struct mout *o, uint64_t start, uint64_t split,
    int from_b, int to_b, double t0)
{
	struct run ra;
	uint64_t s, n[2];
	char c = 1;

	run_init(&ra, start, NULL);
	while (ra.off + 65536 < split / 8)
		run_step(&ra, split / 8 - 65536 - ra.off);
	if (read(from_b, &s, sizeof s) != sizeof s)
		_exit(1);
	run_until(&ra, s);
	memcpy(sh->window, run_window(&ra), WIN);
	sh->t = ra.t;
	sh->secs = now() - t0;
	sh->cpu = cpu();
	if (write(to_b, &c, 1) != 1 || read(from_b, n, sizeof n) != sizeof n)
		_exit(1);
	resolve(o, n[0], n[1], sh->window, &sh->t2);
	sh->cpu2 = cpu() - sh->cpu;
	_exit(0);
}

static void two(double f, bool prof, bool shared)
{
	struct shared *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int ab[2], ba[2], st;
	double t0 = now(), t1, t2, t3, t4, t5, c0 = cpu(), c1, c2, c3, c4, c5, s1, s2;
	uint64_t start = member_start(), split, s, n_marked, n_b, a_range[2];
	pid_t a;
	struct bits b;
	struct mout o;
	struct run r;
	struct tally tm = { 0 }, ta;
	unsigned char win[WIN];
	bool final = false;
	char c;

	if (sh == MAP_FAILED || pipe(ab) < 0 || pipe(ba) < 0)
		die("cannot set up");
	shared_mout(&o, shared);
	split = (uint64_t)(f * fsize) * 8;
	if (split < start)
		split = start;
	a = fork();
	if (a == 0) {
		close(ba[1]);
		close(ab[0]);
		process_a(sh, &o, start, split, ba[0], ab[1], t0);
	}
	close(ba[0]);
	close(ab[1]);
	s = find_block(split);
	t1 = now();
	c1 = cpu();
	s1 = sys_cpu();
	if (write(ba[1], &s, sizeof s) != sizeof s)
		die("cannot tell A");
	b.pos = s;
	while (!final) {
		if (block(&b, &o, &final) < 0)
			die("invalid deflate data (marker inflater)");
		if (!window_marked(&o))
			break;
	}
	t2 = now();
	c2 = cpu();
	s2 = sys_cpu();
	n_marked = o.n;
	n_b = shared ? n_marked / 2 : n_marked;
	a_range[0] = n_b;
	a_range[1] = n_marked;
	if (write(ba[1], a_range, sizeof a_range) != sizeof a_range)
		die("cannot tell A");
	close(ba[1]);
	if (!final) {
		for (unsigned k = 0; k < WIN; k++)
			win[k] = (unsigned char)o.s[o.n - WIN + k];
		run_init(&r, b.pos, win);
		run_to_end(&r);
	} else {
		memset(&r, 0, sizeof r);
	}
	t3 = now();
	c3 = cpu();
	if (read(ab[0], &c, 1) != 1)
		die("A failed");
	t4 = now();
	c4 = cpu();
	resolve(&o, 0, n_b, sh->window, &tm);
	if (waitpid(a, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		die("A failed");
	ta = sh->t;
	tally_join(&ta, &tm);
	tally_join(&ta, &sh->t2);
	tally_join(&ta, &r.t);
	t5 = now();
	c5 = cpu();
	fprintf(stderr, "split at %.2f: B's block at byte %llu (%llu bits after the split); "
	    "A made %llu bytes\n", f, (unsigned long long)(s / 8),
	    (unsigned long long)(s - split), (unsigned long long)sh->t.len);
	fprintf(stderr, "B: find %.4f s, markers %.3f s for %llu bytes (%.0f MB/s, last marker at %lld), "
	    "ISA-L %.3f s for %llu bytes; A: %.3f s; wait for A %.3f s; resolve %.3f s; total %.3f s\n",
	    t1 - t0, t2 - t1, (unsigned long long)n_marked, n_marked / (t2 - t1) / 1e6,
	    (long long)last_marker(&o), t3 - t2, (unsigned long long)r.t.len, sh->secs, t4 - t3,
	    t5 - t4, t5 - t0);
	fprintf(stderr, "CPU: find %.4f s, markers %.3f s (%.0f MB/s; %.3f s of it in the kernel), "
	    "ISA-L %.3f s, A %.3f s (%.0f MB/s), resolve %.3f s in B + %.3f s in A (%.0f MB/s)\n",
	    c1 - c0, c2 - c1, n_marked / (c2 - c1) / 1e6, s2 - s1, c3 - c2, sh->cpu,
	    sh->t.len / sh->cpu / 1e6, c5 - c4, sh->cpu2, n_marked / (c5 - c4 + sh->cpu2) / 1e6);
	if (prof)
		profile(&o);
	report(&ta);
}

int main(int argc, char **argv)
{
	int c, mode = 2, fd;
	bool prof = false, shared = false;
	double f = 0.5;
	struct stat st;

	while ((c = getopt(argc, argv, "1Mpsf:")) != -1) {
		if (c == '1')
			mode = 1;
		else if (c == 'M')
			mode = 0;
		else if (c == 's')
			shared = true;
		else if (c == 'p')
			prof = true;
		else if (c == 'f')
			f = atof(optarg);
		else
			return 2;
	}
	if (optind + 1 != argc || f <= 0 || f >= 1)
		die("usage: pinflate [-1 | -M] [-p] [-s] [-f FRACTION] FILE.gz");
	fd = open(argv[optind], O_RDONLY);
	if (fd < 0 || fstat(fd, &st) < 0)
		die("cannot open the file");
	fsize = (uint64_t)st.st_size;
	map = mmap(NULL, fsize, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	if (map == MAP_FAILED)
		die("cannot map the file");
	fixed_init();
	if (mode == 1)
		serial();
	else if (mode == 0)
		markers_only();
	else
		two(f, prof, shared);
	return 0;
}
