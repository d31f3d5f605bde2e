/* worker_json.c - a worker's pass over JSON Lines: each block's records
 * validated, the paths' values kept for the first stage, and with
 * --reject the records that do not parse set aside (worker_reject.c). */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "jsonl.h"
#include "util.h"
#include "worker_int.h"

/*
 * JSON Lines: every record of a block is validated before the stages see
 * it, whatever they read, and in the same pass the values of the job's
 * paths are kept for the first stage (block.jv), so no record is scanned
 * twice.  The records before a bad one are run first, so the failure
 * comes in input order, as malformed CSV's does.
 */
size_t worker_scan_json(struct worker *w, char *data, size_t len, uint64_t offset)
{
	const struct jpaths *ps = w->job->format.paths;
	size_t n = ps != NULL ? ps->n : 0, pos = 0, k = 0, from = 0;
	const char *why = NULL;

	w->jv.len = 0;
	while (pos < len) {
		size_t rl, e;

		buf_reserve(&w->jv, n * sizeof(struct jval));
		/* the record's end found in the same pass */
		bool ok = json_scan_line(ps, data + pos, len - pos, w->term,
		    n > 0 ? (struct jval *)(void *)w->jv.data + k * n : NULL, &rl, &why);

		e = pos + rl;
		if (!ok) {
			w->jv_ready = true;
			worker_run_block(w, data + from, pos - from, offset + from, k);
			if (w->job->reject == NULL)
				worker_fail(w, EXIT_DATAERR, "%s: invalid JSON at byte offset %llu: %s",
				    w->name, (unsigned long long)(offset + pos), why);
			/* Byte for byte: a terminator the input lacks is left out. */
			worker_reject(w, data + pos, e - pos + (e < len && data + e != w->supplied),
			    offset + pos);
			w->jv.len = 0;
			k = 0;
			pos = from = e + 1;
			continue;
		}
		w->jv.len += n * sizeof(struct jval);
		k++;
		pos = e + 1;
	}
	w->jv_ready = true;
	return from < len ? from : len;
}

