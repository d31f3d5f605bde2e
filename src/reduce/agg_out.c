/* agg_out.c - what the grouping stages (group, uniq, top) print (key
 * fields, op results as text or numbers, output in pieces), and the
 * stage callbacks they share. */
#include "autoconfig.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aggpart.h"
#include "aggvals.h"
#include "jsonl.h"
#include "set_stream.h"
#include "util.h"

/* ---- output helpers -------------------------------------------------------------- */

void agg_names_bind(struct agg_names *nm, const struct header *h)
{
	agg_names_free(nm);
	nm->paths = h != NULL ? h->paths : NULL;
	if (h != NULL) {
		nm->n = h->fields.n;
		nm->v = xcalloc(nm->n + 1, sizeof *nm->v);
		for (size_t i = 0; i < nm->n; i++)
			nm->v[i] = xstrndup(h->fields.v[i].p, h->fields.v[i].len);
	}
}

void agg_names_free(struct agg_names *nm)
{
	for (size_t i = 0; i < nm->n; i++)
		free(nm->v[i]);
	free(nm->v);
	nm->v = NULL;
	nm->n = 0;
	nm->paths = NULL;
}

void agg_put_name(const struct agg_names *nm, size_t f, struct buf *b)
{
	if (f >= 1 && f <= nm->n)
		buf_append(b, nm->v[f - 1], strlen(nm->v[f - 1]));
	else if (nm->paths != NULL && f >= 1 && f <= nm->paths->n)
		buf_append(b, nm->paths->v[f - 1].text, strlen(nm->paths->v[f - 1].text));
	else
		buf_printf(b, "field-%zu", f);
}

void agg_put_op_name(const struct agg_names *nm, const struct agg_op *op, struct buf *b)
{
	buf_printf(b, "%s", agg_op_name(op->kind));
	/* perc and trimmean show their parameter, given or not, as datamash */
	if (agg_kind_param(op->kind))
		buf_printf(b, ":%Lg", op->param);
	/* a two-field op is named by its second field, as datamash does */
	if (op->field > 0) {
		buf_putc(b, '(');
		agg_put_name(nm, op->field2 > 0 ? op->field2 : op->field, b);
		buf_putc(b, ')');
	}
}

void agg_key_fields(const struct agg_spec *s, const char *key, size_t klen, struct field *v,
    struct buf *scratch)
{
	size_t n = 0;

	if (s->whole || s->nkeys <= 1) {
		v[0].p = key;
		v[0].len = klen;
		return;
	}
	scratch->len = 0;
	buf_reserve(scratch, klen + 1);
	v[0].p = scratch->data;
	for (size_t i = 0; i < klen; i++) {
		/* A key from a damaged partial may have more separators than
		 * key fields: the rest goes into the last field. */
		if (key[i] == '\0' && i + 1 < klen && key[i + 1] == '\0' && n + 1 < s->nkeys) {
			v[n].len = (size_t)(scratch->data + scratch->len - v[n].p);
			n++;
			v[n].p = scratch->data + scratch->len;
			i++;
		} else {
			buf_putc(scratch, key[i]);
			if (key[i] == '\0')
				i++;	/* the 0x01 after an escaped NUL */
		}
	}
	v[n].len = (size_t)(scratch->data + scratch->len - v[n].p);
	/* ...or fewer: the fields it lacks are empty. */
	while (++n < s->nkeys) {
		v[n].p = scratch->data + scratch->len;
		v[n].len = 0;
	}
}

static const void *op_state(const struct agg_group *g, size_t i)
{
	return (const char *)keytab_state(&g->part->kt, g->off) + g->part->spec->ops[i].off;
}

/* distinct's count: of the set, or of its stream (set_stream.h). */
static uint64_t dist_count(const struct agg_group *g, size_t i)
{
	uint64_t n;

	if (g->part->big != NULL && bigset_count(g, i, &n))
		return n;
	return ((const struct s_dist *)op_state(g, i))->n;
}

bool agg_format_streams(const struct agg_group *g, size_t i)
{
	return g->part->big != NULL && bigset_streams(g, i);
}

int agg_format_stream(const struct agg_group *g, size_t i, const struct format *f,
    struct agg_out *o)
{
	return bigset_format(g, i, f, o);
}

void agg_pos(const struct agg_group *g, size_t i, uint64_t *seq, uint64_t *idx)
{
	const struct s_pos *x = g->part->spec->ops[i].kind == AGG_FULL ? agg_full_pick(g, i) :
	    op_state(g, i);

	*seq = x->seq;
	*idx = x->idx;
}

long double agg_value(const struct agg_group *g, size_t i)
{
	const struct agg_op *op = &g->part->spec->ops[i];
	const void *o = op_state(g, i);
	struct sumv v;

	switch (op->kind) {
	case AGG_SUM:
		sum_load(&g->part->kt, o, &v);
		return sumv_total(&v);
	case AGG_MEAN:
		sum_load(&g->part->kt, o, &v);
		return sumv_total(&v) / (long double)g->count;
	case AGG_MIN:
	case AGG_MAX:
	case AGG_ABSMIN:
	case AGG_ABSMAX:
		/* no value at all (--narm): datamash's -inf and inf */
		if (!((const struct s_mm *)o)->any)
			return op->kind == AGG_MIN || op->kind == AGG_ABSMIN ? -INFINITY : INFINITY;
		return mm_value(o);
	case AGG_STDEV:
		return var_stdev(o);
	case AGG_DISTINCT:
		return (long double)dist_count(g, i);
	case AGG_MEDIAN: case AGG_Q1: case AGG_Q3: case AGG_IQR: case AGG_PERC:
	case AGG_MODE: case AGG_ANTIMODE: case AGG_MAD: case AGG_MADRAW:
	case AGG_TRIMMEAN: case AGG_SSKEW: case AGG_PSKEW: case AGG_SKURT:
	case AGG_PKURT: case AGG_DPO: case AGG_JARQUE: case AGG_GEOMEAN:
	case AGG_HARMMEAN:
		return agg_vals_value(g, i);
	case AGG_PSTDEV:
		return ld_sqrt(var_variance(o, 0));
	case AGG_PVAR:
		return var_variance(o, 0);
	case AGG_SVAR:
		return var_variance(o, 1);
	case AGG_MS:
		return var_meansq(o);
	case AGG_RMS:
		return ld_sqrt(var_meansq(o));
	case AGG_RANGE: {
		const struct s_range *x = o;

		return x->lo.any ? mm_value(&x->hi) - mm_value(&x->lo) : NAN;
	}
	case AGG_PCOV:
	case AGG_SCOV:
	case AGG_PPEARSON:
	case AGG_SPEARSON:
	case AGG_DOTPROD:
		return cov_value(o, (int)op->kind);
	case AGG_NCOUNT:
		return (long double)*(const uint64_t *)o;
	case AGG_NMEAN: {
		const struct s_nsum *x = o;

		sum_load(&g->part->kt, &x->s, &v);
		return x->n > 0 ? sumv_total(&v) / (long double)x->n : NAN;
	}
	default:
		return (long double)g->count;
	}
}

void agg_format(const struct agg_group *g, size_t i, struct buf *out)
{
	const struct agg_op *op = &g->part->spec->ops[i];
	const void *o = op_state(g, i);

	if (g->part->spec->numfmt != NULL && agg_op_numeric(op->kind)) {
		agg_put_fmt(out, g->part->spec->numfmt, agg_value(g, i));
		return;
	}
	switch (op->kind) {
	case AGG_COUNT:
		agg_put_u64(out, g->count);
		break;
	case AGG_DISTINCT:
		agg_put_u64(out, dist_count(g, i));
		break;
	case AGG_UNIQUE:
	case AGG_COLLAPSE:
		agg_vals_format(g, i, out);
		break;
	case AGG_NCOUNT:
		agg_put_u64(out, *(const uint64_t *)o);
		break;
	case AGG_FIRST:
	case AGG_LAST:
	case AGG_FULL: {
		const struct s_pos *x = op->kind == AGG_FULL ? agg_full_pick(g, i) : o;

		if (!x->has)
			buf_append(out, "N/A", 3);	/* no value (--narm), as datamash */
		else
			buf_append(out, keytab_blob(&g->part->kt, x->blob), x->len);
		break;
	}
	case AGG_SUM: {
		const struct s_sum *x = o;

		if (x->fblob == 0 && agg_put_exact(out, x->ex, x->scale))
			break;
	}
		/* fall through */
	default:
		agg_put_ld(out, agg_value(g, i));
		break;
	}
}

int agg_out_flush(struct agg_out *o, bool force)
{
	int rc = 0;

	if (o->b.len >= PIECE || (force && o->b.len > 0)) {
		rc = o->sink->put(o->sink, o->b.data, o->b.len);
		o->b.len = 0;
	}
	return rc;
}

struct format agg_out_format(const struct format *f)
{
	struct format o = *f;

	/* datamash's output: tabs between the columns of blank-separated
	 * input; JSON Lines' keys and results are written the same way. */
	if (o.kind == FORMAT_BLANKS || o.kind == FORMAT_JSON) {
		o.kind = FORMAT_DELIM;
		o.delim = '\t';
	}
	return o;
}

int agg_out_end(struct agg_out *o, int rc)
{
	if (rc == 0)
		rc = agg_out_flush(o, true);
	buf_free(&o->b);
	return rc;
}

/* ---- the stages' shared callbacks ----------------------------------------------- */

int agg_spec_ready(struct agg_spec *s, char **err)
{
	bool named = false;

	for (size_t i = 0; i < s->keylist.n; i++)
		named |= s->keylist.v[i].name != NULL;
	for (size_t i = 0; i < s->nops; i++)
		named |= s->ops[i].name != NULL;
	/* Numbers only: ready now (bind may still come, and agrees). */
	return named ? 0 : agg_spec_bind(s, NULL, err);
}

int agg_stage_bind(struct stage *st, const struct header *h, char **err)
{
	return agg_spec_bind(st->priv, h, err);
}

void agg_stage_teardown(struct stage *st)
{
	if (st->priv == NULL)
		return;
	agg_spec_free(st->priv);
	free(st->priv);
	st->priv = NULL;
}

void *agg_stage_partial_new(struct stage *st)
{
	return agg_part_new(st->priv, st);
}

void agg_stage_fold(struct stage *st, void *partial, const struct block *b)
{
	(void)st;
	agg_fold(partial, b);
}

void agg_stage_encode(struct stage *st, const void *partial, struct buf *out)
{
	(void)st;
	agg_encode((struct agg_part *)partial, out);
}

int agg_stage_merge(struct stage *st, void *partial, const char *data, size_t len)
{
	(void)st;
	return agg_merge(partial, data, len);
}
