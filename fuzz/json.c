/* json.c - fuzz the JSON Lines scanner and its paths (src/records/json.c,
 * jsonpath.c, jsonout.c).
 *
 * Input: up to three jq-style paths, each ended by a NUL byte (text that
 * is no path is left out), then one record.  The record is scanned alone,
 * in a buffer of its exact size so that any read past it trips ASan.
 * Scanning with paths must give the verdict scanning without does; each
 * value found must be a span of the record that scans alone as valid
 * JSON of its type, its text (unescaped, compacted) must stay within the
 * room promised, and what cut writes must be valid JSON.  The two
 * scanners json_scan runs must agree: the fast one (with each of its
 * ways of classifying) accepts exactly the records up to its length
 * limit that the scalar one accepts, with the same values; and
 * json_scan_line, on the record up to its first newline. */
#include "autoconfig.h"

#include "fuzz.h"
#include "jsonl.h"
#include "jsonl_int.h"
#include "util.h"

/* Paths from the NUL-terminated texts at the start of data; *used gets
 * the bytes they took. */
static void read_paths(const uint8_t *data, size_t size, struct jpaths *ps, size_t *used)
{
	size_t at = 0;

	for (int k = 0; k < 3; k++) {
		const uint8_t *nul = memchr(data + at, '\0', size - at);

		if (nul == NULL)
			break;
		char *text = fuzz_string(data + at, (size_t)(nul - data - at));

		(void)jpaths_add(ps, text);
		free(text);
		at = (size_t)(nul - data) + 1;
	}
	*used = at;
}

static void check_value(const struct jval *v, const char *rec, size_t len)
{
	struct jval again[1];
	const char *why = NULL, *p;
	struct buf scratch = { 0 };
	size_t n;

	if (v->type == J_MISSING)
		return;
	FUZZ_CHECK(v->p >= rec && v->p + v->len <= rec + len, "value outside the record");
	FUZZ_CHECK(json_scan(NULL, v->p, v->len, again, &why), "a value does not scan: %s", why);
	buf_reserve(&scratch, v->len + 1);
	char *base = scratch.data;

	json_text(v, &scratch, &p, &n);
	FUZZ_CHECK(scratch.data == base && scratch.len <= v->len, "text grew past its room");
	FUZZ_CHECK(n <= v->len, "text %zu longer than the value %zu", n, v->len);
	buf_free(&scratch);
}

/* The fast scanner against the scalar one, on the record with paths ps. */
static void check_fast(const struct jpaths *ps, const char *rec, size_t len)
{
	struct jval *want = xcalloc(ps->n + 1, sizeof *want), *got = xcalloc(ps->n + 1, sizeof *got);
	const char *why = NULL;
	bool ok = json_scan_scalar(ps, rec, len, want, &why);

	for (int level = 1; level <= JSON_SIMD_BEST; level++) {
		if (json_fast_simd(level) != level) {
			/* none: the fast scanner is never sure */
			FUZZ_CHECK(level > 1 || !json_scan_fast(ps, rec, len, got), "no SIMD, and "
			    "the fast scanner is sure");
			continue;
		}
		bool fast = json_scan_fast(ps, rec, len, got);

		FUZZ_CHECK(!fast || ok, "the fast scanner accepts what the scalar one refuses: %s", why);
		FUZZ_CHECK(fast || !ok || len > JSON_FAST_MAX_LEN, "the fast scanner is not sure of "
		    "a valid record");
		for (size_t i = 0; fast && i < ps->n; i++) {
			FUZZ_CHECK(got[i].type == want[i].type, "path %zu: type %d, not %d", i,
			    got[i].type, want[i].type);
			if (want[i].type == J_MISSING)
				continue;
			FUZZ_CHECK(got[i].p == want[i].p && got[i].len == want[i].len, "path %zu: "
			    "span %td+%zu, not %td+%zu", i, got[i].p - rec, got[i].len,
			    want[i].p - rec, want[i].len);
			FUZZ_CHECK(got[i].esc == want[i].esc, "path %zu: esc %d, not %d", i,
			    got[i].esc, want[i].esc);
		}
	}
	json_fast_simd(JSON_SIMD_BEST);
	free(want);
	free(got);
}

/* json_scan_line on the record as a line of a block (it ends at its
 * first newline): the scalar scanner's verdict, reason, length and
 * values on that much, with every level. */
static void check_line(const struct jpaths *ps, const char *rec, size_t len)
{
	struct jval *want = xcalloc(ps->n + 1, sizeof *want), *got = xcalloc(ps->n + 1, sizeof *got);
	const char *nl = memchr(rec, '\n', len), *why = NULL, *why2 = NULL;
	size_t want_len = nl != NULL ? (size_t)(nl - rec) : len, got_len = 0;
	bool ok = json_scan_scalar(ps, rec, want_len, want, &why);

	for (int level = 1; level <= JSON_SIMD_BEST; level++) {
		if (json_fast_simd(level) != level)
			continue;
		bool ok2 = json_scan_line(ps, rec, len, '\n', got, &got_len, &why2);

		FUZZ_CHECK(ok2 == ok && got_len == want_len, "line: %s at %zu, not %s at %zu",
		    ok2 ? "valid" : why2, got_len, ok ? "valid" : why, want_len);
		FUZZ_CHECK(ok || strcmp(why, why2) == 0, "line: %s, not %s", why2, why);
		for (size_t i = 0; ok && i < ps->n; i++)
			FUZZ_CHECK(got[i].type == want[i].type && (want[i].type == J_MISSING ||
			    (got[i].p == want[i].p && got[i].len == want[i].len &&
			    got[i].esc == want[i].esc)), "line: path %zu differs", i);
	}
	json_fast_simd(JSON_SIMD_BEST);
	free(want);
	free(got);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jpaths ps = { 0 };
	size_t used, idx[3];
	const char *why = NULL, *why2 = NULL;

	read_paths(data, size, &ps, &used);
	size_t len = size - used;
	char *rec = malloc(len > 0 ? len : 1);

	memcpy(rec, data + used, len);
	struct jval *vals = xcalloc(ps.n + 1, sizeof *vals);
	bool ok = json_scan(&ps, rec, len, vals, &why);
	bool ok2 = json_scan(NULL, rec, len, NULL, &why2);

	check_fast(&ps, rec, len);
	check_line(&ps, rec, len);

	FUZZ_CHECK(ok == ok2, "verdicts differ with paths (%s) and without (%s)",
	    why ? why : "valid", why2 ? why2 : "valid");
	FUZZ_CHECK(ok || (why != NULL && why2 != NULL && strcmp(why, why2) == 0),
	    "reasons differ: %s, %s", why, why2);
	if (ok) {
		struct buf out = { 0 };
		const char *w = NULL;

		for (size_t i = 0; i < ps.n; i++) {
			check_value(&vals[i], rec, len);
			idx[i] = i;
		}
		struct jout *o = jout_new(&ps, idx, ps.n);

		if (o != NULL) {	/* NULL: an index too large to write */
			jout_write(o, vals, &out);
			FUZZ_CHECK(json_scan(NULL, out.data, out.len, NULL, &w), "cut wrote bad JSON: "
			    "%s (%.*s)", w, (int)(out.len < 200 ? out.len : 200), out.data);
			jout_free(o);
		}
		buf_free(&out);
	}
	free(vals);
	free(rec);
	jpaths_free(&ps);
	return 0;
}
