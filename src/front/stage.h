/* stage.h - the stage table and the option parsing shared by the command
 * line and YAML.
 *
 * Each stage declares its name, options, arguments and callbacks in one
 * struct stage_def.  That single declaration drives the -e SPEC parser,
 * the YAML loader, --help and the man page. */
#ifndef FORKPIPE_STAGE_H
#define FORKPIPE_STAGE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "fieldlist.h"
#include "fields.h"

#define NREC_UNKNOWN SIZE_MAX

/*
 * A block of whole records, each ending with the terminator.  The block
 * belongs to the worker: a map stage may rewrite it in place (grep
 * compacts the records it keeps) or point data at its own storage.
 */
struct block {
	char *data;
	size_t len;
	size_t nrec;	/* number of records, or NREC_UNKNOWN */
	uint64_t offset;	/* input offset of data[0], or OFFSET_UNKNOWN once a
				 * stage has rewritten the block: for messages */
	uint64_t seq;	/* the chunk's sequence number (input order; 0 in
			 * the merger): reducers order first/last by it */
	bool supplied;	/* its last terminator is not the input's but was
			 * supplied (the end of a file that lacks one): a
			 * copy leaves it out, count -c does not count it */
	const struct jval *jv;	/* JSON Lines, the block as read: the values of
				 * the job's paths in each record in turn (the
				 * worker's scan validated them), so the first
				 * stage need not scan again; NULL otherwise */
	const char *name;	/* the input's name for messages ("stdin" for
				 * standard input), or NULL: set by the worker
				 * before a reducer folds the block */
	uint32_t file;		/* the input's index (with name) */
	/* --reject, set by the worker before a reducer folds the block: a
	 * record the reducer's ops cannot take (a number that does not
	 * parse, a field it lacks) goes here, whole with its terminator,
	 * at its input offset (OFFSET_UNKNOWN once rewritten), instead of
	 * failing the run; NULL: it fails the run. */
	void (*reject)(void *ctx, const char *rec, size_t len, uint64_t offset);
	void *reject_ctx;
};

#define OFFSET_UNKNOWN UINT64_MAX

enum opt_type {
	OPT_FLAG,	/* -F / fixed: true */
	OPT_STRING,	/* takes a value */
	OPT_INT,	/* takes a non-negative integer */
	OPT_LIST,	/* takes a value and may repeat: values in order */
};

struct stage_opt {
	const char *name;	/* long name; also the YAML key */
	char letter;		/* short option letter, or 0 */
	enum opt_type type;
	const char *help;
	const char *arg;	/* what the value is, for --help (LIST, CHAR);
				 * NULL: N for a number, VALUE otherwise */
};

struct stage_arg {
	const char *name;	/* also the YAML key */
	const char *help;
	bool many;		/* the last argument only: one or more words (a
				 * YAML list, or one scalar) */
};

struct optval {
	bool set;
	unsigned given;	/* when it was last set: the stage's options count
			 * up from 1 in the order given (stage_given) */
	long num;
	char *str;
	char **list;	/* OPT_LIST options and "many" arguments */
	size_t nlist;
};

enum stage_kind {
	STAGE_MAP,	/* record transform, runs in workers, keeps order */
	STAGE_REDUCE,	/* folds records into a mergeable partial state */
};

struct stage;

/*
 * Where a stage that makes records as they come (exec) hands them on
 * while its map or end runs, so that its output never has to be held
 * whole: put runs b through the stages after it (set up by the worker,
 * or by the merger after a reducer) and returns 0, STAGE_ENOUGH when
 * those stages want no more records of this chunk (head has its count:
 * the stage may stop), or an exit code with *err set.
 */
struct stage_out {
	int (*put)(struct stage_out *o, struct block *b, char **err);
	void *ctx;
	size_t next;	/* the index of the stage after this one */
};

#define STAGE_ENOUGH (-2)

/*
 * Where a reducer's finish writes its result: blocks of whole records in
 * output order.  put may rewrite the bytes (the stages after the reducer
 * run on them in place).  It returns 0, or an exit code with err set,
 * after which finish must stop and return that code.
 */
struct sink {
	int (*put)(struct sink *s, char *data, size_t len);
	void *ctx;
	char *err;
};

struct stage_def {
	const char *name;
	const char *summary;		/* one line for --help */
	const char *description;	/* a paragraph for the man page */
	enum stage_kind kind;
	bool keeps_header;		/* a reducer whose records are input records
					 * (sort): the -H header stays on top */
	const struct stage_opt *opts;	/* terminated by a NULL name */
	const struct stage_arg *args;	/* required positionals, NULL-terminated */
	const char *const *last_arg_instead;	/* options that stand for the last
						 * positional when given (grep's -e
						 * and -f), NULL-terminated; or NULL */

	/* Once, before the workers fork: validate, compile.  0 or -1 with *err. */
	int (*setup)(struct stage *st, char **err);
	/* After setup, once the header is known (h is NULL without --header),
	 * still before the workers fork: resolve field names (join also loads
	 * its lookup file here).  NULL if the stage names no fields.  0, -1
	 * with *err (a usage error), or an exit code with *err (join: 66 for
	 * a lookup file that cannot be opened). */
	int (*bind)(struct stage *st, const struct header *h, char **err);
	/* Map the header's fields as the stage maps records' fields (cut
	 * selects some); NULL when the stage leaves the header as it is. */
	void (*header)(struct stage *st, struct fieldvec *h);
	void (*teardown)(struct stage *st);

	/*
	 * STAGE_MAP: transform a block.  0, or with *err: -1 for an internal
	 * failure (exit 70) or an exit code such as EXIT_DATAERR (65) for bad
	 * input.  The worker prefixes the message with the input's name.
	 */
	int (*map)(struct stage *st, struct block *b, char **err);
	/* A map stage with state across blocks (head counts records): a
	 * worker calls reset at the start of every chunk.  NULL if stateless. */
	void (*reset)(struct stage *st);
	/* A map stage that may want no more records of the chunk (or, after
	 * a reducer, of the stream): head, once it has its count.  NULL if
	 * it always wants more. */
	bool (*sated)(const struct stage *st);
	/* A map stage that holds records back (exec): at the end of every
	 * chunk (after a reducer: of the stream), the records it still has
	 * into b, whose seq is the chunk's.  Returns as map does.  NULL for
	 * stages that hold nothing. */
	int (*end)(struct stage *st, struct block *b, char **err);

	/* STAGE_REDUCE: partial states, serialised as bytes so the same merge
	 * serves worker results and, later, results from other machines. */
	void *(*partial_new)(struct stage *st);
	void (*fold)(struct stage *st, void *partial, const struct block *b);
	void (*encode)(struct stage *st, const void *partial, struct buf *out);
	int (*merge)(struct stage *st, void *partial, const char *data, size_t len);
	/* Write the result to out in pieces of whole records (about a
	 * megabyte or more each, so memory stays bounded): 0, or the first
	 * non-zero code out->put returned, or an exit code of its own (such
	 * as EXIT_IOERR when a spill file cannot be read) with *err set
	 * (to "" for a failure that says nothing: sort -C, see fatal_stage). */
	int (*finish)(struct stage *st, void *partial, struct sink *out, char **err);
	void (*partial_free)(void *partial);
	/* A partial may fold several chunks, in input order, and be sent
	 * once for all of them (worker_table.c): its merge does not depend
	 * on which chunks each partial holds. */
	bool lasting;
	/* With lasting: whether the partial has taken its share of memory
	 * (it spilled, or it is 3/4 of its budget), so that it is sent now:
	 * what is sent at once stays bounded.  NULL: never. */
	bool (*partial_full)(const void *partial);
};

struct stage {
	const struct stage_def *def;
	struct optval *opts;	/* one per def->opts entry */
	struct optval *args;	/* one per def->args entry */
	unsigned ngiven;	/* options set so far */
	char term;		/* record terminator */
	const struct format *fmt;	/* how records split into fields */
	char *origin;		/* where it was declared, for messages */
	bool from_config;	/* declared in YAML: errors are config errors */
	uint64_t memory;	/* bytes a reducer's state may take in one process
				 * before it spills to tmpdir; 0: no limit */
	uint64_t memory_total;	/* --memory: the whole run's budget (join's
				 * lookup, shared by every process, takes half) */
	uint64_t memory_finish;	/* a reducer's finish in the merger, once the
				 * workers are gone: their shares too; 0: memory */
	uint64_t memory_worker;	/* a reducer's state in a worker; 0: memory */
	const char *tmpdir;	/* where spill files go ($TMPDIR, --tmpdir) */
	uint64_t max_record;	/* --max-record: the longest record a stage that
				 * makes records (exec) may hold; 0: no limit */
	uint64_t seq_base;	/* merge adds this to the chunk numbers of the
				 * partial it merges (merging partial files) */
	unsigned procs;		/* processes a reducer's finish may split its
				 * work over (--jobs; agg_rangefinish.c) */
	bool from_files;	/* forkpipe merge: the partials come from files,
				 * where an error report is damage (a run that
				 * makes one fails, and its file is not kept) */
	char *const *inputs;	/* the job's inputs ("-" is stdin), for
				 * messages that name them (sort -c) */
	size_t ninputs;
	struct stage_out *out;	/* a stage with an end callback: where it hands
				 * records on as they come (see stage_out) */
	void *priv;		/* the stage's own state after setup */
};

/* Whether some stage of stages[from..to) wants no more records. */
bool stages_sated(struct stage *const *stages, size_t from, size_t to);

/* The table of all stages, NULL-terminated. */
extern const struct stage_def *const stage_table[];

const struct stage_def *stage_find(const char *name);

/* A new instance of def with no options set. */
struct stage *stage_new(const struct stage_def *def, const char *origin);
void stage_free(struct stage *st);

/*
 * Parse a command-line SPEC ("grep -F 'a b'") into a stage.  Returns
 * NULL with a message in *err naming the stage and the bad word.
 */
struct stage *stage_from_spec(const char *spec, char **err);

/* Set one option or argument by its long name (the YAML form).  A flag
 * takes "true"/"false". 0, or -1 with *err. */
int stage_set(struct stage *st, const char *key, const char *value, char **err);

/* Check that every argument is given. 0, or -1 with *err. */
int stage_check(const struct stage *st, char **err);

/* Accessors by long name, for the stages' own code. */
bool stage_flag(const struct stage *st, const char *name);
long stage_num(const struct stage *st, const char *name, long dflt);
const char *stage_str(const struct stage *st, const char *name);
/* When option name was last set (larger: later), 0 if not: for options
 * of which the later given wins, as datamash's -R and --format. */
unsigned stage_given(const struct stage *st, const char *name);
const char *stage_arg(const struct stage *st, const char *name);
/* The values of an OPT_LIST option or a "many" argument, in order
 * (*n of them; 0 when not given). */
char *const *stage_list(const struct stage *st, const char *name, size_t *n);

/* The stage definitions, one per file under stages/. */
extern const struct stage_def stage_grep;
extern const struct stage_def stage_count;
extern const struct stage_def stage_cut;
extern const struct stage_def stage_sub;
extern const struct stage_def stage_filter;
extern const struct stage_def stage_group;
extern const struct stage_def stage_uniq;
extern const struct stage_def stage_rmdup;
extern const struct stage_def stage_crosstab;
extern const struct stage_def stage_top;
extern const struct stage_def stage_sort;
extern const struct stage_def stage_head;
extern const struct stage_def stage_exec;
extern const struct stage_def stage_join;

/* head's COUNT, once set up. */
uint64_t stage_head_limit(const struct stage *st);
/* grep's -m (UINT64_MAX without), whether it numbers records (-n), and
 * how many records it read in the current chunk (the merger adds them
 * up to number the next chunk's). */
uint64_t stage_grep_limit(const struct stage *st);
bool stage_grep_numbers(const struct stage *st);
uint64_t stage_grep_seen(const struct stage *st);
/* grep -o -m as the workers' last stage: the workers write whole
 * records, which the merger cuts after N and then takes the matching
 * parts of: into out (p[0..len) whole records, numbered for -n).  0, or an
 * exit code with *err. */
void stage_grep_defer_parts(struct stage *st);
int stage_grep_parts(struct stage *st, const char *p, size_t len, struct buf *out, char **err);
/* count with at most n records (grep -m N -c). */
void stage_count_cap(struct stage *st, uint64_t n);

/* --to: the output format, written by a hidden last stage (stages/to.c). */
enum to_kind { TO_NONE, TO_JSONL, TO_TSV, TO_CSV };
extern const char *const to_kind_names[];	/* by enum to_kind; NULL-ended */
/* The stage, splitting records as in says; names_first: its first record
 * is a reducer's --header-out line, the names of jsonl's keys. */
struct stage *stage_to_new(enum to_kind kind, const struct format *in, bool names_first);
/* JSON input to tsv or csv: the columns, indexes of the job's paths; and,
 * once the paths are all bound, room for their values. */
void stage_to_columns(struct stage *st, const size_t *idx, size_t n);
void stage_to_ready(struct stage *st);
/* The header line's fields (v[0..n) mapped by the stages; for JSON input
 * the columns' paths) onto out in the output format, without terminator:
 * 0, or 0 and nothing for jsonl (the names become keys), -1 when TSV
 * cannot hold a name. */
int stage_to_header_line(struct stage *st, const struct field *v, size_t n, struct buf *out);
/* cut -f of --json records: the selected paths' indexes into *idx (to be
 * freed); 0 for another cut. */
size_t stage_cut_paths(const struct stage *st, size_t **idx);

/* In a worker: the exec stage's commands (each in a process group of its
 * own) are stopped with the worker on SIGTERM (see stages/exec.c).  The
 * groups are also recorded in groups[0..EXEC_GROUPS_MAX), memory shared
 * with the supervisor, which kills them when the worker dies. */
#define EXEC_GROUPS_MAX 64
void exec_isolate_commands(volatile sig_atomic_t *groups);

#endif
