/* valsort.h - an external sort of fixed-size items, for the numbers of a
 * group too big for memory (ostat_stream.c), or of variable-length ones,
 * for its distinct values and collapse's values (set_stream.c): items
 * gather in a buffer of a set size, which is sorted (qsort) and written
 * to a spill file as a run when it fills; the runs are merged with a loser tree (runs.h, the
 * engine under sort and the grouping runs) into at most VS_FANIN, which
 * a cursor reads back merged, in order, as often as asked.  A sort whose
 * items all fit in the buffer never touches the file.
 *
 * Errors stick in the spill file (spill.h): a failed call returns -1 and
 * the file's err says why. */
#ifndef FORKPIPE_VALSORT_H
#define FORKPIPE_VALSORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "runs.h"
#include "spill.h"

#define VS_FANIN 16		/* runs merged at once */
#define VS_ITEM_MAX 32		/* bytes of an item, at most */

/* A fixed sort's comparison takes two items; a variable sort's two
 * struct vs_item. */
typedef int (*vs_cmp)(const void *a, const void *b);

/* A variable-length item. */
struct vs_item {
	const char *p;
	size_t len;
};

struct valsort {
	struct spillfile *f;
	size_t isz;		/* an item's bytes; 0: variable */
	vs_cmp cmp;		/* a total order (qsort's comparison) */
	size_t mem;		/* bytes for the buffer, and for reading runs */
	char *buf;		/* items buffered (variable: their bytes) */
	size_t n, cap;		/* of cap items (variable: of cap bytes) */
	struct vs_item *vi;	/* variable: the items (until sorted, p is
				 * the offset in buf: buf may move) */
	size_t nvi, vicap;
	uint64_t bytes;		/* variable: the items' bytes in all */
	struct vs_run { uint64_t off, len; } *runs;
	size_t nruns;
	uint64_t count;		/* items added */
	bool done;
};

void valsort_init(struct valsort *s, struct spillfile *f, size_t isz, vs_cmp cmp, size_t mem);
/* A sort of variable-length items. */
void valsort_init_var(struct valsort *s, struct spillfile *f, vs_cmp cmp, size_t mem);
/* Add an item.  0, or -1. */
int valsort_add(struct valsort *s, const void *item);
/* Add a variable-length item of len bytes.  0, or -1. */
int valsort_add_var(struct valsort *s, const void *p, size_t len);
/* No more items: the runs merged down to VS_FANIN.  0, or -1. */
int valsort_finish(struct valsort *s);
void valsort_free(struct valsort *s);

/* A pass over a finished sort's items, in order. */
struct vs_cursor {
	struct valsort *s;
	size_t k;		/* runs read; 0: the buffer */
	size_t at;		/* the buffer's next item */
	struct vs_in *in;
	struct losertree lt;
	bool broken;		/* a read failed */
	struct buf cur;		/* variable: the last item's bytes */
};

void vs_cursor_open(struct vs_cursor *c, struct valsort *s);
/* The next item into item: 0, 1 at the end, or -1. */
int vs_cursor_next(struct vs_cursor *c, void *item);
/* Of a variable sort: *it valid until the next call.  As above. */
int vs_cursor_next_var(struct vs_cursor *c, struct vs_item *it);
void vs_cursor_close(struct vs_cursor *c);

#endif
