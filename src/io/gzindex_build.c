/* gzindex_build.c - making a gzip index while inflating, and inflating
 * from its access points.
 *
 * ISA-L (2.30) cannot be told to stop at a deflate block boundary, but
 * it says where it is: when its input runs out between two blocks, or
 * inside a block header, block_state is ISAL_BLOCK_NEW_HDR or
 * ISAL_BLOCK_HDR, and the bits not yet used are those in read_in (the
 * last read_in_length bits) followed by the tmp_in_size bytes it set
 * aside.  So once a point is due, the builder feeds ISA-L a few bytes at
 * a time until a call ends there: the next block's header starts that
 * many bits before the bytes consumed.  Dynamic block headers are longer
 * than a feed, so the first block boundary after the point is found.
 *
 * Starting at a point is the reverse: the window as ISA-L's dictionary,
 * the bits of the first byte after the point's bit offset put in
 * read_in, and the rest of the file as input. */
#include "autoconfig.h"

#include <errno.h>
#include <isa-l/igzip_lib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "csv.h"
#include "gzindex.h"
#include "gzip_hdr.h"
#include "isal_fault.h"
#include "scan.h"
#include "util.h"

#define PROBE_FEED 32		/* bytes fed at a time while a point is due */
#define OUT_CHUNK (4u << 20)
/* Output handed to a sink (--write-index: the pipe to the supervisor) in
 * pieces of 1 MiB, still in the L2 cache when written: at 256 KiB the 32
 * KiB window kept before each piece was copied for every 192 KiB made,
 * and writing the index cost 18 % of a count over a 1 GiB log, against
 * about 9 % now. */
#define SINK_CHUNK (1u << 20)

struct builder {
	struct gzindex *ix;
	struct inflate_state is;
	const unsigned char *map;
	uint64_t size;
	uint64_t off;		/* compressed bytes consumed */
	uint64_t uoff;		/* output produced */
	uint64_t next_point;	/* output offset at which a point is due */
	unsigned char *out;	/* GZI_WINDOW bytes of history, then OUT_CHUNK */
	size_t hist;		/* bytes of history before out + GZI_WINDOW */
	size_t fill;		/* bytes of output after it, not yet compacted:
				 * while probing, ISA-L makes a few bytes a call,
				 * and moving the window each time would cost more
				 * than inflating */
	size_t pending;		/* points from here on wait for their line end */
	int odd;		/* the parity of the quotes in the output so far */
	size_t cpending;	/* points from here on wait for their CSV record end */
	uint64_t cscan;		/* output scanned for it, */
	int codd;		/* and the quote state there */
	uint32_t crc;		/* CRC-32 of the member's output so far */
	unsigned char snap[ISAL_SNAP_LEN];	/* ISA-L's state at snap_off, where */
	uint64_t snap_off;	/* bad data is looked for (see isal_fault.h) */
	bool probed;		/* the last call was a probe */
	gzi_sink *sink;		/* where the output goes too, or NULL */
	void *ctx;
};

static int bad(char **err, uint64_t at, const char *why)
{
	*err = xasprintf("corrupt gzip data at compressed byte offset %llu: %s",
	    (unsigned long long)at, why);
	return -1;
}

/* Resolve the line ends of the waiting points in output at p (len bytes
 * at uncompressed offset base). */
static void line_ends(struct builder *b, const unsigned char *p, size_t len, uint64_t base)
{
	while (b->pending < b->ix->n) {
		struct gzi_point *pt = &b->ix->p[b->pending];
		uint64_t from = pt->uoff > base ? pt->uoff : base;
		const unsigned char *nl;

		if (from >= base + len)
			return;
		nl = memchr(p + (from - base), '\n', (size_t)(base + len - from));
		if (nl == NULL)
			return;
		pt->line_end = base + (uint64_t)(nl - p);
		b->pending++;
	}
}

/* The same for the CSV record ends: the first line end outside quotes,
 * by the quote parity, as a plain CSV file's grid finds them. */
static void csv_ends(struct builder *b, const unsigned char *p, size_t len, uint64_t base)
{
	while (b->cpending < b->ix->n) {
		struct gzi_point *pt = &b->ix->p[b->cpending];
		const char *t;

		if (b->cscan < pt->uoff) {
			b->cscan = pt->uoff;
			b->codd = (pt->flags & GZI_QUOTED) != 0;
		}
		if (b->cscan >= base + len)
			return;
		t = csv_parity_end((const char *)p + (b->cscan - base), (size_t)(base + len - b->cscan),
		    '\n', &b->codd);
		if (t == NULL) {
			b->cscan = base + len;
			return;
		}
		/* A later point before it has the same record end. */
		pt->csv_end = b->cscan = base + (uint64_t)((const unsigned char *)t - p);
		b->cpending++;
	}
}

/* Output p[0..len) at b->uoff: the points' record ends, the quotes. */
static void scan_output(struct builder *b, const unsigned char *p, size_t len)
{
	line_ends(b, p, len, b->uoff);
	csv_ends(b, p, len, b->uoff);
	b->odd ^= (int)(scan_count_byte((const char *)p, len, '"') & 1);
}

static void add_point(struct builder *b, uint64_t cbit, uint32_t flags)
{
	struct gzi_point pt = { cbit, b->uoff, GZI_NONE, GZI_NONE,
		flags | (b->odd ? GZI_QUOTED : 0), 0, b->crc, NULL };

	size_t have = b->hist + b->fill;

	if (!(flags & GZI_MEMBER))
		pt.wlen = (uint32_t)(have < GZI_WINDOW ? have : GZI_WINDOW);
	gzindex_add(b->ix, &pt, b->out + GZI_WINDOW + b->fill - pt.wlen);
	b->next_point = b->uoff + b->ix->spacing;
}

/* Hand the output made since the last time to the sink, and keep its
 * last GZI_WINDOW bytes before out + GZI_WINDOW.  0, or GZI_STOPPED. */
static int compact(struct builder *b)
{
	unsigned char *end = b->out + GZI_WINDOW + b->fill;
	size_t total = b->hist + b->fill, keep = total < GZI_WINDOW ? total : GZI_WINDOW;

	if (b->fill > 0 && b->sink != NULL && b->sink(b->ctx, b->out + GZI_WINDOW, b->fill) < 0)
		return GZI_STOPPED;
	memmove(b->out + GZI_WINDOW - keep, end - keep, keep);
	b->hist = keep;
	b->fill = 0;
	return 0;
}

/* The header of the member at b->off; 0, or -1 with *err. */
static int member_header(struct builder *b, char **err)
{
	struct gz_hdr h;
	const char *why = NULL;
	size_t used;
	int rc;

	gz_hdr_begin(&h);
	rc = gz_hdr_feed(&h, b->map + b->off + 2, (size_t)(b->size - b->off - 2), &used, &why);
	if (rc < 0)
		return bad(err, b->off, why);
	if (rc == 0)
		return bad(err, b->size, "unexpected end of gzip data");
	b->off += 2 + used;
	return 0;
}

/* Whether ISA-L stopped between two blocks, all its output given. */
static bool at_boundary(const struct inflate_state *s)
{
	return (s->block_state == ISAL_BLOCK_NEW_HDR || s->block_state == ISAL_BLOCK_HDR) &&
	    s->tmp_out_valid == s->tmp_out_processed && s->copy_overflow_length == 0 &&
	    s->write_overflow_len == 0;
}

/* Inflate the member whose deflate data starts at b->off. */
static int member_body(struct builder *b, char **err)
{
	isal_inflate_reset(&b->is);
	b->is.crc_flag = ISAL_GZIP_NO_HDR_VER;
	b->probed = false;
	while (b->is.block_state != ISAL_BLOCK_FINISH) {
		bool probing = b->uoff >= b->next_point;
		uint64_t left = b->size - b->off;
		uint32_t feed = probing ? PROBE_FEED : (uint32_t)(left < (1u << 30) ? left : 1u << 30);
		uint32_t chunk = b->sink != NULL ? SINK_CHUNK : OUT_CHUNK, room;
		size_t made;
		int rc;

		if (chunk - b->fill < chunk / 4 && compact(b) < 0)
			return GZI_STOPPED;
		room = (uint32_t)(chunk - b->fill);
		if (feed > left)
			feed = (uint32_t)left;
		if (!probing && b->next_point - b->uoff < room)
			room = (uint32_t)(b->next_point - b->uoff);
		b->is.next_in = (uint8_t *)(uintptr_t)(b->map + b->off);
		b->is.avail_in = feed;
		b->is.next_out = b->out + GZI_WINDOW + b->fill;
		b->is.avail_out = room;
		/* Not at every probe: a few bytes each, the copy would cost
		 * more than they; a replay goes through them all. */
		if (!probing || !b->probed) {
			isal_snap(b->snap, &b->is);
			b->snap_off = b->off;
		}
		b->probed = probing;
		rc = isal_inflate(&b->is);
		made = room - b->is.avail_out;
		b->off += feed - b->is.avail_in;
		scan_output(b, b->out + GZI_WINDOW + b->fill, made);
		b->crc = b->is.crc;	/* ISA-L keeps it, to check the trailer */
		b->uoff += made;
		b->fill += made;
		if (rc == ISAL_INCORRECT_CHECKSUM)
			return bad(err, b->off, "CRC-32 or length mismatch");
		if (rc < 0)
			return bad(err, isal_fault_at(b->snap, b->map + b->snap_off,
			    (size_t)(b->off - b->snap_off), b->snap_off, b->off), isal_reason(rc));
		if (feed == 0 && made == 0 && b->is.block_state != ISAL_BLOCK_FINISH)
			return bad(err, b->size, "unexpected end of gzip data");
		if (probing && b->is.avail_in == 0 && at_boundary(&b->is) && b->is.avail_out > 0) {
			uint64_t bits = (uint64_t)b->is.tmp_in_size * 8 + (uint64_t)b->is.read_in_length;

			if (bits <= b->off * 8 && b->uoff > b->ix->p[b->ix->n - 1].uoff)
				add_point(b, b->off * 8 - bits, 0);
		}
	}
	return compact(b);
}

int gzindex_build(int fd, uint64_t spacing, struct gzindex *ix, char **err)
{
	return gzindex_build_to(fd, spacing, ix, NULL, NULL, err);
}

int gzindex_build_to(int fd, uint64_t spacing, struct gzindex *ix, gzi_sink *sink, void *ctx,
    char **err)
{
	struct builder b;
	void *map = NULL;
	int rc = 0;

	memset(ix, 0, sizeof *ix);
	ix->spacing = spacing ? spacing : GZI_SPACING_DEFAULT;
	if (gzi_ident_of(fd, &ix->id, err) < 0)
		return -1;
	if (ix->id.size < 2) {
		*err = xstrdup(ix->id.size ? "unexpected end of gzip data at compressed byte offset 1" :
		    "unexpected end of gzip data at compressed byte offset 0");
		return -1;
	}
	map = mmap(NULL, (size_t)ix->id.size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		*err = xasprintf("cannot map: %s", strerror(errno));
		return -1;
	}
	(void)madvise(map, (size_t)ix->id.size, MADV_SEQUENTIAL);
	memset(&b, 0, sizeof b);
	b.ix = ix;
	b.sink = sink;
	b.ctx = ctx;
	b.map = map;
	b.size = ix->id.size;
	b.out = xmalloc(GZI_WINDOW + OUT_CHUNK);
	isal_inflate_init(&b.is);
	while (rc == 0 && b.off < b.size) {
		if (b.map[b.off] != 0x1f || b.off + 1 >= b.size || b.map[b.off + 1] != 0x8b) {
			/* Only zeros may follow the last member. */
			for (uint64_t k = b.off; k < b.size && rc == 0; k++)
				if (b.map[k] != 0)
					rc = bad(err, b.off, b.off ? "trailing garbage after gzip data" :
					    "not in gzip format");
			break;
		}
		b.hist = 0;
		b.crc = 0;
		add_point(&b, b.off * 8, GZI_MEMBER);
		rc = member_header(&b, err);
		if (rc == 0)
			rc = member_body(&b, err);
	}
	ix->usize = b.uoff;
	free(b.out);
	munmap(map, (size_t)ix->id.size);
	if (rc < 0)
		gzindex_free(ix);
	return rc;
}

/* Inflate len bytes from point pt onto out. */
static int from_point(const struct gzi_point *pt, const unsigned char *map, uint64_t size,
    uint64_t len, struct inflate_state *s, struct buf *out, char **err)
{
	uint64_t at = pt->cbit / 8;
	unsigned shift = (unsigned)(pt->cbit % 8);

	isal_inflate_init(s);
	if (pt->flags & GZI_MEMBER) {
		struct gz_hdr h;
		const char *why = NULL;
		size_t used;

		if (at + 2 > size || map[at] != 0x1f || map[at + 1] != 0x8b)
			return bad(err, at, "no gzip member where the index says");
		gz_hdr_begin(&h);
		if (gz_hdr_feed(&h, map + at + 2, (size_t)(size - at - 2), &used, &why) != 1)
			return bad(err, at, why ? why : "unexpected end of gzip data");
		at += 2 + used;
	} else {
		if (at >= size)
			return bad(err, at, "the index points beyond the file");
		if (isal_inflate_set_dict(s, pt->window, pt->wlen) != ISAL_DECOMP_OK)
			return bad(err, at, "cannot set the window");
		s->read_in = (uint64_t)(map[at] >> shift);
		s->read_in_length = (int32_t)(8 - shift);
		at++;
	}
	s->crc_flag = ISAL_DEFLATE;
	buf_reserve(out, (size_t)len);
	s->next_in = (uint8_t *)(uintptr_t)(map + at);
	s->avail_in = (uint32_t)(size - at < (1u << 30) ? size - at : 1u << 30);
	while (len > 0) {
		uint32_t room = (uint32_t)(len < (1u << 30) ? len : 1u << 30);
		int rc;

		s->next_out = (uint8_t *)out->data + out->len;
		s->avail_out = room;
		rc = isal_inflate(s);
		out->len += room - s->avail_out;
		len -= room - s->avail_out;
		if (rc < 0)
			return bad(err, pt->cbit / 8, "invalid deflate data after an index point");
		if (len > 0 && (s->block_state == ISAL_BLOCK_FINISH || room == s->avail_out))
			return bad(err, pt->cbit / 8, "the data ends before the index says");
	}
	return 0;
}

int gzindex_inflate(const struct gzindex *ix, size_t i, const unsigned char *map, uint64_t size,
    uint64_t want, struct buf *out, char **err)
{
	struct inflate_state *s = xmalloc(sizeof *s);
	uint64_t end = ix->p[i].uoff + want;
	int rc = 0;

	if (end > ix->usize)
		end = ix->usize;
	for (size_t j = i; rc == 0 && j < ix->n && ix->p[j].uoff < end; j++) {
		uint64_t stop = j + 1 < ix->n && ix->p[j + 1].uoff < end ? ix->p[j + 1].uoff : end;

		rc = from_point(&ix->p[j], map, size, stop - ix->p[j].uoff, s, out, err);
	}
	free(s);
	return rc;
}
