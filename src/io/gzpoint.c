/* gzpoint.c - reading a gzip file from an access point of its index,
 * with every byte checked (see gzpoint.h).
 *
 * ISA-L inflates raw deflate data here (ISAL_DEFLATE): a range starts
 * mid-member, where ISA-L's own gzip checks cannot begin, so the CRC-32
 * is kept here (crc32_gzip_refl, which continues a CRC from any value)
 * and the trailer is read here.  When ISA-L finishes a member it has
 * read ahead: the read_in_length bits it holds, less the bits of the
 * last byte, are the first bytes of the trailer. */
#include "autoconfig.h"

#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "gzip_hdr.h"
#include "gzpoint.h"
#include "isal_fault.h"
#include "util.h"

#define FEED_MAX (1u << 30)

struct gzp_reader {
	struct inflate_state is;
	const struct gzindex *ix;
	const unsigned char *map;
	uint64_t size;
	size_t j;		/* the last point at or before u */
	bool live;		/* is holds point j's member, started */
	uint64_t u;		/* uncompressed offset */
	uint64_t member_u;	/* where the current member's output starts */
	uint32_t crc;		/* of the member's output before u */
	unsigned char snap[ISAL_SNAP_LEN];	/* the state before the last call */
};

struct gzp_reader *gzp_new(void)
{
	return xcalloc(1, sizeof(struct gzp_reader));
}

void gzp_free(struct gzp_reader *r)
{
	free(r);
}

size_t gzp_point_at(const struct gzindex *ix, uint64_t off)
{
	size_t lo = 0, hi = ix->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ix->p[mid].uoff < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void gzp_start(struct gzp_reader *r, const struct gzindex *ix, const unsigned char *map,
    uint64_t size, size_t i)
{
	r->ix = ix;
	r->map = map;
	r->size = size;
	r->j = i;
	r->live = false;
	r->u = ix->p[i].uoff;
}

uint64_t gzp_offset(const struct gzp_reader *r)
{
	return r->u;
}

static int bad(char **err, uint64_t at, const char *why)
{
	*err = xasprintf("corrupt gzip data at compressed byte offset %llu: %s",
	    (unsigned long long)at, why);
	return -1;
}

/* One call of ISA-L on the input it was fed: its result, and on bad
 * deflate data *at, the byte where it is (see isal_fault.h). */
static int call(struct gzp_reader *r, uint64_t *at)
{
	const uint8_t *in = r->is.next_in;
	uint32_t len = r->is.avail_in;
	int rc;

	isal_snap(r->snap, &r->is);
	rc = isal_inflate(&r->is);
	if (rc < 0 && rc != ISAL_INCORRECT_CHECKSUM)
		*at = isal_fault_at(r->snap, in, len, (uint64_t)(in - r->map),
		    (uint64_t)(r->is.next_in - r->map));
	return rc;
}

/* Start inflating at point j: a member's header, or the window and the
 * bits of the point's first byte. */
static int begin(struct gzp_reader *r, char **err)
{
	const struct gzi_point *pt = &r->ix->p[r->j];
	uint64_t at = pt->cbit / 8;

	isal_inflate_init(&r->is);
	r->is.crc_flag = ISAL_DEFLATE;
	r->crc = pt->crc;
	if (pt->flags & GZI_MEMBER) {
		struct gz_hdr h;
		const char *why = NULL;
		size_t used;

		if (at + 2 > r->size || r->map[at] != 0x1f || r->map[at + 1] != 0x8b)
			return bad(err, at, "no gzip member where the index says");
		gz_hdr_begin(&h);
		if (gz_hdr_feed(&h, r->map + at + 2, (size_t)(r->size - at - 2), &used, &why) != 1)
			return bad(err, at, why ? why : "unexpected end of gzip data");
		at += 2 + used;
		r->member_u = pt->uoff;
	} else {
		size_t m = r->j;

		if (at >= r->size)
			return bad(err, at, "the index points beyond the file");
		if (isal_inflate_set_dict(&r->is, pt->window, pt->wlen) != ISAL_DECOMP_OK)
			return bad(err, at, "cannot set the window");
		r->is.read_in = (uint64_t)(r->map[at] >> (pt->cbit % 8));
		r->is.read_in_length = (int32_t)(8 - pt->cbit % 8);
		at++;
		while (m > 0 && !(r->ix->p[m].flags & GZI_MEMBER))
			m--;
		r->member_u = r->ix->p[m].uoff;
	}
	r->is.next_in = (uint8_t *)(uintptr_t)(r->map + at);
	r->live = true;
	return 0;
}

/* Feed ISA-L the rest of the file (up to what avail_in can say). */
static void feed(struct gzp_reader *r)
{
	uint64_t left = r->size - (uint64_t)(r->is.next_in - r->map);

	r->is.avail_in = (uint32_t)(left < FEED_MAX ? left : FEED_MAX);
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The member ends at u: the deflate data must end here, the trailer hold
 * its CRC-32 and length, and the next member start where the index says
 * (or only zeros follow the last). */
static int end_member(struct gzp_reader *r, char **err)
{
	unsigned char extra[64];
	uint64_t t, next, at = 0;

	while (r->is.block_state != ISAL_BLOCK_FINISH) {
		int rc;

		feed(r);
		r->is.next_out = extra;
		r->is.avail_out = sizeof extra;
		rc = call(r, &at);
		if (rc < 0)
			return bad(err, at, isal_reason(rc));
		if (r->is.avail_out != sizeof extra)
			return bad(err, (uint64_t)(r->is.next_in - r->map),
			    "the member is longer than the index says");
		if (r->is.block_state != ISAL_BLOCK_FINISH && r->is.avail_in == 0)
			return bad(err, r->size, "unexpected end of gzip data");
	}
	t = (uint64_t)(r->is.next_in - r->map);
	if ((uint64_t)r->is.read_in_length / 8 > t)
		return bad(err, t, "invalid deflate data");
	t -= (uint64_t)r->is.read_in_length / 8;
	if (t > r->size || r->size - t < 8)
		return bad(err, r->size, "unexpected end of gzip data");
	if (le32(r->map + t) != r->crc)
		return bad(err, t, "CRC-32 mismatch");
	if (le32(r->map + t + 4) != (uint32_t)(r->u - r->member_u))
		return bad(err, t + 4, "length mismatch");
	next = t + 8;
	r->live = false;
	if (r->j + 1 < r->ix->n) {
		if (r->ix->p[r->j + 1].cbit != next * 8)
			return bad(err, next, "the next member is not where the index says");
		return 0;
	}
	for (uint64_t k = next; k < r->size; k++)
		if (r->map[k] != 0)
			return bad(err, next, "trailing garbage after gzip data");
	return 0;
}

int gzp_read(struct gzp_reader *r, struct buf *out, size_t max, char **err)
{
	const struct gzindex *ix = r->ix;

	for (;;) {
		uint64_t next = r->j + 1 < ix->n ? ix->p[r->j + 1].uoff : ix->usize;
		uint64_t room, at = 0;
		const uint8_t *in;
		size_t made;
		int rc;

		if (!r->live && r->j >= ix->n)
			return 0;
		if (!r->live && begin(r, err) < 0)
			return -1;
		if (r->u == next) {
			/* At the next point, or the end of the data. */
			if (r->j + 1 < ix->n && !(ix->p[r->j + 1].flags & GZI_MEMBER)) {
				if (r->crc != ix->p[r->j + 1].crc)
					return bad(err, ix->p[r->j + 1].cbit / 8,
					    "CRC-32 mismatch at an index point");
				r->j++;
				continue;
			}
			if (end_member(r, err) < 0)
				return -1;
			if (++r->j >= ix->n)
				return 0;
			continue;
		}
		if (r->u > next)
			return bad(err, ix->p[r->j].cbit / 8, "more data than the index says");
		room = next - r->u < max ? next - r->u : max;
		if (room > FEED_MAX)
			room = FEED_MAX;
		buf_reserve(out, (size_t)room);
		feed(r);
		in = r->is.next_in;
		r->is.next_out = (uint8_t *)out->data + out->len;
		r->is.avail_out = (uint32_t)room;
		rc = call(r, &at);
		made = (size_t)room - r->is.avail_out;
		if (rc < 0)
			return bad(err, at, isal_reason(rc));
		if (made == 0 && (r->is.block_state == ISAL_BLOCK_FINISH || r->is.next_in == in))
			return bad(err, ix->p[r->j].cbit / 8, r->is.block_state == ISAL_BLOCK_FINISH ?
			    "the member is shorter than the index says" : "unexpected end of gzip data");
		if (made == 0)
			continue;	/* input consumed up to what one call is fed */
		r->crc = crc32_gzip_refl(r->crc, (uint8_t *)out->data + out->len, made);
		out->len += made;
		r->u += made;
		return 1;
	}
}
