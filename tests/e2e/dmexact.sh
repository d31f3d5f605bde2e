#!/bin/bash
# e2e/dmexact.sh - group and crosstab byte for byte with `datamash -s`
# where the order of the input shows: the moments (sskew, pskew, skurt,
# pkurt, dpo, jarque, geomean, harmmean) summed in input order on data
# whose sums cancel (large offsets, mixed signs, exponents), --full's
# record (the latest where min, max, absmin, absmax, first or last took
# its value), the exact spreads where datamash's are not, -R and --format together (the later wins), and crosstab's
# --header-out, --filler and --output-delimiter; at -j 1, 2, 4 and 7,
# tiny chunks, spilling under a tiny --memory, file and pipe, partials
# made at -j1 and -j4 merged.
. "$TEST_SRCDIR/lib.sh"

command -v datamash > /dev/null 2>&1 || die "reference tool 'datamash' not found"

# gen FILE SEED NLINES: key, a number, a word, a second number.  Each key
# has its own kind of numbers: k0 1e8 plus small decimals (the mean
# cancels every digit but the last ones), k1 values of both signs near
# +-1 (harmmean's reciprocals cancel), k2 exponents of mixed size, k3
# negative integers with ties, k4 -1e9 plus decimals, k5 tiny decimals,
# k6 a mix of all; field 4 is positive (geomean).
gen() {
	awk -v seed="$2" -v n="$3" 'BEGIN {
		srand(seed)
		for (i = 1; i <= n; i++) {
			k = int(rand() * 7)
			m = k == 6 ? int(rand() * 6) : k
			if (m == 0) v = sprintf("%.4f", 1e8 + rand() * rand() * 3)
			else if (m == 1) v = sprintf("%.5f", (rand() < 0.5 ? -1 : 1) * (0.5 + rand() * rand()))
			else if (m == 2) v = sprintf("%.3fe%d", rand() * 20 - 10, int(rand() * 9) - 4)
			else if (m == 3) v = -int(rand() * 5)
			else if (m == 4) v = sprintf("%.3f", -1e9 - rand() * 2)
			else v = sprintf("%.6f", rand() / 1000)
			p = k == 0 ? sprintf("%.4f", 1e6 + rand()) : sprintf("%.3e", 0.001 + rand() * 50)
			printf "k%d\t%s\tw%d\t%s\n", k, v, int(rand() * 5), p
		}
	}' > "$1"
}

MOM="sskew 2 pskew 2 skurt 2 pkurt 2 dpo 2 jarque 2 geomean 4 harmmean 2 harmmean 4"
FPMOM="sskew:2 pskew:2 skurt:2 pkurt:2 dpo:2 jarque:2 geomean:4 harmmean:2 harmmean:4"

gen "$T/m.tsv" 31 20000
datamash -s -g 1 $MOM < "$T/m.tsv" > "$T/m.ref"
# The data must be hard: summed in value order, some result differs.
sort -t "$(printf '\t')" -k1,1 -k2,2g "$T/m.tsv" | datamash -g 1 $MOM > "$T/sorted.ref"
cmp -s "$T/m.ref" "$T/sorted.ref" && fail "moments: the data does not show the order of the sums" || pass
for jb in "1 1M" "2 1" "4 4K" "7 1K"; do
	set -- $jb
	expect_out "moments -j$1 -b$2" "$T/m.ref" fp --tsv -j "$1" -b "$2" -e "group -k 1 $FPMOM" "$T/m.tsv"
done
expect_out "moments, pipe -j3 -b 2K" "$T/m.ref" piped "$T/m.tsv" --tsv -j 3 -b 2K -e "group -k 1 $FPMOM"
# With an order statistic of the same field (two lists of its numbers).
datamash -s -g 1 median 2 sskew 2 mode 2 pkurt 2 < "$T/m.tsv" > "$T/ref"
expect_out "moments and order statistics" "$T/ref" fp --tsv -j 4 -b 8K -e "group -k 1 median:2 sskew:2 mode:2 pkurt:2" "$T/m.tsv"
# One group, its values spilled in many runs; many groups spilled.
mkdir "$T/tmp"
datamash $MOM < "$T/m.tsv" > "$T/ref"
expect_out "moments: one group, spilling" "$T/ref" fp --memory 64K --tmpdir "$T/tmp" --tsv -j 2 -b 8K -e "group $FPMOM" "$T/m.tsv"
awk '{ $1 = $1 "-" NR % 400; print }' OFS='\t' "$T/m.tsv" > "$T/many.tsv"
datamash -s -g 1 $MOM < "$T/many.tsv" > "$T/many.ref"
for j in 1 4; do
	expect_out "moments: many groups, spilling -j$j" "$T/many.ref" \
		fp --memory 64K --tmpdir "$T/tmp" --tsv -j "$j" -b 16K -e "group -k 1 $FPMOM" "$T/many.tsv"
done
check_dir_listing "spill: no temporary file left" "$T/tmp"
# Proof that these runs spill: without a usable --tmpdir they fail.
expect_exit 74 'cannot create a temporary file in /nonexistent/dir' -- \
	fp --memory 64K --tmpdir /nonexistent/dir --tsv -j 2 -b 8K -e "group $FPMOM" "$T/m.tsv"
# Partials made at -j1 and -j4, merged in input order.
head -n 9000 "$T/m.tsv" > "$T/a.tsv"
tail -n +9001 "$T/m.tsv" > "$T/b.tsv"
fp --tsv --partial -j 1 -b 4K -e "group -k 1 $FPMOM" "$T/a.tsv" > "$T/a1.part"
fp --tsv --partial -j 4 -b 2K -e "group -k 1 $FPMOM" "$T/b.tsv" > "$T/b4.part"
expect_out "moments: merge a(-j1) b(-j4)" "$T/m.ref" fp merge --tsv -e "group -k 1 $FPMOM" "$T/a1.part" "$T/b4.part"
expect_out "moments: merge, spilling" "$T/m.ref" \
	fp merge --memory 1 --tmpdir "$T/tmp" --tsv -e "group -k 1 $FPMOM" "$T/a1.part" "$T/b4.part"
# NA and NaN: --narm skips them; a NaN kept makes the moments nan.
awk 'NR % 97 == 0 { $2 = "NA" } NR % 89 == 0 { $2 = "nan" } NR % 83 == 0 { $4 = "N/A" } { print }' \
	OFS='\t' "$T/m.tsv" > "$T/na.tsv"
datamash -s --narm -g 1 $MOM < "$T/na.tsv" > "$T/ref"
for j in 1 7; do
	expect_out "moments --narm -j$j" "$T/ref" fp --tsv -j "$j" -b 4K -e "group -k 1 --narm $FPMOM" "$T/na.tsv"
done
awk -F '\t' '$2 != "NA" && $4 != "N/A"' OFS='\t' "$T/na.tsv" > "$T/nan.tsv"
datamash -s -g 1 $MOM < "$T/nan.tsv" > "$T/ref"
expect_out "moments with NaN" "$T/ref" fp --tsv -j 2 -b 4K -e "group -k 1 $FPMOM" "$T/nan.tsv"

# The spreads and two-field ops of plain decimals are exact, where
# datamash's are of the values rounded to long doubles (agg.h): here it
# prints 0.0066666666674428, 0.081649658097525 and 0.10000000000259.
printf 'a\t1000000000.1\t1\na\t1000000000.2\t2\na\t1000000000.3\t4\n' > "$T/x.tsv"
printf 'a\t0.0066666666666667\t0.081649658092773\t0.1\n' > "$T/ref"
for j in 1 3; do
	expect_out "exact pvar, pstdev, pcov at 1e9 -j$j" "$T/ref" fp --tsv -j "$j" -b 1 -e "group -k 1 pvar:2 pstdev:2 pcov:2:3" "$T/x.tsv"
done

# ---- --full ------------------------------------------------------------------------
# Small groups, ties, NaN first or later, -0 and 0, NA (with --narm).
awk -v seed=32 'BEGIN {
	srand(seed)
	split("3 1 5 1 -2 2 nan 0 -0 7 -7 2.5 NA 5", V, " ")
	for (i = 1; i <= 3000; i++) {
		k = int(rand() * 300)
		printf "g%d\t%s\t%s\tr%d\n", k, V[1 + int(rand() * 14)], V[1 + int(rand() * 14)], i
	}
}' > "$T/f.tsv"
grep -v 'NA' "$T/f.tsv" > "$T/fv.tsv"
for ops in "min 2" "max 2" "absmin 2" "absmax 3" "first 2" "last 3" "min 2 max 3" "max 3 min 2" \
	"count 2 sum 3" "absmax 2 first 3" "min 3 last 2 range 2" "collapse 2 max 2"; do
	fops=$(echo "$ops" | sed -E 's/([a-z]+) ([0-9]+)/\1:\2/g')
	datamash -s --full -g 1 $ops < "$T/fv.tsv" > "$T/ref"
	for jb in "1 1M" "4 1" "7 2K"; do
		set -- $jb
		expect_out "--full $fops -j$1 -b$2" "$T/ref" fp --tsv -j "$1" -b "$2" -e "group -k 1 --full $fops" "$T/fv.tsv"
	done
	datamash -s --full --narm -g 1 $ops < "$T/f.tsv" > "$T/ref"
	expect_out "--full --narm $fops" "$T/ref" fp --tsv -j 3 -b 1K -e "group -k 1 --full --narm $fops" "$T/f.tsv"
done
datamash -s --full -g 1 min 2 max 3 last 2 < "$T/fv.tsv" > "$T/ref"
expect_out "--full: pipe" "$T/ref" piped "$T/fv.tsv" --tsv -j 2 -b 1K -e "group -k 1 --full min:2 max:3 last:2"
expect_out "--full: spilling" "$T/ref" \
	fp --memory 1 --tmpdir "$T/tmp" --tsv -j 2 -b 2K -e "group -k 1 --full min:2 max:3 last:2" "$T/fv.tsv"
head -n 1300 "$T/fv.tsv" > "$T/fa.tsv"
tail -n +1301 "$T/fv.tsv" > "$T/fb.tsv"
fp --tsv --partial -j 4 -b 1K -e "group -k 1 --full min:2 max:3 last:2" "$T/fa.tsv" > "$T/fa.part"
fp --tsv --partial -j 1 -e "group -k 1 --full min:2 max:3 last:2" "$T/fb.tsv" > "$T/fb.part"
expect_out "--full: merge a(-j4) b(-j1)" "$T/ref" fp merge --tsv -e "group -k 1 --full min:2 max:3 last:2" "$T/fa.part" "$T/fb.part"
# One group: the whole input.
datamash --full absmin 2 < "$T/fv.tsv" > "$T/ref"
expect_out "--full: one group" "$T/ref" fp --tsv -j 4 -b 1K -e "group --full absmin:2" "$T/fv.tsv"

# ---- -R and --format -----------------------------------------------------------------
for opts in "-R 2 --format %08.3f" "--format %08.3f -R 2" "--format %.2e -R 1 --format %.1f" "-R 3 -R 1"; do
	datamash -s -g 1 $opts sum 2 mean 4 count 2 < "$T/m.tsv" > "$T/ref"
	expect_out "$opts" "$T/ref" fp --tsv -j 2 -e "group -k 1 $opts sum:2 mean:4 count" "$T/m.tsv"
done
datamash -s -R 1 --format %.3f crosstab 1,3 sum 2 < "$T/m.tsv" > "$T/ref"
expect_out "crosstab -R 1 --format %.3f" "$T/ref" fp --tsv -j 2 -e "crosstab -R 1 --format %.3f 1,3 sum:2" "$T/m.tsv"
# Each is checked, even the one that loses.
expect_exit 64 "^forkpipe: group: --format '%d': has an invalid conversion" -- \
	fp --tsv -o "$T/o.tsv" -e "group -k 1 --format %d -R 2 sum:2" "$T/m.tsv"
[ -e "$T/o.tsv" ] && fail "--format %d: -o file left" || pass
expect_exit 64 "^forkpipe: crosstab: -R 99: at most 50 decimal places\$" -- \
	fp --tsv -o "$T/o.tsv" -e "crosstab -R 99 --format %f 1,3" "$T/m.tsv"
[ -e "$T/o.tsv" ] && fail "-R 99: -o file left" || pass

# ---- crosstab ------------------------------------------------------------------------
{ printf 'key\tval\tword\tpos\n'; cat "$T/f.tsv"; } > "$T/h.tsv"
datamash -s --header-out crosstab 1,4 < "$T/fv.tsv" > "$T/ref"
expect_out "crosstab --header-out" "$T/ref" fp --tsv -j 4 -b 1K -e "crosstab --header-out 1,4" "$T/fv.tsv"
datamash -s -H crosstab 3,2 unique 1 < "$T/h.tsv" > "$T/ref"
expect_out "crosstab -H --header-out names" "$T/ref" fp --tsv -H -j 2 -b 1K -e "crosstab --header-out word,val unique:key" "$T/h.tsv"
datamash -s -H crosstab 3,2 < "$T/h.tsv" > "$T/ref"
expect_out "crosstab --header-out: count of ROW" "$T/ref" fp --tsv -H -e "crosstab --header-out 3,2" "$T/h.tsv"
datamash -s --header-out --filler 0 --output-delimiter , crosstab 2,3 first 4 < "$T/fv.tsv" > "$T/ref"
expect_out "crosstab --filler --output-delimiter" "$T/ref" \
	piped "$T/fv.tsv" --tsv -j 3 -b 2K -e "crosstab --header-out --filler 0 --output-delimiter , 2,3 first:4"
: > "$T/empty"
datamash -s --header-out crosstab 1,2 < "$T/empty" > "$T/ref"
expect_out "crosstab: no input" "$T/ref" fp --tsv -e "crosstab --header-out 1,2" "$T/empty"
head -n 1 "$T/h.tsv" > "$T/honly.tsv"
datamash -s -H crosstab 1,2 sum 4 < "$T/honly.tsv" > "$T/ref" 2> /dev/null
expect_out "crosstab: a header and no records" "$T/ref" fp --tsv -H -e "crosstab --header-out 1,2 sum:4" "$T/honly.tsv"
expect_exit 64 "^forkpipe: crosstab: --output-delimiter 'ab': one byte is needed" -- \
	fp --tsv -o "$T/o.tsv" -e "crosstab --output-delimiter ab 1,2" "$T/fv.tsv"
[ -e "$T/o.tsv" ] && fail "--output-delimiter ab: -o file left" || pass
expect_exit 64 "^forkpipe: --to jsonl: not with crosstab --output-delimiter" -- \
	fp --tsv --to jsonl -e "crosstab --output-delimiter , 1,2" "$T/fv.tsv"

finish
