/* top.c - the top stage: the N most frequent records or keys, or the N
 * keys with the largest sums of a field.
 *
 * A reducer built on the grouping engine of src/reduce/agg.c: the workers count
 * (or sum) per key in hash tables, the merger merges every partial into
 * the full table, and only at the end are the N best selected with a
 * bounded heap, so the answer is exact, whatever -j and the chunk size.
 *
 * Partial format (src/reduce/agg.h has the details), version 4: the magic
 * "FPA" 0x04, the long double size, the op kinds (none, or one sum), the
 * records folded per chunk, the first bad value if any, then one entry
 * per key: its length, the key, the record count and, ranking by a sum,
 * the sum's state (exact decimal part and compensated float part).
 * Tables beyond the memory budget spill to temporary files as runs
 * sorted by key, merged in key order at the end.
 *
 * Output: N records (fewer when there are fewer keys), best first: the
 * count (or the sum, printed as %.14Lg) then the key fields, joined by
 * the input's delimiter (a tab for blank-separated input, CSV for --csv);
 * without -k the key is the whole record, after a tab.  Equal counts or
 * sums are ordered by key bytes (LC_ALL=C), and a NaN sum ranks last. */
#include "autoconfig.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "fields.h"
#include "keytab.h"
#include "stage.h"
#include "util.h"

struct top {
	struct agg_spec spec;	/* first: see agg_stage_teardown */
	uint64_t n;
	bool by_sum;
};

static const struct stage_opt top_opts[] = {
	{ "keys", 'k', OPT_STRING, "rank these fields' values: numbers from 1, closed ranges "
	  "(2-4) and header names, separated by commas (default: the whole record)", "LIST" },
	{ NULL, 0, 0, NULL, NULL },
};

static const struct stage_arg top_args[] = {
	{ "n", "how many keys to print, then optionally what ranks them: count (the default: "
	  "how many records have the key) or sum:F (the sum of field F over them, largest "
	  "first)", true },
	{ NULL, NULL, false },
};

static int top_setup(struct stage *st, char **err)
{
	struct top *t = xcalloc(1, sizeof *t);
	const char *keys = stage_str(st, "keys");
	size_t nargs;
	char *const *args = stage_list(st, "n", &nargs);
	long n;

	st->priv = t;
	if (nargs == 0 || nargs > 2) {
		*err = xasprintf("top: expected N and optionally count or sum:F, not %zu words", nargs);
		return -1;
	}
	if (!parse_long(args[0], 0, 1L << 62, &n)) {
		*err = xasprintf("top: N must be a number of keys, not '%s'", args[0]);
		return -1;
	}
	t->n = (uint64_t)n;
	if (agg_spec_keys(&t->spec, "top", keys, true, err) < 0)
		return -1;
	if (nargs == 2 && strcmp(args[1], "count") != 0) {
		if (strncmp(args[1], "sum:", 4) != 0) {
			*err = xasprintf("top: cannot rank by '%s' (count or sum:F)", args[1]);
			return -1;
		}
		if (agg_spec_op(&t->spec, args[1], err) < 0)
			return -1;
		t->by_sum = true;
	}
	return agg_spec_ready(&t->spec, err);
}

/* A candidate: its rank value and a copy of its key. */
struct item {
	long double v;
	char *key;
	size_t klen, kcap;
};

/* > 0 when a ranks before b: larger value, then smaller key; NaN last. */
static int rank_cmp(const struct item *a, const struct item *b)
{
	if (isnan(a->v) != isnan(b->v))
		return isnan(a->v) ? -1 : 1;
	if (!isnan(a->v) && a->v != b->v)
		return a->v > b->v ? 1 : -1;
	return -keytab_keycmp(a->key, a->klen, b->key, b->klen);
}

struct sel {
	struct top *t;
	struct item *h;		/* a heap, the worst candidate on top */
	size_t n;
};

static void sift_down(struct sel *s, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;

		if (l < s->n && rank_cmp(&s->h[l], &s->h[m]) < 0)
			m = l;
		if (l + 1 < s->n && rank_cmp(&s->h[l + 1], &s->h[m]) < 0)
			m = l + 1;
		if (m == i)
			return;
		struct item x = s->h[i];

		s->h[i] = s->h[m];
		s->h[m] = x;
		i = m;
	}
}

static void sift_up(struct sel *s, size_t i)
{
	while (i > 0 && rank_cmp(&s->h[i], &s->h[(i - 1) / 2]) < 0) {
		struct item x = s->h[i];

		s->h[i] = s->h[(i - 1) / 2];
		s->h[(i - 1) / 2] = x;
		i = (i - 1) / 2;
	}
}

static void set_key(struct item *it, const char *key, size_t klen)
{
	if (klen > it->kcap) {
		it->kcap = klen;
		it->key = xrealloc(it->key, klen);
	}
	if (klen > 0)
		memcpy(it->key, key, klen);
	it->klen = klen;
}

static int top_select(void *ctx, const struct agg_group *g)
{
	struct sel *s = ctx;
	struct item c = { 0 };

	if (s->t->n == 0)
		return 0;
	c.v = s->t->by_sum ? agg_value(g, 0) : (long double)g->count;
	c.key = (char *)g->key;
	c.klen = g->klen;
	if (s->n < s->t->n) {
		if ((s->n & (s->n - 1)) == 0)
			s->h = xreallocarray(s->h, s->n ? 2 * s->n : 1, sizeof *s->h);
		memset(&s->h[s->n], 0, sizeof *s->h);
		s->h[s->n].v = c.v;
		set_key(&s->h[s->n], c.key, c.klen);
		s->n++;
		sift_up(s, s->n - 1);
	} else if (rank_cmp(&c, &s->h[0]) > 0) {
		s->h[0].v = c.v;
		set_key(&s->h[0], c.key, c.klen);
		sift_down(s, 0);
	}
	return 0;
}

static int cmp_best_first(const void *a, const void *b)
{
	return -rank_cmp(a, b);
}

static int top_finish(struct stage *st, void *partial, struct sink *out, char **err)
{
	struct top *t = st->priv;
	struct sel s = { t, NULL, 0 };
	struct agg_out o = { out, { 0 } };
	struct buf scratch = { 0 }, num = { 0 };
	struct field *fv = xcalloc(t->spec.nkeys + 2, sizeof *fv);
	struct format ofmt = agg_out_format(st->fmt);
	int rc;

	rc = agg_finish(partial, top_select, &s, err);
	if (rc == 0 && s.n > 1)
		qsort(s.h, s.n, sizeof *s.h, cmp_best_first);
	for (size_t i = 0; i < s.n && rc == 0; i++) {
		size_t nk = t->spec.whole ? 1 : t->spec.nkeys;

		num.len = 0;
		if (t->by_sum)
			agg_put_ld(&num, s.h[i].v);
		else
			agg_put_u64(&num, (uint64_t)s.h[i].v);
		fv[0].p = num.data;
		fv[0].len = num.len;
		agg_key_fields(&t->spec, s.h[i].key, s.h[i].klen, fv + 1, &scratch);
		if (t->spec.whole) {
			/* the record as it was, not re-quoted */
			buf_append(&o.b, num.data, num.len);
			buf_putc(&o.b, ofmt.delim);
			buf_append(&o.b, s.h[i].key, s.h[i].klen);
		} else {
			fields_join(&ofmt, fv, nk + 1, &o.b);
		}
		buf_putc(&o.b, st->term);
		rc = agg_out_flush(&o, false);
	}
	rc = agg_out_end(&o, rc);
	for (size_t i = 0; i < s.n; i++)
		free(s.h[i].key);
	free(s.h);
	free(fv);
	buf_free(&scratch);
	buf_free(&num);
	return rc;
}

const struct stage_def stage_top = {
	.name = "top",
	.summary = "the N most frequent records or keys (or the N largest sums), exactly",
	.description =
		"top N [-k KEYS] [count | sum:F] prints the N keys that occur in the most records, "
		"or with sum:F the N keys whose values of field F (a number or a header name) have "
		"the largest sums, best first: the count or sum (printed as %.14Lg, as group prints "
		"sums), then the key fields, joined by the input's delimiter (a tab for "
		"blank-separated input, CSV for --csv); without -k the key is the whole record as "
		"read, after the delimiter. Equal counts or sums are ordered by key bytes "
		"(LC_ALL=C), and a NaN sum ranks last. The answer is exact: every key is counted "
		"in full (the table spills to temporary files beyond --memory) before the N best "
		"are chosen. The values summed follow group's rules: one that is not a number ends "
		"the run with status 65 (with --reject, its record goes to the reject file and is "
		"not counted).",
	AGG_STAGE_CALLBACKS,
	.opts = top_opts,
	.args = top_args,
	.setup = top_setup,
	.finish = top_finish,
};
