/* indexcmd.h - `forkpipe index FILE.gz...`: write a gzip index beside
 * each file (see forkpipe-gzindex(5)). */
#ifndef FORKPIPE_INDEXCMD_H
#define FORKPIPE_INDEXCMD_H

/* Run the command on argv[1..argc-1] (argv[0] is "index"); the exit
 * status. */
int indexcmd_run(int argc, char **argv);

#endif
