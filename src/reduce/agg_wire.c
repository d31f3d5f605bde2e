/* agg_wire.c - the partial of the grouping reducers as bytes (the format
 * is in agg.h): encoding a partial and its entries, and merging encoded
 * partials into a table or, when they are large and sorted, into runs.
 *
 * About 800 lines, one file: each op kind's state codec (op_wire[], one
 * encode and one merge per kind, with the varint, zigzag and long double
 * readers they share) is the body of an entry, and the entry and partial
 * readers are where a malformed byte is caught; kept together, one file
 * shows the whole format of agg.h next to the code that reads it.  The
 * state codecs are the seam to split along if it grows further. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "aggpart.h"
#include "aggvals.h"
#include "set_stream.h"
#include "util.h"

/* ---- encoding ---------------------------------------------------------------- */

static void put_zz(struct buf *b, i128 x)
{
	u128 u = ((u128)x << 1) ^ (u128)(x >> 127);
	unsigned char t[20];
	size_t n = 0;

	/* Most sums fit 64 bits: written as a plain varint (128-bit shifts
	 * cost several instructions, and this runs for every state sent). */
	if (u <= UINT64_MAX) {
		buf_put_varint(b, (uint64_t)u);
		return;
	}
	while (u >= 0x80) {
		t[n++] = (unsigned char)(u | 0x80);
		u >>= 7;
	}
	t[n++] = (unsigned char)u;
	buf_append(b, t, n);
}

static void put_ld(struct buf *b, long double v)
{
	buf_append(b, &v, LD_BYTES);
}

static i128 get_zz(struct rd *r)
{
	uint64_t lo = 0;
	u128 u;
	int shift;

	/* Most states' sums fit 63 bits: gathered in 64 bits while they do
	 * (a shift of 128 bits costs several instructions, and this runs for
	 * every state the merger reads). */
	for (shift = 0; shift < 63; shift += 7) {
		if (r->p >= r->end)
			goto bad;
		unsigned char c = *r->p++;

		lo |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80)) {
			u = lo;
			goto done;
		}
	}
	u = lo;
	for (; shift < 128; shift += 7) {
		if (r->p >= r->end)
			goto bad;
		unsigned char c = *r->p++;

		u |= (u128)(c & 0x7f) << shift;
		if (!(c & 0x80))
			goto done;
	}
bad:
	r->bad = true;
	return 0;
done:
	return (i128)(u >> 1) ^ -(i128)(u & 1);
}

static long double get_ld(struct rd *r)
{
	long double v = 0;
	const char *q = get_bytes(r, LD_BYTES);

	if (q != NULL)
		memcpy(&v, q, LD_BYTES);
	return v;
}

/* ---- each op's state on the wire --------------------------------------------- */

/*
 * Per op kind: encode appends a group's state x of op i to e; merge reads
 * one from r (chunk numbers offset by base) and combines it into the
 * state of op i of entry off, unless r has gone bad.
 */
struct op_wire {
	void (*encode)(const struct agg_part *p, const void *x, struct buf *e);
	void (*merge)(struct agg_part *p, uint64_t off, size_t i, struct rd *r, uint64_t base);
};

static char *op_at(struct agg_part *p, uint64_t off, size_t i)
{
	return (char *)keytab_state(&p->kt, off) + p->spec->ops[i].off;
}

static void count_encode(const struct agg_part *p, const void *x, struct buf *e)
{
	(void)p, (void)x, (void)e;	/* the entry's record count is the count */
}

static void count_merge(struct agg_part *p, uint64_t off, size_t i, struct rd *r, uint64_t base)
{
	(void)p, (void)off, (void)i, (void)r, (void)base;
}

static void sum_encode(const struct agg_part *p, const void *x, struct buf *e)
{
	const struct s_sum *s = x;
	struct sumv v;

	/* An exact sum (most are) straight from its state. */
	if (s->fblob == 0) {
		buf_putc(e, (char)s->scale);
		put_zz(e, s->ex);
		buf_putc(e, 0);
		return;
	}
	sum_load(&p->kt, s, &v);
	buf_putc(e, (char)v.scale);
	put_zz(e, v.ex);
	buf_putc(e, (char)v.hasf);
	if (v.hasf) {
		put_ld(e, v.fs);
		put_ld(e, v.fc);
	}
}

static void sum_merge(struct agg_part *p, uint64_t off, size_t i, struct rd *r, uint64_t base)
{
	struct sumv x = { 0 }, d;
	char *o = op_at(p, off, i);

	(void)base;
	x.scale = get_u8(r);
	x.ex = get_zz(r);
	x.hasf = get_u8(r) != 0;
	if (x.hasf) {
		x.fs = get_ld(r);
		x.fc = get_ld(r);
	}
	if (x.scale > 18)
		r->bad = true;
	if (r->bad)
		return;
	/* An exact sum adds in place where it can (what sumv_merge does then). */
	if (!x.hasf && sum_add_exact((struct s_sum *)o, x.ex, x.scale))
		return;
	sum_load(&p->kt, (const struct s_sum *)o, &d);
	sumv_merge(&d, &x);
	sum_store(&p->kt, (uint64_t)(o - p->kt.arena), &d);
}

static void mm_encode(const struct agg_part *p, const void *o, struct buf *e)
{
	const struct s_mm *x = o;

	(void)p;
	buf_putc(e, (char)(x->has | x->any << 1 | x->fnan << 2));
	if (x->has) {
		put_ld(e, x->v);
		buf_put_varint(e, x->seq);
		buf_put_varint(e, x->idx);
	}
	if (x->any) {
		buf_put_varint(e, x->fseq);
		buf_put_varint(e, x->fidx);
	}
}

static void mm_merge_op(struct agg_part *p, uint64_t off, size_t i, struct rd *r, uint64_t base)
{
	struct s_mm x = { 0 };
	unsigned f = get_u8(r);

	x.has = f & 1;
	x.any = f >> 1 & 1;
	x.fnan = (uint8_t)(f >> 2 & 3);
	if (x.has) {
		x.v = get_ld(r);
		x.seq = base + get_varint(r);
		x.idx = get_varint(r);
	}
	if (x.any) {
		x.fseq = base + get_varint(r);
		x.fidx = get_varint(r);
	}
	if (!r->bad)
		mm_merge((struct s_mm *)op_at(p, off, i), p->spec->ops[i].kind == AGG_MAX, &x);
}

static void var_encode(const struct agg_part *p, const void *o, struct buf *e)
{
	const struct s_var *x = o;

	(void)p;
	buf_put_varint(e, x->n);
	buf_putc(e, (char)x->chan);
	if (!x->chan) {
		buf_putc(e, (char)x->scale);
		put_zz(e, x->s1);
		put_zz(e, x->s2);
	} else {
		put_ld(e, x->mean);
		put_ld(e, x->m2);
	}
}

static void var_merge_op(struct agg_part *p, uint64_t off, size_t i, struct rd *r, uint64_t base)
{
	struct s_var x = { 0 };

	(void)base;
	x.n = get_varint(r);
	x.chan = (uint8_t)get_u8(r);
	if (!x.chan) {
		x.scale = (uint8_t)get_u8(r);
		x.s1 = get_zz(r);
		x.s2 = get_zz(r);
		if (x.scale > 18)
			r->bad = true;
	} else {
		x.mean = get_ld(r);
		x.m2 = get_ld(r);
	}
	if (!r->bad)
		var_merge((struct s_var *)op_at(p, off, i), &x);
}

static void dist_encode(const struct agg_part *p, const void *o, struct buf *e)
{
	const struct s_dist *x = o;

	buf_put_varint(e, x->n);
	for (uint64_t v = x->head; v != 0;) {
		const struct s_vnode *vn = keytab_state(&p->vals, v);
		size_t vlen;
		const char *vk = keytab_key(&p->vals, v, &vlen);

		buf_put_varint(e, vlen - 8);
		buf_append(e, vk + 8, vlen - 8);
		v = vn->next;
	}
}

/* Start reading the slot of the next value at *ahead (agg_dist_add's
 * key: the owner, then the value), stepping over it: its hash, or 0. */
static uint64_t dist_ahead(struct agg_part *p, uint64_t owner, struct rd *ahead)
{
	unsigned char k[64];
	size_t vlen = get_varint(ahead);
	const char *v = get_bytes(ahead, vlen);
	uint64_t h;

	if (ahead->bad || vlen > sizeof k - 8)
		return 0;
	memcpy(k, &owner, 8);
	memcpy(k + 8, v, vlen);
	h = keytab_hash(k, vlen + 8);
	keytab_prefetch_slot(&p->vals, h);
	return h;
}

/*
 * A set merged into the merger's: at -j2 its values are most of the
 * group's, so the value table outgrows the cache and each probe would
 * wait for memory.  The slots are made room for at once, read
 * DIST_AHEAD values ahead and the entries they point to DIST_MATCH
 * values ahead, as the fold's batches read theirs (agg.c).
 */
#define DIST_AHEAD 16
#define DIST_MATCH 8

static void dist_merge(struct agg_part *p, uint64_t off, size_t i, struct rd *r, uint64_t base)
{
	uint64_t n = get_varint(r), owner = off | (uint64_t)i << 56, ring[DIST_AHEAD];
	struct rd ahead;

	(void)base;
	if (p->big != NULL && bigset_merge_dist(p, i, r, n))
		return;	/* a group too big for memory: streamed */
	if (r->bad)
		return;
	if (n <= (uint64_t)(r->end - r->p))
		keytab_reserve(&p->vals, (size_t)n);
	ahead = *r;
	for (uint64_t k = 0; k < DIST_AHEAD && k < n; k++)
		ring[k] = dist_ahead(p, owner, &ahead);
	for (uint64_t k = 0; k < n && !r->bad; k++) {
		size_t vlen = get_varint(r);
		const char *v = get_bytes(r, vlen);

		if (k + DIST_MATCH < n && ring[(k + DIST_MATCH) % DIST_AHEAD] != 0)
			keytab_prefetch_match(&p->vals, ring[(k + DIST_MATCH) % DIST_AHEAD]);
		if (!r->bad)
			agg_dist_add(p, off, i, v, vlen);
		if (k + DIST_AHEAD < n)
			ring[k % DIST_AHEAD] = ahead.bad ? 0 : dist_ahead(p, owner, &ahead);
	}
}

void agg_pos_encode(const struct agg_part *p, const void *o, struct buf *e)
{
	const struct s_pos *x = o;

	buf_putc(e, (char)x->has);
	if (x->has) {
		buf_put_varint(e, x->seq);
		buf_put_varint(e, x->idx);
		buf_put_varint(e, x->len);
		buf_append(e, keytab_blob(&p->kt, x->blob), x->len);
	}
}

static void pos_merge(struct agg_part *p, uint64_t off, size_t i, struct rd *r, uint64_t base)
{
	if (get_u8(r)) {
		uint64_t seq = base + get_varint(r), idx = get_varint(r);
		size_t vlen = get_varint(r);
		const char *v = get_bytes(r, vlen);
		const struct s_pos *x = (const struct s_pos *)op_at(p, off, i);
		bool take = !x->has || (p->spec->ops[i].kind != AGG_LAST ?
		    (seq < x->seq || (seq == x->seq && idx < x->idx)) :
		    (seq > x->seq || (seq == x->seq && idx > x->idx)));

		if (!r->bad && take)
			agg_pos_set(p, off, i, seq, idx, v, vlen);
	}
}

static void range_encode(const struct agg_part *p, const void *o, struct buf *e)
{
	mm_encode(p, &((const struct s_range *)o)->lo, e);
	mm_encode(p, &((const struct s_range *)o)->hi, e);
}

/* An s_mm as mm_encode wrote it, chunk numbers offset by base. */
static void mm_read(struct rd *r, uint64_t base, struct s_mm *x)
{
	unsigned f = get_u8(r);

	x->has = f & 1;
	x->any = f >> 1 & 1;
	x->fnan = (uint8_t)(f >> 2 & 3);
	if (x->has) {
		x->v = get_ld(r);
		x->seq = base + get_varint(r);
		x->idx = get_varint(r);
	}
	if (x->any) {
		x->fseq = base + get_varint(r);
		x->fidx = get_varint(r);
	}
}

static void range_merge(struct agg_part *p, uint64_t off, size_t i, struct rd *r, uint64_t base)
{
	struct s_mm lo = { 0 }, hi = { 0 };

	mm_read(r, base, &lo);
	mm_read(r, base, &hi);
	if (!r->bad) {
		struct s_range *d = (struct s_range *)op_at(p, off, i);

		mm_merge(&d->lo, false, &lo);
		mm_merge(&d->hi, true, &hi);
	}
}

static void amm_merge_op(struct agg_part *p, uint64_t off, size_t i, struct rd *r, uint64_t base)
{
	struct s_mm x = { 0 };

	mm_read(r, base, &x);
	if (!r->bad)
		amm_merge((struct s_mm *)op_at(p, off, i), p->spec->ops[i].kind == AGG_ABSMAX, &x);
}

static void cov_encode(const struct agg_part *p, const void *o, struct buf *e)
{
	const struct s_cov *x = o;

	(void)p;
	buf_put_varint(e, x->n);
	buf_putc(e, (char)x->chan);
	if (!x->chan) {
		buf_putc(e, (char)x->ax);
		buf_putc(e, (char)x->ay);
		put_zz(e, x->sx);
		put_zz(e, x->sy);
		put_zz(e, x->sxy);
		put_zz(e, x->sxx);
		put_zz(e, x->syy);
	} else {
		put_ld(e, x->mx);
		put_ld(e, x->my);
		put_ld(e, x->cxy);
		put_ld(e, x->m2x);
		put_ld(e, x->m2y);
		put_ld(e, x->ds);
		put_ld(e, x->dc);
	}
}

static void cov_merge_op(struct agg_part *p, uint64_t off, size_t i, struct rd *r, uint64_t base)
{
	struct s_cov x = { 0 };

	(void)base;
	x.n = get_varint(r);
	x.chan = (uint8_t)get_u8(r);
	if (!x.chan) {
		x.ax = (uint8_t)get_u8(r);
		x.ay = (uint8_t)get_u8(r);
		x.sx = get_zz(r);
		x.sy = get_zz(r);
		x.sxy = get_zz(r);
		x.sxx = get_zz(r);
		x.syy = get_zz(r);
		if (x.ax > 18 || x.ay > 18)
			r->bad = true;
	} else {
		x.mx = get_ld(r);
		x.my = get_ld(r);
		x.cxy = get_ld(r);
		x.m2x = get_ld(r);
		x.m2y = get_ld(r);
		x.ds = get_ld(r);
		x.dc = get_ld(r);
	}
	if (!r->bad)
		cov_merge((struct s_cov *)op_at(p, off, i), &x);
}

static void ncount_encode(const struct agg_part *p, const void *o, struct buf *e)
{
	(void)p;
	buf_put_varint(e, *(const uint64_t *)o);
}

static void ncount_merge(struct agg_part *p, uint64_t off, size_t i, struct rd *r, uint64_t base)
{
	uint64_t n = get_varint(r);

	(void)base;
	if (!r->bad)
		*(uint64_t *)op_at(p, off, i) += n;
}

static void nmean_encode(const struct agg_part *p, const void *o, struct buf *e)
{
	sum_encode(p, o, e);
	buf_put_varint(e, ((const struct s_nsum *)o)->n);
}

static void nmean_merge(struct agg_part *p, uint64_t off, size_t i, struct rd *r, uint64_t base)
{
	uint64_t n;

	sum_merge(p, off, i, r, base);
	n = get_varint(r);
	if (!r->bad)
		((struct s_nsum *)op_at(p, off, i))->n += n;
}

static const struct op_wire op_wire[] = {
	[AGG_COUNT] = { count_encode, count_merge },
	[AGG_SUM] = { sum_encode, sum_merge },
	[AGG_MEAN] = { sum_encode, sum_merge },
	[AGG_MIN] = { mm_encode, mm_merge_op },
	[AGG_MAX] = { mm_encode, mm_merge_op },
	[AGG_STDEV] = { var_encode, var_merge_op },
	[AGG_DISTINCT] = { dist_encode, dist_merge },
	[AGG_FIRST] = { agg_pos_encode, pos_merge },
	[AGG_LAST] = { agg_pos_encode, pos_merge },
	[AGG_MEDIAN] = { vals_num_encode, vals_num_merge },
	[AGG_Q1] = { vals_num_encode, vals_num_merge },
	[AGG_Q3] = { vals_num_encode, vals_num_merge },
	[AGG_IQR] = { vals_num_encode, vals_num_merge },
	[AGG_PERC] = { vals_num_encode, vals_num_merge },
	[AGG_MODE] = { vals_num_encode, vals_num_merge },
	[AGG_ANTIMODE] = { vals_num_encode, vals_num_merge },
	[AGG_MAD] = { vals_num_encode, vals_num_merge },
	[AGG_MADRAW] = { vals_num_encode, vals_num_merge },
	[AGG_TRIMMEAN] = { vals_num_encode, vals_num_merge },
	[AGG_SSKEW] = { vals_npos_encode, vals_npos_merge },
	[AGG_PSKEW] = { vals_npos_encode, vals_npos_merge },
	[AGG_SKURT] = { vals_npos_encode, vals_npos_merge },
	[AGG_PKURT] = { vals_npos_encode, vals_npos_merge },
	[AGG_DPO] = { vals_npos_encode, vals_npos_merge },
	[AGG_JARQUE] = { vals_npos_encode, vals_npos_merge },
	[AGG_GEOMEAN] = { vals_npos_encode, vals_npos_merge },
	[AGG_HARMMEAN] = { vals_npos_encode, vals_npos_merge },
	[AGG_UNIQUE] = { dist_encode, dist_merge },
	[AGG_COLLAPSE] = { vals_pos_encode, vals_pos_merge },
	[AGG_PSTDEV] = { var_encode, var_merge_op },
	[AGG_PVAR] = { var_encode, var_merge_op },
	[AGG_SVAR] = { var_encode, var_merge_op },
	[AGG_MS] = { var_encode, var_merge_op },
	[AGG_RMS] = { var_encode, var_merge_op },
	[AGG_RANGE] = { range_encode, range_merge },
	[AGG_ABSMIN] = { mm_encode, amm_merge_op },
	[AGG_ABSMAX] = { mm_encode, amm_merge_op },
	[AGG_PCOV] = { cov_encode, cov_merge_op },
	[AGG_SCOV] = { cov_encode, cov_merge_op },
	[AGG_PPEARSON] = { cov_encode, cov_merge_op },
	[AGG_SPEARSON] = { cov_encode, cov_merge_op },
	[AGG_DOTPROD] = { cov_encode, cov_merge_op },
	[AGG_NCOUNT] = { ncount_encode, ncount_merge },
	[AGG_NMEAN] = { nmean_encode, nmean_merge },
	[AGG_FULL] = { agg_full_encode, agg_full_merge },
};

void agg_encode_op(struct agg_part *p, size_t i, const void *state, struct buf *e)
{
	op_wire[p->spec->ops[i].kind].encode(p, state, e);
}

void agg_encode_entry(struct agg_part *p, uint64_t off, struct buf *out)
{
	const struct agg_spec *s = p->spec;
	const char *state = keytab_state(&p->kt, off), *key;
	size_t klen, at, len;

	if (p->lists && p->memory != 0 && agg_encode_split(p, off, out))
		return;	/* long lists of numbers: in pieces (aggsplit.c) */
	key = keytab_key(&p->kt, off, &klen);
	/* Encoded in place after a byte for its length, which is enough
	 * below 128 bytes (nearly always); a longer entry moves up. */
	at = out->len;
	buf_putc(out, 0);
	buf_put_varint(out, klen);
	buf_append(out, key, klen);
	buf_put_varint(out, *keytab_aux(&p->kt, off));
	for (size_t i = 0; i < s->nops; i++)
		if (!s->ops[i].shared)
			op_wire[s->ops[i].kind].encode(p, state + s->ops[i].off, out);
	len = out->len - at - 1;
	if (len < 0x80) {
		out->data[at] = (char)len;
		return;
	}
	/* the length's varint, in a buffer on the stack that it fits */
	char t[VARINT_MAX];
	struct buf hdr = { t, 0, sizeof t };

	buf_put_varint(&hdr, len);
	buf_reserve(out, hdr.len - 1);
	memmove(out->data + at + hdr.len, out->data + at + 1, len);
	memcpy(out->data + at, t, hdr.len);
	out->len += hdr.len - 1;
}

/* ---- encode and merge ------------------------------------------------------------- */

/* The bytes an entry of the last large table encoded took (about 17 for
 * a short key, a count and a sum): what sending the next one will take
 * beside it (agg_part_full). */
static uint64_t wire_per_entry = 24;

void agg_encode(struct agg_part *p, struct buf *out)
{
	const struct agg_spec *s = p->spec;
	uint64_t *v;
	size_t code_at;

	buf_append(out, "FPA\4", 4);
	buf_putc(out, (char)LD_BYTES);
	buf_put_varint(out, s->nops);
	for (size_t i = 0; i < s->nops; i++)
		buf_putc(out, (char)s->ops[i].kind);
	buf_put_varint(out, p->npairs + (p->cur_any ? 1 : 0));
	for (size_t i = 0; i < p->npairs; i++) {
		buf_put_varint(out, p->pairs[i].seq);
		buf_put_varint(out, p->pairs[i].nrec);
		buf_put_varint(out, p->pairs[i].file);
	}
	if (p->cur_any) {
		buf_put_varint(out, p->cur_seq);
		buf_put_varint(out, p->cur_n);
		buf_put_varint(out, p->cur_file);
	}
	code_at = out->len;
	buf_putc(out, (char)p->code);
	if (p->code == EXIT_DATAERR) {
		buf_put_varint(out, p->eseq);
		buf_put_varint(out, p->eidx);
		buf_putc(out, (char)p->ewhat);
		buf_put_varint(out, p->efield);
		buf_put_varint(out, p->eop);
		buf_put_varint(out, p->enf);
		/* the offset plus one: 0 when it is not known */
		buf_put_varint(out, p->eoff == OFFSET_UNKNOWN ? 0 : p->eoff + 1);
		buf_put_varint(out, p->efile);
		buf_put_varint(out, p->ename.len);
		buf_append(out, p->ename.data, p->ename.len);
		buf_put_varint(out, p->eval.len);
		buf_append(out, p->eval.data, p->eval.len);
	} else if (p->code == EXIT_IOERR) {
		buf_put_varint(out, p->eval.len);
		buf_append(out, p->eval.data, p->eval.len);
	}
	if (p->code != 0)
		return;	/* the result is the error: no entries */
	/* Spilled runs first, then the table. */
	for (size_t i = 0; i < p->nruns; i++) {
		size_t at = out->len;

		buf_reserve(out, p->runs[i].len);
		if (spillfile_pread(&p->sf, out->data + at, p->runs[i].len, p->runs[i].off) < 0) {
			/* Report it in the partial instead of its entries. */
			const char *m = p->sf.err;

			out->len = code_at;
			buf_putc(out, (char)EXIT_IOERR);
			buf_put_varint(out, strlen(m));
			buf_append(out, m, strlen(m));
			return;
		}
		out->len += p->runs[i].len;
	}
	/* Sorted by key, so that the merger can keep a large table as a run
	 * (the sort runs here, in parallel, not in the merger). */
	size_t at = out->len;

	v = keytab_sorted(&p->kt);
	for (size_t i = 0; i < p->kt.n; i++) {
		if (i + 8 < p->kt.n)
			keytab_prefetch(&p->kt, v[i + 8]);
		agg_encode_entry(p, v[i], out);
	}
	free(v);
	if (p->kt.n >= 1024)
		wire_per_entry = (out->len - at) / p->kt.n + 1;
}

uint64_t agg_wire_per_entry(void)
{
	return wire_per_entry;
}

uint64_t agg_merge_entry(struct agg_part *p, const char *data, size_t len, uint64_t base)
{
	const struct agg_spec *s = p->spec;
	struct rd r = { (const unsigned char *)data, (const unsigned char *)data + len, false };
	size_t klen = get_varint(&r);
	const char *key = get_bytes(&r, klen);
	uint64_t off, nrec;
	bool added;

	if (r.bad)
		return 0;
	off = keytab_put(&p->kt, key, klen, keytab_hash(key, klen), &added);
	nrec = get_varint(&r);
	for (size_t i = 0; i < s->nops && !r.bad; i++)
		if (!s->ops[i].shared)
			op_wire[s->ops[i].kind].merge(p, off, i, &r, base);
	if (r.bad || r.p != r.end)
		return 0;
	*keytab_aux(&p->kt, off) += nrec;
	return off;
}

/*
 * The entries from at on that are in ascending key order (equal keys in
 * a row: a group written in pieces, aggsplit.c): where they end, and
 * their number in *n.  NULL if the bytes are malformed.
 */
static const unsigned char *ascending(const unsigned char *at, const unsigned char *end, size_t *n)
{
	const char *prev = NULL;
	size_t plen = 0;

	*n = 0;
	while (at < end) {
		struct rd r = { at, end, false }, k;
		size_t elen = get_varint(&r);
		const char *e = get_bytes(&r, elen), *key;
		size_t klen;

		if (r.bad)
			return NULL;
		k = (struct rd){ (const unsigned char *)e, (const unsigned char *)e + elen, false };
		klen = get_varint(&k);
		key = get_bytes(&k, klen);
		if (k.bad)
			return NULL;
		if (prev != NULL && keytab_keycmp(prev, plen, key, klen) > 0)
			break;
		prev = key;
		plen = klen;
		(*n)++;
		at = r.p;
	}
	return at;
}

/* Whether the table has outgrown the caches, or a good part of a small
 * budget (so that tests with a tiny --memory take the same path). */
static bool table_big(const struct agg_part *p)
{
	uint64_t big = TABLE_BIG;

	if (p->memory != 0 && p->memory / 4 < big)
		big = p->memory / 4;
	return agg_part_bytes(p) >= big;
}

/*
 * Merge the entries of a partial.  Into the table while it is small; once
 * it has outgrown the caches, every probe of a new key is a cache miss
 * (microseconds on a virtual machine), so a long sorted stretch of
 * entries, as workers send, is kept whole as a run instead, and merged
 * with the others in key order at the end, reading memory in sequence.
 */
static int merge_entries(struct agg_part *p, const unsigned char *at, const unsigned char *end)
{
	/* A partial beyond the caches itself (a worker's table kept across
	 * chunks) goes the same way from the start: hashing its keys in
	 * would miss the cache for each. */
	bool big = (uint64_t)(end - at) >= TABLE_BIG / 8;

	/* Once the result is an error, the groups do not matter. */
	while (at < end && !p->stop) {
		const unsigned char *stop = end;
		size_t n;

		/* A run keeps its entries' bytes: only without an offset to add
		 * to their chunk numbers. */
		if ((big || table_big(p)) && *p->seq_base == 0) {
			stop = ascending(at, end, &n);
			if (stop == NULL)
				return -1;
			if (n >= RUN_MIN || (p->memory != 0 && (uint64_t)(stop - at) >= p->memory / 16)) {
				agg_add_run(p, at, (size_t)(stop - at));
				at = stop;
				continue;
			}
		}
		while (at < stop && !p->stop) {
			struct rd r = { at, stop, false };
			size_t elen = get_varint(&r);
			const char *e = get_bytes(&r, elen);

			if (r.bad || agg_merge_entry(p, e, elen, *p->seq_base) == 0)
				return -1;
			at = r.p;
			if (agg_part_over(p))
				agg_spill(p);
		}
	}
	return 0;
}

int agg_merge(struct agg_part *p, const char *data, size_t len)
{
	const struct agg_spec *s = p->spec;
	struct rd r = { (const unsigned char *)data, (const unsigned char *)data + len, false };
	const char *magic = get_bytes(&r, 4);
	uint64_t n;
	unsigned code;

	if (magic == NULL || memcmp(magic, "FPA\4", 4) != 0 || get_u8(&r) != LD_BYTES)
		return -1;
	if (get_varint(&r) != s->nops)
		return -1;
	for (size_t i = 0; i < s->nops; i++)
		if (get_u8(&r) != (unsigned)s->ops[i].kind)
			return -1;
	n = get_varint(&r);
	if (r.bad || n > len)
		return -1;
	for (uint64_t i = 0; i < n; i++) {
		struct pair pr;

		pr.seq = *p->seq_base + get_varint(&r);
		pr.nrec = get_varint(&r);
		pr.file = get_varint(&r);
		if (r.bad)
			return -1;
		p->pairs = xreallocarray(p->pairs, p->npairs + 1, sizeof *p->pairs);
		p->pairs[p->npairs++] = pr;
	}
	code = get_u8(&r);
	if (code != 0 && p->from_files)
		return -1;
	if (code == EXIT_DATAERR) {
		uint64_t seq = *p->seq_base + get_varint(&r), idx = get_varint(&r);
		unsigned what = get_u8(&r);
		uint64_t field = get_varint(&r), op = get_varint(&r), nf = get_varint(&r);
		uint64_t off = get_varint(&r), file = get_varint(&r);
		size_t nlen = get_varint(&r);
		const char *name = get_bytes(&r, nlen);
		size_t vlen = get_varint(&r);
		const char *v = get_bytes(&r, vlen);

		if (r.bad || r.p != r.end)
			return -1;
		if (p->code == 0 || (p->code == EXIT_DATAERR &&
		    (seq < p->eseq || (seq == p->eseq && idx < p->eidx)))) {
			p->code = EXIT_DATAERR;
			p->eseq = seq;
			p->eidx = idx;
			p->ewhat = what;
			p->efield = field;
			p->eop = op;
			p->enf = nf;
			p->eoff = off == 0 ? OFFSET_UNKNOWN : off - 1;
			p->efile = file;
			p->ename.len = 0;
			buf_append(&p->ename, name, nlen);
			p->eval.len = 0;
			buf_append(&p->eval, v, vlen);
		}
		p->stop = true;
		return 0;
	}
	if (code == EXIT_IOERR) {
		size_t mlen = get_varint(&r);
		const char *m = get_bytes(&r, mlen);

		if (r.bad || r.p != r.end)
			return -1;
		if (p->code != EXIT_IOERR) {
			p->code = EXIT_IOERR;
			p->eval.len = 0;
			buf_append(&p->eval, m, mlen);
		}
		p->stop = true;
		return 0;
	}
	if (code != 0 || r.bad)
		return -1;
	return merge_entries(p, r.p, r.end);
}
