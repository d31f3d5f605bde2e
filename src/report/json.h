/* json.h - JSON text written into a buffer, for the run report.
 *
 * Members and elements are separated as they are added: a value that
 * does not open its container gets a comma before it.  Strings are
 * escaped as RFC 8259 requires; bytes that are not valid UTF-8 (file
 * names may hold any byte) are written as \u00XX, the code point of the
 * same number.  A valid UTF-8 character is never escaped, so in this
 * writer's output \u0080 to \u00ff always stand for such raw bytes. */
#ifndef FORKPIPE_JSON_H
#define FORKPIPE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Open an object ('{') or array ('['), as the member key of the
 * enclosing object, or as an element or the root when key is NULL. */
void json_open(struct buf *b, const char *key, char bracket);
/* Close it: bracket is '}' or ']'. */
void json_close(struct buf *b, char bracket);
void json_u64(struct buf *b, const char *key, uint64_t v);
void json_int(struct buf *b, const char *key, long v);
void json_bool(struct buf *b, const char *key, bool v);
/* A number with a fixed count of decimals; not finite is written 0. */
void json_num(struct buf *b, const char *key, double v, int decimals);
/* A string, or null when s is NULL. */
void json_str(struct buf *b, const char *key, const char *s);
/* A string of len bytes, which may hold any byte. */
void json_strn(struct buf *b, const char *key, const char *s, size_t len);

/* Just the string, with no comma or key before it (--to jsonl). */
void json_string(struct buf *b, const char *s, size_t len);

#endif
