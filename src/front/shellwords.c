/* shellwords.c - split a stage spec into words as a POSIX shell would. */
#include "autoconfig.h"

#include <stdbool.h>
#include <stdlib.h>

#include "buf.h"
#include "shellwords.h"
#include "util.h"

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/* Scan one double-quoted section starting after the opening quote. */
static const char *dquote(const char *p, struct buf *w)
{
	for (; *p != '\0' && *p != '"'; p++) {
		if (*p == '\\' && (p[1] == '$' || p[1] == '`' || p[1] == '"' ||
		    p[1] == '\\' || p[1] == '\n')) {
			p++;
			if (*p != '\n')
				buf_putc(w, *p);
			continue;
		}
		buf_putc(w, *p);
	}
	return p;
}

static void push_word(int *argc, char ***argv, struct buf *w)
{
	*argv = xreallocarray(*argv, (size_t)*argc + 2, sizeof **argv);
	(*argv)[(*argc)++] = xstrndup(w->data ? w->data : "", w->len);
	(*argv)[*argc] = NULL;
	w->len = 0;
}

int shellwords_split(const char *s, int *argc, char ***argv, char **err)
{
	struct buf w = { 0 };
	const char *p = s;
	bool in_word = false;
	char open = 0;

	*argc = 0;
	*argv = xcalloc(1, sizeof **argv);
	for (;; p++) {
		if (*p == '\0' || is_blank(*p)) {
			if (in_word)
				push_word(argc, argv, &w);
			in_word = false;
			if (*p == '\0')
				break;
			continue;
		}
		in_word = true;
		if (*p == '\'') {
			const char *q = p + 1;

			while (*q != '\0' && *q != '\'')
				buf_putc(&w, *q++);
			if (*q == '\0') {
				open = '\'';
				goto unterminated;
			}
			p = q;
		} else if (*p == '"') {
			p = dquote(p + 1, &w);
			if (*p == '\0') {
				open = '"';
				goto unterminated;
			}
		} else if (*p == '\\') {
			if (p[1] == '\0') {
				*err = xasprintf("trailing backslash");
				goto fail;
			}
			p++;
			if (*p != '\n')
				buf_putc(&w, *p);
		} else {
			buf_putc(&w, *p);
		}
	}
	buf_free(&w);
	return 0;
unterminated:
	*err = xasprintf("unterminated %s quote", open == '"' ? "double" : "single");
fail:
	buf_free(&w);
	shellwords_free(*argv);
	*argv = NULL;
	*argc = 0;
	return -1;
}

void shellwords_free(char **argv)
{
	if (argv == NULL)
		return;
	for (char **a = argv; *a != NULL; a++)
		free(*a);
	free(argv);
}
