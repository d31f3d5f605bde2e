/* jsonl_int.h - what the JSON files share: the trie of a job's paths.
 * Each node is a position in a record (the root is the record); its
 * children are the keys and indexes some path goes through next. */
#ifndef FORKPIPE_JSONL_INT_H
#define FORKPIPE_JSONL_INT_H

#include "jsonl.h"

struct jkid {
	struct jstep step;	/* shares the path's key */
	struct jnode *node;
};

struct jnode {
	long path;		/* the path that ends here, or -1 */
	struct jkid *kids;
	size_t nkids;
	bool keys, indexes;	/* some kid is a key / an index */
	size_t *sub;		/* the paths that end here or below: reset
				 * when a duplicate key comes again */
	size_t nsub;
};

#endif
