/*
 * genkv.c - synthetic key/value TSV for the high-cardinality grouping
 * benchmark (bench/agg.sh, case (e)): no header, two tab-separated
 * columns, the key "k" and zero-padded digits drawn uniformly from KEYS
 * values (default 1,000,000), the value a uniform integer below 10^9.
 * About 60 million records a GiB, so every key appears about 60 times.
 *
 * The file is exactly SIZE bytes, as the scripts' cache check needs: the
 * last two records' values are padded with leading zeros to fill it (a
 * number with leading zeros is the same number to every tool compared).
 *
 * Usage: genkv [-s SEED] [-k KEYS] [-n] SIZE
 */
#include <inttypes.h>
#include <stddef.h>

#include "genutil.h"

#define DEFAULT_SEED UINT64_C(15)
#define OUTBUF_SIZE (4u << 20)	/* one fwrite per 4 MiB */
#define REC_MAX 64		/* a record: key (at most 11 bytes), tab, 9 digits, LF */

static unsigned key_digits;	/* digits of KEYS - 1: every key has as many */
static uint32_t nkeys = 1000000;

static char *put_key(char *p)
{
	uint32_t k = below(nkeys);

	*p++ = 'k';
	for (unsigned i = key_digits; i-- > 0; k /= 10)
		p[i] = (char)('0' + k % 10);
	return p + key_digits;
}

/* A record whose value has exactly width digits (leading zeros). */
static char *put_padded(char *p, unsigned width)
{
	uint32_t v = below(1000000000u);

	p = put_key(p);
	*p++ = '\t';
	for (unsigned i = width; i-- > 0; v /= 10)
		p[i] = (char)('0' + v % 10);
	p += width;
	*p++ = '\n';
	return p;
}

static void usage(FILE *f)
{
	fputs("usage: genkv [-s SEED] [-k KEYS] [-n] SIZE\n"
	      "  Write exactly SIZE bytes of key<TAB>value records to stdout: the key\n"
	      "  uniform over KEYS values (default 1000000), the value below 10^9.\n"
	      "  SIZE: bytes with optional K/M/G/T suffix (powers of 1024); at least 64.\n"
	      "  -s SEED  PRNG seed (unsigned integer; default fixed)\n"
	      "  -k KEYS  distinct keys, 1 to 4294967295\n"
	      "  -n       print the byte count SIZE stands for and exit\n", f);
}

int main(int argc, char **argv)
{
	struct gen_opts o = { .prog = "genkv", .usage = usage, .seed = DEFAULT_SEED };
	int c;

	while ((c = gen_getopt(argc, argv, "s:k:nh", &o)) != -1) {
		char *end;
		unsigned long long v;

		if (c != 'k') {
			usage(stderr);
			return 2;
		}
		errno = 0;
		v = strtoull(optarg, &end, 10);
		if (end == optarg || *end || errno || v == 0 || v > UINT32_MAX) {
			fprintf(stderr, "genkv: bad key count '%s'\n", optarg);
			return 2;
		}
		nkeys = (uint32_t)v;
	}
	gen_size_operand(argc, argv, 64, &o);
	key_digits = 1;
	for (uint32_t k = nkeys - 1; k >= 10; k /= 10)
		key_digits++;

	rng_state = o.seed;
	char *buf = malloc(OUTBUF_SIZE + 4 * REC_MAX);
	if (!buf) {
		fprintf(stderr, "genkv: out of memory\n");
		return 1;
	}
	char *p = buf;
	uint64_t left = o.size;
	/* The fixed bytes of a record: "k", the key digits, tab, LF. */
	unsigned fixed = key_digits + 3;

	/* Whole records while two padded ones of at most 18 digits each
	 * can still fill what is left... */
	while (left >= 2 * (fixed + 18)) {
		char *q = p;
		uint32_t v = below(1000000000u);

		p = put_key(p);
		*p++ = '\t';
		p = put_u(p, v);
		*p++ = '\n';
		left -= (uint64_t)(p - q);
		if (p - buf >= (ptrdiff_t)OUTBUF_SIZE) {
			gen_write("genkv", buf, (size_t)(p - buf));
			p = buf;
		}
	}
	/* ...then one or two records, zero-padded to fill it exactly. */
	if (left <= fixed + 18) {
		p = put_padded(p, (unsigned)(left - fixed));
	} else {
		unsigned w = (unsigned)(left - 2 * fixed);

		p = put_padded(p, w / 2);
		p = put_padded(p, w - w / 2);
	}
	gen_write("genkv", buf, (size_t)(p - buf));
	free(buf);
	return 0;
}
