/* completion.h - shell completions written from the option and stage
 * tables (forkpipe --help-completion=bash|zsh|fish). */
#ifndef FORKPIPE_COMPLETION_H
#define FORKPIPE_COMPLETION_H

#include <stdio.h>

/* Print the completion script for shell (bash, zsh or fish) on fp;
 * -1 for another shell. */
int completion_print(FILE *fp, const char *shell);

struct job;
/* The field names of the header of the first of job's inputs that has
 * them, one a line (compfields.c: --help-completion=fields). */
void completion_fields(FILE *fp, const struct job *job);

#endif
