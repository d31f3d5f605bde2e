/* sortcmp.h - the orderings of sort keys beyond bytes and -n, as GNU sort
 * has them in the C locale: -g (strtold numbers), -h (SI suffixes), -M
 * (month names), -V (version strings), -R (MD5 of seed and key), and the
 * filters -f (fold lower case to upper), -d and -i (ignore bytes).
 *
 * A key with any of them is "slow" (sortkey.slow): sortkey_cmp and the
 * prefix functions of sortkey.c call here, and the sort loops compare
 * such keys in full whenever their prefixes tie (sortrun.h tie_cmp). */
#ifndef FORKPIPE_SORTCMP_H
#define FORKPIPE_SORTCMP_H

#include <stdint.h>

#include "sortkey.h"

/* Compare two slow keys' texts, before the key's reverse flag. */
int sortcmp_slow(const struct sortkey *k, const char *a, const char *alim, const char *b,
    const char *blim);

/* A prefix of a slow key (before the reverse flag) with sortkey_prefix's
 * promise: different prefixes order as the keys do; equal keys, equal
 * prefixes.  Never exact. */
uint64_t sortcmp_prefix(const struct sortkey *k, const char *beg, const char *lim);

/* gnulib's filenvercmp, which sort -V uses: version order of two byte
 * strings. */
int sortcmp_version(const char *a, size_t alen, const char *b, size_t blen);

#endif
