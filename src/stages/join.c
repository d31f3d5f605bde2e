/* join.c - the join stage: enrich each record from a lookup file, as
 * coreutils join does for two files sorted on the key, without sorting.
 *
 * The lookup file is read whole (plain, gzip or zstd: io/slurp.c) and
 * indexed by key (records/lookup.c) at bind time, in the supervisor
 * before the workers fork, so that every worker shares one copy of it,
 * copy-on-write.  Its size, in memory, must fit half of --memory:
 * joining two big inputs is not this stage's job.
 *
 * What a record becomes is join's rule (prjoin in coreutils' join.c):
 * the key, the record's other fields, then the matching lookup record's
 * other fields; one output record per match, in the lookup's order for
 * a key found several times; -a keeps the records without a match (key
 * and other fields), -v keeps only those, and -o FILE.FIELD lists pick
 * fields, empty when missing.  A record without the key field has an
 * empty key, as in join: it matches lookup records whose key is empty or
 * missing.  The header (-H) is joined with the lookup's first record as
 * join --header joins the two files' first lines. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "fieldlist.h"
#include "fields.h"
#include "lookup.h"
#include "slurp.h"
#include "stage.h"
#include "util.h"

struct outitem {
	int file;	/* 0: the key; 1: the record; 2: the lookup record */
	size_t field;	/* 0-based */
};

struct join {
	const char *path;	/* the lookup file */
	struct fieldlist kl, lkl;	/* -k and --lookup-key as given */
	size_t *keys, *lkeys;	/* 0-based, once bound */
	size_t nkeys;
	bool keep, only;	/* -a, -v */
	struct outitem *items;	/* -o */
	size_t nitems;
	struct format lfmt;	/* the lookup's format */
	bool own_lfmt;		/* --lookup-format given */
	struct lookup lk;

	/* Per block, in a worker. */
	struct fieldvec fv;
	struct buf out, scratch;
	struct field *outv;
	size_t outcap;
};

static const struct stage_opt join_opts[] = {
	{ "file", 'f', OPT_STRING, "the lookup file (plain, gzip or zstd; - for standard input "
	  "when it is not an input)", "LOOKUP" },
	{ "key", 'k', OPT_STRING, "the key fields of the input: numbers from 1 or header names, "
	  "separated by commas (default 1)", "KEYS" },
	{ "lookup-key", 0, OPT_STRING, "the key fields of the lookup file, as many as -k's "
	  "(default: the same as -k)", "KEYS" },
	{ "keep-unmatched", 'a', OPT_FLAG, "also print records without a match (as join -a 1)",
	  NULL },
	{ "only-unmatched", 'v', OPT_FLAG, "print only records without a match (as join -v 1)",
	  NULL },
	{ "output", 'o', OPT_STRING, "the output fields, as join -o: 0 (the key), 1.N (the "
	  "record's field N), 2.N (the lookup record's), separated by commas or blanks", "LIST" },
	{ "lookup-format", 0, OPT_STRING, "the lookup file's format when it is not the input's: "
	  "csv, tsv, blanks, csv:C or delim:C (C one byte, or \\t)", "FORMAT" },
	{ NULL, 0, 0, NULL, NULL },
};

static char *prefixed(char **err, const char *what)
{
	char *why = *err;

	*err = xasprintf("join: %s: %s", what, why);
	free(why);
	return *err;
}

/* -k or --lookup-key: single fields, no ranges. */
static int parse_keys(const char *spec, const char *opt, struct fieldlist *fl, char **err)
{
	if (fieldlist_parse(spec, fl, err) < 0) {
		prefixed(err, opt);
		return -1;
	}
	for (size_t i = 0; i < fl->n; i++) {
		if (fl->v[i].name == NULL && fl->v[i].lo != fl->v[i].hi) {
			*err = xasprintf("join: %s: '%s': a key is single fields, not ranges", opt, spec);
			return -1;
		}
	}
	return 0;
}

static int parse_item(const char *s, size_t n, struct outitem *it)
{
	long f;
	char num[24];

	if (n == 1 && s[0] == '0') {
		it->file = 0;
		it->field = 0;
		return 0;
	}
	if (n < 3 || (s[0] != '1' && s[0] != '2') || s[1] != '.' || n - 2 >= sizeof num)
		return -1;
	memcpy(num, s + 2, n - 2);
	num[n - 2] = '\0';
	if (num[0] < '0' || num[0] > '9' || !parse_long(num, 1, 1L << 30, &f))
		return -1;
	it->file = s[0] - '0';
	it->field = (size_t)f - 1;
	return 0;
}

/* -o: items separated by commas or blanks, as join takes them. */
static int parse_output(struct join *j, const char *spec, char **err)
{
	const char *p = spec;

	for (;;) {
		size_t n = strcspn(p, ", \t");

		j->items = xreallocarray(j->items, j->nitems + 1, sizeof *j->items);
		if (parse_item(p, n, &j->items[j->nitems]) < 0) {
			*err = xasprintf("join: -o: invalid field specifier '%.*s' (0, 1.N or 2.N)",
			    (int)n, p);
			return -1;
		}
		j->nitems++;
		if (p[n] == '\0')
			return 0;
		p += n + 1;
	}
}

static int parse_lookup_format(struct join *j, const char *s, char **err)
{
	j->own_lfmt = true;
	memset(&j->lfmt, 0, sizeof j->lfmt);
	if (strcmp(s, "csv") == 0) {
		j->lfmt.kind = FORMAT_CSV;
		j->lfmt.delim = ',';
	} else if (strcmp(s, "tsv") == 0) {
		j->lfmt.kind = FORMAT_DELIM;
		j->lfmt.delim = '\t';
	} else if (strcmp(s, "blanks") == 0) {
		j->lfmt.kind = FORMAT_BLANKS;
	} else if (strncmp(s, "csv:", 4) == 0 && format_delimiter(s + 4, &j->lfmt.delim)) {
		j->lfmt.kind = FORMAT_CSV;
	} else if (strncmp(s, "delim:", 6) == 0 && format_delimiter(s + 6, &j->lfmt.delim)) {
		j->lfmt.kind = FORMAT_DELIM;
	} else {
		*err = xasprintf("join: --lookup-format: unknown format '%s' (csv, tsv, blanks, "
		    "csv:C or delim:C)", s);
		return -1;
	}
	return 0;
}

static bool is_input(const struct stage *st, const char *path)
{
	for (size_t i = 0; i < st->ninputs; i++)
		if (strcmp(st->inputs[i], path) == 0)
			return true;
	return false;
}

static int join_setup(struct stage *st, char **err)
{
	struct join *j = xcalloc(1, sizeof *j);
	const char *key = stage_str(st, "key"), *lkey = stage_str(st, "lookup-key");
	const char *out = stage_str(st, "output"), *lf = stage_str(st, "lookup-format");

	st->priv = j;
	j->path = stage_str(st, "file");
	j->keep = stage_flag(st, "keep-unmatched");
	j->only = stage_flag(st, "only-unmatched");
	if (st->fmt != NULL && st->fmt->kind == FORMAT_JSON) {
		*err = xasprintf("join: JSON Lines input (--json) cannot be joined yet");
		return -1;
	}
	if (j->path == NULL) {
		*err = xasprintf("join: missing -f LOOKUP");
		return -1;
	}
	if (strcmp(j->path, "-") == 0 && (st->ninputs == 0 || is_input(st, "-"))) {
		*err = xasprintf("join: -f -: standard input is already the input");
		return -1;
	}
	if (parse_keys(key != NULL ? key : "1", "-k", &j->kl, err) < 0 ||
	    parse_keys(lkey != NULL ? lkey : key != NULL ? key : "1", "--lookup-key", &j->lkl,
	    err) < 0)
		return -1;
	if (j->kl.n != j->lkl.n) {
		*err = xasprintf("join: -k names %zu fields, --lookup-key %zu: they must match",
		    j->kl.n, j->lkl.n);
		return -1;
	}
	j->nkeys = j->kl.n;
	if (out != NULL && parse_output(j, out, err) < 0)
		return -1;
	if (lf != NULL && parse_lookup_format(j, lf, err) < 0)
		return -1;
	return 0;
}

/* A bound field list's 0-based indexes. */
static size_t *key_indexes(const struct fieldlist *fl)
{
	size_t *k = xcalloc(fl->n, sizeof *k);

	for (size_t i = 0; i < fl->n; i++)
		k[i] = fl->v[i].lo - 1;
	return k;
}

static int load_error(struct join *j, int rc, int code, char **err)
{
	char *why = *err;

	*err = xasprintf("join: lookup '%s': %s", j->path, why);
	free(why);
	return rc < 0 ? code : rc;
}

/* Read and index the lookup file.  0, or an exit code with *err. */
static int load(struct stage *st, struct join *j, bool header, char **err)
{
	/* Loaded once, shared by every process: half of --memory, as the
	 * reducers' states together may take the other half. */
	uint64_t budget = st->memory_total / 2, size = 0;
	struct buf data = { 0 };
	const char *why = NULL;
	size_t off = 0;
	int code = EXIT_SOFTWARE;
	int rc = slurp(j->path, budget, &data, &size, err, &code);

	if (rc == SLURP_TOO_BIG) {
		buf_free(&data);
		if (size > budget + 1)	/* a plain file: its size is known */
			*err = xasprintf("join: lookup '%s' is %llu bytes, more than the memory "
			    "budget of %llu bytes (half of --memory)", j->path,
			    (unsigned long long)size, (unsigned long long)budget);
		else
			*err = xasprintf("join: lookup '%s' is more than %llu bytes, the memory "
			    "budget (half of --memory)", j->path, (unsigned long long)budget);
		return EXIT_USAGE;
	}
	if (rc < 0) {
		buf_free(&data);
		return load_error(j, -1, code, err);
	}
	if (data.len > 0 && data.data[data.len - 1] != st->term)
		buf_putc(&data, st->term);
	rc = lookup_parse(&j->lk, data.data, data.len, j->own_lfmt ? &j->lfmt : st->fmt, st->term,
	    header, &why, &off);
	buf_free(&data);
	if (rc < 0) {
		*err = xasprintf("join: lookup '%s': malformed CSV at byte offset %zu: %s", j->path,
		    off, why);
		return EXIT_DATAERR;
	}
	return 0;
}

static int bind_keys(struct join *j, const struct header *h, char **err)
{
	if (fieldlist_bind(&j->kl, h, err) < 0) {
		prefixed(err, "-k");
		return -1;
	}
	j->keys = key_indexes(&j->kl);
	if (j->lk.nrec == 0)
		return 0;	/* an empty lookup has no header to bind to */
	if (fieldlist_bind(&j->lkl, j->lk.has_header ? &j->lk.header : NULL, err) < 0) {
		char *what = xasprintf("--lookup-key (in '%s')", j->path);

		prefixed(err, what);
		free(what);
		return -1;
	}
	j->lkeys = key_indexes(&j->lkl);
	return 0;
}

static int join_bind(struct stage *st, const struct header *h, char **err)
{
	struct join *j = st->priv;
	int rc = load(st, j, h != NULL, err);
	uint64_t budget = st->memory_total / 2;

	if (rc != 0)
		return rc;
	if (bind_keys(j, h, err) < 0)
		return -1;
	if (j->lkeys != NULL)
		lookup_index(&j->lk, j->lkeys, j->nkeys);
	if (lookup_bytes(&j->lk) > budget) {
		*err = xasprintf("join: lookup '%s' takes %llu bytes in memory, more than the memory "
		    "budget of %llu bytes (half of --memory)", j->path,
		    (unsigned long long)lookup_bytes(&j->lk), (unsigned long long)budget);
		return EXIT_USAGE;
	}
	return 0;
}

static void join_teardown(struct stage *st)
{
	struct join *j = st->priv;

	if (j == NULL)
		return;
	fieldlist_free(&j->kl);
	fieldlist_free(&j->lkl);
	free(j->keys);
	free(j->lkeys);
	free(j->items);
	lookup_free(&j->lk);
	fieldvec_free(&j->fv);
	buf_free(&j->out);
	buf_free(&j->scratch);
	free(j->outv);
	free(j);
	st->priv = NULL;
}

static const struct field empty_field = { "", 0 };

static void put(struct join *j, size_t *n, const struct field *f)
{
	if (*n == j->outcap) {
		j->outcap = j->outcap ? j->outcap * 2 : 32;
		j->outv = xreallocarray(j->outv, j->outcap, sizeof *j->outv);
	}
	j->outv[(*n)++] = *f;
}

static bool is_key(const size_t *keys, size_t nkeys, size_t i)
{
	for (size_t k = 0; k < nkeys; k++)
		if (keys[k] == i)
			return true;
	return false;
}

/* A field of v[0..n), or the empty one when it is missing. */
static const struct field *field_at(const struct field *v, size_t n, size_t i)
{
	return i < n ? &v[i] : &empty_field;
}

/* The output fields for record r joined with lookup record m (m NULL:
 * without a match), into j->outv; how many. */
static size_t compose(struct join *j, const struct field *r, size_t nr, const struct field *m,
    size_t nm)
{
	size_t n = 0;

	if (j->nitems > 0) {
		for (size_t i = 0; i < j->nitems; i++) {
			const struct outitem *it = &j->items[i];

			if (it->file == 0)
				for (size_t k = 0; k < j->nkeys; k++)
					put(j, &n, field_at(r, nr, j->keys[k]));
			else if (it->file == 1)
				put(j, &n, field_at(r, nr, it->field));
			else
				put(j, &n, field_at(m, m != NULL ? nm : 0, it->field));
		}
		return n;
	}
	for (size_t k = 0; k < j->nkeys; k++)
		put(j, &n, field_at(r, nr, j->keys[k]));
	for (size_t i = 0; i < nr; i++)
		if (!is_key(j->keys, j->nkeys, i))
			put(j, &n, &r[i]);
	for (size_t i = 0; m != NULL && i < nm; i++)
		if (!is_key(j->lkeys, j->nkeys, i))
			put(j, &n, &m[i]);
	return n;
}

static void join_header(struct stage *st, struct fieldvec *h)
{
	struct join *j = st->priv;
	size_t nm = 0;
	const struct field *m = j->lk.has_header ? lookup_fields(&j->lk, 0, &nm) : NULL;
	size_t n = compose(j, h->v, h->n, m, nm);

	if (h->cap < n) {
		h->v = xreallocarray(h->v, n, sizeof *h->v);
		h->cap = n;
	}
	memcpy(h->v, j->outv, n * sizeof *h->v);
	h->n = n;
}

/* One record's output records into j->out; how many. */
static size_t join_record(struct stage *st, struct join *j)
{
	const struct field *r = j->fv.v;
	size_t nr = j->fv.n, len, count = 0;
	const char *key = lookup_key(r, nr, j->keys, j->nkeys, &j->scratch, &len);
	const size_t *hits = lookup_find(&j->lk, key, len, &count);

	if (hits == NULL) {
		if (!j->keep && !j->only)
			return 0;
		fields_join(st->fmt, j->outv, compose(j, r, nr, NULL, 0), &j->out);
		buf_putc(&j->out, st->term);
		return 1;
	}
	if (j->only)
		return 0;
	for (size_t i = 0; i < count; i++) {
		size_t nm;
		const struct field *m = lookup_fields(&j->lk, hits[i], &nm);

		fields_join(st->fmt, j->outv, compose(j, r, nr, m, nm), &j->out);
		buf_putc(&j->out, st->term);
	}
	return count;
}

/* The terminator of the record at p.  Malformed CSV: the block's last
 * byte, so that splitting the record reports it. */
static const char *record_end(const struct stage *st, struct csv_iter *it, const char *p,
    const char *end)
{
	if (st->fmt->kind == FORMAT_CSV) {
		const char *e = csv_iter_next(it);

		return e != NULL ? e - 1 : end - 1;
	}
	return memchr(p, st->term, (size_t)(end - p));
}

static int join_map(struct stage *st, struct block *b, char **err)
{
	struct join *j = st->priv;
	const char *p = b->data, *end = b->data + b->len;
	size_t nrec = 0;
	struct csv_iter it;

	j->out.len = 0;
	csv_iter_init(&it, b->data, b->len, st->fmt, st->term);
	while (p < end) {
		const char *t = record_end(st, &it, p, end);
		const char *why = NULL;
		size_t len = (size_t)(t - p);

		j->fv.n = 0;
		/* As join: an empty record has no fields at all. */
		if (len > 0 && fields_split(st->fmt, p, len, &j->fv, &why) < 0) {
			if (b->offset != OFFSET_UNKNOWN)
				*err = xasprintf("malformed CSV at byte offset %llu: %s",
				    (unsigned long long)(b->offset + (uint64_t)(p - b->data)), why);
			else
				*err = xasprintf("malformed CSV: %s", why);
			return EXIT_DATAERR;
		}
		nrec += join_record(st, j);
		p = t + 1;
	}
	b->data = j->out.data;
	b->len = j->out.len;
	b->nrec = nrec;
	b->supplied = false;
	return 0;
}

const struct stage_def stage_join = {
	.name = "join",
	.summary = "add the fields of the matching records of a lookup file, as join -t does",
	.description =
		"Matches every record, by the key fields of -k (default the first), against the "
		"records of the lookup file -f LOOKUP (plain, gzip or zstd, in the input's format "
		"or in --lookup-format's) whose key fields (--lookup-key, default the same as -k) "
		"are equal, and prints what LC_ALL=C join -t SEP prints for the same two inputs "
		"sorted on the key, but in the input's order and without sorting: the key, the "
		"record's other fields and the lookup record's other fields, one output record per "
		"matching lookup record (in the lookup's order). -a also prints the records without "
		"a match (as join -a 1), -v only those (as join -v 1), and -o picks the output "
		"fields as join -o does (0 is the key, every key field; 1.N the record's field N, "
		"2.N the lookup record's; a missing field is empty). A record without a key field "
		"has an empty key there, as in join, and matches lookup records whose key is empty "
		"or missing. The lookup file is read once, before the workers start, which share "
		"it; in memory it must fit half of --memory, or the run stops with status 64 naming "
		"its size and the budget. A missing lookup file is status 66, a damaged one 65. "
		"With --header the lookup's first record is its header, and the output header is "
		"what join --header prints: the two headers joined. Output fields are joined in "
		"the input's format (the delimiter, one space for blank-separated input, CSV "
		"quoted where needed). Blank-separated records split as awk splits them: "
		"trailing blanks make no empty last field, as they do for join without -t.",
	.kind = STAGE_MAP,
	.opts = join_opts,
	.args = NULL,
	.setup = join_setup,
	.bind = join_bind,
	.header = join_header,
	.teardown = join_teardown,
	.map = join_map,
};
