#!/bin/bash
# e2e/bigset.sh - one group whose distinct sets (countunique, its alias
# distinct, unique) and collapse values take far more than --memory:
# streamed from external sorts of variable-length values at the merge of
# runs, their entries written in pieces, the line written as it is read
# (src/reduce/set_stream.c, valsort.c, aggsplit.c).  The results equal
# `datamash -s -g` and forkpipe's own in memory, at -j 1, 2 and 4, small
# chunks, from a file and a pipe, as CSV (quoted as a whole field is),
# through partial files; no temporary file is left; and the processes'
# peak memory stays well under what the group takes in memory (loosely:
# a bound far from both sides, never a timing).
. "$TEST_SRCDIR/lib.sh"

command -v datamash > /dev/null 2>&1 || die "reference tool 'datamash' not found"

# 150000 records: key "big" for nine in ten (some 64000 distinct values),
# k1 to k3 for the rest, and a group of one.  Empty values, and values
# with a double quote (CSV quotes them).
awk 'BEGIN {
	srand(16)
	for (i = 1; i <= 150000; i++) {
		r = rand()
		if (r < 0.02) v = ""
		else if (r < 0.05) v = "a\"b" int(rand() * 50)
		else v = "u" int(rand() * 80000)
		k = i % 10 ? "big" : "k" (1 + int(rand() * 3))
		printf "%s\t%s\t%d\n", k, v, i
	}
	print "one\tx\t7"
}' > "$T/in.tsv"

OPS='count countunique:2 unique:2 collapse:2 distinct:2'
datamash -s -g 1 count 1 countunique 2 unique 2 collapse 2 countunique 2 < "$T/in.tsv" > "$T/ref"
[ "$(grep -c '^big' "$T/ref")" = 1 ] || die "no big group in the reference"

# In memory (no spill) as the reference does.
expect_out "in memory" "$T/ref" fp --tsv -j 2 -e "group -k 1 $OPS" "$T/in.tsv"

mkdir "$T/tmp"
M=(--memory 256K --tmpdir "$T/tmp")
for jb in "1 64K" "2 4K" "4 16K"; do
	set -- $jb
	expect_out "streamed: -j$1 -b$2" "$T/ref" fp "${M[@]}" --tsv -j "$1" -b "$2" \
		-e "group -k 1 $OPS" "$T/in.tsv"
done
expect_out "streamed: pipe -j3 -b 8K" "$T/ref" piped "$T/in.tsv" "${M[@]}" --tsv -j 3 -b 8K \
	-e "group -k 1 $OPS"
# Each op alone, and the whole input as one group.
for op in countunique unique collapse; do
	datamash -s -g 1 $op 2 < "$T/in.tsv" > "$T/ref1"
	expect_out "streamed: $op alone" "$T/ref1" fp "${M[@]}" --tsv -j 2 -b 8K \
		-e "group -k 1 $op:2" "$T/in.tsv"
done
datamash countunique 2 unique 2 collapse 3 < "$T/in.tsv" > "$T/ref1"
expect_out "streamed: one group" "$T/ref1" fp "${M[@]}" --tsv -j 2 -b 8K \
	-e 'group countunique:2 unique:2 collapse:3' "$T/in.tsv"
# With the order statistics streamed beside them.
datamash -s -g 1 median 3 unique 2 countunique 2 < "$T/in.tsv" > "$T/ref1"
expect_out "streamed: with median" "$T/ref1" fp "${M[@]}" --tsv -j 2 -b 8K \
	-e 'group -k 1 median:3 unique:2 countunique:2' "$T/in.tsv"

# CSV: the streamed field quoted as when it is built whole.
awk -F'\t' -v OFS=, '{ v = $2; if (v ~ /"/) { gsub(/"/, "\"\"", v); v = "\"" v "\"" }
	print $1, v, $3 }' "$T/in.tsv" > "$T/in.csv"
fp --csv -j 2 -e "group -k 1 $OPS" "$T/in.csv" > "$T/cref" || fail "csv in memory"
grep -q '^big,[0-9]*,[0-9]*,",a""b0,' "$T/cref" || fail "csv: the field is not quoted"
expect_out "streamed: csv" "$T/cref" fp "${M[@]}" --csv -j 2 -b 8K -e "group -k 1 $OPS" "$T/in.csv"

# Partials with the big group's entries in pieces, merged under the budget.
check_partials_merged "$T/ref" 90001 4 "$OPS" "${M[@]}" -- "$T/in.tsv"

# Peak memory: streamed, the big group's extra over a run counting only
# is the budget's buffers, well under what it takes in memory.
check_streamed_peak "peak memory" 4K "count countunique:2 unique:2 collapse:2" "${M[@]}" -- "$T/in.tsv"

finish
