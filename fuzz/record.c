/* record.c - fuzz the record and CSV boundary finders (src/records/record.c,
 * src/records/csv.c) and the chunker's cutting of files and streams into
 * record-aligned chunks (src/io/chunker.c).
 *
 * Input: a byte choosing the format (plain or CSV, strict or lax, the
 * terminator, a header) and the scan kernels (AVX2 where the CPU has it,
 * or the portable ones every CPU runs), a byte giving the chunk size, a
 * byte saying where the data splits into two inputs, then the data.  Every chunk
 * must start where the one before ended, end just past a record end
 * found by walking the input from its start (or at the input's end),
 * and together they must cover each input; malformed CSV may only be
 * reported (exit 65) where the walk finds it too. */
#include "autoconfig.h"

#include <fcntl.h>
#include <stdbool.h>

#include "chunker.h"
#include "csv.h"
#include "decompress.h"
#include "fuzz.h"
#include "record.h"
#include "scan.h"
#include "util.h"

struct setup {
	struct format f;
	char term;
	bool header;
	bool stream;
	uint64_t target;
};

/* The record ends of a whole input, in order; *bad when the walk stops
 * at malformed CSV before the end, or (resync) walked over some. */
static size_t walk(const struct setup *s, const char *p, size_t len, size_t *ends, bool *bad)
{
	size_t n = 0;

	*bad = false;
	if (s->f.kind != FORMAT_CSV) {
		for (size_t i = 0; i < len; i++)
			if (p[i] == s->term)
				ends[n++] = i + 1;
		return n;
	}
	struct csv_iter it;
	const char *e;

	csv_iter_init(&it, p, len, &s->f, s->term);
	it.at_eof = true;
	while ((e = csv_iter_next(&it)) != NULL) {
		ends[n++] = (size_t)(e - p);
		*bad |= it.bad;	/* resync: a malformed record, walked over */
	}
	*bad |= it.why != NULL || it.p != it.end;
	return n;
}

static bool is_end(const size_t *ends, size_t n, size_t off)
{
	for (size_t i = 0; i < n; i++)
		if (ends[i] == off)
			return true;
	return false;
}

/* The pure finders against the walk. */
static void check_finders(const struct setup *s, const char *p, size_t len)
{
	size_t *ends = malloc((len + 1) * sizeof *ends), n, at = 0, r;
	const char *why = NULL;
	bool bad;
	uint64_t want = len / 3 + 1, left = want;

	n = walk(s, p, len, ends, &bad);
	r = records_first_end(&s->f, s->term, p, len, &why, &at);
	FUZZ_CHECK(r <= len && (why == NULL || at <= len), "first end %zu of %zu", r, len);
	if (why == NULL && r > 0)
		FUZZ_CHECK(n > 0 && r == ends[0], "first end %zu, walk %zu", r, n ? ends[0] : 0);
	r = records_last_end(&s->f, s->term, p, len, &why, &at);
	FUZZ_CHECK(r <= len && (why == NULL || at <= len), "last end %zu of %zu", r, len);
	FUZZ_CHECK(r == 0 || why != NULL || is_end(ends, n, r), "last end %zu not a record end", r);
	if (!bad)
		FUZZ_CHECK(records_count(&s->f, s->term, p, len) == n, "count differs from walk");
	r = records_prefix(&s->f, s->term, p, len, &left);
	FUZZ_CHECK(r <= len && left <= want, "prefix %zu of %zu", r, len);
	if (!bad && left > 0)
		FUZZ_CHECK(r == len, "prefix of %llu records stops at %zu of %zu",
		    (unsigned long long)want, r, len);
	free(ends);
}

/* An input the chunker opens by name: a memory file, or a pipe holding
 * the bytes with its write end closed. */
static int make_input(const struct setup *s, const char *p, size_t len, char path[64])
{
	int fds[2], fd;

	if (!s->stream)
		return fuzz_file(p, len, path);
	if (pipe2(fds, O_CLOEXEC) < 0) {
		perror("fuzz: pipe");
		abort();
	}
	if (len > 65536)
		(void)fcntl(fds[1], F_SETPIPE_SZ, (int)len);
	if (len > 0 && write(fds[1], p, len) != (ssize_t)len) {
		perror("fuzz: write");
		abort();
	}
	snprintf(path, 64, "/proc/self/fd/%d", fds[0]);
	/* Opened again by name while the write end is open: no wait. */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	close(fds[0]);
	close(fds[1]);
	snprintf(path, 64, "/proc/self/fd/%d", fd);
	return fd;
}

struct input {
	const char *p;
	size_t len;
	size_t *ends, n;	/* the walk's record ends */
	bool bad;
	uint64_t covered;	/* bytes chunked so far */
};

static void check_chunk(const struct setup *s, struct input *in, const struct chunk *ch)
{
	uint64_t end = ch->offset + ch->length;

	FUZZ_CHECK(ch->length > 0, "empty chunk");
	FUZZ_CHECK(ch->offset == in->covered || (s->header && in->covered == 0 && ch->offset > 0),
	    "chunk at %llu after %llu", (unsigned long long)ch->offset,
	    (unsigned long long)in->covered);
	FUZZ_CHECK(end <= in->len, "chunk ends at %llu of %zu", (unsigned long long)end, in->len);
	FUZZ_CHECK(end == in->len || is_end(in->ends, in->n, (size_t)end),
	    "chunk [%llu, %llu) does not end a record", (unsigned long long)ch->offset,
	    (unsigned long long)end);
	if (ch->data != NULL)
		FUZZ_CHECK(memcmp(ch->data, in->p + ch->offset, ch->length) == 0, "stream bytes differ");
	in->covered = end;
}

static void check_chunker(const struct setup *s, struct input *ins, size_t nin)
{
	char paths[2][64], *names[2] = { paths[0], paths[1] }, *err = NULL;
	int fds[2], code = 0, rc;
	struct chunker *c;
	struct chunk ch;
	struct buf header = { 0 };

	for (size_t i = 0; i < nin; i++)
		fds[i] = make_input(s, ins[i].p, ins[i].len, paths[i]);
	c = chunker_open(names, nin, s->term, s->target, 2, &err, &code);
	FUZZ_CHECK(c != NULL, "chunker_open: %s", err);
	chunker_set_format(c, &s->f, s->header);
	rc = 1;
	while (s->header && (rc = chunker_header(c, true, &header, &err, &code)) == 0)
		;	/* a stream's first bytes: read on */
	bool failed = rc < 0;

	while (!failed && (rc = chunker_next(c, true, &ch, &err, &code)) != CHUNK_END) {
		if (rc == CHUNK_WAIT)
			continue;
		if ((failed = rc == CHUNK_ERROR))
			break;
		FUZZ_CHECK(ch.file < nin, "chunk of input %u", ch.file);
		for (uint32_t i = 0; i < ch.file; i++)
			FUZZ_CHECK(ins[i].covered == ins[i].len || ins[i].bad || s->header,
			    "input %u left at %llu of %zu", i, (unsigned long long)ins[i].covered,
			    ins[i].len);
		check_chunk(s, &ins[ch.file], &ch);
		chunker_recycle(c, &ch);
	}
	if (failed) {
		/* Malformed CSV, or a header that differs from the first. */
		FUZZ_CHECK(code == EXIT_DATAERR, "exit %d: %s", code, err);
		FUZZ_CHECK((ins[0].bad || (nin > 1 && ins[1].bad)) || s->header,
		    "error the walk did not find: %s", err);
		free(err);
	}
	buf_free(&header);
	chunker_close(c);
	for (size_t i = 0; i < nin; i++)
		close(fds[i]);	/* chunker_close closed its own copies */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct setup s = { 0 };
	struct input ins[2] = { { 0 } };
	size_t len, cut, nin;
	const char *p;

	if (size < 3)
		return 0;
	s.f.kind = data[0] & 1 ? FORMAT_CSV : data[0] & 2 ? FORMAT_DELIM : FORMAT_BLANKS;
	s.f.delim = data[0] & 4 ? ';' : ',';
	s.f.lax = data[0] & 8;
	s.term = data[0] & 16 ? '\0' : '\n';
	s.header = data[0] & 32;
	s.stream = data[0] & 64;
	scan_force_portable(data[0] & 128);
	s.target = 1 + data[1] % 64;
	/* --reject: malformed CSV records are records too (csv.h's resync),
	 * which the chunker must cut exactly where the whole walk ends them. */
	s.f.resync = data[1] & 64;
	p = (const char *)data + 3;
	len = size - 3;
	cut = data[2] == 0 ? len : (size_t)data[2] * len / 256;
	check_finders(&s, p, len);
	/* Compressed data would start a decompressor process: not here. */
	if (codec_detect(p, len) != CODEC_NONE || codec_detect(p + cut, len - cut) != CODEC_NONE)
		return 0;
	nin = cut < len ? 2 : 1;
	ins[0].p = p, ins[0].len = cut;
	ins[1].p = p + cut, ins[1].len = len - cut;
	for (size_t i = 0; i < nin; i++) {
		/* With a header the chunker drops a UTF-8 byte-order mark
		 * before it (io/header.c): the walk starts after it too. */
		size_t bom = s.header && ins[i].len >= 3 && memcmp(ins[i].p, "\xEF\xBB\xBF", 3) == 0 ?
		    3 : 0;

		ins[i].ends = malloc((ins[i].len + 1) * sizeof *ins[i].ends);
		ins[i].n = walk(&s, ins[i].p + bom, ins[i].len - bom, ins[i].ends, &ins[i].bad);
		for (size_t k = 0; k < ins[i].n; k++)
			ins[i].ends[k] += bom;
	}
	check_chunker(&s, ins, nin);
	for (size_t i = 0; i < nin; i++)
		free(ins[i].ends);
	return 0;
}
