/* config.c - YAML pipeline files (libyaml) -> job.
 *
 * The document is loaded whole (it is small) and walked; every error
 * names file:line:column of the node at fault. */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>	/* parser, document nodes with marks */

#include "config.h"
#include "options.h"
#include "yamlcheck.h"
#include "util.h"

struct loader {
	const char *name;
	yaml_document_t doc;
	char *err;
	struct job_choice codec;	/* gzip: or zstd: */
};

static int bad(struct loader *l, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bad(struct loader *l, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;
	char *why;

	va_start(ap, fmt);
	why = xvasprintf(fmt, ap);
	va_end(ap);
	l->err = xasprintf("%s:%zu:%zu: %s", l->name, n->start_mark.line + 1,
	    n->start_mark.column + 1, why);
	free(why);
	return -1;
}

static yaml_node_t *node(struct loader *l, int id)
{
	return yaml_document_get_node(&l->doc, id);
}

static const char *scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static bool is_null(const yaml_node_t *n)
{
	const char *v = scalar(n);

	return n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    (v[0] == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
	    strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0);
}

static int want_scalar(struct loader *l, const yaml_node_t *n, const char *key)
{
	if (n->type != YAML_SCALAR_NODE)
		return bad(l, n, "'%s' needs a single value", key);
	return 0;
}

/* YAML 1.1 booleans, as users write them. */
static int to_bool(struct loader *l, const yaml_node_t *n, const char *key, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on", "y", NULL };
	static const char *const no[] = { "false", "no", "off", "n", NULL };

	if (want_scalar(l, n, key) < 0)
		return -1;
	for (int i = 0; yes[i] != NULL; i++) {
		if (strcasecmp(scalar(n), yes[i]) == 0)
			return *out = true, 0;
		if (strcasecmp(scalar(n), no[i]) == 0)
			return *out = false, 0;
	}
	return bad(l, n, "'%s' must be true or false, not '%s'", key, scalar(n));
}

static int load_inputs(struct loader *l, struct job *job, yaml_node_t *n)
{
	job_clear_inputs(job);
	if (n->type == YAML_SCALAR_NODE) {
		job_add_input(job, scalar(n));
		return 0;
	}
	if (n->type != YAML_SEQUENCE_NODE)
		return bad(l, n, "'inputs' must be a list of files");
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		yaml_node_t *f = node(l, *it);

		if (want_scalar(l, f, "inputs") < 0)
			return -1;
		job_add_input(job, scalar(f));
	}
	return 0;
}

/* A list option (sort's keys) or a "many" argument (group's operations). */
static bool takes_list(const struct stage_def *def, const char *key)
{
	for (const struct stage_opt *o = def->opts; o != NULL && o->name != NULL; o++)
		if (strcmp(o->name, key) == 0)
			return o->type == OPT_LIST;
	for (const struct stage_arg *a = def->args; a != NULL && a->name != NULL; a++)
		if (strcmp(a->name, key) == 0)
			return a->many;
	return false;
}

/* key: [a, b, c]: each item set in turn. */
static int set_stage_list(struct loader *l, struct stage *st, yaml_node_t *k, yaml_node_t *v)
{
	char *err = NULL;

	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
		yaml_node_t *item = node(l, *it);

		if (want_scalar(l, item, scalar(k)) < 0)
			return -1;
		if (stage_set(st, scalar(k), scalar(item), &err) < 0) {
			bad(l, item, "%s", err);
			free(err);
			return -1;
		}
	}
	return 0;
}

static int set_stage_option(struct loader *l, struct stage *st, yaml_node_t *k, yaml_node_t *v)
{
	const char *value;
	char *err = NULL;
	bool flag;

	if (want_scalar(l, k, "stage option") < 0)
		return -1;
	if (v->type == YAML_SEQUENCE_NODE && takes_list(st->def, scalar(k)))
		return set_stage_list(l, st, k, v);
	if (want_scalar(l, v, scalar(k)) < 0)
		return -1;
	value = scalar(v);
	for (const struct stage_opt *o = st->def->opts; o != NULL && o->name != NULL; o++) {
		if (strcmp(o->name, scalar(k)) == 0 && o->type == OPT_FLAG) {
			if (to_bool(l, v, o->name, &flag) < 0)
				return -1;
			value = flag ? "true" : "false";
		}
	}
	if (stage_set(st, scalar(k), value, &err) < 0) {
		bad(l, k, "%s", err);
		free(err);
		return -1;
	}
	return 0;
}

/* - grep: {pattern: ERROR, fixed: true} */
static int load_stage(struct loader *l, struct job *job, yaml_node_t *n)
{
	yaml_node_pair_t *p;
	yaml_node_t *name, *opts;
	const struct stage_def *def;
	struct stage *st;
	char *err = NULL;

	if (n->type != YAML_MAPPING_NODE || n->data.mapping.pairs.top - n->data.mapping.pairs.start != 1)
		return bad(l, n, "a stage is a mapping with one key, the stage name (e.g. '- count: {}')");
	p = n->data.mapping.pairs.start;
	name = node(l, p->key);
	opts = node(l, p->value);
	if (want_scalar(l, name, "stage") < 0)
		return -1;
	def = stage_find(scalar(name));
	if (def == NULL)
		return bad(l, name, "unknown stage '%s'", scalar(name));
	char *origin = xasprintf("%s:%zu:%zu", l->name, name->start_mark.line + 1,
	    name->start_mark.column + 1);

	st = stage_new(def, origin);
	free(origin);
	st->from_config = true;
	job_add_stage(job, st);
	if (opts->type == YAML_SCALAR_NODE && is_null(opts))
		goto check;	/* "- count:", "- count: ~" */
	if (opts->type != YAML_MAPPING_NODE)
		return bad(l, opts, "the options of stage '%s' must be a mapping", def->name);
	for (p = opts->data.mapping.pairs.start; p < opts->data.mapping.pairs.top; p++)
		if (set_stage_option(l, st, node(l, p->key), node(l, p->value)) < 0)
			return -1;
check:
	if (stage_check(st, &err) < 0) {
		bad(l, name, "%s", err);
		free(err);
		return -1;
	}
	return 0;
}

static int load_stages(struct loader *l, struct job *job, yaml_node_t *n)
{
	job_clear_stages(job);
	if (n->type != YAML_SEQUENCE_NODE)
		return bad(l, n, "'stages' must be a list");
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++)
		if (load_stage(l, job, node(l, *it)) < 0)
			return -1;
	return 0;
}

/* gzip: true, gzip: 9, zstd: 19 (see --gzip, --zstd); false: not from
 * this key.  Both keys are a contradiction. */
static int load_codec(struct loader *l, struct job *job, const struct jobopt *o, yaml_node_t *k,
    yaml_node_t *v)
{
	enum compress_kind kind = strcmp(o->codec, "zstd") == 0 ? COMPRESS_ZSTD : COMPRESS_GZIP;
	const char *level = NULL;
	char *why = NULL;
	bool on = true;

	if (want_scalar(l, v, o->yaml) < 0)
		return -1;
	if (strspn(scalar(v), "0123456789") == 0 && to_bool(l, v, o->yaml, &on) < 0) {
		free(l->err);
		return bad(l, v, "'%s' must be true, false or a level from 1 to %d, not '%s'",
		    o->yaml, compress_max_level(kind), scalar(v));
	}
	if (!on)
		return 0;
	if (strspn(scalar(v), "0123456789") > 0)
		level = scalar(v);
	if (job_choose(&l->codec, o->yaml, o->yaml) < 0)
		return bad(l, k, "'%s' and '%s' contradict each other (choose one)", l->codec.by,
		    o->yaml);
	if (jobopt_set(job, o, level, JOBOPT_YAML, &why) < 0) {
		bad(l, v, "%s", why);
		free(why);
		return -1;
	}
	return 0;
}

/* A key that is an option: its value checked as on the command line. */
static int load_option(struct loader *l, struct job *job, const struct jobopt *o, yaml_node_t *k,
    yaml_node_t *v)
{
	const char *value;
	char *why = NULL;
	bool flag;

	if (o->codec != NULL)
		return load_codec(l, job, o, k, v);
	if (want_scalar(l, v, scalar(k)) < 0)
		return -1;
	value = scalar(v);
	if (o->kind == JOBOPT_FLAG) {
		if (to_bool(l, v, scalar(k), &flag) < 0)
			return -1;
		value = flag ? "true" : "false";
	}
	if (jobopt_set(job, o, value, JOBOPT_YAML, &why) < 0) {
		bad(l, v, "%s", why);
		free(why);
		return -1;
	}
	return 0;
}

/* input: {format: csv, delimiter: ";", header: true, lax: false} */
static int load_input_key(struct loader *l, struct job *job, yaml_node_t *k, yaml_node_t *v)
{
	const char *key;

	if (want_scalar(l, k, "input key") < 0)
		return -1;
	key = scalar(k);
	if (strcmp(key, "header") == 0)
		return to_bool(l, v, key, &job->header);
	if (strcmp(key, "lax") == 0)
		return to_bool(l, v, key, &job->format.lax);
	if (want_scalar(l, v, key) < 0)
		return -1;
	if (strcmp(key, "delimiter") == 0)
		return load_option(l, job, jobopt_by_name("delimiter"), k, v);
	if (strcmp(key, "format") != 0)
		return bad(l, k, "unknown input key '%s' (known: format, delimiter, header, lax)", key);
	const char *f = scalar(v);
	char delim = job->format.delim;

	if (strcmp(f, "blanks") == 0)
		job->format.kind = FORMAT_BLANKS;
	else if (strcmp(f, "tsv") == 0)
		job->format.kind = FORMAT_DELIM, job->format.delim = '\t';
	else if (strcmp(f, "delimited") == 0)
		job->format.kind = FORMAT_DELIM, job->format.delim = delim ? delim : '\t';
	else if (strcmp(f, "csv") == 0)
		job->format.kind = FORMAT_CSV, job->format.delim = delim ? delim : ',';
	else if (strcmp(f, "jsonl") == 0)
		job->format.kind = FORMAT_JSON, job->format.delim = '\t';
	else
		return bad(l, v, "'format' must be blanks, delimited, tsv, csv or jsonl, not '%s'", f);
	return 0;
}

static int load_input(struct loader *l, struct job *job, yaml_node_t *n)
{
	if (n->type != YAML_MAPPING_NODE)
		return bad(l, n, "'input' must be a mapping (format, delimiter, header, lax)");
	yaml_node_t *format = NULL, *delim = NULL;

	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(l, p->key);

		if (load_input_key(l, job, k, node(l, p->value)) < 0)
			return -1;
		if (strcmp(scalar(k), "format") == 0)
			format = node(l, p->value);
		if (strcmp(scalar(k), "delimiter") == 0)
			delim = node(l, p->value);
	}
	/* format: tsv (or blanks) with a delimiter: one would silently win. */
	if (format != NULL && delim != NULL && (strcmp(scalar(format), "blanks") == 0 ||
	    (strcmp(scalar(format), "tsv") == 0 && job->format.delim != '\t')))
		return bad(l, delim, "'format: %s' and 'delimiter' contradict each other (choose one)",
		    scalar(format));
	/* The record terminator (-z) may come later: job_plan checks that. */
	if (delim != NULL && job->format.kind == FORMAT_CSV && job->format.delim == '"')
		return bad(l, delim, "'delimiter' cannot be '\"' with 'format: csv', whose fields "
		    "it quotes");
	return 0;
}

static int load_key(struct loader *l, struct job *job, yaml_node_t *k, yaml_node_t *v)
{
	const struct jobopt *o;
	const char *key;

	if (want_scalar(l, k, "key") < 0)
		return -1;
	key = scalar(k);
	if (strcmp(key, "inputs") == 0)
		return load_inputs(l, job, v);
	if (strcmp(key, "input") == 0)
		return load_input(l, job, v);
	o = jobopt_by_yaml(key);
	if (o == NULL) {
		char *keys = jobopt_yaml_keys();

		bad(l, k, "unknown key '%s' (known: inputs, input, %s)", key, keys);
		free(keys);
		return -1;
	}
	if (o->kind == JOBOPT_STAGE)
		return load_stages(l, job, v);
	return load_option(l, job, o, k, v);
}

static int load_document(struct loader *l, struct job *job)
{
	yaml_node_t *root = yaml_document_get_root_node(&l->doc), *bad_node;
	char *why = NULL;

	if (root == NULL) {
		l->err = xasprintf("%s:1:1: empty pipeline file", l->name);
		return -1;
	}
	if (root->type != YAML_MAPPING_NODE)
		return bad(l, root, "the pipeline file must be a mapping (keys such as 'stages:')");
	if ((bad_node = yamlcheck_nodes(&l->doc, &why)) != NULL) {
		bad(l, bad_node, "%s", why);
		free(why);
		return -1;
	}
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++)
		if (load_key(l, job, node(l, p->key), node(l, p->value)) < 0)
			return -1;
	return 0;
}

int config_load_string(struct job *job, const char *name, const char *text, size_t len,
    char **err, int *code)
{
	struct loader l;

	memset(&l, 0, sizeof l);
	l.name = name;
	yaml_parser_t parser;
	int rc;

	*code = EXIT_CONFIG;
	if (yamlcheck_depth(name, text, len, err) < 0)
		return -1;
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &l.doc)) {
		*err = xasprintf("%s:%zu:%zu: %s", name, parser.problem_mark.line + 1,
		    parser.problem_mark.column + 1, parser.problem ? parser.problem : "invalid YAML");
		yaml_parser_delete(&parser);
		return -1;
	}
	rc = load_document(&l, job);
	if (rc < 0)
		*err = l.err;
	else
		rc = yamlcheck_single(&parser, name, err);
	yaml_document_delete(&l.doc);
	yaml_parser_delete(&parser);
	return rc;
}

int config_load(struct job *job, const char *path, char **err, int *code)
{
	bool std = strcmp(path, "-") == 0;	/* -c -: the YAML on stdin */
	FILE *fp = std ? stdin : fopen(path, "rb");
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (fp == NULL) {
		*err = xasprintf("%s: cannot open: %s", path, strerror(errno));
		*code = EXIT_NOINPUT;
		return -1;
	}
	FILE *mem = open_memstream(&text, &len);
	char block[8192];
	size_t n;

	while ((n = fread(block, 1, sizeof block, fp)) > 0)
		fwrite(block, 1, n, mem);
	bool failed = ferror(fp);
	int why = errno;

	if (!std)
		fclose(fp);
	fclose(mem);
	if (std)
		path = CONFIG_STDIN_NAME;
	if (failed) {
		*err = xasprintf("%s: cannot read: %s", path, strerror(why));
		*code = EXIT_NOINPUT;
		free(text);
		return -1;
	}
	rc = config_load_string(job, path, text, len, err, code);
	free(text);
	return rc;
}
