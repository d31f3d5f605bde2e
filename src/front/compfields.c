/* compfields.c - the field names the shells' completions offer after a
 * stage option that takes them (cut -f, group -k, ...): read from the
 * header of the file the command line names, as
 * forkpipe --help-completion=fields -- WORD... prints them (cli.c reads
 * the words into a job; completion.c's scripts call it).
 *
 * Only where cheap: the first record of the first regular file (plain or
 * gzip) that has one within HEADER_MAX bytes, split as the run would
 * split it, so that quoted CSV names come out unquoted.  Names a spec
 * could not hold as they are (blanks, quotes, commas) are left out. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "completion.h"
#include "fieldlist.h"
#include "job.h"
#include "util.h"

/* The most bytes read to find the header's end. */
#define HEADER_MAX 65536

/* Excel's UTF-8 byte-order mark before a CSV header. */
#define BOM "\xEF\xBB\xBF"

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

static bool named(const char *path, const char *ext)
{
	char *gz = xasprintf("%s.gz", ext);
	bool yes = ends_with(path, ext) || ends_with(path, gz);

	free(gz);
	return yes;
}

/*
 * How path's header splits, or false when it has none to offer: the
 * job's CSV; with -H, the job's format; without a format option, a
 * NAME.csv is CSV, and with -H a NAME.tsv is tab-separated.
 */
static bool header_format(const struct job *job, const char *path, struct format *f)
{
	*f = job->format;
	if (f->kind == FORMAT_JSON)
		return false;	/* names are paths, not a header's */
	if (f->kind == FORMAT_BLANKS && named(path, ".csv")) {
		f->kind = FORMAT_CSV;
		f->delim = ',';
	} else if (f->kind == FORMAT_BLANKS && job->header && named(path, ".tsv")) {
		f->kind = FORMAT_DELIM;
		f->delim = '\t';
	}
	return f->kind == FORMAT_CSV || job->header;
}

/* The first record of a regular file into h->raw, without its
 * terminator and a byte-order mark; false if it ends past HEADER_MAX. */
static bool read_first(const char *path, char term, struct header *h)
{
	struct stat st;
	gzFile z;
	char *end;
	int n;

	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || (z = gzopen(path, "rb")) == NULL)
		return false;
	buf_reserve(&h->raw, HEADER_MAX);
	n = gzread(z, h->raw.data, HEADER_MAX);
	gzclose(z);
	if (n <= 0)
		return false;
	end = memchr(h->raw.data, term, (size_t)n);
	if (end == NULL && n == HEADER_MAX)
		return false;
	h->raw.len = end != NULL ? (size_t)(end - h->raw.data) : (size_t)n;
	if (h->raw.len > 0 && h->raw.data[h->raw.len - 1] == '\r')
		h->raw.len--;
	if (h->raw.len >= 3 && memcmp(h->raw.data, BOM, 3) == 0) {
		memmove(h->raw.data, h->raw.data + 3, h->raw.len - 3);
		h->raw.len -= 3;
	}
	return true;
}

/* Whether a spec can hold the name as it is: no blank, quote, comma or
 * control byte; not an option, nor a number or range (those select by
 * position). */
static bool offerable(const char *p, size_t len)
{
	if (len == 0 || p[0] == '-' || strspn(p, "0123456789-") >= len)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c <= ' ' || c == 0x7f || strchr("'\",\\", c) != NULL)
			return false;
	}
	return true;
}

static bool print_names(FILE *fp, const struct fieldvec *fv)
{
	bool any = false;

	for (size_t i = 0; i < fv->n; i++) {
		if (!offerable(fv->v[i].p, fv->v[i].len))
			continue;
		fprintf(fp, "%.*s\n", (int)fv->v[i].len, fv->v[i].p);
		any = true;
	}
	return any;
}

void completion_fields(FILE *fp, const struct job *job)
{
	for (size_t i = 0; i < job->ninputs; i++) {
		struct header h = { 0 };
		struct format f;
		const char *why;
		bool done = false;

		if (header_format(job, job->inputs[i], &f) &&
		    read_first(job->inputs[i], job->null ? '\0' : '\n', &h) &&
		    fields_split(&f, h.raw.data, h.raw.len, &h.fields, &why) == 0)
			done = print_names(fp, &h.fields);
		fieldvec_free(&h.fields);
		buf_free(&h.raw);
		if (done)
			return;
	}
}
