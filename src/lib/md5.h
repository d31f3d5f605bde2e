/* md5.h - MD5 (RFC 1321), for sort -R: GNU sort orders keys by the MD5
 * digest of a 16-byte seed followed by the key, and forkpipe does the
 * same so that -R with --random-source gives sort's order. */
#ifndef FORKPIPE_MD5_H
#define FORKPIPE_MD5_H

#include <stddef.h>
#include <stdint.h>

struct md5 {
	uint32_t h[4];
	uint64_t len;		/* bytes so far */
	unsigned char buf[64];
};

void md5_init(struct md5 *m);
void md5_update(struct md5 *m, const void *data, size_t n);
void md5_final(struct md5 *m, unsigned char out[16]);

#endif
