#!/bin/bash
# e2e/filter.sh - the filter stage against awk 'EXPR' (the same expression:
# comparisons, ~ with a string, && || ! and parentheses are awk syntax),
# byte for byte, on whitespace-separated and delimited data with numbers,
# strings and empty fields, across job counts, chunk sizes, files and
# stdin; then CSV, headers and errors.
. "$TEST_SRCDIR/lib.sh"

# gen_fields FILE SEED NLINES SEP: records of 0-7 fields drawn from
# integers, negatives, decimals, exponents, numeric-looking strings and
# words.  SEP "ws" separates with runs of blanks and tabs (and adds
# leading and trailing blanks); any other SEP is a delimiter, with empty
# fields and blanks around some numbers.  Values on which awks disagree
# (inf, nan, CR, VT, FF) are left out.
gen_fields() {
	awk -v seed="$2" -v n="$3" -v sep="$4" 'BEGIN {
		srand(seed)
		nv = split("0 1 2 5 7 9 10 11 42 99 100 -1 -2 -5 -10 -100 3.14 -0.5 0.5 10.0 " \
		    "1e1 1E3 2e-2 .5 5. +7 -0 007 0x1A 10x x10 abc foo bar Foo foo.bar " \
		    "a b ab abc_def 5a - . -- +", V, " ")
		V[++nv] = "\351t\351"
		V[++nv] = "zz"
		for (i = 1; i <= n; i++) {
			if (rand() < 0.04) { print ""; continue }
			k = int(rand() * 8)
			line = ""
			for (j = 1; j <= k; j++) {
				v = V[int(rand() * nv) + 1]
				if (sep == "ws") {
					s = rand()
					d = s < 0.1 ? "\t" : (s < 0.2 ? "  " : " ")
				} else {
					d = sep
					s = rand()
					if (s < 0.08) v = ""
					else if (s < 0.12 && v ~ /^[-+0-9.]/) v = " " v
					else if (s < 0.16 && v ~ /^[-+0-9.]/) v = v "\t"
				}
				line = line (j > 1 ? d : "") v
			}
			if (sep == "ws" && rand() < 0.05) line = " " line
			if (sep == "ws" && rand() < 0.05) line = line "\t"
			print line
		}
	}' > "$1"
}

gen_fields "$T/ws" 5 3000 ws
gen_fields "$T/colon" 6 3000 :
gen_fields "$T/tab" 7 1500 '	'
gen_nofinal "$T/ws" "$T/ws.nofinal"

# The expressions, each valid awk with the same meaning (regular
# expressions valid and alike in ERE and PCRE).
EXPRS=(
	'$1 > 10'
	'$1 == 10'
	'$1 == "10"'
	'$1 == 10.0 || $1 == "10.0"'
	'$1 < "5"'
	'$1 >= 1e1'
	'$1 < -1'
	'$1 == 0'
	'$1 != 0'
	'$1 >= -2.5 && $1 <= 7'
	'$2 < $3'
	'$2 == $3'
	'$2 >= $1'
	'$3 != ""'
	'$3 == ""'
	'$4 < 1'
	'$4 == 0'
	'$8 == ""'
	'$8 < 1'
	'$1 ~ "^[0-9]+$"'
	'$2 !~ "o"'
	'$1 ~ "\\."'
	'$3 ~ "^-?[0-9]*\\.?[0-9]+([eE][-+]?[0-9]+)?$"'
	'$0 ~ "foo" && $0 !~ "^[ \t]"'
	'$0 == ""'
	'$0 > "5"'
	'$2'
	'!$1'
	'!$1 == 0'
	'!($1 > 5) || $2 == "foo"'
	'($1 > 3) == ($2 > 3)'
	'$1 > 0 && $2 > 0 || $3 ~ "^a" && !($4 < 2)'
	'$5 > $1 || $6 ~ "^(ab|zz)"'
	$'$1 > "\351"'
	'$2 < -0.5 || $2 > 1e2'
	'$1 == 26 || $1 == "0x1A"'
	'$7'
)

REF_N=0
# check_filter NAME EXPR AWKFLAGS FILE -- FORKPIPE_OPTS...: forkpipe
# -e "filter EXPR" on FILE (stdin when the options hold "stdin") against
# awk AWKFLAGS 'EXPR' on the terminated file.
check_filter() {
	local name=$1 expr=$2 aflags=$3 file=$4 opts=() stdin= qexpr rc
	shift 5
	for o in "$@"; do
		if [ "$o" = stdin ]; then stdin=1; else opts+=("$o"); fi
	done
	terminate "$file" > "$T/term"
	# shellcheck disable=SC2086
	awk $aflags -- "$expr" < "$T/term" > "$T/exp"
	rc=$?
	[ "$rc" = 0 ] || die "reference awk $aflags '$expr' failed ($rc)"
	sq_v qexpr "$expr"
	if [ -n "$stdin" ]; then
		fp "${opts[@]}" -e "filter -- $qexpr" < "$file" > "$T/out" 2> "$T/err"
	else
		fp "${opts[@]}" -e "filter -- $qexpr" "$file" > "$T/out" 2> "$T/err"
	fi
	check_rc "$name (exit)" 0 $? "$T/err"
	check_same "$name" "$T/exp" "$T/out"
}

# ---- whitespace-separated, every expression, one setting ----
for e in "${EXPRS[@]}"; do
	check_filter "ws '$e'" "$e" '' "$T/ws" -- -j 2 -b 4K
done

# ---- jobs x chunk sizes x file/stdin, a few expressions ----
for e in '$1 > 10' '$2 == $3 || $4 ~ "^a"' '$3 < 1' '!$1 == 0'; do
	for j in 1 2 4; do
		for b in 1 100 1M; do
			check_filter "ws -j $j -b $b '$e'" "$e" '' "$T/ws" -- -j "$j" -b "$b"
			check_filter "ws stdin -j $j -b $b '$e'" "$e" '' "$T/ws" -- -j "$j" -b "$b" stdin
		done
	done
done
check_filter "ws no final newline" '$2 >= 0' '' "$T/ws.nofinal" -- -j 3 -b 1K
check_filter "ws no final newline, stdin" '$2 >= 0' '' "$T/ws.nofinal" -- -j 3 -b 1K stdin

# ---- delimited: -d : against awk -F:, --tsv against awk -F'\t' ----
for e in "${EXPRS[@]}"; do
	check_filter "-d : '$e'" "$e" '-F:' "$T/colon" -- -d : -j 2 -b 4K
done
for j in 1 4; do
	for b in 1 100 1M; do
		check_filter "-d : -j $j -b $b" '$2 < $3 && $1 != ""' '-F:' "$T/colon" -- -d : -j "$j" -b "$b"
		check_filter "-d : stdin -j $j -b $b" '$3 == 0 || $4 > 5' '-F:' "$T/colon" -- -d : -j "$j" -b "$b" stdin
	done
done
for e in '$1 > 10' '$2 == ""' '$3 ~ "^[a-z]+$" || $4 < 0' '$1 == $2'; do
	check_filter "--tsv '$e'" "$e" '-F\t' "$T/tab" -- --tsv -j 3 -b 1K
done

# ---- random expressions ----
# gen_exprs SEED N: N random expressions over fields, numbers and strings
# with every operator, nested up to three parentheses deep.
gen_exprs() {
	awk -v seed="$1" -v n="$2" '
	function pick(s,   a, k) {
		k = split(s, a, ",")
		return a[int(rand() * k) + 1]
	}
	function operand(   r) {
		r = rand()
		if (r < 0.5)
			return "$" int(rand() * 9)
		if (r < 0.75)
			return pick("10,-1,0,2.5,1e1,-0.5,7,100,.5,-2")
		return "\"" pick("10,abc,,5,a,foo,-1,zz,10.0,1e1") "\""
	}
	function unary(d,   r) {
		r = rand()
		if (r < 0.15)
			return "!" unary(d)
		if (r < 0.3 && d < 3)
			return "(" expr(d + 1) ")"
		return operand()
	}
	function cmp(d,   r) {
		r = rand()
		if (r < 0.55)
			return unary(d) " " pick("==,!=,<,<=,>,>=") " " unary(d)
		if (r < 0.75)
			return unary(d) " " pick("~,!~") " \"" pick("^a,o+,^[0-9]+$,\\\\.,^-,b$,x|y,") "\""
		return unary(d)
	}
	function and_(d,   s) {
		s = cmp(d)
		while (rand() < 0.3)
			s = s " && " cmp(d)
		return s
	}
	function expr(d,   s) {
		s = and_(d)
		while (rand() < 0.3)
			s = s " || " and_(d)
		return s
	}
	BEGIN {
		srand(seed)
		for (i = 0; i < n; i++)
			print expr(0)
	}'
}
SIZES=(1 100 4K 1M)
gen_exprs 11 80 > "$T/exprs"
i=0
while IFS= read -r e; do
	i=$((i + 1))
	check_filter "random ws #$i '$e'" "$e" '' "$T/ws" -- -j $((i % 4 + 1)) -b "${SIZES[i % 4]}"
done < "$T/exprs"
gen_exprs 12 50 > "$T/exprs"
i=0
while IFS= read -r e; do
	i=$((i + 1))
	check_filter "random -d : #$i '$e'" "$e" -F: "$T/colon" -- -d : -j $((i % 3 + 1)) -b "${SIZES[i % 4]}"
done < "$T/exprs"

# ---- NUL-terminated records with newlines inside, -z -d : ----
awk 'BEGIN { srand(9) } { printf "%s%s", $0, (rand() < 0.2 ? "\n" : "\000") } END { printf "\000" }' \
	"$T/colon" > "$T/nul"
for e in '$2 < $3' '$0 ~ "1\n"' '$1 == 0 || $3 ~ "a$"'; do
	awk -F: 'BEGIN { RS = "\0"; ORS = "\0" } '"$e" < "$T/nul" > "$T/exp"
	fp -z -d : -j 3 -b 1K -e "filter $(sq "$e")" "$T/nul" > "$T/out" 2> "$T/err"
	check_rc "-z '$e' (exit)" 0 $? "$T/err"
	check_same "-z '$e'" "$T/exp" "$T/out"
done

# ---- header: names, written once, compared with awk NR == 1 || ... ----
{
	printf 'id value name\n'
	awk '{ printf "%d %s %s\n", NR, $1, $2 }' "$T/ws"
} > "$T/hdr"
for spec in '$value > 10@$2 > 10' '${name} ~ "^a" || $id < 5@$3 ~ "^a" || $1 < 5' \
    '$value == $2 && $name != ""@$2 == $2 && $3 != ""'; do
	fexpr=${spec%%@*} aexpr=${spec#*@}
	awk "NR == 1 || ($aexpr)" "$T/hdr" > "$T/exp"
	for j in 1 3; do
		fp -H -j "$j" -b 1K -e "filter $(sq "$fexpr")" "$T/hdr" > "$T/out" 2> "$T/err"
		check_rc "-H '$fexpr' -j $j (exit)" 0 $? "$T/err"
		check_same "-H '$fexpr' -j $j" "$T/exp" "$T/out"
		fp -H -j "$j" -b 1K -e "filter $(sq "$fexpr")" < "$T/hdr" > "$T/out" 2> "$T/err"
		check_rc "-H stdin '$fexpr' -j $j (exit)" 0 $? "$T/err"
		check_same "-H stdin '$fexpr' -j $j" "$T/exp" "$T/out"
	done
done

# ---- CSV: quoted fields with delimiters, quotes and newlines ----
printf '%s\r\n' 'name,qty,note' > "$T/csv"
for i in $(seq 1 400); do
	case $((i % 5)) in
	0) printf '"item %d, big",%d,"say ""hi"""\n' "$i" "$i" ;;
	1) printf 'item%d,"%d","two\nlines"\n' "$i" "$i" ;;
	2) printf 'item%d,%d.5,\n' "$i" "$i" ;;
	3) printf '"a,b",x%d,"note"\n' "$i" ;;
	4) printf 'item%d, %d ,plain\n' "$i" "$i" ;;
	esac
done >> "$T/csv"
# csv_expect: the records of the indexes on stdin, as generated above.
csv_expect() {
	local i
	while read -r i; do
		case $((i % 5)) in
		0) printf '"item %d, big",%d,"say ""hi"""\n' "$i" "$i" ;;
		1) printf 'item%d,"%d","two\nlines"\n' "$i" "$i" ;;
		2) printf 'item%d,%d.5,\n' "$i" "$i" ;;
		3) printf '"a,b",x%d,"note"\n' "$i" ;;
		4) printf 'item%d, %d ,plain\n' "$i" "$i" ;;
		esac
	done
}
# $2 > 100: numeric for cases 0 1 2 4 (quoted "N" and " N " are numbers),
# string "xN" > "100" for case 3.
seq 1 400 | awk '$1 % 5 == 3 || $1 > 100' | csv_expect > "$T/exp"
# Without -H the header is a record, kept: "qty" > "100" as strings.
{ printf '%s\r\n' 'name,qty,note'; cat "$T/exp"; } > "$T/exp.h"
for j in 1 4; do
	for b in 1 100 1M; do
		fp --csv -j "$j" -b "$b" -e "filter '\$2 > 100'" "$T/csv" > "$T/out" 2> "$T/err"
		check_rc "csv -j $j -b $b (exit)" 0 $? "$T/err"
		check_same "csv -j $j -b $b" "$T/exp.h" "$T/out"
		fp --csv -j "$j" -b "$b" -e "filter '\$2 > 100'" < "$T/csv" > "$T/out" 2> "$T/err"
		check_rc "csv stdin -j $j -b $b (exit)" 0 $? "$T/err"
		check_same "csv stdin -j $j -b $b" "$T/exp.h" "$T/out"
	done
done
seq 1 400 | awk '$1 % 5 == 0 || $1 % 5 == 3' | csv_expect > "$T/exp"
fp --csv -H -j 3 -b 1K -e "filter '\$name ~ \",\" && \$note != \"two\nlines\"'" "$T/csv" > "$T/out.b" 2> "$T/err"
check_rc "csv -H names (exit)" 0 $? "$T/err"
{ printf '%s\r\n' 'name,qty,note'; cat "$T/exp"; } > "$T/exp.h"
check_same "csv -H names" "$T/exp.h" "$T/out.b"
seq 1 400 | awk '$1 % 5 == 1' | csv_expect > "$T/exp"
fp --csv -H -j 2 -b 100 -e "filter '\$note == \"two\nlines\" && \$0 ~ \"\\n\"'" "$T/csv" > "$T/out" 2> "$T/err"
check_rc "csv newline in a field (exit)" 0 $? "$T/err"
{ printf '%s\r\n' 'name,qty,note'; cat "$T/exp"; } > "$T/exp.h"
check_same "csv newline in a field" "$T/exp.h" "$T/out"
seq 1 400 | awk '$1 % 5 == 0' | csv_expect > "$T/exp"
fp --csv -H -j 2 -e "filter '\${note} == \"say \\\"hi\\\"\"'" "$T/csv" > "$T/out" 2> "$T/err"
check_rc "csv doubled quotes (exit)" 0 $? "$T/err"
{ printf '%s\r\n' 'name,qty,note'; cat "$T/exp"; } > "$T/exp.h"
check_same "csv doubled quotes" "$T/exp.h" "$T/out"

# ---- errors ----
printf '1 2\n3 4\n' > "$T/two"
expect_exit 64 "filter: unexpected '\\)' at position 7" -- fp -e "filter '\$1 == )'" "$T/two"
expect_exit 64 "filter: unexpected end of expression at position 6" -- fp -e "filter '\$1 =='" "$T/two"
expect_exit 64 "filter: unexpected '=' at position 4" -- fp -e "filter '\$1 = 1'" "$T/two"
# and/or/not as words: the message says which operator to write.
rm -f "$T/fout"
expect_exit 64 "^forkpipe: filter: unexpected 'and' at position 11 \\(write '&&' for 'and'\\)\$" -- \
	fp -o "$T/fout" -e "filter '\$9 == 404 and \$1 == 2'" "$T/two"
[ ! -e "$T/fout" ] && pass || fail "filter ... and ...: -o output left"
expect_exit 64 "unexpected 'or' at position 11 \\(write '\\|\\|' for 'or'\\)\$" -- \
	fp -e "filter '\$9 == 404 or \$1 == 2'" "$T/two"
expect_exit 64 "unexpected 'not' at position 1 \\(write '!' for 'not'\\)\$" -- \
	fp -e "filter 'not \$9 == 404'" "$T/two"
expect_exit 64 "filter: unterminated string at position 7" -- fp -e "filter '\$1 == \"ab'" "$T/two"
expect_exit 64 "filter: invalid regular expression at position 6" -- fp -e "filter '\$1 ~ \"(\"'" "$T/two"
expect_exit 64 "filter: unexpected '<' at position 8" -- fp -e "filter '\$1 < 2 < 3'" "$T/two"
expect_exit 64 "filter: field '\\\$x': field names need a header" -- fp -e "filter '\$x == 1'" "$T/two"
expect_exit 64 "filter: field '\\\$x': no such field in the header" -- fp -H -e "filter '\$x == 1'" "$T/two"
expect_exit 64 "filter: unexpected argument" -- fp -e "filter \$1 == 1" "$T/two"
expect_exit 64 "filter" -- fp -e "filter" "$T/two"
printf 'stages:\n  - filter: {expression: "$1 == )"}\n' > "$T/bad.yaml"
expect_exit 78 "unexpected '\\)' at position 7" -- fp -c "$T/bad.yaml" "$T/two"
printf 'a,b\n"x"y,2\n' > "$T/bad.csv"
expect_exit 65 "malformed CSV" -- fp --csv -e "filter '\$2 == 2'" "$T/bad.csv"

# A YAML pipeline runs the filter too.
printf 'stages:\n  - filter: {expression: "$1 > 2"}\n' > "$T/ok.yaml"
fp -c "$T/ok.yaml" "$T/two" > "$T/out" 2> "$T/err"
check_rc "yaml filter (exit)" 0 $? "$T/err"
check_text "yaml filter" "3 4" "$T/out"

# Filtering then counting, and an expression that starts with '-'.
awk '$1 > 10' "$T/ws" | wc -l | awk '{ print $1 }' > "$T/exp"
fp -j 3 -b 1K -e "filter '\$1 > 10'" -e count "$T/ws" > "$T/out" 2> "$T/err"
check_rc "filter | count (exit)" 0 $? "$T/err"
check_same "filter | count" "$T/exp" "$T/out"
awk -- '-5 < $1' "$T/ws" > "$T/exp"
fp -j 2 -e "filter -- '-5 < \$1'" "$T/ws" > "$T/out" 2> "$T/err"
check_rc "leading minus (exit)" 0 $? "$T/err"
check_same "leading minus" "$T/exp" "$T/out"

finish
