/* sup_prescan.c - what the supervisor does before the chunks: the
 * header record (--header), read before the workers fork and written
 * first, and the CSV quote-count pre-pass the workers run on each file's
 * grid before it is cut. */
#include "autoconfig.h"

#include "chunker.h"
#include "output.h"
#include "partial.h"
#include "proc.h"
#include "stats.h"
#include "supervisor_int.h"
#include "util.h"

static bool all_idle(const struct sup *s)
{
	for (int i = 0; i < s->nprocs; i++)
		if (!s->ws[i].gone && s->ws[i].nheld > 0)
			return false;
	return true;
}

/*
 * Count the quotes of file f's grid segments.  A failure (a read error)
 * is handled like a chunk's: no segment is sent after it, and the lowest
 * failing segment is reported.  Returns a terminating signal, or 0.
 */
static int count_file_quotes(struct sup *s, uint32_t f)
{
	uint64_t seg, size = chunker_file_size(s->chunker, f);
	size_t nseg = chunker_quote_grid(s->chunker, f, &seg), next = 0;

	for (;;) {
		int sig = proc_quit_signal();

		if (sig != 0)
			return sig;
		sup_dispatch_retries(s);
		while (!s->failure.set && s->nretry == 0 && next < nseg) {
			int w = sup_pick_worker(s);
			struct held h = { next, f, next * seg, 0, 0 };

			if (w < 0)
				break;
			h.length = size - h.offset < seg ? size - h.offset : seg;
			sup_send_small(s, w, FRAME_TASK_QUOTES, &h);
			next++;
		}
		if (s->failure.set ? sup_failure_settled(s) :
		    next == nseg && s->nretry == 0 && all_idle(s))
			break;
		sup_wait_events(s);
	}
	if (s->failure.set)
		sup_report_failure(s);
	return 0;
}

/*
 * Before a CSV file is cut, the workers count the quotes of each segment
 * of its grid, in parallel (see csv_cut.c,
 * chunker_csv_grid_boundary).  This
 * comes before any chunk is processed, so a read error here is reported
 * before errors in the data.  Returns a terminating signal, or 0.
 */
int sup_csv_prescan(struct sup *s)
{
	int sig = 0;

	s->counting = true;
	for (uint32_t f = 0; f < chunker_count(s->chunker) && sig == 0; f++)
		sig = count_file_quotes(s, f);
	s->counting = false;
	return sig;
}

/*
 * With --header, the first record is read now, before the workers fork:
 * the stages resolve field names against it.  Without, they are bound to
 * no header (names are then an error).
 */
void sup_read_header(struct sup *s)
{
	char *err = NULL;
	int code = EXIT_SOFTWARE;
	const char *why = NULL;
	struct header *h = &s->header;

	chunker_set_format(s->chunker, &s->job->format, s->job->header);
	if (s->job->header) {
		int rc;

		while ((rc = chunker_header(s->chunker, true, &h->raw, &err, &code)) == 0)
			;
		if (rc < 0)
			fatal(code, "%s", err);
		if (job_header_fields(s->job, h, &why) < 0)
			fatal(EXIT_DATAERR, "%s: malformed CSV header: %s", chunker_path(s->chunker, 0), why);
	}
	if (job_bind(s->job, s->job->header ? h : NULL, &err, &code) < 0)
		fatal(code, "%s", err);
}

void sup_write_header(struct sup *s)
{
	struct buf out = { 0 };
	char *err = NULL;

	if (s->job->partial_out)
		partial_put_head(s->job, &s->header.raw, &out);
	else if (s->job->header || s->job->to_stage != NULL)
		job_header_out(s->job, &s->header, &out);
	if (out.len > 0 && output_write(s->out, out.data, out.len, &err) < 0)
		fatal(EXIT_IOERR, "%s", err);
	stats_header(&s->stats, s->job->header ? s->header.raw.len : 0,
	    out.len > 0 && !s->job->partial_out);
	if (chunker_gzix_header_in_range(s->chunker))
		s->stats.header_bytes = 0;	/* counted with its range */
	buf_free(&out);
}
