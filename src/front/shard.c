/* shard.c - --shard K/N: parsing, Slurm's job array, byte ranges. */
#include "autoconfig.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>	/* crc32_z */

#include "shard.h"
#include "util.h"

int shard_parse(struct shard *s, const char *arg, char **why)
{
	const char *slash = strchr(arg, '/');
	long k = -1, n = 0;
	char *ks;

	*s = (struct shard){ 0 };
	if (strcmp(arg, "auto") == 0) {
		s->from_env = true;
		return 0;
	}
	/* Digits only: no sign, no blank (which strtol would take). */
	ks = slash != NULL && isdigit((unsigned char)arg[0]) && isdigit((unsigned char)slash[1]) ?
	    xstrndup(arg, (size_t)(slash - arg)) : NULL;
	bool ok = ks != NULL && parse_long(ks, 0, SHARD_MAX - 1, &k) &&
	    parse_long(slash + 1, 1, SHARD_MAX, &n) && k < n;

	free(ks);
	if (!ok) {
		*why = xasprintf("invalid shard '%s' (expected K/N with 0 <= K < N <= %d, or auto)",
		    arg, SHARD_MAX);
		return -1;
	}
	s->k = (uint64_t)k;
	s->n = (uint64_t)n;
	return 0;
}

/* A Slurm variable as a number: 1, 0 when unset, -1 when not a number. */
static int env_number(const char *name, long *v, char **why)
{
	const char *s = getenv(name);

	if (s == NULL || *s == '\0')
		return 0;
	if (!parse_long(s, 0, LONG_MAX, v)) {
		*why = xasprintf("auto: %s is not a number: '%s'", name, s);
		return -1;
	}
	return 1;
}

/*
 * A task's place in its array: an array of ids MIN, MIN + STEP, ...,
 * MAX (Slurm sets COUNT, MIN, MAX and, for stepped arrays, STEP).  A
 * list of ids that are not evenly spaced has no such place.
 */
int shard_resolve(struct shard *s, char **why)
{
	long id = 0, count = 0, min = 0, max = 0, step = 1;
	int has_id = 0, has_count = 0, has_max = 0;

	if (!s->from_env)
		return 0;
	if ((has_id = env_number("SLURM_ARRAY_TASK_ID", &id, why)) < 0 ||
	    (has_count = env_number("SLURM_ARRAY_TASK_COUNT", &count, why)) < 0 ||
	    env_number("SLURM_ARRAY_TASK_MIN", &min, why) < 0 ||
	    (has_max = env_number("SLURM_ARRAY_TASK_MAX", &max, why)) < 0 ||
	    env_number("SLURM_ARRAY_TASK_STEP", &step, why) < 0)
		return -1;
	if (!has_id) {
		*why = xasprintf("auto: SLURM_ARRAY_TASK_ID is not set (not a task of a Slurm "
		    "job array; give K/N instead)");
		return -1;
	}
	if (!has_count && !has_max) {
		*why = xasprintf("auto: neither SLURM_ARRAY_TASK_COUNT nor SLURM_ARRAY_TASK_MAX is set");
		return -1;
	}
	if (step < 1)
		step = 1;
	if (!has_count)
		count = max >= min ? (max - min) / step + 1 : 0;
	if (id < min || (id - min) % step != 0 || (id - min) / step >= count || count > SHARD_MAX) {
		*why = xasprintf("auto: array task %ld is not one of %ld evenly spaced tasks from "
		    "%ld by %ld (use --array=0-%ld, or give K/N)", id, count, min, step,
		    count > 0 ? count - 1 : 0);
		return -1;
	}
	s->k = (uint64_t)((id - min) / step);
	s->n = (uint64_t)count;
	return 0;
}

void shard_range(const struct shard *s, uint64_t total, uint64_t *start, uint64_t *end)
{
	unsigned __int128 t = total;

	*start = (uint64_t)(t * s->k / s->n);
	*end = (uint64_t)(t * (s->k + 1) / s->n);
}

/* The CRC-32 of the sampled blocks of fd's size bytes: every byte of a
 * small file, else blocks at even steps from the first to the last, so
 * that a change anywhere in a small file, or at the start, the end or a
 * sampled place of a large one, is seen at the cost of a few reads. */
static int sample_sum(int fd, uint64_t size, uint32_t *sum)
{
	char b[SHARD_BLOCK];
	uint64_t blocks = (size + SHARD_BLOCK - 1) / SHARD_BLOCK;
	uint64_t count = blocks < SHARD_SAMPLES ? blocks : SHARD_SAMPLES;

	*sum = 0;
	for (uint64_t i = 0; i < count; i++) {
		uint64_t off = blocks <= SHARD_SAMPLES ? i * SHARD_BLOCK :
		    (size - SHARD_BLOCK) * i / (SHARD_SAMPLES - 1);
		size_t len = size - off < SHARD_BLOCK ? (size_t)(size - off) : SHARD_BLOCK;
		ssize_t got = pread_full(fd, b, len, off);

		if (got < 0)
			return -1;
		if ((size_t)got != len) {
			errno = 0;	/* shrank */
			return -1;
		}
		*sum = (uint32_t)crc32_z(*sum, (const unsigned char *)b, len);
	}
	return 0;
}

static int print_one(const char *path, struct shard_print *p, char **err, int *code)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		*code = EXIT_NOINPUT;
		if (fd >= 0)
			close(fd);
		return -1;
	}
	p->size = (uint64_t)st.st_size;
	p->sec = (int64_t)st.st_mtim.tv_sec;
	p->nsec = (uint32_t)st.st_mtim.tv_nsec;
	if (sample_sum(fd, p->size, &p->sum) < 0) {
		*err = xasprintf("%s: %s", path, errno != 0 ? strerror(errno) :
		    "file shrank while being read");
		*code = EXIT_IOERR;
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int shard_fingerprint(struct shard *s, char *const *paths, size_t n, char **err, int *code)
{
	uint64_t total = 0;

	free(s->prints);
	s->prints = xcalloc(n > 0 ? n : 1, sizeof *s->prints);
	for (size_t i = 0; i < n; i++) {
		if (print_one(paths[i], &s->prints[i], err, code) < 0)
			return -1;
		total += s->prints[i].size;
	}
	/* A file that changed size since its range was cut: its print
	 * would vouch for bytes this shard does not hold. */
	if (total != s->total) {
		*err = xasprintf("--shard: the inputs changed size while being opened (%llu bytes, "
		    "then %llu)", (unsigned long long)s->total, (unsigned long long)total);
		*code = EXIT_DATAERR;
		return -1;
	}
	return 0;
}
