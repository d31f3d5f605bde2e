/* options.h - the job options: one table drives the command line
 * (getopt_long), the YAML keys, --help and the man page's OPTIONS
 * section, and each value is checked once, the same way for both. */
#ifndef FORKPIPE_OPTIONS_H
#define FORKPIPE_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>

#include "job.h"

/* What an option's value is, and so how it is checked and stored. */
enum jobopt_kind {
	JOBOPT_FLAG,		/* no value: sets a bool (YAML: true or false) */
	JOBOPT_COUNT,		/* a whole number from min to max (a long) */
	JOBOPT_SIZE,		/* bytes with K/M/G/T suffixes, at least min, at most
				 * max (0: no limit) (a uint64_t) */
	JOBOPT_SECONDS,		/* a duration (30, 1.5s, 500ms, 10m, 2h), at least
				 * min (a double) */
	JOBOPT_STRING,		/* a file or directory name (a char *, replaced) */
	JOBOPT_DELIM,		/* one byte, or \t */
	JOBOPT_CUSTOM,		/* checked by the entry's parse, which says why not */
	JOBOPT_STAGE,		/* -e: the command line's own (cli.c) */
	JOBOPT_CONFIG,		/* -c: likewise */
	JOBOPT_SHOW,		/* prints something and exits (--help, --version) */
};

/* A checked value, before it is stored. */
union jobopt_value {
	bool flag;
	long count;
	uint64_t size;
	double seconds;
	const char *text;
	char delim;
};

struct jobopt {
	const char *name;	/* the long option */
	char letter;		/* the short option; 0: none */
	bool optional;		/* the value may be left out (--gzip, --progress) */
	const char *yaml;	/* the key in a pipeline file; NULL: none (the
				 * table says why) */
	enum jobopt_kind kind;
	double min, max;	/* the range of a count, size or duration */
	/* The command line says "invalid NOUN 'x' (EXPECT)". */
	const char *noun, *expect;
	/* Where the value goes: the job's field at this offset, of the
	 * kind's type, unless store says otherwise. */
	size_t field;
	void (*store)(struct job *job, const union jobopt_value *v);
	/* JOBOPT_CUSTOM: check and set; 0, or -1 with *why (to be freed). */
	int (*parse)(struct job *job, const char *arg, char **why);
	/* JOBOPT_SHOW: print to fp; -1 for a value it does not know. */
	int (*show)(FILE *fp, const char *arg);
	/* Options that exclude each other (see job_choose): the codec
	 * (gzip, zstd), the record format (tsv, csv) and the delimiter it
	 * chooses (JOBOPT_DELIM_ARG: its value's). */
	const char *codec, *format, *delim;
	const char *arg;	/* the value's placeholder (SIZE, FILE) */
	const char *values;	/* the values, when they are a fixed set,
				 * separated by spaces (for completions) */
	const char *help;	/* --help text, lines after the first indented;
				 * NULL: not listed */
	const char *man;	/* the OPTIONS section's roff for it */
	const char *man_tag;	/* the roff of its tag, when not the usual one */
};

extern const char jobopt_delim_arg[];
#define JOBOPT_DELIM_ARG jobopt_delim_arg

/* The table, in --help order, ended by an entry with no name. */
extern const struct jobopt jobopts[];

/* Which message style a failed check uses. */
enum jobopt_style {
	JOBOPT_CLI,		/* "--memory: invalid size '0' (...)" */
	JOBOPT_YAML,		/* "'memory' must be a size such as 4M, not '0'" */
};

/*
 * Check arg (NULL: none given) as o's value and store it in job: 0, or -1
 * with *why, the message in the given style (the YAML one without the
 * file:line:column), to be freed.
 */
int jobopt_set(struct job *job, const struct jobopt *o, const char *arg,
    enum jobopt_style style, char **why);

/* The entry of a top-level YAML key, or NULL. */
const struct jobopt *jobopt_by_yaml(const char *key);

/* The entry of a long option, or NULL. */
const struct jobopt *jobopt_by_name(const char *name);

/* How the command line names an option in messages: -j, --memory
 * (written into buf). */
#define JOBOPT_NAME_MAX 48
const char *jobopt_cli_name(const struct jobopt *o, char buf[static JOBOPT_NAME_MAX]);

/* The YAML keys the table knows, ", "-separated, in table order. */
char *jobopt_yaml_keys(void);

/* --help: the whole text (arg is unused). */
int jobopt_usage(FILE *fp, const char *arg);

/* The man page's OPTIONS section (roff); "man" is the only format. */
int jobopt_man(FILE *fp, const char *format);

#endif
