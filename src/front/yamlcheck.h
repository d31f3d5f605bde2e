/* yamlcheck.h - what a pipeline file must be as a YAML document, whatever
 * its keys. */
#ifndef FORKPIPE_YAMLCHECK_H
#define FORKPIPE_YAMLCHECK_H

#include <stddef.h>
#include <yaml.h>

/*
 * The first node in the file that no pipeline file may hold (a key given
 * twice in one mapping, a string with a NUL byte), or NULL; *why says
 * what is wrong with it (to be freed).
 */
yaml_node_t *yamlcheck_nodes(yaml_document_t *doc, char **why);

/* A document nested deeper than libyaml can load in good time: 0, or -1
 * with *err ("name:line:column: nested more than 64 levels deep"). */
int yamlcheck_depth(const char *name, const char *text, size_t len, char **err);

/* A second document ("---" again) would be ignored: 0 when parser has
 * none left, else -1 with *err. */
int yamlcheck_single(yaml_parser_t *parser, const char *name, char **err);

#endif
