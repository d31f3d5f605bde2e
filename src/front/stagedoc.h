/* stagedoc.h - render the stage table as --help text and as man page
 * roff, so that both always match what the parser accepts. */
#ifndef FORKPIPE_STAGEDOC_H
#define FORKPIPE_STAGEDOC_H

#include <stdio.h>

void stagedoc_help(FILE *fp);
void stagedoc_man(FILE *fp);

#endif
