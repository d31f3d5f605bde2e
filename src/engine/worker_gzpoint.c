/* worker_gzpoint.c - a range of an indexed gzip file: inflated by the
 * worker from the access point where it starts, with the records that
 * start in the range (see worker_do_gzpoint). */
#include "autoconfig.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "gzindex.h"
#include "gzpoint.h"
#include "record.h"
#include "util.h"
#include "worker_int.h"

/* The compressed file, mapped once per worker, and the reader. */
struct gzp_worker {
	uint32_t file;
	const unsigned char *map;
	uint64_t size;
	struct gzp_reader *rd;
};

/* Map input file (its index says its size) unless it is mapped. */
static struct gzp_worker *mapped(struct worker *w, uint32_t file, const struct gzindex *ix)
{
	struct gzp_worker *g = w->gzp;
	struct stat sb;
	int fd;
	void *map;

	if (g == NULL) {
		g = w->gzp = xcalloc(1, sizeof *g);
		g->rd = gzp_new();
	} else if (g->map != NULL && g->file == file) {
		return g;
	}
	if (g->map != NULL)
		munmap((void *)(uintptr_t)g->map, (size_t)g->size);
	g->map = NULL;
	fd = worker_input_fd(w, file);
	if (fstat(fd, &sb) < 0 || (uint64_t)sb.st_size != ix->id.size)
		worker_fail(w, EXIT_DATAERR, "%s: changed since its index was checked", w->name);
	map = mmap(NULL, (size_t)ix->id.size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		worker_fail(w, EXIT_IOERR, "%s: cannot map: %s", w->name, strerror(errno));
	g->file = file;
	g->map = map;
	g->size = ix->id.size;
	return g;
}

/* Append the next piece of output to w->read: 1, or 0 at the end. */
static int more(struct worker *w, struct gzp_worker *g, size_t max)
{
	char *err = NULL;
	int rc = gzp_read(g->rd, &w->read, max, &err);

	if (rc < 0)
		worker_fail(w, EXIT_DATAERR, "%s: %s", w->name, err);
	return rc;
}

/*
 * A range [offset, end) of an indexed gzip file, in inflated offsets,
 * from one access point to another.  The cut is no record boundary, so
 * the range's records are, as with BGZF members, those after the first
 * record end at or after offset (all of them for the range that starts
 * the file) through the first record end at or after end: the next
 * range's worker starts after that same record end.  With CSV a record
 * end is a terminator outside quotes, found from the quote state the
 * index keeps at the points where both searches start (offset and end),
 * so that both workers find the same one.  With --header the range that
 * starts the file skips the header record the same way.
 */
void worker_do_gzpoint(struct worker *w, const struct frame_range *r, const struct gzindex *ix)
{
	struct gzp_worker *g = mapped(w, r->file, ix);
	uint64_t end = r->offset + r->length, base = r->offset;
	size_t i = gzp_point_at(ix, r->offset);
	bool skipping = r->offset != 0 || w->job->header;
	bool csv = w->job->format.kind == FORMAT_CSV;
	int odd = 0, *quotes = csv ? &odd : NULL;	/* the quote state where a search is */

	if (i == ix->n || ix->p[i].uoff != r->offset)
		worker_fail(w, EXIT_SOFTWARE, "worker: no index point at offset %llu",
		    (unsigned long long)r->offset);
	gzp_start(g->rd, ix, g->map, g->size, i);
	odd = (ix->p[i].flags & GZI_QUOTED) != 0;
	w->read.len = 0;
	w->walked = NREC_UNKNOWN;
	for (;;) {
		uint64_t at = gzp_offset(g->rd);
		size_t max = at < end && end - at < BLOCK_SIZE ? (size_t)(end - at) : BLOCK_SIZE;
		size_t before = w->read.len;
		int rc = more(w, g, max);
		char *t;

		if (skipping) {
			if (rc == 0)
				return;	/* no record starts here */
			if ((t = worker_first_end(w, 0, quotes)) == NULL) {
				base += w->read.len;
				w->read.len = 0;
				if (gzp_offset(g->rd) >= end)
					return;
				continue;
			}
			worker_drop_through(w, t, &base);
			skipping = false;
			before = 0;
		}
		if (rc == 0) {
			size_t len = worker_whole(w, &w->read, base);

			worker_run_records(w, w->read.data, len, base);
			return;
		}
		if (at >= end) {
			/* Past the range: its last record ends at the first
			 * record end from end on, held whole till then. */
			size_t from = end - base > before ? (size_t)(end - base) : before;

			if (at == end) {
				size_t b = gzp_point_at(ix, end);

				odd = b < ix->n && (ix->p[b].flags & GZI_QUOTED) != 0;
			}
			if ((t = worker_first_end(w, from, quotes)) != NULL) {
				/* The range's last records, checked as a file
				 * range's are (CSV: walked from their start). */
				w->read.len = (size_t)(t + 1 - w->read.data);
				worker_run_records(w, w->read.data, worker_whole(w, &w->read, base), base);
				return;
			}
			if (w->read.len > w->job->max_record) {
				size_t s = record_last_end(w->read.data, (size_t)(end - base), w->term);

				worker_check_record(w, w->read.len - s, base + s);
			}
			continue;
		}
		worker_run_complete(w, &base);
	}
}
