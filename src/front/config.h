/* config.h - YAML pipeline files (libyaml) -> job. */
#ifndef FORKPIPE_CONFIG_H
#define FORKPIPE_CONFIG_H

#include "job.h"

/* How messages name a pipeline read from stdin (-c -). */
#define CONFIG_STDIN_NAME "(stdin)"

/*
 * Load path into job ("-": stdin, read to its end).  0, or -1 with *err ("file:line:column: why") and
 * *code (66 when the file cannot be opened, 78 for anything in it).
 */
int config_load(struct job *job, const char *path, char **err, int *code);

/* The same from a string in memory; name is used in messages. */
int config_load_string(struct job *job, const char *name, const char *text, size_t len,
    char **err, int *code);

#endif
