/* stagedoc.c - render the stage table as --help text and man page roff. */
#include "autoconfig.h"

#include <string.h>

#include "stage.h"
#include "stagedoc.h"

/* The placeholder of an option's value: "" for a flag. */
static const char *value_name(const struct stage_opt *o)
{
	if (o->type == OPT_FLAG)
		return "";
	if (o->arg != NULL)
		return o->arg;
	return o->type == OPT_INT ? "N" : "VALUE";
}

/* "grep [-F] [-i] PATTERN", "cut [-f LIST]" */
static void synopsis(FILE *fp, const struct stage_def *d, const char *bo, const char *bc)
{
	fputs(d->name, fp);
	for (const struct stage_opt *o = d->opts; o != NULL && o->name != NULL; o++) {
		const char *more = o->type == OPT_LIST ? "..." : "", *v = value_name(o);

		if (o->letter)
			fprintf(fp, " [-%c%s%s]%s", o->letter, *v ? " " : "", v, more);
		else
			fprintf(fp, " [--%s%s%s]%s", o->name, *v ? "=" : "", v, more);
	}
	for (const struct stage_arg *a = d->args; a != NULL && a->name != NULL; a++) {
		bool opt = d->last_arg_instead != NULL && a[1].name == NULL;

		fputs(opt ? " [" : " ", fp);
		fputs(bo, fp);
		for (const char *c = a->name; *c != '\0'; c++)
			fputc(*c >= 'a' && *c <= 'z' ? *c - 'a' + 'A' : *c, fp);
		fputs(bc, fp);
		if (a->many)
			fputs("...", fp);
		if (opt)
			fputc(']', fp);
	}
}

void stagedoc_help(FILE *fp)
{
	fputs("\nStages (-e 'NAME [OPTION]... [ARG]...'; YAML: '- NAME: {option: value}'):\n", fp);
	for (const struct stage_def *const *d = stage_table; *d != NULL; d++) {
		fputs("  ", fp);
		synopsis(fp, *d, "", "");
		fprintf(fp, "\n      %s%s\n", (*d)->summary,
		    (*d)->kind == STAGE_REDUCE ? " (reducer)" : "");
		for (const struct stage_opt *o = (*d)->opts; o != NULL && o->name != NULL; o++) {
			char left[64];

			if (o->letter)
				snprintf(left, sizeof left, "-%c, --%s", o->letter, o->name);
			else
				snprintf(left, sizeof left, "    --%s", o->name);
			fprintf(fp, "      %-22s %s\n", left, o->help);
		}
	}
}

/* Escape roff: a leading dot or quote, and backslashes. */
static void roff(FILE *fp, const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", fp);
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			fputs("\\e", fp);
		else if (*s == '-')
			fputs("\\-", fp);
		else
			fputc(*s, fp);
	}
}

void stagedoc_man(FILE *fp)
{
	fputs(".\\\" Generated from the stage table by forkpipe --help-stages=man.\n", fp);
	for (const struct stage_def *const *d = stage_table; *d != NULL; d++) {
		fputs(".TP\n.B \"", fp);
		synopsis(fp, *d, "\\fI", "\\fB");
		fputs("\"\n", fp);
		roff(fp, (*d)->description);
		if ((*d)->kind == STAGE_REDUCE)
			fputs(" This stage is a reducer: each worker folds its records into a partial "
			    "result and the merger combines the partials.", fp);
		fputc('\n', fp);
		for (const struct stage_opt *o = (*d)->opts; o != NULL && o->name != NULL; o++) {
			fputs(".RS\n.TP\n", fp);
			if (o->letter)
				fprintf(fp, ".BR \\-%c \", \" \\-\\-", o->letter);
			else
				fputs(".B \\-\\-", fp);
			roff(fp, o->name);
			fputs("\n", fp);
			roff(fp, o->help);
			fprintf(fp, " (YAML: \\fB%s: %s\\fR)\n.RE\n", o->name,
			    o->type == OPT_FLAG ? "true" : o->type == OPT_LIST ?
			    "[\\fIvalue\\fB, ...]" : "\\fIvalue\\fB");
		}
		for (const struct stage_arg *a = (*d)->args; a != NULL && a->name != NULL; a++) {
			fputs(".RS\n.TP\n.I ", fp);
			for (const char *c = a->name; *c != '\0'; c++)
				fputc(*c >= 'a' && *c <= 'z' ? *c - 'a' + 'A' : *c, fp);
			fputc('\n', fp);
			roff(fp, a->help);
			fprintf(fp, " (YAML: \\fB%s: %s\\fR)\n.RE\n", a->name,
			    a->many ? "[\\fIvalue\\fB, ...]" : "\\fIvalue\\fB");
		}
	}
}
