/* json_fast.c - the two-stage JSON scanner that json_scan tries first,
 * and its stage 2.
 *
 * The scalar scanner (json.c) pays per string: JSON Lines logs hold ~25
 * short strings (mostly keys) per record, and finding each one's end,
 * byte loop or SIMD, was most of the time.  This one looks at a record
 * 64 bytes at a time instead: stage 1 (json_blocks.c, AVX2 or AVX-512)
 * turns it into bit masks and tokens (structurals, string starts, scalar
 * starts; their positions and bytes) and checks escapes, UTF-8 and
 * control bytes; stage 2, here, parses the tokens: objects, arrays, keys
 * and values as the grammar wants them, with its own stack; numbers
 * checked on stage 1's digit bits and literals by their bytes, each
 * followed only by white space or a token; a string's end found only
 * when its span is needed (a key at a trie node with keys, a path's
 * value); the values of the job's paths kept exactly as json.c keeps
 * them.
 *
 * It only ever says "valid" or "not sure": on anything wrong (or a record
 * longer than JSON_FAST_MAX_LEN, or a CPU without AVX2) json_scan runs
 * the scalar scanner, which gives the verdict and the reason, so
 * messages stay the scalar one's. */
#include "autoconfig.h"

#include <stdint.h>
#include <string.h>

#include "jsonl.h"
#include "jsonl_int.h"

/* Whether rec[a..b) (a < b) holds a backslash of a string, word by word. */
static bool has_bs_span(const struct json_fast *f, size_t a, size_t b)
{
	for (size_t w = a / 64; w <= (b - 1) / 64; w++) {
		uint64_t m = f->bs[w];

		if (a > w * 64)
			m &= ~UINT64_C(0) << (a - w * 64);
		if (b < w * 64 + 64)
			m &= (UINT64_C(1) << (b - w * 64)) - 1;
		if (m != 0)
			return true;
	}
	return false;
}

static inline bool ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Whether rec[a..b) holds a backslash of a string. */
static inline bool has_bs(const struct json_fast *f, size_t a, size_t b)
{
	if (!f->any_bs || a >= b)
		return false;
	/* most spans are in one block: its word, shifted to keep b - a bits */
	if (a % 64 + (b - a) <= 64)
		return (f->bs[a / 64] >> (a % 64)) << (64 - (b - a)) != 0;
	return has_bs_span(f, a, b);
}

/* The end of a string given the position of the token after it: only
 * white space lies between its closing quote and that token, so the
 * first quote back from there closes it. */
static inline size_t string_end(const struct json_fast *f, size_t next)
{
	while (f->rec[next - 1] != '"')
		next--;
	return next;
}

/* The 64 digit bits from pos on (none past the record). */
static inline uint64_t digits_at(const struct json_fast *f, size_t pos)
{
	unsigned sh = pos % 64;
	uint64_t d = f->dg[pos / 64] >> sh;

	if (sh != 0)
		d |= f->dg[pos / 64 + 1] << (64 - sh);
	return d;
}

/* The length of the run of digits at bit j (at most 63) of nd's zeros. */
static inline size_t run_at(uint64_t nd, size_t j)
{
	return (size_t)__builtin_ctzll(nd >> j | UINT64_C(1) << 63);
}

/* The end of the number at pos, or 0: json_number_end's grammar, with
 * each run of digits measured on the digit bits at once.  A number
 * whose parts reach 62 bytes on is left to json_number_end. */
static size_t number(const struct json_fast *f, size_t pos)
{
	jptr p = f->rec + pos;
	size_t left = f->len - pos, j = p[0] == '-', run;
	uint64_t nd = ~digits_at(f, pos);
	const char *why;

	run = run_at(nd, j);
	if (run == 0 || (p[j] == '0' && run > 1))
		return 0;
	j += run;
	if (j >= 62)
		goto long_number;
	if (j < left && p[j] == '.') {
		if ((run = run_at(nd, ++j)) == 0)
			return 0;
		if ((j += run) >= 62)
			goto long_number;
	}
	if (j < left && (p[j] | 0x20) == 'e') {
		j++;
		if (j < left && (p[j] == '+' || p[j] == '-'))
			j++;
		if ((run = run_at(nd, j)) == 0)
			return 0;
		if ((j += run) >= 62)
			goto long_number;
	}
	return pos + j;
long_number:
	p = json_number_end(p, f->rec + f->len, &why);
	return p != NULL ? (size_t)(p - f->rec) : 0;
}

/* The scalar (number or literal) at pos: its end, or 0. */
static size_t scalar(const struct json_fast *f, size_t pos, unsigned char *type)
{
	jptr p = f->rec + pos, end = f->rec + f->len;

	switch (*p) {
	case 't':
		*type = J_TRUE;
		return end - p >= 4 && memcmp(p, "true", 4) == 0 ? pos + 4 : 0;
	case 'f':
		*type = J_FALSE;
		return end - p >= 5 && memcmp(p, "false", 5) == 0 ? pos + 5 : 0;
	case 'n':
		*type = J_NULL;
		return end - p >= 4 && memcmp(p, "null", 4) == 0 ? pos + 4 : 0;
	default:
		if (*p != '-' && !(*p >= '0' && *p <= '9'))
			return 0;
		*type = J_NUMBER;
		return number(f, pos);
	}
}

/* A path's values below a key met again (a duplicate key) are forgotten:
 * the last one wins, as json.c does. */
static void forget(struct json_fast *f, const struct jnode *n)
{
	for (size_t i = 0; i < n->nsub; i++)
		f->vals[n->sub[i]].type = J_MISSING;
}

static void keep(struct json_fast *f, const struct jnode *n, unsigned char type, size_t pos,
    size_t end)
{
	struct jval *v = &f->vals[n->path];

	v->type = type;
	v->esc = type == J_STRING && has_bs(f, pos + 1, end - 1);
	v->p = (const char *)f->rec + pos;
	v->len = end - pos;
}

/* An open object or array. */
struct frame {
	const struct jnode *n;	/* its place in the trie, or NULL */
	size_t open;		/* where it starts */
	size_t idx;		/* an array's next index */
	bool arr;
};


/*
 * Stage 2: the grammar over the tokens, as a loop with its own stack (the
 * state stays in registers).  n is the trie node of the value to come.
 */
static bool stage2(struct json_fast *f, const struct jnode *n)
{
	struct frame stack[JSON_MAX_DEPTH], *top = NULL;
	const uint16_t *tok = f->tok;
	const unsigned char *tc = f->tc;	/* 0 past the last token */
	size_t i = 0;
	unsigned char c, type;
	size_t pos, end;

value:
	pos = tok[i];
	c = tc[i];
	if (c == '{' || c == '[') {
		top = top == NULL ? stack : top + 1;
		if (top == stack + JSON_MAX_DEPTH)
			return false;
		top->n = n;
		top->open = pos;
		top->idx = 0;
		top->arr = c == '[';
		i++;
		if (tc[i] == (top->arr ? ']' : '}'))
			goto close;
		if (!top->arr)
			goto key;
		n = n != NULL && n->indexes ? json_index_child(n, 0) : NULL;
		goto value;
	}
	if (c == '"') {
		i++;
		if (n != NULL && n->path >= 0)
			keep(f, n, J_STRING, pos, string_end(f, tok[i]));
		goto next;
	}
	if (c == 0 || (end = scalar(f, pos, &type)) == 0)
		return false;
	i++;
	/* the scalar is the whole run of bytes that are no token */
	if (end != tok[i] && (end >= f->len || !ws(f->rec[end])))
		return false;
	if (n != NULL && n->path >= 0)
		keep(f, n, type, pos, end);
next:
	if (top == NULL)
		return i == f->ntok;
	c = tc[i];
	i++;
	if (c == ',') {
		if (!top->arr)
			goto key;
		n = top->n != NULL && top->n->indexes ? json_index_child(top->n, ++top->idx) : NULL;
		goto value;
	}
	if (c != (top->arr ? ']' : '}'))
		return false;
	i--;
close:
	n = top->n;
	if (n != NULL && n->path >= 0)
		keep(f, n, top->arr ? J_ARRAY : J_OBJECT, top->open, (size_t)tok[i] + 1);
	i++;
	top = top == stack ? NULL : top - 1;
	goto next;
key:
	pos = tok[i];
	if (tc[i] != '"')
		return false;
	i++;
	n = NULL;
	if (top->n != NULL && top->n->keys) {
		end = string_end(f, tok[i]);
		bool esc = has_bs(f, pos + 1, end - 1);

		/* the bit test first: most keys are no path's */
		if (esc || (top->n->kbits & json_key_bit((const char *)f->rec + pos + 1,
		    end - pos - 2)) != 0)
			n = json_key_child(top->n, f->rec + pos + 1, end - pos - 2, esc);
		if (n != NULL)
			forget(f, n);
	}
	if (tc[i] != ':')
		return false;
	i++;
	goto value;
}

/* Both scanners' work: the record at rec, ended by term (-1: none) or
 * by avail; its length in *len. */
static bool scan(const struct jpaths *ps, const char *rec, size_t avail, int term,
    struct jval *vals, size_t *len)
{
	struct json_fast f;
	const struct jnode *root = ps != NULL ? ps->root : NULL;

	if (json_fast_level() == 0 || (term < 0 && avail > JSON_FAST_MAX_LEN))
		return false;
	f.rec = (jptr)rec;
	f.avail = avail;
	f.term = term;
	f.vals = vals;
	if (!json_blocks(&f))
		return false;
	if (root != NULL)
		for (size_t i = 0; i < ps->n; i++)
			vals[i].type = J_MISSING;
	*len = f.len;
	return stage2(&f, root);
}

bool json_scan_fast(const struct jpaths *ps, const char *rec, size_t len, struct jval *vals)
{
	size_t n;

	return scan(ps, rec, len, -1, vals, &n);
}

bool json_scan_fast_line(const struct jpaths *ps, const char *rec, size_t avail, char term,
    struct jval *vals, size_t *len)
{
	/* the terminators no escape or UTF-8 sequence holds */
	if (term != '\n' && term != '\0')
		return false;
	return scan(ps, rec, avail, (unsigned char)term, vals, len);
}
