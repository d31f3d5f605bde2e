/*
 * gencsv - write a deterministic synthetic CSV (or TSV) file for benchmarks.
 *
 *   gencsv [-s SEED] [-t] [-u] [-n] SIZE > orders.csv
 *
 * SIZE is a byte count with an optional K, M, G or T suffix (powers of
 * 1024; "1.5G" works too), at least 256 bytes.  The output is exactly
 * SIZE bytes: a header and then records of ten columns, about 120 bytes
 * each, every one ending with a newline (LF).  The same SEED and SIZE
 * always give the same bytes.  With -n, gencsv prints the byte count SIZE
 * stands for and exits (the benchmark scripts use it to validate a
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
 * With -t the same records (the same PRNG draws, record by record) are
 * written as TSV, for comparing tools that split on tabs or whitespace:
 * the header is id<TAB>name<TAB>..., fields are separated by tabs and
 * never quoted, and a tab, newline or quote inside a value becomes a
 * space (commas stay), so every record is exactly one line.  TSV records
 * are a little shorter, so a TSV file of the same SIZE holds a few more
 * of them.
 *
 * With -u every record gets an eleventh column, user_id, last
 * (the header ends with ",user_id"): "u" and a number below
 * SIZE / 1600, so about 670,000 distinct ids in 1 GiB (10 million
 * records), their number growing with SIZE at that ratio.  The id is a
 * hash of the record's id and the seed, not a PRNG draw, so the other
 * ten columns are the records of the file without -u (there are fewer
 * of them in the same SIZE), and without -u the output is what it always
 * was.  It is never quoted, so -t -u works as well.
 *
 * No dependencies beyond libc; the PRNG (splitmix64), the SIZE operand
 * and the options -s, -n, -h come from genutil.h, shared with genlog.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "genutil.h"

#define OUTBUF_SIZE (4u << 20) /* one fwrite per 4 MiB */
#define REC_MAX 1024           /* generous bound on one record */
#define FILLER_MIN 96          /* the shortest last record */
#define DEFAULT_SEED UINT64_C(0xc5a1ab1e5eedf00d)

static const char header[] = "id,name,city,amount,qty,note,email,date,flag,comment\n";
/* With -u: the same header with the user_id column appended. */
static const char header_u[] = "id,name,city,amount,qty,note,email,date,flag,comment,user_id\n";
#define BYTES_PER_USER 1600 /* -u: SIZE / this many ids, 671,088 in 1 GiB */

/* -u: the number of user ids (0: no user_id column) and the seed they hash. */
static uint64_t users;
static uint64_t user_seed;

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

/* splitmix64's finalizer over the record id: the user id of a record
 * without touching the PRNG stream of the other columns. */
static uint64_t user_of(uint64_t id)
{
	uint64_t z = id * UINT64_C(0x9e3779b97f4a7c15) ^ user_seed;
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return (z ^ (z >> 31)) % users;
}

/* -u: the user_id column, ",uN" (written before the record's LF). */
static char *put_user(char *p, uint64_t id)
{
	*p++ = ',';
	*p++ = 'u';
	return put_u(p, user_of(id));
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
	if (users)
		p = put_user(p, id);
	*p++ = '\n';
	return p;
}

/* The last record, exactly n >= FILLER_MIN bytes: padded comment (and,
 * with -u, the user id after it). */
static char *put_filler(char *p, uint64_t id, size_t n)
{
	char *start = p, tail[32], *t = tail;

	if (users)
		t = put_user(t, id);
	*t++ = '\n';
	size_t tail_n = (size_t)(t - tail);
	p = put_u(p, id);
	p = put_str(p, ",Zoe,Oslo,0.00,1,,zoe.0@mail.test,2024-12-31,false,");
	size_t used = (size_t)(p - start);
	if (used + tail_n > n) { /* no room for the fixed part: a short record */
		p = start;
		memset(p, 'x', n - 1);
		p += n - 1;
		*p++ = '\n';
		return p;
	}
	memset(p, 'x', n - used - tail_n);
	p += n - used - tail_n;
	memcpy(p, tail, tail_n);
	return p + tail_n;
}

/*
 * Rewrite the CSV record rec[0..n) in place as TSV and return its new
 * length: separators become tabs, quoted fields lose their quotes, and a
 * tab, newline or (undoubled) quote inside a value becomes a space, since
 * TSV cannot quote them; commas inside values stay.  The TSV is never
 * longer than the CSV, so writing behind the reader is safe.
 */
static size_t csv_to_tsv(char *rec, size_t n)
{
	char *w = rec;
	int quoted = 0;

	for (size_t i = 0; i < n; i++) {
		char ch = rec[i];
		if (quoted && ch == '"') {
			if (i + 1 < n && rec[i + 1] == '"') { /* "" is one quote */
				*w++ = ' ';
				i++;
			} else {
				quoted = 0;
			}
		} else if (quoted) {
			*w++ = (ch == '\n' || ch == '\t') ? ' ' : ch;
		} else if (ch == '"') {
			quoted = 1;
		} else if (ch == ',') {
			*w++ = '\t';
		} else {
			*w++ = ch == '\t' ? ' ' : ch; /* the last byte: the record's LF */
		}
	}
	return (size_t)(w - rec);
}

/* ---- main ----------------------------------------------------------------- */

static void usage(FILE *f)
{
	fputs("usage: gencsv [-s SEED] [-t] [-u] [-n] SIZE\n"
	      "  Write exactly SIZE bytes of synthetic CSV (a header, ten columns) to stdout.\n"
	      "  SIZE: bytes with optional K/M/G/T suffix (powers of 1024), e.g. 1G; at least 256.\n"
	      "  -s SEED  PRNG seed (unsigned integer; default fixed)\n"
	      "  -t       write the same records as TSV: tab-separated, never quoted\n"
	      "  -u       add an eleventh column, user_id, with about SIZE/1600 distinct values\n"
	      "  -n       print the byte count SIZE stands for and exit\n", f);
}

int main(int argc, char **argv)
{
	struct gen_opts o = { .prog = "gencsv", .usage = usage, .seed = DEFAULT_SEED };
	int tsv = 0, with_users = 0, c;

	while ((c = gen_getopt(argc, argv, "s:tunh", &o)) != -1) {
		if (c == 't') {
			tsv = 1;
		} else if (c == 'u') {
			with_users = 1;
		} else {
			usage(stderr);
			return 2;
		}
	}
	gen_size_operand(argc, argv, 256, &o);
	if (with_users) {
		users = o.size / BYTES_PER_USER ? o.size / BYTES_PER_USER : 1;
		user_seed = o.seed;
	}
	const char *head = with_users ? header_u : header;
	size_t head_n = strlen(head);

	rng_state = o.seed;
	char *buf = malloc(OUTBUF_SIZE + 2 * REC_MAX);
	char *rec = malloc(REC_MAX);
	if (!buf || !rec) {
		fprintf(stderr, "gencsv: out of memory\n");
		return 1;
	}
	char *p = put_str(buf, head);
	if (tsv) /* same length: the header has no quotes */
		csv_to_tsv(buf, (size_t)(p - buf));
	uint64_t left = o.size - head_n, id = 1;

	/* Whole records while one more and the filler still fit... */
	for (;;) {
		size_t n = (size_t)(put_record(rec, id) - rec);
		if (tsv)
			n = csv_to_tsv(rec, n);
		if (n + FILLER_MIN > left)
			break;
		memcpy(p, rec, n);
		p += n;
		left -= n;
		id++;
		if (p - buf >= (ptrdiff_t)OUTBUF_SIZE) {
			gen_write("gencsv", buf, (size_t)(p - buf));
			p = buf;
		}
	}
	/* ...then one record made to fit exactly (no quotes: same length as TSV). */
	char *last = p;
	p = put_filler(p, id, (size_t)left);
	if (tsv)
		csv_to_tsv(last, (size_t)(p - last));
	gen_write("gencsv", buf, (size_t)(p - buf));
	gen_flush("gencsv");
	free(rec);
	free(buf);
	return 0;
}
