/* scan.h - byte-scanning kernels, vectorised where the CPU allows. */
#ifndef FORKPIPE_SCAN_H
#define FORKPIPE_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Use only the portable kernels (true), or let the CPU decide (false):
 * for tests, which compare the two. */
void scan_force_portable(bool portable);
/* The kernels in use: "AVX2" or "portable" (for --version). */
const char *scan_kernels(void);

/* Number of bytes equal to c in p[0..n). */
size_t scan_count_byte(const char *p, size_t n, unsigned char c);

/*
 * A literal searcher: candidates are found by comparing two well-chosen
 * (rare) bytes of the needle 32 positions at a time, then verified.
 */
struct scan_lit {
	char *needle;
	size_t len;
	size_t i1, i2;	/* positions of the two probe bytes, i1 < i2 */
};

void scan_lit_init(struct scan_lit *l, const char *needle, size_t len);
void scan_lit_free(struct scan_lit *l);
/* First occurrence of the needle in [p, end), or NULL. */
const char *scan_lit_find(const struct scan_lit *l, const char *p, const char *end);

/*
 * Word counting as GNU wc does it in the C locale: white space ends a
 * word, a printable byte starts one, other bytes change nothing.  The
 * record terminator term also ends a word.  *in_word carries the state
 * between calls.
 */
uint64_t scan_count_words(const char *p, size_t n, unsigned char term, int *in_word);
/* The widest line of p[0..n) as wc -L measures it in the C locale (tabs
 * to multiples of 8, only printable bytes take a column; a line ends at
 * term, a newline, a CR or a form feed). */
uint64_t scan_max_width(const char *p, size_t n, unsigned char term);

#endif
