/* gzip_hdr.h - a streaming parser of one gzip member header (RFC 1952).
 *
 * ISA-L inflates the deflate data and checks the trailer; the header is
 * parsed here, byte by byte as it comes, so that its faults are named as
 * zlib and gzip name them: "unknown compression method", "unknown header
 * flags set" (reserved or encryption flags), "header crc mismatch". */
#ifndef FORKPIPE_GZIP_HDR_H
#define FORKPIPE_GZIP_HDR_H

#include <stddef.h>
#include <stdint.h>

struct gz_hdr {
	int step;	/* which field is being read */
	uint32_t pos;	/* bytes of the fixed part read, or of the field */
	uint32_t need;	/* bytes left in the extra field */
	uint8_t flg;
	uint8_t b[2];	/* a two-byte field being collected */
	uint32_t crc;	/* CRC-32 of the header so far, for FHCRC */
};

/* Start a header whose two magic bytes 1f 8b were already read. */
void gz_hdr_begin(struct gz_hdr *h);

/*
 * Parse up to len bytes at p; *used says how many belong to the header.
 * 1 when the header ended (the deflate data starts after *used bytes),
 * 0 when all len bytes were used and more are needed, -1 with *why (a
 * static string) when the header is bad.
 */
int gz_hdr_feed(struct gz_hdr *h, const unsigned char *p, size_t len, size_t *used,
    const char **why);

#endif
