#!/bin/bash
# e2e/bigroup.sh - one group far larger than --memory: its order statistics
# (median, q1, q3, iqr, perc, mode, antimode, mad, madraw, trimmean) and
# moments (sskew .. harmmean) streamed from external sorts at the merge of
# runs, its entries written in pieces (src/reduce/ostat_stream.c,
# aggsplit.c).  The results equal `datamash -s -g` and forkpipe's own in
# memory, at -j 1, 2 and 4, small chunks, from a file and a pipe, through
# partial files; no temporary file is left; and the processes' peak
# memory stays well under what the group takes in memory (loosely: a
# bound far from both sides, never a timing).
. "$TEST_SRCDIR/lib.sh"

command -v datamash > /dev/null 2>&1 || die "reference tool 'datamash' not found"

# 120000 records: key "big" for nine in ten, k1 to k3 for the rest, and
# a group of one.  Integers (ties), decimals, exponents, negatives; no -0
# (datamash keeps equal values in input order, forkpipe puts -0 first).
awk 'BEGIN {
	srand(15)
	for (i = 1; i <= 120000; i++) {
		r = rand()
		if (r < 0.3) v = int(rand() * 500) - 100
		else if (r < 0.6) v = sprintf("%.3f", rand() * 1000 + 0.5)
		else if (r < 0.7) v = sprintf("%.2fe%d", rand() * 9 + 1, int(rand() * 4) - 1)
		else v = sprintf("%.2f", 300 + (rand() + rand() + rand() - 1.5) * 150)
		k = i % 10 ? "big" : "k" (1 + int(rand() * 3))
		printf "%s\t%s\t%.3f\n", k, v, 0.5 + rand() * 100
	}
	print "one\t7\t7"
}' > "$T/in.tsv"

DM=(count 2 median 2 q1 2 q3 2 iqr 2 perc 2 perc:10 2 perc:100 2 mode 2 antimode 2 mad 2
	madraw 2 trimmean 2 trimmean:0.2 2 trimmean:0.5 2 sskew 2 pskew 2 skurt 2 pkurt 2
	dpo 2 jarque 2 geomean 3 harmmean 3 mean 2)
OPS='count median:2 q1:2 q3:2 iqr:2 perc:2 perc:2:10 perc:2:100 mode:2 antimode:2 mad:2
	madraw:2 trimmean:2 trimmean:2:0.2 trimmean:2:0.5 sskew:2 pskew:2 skurt:2 pkurt:2
	dpo:2 jarque:2 geomean:3 harmmean:3 mean:2'
OPS=$(echo $OPS)
datamash -s -g 1 "${DM[@]}" < "$T/in.tsv" > "$T/ref"
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
# One op alone (a list no other op shares), and the whole input as one group.
datamash -s -g 1 mad 2 < "$T/in.tsv" > "$T/ref1"
expect_out "streamed: mad alone" "$T/ref1" fp "${M[@]}" --tsv -j 2 -b 8K -e 'group -k 1 mad:2' "$T/in.tsv"
datamash median 2 iqr 2 skurt 2 < "$T/in.tsv" > "$T/ref1"
expect_out "streamed: one group" "$T/ref1" fp "${M[@]}" --tsv -j 2 -b 8K -e 'group median:2 iqr:2 skurt:2' "$T/in.tsv"

# Partials with the big group's entries in pieces, merged under the budget.
check_partials_merged "$T/ref" 70001 2 "$OPS" "${M[@]}" -- "$T/in.tsv"

# Peak memory: streamed, the big group's extra over a run counting only
# is the budget's buffers, well under what it takes in memory.
check_streamed_peak "peak memory" 8K "$OPS" "${M[@]}" -- "$T/in.tsv"

finish
