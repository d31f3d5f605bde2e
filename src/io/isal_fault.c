/* isal_fault.c - the byte where bad deflate data is: ISA-L's failed call
 * replayed a byte at a time from a snapshot (see isal_fault.h). */
#include "autoconfig.h"

#include <stdlib.h>

#include "isal_fault.h"
#include "util.h"

#define SCRATCH (64 * 1024)

const char *isal_reason(int rc)
{
	switch (rc) {
	case ISAL_INVALID_LOOKBACK:
		return "invalid distance too far back";
	case ISAL_INVALID_SYMBOL:
		return "invalid literal/length or distance code";
	default:
		return "invalid block";
	}
}

/* Give back the whole bytes of s's bit buffer and the bytes it set
 * aside, into pre: they are fed again, so that the replay does not
 * depend on how far the snapshot had read ahead.  How many. */
static size_t give_back(struct inflate_state *s, unsigned char *pre)
{
	size_t n = 0;

	if (s->read_in_length > 0) {
		int keep = s->read_in_length % 8;

		for (int k = 0; k < s->read_in_length / 8; k++)
			pre[n++] = (unsigned char)(s->read_in >> (keep + 8 * k));
		s->read_in &= ((uint64_t)1 << keep) - 1;
		s->read_in_length = keep;
	}
	if (s->tmp_in_size > 0) {
		memcpy(pre + n, s->tmp_in_buffer, (size_t)s->tmp_in_size);
		n += (size_t)s->tmp_in_size;
		s->tmp_in_size = 0;
	}
	return n;
}

uint64_t isal_fault_at(const void *snap, const unsigned char *in, size_t len, uint64_t at,
    uint64_t fallback)
{
	/* The history is left zero: only its length (tmp_out_valid) tells
	 * how far back a distance may reach. */
	struct inflate_state *s = xcalloc(1, sizeof *s);
	unsigned char *out = xmalloc(SCRATCH), pre[8 + ISAL_DEF_MAX_HDR_SIZE];
	size_t np, i = 0;
	uint64_t from, found = fallback;

	memcpy(s, snap, ISAL_SNAP_LEN);
	s->crc_flag = ISAL_DEFLATE;	/* the fault is in the data, before any trailer */
	np = give_back(s, pre);
	from = at >= np ? at - np : 0;
	while (i < np + len) {
		uint8_t byte = i < np ? pre[i] : in[i - np];
		int rc;

		s->next_in = &byte;
		s->avail_in = 1;
		s->next_out = out;
		s->avail_out = SCRATCH;
		rc = isal_inflate(s);
		i += 1 - s->avail_in;
		if (rc < 0) {
			/* The first bit not decoded is in the byte at bits / 8. */
			int64_t bits = (int64_t)(from + i) * 8 - s->read_in_length -
			    (int64_t)(s->tmp_in_size > 0 ? s->tmp_in_size : 0) * 8;

			found = bits <= 0 ? 0 : (uint64_t)bits / 8;
			break;
		}
		if (s->block_state == ISAL_BLOCK_FINISH || (s->avail_in == 1 && s->avail_out == SCRATCH))
			break;
	}
	free(out);
	free(s);
	return found;
}
