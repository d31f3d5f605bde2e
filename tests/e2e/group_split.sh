#!/bin/bash
# e2e/group_split.sh - the finish of a partial held as runs, split by key
# range over helper processes (reduce/agg_rangefinish.c): group and uniq with
# many keys at -j 1, 2, 4, 7 under a --memory small enough that the
# workers' tables reach the merger as runs (which is when the finish is
# split), against datamash and sort | uniq -c: the output is the serial
# finish's, byte for byte, whatever the number of processes, also into
# the stages after the reducer; a header line still due keeps the finish
# serial; a helper killed from outside costs only time.
. "$TEST_SRCDIR/lib.sh"

command -v datamash > /dev/null 2>&1 || die "reference tool 'datamash' not found"

# Keys with NUL-free bytes of every kind, two key fields, numbers.
awk 'BEGIN {
	srand(11)
	for (i = 1; i <= 60000; i++)
		printf "u%d\t%s\t%d\t%d.%d\n", int(rand() * 20000), (rand() < 0.5 ? "a" : "b~"),
		    int(rand() * 1000) - 500, int(rand() * 100), int(rand() * 10)
}' > "$T/in"
datamash -s -g 1,2 count 1 sum 3 min 4 max 4 first 3 last 3 countunique 3 < "$T/in" > "$T/g.ref"
cut -f 1,2 "$T/in" | LC_ALL=C sort | LC_ALL=C uniq -c > "$T/u.ref"

OPS='group -k 1,2 count sum:3 min:4 max:4 first:3 last:3 distinct:3'
for j in 1 2 4 7; do
	for m in 2M 8M 0; do
		mopt=()
		[ "$m" != 0 ] && mopt=(--memory "$m")
		expect_out "group -j$j --memory $m" "$T/g.ref" fp -j "$j" "${mopt[@]}" -e "$OPS" "$T/in"
		expect_out "uniq -c -j$j --memory $m" "$T/u.ref" fp -j "$j" "${mopt[@]}" --tsv -e 'uniq -c -k 1,2' "$T/in"
	done
	expect_out "group, tiny chunks -j$j" "$T/g.ref" fp -j "$j" -b 1 --memory 2M -e "$OPS" "$T/in"
	expect_out "group, pipe -j$j" "$T/g.ref" piped "$T/in" -j "$j" --memory 2M -e "$OPS"
done

# Whole records, and stages after the reducer get the groups in order.
LC_ALL=C sort -u "$T/in" > "$T/w.ref"
expect_out "uniq, whole records" "$T/w.ref" fp -j 4 --memory 2M -e uniq "$T/in"
head -n 5 "$T/g.ref" > "$T/h.ref"
expect_out "group then head" "$T/h.ref" fp -j 4 --memory 2M -e "$OPS" -e 'head 5' "$T/in"
LC_ALL=C sort -t "$(printf '\t')" -k 3,3n -k 1,1 -k 2,2 "$T/g.ref" > "$T/s.ref"
expect_out "group then sort" "$T/s.ref" fp -j 4 --memory 2M -e "$OPS" -e 'sort -t "	" -k 3,3n -k 1,1 -k 2,2' "$T/in"

# A header line still due is printed before the first group, by one process.
fp -j 1 -e 'group --header-out -k 1,2 count' "$T/in" > "$T/hd.ref"
[ "$(head -c 10 "$T/hd.ref")" = "GroupBy(fi" ] || fail "header out: -j1 prints no header"
cmp -s <(tail -n +2 "$T/hd.ref") <(datamash -s -g 1,2 count 1 < "$T/in") || fail "header out: -j1 differs from datamash"
expect_out "header out" "$T/hd.ref" fp -j 4 --memory 2M -e 'group --header-out -k 1,2 count' "$T/in"

# With an input header the header line is printed before the finish: the
# merger's own output, ahead of every range.
{ printf 'a\tb\tc\td\n'; cat "$T/in"; } > "$T/hin"
fp -j 1 --tsv -H -e 'group --header-out -k a,b count sum:c' "$T/hin" > "$T/hh.ref"
[ "$(head -n 1 "$T/hh.ref")" = "$(printf 'GroupBy(a)\tGroupBy(b)\tcount\tsum(c)')" ] ||
	fail "input header: -j1 prints $(head -n 1 "$T/hh.ref")"
expect_out "input header, header out" "$T/hh.ref" fp -j 4 --memory 2M --tsv -H -e 'group --header-out -k a,b count sum:c' "$T/hin"

# Helpers killed as soon as they are seen: the merger prints their ranges
# itself (whether or not a kill lands in time, the output is the same).
awk 'BEGIN { for (r = 0; r < 6; r++) { srand(r); for (i = 1; i <= 60000; i++)
	printf "u%d\t%s\t%d\t%d.%d\n", int(rand() * 200000), "a", i % 1000, i % 100, i % 10 } }' > "$T/in6"
datamash -s -g 1,2 count 1 sum 3 min 4 max 4 first 3 last 3 countunique 3 < "$T/in6" > "$T/k.ref"
FP_RUN=split$$ fp -j 4 --memory 4M -e "$OPS" "$T/in6" > "$T/k.out" 2> "$T/k.err" &
runpid=$!
while kill -0 "$runpid" 2> /dev/null; do
	for p in $(run_left "split$$" forkpipe-finish 2> /dev/null); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = forkpipe-finish ] && kill -9 "$p" 2> /dev/null
	done
done
wait "$runpid"
check_rc "killed helpers: exit code" 0 $?
check_same "killed helpers: output" "$T/k.ref" "$T/k.out"

finish
