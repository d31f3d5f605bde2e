/* pcre_util.h - what the PCRE2-based stages (grep, sub) share. */
#ifndef FORKPIPE_PCRE_UTIL_H
#define FORKPIPE_PCRE_UTIL_H

#include <stdbool.h>

/*
 * Whether matching pat over a whole block with PCRE2_MULTILINE finds the
 * same records as matching each record alone: no lookaround, no \A \z \Z
 * \G \K, no inline option changes (which could turn off multiline) and
 * no verbs.  Anything else must be matched record by record.
 */
bool pcre_block_safe(const char *pat);

#endif
