#!/bin/bash
# e2e/agg_errpos.sh - where the grouping reducers' data errors are: a
# value of a numeric op that is not a number, or a field a record lacks,
# is exit 65 with "forkpipe: FILE: STAGE: OP: ... in record R at byte
# offset N, field F: 'V'" (R counted within FILE, N the record's offset
# in it, in the decompressed stream of a compressed file); stdin is
# "stdin"; after a map stage that rewrote the records the offset is not
# known and the message gives the record alone.  The earliest bad record
# in input order wins at any -j, chunk size and memory budget; no -o file
# is left.
. "$TEST_SRCDIR/lib.sh"

for _tool in gzip bgzip zstd; do
	command -v "$_tool" > /dev/null 2>&1 || die "'$_tool' not found"
done

# The byte offset of line $1 of file $2.
line_off() { head -n $(($1 - 1)) "$2" | wc -c; }
# The regex of file $1's name.
re_name() { printf '%s' "${1//./\\.}"; }

awk 'BEGIN { for (i = 1; i <= 3000; i++) printf "k%d\t%d\tw%d\n", i % 37, i, i % 5 }' > "$T/good.tsv"
awk '{ print } NR == 1999 { print "k1\t2x\tw1" } NR == 2500 { print "k2\tlate\tw2" }' "$T/good.tsv" > "$T/bad.tsv"
awk '{ print } NR == 700 { print "k9" }' "$T/good.tsv" > "$T/short.tsv"
OB=$(line_off 2000 "$T/bad.tsv")
OS=$(line_off 701 "$T/short.tsv")
NUM="invalid numeric value in record 2000 at byte offset $OB, field 2: '2x'"

# One file, at any -j and chunk size; no -o file left.
for jb in "1 1M" "2 1K" "4 1K" "2 1" "4 1"; do
	set -- $jb
	rm -f "$T/out"
	expect_exit 65 "^forkpipe: $(re_name "$T/bad.tsv"): group: sum:2: $NUM\$" -- \
		fp --tsv -j "$1" -b "$2" -o "$T/out" -e 'group -k 1 count sum:2' "$T/bad.tsv"
	[ -e "$T/out" ] && fail "-j$1 -b$2: an -o file was left" || pass
	expect_exit 65 "^forkpipe: $(re_name "$T/short.tsv"): group: mean:2: record 701 at byte offset $OS has 1 field, no field 2\$" -- \
		fp --tsv -j "$1" -b "$2" -e 'group -k 1 mean:2' "$T/short.tsv"
done

# Standard input.
for j in 1 2 4; do
	EE_STDIN=$T/bad.tsv expect_exit 65 "^forkpipe: stdin: group: sum:2: $NUM\$" -- \
		fp --tsv -j "$j" -b 1K -e 'group -k 1 sum:2'
	EE_STDIN=$T/short.tsv expect_exit 65 "^forkpipe: stdin: top: sum:2: record 701 at byte offset $OS has 1 field, no field 2\$" -- \
		fp --tsv -j "$j" -b 1K -e 'top 3 -k 1 sum:2' -
done

# Two inputs, the bad record in the second: it is named, with its own
# record number and offset; a bad record in the first comes first.
awk 'NR == 2900 { $2 = "first" } { print }' OFS='\t' "$T/good.tsv" > "$T/bad1.tsv"
for jb in "1 1M" "2 1K" "4 1K" "4 1"; do
	set -- $jb
	expect_exit 65 "^forkpipe: $(re_name "$T/bad.tsv"): group: sum:2: $NUM\$" -- \
		fp --tsv -j "$1" -b "$2" -e 'group -k 1 sum:2' "$T/good.tsv" "$T/bad.tsv"
	expect_exit 65 "^forkpipe: $(re_name "$T/short.tsv"): rmdup: key: record 701 at byte offset $OS has 1 field, no field 3\$" -- \
		fp --tsv -j "$1" -b "$2" -e 'rmdup 3' "$T/good.tsv" "$T/short.tsv"
	expect_exit 65 "^forkpipe: $(re_name "$T/bad1.tsv"): group: sum:2: invalid numeric value in record 2900 at byte offset $(line_off 2900 "$T/bad1.tsv"), field 2: 'first'\$" -- \
		fp --tsv -j "$1" -b "$2" -e 'group -k 1 sum:2' "$T/bad1.tsv" "$T/bad.tsv"
	EE_STDIN=$T/bad.tsv expect_exit 65 "^forkpipe: stdin: group: sum:2: $NUM\$" -- \
		fp --tsv -j "$1" -b "$2" -e 'group -k 1 sum:2' "$T/good.tsv" -
done

# Tables kept across chunks and spilled under a small budget.
for j in 1 2 4; do
	expect_exit 65 "^forkpipe: $(re_name "$T/bad.tsv"): group: sum:2: $NUM\$" -- \
		fp --tsv -j "$j" -b 4K --memory 64K -e 'group -k 2 distinct:3 sum:2' "$T/good.tsv" "$T/bad.tsv"
done

# Compressed input (gzip, BGZF read in ranges, zstd): the offset is in
# the decompressed stream.
gzip -c "$T/bad.tsv" > "$T/bad.tsv.gz"
bgzip -c "$T/bad.tsv" > "$T/bgzf.tsv.gz"
zstd -q -c "$T/bad.tsv" > "$T/bad.tsv.zst"
for j in 1 2 4; do
	for f in bad.tsv.gz bgzf.tsv.gz bad.tsv.zst; do
		expect_exit 65 "^forkpipe: $(re_name "$T/$f"): group: sum:2: $NUM\$" -- \
			fp --tsv -j "$j" -b 1K -e 'group -k 1 sum:2' "$T/good.tsv" "$T/$f"
	done
done

# A map stage before the reducer: the offset is not known; the record is
# the one of its file that reached the reducer (grep dropped w0 ones).
R=$(head -n 2000 "$T/bad.tsv" | grep -vc 'w0$')
for j in 1 2 4; do
	expect_exit 65 "^forkpipe: $(re_name "$T/bad.tsv"): group: sum:2: invalid numeric value in record $R, field 2: '2x'\$" -- \
		fp --tsv -j "$j" -b 1K -e 'grep -v "w0$"' -e 'group -k 1 sum:2' "$T/good.tsv" "$T/bad.tsv"
done
# exec's output too: its block carries no offset, the worker names the file.
expect_exit 65 "^forkpipe: $(re_name "$T/bad.tsv"): group: sum:2: invalid numeric value in record 2000, field 2: '2x'\$" -- \
	fp --tsv -j 2 -b 1K -e 'exec cat' -e 'group -k 1 sum:2' "$T/bad.tsv"

# CSV with a header: records count after it, the offset is the file's.
{ printf 'k,v\n'; printf 'a,1\n"b,c",zz\n'; } > "$T/h.csv"
expect_exit 65 "^forkpipe: $(re_name "$T/h.csv"): group: sum:v: invalid numeric value in record 2 at byte offset 8, field 2: 'zz'\$" -- \
	fp --csv -H -j 2 -b 1 -e 'group -k k sum:v' "$T/h.csv"
check_empty "errors: nothing on stdout" "$EE_OUT"

finish
