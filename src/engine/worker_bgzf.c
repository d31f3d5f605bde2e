/* worker_bgzf.c - a range of BGZF members (or of a multi-frame zstd
 * file's frames, worker_zstd.c): read and inflated by the worker, with
 * the records that start in the range (see worker_do_bgzf). */
#include "autoconfig.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "gzip_in.h"
#include "record.h"
#include "util.h"
#include "worker_int.h"

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
			worker_fail(w, EXIT_IOERR, "%s: read error at offset %llu: %s", w->name,
			    (unsigned long long)m->offset, strerror(errno));
		if ((uint64_t)n < want)
			worker_fail(w, EXIT_IOERR, "%s: file shrank while being read (offset %llu)", w->name,
			    (unsigned long long)(m->offset + (uint64_t)n));
		w->comp.len = (size_t)n;
		w->comp_at = m->offset;
	}
	if (w->zframes) {
		worker_zstd_frame(w, m, w->comp.data + (m->offset - w->comp_at), w->zexact);
		return;
	}
	if (w->gz == NULL)
		w->gz = gz_inflater_new();
	rc = gz_inflate_member(w->gz, w->comp.data + (m->offset - w->comp_at), m->csize, m->offset,
	    &w->read, &used, &err);
	if (rc < 0)
		worker_fail(w, rc == GZ_FAILED ? EXIT_SOFTWARE : EXIT_DATAERR, "%s: %s", w->name, err);
	if (used != m->csize)
		worker_fail(w, EXIT_DATAERR, "%s: corrupt gzip data at compressed byte offset %llu: "
		    "the member ends before the size its header gives", w->name,
		    (unsigned long long)(m->offset + used));
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
void worker_do_bgzf(struct worker *w, const struct frame_range *r, const struct gz_member *m,
    size_t n)
{
	int fd = worker_input_fd(w, r->file);
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
		worker_fail(w, EXIT_SOFTWARE, "worker: no BGZF member at offset %llu",
		    (unsigned long long)r->offset);
	uint64_t base = chunker_member_offset(w->chunker, r->file, lo);

	w->zframes = chunker_members_zstd(w->chunker, r->file);
	w->zexact = base != UINT64_MAX;
	size_t cross = SIZE_MAX;	/* where the next range's bytes begin in w->read */

	w->read.len = 0;
	w->comp.len = 0;
	w->walked = NREC_UNKNOWN;
	for (size_t i = lo; i < n; i++) {
		size_t before = w->read.len;
		bool beyond = m[i].offset >= end, last = i + 1 == n;
		char *t;

		if (beyond && w->zframes)
			worker_zstd_head(w, fd, &m[i]);	/* a frame is large */
		else
			inflate_member(w, fd, &m[i], &m[n - 1]);
		if (skipping) {
			if ((t = worker_first_end(w, 0, NULL)) == NULL) {
				base = worker_past(base, w->read.len);
				w->read.len = 0;
				if (m[i].offset + m[i].csize >= end)
					return;	/* no record starts here */
				continue;
			}
			worker_drop_through(w, t, &base);
			skipping = false;
			before = 0;
		}
		if (beyond && (t = worker_first_end(w, before, NULL)) != NULL) {
			w->walked = NREC_UNKNOWN;
			worker_run_records(w, w->read.data, (size_t)(t + 1 - w->read.data), base);
			return;
		}
		if (last) {
			size_t len = worker_whole(w, &w->read, base);

			worker_run_records(w, w->read.data, len, base);
			return;
		}
		if (beyond) {
			/* The record that crosses into the next range is held
			 * whole: it started after the last record end before. */
			cross = cross < before ? cross : before;
			if (w->read.len - cross > w->job->max_record) {
				size_t s = record_last_end(w->read.data, cross, w->term);

				worker_check_record(w, w->read.len - s, worker_past(base, s));
			}
		}
		if (!beyond)
			worker_run_complete(w, &base);
	}
}
