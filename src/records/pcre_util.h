/* pcre_util.h - what the PCRE2-based stages (grep, sub) share. */
#ifndef FORKPIPE_PCRE_UTIL_H
#define FORKPIPE_PCRE_UTIL_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Whether matching pat over a whole block with PCRE2_MULTILINE finds the
 * same records as matching each record alone: no lookaround, no \A \z \Z
 * \G \K, no inline option changes (which could turn off multiline) and
 * no verbs.  Anything else must be matched record by record.
 */
bool pcre_block_safe(const char *pat);

/* Whether a match error says the pattern hit one of PCRE2's limits on
 * the subject (catastrophic backtracking): bad input for that pattern. */
bool pcre_limit_error(int rc);

/*
 * The message for match error rc of stage's pattern pat, on the record
 * at input byte offset off when known; *code is the exit status it
 * deserves: 65 for a limit the record made the pattern hit, else 70.
 */
char *pcre_match_error(int rc, const char *stage, const char *pat, bool known, uint64_t off,
    int *code);

#endif
