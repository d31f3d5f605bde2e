/* yamlcheck.c - what a pipeline file must be as a YAML document, whatever
 * its keys: not nested too deep, one document, no key twice in a mapping,
 * no NUL byte in a string.  config.c walks the document after these. */
#include "autoconfig.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "yamlcheck.h"

static const char *scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

/*
 * Values are C strings from here on: a NUL in a YAML string ("GET\0x")
 * would silently cut it, so it is refused.  (A regular expression can
 * still match a NUL byte with \x00.)
 */
static bool has_nul(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE && strlen(scalar(n)) != n->data.scalar.length;
}

static bool same_key(const yaml_node_t *x, const yaml_node_t *y)
{
	return x->data.scalar.length == y->data.scalar.length &&
	    memcmp(x->data.scalar.value, y->data.scalar.value, x->data.scalar.length) == 0;
}

static int cmp_keys(const void *a, const void *b)
{
	const yaml_node_t *x = *(yaml_node_t *const *)a, *y = *(yaml_node_t *const *)b;
	size_t n = x->data.scalar.length < y->data.scalar.length ?
	    x->data.scalar.length : y->data.scalar.length;
	int c = memcmp(x->data.scalar.value, y->data.scalar.value, n);

	if (c != 0)
		return c;
	if (x->data.scalar.length != y->data.scalar.length)
		return x->data.scalar.length < y->data.scalar.length ? -1 : 1;
	return x->start_mark.index < y->start_mark.index ? -1 :
	    x->start_mark.index > y->start_mark.index;
}

/*
 * A key given twice in one mapping: libyaml keeps both and the later one
 * would silently win.  The keys are sorted (a hostile file may hold a
 * huge mapping): the repeat that comes first in the file, or NULL, with
 * *first the key it repeats.
 */
static yaml_node_t *find_duplicate(yaml_document_t *doc, const yaml_node_t *map,
    yaml_node_t **first)
{
	size_t n = 0, npairs = (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
	yaml_node_t **keys = xcalloc(npairs + 1, sizeof *keys), *dup = NULL;

	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);

		if (k->type == YAML_SCALAR_NODE)
			keys[n++] = k;
	}
	qsort(keys, n, sizeof *keys, cmp_keys);
	/* Equal keys are together, in file order: a run's second is a repeat. */
	for (size_t i = 1, run = 0; i < n; i++) {
		if (!same_key(keys[run], keys[i]))
			run = i;
		else if (i == run + 1 && (dup == NULL || keys[i]->start_mark.index < dup->start_mark.index))
			dup = keys[i], *first = keys[run];
	}
	free(keys);
	return dup;
}

yaml_node_t *yamlcheck_nodes(yaml_document_t *doc, char **why)
{
	yaml_node_t *worst = NULL, *dup, *first = NULL, *dup_first = NULL;

	for (yaml_node_t *n = doc->nodes.start; n < doc->nodes.top; n++) {
		dup = n->type == YAML_MAPPING_NODE ? find_duplicate(doc, n, &first) : NULL;
		if (has_nul(n) && (worst == NULL || n->start_mark.index < worst->start_mark.index))
			worst = n, dup_first = NULL;
		if (dup != NULL && (worst == NULL || dup->start_mark.index < worst->start_mark.index))
			worst = dup, dup_first = first;
	}
	if (worst == NULL)
		return NULL;
	if (dup_first != NULL)
		*why = xasprintf("duplicate key '%s' (first given at line %zu, column %zu)",
		    scalar(worst), dup_first->start_mark.line + 1, dup_first->start_mark.column + 1);
	else
		*why = xasprintf("the string '%s...' contains a NUL byte (\\0), which a value cannot "
		    "hold (in a regular expression, write \\x00)", scalar(worst));
	return worst;
}

/*
 * libyaml's scanner spends time in proportion to the nesting depth on
 * every token, so a document nested a hundred thousand deep (200 KB)
 * takes minutes to load.  No pipeline file nests more than a few
 * levels: the events are read first, and a document that goes deeper
 * than this is refused as soon as it does.
 */
#define CONFIG_MAX_DEPTH 64

int yamlcheck_depth(const char *name, const char *text, size_t len, char **err)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	int depth = 0, rc = 0;
	bool end = false;

	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	while (rc == 0 && !end && yaml_parser_parse(&parser, &ev)) {
		if (ev.type == YAML_SEQUENCE_START_EVENT || ev.type == YAML_MAPPING_START_EVENT)
			depth++;
		else if (ev.type == YAML_SEQUENCE_END_EVENT || ev.type == YAML_MAPPING_END_EVENT)
			depth--;
		end = ev.type == YAML_STREAM_END_EVENT;
		if (depth > CONFIG_MAX_DEPTH) {
			*err = xasprintf("%s:%zu:%zu: nested more than %d levels deep", name,
			    ev.start_mark.line + 1, ev.start_mark.column + 1, CONFIG_MAX_DEPTH);
			rc = -1;
		}
		yaml_event_delete(&ev);
	}
	/* A syntax error is left to the load, which reports it. */
	yaml_parser_delete(&parser);
	return rc;
}

int yamlcheck_single(yaml_parser_t *parser, const char *name, char **err)
{
	yaml_document_t next;
	int rc = 0;

	if (!yaml_parser_load(parser, &next)) {
		*err = xasprintf("%s:%zu:%zu: %s", name, parser->problem_mark.line + 1,
		    parser->problem_mark.column + 1, parser->problem ? parser->problem : "invalid YAML");
		return -1;
	}
	if (yaml_document_get_root_node(&next) != NULL) {
		*err = xasprintf("%s:%zu:%zu: a second YAML document: a pipeline file holds one",
		    name, next.start_mark.line + 1, next.start_mark.column + 1);
		rc = -1;
	}
	yaml_document_delete(&next);
	return rc;
}
