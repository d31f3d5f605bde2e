/* worker_int.h - what the worker's files share (worker.c, worker_bgzf.c, worker_zstd.c,
 * worker_placed.c, worker_piece.c, worker_keep.c): a worker's state and the functions
 * one of them defines for the others.  The supervisor uses worker.h. */
#ifndef FORKPIPE_WORKER_INT_H
#define FORKPIPE_WORKER_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "buf.h"
#include "chunker.h"
#include "frame.h"
#include "job.h"
#include "meter.h"
#include "spill.h"

#define BLOCK_SIZE (1 << 20)

struct worker {
	const struct job *job;
	struct chunker *chunker;	/* this process's copy: opens inputs */
	int result_fd;
	char term;
	uint64_t seq;		/* chunk being processed */
	struct buf gather;	/* small outputs waiting for a frame */
	struct buf read;	/* file bytes being processed */
	size_t walked;		/* CSV records found by the last walk for record
				 * ends, or NREC_UNKNOWN: stages need not count */
	struct buf jv;		/* JSON Lines: the values of the job's paths in
				 * each record of the block, as validated */
	bool jv_ready;		/* jv describes the block about to run */
	struct buf rejects;	/* --reject: the chunk's records that did not
				 * parse, as FRAME_REJECT's payload */
	void *partial;		/* the reducer's partial for this chunk */
	const char *name;	/* the input being processed, for messages */
	int out_fd;		/* placed output (see worker_placed.c), or -1 */
	const char *out_name;
	struct buf out;		/* placed output of the chunk being processed */
	struct buf spare;	/* a written chunk's buffer, for the next chunk:
				 * fresh pages fault, reused ones do not */
	struct held *held;	/* chunks whose output awaits its offset */
	size_t nheld;
	struct compressor *z;	/* compressing: the chunk's output is gathered in
				 * out, then compressed into piece */
	struct buf piece;
	struct buf dict;
	bool dict_known;	/* the input before the chunk is the output before
				 * its output (a copy of a file) */
	bool copy;		/* no stage, no header: the output is the input's
				 * bytes exactly (as cat gives them) */
	const char *supplied;	/* the terminator terminate() supplied to the
				 * records being run, or NULL */
	bool runs_commands;	/* a stage runs commands: set their environment */
	bool hold_all;		/* --keep-going: a chunk's output is held to its end */
	char *skipped;		/* --keep-going: why the chunk's output is dropped */
	struct spillfile keep;	/* --keep-going: where held output beyond
				 * KEEP_MEM goes (an unlinked temporary file) */
	uint32_t file;		/* the chunk's input, offset and length */
	uint64_t offset;
	uint64_t length;
	struct gz_inflater *gz;	/* BGZF input: members inflated here */
	struct zstd_frame_decoder *zd;	/* multi-frame zstd input: frames, here */
	struct zstd_decoder *zs;	/* and the first records of the frame after */
	bool zframes;		/* the range's members are zstd frames */
	bool zexact;		/* and their sizes are known */
	struct buf comp;	/* compressed bytes read ahead */
	uint64_t comp_at;	/* their file offset */
	struct gzp_worker *gzp;	/* indexed gzip input (worker_gzpoint.c) */
	struct stage_out *outs;	/* by stage index: where a stage that runs
				 * commands hands its output on (pass_on) */
	uint64_t in_pass;	/* CPU spent handing on: the later stages' */
	struct meter meter;	/* the chunk's figures, when asked for */
	unsigned char *stats_frame;	/* and their FRAME_STATS, encoded */
	bool lasting;		/* partial kept across chunks (worker_table.c) */
	bool table_any;		/* it has folded a chunk not yet sent */
	uint64_t table_last;	/* the last chunk it folded */
};

/* worker.c */
/* Fail the chunk: an error frame to the supervisor, then exit with code. */
void __attribute__((noreturn, format(printf, 3, 4)))
worker_fail(struct worker *w, int code, const char *fmt, ...);
/* Run the stages over data[0..len), whole records at input offset
 * offset (nrec of them, or NREC_UNKNOWN). */
void worker_run_block(struct worker *w, char *data, size_t len, uint64_t offset, size_t nrec);
/* worker_json.c: validate the JSON records of data[0..len) and keep their
 * paths' values for the block's first stage; the records before a bad
 * one are run at once, the bad one fails the run (or, with --reject, is
 * set aside).  Returns where the records still to run start. */
size_t worker_scan_json(struct worker *w, char *data, size_t len, uint64_t offset);
/* worker_reject.c: --reject.  Record data[0..len), at input offset
 * offset, goes to the reject file (in the chunk's FRAME_REJECT). */
void worker_reject(struct worker *w, const char *data, size_t len, uint64_t offset);
/* The same for struct block's reject (ctx: the worker). */
void worker_reject_cb(void *ctx, const char *data, size_t len, uint64_t offset);
/* Strict CSV: set the malformed records of data[0..len) aside, the
 * records before each run first; where the records still to run start. */
size_t worker_scan_csv(struct worker *w, char *data, size_t len, uint64_t offset);
void worker_send_frame(struct worker *w, uint32_t type, uint32_t more,
    const struct iovec *iov, int n);
/* Send gathered output plus extra (which may be empty) as one frame. */
void worker_flush(struct worker *w, const char *extra, size_t n, uint32_t more);
int worker_input_fd(struct worker *w, uint32_t file);
void worker_run_records(struct worker *w, char *data, size_t len, uint64_t offset);
size_t worker_last_end(struct worker *w, char *data, size_t len, uint64_t offset);
size_t worker_whole(struct worker *w, struct buf *b, uint64_t offset);
void worker_check_record(struct worker *w, uint64_t len, uint64_t offset);

/* worker_keep.c */
void worker_keep(struct worker *w, const char *data, size_t len);
void worker_keep_reset(struct worker *w);
void worker_send_kept(struct worker *w);

/* worker_bgzf.c */
void worker_do_bgzf(struct worker *w, const struct frame_range *r, const struct gz_member *m,
    size_t n);

/* worker_zstd.c */
void worker_zstd_frame(struct worker *w, const struct gz_member *m, const char *in, bool exact);
void worker_zstd_head(struct worker *w, int fd, const struct gz_member *m);

/* worker_cut.c: ranges cut where no record ends (BGZF, zstd frames,
 * gzip index points).  base is the input offset of w->read's first
 * byte, UINT64_MAX when unknown (a zstd frame that does not state its
 * size), which stays so. */
uint64_t worker_past(uint64_t base, size_t k);
/* The first terminator in w->read from from on, or NULL; with odd, the
 * first outside quotes, *odd the quote state at from (then where the
 * scan stopped: see csv_parity_end). */
char *worker_first_end(struct worker *w, size_t from, int *odd);
/* Drop w->read's bytes through t (the end of a record not this range's). */
void worker_drop_through(struct worker *w, const char *t, uint64_t *base);
/* Once w->read holds a block, run its complete records and keep the
 * rest (a record longer than the block is checked against --max-record). */
void worker_run_complete(struct worker *w, uint64_t *base);

/* worker_gzpoint.c */
void worker_do_gzpoint(struct worker *w, const struct frame_range *r, const struct gzindex *ix);

/* worker_placed.c */
void worker_hold_output(struct worker *w);
void worker_write_held(struct worker *w, uint64_t seq, const struct buf *payload);

/* worker_table.c */
/* Chunk seq begins: the partial kept, or a new one (the kept one sent
 * first when seq comes before a chunk it holds). */
void worker_table_begin(struct worker *w, uint64_t seq);
/* The chunk is folded into the kept partial: FRAME_FOLDED. */
void worker_table_folded(struct worker *w);
/* Send the kept partial, if it holds a chunk (FRAME_PARTIAL, aux 1). */
void worker_table_send(struct worker *w);

/* worker_piece.c */
void worker_send_piece(struct worker *w);

#endif
