/* keytab.c - a hash table of byte-string keys with per-key state in an
 * arena (see keytab.h). */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "keytab.h"
#include "util.h"

#define MIN_SLOTS 16
#define ALIGN16(x) (((x) + 15) & ~(size_t)15)

void keytab_init(struct keytab *kt, size_t statesize)
{
	memset(kt, 0, sizeof *kt);
	kt->statesize = ALIGN16(statesize);
	kt->mask = MIN_SLOTS - 1;
	kt->slots = xcalloc(MIN_SLOTS, sizeof *kt->slots);
	kt->used = 16;	/* offset 0 means "no entry" */
}

void keytab_free(struct keytab *kt)
{
	free(kt->slots);
	free(kt->arena);
	memset(kt, 0, sizeof *kt);
}

void keytab_clear(struct keytab *kt)
{
	memset(kt->slots, 0, (kt->mask + 1) * sizeof *kt->slots);
	kt->n = 0;
	kt->used = 16;
}

void keytab_release(struct keytab *kt)
{
	size_t statesize = kt->statesize;

	keytab_free(kt);
	keytab_init(kt, statesize);
}

static void arena_reserve(struct keytab *kt, size_t need)
{
	size_t cap;

	if (kt->cap >= kt->used && kt->cap - kt->used >= need)
		return;
	cap = kt->cap ? kt->cap : 1 << 16;
	while (cap < kt->used || cap - kt->used < need)
		cap *= 2;
	kt->arena = xrealloc(kt->arena, cap);
	kt->cap = cap;
}

/* An item of len bytes after its header; the header's offset. */
static uint64_t item_alloc(struct keytab *kt, uint32_t tag, size_t hdrlen, size_t len)
{
	size_t off, size = KT_HDR + ALIGN16(len);
	struct kt_hdr *h;

	arena_reserve(kt, size);
	off = kt->used;
	kt->used += size;
	h = (struct kt_hdr *)(kt->arena + off);
	h->len = (uint32_t)hdrlen;
	h->tag = tag;
	h->aux = 0;
	return off;
}

/*
 * A group's entry of at most a cache line that would straddle two lines
 * goes at the start of the next one, after a blob of padding: finding
 * a group beyond the caches then misses once for the entry, not twice.
 * The arena's address (not just the offset) is what counts; it is the
 * same modulo 64 once the arena is large enough to be mapped on its own
 * and to move with mremap, where this matters.
 */
#define LINE 64

static uint64_t entry_alloc(struct keytab *kt, size_t len)
{
	size_t size = KT_HDR + ALIGN16(len), pad;

	if (size > LINE)
		return item_alloc(kt, KT_ENTRY, len - kt->statesize, len);
	arena_reserve(kt, size + LINE - 16);
	pad = (size_t)((uintptr_t)(kt->arena + kt->used) % LINE);
	if (pad + size > LINE)
		item_alloc(kt, KT_BLOB, LINE - pad - KT_HDR, LINE - pad - KT_HDR);
	return item_alloc(kt, KT_ENTRY, len - kt->statesize, len);
}

uint64_t keytab_alloc(struct keytab *kt, size_t len)
{
	return item_alloc(kt, KT_BLOB, len, len) + KT_HDR;
}

/* The next item after the one at off. */
static inline uint64_t item_next(const struct keytab *kt, uint64_t off)
{
	const struct kt_hdr *h = (const struct kt_hdr *)(kt->arena + off);

	return off + KT_HDR + (h->tag == KT_ENTRY ? kt->statesize : 0) + ALIGN16(h->len);
}

/* Twice the slots: the keys are hashed again, read in arena order. */
static void grow_slots(struct keytab *kt)
{
	size_t n = (kt->mask + 1) * 2, mask = n - 1;
	kt_slot *s = xcalloc(n, sizeof *s);

	for (uint64_t off = 16; off < kt->used; off = item_next(kt, off)) {
		const struct kt_hdr *hd = (const struct kt_hdr *)(kt->arena + off);
		uint64_t h;
		size_t j;

		if (hd->tag != KT_ENTRY)
			continue;
		h = keytab_hash(kt->arena + off + KT_HDR + kt->statesize, hd->len);
		for (j = h & mask; s[j] != 0; j = (j + 1) & mask)
			;
		s[j] = KT_SLOT(h, off);
	}
	free(kt->slots);
	kt->slots = s;
	kt->mask = mask;
}

void keytab_reserve(struct keytab *kt, size_t n)
{
	while (n * 4 > (kt->mask + 1) * 3)
		grow_slots(kt);
}

static inline bool same_key(const struct keytab *kt, uint64_t off, const void *key, size_t len)
{
	return ((const struct kt_hdr *)(kt->arena + off))->len == len &&
	    keytab_same(kt->arena + off + KT_HDR + kt->statesize, key, len);
}

uint64_t keytab_put(struct keytab *kt, const void *key, size_t len, uint64_t h, bool *added)
{
	size_t i;
	uint64_t off;

	for (i = h & kt->mask;; i = (i + 1) & kt->mask) {
		kt_slot s = kt->slots[i];

		if (s == 0)
			break;
		if (KT_SLOT_TAG(s) == h >> KT_OFF_BITS && same_key(kt, KT_SLOT_OFF(s), key, len)) {
			*added = false;
			return KT_SLOT_OFF(s);
		}
	}
	*added = true;
	off = entry_alloc(kt, kt->statesize + len);
	memset(kt->arena + off + KT_HDR, 0, kt->statesize);
	if (len > 0)
		memcpy(kt->arena + off + KT_HDR + kt->statesize, key, len);
	kt->slots[i] = KT_SLOT(h, off);
	kt->n++;
	/* At most three quarters full: probe runs stay short. */
	if (kt->n * 4 > (kt->mask + 1) * 3)
		grow_slots(kt);
	return off;
}

uint64_t *keytab_entries(const struct keytab *kt)
{
	uint64_t *v = xreallocarray(NULL, kt->n ? kt->n : 1, sizeof *v);
	size_t n = 0;

	for (uint64_t off = 16; off < kt->used; off = item_next(kt, off))
		if (((const struct kt_hdr *)(kt->arena + off))->tag == KT_ENTRY)
			v[n++] = off;
	return v;
}

/* Sorting: the first 8 key bytes as a big-endian number decide most
 * comparisons without touching the arena. */
struct sortitem {
	uint64_t prefix;
	uint64_t off;
};

static inline int item_cmp(const struct keytab *kt, const struct sortitem *a, const struct sortitem *b)
{
	const char *ka, *kb;
	size_t la, lb;

	if (a->prefix != b->prefix)
		return a->prefix < b->prefix ? -1 : 1;
	ka = keytab_key(kt, a->off, &la);
	kb = keytab_key(kt, b->off, &lb);
	return keytab_keycmp(ka, la, kb, lb);
}

static inline void item_swap(struct sortitem *a, struct sortitem *b)
{
	struct sortitem t = *a;

	*a = *b;
	*b = t;
}

/* Quicksort, median of three, insertion sort for short ranges, the
 * smaller side first so the stack stays logarithmic. */
static void item_sort(const struct keytab *kt, struct sortitem *v, size_t n)
{
	while (n > 16) {
		size_t mid = n / 2, i, j;
		struct sortitem pivot;

		if (item_cmp(kt, &v[mid], &v[0]) < 0)
			item_swap(&v[mid], &v[0]);
		if (item_cmp(kt, &v[n - 1], &v[0]) < 0)
			item_swap(&v[n - 1], &v[0]);
		if (item_cmp(kt, &v[n - 1], &v[mid]) < 0)
			item_swap(&v[n - 1], &v[mid]);
		pivot = v[mid];
		i = 0;
		j = n - 1;
		for (;;) {
			while (item_cmp(kt, &v[i], &pivot) < 0)
				i++;
			while (item_cmp(kt, &pivot, &v[j]) < 0)
				j--;
			if (i >= j)
				break;
			item_swap(&v[i], &v[j]);
			i++;
			j--;
		}
		/* v[0..j] <= pivot <= v[j+1..n) */
		if (j + 1 < n - j - 1) {
			item_sort(kt, v, j + 1);
			v += j + 1;
			n -= j + 1;
		} else {
			item_sort(kt, v + j + 1, n - j - 1);
			n = j + 1;
		}
	}
	for (size_t i = 1; i < n; i++) {
		struct sortitem t = v[i];
		size_t j = i;

		while (j > 0 && item_cmp(kt, &t, &v[j - 1]) < 0) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = t;
	}
}

/* Below this many items a range is sorted by comparisons; up to LSD_MAX
 * (a megabyte of items, in the caches) least significant byte first
 * through a buffer; above, it is cut in place by its first byte that
 * differs. */
#define RADIX_MIN 4096
#define LSD_MAX 65536

/* Items of equal prefix (keys that share their first 8 bytes) in order
 * by item_sort, which compares whole keys. */
static void equal_prefixes(const struct keytab *kt, struct sortitem *v, size_t n)
{
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && v[j].prefix == v[i].prefix; j++)
			;
		if (j - i > 1)
			item_sort(kt, v + i, j - i);
	}
}

/*
 * Sort v by bytes 0 to top of its prefix, least significant first (a
 * counting sort per byte, through tmp), skipping the bytes every item
 * shares: passes over memory in sequence, where comparisons would
 * mispredict.
 */
static void lsd_sort(const struct keytab *kt, struct sortitem *v, struct sortitem *tmp, size_t n,
    int top)
{
	size_t (*count)[256] = xcalloc((size_t)top + 1, sizeof *count);
	struct sortitem *from = v, *to = tmp;

	for (size_t i = 0; i < n; i++)
		for (int b = 0; b <= top; b++)
			count[b][(v[i].prefix >> (8 * b)) & 0xff]++;
	for (int b = 0; b <= top; b++) {
		size_t sum = 0;

		if (count[b][(v[0].prefix >> (8 * b)) & 0xff] == n)
			continue;	/* one value: the order stays */
		for (int d = 0; d < 256; d++) {
			size_t c = count[b][d];

			count[b][d] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			to[count[b][(from[i].prefix >> (8 * b)) & 0xff]++] = from[i];
		struct sortitem *t = from;

		from = to;
		to = t;
	}
	if (from != v)
		memcpy(v, from, n * sizeof *v);
	free(count);
	equal_prefixes(kt, v, n);
}

/*
 * Sort v by prefix, then whole keys.  A range over LSD_MAX items is cut
 * in place by its most significant byte that differs (an American flag
 * sort: each item is moved straight to its byte's bucket), so that the
 * sort takes no memory beyond the items and tmp's LSD_MAX: a table sent
 * when full may fill more of its share.
 */
static void radix_sort(const struct keytab *kt, struct sortitem *v, struct sortitem *tmp, size_t n,
    int byte)
{
	size_t count[256], next[256], end[256];
	unsigned shift;

	for (;; byte--) {
		if (n < RADIX_MIN || byte < 0) {
			item_sort(kt, v, n);
			return;
		}
		if (n <= LSD_MAX) {
			lsd_sort(kt, v, tmp, n, byte);
			return;
		}
		shift = 8 * (unsigned)byte;
		memset(count, 0, sizeof count);
		for (size_t i = 0; i < n; i++)
			count[(v[i].prefix >> shift) & 0xff]++;
		if (count[(v[0].prefix >> shift) & 0xff] != n)
			break;	/* a byte that differs */
	}
	for (size_t d = 0, sum = 0; d < 256; d++) {
		next[d] = sum;
		sum += count[d];
		end[d] = sum;
	}
	for (size_t d = 0; d < 256; d++)
		while (next[d] < end[d]) {
			struct sortitem t = v[next[d]];
			size_t b = (t.prefix >> shift) & 0xff;

			/* carry t to its bucket, taking what was there, until
			 * an item of this bucket comes back */
			while (b != d) {
				struct sortitem u = v[next[b]];

				v[next[b]++] = t;
				t = u;
				b = (t.prefix >> shift) & 0xff;
			}
			v[next[d]++] = t;
		}
	for (size_t d = 0, at = 0; d < 256; at += count[d++])
		if (count[d] > 1)
			radix_sort(kt, v + at, tmp, count[d], byte - 1);
}

uint64_t *keytab_sorted(const struct keytab *kt)
{
	struct sortitem *v = xreallocarray(NULL, kt->n ? kt->n : 1, sizeof *v);
	uint64_t *out;
	size_t n = 0;

	/* In arena order: memory is read in sequence. */
	for (uint64_t off = 16; off < kt->used; off = item_next(kt, off)) {
		const char *k;
		size_t len;

		if (((const struct kt_hdr *)(kt->arena + off))->tag != KT_ENTRY)
			continue;
		k = keytab_key(kt, off, &len);
		v[n].prefix = keytab_prefix(k, len);
		v[n++].off = off;
	}
	if (n >= RADIX_MIN) {
		struct sortitem *tmp = xreallocarray(NULL, n < LSD_MAX ? n : LSD_MAX, sizeof *tmp);

		radix_sort(kt, v, tmp, n, 7);
		free(tmp);
	} else {
		item_sort(kt, v, n);
	}
	/* Compact in place: the offsets are the second half of each item. */
	out = (uint64_t *)v;
	for (size_t i = 0; i < n; i++)
		out[i] = v[i].off;
	return xreallocarray(out, n ? n : 1, sizeof *out);
}
