#!/bin/bash
# e2e/group_table.sh - the table each worker keeps across its chunks
# (worker_table.c, sup_table.c) and the fold in batches once a table
# outgrows the cache (agg.c): group against `datamash -s -g` with more
# groups than a batch starts at, composite keys, first and last across
# chunks at -j 1, 2, 4, 7 and -b 1; spills under a small --memory; the
# earliest bad record named when several chunks of a table hold one; a
# worker killed while it holds a table of several chunks (from a stream
# that pauses), whose chunks run again with the same output and figures.
. "$TEST_SRCDIR/lib.sh"

for _tool in datamash jq pgrep; do
	command -v "$_tool" > /dev/null 2>&1 || die "reference tool '$_tool' not found"
done

# gen FILE SEED NLINES NKEYS: key, second key (0-4), integer, word.
gen() {
	awk -v seed="$2" -v n="$3" -v nk="$4" 'BEGIN {
		srand(seed)
		for (i = 1; i <= n; i++)
			printf "k%d\t%d\t%d\tv%d\n", int(rand() * nk), int(rand() * 5),
			    int(rand() * 2001) - 1000, int(rand() * 50)
	}' > "$1"
}

OPS='group -k 1,2 count sum:3 first:4 last:4 min:3 max:3 distinct:4'
ref() {
	datamash -s -g 1,2 count 1 sum 3 first 4 last 4 min 3 max 3 countunique 4 < "$1" > "$2"
}

# Many groups (the batched fold), every job count, automatic and small
# chunks, file and pipe.
gen "$T/big" 7 60000 8000
ref "$T/big" "$T/big.ref"
for j in 1 2 4 7; do
	for b in auto 64K; do
		bopt=()
		[ "$b" != auto ] && bopt=(-b "$b")
		expect_out "many groups -j$j -b$b" "$T/big.ref" fp -j "$j" "${bopt[@]}" -e "$OPS" "$T/big"
		expect_out "many groups, pipe -j$j -b$b" "$T/big.ref" piped "$T/big" -j "$j" "${bopt[@]}" -e "$OPS"
	done
done
expect_out "many groups --tsv" "$T/big.ref" fp -j 2 --tsv -e "$OPS" "$T/big"
# One key only, the whole record, no key: batched too.
cut -f 1,3 "$T/big" > "$T/k1"
datamash -s -g 1 count 1 sum 2 < "$T/k1" > "$T/k1.ref"
expect_out "one key field" "$T/k1.ref" fp -j 2 -e 'group -k 1 count sum:2' "$T/k1"
LC_ALL=C sort "$T/k1" | LC_ALL=C uniq -c > "$T/u.ref"
expect_out "uniq -c, whole records" "$T/u.ref" fp -j 2 -e 'uniq -c' "$T/k1"

# Few groups with many distinct values (batched for the value table),
# blank-separated (split eight bytes at a time), with runs of blanks.
datamash -s -g 2 count 1 countunique 1 countunique 4 < "$T/big" > "$T/d.ref"
awk '{ printf "%s  %s \t%s\t\t%s\n", $1, $2, $3, $4 }' "$T/big" > "$T/blank"
for j in 1 2 7; do
	expect_out "distinct, few groups -j$j" "$T/d.ref" fp -j "$j" -e 'group -k 2 count distinct:1 distinct:4' "$T/big"
	expect_out "distinct, blanks -j$j" "$T/d.ref" fp -j "$j" -e 'group -k 2 count distinct:1 distinct:4' "$T/blank"
done
datamash -W -s -g 1 count 1 countunique 3 first 4 last 2 < "$T/blank" > "$T/b.ref"
expect_out "many groups, blanks" "$T/b.ref" fp -j 2 -e 'group -k 1 count distinct:3 first:4 last:2' "$T/blank"

# First and last across many tiny chunks: one record a chunk.
gen "$T/small" 3 1500 40
ref "$T/small" "$T/small.ref"
for j in 1 2 4 7; do
	expect_out "first, last -j$j -b1" "$T/small.ref" fp -j "$j" -b 1 -e "$OPS" "$T/small"
	expect_out "first, last, pipe -j$j -b1" "$T/small.ref" piped "$T/small" -j "$j" -b 1 -e "$OPS"
done

# Spills: a small budget for a table of many chunks.
for j in 1 2 4; do
	expect_out "spilled -j$j --memory 2M" "$T/big.ref" fp -j "$j" -b 64K --memory 2M -e "$OPS" "$T/big"
done

# The earliest bad record, wherever the tables are: two bad values, in
# different chunks of a worker's table.
awk 'NR == 31000 || NR == 52000 { $3 = "x" NR } { print }' OFS='\t' "$T/big" > "$T/bad"
o=$(head -n 30999 "$T/bad" | wc -c)
for j in 1 2 4 7; do
	expect_exit 65 "^forkpipe: $T/bad: group: sum:3: invalid numeric value in record 31000 at byte offset $o, field 3: 'x31000'$" \
		fp -j "$j" -b 64K -e "$OPS" "$T/bad"
	expect_exit 65 "record 31000 at byte offset $o, field 3: 'x31000'$" fp -j "$j" -b 64K -e "$OPS" "$T/bad" -o "$T/bad.out"
	[ -e "$T/bad.out" ] && fail "-j$j: an output file was left" || pass
done
EE_STDIN=$T/bad expect_exit 65 "^forkpipe: stdin: group: sum:3: invalid numeric value in record 31000 at byte offset $o, field 3: 'x31000'$" fp -j 2 -b 64K -e "$OPS" -

# A worker killed while it holds a table of several chunks: a stream
# sends six chunks (fewer than the window, so no table is asked for),
# pauses, a worker is killed, then the rest comes.  Its chunks run again:
# the same output, no warning (it was working on none), the records
# counted once.
# Keys that repeat across chunks, so that tables are kept (a table whose
# chunks make mostly new groups is sent at once).
gen "$T/rep" 5 60000 40
ref "$T/rep" "$T/rep.ref"
split -b 400000 "$T/rep" "$T/part."
R=$T/report.json
{
	cat "$T/part.aa"
	sleep 1.5
	pkill -9 -P "$(cat "$T/pid")" -x forkpipe-worker -n
	sleep 0.5
	cat "$T/part.ab" "$T/part.ac" 2> /dev/null
} | { echo $BASHPID > "$T/pid"; exec "$FORKPIPE" -j 2 -b 64K --stats-json "$R" -e "$OPS" -; } \
	> "$T/killed" 2> "$T/killed.err"
rc=$?
check_rc "killed worker: exit" 0 "$rc" "$T/killed.err"
check_same "killed worker: output" "$T/rep.ref" "$T/killed"
check_empty "killed worker: stderr" "$T/killed.err"
[ "$(jq -r '[.input_records, (.retries > 0), ([.workers[].chunks] | add) == .chunks] | @tsv' "$R")" = \
	"$(printf '60000\ttrue\ttrue')" ] && pass ||
	fail "killed worker: figures $(jq -c '[.input_records, .retries, .chunks, [.workers[].chunks]]' "$R")"

finish
