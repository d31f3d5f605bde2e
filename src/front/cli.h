/* cli.h - the command line -> job. */
#ifndef FORKPIPE_CLI_H
#define FORKPIPE_CLI_H

#include "job.h"

/*
 * Parse argv into job (loading -c FILE first, then applying the other
 * options over it).  Exits for --help, --version and on errors.
 */
void cli_parse(struct job *job, int argc, char **argv);

#endif
