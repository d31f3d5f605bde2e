/*
 * gencsv - write a deterministic synthetic CSV file for benchmarks.
 *
 *   gencsv [-s SEED] [-n] SIZE > orders.csv
 *
 * SIZE is a byte count with an optional K, M, G or T suffix (powers of
 * 1024; "1.5G" works too), at least 256 bytes.  The output is exactly
 * SIZE bytes: a header and then records of ten columns, about 120 bytes
 * each, every one ending with a newline (LF).  The same SEED and SIZE
 * always give the same bytes.  With -n, gencsv prints the byte count SIZE
 * stands for and exits (the benchmark script uses it to validate a
 * cached file).
 *
 *   id,name,city,amount,qty,note,email,date,flag,comment
 *
 *   - id counts from 1; amount is a number from 0.00 to 999.99 (about
 *     half above 500), qty an integer;
 *   - city is quoted when it holds a comma ("Springfield, IL");
 *   - note and comment are quoted when they hold commas, doubled quotes
 *     or newlines: about 8% of records span more than one line, so
 *     counting lines is not counting records;
 *   - fields are quoted exactly when they must be (a comma, a quote or a
 *     newline inside), so tools that rewrite CSV print the same bytes;
 *     no CR anywhere.
 *
 * No dependencies beyond libc; the PRNG is splitmix64.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OUTBUF_SIZE (4u << 20) /* one fwrite per 4 MiB */
#define REC_MAX 1024           /* generous bound on one record */
#define FILLER_MIN 96          /* the shortest last record */
#define DEFAULT_SEED UINT64_C(0xc5a1ab1e5eedf00d)

static const char header[] = "id,name,city,amount,qty,note,email,date,flag,comment\n";

/* ---- PRNG ------------------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Uniform in [0, n), n <= 2^32. */
static uint32_t below(uint32_t n)
{
	return (uint32_t)(((rnd() >> 32) * (uint64_t)n) >> 32);
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define PICK(a) ((a)[below((uint32_t)NELEM(a))])

/* ---- vocabulary ------------------------------------------------------- */

static const char *const names[] = {
	"Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace", "Heidi",
	"Ivan", "Judy", "Mallory", "Niaj", "Olivia", "Peggy", "Rupert",
	"Sybil", "Trent", "Victor", "Walter", "Zoe",
};

static const char *const cities[] = {
	"Paris", "Berlin", "Madrid", "Rome", "Oslo", "Lisbon", "Vienna",
	"Prague", "Dublin", "Warsaw",
};

/* Written quoted: each holds a comma. */
static const char *const cities_comma[] = {
	"Springfield, IL", "Portland, OR", "Portland, ME", "Paris, TX",
	"Columbus, OH", "Dublin, CA",
};

static const char *const words[] = {
	"ok", "late", "fragile", "gift", "express", "returned", "paid",
	"pending", "box", "left", "door", "call", "first", "again", "blue",
	"large", "small", "shipped", "refund", "note",
};

/* Note and comment values that need quotes: commas, quotes, newlines.
 * Written here already quoted, as CSV wants them. */
static const char *const quoted_texts[] = {
	"\"leave at door, ring twice\"",
	"\"said \"\"fragile\"\" twice\"",
	"\"line one\nline two\"",
	"\"a, b, and c\"",
	"\"\"\"quoted\"\" start\"",
	"\"gift wrap\nto: Bob, \"\"Jr\"\"\nthanks\"",
	"\"ends with a comma,\"",
	"\"two\n\nblank line\"",
};

static const char *const domains[] = {
	"example.com", "example.org", "mail.test", "corp.example",
};

/* ---- records ---------------------------------------------------------- */

static char *put_str(char *p, const char *s)
{
	size_t n = strlen(s);
	memcpy(p, s, n);
	return p + n;
}

static char *put_u(char *p, uint64_t v)
{
	char tmp[24];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *put_2(char *p, unsigned v)
{
	*p++ = (char)('0' + v / 10);
	*p++ = (char)('0' + v % 10);
	return p;
}

/* Unquoted words separated by spaces: 0 to max of them. */
static char *put_words(char *p, unsigned max)
{
	unsigned n = below(max + 1);
	for (unsigned i = 0; i < n; i++) {
		if (i)
			*p++ = ' ';
		p = put_str(p, PICK(words));
	}
	return p;
}

/* Free text: usually plain words, sometimes a value that needs quotes. */
static char *put_text(char *p, uint32_t quoted_per_mille)
{
	if (below(1000) < quoted_per_mille)
		return put_str(p, PICK(quoted_texts));
	return put_words(p, 5);
}

static char *put_record(char *p, uint64_t id)
{
	const char *name = PICK(names);
	p = put_u(p, id);
	*p++ = ',';
	p = put_str(p, name);
	*p++ = ',';
	if (below(10) == 0) {
		*p++ = '"';
		p = put_str(p, PICK(cities_comma));
		*p++ = '"';
	} else {
		p = put_str(p, PICK(cities));
	}
	*p++ = ',';
	uint32_t cents = below(100000);
	p = put_u(p, cents / 100);
	*p++ = '.';
	p = put_2(p, cents % 100);
	*p++ = ',';
	p = put_u(p, 1 + below(20));
	*p++ = ',';
	p = put_text(p, 120);
	*p++ = ',';
	for (const char *s = name; *s; s++)
		*p++ = (char)(*s | 0x20);
	*p++ = '.';
	p = put_u(p, below(1000));
	*p++ = '@';
	p = put_str(p, PICK(domains));
	*p++ = ',';
	p = put_str(p, "2024-");
	p = put_2(p, 1 + below(12));
	*p++ = '-';
	p = put_2(p, 1 + below(28));
	*p++ = ',';
	p = put_str(p, below(2) ? "true" : "false");
	*p++ = ',';
	p = put_text(p, 60);
	*p++ = '\n';
	return p;
}

/* The last record, exactly n >= FILLER_MIN bytes: padded comment. */
static char *put_filler(char *p, uint64_t id, size_t n)
{
	char *start = p;
	p = put_u(p, id);
	p = put_str(p, ",Zoe,Oslo,0.00,1,,zoe.0@mail.test,2024-12-31,false,");
	size_t used = (size_t)(p - start);
	if (used + 1 > n) { /* no room for the fixed part: a short record */
		p = start;
		memset(p, 'x', n - 1);
		p += n - 1;
	} else {
		memset(p, 'x', n - used - 1);
		p += n - used - 1;
	}
	*p++ = '\n';
	return p;
}

/* ---- main ----------------------------------------------------------------- */

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || errno || v < 0)
		return 0;
	double mult = 1;
	switch (*end) {
	case 'k': case 'K': mult = 1024.0; end++; break;
	case 'm': case 'M': mult = 1024.0 * 1024; end++; break;
	case 'g': case 'G': mult = 1024.0 * 1024 * 1024; end++; break;
	case 't': case 'T': mult = 1024.0 * 1024 * 1024 * 1024; end++; break;
	default: break;
	}
	if (end[0] == 'i' && end[1] == 'B')
		end += 2;
	else if (end[0] == 'B')
		end++;
	if (*end)
		return 0;
	v *= mult;
	if (v >= 18446744073709551615.0)
		return 0;
	*out = (uint64_t)v;
	return 1;
}

static void usage(FILE *f)
{
	fputs("usage: gencsv [-s SEED] [-n] SIZE\n"
	      "  Write exactly SIZE bytes of synthetic CSV (a header, ten columns) to stdout.\n"
	      "  SIZE: bytes with optional K/M/G/T suffix (powers of 1024), e.g. 1G; at least 256.\n"
	      "  -s SEED  PRNG seed (unsigned integer; default fixed)\n"
	      "  -n       print the byte count SIZE stands for and exit\n", f);
}

static void write_out(const char *buf, size_t n)
{
	if (n && fwrite(buf, 1, n, stdout) != n) {
		fprintf(stderr, "gencsv: write error: %s\n", strerror(errno));
		exit(1);
	}
}

int main(int argc, char **argv)
{
	uint64_t seed = DEFAULT_SEED, total;
	int only_size = 0, c;

	while ((c = getopt(argc, argv, "s:nh")) != -1) {
		switch (c) {
		case 's': {
			char *end;
			errno = 0;
			unsigned long long v = strtoull(optarg, &end, 0);
			if (end == optarg || *end || errno) {
				fprintf(stderr, "gencsv: bad seed '%s'\n", optarg);
				return 2;
			}
			seed = v;
			break;
		}
		case 'n':
			only_size = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 1 || !parse_size(argv[optind], &total) || total < 256) {
		usage(stderr);
		return 2;
	}
	if (only_size) {
		printf("%llu\n", (unsigned long long)total);
		return 0;
	}

	rng_state = seed;
	char *buf = malloc(OUTBUF_SIZE + 2 * REC_MAX);
	char *rec = malloc(REC_MAX);
	if (!buf || !rec) {
		fprintf(stderr, "gencsv: out of memory\n");
		return 1;
	}
	char *p = put_str(buf, header);
	uint64_t left = total - (sizeof(header) - 1), id = 1;

	/* Whole records while one more and the filler still fit... */
	for (;;) {
		size_t n = (size_t)(put_record(rec, id) - rec);
		if (n + FILLER_MIN > left)
			break;
		memcpy(p, rec, n);
		p += n;
		left -= n;
		id++;
		if (p - buf >= (ptrdiff_t)OUTBUF_SIZE) {
			write_out(buf, (size_t)(p - buf));
			p = buf;
		}
	}
	/* ...then one record made to fit exactly. */
	p = put_filler(p, id, (size_t)left);
	write_out(buf, (size_t)(p - buf));
	if (fflush(stdout) != 0) {
		fprintf(stderr, "gencsv: write error: %s\n", strerror(errno));
		return 1;
	}
	free(rec);
	free(buf);
	return 0;
}
