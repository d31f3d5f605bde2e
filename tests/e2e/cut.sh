#!/bin/bash
# e2e/cut.sh - the cut stage against coreutils cut -d C -f LIST (for -d and
# --tsv input, ascending lists) and awk (whitespace-separated input), by
# header names with --header, from files and pipes at several job counts
# and chunk sizes; bad field lists and the YAML form.
. "$TEST_SRCDIR/lib.sh"

command -v cut > /dev/null 2>&1 || die "reference tool 'cut' not found"

# gen_delim FILE SEED NLINES D: lines of 2 to 10 fields separated by the
# byte D, with empty fields, empty lines, lines without D, lines of D
# alone, CRs before the newline, the other usual separator (tab or ':')
# and blanks as data, high bytes and a NUL; a 100 KB line in the middle.
gen_delim() {
	awk -v seed="$2" -v n="$3" -v d="$4" 'BEGIN {
		srand(seed)
		other = d == ":" ? "\t" : ":"
		nw = split("a b foo bar 42 3.14 x_y A-B", W, " ")
		W[++nw] = "two words"; W[++nw] = "in" other "side"; W[++nw] = " lead"; W[++nw] = "caf\351\377"
		for (i = 1; i <= n; i++) {
			r = rand()
			if (i == int(n / 2)) {
				s = "big"
				while (length(s) < 102400) s = s d W[1 + int(rand() * nw)] d
				print s
				continue
			}
			if (r < 0.05) { print ""; continue }
			if (r < 0.10) { print W[1 + int(rand() * nw)]; continue }
			if (r < 0.13) {
				s = ""
				for (k = 1 + int(rand() * 5); k > 0; k--) s = s d
				print s
				continue
			}
			nf = 2 + int(rand() * 9)
			s = ""
			for (f = 1; f <= nf; f++)
				s = s (f > 1 ? d : "") (rand() < 0.2 ? "" : W[1 + int(rand() * nw)])
			if (rand() < 0.05) s = s "\r"
			print s
		}
	}' > "$1"
	printf 'nul\000in:side\tfield:x\ty\n' >> "$1"
}

gen_delim "$T/colon" 5 1500 ':'
gen_delim "$T/tab" 6 1500 $'\t'
gen_nofinal "$T/colon" "$T/colon.nofinal"

# Ascending lists: cut -d C -f LIST is the reference.
LISTS=(1 2 3 1,3 1-3 2-4 3- -2 1,3-4,6- 9 7-20 2,4,6,8 1- 1-3,2-5 1,2,3,4,5,6,7,8,9,10,11)
CONFIGS=("1 1" "2 7" "4 100" "1 1M" "2 1" "4 7" "1 100" "2 1M" "4 1" "1 7" "2 100" "4 1M")

i=0
for list in "${LISTS[@]}"; do
	for d in colon tab; do
		if [ "$d" = colon ]; then opt=(-d :); else opt=(--tsv); fi
		cut -d "$([ "$d" = colon ] && echo : || printf '\t')" -f "$list" "$T/$d" > "$T/ref" ||
			die "cut -f $list failed"
		set -- ${CONFIGS[$((i % ${#CONFIGS[@]}))]}
		expect_out "$d: cut -f $list -j$1 -b$2" "$T/ref" fp "${opt[@]}" -j "$1" -b "$2" -e "cut -f $list" "$T/$d"
		set -- ${CONFIGS[$(((i + 5) % ${#CONFIGS[@]}))]}
		expect_out "$d: cut -f $list, pipe -j$1 -b$2" "$T/ref" piped "$T/$d" "${opt[@]}" -j "$1" -b "$2" -e "cut -f $list"
		i=$((i + 1))
	done
done

# One list at every job count and chunk size, from a file and a pipe.
cut -d : -f 1,3-4,6- "$T/colon" > "$T/ref.colon"
cut -f 2,5- "$T/tab" > "$T/ref.tab"
for j in 1 2 4; do
	for b in 1 7 100 1M; do
		expect_out "colon: cut -f 1,3-4,6- -j$j -b$b" "$T/ref.colon" fp -d : -j "$j" -b "$b" -e 'cut -f 1,3-4,6-' "$T/colon"
		expect_out "colon: cut -f 1,3-4,6-, pipe -j$j -b$b" "$T/ref.colon" piped "$T/colon" -d : -j "$j" -b "$b" -e 'cut -f 1,3-4,6-'
		expect_out "tab: cut -f 2,5- -j$j -b$b" "$T/ref.tab" fp --tsv -j "$j" -b "$b" -e 'cut -f 2,5-' "$T/tab"
		expect_out "tab: cut -f 2,5-, pipe -j$j -b$b" "$T/ref.tab" piped "$T/tab" --tsv -j "$j" -b "$b" -e 'cut -f 2,5-'
	done
done

# No final newline: cut terminates the last line, so does forkpipe.
cut -d : -f 2,4 "$T/colon.nofinal" > "$T/ref"
for jb in "1 1" "2 7" "4 1M"; do
	set -- $jb
	expect_out "no final newline: cut -f 2,4 -j$1 -b$2" "$T/ref" fp -d : -j "$1" -b "$2" -e 'cut -f 2,4' "$T/colon.nofinal"
	expect_out "no final newline: cut -f 2,4, pipe -j$1 -b$2" "$T/ref" piped "$T/colon.nofinal" -d : -j "$1" -b "$2" -e 'cut -f 2,4'
done

# The other spellings of a tab, and cut followed by other stages.
cut -f 1,3 "$T/tab" > "$T/ref"
expect_out "-d '\\t' is --tsv" "$T/ref" fp -d '\t' -e 'cut -f 1,3' "$T/tab"
expect_out "-d tab is --tsv" "$T/ref" fp -d tab -e 'cut -f 1,3' "$T/tab"
cut -d : -f 2 "$T/colon" | grep -a -F foo > "$T/ref"
expect_out "cut then grep" "$T/ref" fp -d : -j 2 -b 100 -e 'cut -f 2' -e 'grep -F foo' "$T/colon"
cut -d : -f 2 "$T/colon" | grep -a -c -F foo > "$T/ref"
expect_out "cut, grep, count" "$T/ref" fp -d : -j 2 -b 100 -e 'cut -f 2' -e 'grep -F foo' -e count "$T/colon"
printf 'a:c\n' > "$T/ref"
expect_out "a field at most once, in the order given" "$T/ref" fp -d : -e 'cut -f 1,1-1,3,1' <(printf 'a:b:c\n')
printf 'c:a\n' > "$T/ref"
expect_out "the order given" "$T/ref" fp -d : -e 'cut -f 3,1' <(printf 'a:b:c\n')

# ---- whitespace-separated input: awk is the reference ---------------------
# forkpipe splits on runs of blanks and joins with one space, as awk does,
# but prints nothing for a missing field where awk prints an empty one:
# where every line has the fields, awk '{ print $1, $3 }' is exact; for
# every line, the reference skips the fields a line lacks.
gen_words "$T/words" 11 2500
awk 'NF >= 4' "$T/words" > "$T/words4"
awk '{ print $1, $3 }' "$T/words4" > "$T/ref13"
awk '{ print $2, $3, $4 }' "$T/words4" > "$T/ref24"
awk '{ print $4, $1 }' "$T/words4" > "$T/ref41"
for jb in "1 1" "2 7" "4 100" "2 1M"; do
	set -- $jb
	expect_out "blanks, 4+ fields: cut -f 1,3 -j$1 -b$2" "$T/ref13" fp -j "$1" -b "$2" -e 'cut -f 1,3' "$T/words4"
	expect_out "blanks, 4+ fields: cut -f 2-4, pipe -j$1 -b$2" "$T/ref24" piped "$T/words4" -j "$1" -b "$2" -e 'cut -f 2-4'
	expect_out "blanks, 4+ fields: cut -f 4,1 -j$1 -b$2" "$T/ref41" fp -j "$1" -b "$2" -e 'cut -f 4,1' "$T/words4"
done
# ref_blanks FIELDS... < FILE: the fields a line has, in this order,
# joined by one space.
ref_blanks() {
	awk -v list="$*" 'BEGIN { n = split(list, L, " ") }
	{
		s = ""; k = 0
		for (i = 1; i <= n; i++)
			if (L[i] <= NF) s = s (k++ ? " " : "") $(L[i])
		print s
	}'
}
gen_small "$T/small" 12 400
for spec in "1,3:1 3" "2:2" "3-5:3 4 5" "-2:1 2" "6-:$(seq -s ' ' 6 40)" "5,1:5 1" "12:12"; do
	list=${spec%%:*}
	ref_blanks ${spec#*:} < "$T/words" > "$T/ref"
	expect_out "blanks: cut -f $list -j2 -b7" "$T/ref" fp -j 2 -b 7 -e "cut -f $list" "$T/words"
	expect_out "blanks: cut -f $list, pipe -j3 -b1" "$T/ref" piped "$T/words" -j 3 -b 1 -e "cut -f $list"
	ref_blanks ${spec#*:} < "$T/small" > "$T/ref"
	expect_out "blanks, binary and CRLF lines: cut -f $list -j4 -b100" "$T/ref" fp -j 4 -b 100 -e "cut -f $list" "$T/small"
done

# ---- header names (--header) ----------------------------------------------
{
	printf 'id:name:city:zip:note\n'
	awk 'BEGIN { srand(3); for (i = 1; i <= 800; i++) printf "%d:n%d:%s:%05d:%s\n", i, i % 17, (rand() < 0.1 ? "" : "c" int(rand() * 50)), int(rand() * 99999), (rand() < 0.3 ? "x:y" : "z") }'
	printf 'lone line\n\n'
} > "$T/people"
tr ':' '\t' < "$T/people" > "$T/people.tsv"
cut -d : -f 2,4 "$T/people" > "$T/ref"
cut -f 2,4 "$T/people.tsv" > "$T/ref.tsv"
for jb in "1 1" "2 7" "4 1M"; do
	set -- $jb
	expect_out "-H cut -f name,zip -j$1 -b$2" "$T/ref" fp -d : -H -j "$1" -b "$2" -e 'cut -f name,zip' "$T/people"
	expect_out "-H cut -f 2,4 -j$1 -b$2" "$T/ref" fp -d : -H -j "$1" -b "$2" -e 'cut -f 2,4' "$T/people"
	expect_out "-H cut -f name,zip, pipe -j$1 -b$2" "$T/ref" piped "$T/people" -d : -H -j "$1" -b "$2" -e 'cut -f name,zip'
	expect_out "--tsv -H cut -f name,4 -j$1 -b$2" "$T/ref.tsv" fp --tsv -H -j "$1" -b "$2" -e 'cut -f name,4' "$T/people.tsv"
done
cut -d : -f 3- "$T/people" > "$T/ref"
expect_out "-H cut -f city,4-" "$T/ref" fp -d : -H -e 'cut -f city,4-' "$T/people"
# Reordered by name: awk with the same delimiter (every data line but the
# last two has the five fields; those two are kept whole, as cut -d does).
awk -F : -v OFS=: 'NF >= 5 { print $4, $1; next } { print }' "$T/people" > "$T/ref"
expect_out "-H cut -f zip,id (reordered)" "$T/ref" fp -d : -H -j 2 -b 7 -e 'cut -f zip,id' "$T/people"
# A header name that is also a number is taken as the number.
printf '2:1\nb:a\n' > "$T/numhdr"
printf '2\nb\n' > "$T/ref"
expect_out "-H cut -f 1 is the first field, even when a field is named 1" "$T/ref" fp -d : -H -e 'cut -f 1' "$T/numhdr"
# With a reducer the header is left out.
printf '%s\n' "$(($(wc -l < "$T/people") - 1))" > "$T/ref"
expect_out "-H cut -f name, count: no header" "$T/ref" fp -d : -H -j 2 -b 7 -e 'cut -f name' -e count "$T/people"

# ---- errors ----------------------------------------------------------------
printf 'a:b:c\n1:2:3\n' > "$T/abc"
expect_exit 64 'cut.*-f' -- fp -d : -e cut "$T/abc"
expect_exit 64 "'0'" -- fp -d : -e 'cut -f 0' "$T/abc"
expect_exit 64 "'0-2'" -- fp -d : -e 'cut -f 1,0-2' "$T/abc"
expect_exit 64 '3-1' -- fp -d : -e 'cut -f 3-1' "$T/abc"
expect_exit 64 'field' -- fp -d : -e 'cut -f a,' "$T/abc"
expect_exit 64 'field' -- fp -d : -e 'cut -f 1,,2' "$T/abc"
expect_exit 64 'field' -- fp -d : -e 'cut -f -' "$T/abc"
expect_exit 64 'field' -- fp -d : -e "cut -f ''" "$T/abc"
expect_exit 64 'header' -- fp -d : -e 'cut -f a' "$T/abc"
expect_exit 64 'nope' -- fp -d : -H -e 'cut -f a,nope' "$T/abc"
expect_exit 64 'nope' -- fp --csv -H -j 2 -e 'cut -f nope' -e count "$T/abc"
expect_exit 64 'delimiter' -- fp -d ab -e 'cut -f 1' "$T/abc"
check_empty "errors: nothing on stdout" "$EE_OUT"

# ---- YAML --------------------------------------------------------------------
cat > "$T/cut.yaml" <<EOF
input: {delimiter: ":"}
chunk-size: 7
jobs: 2
stages:
  - cut: {fields: "1,3"}
EOF
cut -d : -f 1,3 "$T/colon" > "$T/ref"
expect_out "YAML cut {fields: \"1,3\"}" "$T/ref" fp -c "$T/cut.yaml" "$T/colon"
cat > "$T/cuth.yaml" <<EOF
input: {delimiter: ":", header: true}
stages:
  - cut: {fields: "name,zip"}
  - grep: {pattern: "^n1[0-9]:"}
EOF
{ head -n 1 "$T/people" | cut -d : -f 2,4; cut -d : -f 2,4 "$T/people" | tail -n +2 | grep -a '^n1[0-9]:'; } > "$T/ref"
expect_out "YAML cut by header names, then grep" "$T/ref" fp -c "$T/cuth.yaml" "$T/people"
printf 'input: {delimiter: ":"}\nstages:\n  - cut: {fields: "0"}\n' > "$T/bad0.yaml"
expect_exit 78 'bad0\.yaml:3:[0-9]+: .*0' -- fp -c "$T/bad0.yaml" "$T/abc"
printf 'input: {delimiter: ":"}\nstages:\n  - cut: {}\n' > "$T/badf.yaml"
expect_exit 78 'badf\.yaml:3:[0-9]+: .*-f' -- fp -c "$T/badf.yaml" "$T/abc"

finish
