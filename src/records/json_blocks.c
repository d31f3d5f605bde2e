/* json_blocks.c - stage 1 of the two-stage JSON scanner (json_fast.c):
 * a record, 64 bytes at a time, into bit masks and tokens, with AVX2 or
 * AVX-512 (a runtime check; on a CPU with neither, or not x86-64, there
 * is no stage 1 and the scalar scanner does it all: with SSE2 alone the
 * two stages were slower than that one).
 *
 * Per block: bit masks of quotes, backslashes, white space, structural
 * characters, control and non-ASCII bytes, digits and the terminator;
 * the escaped bytes (each unescaped backslash escapes the next byte); the
 * in-string mask as the prefix XOR of the unescaped quotes; from these
 * the tokens, positions and bytes: structurals and string starts outside
 * strings, and the first byte of each run of other bytes (a scalar).
 * Escapes are checked where there are backslashes, UTF-8 where there are
 * non-ASCII bytes, and a control byte in a string is an error; the
 * backslashes in strings and the digits are kept per block for stage 2. */
#include "autoconfig.h"

#include <stdint.h>
#include <string.h>

#include "jsonl.h"
#include "jsonl_int.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

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
__attribute__((target("avx2"))) static inline void emit_avx2(struct json_fast *f, size_t base,
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
AVX512 static inline void emit_avx512(struct json_fast *f, size_t base, const unsigned char *p,
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
static bool escapes(struct json_fast *f, size_t base, uint64_t bs, struct carry *c, uint64_t *escd)
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
static bool utf8(struct json_fast *f, size_t base, uint64_t high, struct carry *c)
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
static inline __attribute__((always_inline)) bool block(struct json_fast *f, size_t base,
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
static inline __attribute__((always_inline)) bool record_end(struct json_fast *f, size_t base,
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
attr static bool name(struct json_fast *f) \
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
		if (base >= JSON_FAST_MAX_LEN) \
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

	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt"))
		best = 1;
	if (best == 1 && __builtin_cpu_supports("avx512bw") &&
	    __builtin_cpu_supports("avx512vbmi2"))
		best = 2;
	simd = level < best ? level : best;
	if (simd == 1 && offsets[255] == 0)
		offsets_fill();
	return simd;
}

int json_fast_level(void)
{
	if (simd < 0)
		json_fast_simd(JSON_SIMD_BEST);
	return simd;
}

bool json_blocks(struct json_fast *f)
{
	return simd == 2 ? stage1_avx512(f) : stage1_avx2(f);
}

#else
/* Elsewhere the scalar scanner does it all. */
int json_fast_simd(int level)
{
	(void)level;
	return 0;
}

int json_fast_level(void)
{
	return 0;
}

bool json_blocks(struct json_fast *f)
{
	(void)f;
	return false;
}
#endif
