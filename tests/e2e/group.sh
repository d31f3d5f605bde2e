#!/bin/bash
# e2e/group.sh - the grouping reducers against reference tools: group
# against `datamash -s -g` (count sum min max mean sstdev countunique
# first last), uniq against `LC_ALL=C sort | uniq -c` and `sort -u`, top
# against awk; on generated data with few and many keys, negative and
# decimal numbers, empty fields, as TSV, blank-separated and CSV input
# (header names with -H), at several job counts and chunk sizes, from
# files and pipes; spilling to temporary files under a tiny --memory,
# checked byte for byte; the stages after a reducer; YAML; errors.
. "$TEST_SRCDIR/lib.sh"

for _tool in datamash cut paste; do
	command -v "$_tool" > /dev/null 2>&1 || die "reference tool '$_tool' not found"
done

# across NAME EXPECTED FILE ARGS...: the same output at -j 1, 2, 4 and 7,
# with 1K, 64K and automatic chunks, from the file and from a pipe (a
# rotating subset of the 24 combinations, and every job count and chunk
# size for both).
across() {
	local name=$1 exp=$2 f=$3 j b i=0
	shift 3
	for j in 1 2 4 7; do
		for b in 1K 64K auto; do
			local bopt=()
			[ "$b" != auto ] && bopt=(-b "$b")
			if [ $((i % 2)) = 0 ]; then
				expect_out "$name -j$j -b$b" "$exp" fp -j "$j" "${bopt[@]}" "$@" "$f"
			else
				expect_out "$name, pipe -j$j -b$b" "$exp" piped "$f" -j "$j" "${bopt[@]}" "$@"
			fi
			i=$((i + 1))
		done
	done
}

# gen_tsv FILE SEED NLINES NKEYS: key, number, word, second key; numbers
# are integers, negative and positive decimals with 1 to 3 places, and
# -0; words may be empty; keys have spaces and high bytes.  Sums and
# means stay below 15 significant digits: datamash adds in long double,
# one value after the other, and where the exact result is a tie at the
# 15th digit, its rounding error picks the side %.14Lg rounds to, while
# forkpipe's exact sum is the same at any -j (and so may differ).
gen_tsv() {
	awk -v seed="$2" -v n="$3" -v nk="$4" 'BEGIN {
		srand(seed)
		nw = split("alpha beta gamma delta x y z 42 3.5 -1", W, " ")
		W[++nw] = ""; W[++nw] = "two words"; W[++nw] = "caf\351"
		for (i = 1; i <= n; i++) {
			k = "k" int(rand() * nk)
			if (rand() < 0.02) k = k " sp"
			if (rand() < 0.01) k = k "\351"
			r = rand()
			if (r < 0.35) v = int(rand() * 2001) - 1000
			else if (r < 0.6) v = sprintf("%.2f", rand() * 200 - 100)
			else if (r < 0.75) v = sprintf("%.3f", rand() * 10)
			else if (r < 0.85) v = sprintf("%.1f", -rand() * 100000)
			else if (r < 0.95) v = int(rand() * 1000000)
			else if (r < 0.97) v = "-0"
			else v = "0.5"
			printf "%s\t%s\t%s\tg%d\n", k, v, W[1 + int(rand() * nw)], int(rand() * 3)
		}
	}' > "$1"
}

# tsv2csv < TSV: the same fields as CSV, quoted where they need it.
tsv2csv() {
	awk -F '\t' -v OFS=, '{
		$1 = $1
		for (i = 1; i <= NF; i++)
			if ($i ~ /[",]/) { gsub(/"/, "\"\"", $i); $i = "\"" $i "\"" }
		print
	}'
}

DM_OPS=(count 2 sum 2 min 2 max 2 mean 2 sstdev 2 countunique 3 first 3 last 2)
FP_OPS='count sum:2 min:2 max:2 mean:2 stdev:2 distinct:3 first:3 last:2'

# ---- group against datamash: TSV, few and many keys --------------------------
gen_tsv "$T/few.tsv" 11 6000 6
gen_tsv "$T/many.tsv" 12 12000 2500
for d in few many; do
	datamash -s -g 1 "${DM_OPS[@]}" < "$T/$d.tsv" > "$T/ref.$d" || die "datamash failed on $d.tsv"
	[ -s "$T/ref.$d" ] || die "datamash printed nothing for $d.tsv"
	across "group TSV $d keys" "$T/ref.$d" "$T/$d.tsv" --tsv -e "group -k 1 $FP_OPS"
done

# Two key fields, in either order; the numbers again and first/last
# of other fields.
datamash -s -g 4,1 count 2 sum 2 first 2 last 3 countunique 2 < "$T/many.tsv" > "$T/ref" ||
	die "datamash -g 4,1 failed"
across "group -k 4,1" "$T/ref" "$T/many.tsv" --tsv -e 'group -k 4,1 count sum:2 first:2 last:3 distinct:2'
datamash -s -g 1,4 max 2 min 2 < "$T/few.tsv" > "$T/ref" || die "datamash -g 1,4 failed"
expect_out "group -k 1,4" "$T/ref" fp --tsv -j 3 -b 1K -e 'group -k 1,4 max:2 min:2' "$T/few.tsv"
expect_out "group -k 1-1,4 (a closed range)" "$T/ref" fp --tsv -j 2 -e 'group -k 1-1,4 max:2 min:2' "$T/few.tsv"
# datamash's op names are accepted.
datamash -s -g 4 sstdev 2 countunique 1 < "$T/few.tsv" > "$T/ref"
expect_out "group sstdev and countunique" "$T/ref" fp --tsv -j 2 -b 1K -e 'group -k 4 sstdev:2 countunique:1' "$T/few.tsv"
# No -k: one group; datamash without -g.
datamash count 2 sum 2 mean 2 countunique 1 first 1 last 1 < "$T/many.tsv" > "$T/ref"
across "group without -k" "$T/ref" "$T/many.tsv" --tsv -e 'group count sum:2 mean:2 distinct:1 first:1 last:1'

# ---- group on blank-separated input (datamash -W) ---------------------------
# Runs of blanks separate fields; the output columns are joined by tabs.
awk -F '\t' 'BEGIN { srand(4) } $3 != "" && $1 !~ / / {
	sep = rand() < 0.2 ? "\t " : (rand() < 0.3 ? "   " : " ")
	printf "%s%s%s %s %s%s\n", (rand() < 0.1 ? "  " : ""), $1, sep, $2, $3, (rand() < 0.1 ? " " : "")
}' "$T/many.tsv" > "$T/many.txt"
[ "$(wc -l < "$T/many.txt")" -gt 5000 ] || die "blank-separated data too small"
# (datamash -W -s sorts lines with leading blanks apart from the others
# and then splits their groups: the reference sorts by the first field
# itself, stably, so first and last stay in input order.)
sort -s -b -k 1,1 "$T/many.txt" |
	datamash -W -g 1 count 1 sum 2 min 2 max 2 mean 2 sstdev 2 countunique 3 first 3 last 2 > "$T/ref" ||
	die "datamash -W failed"
across "group blanks" "$T/ref" "$T/many.txt" -e "group -k 1 $FP_OPS"

# ---- group on CSV with header names ----------------------------------------
# Keys and words with commas and quotes; the expected output is
# datamash's on the TSV, turned into CSV the same way.
awk -F '\t' -v OFS='\t' 'BEGIN { srand(8) } {
	if (rand() < 0.2) $1 = $1 ",c"
	if (rand() < 0.1) $3 = "say \"" $3 "\""
	print
}' "$T/few.tsv" > "$T/q.tsv"
{ printf 'host,val,word,grp\n'; tsv2csv < "$T/q.tsv"; } > "$T/q.csv"
datamash -s -g 1 count 2 sum 2 mean 2 first 3 last 3 countunique 3 < "$T/q.tsv" | tsv2csv > "$T/ref"
across "group --csv -H by names" "$T/ref" "$T/q.csv" --csv -H -e 'group -k host count sum:val mean:val first:word last:word distinct:word'
expect_out "group --csv -H by numbers" "$T/ref" fp --csv -H -j 2 -b 1K -e 'group -k 1 count sum:2 mean:2 first:3 last:3 distinct:3' "$T/q.csv"
# TSV with a header: datamash --header-in.
{ printf 'host\tval\tword\tgrp\n'; cat "$T/many.tsv"; } > "$T/h.tsv"
datamash --header-in -s -g 4,1 count 2 sum 2 < "$T/h.tsv" > "$T/ref"
expect_out "group --tsv -H -k grp,host" "$T/ref" fp --tsv -H -j 4 -b 1K -e 'group -k grp,host count sum:val' "$T/h.tsv"
# Another delimiter.
tr '\t' ';' < "$T/few.tsv" > "$T/few.semi"
datamash -t ';' -s -g 1 sum 2 count 2 < "$T/few.semi" > "$T/ref"
expect_out "group -d ';'" "$T/ref" fp -d ';' -j 2 -b 1K -e 'group -k 1 sum:2 count' "$T/few.semi"

# ---- number formats --------------------------------------------------------
# What strtold reads is a number, as in datamash: exponents, hex,
# inf, nan, a sign, a point at either end, leading blanks in TSV.
printf 'a\t1e3\na\t-2.5E-2\nb\t0x10\nb\t+7\nc\tinf\nc\t5\nd\tnan\nd\t1\ne\t.5\ne\t5.\nf\t 7\nf\t-0\ng\t0\ng\t-0\nh\t123456789012345678\nh\t0.000001\ni\t1e400\ni\t-1e400\n' > "$T/nums.tsv"
datamash -s -g 1 count 2 sum 2 min 2 max 2 mean 2 sstdev 2 first 2 last 2 < "$T/nums.tsv" > "$T/ref"
expect_out "number formats" "$T/ref" fp --tsv -e 'group -k 1 count sum:2 min:2 max:2 mean:2 stdev:2 first:2 last:2' "$T/nums.tsv"
expect_out "number formats, one record a chunk" "$T/ref" fp --tsv -j 3 -b 1 -e 'group -k 1 count sum:2 min:2 max:2 mean:2 stdev:2 first:2 last:2' "$T/nums.tsv"
# Sums of plain decimals are exact: the same at any -j and chunk size.
awk 'BEGIN { srand(21); for (i = 0; i < 40000; i++) printf "k%d\t%.2f\n", i % 3, rand() * 1000 }' > "$T/dec.tsv"
fp --tsv -j 1 -e 'group -k 1 sum:2 mean:2 stdev:2' "$T/dec.tsv" > "$T/ref"
datamash -s -g 1 sum 2 mean 2 sstdev 2 < "$T/dec.tsv" > "$T/ref.dm"
check_same "exact decimal sums: datamash" "$T/ref.dm" "$T/ref"
for jb in "2 1K" "7 1K" "4 10K" "3 64"; do
	set -- $jb
	expect_out "exact decimal sums -j$1 -b$2" "$T/ref" fp --tsv -j "$1" -b "$2" -e 'group -k 1 sum:2 mean:2 stdev:2' "$T/dec.tsv"
done

# ---- uniq against sort | uniq -c and sort -u -----------------------------------
gen_mixed "$T/mixed"
gen_words "$T/words" 31 4000
for f in mixed words; do
	sort "$T/$f" | uniq -c > "$T/ref.c"
	sort -u "$T/$f" > "$T/ref.u"
	across "uniq -c $f" "$T/ref.c" "$T/$f" -e 'uniq -c'
	expect_out "uniq $f" "$T/ref.u" fp -j 3 -b 1K -e uniq "$T/$f"
	expect_out "uniq $f, pipe" "$T/ref.u" piped "$T/$f" -j 2 -b 64K -e uniq
done
# A last line without a newline is a line.
gen_nofinal "$T/words" "$T/words.nofinal"
sort "$T/words.nofinal" | uniq -c > "$T/ref"
expect_out "uniq -c, no final newline" "$T/ref" fp -j 2 -b 1K -e 'uniq -c' "$T/words.nofinal"
# NUL-terminated records.
gen_nul "$T/nul"
sort -z "$T/nul" | uniq -z -c > "$T/ref"
expect_out "uniq -z -c" "$T/ref" fp -z -j 2 -b 1K -e 'uniq -c' "$T/nul"
# Counts wider than 7 columns.
yes x | head -n 10000001 > "$T/tenmillion"
printf '10000001 x\n' > "$T/ref"
expect_out "uniq -c, an 8-digit count" "$T/ref" fp -j 2 -e 'uniq -c' "$T/tenmillion"
rm -f "$T/tenmillion"
# Keys: as cut and awk would print them.
awk -F '\t' -v OFS='\t' '{ print $1, $4 }' "$T/many.tsv" | sort | uniq -c > "$T/ref"
across "uniq -c -k 1,4" "$T/ref" "$T/many.tsv" --tsv -e 'uniq -c -k 1,4'
awk '{ print $3 }' "$T/words" | sort | uniq -c > "$T/ref"
expect_out "uniq -c -k 3 (blanks; missing fields are empty)" "$T/ref" fp -j 4 -b 1K -e 'uniq -c -k 3' "$T/words"
awk 'NF >= 3 { print $3, $1 }' "$T/words" | sort -u > "$T/ref"
awk 'NF >= 3' "$T/words" > "$T/words3"
expect_out "uniq -k 3,1 (blanks: joined by a space)" "$T/ref" fp -j 2 -b 1K -e 'uniq -k 3,1' "$T/words3"
cut -f 4 "$T/q.tsv" | sort | uniq -c > "$T/ref"
expect_out "uniq -c -k grp (CSV, -H)" "$T/ref" fp --csv -H -j 2 -b 1K -e 'uniq -c -k grp' "$T/q.csv"
# Whole CSV records are compared as read, quotes and all.
printf '"a,b",1\n"a,b",1\nx,"multi\nline"\nx,"multi\nline"\nz,1\n' > "$T/ml.csv"
printf '      2 "a,b",1\n      2 x,"multi\nline"\n      1 z,1\n' > "$T/ref"
expect_out "uniq -c, CSV records with newlines" "$T/ref" fp --csv -j 2 -b 1 -e 'uniq -c' "$T/ml.csv"

# ---- top against awk -------------------------------------------------------
# ref_top N FIELD [SUMFIELD] < TSV: the N keys with the highest count (or
# sum), ties by key bytes; count (sum) TAB key.
ref_top() {
	awk -F '\t' -v f="$2" -v s="${3:-0}" '{ c[$f] += s ? $s : 1 } END { for (k in c) printf "%.14g\t%s\n", c[k], k }' |
		sort -t "$(printf '\t')" -k 1,1gr -k 2,2 | head -n "$1"
}
ref_top 10 1 < "$T/many.tsv" > "$T/ref"
across "top 10 -k 1" "$T/ref" "$T/many.tsv" --tsv -e 'top 10 -k 1'
ref_top 3 4 < "$T/few.tsv" > "$T/ref"
expect_out "top 3 -k 4" "$T/ref" fp --tsv -j 2 -b 1K -e 'top 3 -k 4 count' "$T/few.tsv"
ref_top 100000 1 < "$T/few.tsv" > "$T/ref"
expect_out "top N larger than the number of keys" "$T/ref" fp --tsv -j 4 -b 1K -e 'top 100000 -k 1' "$T/few.tsv"
# Sums of integers (awk's doubles are exact there).
awk -F '\t' -v OFS='\t' 'BEGIN { srand(9) } { $2 = int(rand() * 2000) - 900; print }' "$T/many.tsv" > "$T/ints.tsv"
ref_top 25 1 2 < "$T/ints.tsv" > "$T/ref"
across "top 25 -k 1 sum:2" "$T/ref" "$T/ints.tsv" --tsv -e 'top 25 -k 1 sum:2'
{ printf 'host\tval\tword\tgrp\n'; cat "$T/ints.tsv"; } > "$T/hints.tsv"
expect_out "top by header names" "$T/ref" fp --tsv -H -j 2 -b 1K -e 'top 25 -k host sum:val' "$T/hints.tsv"
# Whole records, blank-separated: count, a tab, the record.
sort "$T/words" | uniq -c | awk '{ n = $1; sub(/^ *[0-9]+ /, ""); printf "%d\t%s\n", n, $0 }' |
	sort -t "$(printf '\t')" -k 1,1nr -k 2 | head -n 7 > "$T/ref"
expect_out "top 7 whole records" "$T/ref" fp -j 2 -b 1K -e 'top 7' "$T/words"
expect_out "top 0" /dev/null fp -j 2 -e 'top 0' "$T/words"
# Ties: by key bytes.
printf 'b\na\nc\nb\na\nc\nd\n' > "$T/ties"
printf '2\ta\n2\tb\n' > "$T/ref"
expect_out "top: ties by key bytes" "$T/ref" fp -j 2 -b 1 -e 'top 2' "$T/ties"
# An empty key ranks among the others (found by fuzz/partial.c: its null
# pointer went to memcmp, which UBSan reports).
printf 'k1\t5\tw1\nk1\t7\t\nk2\t1\tw2\n' > "$T/empty-key.tsv"
ref_top 7 3 < "$T/empty-key.tsv" > "$T/ref"
expect_out "top: an empty key" "$T/ref" fp --tsv -j 2 -b 1 -e 'top 7 -k 3' "$T/empty-key.tsv"

# ---- spilling: a tiny memory budget, byte for byte ---------------------------------
# With --memory 64K every process holds a few KiB of groups: tables spill
# sorted runs to temporary files, finish merges them in key order.
# TMPDIR is a directory of the test's own: nothing may be left in it.
mkdir "$T/tmp"
gen_tsv "$T/big.tsv" 13 60000 20000
datamash -s -g 1 count 2 sum 2 min 2 max 2 mean 2 sstdev 2 countunique 3 first 3 last 2 < "$T/big.tsv" > "$T/ref.big"
for jb in "1 64K" "2 1K" "2 64K" "4 auto" "7 16K"; do
	set -- $jb
	bopt=()
	[ "$2" != auto ] && bopt=(-b "$2")
	expect_out "spill: group --memory 64K -j$1 -b$2" "$T/ref.big" env TMPDIR="$T/tmp" "$FORKPIPE" \
		--memory 64K --tsv -j "$1" "${bopt[@]}" -e "group -k 1 $FP_OPS" "$T/big.tsv"
done
expect_out "spill: group --memory 256K, pipe" "$T/ref.big" piped "$T/big.tsv" --memory 256K --tmpdir "$T/tmp" --tsv -j 2 -b 4K -e "group -k 1 $FP_OPS"
# A budget of next to nothing: every record spills a run of its own, and
# every 64 runs are merged into one, so the end never reads more than 64.
expect_out "spill: group --memory 1" "$T/ref.many" fp --memory 1 --tmpdir "$T/tmp" --tsv -j 2 -b 8K -e "group -k 1 $FP_OPS" "$T/many.tsv"
# One group whose distinct values spill with it.
awk 'BEGIN { srand(14); for (i = 0; i < 30000; i++) printf "%s\tv%d\n", (i % 50 ? "one" : "two"), int(rand() * 20000) }' > "$T/dist.tsv"
datamash -s -g 1 countunique 2 count 2 < "$T/dist.tsv" > "$T/ref"
expect_out "spill: distinct values of big groups" "$T/ref" fp --memory 64K --tmpdir "$T/tmp" --tsv -j 2 -b 8K -e 'group -k 1 distinct:2 count' "$T/dist.tsv"
cut -f 1 "$T/big.tsv" | sort | uniq -c > "$T/ref"
expect_out "spill: uniq -c -k 1" "$T/ref" fp --memory 64K --tmpdir "$T/tmp" --tsv -j 2 -b 4K -e 'uniq -c -k 1' "$T/big.tsv"
ref_top 50 1 < "$T/big.tsv" > "$T/ref"
expect_out "spill: top 50 -k 1" "$T/ref" fp --memory 64K --tmpdir "$T/tmp" --tsv -j 3 -b 4K -e 'top 50 -k 1' "$T/big.tsv"
check_dir_listing "spill: no temporary file left" "$T/tmp"
# The spill files really are used: where none can be created, the run
# fails (and without a budget to exceed it does not try).
expect_exit 74 'cannot create a temporary file in /nonexistent/dir' -- \
	fp --memory 64K --tmpdir /nonexistent/dir --tsv -j 2 -b 4K -e 'group -k 1 count' "$T/big.tsv"
# A spill file that cannot grow (a file size limit, SIGXFSZ ignored: the
# write fails with EFBIG): one message, as sort's (src/reduce/spill.c).
for st in "group -k 1 count" "uniq -c -k 1" "top 3 -k 1"; do
	expect_exit 74 "^forkpipe: ${st%% *}: cannot write a temporary file in $T/tmp: File too large\$" -- \
		bash -c 'trap "" XFSZ; ulimit -f 64; exec timeout -k 5 "$@"' _ "$FP_TIMEOUT" \
		"$FORKPIPE" --memory 64K --tmpdir "$T/tmp" --tsv -j 2 -b 4K -e "$st" "$T/big.tsv"
done
expect_out "no spill within the budget" "$T/ref.few" fp --tmpdir /nonexistent/dir --tsv -j 2 -b 4K -e "group -k 1 $FP_OPS" "$T/few.tsv"

# ---- stages around the reducer -------------------------------------------------------
datamash -s -g 1 count 2 < "$T/many.tsv" | head -n 5 > "$T/ref"
expect_out "group, then head" "$T/ref" fp --tsv -j 2 -b 1K -e 'group -k 1 count' -e 'head 5' "$T/many.tsv"
grep -a -P '^k1\d*\t' "$T/many.tsv" | datamash -s -g 1 sum 2 > "$T/ref"
expect_out "grep, then group" "$T/ref" fp --tsv -j 2 -b 1K -e "grep '^k1\\d*\\t'" -e 'group -k 1 sum:2' "$T/many.tsv"
datamash -s -g 1 count 2 < "$T/many.tsv" | grep -a -P '\t1\d$' > "$T/ref"
expect_out "group, then grep on its output" "$T/ref" fp --tsv -j 2 -b 1K -e 'group -k 1 count' -e "grep '\\t1\\d\$'" "$T/many.tsv"
sort -u "$T/words" | wc -l > "$T/ref"
expect_out "uniq, then count (a reducer after a reducer)" "$T/ref" fp -j 2 -b 1K -e uniq -e count "$T/words"
awk -F '\t' -v OFS='\t' '{ print $4, $1 }' "$T/many.tsv" | sort -u | cut -f 1 | uniq -c > "$T/ref"
expect_out "uniq -k 4,1, then uniq -c -k 1" "$T/ref" fp --tsv -j 2 -b 1K -e 'uniq -k 4,1' -e 'uniq -c -k 1' "$T/many.tsv"
datamash -s -g 1 count 2 < "$T/few.tsv" > "$T/ref"
expect_out "group -o FILE" /dev/null fp --tsv -j 2 -b 1K -o "$T/out.file" -e 'group -k 1 count' "$T/few.tsv"
check_same "group -o FILE: the file" "$T/ref" "$T/out.file"

# ---- YAML --------------------------------------------------------------------------
cat > "$T/g.yaml" <<EOF
input: {format: tsv}
jobs: 2
chunk-size: 1K
stages:
  - group: {keys: "4,1", ops: [count, "sum:2", "first:2", "last:3", "distinct:2"]}
EOF
datamash -s -g 4,1 count 2 sum 2 first 2 last 3 countunique 2 < "$T/many.tsv" > "$T/ref"
expect_out "YAML group" "$T/ref" fp -c "$T/g.yaml" "$T/many.tsv"
printf 'input: {format: tsv}\nstages:\n  - top: {n: [25, "sum:2"], keys: "1"}\n' > "$T/t.yaml"
ref_top 25 1 2 < "$T/ints.tsv" > "$T/ref"
expect_out "YAML top" "$T/ref" fp -c "$T/t.yaml" "$T/ints.tsv"
printf 'input: {format: tsv}\nstages:\n  - top: {n: 3, keys: "4"}\n' > "$T/t3.yaml"
ref_top 3 4 < "$T/few.tsv" > "$T/ref"
expect_out "YAML top, n alone" "$T/ref" fp -c "$T/t3.yaml" "$T/few.tsv"
printf 'stages:\n  - uniq: {count: true}\n' > "$T/u.yaml"
sort "$T/words" | uniq -c > "$T/ref"
expect_out "YAML uniq" "$T/ref" fp -c "$T/u.yaml" "$T/words"
printf 'input: {format: tsv}\nstages:\n  - group: {keys: "1", ops: [frob]}\n' > "$T/bad.yaml"
expect_exit 78 'bad\.yaml:3:[0-9]+: .*frob' -- fp -c "$T/bad.yaml" "$T/few.tsv"

# ---- errors ------------------------------------------------------------------------
expect_exit 64 "unknown op 'frob:2'" -- fp --tsv -e 'group -k 1 frob:2' "$T/few.tsv"
expect_exit 64 "'sum' needs a field" -- fp --tsv -e 'group -k 1 sum' "$T/few.tsv"
expect_exit 64 "missing field after" -- fp --tsv -e 'group -k 1 sum:' "$T/few.tsv"
expect_exit 64 "'sum:0'" -- fp --tsv -e 'group -k 1 sum:0' "$T/few.tsv"
expect_exit 64 'group: missing ops' -- fp --tsv -e 'group -k 1' "$T/few.tsv"
expect_exit 64 "'0'" -- fp --tsv -e 'group -k 0 count' "$T/few.tsv"
expect_exit 64 'open range' -- fp --tsv -e 'group -k 2- count' "$T/few.tsv"
expect_exit 64 'header' -- fp --tsv -e 'group -k host count' "$T/few.tsv"
expect_exit 64 "nope" -- fp --tsv -H -e 'group -k host sum:nope' "$T/h.tsv"
expect_exit 64 "nope" -- fp --tsv -H -e 'uniq -k nope' "$T/h.tsv"
expect_exit 64 "top: N must be" -- fp -e 'top x' "$T/words"
expect_exit 64 "cannot rank by 'max:2'" -- fp -e 'top 3 max:2' "$T/words"
expect_exit 64 'top: expected N' -- fp -e 'top 3 count extra' "$T/words"
expect_exit 64 'top: missing n' -- fp -e 'top' "$T/words"
check_empty "usage errors: nothing on stdout" "$EE_OUT"
# Bad data: exit 65 naming the file, the op, the record (its number in
# the file and its byte offset), the field and the value; the first bad
# record in input order, at any -j and chunk size.
# The byte offset of line $1 of file $2.
line_off() { head -n $(($1 - 1)) "$2" | wc -c; }
awk '{ print } NR == 4321 { print "k7\tabc\tx\tg1" } NR == 9000 { print "k8\t\tx\tg1" }' "$T/many.tsv" > "$T/bad.tsv"
o=$(line_off 4322 "$T/bad.tsv")
for jb in "1 1M" "2 1K" "4 1K" "7 64K"; do
	set -- $jb
	expect_exit 65 "^forkpipe: $T/bad\\.tsv: group: sum:2: invalid numeric value in record 4322 at byte offset $o, field 2: 'abc'\$" -- \
		fp --tsv -j "$1" -b "$2" -e 'group -k 1 count sum:2' "$T/bad.tsv"
done
head -n 5000 "$T/many.tsv" | awk 'NR == 300 { print "k1\t\tz\tg0"; next } { print }' > "$T/empty.tsv"
expect_exit 65 "^forkpipe: $T/empty\\.tsv: group: mean:2: invalid numeric value in record 300 at byte offset $(line_off 300 "$T/empty.tsv"), field 2: ''\$" -- \
	fp --tsv -j 2 -b 1K -e 'group -k 1 count mean:2' "$T/empty.tsv"
{ head -n 100 "$T/many.tsv"; printf 'k3\n'; } > "$T/short.tsv"
expect_exit 65 "^forkpipe: $T/short\\.tsv: group: max:2: record 101 at byte offset $(line_off 101 "$T/short.tsv") has 1 field, no field 2\$" -- \
	fp --tsv -j 2 -b 1K -e 'group -k 1 max:2' "$T/short.tsv"
expect_exit 65 "^forkpipe: $T/bad\\.tsv: top: sum:2: invalid numeric value in record 4322 at byte offset $o, field 2: 'abc'\$" -- \
	fp --tsv -j 3 -b 1K -e 'top 3 -k 1 sum:2' "$T/bad.tsv"
# With a header, records count from the first one after it.
{ printf 'host\tval\n'; printf 'a\t1\nb\tx\xff\n'; } > "$T/hbad.tsv"
expect_exit 65 "^forkpipe: $T/hbad\\.tsv: group: sum:val: invalid numeric value in record 2 at byte offset 13, field 2: 'x\\\\xff'\$" -- \
	fp --tsv -H -e 'group -k host sum:val' "$T/hbad.tsv"
check_empty "bad data: nothing on stdout" "$EE_OUT"
# Fields a record lacks: an empty key, empty first and last values.
printf 'x\n1\ta\n2\ta\n' > "$T/lack.tsv"
printf '\t1\tx\na\t2\t1\n' > "$T/ref"
expect_out "missing key field: an empty key" "$T/ref" fp --tsv -e 'group -k 2 count first:1' "$T/lack.tsv"
printf 'b\na\t5\n' > "$T/lack2.tsv"
printf 'a\t1\t5\t5\t1\nb\t1\t\t\t1\n' > "$T/ref"
expect_out "missing op field: empty first, last, distinct value" "$T/ref" fp --tsv -j 2 -b 1 -e 'group -k 1 count first:2 last:2 distinct:2' "$T/lack2.tsv"

finish
