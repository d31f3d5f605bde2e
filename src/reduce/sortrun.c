/* sortrun.c - the sort stage's partial: sorting its records, the memory
 * of the runs it receives, and spilling (see sortrun.h). */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "sortrun.h"
#include "util.h"

/* ---- sorting a partial's records ------------------------------------------ */

static void insertion_sort(const struct sortspec *s, const char *base, struct ent *a, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct ent x = a[i];
		size_t j = i;

		while (j > 0 && ent_cmp(s, base, &a[j - 1], &x) > 0) {
			a[j] = a[j - 1];
			j--;
		}
		a[j] = x;
	}
}

/* A stable merge sort of a[0..n) with scratch t (n/2 entries suffice). */
static void merge_sort(const struct sortspec *s, const char *base, struct ent *a, struct ent *t,
    size_t n)
{
	size_t h = n / 2, i = 0, j = h, k = 0;

	if (n <= 16) {
		insertion_sort(s, base, a, n);
		return;
	}
	merge_sort(s, base, a, t, h);
	merge_sort(s, base, a + h, t, n - h);
	if (ent_cmp(s, base, &a[h - 1], &a[h]) <= 0)
		return;
	memcpy(t, a, h * sizeof *a);
	while (i < h && j < n) {
		if (ent_cmp(s, base, &a[j], &t[i]) < 0)
			a[k++] = a[j++];
		else
			a[k++] = t[i++];
	}
	while (i < h)
		a[k++] = t[i++];
}

/* Whether two records are duplicates for -u. */
static bool ent_same(const struct sortspec *s, const char *base, const struct ent *a,
    const struct ent *b)
{
	if (a->pfx != b->pfx)
		return false;
	if (s->nkeys == 1 && (a->kb & b->kb & KEY_EXACT) != 0 && a->kb != KEY_UNKNOWN &&
	    b->kb != KEY_UNKNOWN)
		return s->keys[0].numeric || a->ke - (a->kb & ~KEY_EXACT) == b->ke - (b->kb & ~KEY_EXACT);
	return sortspec_same(s, base + a->off, a->len, base + b->off, b->len);
}

void sortp_sort(struct sortp *p)
{
	const struct sortspec *s = p->spec;
	const char *base = p->data.data;
	size_t n = p->nents, k;

	if (n < 2)
		return;
	if (s->merge_only) {
		/* -m: the chunk is a piece of a sorted input, and sorted */
	} else {
		if (p->scratch == NULL)
			p->scratch = xreallocarray(NULL, p->capents / 2 + 1, sizeof *p->scratch);
		merge_sort(s, base, p->ents, p->scratch, n);
	}
	if (!s->unique)
		return;
	k = 1;
	for (size_t i = 1; i < n; i++) {
		const struct ent *a = &p->ents[k - 1], *b = &p->ents[i];

		if (!ent_same(s, base, a, b))
			p->ents[k++] = *b;
	}
	p->nents = k;
}

/* ---- memory --------------------------------------------------------------- */

/*
 * The merger keeps every run it receives.  Large ones get memory of their
 * own, mapped with transparent huge pages where the system offers them:
 * one fault per 2 MiB instead of one per 4 KiB.
 */
#define HUGE_MIN (4u << 20)
#define HUGE_ALIGN (2u << 20)

static size_t run_mapped_size(size_t len)
{
	return (len + HUGE_ALIGN - 1) / HUGE_ALIGN * HUGE_ALIGN;
}

char *sortp_run_alloc(size_t len)
{
	if (len >= HUGE_MIN) {
		size_t n = run_mapped_size(len);
		char *p = mmap(NULL, n + HUGE_ALIGN, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p != MAP_FAILED) {
			/* Keep the 2 MiB-aligned part of the mapping. */
			size_t head = (HUGE_ALIGN - (uintptr_t)p % HUGE_ALIGN) % HUGE_ALIGN;

			if (head > 0)
				munmap(p, head);
			if (HUGE_ALIGN - head > 0)
				munmap(p + head + n, HUGE_ALIGN - head);
#ifdef MADV_HUGEPAGE
			(void)madvise(p + head, n, MADV_HUGEPAGE);
#endif
			return p + head;
		}
	}
	return xmalloc(len);
}

void sortp_run_release(char *mem, size_t len)
{
	if (mem == NULL)
		return;
	if (len >= HUGE_MIN)
		munmap(mem, run_mapped_size(len));
	else
		free(mem);
}

/* ---- runs ----------------------------------------------------------------- */

struct run *sortp_add_run(struct sortp *p, enum run_kind kind, uint64_t seq)
{
	struct run *r;

	if (p->nruns == p->capruns) {
		p->capruns = p->capruns ? 2 * p->capruns : 8;
		p->runs = xreallocarray(p->runs, p->capruns, sizeof *p->runs);
	}
	r = &p->runs[p->nruns++];
	memset(r, 0, sizeof *r);
	r->kind = kind;
	r->seq = seq;
	r->sub = p->nsub++;
	return r;
}

void sortp_spill(struct sortp *p)
{
	struct run_writer w;
	struct run *r;
	int64_t len;

	if (p->nents == 0 || p->sf.err != NULL)
		return;
	sortp_sort(p);
	run_writer_begin(&w, &p->sf, PIECE);
	for (size_t i = 0; i < p->nents; i++) {
		const struct ent *e = &p->ents[i];

		buf_put_varint(&w.b, e->len + 1);
		buf_append(&w.b, p->data.data + e->off, e->len + 1);
		if (run_writer_step(&w) < 0)
			break;
	}
	len = run_writer_end(&w);
	if (len < 0)
		return;
	r = sortp_add_run(p, RUN_FILE, p->seq);
	r->count = p->nents;
	r->off = w.off;
	r->len = (uint64_t)len;
	p->nents = 0;
	p->data.len = 0;
}

