/* count.c - the count stage: records, and optionally words, characters,
 * bytes and the longest record's width.
 *
 * A reducer: each worker counts its blocks into a partial, the merger
 * adds the partials (and keeps the larger width).  Both are associative,
 * so the result does not depend on -j or the chunk size. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "record.h"
#include "scan.h"
#include "stage.h"
#include "util.h"

struct counts {
	uint64_t records;
	uint64_t words;
	uint64_t bytes;
	uint64_t longest;	/* -L: the widest record, as wc -L measures */
};

static const struct stage_opt count_opts[] = {
	{ "words", 'w', OPT_FLAG, "also count words (as wc -w does in the C locale)", NULL },
	{ "chars", 'm', OPT_FLAG, "also count characters: in the C locale bytes, as wc -m "
	  "counts there", NULL },
	{ "bytes", 'c', OPT_FLAG, "also count bytes", NULL },
	{ "max-line-length", 'L', OPT_FLAG, "also print the longest record's width, as wc -L "
	  "measures it in the C locale (a tab to the next multiple of 8, a printable byte "
	  "one column, other bytes none)", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

/* What grep -m N -c sets: at most cap records are counted. */
struct count_cap {
	uint64_t cap;
};

void stage_count_cap(struct stage *st, uint64_t n)
{
	struct count_cap *c = st->priv;

	if (c == NULL)
		st->priv = c = xcalloc(1, sizeof *c);
	c->cap = n;
}

static void count_teardown(struct stage *st)
{
	free(st->priv);
	st->priv = NULL;
}

static void *count_partial_new(struct stage *st)
{
	(void)st;
	return xcalloc(1, sizeof(struct counts));
}

static void count_fold(struct stage *st, void *partial, const struct block *b)
{
	struct counts *c = partial;
	int in_word = 0;

	c->records += b->nrec != NREC_UNKNOWN ? b->nrec : records_count(st->fmt, st->term, b->data, b->len);
	c->bytes += b->len - b->supplied;	/* the input's bytes, as wc -c */
	/* Blocks hold whole records and a terminator ends a word, so no
	 * word spans two blocks. */
	if (stage_flag(st, "words"))
		c->words += scan_count_words(b->data, b->len, (unsigned char)st->term, &in_word);
	if (stage_flag(st, "max-line-length")) {
		uint64_t w = scan_max_width(b->data, b->len, (unsigned char)st->term);

		c->longest = w > c->longest ? w : c->longest;
	}
}

/* Partial: three little-endian 64-bit counters, and with -L a fourth,
 * the longest width (so partials without -L are as they always were). */
static void count_encode(struct stage *st, const void *partial, struct buf *out)
{
	const struct counts *c = partial;

	buf_put_le64(out, c->records);
	buf_put_le64(out, c->words);
	buf_put_le64(out, c->bytes);
	if (stage_flag(st, "max-line-length"))
		buf_put_le64(out, c->longest);
}

static int count_merge(struct stage *st, void *partial, const char *data, size_t len)
{
	struct counts *c = partial;

	if (len != (stage_flag(st, "max-line-length") ? 32u : 24u))
		return -1;
	c->records += le_get64(data);
	c->words += le_get64(data + 8);
	c->bytes += le_get64(data + 16);
	if (len == 32 && le_get64(data + 24) > c->longest)
		c->longest = le_get64(data + 24);
	return 0;
}

static int count_finish(struct stage *st, void *partial, struct sink *out, char **err)
{
	const struct counts *c = partial;
	const struct count_cap *cap = st->priv;
	uint64_t records = cap != NULL && cap->cap < c->records ? cap->cap : c->records;
	struct buf line = { 0 };
	int rc;

	(void)err;
	/* As grep -m 0 -c: nothing at all. */
	if (cap != NULL && cap->cap == 0)
		return 0;

	buf_printf(&line, "%llu", (unsigned long long)records);
	if (stage_flag(st, "words"))
		buf_printf(&line, " %llu", (unsigned long long)c->words);
	/* wc's order: lines, words, characters, bytes, width. */
	if (stage_flag(st, "chars"))
		buf_printf(&line, " %llu", (unsigned long long)c->bytes);
	if (stage_flag(st, "bytes"))
		buf_printf(&line, " %llu", (unsigned long long)c->bytes);
	if (stage_flag(st, "max-line-length"))
		buf_printf(&line, " %llu", (unsigned long long)c->longest);
	/* A report, not data: it ends with a newline even with -z. */
	buf_putc(&line, '\n');
	rc = out->put(out, line.data, line.len);
	buf_free(&line);
	return rc;
}

const struct stage_def stage_count = {
	.name = "count",
	.summary = "count records (and words, characters, bytes, the longest width), like wc",
	.description =
		"Prints the number of records, like wc -l; with -w, -m, -c and -L also the words, "
		"characters, bytes and the longest record's width, in wc's order, separated by "
		"single spaces, on one record. "
		"A last record without a terminator counts as a record (wc -l counts only "
		"terminators), and -c counts the input's bytes, as wc -c does; -m counts them too, "
		"as wc -m does in the C locale, where a character is a byte. -L is wc -L's in the C "
		"locale: the widest line, a tab reaching the next multiple of 8 and only printable "
		"bytes taking a column, a CR or form feed starting a new line; with -z a record "
		"ends at its NUL (and a newline inside it starts a new line too), and the widest "
		"of the chunks' is kept.",
	.kind = STAGE_REDUCE,
	.opts = count_opts,
	.args = NULL,
	.teardown = count_teardown,
	.partial_new = count_partial_new,
	.fold = count_fold,
	.encode = count_encode,
	.merge = count_merge,
	.finish = count_finish,
	.partial_free = free,
};
