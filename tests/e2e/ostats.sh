#!/bin/bash
# e2e/ostats.sh - group's ops that need every value of a group, against
# `datamash -s -g`: the order statistics (median, q1, q3, iqr, perc, mode,
# antimode, mad, madraw, trimmean), the moments (sskew, pskew, skurt,
# pkurt, dpo, jarque, geomean, harmmean) and the value lists (unique,
# collapse, countunique), on generated data with few and many keys,
# negative, decimal and exponent numbers, ties, groups of 1 to 4 values;
# at -j 1, 2, 4 and 7, with tiny chunks, from files and pipes; spilling
# under a tiny --memory (proven: without a usable --tmpdir the run
# fails); partials made at -j1 and -j4 merged; bad op specs (64), bad
# and missing values (65).
. "$TEST_SRCDIR/lib.sh"

command -v datamash > /dev/null 2>&1 || die "reference tool 'datamash' not found"

# gen FILE SEED NLINES NKEYS: key, a number, a word, a positive number.
# Numbers: small integers (ties for mode), decimals, exponents, negative
# integers; keys g1 to g4 have 1 to 4 values.  No -0 among them: of equal
# values datamash keeps the input order, forkpipe puts -0 first (the
# special values below have a -0 first in its group).  The moments'
# sums run in input order, as datamash's: tests/e2e/dmexact.sh has data
# where the order shows in the digits printed.
gen() {
	awk -v seed="$2" -v n="$3" -v nk="$4" 'BEGIN {
		srand(seed)
		nw = split("alpha beta gamma delta x y z 42 3.5 -1 b,c", W, " ")
		for (i = 1; i <= n; i++) {
			r = rand()
			if (r < 0.3) v = int(rand() * 21) - 10
			else if (r < 0.55) v = sprintf("%.2f", rand() * 200 - 100)
			else if (r < 0.7) v = sprintf("%.1fe%d", rand() * 10 - 5, int(rand() * 5) - 2)
			else if (r < 0.8) v = -int(rand() * 1000)
			else v = sprintf("%.3f", rand() * 5)
			sub(/^-0\.0e/, "0.0e", v)
			p = rand() < 0.5 ? int(rand() * 50) + 1 : sprintf("%.2f", 0.5 + rand() * 100)
			printf "k%d\t%s\t%s\t%s\n", int(rand() * nk), v, W[1 + int(rand() * nw)], p
		}
		for (g = 1; g <= 4; g++)
			for (i = 1; i <= g; i++)
				printf "g%d\t%s\t%s\t%d\n", g, (i * 7 % 5) - 2.5, W[i], i * 3
	}' > "$1"
}

DM=(median 2 q1 2 q3 2 iqr 2 perc 2 perc:90 2 mode 2 antimode 2 mad 2 madraw 2
	trimmean 2 trimmean:0.2 2 sskew 2 pskew 2 skurt 2 pkurt 2 dpo 2 jarque 2
	geomean 4 harmmean 4 unique 3 collapse 3 countunique 3 perc:1 4 perc:100 4 trimmean:0.5 4)
FP='median:2 q1:2 q3:2 iqr:2 perc:2 perc:2:90 mode:2 antimode:2 mad:2 madraw:2
	trimmean:2 trimmean:2:0.2 sskew:2 pskew:2 skurt:2 pkurt:2 dpo:2 jarque:2
	geomean:4 harmmean:4 unique:3 collapse:3 countunique:3 perc:4:1 perc:4:100 trimmean:4:0.5'
FP=$(echo $FP)

gen "$T/few.tsv" 21 3000 5
gen "$T/many.tsv" 22 4000 1500
for d in few many; do
	datamash -s -g 1 "${DM[@]}" < "$T/$d.tsv" > "$T/$d.ref"
	for jb in "1 1M" "2 1" "4 1K" "7 1" "7 4K"; do
		set -- $jb
		expect_out "$d: -j$1 -b$2" "$T/$d.ref" fp --tsv -j "$1" -b "$2" -e "group -k 1 $FP" "$T/$d.tsv"
	done
	expect_out "$d: pipe -j3 -b 2K" "$T/$d.ref" piped "$T/$d.tsv" --tsv -j 3 -b 2K -e "group -k 1 $FP"
done

# One group, all values; every op alone (no shared value list).
datamash "${DM[@]}" < "$T/few.tsv" > "$T/one.ref"
expect_out "one group -j4 -b 1K" "$T/one.ref" fp --tsv -j 4 -b 1K -e "group $FP" "$T/few.tsv"
set -- "${DM[@]}"
for op in $FP; do
	datamash -s -g 1 "$1" "$2" < "$T/few.tsv" > "$T/ref"
	expect_out "alone: $op" "$T/ref" fp --tsv -j 2 -b 2K -e "group -k 1 $op" "$T/few.tsv"
	shift 2
done

# Blank-separated input and a header: names as fields.
{ printf 'key val word pos\n'; tr '\t' ' ' < "$T/few.tsv"; } > "$T/h.txt"
datamash -W -H -s -g 1 median 2 mode 2 unique 3 collapse 3 < "$T/h.txt" | tail -n +2 > "$T/ref"
expect_out "header names, blanks" "$T/ref" fp -H -j 2 -b 1K -e 'group -k key median:val mode:val unique:word collapse:word' "$T/h.txt"

# Special values: constant groups (0/0 moments print -nan as datamash's),
# -0 and 0, negatives for geomean and harmmean, inf.
printf 'a\t5\nb\t-0\nb\t0\nb\t0\nc\t-1\nc\t4\nd\t1e400\nd\t2\na\t5\na\t5\ne\t0\ne\t3\n' > "$T/sp.tsv"
datamash -s -g 1 median 2 mode 2 sskew 2 pskew 2 skurt 2 pkurt 2 jarque 2 dpo 2 geomean 2 harmmean 2 mad 2 < "$T/sp.tsv" > "$T/ref" 2> /dev/null
expect_out "special values" "$T/ref" fp --tsv -j 2 -b 1 -e 'group -k 1 median:2 mode:2 sskew:2 pskew:2 skurt:2 pkurt:2 jarque:2 dpo:2 geomean:2 harmmean:2 mad:2' "$T/sp.tsv"

# ---- spilling ----------------------------------------------------------------------
mkdir "$T/tmp"
gen "$T/big.tsv" 23 30000 300
datamash -s -g 1 "${DM[@]}" < "$T/big.tsv" > "$T/big.ref"
for jb in "1 64K" "2 1K" "4 16K"; do
	set -- $jb
	expect_out "spill: --memory 64K -j$1 -b$2" "$T/big.ref" \
		fp --memory 64K --tmpdir "$T/tmp" --tsv -j "$1" -b "$2" -e "group -k 1 $FP" "$T/big.tsv"
done
expect_out "spill: --memory 1, pipe" "$T/few.ref" piped "$T/few.tsv" --memory 1 --tmpdir "$T/tmp" --tsv -j 2 -b 8K -e "group -k 1 $FP"
# One big group, its values in many runs.
datamash "${DM[@]}" < "$T/big.tsv" > "$T/ref"
expect_out "spill: one group" "$T/ref" fp --memory 64K --tmpdir "$T/tmp" --tsv -j 2 -b 8K -e "group $FP" "$T/big.tsv"
check_dir_listing "spill: no temporary file left" "$T/tmp"
expect_exit 74 'cannot create a temporary file in /nonexistent/dir' -- \
	fp --memory 64K --tmpdir /nonexistent/dir --tsv -j 2 -b 4K -e 'group -k 1 median:2' "$T/big.tsv"
expect_exit 74 'cannot create a temporary file in /nonexistent/dir' -- \
	fp --memory 64K --tmpdir /nonexistent/dir --tsv -j 2 -b 4K -e 'group -k 1 collapse:3' "$T/big.tsv"

# ---- partials ------------------------------------------------------------------------
head -n 1700 "$T/few.tsv" > "$T/a.tsv"
tail -n +1701 "$T/few.tsv" > "$T/b.tsv"
fp --tsv --partial -j 1 -b 1K -e "group -k 1 $FP" "$T/a.tsv" > "$T/a1.part"
fp --tsv --partial -j 4 -b 2K -e "group -k 1 $FP" "$T/b.tsv" > "$T/b4.part"
fp --tsv --partial -j 4 -b 1K -e "group -k 1 $FP" "$T/a.tsv" > "$T/a4.part"
fp --tsv --partial -j 1 -e "group -k 1 $FP" "$T/b.tsv" > "$T/b1.part"
expect_out "merge a(-j1) b(-j4)" "$T/few.ref" fp merge --tsv -e "group -k 1 $FP" "$T/a1.part" "$T/b4.part"
expect_out "merge a(-j4) b(-j1)" "$T/few.ref" fp merge --tsv -e "group -k 1 $FP" "$T/a4.part" "$T/b1.part"
# The order of the partials is the input order (collapse's).
datamash -s -g 1 collapse 3 < <(cat "$T/b.tsv" "$T/a.tsv") > "$T/ref"
fp --tsv --partial -j 1 -e "group -k 1 collapse:3" "$T/b.tsv" > "$T/bc.part"
fp --tsv --partial -j 4 -b 1K -e "group -k 1 collapse:3" "$T/a.tsv" > "$T/ac.part"
expect_out "merge b(-j1) a(-j4): collapse" "$T/ref" fp merge --tsv -e "group -k 1 collapse:3" "$T/bc.part" "$T/ac.part"
expect_out "merge, spilling" "$T/few.ref" fp merge --memory 1 --tmpdir "$T/tmp" --tsv -e "group -k 1 $FP" "$T/a4.part" "$T/b4.part"

# ---- errors --------------------------------------------------------------------------
for bad in "perc:2:0 64 bad percentile '0' (an integer from 1 to 100)" \
	"perc:2:101 64 bad percentile '101' (an integer from 1 to 100)" \
	"perc:2:5.5 64 bad percentile '5.5' (an integer from 1 to 100)" \
	"trimmean:2:0.6 64 bad trim fraction '0.6' (a decimal from 0 to 0.5)" \
	"trimmean:2:.2 64 bad trim fraction '.2' (a decimal from 0 to 0.5)" \
	"trimmean:2:1e-1 64 bad trim fraction '1e-1' (a decimal from 0 to 0.5)"; do
	set -- $bad
	msg=${bad#* * }
	expect_exit 64 "^forkpipe: group: op '$1': $(printf '%s' "$msg" | sed 's/[().]/\\&/g')\$" -- \
		fp --tsv -o "$T/out.tsv" -e "group -k 1 $1" "$T/few.tsv"
	[ -e "$T/out.tsv" ] && fail "$1: -o file left" || pass
done
expect_exit 64 "^forkpipe: group: unknown op 'medain:2' \\(ops: " -- fp --tsv -e 'group medain:2' "$T/few.tsv"
expect_exit 64 "^forkpipe: group: op 'median' needs a field: median:F" -- fp --tsv -e 'group median' "$T/few.tsv"
awk '{ print } NR == 2345 { print "k1\t1.5x\tw\t3" }' "$T/few.tsv" > "$T/bad.tsv"
o=$(head -n 2345 "$T/few.tsv" | wc -c)
for jb in "1 1M" "4 1K" "7 1"; do
	set -- $jb
	expect_exit 65 "^forkpipe: $T/bad\\.tsv: group: median:2: invalid numeric value in record 2346 at byte offset $o, field 2: '1\\.5x'\$" -- \
		fp --tsv -j "$1" -b "$2" -o "$T/out.tsv" -e 'group -k 1 count median:2' "$T/bad.tsv"
	[ -e "$T/out.tsv" ] && fail "bad value: -o file left" || pass
done
expect_exit 65 "^forkpipe: /dev/fd/[0-9]+: group: geomean:4: invalid numeric value in record 2346 at byte offset $o, field 4: 'x'\$" -- \
	fp --tsv -e 'group -k 1 geomean:4' <(awk '{ print } NR == 2345 { print "k1\t1\tw\tx" }' "$T/few.tsv")
{ head -n 100 "$T/few.tsv"; printf 'k3\t1\n'; } > "$T/short.tsv"
o=$(head -n 100 "$T/few.tsv" | wc -c)
expect_exit 65 "^forkpipe: $T/short\\.tsv: group: sskew:4: record 101 at byte offset $o has 2 fields, no field 4\$" -- \
	fp --tsv -j 2 -b 1K -e 'group -k 1 sskew:4' "$T/short.tsv"
expect_exit 65 "^forkpipe: $T/short\\.tsv: group: collapse:3: record 101 at byte offset $o has 2 fields, no field 3\$" -- \
	fp --tsv -j 2 -b 1K -e 'group -k 1 collapse:3' "$T/short.tsv"
expect_exit 65 "^forkpipe: $T/short\\.tsv: group: unique:3: record 101 at byte offset $o has 2 fields, no field 3\$" -- \
	fp --tsv -j 2 -b 1K -e 'group -k 1 unique:3' "$T/short.tsv"

finish
