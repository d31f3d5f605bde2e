/* pcre_repl.c - a replacement in PCRE2's substitution syntax, parsed
 * once and expanded for each match (see pcre_repl.h). */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "pcre_repl.h"
#include "util.h"

static void add_piece(struct pcre_repl *r, enum repl_kind kind, size_t off, size_t len,
    uint32_t group)
{
	/* Adjacent literals are one piece. */
	if (kind == REPL_LITERAL && r->npieces > 0 && r->pieces[r->npieces - 1].kind == REPL_LITERAL) {
		r->pieces[r->npieces - 1].len += len;
		return;
	}
	r->pieces = xreallocarray(r->pieces, r->npieces + 1, sizeof *r->pieces);
	r->pieces[r->npieces++] = (struct repl_piece){ kind, off, len, group };
}

static void add_literal(struct pcre_repl *r, const char *p, size_t n)
{
	add_piece(r, REPL_LITERAL, r->lits.len, n, 0);
	buf_append(&r->lits, p, n);
}

static bool is_word(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* A reference by name: one group, or the groups sharing the name. */
static int add_named(struct pcre_repl *r, const pcre2_code *re, const char *name)
{
	PCRE2_SPTR first, last;
	int size = pcre2_substring_nametable_scan(re, (PCRE2_SPTR)name, &first, &last);

	if (size < 0)
		return size;
	if (first == last) {
		add_piece(r, REPL_GROUP, 0, 0, (uint32_t)(first[0] << 8 | first[1]));
		return 0;
	}
	size_t off = r->ngroups;

	for (PCRE2_SPTR e = first; e <= last; e += size) {
		r->groups = xreallocarray(r->groups, r->ngroups + 1, sizeof *r->groups);
		r->groups[r->ngroups++] = (uint32_t)(e[0] << 8 | e[1]);
	}
	add_piece(r, REPL_NAMED, off, r->ngroups - off, 0);
	return 0;
}

/* Parse as pcre2_substitute() does: see pcre_repl.h. */
int pcre_repl_parse(struct pcre_repl *r, const pcre2_code *re, const char *rep, size_t *at)
{
	uint32_t top;
	size_t n = strlen(rep), i = 0;

	pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &top);
	while (i < n) {
		const char *d = memchr(rep + i, '$', n - i);
		size_t lit = d ? (size_t)(d - rep) - i : n - i;

		if (lit > 0)
			add_literal(r, rep + i, lit);
		i += lit;
		if (i == n)
			break;
		*at = i;
		if (++i == n)
			return PCRE2_ERROR_BADREPLACEMENT;
		if (rep[i] == '$') {
			add_literal(r, "$", 1);
			i++;
			continue;
		}
		bool brace = false, star = false;

		if (rep[i] == '{') {
			brace = true;
			if (++i == n)
				return PCRE2_ERROR_BADREPLACEMENT;
		}
		if (rep[i] == '*') {
			star = true;
			if (++i == n)
				return PCRE2_ERROR_BADREPLACEMENT;
		}
		/* As in PCRE2: a number is checked as its digits are read (from
		 * the second on), a name and a one-digit number once the closing
		 * brace has been seen. */
		bool number = !star && rep[i] >= '0' && rep[i] <= '9';
		uint32_t group = 0;
		char name[34];
		size_t len = 0;

		if (number) {
			group = (uint32_t)(rep[i++] - '0');
			while (i < n && rep[i] >= '0' && rep[i] <= '9') {
				group = group * 10 + (uint32_t)(rep[i++] - '0');
				if (group > top)
					return PCRE2_ERROR_NOSUBSTRING;
			}
		} else {
			while (i < n && is_word((unsigned char)rep[i])) {
				name[len++] = rep[i++];
				if (len > 32)
					return PCRE2_ERROR_BADREPLACEMENT;
			}
			if (len == 0)
				return PCRE2_ERROR_BADREPLACEMENT;
			name[len] = '\0';
		}
		if (brace) {
			if (i == n || rep[i] != '}')
				return PCRE2_ERROR_REPMISSINGBRACE;
			i++;
		}
		if (number) {
			if (group > top)
				return PCRE2_ERROR_NOSUBSTRING;
			add_piece(r, REPL_GROUP, 0, 0, group);
		} else if (star) {
			if (strcmp(name, "MARK") != 0)
				return PCRE2_ERROR_BADREPLACEMENT;
			add_piece(r, REPL_MARK, 0, 0, 0);
		} else {
			int rc = add_named(r, re, name);

			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

bool pcre_repl_holds(const struct pcre_repl *r, char c)
{
	return r->lits.len > 0 && memchr(r->lits.data, c, r->lits.len) != NULL;
}

void pcre_repl_free(struct pcre_repl *r)
{
	free(r->pieces);
	free(r->groups);
	buf_free(&r->lits);
	memset(r, 0, sizeof *r);
}
