/* gzip_hdr.c - a streaming parser of one gzip member header.
 *
 * The checks and their order are zlib's: method and flags once both are
 * read, then the optional fields, then the header CRC (its low 16 bits
 * against the CRC-32 of every header byte before it). */
#include "autoconfig.h"

#include <isa-l/crc.h>
#include <string.h>

#include "gzip_hdr.h"

enum { H_FIXED, H_XLEN, H_EXTRA, H_NAME, H_COMMENT, H_HCRC, H_DONE };

enum { F_HCRC = 0x02, F_EXTRA = 0x04, F_NAME = 0x08, F_COMMENT = 0x10, F_RESERVED = 0xe0 };

#define FIXED_LEN 10	/* magic, CM, FLG, MTIME, XFL, OS */

static const unsigned char magic[2] = { 0x1f, 0x8b };

void gz_hdr_begin(struct gz_hdr *h)
{
	memset(h, 0, sizeof *h);
	h->step = H_FIXED;
	h->pos = 2;
	h->crc = crc32_gzip_refl(0, magic, 2);
}

/* The field after the one that ended, as FLG says. */
static int next_step(const struct gz_hdr *h, int done)
{
	if (done < H_XLEN && (h->flg & F_EXTRA))
		return H_XLEN;
	if (done < H_NAME && (h->flg & F_NAME))
		return H_NAME;
	if (done < H_COMMENT && (h->flg & F_COMMENT))
		return H_COMMENT;
	if (done < H_HCRC && (h->flg & F_HCRC))
		return H_HCRC;
	return H_DONE;
}

/* One byte; 0 to go on, -1 with *why. */
static int byte(struct gz_hdr *h, unsigned char c, const char **why)
{
	switch (h->step) {
	case H_FIXED:
		if (h->pos == 2)
			h->b[0] = c;
		if (h->pos == 3) {
			h->flg = c;
			if (h->b[0] != 8) {
				*why = "unknown compression method";
				return -1;
			}
			if (c & F_RESERVED) {
				*why = "unknown header flags set";
				return -1;
			}
		}
		if (++h->pos == FIXED_LEN) {
			h->pos = 0;
			h->step = next_step(h, H_FIXED);
		}
		break;
	case H_XLEN:
		h->b[h->pos++] = c;
		if (h->pos == 2) {
			h->need = (uint32_t)h->b[0] | (uint32_t)h->b[1] << 8;
			h->pos = 0;
			h->step = h->need > 0 ? H_EXTRA : next_step(h, H_EXTRA);
		}
		break;
	case H_EXTRA:
		if (--h->need == 0)
			h->step = next_step(h, H_EXTRA);
		break;
	case H_NAME:
	case H_COMMENT:
		if (c == 0)
			h->step = next_step(h, h->step);
		break;
	case H_HCRC:
		h->b[h->pos++] = c;
		if (h->pos == 2) {
			if (((uint32_t)h->b[0] | (uint32_t)h->b[1] << 8) != (h->crc & 0xffff)) {
				*why = "header crc mismatch";
				return -1;
			}
			h->step = H_DONE;
		}
		return 0;	/* the CRC field is not in its own CRC */
	}
	h->crc = crc32_gzip_refl(h->crc, &c, 1);
	return 0;
}

int gz_hdr_feed(struct gz_hdr *h, const unsigned char *p, size_t len, size_t *used,
    const char **why)
{
	size_t i = 0;

	while (h->step != H_DONE && i < len) {
		/* The bulk of a long extra field or name: at once. */
		if (h->step == H_EXTRA && h->need > 1) {
			size_t n = len - i < h->need - 1 ? len - i : h->need - 1;

			h->crc = crc32_gzip_refl(h->crc, p + i, n);
			h->need -= (uint32_t)n;
			i += n;
			continue;
		}
		if (byte(h, p[i++], why) < 0) {
			*used = i;
			return -1;
		}
	}
	*used = i;
	return h->step == H_DONE;
}
