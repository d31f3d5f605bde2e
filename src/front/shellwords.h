/* shellwords.h - split a stage spec into words as a POSIX shell would. */
#ifndef FORKPIPE_SHELLWORDS_H
#define FORKPIPE_SHELLWORDS_H

#include <stddef.h>

/*
 * Split s into words: blanks separate words; single quotes keep everything
 * literally; double quotes keep everything but backslash, which escapes
 * $ ` " \ and newline (and is literal before anything else); an unquoted
 * backslash escapes the next character.  There is no expansion of $, ~ or
 * globs.  On success returns 0 and a NULL-terminated vector in *argv
 * (free with shellwords_free); on error returns -1 and a message in *err.
 */
int shellwords_split(const char *s, int *argc, char ***argv, char **err);
void shellwords_free(char **argv);

#endif
