/* gzpoint.h - reading a gzip file from one of its index's access points.
 *
 * A worker given a range of an indexed gzip file (see gzindex.h) starts
 * at the access point where its range begins and reads on as far as it
 * needs, across points and members.  Every byte is checked though no
 * worker reads the whole file: at each point it passes, the CRC-32 of
 * the member's bytes so far must be the one the index stores; at a
 * member's end, the member's trailer must hold that CRC-32 and length,
 * and the next member must start where the index says.  Chaining the
 * checks point to point, the trailer vouches for every byte. */
#ifndef FORKPIPE_GZPOINT_H
#define FORKPIPE_GZPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "gzindex.h"

struct gzp_reader;

struct gzp_reader *gzp_new(void);
void gzp_free(struct gzp_reader *r);

/* Read from point i of ix, over the compressed file at map (size bytes). */
void gzp_start(struct gzp_reader *r, const struct gzindex *ix, const unsigned char *map,
    uint64_t size, size_t i);
/* The uncompressed offset of the next byte gzp_read() appends. */
uint64_t gzp_offset(const struct gzp_reader *r);

/*
 * Append up to max bytes (at least 1) of output to out.  1 when some were
 * appended; 0 at the end of the data (every member up to there checked,
 * only zeros after the last); -1 with *err ("corrupt gzip data at
 * compressed byte offset N: ...") when the data is bad or is not what
 * the index says.
 */
int gzp_read(struct gzp_reader *r, struct buf *out, size_t max, char **err);

/* The first point at uncompressed offset off or after it (ix->n if none). */
size_t gzp_point_at(const struct gzindex *ix, uint64_t off);

#endif
