/* pcre_util.c - what the PCRE2-based stages (grep, sub) share. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "pcre_util.h"
#include "util.h"

bool pcre_block_safe(const char *pat)
{
	for (const char *p = pat; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0') {
			p++;
			if (strchr("AzZGK", *p) != NULL)
				return false;
			continue;
		}
		if (*p == '(' && (p[1] == '?' || p[1] == '*') && !(p[1] == '?' && p[2] == ':'))
			return false;
	}
	return true;
}

/* What each limit is, in PCRE2's words and in plain ones. */
static const char *limit_name(int rc)
{
	switch (rc) {
	case PCRE2_ERROR_MATCHLIMIT:
		return "the match limit (PCRE2 backtracking limit)";
	case PCRE2_ERROR_DEPTHLIMIT:
		return "the depth limit (PCRE2 backtracking depth)";
	case PCRE2_ERROR_HEAPLIMIT:
		return "the heap limit (PCRE2 backtracking memory)";
	case PCRE2_ERROR_JIT_STACKLIMIT:
		return "the JIT stack limit (PCRE2 backtracking memory)";
	default:
		return NULL;
	}
}

bool pcre_limit_error(int rc)
{
	return limit_name(rc) != NULL;
}

char *pcre_match_error(int rc, const char *stage, const char *pat, bool known, uint64_t off,
    int *code)
{
	PCRE2_UCHAR msg[256];
	char at[48] = "";

	if (!pcre_limit_error(rc)) {
		pcre2_get_error_message(rc, msg, sizeof msg);
		*code = EXIT_SOFTWARE;
		return xasprintf("%s: matching failed: %s", stage, (char *)msg);
	}
	if (known)
		snprintf(at, sizeof at, "byte offset %llu: ", (unsigned long long)off);
	*code = EXIT_DATAERR;
	return xasprintf("%s%s: pattern \"%s\" hit %s on this record", at, stage, pat,
	    limit_name(rc));
}
