/* sup_dispatch.c - scheduling: which worker takes the next task, and
 * sending tasks and control frames down the workers' non-blocking
 * pipes (chunk bytes by vmsplice), with the tasks each worker holds. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>	/* vmsplice */
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "clock.h"
#include "frame.h"
#include "merger.h"
#include "proc.h"
#include "supervisor_int.h"
#include "util.h"

int sup_pick_worker(const struct sup *s)
{
	int best = -1;

	for (int i = 0; i < s->nprocs; i++) {
		if (s->ws[i].gone || s->senders[i].busy || s->ws[i].nheld >= TASKS_PER_WORKER)
			continue;
		if (best < 0 || s->ws[i].nheld < s->ws[best].nheld)
			best = i;
	}
	return best;
}

/* Worker w is alive and moving: the stall clock starts again. */
void sup_progressed(struct sup *s, int w)
{
	s->ws[w].progressed = clock_now();
	s->ws[w].stall_next = s->job->stall_warning;
}

static void hold(struct sup *s, int w, const struct held *h)
{
	struct wstate *ws = &s->ws[w];

	if (ws->nheld == 0) {
		ws->started = clock_now();
		sup_progressed(s, w);
	}
	ws->held[ws->nheld++] = *h;
}

/* The worker is done with task seq. */
void sup_unhold(struct sup *s, int w, uint64_t seq)
{
	struct wstate *ws = &s->ws[w];

	for (int i = 0; i < ws->nheld; i++) {
		if (ws->held[i].seq != seq)
			continue;
		memmove(&ws->held[i], &ws->held[i + 1], (size_t)(ws->nheld - i - 1) * sizeof ws->held[0]);
		ws->nheld--;
		if (i == 0)
			ws->started = clock_now();	/* on to the next one */
		return;
	}
}

/*
 * Write part of a task frame to a non-blocking pipe: the header by
 * write(), the chunk bytes by vmsplice(), which hands the pages to the
 * pipe without copying them.  That is safe because a chunk's buffer is
 * kept, untouched, until its result is in, and by then the worker has
 * read every byte.  Returns bytes written, or -1 with errno.
 */
static ssize_t send_some(int fd, struct sender *sd)
{
	static bool no_vmsplice;
	size_t dsent;

	if (sd->sent < sd->hdr_len)
		return write(fd, sd->hdr + sd->sent, sd->hdr_len - sd->sent);
	dsent = sd->sent - sd->hdr_len;
	if (!no_vmsplice) {
		struct iovec iov = { (char *)sd->data + dsent, sd->data_len - dsent };
		ssize_t k = vmsplice(fd, &iov, 1, SPLICE_F_NONBLOCK);

		if (k >= 0 || (errno != EINVAL && errno != ENOSYS))
			return k;
		no_vmsplice = true;
	}
	return write(fd, sd->data + dsent, sd->data_len - dsent);
}

/* Control frames go out between task frames, never inside one. */
static int send_ctl(int fd, struct sender *sd)
{
	ssize_t k = write(fd, sd->ctl.data, sd->ctl.len);

	if (k < 0)
		return errno == EINTR ? 0 : -1;
	memmove(sd->ctl.data, sd->ctl.data + k, sd->ctl.len - (size_t)k);
	sd->ctl.len -= (size_t)k;
	return 0;
}

void sup_try_send(struct sup *s, int w)
{
	struct sender *sd = &s->senders[w];

	while (!sd->busy && sd->ctl.len > 0)
		if (send_ctl(s->procs[w].task_fd, sd) < 0) {
			if (errno != EAGAIN)
				sd->ctl.len = 0;	/* the worker died: its pipe says so */
			return;
		}
	while (sd->busy) {
		ssize_t k = send_some(s->procs[w].task_fd, sd);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			/* EPIPE means the worker died: its result pipe says so. */
			if (errno != EAGAIN)
				sd->busy = false;
			return;
		}
		sd->sent += (size_t)k;
		if (sd->sent == sd->hdr_len + sd->data_len) {
			sd->busy = false;
			if (sd->ctl.len > 0) {
				sup_try_send(s, w);
				return;
			}
		}
	}
}

/* The merger placed chunk seq at offset: tell the worker holding it. */
void sup_place(void *arg, uint64_t seq, uint64_t offset)
{
	struct sup *s = arg;
	int w = s->tasks[seq % s->window].worker;
	unsigned char frame[FRAME_HDR_SIZE + 8];
	struct frame_hdr h = { FRAME_WRITE, 0, seq, 8 };

	if (s->ws[w].gone)
		return;	/* the run fails: the output is not wanted */

	frame_encode_hdr(frame, &h);
	frame_put_u64(frame + FRAME_HDR_SIZE, offset);
	buf_append(&s->senders[w].ctl, frame, sizeof frame);
	sup_try_send(s, w);
}

/* Send chunk c (a new one, or one lost with a worker) to worker w. */
static void assign(struct sup *s, int w, const struct chunk *c)
{
	struct sender *sd = &s->senders[w];
	struct task *t = &s->tasks[c->seq % s->window];
	struct frame_hdr h = { 0, 0, c->seq, 0 };
	struct held hd = { c->seq, c->file, c->offset, c->length, 0 };

	t->folded = false;
	if (&t->chunk != c) {
		t->chunk = *c;
		t->attempts = 0;
		s->stats.chunks++;
	}
	t->worker = w;
	hold(s, w, &hd);
	struct frame_range r = { c->file, c->offset, c->length };

	/* Both kinds start with the range (for messages, and for the worker
	 * to read a file); a stream chunk's bytes follow it. */
	h.type = c->data != NULL ? FRAME_TASK_DATA : FRAME_TASK_RANGE;
	h.len = FRAME_RANGE_SIZE + (c->data != NULL ? c->length : 0);
	frame_encode_range(sd->hdr + FRAME_HDR_SIZE, &r);
	sd->hdr_len = FRAME_HDR_SIZE + FRAME_RANGE_SIZE;
	sd->data = c->data;
	sd->data_len = c->data != NULL ? c->length : 0;
	frame_encode_hdr(sd->hdr, &h);
	sd->sent = 0;
	sd->busy = true;
	sup_try_send(s, w);
}

/* Send a small task frame to worker w, waiting for room if need be. */
void sup_send_small(struct sup *s, int w, uint32_t type, const struct held *hd)
{
	unsigned char frame[FRAME_HDR_SIZE + FRAME_RANGE_SIZE];
	struct frame_hdr h = { type, 0, hd->seq, FRAME_RANGE_SIZE };
	struct frame_range r = { hd->file, hd->offset, hd->length };

	frame_encode_hdr(frame, &h);
	frame_encode_range(frame + FRAME_HDR_SIZE, &r);
	hold(s, w, hd);
	buf_append(&s->senders[w].ctl, frame, sizeof frame);
	sup_try_send(s, w);
}

/* Chunks lost with a worker go out again first, lowest first. */
void sup_dispatch_retries(struct sup *s)
{
	while (s->nretry > 0) {
		int w = sup_pick_worker(s);

		if (w < 0)
			return;
		struct held h = s->retry[0];

		memmove(s->retry, s->retry + 1, --s->nretry * sizeof *s->retry);
		if (s->counting)
			sup_send_small(s, w, FRAME_TASK_QUOTES, &h);
		else
			assign(s, w, &s->tasks[h.seq % s->window].chunk);
	}
}

/* Hand out chunks while the window and the workers have room. */
void sup_dispatch(struct sup *s)
{
	s->waiting_input = false;
	sup_dispatch_retries(s);
	while (s->nretry == 0 && !s->failure.set && !s->input_done && !merger_done(s->merger) &&
	    s->next_seq - merger_low(s->merger) < s->window) {
		int w = sup_pick_worker(s);
		struct chunk c;
		char *err = NULL;
		int code = EXIT_IOERR;

		if (w < 0)
			return;
		int rc = chunker_next(s->chunker, s->stream_readable, &c, &err, &code);

		s->stream_readable = false;
		if (rc == CHUNK_WAIT) {
			s->waiting_input = true;
			return;
		}
		if (rc == CHUNK_END) {
			s->input_done = true;
			return;
		}
		if (rc == CHUNK_ERROR) {
			/* The chunker reads ahead of the workers: a chunk
			 * before this point may still fail, and come first. */
			sup_fail_at(s, s->next_seq, code, err);
			return;
		}
		s->next_seq = c.seq + 1;
		assign(s, w, &c);
	}
}
