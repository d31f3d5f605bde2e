/* optdoc.c - render the option table as --help and as the man page's
 * OPTIONS section, so that both always match what the parser accepts. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "options.h"
#include "stagedoc.h"

/* The help text starts in this column; a longer option name pushes it
 * two spaces past its end. */
#define HELP_COLUMN 26

/* "  -b, --chunk-size=SIZE", "      --gzip[=LEVEL]" */
static int help_left(FILE *fp, const struct jobopt *o)
{
	int n;

	if (o->letter != 0)
		n = fprintf(fp, "  -%c, --%s", o->letter, o->name);
	else
		n = fprintf(fp, "      --%s", o->name);
	if (o->arg != NULL)
		n += fprintf(fp, o->optional ? "[=%s]" : "=%s", o->arg);
	return n;
}

static void help_option(FILE *fp, const struct jobopt *o)
{
	int n = help_left(fp, o);

	fprintf(fp, "%*s", n < HELP_COLUMN ? HELP_COLUMN - n : 2, "");
	for (const char *s = o->help; *s != '\0'; s++) {
		fputc(*s, fp);
		if (*s == '\n')
			fprintf(fp, "%*s", HELP_COLUMN, "");
	}
	fputc('\n', fp);
}

int jobopt_usage(FILE *fp, const char *arg)
{
	(void)arg;
	fputs("Usage: forkpipe [OPTION]... [FILE]...\n"
	    "  or:  forkpipe merge [OPTION]... PARTIAL...\n"
	    "Run a pipeline of record-processing stages over FILEs (or stdin) on every core;\n"
	    "merge the partial results of runs made with --partial and finish the pipeline.\n"
	    "\n", fp);
	for (const struct jobopt *o = jobopts; o->name != NULL; o++)
		if (o->help != NULL)
			help_option(fp, o);
	fputs("\n"
	    "With no FILE, or when FILE is -, read stdin.  Several FILEs are one stream.\n"
	    "With no stage, copy the input.\n", fp);
	stagedoc_help(fp);
	fputs("\nExit status: 0 ok, 64 usage, 65 bad data, 66 cannot open input, 70 worker failure,\n"
	    "73 cannot create output, 74 I/O error, 75 lock held, 78 bad configuration, 124 --timeout,\n"
	    "128+N killed by signal N\n"
	    "(141 with --strict-epipe when the output's reader goes away).\n"
	    "See forkpipe(1) and forkpipe.yaml(5).\n", fp);
	return 0;
}

/* An option's name in roff: its dashes escaped. */
static void roff_name(FILE *fp, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '-')
			fputs("\\-", fp);
		else
			fputc(*s, fp);
	}
}

/* The usual tag: ".BR \-j \", \" \-\-jobs=\fIN\fR", ".BI \-\-memory= SIZE",
 * ".BR \-\-gzip [=\fILEVEL\fR]", ".B \-\-tsv". */
static void man_tag(FILE *fp, const struct jobopt *o)
{
	if (o->man_tag != NULL) {
		fprintf(fp, "%s\n", o->man_tag);
		return;
	}
	if (o->letter != 0) {
		fprintf(fp, ".BR \\-%c \", \" \\-\\-", o->letter);
		roff_name(fp, o->name);
		if (o->arg != NULL)
			fprintf(fp, "=\\fI%s\\fR", o->arg);
	} else {
		fputs(o->arg == NULL ? ".B \\-\\-" : o->optional ? ".BR \\-\\-" : ".BI \\-\\-", fp);
		roff_name(fp, o->name);
		if (o->arg != NULL)
			fprintf(fp, o->optional ? " [=\\fI%s\\fR]" : "= %s", o->arg);
	}
	fputc('\n', fp);
}

int jobopt_man(FILE *fp, const char *format)
{
	if (strcmp(format, "man") != 0)
		return -1;
	fputs(".\\\" Generated from the option table by forkpipe --help-options=man.\n", fp);
	for (const struct jobopt *o = jobopts; o->name != NULL; o++) {
		fputs(".TP\n", fp);
		man_tag(fp, o);
		fputs(o->man, fp);
	}
	return 0;
}
