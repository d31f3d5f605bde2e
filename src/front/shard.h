/* shard.h - --shard K/N: which part of the input a run processes.
 *
 * The byte space of the inputs, concatenated, is cut into N equal
 * ranges; shard K (0-based) processes the records that start in range
 * K.  Every shard applies the same rule, so the N shards together
 * process every record exactly once, and their map outputs concatenated
 * in K order are the output of one run over the whole input.  K and N
 * come from the command line, or from the environment of a Slurm job
 * array task (--shard auto). */
#ifndef FORKPIPE_SHARD_H
#define FORKPIPE_SHARD_H

#include <stdbool.h>
#include <stdint.h>

/* Enough for any cluster, and small enough that k * total never
 * overflows 128 bits. */
#define SHARD_MAX 1000000

/* What one input was when a shard was made of it: merge refuses shards
 * made of inputs that changed in between (grown, rewritten). */
struct shard_print {
	uint64_t size;
	int64_t sec;		/* the modification time */
	uint32_t nsec;
	uint32_t sum;		/* CRC-32 of sampled bytes (below) */
};

struct shard {
	uint64_t k, n;		/* shard k of n; n == 0: the whole input */
	bool from_env;		/* --shard auto: k and n are read by shard_resolve */
	/* Set once the inputs are open: this shard's byte range in the
	 * concatenated inputs' records (an indexed gzip file's inflated
	 * bytes), and the total size of the files themselves. */
	uint64_t start, end, total;
	struct shard_print *prints;	/* one per input, by shard_fingerprint */
};

/*
 * "K/N" (0 <= K < N <= SHARD_MAX) or "auto" into *s.  0, or -1 with
 * *why (a message that follows the option's name).
 */
int shard_parse(struct shard *s, const char *arg, char **why);

/*
 * --shard auto: k and n from SLURM_ARRAY_TASK_ID and either
 * SLURM_ARRAY_TASK_COUNT or SLURM_ARRAY_TASK_MAX (with
 * SLURM_ARRAY_TASK_MIN and SLURM_ARRAY_TASK_STEP when set), read with
 * getenv.  Nothing to do for an explicit K/N.  0, or -1 with *why.
 */
int shard_resolve(struct shard *s, char **why);

/*
 * The prints of the n inputs at paths into s->prints: size, modification
 * time and the CRC-32 of up to SHARD_SAMPLES blocks of SHARD_BLOCK bytes
 * spread evenly over the file from its first byte to its last (the whole
 * file when it is that small).  Their sizes must add up to s->total,
 * which the ranges were cut from.  0, or -1 with *err and *code.
 */
#define SHARD_SAMPLES 64
#define SHARD_BLOCK 4096
int shard_fingerprint(struct shard *s, char *const *paths, size_t n, char **err, int *code);

/* The byte range [*start, *end) of shard s->k of s->n in total bytes. */
void shard_range(const struct shard *s, uint64_t total, uint64_t *start, uint64_t *end);

#endif
