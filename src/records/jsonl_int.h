/* jsonl_int.h - what the JSON files share: the trie of a job's paths
 * (each node is a position in a record, the root is the record; its
 * children are the keys and indexes some path goes through next), the
 * lexical checks both scanners make (inline: they are the scanners' inner
 * loops), and the two scanners json_scan runs (json_fast.c first, json.c
 * when the fast one is not sure). */
#ifndef FORKPIPE_JSONL_INT_H
#define FORKPIPE_JSONL_INT_H

#include <stdint.h>
#include <string.h>

#include "jsonl.h"

struct jkid {
	struct jstep step;	/* shares the path's key */
	struct jnode *node;
};

struct jnode {
	long path;		/* the path that ends here, or -1 */
	struct jkid *kids;
	size_t nkids;
	bool keys, indexes;	/* some kid is a key / an index */
	uint64_t kbits;		/* the json_key_bit of each kid's key: most
				 * keys miss at once */
	size_t *sub;		/* the paths that end here or below: reset
				 * when a duplicate key comes again */
	size_t nsub;
};

typedef const unsigned char *jptr;

static inline int json_hex(unsigned c)
{
	if (c >= '0' && c <= '9')
		return (int)(c - '0');
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? (int)(c - 'a' + 10) : -1;
}

/* Four hex digits at p: their value, or -1. */
static inline long json_hex4(jptr p, jptr end)
{
	long v = 0;

	if (end - p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		int h = json_hex(p[i]);

		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/* Past the escape at p (a backslash); surrogates must come in pairs.
 * NULL with *why if it is not one. */
static inline jptr json_escape_end(jptr p, jptr end, const char **why)
{
	if (++p >= end) {
		*why = "unterminated string";
		return NULL;
	}
	switch (*p) {
	case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
		return p + 1;
	case 'u':
		break;
	default:
		*why = "invalid escape in string";
		return NULL;
	}
	long u = json_hex4(p + 1, end);

	if (u < 0) {
		*why = "invalid \\u escape in string";
		return NULL;
	}
	p += 5;
	if (u >= 0xDC00 && u <= 0xDFFF) {
		*why = "lone surrogate in \\u escape";
		return NULL;
	}
	if (u >= 0xD800 && u <= 0xDBFF) {
		long lo = end - p >= 6 && p[0] == '\\' && p[1] == 'u' ? json_hex4(p + 2, end) : -1;

		if (lo < 0xDC00 || lo > 0xDFFF) {
			*why = "lone surrogate in \\u escape";
			return NULL;
		}
		p += 6;
	}
	return p;
}

/* Past the UTF-8 sequence at p (its lead byte >= 0x80), as Unicode's
 * table 3-7 allows: no overlong forms, no surrogates, nothing past
 * U+10FFFF.  NULL if it is not one. */
static inline jptr json_utf8_end(jptr p, jptr end)
{
	size_t left = (size_t)(end - p);
	unsigned c = p[0], lo = 0x80, hi = 0xBF, n;

	if (c >= 0xC2 && c <= 0xDF)
		n = 1;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 2, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 3, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
	else
		return NULL;
	if (left <= n || p[1] < lo || p[1] > hi)
		return NULL;
	for (unsigned i = 2; i <= n; i++)
		if ((p[i] & 0xC0) != 0x80)
			return NULL;
	return p + n + 1;
}

static inline bool json_digit(jptr p, jptr end)
{
	return p < end && *p >= '0' && *p <= '9';
}

/* Past a run of digits: eight at a time while all eight are digits (an
 * id or a timestamp is long), then byte by byte. */
static inline jptr json_digits(jptr p, jptr end)
{
	while (end - p >= 8) {
		uint64_t v;

		memcpy(&v, p, 8);
		if ((((v & UINT64_C(0xF0F0F0F0F0F0F0F0)) |
		    (((v + UINT64_C(0x0606060606060606)) & UINT64_C(0xF0F0F0F0F0F0F0F0)) >> 4))) !=
		    UINT64_C(0x3333333333333333))
			break;
		p += 8;
	}
	while (json_digit(p, end))
		p++;
	return p;
}

/* Past the number at p; NULL with *why if it is not one. */
static inline jptr json_number_end(jptr p, jptr end, const char **why)
{
	if (*p == '-')
		p++;
	if (!json_digit(p, end))
		goto bad;
	if (*p == '0') {
		p++;
		if (json_digit(p, end)) {
			*why = "leading zero in number";
			return NULL;
		}
	} else {
		p = json_digits(p, end);
	}
	if (p < end && *p == '.') {
		if (!json_digit(++p, end))
			goto bad;
		p = json_digits(p, end);
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (!json_digit(p, end))
			goto bad;
		p = json_digits(p, end);
	}
	return p;
bad:
	*why = "invalid number";
	return NULL;
}

/* A key's bit in a trie node's kbits, from its length and its first and
 * last bytes (the key unescaped; as written it is the same when it holds
 * no escape). */
static inline uint64_t json_key_bit(const char *k, size_t len)
{
	if (len == 0)
		return 1;
	return UINT64_C(1) << ((len * 7 + (unsigned char)k[0] + (unsigned char)k[len - 1] * 3) % 64);
}

/* json.c */
/* The child of n for an object key k[0..len) as written (esc: it holds
 * a backslash escape) or for an array index, or NULL. */
const struct jnode *json_key_child(const struct jnode *n, jptr k, size_t len, bool esc);
const struct jnode *json_index_child(const struct jnode *n, size_t idx);
/* The scalar scanner alone: json_scan's verdict and reason. */
bool json_scan_scalar(const struct jpaths *ps, const char *rec, size_t len, struct jval *vals,
    const char **why);

/* json_fast.c, json_blocks.c */
/* Longer records go to the scalar scanner: the fast one keeps 16-bit
 * token positions in a frame of about 200 KiB on the stack (a static
 * one was 10 % slower), and gives up on a longer record only after this
 * many bytes (a record just longer costs up to a quarter more than the
 * scalar scanner alone would). */
#define JSON_FAST_MAX_LEN (1023 * 64)
#define JSON_FAST_BLOCKS (JSON_FAST_MAX_LEN / 64)

/* A record as the two stages see it: stage 1 (json_blocks.c) fills in
 * its length, tokens and per-block masks, stage 2 (json_fast.c) parses
 * the tokens. */
struct json_fast {
	jptr rec;
	size_t len;		/* the record's, once stage 1 found its end */
	size_t avail;		/* the bytes readable from rec */
	int term;		/* the byte that ends the record, or -1 */
	uint16_t tok[JSON_FAST_MAX_LEN + 64];	/* token positions, then len (and
					 * room for whole stores past it) */
	unsigned char tc[JSON_FAST_MAX_LEN + 64];	/* their bytes, then 0 */
	size_t ntok;
	uint64_t bs[JSON_FAST_BLOCKS];	/* backslashes in strings, per block */
	uint64_t dg[JSON_FAST_BLOCKS + 1];	/* digits, per block, then none */
	bool any_bs;			/* some string holds one */
	struct jval *vals;
};

/* json_blocks.c */
/* Stage 1 on f's record: false if it is sure to be invalid or too long
 * (or there is no SIMD for it). */
bool json_blocks(struct json_fast *f);
/* The level json_fast_simd set (the best, unless the tests chose). */
int json_fast_level(void);

/* json_fast.c */
/* The two-stage scanner: true if rec is valid, with vals as
 * json_scan_scalar sets them; false if it is not sure (the record is
 * invalid, or longer than JSON_FAST_MAX_LEN). */
bool json_scan_fast(const struct jpaths *ps, const char *rec, size_t len, struct jval *vals);
/* The same on the record at rec that ends at the first term byte or at
 * avail (the bytes from rec that may be read), its length in *len. */
bool json_scan_fast_line(const struct jpaths *ps, const char *rec, size_t avail, char term,
    struct jval *vals, size_t *len);
/* Classify blocks with SIMD of level (1: AVX2, 2: AVX-512 with VBMI2)
 * or the best the CPU has below it; the level set, 0 if there is none
 * (json_scan_fast is then never sure).  The default is the best; the
 * tests run each. */
#define JSON_SIMD_BEST 2
int json_fast_simd(int level);

#endif
