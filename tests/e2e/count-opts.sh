#!/bin/bash
# e2e/count-opts.sh - count -m (characters: bytes in the C locale) and -L
# (the longest record's width) against LC_ALL=C wc -m and wc -L, alone and
# with -w and -c in wc's order, at several job counts and chunk sizes, from
# files and pipes, with -z; their partials merge.
. "$TEST_SRCDIR/lib.sh"

gen_small "$T/small"
gen_nofinal "$T/small" "$T/small.nofinal"
# Widths: tabs at every column, CRs and form feeds, control and high bytes,
# a long line, lines that only a tab makes the widest.
{
	for i in 0 1 2 3 4 5 6 7 8 9; do
		printf '%*s\tx\n' "$i" ''
	done
	printf 'ab\tc\n\tx\r12345678901\fab\n\001\002\200\377abc\vde\n'
	printf '\303\251t\303\251\t\n\033[1mbold\033[0m\n\n\t\t\t\n'
	gen_long_line 30000 mark
	printf 'nul\000inside\n'
	gen_words /dev/stdout 3 400
} > "$T/widths"
gen_nofinal "$T/widths" "$T/widths.nofinal"
printf 'x' > "$T/x"
: > "$T/empty"
gen_nul "$T/nul"
gen_nul "$T/nul.nofinal" nofinal

# ref FLAGS FILE: wc's figures for FILE with FLAGS, as count prints them:
# single spaces, and a last record without a newline counted as a record.
ref() {
	local flags=$1 f=$2 extra=0
	[ -s "$f" ] && [ "$(tail -c 1 "$f" | od -An -c | tr -d ' ')" != '\n' ] && extra=1
	# shellcheck disable=SC2086
	wc -l $flags < "$f" | awk -v e="$extra" '{ $1 += e; print }'
}

CONFIGS=("1 1" "2 default" "4 7" "7 default" "2 1" "7 100" "1 default" "4 1")
i=0
for f in small small.nofinal widths widths.nofinal x empty; do
	for flags in -m -L '-m -L' '-w -m -c -L' '-c -L' '-w -L'; do
		ref "$flags" "$T/$f" > "$T/exp"
		set -- ${CONFIGS[$((i % ${#CONFIGS[@]}))]}
		bopt=()
		[ "$2" = default ] || bopt=(-b "$2")
		expect_out "$f: count $flags -j$1 -b$2" "$T/exp" fp -j "$1" "${bopt[@]}" -e "count $flags" "$T/$f"
		set -- ${CONFIGS[$(((i + 3) % ${#CONFIGS[@]}))]}
		bopt=()
		[ "$2" = default ] || bopt=(-b "$2")
		expect_out "$f: count $flags, pipe -j$1 -b$2" "$T/exp" piped "$T/$f" -j "$1" "${bopt[@]}" -e "count $flags"
		i=$((i + 1))
	done
done

# One at every job count and chunk size, file and pipe.
ref '-w -m -c -L' "$T/widths" > "$T/exp"
for j in 1 2 4 7; do
	for b in 1 default; do
		bopt=()
		[ "$b" = default ] || bopt=(-b "$b")
		expect_out "widths: -j$j -b$b" "$T/exp" fp -j "$j" "${bopt[@]}" -e 'count -w -m -c -L' "$T/widths"
		expect_out "widths: pipe -j$j -b$b" "$T/exp" piped "$T/widths" -j "$j" "${bopt[@]}" -e 'count -w -m -c -L'
	done
done

# -z: records end at NUL; a newline inside one starts a new line for -L,
# as for wc -L on the same bytes with each NUL a newline.
for f in nul nul.nofinal; do
	recs=$(tr -cd '\000' < "$T/$f" | wc -c)
	[ "$(tail -c 1 "$T/$f" | od -An -tx1 | tr -d ' ')" = 00 ] || recs=$((recs + 1))
	printf '%s %s %s\n' "$recs" "$(wc -m < "$T/$f")" "$(tr '\000' '\n' < "$T/$f" | wc -L)" > "$T/exp"
	expect_out "-z $f: count -m -L" "$T/exp" fp -z -j 4 -b 7 -e 'count -m -L' "$T/$f"
	expect_out "-z $f: count -m -L, pipe" "$T/exp" piped "$T/$f" -z -j 2 -b 1 -e 'count -m -L'
done

# Partials: the widest of several files' partials is kept.
ref '-m -L' "$T/widths" > "$T/exp1"
fp --partial -j 2 -b 100 -e 'count -m -L' "$T/small" > "$T/p1" || fail "--partial small"
fp --partial -j 3 -b 7 -e 'count -m -L' "$T/widths" > "$T/p2" || fail "--partial widths"
cat "$T/small" "$T/widths" > "$T/both"
ref '-m -L' "$T/both" > "$T/exp"
expect_out "merge of count -m -L partials" "$T/exp" fp merge -e 'count -m -L' "$T/p1" "$T/p2"

expect_exit 64 "^forkpipe: -e: count: unknown option '-x'\$" -- fp -e 'count -m -x' "$T/x"

finish
