/* version.h - --version: the program's, its libraries' and its kernels'. */
#ifndef FORKPIPE_VERSION_H
#define FORKPIPE_VERSION_H

#include <stdio.h>

/* Lines "NAME BUILT (run time FOUND...)", then "byte kernels: ...". */
void version_print(FILE *fp);

#endif
