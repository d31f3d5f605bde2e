/* isal_fault.h - where bad deflate data is, for the messages of every
 * ISA-L inflater (gzip_in.c, gzpoint.c).
 *
 * ISA-L reads ahead, and how far depends on how its input was cut: the
 * bytes it has consumed when it reports bad data say little about where
 * the fault is.  So each call is preceded by a snapshot of the decoder's
 * state (all but the output history, which decoding does not depend
 * on), and on bad data the call is replayed from it a byte at a time,
 * the bits ISA-L had read ahead of the snapshot given back first: fed
 * so, ISA-L stops at the byte where the data stops making sense (where
 * zlib stops too), whatever the cutting was. */
#ifndef FORKPIPE_ISAL_FAULT_H
#define FORKPIPE_ISAL_FAULT_H

#include <isa-l/igzip_lib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The state but its output history (the last field). */
#define ISAL_SNAP_LEN offsetof(struct inflate_state, tmp_out_buffer)

static inline void isal_snap(void *snap, const struct inflate_state *s)
{
	memcpy(snap, s, ISAL_SNAP_LEN);
}

/*
 * The offset of the byte where the deflate data is bad: snap is the
 * state before the call that failed, in[0..len) the input it was given,
 * at the offset of in[0].  fallback when the replay finds no fault
 * (it always should).
 */
uint64_t isal_fault_at(const void *snap, const unsigned char *in, size_t len, uint64_t at,
    uint64_t fallback);

/* Why ISA-L stopped, in zlib's words where zlib has them. */
const char *isal_reason(int rc);

#endif
