#!/bin/bash
# e2e/dmops.sh - datamash's fixed-state ops and options against datamash
# itself: group's pstdev, sstdev, pvar, svar, range, absmin, absmax,
# pcov, scov, ppearson, spearson (ms, rms and dotprod, which datamash
# 1.7 lacks, against awk), --narm and --na, --header-out, -R, --format,
# --output-delimiter, --full; the crosstab and rmdup stages.  Generated
# data with few and many keys, negative, decimal and exponent numbers,
# NA/NaN and '-' markers; at -j 1, 2, 4, 7, 1-byte chunks, a --memory
# that spills, file and pipe; partials made at -j1 and -j4 merge to the
# same result; bad specs (64) and bad values (65) with their messages.
. "$TEST_SRCDIR/lib.sh"

command -v datamash > /dev/null 2>&1 || die "reference tool 'datamash' not found"
mkdir "$T/tmp"

# runs NAME EXPECTED FILE ARGS...: the same output at -j 1, 2, 4 and 7,
# with 1-byte (SMALL=1 only), 1K and automatic chunks, from the file and
# from a pipe, and under a --memory that spills.
SMALL=0
runs() {
	local name=$1 exp=$2 f=$3
	shift 3
	expect_out "$name -j1" "$exp" fp -j 1 "$@" "$f"
	expect_out "$name, pipe -j2 -b1K" "$exp" piped "$f" -j 2 -b 1K "$@"
	expect_out "$name -j4 -b1K" "$exp" fp -j 4 -b 1K "$@" "$f"
	expect_out "$name, pipe -j7" "$exp" piped "$f" -j 7 "$@"
	expect_out "$name -j2 --memory 64K" "$exp" fp -j 2 -b 4K --memory 64K --tmpdir "$T/tmp" "$@" "$f"
	if [ "$SMALL" = 1 ]; then
		expect_out "$name -j3 -b1" "$exp" fp -j 3 -b 1 "$@" "$f"
	fi
}

# gen FILE SEED NLINES NKEYS NA [INT]: key, x, y, word, an integer pair; x and
# y are integers, decimals with 1 to 3 places, exponents, negative, -0
# (with INT=1 integers below 1000 in magnitude);
# with NA=1, x and y are also NA, NaN, N/A, nan or '-' now and then
# (each the same in both, so that datamash pairs them as forkpipe does).
gen() {
	awk -v seed="$2" -v n="$3" -v nk="$4" -v na="$5" -v one="${6:-0}" 'BEGIN {
		srand(seed)
		nm = split("NA NaN N/A nan na -", M, " ")
		for (i = 1; i <= n; i++) {
			k = "k" int(rand() * nk)
			for (c = 1; c <= 2; c++) {
				r = rand()
				if (r < 0.3) v = int(rand() * 2001) - 1000
				else if (r < 0.55) v = sprintf("%.2f", rand() * 200 - 100)
				else if (r < 0.7) v = sprintf("%.3f", rand() * 10)
				else if (r < 0.8) v = sprintf("%.1fe%d", rand() * 20 - 10, int(rand() * 5) - 2)
				else if (r < 0.9) v = sprintf("%.1f", -rand() * 1000)
				else if (r < 0.95) v = "-0"
				else v = int(rand() * 100000)
				if (one) v = int(v) % 1000
				V[c] = v
			}
			if (na && rand() < 0.08) { V[1] = M[1 + int(rand() * nm)]; V[2] = V[1] }
			w = rand() < 0.1 ? "" : "w" int(rand() * 5)
			printf "%s\t%s\t%s\t%s\t%d\t%d\n", k, V[1], V[2], w, int(rand() * 201) - 100, int(rand() * 41) - 20
		}
	}' > "$1"
}

gen "$T/few.tsv" 21 3000 5 0
# (many keys: small groups, whose exact variances and covariances end
# within a few decimals; of integers below 1000 they end within 14
# significant digits, where datamash's two passes and forkpipe's exact
# sums print the same: see agg.h on ties at the 15th digit.)
gen "$T/many.tsv" 22 6000 1500 0 1
gen "$T/small.tsv" 23 300 7 0
gen "$T/na.tsv" 24 3000 5 1

DM1=(pstdev 2 sstdev 3 pvar 2 svar 3 range 2 absmin 2 absmax 3 min 3 max 2)
FP1='pstdev:2 sstdev:3 pvar:2 svar:3 range:2 absmin:2 absmax:3 min:3 max:2'
DM2=(pcov 2:3 scov 3:2 ppearson 2:3 spearson 5:6 pcov 5:6)
FP2='pcov:2:3 scov:3:2 ppearson:2:3 spearson:5:6 pcov:5:6'

# ---- one-field and two-field ops ---------------------------------------------------
for d in few many small; do
	[ "$d" = small ] && SMALL=1 || SMALL=0
	datamash -s -g 1 "${DM1[@]}" "${DM2[@]}" count 1 < "$T/$d.tsv" > "$T/ref.$d" ||
		die "datamash failed on $d.tsv"
	runs "group ops $d" "$T/ref.$d" "$T/$d.tsv" --tsv -e "group -k 1 $FP1 $FP2 count"
done
SMALL=0
# Two-field ops by header names; sstdev's alias stdev.
{ printf 'k\tx\ty\tw\ti\tj\n'; cat "$T/few.tsv"; } > "$T/h.tsv"
datamash -s -H -g 1 pcov 2:3 ppearson 5:6 sstdev 2 < "$T/h.tsv" | tail -n +2 > "$T/ref"
runs "group ops by names" "$T/ref" "$T/h.tsv" --tsv -H -e 'group -k k pcov:x:y ppearson:i:j stdev:x'
# No key: one group.
datamash "${DM1[@]}" "${DM2[@]}" < "$T/many.tsv" > "$T/ref"
runs "group ops without -k" "$T/ref" "$T/many.tsv" --tsv -e "group $FP1 $FP2"

# ms, rms and dotprod (not in datamash 1.7): ms and rms of x are the
# pvar and pstdev of x and -x together (whose mean is exactly 0);
# dotprod the sum of the products, which awk makes exactly of integers.
awk -F '\t' -v OFS='\t' '{ print $1, $2; print $1, ($2 ~ /^-/ ? substr($2, 2) : "-" $2) }' \
	"$T/many.tsv" | datamash -s -g 1 pvar 2 pstdev 2 > "$T/ref.ms"
awk -F '\t' -v OFS='\t' '{ print $1, $5 * $6 }' "$T/many.tsv" | datamash -s -g 1 sum 2 | cut -f 2 |
	paste "$T/ref.ms" - > "$T/ref"
runs "group ms rms dotprod" "$T/ref" "$T/many.tsv" --tsv -e 'group -k 1 ms:2 rms:2 dotprod:5:6'
# ms of decimals: datamash's mean of the squares, which awk prints exactly.
awk -F '\t' -v OFS='\t' '$2 ~ /^-?[0-9]+\.[0-9][0-9]$/ { print $1, $2, sprintf("%.4f", $2 * $2) }' \
	"$T/few.tsv" > "$T/dec.tsv"
datamash -s -g 1 mean 3 < "$T/dec.tsv" > "$T/ref"
runs "group ms of decimals" "$T/ref" "$T/dec.tsv" --tsv -e 'group -k 1 ms:2'
# dotprod of decimals and exponents: the exact sum of the products.
awk -F '\t' -v OFS='\t' '{ print $1, $2, 1 }' "$T/few.tsv" > "$T/one.tsv"
datamash -s -g 1 sum 2 < "$T/one.tsv" > "$T/ref"
runs "group dotprod x*1" "$T/ref" "$T/one.tsv" --tsv -e 'group -k 1 dotprod:2:3'

# Datamash's edge cases: ties of magnitude, NaN first, infinities, one value.
printf 'a\t3\na\t-3\na\t-4\nb\t-2\nb\t2\nc\tnan\nc\t5\nc\t-7\nd\t-0\nd\t0\ne\tinf\ne\t-inf\nf\t4\ng\t3\ng\tnan\ng\t-5\n' > "$T/edge.tsv"
datamash -s -g 1 absmin 2 absmax 2 range 2 pstdev 2 sstdev 2 pvar 2 svar 2 pcov 2:2 scov 2:2 \
	ppearson 2:2 spearson 2:2 < "$T/edge.tsv" > "$T/ref"
SMALL=1
runs "group edge values" "$T/ref" "$T/edge.tsv" --tsv -e 'group -k 1 absmin:2 absmax:2 range:2 pstdev:2 sstdev:2 pvar:2 svar:2 pcov:2:2 scov:2:2 ppearson:2:2 spearson:2:2'
SMALL=0

# ---- options -----------------------------------------------------------------------
# --narm: NA, NaN, N/A, nan, na skipped; '-' with --na=-.  datamash has
# no --na: its reference reads the data with '-' made NA.
sed 's/\t-\t-\t/\tNA\tNA\t/' "$T/na.tsv" > "$T/na2.tsv"
grep -q '	-	-	' "$T/na.tsv" || die "no '-' markers in na.tsv"
datamash --narm -s -g 1 count 2 sum 2 mean 3 min 2 max 3 sstdev 2 first 2 last 3 countunique 2 \
	pstdev 3 range 2 absmax 2 pcov 2:3 spearson 2:3 < "$T/na2.tsv" > "$T/ref" || die "datamash --narm failed"
NARM_OPS='count:2 sum:2 mean:3 min:2 max:3 sstdev:2 first:2 last:3 distinct:2 pstdev:3 range:2 absmax:2 pcov:2:3 spearson:2:3'
runs "group --na=-" "$T/ref" "$T/na.tsv" --tsv -e "group -k 1 --na=- $NARM_OPS"
runs "group --narm" "$T/ref" "$T/na2.tsv" --tsv -e "group -k 1 --narm $NARM_OPS"
# A group of nothing but missing values: datamash's results for none.
printf 'a\tNA\tNA\nb\t1\t2\n' > "$T/allna.tsv"
datamash --narm -s -g 1 count 2 sum 2 mean 2 min 2 max 2 absmin 2 absmax 2 range 2 first 2 last 2 \
	countunique 2 pstdev 2 sstdev 2 pvar 2 svar 2 pcov 2:3 ppearson 2:3 < "$T/allna.tsv" > "$T/ref"
expect_out "group --narm, all missing" "$T/ref" fp --tsv -j 2 -b 1 -e 'group -k 1 --narm count:2 sum:2 mean:2 min:2 max:2 absmin:2 absmax:2 range:2 first:2 last:2 distinct:2 pstdev:2 sstdev:2 pvar:2 svar:2 pcov:2:3 ppearson:2:3' "$T/allna.tsv"

# --header-out, with and without an input header.
datamash -s --header-out -g 1,4 count 2 sum 2 pcov 2:3 sstdev 3 countunique 4 first 4 < "$T/few.tsv" > "$T/ref"
runs "group --header-out" "$T/ref" "$T/few.tsv" --tsv -e 'group -k 1,4 --header-out count:2 sum:2 pcov:2:3 stdev:3 distinct:4 first:4'
# perc and trimmean name their parameter, given or the default.
datamash -s --header-out -g 1 perc 2 perc:90 2 trimmean 2 trimmean:0.125 2 median 3 < "$T/few.tsv" > "$T/ref"
runs "group --header-out perc, trimmean" "$T/ref" "$T/few.tsv" --tsv -e 'group -k 1 --header-out perc:2 perc:2:90 trimmean:2 trimmean:2:0.125 median:3'
datamash -s -H -g 1 count 2 sum 3 pcov 2:3 < "$T/h.tsv" > "$T/ref"
runs "group -H --header-out" "$T/ref" "$T/h.tsv" --tsv -H -e 'group -k k --header-out count:x sum:y pcov:x:y'
head -n 1 "$T/h.tsv" > "$T/h0.tsv"
datamash -s -H -g 1 count 2 < "$T/h0.tsv" > "$T/ref"
expect_out "group -H --header-out, no records" "$T/ref" fp --tsv -H -e 'group -k 1 --header-out count:2' "$T/h0.tsv"
: > "$T/empty"
expect_out "group --header-out, no input" "$T/empty" fp --tsv -e 'group -k 1 --header-out count:2' "$T/empty"

# -R and --format: numeric results only (not first, last).
datamash -s -g 1 -R 2 count 2 sum 2 mean 2 first 2 last 3 min 2 countunique 4 pcov 2:3 range 3 < "$T/few.tsv" > "$T/ref"
runs "group -R 2" "$T/ref" "$T/few.tsv" --tsv -e 'group -k 1 -R 2 count sum:2 mean:2 first:2 last:3 min:2 distinct:4 pcov:2:3 range:3'
# (not %a: it shows every bit, where datamash's running sum rounds)
for f in '%08.3f' '%.3e' 'x=%g%%' '%+.1f' '%-12.4G|'; do
	datamash -s -g 1 --format "$f" count 2 sum 2 mean 3 first 2 absmin 3 sstdev 2 < "$T/few.tsv" > "$T/ref"
	expect_out "group --format $f" "$T/ref" fp --tsv -j 2 -b 4K -e "group -k 1 --format '$f' count sum:2 mean:3 first:2 absmin:3 sstdev:2" "$T/few.tsv"
done

# --output-delimiter and --full.
datamash -s -g 1 --output-delimiter=';' sum 2 first 4 < "$T/few.tsv" > "$T/ref"
runs "group --output-delimiter" "$T/ref" "$T/few.tsv" --tsv -e 'group -k 1 --output-delimiter ; sum:2 first:4'
# (datamash --full prints the record where the last min, max, absmin,
# absmax or last op took its value, else the group's first; forkpipe's
# is always the first, so these ops are left out here.)
datamash -s -g 1 --full sum 2 mean 3 first 4 < "$T/many.tsv" > "$T/ref"
runs "group --full" "$T/ref" "$T/many.tsv" --tsv -e 'group -k 1 --full sum:2 mean:3 first:4'
datamash -s -g 4 --full --header-out count 4 < "$T/few.tsv" > "$T/ref"
runs "group --full --header-out" "$T/ref" "$T/few.tsv" --tsv -e 'group -k 4 -f --header-out count:4'
datamash -s -H -g 1 --full -t ';' --output-delimiter=, sum 2 < <(tr '\t' ';' < "$T/h.tsv") > "$T/ref"
tr '\t' ';' < "$T/h.tsv" > "$T/h.semi"
runs "group -H --full --header-out --output-delimiter" "$T/ref" "$T/h.semi" -d ';' -H -e 'group -k k --full --header-out --output-delimiter , sum:x'

# ---- crosstab and rmdup -------------------------------------------------------------
datamash -s crosstab 1,4 < "$T/few.tsv" > "$T/ref"
runs "crosstab" "$T/ref" "$T/few.tsv" --tsv -e 'crosstab 1,4'
datamash -s crosstab 4,1 sum 2 < "$T/many.tsv" > "$T/ref"
runs "crosstab sum" "$T/ref" "$T/many.tsv" --tsv -e 'crosstab 4,1 sum:2'
datamash -s -R 1 crosstab 1,4 first 5 < "$T/small.tsv" > "$T/ref"
SMALL=1
runs "crosstab first" "$T/ref" "$T/small.tsv" --tsv -e 'crosstab 1,4 first:5'
datamash -s -R 1 crosstab 1,4 mean 3 < "$T/small.tsv" > "$T/ref"
runs "crosstab -R 1 mean" "$T/ref" "$T/small.tsv" --tsv -e 'crosstab -R 1 1,4 mean:3'
datamash rmdup 4 < "$T/small.tsv" > "$T/ref"
runs "rmdup" "$T/ref" "$T/small.tsv" --tsv -e 'rmdup 4'
SMALL=0
datamash rmdup 1 < "$T/many.tsv" > "$T/ref"
runs "rmdup many" "$T/ref" "$T/many.tsv" --tsv -e 'rmdup 1'
datamash -H rmdup 4 < "$T/h.tsv" > "$T/ref"
runs "rmdup -H by name" "$T/ref" "$T/h.tsv" --tsv -H -e 'rmdup w'
# blank-separated: the records as read
awk -F '\t' '{ printf "%s  %s %s\n", $1, $2, $5 }' "$T/few.tsv" > "$T/few.txt"
datamash -W rmdup 3 < "$T/few.txt" > "$T/ref"
runs "rmdup blanks" "$T/ref" "$T/few.txt" -e 'rmdup 3'

# ---- partials: made at -j1 and -j4, merged ------------------------------------------
head -n 1500 "$T/many.tsv" > "$T/a.tsv"
tail -n +1501 "$T/many.tsv" > "$T/b.tsv"
for p in "group -k 1 $FP1 $FP2 ms:5 dotprod:5:6" "group -k 1 --na=- $NARM_OPS" \
	'group -k 1 --full sum:2' 'crosstab 1,4 sum:2' 'rmdup 5'; do
	f=$T/many.tsv
	case $p in *--na=-*) f=$T/na.tsv ;; esac
	head -n 1500 "$f" > "$T/a.tsv"
	tail -n +1501 "$f" > "$T/b.tsv"
	fp --tsv -e "$p" "$f" > "$T/ref" || fail "partial reference: $p"
	fp --tsv --partial -j 1 -e "$p" "$T/a.tsv" > "$T/a1.part" || fail "--partial -j1: $p"
	fp --tsv --partial -j 4 -b 4K -e "$p" "$T/b.tsv" > "$T/b4.part" || fail "--partial -j4: $p"
	expect_out "merge -j1 and -j4 partials: $p" "$T/ref" fp merge --tsv -e "$p" "$T/a1.part" "$T/b4.part"
	fp --tsv --partial -j 4 -b 1K --memory 64K --tmpdir "$T/tmp" -e "$p" "$T/a.tsv" > "$T/a4.part"
	fp --tsv --partial -j 1 -e "$p" "$T/b.tsv" > "$T/b1.part"
	expect_out "merge spilled partials: $p" "$T/ref" fp merge --tsv -e "$p" "$T/a4.part" "$T/b1.part"
done
check_dir_listing "no temporary file left" "$T/tmp"

# ---- errors --------------------------------------------------------------------------
F=$T/few.tsv
expect_exit 64 "^forkpipe: group: unknown op 'pcovx:2:3' \(ops: count, sum:F, " -- fp --tsv -e 'group -k 1 pcovx:2:3' "$F"
expect_exit 64 "^forkpipe: group: op 'pcov:2' needs two fields: pcov:F1:F2, each a number from 1 or a header name\$" -- \
	fp --tsv -e 'group -k 1 pcov:2' "$F"
expect_exit 64 "^forkpipe: group: op 'scov:2:0': bad field '0' \(fields are numbered from 1\)\$" -- \
	fp --tsv -e 'group -k 1 scov:2:0' "$F"
expect_exit 64 "^forkpipe: group: op 'range' needs a field: range:F, F a number from 1 or a header name\$" -- \
	fp --tsv -e 'group -k 1 range' "$F"
expect_exit 64 "^forkpipe: group: op 'pcov:x:nope': no field 'nope' in the header\$" -- \
	fp --tsv -H -e 'group -k 1 pcov:x:nope' "$T/h.tsv"
expect_exit 64 "^forkpipe: group: --format '%d': has an invalid conversion" -- fp --tsv -e "group --format %d count" "$F"
expect_exit 64 "^forkpipe: group: --format '%f%f': has too many % directives\$" -- fp --tsv -e "group --format %f%f count" "$F"
expect_exit 64 "^forkpipe: group: --format 'abc': has no % directive\$" -- fp --tsv -e "group --format abc count" "$F"
expect_exit 64 "^forkpipe: group: --format '%d': has an invalid conversion" -- fp --tsv -e "group --format %d -R 1 count" "$F"
expect_exit 64 "^forkpipe: group: --na: empty marker in '-,' \(a comma-separated list\)\$" -- fp --tsv -e "group --na -, count" "$F"
expect_exit 64 "^forkpipe: crosstab: '1': two key fields are needed, ROW,COL\$" -- fp --tsv -e 'crosstab 1' "$F"
expect_exit 64 "^forkpipe: crosstab: ROW,COL and at most one op are needed \(got 3 words\)\$" -- fp --tsv -e 'crosstab 1,2 sum:3 count' "$F"
expect_exit 64 "^forkpipe: rmdup: '1,2': one field is needed" -- fp --tsv -e 'rmdup 1,2' "$F"
# Bad values: the first in input order, at any -j; none left in -o.
awk 'NR == 700 { $3 = "x1" } { print }' OFS='\t' "$F" > "$T/bad.tsv"
o=$(head -n 699 "$T/bad.tsv" | wc -c)
for j in 1 4; do
	expect_exit 65 "^forkpipe: $T/bad\\.tsv: group: pcov:2:3: invalid numeric value in record 700 at byte offset $o, field 3: 'x1'\$" -- \
		fp --tsv -j $j -b 1K -o "$T/o" -e 'group -k 1 pcov:2:3' "$T/bad.tsv"
	[ -e "$T/o" ] && fail "an -o file was left after exit 65" || pass
done
expect_exit 65 "^forkpipe: $T/allna\\.tsv: group: range:3: invalid numeric value in record 1 at byte offset 0, field 3: 'NA'\$" -- \
	fp --tsv -j 2 -e 'group -k 1 range:3' "$T/allna.tsv" "$T/allna.tsv"
printf 'a\t1\t2\nb\t3\n' > "$T/short.tsv"
expect_exit 65 "^forkpipe: $T/short\\.tsv: group: spearson:2:3: record 2 at byte offset 6 has 2 fields, no field 3\$" -- fp --tsv -e 'group -k 1 spearson:2:3' "$T/short.tsv"
expect_exit 65 "^forkpipe: $T/short\\.tsv: rmdup: key: record 2 at byte offset 6 has 2 fields, no field 3\$" -- fp --tsv -j 2 -b 1 -e 'rmdup 3' "$T/short.tsv"
expect_exit 65 "^forkpipe: $T/short\\.tsv: crosstab: key: record 2 at byte offset 6 has 2 fields, no field 3\$" -- fp --tsv -e 'crosstab 1,3' "$T/short.tsv"
# A web log's '-' for the bytes: 65 without --na, summed with it.
printf 'a\t10\nb\t-\na\t5\n' > "$T/log.tsv"
expect_exit 65 "^forkpipe: $T/log\\.tsv: group: sum:2: invalid numeric value in record 2 at byte offset 5, field 2: '-'\$" -- fp --tsv -e 'group -k 1 sum:2' "$T/log.tsv"
printf 'a\t15\nb\t0\n' > "$T/ref"
expect_out "group --na=- over a log" "$T/ref" fp --tsv -e 'group -k 1 --na=- sum:2' "$T/log.tsv"

printf '%s passed, %s failed\n' "$PASS" "$FAIL"
[ "$FAIL" = 0 ]
