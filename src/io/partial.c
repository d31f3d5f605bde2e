/* partial.c - partial result files: writing their parts, reading them
 * back piece by piece. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>	/* crc32_z */

#include "bytes.h"
#include "partial.h"
#include "util.h"

/* A piece is one chunk's partial: far below this unless corrupt. */
#define PIECE_MAX ((uint64_t)1 << 40)
#define IDENTITY_MAX 65536

/* A value in double quotes, with C escapes for anything that could
 * make two identities look alike or split the line. */
static void put_quoted(struct buf *out, const char *s)
{
	buf_putc(out, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			buf_printf(out, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			buf_printf(out, "\\x%02x", *p);
		else
			buf_putc(out, (char)*p);
	}
	buf_putc(out, '"');
}

static void put_format(const struct job *job, struct buf *out)
{
	static const char *const kinds[] = { "blanks", "delimited", "csv", "jsonl" };
	char d[2] = { job->format.delim, '\0' };

	buf_printf(out, "format=%s", kinds[job->format.kind]);
	if (job->format.kind != FORMAT_BLANKS && job->format.kind != FORMAT_JSON) {
		buf_printf(out, " delimiter=");
		put_quoted(out, d);
	}
	if (job->format.kind == FORMAT_CSV && job->format.lax)
		buf_printf(out, " lax");
	if (job->header)
		buf_printf(out, " header");
	if (job->null)
		buf_printf(out, " null");
}

static void put_value(const struct stage_opt *o, const struct optval *v, struct buf *out)
{
	switch (o->type) {
	case OPT_FLAG:
		if (v->num)
			buf_printf(out, " --%s", o->name);
		break;
	case OPT_INT:
		buf_printf(out, " --%s=%ld", o->name, v->num);
		break;
	case OPT_STRING:
		buf_printf(out, " --%s=", o->name);
		put_quoted(out, v->str);
		break;
	case OPT_LIST:
		for (size_t k = 0; k < v->nlist; k++) {
			buf_printf(out, " --%s=", o->name);
			put_quoted(out, v->list[k]);
		}
		break;
	}
}

static void put_stage(const struct stage *st, struct buf *out)
{
	const struct stage_def *def = st->def;

	buf_printf(out, " | %s", def->name);
	for (size_t i = 0; def->opts != NULL && def->opts[i].name != NULL; i++)
		if (st->opts[i].set)
			put_value(&def->opts[i], &st->opts[i], out);
	for (size_t i = 0; def->args != NULL && def->args[i].name != NULL; i++) {
		const struct optval *v = &st->args[i];

		if (def->args[i].many) {
			for (size_t k = 0; k < v->nlist; k++) {
				buf_putc(out, ' ');
				put_quoted(out, v->list[k]);
			}
		} else if (v->set) {
			buf_putc(out, ' ');
			put_quoted(out, v->str);
		}
	}
}

void partial_identity(const struct job *job, struct buf *out)
{
	put_format(job, out);
	for (size_t i = 0; i < job->post && i < job->nstages; i++)
		put_stage(job->stages[i], out);
}

void partial_origin_free(struct partial_origin *o)
{
	for (size_t i = 0; i < o->ninputs; i++)
		free(o->inputs[i].name);
	free(o->inputs);
	*o = (struct partial_origin){ 0 };
}

void partial_origin_copy(struct partial_origin *to, const struct partial_origin *from)
{
	*to = *from;
	to->inputs = xcalloc(from->ninputs > 0 ? from->ninputs : 1, sizeof *to->inputs);
	for (size_t i = 0; i < from->ninputs; i++) {
		to->inputs[i].print = from->inputs[i].print;
		to->inputs[i].name = xstrdup(from->inputs[i].name);
	}
}

/* A shard's inputs: their names as given (the tasks of one job array
 * name them alike) and their prints. */
static void shard_origin(const struct job *job, struct partial_origin *o)
{
	const struct shard *s = &job->shard;

	o->known = true;
	o->first = o->last = s->k;
	o->n = s->n;
	o->ninputs = job->ninputs;
	o->inputs = xcalloc(job->ninputs > 0 ? job->ninputs : 1, sizeof *o->inputs);
	for (size_t i = 0; i < job->ninputs; i++) {
		struct buf q = { 0 };

		put_quoted(&q, job->inputs[i]);
		buf_putc(&q, '\0');
		o->inputs[i].name = q.data;
		o->inputs[i].print = s->prints[i];
	}
}

/* "origin -", or the shards and one line per input. */
static void put_origin(const struct partial_origin *o, struct buf *out)
{
	if (!o->known) {
		buf_printf(out, "origin -\n");
		return;
	}
	buf_printf(out, "origin shards %llu-%llu of %llu, inputs %zu\n",
	    (unsigned long long)o->first, (unsigned long long)o->last, (unsigned long long)o->n,
	    o->ninputs);
	for (size_t i = 0; i < o->ninputs; i++) {
		const struct shard_print *p = &o->inputs[i].print;

		buf_printf(out, "input %llu %lld.%09u %08x %s\n", (unsigned long long)p->size,
		    (long long)p->sec, (unsigned)p->nsec, (unsigned)p->sum, o->inputs[i].name);
	}
}

static void put_u32(struct buf *out, uint32_t v)
{
	unsigned char b[4];

	le_put32(b, v);
	buf_append(out, b, 4);
}

static uint32_t crc(uint32_t c, const void *p, size_t len)
{
	return len > 0 ? (uint32_t)crc32_z(c, p, len) : c;
}

/* The CRC-32 of what out holds from start on, appended. */
static void put_crc(struct buf *out, size_t start)
{
	put_u32(out, crc(0, out->data + start, out->len - start));
}

void partial_put_head(const struct job *job, const struct buf *header, struct buf *out)
{
	struct partial_origin o = { 0 };

	if (job->shard.n > 0)
		shard_origin(job, &o);
	partial_put_head_origin(job, header, &o, out);
	partial_origin_free(&o);
}

void partial_put_head_origin(const struct job *job, const struct buf *header,
    const struct partial_origin *o, struct buf *out)
{
	size_t start = out->len;

	buf_printf(out, "%s%d\npipeline ", PARTIAL_MAGIC, PARTIAL_VERSION);
	partial_identity(job, out);
	buf_putc(out, '\n');
	put_origin(o, out);
	buf_put_le64(out, header != NULL ? header->len : 0);
	if (header != NULL)
		buf_append(out, header->data, header->len);
	put_crc(out, start);
}

void partial_put_piece(struct buf *out, const char *data, uint64_t len, uint64_t base)
{
	size_t start = out->len;

	buf_put_le64(out, len);
	buf_put_le64(out, base);
	put_u32(out, crc(crc(0, out->data + start, 16), data, len));
}

void partial_put_end(struct buf *out, uint64_t chunks, uint64_t pieces)
{
	size_t start = out->len;

	buf_put_le64(out, 0);
	buf_put_le64(out, chunks);
	buf_put_le64(out, pieces);
	put_crc(out, start);
}

/* ---- reading ------------------------------------------------------------------- */

struct partial_reader {
	int fd;
	char *path;
	uint64_t off;		/* bytes read so far, for messages */
	uint64_t pieces;
	uint32_t crc;		/* of the bytes read since the section began */
};

static int bad_at(struct partial_reader *r, char **err, int *code, const char *what,
    uint64_t off)
{
	*err = xasprintf("%s: %s at byte offset %llu", r->path, what, (unsigned long long)off);
	*code = EXIT_DATAERR;
	return -1;
}

static int bad(struct partial_reader *r, char **err, int *code, const char *what)
{
	return bad_at(r, err, code, what, r->off);
}

/* Exactly len bytes: 0, or -1 with *err (a short read is truncation). */
static int take(struct partial_reader *r, void *p, size_t len, char **err, int *code)
{
	ssize_t n = read_full(r->fd, p, len);

	if (n < 0) {
		*err = xasprintf("%s: %s", r->path, strerror(errno));
		*code = EXIT_IOERR;
		return -1;
	}
	if ((size_t)n != len)
		return bad(r, err, code, "truncated partial file");
	r->off += len;
	r->crc = crc(r->crc, p, len);
	return 0;
}

/* len bytes into b, in steps: a damaged length fails as truncation
 * before it takes more memory than the file holds. */
static int take_bytes(struct partial_reader *r, struct buf *b, uint64_t len, char **err,
    int *code)
{
	b->len = 0;
	while (b->len < len) {
		size_t step = buf_grow_step(b, len);

		buf_reserve(b, step);
		if (take(r, b->data + b->len, step, err, code) < 0)
			return -1;
		b->len += step;
	}
	return 0;
}

/* A section's stored CRC-32, read without counting it into the CRC of
 * the section's bytes. */
static int take_crc(struct partial_reader *r, uint32_t *stored, char **err, int *code)
{
	unsigned char b[4];
	uint32_t c = r->crc;

	if (take(r, b, 4, err, code) < 0)
		return -1;
	r->crc = c;
	*stored = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	return 0;
}

/* The bytes read since the section began at offset start must match. */
static int check_crc(struct partial_reader *r, uint32_t stored, uint64_t start, char **err,
    int *code)
{
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION	/* fuzz.mk: reach the decoders */
	if (stored != r->crc)
		return bad_at(r, err, code, "corrupt partial file (checksum mismatch in the section)",
		    start);
#else
	(void)r, (void)stored, (void)start, (void)err, (void)code;
#endif
	return 0;
}

static int take_u64(struct partial_reader *r, uint64_t *v, char **err, int *code)
{
	char b[8];

	if (take(r, b, 8, err, code) < 0)
		return -1;
	*v = le_get64(b);
	return 0;
}

/* A line of at most max bytes, without its newline, into out. */
static int take_line(struct partial_reader *r, struct buf *out, size_t max, char **err, int *code)
{
	char c;

	out->len = 0;
	for (;;) {
		if (take(r, &c, 1, err, code) < 0)
			return -1;
		if (c == '\n')
			return 0;
		if (out->len >= max)
			return bad(r, err, code, "not a forkpipe partial file");
		buf_putc(out, c);
	}
}

/* A decimal number at *p (no sign, no leading blanks), *p moved past it. */
static bool take_number(const char **p, uint64_t *v)
{
	const char *s = *p;

	*v = 0;
	if (*s < '0' || *s > '9')
		return false;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (*v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return false;
		*v = *v * 10 + (uint64_t)(*s - '0');
	}
	*p = s;
	return true;
}

/* A quoted name as put_quoted writes it: printable ASCII in double
 * quotes (it goes into messages as it is). */
static bool is_quoted(const char *p)
{
	size_t len = strlen(p);

	if (len < 2 || p[0] != '"' || p[len - 1] != '"')
		return false;
	for (size_t i = 0; i < len; i++)
		if (p[i] < 0x20 || p[i] > 0x7e)
			return false;
	return true;
}

/* "SIZE SEC.NSEC SUM NAME" (after "input ") into *in. */
static bool parse_input(const char *p, struct partial_input *in)
{
	struct shard_print *f = &in->print;
	uint64_t v;
	bool neg;
	char *end;

	if (!take_number(&p, &f->size) || *p++ != ' ')
		return false;
	neg = *p == '-';
	p += neg;
	if (!take_number(&p, &v) || v > INT64_MAX || *p++ != '.')
		return false;
	f->sec = neg ? -(int64_t)v : (int64_t)v;
	if (strspn(p, "0123456789") != 9 || !take_number(&p, &v) || v >= 1000000000 || *p++ != ' ')
		return false;
	f->nsec = (uint32_t)v;
	if (strspn(p, "0123456789abcdef") != 8 || p[8] != ' ')
		return false;
	f->sum = (uint32_t)strtoul(p, &end, 16);
	p += 9;
	if (!is_quoted(p))
		return false;
	in->name = xstrdup(p);
	return true;
}

/* The shards line after "origin ": "shards F-L of N, inputs M". */
static bool parse_shards(const char *p, struct partial_origin *o, uint64_t *m)
{
	const char *k = "shards ";

	if (strncmp(p, k, strlen(k)) != 0)
		return false;
	p += strlen(k);
	if (!take_number(&p, &o->first) || *p++ != '-' || !take_number(&p, &o->last) ||
	    strncmp(p, " of ", 4) != 0)
		return false;
	p += 4;
	if (!take_number(&p, &o->n) || strncmp(p, ", inputs ", 9) != 0)
		return false;
	p += 9;
	if (!take_number(&p, m) || *p != '\0')
		return false;
	return o->first <= o->last && o->last < o->n && o->n <= SHARD_MAX && *m > 0;
}

/* The "input" lines of the m inputs of a shard into o. */
static int take_inputs(struct partial_reader *r, struct partial_origin *o, uint64_t m,
    struct buf *line, char **err, int *code)
{
	size_t cap = 0;
	const char *k = "input ";

	for (uint64_t i = 0; i < m; i++) {
		if (take_line(r, line, IDENTITY_MAX, err, code) < 0)
			return -1;
		buf_putc(line, '\0');
		if (o->ninputs == cap) {	/* grown as lines come: m may be damaged */
			cap = cap > 0 ? 2 * cap : 4;
			o->inputs = xreallocarray(o->inputs, cap, sizeof *o->inputs);
		}
		o->inputs[o->ninputs] = (struct partial_input){ 0 };
		if (strncmp(line->data, k, strlen(k)) != 0 ||
		    !parse_input(line->data + strlen(k), &o->inputs[o->ninputs]))
			return bad(r, err, code, "corrupt partial file (origin)");
		o->ninputs++;
	}
	return 0;
}

/* "origin -", or "origin shards ..." and its inputs, into *o. */
static int take_origin(struct partial_reader *r, struct partial_origin *o, char **err, int *code)
{
	struct buf line = { 0 };
	const char *k = "origin ";
	uint64_t m;
	int rc = -1;

	*o = (struct partial_origin){ 0 };
	if (take_line(r, &line, IDENTITY_MAX, err, code) < 0)
		goto out;	/* a line cut short is freed too */
	buf_putc(&line, '\0');
	if (strncmp(line.data, k, strlen(k)) != 0)
		goto bad;
	if (strcmp(line.data + strlen(k), "-") == 0) {
		rc = 0;
		goto out;
	}
	if (!parse_shards(line.data + strlen(k), o, &m))
		goto bad;
	if (take_inputs(r, o, m, &line, err, code) < 0)
		goto out;
	o->known = true;
	rc = 0;
	goto out;
bad:
	bad(r, err, code, "corrupt partial file (origin)");
out:
	if (rc < 0)
		partial_origin_free(o);
	buf_free(&line);
	return rc;
}

static int check_head(struct partial_reader *r, const struct job *job, struct buf *header,
    struct partial_origin *origin, char **err, int *code)
{
	struct buf line = { 0 }, want = { 0 };
	uint64_t hlen;
	uint32_t stored;
	size_t m = strlen(PARTIAL_MAGIC);
	int rc = -1;

	*origin = (struct partial_origin){ 0 };
	if (take_line(r, &line, 64, err, code) < 0) {
		free(*err);	/* a short or binary file is simply not a partial */
		r->off = 0;
		bad(r, err, code, "not a forkpipe partial file");
		goto out;
	}
	if (line.len < m || memcmp(line.data, PARTIAL_MAGIC, m) != 0) {
		r->off = 0;
		bad(r, err, code, "not a forkpipe partial file");
		goto out;
	}
	buf_putc(&line, '\0');
	if (strtol(line.data + m, NULL, 10) != PARTIAL_VERSION || line.data[m] == '0' ||
	    strspn(line.data + m, "0123456789") != line.len - 1 - m) {
		*err = xasprintf("%s: partial format version %s; this forkpipe reads version %d",
		    r->path, line.data + m, PARTIAL_VERSION);
		*code = EXIT_DATAERR;
		goto out;
	}
	buf_printf(&want, "pipeline ");
	partial_identity(job, &want);
	if (take_line(r, &line, IDENTITY_MAX, err, code) < 0)
		goto out;
	if (line.len != want.len || memcmp(line.data, want.data, want.len) != 0) {
		buf_putc(&line, '\0');
		size_t k = strlen("pipeline ");

		*err = xasprintf("%s: a partial of another pipeline ('%s'), not of this one ('%.*s')",
		    r->path, line.len >= k ? line.data + k : line.data, (int)(want.len - k),
		    want.data + k);
		*code = EXIT_DATAERR;
		goto out;
	}
	if (take_origin(r, origin, err, code) < 0)
		goto out;
	if (take_u64(r, &hlen, err, code) < 0)
		goto out;
	if (hlen > IDENTITY_MAX * 16) {
		bad(r, err, code, "corrupt partial file (header length)");
		goto out;
	}
	if (take_bytes(r, header, hlen, err, code) < 0 || take_crc(r, &stored, err, code) < 0 ||
	    check_crc(r, stored, 0, err, code) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0)
		partial_origin_free(origin);
	buf_free(&line);
	buf_free(&want);
	return rc;
}

struct partial_reader *partial_open(const char *path, const struct job *job,
    struct buf *header, struct partial_origin *origin, char **err, int *code)
{
	struct partial_reader *r = xcalloc(1, sizeof *r);
	bool in = strcmp(path, "-") == 0;

	r->path = xstrdup(in ? "(stdin)" : path);
	r->fd = in ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		*code = EXIT_NOINPUT;
		partial_close(r);
		return NULL;
	}
	if (check_head(r, job, header, origin, err, code) < 0) {
		partial_close(r);
		return NULL;
	}
	return r;
}

int partial_next(struct partial_reader *r, struct buf *piece, uint64_t *n, char **err,
    int *code)
{
	uint64_t len, pieces, start = r->off;
	uint32_t stored;
	char extra;

	r->crc = 0;
	if (take_u64(r, &len, err, code) < 0 || take_u64(r, n, err, code) < 0)
		return -1;
	if (len == 0) {
		if (take_u64(r, &pieces, err, code) < 0 || take_crc(r, &stored, err, code) < 0 ||
		    check_crc(r, stored, start, err, code) < 0)
			return -1;
		if (pieces != r->pieces)
			return bad(r, err, code, "corrupt partial file (piece count)");
		if (read(r->fd, &extra, 1) != 0)
			return bad(r, err, code, "trailing bytes after the end of the partial file");
		return 0;
	}
	if (len > PIECE_MAX)
		return bad(r, err, code, "corrupt partial file (piece length)");
	if (take_crc(r, &stored, err, code) < 0 || take_bytes(r, piece, len, err, code) < 0 ||
	    check_crc(r, stored, start, err, code) < 0)
		return -1;
	r->pieces++;
	return 1;
}

void partial_close(struct partial_reader *r)
{
	if (r == NULL)
		return;
	if (r->fd > STDIN_FILENO)
		close(r->fd);
	free(r->path);
	free(r);
}
