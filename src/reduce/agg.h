/* agg.h - grouping and aggregation, shared by the group, uniq and top
 * reducers: the ops (count, sum, min, max, mean, stdev, distinct, first,
 * last; the order statistics median, q1, q3, iqr, perc, mode, antimode,
 * mad, madraw, trimmean; the moments sskew, pskew, skurt, pkurt, dpo,
 * jarque, geomean, harmmean; the value lists unique and collapse, and
 * countunique, distinct's datamash name; the fixed-state pstdev, pvar,
 * svar, range, absmin, absmax, pcov, scov, ppearson, spearson, with ms,
 * rms and dotprod), numbers parsed and printed as GNU datamash does, and
 * the partial state: a hash table of groups that spills sorted runs to
 * temporary files beyond its memory budget and is merged back in key
 * order at the end.
 *
 * Keys.  A group's key is the whole record (uniq without -k), one field
 * (its bytes), or several fields encoded so that byte order is the order
 * of the field tuples: each 0x00 byte becomes 0x00 0x01 and fields are
 * separated by 0x00 0x00.  Groups come out sorted by key bytes, as
 * LC_ALL=C sort orders them (the first key field first).  A key field a
 * record lacks is empty.
 *
 * Numbers.  A value is a number when strtold(3) reads all of it without
 * a range error (so "1e3", "0x10", "inf" and "nan" are numbers, "", " ",
 * "7x", "1e99999" and "1e-20000" are not), as datamash requires.  Plain decimals (an optional sign, at most 18
 * digits, at most one point, an optional exponent, when the value has at
 * most 18 decimal places and its digits fit 64 bits) are read without
 * strtold into an integer and a count of decimal places, and summed
 * exactly in 128 bits (the sums of squares of stdev too); others (hex,
 * inf, nan, longer numbers) are summed in long double with Neumaier's
 * compensation, and stdev then goes over to Welford's and Chan's
 * formulas.  Exact sums do not depend on the order of addition, so
 * results are the same at any -j and chunk size.  Results print with
 * "%.14Lg", as datamash prints them; converting an exact sum to long
 * double rounds once, where datamash's running sum rounds at every
 * addition, so the two can differ only where the exact result is a tie
 * at the 15th significant digit.
 *
 * The spreads and the two-field ops.  pstdev, sstdev, pvar, svar, pcov,
 * scov, ppearson and spearson of plain decimals are computed from exact
 * sums and rounded once: the exact result for the decimals as written.
 * datamash reads each value into a long double first (an error of up to
 * |x| x 2^-64) and computes from those with two passes in input order;
 * where the results cancel, because the values are many times larger
 * than their spread (|x| / stdev beyond about 10^5, such as 1e9 plus
 * decimals) or two fields barely correlate, that reading error reaches
 * the 14 digits datamash prints and the two differ there (1e9 plus
 * three decimals, a spread of 1: the 13th digit of the stdev; a pcov of
 * such x with small y: from the 10th digit).  That is where forkpipe's
 * result is exact and datamash's is not; agreeing would mean reading
 * values as datamash does and keeping every value of a group instead of
 * a fixed state.  Values that are not plain decimals (hex, inf, nan,
 * more than 18 digits) go through Welford's and Chan's one-pass
 * formulas in long double, whose rounding differs from datamash's two
 * passes: the two agree but where the result cancels as above (1e9 plus
 * 11 decimals: from the 11th digit).  Without such cancellation they
 * agree byte for byte (tests/e2e/dmops.sh, dmexact.sh).  ms, rms and
 * dotprod are not in datamash 1.7.
 *
 * Partial format, version 4 (all integers unsigned LEB128 varints unless
 * said otherwise; "zz" is a zigzag-encoded signed 128-bit varint; "LD" is
 * a long double's significant bytes, little-endian, as many as the
 * header says):
 *
 *   "FPA" 0x04                 magic and version (2: the value lists;
 *                              3: the file and byte offset of an error;
 *                              4: the moments' numbers with their input
 *                              positions)
 *   u8 LD size                 10 on x86 (80-bit extended)
 *   varint nops, nops x u8     the op kinds, checked against the stage
 *   varint n, n x (varint seq, varint records, varint file)
 *                              records folded per chunk and the chunk's
 *                              input file (its index), for the record
 *                              numbers of error messages (counted within
 *                              the file)
 *   u8 error code              0, 65 (bad data) or 74 (spill I/O); then
 *     for 65: varint seq, varint index (the record's position), u8
 *             what (1: not a number, 2: no such field, 3: malformed
 *             CSV), varint field, varint op index, varint number of
 *             fields the record has, varint the record's input byte
 *             offset plus one (0: not known, a map stage rewrote the
 *             block), varint file (its index), varint len, the file's
 *             name as messages give it (empty: not known), varint len,
 *             the value (at most 65 bytes) or the CSV error
 *     for 74: varint len, the message
 *   and no entries when there is an error.
 *   entries to the end, each: varint length of the rest, varint key
 *   length, key, varint records, then one state per op:
 *     count     nothing (the records count)
 *     sum, mean u8 scale, zz exact sum x 10^scale, u8 float part used,
 *               [LD sum, LD compensation]
 *     min, max  u8 flags (1: has a value, 2: the first position is
 *               known, bits 2-3: the first value was NaN (1) or -NaN (2)),
 *               [LD value, varint seq, varint index], [varint seq and
 *               varint index of the first value]
 *     stdev     varint n, u8 mode; mode 0 (exact): u8 scale, zz sum,
 *               zz sum of squares (x 10^scale and 10^2scale);
 *               mode 1: LD mean, LD M2 (Welford/Chan)
 *     distinct  varint n, n x (varint len, value)
 *     first,    u8 has a value, [varint seq, varint index, varint len,
 *     last      value]
 *     full      as first: the group's first record; then one more such
 *               state for each min, max, absmin, absmax, first and last
 *               op before it, the record at that op's position
 *               (aggfull.c: the record --full prints is chosen from
 *               these)
 *     median .. trimmean (the order statistics)
 *               varint n, n x LD: the group's numbers sorted by value
 *               (-0 before 0, NaNs last); the order statistics of one
 *               field share one list: the first writes it, the others
 *               nothing (agg_op.shared)
 *     sskew .. harmmean (the moments)
 *               varint n, n x (varint seq, varint index, LD): the
 *               group's numbers with their input positions, in input
 *               order; shared by the moments of one field as above
 *     unique    as distinct
 *     collapse  varint n, n x (varint seq, varint index, varint len,
 *               value), in input order
 *     pstdev, pvar, svar, ms, rms   as stdev
 *     range     two states as min's: the minimum, then the maximum
 *     absmin,   as min (the value of least or greatest magnitude)
 *     absmax
 *     pcov, scov, ppearson, spearson, dotprod
 *               varint n, u8 mode; mode 0 (exact): u8 scale of x, u8
 *               scale of y, zz sums of x, y, xy, x^2, y^2 (x 10^ their
 *               scales); mode 1: LD mean x, LD mean y, LD co-moment,
 *               LD M2 x, LD M2 y, LD sum of xy, LD its compensation
 *     count:F under --narm: varint the values not missing
 *     mean under --narm: as sum, then varint the values summed
 *
 * A key may appear in several entries (a worker that spilled); merging
 * combines them.  Entries of one key may follow one another in a run or
 * partial: a group whose lists are long (numbers, collapse's values, a
 * distinct set; beyond a run reader's share, memory / (RUNS_MAX + 1),
 * 4 KiB at least) is written as several, the first with the records and
 * every state, the others with no records and empty states (a new
 * group's) but for their slices of the lists, each in its list's order,
 * a distinct set's slices disjoint (aggsplit.c).  The format is the
 * same: readers that combine entries read them.
 *
 * Memory.  The table's bytes (arena, slots, and 32 bytes a group for the
 * sort it may need) are checked after every record folded and entry
 * merged; beyond the stage's budget the table is written to a temporary
 * file as a run (entries of the form above, sorted by key, one per key)
 * and started afresh.  Every 64 to 256 runs (as many as the budget
 * gives a 64 KiB read buffer each) are merged into one, so the end reads
 * at most that many: it merges them in key order, combining a key's
 * entries in the order of the runs, and streams the groups out.  When
 * every op's state is of fixed size (no lists or sets), slice by slice
 * of keys, each run giving a slice at most 16 KiB of entries (less when
 * a quarter of the budget could not hold the slice's table), combined
 * in a hash table that fits the caches and then sorted
 * (agg_slicefinish.c); otherwise with a loser tree (runs.h), each key's
 * entries in a small table of its own.  A worker keeps
 * one partial across the chunks it takes (src/engine/worker_table.c) and
 * sends its runs and its table when the supervisor asks, or at the end
 * of a chunk once it has spilled or holds three quarters of its budget
 * (agg_part_full).  The merger keeps a partial of 4 MiB or more, or any
 * once its own table is big, as runs (its sorted stretches) rather than
 * hashing its keys in.
 *
 * The fold.  Once a table has outgrown the cache (16384 groups, or
 * distinct values), plainly split records go through a pipeline of
 * batches that reads each record's slot, then entry, then its first
 * distinct op's value entry ahead of folding it (agg.c).
 *
 * Value lists (aggvals.h).  The order statistics, the moments and
 * collapse keep every value of a group: 16 bytes a number (a moment's:
 * 26 bytes, with its input position; collapse: 20 bytes and the value),
 * in chunks in the table's arena, so they count against the budget and
 * spill with their groups like any state.  Where runs are merged
 * (compaction, the finish) a key's entries are combined in a small
 * table; a key that takes more than a quarter of the budget there does
 * not stay in memory (ostat_stream.h): compaction writes it out as
 * several entries and goes on, and the finish moves its lists of numbers
 * to external sorts on disk (valsort.h) and computes their results from
 * cursors over them, with the same code as in memory; its distinct sets
 * (distinct, countunique, unique) and collapse's values go to external
 * sorts of variable-length values likewise (set_stream.h), and group
 * writes their text as it reads it (agg_format_stream), not as a line
 * built whole.  So a group of any size takes about the budget, and no
 * more than its values on disk a few times over.
 * The order statistics are computed from the values sorted, the moments
 * from the values in input order (their positions sorted), with
 * datamash's arithmetic in datamash's order (ostat.h): so they equal
 * datamash's byte for byte and do not depend on -j, the chunk size or
 * spilling.
 *
 * The engine's files: aggpart.h lists them. */
#ifndef FORKPIPE_AGG_H
#define FORKPIPE_AGG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "fieldlist.h"
#include "num.h"
#include "stage.h"

enum agg_kind {
	AGG_COUNT,
	AGG_SUM,
	AGG_MIN,
	AGG_MAX,
	AGG_MEAN,
	AGG_STDEV,
	AGG_DISTINCT,
	AGG_FIRST,
	AGG_LAST,
	/* order statistics and moments: from the group's sorted values
	 * (aggvals.h, ostat.h) */
	AGG_MEDIAN,
	AGG_Q1,
	AGG_Q3,
	AGG_IQR,
	AGG_PERC,
	AGG_MODE,
	AGG_ANTIMODE,
	AGG_MAD,
	AGG_MADRAW,
	AGG_TRIMMEAN,
	AGG_SSKEW,
	AGG_PSKEW,
	AGG_SKURT,
	AGG_PKURT,
	AGG_DPO,
	AGG_JARQUE,
	AGG_GEOMEAN,
	AGG_HARMMEAN,
	/* value lists of text */
	AGG_UNIQUE,
	AGG_COLLAPSE,
	/* the fixed-state datamash ops (aggmoments.c) */
	AGG_PSTDEV,		/* from struct s_var, as stdev */
	AGG_PVAR,
	AGG_SVAR,
	AGG_MS,			/* mean square */
	AGG_RMS,
	AGG_RANGE,		/* struct s_range: a min and a max */
	AGG_ABSMIN,		/* struct s_mm, compared by magnitude */
	AGG_ABSMAX,
	AGG_PCOV,		/* two fields: struct s_cov */
	AGG_SCOV,
	AGG_PPEARSON,
	AGG_SPEARSON,
	AGG_DOTPROD,
	AGG_NCOUNT,		/* count:F under --narm: the values not missing */
	AGG_NMEAN,		/* mean under --narm: struct s_nsum */
	AGG_FULL,		/* a group's whole records (--full, rmdup):
				 * aggfull.c */
};

struct agg_op {
	enum agg_kind kind;
	char *text;		/* as written ("sum:3"), for messages */
	char *name;		/* a header name, until bound */
	size_t field;		/* 1-based; 0 for count */
	size_t off;		/* the state's offset in an entry's state */
	int numslot;		/* per-record parsed number, shared by the ops
				 * reading the same field; -1: none */
	long double param;	/* perc: the percentile; trimmean: the fraction */
	bool shared;		/* the state is an earlier op's (the value list
				 * of the same field): not folded, sent or
				 * merged again */
	size_t field2;		/* two-field ops (pcov:F1:F2): the second */
	char *name2;		/* its header name, until bound */
	int numslot2;
};

/* What to group by and what to compute: built at setup, bound to the
 * header, then read-only (the workers share it). */
struct agg_spec {
	const char *stage;	/* the stage's name, for messages */
	bool whole;		/* the key is the whole record */
	struct fieldlist keylist;	/* -k as given */
	size_t *keys;		/* 0-based key fields, after bind */
	size_t nkeys;
	struct agg_op *ops;
	size_t nops;
	size_t maxfield;	/* split records this far */
	size_t statesize;	/* bytes of state per group */
	int nnum;		/* number slots */
	bool narm;		/* skip missing values (agg_is_na) */
	char **na;		/* more markers of a missing value (--na) */
	size_t nna;
	bool keys_strict;	/* a key field a record lacks is an error
				 * (rmdup, crosstab), not empty */
	char *numfmt;		/* printf format of numeric results (-R,
				 * --format, with the L added); NULL: %.14Lg */
};

/* Parse -k KEYS (NULL: the whole record when whole, else one group). */
int agg_spec_keys(struct agg_spec *s, const char *stage, const char *keys, bool whole, char **err);
/* Add an op ("count", "sum:3", "distinct:name"). 0, or -1 with *err. */
int agg_spec_op(struct agg_spec *s, const char *text, char **err);
/* Add the op that keeps the whole record --full prints (rmdup: the
 * group's first), after every other op. */
void agg_spec_full(struct agg_spec *s);
/* Resolve header names and lay the state out.  0, or -1 with *err. */
int agg_spec_bind(struct agg_spec *s, const struct header *h, char **err);
void agg_spec_free(struct agg_spec *s);

/* The group stage's datamash options (agg_opts.c). */
/* --narm: skip NA, N/A and NaN (any case) and the markers of list (a
 * comma-separated list, or NULL).  0, or -1 with *err. */
int agg_spec_narm(struct agg_spec *s, const char *list, char **err);
/* Whether v is a missing value under --narm. */
bool agg_is_na(const struct agg_spec *s, const char *v, size_t len);
/* -R N (round >= 0) or --format FMT (fmt non-NULL): how numeric results
 * print (replacing what an earlier call set).  0, or -1 with *err for a
 * format datamash refuses. */
int agg_spec_numfmt(struct agg_spec *s, const char *fmt, long round, char **err);
/* The same from stage st's "round" and "format" options: both checked,
 * and of both the one given later wins, as in datamash. */
int agg_stage_numfmt(struct agg_spec *s, const struct stage *st, char **err);
/* The op's name as datamash's --header-out prints it. */
const char *agg_op_name(enum agg_kind k);
/* Whether the op's result is a number (-R and --format apply). */
bool agg_op_numeric(enum agg_kind k);

struct agg_part;

/* A partial for stage st (its budget, tmpdir, format and terminator). */
struct agg_part *agg_part_new(const struct agg_spec *s, const struct stage *st);
void agg_part_free(void *part);
/* Whether the partial spilled, holds 3/4 of its budget or more, or its
 * last chunk (not its first) made a new group of most of its records. */
bool agg_part_full(const void *part);
void agg_fold(struct agg_part *p, const struct block *b);
void agg_encode(struct agg_part *p, struct buf *out);
/* 0, or -1 when the bytes are not a partial of this spec. */
int agg_merge(struct agg_part *p, const char *data, size_t len);

/* One group, as the finish callback sees it. */
struct agg_group {
	const char *key;
	size_t klen;
	uint64_t count;		/* records */
	const struct agg_part *part;
	uint64_t off;		/* the entry */
};

/* Called for each group in key order: 0, or an exit code (with the
 * message where the callback's owner keeps it) that stops the walk. */
typedef int (*agg_group_fn)(void *ctx, const struct agg_group *g);

/*
 * Every group in key order, equal keys of the spilled runs combined.
 * 0, the first non-zero code fn returned, or an exit code of its own
 * with *err: 65 for bad input (the earliest by input order), 74 when a
 * spill file fails.
 */
int agg_finish(struct agg_part *p, agg_group_fn fn, void *ctx, char **err);
/* The same for a callback that only appends each group's output to out
 * (no state from one group to the next): a large partial's key range
 * may then be finished in several processes at once, each writing its
 * part to a temporary file that is handed to out's sink in key order
 * (agg_rangefinish.c). */
struct agg_out;
int agg_finish_out(struct agg_part *p, agg_group_fn fn, void *ctx, struct agg_out *out,
    char **err);
/* The CPU time the finish's helpers took in this process's run so far
 * (counted in the supervisor's figures). */
void agg_rangefinish_cpu(uint64_t *user_us, uint64_t *sys_us);

/* The key's fields (nkeys of them, or one for whole records) into v,
 * which has room for them; values may point into scratch. */
void agg_key_fields(const struct agg_spec *s, const char *key, size_t klen, struct field *v,
    struct buf *scratch);
/* Append op i's result for g as text. */
void agg_format(const struct agg_group *g, size_t i, struct buf *out);
/* The input position of first/last/full op i's value (agg.h). */
void agg_pos(const struct agg_group *g, size_t i, uint64_t *seq, uint64_t *idx);
/* Op i's result as a number (sum and count: for top's ranking). */
long double agg_value(const struct agg_group *g, size_t i);

/* Collects output records into pieces of about 1 MiB for a sink. */
struct agg_out {
	struct sink *sink;
	struct buf b;
};
/* Hand the collected bytes to the sink when there are enough of them
 * (or always, with force).  0 or the sink's code. */
int agg_out_flush(struct agg_out *o, bool force);
/* Whether op i's text for g (unique, collapse of a group too big for
 * memory) is to be written with agg_format_stream rather than built
 * whole by agg_format. */
bool agg_format_streams(const struct agg_group *g, size_t i);
/* Write it as a field of format f (CSV quoted as fields_join would) to
 * o, handed to the sink as it grows.  0, or an exit code. */
int agg_format_stream(const struct agg_group *g, size_t i, const struct format *f,
    struct agg_out *o);
/* After the last record (rc 0, else the code to keep): flush, free the
 * buffer.  rc, or the sink's code. */
int agg_out_end(struct agg_out *o, int rc);
/* The format group and top print in: the input's, but tabs for blank-
 * separated input (as datamash). */
struct format agg_out_format(const struct format *f);

/* The names datamash's --header-out gives fields: the input header's,
 * else field-N (JSON Lines: the paths' text). */
struct agg_names {
	char **v;
	size_t n;
	const struct jpaths *paths;
};
/* Take the names of header h (NULL: none), freeing the old ones. */
void agg_names_bind(struct agg_names *nm, const struct header *h);
void agg_names_free(struct agg_names *nm);
/* Append field f's (1-based) name. */
void agg_put_name(const struct agg_names *nm, size_t f, struct buf *b);
/* Append op's column name: OP(NAME), perc:P(NAME), a two-field op
 * named by its second field, as datamash does. */
void agg_put_op_name(const struct agg_names *nm, const struct agg_op *op, struct buf *b);

/* Bind s now when its fields are all numbers (a header may still come,
 * and binds the same); else the stage's bind does.  0, or -1 with *err. */
int agg_spec_ready(struct agg_spec *s, char **err);

/*
 * The stage callbacks group, uniq and top share.  Their st->priv is a
 * struct that begins with the struct agg_spec and owns no other memory
 * (teardown frees the spec and the struct).
 */
int agg_stage_bind(struct stage *st, const struct header *h, char **err);
void agg_stage_teardown(struct stage *st);
void *agg_stage_partial_new(struct stage *st);
void agg_stage_fold(struct stage *st, void *partial, const struct block *b);
void agg_stage_encode(struct stage *st, const void *partial, struct buf *out);
int agg_stage_merge(struct stage *st, void *partial, const char *data, size_t len);

/* Their stage_def fields but for the name, the docs, the options, setup
 * and finish. */
#define AGG_STAGE_CALLBACKS \
	.bind = agg_stage_bind, \
	.teardown = agg_stage_teardown, \
	AGG_PARTIAL_CALLBACKS

/* The same but for bind and teardown: for a stage with its own. */
#define AGG_PARTIAL_CALLBACKS \
	.kind = STAGE_REDUCE, \
	.partial_new = agg_stage_partial_new, \
	.fold = agg_stage_fold, \
	.encode = agg_stage_encode, \
	.merge = agg_stage_merge, \
	.partial_free = agg_part_free, \
	.lasting = true, \
	.partial_full = agg_part_full

#endif
