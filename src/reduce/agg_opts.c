/* agg_opts.c - the grouping reducers' datamash options that shape what
 * the ops read and print: --narm and its markers of a missing value,
 * and the printf format of numeric results (-R, --format). */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agg.h"
#include "util.h"

int agg_spec_narm(struct agg_spec *s, const char *list, char **err)
{
	const char *p = list;

	s->narm = true;
	while (p != NULL) {
		const char *c = strchr(p, ',');
		size_t len = c != NULL ? (size_t)(c - p) : strlen(p);

		if (len == 0) {
			*err = xasprintf("%s: --na: empty marker in '%s' (a comma-separated list)",
			    s->stage, list);
			return -1;
		}
		s->na = xreallocarray(s->na, s->nna + 1, sizeof *s->na);
		s->na[s->nna++] = xstrndup(p, len);
		p = c != NULL ? c + 1 : NULL;
	}
	return 0;
}

bool agg_is_na(const struct agg_spec *s, const char *v, size_t len)
{
	/* datamash's markers: NA, N/A and NaN in any case */
	if ((len == 2 && strncasecmp(v, "NA", 2) == 0) ||
	    (len == 3 && (strncasecmp(v, "N/A", 3) == 0 || strncasecmp(v, "NaN", 3) == 0)))
		return true;
	for (size_t i = 0; i < s->nna; i++)
		if (strlen(s->na[i]) == len && memcmp(s->na[i], v, len) == 0)
			return true;
	return false;
}

/* datamash's rule for --format: one % directive (%% aside) with flags,
 * a width and a precision, converting a floating-point number.  The
 * position of the conversion letter in *at, or the reason it fails. */
static const char *check_format(const char *fmt, size_t *at)
{
	size_t n = 0;

	for (size_t i = 0; fmt[i] != '\0'; i++) {
		if (fmt[i] != '%')
			continue;
		if (fmt[i + 1] == '%') {
			i++;
			continue;
		}
		if (n++ > 0)
			return "has too many % directives";
		i++;
		i += strspn(fmt + i, "'-+ #0");
		i += strspn(fmt + i, "0123456789");
		if (fmt[i] == '.') {
			i++;
			i += strspn(fmt + i, "0123456789");
		}
		if (fmt[i] == '\0' || strchr("aAeEfFgG", fmt[i]) == NULL)
			return "has an invalid conversion (a floating-point one is needed: "
			    "%f, %e, %g, %a, with flags, width and precision)";
		*at = i;
	}
	return n == 0 ? "has no % directive" : NULL;
}

int agg_spec_numfmt(struct agg_spec *s, const char *fmt, long round, char **err)
{
	size_t at = 0;
	const char *why;

	if (round >= 0) {
		if (round > 50) {
			*err = xasprintf("%s: -R %ld: at most 50 decimal places", s->stage, round);
			return -1;
		}
		free(s->numfmt);
		s->numfmt = xasprintf("%%.%ldLf", round);
		return 0;
	}
	if (fmt == NULL)
		return 0;
	why = check_format(fmt, &at);
	if (why != NULL || strlen(fmt) > 200) {
		*err = xasprintf("%s: --format '%s': %s", s->stage, fmt,
		    why != NULL ? why : "longer than 200 bytes");
		return -1;
	}
	/* the long double modifier before the conversion letter */
	free(s->numfmt);
	s->numfmt = xasprintf("%.*sL%s", (int)at, fmt, fmt + at);
	return 0;
}

int agg_stage_numfmt(struct agg_spec *s, const struct stage *st, char **err)
{
	const char *fmt = stage_str(st, "format");
	long round = stage_num(st, "round", -1);

	/* Each is checked; of both, the later given wins, as in datamash,
	 * where each sets the one output format. */
	if (fmt != NULL && round >= 0 && stage_given(st, "format") > stage_given(st, "round"))
		return agg_spec_numfmt(s, NULL, round, err) < 0 ? -1 :
		    agg_spec_numfmt(s, fmt, -1, err);
	return agg_spec_numfmt(s, fmt, -1, err) < 0 ? -1 : agg_spec_numfmt(s, NULL, round, err);
}
