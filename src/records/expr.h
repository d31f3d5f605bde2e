/* expr.h - record predicates such as `$3 > 10 && $name ~ "^a"`, parsed
 * once and evaluated against each record's fields with awk's comparison
 * rules.  Pure: no I/O, no knowledge of stages.
 *
 * Grammar (lowest precedence first; comparisons do not chain):
 *
 *	expr    := and ( '||' and )*
 *	and     := cmp ( '&&' cmp )*
 *	cmp     := unary [ ( '==' | '!=' | '<' | '<=' | '>' | '>=' ) unary
 *	                 | ( '~' | '!~' ) STRING ]
 *	unary   := '!' unary | operand
 *	operand := '$' DIGITS | '$' NAME | '${' any-but-'}' '}'
 *	         | NUMBER | STRING | '(' expr ')'
 *
 * NUMBER is [-] digits [. digits] [(e|E) [+|-] digits] (or starting with
 * the point); STRING is double-quoted with the escapes \" \\ \n \t (any
 * other backslash is kept with the byte after it, so "\d" is \d for a
 * pattern).  NAME is letters, digits and '_', not all digits.
 *
 * Values follow awk: a number literal is a number; a string literal is a
 * string; a field (or $0) whose whole text is a decimal number,
 * optionally with white space around it, is a number and otherwise, like
 * an empty or missing field, a string.  A comparison is numeric when both
 * sides are numbers, otherwise it compares the bytes (memcmp, a prefix
 * first), a number literal reading as an integer when it is one and with
 * %.6g otherwise.  !, &&, || and comparisons give 1 or 0.  A bare operand
 * is true when it is a non-zero number or a non-empty string.  The
 * right side of ~ is a PCRE2 pattern (no UTF, $ only at the very end),
 * compiled once.
 */
#ifndef FORKPIPE_EXPR_H
#define FORKPIPE_EXPR_H

#include <stdbool.h>
#include <stddef.h>

#include "fieldlist.h"
#include "fields.h"

struct expr;

/*
 * Parse text.  Returns NULL with *err set (malloc'd), naming the 1-based
 * character position: "unexpected ')' at position 7".  Field names stay
 * unresolved until expr_bind.
 */
struct expr *expr_parse(const char *text, char **err);

/* Resolve $name through the header (h may be NULL: then a name is an
 * error).  0, or -1 with *err. */
int expr_bind(struct expr *e, const struct header *h, char **err);

/* Whether evaluation looks at fields other than $0. */
bool expr_needs_fields(const struct expr *e);
/* The highest field number the expression reads, after expr_bind (0 for
 * none): records need splitting only that far. */
size_t expr_max_field(const struct expr *e);

/*
 * Evaluate against one record (rec[0..len), no terminator) and its nf
 * fields (f may be NULL when !expr_needs_fields).  Allocates nothing
 * (beyond, once, room for an unusually long number).  A field name left
 * unbound reads as a missing field.
 */
bool expr_eval(struct expr *e, const char *rec, size_t len, const struct field *f, size_t nf);

/* NULL, or why the last expr_eval could not be answered (a regular
 * expression hit a PCRE2 resource limit); its result is then false. */
const char *expr_failed(const struct expr *e);
/* The same as an error message for the record at input byte offset off
 * (when known), to be freed, with the exit status it deserves in *code:
 * 65 when the record made a pattern hit a limit.  NULL if none. */
char *expr_failure(const struct expr *e, bool known, uint64_t off, int *code);

void expr_free(struct expr *e);

#endif
