#!/bin/bash
# e2e/cut-opts.sh - cut's GNU options against LC_ALL=C coreutils cut: -s,
# --complement, --output-delimiter, -b and -c LIST, with -d, --tsv and -z
# input, at several job counts and chunk sizes, from files and pipes; a
# header cut as its records; every bad combination refused with 64.
. "$TEST_SRCDIR/lib.sh"

command -v cut > /dev/null 2>&1 || die "reference tool 'cut' not found"

# gen_cut FILE SEED NLINES D: lines of 1 to 8 fields separated by D, with
# empty fields and lines, lines without D, high bytes, CRs, NULs and one
# 20 KB line.
gen_cut() {
	awk -v seed="$2" -v n="$3" -v d="$4" 'BEGIN {
		srand(seed)
		nw = split("a b foo bar 42 x_y A-B two.words", W, " ")
		W[++nw] = "caf\351\377"; W[++nw] = "sp ace"; W[++nw] = "cr\r"
		for (i = 1; i <= n; i++) {
			if (i == int(n / 2)) {
				s = "big"
				while (length(s) < 20000) s = s d W[1 + int(rand() * nw)]
				print s
				continue
			}
			r = rand()
			if (r < 0.05) { print ""; continue }
			if (r < 0.12) { print W[1 + int(rand() * nw)]; continue }
			nf = 1 + int(rand() * 8)
			s = ""
			for (f = 1; f <= nf; f++)
				s = s (f > 1 ? d : "") (rand() < 0.2 ? "" : W[1 + int(rand() * nw)])
			print s
		}
	}' > "$1"
	printf 'nul\000in:side\tx:y\tz\n' >> "$1"
}

gen_cut "$T/colon" 11 900 ':'
gen_cut "$T/tab" 12 900 $'\t'
gen_nofinal "$T/colon" "$T/colon.nofinal"
tr '\n\000' '\000\n' < "$T/colon" > "$T/colon.z"

CONFIGS=("1 1" "2 default" "4 7" "7 default" "2 1" "7 100" "1 default" "4 1")
i=0
# check NAME INPUT "FP_OPTS" "STAGE" REF_CMD...: the reference's output is
# compared with forkpipe's from the file and from a pipe, each at one of
# the CONFIGS (taken in turn).
check() {
	local name=$1 in=$2 fpopts=$3 stage=$4 j b bopt
	shift 4
	"$@" < "$in" > "$T/ref" 2> "$T/ref.err" || die "reference failed: $* ($(head -c 200 "$T/ref.err"))"
	set -- ${CONFIGS[$((i % ${#CONFIGS[@]}))]}
	j=$1 b=$2 bopt=()
	[ "$b" = default ] || bopt=(-b "$b")
	# shellcheck disable=SC2086
	expect_out "$name -j$j -b$b" "$T/ref" fp $fpopts -j "$j" "${bopt[@]}" -e "$stage" "$in"
	set -- ${CONFIGS[$(((i + 3) % ${#CONFIGS[@]}))]}
	j=$1 b=$2 bopt=()
	[ "$b" = default ] || bopt=(-b "$b")
	# shellcheck disable=SC2086
	expect_out "$name, pipe -j$j -b$b" "$T/ref" piped "$in" $fpopts -j "$j" "${bopt[@]}" -e "$stage"
	i=$((i + 1))
}

# ---- -s, --complement, --output-delimiter with fields (ascending lists) ----
for list in 1 2 1,3 2- -2 1,3-4,6- 9 1-3,2-5; do
	check "-d: -s -f $list" "$T/colon" "-d :" "cut -s -f $list" cut -d : -s -f "$list"
	check "-d: --complement -f $list" "$T/colon" "-d :" "cut --complement -f $list" cut -d : --complement -f "$list"
	check "--tsv -s --complement -f $list" "$T/tab" "--tsv" "cut -s --complement -f $list" cut -s --complement -f "$list"
	check "-d: -f $list --output-delimiter=XY" "$T/colon" "-d :" "cut -f $list --output-delimiter=XY" \
		cut -d : -f "$list" --output-delimiter=XY
done
# An empty output delimiter is a NUL, as GNU cut takes it.
check "-d: --output-delimiter= (empty)" "$T/colon" "-d :" "cut -f 1,3- --output-delimiter=" cut -d : -f 1,3- --output-delimiter=
check "-d: --output-delimiter with a tab, -s, --complement" "$T/colon" "-d :" \
	"cut -s --complement -f 2 --output-delimiter='	'" cut -d : -s --complement -f 2 --output-delimiter=$'\t'
check "-d: last record without newline, -s" "$T/colon.nofinal" "-d :" "cut -s -f 2,3" cut -d : -s -f 2,3
check "-z -d: -s --complement" "$T/colon.z" "-z -d :" "cut -s --complement -f 1" cut -z -d : -s --complement -f 1
cut -z -d $'\n' -s -f 2 "$T/colon" > "$T/ref"
expect_out "-z -d newline -s" "$T/ref" fp -z -d $'\n' -j 2 -b 1 -e 'cut -s -f 2' "$T/colon"

# ---- -b and -c ----
for list in 1 3 1-4 5- -3 2,4,6 1-3,2-5,9- 3,1 1,2,3 1-2,3-4 20000- 7-9,1-2; do
	check "-b $list" "$T/colon" "" "cut -b $list" cut -b "$list"
	check "-b $list --complement" "$T/colon" "" "cut -b $list --complement" cut -b "$list" --complement
	check "-c $list --output-delimiter=::" "$T/tab" "" "cut -c $list --output-delimiter=::" \
		cut -c "$list" --output-delimiter=::
	check "-b $list --complement --output-delimiter=|" "$T/colon" "" "cut -b $list --complement --output-delimiter='|'" \
		cut -b "$list" --complement --output-delimiter='|'
	check "-z -b $list" "$T/colon.z" "-z" "cut -b $list" cut -z -b "$list"
done
check "-c 1,3-" "$T/colon" "" "cut -c 1,3-" cut -c 1,3-
check "-b on a file without its final newline" "$T/colon.nofinal" "" "cut -b 2-3" cut -b 2-3
check "-c with -d (ignored, as cut)" "$T/colon" "-d :" "cut -c 1-5" cut -c 1-5

# One case at every job count and chunk size.
cut -b 1-3,5- --output-delimiter=: "$T/colon" > "$T/ref.all"
cut -d : -s --complement -f 2 "$T/colon" > "$T/ref.all2"
for j in 1 2 4 7; do
	for b in 1 default; do
		bopt=()
		[ "$b" = default ] || bopt=(-b "$b")
		expect_out "-b at -j$j -b$b" "$T/ref.all" fp -j "$j" "${bopt[@]}" -e 'cut -b 1-3,5- --output-delimiter=:' "$T/colon"
		expect_out "-b at -j$j -b$b, pipe" "$T/ref.all" piped "$T/colon" -j "$j" "${bopt[@]}" -e 'cut -b 1-3,5- --output-delimiter=:'
		expect_out "-s --complement at -j$j -b$b" "$T/ref.all2" fp -d : -j "$j" "${bopt[@]}" -e 'cut -s --complement -f 2' "$T/colon"
		expect_out "-s --complement at -j$j -b$b, pipe" "$T/ref.all2" piped "$T/colon" -d : -j "$j" "${bopt[@]}" -e 'cut -s --complement -f 2'
	done
done

# Empty input.
: > "$T/empty"
expect_out "-b on empty input" "$T/empty" fp -e 'cut -b 1' "$T/empty"
expect_out "-s on empty input" "$T/empty" fp -d : -e 'cut -s -f 1' "$T/empty"

# ---- a header is cut as its records: the first line by cut ----
printf 'name:age:zip\nann:3:x1\nbob:4:x2\nnodelim\n' > "$T/people"
cut -d : --complement -f 2 --output-delimiter=' | ' "$T/people" > "$T/ref"
expect_out "-H --complement --output-delimiter" "$T/ref" fp -d : -H -j 2 -b 1 -e "cut --complement -f age --output-delimiter=' | '" "$T/people"
cut -b 2-4,7- --output-delimiter=. "$T/people" > "$T/ref"
expect_out "-H -b --output-delimiter" "$T/ref" fp -d : -H -j 2 -b 1 -e 'cut -b 2-4,7- --output-delimiter=.' "$T/people"
{ head -n 1 "$T/people"; tail -n +2 "$T/people" | cut -d : -s -f 1-; } > "$T/ref"
expect_out "-H -s: the header stays" "$T/ref" fp -d : -H -e 'cut -s -f 1-' "$T/people"

# ---- CSV: --output-delimiter of one byte; the fields that need quotes
# with it are quoted ----
printf 'a,"b;c",d\n"x,y",,"q""q"\n' > "$T/csv"
printf 'a;"b;c";d\nx,y;;"q""q"\n' > "$T/ref"
expect_out "--csv --output-delimiter=;" "$T/ref" fp --csv -j 2 -b 1 -e 'cut -f 1- --output-delimiter=";"' "$T/csv"
printf 'a,"b;c",d\nsingle\n' > "$T/csv2"
printf 'b;c,d\n' > "$T/ref"
expect_out "--csv -s --complement" "$T/ref" fp --csv -e 'cut -s --complement -f 1' "$T/csv2"

# ---- errors: 64, one line, nothing written ----
ODIR=$T/odir
mkdir "$ODIR"
bad() {	# REGEX STAGE [FP_OPTS...]
	local re=$1 stage=$2
	shift 2
	expect_exit 64 "$re" -- fp "$@" -e "$stage" -o "$ODIR/result" "$T/colon"
	check_empty "$stage: nothing on stdout" "$EE_OUT"
}
bad '^forkpipe: cut: only one of -f, -b and -c may be given$' 'cut -f 1 -b 2'
bad '^forkpipe: cut: only one of -f, -b and -c may be given$' 'cut -c 1 -b 2'
bad '^forkpipe: cut: missing -f LIST \(or -b LIST, -c LIST\)$' 'cut -s'
bad '^forkpipe: cut: -s keeps the records that contain the delimiter: it needs -f, not -b$' 'cut -s -b 1'
bad '^forkpipe: cut: -s keeps the records that contain the delimiter: it needs -f, not -c$' 'cut -c 1 -s'
bad "^forkpipe: cut: field list: bad field '0' \\(fields are numbered from 1\\)\$" 'cut -b 0'
bad "^forkpipe: cut: field list: decreasing range '3-2'\$" 'cut -c 3-2'
bad "^forkpipe: cut: byte positions are numbers from 1, not names \\('name'\\)\$" 'cut -b 1,name'
bad "^forkpipe: cut: --output-delimiter: CSV output needs one byte, not '::'\$" 'cut -f 1 --output-delimiter=::' --csv
bad '^forkpipe: cut: --output-delimiter: the delimiter cannot be NUL, which ends records with -z$' 'cut -f 1 --output-delimiter=' --csv -z
bad "^forkpipe: cut: --output-delimiter: the delimiter of CSV cannot be '\"', which quotes its fields \\(without --csv it is a plain delimiter\\)\$" \
	"cut -f 1 --output-delimiter='\"'" --csv
bad '^forkpipe: cut: a CSV header \(--header\) is cut by fields, in CSV: not with -b, -c or --output-delimiter$' 'cut -b 1' --csv -H
bad "^forkpipe: -e: cut: unknown option '--complment'\$" 'cut --complment -f 1'
bad "^forkpipe: -e: cut: option '--output-delimiter' needs a value\$" 'cut -f 1 --output-delimiter'
check_dir_listing "refused cut options: no output file" "$ODIR"

finish
