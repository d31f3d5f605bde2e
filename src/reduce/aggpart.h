/* aggpart.h - the partial state of the grouping reducers, shared by the
 * files that make up the engine (not by its users: they see agg.h):
 *   agg.c       the partial's life and the fold of records (the hot path)
 *   agg_wire.c  the partial's encoding (agg.h has the format) and merging
 *   agg_runs.c  spilled runs, their compaction, and the finish
 *   agg_slicefinish.c  the runs of fixed-size states merged slice by slice
 *               of keys in a hash table
 *   agg_rangefinish.c  the finish of many runs split by key range over processes
 *   agg_out.c   what the stages print, and their shared callbacks
 *   aggfull.c   the record --full prints, chosen as datamash chooses it
 *   agg_reject.c  --reject: a record the ops cannot take, set aside
 *   aggsplit.c  an entry with long lists or sets, written in pieces
 *   ostat_stream.c  a group too big for memory where runs are merged,
 *               its numbers sorted on disk (valsort.c)
 *   set_stream.c  its distinct sets and collapse values likewise
 *   ops.c       the op specs; aggstate.h the states; num.h numbers */
#ifndef FORKPIPE_AGGPART_H
#define FORKPIPE_AGGPART_H

#include <float.h>
#include <stdbool.h>
#include <stdint.h>

#include "agg.h"
#include "aggstate.h"
#include "bytes.h"
#include "fields.h"
#include "keytab.h"
#include "runs.h"
#include "util.h"

#define PIECE (1u << 20)		/* output and spill writes */
#define ERRVAL_MAX 64			/* bytes of a bad value kept for the message */
#define PLAIN_MAX 4096			/* split_plain: fields room made for */
#define RUNS_MIN 64			/* spilled runs kept before they are merged into one: */
#define RUNS_MAX 256			/* between these, as the budget gives each */
#define RUN_BUF_MIN (64u << 10) 	/* a read buffer of this much at the end */
#define RUN_MIN 4096			/* sorted entries a merged partial keeps as a run */
#define TABLE_BIG (32u << 20)		/* table bytes beyond which partials become runs */
/* The significant bytes of a long double in partials and runs. */
#define LD_BYTES (LDBL_MANT_DIG == 64 ? 10 : (int)sizeof(long double))

/* A chunk's records folded, and its input: error messages count a
 * record's number within its file. */
struct pair {
	uint64_t seq, nrec, file;
};

enum { ERR_NUMBER = 1, ERR_MISSING, ERR_CSV };

struct agg_part {
	const struct agg_spec *spec;
	const struct format *fmt;
	char term;
	const struct jval *jv;	/* JSON Lines: the block's scanned values (struct
				 * block), record jk's next; NULL: split */
	size_t jk;
	uint64_t memory;	/* 0: no limit */
	const char *tmpdir;

	struct keytab kt;	/* groups */
	struct keytab vals;	/* distinct values: owner (8 bytes) + value */

	/* input positions: records folded per chunk */
	struct pair *pairs;
	size_t npairs;
	uint64_t cur_seq, cur_n, cur_file;
	bool cur_any;
	uint64_t bytes_before;	/* agg_part_bytes when the current chunk began */
	bool lists;		/* an op keeps a list or a set (agg_spec_sliced) */
	uint64_t memory_finish;	/* the stage's: the budget of the merger's finish */

	/* the block being folded, for the position of a data error */
	const char *bdata;	/* its data */
	uint64_t boff;		/* the input offset of bdata, or OFFSET_UNKNOWN */
	const char *bname;	/* its input's name, or NULL */
	const char *cur_rec;	/* the record being folded, in bdata */
	const char *bend;	/* the block's end */
	bool bsupplied;		/* its last terminator was supplied (struct block) */
	/* --reject (the block's hook, agg_reject.c): a record the ops cannot
	 * take goes there instead of being a data error; NULL: an error */
	void (*reject)(void *ctx, const char *rec, size_t len, uint64_t offset);
	void *reject_ctx;

	/* the first error */
	int code;		/* 0, EXIT_DATAERR, EXIT_IOERR */
	uint64_t eseq, eidx;
	unsigned ewhat;
	uint64_t efield, eop, enf;
	uint64_t eoff;		/* the record's input offset, or OFFSET_UNKNOWN */
	uint64_t efile;		/* its input's index */
	struct buf ename;	/* its input's name; empty: not known */
	struct buf eval;	/* the value, or the I/O message */
	bool stop;		/* nothing more to fold */

	/* spilled runs, all in one file */
	struct spillfile sf;
	struct { uint64_t off, len; } *runs;
	size_t nruns;
	size_t nmerged;		/* the first runs: each made by compact() */

	/* scratch */
	struct fieldvec fv;
	struct buf kbuf, vkey;
	struct num *nums;
	uint64_t numhave;
	bool reuse;		/* tables from and to the cache */
	struct batch *batch;	/* the fold's pipeline of batches (agg.c), once needed */
	const uint64_t *seq_base;	/* the stage's: added to the chunk numbers
					 * of partials merged in (partial files) */
	bool from_files;	/* the stage's: an error report merged in is damage */
	bool damaged;		/* from_files: an entry of a run kept whole from a
				 * partial file did not decode at the finish */
	struct bigkey *big;	/* the merge of runs: a key too big for memory
				 * (ostat_stream.h); NULL: none */
	unsigned procs;		/* the stage's: processes its finish may use */
};

/* The current chunk's count of records becomes a pair. */
static inline void agg_pair_push(struct agg_part *p)
{
	p->pairs = xreallocarray(p->pairs, p->npairs + 1, sizeof *p->pairs);
	p->pairs[p->npairs].seq = p->cur_seq;
	p->pairs[p->npairs].nrec = p->cur_n;
	p->pairs[p->npairs++].file = p->cur_file;
}

/* A new partial; reuse: its tables come from and go back to the cache
 * of the last one (agg.c). */
struct agg_part *agg_part_make(const struct agg_spec *s, const struct stage *st, bool reuse);

static inline size_t agg_part_bytes(const struct agg_part *p)
{
	/* the table, the array sorting it would take, the value sets */
	return keytab_bytes(&p->kt) + p->kt.n * KT_SORT_BYTES + keytab_bytes(&p->vals);
}

/* The bytes an entry of the last large table this process encoded took. */
uint64_t agg_wire_per_entry(void);

/* Whether the table must be spilled: it and the spill file's memory
 * (runs kept in memory, spillfile_memory) hold more than the budget. */
static inline bool agg_part_over(const struct agg_part *p)
{
	return p->memory != 0 && agg_part_bytes(p) + spillfile_mem_bytes(&p->sf) > p->memory;
}

/* The fold's batches (agg.c), freed with their buffers. */
struct batch;
void agg_batches_free(struct batch *b);

/* The partial's result becomes an I/O error with message msg (taken),
 * unless it is one already; nothing more is folded. */
void agg_io_error(struct agg_part *p, char *msg);
/* agg_reject.c: --reject: record rec (len bytes, without its terminator)
 * of the block being folded goes to p->reject. */
void agg_reject(struct agg_part *p, const char *rec, size_t len);

/* Add value v to distinct op i of entry off. */
void agg_dist_add(struct agg_part *p, uint64_t off, size_t i, const char *v, size_t len);
/* Set first/last op i of entry off to v at position (seq, idx). */
void agg_pos_set(struct agg_part *p, uint64_t off, size_t i, uint64_t seq, uint64_t idx,
    const char *v, size_t len);
/* The same for the s_pos at state offset so. */
void agg_pos_set_at(struct agg_part *p, uint64_t off, size_t so, uint64_t seq, uint64_t idx,
    const char *v, size_t len);
/* An s_pos's wire form: u8 has, [varint seq, varint index, varint len,
 * the bytes] (agg_wire.c). */
void agg_pos_encode(const struct agg_part *p, const void *o, struct buf *e);

/* Append entry off, encoded (agg.h), to out. */
void agg_encode_entry(struct agg_part *p, uint64_t off, struct buf *out);
/* Entry off as several entries when its lists of numbers are longer than
 * a run reader's share of memory (aggsplit.c): true, else false and
 * nothing written. */
bool agg_encode_split(struct agg_part *p, uint64_t off, struct buf *out);
/* Whether an op of s keeps a list or set that agg_encode_split may write
 * in pieces (aggsplit.c): such a group may outgrow memory where runs are
 * merged (ostat_stream.h). */
bool agg_spec_sliced(const struct agg_spec *s);
/* Op i's state at state, encoded. */
void agg_encode_op(struct agg_part *p, size_t i, const void *state, struct buf *e);
/* Combine one encoded entry, its chunk numbers offset by base, into the
 * table; the entry's offset, or 0 if the bytes are malformed. */
uint64_t agg_merge_entry(struct agg_part *p, const char *data, size_t len, uint64_t base);

/* Write the table to the spill file as a sorted run and start afresh. */
void agg_spill(struct agg_part *p);
/* Keep len bytes of sorted entries as they are, as a run. */
void agg_add_run(struct agg_part *p, const void *data, size_t len);

/* A range of keys: from lo (NULL: the first) up to, not including, hi
 * (NULL: past the last). */
struct agg_key {
	const char *p;
	size_t len;
};
struct agg_keys {
	struct agg_key lo, hi;
};

/* Runs first.. merged in key order, the groups whose keys are in kr
 * (NULL: all) passed to fn (agg_finish's result). */
int agg_finish_runs(struct agg_part *p, size_t first, const struct agg_keys *kr, agg_group_fn fn,
    void *ctx, char **err);
/* agg_finish_runs with the loser tree, each run read with a buffer of
 * bufsz bytes: a key's entries combined in a table of their own. */
int agg_finish_tree(struct agg_part *p, size_t first, const struct agg_keys *kr, size_t bufsz,
    agg_group_fn fn, void *ctx, char **err);
/* agg_finish_runs when no op keeps a list (agg_spec_sliced false): the
 * runs' entries combined slice by slice of keys in a hash table, each
 * run read with a buffer of bufsz bytes (agg_slicefinish.c); where the
 * first slice shows keys that hardly repeat, the rest with the tree. */
int agg_finish_slices(struct agg_part *p, size_t first, const struct agg_keys *kr, size_t bufsz,
    agg_group_fn fn, void *ctx, char **err);
/* An entry of a run did not decode: p->sf's error says so (a partial
 * file's damage, p->damaged, or a corrupt temporary file). */
void agg_entry_bad(struct agg_part *p);
/* agg_finish of a partial held as runs, its key range split over
 * p->procs processes (agg_rangefinish.c). */
int agg_finish_split(struct agg_part *p, agg_group_fn fn, void *ctx, struct agg_out *out,
    char **err);

/* Reading encoded bytes: a failed read sets bad and yields 0. */
struct rd {
	const unsigned char *p, *end;
	bool bad;
};

static inline unsigned get_u8(struct rd *r)
{
	if (r->p >= r->end) {
		r->bad = true;
		return 0;
	}
	return *r->p++;
}

static inline uint64_t get_varint(struct rd *r)
{
	const char *q = (const char *)r->p;
	uint64_t v;

	if (!varint_get(&q, (const char *)r->end, &v)) {
		r->bad = true;
		return 0;
	}
	r->p = (const unsigned char *)q;
	return v;
}

static inline const char *get_bytes(struct rd *r, size_t n)
{
	const char *q = (const char *)r->p;

	if ((size_t)(r->end - r->p) < n) {
		r->bad = true;
		return NULL;
	}
	r->p += n;
	return q;
}

/* --full's state (aggfull.c), for the full op at index i: its bytes,
 * the fold of a record, the wire, and the record to print. */
size_t agg_full_size(const struct agg_spec *s, size_t i);
void agg_full_fold(struct agg_part *p, uint64_t off, size_t i, uint64_t seq, uint64_t idx,
    const char *rec, size_t len);
void agg_full_encode(const struct agg_part *p, const void *o, struct buf *e);
void agg_full_merge(struct agg_part *p, uint64_t off, size_t i, struct rd *r, uint64_t base);
const struct s_pos *agg_full_pick(const struct agg_group *g, size_t i);

#endif
