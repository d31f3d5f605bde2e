/* pcre_util.c - what the PCRE2-based stages (grep, sub) share. */
#include "autoconfig.h"

#include <string.h>

#include "pcre_util.h"

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
