/* grep_pats.c - grep's patterns: PATTERN, or every -e and the lines of
 * every -f FILE, in order; with -F each line of each is a string. */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grep_int.h"
#include "util.h"

/* Add the lines of FILE to the patterns (a last line may lack its
 * newline; an empty file has none).  0, or -1 with *err. */
static int read_pattern_file(struct grep *g, const char *path, char **err)
{
	FILE *fp = strcmp(path, "-") == 0 ? NULL : fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (fp == NULL) {
		*err = xasprintf("grep: -f %s: %s", path, strcmp(path, "-") == 0 ?
		    "standard input holds the records, not patterns (name a file)" : strerror(errno));
		return -1;
	}
	while ((n = getline(&line, &cap, fp)) >= 0) {
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (memchr(line, '\0', (size_t)n) != NULL) {
			*err = xasprintf("grep: -f %s: a pattern holds a NUL byte", path);
			break;
		}
		g->pats = xreallocarray(g->pats, g->npats + 1, sizeof *g->pats);
		g->pats[g->npats++] = xstrdup(line);
	}
	if (*err == NULL && ferror(fp))
		*err = xasprintf("grep: -f %s: %s", path, strerror(errno));
	free(line);
	fclose(fp);
	return *err != NULL ? -1 : 0;
}

/* -F: a newline separates strings, each a pattern of its own. */
static void split_strings(struct grep *g)
{
	char **v = NULL;
	size_t n = 0;

	for (size_t i = 0; i < g->npats; i++) {
		char *p = g->pats[i];

		for (;;) {
			char *nl = strchr(p, '\n');

			v = xreallocarray(v, n + 1, sizeof *v);
			v[n++] = nl != NULL ? xstrndup(p, (size_t)(nl - p)) : xstrdup(p);
			if (nl == NULL)
				break;
			p = nl + 1;
		}
		free(g->pats[i]);
	}
	free(g->pats);
	g->pats = v;
	g->npats = n;
}

/* Every pattern: PATTERN, or the -e ones and -f's lines, in order. */
int grep_collect_patterns(struct stage *st, struct grep *g, char **err)
{
	const char *pat = stage_arg(st, "pattern");
	size_t ne, nf;
	char *const *e = stage_list(st, "regexp", &ne);
	char *const *f = stage_list(st, "file", &nf);

	*err = NULL;
	if (pat != NULL && ne + nf > 0) {
		*err = xasprintf("grep: a PATTERN argument and -e or -f exclude each other "
		    "(give '%s' with -e)", pat);
		return -1;
	}
	if (pat == NULL && ne + nf == 0) {
		*err = xasprintf("grep: missing pattern (PATTERN, -e PATTERN or -f FILE)");
		return -1;
	}
	if (pat != NULL) {
		g->pats = xreallocarray(NULL, 1, sizeof *g->pats);
		g->pats[g->npats++] = xstrdup(pat);
	}
	for (size_t i = 0; i < ne; i++) {
		g->pats = xreallocarray(g->pats, g->npats + 1, sizeof *g->pats);
		g->pats[g->npats++] = xstrdup(e[i]);
	}
	for (size_t i = 0; i < nf; i++)
		if (read_pattern_file(g, f[i], err) < 0)
			return -1;
	if (stage_flag(st, "fixed"))
		split_strings(g);
	g->pat = g->npats > 0 ? g->pats[0] : "";
	return 0;
}

/* Several -F strings are one pattern of lines, which the literal search
 * and whole-block matching take as they are. */
char *grep_joined_strings(const struct grep *g)
{
	struct buf b = { 0 };

	for (size_t i = 0; i < g->npats; i++) {
		if (i > 0)
			buf_putc(&b, '\n');
		buf_append(&b, g->pats[i], strlen(g->pats[i]));
	}
	buf_putc(&b, '\0');
	return b.data;
}
