#!/bin/bash
# e2e/grep-opts.sh - grep's GNU options against LC_ALL=C GNU grep -a: -o,
# -n (numbers of the whole input, across chunks and files), -m N (the
# first N selected records, the run stopped there), -c, several patterns
# (-e, -f) for regular expressions and strings; at several job counts and
# chunk sizes, from files and pipes; every bad value refused.
. "$TEST_SRCDIR/lib.sh"

gen_small "$T/small" 7 400
gen_nofinal "$T/small" "$T/small.nofinal"
gen_words "$T/words" 11 300
gen_nul "$T/nul"

CONFIGS=("1 1" "2 default" "4 7" "7 default" "2 1" "7 100" "1 default" "4 1")
i=0
# check NAME INPUT "FP_OPTS" "STAGE" REF_CMD...: the reference (reading
# INPUT on stdin) against forkpipe from the file and from a pipe, each at
# one of the CONFIGS, taken in turn.
check() {
	local name=$1 in=$2 fpopts=$3 stage=$4 j b bopt
	shift 4
	"$@" < "$in" > "$T/ref"
	[ $? -le 1 ] || die "reference failed: $*"
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

# ---- -o, -n, -c, -m with one pattern ----
for pat in 'foo' 'b[a-z]+' '\d+' 'fo*' 'x*' '(?<=a)b' '^\w+' '\w+$' 'ERROR|WARN' '\s+' ''; do
	q=$(sq "$pat")
	check "-o '$pat'" "$T/small" "" "grep -o $q" grep -a -o -P -- "$pat"
	check "-n '$pat'" "$T/small" "" "grep -n $q" grep -a -n -P -- "$pat"
	check "-n -o '$pat'" "$T/small" "" "grep -n -o $q" grep -a -n -o -P -- "$pat"
	check "-c '$pat'" "$T/small" "" "grep -c $q" grep -a -c -P -- "$pat"
done
for flags in -i -w -x -v '-v -i' -F '-F -i' '-F -w' '-F -x'; do
	m=-P
	case $flags in *-F*) m= ;; esac
	# shellcheck disable=SC2086
	{
		check "-o $flags" "$T/small" "" "grep -o $flags foo" grep -a -o $m $flags foo
		check "-n $flags" "$T/small" "" "grep -n $flags foo" grep -a -n $m $flags foo
		check "-c $flags" "$T/small" "" "grep -c $flags foo" grep -a -c $m $flags foo
		check "-m 7 $flags" "$T/small" "" "grep -m 7 $flags foo" grep -a -m 7 $m $flags foo
	}
done
for n in 0 1 3 50 100000; do
	check "-m $n" "$T/small" "" "grep -m $n foo" grep -a -m "$n" -P foo
	check "-m $n -v" "$T/small" "" "grep -m $n -v foo" grep -a -m "$n" -v -P foo
	check "-m $n -n" "$T/small" "" "grep -m $n -n 'ba[rz]'" grep -a -m "$n" -n -P 'ba[rz]'
	check "-m $n -o" "$T/small" "" "grep -m $n -o 'b\\w'" grep -a -m "$n" -o -P 'b\w'
	check "-m $n -o -n" "$T/small" "" "grep -m $n -o -n 'o+'" grep -a -m "$n" -o -n -P 'o+'
	check "-m $n -c" "$T/small" "" "grep -m $n -c foo" grep -a -m "$n" -c -P foo
	check "-m $n -F" "$T/small" "" "grep -m $n -F foo" grep -a -m "$n" -F foo
done
check "-n, last record without newline" "$T/small.nofinal" "" "grep -n a" grep -a -n -P a
check "-o, last record without newline" "$T/small.nofinal" "" "grep -o 'a.'" grep -a -o -P 'a.'
check "-z -n" "$T/nul" "-z" "grep -n foo" grep -a -z -n -P foo
check "-z -o" "$T/nul" "-z" "grep -o 'f\\w+'" grep -a -z -o -P 'f\w+'
check "-z -m 5 -n" "$T/nul" "-z" "grep -m 5 -n foo" grep -a -z -m 5 -n -P foo

# -n across files: the numbers of the files' concatenation (each file's
# last record ends with it).
{ cat "$T/small" "$T/words" "$T/small.nofinal"; echo; cat "$T/words"; } | grep -a -n -P 'foo|a$' > "$T/ref"
for j in 1 2 4 7; do
	for b in 1 default; do
		bopt=()
		[ "$b" = default ] || bopt=(-b "$b")
		expect_out "-n across files -j$j -b$b" "$T/ref" \
			fp -j "$j" "${bopt[@]}" -e "grep -n 'foo|a$'" "$T/small" "$T/words" "$T/small.nofinal" - < "$T/words"
	done
done

# ---- several patterns: a record is selected when any matches ----
check "-e -e (regular expressions)" "$T/small" "" "grep -e 'fo+\\b' -e 'ba[rz]' -e '\\d\\d'" grep -a -P 'fo+\b|ba[rz]|\d\d'
check "-e -e -v" "$T/small" "" "grep -v -e foo -e '^$'" grep -a -v -P 'foo|^$'
check "-e -e -n -c" "$T/small" "" "grep -c -e foo -e bar" grep -a -c -P 'foo|bar'
check "-e -e -w -i" "$T/small" "" "grep -w -i -e foo -e error" grep -a -w -i -E -e foo -e error
check "-e -e with groups of their own" "$T/words" "" "grep -e '(a)\\1' -e '(o)\\1'" grep -a -E -e '(a)\1' -e '(o)\1'
# -o: the longest of the leftmost matches, as grep -o with several patterns.
check "-o -e -e" "$T/small" "" "grep -o -e foo -e foobar -e 'ba[rz]'" grep -a -o -E -e foo -e foobar -e 'ba[rz]'
check "-o -n -e -e" "$T/small" "" "grep -o -n -e ERR -e ERROR -e 'o+'" grep -a -o -n -E -e ERR -e ERROR -e 'o+'
check "-F -o -e -e" "$T/small" "" "grep -F -o -e a -e ab -e abc" grep -a -F -o -e a -e ab -e abc
check "-F -e -e -m" "$T/small" "" "grep -F -m 9 -e foo. -e 'a b'" grep -a -F -m 9 -e foo. -e 'a b'
printf 'fo+\\b\nba[rz]\n\\d\\d\n' > "$T/pats"
check "-f" "$T/small" "" "grep -f '$T/pats'" grep -a -P 'fo+\b|ba[rz]|\d\d'
check "-f -e" "$T/small" "" "grep -e 'ERROR' -f '$T/pats' -n" grep -a -n -P 'ERROR|fo+\b|ba[rz]|\d\d'
printf 'foo\n\nbar\n' > "$T/pats-empty-line"
check "-f with an empty line (matches all)" "$T/small" "" "grep -f '$T/pats-empty-line'" grep -a -F -f "$T/pats-empty-line"
: > "$T/no-pats"
check "-f empty file (matches none)" "$T/small" "" "grep -f '$T/no-pats'" grep -a -F -f "$T/no-pats"
check "-f empty file -v (matches all)" "$T/small" "" "grep -v -f '$T/no-pats'" grep -a -v -F -f "$T/no-pats"
printf 'foo\nab' > "$T/pats-nofinal"
check "-F -f, last line without newline" "$T/small" "" "grep -F -o -f '$T/pats-nofinal'" grep -a -F -o -f "$T/pats-nofinal"

# ---- after a reducer: the whole stream, numbered and cut in the merger ----
sort "$T/small" | grep -a -n -P 'foo' > "$T/ref"
expect_out "sort then grep -n" "$T/ref" fp -j 3 -b 100 -e sort -e 'grep -n foo' "$T/small"
sort "$T/small" | grep -a -m 4 -o -P 'b\w+' > "$T/ref"
expect_out "sort then grep -m -o" "$T/ref" fp -j 3 -b 100 -e sort -e 'grep -m 4 -o "b\w+"' "$T/small"

# ---- -m stops the run: an endless input ends ----
yes 'a line' | fp -j 2 -b 1 -e 'grep -m 3 line' > "$T/out" 2> "$T/err"
check_rc "-m on an endless pipe stops (exit)" 0 $? "$T/err"
printf 'a line\na line\na line\n' > "$T/ref"
check_same "-m on an endless pipe stops" "$T/ref" "$T/out"
yes 'a line' | fp -j 2 -e 'grep -m 2 -o -n li' > "$T/out" 2> "$T/err"
check_rc "-m -o -n on an endless pipe stops (exit)" 0 $? "$T/err"
printf '1:li\n2:li\n' > "$T/ref"
check_same "-m -o -n on an endless pipe stops" "$T/ref" "$T/out"

# ---- YAML ----
cat > "$T/g.yaml" <<YAML
stages:
  - grep: {regexp: [foo, 'ba[rz]'], line-number: true, max-count: 20}
YAML
grep -a -n -m 20 -P 'foo|ba[rz]' "$T/small" > "$T/ref"
expect_out "YAML regexp list, line-number, max-count" "$T/ref" fp -j 2 -b 7 -c "$T/g.yaml" "$T/small"

# ---- errors: 64 (66 for a pattern file that cannot be read), one line ----
ODIR=$T/odir
mkdir "$ODIR"
bad() {	# CODE REGEX STAGE...
	local code=$1 re=$2
	shift 2
	expect_exit "$code" "$re" -- fp "$@" -o "$ODIR/result" "$T/small"
	check_empty "[$*]: nothing on stdout" "$EE_OUT"
}
bad 64 "^forkpipe: grep: a PATTERN argument and -e or -f exclude each other \\(give 'x' with -e\\)\$" -e 'grep -e a x'
bad 64 '^forkpipe: -e: grep: missing pattern$' -e 'grep -o'
bad 64 "^forkpipe: grep: -f $T/nope: No such file or directory\$" -e "grep -f $T/nope"
bad 64 '^forkpipe: grep: -f -: standard input holds the records, not patterns \(name a file\)$' -e 'grep -f -'
printf 'a\0b\n' > "$T/nulpat"
bad 64 "^forkpipe: grep: -f $T/nulpat: a pattern holds a NUL byte\$" -e "grep -f $T/nulpat"
bad 64 "^forkpipe: -e: grep: option 'max-count' needs a non-negative number, not '-1'\$" -e 'grep -m -1 a'
bad 64 "^forkpipe: -e: grep: option 'max-count' needs a non-negative number, not 'x'\$" -e 'grep -m x a'
bad 64 "^forkpipe: grep: invalid pattern 'b\\(': missing closing parenthesis at offset 2\$" -e "grep -e a -e 'b('"
bad 64 '^forkpipe: grep: -o cannot cut --csv records into parts \(they would not be CSV records\)$' --csv -e 'grep -o a'
bad 64 '^forkpipe: grep: a regular expression cannot contain a newline$' -e "grep -e 'a
b'"
bad 64 "^forkpipe: stage 'grep -m 2 a': grep -m must be the last stage, or come after a reducer \\(group, uniq, top, sort, count\\)\$" \
	-e 'grep -m 2 a' -e 'cut -f 1'
bad 64 "^forkpipe: stage 'grep -n a': grep -n must be the last stage, or come after a reducer \\(group, uniq, top, sort, count\\)\$" \
	-e 'grep -n a' -e count
bad 64 "^forkpipe: stage 'grep -n a': grep -n numbers the records of the whole input in order: not with --unordered\$" \
	--unordered -e 'grep -n a'
bad 64 "^forkpipe: stage 'grep -n a': grep -n numbers the records of the whole input in order: not with --shard \\(a shard's numbers would start at 1\\)\$" \
	--shard 1/2 -e 'grep -n a'
check_dir_listing "refused grep options: no output file" "$ODIR"

finish
