/* agg_reject.c - --reject in the grouping reducers (group, top and
 * crosstab; uniq has no op to refuse a record): a record whose ops cannot
 * take it (a number that does not parse, a field it lacks) is handed
 * whole to the block's reject hook (the worker's reject list,
 * worker_reject.c) instead of being a data error.  agg.c's fold checks
 * the record before it touches a group (record_takes), so a rejected
 * record is left out of the reducer entirely: in no group, not even in
 * count. */
#include "autoconfig.h"

#include "aggpart.h"

void agg_reject(struct agg_part *p, const char *rec, size_t len)
{
	uint64_t off = p->boff == OFFSET_UNKNOWN ? OFFSET_UNKNOWN :
	    p->boff + (uint64_t)(rec - p->bdata);

	/* With its terminator, unless that is the end of the block and was
	 * supplied (the input lacks it): byte for byte. */
	if (rec + len < p->bend && !(rec + len + 1 == p->bend && p->bsupplied))
		len++;
	p->reject(p->reject_ctx, rec, len, off);
}
