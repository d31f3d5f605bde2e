/* json.c - json_scan, and the scalar validating JSON scanner: one pass
 * over a record checks all of it (RFC 8259, UTF-8 in strings) and
 * remembers the values of the requested paths as spans; no tree is
 * built.  Strings, where most of the bytes are, are skipped 16 bytes at a
 * time with SSE2.  json_scan runs the two-stage scanner (json_fast.c)
 * first; this one decides when that one is not sure, and so every
 * invalid record's reason is this one's. */
#include "autoconfig.h"

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "jsonl.h"
#include "jsonl_int.h"

typedef const unsigned char *ptr;

struct scan {
	ptr p, end;
	const char *why;
	struct jval *vals;
	int depth;
	bool esc;	/* the last string held an escape */
};

static bool fail(struct scan *s, const char *why)
{
	if (s->why == NULL)
		s->why = why;
	return false;
}

static inline void skip_ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\r' || *s->p == '\n'))
		s->p++;
}

static bool escape(struct scan *s)
{
	const char *why = NULL;
	ptr e = json_escape_end(s->p, s->end, &why);

	if (e == NULL)
		return fail(s, why);
	s->p = e;
	return true;
}

static bool utf8(struct scan *s)
{
	ptr e = json_utf8_end(s->p, s->end);

	if (e == NULL)
		return fail(s, "invalid UTF-8 in string");
	s->p = e;
	return true;
}

/* The string whose opening quote is at s->p: s->p ends past its
 * closing quote. */
static bool string(struct scan *s)
{
	ptr p = s->p + 1, end = s->end;

	s->esc = false;
	for (;;) {
#ifdef __SSE2__
		const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\');
		const __m128i sp = _mm_set1_epi8(0x20);

		while (end - p >= 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
			/* Signed: bytes from 0x80 up are negative, so one compare
			 * finds control bytes and non-ASCII alike. */
			__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, q),
			    _mm_cmpeq_epi8(v, bs)), _mm_cmplt_epi8(v, sp));
			int bits = _mm_movemask_epi8(m);

			if (bits != 0) {
				p += __builtin_ctz((unsigned)bits);
				break;
			}
			p += 16;
		}
#endif
		while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
			p++;
		if (p >= end)
			return fail(s, "unterminated string");
		s->p = p;
		if (*p == '"') {
			s->p = p + 1;
			return true;
		}
		if (*p == '\\') {
			s->esc = true;
			if (!escape(s))
				return false;
		} else if (*p < 0x20) {
			return fail(s, "control character in string");
		} else if (!utf8(s)) {
			return false;
		}
		p = s->p;
	}
}

static bool number(struct scan *s)
{
	const char *why = NULL;
	ptr e = json_number_end(s->p, s->end, &why);

	if (e == NULL)
		return fail(s, why);
	s->p = e;
	return true;
}

static bool literal(struct scan *s, const char *word, size_t n)
{
	if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
		return fail(s, "invalid literal");
	s->p += n;
	return true;
}

static bool value(struct scan *s, const struct jnode *n, unsigned char *type);

/* A path's values below a key met again (a duplicate key) are forgotten:
 * the last one wins, as in jq. */
static void forget(struct scan *s, const struct jnode *n)
{
	for (size_t i = 0; i < n->nsub; i++)
		s->vals[n->sub[i]].type = J_MISSING;
}

/* Whether a[0..len) and b[0..len) are equal: keys are short, and a
 * call to memcmp cost more than comparing them here. */
static inline bool same_bytes(const char *a, const char *b, size_t len)
{
	while (len > 0 && *a == *b)
		a++, b++, len--;
	return len == 0;
}

static const struct jnode *kid(const struct jnode *n, const char *k, size_t len)
{
	for (size_t i = 0; i < n->nkids; i++) {
		const struct jstep *st = &n->kids[i].step;

		if (st->key != NULL && st->klen == len && same_bytes(st->key, k, len))
			return n->kids[i].node;
	}
	return NULL;
}

/* Rare: compare the unescaped key (a longer one is no path's). */
static const struct jnode *escaped_kid(const struct jnode *n, ptr k, size_t len)
{
	char tmp[256];
	struct buf b = { tmp, 0, sizeof tmp };
	struct jval v = { J_STRING, true, (const char *)k - 1, len + 2 };
	const char *p;

	if (len + 2 > sizeof tmp)
		return NULL;
	json_text(&v, &b, &p, &len);
	return kid(n, p, len);
}

const struct jnode *json_key_child(const struct jnode *n, ptr k, size_t len, bool esc)
{
	if (esc)
		return escaped_kid(n, k, len);
	/* most keys are no path's: their bit is none of the kids' */
	if ((n->kbits & json_key_bit((const char *)k, len)) == 0)
		return NULL;
	return kid(n, (const char *)k, len);
}

const struct jnode *json_index_child(const struct jnode *n, size_t idx)
{
	for (size_t i = 0; i < n->nkids; i++)
		if (n->kids[i].step.key == NULL && n->kids[i].step.index == idx)
			return n->kids[i].node;
	return NULL;
}

static bool object(struct scan *s, const struct jnode *n)
{
	unsigned char t;

	s->p++;
	skip_ws(s);
	if (s->p < s->end && *s->p == '}') {
		s->p++;
		return true;
	}
	for (;;) {
		if (s->p >= s->end || *s->p != '"')
			return fail(s, "expected a string key");
		ptr k = s->p + 1;

		if (!string(s))
			return false;
		const struct jnode *c = n != NULL && n->keys ?
		    json_key_child(n, k, (size_t)(s->p - 1 - k), s->esc) : NULL;

		if (c != NULL)
			forget(s, c);
		skip_ws(s);
		if (s->p >= s->end || *s->p != ':')
			return fail(s, "expected ':' after a key");
		s->p++;
		if (!value(s, c, &t))
			return false;
		if (s->p < s->end && *s->p == ',') {
			s->p++;
			skip_ws(s);
			continue;
		}
		if (s->p < s->end && *s->p == '}') {
			s->p++;
			return true;
		}
		return fail(s, "expected ',' or '}' in an object");
	}
}

static bool array(struct scan *s, const struct jnode *n)
{
	unsigned char t;

	s->p++;
	skip_ws(s);
	if (s->p < s->end && *s->p == ']') {
		s->p++;
		return true;
	}
	for (size_t i = 0;; i++) {
		if (!value(s, n != NULL && n->indexes ? json_index_child(n, i) : NULL, &t))
			return false;
		if (s->p < s->end && *s->p == ',') {
			s->p++;
			continue;
		}
		if (s->p < s->end && *s->p == ']') {
			s->p++;
			return true;
		}
		return fail(s, "expected ',' or ']' in an array");
	}
}

/* A value with the white space around it; n is its place in the trie
 * (NULL: no path reaches it). */
static bool value(struct scan *s, const struct jnode *n, unsigned char *type)
{
	bool ok;

	skip_ws(s);
	if (s->p >= s->end)
		return fail(s, "expected a value");
	ptr start = s->p;

	switch (*s->p) {
	case '"':
		*type = J_STRING;
		ok = string(s);
		break;
	case '{':
	case '[':
		if (++s->depth > JSON_MAX_DEPTH)
			return fail(s, "nested too deeply");
		*type = *s->p == '{' ? J_OBJECT : J_ARRAY;
		ok = *s->p == '{' ? object(s, n) : array(s, n);
		s->depth--;
		break;
	case 't':
		*type = J_TRUE;
		ok = literal(s, "true", 4);
		break;
	case 'f':
		*type = J_FALSE;
		ok = literal(s, "false", 5);
		break;
	case 'n':
		*type = J_NULL;
		ok = literal(s, "null", 4);
		break;
	default:
		if (*s->p != '-' && !(*s->p >= '0' && *s->p <= '9'))
			return fail(s, "expected a value");
		*type = J_NUMBER;
		ok = number(s);
		break;
	}
	if (!ok)
		return false;
	if (n != NULL && n->path >= 0) {
		struct jval *v = &s->vals[n->path];

		v->type = *type;
		v->esc = *type == J_STRING && s->esc;
		v->p = (const char *)start;
		v->len = (size_t)(s->p - start);
	}
	skip_ws(s);
	return true;
}

bool json_scan(const struct jpaths *ps, const char *rec, size_t len, struct jval *vals,
    const char **why)
{
	return json_scan_fast(ps, rec, len, vals) || json_scan_scalar(ps, rec, len, vals, why);
}

bool json_scan_line(const struct jpaths *ps, const char *rec, size_t avail, char term,
    struct jval *vals, size_t *len, const char **why)
{
	if (json_scan_fast_line(ps, rec, avail, term, vals, len))
		return true;
	const char *t = memchr(rec, term, avail);

	*len = t != NULL ? (size_t)(t - rec) : avail;
	return json_scan_scalar(ps, rec, *len, vals, why);
}

bool json_scan_scalar(const struct jpaths *ps, const char *rec, size_t len, struct jval *vals,
    const char **why)
{
	struct scan s = { (ptr)rec, (ptr)rec + len, NULL, vals, 0, false };
	const struct jnode *root = ps != NULL ? ps->root : NULL;
	unsigned char t;

	if (root != NULL)
		for (size_t i = 0; i < ps->n; i++)
			vals[i].type = J_MISSING;
	skip_ws(&s);
	if (s.p == s.end) {
		*why = "empty line";
		return false;
	}
	if (!value(&s, root, &t) || (s.p != s.end && !fail(&s, "text after the value"))) {
		*why = s.why;
		return false;
	}
	return true;
}

/* Append the UTF-8 of code point u. */
static void put_utf8(struct buf *b, unsigned long u)
{
	if (u < 0x80) {
		buf_putc(b, (char)u);
	} else if (u < 0x800) {
		buf_putc(b, (char)(0xC0 | (u >> 6)));
		buf_putc(b, (char)(0x80 | (u & 0x3F)));
	} else if (u < 0x10000) {
		buf_putc(b, (char)(0xE0 | (u >> 12)));
		buf_putc(b, (char)(0x80 | ((u >> 6) & 0x3F)));
		buf_putc(b, (char)(0x80 | (u & 0x3F)));
	} else {
		buf_putc(b, (char)(0xF0 | (u >> 18)));
		buf_putc(b, (char)(0x80 | ((u >> 12) & 0x3F)));
		buf_putc(b, (char)(0x80 | ((u >> 6) & 0x3F)));
		buf_putc(b, (char)(0x80 | (u & 0x3F)));
	}
}

/* The valid string literal p[0..len) (quotes included), unescaped. */
static void unescape(const char *p, size_t len, struct buf *b)
{
	ptr q = (ptr)p + 1, end = (ptr)p + len - 1;

	while (q < end) {
		ptr bs = memchr(q, '\\', (size_t)(end - q));

		if (bs == NULL)
			bs = end;
		buf_append(b, q, (size_t)(bs - q));
		if (bs == end)
			return;
		static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
		const char *k = strchr(from, bs[1]);

		if (bs[1] != 'u' && k != NULL) {
			buf_putc(b, to[k - from]);
			q = bs + 2;
			continue;
		}
		unsigned long u = (unsigned long)json_hex4(bs + 2, end);

		q = bs + 6;
		if (u >= 0xD800 && u <= 0xDBFF) {
			u = 0x10000 + ((u - 0xD800) << 10) + ((unsigned long)json_hex4(q + 2, end) - 0xDC00);
			q += 6;
		}
		put_utf8(b, u);
	}
}

/* The valid object or array p[0..len) without white space outside its
 * strings. */
static void compact(const char *p, size_t len, struct buf *b)
{
	bool in = false;

	for (size_t i = 0; i < len; i++) {
		char c = p[i];

		if (in) {
			if (c == '\\')
				buf_putc(b, c), c = p[++i];
			else if (c == '"')
				in = false;
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			continue;
		} else if (c == '"') {
			in = true;
		}
		buf_putc(b, c);
	}
}

static bool spaced(const char *p, size_t len)
{
	return memchr(p, ' ', len) != NULL || memchr(p, '\t', len) != NULL ||
	    memchr(p, '\r', len) != NULL;
}

void json_text(const struct jval *v, struct buf *scratch, const char **p, size_t *len)
{
	size_t at = scratch->len;

	switch (v->type) {
	case J_MISSING:
		*p = "null", *len = 4;
		return;
	case J_STRING:
		if (!v->esc) {
			*p = v->p + 1, *len = v->len - 2;
			return;
		}
		unescape(v->p, v->len, scratch);
		break;
	case J_OBJECT:
	case J_ARRAY:
		if (!spaced(v->p, v->len)) {
			*p = v->p, *len = v->len;
			return;
		}
		compact(v->p, v->len, scratch);
		break;
	default:
		*p = v->p, *len = v->len;
		return;
	}
	*p = scratch->data + at;
	*len = scratch->len - at;
}

void json_put(const struct jval *v, struct buf *out)
{
	if (v->type == J_MISSING)
		buf_append(out, "null", 4);
	else if ((v->type == J_OBJECT || v->type == J_ARRAY) && spaced(v->p, v->len))
		compact(v->p, v->len, out);
	else
		buf_append(out, v->p, v->len);
}
