/* worker.c - the worker loop: task -> stages -> framed result.
 *
 * A chunk is processed in blocks of about one megabyte, small enough to
 * stay in the CPU cache between reading and matching.  A block's output
 * is written straight from the block when it is large, and gathered
 * with the next blocks' output when it is small, so that every result
 * frame carries at least FLUSH_MIN bytes or ends a chunk. */
#include "autoconfig.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>	/* setrlimit: --max-memory-per-worker */
#include <unistd.h>

#include "buf.h"
#include "compress.h"
#include "csv.h"
#include "frame.h"
#include "gzip_in.h"
#include "gzip_out.h"
#include "meter.h"
#include "record.h"
#include "scan.h"
#include "spill.h"
#include "util.h"
#include "worker.h"

#define BLOCK_SIZE (1 << 20)
#define FLUSH_MIN (64 * 1024)
#define KEEP_MEM (4 << 20)	/* --keep-going: a chunk's output held in memory */

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
	void *partial;		/* the reducer's partial for this chunk */
	const char *name;	/* the input being processed, for messages */
	int out_fd;		/* placed output (see place_output), or -1 */
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
	int keep_fd;		/* --keep-going: where held output beyond KEEP_MEM
				 * goes (an unlinked temporary file), or -1 */
	uint64_t kept;		/* bytes of the chunk's output in it */
	uint32_t file;		/* the chunk's input, offset and length */
	uint64_t offset;
	uint64_t length;
	struct gz_inflater *gz;	/* BGZF input: members inflated here */
	struct buf comp;	/* compressed bytes read ahead */
	uint64_t comp_at;	/* their file offset */
	struct stage_out *outs;	/* by stage index: where a stage that runs
				 * commands hands its output on (pass_on) */
	uint64_t in_pass;	/* CPU spent handing on: the later stages' */
	struct meter meter;	/* the chunk's figures, when asked for */
	unsigned char *stats_frame;	/* and their FRAME_STATS, encoded */
};

/* A chunk's output waiting for the supervisor to say where it goes. */
struct held {
	uint64_t seq;
	struct buf out;
};

static void __attribute__((noreturn, format(printf, 3, 4)))
fail(struct worker *w, int code, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	struct iovec iov;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	iov.iov_base = msg;
	iov.iov_len = strlen(msg);
	(void)frame_write(w->result_fd, FRAME_ERROR, (uint32_t)code, w->seq, &iov, 1);
	_exit(code);
}

/* The chunk's figures as a FRAME_STATS in w->stats_frame; its size. */
static size_t stats_frame(struct worker *w)
{
	size_t n = w->job->post;	/* the stages run here */
	struct frame_hdr h = { FRAME_STATS, 0, w->seq, METER_PAYLOAD(n) };

	if (w->stats_frame == NULL)
		w->stats_frame = xmalloc(FRAME_HDR_SIZE + METER_PAYLOAD(n));
	frame_encode_hdr(w->stats_frame, &h);
	meter_encode(&w->meter, n, w->stats_frame + FRAME_HDR_SIZE);
	meter_reset(&w->meter);
	return FRAME_HDR_SIZE + METER_PAYLOAD(n);
}

static void send_frame(struct worker *w, uint32_t type, uint32_t more,
    const struct iovec *iov, int n)
{
	size_t before = 0;

	/* The chunk's figures go just before the frame that ends it, in
	 * the same write. */
	if (w->meter.on && frame_ends_chunk(type, more))
		before = stats_frame(w);
	if (frame_write_after(w->result_fd, w->stats_frame, before, type, more, w->seq, iov, n) < 0)
		_exit(EXIT_SOFTWARE);	/* the supervisor is gone */
}

/* Send gathered output plus extra (which may be empty) as one frame. */
static void flush(struct worker *w, const char *extra, size_t n, uint32_t more)
{
	struct iovec iov[2] = {
		{ w->gather.data, w->gather.len },
		{ (void *)extra, n },
	};

	send_frame(w, FRAME_RESULT, more, iov, 2);
	w->gather.len = 0;
}

/*
 * --keep-going: a chunk's output waits for its commands' exit status
 * (a failed command's is dropped), in memory up to KEEP_MEM, the rest
 * in a temporary file (unlinked: it goes with the worker however it
 * ends), so that a command may write any amount.
 */
static void keep_write(struct worker *w, const char *data, size_t len)
{
	const char *dir = spill_dir(w->job->tmpdir);
	char *err = NULL;

	if (w->keep_fd < 0 && (w->keep_fd = spill_open(dir, &err)) < 0)
		fail(w, EXIT_IOERR, "--keep-going: %s", err);
	if (spill_write(w->keep_fd, dir, data, len, &err) < 0)
		fail(w, EXIT_IOERR, "--keep-going: %s", err);
	w->kept += len;
}

static void keep(struct worker *w, const char *data, size_t len)
{
	if (w->out.len + len <= KEEP_MEM) {
		buf_append(&w->out, data, len);
		return;
	}
	keep_write(w, w->out.data, w->out.len);
	keep_write(w, data, len);
	w->out.len = 0;
}

/* The chunk's held output is sent or dropped: the file is emptied. */
static void keep_reset(struct worker *w)
{
	w->out.len = 0;
	if (w->kept == 0)
		return;
	w->kept = 0;
	if (ftruncate(w->keep_fd, 0) < 0 || lseek(w->keep_fd, 0, SEEK_SET) < 0)
		fail(w, EXIT_IOERR, "--keep-going: cannot empty a temporary file in %s: %s",
		    spill_dir(w->job->tmpdir), strerror(errno));
}

/* The commands succeeded: the chunk's held output goes on, from the
 * file a block at a time, then from memory. */
static void send_kept(struct worker *w)
{
	char *err = NULL;

	for (uint64_t off = 0; off < w->kept;) {
		size_t n = w->kept - off < BLOCK_SIZE ? (size_t)(w->kept - off) : BLOCK_SIZE;

		buf_reserve(&w->piece, n);
		if (spill_pread(w->keep_fd, spill_dir(w->job->tmpdir), w->piece.data, n, off, &err) < 0)
			fail(w, EXIT_IOERR, "--keep-going: %s", err);
		flush(w, w->piece.data, n, 1);
		off += n;
	}
	flush(w, w->out.data, w->out.len, 0);
	keep_reset(w);
}

static void emit(struct worker *w, const char *data, size_t len)
{
	if (w->hold_all) {
		keep(w, data, len);
		return;
	}
	if (w->out_fd >= 0 || w->z != NULL) {
		buf_append(&w->out, data, len);
		return;
	}
	if (len >= FLUSH_MIN) {
		flush(w, data, len, 1);
		return;
	}
	buf_append(&w->gather, data, len);
	if (w->gather.len >= 4 * FLUSH_MIN)
		flush(w, NULL, 0, 1);
}

/* Run the map stages from the from-th on a block of whole records, then
 * fold or emit. */
/* A stage failed on the chunk: with --keep-going a command's failure
 * drops the chunk's output, anything else fails the run (bad data too:
 * a command's output record longer than --max-record, 65). */
static void stage_failed(struct worker *w, const struct stage *st, int rc, char *err)
{
	char *msg = xasprintf("%s: chunk %llu (bytes %llu-%llu): %s", w->name,
	    (unsigned long long)w->seq, (unsigned long long)w->offset,
	    (unsigned long long)(w->offset + w->length), err);

	if (w->job->keep_going && st->def->end != NULL && rc != EXIT_DATAERR) {
		if (w->skipped == NULL)
			w->skipped = msg;
		else
			free(msg);
		return;
	}
	fail(w, rc > 0 ? rc : EXIT_SOFTWARE, "%s", msg);
}

/* Charge stage i the CPU since t0, less what it spent handing records
 * on to the stages after it since passed0 (theirs, charged to them). */
static void charge(struct worker *w, size_t i, uint64_t t0, uint64_t passed0)
{
	const struct stage *st = i < w->job->nmap ? w->job->stages[i] : w->job->reducer;

	if (w->meter.on)
		meter_charge(&w->meter, i, meter_clock(&w->meter, st) - t0 - (w->in_pass - passed0));
}

static void run_from(struct worker *w, struct block *b, size_t from)
{
	const struct job *job = w->job;
	char *err = NULL;

	if (w->skipped != NULL)
		return;
	for (size_t i = from; i < job->nmap && b->len > 0; i++) {
		uint64_t t0 = meter_clock(&w->meter, job->stages[i]), passed0 = w->in_pass;
		int rc = job->stages[i]->def->map(job->stages[i], b, &err);

		charge(w, i, t0, passed0);
		if (rc != 0 && job->stages[i]->def->end != NULL) {
			stage_failed(w, job->stages[i], rc, err);
			return;
		}
		if (rc != 0)
			fail(w, rc > 0 ? rc : EXIT_SOFTWARE, "%s: %s", w->name, err);
		b->offset = OFFSET_UNKNOWN;
		b->supplied = false;	/* a stage's output records are terminated */
	}
	if (job->reducer != NULL) {
		uint64_t t0 = meter_clock(&w->meter, job->reducer);

		job->reducer->def->fold(job->reducer, w->partial, b);
		meter_stop(&w->meter, job->nmap, job->reducer, t0);
	} else if (b->len > 0) {
		meter_out(&w->meter, b);
		/* A copy is byte-exact: a terminator the input lacks is
		 * not written. */
		emit(w, b->data, b->len - (w->copy && b->supplied));
	}
}

/*
 * A stage that runs a command hands its output on as it comes, before
 * its map or end returns (stage_out): through the stages after it, then
 * folded or emitted, so that no more than a piece of it is held.  Once
 * the stages after want no more of the chunk (head), the command can stop.
 */
static int pass_on(struct stage_out *o, struct block *b, char **err)
{
	struct worker *w = o->ctx;
	uint64_t t0 = meter_clock(&w->meter, NULL), passed0 = w->in_pass;

	(void)err;	/* a failure later in the pipeline ends the worker */
	run_from(w, b, o->next);
	/* What nested stages handed on is within this. */
	w->in_pass = passed0 + (meter_clock(&w->meter, NULL) - t0);
	return stages_sated(w->job->stages, o->next, w->job->nmap) ? STAGE_ENOUGH : 0;
}

static void run_block(struct worker *w, char *data, size_t len, uint64_t offset, size_t nrec)
{
	struct block b = { .data = data, .len = len, .nrec = nrec, .offset = offset,
	    .seq = w->seq, .supplied = len > 0 && data + len - 1 == w->supplied };

	meter_in(&w->meter, &b);
	run_from(w, &b, 0);
}

/* Stages that hold records back (exec) give them up at the chunk's end,
 * in pipeline order: what one gives up passes through the later ones
 * before they give up theirs. */
static void end_stages(struct worker *w)
{
	const struct job *job = w->job;
	char *err = NULL;

	for (size_t i = 0; i < job->nmap; i++) {
		struct stage *st = job->stages[i];
		struct block b = { .nrec = NREC_UNKNOWN, .offset = OFFSET_UNKNOWN, .seq = w->seq };

		if (st->def->end == NULL)
			continue;
		uint64_t t0 = meter_clock(&w->meter, st), passed0 = w->in_pass;
		int rc = st->def->end(st, &b, &err);

		charge(w, i, t0, passed0);
		if (rc != 0)
			stage_failed(w, st, rc, err);
		else if (b.len > 0)
			run_from(w, &b, i + 1);
	}
}

static void run_records(struct worker *w, char *data, size_t len, uint64_t offset);

/*
 * Malformed CSV at data + at; data starts at a record start, at input
 * offset offset.  The records before the error go through the stages
 * first: one of them may make a stage fail, and that error comes first
 * in the input.
 */
static void __attribute__((noreturn))
bad_csv(struct worker *w, char *data, size_t at, uint64_t offset, const char *why)
{
	const char *none;
	size_t none_at, n = records_last_end(&w->job->format, w->term, data, at, &none, &none_at);

	w->walked = NREC_UNKNOWN;
	run_records(w, data, n, offset);
	fail(w, EXIT_DATAERR, "%s: malformed CSV at byte offset %llu: %s", w->name,
	    (unsigned long long)(offset + at), why);
}

/* A record (or its first len bytes so far) from offset on, which the
 * worker holds whole: longer than --max-record fails the run. */
static void check_record(struct worker *w, uint64_t len, uint64_t offset)
{
	if (len > w->job->max_record)
		fail(w, EXIT_DATAERR, "%s", record_too_long(w->name, offset, w->job->max_record));
}

/* The end of the last whole record in data[0..len), or 0. */
static size_t last_end(struct worker *w, char *data, size_t len, uint64_t offset)
{
	const char *why;
	size_t at, n = records_last_end_n(&w->job->format, w->term, data, len, &why, &at,
	    &w->walked);

	if (why != NULL)
		bad_csv(w, data, at, offset, why);
	return n;
}

/* Split a buffer of whole records into cache-sized blocks; offset is
 * where data[0] was in the input.  w->walked counts the records of the
 * whole buffer, or of each block once it is cut with last_end.  A block
 * is no larger than --max-record, so that a longer record is one alone,
 * and checked. */
static void run_records(struct worker *w, char *data, size_t len, uint64_t offset)
{
	size_t block = w->job->max_record < BLOCK_SIZE ? (size_t)w->job->max_record : BLOCK_SIZE;

	while (len > 0) {
		size_t n = len;

		if (n > block) {
			const char *why;
			size_t at;

			n = last_end(w, data, block, offset);
			if (n == 0) {
				n = records_first_end(&w->job->format, w->term, data, len, &why, &at);
				w->walked = NREC_UNKNOWN;
				check_record(w, n > 0 ? n : len, offset);
			}
			if (n == 0)
				n = len;
		}
		run_block(w, data, n, offset, w->walked);
		w->walked = NREC_UNKNOWN;
		data += n;
		len -= n;
		offset += n;
	}
}

static void chunk_begin(struct worker *w, uint64_t seq)
{
	const struct job *job = w->job;

	w->seq = seq;
	w->gather.len = 0;
	w->supplied = NULL;
	for (size_t i = 0; i < job->nmap; i++)
		if (job->stages[i]->def->reset != NULL)
			job->stages[i]->def->reset(job->stages[i]);
	if (w->job->reducer != NULL)
		w->partial = w->job->reducer->def->partial_new(w->job->reducer);
}

/*
 * Placed output: with a regular output file, a worker keeps a chunk's
 * whole output, tells the supervisor its size, and writes it itself with
 * pwrite() at the offset the supervisor hands out once every earlier
 * chunk's size is known.  The output bytes never cross a pipe, and the
 * copy into the page cache is spread over the workers.
 */
static void hold_output(struct worker *w)
{
	unsigned char size[8];
	struct iovec iov = { size, sizeof size };

	frame_put_u64(size, w->out.len);
	w->held = xreallocarray(w->held, w->nheld + 1, sizeof *w->held);
	w->held[w->nheld].seq = w->seq;
	w->held[w->nheld++].out = w->out;
	w->out = w->spare;
	w->out.len = 0;
	memset(&w->spare, 0, sizeof w->spare);
	send_frame(w, FRAME_SIZE, 0, &iov, 1);
}

static void write_held(struct worker *w, uint64_t seq, const struct buf *payload)
{
	for (size_t i = 0; i < w->nheld; i++) {
		struct held *hd = &w->held[i];

		if (hd->seq != seq)
			continue;
		uint64_t off = payload->len == 8 ? frame_get_u64(payload->data) : 0;
		const char *p = hd->out.data;
		size_t left = hd->out.len;

		while (left > 0) {
			ssize_t n = pwrite(w->out_fd, p, left, (off_t)off);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				w->seq = seq;
				fail(w, EXIT_IOERR, "%s: write error: %s", w->out_name,
				    n < 0 ? strerror(errno) : "no progress");
			}
			p += n;
			left -= (size_t)n;
			off += (uint64_t)n;
		}
		if (w->spare.cap == 0)
			w->spare = hd->out;
		else
			buf_free(&hd->out);
		w->held[i] = w->held[--w->nheld];
		w->seq = seq;
		send_frame(w, FRAME_WRITTEN, 0, NULL, 0);
		return;
	}
	fail(w, EXIT_SOFTWARE, "worker: no output held for chunk %llu", (unsigned long long)seq);
}

/* The descriptor of input file: the worker opens the files it reads
 * itself, one at a time. */
static int input_fd(struct worker *w, uint32_t file)
{
	char *err = NULL;
	int code = EXIT_NOINPUT;
	int fd = chunker_input_fd(w->chunker, file, &err, &code);

	if (fd < 0)
		fail(w, code, "%s", err);
	return fd;
}

/* The first phase of cutting a CSV file: how many quotes a range holds. */
static void count_quotes(struct worker *w, uint64_t seq, const struct buf *payload)
{
	struct frame_range r;
	unsigned char out[8];
	struct iovec iov = { out, sizeof out };
	uint64_t count = 0;

	w->seq = seq;
	if (frame_decode_range(payload->data, payload->len, &r) < 0)
		fail(w, EXIT_SOFTWARE, "worker: malformed task");
	int fd = input_fd(w, r.file);

	for (uint64_t off = r.offset; off < r.offset + r.length;) {
		size_t want = r.offset + r.length - off < BLOCK_SIZE ? (size_t)(r.offset + r.length - off) : BLOCK_SIZE;

		buf_reserve(&w->read, want);
		ssize_t n = pread_full(fd, w->read.data, want, off);

		if (n <= 0)
			fail(w, EXIT_IOERR, "%s: read error at offset %llu: %s", chunker_path(w->chunker, r.file),
			    (unsigned long long)off, n < 0 ? strerror(errno) : "file shrank");
		count += scan_count_byte(w->read.data, (size_t)n, '"');
		off += (uint64_t)n;
	}
	frame_put_u64(out, count);
	send_frame(w, FRAME_QUOTES, 0, &iov, 1);
}

/*
 * The 32 KiB before the chunk primes its piece when they are the bytes
 * the output has just before it: a copy of a regular file, from a
 * chunk that does not start the file.  Otherwise the piece stands alone
 * (a few hundred bytes more per chunk).
 */
static const struct buf *dictionary(struct worker *w)
{
	uint64_t start;
	ssize_t n;

	w->dict.len = 0;
	if (!w->dict_known || w->offset == 0 || !compressor_wants_dict(w->z))
		return &w->dict;
	start = w->offset > GZ_DICT_MAX ? w->offset - GZ_DICT_MAX : 0;
	buf_reserve(&w->dict, (size_t)(w->offset - start));
	n = pread_full(input_fd(w, w->file), w->dict.data, (size_t)(w->offset - start),
	    start);
	w->dict.len = n == (ssize_t)(w->offset - start) ? (size_t)n : 0;
	return &w->dict;
}

/* Compress the chunk's output into one piece, sent with its CRC-32 and
 * length for the output to assemble. */
static void send_piece(struct worker *w)
{
	const struct buf *d = dictionary(w);
	unsigned char info[PIECE_INFO_SIZE];
	struct piece_info p;
	char *err;

	w->piece.len = 0;
	if (compressor_piece(w->z, d->data, d->len, w->out.data, w->out.len, &w->piece, &p,
	    &err) < 0)
		fail(w, EXIT_SOFTWARE, "%s", err);
	piece_info_put(info, p);
	struct iovec iov[2] = {
		{ info, sizeof info },
		{ w->piece.data, w->piece.len },
	};
	send_frame(w, FRAME_PIECE, 0, iov, 2);
	w->out.len = 0;
}

/* --keep-going: the chunk's output (or partial) is dropped, and the
 * supervisor told why. */
static void skip_chunk(struct worker *w)
{
	struct iovec iov = { w->skipped, strlen(w->skipped) };

	w->meter.records_out = 0;	/* none of them is written */
	send_frame(w, FRAME_SKIP, 0, &iov, 1);
	free(w->skipped);
	w->skipped = NULL;
	keep_reset(w);
	if (w->partial != NULL) {
		w->job->reducer->def->partial_free(w->partial);
		w->partial = NULL;
	}
}

static void chunk_end(struct worker *w)
{
	struct stage *r = w->job->reducer;

	end_stages(w);
	if (w->skipped != NULL) {
		skip_chunk(w);
		return;
	}
	if (w->z != NULL) {
		send_piece(w);
		return;
	}
	if (w->hold_all && r == NULL) {
		send_kept(w);
		return;
	}
	if (r == NULL && w->out_fd >= 0) {
		hold_output(w);
		return;
	}
	if (r == NULL) {
		flush(w, NULL, 0, 0);
		return;
	}
	struct buf enc = { 0 };
	struct iovec iov;
	uint64_t t0 = meter_clock(&w->meter, r);

	r->def->encode(r, w->partial, &enc);
	meter_stop(&w->meter, w->job->nmap, r, t0);
	iov.iov_base = enc.data;
	iov.iov_len = enc.len;
	send_frame(w, FRAME_PARTIAL, 0, &iov, 1);
	buf_free(&enc);
	r->def->partial_free(w->partial);
	w->partial = NULL;
}

/* The last record of a file may lack its terminator: supply it (the
 * records are whole for every stage and --max-record counts it), and
 * note where, so that the block ending there knows it was supplied. */
static size_t terminate(struct worker *w, struct buf *b)
{
	w->supplied = NULL;
	if (b->len > 0 && b->data[b->len - 1] != w->term) {
		buf_putc(b, w->term);
		w->supplied = b->data + b->len - 1;
	}
	return b->len;
}

/*
 * The end of a chunk: its last record may lack a terminator (the end of
 * a file), which is supplied; with CSV it must not be inside quotes.
 */
static size_t whole(struct worker *w, struct buf *b, uint64_t offset)
{
	size_t len = terminate(w, b);

	w->walked = NREC_UNKNOWN;
	if (w->job->format.kind == FORMAT_CSV && len > 0) {
		struct csv_iter it;

		csv_iter_init(&it, b->data, len, &w->job->format, w->term);
		w->walked = 0;
		while (csv_iter_next(&it) != NULL)
			w->walked++;
		if (it.why != NULL)
			bad_csv(w, b->data, (size_t)(it.err_at - b->data), offset, it.why);
		if (it.p != it.end)
			bad_csv(w, b->data, (size_t)((it.open_quote ? it.open_quote : it.p) - b->data),
			    offset, "unterminated quoted field");
	}
	return len;
}

static void do_range(struct worker *w, const struct frame_range *r)
{
	int fd = input_fd(w, r->file);
	uint64_t off = r->offset, end = r->offset + r->length;

	w->read.len = 0;
	while (off < end) {
		size_t want = end - off < BLOCK_SIZE ? (size_t)(end - off) : BLOCK_SIZE;

		buf_reserve(&w->read, want + 1);
		ssize_t n = pread_full(fd, w->read.data + w->read.len, want, off);

		if (n < 0)
			fail(w, EXIT_IOERR, "%s: read error at offset %llu: %s",
			    chunker_path(w->chunker, r->file), (unsigned long long)off, strerror(errno));
		if ((size_t)n < want)
			fail(w, EXIT_IOERR, "%s: file shrank while being read (offset %llu)",
			    chunker_path(w->chunker, r->file), (unsigned long long)(off + (uint64_t)n));
		w->read.len += (size_t)n;
		off += (uint64_t)n;
		/* Process the whole records read so far; keep the tail.  (at
		 * before whole(), which may add a terminator.) */
		uint64_t at = off - w->read.len;
		size_t cut = off == end ? whole(w, &w->read, at) : last_end(w, w->read.data, w->read.len, at);

		if (cut == 0) {	/* a record longer than a block */
			check_record(w, w->read.len, at);
			continue;
		}
		run_records(w, w->read.data, cut, at);
		memmove(w->read.data, w->read.data + cut, w->read.len - cut);
		w->read.len -= cut;
	}
}

/* Inflate member m of a BGZF file onto w->read, reading the compressed
 * bytes about a megabyte at a time. */
static void inflate_member(struct worker *w, int fd, const struct gz_member *m,
    const struct gz_member *last)
{
	char *err = NULL;
	size_t used;
	int rc;

	if (m->offset < w->comp_at || m->offset + m->csize > w->comp_at + w->comp.len) {
		/* Whole members only, up to about a block. */
		const struct gz_member *e = m + 1;
		uint64_t want = m->csize;

		while (e <= last && e->offset + e->csize - m->offset <= BLOCK_SIZE) {
			want = e->offset + e->csize - m->offset;
			e++;
		}
		w->comp.len = 0;
		buf_reserve(&w->comp, (size_t)want);
		ssize_t n = pread_full(fd, w->comp.data, (size_t)want, m->offset);

		if (n < 0)
			fail(w, EXIT_IOERR, "%s: read error at offset %llu: %s", w->name,
			    (unsigned long long)m->offset, strerror(errno));
		if ((uint64_t)n < want)
			fail(w, EXIT_IOERR, "%s: file shrank while being read (offset %llu)", w->name,
			    (unsigned long long)(m->offset + (uint64_t)n));
		w->comp.len = (size_t)n;
		w->comp_at = m->offset;
	}
	if (w->gz == NULL)
		w->gz = gz_inflater_new();
	rc = gz_inflate_member(w->gz, w->comp.data + (m->offset - w->comp_at), m->csize, m->offset,
	    &w->read, &used, &err);
	if (rc < 0)
		fail(w, rc == GZ_FAILED ? EXIT_SOFTWARE : EXIT_DATAERR, "%s: %s", w->name, err);
	if (used != m->csize)
		fail(w, EXIT_DATAERR, "%s: corrupt gzip data at compressed byte offset %llu: "
		    "the member ends before the size its header gives", w->name,
		    (unsigned long long)(m->offset + used));
}

/* The first record end in data[from..len), or NULL. */
static char *first_end(struct worker *w, size_t from)
{
	if (w->read.len <= from)
		return NULL;
	return memchr(w->read.data + from, w->term, w->read.len - from);
}

/*
 * A range of whole BGZF members.  The cut between ranges is no record
 * boundary, so a range's records are those after the first record end
 * at or after its first inflated byte (all of them for the range that
 * starts the file), through the first record end at or after the start
 * of the next range: the next range's worker starts after that same
 * record end, so every record is processed exactly once.  Each member
 * is inflated (and its CRC-32 and length checked) by the worker whose
 * range holds it, and perhaps also by the one before.
 */
static void do_bgzf(struct worker *w, const struct frame_range *r, const struct gz_member *m,
    size_t n)
{
	int fd = input_fd(w, r->file);
	uint64_t end = r->offset + r->length;
	size_t lo = 0, hi = n;
	bool skipping = r->offset != 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m[mid].offset < r->offset)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == n || m[lo].offset != r->offset)
		fail(w, EXIT_SOFTWARE, "worker: no BGZF member at offset %llu", (unsigned long long)r->offset);
	uint64_t base = chunker_member_offset(w->chunker, r->file, lo);
	size_t cross = SIZE_MAX;	/* where the next range's bytes begin in w->read */

	w->read.len = 0;
	w->comp.len = 0;
	w->walked = NREC_UNKNOWN;
	for (size_t i = lo; i < n; i++) {
		size_t before = w->read.len;
		bool beyond = m[i].offset >= end, last = i + 1 == n;
		char *t;

		inflate_member(w, fd, &m[i], &m[n - 1]);
		if (skipping) {
			if ((t = first_end(w, 0)) == NULL) {
				base += w->read.len;
				w->read.len = 0;
				if (m[i].offset + m[i].csize >= end)
					return;	/* no record starts here */
				continue;
			}
			size_t k = (size_t)(t + 1 - w->read.data);

			memmove(w->read.data, t + 1, w->read.len - k);
			w->read.len -= k;
			base += k;
			skipping = false;
			before = 0;
		}
		if (beyond && (t = first_end(w, before)) != NULL) {
			w->walked = NREC_UNKNOWN;
			run_records(w, w->read.data, (size_t)(t + 1 - w->read.data), base);
			return;
		}
		if (last) {
			size_t len = whole(w, &w->read, base);

			run_records(w, w->read.data, len, base);
			return;
		}
		if (beyond) {
			/* The record that crosses into the next range is held
			 * whole: it started after the last record end before. */
			cross = cross < before ? cross : before;
			if (w->read.len - cross > w->job->max_record) {
				size_t s = record_last_end(w->read.data, cross, w->term);

				check_record(w, w->read.len - s, base + s);
			}
		}
		if (beyond || w->read.len < BLOCK_SIZE)
			continue;
		size_t cut = last_end(w, w->read.data, w->read.len, base);

		if (cut == 0) {
			check_record(w, w->read.len, base);
			continue;
		}
		run_records(w, w->read.data, cut, base);
		memmove(w->read.data, w->read.data + cut, w->read.len - cut);
		w->read.len -= cut;
		base += cut;
	}
}

static void do_data(struct worker *w, struct buf *payload, const struct frame_range *r)
{
	if (payload->len <= FRAME_RANGE_SIZE)
		return;
	size_t len = terminate(w, payload);

	w->walked = NREC_UNKNOWN;
	run_records(w, payload->data + FRAME_RANGE_SIZE, len - FRAME_RANGE_SIZE, r->offset);
}

/* What commands run by the stages (exec) learn of the chunk. */
static void command_env(struct worker *w, const struct frame_range *r)
{
	char off[32];

	snprintf(off, sizeof off, "%llu", (unsigned long long)r->offset);
	setenv("FORKPIPE_FILE", w->name, 1);
	setenv("FORKPIPE_OFFSET", off, 1);
}

/*
 * --max-memory-per-worker: an address-space limit, so that a record that
 * makes a stage allocate without bound fails this worker (which the
 * supervisor reports, and retries) instead of the machine.  Commands run
 * by exec inherit it.  AddressSanitizer reserves terabytes of address
 * space, so a build with it cannot have the limit.
 */
static void limit_memory(uint64_t bytes)
{
#ifndef __SANITIZE_ADDRESS__
	struct rlimit rl = { (rlim_t)bytes, (rlim_t)bytes };

	if (bytes > 0)
		(void)setrlimit(RLIMIT_AS, &rl);
#else
	(void)bytes;
#endif
}

void worker_main(int id, int task_fd, int result_fd, void *arg)
{
	const struct worker_env *env = arg;
	struct worker w = { 0 };
	struct frame_hdr h;
	struct buf payload = { 0 };
	struct frame_range r;

	w.job = env->job;
	w.chunker = env->chunker;
	w.result_fd = result_fd;
	w.term = env->job->null ? '\0' : '\n';
	w.out_fd = env->out_fd;
	w.out_name = env->out_name;
	w.keep_fd = -1;
	w.copy = w.job->nstages == 0 && !w.job->header;
	/* Without a reducer or head's cut, what the workers emit is the
	 * output, so they count its records. */
	meter_init(&w.meter, w.job, env->meter, w.job->reducer == NULL &&
	    w.job->limit == UINT64_MAX);
	if (env->job->compress_workers)
		w.z = compressor_new(&env->job->compress);
	w.runs_commands = job_runs_commands(w.job);
	w.hold_all = w.job->keep_going && w.runs_commands && w.out_fd < 0 && w.z == NULL;
	limit_memory(w.job->worker_memory);
	if (w.runs_commands) {
		char n[16];

		w.outs = xcalloc(w.job->nmap, sizeof *w.outs);
		for (size_t i = 0; i < w.job->nmap; i++) {
			w.outs[i] = (struct stage_out){ pass_on, &w, i + 1 };
			w.job->stages[i]->out = &w.outs[i];
		}
		exec_isolate_commands(env->groups != NULL ? env->groups + id * EXEC_GROUPS_MAX : NULL);
		snprintf(n, sizeof n, "%d", id);
		setenv("FORKPIPE_WORKER", n, 1);
	}
	for (;;) {
		int rc = frame_read(task_fd, &h, &payload);

		if (rc == 0)
			_exit(0);
		if (rc < 0)
			_exit(EXIT_SOFTWARE);
		if (h.type == FRAME_WRITE) {
			write_held(&w, h.seq, &payload);
			continue;
		}
		if (h.type == FRAME_TASK_QUOTES) {
			count_quotes(&w, h.seq, &payload);
			continue;
		}
		chunk_begin(&w, h.seq);
		size_t rlen = payload.len < FRAME_RANGE_SIZE ? payload.len : FRAME_RANGE_SIZE;

		if (frame_decode_range(payload.data, rlen, &r) < 0)
			fail(&w, EXIT_SOFTWARE, "worker: malformed task");
		w.name = chunker_path(w.chunker, r.file);
		const struct gz_member *members;
		size_t nmembers;

		members = h.type == FRAME_TASK_RANGE ?
		    chunker_members(w.chunker, r.file, &nmembers) : NULL;
		if (w.runs_commands)
			command_env(&w, &r);
		w.file = r.file;
		w.offset = r.offset;
		w.length = r.length;
		/* A copy of a plain file: the bytes before the chunk are the
		 * output's (a BGZF range's offsets are compressed ones). */
		w.dict_known = h.type == FRAME_TASK_RANGE && members == NULL && w.copy;
		if (members != NULL)
			do_bgzf(&w, &r, members, nmembers);
		else if (h.type == FRAME_TASK_RANGE)
			do_range(&w, &r);
		else if (h.type == FRAME_TASK_DATA)
			do_data(&w, &payload, &r);
		else
			fail(&w, EXIT_SOFTWARE, "worker: unexpected message type %u", h.type);
		chunk_end(&w);
	}
}
