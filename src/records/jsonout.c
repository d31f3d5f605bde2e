/* jsonout.c - what cut writes for JSON Lines: an object holding just the
 * selected paths, nested as in the input ({"a":{"b":1},"c":2} for
 * .a.b,.c), as jq's pick() writes it.  The shape is built once, when the
 * stage is bound; each record only fills in the values. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "jsonl.h"
#include "util.h"

struct jout {
	long val;		/* a leaf: the path whose value goes here, or -1 */
	const struct jstep *step;	/* how the parent reaches this node */
	struct jout **kids;	/* in the order the paths were listed */
	size_t nkids;
	bool array;		/* the kids are indexes: written as an array */
};

static struct jout *out_node(const struct jstep *step)
{
	struct jout *o = xcalloc(1, sizeof *o);

	o->val = -1;
	o->step = step;
	return o;
}

static struct jout *out_child(struct jout *o, const struct jstep *st)
{
	for (size_t i = 0; i < o->nkids; i++) {
		const struct jstep *k = o->kids[i]->step;

		if (st->key == NULL ? k->key == NULL && k->index == st->index :
		    k->key != NULL && k->klen == st->klen && memcmp(k->key, st->key, st->klen) == 0)
			return o->kids[i];
	}
	if (o->nkids == 0)
		o->array = st->key == NULL;
	else if (o->array != (st->key == NULL))
		return NULL;	/* keys and indexes at one place: the first kind wins */
	o->kids = xreallocarray(o->kids, o->nkids + 1, sizeof *o->kids);
	return o->kids[o->nkids++] = out_node(st);
}

static void sort_arrays(struct jout *o);

struct jout *jout_new(const struct jpaths *ps, const size_t *idx, size_t n)
{
	struct jout *root = out_node(NULL);

	for (size_t i = 0; i < n; i++) {
		const struct jpath *p = &ps->v[idx[i]];
		struct jout *o = root;

		for (size_t k = 0; o != NULL && k < p->nsteps; k++) {
			if (p->steps[k].key == NULL && p->steps[k].index > JOUT_MAX_INDEX) {
				jout_free(root);
				return NULL;
			}
			o = out_child(o, &p->steps[k]);
		}
		/* A whole value already selected holds the deeper ones. */
		if (o != NULL && o->val < 0)
			o->val = (long)idx[i];
	}
	sort_arrays(root);
	return root;
}

static int by_index(const void *a, const void *b)
{
	size_t x = (*(struct jout *const *)a)->step->index;
	size_t y = (*(struct jout *const *)b)->step->index;

	return x < y ? -1 : x > y;
}

static void sort_arrays(struct jout *o)
{
	if (o->array && o->nkids > 1)
		qsort(o->kids, o->nkids, sizeof *o->kids, by_index);
	for (size_t i = 0; i < o->nkids; i++)
		sort_arrays(o->kids[i]);
}

static void put_key(const struct jstep *st, struct buf *out)
{
	static const char hexd[] = "0123456789abcdef";

	buf_putc(out, '"');
	for (size_t i = 0; i < st->klen; i++) {
		unsigned char c = (unsigned char)st->key[i];

		if (c == '"' || c == '\\') {
			buf_putc(out, '\\');
			buf_putc(out, (char)c);
		} else if (c < 0x20) {
			buf_append(out, "\\u00", 4);
			buf_putc(out, hexd[c >> 4]);
			buf_putc(out, hexd[c & 15]);
		} else {
			buf_putc(out, (char)c);
		}
	}
	buf_putc(out, '"');
}

static void put_node(const struct jout *o, const struct jval *vals, struct buf *out)
{
	if (o->val >= 0) {
		json_put(&vals[o->val], out);
		return;
	}
	if (o->array) {
		/* Kids sorted by index at jout_new's end; gaps are null. */
		size_t next = 0;

		buf_putc(out, '[');
		for (size_t i = 0; i < o->nkids; i++) {
			for (; next < o->kids[i]->step->index; next++)
				buf_append(out, next > 0 ? ",null" : "null", next > 0 ? 5 : 4);
			if (next > 0)
				buf_putc(out, ',');
			put_node(o->kids[i], vals, out);
			next++;
		}
		buf_putc(out, ']');
		return;
	}
	buf_putc(out, '{');
	for (size_t i = 0; i < o->nkids; i++) {
		if (i > 0)
			buf_putc(out, ',');
		put_key(o->kids[i]->step, out);
		buf_putc(out, ':');
		put_node(o->kids[i], vals, out);
	}
	buf_putc(out, '}');
}

void jout_write(const struct jout *o, const struct jval *vals, struct buf *out)
{
	put_node(o, vals, out);
}

void jout_free(struct jout *o)
{
	if (o == NULL)
		return;
	for (size_t i = 0; i < o->nkids; i++)
		jout_free(o->kids[i]);
	free(o->kids);
	free(o);
}
