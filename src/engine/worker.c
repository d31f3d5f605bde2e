/* worker.c - the worker loop: task -> stages -> framed result.
 *
 * A chunk is processed in blocks of about one megabyte, small enough to
 * stay in the CPU cache between reading and matching.  A block's output
 * is written straight from the block when it is large, and gathered
 * with the next blocks' output when it is small, so that every result
 * frame carries at least FLUSH_MIN bytes or ends a chunk.
 *
 * Pieces of the worker with state of their own are in files of their
 * own, sharing worker_int.h: reading BGZF ranges (worker_bgzf.c), placed
 * -o output (worker_placed.c), compressed output (worker_piece.c), the
 * output --keep-going holds (worker_keep.c), indexed gzip ranges
 * (worker_gzpoint.c), zstd frames (worker_zstd.c), JSON Lines
 * validation (worker_json.c), a reducer's table kept across chunks
 * (worker_table.c).  What stays here is one file, though about 650
 * lines: the task loop, reading a range in blocks, running the stages on
 * each block and ending the chunk (its record count for grep -n, its
 * rejects, its partial) are the per-record path, which shares the
 * chunk's state and is kept together so that it reads in order, from a
 * task frame to the frame that ends the chunk. */
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
#include "meter.h"
#include "record.h"
#include "scan.h"
#include "util.h"
#include "worker.h"
#include "worker_int.h"

#define FLUSH_MIN (64 * 1024)

void worker_fail(struct worker *w, int code, const char *fmt, ...)
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

void worker_send_frame(struct worker *w, uint32_t type, uint32_t more,
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

void worker_flush(struct worker *w, const char *extra, size_t n, uint32_t more)
{
	struct iovec iov[2] = {
		{ w->gather.data, w->gather.len },
		{ (void *)extra, n },
	};

	worker_send_frame(w, FRAME_RESULT, more, iov, 2);
	w->gather.len = 0;
}

static void emit(struct worker *w, const char *data, size_t len)
{
	if (w->hold_all) {
		worker_keep(w, data, len);
		return;
	}
	if (w->out_fd >= 0 || w->z != NULL) {
		buf_append(&w->out, data, len);
		return;
	}
	if (len >= FLUSH_MIN) {
		worker_flush(w, data, len, 1);
		return;
	}
	buf_append(&w->gather, data, len);
	if (w->gather.len >= 4 * FLUSH_MIN)
		worker_flush(w, NULL, 0, 1);
}

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
	worker_fail(w, rc > 0 ? rc : EXIT_SOFTWARE, "%s", msg);
}

/* Charge stage i the CPU since t0, less what it spent handing records
 * on to the stages after it since passed0 (theirs, charged to them). */
static void charge(struct worker *w, size_t i, uint64_t t0, uint64_t passed0)
{
	const struct stage *st = i < w->job->nmap ? w->job->stages[i] : w->job->reducer;

	if (w->meter.on)
		meter_charge(&w->meter, i, meter_clock(&w->meter, st) - t0 - (w->in_pass - passed0));
}

/* Run the map stages from the from-th on a block of whole records, then
 * fold or emit. */
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
			worker_fail(w, rc > 0 ? rc : EXIT_SOFTWARE, "%s: %s", w->name, err);
		b->offset = OFFSET_UNKNOWN;
		b->supplied = false;	/* a stage's output records are terminated */
		b->jv = NULL;		/* the records may have changed */
	}
	if (job->reducer != NULL) {
		uint64_t t0 = meter_clock(&w->meter, job->reducer);

		/* The reducer's data errors name the input (a stage's
		 * block, exec's, does not carry it). */
		b->name = w->name;
		b->file = w->file;
		/* --reject: a record its ops cannot take goes aside. */
		b->reject = w->job->reject != NULL ? worker_reject_cb : NULL;
		b->reject_ctx = w;
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

void worker_run_block(struct worker *w, char *data, size_t len, uint64_t offset, size_t nrec)
{
	struct block b = { .data = data, .len = len, .nrec = nrec, .offset = offset,
	    .seq = w->seq, .supplied = len > 0 && data + len - 1 == w->supplied,
	    .jv = w->jv_ready ? (const struct jval *)(const void *)w->jv.data : NULL };

	w->jv_ready = false;
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
	worker_run_records(w, data, n, offset);
	worker_fail(w, EXIT_DATAERR, "%s: malformed CSV at byte offset %llu: %s", w->name,
	    (unsigned long long)(offset + at), why);
}

/* A record (or its first len bytes so far) from offset on, which the
 * worker holds whole: longer than --max-record fails the run. */
void worker_check_record(struct worker *w, uint64_t len, uint64_t offset)
{
	if (len > w->job->max_record)
		worker_fail(w, EXIT_DATAERR, "%s", record_too_long(w->name, offset, w->job->max_record));
}

/* The end of the last whole record in data[0..len), or 0. */
size_t worker_last_end(struct worker *w, char *data, size_t len, uint64_t offset)
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
 * whole buffer, or of each block once it is cut with worker_last_end.  A block
 * is no larger than --max-record, so that a longer record is one alone,
 * and checked. */
void worker_run_records(struct worker *w, char *data, size_t len, uint64_t offset)
{
	size_t block = w->job->max_record < BLOCK_SIZE ? (size_t)w->job->max_record : BLOCK_SIZE;

	while (len > 0) {
		size_t n = len;

		if (n > block) {
			const char *why;
			size_t at;

			n = worker_last_end(w, data, block, offset);
			if (n == 0) {
				n = records_first_end(&w->job->format, w->term, data, len, &why, &at);
				w->walked = NREC_UNKNOWN;
				worker_check_record(w, n > 0 ? n : len, offset);
			}
			if (n == 0)
				n = len;
		}
		size_t done = 0;

		if (w->job->format.kind == FORMAT_JSON)
			done = worker_scan_json(w, data, n, offset);
		else if (w->job->format.resync)
			done = worker_scan_csv(w, data, n, offset);
		if (done < n)
			worker_run_block(w, data + done, n - done, offset + done,
			    done > 0 ? NREC_UNKNOWN : w->walked);
		w->jv_ready = false;
		w->walked = NREC_UNKNOWN;
		data += n;
		len -= n;
		offset = offset == OFFSET_UNKNOWN ? offset : offset + n;
	}
}

static void chunk_begin(struct worker *w, uint64_t seq)
{
	const struct job *job = w->job;

	w->seq = seq;
	w->gather.len = 0;
	w->rejects.len = 0;
	w->supplied = NULL;
	for (size_t i = 0; i < job->nmap; i++)
		if (job->stages[i]->def->reset != NULL)
			job->stages[i]->def->reset(job->stages[i]);
	if (w->job->reducer != NULL && w->lasting)
		worker_table_begin(w, seq);
	else if (w->job->reducer != NULL)
		w->partial = w->job->reducer->def->partial_new(w->job->reducer);
}

/* The descriptor of input file: the worker opens the files it reads
 * itself, one at a time. */
int worker_input_fd(struct worker *w, uint32_t file)
{
	char *err = NULL;
	int code = EXIT_NOINPUT;
	int fd = chunker_input_fd(w->chunker, file, &err, &code);

	if (fd < 0)
		worker_fail(w, code, "%s", err);
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
		worker_fail(w, EXIT_SOFTWARE, "worker: malformed task");
	int fd = worker_input_fd(w, r.file);

	for (uint64_t off = r.offset; off < r.offset + r.length;) {
		size_t want = r.offset + r.length - off < BLOCK_SIZE ? (size_t)(r.offset + r.length - off) : BLOCK_SIZE;

		buf_reserve(&w->read, want);
		ssize_t n = pread_full(fd, w->read.data, want, off);

		if (n <= 0)
			worker_fail(w, EXIT_IOERR, "%s: read error at offset %llu: %s", chunker_path(w->chunker, r.file),
			    (unsigned long long)off, n < 0 ? strerror(errno) : "file shrank");
		count += scan_count_byte(w->read.data, (size_t)n, '"');
		off += (uint64_t)n;
	}
	frame_put_u64(out, count);
	worker_send_frame(w, FRAME_QUOTES, 0, &iov, 1);
}

/* --keep-going: the chunk's output (or partial) is dropped, and the
 * supervisor told why. */
static void skip_chunk(struct worker *w)
{
	struct iovec iov = { w->skipped, strlen(w->skipped) };

	w->meter.records_out = 0;	/* none of them is written */
	worker_send_frame(w, FRAME_SKIP, 0, &iov, 1);
	free(w->skipped);
	w->skipped = NULL;
	worker_keep_reset(w);
	if (w->partial != NULL) {
		w->job->reducer->def->partial_free(w->partial);
		w->partial = NULL;
	}
}

/* grep -n: how many records the chunk had for it, so that the merger
 * numbers the next chunk's on from there. */
static void send_records(struct worker *w)
{
	unsigned char n[8];
	struct iovec iov = { n, sizeof n };

	frame_put_u64(n, stage_grep_seen(w->job->numbered));
	worker_send_frame(w, FRAME_RECORDS, 0, &iov, 1);
}

static void chunk_end(struct worker *w)
{
	struct stage *r = w->job->reducer;

	end_stages(w);
	if (w->job->numbered != NULL)
		send_records(w);
	if (w->rejects.len > 0) {
		struct iovec iov = { w->rejects.data, w->rejects.len };

		worker_send_frame(w, FRAME_REJECT, 0, &iov, 1);
		w->rejects.len = 0;
	}
	if (w->skipped != NULL) {
		skip_chunk(w);
		return;
	}
	if (w->z != NULL) {
		worker_send_piece(w);
		return;
	}
	if (w->hold_all && r == NULL) {
		worker_send_kept(w);
		return;
	}
	if (r == NULL && w->out_fd >= 0) {
		worker_hold_output(w);
		return;
	}
	if (r == NULL) {
		worker_flush(w, NULL, 0, 0);
		return;
	}
	if (w->lasting) {
		worker_table_folded(w);
		return;
	}
	struct buf enc = { 0 };
	struct iovec iov;
	uint64_t t0 = meter_clock(&w->meter, r);

	r->def->encode(r, w->partial, &enc);
	meter_stop(&w->meter, w->job->nmap, r, t0);
	iov.iov_base = enc.data;
	iov.iov_len = enc.len;
	worker_send_frame(w, FRAME_PARTIAL, 0, &iov, 1);
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
size_t worker_whole(struct worker *w, struct buf *b, uint64_t offset)
{
	size_t len = terminate(w, b);

	w->walked = NREC_UNKNOWN;
	if (w->job->format.kind == FORMAT_CSV && len > 0) {
		struct csv_iter it;

		csv_iter_init(&it, b->data, len, &w->job->format, w->term);
		it.at_eof = w->job->format.resync;	/* an unterminated quote is
							 * then a record to reject */
		w->walked = csv_iter_walk(&it);
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
	int fd = worker_input_fd(w, r->file);
	uint64_t off = r->offset, end = r->offset + r->length;

	w->read.len = 0;
	while (off < end) {
		size_t want = end - off < BLOCK_SIZE ? (size_t)(end - off) : BLOCK_SIZE;

		buf_reserve(&w->read, want + 1);
		ssize_t n = pread_full(fd, w->read.data + w->read.len, want, off);

		if (n < 0)
			worker_fail(w, EXIT_IOERR, "%s: read error at offset %llu: %s",
			    chunker_path(w->chunker, r->file), (unsigned long long)off, strerror(errno));
		if ((size_t)n < want)
			worker_fail(w, EXIT_IOERR, "%s: file shrank while being read (offset %llu)",
			    chunker_path(w->chunker, r->file), (unsigned long long)(off + (uint64_t)n));
		w->read.len += (size_t)n;
		off += (uint64_t)n;
		/* Process the whole records read so far; keep the tail.  (at
		 * before worker_whole(), which may add a terminator.) */
		uint64_t at = off - w->read.len;
		size_t cut = off == end ? worker_whole(w, &w->read, at) :
		    worker_last_end(w, w->read.data, w->read.len, at);

		if (cut == 0) {	/* a record longer than a block */
			worker_check_record(w, w->read.len, at);
			continue;
		}
		worker_run_records(w, w->read.data, cut, at);
		memmove(w->read.data, w->read.data + cut, w->read.len - cut);
		w->read.len -= cut;
	}
}

static void do_data(struct worker *w, struct buf *payload, const struct frame_range *r)
{
	if (payload->len <= FRAME_RANGE_SIZE)
		return;
	size_t len = terminate(w, payload);

	w->walked = NREC_UNKNOWN;
	worker_run_records(w, payload->data + FRAME_RANGE_SIZE, len - FRAME_RANGE_SIZE, r->offset);
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
	spillfile_init(&w.keep, "--keep-going", spill_dir(w.job->tmpdir));
	w.copy = w.job->nstages == 0 && !w.job->header;
	/* Without a reducer or head's cut, what the workers emit is the
	 * output, so they count its records. */
	meter_init(&w.meter, w.job, env->meter, w.job->reducer == NULL &&
	    w.job->limit == UINT64_MAX);
	if (env->job->compress_workers)
		w.z = compressor_new(&env->job->compress);
	w.runs_commands = job_runs_commands(w.job);
	w.lasting = env->lasting;
	/* This process's copy of the plan: a worker's share of the budget. */
	if (w.job->reducer != NULL && w.job->reducer->memory_worker != 0)
		w.job->reducer->memory = w.job->reducer->memory_worker;
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
			worker_write_held(&w, h.seq, &payload);
			continue;
		}
		if (h.type == FRAME_FLUSH) {
			worker_table_send(&w);
			continue;
		}
		if (h.type == FRAME_TASK_QUOTES) {
			count_quotes(&w, h.seq, &payload);
			continue;
		}
		chunk_begin(&w, h.seq);
		size_t rlen = payload.len < FRAME_RANGE_SIZE ? payload.len : FRAME_RANGE_SIZE;

		if (frame_decode_range(payload.data, rlen, &r) < 0)
			worker_fail(&w, EXIT_SOFTWARE, "worker: malformed task");
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
		const struct gzindex *gzix = h.type == FRAME_TASK_RANGE ?
		    chunker_gzindex(w.chunker, r.file) : NULL;

		w.dict_known = h.type == FRAME_TASK_RANGE && members == NULL && gzix == NULL && w.copy;
		if (members != NULL)
			worker_do_bgzf(&w, &r, members, nmembers);
		else if (gzix != NULL)
			worker_do_gzpoint(&w, &r, gzix);
		else if (h.type == FRAME_TASK_RANGE)
			do_range(&w, &r);
		else if (h.type == FRAME_TASK_DATA)
			do_data(&w, &payload, &r);
		else
			worker_fail(&w, EXIT_SOFTWARE, "worker: unexpected message type %u", h.type);
		chunk_end(&w);
	}
}
