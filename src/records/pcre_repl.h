/* pcre_repl.h - a replacement in PCRE2's substitution syntax (that of
 * pcre2_substitute() without PCRE2_SUBSTITUTE_EXTENDED): $$, $N, ${N},
 * $NAME, ${NAME}, $*MARK and ${*MARK}, any other byte literal.  It is
 * parsed once, against the compiled pattern, into literal pieces and
 * group references; expanding it for a match then only copies.  The sub
 * stage's; the matching (whole blocks or record by record) is its own. */
#ifndef FORKPIPE_PCRE_REPL_H
#define FORKPIPE_PCRE_REPL_H

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"

/* One piece of the parsed replacement. */
enum repl_kind {
	REPL_LITERAL,	/* bytes of lits */
	REPL_GROUP,	/* a capture group by number ($0 is the whole match) */
	REPL_NAMED,	/* a name shared by several groups: the first one set */
	REPL_MARK,	/* $*MARK: the name of the last (*MARK) passed */
};

struct repl_piece {
	enum repl_kind kind;
	size_t off, len;	/* REPL_LITERAL: in lits; REPL_NAMED: in groups */
	uint32_t group;		/* REPL_GROUP */
};

struct pcre_repl {
	struct repl_piece *pieces;
	size_t npieces;
	struct buf lits;	/* the replacement's literal bytes */
	uint32_t *groups;	/* group numbers of duplicate names */
	size_t ngroups;
};

/*
 * Parse rep for the pattern re into r (zeroed, or freed).  0, or a PCRE2
 * error code (for pcre2_get_error_message()) with *at the offset in rep
 * of the reference at fault.
 */
int pcre_repl_parse(struct pcre_repl *r, const pcre2_code *re, const char *rep, size_t *at);

/*
 * Append the replacement for the match in md (of subject) to out; ov is
 * md's ovector, which the caller keeps.  Inline: it runs for every
 * match, and the caller's loop (sub.c) is the hot path.
 */
static inline void pcre_repl_expand(const struct pcre_repl *r, pcre2_match_data *md,
    const PCRE2_SIZE *ov, const char *subject, struct buf *out)
{
	for (size_t i = 0; i < r->npieces; i++) {
		const struct repl_piece *pc = &r->pieces[i];

		switch (pc->kind) {
		case REPL_LITERAL:
			buf_append(out, r->lits.data + pc->off, pc->len);
			break;
		case REPL_GROUP:
			/* An unset group is empty, as in sed. */
			if (ov[2 * pc->group] != PCRE2_UNSET)
				buf_append(out, subject + ov[2 * pc->group],
				    ov[2 * pc->group + 1] - ov[2 * pc->group]);
			break;
		case REPL_NAMED:
			for (size_t k = pc->off; k < pc->off + pc->len; k++) {
				uint32_t n = r->groups[k];

				if (ov[2 * n] != PCRE2_UNSET) {
					buf_append(out, subject + ov[2 * n], ov[2 * n + 1] - ov[2 * n]);
					break;
				}
			}
			break;
		case REPL_MARK: {
			PCRE2_SPTR mark = pcre2_get_mark(md);

			if (mark != NULL)
				buf_append(out, (const char *)mark, strlen((const char *)mark));
			break;
		}
		}
	}
}

/* Whether the replacement's literal bytes hold c (a record terminator:
 * then the replacement splits records). */
bool pcre_repl_holds(const struct pcre_repl *r, char c);

void pcre_repl_free(struct pcre_repl *r);

#endif
