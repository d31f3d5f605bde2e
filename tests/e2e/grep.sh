#!/bin/bash
# e2e/grep.sh - the grep stage against GNU grep (-a -P, or -a -F with -F),
# byte for byte, across flags, patterns, job counts, chunk sizes and inputs.
. "$TEST_SRCDIR/lib.sh"

gen_mixed "$T/mixed"
gen_nofinal "$T/mixed" "$T/mixed.nofinal"
gen_small "$T/small"
{
	cat "$T/small"
	gen_long_line 100000 ERROR
	gen_words /dev/stdout 11 200
} > "$T/med"
gen_nul "$T/nul"
gen_nul "$T/nul.nofinal" nofinal

declare -A REF_CACHE=()
REF_N=0

# ref_grep [-z] ENGINE FLAGS PATTERN FILE...: GNU grep's selection on the
# terminated stream.  ENGINE is P or F.
ref_grep() {
	local z= rc
	if [ "$1" = -z ]; then
		z=-z
		shift
	fi
	local engine=$1 flags=$2 pat=$3
	shift 3
	# The terminated stream is cached per list of files.
	local key="$z $*" ref
	ref=${REF_CACHE[$key]:-}
	if [ -z "$ref" ]; then
		REF_N=$((REF_N + 1))
		ref=$T/ref.$REF_N
		terminate $z "$@" > "$ref"
		REF_CACHE[$key]=$ref
	fi
	# shellcheck disable=SC2086
	grep -a $z "-$engine" $flags -e "$pat" < "$ref"
	rc=$?
	[ "$rc" -le 1 ] || die "reference grep -$engine $flags -e '$pat' failed ($rc)"
}

# run_grep NAME ENGINE FLAGS PATTERN FORKPIPE_OPTS -- FILES...: compares
# forkpipe -e "grep [-F] FLAGS 'PATTERN'" on FILES with the reference.
run_grep() {
	local name=$1 engine=$2 flags=$3 pat=$4 opts=() fflag= z= qpat
	shift 4
	while [ "$1" != -- ]; do
		opts+=("$1")
		[ "$1" = -z ] && z=-z
		shift
	done
	shift
	[ "$engine" = F ] && fflag='-F '
	ref_grep $z "$engine" "$flags" "$pat" "$@" > "$T/exp"
	sq_v qpat "$pat"
	fp "${opts[@]}" -e "grep $fflag$flags $qpat" "$@" > "$T/out" 2> "$T/err"
	check_rc "$name (exit)" 0 $? "$T/err"
	check_same "$name" "$T/exp" "$T/out"
}

P_FLAGS=('' -i -v -w -x)
P_PATTERNS=(
	'ERROR' '^foo' 'bar$' '^$' 'foo|healthz' '[0-9]+\.[0-9]+' '\bfoo\b' ''
	'a b' '\xe9' '\r$' '\x00' $'caf\351' '[[:upper:]]{3,}' '^\s*$'
	'(fo+) \1' '.' '[^[:print:]]' '(?i)error' 'foo_bar|foo\.bar'
)
for pat in "${P_PATTERNS[@]}"; do
	for flags in "${P_FLAGS[@]}"; do
		run_grep "grep $flags '$pat'" P "$flags" "$pat" -j 3 -b 1K -- "$T/med"
	done
done

F_FLAGS=('' -i -v -w -x)
F_PATTERNS=(
	'ERROR' 'foo' 'a b' 'foo.bar' '' '/api/v1' 'Foo' $'caf\351' $'\r'
	'x-y' '.' '^foo'
)
for pat in "${F_PATTERNS[@]}"; do
	for flags in "${F_FLAGS[@]}"; do
		run_grep "grep -F $flags '$pat'" F "$flags" "$pat" -j 3 -b 1K -- "$T/med"
	done
done

# More flag combinations on a few patterns.
for pat in foo 'a b' '^foo|bar$' '' 'Foo'; do
	for flags in '-i -w' '-v -x' '-w -x' '-v -i' '-v -w' '-i -x' '-i -v -w -x'; do
		run_grep "grep $flags '$pat'" P "$flags" "$pat" -j 2 -b 4K -- "$T/med"
		case $pat in foo | 'a b') ;; *) continue ;; esac
		run_grep "grep -F $flags '$pat'" F "$flags" "$pat" -j 2 -b 4K -- "$T/med"
	done
done

# Word and line edges: a rejected occurrence followed by a good one,
# underscores and digits as word characters, case folding.
{
	printf 'foobar foo\nfoo_bar\nxfoo foox\nfoo\n-foo-\nfoofoo foo\n'
	printf 'FOOBAR FOO\nbarfoo\nfoo1 foo\n1foo\n\tfoo\t\nfoo.foo\nfoobarfoo\n'
	printf 'a b\na bc\nxa b\na b \nA B\n\n \nfoo\r\n\351foo\351\n'
} > "$T/edges"
for pat in foo 'a b' 'foo|bar' 'o' 'foo$' '^foo'; do
	for flags in -w -x '-i -w' '-i -x' '-v -w'; do
		run_grep "edges grep $flags '$pat'" P "$flags" "$pat" -j 2 -b 7 -- "$T/edges"
	done
done
for pat in foo 'a b' 'o' 'foo.foo' ''; do
	for flags in -w -x '-i -w' '-i -x'; do
		run_grep "edges grep -F $flags '$pat'" F "$flags" "$pat" -j 2 -b 7 -- "$T/edges"
	done
done

# A match never sees the neighbouring records: lookbehind, \A, \z and
# (?m) stay inside one record whatever the chunking.
printf 'xa\nb\na\0b\nfoo\nbar\na\n\nb\n' > "$T/nb"
printf 'xa\0b\0a\nb\0foo\0bar\0' > "$T/nb.z"
for pat in '(?<=a\n)b' '(?<=\n)b' '^(?<!\n)b' '(?<=a)\n?b' '\Ab' 'b\z' '(?m)^b' \
	'(?s)a.b' '(?m)a$' '(?<=o\n)bar' '(?<!\S)b' '(?<=\x00)b'; do
	for b in 1; do
		run_grep "records stay apart: '$pat' -b $b" P '' "$pat" -j 2 -b "$b" -- "$T/nb"
		run_grep "records stay apart: -z '$pat' -b $b" P '' "$pat" -z -j 2 -b "$b" -- "$T/nb.z"
	done
done

# Long option forms.
for pair in \
	'--fixed --ignore-case --word foo|-F -i -w foo' \
	'--invert --line ERROR|-v -x ERROR' \
	'--fixed --invert foo|-F -v foo' \
	'--ignore-case --line foo|-i -x foo' \
	'--word --ignore-case error|-w -i error'; do
	spec=${pair%%|*} refargs=${pair#*|}
	# shellcheck disable=SC2086
	case $refargs in
	-F*) grep -a $refargs < "$T/med" > "$T/exp" ;;
	*) grep -a -P $refargs < "$T/med" > "$T/exp" ;;
	esac
	fp -j 2 -e "grep $spec" "$T/med" > "$T/out" 2> "$T/err"
	check_rc "grep $spec (exit)" 0 $? "$T/err"
	check_same "grep $spec" "$T/exp" "$T/out"
done

# --stage= is -e.
grep -a -F ERROR < "$T/med" | grep -a -P -v -w foo > "$T/exp"
fp --jobs=2 --chunk-size=2K --stage='grep -F ERROR' --stage='grep -v -w foo' "$T/med" \
	> "$T/out" 2> "$T/err"
check_rc "--stage= (exit)" 0 $? "$T/err"
check_same "--stage=" "$T/exp" "$T/out"

# Job counts, chunk sizes, file, redirected stdin and a pipe.
for j in $JOBS_LIST; do
	for b in $CHUNK_LIST; do
		run_grep "grep -F ERROR -j $j -b $b" F '' ERROR -j "$j" -b "$b" -- "$T/mixed"

		ref_grep P '-i -w' 'foo|bar baz' "$T/mixed" > "$T/exp"
		fp -j "$j" -b "$b" -e "grep -i -w 'foo|bar baz'" < "$T/mixed" > "$T/out" 2> "$T/err"
		check_rc "grep -i -w stdin -j $j -b $b (exit)" 0 $? "$T/err"
		check_same "grep -i -w stdin -j $j -b $b" "$T/exp" "$T/out"

		ref_grep P '-v' '^$' "$T/mixed" > "$T/exp"
		cat "$T/mixed" | fp -j "$j" -b "$b" -e 'grep -v ^$' > "$T/out" 2> "$T/err"
		check_rc "grep -v ^\$ pipe -j $j -b $b (exit)" 0 $? "$T/err"
		check_same "grep -v ^\$ pipe -j $j -b $b" "$T/exp" "$T/out"
	done
done

# A matching last line without a newline comes out terminated; several
# files are one stream.
for j in 1 2 7; do
	for b in 1 1M; do
		run_grep "grep 'a b' no final newline -j $j -b $b" P '' 'a b' -j "$j" -b "$b" -- \
			"$T/mixed.nofinal"
		run_grep "grep -v foo several files -j $j -b $b" P '-v' 'foo' -j "$j" -b "$b" -- \
			"$T/small" "$T/mixed.nofinal" "$T/small" "$T/mixed.nofinal"
	done
done

# Spec quoting: words split like a POSIX shell, no expansion.
{
	printf 'a b\na  b\na"b\n'
	printf "a'b\n"
	printf 'a\\b\n$HOME\n*\n~\nfoo\tbar\nab\nfoo bar\n'
} > "$T/quote"
qcheck() {
	local spec=$1 want=$2
	grep -a -F -x -e "$want" < "$T/quote" > "$T/exp"
	fp -e "$spec" "$T/quote" > "$T/out" 2> "$T/err"
	check_rc "spec [$spec] (exit)" 0 $? "$T/err"
	check_same "spec [$spec] selects [$want]" "$T/exp" "$T/out"
}
qcheck 'grep -F -x "a b"' 'a b'
qcheck "grep -F -x 'a b'" 'a b'
qcheck 'grep -F -x a\ b' 'a b'
qcheck 'grep -F -x "a  b"' 'a  b'
qcheck 'grep -F -x "a\"b"' 'a"b'
qcheck 'grep -F -x a\"b' 'a"b'
qcheck "grep -F -x 'a'\\''b'" "a'b"
qcheck "grep -F -x \"a'b\"" "a'b"
qcheck 'grep -F -x "a\\b"' 'a\b'
qcheck "grep -F -x 'a\\b'" 'a\b'
qcheck 'grep -F -x a\\b' 'a\b'
qcheck "grep -F -x '\$HOME'" '$HOME'
qcheck 'grep -F -x "$HOME"' '$HOME'
qcheck 'grep -F -x $HOME' '$HOME'
qcheck 'grep -F -x *' '*'
qcheck 'grep -F -x ~' '~'
qcheck $'grep -F -x "foo\tbar"' $'foo\tbar'
qcheck $'grep\t-F  -x\t foo" "bar' 'foo bar'
qcheck 'grep -F -x a""b' 'ab'
qcheck "grep -F -x a''b" 'ab'

# No match: empty output, exit 0.
for spec in 'grep -F zzzNOPEzzz' 'grep zzz[0-9]NOPE' 'grep -x -v .*' 'grep -v ""'; do
	fp -j 2 -b 4K -e "$spec" "$T/mixed" > "$T/out" 2> "$T/err"
	check_rc "no match [$spec] (exit)" 0 $? "$T/err"
	check_empty "no match [$spec] output" "$T/out"
	check_empty "no match [$spec] stderr" "$T/err"
done

# Chains.
chain() {
	local name=$1
	shift
	fp -j 3 -b 2K "$@" "$T/mixed" > "$T/out" 2> "$T/err"
	check_rc "chain $name (exit)" 0 $? "$T/err"
	check_same "chain $name" "$T/exp" "$T/out"
}
grep -a -F ERROR < "$T/mixed" | grep -a -P -v healthz | wc -l > "$T/exp"
chain 'grep -F ERROR | grep -v healthz | count' -e 'grep -F ERROR' -e 'grep -v healthz' -e count
grep -a -F ERROR < "$T/mixed" | grep -a -P -v healthz |
	wc -l -w -c | awk '{ print $1, $2, $3 }' > "$T/exp"
chain 'grep -F ERROR | grep -v healthz | count -w -c' \
	-e 'grep -F ERROR' -e 'grep -v healthz' -e 'count -w -c'
grep -a -P -i foo < "$T/mixed" | grep -a -P -v -w bar > "$T/exp"
chain 'grep -i foo | grep -v -w bar' -e 'grep -i foo' -e 'grep -v -w bar'
grep -a -P 'a b' < "$T/mixed" | grep -a -F -x -v 'a b' | grep -a -P '^[^ ]' > "$T/exp"
chain 'three greps' -e "grep 'a b'" -e "grep -F -x -v 'a b'" -e "grep '^[^ ]'"
grep -a -F zzNOPE < "$T/mixed" | wc -l > "$T/exp"
chain 'no match | count' -e 'grep -F zzNOPE' -e count

# --unordered: same records, any chunk order, none split.
for j in 1 2 4 7; do
	for b in 100 4K; do
		ref_grep P -v 'foo' "$T/mixed" | sort > "$T/exp"
		fp --unordered -j "$j" -b "$b" -e 'grep -v foo' "$T/mixed" > "$T/out.raw" 2> "$T/err"
		check_rc "unordered grep -j $j -b $b (exit)" 0 $? "$T/err"
		sort < "$T/out.raw" > "$T/out"
		check_same "unordered grep -j $j -b $b (sorted)" "$T/exp" "$T/out"
	done
done
grep -a -F ERROR < "$T/mixed" | wc -l > "$T/exp"
fp --unordered -j 4 -b 1K -e 'grep -F ERROR' -e count "$T/mixed" > "$T/out" 2> "$T/err"
check_same "unordered grep | count" "$T/exp" "$T/out"

# -o FILE holds what stdout would.
mkdir "$T/odir"
ref_grep P -i 'error|foo' "$T/mixed" > "$T/exp"
for j in 1 4; do
	rm -f "$T/odir/result"
	fp -j "$j" -b 4K -o "$T/odir/result" -e "grep -i 'error|foo'" "$T/mixed" > "$T/out" 2> "$T/err"
	check_rc "-o -j $j (exit)" 0 $? "$T/err"
	check_empty "-o -j $j leaves stdout empty" "$T/out"
	check_same "-o -j $j file content" "$T/exp" "$T/odir/result"
	fp -j "$j" -b 4K -e "grep -i 'error|foo'" "$T/mixed" > "$T/out" 2> "$T/err"
	check_same "-o -j $j file equals stdout output" "$T/out" "$T/odir/result"
	check_dir_listing "-o -j $j leaves no temp file" "$T/odir" result
done
printf 'old content\n' > "$T/odir/result"
fp --output="$T/odir/result" -e 'grep -F zzNOPE' "$T/mixed" > "$T/out" 2> "$T/err"
check_rc "--output= no match (exit)" 0 $? "$T/err"
check_empty "--output= no match replaces old content" "$T/odir/result"
check_dir_listing "--output= no match leaves no temp file" "$T/odir" result

# --unordered with -o: the file holds the same records.
rm -f "$T/odir/result"
ref_grep P -v 'foo' "$T/mixed" | sort > "$T/exp"
fp --unordered -j 4 -b 1K -o "$T/odir/result" -e 'grep -v foo' "$T/mixed" > "$T/out" 2> "$T/err"
check_rc "--unordered -o (exit)" 0 $? "$T/err"
sort < "$T/odir/result" > "$T/out"
check_same "--unordered -o (sorted)" "$T/exp" "$T/out"
check_dir_listing "--unordered -o leaves no temp file" "$T/odir" result

# -z: NUL-terminated records, anchors at record ends.
for j in 1 2 7; do
	for b in 1 100 1M; do
		run_grep "grep -z foo -j $j -b $b" P '' 'foo' -z -j "$j" -b "$b" -- "$T/nul"
		run_grep "grep -z -v -w foo -j $j -b $b" P '-v -w' 'foo' -z -j "$j" -b "$b" -- \
			"$T/nul.nofinal"
	done
done
for pat in '^foo' 'bar$' 'foo\nbar' '^$' 'a b' 'ERROR|healthz' $'\351'; do
	for flags in '' -v -x -w; do
		run_grep "grep -z $flags '$pat'" P "$flags" "$pat" -z -j 3 -b 200 -- \
			"$T/nul" "$T/nul.nofinal"
	done
done
for pat in 'foo' 'a b' 'bar'; do
	for flags in '' -i -w -x -v; do
		run_grep "grep -z -F $flags '$pat'" F "$flags" "$pat" -z -j 2 -b 1K -- "$T/nul"
	done
done

finish
