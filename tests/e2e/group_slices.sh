#!/bin/bash
# e2e/group_slices.sh - spilled runs of ops with fixed-size states merged
# slice by slice of keys in a hash table (reduce/agg_slicefinish.c):
# group, uniq and top under a --memory small enough for many runs and
# slices of a few entries, at -j 1, 2, 4, from a file and a pipe, with
# tiny chunks, against datamash and sort | uniq -c; keys longer than 8
# bytes that share their first 8 (the comparisons past the prefix),
# entries of 128 bytes and more, the order-dependent ops (first, last, --full), a key in every run, partial
# files merged (runs from them, and the stages after), and the first
# error in a spilled group, at any -j.
. "$TEST_SRCDIR/lib.sh"

command -v datamash > /dev/null 2>&1 || die "reference tool 'datamash' not found"

# Keys of 1 to 14 bytes, many sharing 'prefix__' and differing after it;
# one key on every line of ten (in every run); integers and decimals.
awk 'BEGIN {
	srand(7)
	for (i = 1; i <= 40000; i++) {
		r = int(rand() * 6000)
		if (i % 10 == 0)
			k = "every"
		else if (r % 3 == 0)
			k = "prefix__" r
		else if (r % 3 == 1)
			k = "k" r
		else
			k = substr("zyxwvutsrqponm", 1, 1 + r % 14) r % 7
		printf "%s\t%d\t%d.%d\n", k, int(rand() * 2000) - 1000, int(rand() * 100), int(rand() * 10)
	}
}' > "$T/in"
datamash -s -g 1 count 1 sum 2 min 3 max 3 mean 2 first 2 last 3 range 2 < "$T/in" > "$T/g.ref"
cut -f 1 "$T/in" | LC_ALL=C sort | LC_ALL=C uniq -c > "$T/u.ref"

mkdir "$T/tmp"
M=(--memory 256K --tmpdir "$T/tmp")
OPS='group -k 1 count sum:2 min:3 max:3 mean:2 first:2 last:3 range:2'
for j in 1 2 4; do
	for m in 256K 1M; do
		expect_out "group -j$j --memory $m" "$T/g.ref" fp -j "$j" -b 16K --memory "$m" --tmpdir "$T/tmp" -e "$OPS" "$T/in"
		expect_out "uniq -c -j$j --memory $m" "$T/u.ref" fp -j "$j" -b 16K --memory "$m" --tmpdir "$T/tmp" --tsv -e 'uniq -c -k 1' "$T/in"
	done
	expect_out "group, tiny chunks -j$j" "$T/g.ref" fp -j "$j" -b 1 "${M[@]}" -e "$OPS" "$T/in"
	expect_out "group, pipe -j$j" "$T/g.ref" piped "$T/in" -j "$j" -b 16K "${M[@]}" -e "$OPS"
done

# Entries of 128 bytes and more (a varint of two bytes for their length):
# keys of 100 to 300 bytes, and first and last values as long.
awk 'BEGIN {
	srand(11)
	pad = sprintf("%300s", ""); gsub(/ /, "p", pad)
	for (i = 1; i <= 6000; i++) {
		r = int(rand() * 900)
		printf "%s%d\t%d\t%s%d\n", substr(pad, 1, 100 + r % 200), r, int(rand() * 1000), substr(pad, 1, r % 250), i
	}
}' > "$T/long"
datamash -s -g 1 count 1 sum 2 first 3 last 3 < "$T/long" > "$T/l.ref"
for j in 1 2 4; do
	expect_out "long entries -j$j" "$T/l.ref" fp -j "$j" -b 16K "${M[@]}" -e 'group -k 1 count sum:2 first:3 last:3' "$T/long"
done

# --full: the record of the group's last max, as datamash picks it.
datamash -s --full -g 1 max 2 < "$T/in" > "$T/f.ref"
expect_out "group --full" "$T/f.ref" fp -j 4 -b 16K "${M[@]}" -e 'group --full -k 1 max:2' "$T/in"

# top: the best keys by count, among groups merged in slices.
fp -j 1 -e 'top -k 1 5' "$T/in" > "$T/t.ref"
expect_out "top by count" "$T/t.ref" \
	fp -j 4 -b 16K "${M[@]}" -e 'top -k 1 5' "$T/in"
[ "$(fp -j 1 -e 'top -k 1 1' "$T/in" | cut -f 2)" = every ] || fail "top: 'every' is not first"

# Partials made under the budget, merged: their runs are merged in slices.
check_partials_merged "$T/g.ref" 20001 4 "count sum:2 min:3 max:3 mean:2 first:2 last:3 range:2" \
	"${M[@]}" -- "$T/in"
head -n 3 "$T/g.ref" > "$T/h.ref"
fp "${M[@]}" --tsv --partial -j 4 -b 16K -e "$OPS" "$T/in" > "$T/all.part"
expect_out "merged partial then head" "$T/h.ref" fp merge "${M[@]}" --tsv -e "$OPS" -e 'head 3' "$T/all.part"

# The first bad number, late in the input, is the error whatever -j and
# however the groups spilled; no -o file is left.
{ head -n 30000 "$T/in"; printf 'every\tx1\t1.0\n'; tail -n +30001 "$T/in"; printf 'k1\tx2\t1\n'; } > "$T/bad"
OB=$(head -n 30000 "$T/in" | wc -c)
for j in 1 2 4; do
	expect_exit 65 "^forkpipe: $T/bad: group: sum:2: invalid numeric value in record 30001 at byte offset $OB, field 2: 'x1'\$" \
		fp -j "$j" -b 16K "${M[@]}" -o "$T/o.tsv" -e "$OPS" "$T/bad"
	[ -e "$T/o.tsv" ] && fail "bad number -j$j: -o file left"
done

check_dir_listing "no temporary file left" "$T/tmp"
finish
