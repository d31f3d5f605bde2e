/* stage.c - the stage table and the option parsing shared by the command
 * line and YAML. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "shellwords.h"
#include "stage.h"
#include "util.h"

const struct stage_def *const stage_table[] = {
	&stage_grep,
	&stage_count,
	&stage_cut,
	&stage_sub,
	&stage_filter,
	&stage_group,
	&stage_uniq,
	&stage_rmdup,
	&stage_crosstab,
	&stage_top,
	&stage_sort,
	&stage_head,
	&stage_exec,
	&stage_join,
	NULL,
};

const struct stage_def *stage_find(const char *name)
{
	for (const struct stage_def *const *d = stage_table; *d != NULL; d++)
		if (strcmp((*d)->name, name) == 0)
			return *d;
	return NULL;
}

static size_t count_opts(const struct stage_def *def)
{
	size_t n = 0;

	while (def->opts != NULL && def->opts[n].name != NULL)
		n++;
	return n;
}

static size_t count_args(const struct stage_def *def)
{
	size_t n = 0;

	while (def->args != NULL && def->args[n].name != NULL)
		n++;
	return n;
}

static void optval_free(struct optval *v)
{
	free(v->str);
	for (size_t i = 0; i < v->nlist; i++)
		free(v->list[i]);
	free(v->list);
}

/* Repeated options and "many" arguments collect their values. */
static void optval_add(struct optval *v, const char *value)
{
	v->list = xreallocarray(v->list, v->nlist + 1, sizeof *v->list);
	v->list[v->nlist++] = xstrdup(value);
	if (v->str == NULL)
		v->str = xstrdup(value);
	v->set = true;
}

struct stage *stage_new(const struct stage_def *def, const char *origin)
{
	struct stage *st = xcalloc(1, sizeof *st);

	st->def = def;
	st->opts = xcalloc(count_opts(def) + 1, sizeof *st->opts);
	st->args = xcalloc(count_args(def) + 1, sizeof *st->args);
	st->term = '\n';
	st->origin = xstrdup(origin);
	return st;
}

void stage_free(struct stage *st)
{
	if (st == NULL)
		return;
	if (st->def->teardown != NULL)
		st->def->teardown(st);
	for (size_t i = 0; i < count_opts(st->def); i++)
		optval_free(&st->opts[i]);
	for (size_t i = 0; i < count_args(st->def); i++)
		optval_free(&st->args[i]);
	free(st->opts);
	free(st->args);
	free(st->origin);
	free(st);
}

static int opt_index_long(const struct stage_def *def, const char *name, size_t n)
{
	for (size_t i = 0; i < count_opts(def); i++)
		if (strlen(def->opts[i].name) == n && strncmp(def->opts[i].name, name, n) == 0)
			return (int)i;
	return -1;
}

static int opt_index_short(const struct stage_def *def, char c)
{
	for (size_t i = 0; i < count_opts(def); i++)
		if (def->opts[i].letter == c)
			return (int)i;
	return -1;
}

/* Store a value for option i; value is NULL for a flag given bare. */
static int set_opt(struct stage *st, int i, const char *value, char **err)
{
	const struct stage_opt *o = &st->def->opts[i];
	struct optval *v = &st->opts[i];

	switch (o->type) {
	case OPT_FLAG:
		if (value == NULL || strcmp(value, "true") == 0)
			v->num = 1;
		else if (strcmp(value, "false") == 0)
			v->num = 0;
		else {
			*err = xasprintf("%s: option '%s' is a flag and takes true or false, not '%s'",
			    st->def->name, o->name, value);
			return -1;
		}
		break;
	case OPT_INT:
		if (!parse_long(value, 0, 1L << 40, &v->num)) {
			*err = xasprintf("%s: option '%s' needs a non-negative number, not '%s'",
			    st->def->name, o->name, value);
			return -1;
		}
		break;
	case OPT_STRING:
		free(v->str);
		v->str = xstrdup(value);
		break;
	case OPT_LIST:
		optval_add(v, value);
		break;
	}
	v->set = true;
	v->given = ++st->ngiven;
	return 0;
}

static int set_positional(struct stage *st, size_t *nargs, const char *word, char **err)
{
	size_t n = count_args(st->def);

	if (n > 0 && *nargs >= n - 1 && st->def->args[n - 1].many) {
		*nargs = n;
		optval_add(&st->args[n - 1], word);
		return 0;
	}
	if (*nargs >= n) {
		*err = xasprintf("%s: unexpected argument '%s'", st->def->name, word);
		return -1;
	}
	st->args[*nargs].str = xstrdup(word);
	st->args[*nargs].set = true;
	(*nargs)++;
	return 0;
}

/* --name or --name=value; *i advances past a separate value word. */
static int parse_long_opt(struct stage *st, char **words, int *i, char **err)
{
	const char *w = words[*i] + 2;
	const char *eq = strchr(w, '=');
	int k = opt_index_long(st->def, w, eq ? (size_t)(eq - w) : strlen(w));

	if (k < 0) {
		*err = xasprintf("%s: unknown option '--%.*s'", st->def->name,
		    (int)(eq ? (size_t)(eq - w) : strlen(w)), w);
		return -1;
	}
	if (st->def->opts[k].type == OPT_FLAG)
		return set_opt(st, k, eq ? eq + 1 : NULL, err);
	if (eq != NULL)
		return set_opt(st, k, eq + 1, err);
	if (words[*i + 1] == NULL) {
		*err = xasprintf("%s: option '--%s' needs a value", st->def->name, w);
		return -1;
	}
	return set_opt(st, k, words[++*i], err);
}

/* -abc: flags, the last of which may take a value (attached or next word). */
static int parse_short_opts(struct stage *st, char **words, int *i, char **err)
{
	for (const char *c = words[*i] + 1; *c != '\0'; c++) {
		int k = opt_index_short(st->def, *c);

		if (k < 0) {
			*err = xasprintf("%s: unknown option '-%c'", st->def->name, *c);
			return -1;
		}
		if (st->def->opts[k].type == OPT_FLAG) {
			if (set_opt(st, k, NULL, err) < 0)
				return -1;
			continue;
		}
		if (c[1] != '\0')
			return set_opt(st, k, c + 1, err);
		if (words[*i + 1] == NULL) {
			*err = xasprintf("%s: option '-%c' needs a value", st->def->name, *c);
			return -1;
		}
		return set_opt(st, k, words[++*i], err);
	}
	return 0;
}

static int parse_words(struct stage *st, char **words, char **err)
{
	size_t nargs = 0;
	bool opts_done = false;

	for (int i = 1; words[i] != NULL; i++) {
		const char *w = words[i];
		int rc;

		if (!opts_done && strcmp(w, "--") == 0) {
			opts_done = true;
			continue;
		}
		if (!opts_done && w[0] == '-' && w[1] == '-')
			rc = parse_long_opt(st, words, &i, err);
		else if (!opts_done && w[0] == '-' && w[1] != '\0')
			rc = parse_short_opts(st, words, &i, err);
		else
			rc = set_positional(st, &nargs, w, err);
		if (rc < 0)
			return -1;
	}
	return stage_check(st, err);
}

struct stage *stage_from_spec(const char *spec, char **err)
{
	const struct stage_def *def;
	struct stage *st;
	char **words;
	int nwords;

	if (shellwords_split(spec, &nwords, &words, err) < 0) {
		char *why = *err;

		*err = xasprintf("stage '%s': %s", spec, why);
		free(why);
		return NULL;
	}
	if (nwords == 0) {
		shellwords_free(words);
		*err = xasprintf("empty stage");
		return NULL;
	}
	def = stage_find(words[0]);
	if (def == NULL) {
		*err = xasprintf("unknown stage '%s' (see --help for the list)", words[0]);
		shellwords_free(words);
		return NULL;
	}
	st = stage_new(def, spec);
	if (parse_words(st, words, err) < 0) {
		stage_free(st);
		st = NULL;
	}
	shellwords_free(words);
	return st;
}

int stage_set(struct stage *st, const char *key, const char *value, char **err)
{
	int k = opt_index_long(st->def, key, strlen(key));

	if (k >= 0)
		return set_opt(st, k, value, err);
	for (size_t i = 0; i < count_args(st->def); i++) {
		if (strcmp(st->def->args[i].name, key) == 0 && st->def->args[i].many) {
			optval_add(&st->args[i], value);
			return 0;
		}
		if (strcmp(st->def->args[i].name, key) == 0) {
			free(st->args[i].str);
			st->args[i].str = xstrdup(value);
			st->args[i].set = true;
			return 0;
		}
	}
	*err = xasprintf("%s: unknown option '%s'", st->def->name, key);
	return -1;
}

/* Whether an option that stands for the last positional is given. */
static bool stands_in(const struct stage *st)
{
	for (const char *const *o = st->def->last_arg_instead; o != NULL && *o != NULL; o++) {
		int k = opt_index_long(st->def, *o, strlen(*o));

		if (k >= 0 && st->opts[k].set)
			return true;
	}
	return false;
}

int stage_check(const struct stage *st, char **err)
{
	for (size_t i = 0; i < count_args(st->def); i++) {
		if (!st->args[i].set && !(i + 1 == count_args(st->def) && stands_in(st))) {
			*err = xasprintf("%s: missing %s", st->def->name, st->def->args[i].name);
			return -1;
		}
	}
	return 0;
}

bool stages_sated(struct stage *const *stages, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (stages[i]->def->sated != NULL && stages[i]->def->sated(stages[i]))
			return true;
	return false;
}

bool stage_flag(const struct stage *st, const char *name)
{
	int k = opt_index_long(st->def, name, strlen(name));

	return k >= 0 && st->opts[k].set && st->opts[k].num != 0;
}

long stage_num(const struct stage *st, const char *name, long dflt)
{
	int k = opt_index_long(st->def, name, strlen(name));

	return k >= 0 && st->opts[k].set ? st->opts[k].num : dflt;
}

const char *stage_str(const struct stage *st, const char *name)
{
	int k = opt_index_long(st->def, name, strlen(name));

	return k >= 0 && st->opts[k].set ? st->opts[k].str : NULL;
}

unsigned stage_given(const struct stage *st, const char *name)
{
	int k = opt_index_long(st->def, name, strlen(name));

	return k >= 0 && st->opts[k].set ? st->opts[k].given : 0;
}

const char *stage_arg(const struct stage *st, const char *name)
{
	for (size_t i = 0; i < count_args(st->def); i++)
		if (strcmp(st->def->args[i].name, name) == 0)
			return st->args[i].str;
	return NULL;
}

char *const *stage_list(const struct stage *st, const char *name, size_t *n)
{
	int k = opt_index_long(st->def, name, strlen(name));

	if (k >= 0) {
		*n = st->opts[k].nlist;
		return st->opts[k].list;
	}
	for (size_t i = 0; i < count_args(st->def); i++) {
		if (strcmp(st->def->args[i].name, name) == 0) {
			*n = st->args[i].nlist;
			return st->args[i].list;
		}
	}
	*n = 0;
	return NULL;
}
