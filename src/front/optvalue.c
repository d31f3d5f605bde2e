/* optvalue.c - check a job option's value once, for the command line and
 * YAML alike, and store it; look options up in the table. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "util.h"

const char jobopt_delim_arg[] = "=";

/* "16M", "1G": a size limit as messages write it. */
static char *size_text(uint64_t n)
{
	static const char units[] = "KMGT";
	int u = -1;

	while (u < 3 && n >= 1024 && n % 1024 == 0)
		n /= 1024, u++;
	return u < 0 ? xasprintf("%llu", (unsigned long long)n) :
	    xasprintf("%llu%c", (unsigned long long)n, units[u]);
}

/* The YAML message: what a value of the key must be. */
static char *yaml_why(const struct jobopt *o, const char *arg)
{
	char *least, *most, *why;

	switch (o->kind) {
	case JOBOPT_COUNT:
		return xasprintf("'%s' must be a number from %.0f to %.0f, not '%s'", o->yaml,
		    o->min, o->max, arg);
	case JOBOPT_SIZE:
		least = o->min > 1 ? size_text((uint64_t)o->min) : NULL;
		most = o->max > 0 ? size_text((uint64_t)o->max) : NULL;
		why = xasprintf("'%s' must be a size such as 4M%s%s%s%s, not '%s'", o->yaml,
		    least ? ", at least " : "", least ? least : "", most ? ", at most " : "",
		    most ? most : "", arg);
		free(least);
		free(most);
		return why;
	case JOBOPT_SECONDS:
		return xasprintf("'%s' must be a number of seconds (at least %g), not '%s'", o->yaml,
		    o->min, arg);
	default:	/* JOBOPT_DELIM */
		return xasprintf("'%s' must be one byte (or \\t), not '%s'", o->yaml ? o->yaml :
		    o->name, arg);
	}
}

/* The command line's message: "-j: invalid number of jobs 'x' (...)". */
static char *cli_why(const struct jobopt *o, const char *arg)
{
	char name[JOBOPT_NAME_MAX];

	if (o->kind == JOBOPT_DELIM)
		return xasprintf("%s: the delimiter must be one byte (or \\t), not '%s'",
		    jobopt_cli_name(o, name), arg);
	return xasprintf("%s: invalid %s '%s' (%s)", jobopt_cli_name(o, name), o->noun, arg,
	    o->expect);
}

/* The one check of a value of a plain kind: whether arg is one. */
static bool check(const struct jobopt *o, const char *arg, union jobopt_value *v)
{
	switch (o->kind) {
	case JOBOPT_COUNT:
		return parse_long(arg, (long)o->min, (long)o->max, &v->count);
	case JOBOPT_SIZE:
		return parse_size(arg, &v->size) && v->size >= o->min &&
		    (o->max == 0 || v->size <= o->max);
	case JOBOPT_SECONDS:
		return parse_duration(arg, &v->seconds) && v->seconds >= o->min;
	case JOBOPT_DELIM:
		return format_delimiter(arg, &v->delim);
	case JOBOPT_FLAG:	/* YAML's booleans come as "true" or "false" */
		v->flag = arg == NULL || strcmp(arg, "false") != 0;
		return true;
	default:	/* JOBOPT_STRING */
		v->text = arg;
		return true;
	}
}

static void store(struct job *job, const struct jobopt *o, const union jobopt_value *v)
{
	void *field = (char *)job + o->field;

	if (o->store != NULL) {
		o->store(job, v);
		return;
	}
	switch (o->kind) {
	case JOBOPT_FLAG: *(bool *)field = v->flag; break;
	case JOBOPT_COUNT: *(long *)field = v->count; break;
	case JOBOPT_SIZE: *(uint64_t *)field = v->size; break;
	case JOBOPT_SECONDS: *(double *)field = v->seconds; break;
	case JOBOPT_STRING:
		free(*(char **)field);
		*(char **)field = xstrdup(v->text);
		break;
	default: break;
	}
}

int jobopt_set(struct job *job, const struct jobopt *o, const char *arg,
    enum jobopt_style style, char **why)
{
	union jobopt_value v;
	char name[JOBOPT_NAME_MAX], *err = NULL;

	if (o->kind == JOBOPT_CUSTOM) {
		if (o->parse(job, arg, &err) == 0)
			return 0;
		*why = style == JOBOPT_CLI ? xasprintf("%s: %s", jobopt_cli_name(o, name), err) :
		    xasprintf("'%s': %s", o->yaml, err);
		free(err);
		return -1;
	}
	if (!check(o, arg, &v)) {
		*why = style == JOBOPT_CLI ? cli_why(o, arg) : yaml_why(o, arg);
		return -1;
	}
	store(job, o, &v);
	return 0;
}

const struct jobopt *jobopt_by_yaml(const char *key)
{
	for (const struct jobopt *o = jobopts; o->name != NULL; o++)
		if (o->yaml != NULL && strcmp(o->yaml, key) == 0)
			return o;
	return NULL;
}

const struct jobopt *jobopt_by_name(const char *name)
{
	for (const struct jobopt *o = jobopts; o->name != NULL; o++)
		if (strcmp(o->name, name) == 0)
			return o;
	return NULL;
}

const char *jobopt_cli_name(const struct jobopt *o, char buf[static JOBOPT_NAME_MAX])
{
	if (o->letter != 0)
		snprintf(buf, JOBOPT_NAME_MAX, "-%c", o->letter);
	else
		snprintf(buf, JOBOPT_NAME_MAX, "--%s", o->name);
	return buf;
}

char *jobopt_yaml_keys(void)
{
	char *keys = xstrdup(""), *more;

	for (const struct jobopt *o = jobopts; o->name != NULL; o++) {
		if (o->yaml == NULL)
			continue;
		more = xasprintf("%s%s%s", keys, *keys ? ", " : "", o->yaml);
		free(keys);
		keys = more;
	}
	return keys;
}
