/* agg.c - grouping and aggregation for group, uniq and top: the partial
 * and the fold of records into its table, the hot path, kept in one file
 * with the key table's inlines (keytab.h) and the states' (aggstate.h) so
 * that the compiler inlines them (agg.h has the key encoding, the number
 * rules and the partial format; aggpart.h lists the other files).  The
 * fold record by record and the fold in batches (plain and CSV) share
 * their per-record functions, inlined into both, which is why this file
 * is over 600 lines. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "aggpart.h"
#include "aggvals.h"
#include "csv.h"
#include "util.h"

/*
 * A worker makes a partial per chunk: the last one's tables are kept for
 * the next, so their memory is not faulted in and grown again for every
 * chunk (a page fault on fresh memory costs more than the work here).
 */
static struct keytab cache_kt, cache_vals;
static bool cached;

struct agg_part *agg_part_make(const struct agg_spec *s, const struct stage *st, bool reuse)
{
	struct agg_part *p = xcalloc(1, sizeof *p);

	num_init();
	p->spec = s;
	p->fmt = st->fmt;
	p->term = st->term;
	p->memory = st->memory;
	p->memory_finish = st->memory_finish;
	p->tmpdir = spill_dir(st->tmpdir);
	p->seq_base = &st->seq_base;
	p->from_files = st->from_files;
	p->procs = st->procs;
	p->reuse = reuse;
	if (reuse && cached && cache_kt.statesize == ALIGN16(s->statesize)) {
		p->kt = cache_kt;
		p->vals = cache_vals;
		cached = false;
	} else {
		keytab_init(&p->kt, s->statesize);
		keytab_init(&p->vals, sizeof(struct s_vnode));
	}
	spillfile_init(&p->sf, s->stage, p->tmpdir);
	/* The first runs in memory, up to half of the budget (a merger's,
	 * while its workers keep their tables, is a quarter of a share: what
	 * it holds is mostly their runs; uniq -c over 8.9M pairs with the
	 * default budget: 3.6 s, against 4.2 s with an eighth, the rest of
	 * its runs written and read back).  The finish reads the runs with
	 * the whole budget (memory_finish). */
	spillfile_memory(&p->sf, p->memory / 2);
	/* Runs are read back once, soon: around the page cache (spill.h),
	 * with buffers of a sixteenth of a small budget. */
	spillfile_direct(&p->sf, p->memory == 0 || p->memory / 16 > PIECE ? PIECE :
	    (size_t)(p->memory / 16));
	p->lists = agg_spec_sliced(s);
	p->nums = xcalloc((size_t)s->nnum + 1, sizeof *p->nums);
	if (s->maxfield > 0 && s->maxfield <= PLAIN_MAX) {
		p->fv.cap = s->maxfield;
		p->fv.v = xreallocarray(NULL, p->fv.cap, sizeof *p->fv.v);
	}
	return p;
}

struct agg_part *agg_part_new(const struct agg_spec *s, const struct stage *st)
{
	return agg_part_make(s, st, true);
}

void agg_part_free(void *part)
{
	struct agg_part *p = part;

	if (p == NULL)
		return;
	if (p->reuse && !cached &&
	    (p->memory == 0 || keytab_bytes(&p->kt) + keytab_bytes(&p->vals) <= p->memory)) {
		keytab_clear(&p->kt);
		keytab_clear(&p->vals);
		cache_kt = p->kt;
		cache_vals = p->vals;
		cached = true;
	} else {
		keytab_free(&p->kt);
		keytab_free(&p->vals);
	}
	agg_batches_free(p->batch);
	free(p->pairs);
	buf_free(&p->eval);
	buf_free(&p->ename);
	spillfile_close(&p->sf);
	free(p->runs);
	fieldvec_free(&p->fv);
	buf_free(&p->kbuf);
	buf_free(&p->vkey);
	free(p->nums);
	free(p);
}

bool agg_part_full(const void *part)
{
	const struct agg_part *p = part;

	/* When another chunk like the last would take the table past its
	 * share (with a quarter to spare), counting what sending it takes
	 * beside it (the sorted offsets and the encoding, which the worker
	 * keeps for the next): with keys that keep coming back, the bigger
	 * the table sent, the more of their records it has folded (a million
	 * keys under --memory 512M: 23 % fewer entries sent at three
	 * quarters of the share than at half), and as it fills, each chunk
	 * adds fewer new keys.  The table never outgrows the budget (it
	 * spills), whatever the threshold. */
	uint64_t bytes = agg_part_bytes(p);
	uint64_t grow = bytes > p->bytes_before ? bytes - p->bytes_before : 0;
	uint64_t send = 8 + agg_wire_per_entry();

	if (send > KT_SORT_BYTES)	/* agg_part_bytes counts the sort's */
		bytes += p->kt.n * (send - KT_SORT_BYTES);
	if (p->nruns > 0 || (p->memory != 0 && bytes + grow + grow / 4 >= p->memory))
		return true;
	/* From the second chunk on, a table whose records were nearly all
	 * new groups (nine in ten), over all it folded: the keys hardly
	 * repeat, so keeping the table saves the merger little, and the
	 * fold's probes of a growing table miss the caches (uniq -c over
	 * 8.9M pairs, tables of 4 chunks: a second more CPU than of 2).
	 * Not chunk by chunk, nor at three in four: with small chunks (a
	 * small --memory cuts them so) a million keys look new in each of
	 * the first few, though they come back, and a table sent every
	 * other chunk folded nothing (60M records made 51M entries). */
	uint64_t n = p->cur_n;

	for (size_t i = 0; i < p->npairs; i++)
		n += p->pairs[i].nrec;
	return p->npairs > 0 && p->kt.n * 10 > n * 9;
}

void agg_io_error(struct agg_part *p, char *msg)
{
	if (p->code != EXIT_IOERR) {
		p->code = EXIT_IOERR;
		p->eval.len = 0;
		buf_append(&p->eval, msg, strlen(msg));
	}
	free(msg);
	p->stop = true;
}

/* A data error at the current position: kept if it is the first. */
static void data_error(struct agg_part *p, unsigned what, size_t op, size_t field, size_t nf,
    const char *val, size_t len)
{
	if (p->reject != NULL)
		return;	/* --reject: the record is set aside (agg_reject) */
	if (p->code == 0) {
		p->code = EXIT_DATAERR;
		p->eseq = p->cur_seq;
		p->eidx = p->cur_n - 1;
		p->ewhat = what;
		p->eop = op;
		p->efield = field;
		p->enf = nf;
		p->eval.len = 0;
		buf_append(&p->eval, val, len < ERRVAL_MAX ? len : ERRVAL_MAX + 1);
		p->eoff = p->boff == OFFSET_UNKNOWN ? OFFSET_UNKNOWN :
		    p->boff + (uint64_t)(p->cur_rec - p->bdata);
		p->efile = p->cur_file;
		p->ename.len = 0;
		if (p->bname != NULL)
			buf_append(&p->ename, p->bname, strlen(p->bname));
	}
	p->stop = true;
}

/* ---- folding records -------------------------------------------------------- */

/* The key of value v of distinct op i of entry off in the value table,
 * in p->vkey: the owner (8 bytes) and the value; its hash. */
static inline uint64_t dist_key(struct agg_part *p, uint64_t off, size_t i, const char *v,
    size_t len)
{
	uint64_t owner = off | (uint64_t)i << 56;

	p->vkey.len = 0;
	buf_append(&p->vkey, &owner, 8);
	buf_append(&p->vkey, v, len);
	return keytab_hash(p->vkey.data, p->vkey.len);
}

void agg_dist_add(struct agg_part *p, uint64_t off, size_t i, const char *v, size_t len)
{
	uint64_t voff, h = dist_key(p, off, i, v, len);
	bool added;
	struct s_dist *d;

	voff = keytab_put(&p->vals, p->vkey.data, p->vkey.len, h, &added);
	if (!added)
		return;
	d = (struct s_dist *)((char *)keytab_state(&p->kt, off) + p->spec->ops[i].off);
	((struct s_vnode *)keytab_state(&p->vals, voff))->next = d->head;
	d->head = voff;
	d->n++;
}

void agg_pos_set(struct agg_part *p, uint64_t off, size_t i, uint64_t seq, uint64_t idx,
    const char *v, size_t len)
{
	agg_pos_set_at(p, off, p->spec->ops[i].off, seq, idx, v, len);
}

void agg_pos_set_at(struct agg_part *p, uint64_t off, size_t so, uint64_t seq, uint64_t idx,
    const char *v, size_t len)
{
	struct s_pos *x = (struct s_pos *)((char *)keytab_state(&p->kt, off) + so);

	if (len > x->cap) {
		uint64_t blob = keytab_alloc(&p->kt, len);

		x = (struct s_pos *)((char *)keytab_state(&p->kt, off) + so);
		x->blob = blob;
		x->cap = (uint32_t)ALIGN16(len);
	}
	if (len > 0)
		memcpy(keytab_blob(&p->kt, x->blob), v, len);
	x->len = (uint32_t)len;
	x->seq = seq;
	x->idx = idx;
	x->has = 1;
}

/* The per-record functions, inlined where they are called (the plain
 * fold and the batched one) as the one fold function they were: calls
 * there cost a tenth of a fold over few groups. */
#define FOLD_INLINE static inline __attribute__((always_inline))

/* The key of a record already split into p->fv, appended to p->kbuf
 * (a batch keeps several there). */
static void composite_key(struct agg_part *p)
{
	const struct agg_spec *s = p->spec;

	for (size_t i = 0; i < s->nkeys; i++) {
		const struct field *f = s->keys[i] < p->fv.n ? &p->fv.v[s->keys[i]] : NULL;

		if (i > 0)
			buf_append(&p->kbuf, "\0\0", 2);
		if (f == NULL)
			continue;
		if (memchr(f->p, 0, f->len) == NULL) {
			buf_append(&p->kbuf, f->p, f->len);
			continue;
		}
		for (size_t k = 0; k < f->len; k++) {
			buf_putc(&p->kbuf, f->p[k]);
			if (f->p[k] == '\0')
				buf_putc(&p->kbuf, '\1');
		}
	}
}

/* The first blank (space or tab) of rec[i, len), or len: eight bytes at
 * a time where the record has them (a byte is a blank when it xor the
 * blank is zero; the lowest zero byte found this way is exact). */
static inline size_t next_blank(const char *rec, size_t i, size_t len)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;

	while (len - i >= 8) {
		uint64_t w, s, t, m;

		memcpy(&w, rec + i, 8);
		s = w ^ (ones * ' ');
		t = w ^ (ones * '\t');
		m = (((s - ones) & ~s) | ((t - ones) & ~t)) & highs;
		if (m != 0)
			return i + (size_t)(__builtin_ctzll(m) >> 3);
		i += 8;
	}
#endif
	while (i < len && rec[i] != ' ' && rec[i] != '\t')
		i++;
	return i;
}

/* Blank-separated and delimited records split as fields_split_upto
 * splits them, inline: the fold's hottest loop.  p->fv has room for
 * maxfield fields (agg_part_new). */
FOLD_INLINE void split_plain(struct agg_part *p, const char *rec, size_t len)
{
	struct field *v = p->fv.v;
	size_t max = p->spec->maxfield, n = 0, i = 0;

	if (p->fmt->kind == FORMAT_BLANKS) {
		while (n < max) {
			size_t start;

			while (i < len && (rec[i] == ' ' || rec[i] == '\t'))
				i++;
			if (i == len)
				break;
			start = i;
			i = next_blank(rec, i, len);
			v[n].p = rec + start;
			v[n++].len = i - start;
		}
	} else {
		const char *q = rec, *end = rec + len;
		char d = p->fmt->delim;

		while (n < max) {
			const char *e = memchr(q, d, (size_t)(end - q));

			if (e == NULL) {
				v[n].p = q;
				v[n++].len = (size_t)(end - q);
				break;
			}
			v[n].p = q;
			v[n++].len = (size_t)(e - q);
			q = e + 1;
		}
	}
	p->fv.n = n;
}

/* The number in field (1-based; f, NULL when the record lacks it) for
 * op i, parsed once per record into slot; NULL after a data error. */
static inline struct num *op_num(struct agg_part *p, size_t i, size_t field, int slot,
    const struct field *f)
{
	struct num *n = &p->nums[slot];

	if (slot < 64 && (p->numhave & (1ULL << slot)))
		return n;
	if (f == NULL) {
		data_error(p, ERR_MISSING, i, field, p->fv.n, "", 0);
		return NULL;
	}
	n->have_v = false;
	if (!agg_parse_number(f->p, f->len, &n->mant, &n->scale, &n->neg, &n->v)) {
		data_error(p, ERR_NUMBER, i, field, p->fv.n, f->p, f->len);
		return NULL;
	}
	if (n->scale == NOSCALE)
		n->have_v = true;
	if (slot < 64)
		p->numhave |= 1ULL << slot;
	return n;
}

/* Under --narm: whether op skips this record (its value, or for a
 * two-field op either value, is missing).  A field the record lacks is
 * not missing but an error, which the op then reports. */
static bool skip_na(const struct agg_part *p, const struct agg_op *op, const struct field *f)
{
	const struct field *f2 = op->field2 > 0 && op->field2 - 1 < p->fv.n ?
	    &p->fv.v[op->field2 - 1] : NULL;

	return (f != NULL && agg_is_na(p->spec, f->p, f->len)) ||
	    (f2 != NULL && agg_is_na(p->spec, f2->p, f2->len));
}

/* Whether the record has every key field; else a data error. */
static bool keys_present(struct agg_part *p)
{
	const struct agg_spec *s = p->spec;

	for (size_t k = 0; k < s->nkeys; k++) {
		if (s->keys[k] >= p->fv.n) {
			data_error(p, ERR_MISSING, s->nops, s->keys[k] + 1, p->fv.n, "", 0);
			return false;
		}
	}
	return true;
}

/* The key of record rec, split into p->fv: *key and *klen, or for a
 * composite key its offset in p->kbuf (*key NULL: the buffer may move
 * while a batch is gathered). */
static inline void record_key(struct agg_part *p, const char *rec, size_t len,
    const char **key, size_t *klen)
{
	const struct agg_spec *s = p->spec;

	if (s->whole) {
		*key = rec;
		*klen = len;
	} else if (s->nkeys == 0) {
		*key = "";
		*klen = 0;
	} else if (s->nkeys == 1) {
		if (s->keys[0] < p->fv.n) {
			*key = p->fv.v[s->keys[0]].p;
			*klen = p->fv.v[s->keys[0]].len;
		} else {
			*key = "";
			*klen = 0;
		}
	} else {
		size_t start = p->kbuf.len;

		composite_key(p);
		*key = NULL;
		*klen = p->kbuf.len - start;
	}
}

/* --reject: whether every op can take the record split into p->fv (its
 * key fields there if strict, its numbers valid, the fields its ops read
 * there): what fold_ops would otherwise find a data error in. */
static bool record_takes(struct agg_part *p)
{
	const struct agg_spec *s = p->spec;

	if (s->keys_strict && !keys_present(p))
		return false;
	p->numhave = 0;
	for (size_t i = 0; i < s->nops; i++) {
		const struct agg_op *op = &s->ops[i];
		const struct field *f = op->field - 1 < p->fv.n ? &p->fv.v[op->field - 1] : NULL;

		if (op->kind == AGG_COUNT || op->kind == AGG_FULL || (s->narm && skip_na(p, op, f)))
			continue;
		if (op->numslot >= 0 && op_num(p, i, op->field, op->numslot, f) == NULL)
			return false;
		if (op->numslot2 >= 0 && op_num(p, i, op->field2, op->numslot2,
		    op->field2 - 1 < p->fv.n ? &p->fv.v[op->field2 - 1] : NULL) == NULL)
			return false;
		if ((op->kind == AGG_UNIQUE || op->kind == AGG_COLLAPSE) && f == NULL)
			return false;
	}
	return true;
}

/* The group of a key, made if new. */
static inline uint64_t find_group(struct agg_part *p, const char *key, size_t klen, uint64_t h)
{
	uint64_t off = keytab_get(&p->kt, key, klen, h);
	bool added;

	if (off == 0)
		off = keytab_put(&p->kt, key, klen, h, &added);
	return off;
}

FOLD_INLINE void fold_ops(struct agg_part *p, uint64_t off, uint64_t idx, const char *rec,
    size_t len);

FOLD_INLINE void fold_record(struct agg_part *p, const char *rec, size_t len)
{
	const struct agg_spec *s = p->spec;
	const char *key;
	size_t klen;
	uint64_t idx = p->cur_n++, h;

	p->cur_rec = rec;
	if (s->maxfield > 0 && s->maxfield <= PLAIN_MAX && format_plain(p->fmt)) {
		split_plain(p, rec, len);
	} else if (s->maxfield > 0) {
		const char *why = NULL;

		if (fields_split_block(p->fmt, p->jv, p->jk++, rec, len, s->maxfield, &p->fv, &why) < 0) {
			data_error(p, ERR_CSV, 0, 0, 0, why, strlen(why));
			if (p->reject != NULL)
				agg_reject(p, rec, len);
			return;
		}
	} else {
		p->fv.n = 0;
	}
	/* --reject: checked before the record touches a group, so that a
	 * record set aside is left out of the reducer entirely. */
	if (p->reject != NULL && !record_takes(p)) {
		agg_reject(p, rec, len);
		return;
	}
	if (s->keys_strict && !keys_present(p))
		return;
	p->kbuf.len = 0;
	record_key(p, rec, len, &key, &klen);
	if (key == NULL)
		key = p->kbuf.data;
	h = keytab_hash(key, klen);
	fold_ops(p, find_group(p, key, klen, h), idx, rec, len);
}

/* Apply the ops to group off for the record rec (len bytes; --full keeps
 * it) split into p->fv, the idx'th of its chunk: the one place that
 * knows what each op does with a record. */
FOLD_INLINE void fold_ops(struct agg_part *p, uint64_t off, uint64_t idx, const char *rec,
    size_t len)
{
	const struct agg_spec *s = p->spec;
	char *state;

	state = keytab_state(&p->kt, off);
	(*keytab_aux(&p->kt, off))++;
	p->numhave = 0;
	for (size_t i = 0; i < s->nops; i++) {
		const struct agg_op *op = &s->ops[i];
		const struct field *f = op->field - 1 < p->fv.n ? &p->fv.v[op->field - 1] : NULL;
		void *o = state + op->off;
		struct num *n = NULL, *n2 = NULL;

		if (op->kind == AGG_COUNT)
			continue;
		if (op->kind == AGG_FULL) {
			agg_full_fold(p, off, i, p->cur_seq, idx, rec, len);
			state = keytab_state(&p->kt, off);
			continue;
		}
		if (s->narm && skip_na(p, op, f))
			continue;
		if (op->numslot >= 0) {
			n = op_num(p, i, op->field, op->numslot, f);
			if (n == NULL)
				return;
		}
		if (op->numslot2 >= 0) {
			n2 = op_num(p, i, op->field2, op->numslot2,
			    op->field2 - 1 < p->fv.n ? &p->fv.v[op->field2 - 1] : NULL);
			if (n2 == NULL)
				return;
		}
		switch (op->kind) {
		case AGG_COUNT:
		case AGG_FULL:
			break;
		case AGG_SUM:
		case AGG_MEAN:
			sum_add(&p->kt, (uint64_t)((char *)o - p->kt.arena), n);
			break;
		case AGG_MIN:
		case AGG_MAX:
			mm_add(o, op->kind == AGG_MAX, num_ld(n), p->cur_seq, idx);
			break;
		case AGG_STDEV:
		case AGG_PSTDEV:
		case AGG_PVAR:
		case AGG_SVAR:
		case AGG_MS:
		case AGG_RMS:
			var_num(o, n);
			break;
		case AGG_DISTINCT:
			agg_dist_add(p, off, i, f ? f->p : "", f ? f->len : 0);
			break;
		case AGG_FIRST:
			if (!((struct s_pos *)o)->has)
				agg_pos_set(p, off, i, p->cur_seq, idx, f ? f->p : "", f ? f->len : 0);
			break;
		case AGG_LAST:
			agg_pos_set(p, off, i, p->cur_seq, idx, f ? f->p : "", f ? f->len : 0);
			break;
		case AGG_MEDIAN: case AGG_Q1: case AGG_Q3: case AGG_IQR: case AGG_PERC:
		case AGG_MODE: case AGG_ANTIMODE: case AGG_MAD: case AGG_MADRAW:
		case AGG_TRIMMEAN:
			if (!op->shared)
				vals_add_num(&p->kt, off, op->off, num_ld(n));
			break;
		case AGG_SSKEW: case AGG_PSKEW: case AGG_SKURT: case AGG_PKURT:
		case AGG_DPO: case AGG_JARQUE: case AGG_GEOMEAN: case AGG_HARMMEAN:
			if (!op->shared)
				vals_add_npos(&p->kt, off, op->off, p->cur_seq, idx, num_ld(n));
			break;
		case AGG_UNIQUE:
		case AGG_COLLAPSE:
			if (f == NULL) {
				data_error(p, ERR_MISSING, i, op->field, p->fv.n, "", 0);
				return;
			}
			if (op->kind == AGG_UNIQUE)
				agg_dist_add(p, off, i, f->p, f->len);
			else
				vals_add_pos(&p->kt, off, op->off, p->cur_seq, idx, f->p, f->len);
			break;
		case AGG_RANGE:
			mm_add(&((struct s_range *)o)->lo, false, num_ld(n), p->cur_seq, idx);
			mm_add(&((struct s_range *)o)->hi, true, num_ld(n), p->cur_seq, idx);
			break;
		case AGG_ABSMIN:
		case AGG_ABSMAX:
			amm_add(o, op->kind == AGG_ABSMAX, num_ld(n), p->cur_seq, idx);
			break;
		case AGG_PCOV:
		case AGG_SCOV:
		case AGG_PPEARSON:
		case AGG_SPEARSON:
		case AGG_DOTPROD:
			cov_add(o, n, n2);
			break;
		case AGG_NCOUNT:
			(*(uint64_t *)o)++;
			break;
		case AGG_NMEAN:
			sum_add(&p->kt, (uint64_t)((char *)o - p->kt.arena), n);
			((struct s_nsum *)o)->n++;
			break;
		}
		state = keytab_state(&p->kt, off);	/* the arena may have moved */
	}
	if (agg_part_over(p))
		agg_spill(p);
}

/* ---- folding in batches ------------------------------------------------------ */

/*
 * Once the table has outgrown the caches, finding a record's group costs
 * two misses (its slot, then its entry), each about half a microsecond
 * on a virtual machine; one record at a time, they are most of the
 * fold.  So records go through a pipeline of batches of BATCH: while
 * batch k is split and hashed and its slots start to be read, batch k-1
 * reads its slots and starts reading the entries they name, and batch
 * k-2 is folded, in order, its memory there by now.  Records of at most
 * BATCH_FIELDS fields, plain or CSV; each batch keeps its records'
 * fields, its composite keys in a buffer of its own, and the CSV values
 * unescaped (with doubled quotes) in another, so that they stay until
 * the batch is folded.  A CSV record the iterator or the splitter finds
 * malformed ends the pipeline: the batches before it are folded, and it
 * goes the one-by-one way (fold_record), whose error it is.
 */
#define BATCH 32
#define BATCH_FIELDS 16
#define BATCH_GROUPS 16384	/* entries beyond which a table leaves the cache */
#define BATCHES 4		/* batches in flight: split, matched, values
				 * matched, folded */

struct batch {
	size_t n;
	const char *key[BATCH], *rec[BATCH];	/* rec: the record (--full) */
	size_t klen[BATCH], koff[BATCH], nf[BATCH], rlen[BATCH];
	uint64_t h[BATCH];
	uint64_t vh[BATCH];	/* the hash of the first distinct op's value
				 * key, when the group was found; else 0 */
	struct buf kb;
	struct buf sc;		/* CSV: values unescaped (fields_split_csv_more) */
	struct field f[BATCH][BATCH_FIELDS];
};

static inline bool batch_fits(const struct agg_part *p)
{
	return (format_plain(p->fmt) || p->fmt->kind == FORMAT_CSV) &&
	    p->spec->maxfield <= BATCH_FIELDS &&
	    (p->kt.n >= BATCH_GROUPS || p->vals.n >= BATCH_GROUPS);
}

/* The first distinct op, whose values are looked up ahead too, or -1. */
static int first_distinct(const struct agg_spec *s)
{
	for (size_t i = 0; i < s->nops; i++)
		if (s->ops[i].kind == AGG_DISTINCT)
			return (int)i;
	return -1;
}

void agg_batches_free(struct batch *b)
{
	if (b == NULL)
		return;
	for (int i = 0; i < BATCHES; i++) {
		buf_free(&b[i].kb);
		buf_free(&b[i].sc);
	}
	free(b);
}

/* Where the pipeline of a CSV block is: its iterator, and the record
 * that ended it (hand, hlen; hand NULL if none). */
struct csv_feed {
	struct csv_iter *it;
	const char *hand;
	size_t hlen;
};

/* Values of records before n in b's scratch, moved with it from old
 * (their pointers, compared as numbers: the old buffer is freed). */
static void batch_rebase(struct batch *b, size_t n, uintptr_t old, size_t used)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < b->nf[i]; j++) {
			uintptr_t a = (uintptr_t)b->f[i][j].p;

			if (a >= old && a <= old + used)
				b->f[i][j].p = b->sc.data + (a - old);
		}
	}
}

/* Split CSV record n of b, rec[0, len), into b->f[n], its unescaped
 * values added to b->sc; false if it is malformed. */
static bool batch_split_csv(struct agg_part *p, struct batch *b, size_t n, const char *rec,
    size_t len)
{
	struct fieldvec fv = { .v = b->f[n], .cap = BATCH_FIELDS, .scratch = b->sc };
	uintptr_t old = (uintptr_t)b->sc.data;
	size_t used = b->sc.len;
	const char *why = NULL;
	int r = 0;

	if (p->spec->maxfield > 0)
		r = fields_split_csv_more(p->fmt, rec, len, p->spec->maxfield, &fv, &why);
	b->sc = fv.scratch;
	b->nf[n] = fv.n;
	if (old != 0 && (uintptr_t)b->sc.data != old)
		batch_rebase(b, n, old, used);
	return r == 0;
}

/* A simple CSV record at q (fields unquoted, or quoted without doubled
 * quotes) found and split into b's record n in one pass, its values in
 * place: its terminator; else NULL, the record to go the general way. */
static inline const char *batch_quick_csv(struct agg_part *p, struct batch *b, size_t n,
    const char *q, const char *end, struct csv_feed *cf)
{
	struct fieldvec fv = { .v = b->f[n], .cap = BATCH_FIELDS };
	const char *t = fields_csv_plain_record(p->fmt, q, end, p->term, p->spec->maxfield, &fv);

	if (t != NULL) {
		b->nf[n] = fv.n;
		csv_iter_skip(cf->it, t + 1);
	}
	return t;
}

/* The end of the record at q (its terminator, or end); for CSV, NULL
 * when the record is to go the one-by-one way (cf->hand). */
static inline const char *batch_next(struct agg_part *p, struct csv_feed *cf, const char *q,
    const char *end)
{
	const char *t;

	if (cf == NULL) {
		t = memchr(q, p->term, (size_t)(end - q));
		return t != NULL ? t : end;
	}
	t = csv_iter_next(cf->it);
	/* As agg_fold takes it: no end found is a record to the end. */
	if (t == NULL || cf->it->bad) {
		cf->hand = q;
		cf->hlen = (size_t)((t != NULL ? t - 1 : end) - q);
		return NULL;
	}
	return t - 1;
}

/* Split and hash the records from q on, up to BATCH of them, into b, and
 * start reading their slots; where the next batch begins.  A CSV block's
 * records come from cf (else NULL): the batch ends early at a record
 * that goes the one-by-one way, which is then cf->hand. */
static const char *batch_split(struct agg_part *p, struct batch *b, const char *q,
    const char *end, struct csv_feed *cf)
{
	struct buf own = p->kbuf;
	size_t n = 0;

	if (cf != NULL)
		b->sc.len = 0;
	for (; n < BATCH && q < end && (cf == NULL || cf->hand == NULL); n++) {
		const char *t = cf != NULL ? batch_quick_csv(p, b, n, q, end, cf) : NULL;

		if (t != NULL) {
			b->rec[n] = q;
			b->rlen[n] = (size_t)(t - q);
			q = t + 1;
			continue;
		}
		t = batch_next(p, cf, q, end);
		if (t == NULL)
			break;
		b->rec[n] = q;
		b->rlen[n] = (size_t)(t - q);
		if (cf == NULL) {
			p->fv.v = b->f[n];
			split_plain(p, q, (size_t)(t - q));
			b->nf[n] = p->fv.n;
		} else if (!batch_split_csv(p, b, n, q, (size_t)(t - q))) {
			cf->hand = q;
			cf->hlen = (size_t)(t - q);
			break;
		}
		q = t + 1;
	}
	p->kbuf = b->kb;
	p->kbuf.len = 0;
	for (size_t i = 0; i < n; i++) {
		p->fv.v = b->f[i];
		p->fv.n = b->nf[i];
		b->koff[i] = p->kbuf.len;
		record_key(p, b->rec[i], b->rlen[i], &b->key[i], &b->klen[i]);
		if (b->key[i] != NULL) {
			b->h[i] = keytab_hash(b->key[i], b->klen[i]);
			keytab_prefetch_slot(&p->kt, b->h[i]);
		}
	}
	b->kb = p->kbuf;
	p->kbuf = own;
	for (size_t i = 0; i < n; i++) {
		if (b->key[i] == NULL) {
			b->key[i] = b->kb.data + b->koff[i];
			b->h[i] = keytab_hash(b->key[i], b->klen[i]);
			keytab_prefetch_slot(&p->kt, b->h[i]);
		}
	}
	b->n = n;
	return q;
}

/* Start reading the entries of b's groups; with a distinct op (dist >=
 * 0), hash each value's key in the value table, the group's offset being
 * likely the one found, and start reading its slot. */
static void batch_match(struct agg_part *p, struct batch *b, int dist)
{
	size_t fi = dist >= 0 ? p->spec->ops[dist].field - 1 : 0;

	for (size_t i = 0; i < b->n; i++) {
		uint64_t off = keytab_prefetch_match(&p->kt, b->h[i]);

		b->vh[i] = 0;
		if (dist < 0 || off == 0)
			continue;
		if (fi < b->nf[i])
			b->vh[i] = dist_key(p, off, (size_t)dist, b->f[i][fi].p, b->f[i][fi].len);
		else
			b->vh[i] = dist_key(p, off, (size_t)dist, "", 0);
		keytab_prefetch_slot(&p->vals, b->vh[i]);
	}
}

/* Start reading the value entries whose slots batch_match asked for. */
static void batch_match_values(struct agg_part *p, const struct batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		if (b->vh[i] != 0)
			keytab_prefetch_match(&p->vals, b->vh[i]);
}

static void batch_fold(struct agg_part *p, struct batch *b)
{
	for (size_t i = 0; i < b->n && !p->stop; i++) {
		uint64_t idx = p->cur_n++;

		p->cur_rec = b->rec[i];
		p->fv.v = b->f[i];
		p->fv.n = b->nf[i];
		if (p->spec->keys_strict && !keys_present(p))
			break;
		fold_ops(p, find_group(p, b->key[i], b->klen[i], b->h[i]), idx, b->rec[i],
		    b->rlen[i]);
	}
	b->n = 0;
}

/* Fold the records from q to end through the pipeline; of a CSV block,
 * those cf's iterator finds (up to cf->hand).  Where it stopped. */
static const char *fold_batches(struct agg_part *p, const char *q, const char *end,
    struct csv_feed *cf)
{
	struct field *own = p->fv.v;
	struct batch *b;
	int dist = first_distinct(p->spec);

	if (p->batch == NULL)
		p->batch = xcalloc(BATCHES, sizeof *p->batch);
	b = p->batch;
	/* Batch k is split while k-1 is matched, k-2's values are matched
	 * and k-3 is folded. */
	for (size_t k = 0;; k++) {
		struct batch *split = &b[k % BATCHES], *match = &b[(k + 3) % BATCHES],
		    *values = &b[(k + 2) % BATCHES], *fold = &b[(k + 1) % BATCHES];

		q = batch_split(p, split, q, end, cf);
		batch_match(p, match, dist);
		batch_match_values(p, values);
		batch_fold(p, fold);
		if (p->stop || (split->n == 0 && match->n == 0 && values->n == 0))
			break;
	}
	for (int i = 0; i < BATCHES; i++)
		b[i].n = 0;
	p->fv.v = own;
	return q;
}

void agg_fold(struct agg_part *p, const struct block *b)
{
	const char *q = b->data, *end = b->data + b->len;
	struct csv_iter it;
	bool csv = p->fmt->kind == FORMAT_CSV;

	if (p->stop || b->len == 0)
		return;
	if (p->cur_any && b->seq != p->cur_seq) {
		agg_pair_push(p);
		p->cur_n = 0;
	}
	if (!p->cur_any || b->seq != p->cur_seq)
		p->bytes_before = agg_part_bytes(p);
	p->cur_seq = b->seq;
	p->cur_file = b->file;
	p->cur_any = true;
	p->bdata = b->data;
	p->boff = b->offset;
	p->bname = b->name;
	p->bend = end;
	p->bsupplied = b->supplied;
	p->reject = b->reject;
	p->reject_ctx = b->reject_ctx;
	p->jv = b->jv;
	p->jk = 0;
	if (csv)
		csv_iter_init(&it, b->data, b->len, p->fmt, p->term);
	while (q < end && !p->stop) {
		const char *t;

		if (p->reject == NULL && batch_fits(p)) {
			struct csv_feed cf = { .it = &it };

			q = fold_batches(p, q, end, csv ? &cf : NULL);
			if (cf.hand == NULL || p->stop)
				break;
			/* The record that ended the pipeline, one by one. */
			fold_record(p, cf.hand, cf.hlen);
			q = cf.hand + cf.hlen + 1;
			continue;
		}
		if (csv) {
			const char *e = csv_iter_next(&it);

			t = e != NULL ? e - 1 : end;
		} else {
			t = memchr(q, p->term, (size_t)(end - q));
			if (t == NULL)
				t = end;
		}
		fold_record(p, q, (size_t)(t - q));
		q = t + 1;
	}
	p->jv = NULL;
}
