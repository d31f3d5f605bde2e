/* count.c - the count stage: records, and optionally words and bytes.
 *
 * A reducer: each worker counts its blocks into a partial, the merger
 * adds the partials.  Addition is associative, so the result does not
 * depend on -j or the chunk size. */
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
};

static const struct stage_opt count_opts[] = {
	{ "words", 'w', OPT_FLAG, "also count words (as wc -w does in the C locale)", NULL },
	{ "bytes", 'c', OPT_FLAG, "also count bytes", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

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
}

/* Partial: three little-endian 64-bit counters. */
static void count_encode(struct stage *st, const void *partial, struct buf *out)
{
	const struct counts *c = partial;

	(void)st;
	buf_put_le64(out, c->records);
	buf_put_le64(out, c->words);
	buf_put_le64(out, c->bytes);
}

static int count_merge(struct stage *st, void *partial, const char *data, size_t len)
{
	struct counts *c = partial;

	(void)st;
	if (len != 24)
		return -1;
	c->records += le_get64(data);
	c->words += le_get64(data + 8);
	c->bytes += le_get64(data + 16);
	return 0;
}

static int count_finish(struct stage *st, void *partial, struct sink *out, char **err)
{
	const struct counts *c = partial;
	struct buf line = { 0 };
	int rc;

	(void)err;
	buf_printf(&line, "%llu", (unsigned long long)c->records);
	if (stage_flag(st, "words"))
		buf_printf(&line, " %llu", (unsigned long long)c->words);
	if (stage_flag(st, "bytes"))
		buf_printf(&line, " %llu", (unsigned long long)c->bytes);
	/* A report, not data: it ends with a newline even with -z. */
	buf_putc(&line, '\n');
	rc = out->put(out, line.data, line.len);
	buf_free(&line);
	return rc;
}

const struct stage_def stage_count = {
	.name = "count",
	.summary = "count records (and words and bytes), like wc",
	.description =
		"Prints the number of records, like wc -l; with -w and -c also the words and bytes, "
		"in wc's order, separated by single spaces, on one record. "
		"A last record without a terminator counts as a record (wc -l counts only "
		"terminators), and -c counts the input's bytes, as wc -c does.",
	.kind = STAGE_REDUCE,
	.opts = count_opts,
	.args = NULL,
	.partial_new = count_partial_new,
	.fold = count_fold,
	.encode = count_encode,
	.merge = count_merge,
	.finish = count_finish,
	.partial_free = free,
};
