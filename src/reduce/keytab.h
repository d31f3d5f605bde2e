/* keytab.h - a hash table of byte-string keys, each with a fixed-size
 * state, for the grouping reducers (group, uniq, top).
 *
 * Entries live in one arena and are named by their offset in it, which
 * never changes when the arena grows.  An entry is a 16-byte header (the
 * key's length and a 64-bit word for the caller, aux), the state
 * (statesize bytes, zeroed when the entry is created, 16-byte aligned)
 * and the key bytes.  The arena also holds blobs of any size (first/last
 * values), each after a 16-byte header of its own, so the arena can be
 * walked in memory order: sorting reads every key's first bytes that
 * way, not in the slots' random order.
 *
 * The slots are open addressing with linear probing.  A slot is 8 bytes:
 * the entry's offset / 16 (40 bits) and the top 24 bits of the key's
 * 64-bit hash, so a probe touches the arena only when those match, and
 * twice as many slots fit a cache as with a whole hash.  Nothing is
 * allocated per key: the arena and the slot array grow by doubling,
 * rehashing the keys in arena order. */
#ifndef FORKPIPE_KEYTAB_H
#define FORKPIPE_KEYTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A slot: offset / 16 in the low bits, the hash's top bits above; 0 is
 * empty (no entry is at offset 0). */
typedef uint64_t kt_slot;
#define KT_OFF_BITS 40
#define KT_SLOT(h, off) ((h) >> KT_OFF_BITS << KT_OFF_BITS | (off) >> 4)
#define KT_SLOT_OFF(s) (((s) & ((UINT64_C(1) << KT_OFF_BITS) - 1)) << 4)
#define KT_SLOT_TAG(s) ((s) >> KT_OFF_BITS)

struct keytab {
	kt_slot *slots;
	size_t mask;		/* number of slots - 1 (a power of two) */
	size_t n;		/* entries */
	char *arena;
	size_t used, cap;	/* arena bytes; offset 0 is never an entry */
	size_t statesize;	/* bytes of state per entry, a multiple of 16 */
};

#define KT_HDR 16
#define KT_ENTRY 0
#define KT_BLOB 1

/* The header of every arena item. */
struct kt_hdr {
	uint32_t len;		/* an entry's key length, or a blob's size */
	uint32_t tag;		/* KT_ENTRY or KT_BLOB */
	uint64_t aux;		/* entries: the caller's (zero when created) */
};

/* A table whose entries carry statesize bytes of state (rounded up to 16). */
void keytab_init(struct keytab *kt, size_t statesize);
void keytab_free(struct keytab *kt);
/* Forget every entry and blob; the memory is kept for reuse. */
void keytab_clear(struct keytab *kt);
/* Forget everything and give the memory back. */
void keytab_release(struct keytab *kt);

/* Room in the slots for n entries, made at once rather than doubling
 * (and rehashing) step by step as they come. */
void keytab_reserve(struct keytab *kt, size_t n);

/* Bytes the table holds: arena in use and slots. */
static inline size_t keytab_bytes(const struct keytab *kt)
{
	return kt->used + (kt->mask + 1) * sizeof(kt_slot);
}

static inline uint64_t kt_load64(const unsigned char *p)
{
	uint64_t w;

	memcpy(&w, p, 8);
	return w;
}

static inline uint64_t kt_load32(const unsigned char *p)
{
	uint32_t w;

	memcpy(&w, p, 4);
	return w;
}

/* The last 1 to 8 bytes of a key as one word, without reading past it:
 * two overlapping 4-byte loads, or three single bytes. */
static inline uint64_t kt_tail(const unsigned char *p, size_t len)
{
	if (len >= 4)
		return kt_load32(p) | kt_load32(p + len - 4) << 32;
	return (uint64_t)p[0] << 16 | (uint64_t)p[len >> 1] << 8 | p[len - 1];
}

/* The 64-bit hash of a key: multiply and xor-shift over 8-byte words. */
static inline uint64_t keytab_hash(const void *key, size_t len)
{
	const unsigned char *p = key;
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ (len * 0xff51afd7ed558ccdULL);

	while (len > 8) {
		h = (h ^ kt_load64(p)) * 0xbf58476d1ce4e5b9ULL;
		h ^= h >> 31;
		p += 8;
		len -= 8;
	}
	if (len > 0) {
		h = (h ^ (len == 8 ? kt_load64(p) : kt_tail(p, len))) * 0xbf58476d1ce4e5b9ULL;
		h ^= h >> 31;
	}
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 29;
	return h;
}

/* Whether two keys of len bytes are equal: inline for short keys. */
static inline bool keytab_same(const void *a, const void *b, size_t len)
{
	const unsigned char *x = a, *y = b;

	if (len > 16)
		return memcmp(a, b, len) == 0;
	if (len >= 8)
		return kt_load64(x) == kt_load64(y) &&
		    kt_load64(x + len - 8) == kt_load64(y + len - 8);
	if (len == 0)
		return true;
	return kt_tail(x, len) == kt_tail(y, len);
}

/*
 * The entry for key (whose hash is h), created with zeroed state if it
 * is not there (*added then true).  Returns the entry's offset.
 */
uint64_t keytab_put(struct keytab *kt, const void *key, size_t len, uint64_t h, bool *added);
/* The entry for key, or 0 (inline: the common case of a fold). */
static inline uint64_t keytab_get(const struct keytab *kt, const void *key, size_t len, uint64_t h)
{
	for (size_t i = h & kt->mask;; i = (i + 1) & kt->mask) {
		kt_slot s = kt->slots[i];
		uint64_t off = KT_SLOT_OFF(s);

		if (s == 0)
			return 0;
		if (KT_SLOT_TAG(s) == h >> KT_OFF_BITS &&
		    ((const struct kt_hdr *)(kt->arena + off))->len == len &&
		    keytab_same(kt->arena + off + KT_HDR + kt->statesize, key, len))
			return off;
	}
}

/* A blob of len bytes in the arena (16-byte aligned, not zeroed); its
 * offset.  Any pointer into the arena is invalid after this or
 * keytab_put. */
uint64_t keytab_alloc(struct keytab *kt, size_t len);

static inline void *keytab_state(const struct keytab *kt, uint64_t off)
{
	return kt->arena + off + KT_HDR;
}

static inline const char *keytab_key(const struct keytab *kt, uint64_t off, size_t *len)
{
	*len = ((const struct kt_hdr *)(kt->arena + off))->len;
	return kt->arena + off + KT_HDR + kt->statesize;
}

/* The entry's word for the caller (group: its record count). */
static inline uint64_t *keytab_aux(const struct keytab *kt, uint64_t off)
{
	return &((struct kt_hdr *)(kt->arena + off))->aux;
}

/* Start reading an entry from memory: for loops that visit entries in an
 * order of their own (sorted), a few entries ahead. */
static inline void keytab_prefetch(const struct keytab *kt, uint64_t off)
{
	__builtin_prefetch(kt->arena + off);
	__builtin_prefetch(kt->arena + off + 64);
}

/* Start reading the slot of a key hashed to h: the first step of finding
 * entries of a batch of keys at once. */
static inline void keytab_prefetch_slot(const struct keytab *kt, uint64_t h)
{
	__builtin_prefetch(&kt->slots[h & kt->mask]);
}

/* The second step: start reading the entry whose slot (among the first
 * few probed) bears h's tag, likely the key's; its offset, or 0. */
static inline uint64_t keytab_prefetch_match(const struct keytab *kt, uint64_t h)
{
	size_t i = h & kt->mask;

	for (int k = 0; k < 4; k++, i = (i + 1) & kt->mask) {
		kt_slot s = kt->slots[i];

		if (s == 0)
			return 0;
		if (KT_SLOT_TAG(s) == h >> KT_OFF_BITS) {
			const char *e = kt->arena + KT_SLOT_OFF(s);

			/* its header, and its key's first bytes when they are
			 * on the next line */
			__builtin_prefetch(e);
			if (((uintptr_t)e & 63) + KT_HDR + kt->statesize + 8 > 64)
				__builtin_prefetch(e + KT_HDR + kt->statesize + 8);
			/* GCC deletes a loop whose only effect is a prefetch
			 * (it has no side effect): this empty statement is one. */
			__asm__ __volatile__("" : : "r"(e));
			return KT_SLOT_OFF(s);
		}
	}
	return 0;
}

static inline void *keytab_blob(const struct keytab *kt, uint64_t off)
{
	return kt->arena + off;
}

/* Compare two keys as LC_ALL=C does: bytes, a prefix first.  An empty
 * key may be a null pointer, which memcmp must not see. */
static inline int keytab_keycmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	int c = n > 0 ? memcmp(a, b, n) : 0;

	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen;
}

/* A key's first 8 bytes (zero-padded) as a big-endian number: two keys
 * whose prefixes differ compare as their prefixes do. */
static inline uint64_t keytab_prefix(const char *k, size_t len)
{
	uint64_t w = 0;

	/* one load and a byte swap (the shifts of eight bytes cost more in
	 * the sorts and merges that call this for every entry) */
	if (len >= 8)
		memcpy(&w, k, 8);
	else if (len > 0)
		memcpy(&w, k, len);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	return w;
}

/* keytab_keycmp of two keys whose prefixes (keytab_prefix) are pa, pb:
 * the bytes after the first 8 only where the prefixes are equal. */
static inline int keytab_keycmp_pfx(const char *a, size_t alen, uint64_t pa, const char *b,
    size_t blen, uint64_t pb)
{
	if (pa != pb)
		return pa < pb ? -1 : 1;
	if (alen <= 8 || blen <= 8)
		return alen < blen ? -1 : alen > blen;
	return keytab_keycmp(a + 8, alen - 8, b + 8, blen - 8);
}

/*
 * The offsets of every entry, sorted by key (keytab_keycmp), in a new
 * array of kt->n elements (the caller frees it).  Sorting needs 16 bytes
 * per entry while it runs (KT_SORT_BYTES): the items, cut in place into
 * ranges a buffer of at most a megabyte sorts.
 */
#define KT_SORT_BYTES 16
uint64_t *keytab_sorted(const struct keytab *kt);
/* The offsets of every entry in arena order, in a new array. */
uint64_t *keytab_entries(const struct keytab *kt);

#endif
