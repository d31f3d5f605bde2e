/* ops.c - the op specs of the grouping reducers: the ops and their
 * names, the key fields, and the layout of a group's state. */
#include "autoconfig.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "aggpart.h"
#include "aggstate.h"
#include "aggvals.h"
#include "util.h"

#define KEYS_MAX 1024			/* key fields of a group */

static const struct {
	const char *name;
	const char *alias;	/* datamash's name */
	enum agg_kind kind;
	bool field;		/* needs :F */
	size_t size;
} op_table[] = {
	{ "count", NULL, AGG_COUNT, false, 0 },
	{ "sum", NULL, AGG_SUM, true, sizeof(struct s_sum) },
	{ "min", NULL, AGG_MIN, true, sizeof(struct s_mm) },
	{ "max", NULL, AGG_MAX, true, sizeof(struct s_mm) },
	{ "mean", NULL, AGG_MEAN, true, sizeof(struct s_sum) },
	{ "stdev", "sstdev", AGG_STDEV, true, sizeof(struct s_var) },
	{ "distinct", "countunique", AGG_DISTINCT, true, sizeof(struct s_dist) },
	{ "first", NULL, AGG_FIRST, true, sizeof(struct s_pos) },
	{ "last", NULL, AGG_LAST, true, sizeof(struct s_pos) },
	{ "median", NULL, AGG_MEDIAN, true, sizeof(struct s_vlist) },
	{ "q1", NULL, AGG_Q1, true, sizeof(struct s_vlist) },
	{ "q3", NULL, AGG_Q3, true, sizeof(struct s_vlist) },
	{ "iqr", NULL, AGG_IQR, true, sizeof(struct s_vlist) },
	{ "perc", NULL, AGG_PERC, true, sizeof(struct s_vlist) },
	{ "mode", NULL, AGG_MODE, true, sizeof(struct s_vlist) },
	{ "antimode", NULL, AGG_ANTIMODE, true, sizeof(struct s_vlist) },
	{ "mad", NULL, AGG_MAD, true, sizeof(struct s_vlist) },
	{ "madraw", NULL, AGG_MADRAW, true, sizeof(struct s_vlist) },
	{ "trimmean", NULL, AGG_TRIMMEAN, true, sizeof(struct s_vlist) },
	{ "sskew", NULL, AGG_SSKEW, true, sizeof(struct s_vlist) },
	{ "pskew", NULL, AGG_PSKEW, true, sizeof(struct s_vlist) },
	{ "skurt", NULL, AGG_SKURT, true, sizeof(struct s_vlist) },
	{ "pkurt", NULL, AGG_PKURT, true, sizeof(struct s_vlist) },
	{ "dpo", NULL, AGG_DPO, true, sizeof(struct s_vlist) },
	{ "jarque", NULL, AGG_JARQUE, true, sizeof(struct s_vlist) },
	{ "geomean", NULL, AGG_GEOMEAN, true, sizeof(struct s_vlist) },
	{ "harmmean", NULL, AGG_HARMMEAN, true, sizeof(struct s_vlist) },
	{ "unique", NULL, AGG_UNIQUE, true, sizeof(struct s_dist) },
	{ "collapse", NULL, AGG_COLLAPSE, true, sizeof(struct s_vlist) },
	{ "pstdev", NULL, AGG_PSTDEV, true, sizeof(struct s_var) },
	{ "pvar", NULL, AGG_PVAR, true, sizeof(struct s_var) },
	{ "svar", NULL, AGG_SVAR, true, sizeof(struct s_var) },
	{ "ms", NULL, AGG_MS, true, sizeof(struct s_var) },
	{ "rms", NULL, AGG_RMS, true, sizeof(struct s_var) },
	{ "range", NULL, AGG_RANGE, true, sizeof(struct s_range) },
	{ "absmin", NULL, AGG_ABSMIN, true, sizeof(struct s_mm) },
	{ "absmax", NULL, AGG_ABSMAX, true, sizeof(struct s_mm) },
	{ "pcov", NULL, AGG_PCOV, true, sizeof(struct s_cov) },
	{ "scov", NULL, AGG_SCOV, true, sizeof(struct s_cov) },
	{ "ppearson", NULL, AGG_PPEARSON, true, sizeof(struct s_cov) },
	{ "spearson", NULL, AGG_SPEARSON, true, sizeof(struct s_cov) },
	{ "dotprod", NULL, AGG_DOTPROD, true, sizeof(struct s_cov) },
	/* not named in specs: chosen by the spec and the stages */
	{ "count", NULL, AGG_NCOUNT, true, sizeof(uint64_t) },
	{ "mean", NULL, AGG_NMEAN, true, sizeof(struct s_nsum) },
	{ "full", NULL, AGG_FULL, false, sizeof(struct s_pos) },
};

/* The ops that read two fields (pcov:F1:F2). */
static bool kind_pair(enum agg_kind k)
{
	return k >= AGG_PCOV && k <= AGG_DOTPROD;
}

/* The kinds a spec does not name (they come first by name above). */
static bool kind_hidden(enum agg_kind k)
{
	return k == AGG_NCOUNT || k == AGG_NMEAN || k == AGG_FULL;
}

static bool kind_numeric(enum agg_kind k)
{
	return k == AGG_SUM || k == AGG_MIN || k == AGG_MAX || k == AGG_MEAN || k == AGG_STDEV ||
	    agg_kind_values(k) || (k >= AGG_PSTDEV && k <= AGG_DOTPROD) || k == AGG_NMEAN;
}

const char *agg_op_name(enum agg_kind k)
{
	for (size_t i = 0; i < sizeof op_table / sizeof op_table[0]; i++)
		if (op_table[i].kind == k)
			return op_table[i].alias != NULL ? op_table[i].alias : op_table[i].name;
	return "?";
}

bool agg_op_numeric(enum agg_kind k)
{
	return k != AGG_FIRST && k != AGG_LAST && k != AGG_FULL && k != AGG_UNIQUE &&
	    k != AGG_COLLAPSE;
}

/* ---- the spec -------------------------------------------------------------- */

static void spec_error(char **err, const char *stage, char *why)
{
	*err = xasprintf("%s: %s", stage, why);
	free(why);
}

int agg_spec_keys(struct agg_spec *s, const char *stage, const char *keys, bool whole, char **err)
{
	s->stage = stage;
	num_init();
	if (keys == NULL) {
		s->whole = whole;
		return 0;
	}
	if (fieldlist_parse(keys, &s->keylist, err) < 0) {
		char *why = *err;

		*err = xasprintf("%s: -k: %s", stage, why);
		free(why);
		return -1;
	}
	for (size_t i = 0; i < s->keylist.n; i++) {
		if (s->keylist.v[i].name == NULL && s->keylist.v[i].hi == SIZE_MAX) {
			*err = xasprintf("%s: -k: open range '%zu-': key fields must be listed "
			    "(numbers, closed ranges, header names)", stage, s->keylist.v[i].lo);
			return -1;
		}
	}
	return 0;
}

static bool parse_field(const char *p, size_t *out)
{
	size_t v = 0;

	if (*p == '\0' || strlen(p) > 15)
		return false;
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (size_t)(*p - '0');
	}
	*out = v;
	return true;
}

/* One field of op text: a number into *field or a name into *name. */
static int op_field(const struct agg_spec *s, const char *text, const char *f, size_t *field,
    char **name, char **err)
{
	if (*f == '\0') {
		*err = xasprintf("%s: op '%s': missing field after ':'", s->stage, text);
		return -1;
	}
	if (parse_field(f, field)) {
		if (*field == 0) {
			*err = xasprintf("%s: op '%s': bad field '0' (fields are numbered from 1)",
			    s->stage, text);
			return -1;
		}
	} else {
		*name = xstrdup(f);
	}
	return 0;
}

int agg_spec_op(struct agg_spec *s, const char *text, char **err)
{
	const char *colon = strchr(text, ':');
	size_t nlen = colon ? (size_t)(colon - text) : strlen(text);
	const char *fend = NULL;	/* where the field ends, before a parameter */
	struct agg_op op = { 0 };
	size_t k;

	for (k = 0; k < sizeof op_table / sizeof op_table[0] && !kind_hidden(op_table[k].kind); k++) {
		if ((strlen(op_table[k].name) == nlen && memcmp(op_table[k].name, text, nlen) == 0) ||
		    (op_table[k].alias != NULL && strlen(op_table[k].alias) == nlen &&
		    memcmp(op_table[k].alias, text, nlen) == 0))
			break;
	}
	if (k == sizeof op_table / sizeof op_table[0] || kind_hidden(op_table[k].kind)) {
		*err = xasprintf("%s: unknown op '%s' (ops: count, sum:F, min:F, max:F, mean:F, "
		    "stdev:F, distinct:F, first:F, last:F, median:F, q1:F, q3:F, iqr:F, perc:F[:P], "
		    "mode:F, antimode:F, mad:F, madraw:F, trimmean:F[:P], sskew:F, pskew:F, "
		    "skurt:F, pkurt:F, dpo:F, jarque:F, geomean:F, harmmean:F, unique:F, "
		    "collapse:F, countunique:F, absmin:F, absmax:F, range:F, ms:F, rms:F, pstdev:F, "
		    "sstdev:F, pvar:F, svar:F, pcov:F1:F2, scov:F1:F2, ppearson:F1:F2, "
		    "spearson:F1:F2, dotprod:F1:F2)", s->stage, text);
		return -1;
	}
	op.kind = op_table[k].kind;
	op.numslot = -1;
	if (colon == NULL && op_table[k].field) {
		*err = xasprintf("%s: op '%s' needs a field: %s:F, F a number from 1 or a header name",
		    s->stage, text, op_table[k].name);
		return -1;
	}
	if (agg_kind_param(op.kind)) {
		/* perc:F:P, trimmean:F:P: the parameter after a second ':'. */
		const char *pc = colon != NULL ? strrchr(colon + 1, ':') : NULL;

		if (agg_op_param(&op, s->stage, text, pc != NULL ? pc + 1 : NULL, err) < 0)
			return -1;
		if (pc != NULL)
			fend = pc;
	}
	op.numslot2 = -1;
	if (colon != NULL) {
		char *f = fend != NULL ? xstrndup(colon + 1, (size_t)(fend - colon - 1)) :
		    xstrdup(colon + 1);
		char *f2 = kind_pair(op_table[k].kind) ? strchr(f, ':') : NULL;
		int rc;

		if (f2 != NULL)
			*f2++ = '\0';
		else if (kind_pair(op_table[k].kind)) {
			*err = xasprintf("%s: op '%s' needs two fields: %s:F1:F2, each a number from 1 "
			    "or a header name", s->stage, text, op_table[k].name);
			free(f);
			return -1;
		}
		rc = op_field(s, text, f, &op.field, &op.name, err);
		if (rc == 0 && f2 != NULL)
			rc = op_field(s, text, f2, &op.field2, &op.name2, err);
		free(f);
		if (rc < 0) {
			free(op.name);
			return -1;
		}
	}
	op.text = xstrdup(text);
	s->ops = xreallocarray(s->ops, s->nops + 1, sizeof *s->ops);
	s->ops[s->nops++] = op;
	return 0;
}

void agg_spec_full(struct agg_spec *s)
{
	struct agg_op op = { 0 };

	op.kind = AGG_FULL;
	op.text = xstrdup("--full");
	op.numslot = op.numslot2 = -1;
	s->ops = xreallocarray(s->ops, s->nops + 1, sizeof *s->ops);
	s->ops[s->nops++] = op;
}

int agg_spec_bind(struct agg_spec *s, const struct header *h, char **err)
{
	size_t off = 0;

	num_init();
	if (fieldlist_bind(&s->keylist, h, err) < 0) {
		spec_error(err, s->stage, *err);
		return -1;
	}
	free(s->keys);
	s->keys = NULL;
	s->nkeys = 0;
	s->maxfield = 0;
	for (size_t i = 0; i < s->keylist.n; i++) {
		if (s->keylist.v[i].hi - s->keylist.v[i].lo >= KEYS_MAX - s->nkeys) {
			*err = xasprintf("%s: -k: more than %d key fields", s->stage, KEYS_MAX);
			return -1;
		}
		for (size_t f = s->keylist.v[i].lo; f <= s->keylist.v[i].hi; f++) {
			s->keys = xreallocarray(s->keys, s->nkeys + 1, sizeof *s->keys);
			s->keys[s->nkeys++] = f - 1;
			if (f > s->maxfield)
				s->maxfield = f;
		}
	}
	s->nnum = 0;
	for (size_t i = 0; i < s->nops; i++) {
		struct agg_op *op = &s->ops[i];

		if ((op->name == NULL && op->field > 0) || (op->name2 == NULL && op->field2 > 0)) {
			char *what = xasprintf("%s: op '%s'", s->stage, op->text);

			*err = header_numbered(h, what);
			free(what);
			if (*err != NULL)
				return -1;
		}
		if (op->name != NULL) {
			if (h == NULL) {
				*err = xasprintf("%s: op '%s': field names need a header (--header)",
				    s->stage, op->text);
				return -1;
			}
			op->field = header_index(h, op->name);
			if (op->field == 0) {
				char *what = xasprintf("%s: op '%s'", s->stage, op->text);

				*err = h->paths != NULL ? header_miss(h, what, op->name) :
				    xasprintf("%s: no field '%s' in the header", what, op->name);
				free(what);
				return -1;
			}
			free(op->name);
			op->name = NULL;
		}
		if (op->name2 != NULL) {
			if (h == NULL) {
				*err = xasprintf("%s: op '%s': field names need a header (--header)",
				    s->stage, op->text);
				return -1;
			}
			op->field2 = header_index(h, op->name2);
			if (op->field2 == 0) {
				char *what = xasprintf("%s: op '%s'", s->stage, op->text);

				*err = h->paths != NULL ? header_miss(h, what, op->name2) :
				    xasprintf("%s: no field '%s' in the header", what, op->name2);
				free(what);
				return -1;
			}
			free(op->name2);
			op->name2 = NULL;
		}
		if (op->kind == AGG_COUNT && s->narm && op->field > 0)
			op->kind = AGG_NCOUNT;	/* counts the values that are not missing */
		if (op->kind == AGG_MEAN && s->narm)
			op->kind = AGG_NMEAN;	/* divides by them */
		if (op->kind != AGG_COUNT && op->kind != AGG_FULL && op->field > s->maxfield)
			s->maxfield = op->field;
		if (op->field2 > s->maxfield)
			s->maxfield = op->field2;
		op->shared = false;
		for (size_t j = 0; j < i && agg_kind_values(op->kind); j++)
			if (agg_kind_values(s->ops[j].kind) && !s->ops[j].shared &&
			    agg_kind_inorder(s->ops[j].kind) == agg_kind_inorder(op->kind) &&
			    s->ops[j].field == op->field) {
				/* One list of a field's numbers serves its order
				 * statistics, one its moments. */
				op->off = s->ops[j].off;
				op->shared = true;
			}
		for (size_t k = 0; k < sizeof op_table / sizeof op_table[0] && !op->shared; k++)
			if (op_table[k].kind == op->kind) {
				op->off = off;
				/* --full: a record per op that can choose it */
				off += ALIGN16(op->kind == AGG_FULL ? agg_full_size(s, i) :
				    op_table[k].size);
			}
		op->numslot = -1;
		if (kind_numeric(op->kind)) {
			for (size_t j = 0; j < i; j++)
				if (s->ops[j].numslot >= 0 && s->ops[j].field == op->field)
					op->numslot = s->ops[j].numslot;
			if (op->numslot < 0)
				op->numslot = s->nnum++;
		}
		op->numslot2 = -1;
		if (op->field2 > 0) {
			for (size_t j = 0; j <= i; j++) {
				if (s->ops[j].numslot >= 0 && s->ops[j].field == op->field2)
					op->numslot2 = s->ops[j].numslot;
				if (j < i && s->ops[j].numslot2 >= 0 && s->ops[j].field2 == op->field2)
					op->numslot2 = s->ops[j].numslot2;
			}
			if (op->numslot2 < 0)
				op->numslot2 = s->nnum++;
		}
	}
	s->statesize = off;
	return 0;
}

void agg_spec_free(struct agg_spec *s)
{
	fieldlist_free(&s->keylist);
	free(s->keys);
	for (size_t i = 0; i < s->nops; i++) {
		free(s->ops[i].text);
		free(s->ops[i].name);
		free(s->ops[i].name2);
	}
	free(s->ops);
	for (size_t i = 0; i < s->nna; i++)
		free(s->na[i]);
	free(s->na);
	free(s->numfmt);
	memset(s, 0, sizeof *s);
}
