/* scan.c - byte-scanning kernels, vectorised where the CPU allows.
 *
 * Each kernel has a portable version and, on x86-64, an AVX2 version
 * chosen once at run time; the results are identical. */
#include "autoconfig.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(HAVE_IMMINTRIN_H)
#include <immintrin.h>	/* AVX2 compare, movemask, sad */
#define SCAN_X86 1
#endif

#include "scan.h"
#include "util.h"

static size_t count_byte_portable(const char *p, size_t n, unsigned char c)
{
	size_t count = 0;
	const char *end = p + n;

	/* An empty chunk may come as a null pointer, which memchr must
	 * never see, even with a zero length. */
	if (n == 0)
		return 0;
	while ((p = memchr(p, c, (size_t)(end - p))) != NULL) {
		count++;
		p++;
	}
	return count;
}

#ifdef SCAN_X86
__attribute__((target("avx2")))
static size_t count_byte_avx2(const char *p, size_t n, unsigned char c)
{
	const __m256i needle = _mm256_set1_epi8((char)c);
	const __m256i zero = _mm256_setzero_si256();
	__m256i total = zero;
	size_t i = 0, count = 0;

	/* A byte lane gains at most 4 per 128-byte round, so after 63
	 * rounds the lanes are folded into 64-bit sums with SAD before
	 * they can overflow. */
	while (n - i >= 128) {
		__m256i acc = zero;
		size_t rounds = (n - i) / 128;

		if (rounds > 63)
			rounds = 63;
		for (size_t r = 0; r < rounds; r++, i += 128) {
			__m256i a = _mm256_loadu_si256((const __m256i *)(p + i));
			__m256i b = _mm256_loadu_si256((const __m256i *)(p + i + 32));
			__m256i d = _mm256_loadu_si256((const __m256i *)(p + i + 64));
			__m256i e = _mm256_loadu_si256((const __m256i *)(p + i + 96));

			acc = _mm256_sub_epi8(acc, _mm256_cmpeq_epi8(a, needle));
			acc = _mm256_sub_epi8(acc, _mm256_cmpeq_epi8(b, needle));
			acc = _mm256_sub_epi8(acc, _mm256_cmpeq_epi8(d, needle));
			acc = _mm256_sub_epi8(acc, _mm256_cmpeq_epi8(e, needle));
		}
		total = _mm256_add_epi64(total, _mm256_sad_epu8(acc, zero));
	}
	count = (size_t)_mm256_extract_epi64(total, 0) + (size_t)_mm256_extract_epi64(total, 1) +
		(size_t)_mm256_extract_epi64(total, 2) + (size_t)_mm256_extract_epi64(total, 3);
	return count + count_byte_portable(p + i, n - i, c);
}
#endif

/* -1: not asked yet; 0: portable kernels only; 1: AVX2 kernels. */
static int has_avx2 = -1;

static bool use_avx2(void)
{
#ifdef SCAN_X86
	if (has_avx2 < 0)
		has_avx2 = __builtin_cpu_supports("avx2") ? 1 : 0;
	return has_avx2 == 1;
#else
	return false;
#endif
}

void scan_force_portable(bool portable)
{
	has_avx2 = portable ? 0 : -1;
}

const char *scan_kernels(void)
{
	return use_avx2() ? "AVX2" : "portable";
}

size_t scan_count_byte(const char *p, size_t n, unsigned char c)
{
#ifdef SCAN_X86
	if (use_avx2())
		return count_byte_avx2(p, n, c);
#endif
	return count_byte_portable(p, n, c);
}

/*
 * How common a byte is in typical text and logs (higher is more common):
 * the probe bytes of a literal are its two rarest, so that candidate
 * positions are few.
 */
static int byte_rank(unsigned char c)
{
	if (c == ' ')
		return 250;
	if (c >= 'a' && c <= 'z')
		return strchr("etaoinsrhl", c) != NULL ? 200 : 150;
	if (c >= '0' && c <= '9')
		return c <= '2' ? 190 : 170;
	if (c >= 'A' && c <= 'Z')
		return 120;
	if (c == '.' || c == '/' || c == ',' || c == '-' || c == ':' || c == '"')
		return 160;
	if (c == '\n' || c == '\t')
		return 140;
	if (c >= 0x21 && c < 0x7f)
		return 80;
	return 20;
}

void scan_lit_init(struct scan_lit *l, const char *needle, size_t len)
{
	size_t best = 0, second = SIZE_MAX;

	l->needle = xstrndup(needle, len);
	l->len = len;
	for (size_t i = 1; i < len; i++)
		if (byte_rank((unsigned char)needle[i]) < byte_rank((unsigned char)needle[best]))
			best = i;
	/* The second probe prefers a different byte value, so that runs
	 * like "aaaa" in the haystack do not match both probes at once. */
	for (size_t i = 0; i < len; i++) {
		if (i == best)
			continue;
		if (second == SIZE_MAX) {
			second = i;
			continue;
		}
		int ri = byte_rank((unsigned char)needle[i]) + (needle[i] == needle[best] ? 100 : 0);
		int rs = byte_rank((unsigned char)needle[second]) + (needle[second] == needle[best] ? 100 : 0);
		if (ri < rs)
			second = i;
	}
	if (second == SIZE_MAX)
		second = best;
	l->i1 = best < second ? best : second;
	l->i2 = best < second ? second : best;
}

void scan_lit_free(struct scan_lit *l)
{
	free(l->needle);
	l->needle = NULL;
}

static const char *lit_find_portable(const struct scan_lit *l, const char *p, const char *end)
{
	if (l->len == 0)
		return p;
	if (p == end)
		return NULL;
	return memmem(p, (size_t)(end - p), l->needle, l->len);
}

#ifdef SCAN_X86
__attribute__((target("avx2")))
static const char *lit_find_avx2(const struct scan_lit *l, const char *p, const char *end)
{
	const __m256i b1 = _mm256_set1_epi8(l->needle[l->i1]);
	const __m256i b2 = _mm256_set1_epi8(l->needle[l->i2]);
	const char *n = l->needle;
	size_t len = l->len;

	/* Every load stays inside [p, end): the last 32-byte probe starts
	 * at most 32 + len - 1 bytes before end. */
	while ((size_t)(end - p) >= len + 32) {
		__m256i x = _mm256_loadu_si256((const __m256i *)(p + l->i1));
		__m256i y = _mm256_loadu_si256((const __m256i *)(p + l->i2));
		uint32_t mask = (uint32_t)_mm256_movemask_epi8(
			_mm256_and_si256(_mm256_cmpeq_epi8(x, b1), _mm256_cmpeq_epi8(y, b2)));

		while (mask != 0) {
			unsigned bit = (unsigned)__builtin_ctz(mask);

			if (memcmp(p + bit, n, len) == 0)
				return p + bit;
			mask &= mask - 1;
		}
		p += 32;
	}
	return lit_find_portable(l, p, end);
}
#endif

const char *scan_lit_find(const struct scan_lit *l, const char *p, const char *end)
{
#ifdef SCAN_X86
	if (use_avx2() && l->len >= 2)
		return lit_find_avx2(l, p, end);
#endif
	return lit_find_portable(l, p, end);
}

/* 0: printable (in a word), 1: white space (ends a word), 2: neither. */
static unsigned char word_class[256];

static void word_class_init(void)
{
	for (int c = 0; c < 256; c++)
		word_class[c] = (c > 0x20 && c < 0x7f) ? 0 : 2;
	word_class[' '] = word_class['\t'] = word_class['\n'] = 1;
	word_class['\v'] = word_class['\f'] = word_class['\r'] = 1;
}

uint64_t scan_count_words(const char *p, size_t n, unsigned char term, int *in_word)
{
	static bool ready;
	uint64_t words = 0;
	int in = *in_word;

	if (!ready) {
		word_class_init();
		ready = true;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		unsigned k = c == term ? 1 : word_class[c];

		if (k == 0) {
			words += !in;
			in = 1;
		} else if (k == 1) {
			in = 0;
		}
	}
	*in_word = in;
	return words;
}

uint64_t scan_max_width(const char *p, size_t n, unsigned char term)
{
	uint64_t pos = 0, max = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		/* wc -L's single-byte rules: a tab goes to the next multiple
		 * of 8, a printable byte is one column, other bytes none;
		 * newline, CR and form feed start a new line. */
		if (c == term || c == '\n' || c == '\r' || c == '\f') {
			max = pos > max ? pos : max;
			pos = 0;
		} else if (c == '\t') {
			pos += 8 - pos % 8;
		} else if (c >= 0x20 && c < 0x7f) {
			pos++;
		}
	}
	return pos > max ? pos : max;
}
