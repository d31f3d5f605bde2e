/* gzip_in.c - gzip input: detection, a streaming inflater, BGZF members.
 *
 * ISA-L inflates each member's deflate data and checks its trailer
 * (CRC-32 and ISIZE): its inflater is about three times as fast as
 * zlib's, and one inflater is all a single-member file can use.  The
 * member header is parsed by gzip_hdr.c; what lies between members is
 * handled here with gzip's rules: after a member, two bytes 1f 8b start
 * another one; a zero byte starts padding that must be zeros up to the
 * end; anything else is trailing garbage, except a lone non-zero last
 * byte, which gzip reads as the start of a truncated member.
 *
 * About 600 lines, one file: the streaming inflater, the one-member
 * inflater the workers use for BGZF and the BGZF member listing share
 * the member state machine (member_step, step_back, the verdicts and
 * their offsets), so that a member reads and fails the same way whichever
 * way it comes. */
#include "autoconfig.h"

#include <errno.h>
#include <isa-l/igzip_lib.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "gzip_hdr.h"
#include "gzip_in.h"
#include "isal_fault.h"
#include "util.h"

enum state {
	S_MAGIC,	/* before a member: collecting its first two bytes */
	S_MEMBER,	/* inside a member: its header, then ISA-L has it */
	S_ZEROS,	/* in zero padding after the last member */
	S_FAILED,	/* an error was reported */
};

struct gz_inflater {
	struct inflate_state is;
	struct gz_hdr hdr;
	bool in_header;		/* the member's header is being parsed */
	enum state state;
	unsigned char magic[2];
	int nmagic;
	unsigned char tail[8];	/* the last 8 bytes given to ISA-L: the trailer */
	size_t gave_back;	/* at a member's end, the bytes ISA-L gave back
				 * beyond those of its last call (see member_step) */
	unsigned char back[8];	/* bytes after a member that were consumed in
				 * an earlier call: read before the next input */
	size_t nback;
	uint64_t in_total;	/* compressed bytes consumed */
	uint64_t out_total;
	uint64_t members;
	uint64_t member_start;	/* offset of the current member */
	uint64_t tail_start;	/* where the bytes after the last member begin */
	char *broken;		/* why ISA-L failed (not the data), or NULL */
	unsigned char snap[ISAL_SNAP_LEN];	/* the state before the last call */
};

bool gzip_detect(const void *p, size_t len)
{
	const unsigned char *b = p;

	return len >= 3 && b[0] == 0x1f && b[1] == 0x8b && b[2] == 8;
}

/*
 * ISA-L returned what bad data never makes it return: a bug.  The
 * inflater stays failed, and every later call says the same.
 */
static void isal_failed(struct gz_inflater *z, int rc)
{
	if (z->broken == NULL)
		z->broken = xasprintf("isal_inflate: unexpected result %d", rc);
	z->state = S_FAILED;
}

struct gz_inflater *gz_inflater_new(void)
{
	struct gz_inflater *z = xcalloc(1, sizeof *z);

	isal_inflate_init(&z->is);
	gz_inflater_reset(z);
	return z;
}

void gz_inflater_free(struct gz_inflater *z)
{
	if (z == NULL)
		return;
	free(z->broken);
	free(z);
}

void gz_inflater_reset(struct gz_inflater *z)
{
	if (z->broken != NULL)
		return;
	z->state = S_MAGIC;
	z->nmagic = 0;
	z->gave_back = z->nback = 0;
	z->in_total = z->out_total = z->members = 0;
	z->member_start = z->tail_start = 0;
}

uint64_t gz_inflater_total_in(const struct gz_inflater *z)
{
	return z->in_total;
}

uint64_t gz_inflater_total_out(const struct gz_inflater *z)
{
	return z->out_total;
}

uint64_t gz_inflater_members(const struct gz_inflater *z)
{
	return z->members;
}

static int fail(struct gz_inflater *z, char **err, char *msg)
{
	z->state = S_FAILED;
	*err = msg;
	return GZ_ERROR;
}

static int truncated(struct gz_inflater *z, char **err)
{
	return fail(z, err, xasprintf("unexpected end of gzip data at compressed byte offset %llu",
	    (unsigned long long)z->in_total));
}

static int garbage(struct gz_inflater *z, char **err)
{
	return fail(z, err, xasprintf("trailing garbage after gzip data at compressed byte offset %llu",
	    (unsigned long long)z->tail_start));
}

static int not_gzip(struct gz_inflater *z, char **err)
{
	return fail(z, err, xstrdup("not in gzip format"));
}

/* Start a member whose two magic bytes have been consumed. */
static void begin_member(struct gz_inflater *z)
{
	z->member_start = z->in_total - 2;
	gz_hdr_begin(&z->hdr);
	z->in_header = true;
	z->state = S_MEMBER;
}

/* The deflate data starts: ISA-L inflates it and reads the trailer. */
static void begin_deflate(struct gz_inflater *z)
{
	isal_inflate_reset(&z->is);
	z->is.crc_flag = ISAL_GZIP_NO_HDR_VER;
	z->in_header = false;
}

/* The failure of ISA-L's that stopped z, for the caller. */
static int failed(struct gz_inflater *z, char **err)
{
	*err = xstrdup(z->broken);
	return GZ_FAILED;
}

static uint32_t get32le(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * ISA-L's report of bad data.  A checksum's offset is the trailer's
 * field; bad deflate data is reported at the byte where it is, found by
 * replaying the call that failed (in[0..len) from offset at) a byte at a
 * time (isal_fault.h): where ISA-L noticed the fault depends on how far
 * it had read ahead, which depends on how the input was cut, and a
 * verdict must not.
 */
static int data_error(struct gz_inflater *z, int rc, const unsigned char *in, size_t len,
    uint64_t at, char **err)
{
	if (rc == ISAL_INCORRECT_CHECKSUM) {
		if (get32le(z->tail) != z->is.crc)
			return fail(z, err, xasprintf("corrupt gzip data at compressed byte offset %llu: "
			    "CRC-32 mismatch", (unsigned long long)(z->in_total - 8)));
		return fail(z, err, xasprintf("corrupt gzip data at compressed byte offset %llu: "
		    "length mismatch", (unsigned long long)(z->in_total - 4)));
	}
	return fail(z, err, xasprintf("corrupt gzip data at compressed byte offset %llu: %s",
	    (unsigned long long)isal_fault_at(z->snap, in, len, at, z->member_start),
	    isal_reason(rc)));
}

/* Keep the last 8 bytes given to ISA-L: when the member ends they are
 * its trailer. */
static void keep_tail(struct gz_inflater *z, const unsigned char *p, size_t n)
{
	if (n >= sizeof z->tail) {
		memcpy(z->tail, p + n - sizeof z->tail, sizeof z->tail);
		return;
	}
	memmove(z->tail, z->tail + n, sizeof z->tail - n);
	memcpy(z->tail + sizeof z->tail - n, p, n);
}

/* The member's header: 1 when it ended, 0 when it needs more input, -1
 * on a bad header. */
static int header_step(struct gz_inflater *z, const unsigned char **in, size_t *inlen,
    char **err)
{
	const char *why = NULL;
	size_t took;
	int rc = gz_hdr_feed(&z->hdr, *in, *inlen, &took, &why);

	*in += took;
	*inlen -= took;
	z->in_total += took;
	if (rc < 0) {
		fail(z, err, xasprintf("corrupt gzip header at compressed byte offset %llu: %s",
		    (unsigned long long)z->member_start, why));
		return -1;
	}
	if (rc == 1)
		begin_deflate(z);
	return rc;
}

/*
 * Run the current member: its header, then ISA-L.  Returns 1 when the
 * member ended, 0 when it needs more input or room (or has made progress
 * and may be called again), -1 on bad data, -2 when no progress is
 * possible, -3 when ISA-L failed.
 */
static int member_step(struct gz_inflater *z, const unsigned char **in, size_t *inlen,
    unsigned char **out, size_t *outlen, char **err)
{
	size_t ia, oa, took, gave;
	const unsigned char *call_in;
	uint64_t call_at;
	bool hdr_progress = false;
	int rc;

	if (z->in_header) {
		size_t before = *inlen;

		rc = header_step(z, in, inlen, err);
		if (rc <= 0)
			return rc < 0 ? -1 : (before > 0 ? 0 : -2);
		hdr_progress = true;
	}
	ia = *inlen < UINT32_MAX ? *inlen : UINT32_MAX;
	oa = *outlen < UINT32_MAX ? *outlen : UINT32_MAX;
	z->is.next_in = (uint8_t *)(uintptr_t)*in;
	z->is.avail_in = (uint32_t)ia;
	z->is.next_out = *out;
	z->is.avail_out = (uint32_t)oa;
	call_in = *in;
	call_at = z->in_total;
	isal_snap(z->snap, &z->is);
	rc = isal_inflate(&z->is);
	/* At a member's end ISA-L gives back the whole bytes left in its
	 * bit buffer, which it may have read in earlier calls: those are
	 * the bytes before *in that belong after the member. */
	z->gave_back = z->is.avail_in > ia ? z->is.avail_in - ia : 0;
	took = ia - (z->is.avail_in - z->gave_back);
	z->in_total -= z->gave_back;
	gave = oa - z->is.avail_out;
	keep_tail(z, *in, took);
	*in += took;
	*inlen -= took;
	*out += gave;
	*outlen -= gave;
	z->in_total += took;
	z->out_total += gave;
	switch (rc) {
	case ISAL_DECOMP_OK:
	case ISAL_END_INPUT:
	case ISAL_OUT_OVERFLOW:
		break;
	case ISAL_INVALID_BLOCK:
	case ISAL_INVALID_SYMBOL:
	case ISAL_INVALID_LOOKBACK:
	case ISAL_INCORRECT_CHECKSUM:
		data_error(z, rc, call_in, ia, call_at, err);
		return -1;
	default:
		isal_failed(z, rc);
		return -3;
	}
	if (z->is.block_state == ISAL_BLOCK_FINISH)
		return 1;
	return took > 0 || gave > 0 || hdr_progress ? 0 : -2;
}

/*
 * After a member ended with bytes given back (z->gave_back, the bytes just
 * before ip): step back over them where they are in this call's input
 * (from start); else the input is read again from its start, after the
 * ones from earlier calls, which go to z->back (the last bytes given to
 * ISA-L, in z->tail).
 */
static void step_back(struct gz_inflater *z, const unsigned char *start, size_t inlen,
    const unsigned char **ip, size_t *il)
{
	size_t gb = z->gave_back, here = (size_t)(*ip - start);

	z->gave_back = 0;
	if (here >= gb) {
		*ip -= gb;
		*il += gb;
		return;
	}
	z->nback = gb - here;
	memcpy(z->back, z->tail + sizeof z->tail - gb, z->nback);
	*ip = start;
	*il = inlen;
}

int gz_inflate(struct gz_inflater *z, const void *in, size_t inlen, size_t *used,
    void *out, size_t outcap, size_t *made, bool last, char **err)
{
	const unsigned char *start = in, *ip = in;
	unsigned char *op = out, back[sizeof z->back];
	size_t il = inlen, ol = outcap;
	bool on_back = false;	/* reading z->back's bytes, before in's */
	bool eof;
	int rc = GZ_MORE;

	for (;;) {
		/* Bytes given back first; then the caller's, from its start. */
		if (!on_back && z->nback > 0) {
			memcpy(back, z->back, z->nback);
			ip = back;
			il = z->nback;
			z->nback = 0;
			on_back = true;
		} else if (on_back && il == 0) {
			ip = start;
			il = inlen;
			on_back = false;
		}
		eof = last && !on_back;	/* the end is after the caller's bytes */
		if (z->broken != NULL) {
			rc = failed(z, err);
			break;
		}
		if (z->state == S_FAILED) {
			rc = fail(z, err, xstrdup("gzip data already reported bad"));
			break;
		}
		if (z->state == S_MAGIC) {
			bool first = z->members == 0;

			while (z->nmagic < 2 && il > 0) {
				z->magic[z->nmagic++] = *ip++;
				il--;
				z->in_total++;
			}
			if (z->nmagic < 2) {
				if (on_back)
					continue;
				if (!eof) {
					rc = GZ_MORE;	/* need input */
					break;
				}
				if (z->nmagic == 0 && !first) {
					rc = GZ_END;
					break;
				}
				/* Like gzip: a non-zero byte is a truncated
				 * magic, a zero one padding (or not gzip). */
				if (z->nmagic == 1 && z->magic[0] == 0)
					rc = first ? not_gzip(z, err) : GZ_END;
				else
					rc = truncated(z, err);
				break;
			}
			z->tail_start = z->in_total - 2;
			if (z->magic[0] == 0x1f && z->magic[1] == 0x8b) {
				begin_member(z);
				continue;
			}
			if (first) {
				rc = not_gzip(z, err);
				break;
			}
			if (z->magic[0] != 0 || z->magic[1] != 0) {
				rc = garbage(z, err);
				break;
			}
			z->state = S_ZEROS;
			continue;
		}
		if (z->state == S_ZEROS) {
			while (il > 0 && *ip == 0) {
				ip++;
				il--;
				z->in_total++;
			}
			if (il == 0 && on_back)
				continue;
			if (il > 0)
				rc = garbage(z, err);
			else
				rc = eof ? GZ_END : GZ_MORE;
			break;
		}
		/* S_MEMBER */
		rc = member_step(z, &ip, &il, &op, &ol, err);
		if (rc == 1) {
			z->members++;
			z->nmagic = 0;
			z->state = S_MAGIC;
			if (z->gave_back > 0)
				step_back(z, start, inlen, &ip, &il);
			continue;
		}
		if (rc == -1) {
			rc = GZ_ERROR;
			break;
		}
		if (rc == -3)
			continue;	/* z->broken */
		if (il == 0 && on_back && ol > 0)
			continue;
		if (ol == 0 || (il == 0 && !eof)) {
			rc = GZ_MORE;
			break;
		}
		if (rc == -2) {
			/* No progress with input left and room: only the
			 * end of the data can cause that. */
			rc = truncated(z, err);
			break;
		}
	}
	if (on_back) {
		/* Stopped before the bytes given back were all read: they
		 * stay first, and none of the caller's was used. */
		memmove(z->back, ip, il);
		z->nback = il;
		il = inlen;
	}
	*used = inlen - il;
	*made = outcap - ol;
	return rc;
}

/* A larger member's output grows as it comes. */
#define HINT_MAX ((uint64_t)64 << 20)

int gz_inflate_member(struct gz_inflater *z, const void *in, size_t len, uint64_t base,
    struct buf *out, size_t *used, char **err)
{
	const unsigned char *ip = in;
	size_t il = len;
	uint64_t hint;

	if (z->broken != NULL)
		return failed(z, err);
	gz_inflater_reset(z);
	z->in_total = base;
	z->tail_start = z->member_start = base;
	z->members = 1;	/* not the first member: no "not in gzip format" */
	if (len < 2 || ip[0] != 0x1f || ip[1] != 0x8b) {
		if (len < 2)
			z->in_total = base + len;
		*err = len < 2 ? xasprintf("unexpected end of gzip data at compressed byte offset %llu",
		    (unsigned long long)(base + len)) :
		    xasprintf("corrupt gzip header at compressed byte offset %llu: not a gzip member",
		    (unsigned long long)base);
		z->state = S_FAILED;
		return -1;
	}
	ip += 2;
	il -= 2;
	z->in_total += 2;
	begin_member(z);

	/* The ISIZE field ends the member: when in holds exactly the
	 * member it sizes the output, bounded by deflate's best ratio. */
	hint = len >= 18 ? get32le(ip + il - 4) : 0;
	if (hint > (uint64_t)len * 1032 + 64)
		hint = (uint64_t)len * 1032 + 64;
	if (hint > HINT_MAX)
		hint = HINT_MAX;
	buf_reserve(out, (size_t)hint + 1);

	for (;;) {
		unsigned char *op, *op0;
		size_t ol;
		int rc;

		if (out->cap - out->len < 4096)
			buf_reserve(out, out->cap / 2 + 4096);
		op = op0 = (unsigned char *)out->data + out->len;
		ol = out->cap - out->len;
		rc = member_step(z, &ip, &il, &op, &ol, err);
		out->len += (size_t)(op - op0);
		if (rc == 1) {
			/* The member is all in in: what ISA-L gave back is there. */
			step_back(z, in, len, &ip, &il);
			break;
		}
		if (rc == -1)
			return -1;
		if (rc == -3)
			return failed(z, err);
		if (rc == -2 && il == 0 && ol > 0) {
			truncated(z, err);
			return -1;
		}
	}
	z->members++;
	*used = len - il;
	z->state = S_MAGIC;
	z->nmagic = 0;
	return 0;
}

int bgzf_members(int fd, uint64_t size, struct gz_member **members, size_t *n, char **err)
{
	/* The previous member's ISIZE, then a header with a small extra
	 * field; bgzip writes exactly the 6-byte BC subfield. */
	unsigned char small[4 + 12 + 64];
	unsigned char *b = small;
	size_t bcap = sizeof small;
	struct gz_member *m = NULL;
	size_t count = 0, cap = 0;
	uint64_t off = 0;
	int ret = 0;

	*members = NULL;
	*n = 0;
	for (;;) {
		uint64_t at = count > 0 ? off - 4 : off;
		size_t want = size - at < bcap ? (size_t)(size - at) : bcap;
		ssize_t got = pread_full(fd, b, want, at);
		const unsigned char *h = b;
		size_t hl, xlen, pos;
		uint64_t bsize = 0;

		if (got < 0) {
			*err = xasprintf("read error: %s", strerror(errno));
			ret = -1;
			goto out;
		}
		if ((size_t)got != want)
			goto out;	/* the file shrank: not ours to judge */
		hl = (size_t)got;
		if (count > 0) {
			m[count - 1].usize = get32le(b);
			h += 4;
			hl -= 4;
		}
		if (off == size)
			break;
		/* ID1 ID2 CM FLG MTIME(4) XFL OS XLEN(2), FEXTRA set,
		 * no reserved flag. */
		if (hl < 12 || h[0] != 0x1f || h[1] != 0x8b || h[2] != 8 ||
		    !(h[3] & 0x04) || (h[3] & 0xe0))
			goto out;
		xlen = (size_t)h[10] | (size_t)h[11] << 8;
		if (12 + xlen > hl) {
			/* A long extra field: read it whole, once. */
			if (12 + xlen > size - off)
				goto out;
			if (b != small)
				free(b);
			bcap = 4 + 12 + xlen;
			b = xmalloc(bcap);
			continue;	/* read this member again */
		}
		for (pos = 0; pos + 4 <= xlen; ) {
			const unsigned char *sf = h + 12 + pos;
			size_t slen = (size_t)sf[2] | (size_t)sf[3] << 8;

			if (pos + 4 + slen > xlen)
				break;
			if (sf[0] == 'B' && sf[1] == 'C' && slen == 2) {
				bsize = ((uint64_t)sf[4] | (uint64_t)sf[5] << 8) + 1;
				break;
			}
			pos += 4 + slen;
		}
		/* Header, extra field, at least an empty deflate block,
		 * CRC-32 and ISIZE must fit in the block, and the block in
		 * the file. */
		if (bsize < 12 + xlen + 2 + 8 || bsize > size - off)
			goto out;
		if (count == cap) {
			cap = cap ? cap * 2 : 64;
			m = xreallocarray(m, cap, sizeof *m);
		}
		m[count].offset = off;
		m[count].csize = (uint32_t)bsize;
		m[count].usize = 0;
		count++;
		off += bsize;
	}
	if (count == 0)
		goto out;	/* an empty file */
	ret = 1;
	*members = m;
	*n = count;
	m = NULL;
out:
	if (b != small)
		free(b);
	free(m);
	return ret;
}
