/* json_fast.c - the two-stage JSON scanner that json_scan tries first.
 *
 * The scalar scanner (json.c) pays per string: JSON Lines logs hold ~25
 * short strings (mostly keys) per record, and finding each one's end,
 * byte loop or SIMD, was most of the time.  This one looks at a record
 * 64 bytes at a time instead, with AVX2 or AVX-512 (a runtime check; on
 * a CPU with neither, or not x86-64, it is never sure and the scalar
 * scanner does it all: with SSE2 alone it was slower than that one):
 *
 *   stage 1 (classify, 64-byte blocks): bit masks of quotes, backslashes,
 *   white space, structural characters, control and non-ASCII bytes; the
 *   escaped bytes (each unescaped backslash escapes the next byte); the
 *   in-string mask as the prefix XOR of the unescaped quotes; from these
 *   the tokens, positions and bytes: structurals and string starts
 *   outside strings, and the first byte of each run of other bytes (a
 *   scalar).  Escapes are checked where there are backslashes, UTF-8
 *   where there are non-ASCII bytes, and a control byte in a string is
 *   an error.
 *
 *   stage 2 (parse the tokens): objects, arrays, keys and values as the
 *   grammar wants them, with its own stack; scalars checked with the
 *   scalar scanner's own checks (jsonl_int.h) and followed only by white
 *   space or a token; a string's end found only when its span is needed
 *   (a key at a trie node with keys, a path's value); the values of the
 *   job's paths kept exactly as json.c keeps them.
 *
 * It only ever says "valid" or "not sure": on anything wrong (or a record
 * longer than FAST_MAX_LEN) json_scan runs the scalar scanner, which
 * gives the verdict and the reason, so messages stay the scalar one's. */
#include "autoconfig.h"

#include <stdint.h>
#include <string.h>

#include "jsonl.h"
#include "jsonl_int.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#define FAST_MAX_LEN JSON_FAST_MAX_LEN
#define FAST_BLOCKS (FAST_MAX_LEN / 64)

struct fast {
	jptr rec;
	size_t len;		/* the record's, once stage 1 found its end */
	size_t avail;		/* the bytes readable from rec */
	int term;		/* the byte that ends the record, or -1 */
	uint16_t tok[FAST_MAX_LEN + 64];	/* token positions, then len (and
					 * room for whole stores past it) */
	unsigned char tc[FAST_MAX_LEN + 64];	/* their bytes, then 0 */
	size_t ntok;
	uint64_t bs[FAST_BLOCKS];	/* backslashes in strings, per block */
	uint64_t dg[FAST_BLOCKS + 1];	/* digits, per block, then none */
	bool any_bs;			/* some string holds one */
	struct jval *vals;
};

/* One block's classes, bit i for byte i. */
struct masks {
	uint64_t quote, bs, ws, st, ctrl, high, digit, term;
};

/* White space and structural characters by a table lookup on the low
 * nibble: each has a low nibble of its own (for the structurals after
 * OR 0x20, which folds [ ] onto { }); a byte is in the class when the
 * table's byte for its low nibble is the byte itself.  The OR also takes
 * in 0x0C and 0x1A: control bytes, which are errors anywhere, and stage 2
 * rejects a token that is none of the structurals. */
__attribute__((target("avx2"))) static inline void classify32(const unsigned char *p,
    struct masks *m, unsigned sh, int term)
{
	const __m256i wst = _mm256_setr_epi8(' ', -1, -1, -1, -1, -1, -1, -1, -1, '\t', '\n',
	    -1, -1, '\r', -1, -1, ' ', -1, -1, -1, -1, -1, -1, -1, -1, '\t', '\n', -1, -1,
	    '\r', -1, -1);
	const __m256i stt = _mm256_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, ':', '{',
	    ',', '}', -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, ':', '{', ',', '}', -1,
	    -1);
	__m256i v = _mm256_loadu_si256((const __m256i *)(const void *)p);
	__m256i lo = _mm256_or_si256(v, _mm256_set1_epi8(0x20));
	uint64_t high = (uint32_t)_mm256_movemask_epi8(v);
	/* signed: below 0x20 or from 0x80 up */
	uint64_t low = (uint32_t)_mm256_movemask_epi8(_mm256_cmpgt_epi8(_mm256_set1_epi8(0x20), v));

	m->quote |= (uint64_t)(uint32_t)_mm256_movemask_epi8(
	    _mm256_cmpeq_epi8(v, _mm256_set1_epi8('"'))) << sh;
	m->bs |= (uint64_t)(uint32_t)_mm256_movemask_epi8(
	    _mm256_cmpeq_epi8(v, _mm256_set1_epi8('\\'))) << sh;
	m->ws |= (uint64_t)(uint32_t)_mm256_movemask_epi8(
	    _mm256_cmpeq_epi8(v, _mm256_shuffle_epi8(wst, v))) << sh;
	m->st |= (uint64_t)(uint32_t)_mm256_movemask_epi8(
	    _mm256_cmpeq_epi8(lo, _mm256_shuffle_epi8(stt, lo))) << sh;
	m->ctrl |= (low & ~high) << sh;
	m->high |= high << sh;
	if (term >= 0)
		m->term |= (uint64_t)(uint32_t)_mm256_movemask_epi8(
		    _mm256_cmpeq_epi8(v, _mm256_set1_epi8((char)term))) << sh;
	/* unsigned: v - '0' below 10 */
	__m256i d = _mm256_sub_epi8(v, _mm256_set1_epi8('0'));

	m->digit |= (uint64_t)(uint32_t)_mm256_movemask_epi8(
	    _mm256_cmpeq_epi8(_mm256_min_epu8(d, _mm256_set1_epi8(9)), d)) << sh;
}

__attribute__((target("avx2"))) static void classify_avx2(const unsigned char *p,
    struct masks *m, int term)
{
	memset(m, 0, sizeof *m);
	classify32(p, m, 0, term);
	classify32(p + 32, m, 32, term);
}

/* For each byte value, the offsets of its set bits, packed (filled by
 * json_fast_simd). */
static uint64_t offsets[256];

static void offsets_fill(void)
{
	for (unsigned b = 0; b < 256; b++) {
		uint64_t o = 0;
		unsigned n = 0;

		for (unsigned i = 0; i < 8; i++)
			if (b & 1u << i)
				o |= (uint64_t)i << (8 * n++);
		offsets[b] = o;
	}
}

/* The positions and bytes of the block's tokens appended, eight bits of
 * the mask at a time, with no branch: the offsets from the table, widened
 * and moved by the bits' place; the bytes picked by the same offsets. */
__attribute__((target("avx2"))) static inline void emit_avx2(struct fast *f, size_t base,
    const unsigned char *p, uint64_t tokens)
{
	uint16_t *o = f->tok + f->ntok;
	unsigned char *oc = f->tc + f->ntok;

	for (unsigned k = 0; k < 8; k++) {
		unsigned b = (unsigned)(tokens >> (8 * k)) & 0xFF;
		__m128i off = _mm_cvtsi64_si128((long long)offsets[b]);

		_mm_storeu_si128((__m128i *)(void *)o, _mm_add_epi16(_mm_cvtepu8_epi16(off),
		    _mm_set1_epi16((short)(base + 8 * k))));
		_mm_storel_epi64((__m128i *)(void *)oc, _mm_shuffle_epi8(
		    _mm_loadl_epi64((const __m128i *)(const void *)(p + 8 * k)), off));
		o += __builtin_popcount(b);
		oc += __builtin_popcount(b);
	}
	f->ntok = (size_t)(o - f->tok);
}

#define AVX512 __attribute__((target("avx512f,avx512bw,avx512vbmi2")))

/* The same with AVX-512: the compares give the masks themselves. */
AVX512 static inline void classify_avx512(const unsigned char *p, struct masks *m, int term)
{
	const __m512i wst = _mm512_broadcast_i32x4(_mm_setr_epi8(' ', -1, -1, -1, -1, -1, -1, -1,
	    -1, '\t', '\n', -1, -1, '\r', -1, -1));
	const __m512i stt = _mm512_broadcast_i32x4(_mm_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1,
	    -1, -1, ':', '{', ',', '}', -1, -1));
	__m512i v = _mm512_loadu_si512((const void *)p);
	__m512i lo = _mm512_or_si512(v, _mm512_set1_epi8(0x20));

	m->quote = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('"'));
	m->bs = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('\\'));
	m->ws = _mm512_cmpeq_epi8_mask(v, _mm512_shuffle_epi8(wst, v));
	m->st = _mm512_cmpeq_epi8_mask(lo, _mm512_shuffle_epi8(stt, lo));
	m->ctrl = _mm512_cmplt_epu8_mask(v, _mm512_set1_epi8(0x20));
	m->high = _mm512_movepi8_mask(v);
	m->digit = _mm512_cmplt_epu8_mask(_mm512_sub_epi8(v, _mm512_set1_epi8('0')),
	    _mm512_set1_epi8(10));
	m->term = term >= 0 ? _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8((char)term)) : 0;
}

/* The positions of the block's tokens appended: the byte offsets of the
 * set bits packed by one compress, widened to 16 bits, 32 at a time; and
 * their bytes, by another. */
AVX512 static inline void emit_avx512(struct fast *f, size_t base, const unsigned char *p,
    uint64_t tokens)
{
	const __m512i iota = _mm512_set_epi8(63, 62, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51,
	    50, 49, 48, 47, 46, 45, 44, 43, 42, 41, 40, 39, 38, 37, 36, 35, 34, 33, 32, 31, 30, 29,
	    28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6,
	    5, 4, 3, 2, 1, 0);
	__m512i at = _mm512_set1_epi16((short)base);
	__m512i packed = _mm512_maskz_compress_epi8(tokens, iota);
	uint16_t *o = f->tok + f->ntok;
	unsigned cnt = (unsigned)__builtin_popcountll(tokens);

	_mm512_storeu_si512((void *)(f->tc + f->ntok),
	    _mm512_maskz_compress_epi8(tokens, _mm512_loadu_si512((const void *)p)));
	f->ntok += cnt;
	_mm512_storeu_si512((void *)o, _mm512_add_epi16(at,
	    _mm512_cvtepu8_epi16(_mm512_castsi512_si256(packed))));
	if (cnt > 32)
		_mm512_storeu_si512((void *)(o + 32), _mm512_add_epi16(at,
		    _mm512_cvtepu8_epi16(_mm512_extracti64x4_epi64(packed, 1))));
}

/* Bit i set: an odd number of x's bits 0..i are set. */
static inline uint64_t prefix_xor(uint64_t x)
{
	x ^= x << 1;
	x ^= x << 2;
	x ^= x << 4;
	x ^= x << 8;
	x ^= x << 16;
	x ^= x << 32;
	return x;
}

/* The state stage 1 carries from one block to the next. */
struct carry {
	uint64_t in_str;	/* all ones: the block starts in a string */
	uint64_t escaped;	/* bit 0: the block's first byte is escaped */
	uint64_t other;		/* bit 0: the last block ended in a scalar */
	size_t esc_done;	/* escapes before this were checked */
	size_t utf_done;	/* UTF-8 before this was checked */
};

/* The bytes the block's unescaped backslashes escape; each escape is
 * checked in the record (a surrogate pair as one). */
static bool escapes(struct fast *f, size_t base, uint64_t bs, struct carry *c, uint64_t *escd)
{
	uint64_t e = c->escaped, b = bs & ~e;
	const char *why;

	c->escaped = 0;
	while (b != 0) {
		unsigned i = (unsigned)__builtin_ctzll(b);

		if (i == 63)
			c->escaped = 1;
		else
			e |= UINT64_C(2) << i;
		b &= ~(UINT64_C(3) << i);
		if (base + i >= c->esc_done) {
			jptr end = json_escape_end(f->rec + base + i, f->rec + f->len, &why);

			if (end == NULL)
				return false;
			c->esc_done = (size_t)(end - f->rec);
		}
	}
	*escd = e;
	return true;
}

/* The UTF-8 sequences that start in the block. */
static bool utf8(struct fast *f, size_t base, uint64_t high, struct carry *c)
{
	while (high != 0) {
		size_t at = base + (unsigned)__builtin_ctzll(high);

		high &= high - 1;
		if (at < c->utf_done)
			continue;
		jptr end = json_utf8_end(f->rec + at, f->rec + f->len);

		if (end == NULL)
			return false;
		c->utf_done = (size_t)(end - f->rec);
	}
	return true;
}

/* The block at base, whose classes are m: checked, and its tokens. */
static inline __attribute__((always_inline)) bool block(struct fast *f, size_t base,
    struct masks m, struct carry *c, uint64_t *tokens)
{
	uint64_t escd = 0;

	if ((m.bs | c->escaped) != 0 && !escapes(f, base, m.bs, c, &escd))
		return false;
	if (m.high != 0 && !utf8(f, base, m.high, c))
		return false;
	uint64_t q = m.quote & ~escd;
	/* the opening quote and the string's bytes; not the closing quote */
	uint64_t in = prefix_xor(q) ^ c->in_str;

	c->in_str = (uint64_t)((int64_t)in >> 63);
	if ((m.ctrl & in) != 0)
		return false;
	f->bs[base / 64] = m.bs & in;
	f->dg[base / 64] = m.digit;
	f->any_bs |= f->bs[base / 64] != 0;
	uint64_t out = ~(in | q);
	uint64_t st = m.st & out;
	uint64_t other = out & ~(m.ws | m.st);
	uint64_t t = st | (q & in) | (other & ~((other << 1) | c->other));

	c->other = other >> 63;
	*tokens = t;
	return true;
}

/* Where the record ends in the block at base whose classes are m: at
 * its first terminator, or at the last readable byte; the bytes past the
 * end (the next record, or the padding) become white space, which makes
 * no token.  Whether it ends here. */
static inline __attribute__((always_inline)) bool record_end(struct fast *f, size_t base,
    struct masks *m)
{
	uint64_t keep;

	if (m->term != 0) {
		f->len = base + (unsigned)__builtin_ctzll(m->term);
		keep = (UINT64_C(1) << (f->len - base)) - 1;
		m->quote &= keep, m->bs &= keep, m->st &= keep, m->ctrl &= keep;
		m->high &= keep, m->digit &= keep, m->ws |= ~keep;
		return true;
	}
	if (f->avail - base <= 64) {
		f->len = f->avail;	/* the padding is white space already */
		return true;
	}
	return false;
}

/* Stage 1 with one way of classifying the blocks.  Until the record's
 * end is found, escapes and UTF-8 are checked against the readable
 * bytes: none of their bytes can be a terminator ('\n' or NUL), so
 * one that passes lies within the record. */
#define STAGE1(name, classify, emit, attr) \
attr static bool name(struct fast *f) \
{ \
	struct carry c = { 0, 0, 0, 0, 0 }; \
	struct masks m; \
	uint64_t t; \
	unsigned char tail[64]; \
	bool last = false; \
 \
	f->ntok = 0; \
	f->any_bs = false; \
	f->len = f->avail; \
	for (size_t base = 0; !last; base += 64) { \
		const unsigned char *p = f->rec + base; \
 \
		if (base >= FAST_MAX_LEN) \
			return false; \
		if (f->avail - base < 64) { \
			/* the tail, padded with white space */ \
			memset(tail, ' ', sizeof tail); \
			memcpy(tail, p, f->avail - base); \
			p = tail; \
		} \
		classify(p, &m, f->term); \
		last = record_end(f, base, &m); \
		if (!block(f, base, m, &c, &t)) \
			return false; \
		emit(f, base, p, t); \
	} \
	f->tok[f->ntok] = (uint16_t)f->len; \
	f->tc[f->ntok] = 0; \
	f->dg[(f->len + 63) / 64] = 0; \
	return c.in_str == 0 && f->ntok > 0; \
}

STAGE1(stage1_avx2, classify_avx2, emit_avx2, __attribute__((target("avx2,popcnt"))))
STAGE1(stage1_avx512, classify_avx512, emit_avx512, AVX512)

/* The level json_fast_simd set; -1: not set yet. */
static int simd = -1;

int json_fast_simd(int level)
{
	int best = 0;

	if (__builtin_cpu_supports("avx2"))
		best = 1;
	if (best == 1 && __builtin_cpu_supports("avx512bw") &&
	    __builtin_cpu_supports("avx512vbmi2"))
		best = 2;
	simd = level < best ? level : best;
	if (simd == 1 && offsets[255] == 0)
		offsets_fill();
	return simd;
}

static bool stage1(struct fast *f)
{
	return simd == 2 ? stage1_avx512(f) : stage1_avx2(f);
}

/* Whether rec[a..b) (a < b) holds a backslash of a string, word by word. */
static bool has_bs_span(const struct fast *f, size_t a, size_t b)
{
	for (size_t w = a / 64; w <= (b - 1) / 64; w++) {
		uint64_t m = f->bs[w];

		if (a > w * 64)
			m &= ~UINT64_C(0) << (a - w * 64);
		if (b < w * 64 + 64)
			m &= (UINT64_C(1) << (b - w * 64)) - 1;
		if (m != 0)
			return true;
	}
	return false;
}

static inline bool ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Whether rec[a..b) holds a backslash of a string. */
static inline bool has_bs(const struct fast *f, size_t a, size_t b)
{
	if (!f->any_bs || a >= b)
		return false;
	/* most spans are in one block: its word, shifted to keep b - a bits */
	if (a % 64 + (b - a) <= 64)
		return (f->bs[a / 64] >> (a % 64)) << (64 - (b - a)) != 0;
	return has_bs_span(f, a, b);
}

/* The end of a string given the position of the token after it: only
 * white space lies between its closing quote and that token, so the
 * first quote back from there closes it. */
static inline size_t string_end(const struct fast *f, size_t next)
{
	while (f->rec[next - 1] != '"')
		next--;
	return next;
}

/* The 64 digit bits from pos on (none past the record). */
static inline uint64_t digits_at(const struct fast *f, size_t pos)
{
	unsigned sh = pos % 64;
	uint64_t d = f->dg[pos / 64] >> sh;

	if (sh != 0)
		d |= f->dg[pos / 64 + 1] << (64 - sh);
	return d;
}

/* The length of the run of digits at bit j (at most 63) of nd's zeros. */
static inline size_t run_at(uint64_t nd, size_t j)
{
	return (size_t)__builtin_ctzll(nd >> j | UINT64_C(1) << 63);
}

/* The end of the number at pos, or 0: json_number_end's grammar, with
 * each run of digits measured on the digit bits at once.  A number
 * whose parts reach 62 bytes on is left to json_number_end. */
static size_t number(const struct fast *f, size_t pos)
{
	jptr p = f->rec + pos;
	size_t left = f->len - pos, j = p[0] == '-', run;
	uint64_t nd = ~digits_at(f, pos);
	const char *why;

	run = run_at(nd, j);
	if (run == 0 || (p[j] == '0' && run > 1))
		return 0;
	j += run;
	if (j >= 62)
		goto long_number;
	if (j < left && p[j] == '.') {
		if ((run = run_at(nd, ++j)) == 0)
			return 0;
		if ((j += run) >= 62)
			goto long_number;
	}
	if (j < left && (p[j] | 0x20) == 'e') {
		j++;
		if (j < left && (p[j] == '+' || p[j] == '-'))
			j++;
		if ((run = run_at(nd, j)) == 0)
			return 0;
		if ((j += run) >= 62)
			goto long_number;
	}
	return pos + j;
long_number:
	p = json_number_end(p, f->rec + f->len, &why);
	return p != NULL ? (size_t)(p - f->rec) : 0;
}

/* The scalar (number or literal) at pos: its end, or 0. */
static size_t scalar(const struct fast *f, size_t pos, unsigned char *type)
{
	jptr p = f->rec + pos, end = f->rec + f->len;

	switch (*p) {
	case 't':
		*type = J_TRUE;
		return end - p >= 4 && memcmp(p, "true", 4) == 0 ? pos + 4 : 0;
	case 'f':
		*type = J_FALSE;
		return end - p >= 5 && memcmp(p, "false", 5) == 0 ? pos + 5 : 0;
	case 'n':
		*type = J_NULL;
		return end - p >= 4 && memcmp(p, "null", 4) == 0 ? pos + 4 : 0;
	default:
		if (*p != '-' && !(*p >= '0' && *p <= '9'))
			return 0;
		*type = J_NUMBER;
		return number(f, pos);
	}
}

/* A path's values below a key met again (a duplicate key) are forgotten:
 * the last one wins, as json.c does. */
static void forget(struct fast *f, const struct jnode *n)
{
	for (size_t i = 0; i < n->nsub; i++)
		f->vals[n->sub[i]].type = J_MISSING;
}

static void keep(struct fast *f, const struct jnode *n, unsigned char type, size_t pos,
    size_t end)
{
	struct jval *v = &f->vals[n->path];

	v->type = type;
	v->esc = type == J_STRING && has_bs(f, pos + 1, end - 1);
	v->p = (const char *)f->rec + pos;
	v->len = end - pos;
}

/* An open object or array. */
struct frame {
	const struct jnode *n;	/* its place in the trie, or NULL */
	size_t open;		/* where it starts */
	size_t idx;		/* an array's next index */
	bool arr;
};


/*
 * Stage 2: the grammar over the tokens, as a loop with its own stack (the
 * state stays in registers).  n is the trie node of the value to come.
 */
static bool stage2(struct fast *f, const struct jnode *n)
{
	struct frame stack[JSON_MAX_DEPTH], *top = NULL;
	const uint16_t *tok = f->tok;
	const unsigned char *tc = f->tc;	/* 0 past the last token */
	size_t i = 0;
	unsigned char c, type;
	size_t pos, end;

value:
	pos = tok[i];
	c = tc[i];
	if (c == '{' || c == '[') {
		top = top == NULL ? stack : top + 1;
		if (top == stack + JSON_MAX_DEPTH)
			return false;
		top->n = n;
		top->open = pos;
		top->idx = 0;
		top->arr = c == '[';
		i++;
		if (tc[i] == (top->arr ? ']' : '}'))
			goto close;
		if (!top->arr)
			goto key;
		n = n != NULL && n->indexes ? json_index_child(n, 0) : NULL;
		goto value;
	}
	if (c == '"') {
		i++;
		if (n != NULL && n->path >= 0)
			keep(f, n, J_STRING, pos, string_end(f, tok[i]));
		goto next;
	}
	if (c == 0 || (end = scalar(f, pos, &type)) == 0)
		return false;
	i++;
	/* the scalar is the whole run of bytes that are no token */
	if (end != tok[i] && (end >= f->len || !ws(f->rec[end])))
		return false;
	if (n != NULL && n->path >= 0)
		keep(f, n, type, pos, end);
next:
	if (top == NULL)
		return i == f->ntok;
	c = tc[i];
	i++;
	if (c == ',') {
		if (!top->arr)
			goto key;
		n = top->n != NULL && top->n->indexes ? json_index_child(top->n, ++top->idx) : NULL;
		goto value;
	}
	if (c != (top->arr ? ']' : '}'))
		return false;
	i--;
close:
	n = top->n;
	if (n != NULL && n->path >= 0)
		keep(f, n, top->arr ? J_ARRAY : J_OBJECT, top->open, (size_t)tok[i] + 1);
	i++;
	top = top == stack ? NULL : top - 1;
	goto next;
key:
	pos = tok[i];
	if (tc[i] != '"')
		return false;
	i++;
	n = NULL;
	if (top->n != NULL && top->n->keys) {
		end = string_end(f, tok[i]);
		bool esc = has_bs(f, pos + 1, end - 1);

		/* the length test first: most keys are no path's */
		if (esc || (top->n->klens & json_klen_bit(end - pos - 2)) != 0)
			n = json_key_child(top->n, f->rec + pos + 1, end - pos - 2, esc);
		if (n != NULL)
			forget(f, n);
	}
	if (tc[i] != ':')
		return false;
	i++;
	goto value;
}

/* Both scanners' work: the record at rec, ended by term (-1: none) or
 * by avail; its length in *len. */
static bool scan(const struct jpaths *ps, const char *rec, size_t avail, int term,
    struct jval *vals, size_t *len)
{
	struct fast f;
	const struct jnode *root = ps != NULL ? ps->root : NULL;

	if (simd < 0)
		json_fast_simd(JSON_SIMD_BEST);
	if (simd == 0 || (term < 0 && avail > FAST_MAX_LEN))
		return false;
	f.rec = (jptr)rec;
	f.avail = avail;
	f.term = term;
	f.vals = vals;
	if (!stage1(&f))
		return false;
	if (root != NULL)
		for (size_t i = 0; i < ps->n; i++)
			vals[i].type = J_MISSING;
	*len = f.len;
	return stage2(&f, root);
}

bool json_scan_fast(const struct jpaths *ps, const char *rec, size_t len, struct jval *vals)
{
	size_t n;

	return scan(ps, rec, len, -1, vals, &n);
}

bool json_scan_fast_line(const struct jpaths *ps, const char *rec, size_t avail, char term,
    struct jval *vals, size_t *len)
{
	/* the terminators no escape or UTF-8 sequence holds */
	if (term != '\n' && term != '\0')
		return false;
	return scan(ps, rec, avail, (unsigned char)term, vals, len);
}

#else
/* Elsewhere the scalar scanner does it all. */
int json_fast_simd(int level)
{
	(void)level;
	return 0;
}

bool json_scan_fast(const struct jpaths *ps, const char *rec, size_t len, struct jval *vals)
{
	(void)ps, (void)rec, (void)len, (void)vals;
	return false;
}

bool json_scan_fast_line(const struct jpaths *ps, const char *rec, size_t avail, char term,
    struct jval *vals, size_t *len)
{
	(void)ps, (void)rec, (void)avail, (void)term, (void)vals, (void)len;
	return false;
}
#endif
