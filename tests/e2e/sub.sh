#!/bin/bash
# e2e/sub.sh - the sub stage against LC_ALL=C sed -E (whole records, also
# with -z) and awk (one field, whitespace-separated or delimited), byte
# for byte, across patterns, replacements, job counts, chunk sizes, files
# and stdin; CSV and header names against fixed expectations; errors.
. "$TEST_SRCDIR/lib.sh"

command -v sed >/dev/null 2>&1 || die "reference tool 'sed' not found"
printf 'ab\n' | sed -E 's/(a)(b)/\2\1/' 2>/dev/null | grep -q '^ba$' ||
	die "sed does not support -E (GNU sed is required)"

gen_mixed "$T/mixed"
gen_nofinal "$T/mixed" "$T/mixed.nofinal"
gen_small "$T/small"
gen_nul "$T/nul"
gen_nul "$T/nul.nofinal" nofinal
gen_empty "$T/empty"
gen_newline "$T/newline"

# sed_repl REPL: the sed spelling of a forkpipe replacement: $N and ${N}
# become \N, $0 becomes &, $$ a dollar; a backslash and & are escaped and a
# newline written \n.
sed_repl() {
	local r=$1 o= c
	while [ -n "$r" ]; do
		c=${r:0:1}
		case $c in
		'$')
			if [[ $r =~ ^\$\$ ]]; then
				o+='$'
			elif [[ $r =~ ^\$\{([0-9]+)\} ]] || [[ $r =~ ^\$([0-9]+) ]]; then
				[ "${BASH_REMATCH[1]}" -le 9 ] || die "sed_repl: group ${BASH_REMATCH[1]}"
				if [ "${BASH_REMATCH[1]}" = 0 ]; then o+='&'; else o+="\\${BASH_REMATCH[1]}"; fi
			else
				die "sed_repl: cannot convert '$r'"
			fi
			r=${r:${#BASH_REMATCH[0]}}
			continue
			;;
		'\') o+='\\' ;;
		'&') o+='\&' ;;
		$'\n') o+='\n' ;;
		*) o+=$c ;;
		esac
		r=${r:1}
	done
	printf '%s' "$o"
}

declare -A REF_CACHE=()
REF_N=0

# terminated VAR [-z] FILE...: VAR names a file holding the terminated
# stream of FILEs (cached: inputs never change).
terminated() {
	local _tv=$1 _tz= _tk _tr
	shift
	if [ "$1" = -z ]; then
		_tz=-z
		shift
	fi
	_tk="$_tz $*"
	_tr=${REF_CACHE[$_tk]:-}
	if [ -z "$_tr" ]; then
		REF_N=$((REF_N + 1))
		_tr=$T/ref.$REF_N
		terminate $_tz "$@" > "$_tr"
		REF_CACHE[$_tk]=$_tr
	fi
	printf -v "$_tv" '%s' "$_tr"
}

# ref_sed [-z] G PATTERN REPL FILE...: what sed -E does (G: "" or "g").
D=$'\001'
ref_sed() {
	local z=
	if [ "$1" = -z ]; then
		z=-z
		shift
	fi
	local g=$1 pat=$2 repl ref
	repl=$(sed_repl "$3"; printf x)
	shift 3
	repl=${repl%x}
	terminated ref $z "$@"
	sed $z -E "s$D$pat$D$repl$D$g" < "$ref" || die "reference sed -E 's/$pat/$repl/$g' failed"
}

# run_sed NAME G PATTERN REPL MODE FORKPIPE_OPTS -- FILES...: forkpipe
# -e "sub [-g] PATTERN REPL" against sed -E.  MODE: file, or stdin (one
# file).  $REF_PAT, if set, is the pattern sed gets instead.
run_sed() {
	local name=$1 g=$2 pat=$3 repl=$4 mode=$5 opts=() z= gflag= qpat qrepl
	shift 5
	while [ "$1" != -- ]; do
		opts+=("$1")
		[ "$1" = -z ] && z=-z
		shift
	done
	shift
	[ "$g" = g ] && gflag='-g '
	ref_sed $z "$g" "${REF_PAT:-$pat}" "$repl" "$@" > "$T/exp"
	sq_v qpat "$pat"
	sq_v qrepl "$repl"
	if [ "$mode" = stdin ]; then
		cat "$@" | fp "${opts[@]}" -e "sub $gflag$qpat $qrepl" > "$T/out" 2> "$T/err"
	else
		fp "${opts[@]}" -e "sub $gflag$qpat $qrepl" "$@" > "$T/out" 2> "$T/err"
	fi
	check_rc "$name (exit)" 0 $? "$T/err"
	check_same "$name" "$T/exp" "$T/out"
}

# Pairs of pattern and replacement, valid in both with the same meaning
# (no alternation where POSIX's longest match would differ).
PAIRS=(
	'foo' 'X'
	'o' '0'
	'o+' '[$0]'
	'(fo+)(bar)?' '<$2|$1>'
	'([a-z]+) ([a-z]+)' '$2 $1'
	'(foo)_(bar)' '$2_${1}'
	'^' '> '
	'$' ' <'
	'^$' 'EMPTY'
	'x*' '-'
	'a*' '.'
	'b*' 'B'
	'.*' '[$0]'
	'\b' '|'
	'\B' '.'
	'[0-9]+' '#'
	'[[:upper:]]{2,}' '${0}!'
	'\r$' ''
	'.' '$$'
	'(.)\1' '<$1$1>'
	' +' ' '
	'\s+$' ''
	'^\s+' ''
	'[^a]+$' '~'
	'o\s' '0_'
	'[^[:print:]]' '?'
	'ERROR|WARN' 'E\&$0'
	'(a|b)(c|d)?' '$1${2}x'
	'foo' 'a\nb'
	' ' $'\n'
	'\w+' '{$0}'
	'o\b' 'O'
	'(^| )a( |$)' '$1A$2'
	'[aeiou]' ''
	'\.' ','
	'(/)([a-z]+)' '$2$1'
	$'caf\351' 'cafe'
	'(a)(b)(c)(d)?' '$4$3$2$1'
)

# Each pair, first match and global, on the main input; the runs rotate
# through job counts, chunk sizes and file or stdin.
CONFIGS=(
	'file -j 1 -b 1M'
	'file -j 2 -b 100'
	'stdin -j 4 -b 1'
	'file -j 4 -b 100'
	'stdin -j 2 -b 1M'
	'file -j 4 -b 1'
	'stdin -j 1 -b 100'
)
k=0
for ((i = 0; i < ${#PAIRS[@]}; i += 2)); do
	pat=${PAIRS[i]}
	repl=${PAIRS[i + 1]}
	for g in '' g; do
		# shellcheck disable=SC2086
		set -- ${CONFIGS[k % ${#CONFIGS[@]}]}
		k=$((k + 1))
		mode=$1
		shift
		run_sed "s/$pat/$repl/$g [$mode $*]" "$g" "$pat" "$repl" "$mode" "$@" -- "$T/mixed"
		# The same pattern matched record by record (an inline option
		# turns block matching off) must give the same output.
		REF_PAT=$pat run_sed "s/(?-x:$pat)/$repl/$g [$mode $*]" "$g" "(?-x:$pat)" "$repl" \
			"$mode" "$@" -- "$T/mixed"
	done
done

# Every job count, chunk size and input kind on a few pairs.
for pair in 'o+|[$0]' '^|> ' 'x*|-' '([a-z]+) ([a-z]+)|$2 $1' '\s+$|'; do
	pat=${pair%%|*}
	repl=${pair#*|}
	for j in 1 2 4; do
		for b in 1 100 1M; do
			for mode in file stdin; do
				run_sed "s/$pat/$repl/g [$mode -j $j -b $b]" g "$pat" "$repl" "$mode" -j "$j" -b "$b" \
					-- "$T/small"
			done
		done
	done
	run_sed "s/$pat/$repl/g no final newline" g "$pat" "$repl" file -j 3 -b 1K -- "$T/mixed.nofinal"
	run_sed "s/$pat/$repl/ no final newline, stdin" '' "$pat" "$repl" stdin -j 2 -b 7 -- "$T/mixed.nofinal"
	run_sed "s/$pat/$repl/g several files" g "$pat" "$repl" file -j 2 -b 4K -- \
		"$T/small" "$T/mixed.nofinal" "$T/newline" "$T/small"
	run_sed "s/$pat/$repl/g empty line" g "$pat" "$repl" file -j 2 -- "$T/newline"
	fp -e "sub -g $(sq "$pat") $(sq "$repl")" "$T/empty" > "$T/out" 2> "$T/err"
	check_rc "s/$pat/$repl/g empty input (exit)" 0 $? "$T/err"
	check_empty "s/$pat/$repl/g empty input" "$T/out"
done

# NUL-terminated records hold newlines: . matches them and ^ and $ match
# only at the ends of a record, as in sed -z.
Z_PAIRS=(
	'foo' 'X'
	'^' '>'
	'$' '<'
	'.' '_'
	'o\nb' '[$0]'
	'[[:space:]]+' ' '
	'x*' '-'
	'^(a|b) ' '$1:'
	'(o+)(.)' '$2$1'
	'.*' '($0)'
)
for ((i = 0; i < ${#Z_PAIRS[@]}; i += 2)); do
	pat=${Z_PAIRS[i]}
	repl=${Z_PAIRS[i + 1]}
	for g in '' g; do
		run_sed "-z s/$pat/$repl/$g" "$g" "$pat" "$repl" file -z -j 3 -b 1 -- "$T/nul"
		run_sed "-z s/$pat/$repl/$g stdin, no final NUL" "$g" "$pat" "$repl" stdin -z -j 2 -b 100 \
			-- "$T/nul.nofinal"
	done
done

# A replacement holding a newline adds records: later stages see them.
terminated ref "$T/mixed"
sed -E 's/ /\n/g' < "$ref" | wc -l | awk '{ print $1 }' > "$T/exp"
fp -j 3 -b 4K -e "sub -g ' ' '
'" -e count "$T/mixed" > "$T/out" 2> "$T/err"
check_rc "newline replacement | count (exit)" 0 $? "$T/err"
check_same "newline replacement | count" "$T/exp" "$T/out"
sed -E 's/o/0/g' < "$ref" | wc -l | awk '{ print $1 }' > "$T/exp"
fp -j 3 -b 4K -e "sub -g o 0" -e count "$T/mixed" > "$T/out" 2> "$T/err"
check_rc "sub | count (exit)" 0 $? "$T/err"
check_same "sub | count" "$T/exp" "$T/out"
sed -E 's/o+/0/g; s/^(.)(.)/\2\1/' < "$ref" > "$T/exp"
fp -j 2 -b 1K -e "sub -g o+ 0" -e "sub '^(.)(.)' '\$2\$1'" "$T/mixed" > "$T/out" 2> "$T/err"
check_rc "sub | sub (exit)" 0 $? "$T/err"
check_same "sub | sub" "$T/exp" "$T/out"
printf 'count=%s\n' "$(wc -l < "$ref" | awk '{ print $1 }')" > "$T/exp"
fp -j 2 -e count -e "sub '^' 'count='" "$T/mixed" > "$T/out" 2> "$T/err"
check_rc "count | sub (exit)" 0 $? "$T/err"
check_same "count | sub" "$T/exp" "$T/out"

# Long option names and the YAML keys.
sed -E 's/(o+)/<\1>/g' < "$ref" > "$T/exp"
fp -j 2 -e "sub --global '(o+)' '<\$1>'" "$T/mixed" > "$T/out" 2> "$T/err"
check_rc "--global (exit)" 0 $? "$T/err"
check_same "--global" "$T/exp" "$T/out"
printf 'stages:\n  - sub: {pattern: "(o+)", replacement: "<$1>", global: true}\n' > "$T/p.yaml"
fp -j 2 -c "$T/p.yaml" "$T/mixed" > "$T/out" 2> "$T/err"
check_rc "YAML sub (exit)" 0 $? "$T/err"
check_same "YAML sub" "$T/exp" "$T/out"

# ---- one field (-f), against awk's sub() and gsub() ----

# The awk spelling of a replacement that uses only $0 and plain text.
awk_repl() {
	printf '%s' "$1" | sed 's/[$]0/\&/g'
}

# run_awk NAME G FIELD PATTERN REPL AWK_FS FORKPIPE_OPTS -- FILE: forkpipe
# -e "sub [-g] -f FIELD ..." against awk '{ sub(/PAT/, REPL, $FIELD); print }'
# (gsub for -g), AWK_FS empty for whitespace-separated input.  With
# $AWK_SHORT=skip, awk leaves records with fewer fields alone too.
run_awk() {
	local name=$1 g=$2 f=$3 pat=$4 repl=$5 fs=$6 opts=() fn=sub gflag= file ref prog
	shift 6
	while [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	file=$2
	[ "$g" = g ] && fn=gsub gflag='-g '
	terminated ref "$file"
	prog="{ $fn(/$pat/, \"$(awk_repl "$repl")\", \$$f); print }"
	[ "${AWK_SHORT:-}" = skip ] && prog="NF < $f { print; next } $prog"
	if [ -n "$fs" ]; then
		awk -F "$fs" -v OFS="$fs" "$prog" < "$ref"
	else
		awk "$prog" < "$ref"
	fi > "$T/exp" || die "reference awk failed for $name"
	fp "${opts[@]}" -e "sub $gflag-f $f $(sq "$pat") $(sq "$repl")" "$file" > "$T/out" 2> "$T/err"
	check_rc "$name (exit)" 0 $? "$T/err"
	check_same "$name" "$T/exp" "$T/out"
}

# Patterns that cannot match an empty field (awk would create a missing
# field; sub leaves a record with fewer fields as it is).
gen_words "$T/words" 5 2000
{
	cat "$T/words"
	gen_crlf
	gen_long_line 50000 foo
} > "$T/fwords"
tr ' ' ',' < "$T/fwords" > "$T/fcomma"
tr ' ' '\t' < "$T/fwords" > "$T/ftab"
AWK_PAIRS=(
	'o' 'X'
	'o+' '<$0>'
	'^f' 'F'
	'[0-9]+' '#'
	'r$' 'R'
	'[A-Z]' '_'
	'a' ''
	'[.]' ' dot '
	'foo' 'bar baz'
)
for ((i = 0; i < ${#AWK_PAIRS[@]}; i += 2)); do
	pat=${AWK_PAIRS[i]}
	repl=${AWK_PAIRS[i + 1]}
	for f in 1 2 5; do
		for g in '' g; do
			run_awk "-f $f s/$pat/$repl/$g blanks" "$g" "$f" "$pat" "$repl" '' -j 3 -b 1K -- "$T/fwords"
		done
	done
	run_awk "-f 2 s/$pat/$repl/g -d ," g 2 "$pat" "$repl" , -d , -j 2 -b 100 -- "$T/fcomma"
	run_awk "-f 3 s/$pat/$repl/ --tsv" '' 3 "$pat" "$repl" $'\t' --tsv -j 4 -b 1 -- "$T/ftab"
done
# Empty fields of delimited input do match ^$ (awk would also add a
# field to a record without one).
AWK_SHORT=skip run_awk "-f 2 s/^\$/EMPTY/ -d ," '' 2 '^$' 'EMPTY' , -d , -j 2 -- "$T/fcomma"

# Whitespace input: only a record whose field changes is rebuilt, with
# single spaces; a record with fewer fields is left alone even when the
# pattern matches the empty string.
printf ' a  b\tc \nx  y\none\n\n  b  \n' > "$T/blanks"
printf 'a B c\nx  y\none\n\n  b  \n' > "$T/exp"
fp -e "sub -f 2 b B" "$T/blanks" > "$T/out" 2> "$T/err"
check_rc "-f 2 rebuilds changed records only (exit)" 0 $? "$T/err"
check_same "-f 2 rebuilds changed records only" "$T/exp" "$T/out"
printf 'a b -c-\nx  y\none\n\n  b  \n' > "$T/exp"
fp -e "sub -g -f 3 'x*' -" "$T/blanks" > "$T/out" 2> "$T/err"
check_rc "-f 3 empty matches, short records unchanged (exit)" 0 $? "$T/err"
check_same "-f 3 empty matches, short records unchanged" "$T/exp" "$T/out"

# ---- CSV and header names ----
printf 'id,name,note\r\n1,"Smith, John","said ""hi"""\r\n2,plain,"multi\nline"\r\n3,"x",y\r\n4,"a\nb\nc",last\r\n' > "$T/csv"
printf 'id,name,note\r\n1,Smith; John,"said ""hi"""\r\n2,plain,"multi\nline"\r\n3,"x",y\r\n4,"a\nb\nc",last\r\n' > "$T/exp.csv1"
printf 'id,name,note\r\n1,Smith,"said ""hi"""\r\n2,plain,"multi\nline"\r\n3,"x,y",y\r\n4,"a\nb\nc",last\r\n' > "$T/exp.csv2"
printf 'id,name,note\r\n1,"Smith, John","said ""hi"""\r\n2,plain,multi line\r\n3,"x",y\r\n4,"a\nb\nc",last\r\n' > "$T/exp.csv3"
printf '>id,name,note\r\n>1,"Smith, John","said ""hi"""\r\n>2,plain,"multi\nline"\r\n>3,"x",y\r\n>4,"a\nb\nc",last\r\n' > "$T/exp.csv4"
printf 'id,name,note\r\n1,"Smith, John","said ""hi"""\r\n2,plain,"multi\nline"\r\n3,"x",y\r\n4,"a\nb\nc",LAST\r\n' > "$T/exp.csv5"
for j in 1 2 4; do
	for b in 1 100 1M; do
		c="-j $j -b $b"
		# shellcheck disable=SC2086
		{
		fp --csv $c -e "sub -f 2 , ';'" "$T/csv" > "$T/out" 2> "$T/err"
		check_rc "csv -f 2 [$c] (exit)" 0 $? "$T/err"
		check_same "csv -f 2, a field that no longer needs quotes [$c]" "$T/exp.csv1" "$T/out"
		fp --csv $c -e "sub -f 2 '^(\\w+),.*' '\$1'" -e "sub -f 2 '^x\$' 'x,y'" "$T/csv" \
			> "$T/out" 2> "$T/err"
		check_rc "csv -f 2 quotes removed and added [$c] (exit)" 0 $? "$T/err"
		check_same "csv -f 2 quotes removed and added [$c]" "$T/exp.csv2" "$T/out"
		cat "$T/csv" | fp --csv $c -e "sub -f note '\\n' ' '" -H > "$T/out" 2> "$T/err"
		check_rc "csv -H -f note, stdin [$c] (exit)" 0 $? "$T/err"
		check_same "csv -H -f note: a newline inside quotes [$c]" "$T/exp.csv3" "$T/out"
		fp --csv $c -e "sub '^' '>'" "$T/csv" > "$T/out" 2> "$T/err"
		check_rc "csv whole record ^ [$c] (exit)" 0 $? "$T/err"
		check_same "csv whole record: ^ only at record starts [$c]" "$T/exp.csv4" "$T/out"
		fp --csv $c -e "sub 'last(\\r?)\$' 'LAST\$1'" "$T/csv" > "$T/out" 2> "$T/err"
		check_rc "csv whole record \$ [$c] (exit)" 0 $? "$T/err"
		check_same "csv whole record: \$ at the record end [$c]" "$T/exp.csv5" "$T/out"
		}
	done
done
# Quoting on output: a new delimiter or quote is quoted, a value that no
# longer needs quotes is written bare.
printf 'a,"b,c",d\n"q",plain,"x""y"\n' > "$T/csvq"
printf 'a,b;c,d\n"q,1",;,"x""y"\n' > "$T/exp"
fp --csv -e "sub -f 2 '[,]|^plain\$' ';'" -e "sub -f 1 '^q\$' 'q,1'" "$T/csvq" > "$T/out" 2> "$T/err"
check_rc "csv re-quoting (exit)" 0 $? "$T/err"
check_same "csv re-quoting" "$T/exp" "$T/out"
printf 'a,"b""c",d\n' > "$T/exp"
printf 'a,b,d\n' | fp --csv -e "sub -f 2 b 'b\"c'" > "$T/out" 2> "$T/err"
check_rc "csv quote in a new value (exit)" 0 $? "$T/err"
check_same "csv quote in a new value" "$T/exp" "$T/out"

# Header names with whitespace and delimited input; the header itself is
# written unchanged.
printf 'host status bytes\nalpha 200 10\nbeta 404 20\ngamma 200\n' > "$T/hdr"
printf 'host status bytes\nalpha ok 10\nbeta 404 20\ngamma ok\n' > "$T/exp"
fp -H -j 2 -b 1 -e "sub -f status '^200\$' ok" "$T/hdr" > "$T/out" 2> "$T/err"
check_rc "-H -f status (exit)" 0 $? "$T/err"
check_same "-H -f status" "$T/exp" "$T/out"
tr ' ' '\t' < "$T/hdr" > "$T/hdr.tsv"
tr ' ' '\t' < "$T/exp" > "$T/exp.tsv"
fp -H --tsv -e "sub --field=status '^200\$' ok" "$T/hdr.tsv" > "$T/out" 2> "$T/err"
check_rc "-H --tsv --field=status (exit)" 0 $? "$T/err"
check_same "-H --tsv --field=status" "$T/exp.tsv" "$T/out"
printf 'host status bytes\nalpha 200 10!\nbeta 404 20!\ngamma 200\n' > "$T/exp"
fp -H -e "sub -f 3 '\$' '!'" "$T/hdr" > "$T/out" 2> "$T/err"
check_rc "-H -f 3 (exit)" 0 $? "$T/err"
check_same "-H -f 3: the header is not substituted" "$T/exp" "$T/out"

# ---- errors ----
expect_exit 64 "sub: invalid pattern '\\(a': .* at offset 2" -- fp -e "sub '(a' x" "$T/small"
check_empty "invalid pattern: stdout is empty" "$EE_OUT"
expect_exit 64 "sub: invalid pattern 'a\\[': .* at offset 2" -- fp -e "sub 'a[' x" "$T/small"
expect_exit 64 "sub: invalid pattern 'a\\)': .* at offset 1" -- fp -e "sub 'a)' x" "$T/small"
expect_exit 64 "sub: invalid replacement '\\\$1': .* at offset 0" -- fp -e "sub a '\$1'" "$T/small"
check_empty "invalid replacement: stdout is empty" "$EE_OUT"
expect_exit 64 "sub: invalid replacement 'x\\\$': .* at offset 1" -- fp -e "sub a 'x\$'" "$T/small"
expect_exit 64 "sub: invalid replacement '\\\$!'" -- fp -e "sub a '\$!'" "$T/small"
expect_exit 64 "sub: invalid replacement 'ab\\\$\\{1': .* at offset 2" -- fp -e "sub '(a)' 'ab\${1'" "$T/small"
expect_exit 64 "sub: invalid replacement '\\\$\\{2\\}'" -- fp -e "sub '(a)' '\${2}'" "$T/small"
expect_exit 64 "sub: invalid replacement '\\\$nope'" -- fp -e "sub '(?<name>a)' '\$nope'" "$T/small"
expect_exit 64 "sub: invalid replacement '\\\$\\*FOO'" -- fp -e "sub a '\$*FOO'" "$T/small"
expect_exit 64 "sub.*(missing|pattern|argument)" -- fp -e "sub" "$T/small"
expect_exit 64 "sub.*(missing|replacement|argument)" -- fp -e "sub a" "$T/small"
expect_exit 64 "sub.*(-g|unknown|option)" -- fp -e "sub -q a b" "$T/small"
expect_exit 64 "sub: bad field '0'" -- fp -e "sub -f 0 a b" "$T/small"
expect_exit 64 "sub: field 'status' needs a header \\(--header\\)" -- fp -e "sub -f status a b" "$T/hdr"
expect_exit 64 "sub: field 'nosuch' is not in the header" -- fp -H -e "sub -f nosuch a b" "$T/hdr"
printf 'stages:\n  - sub: {pattern: a, replacement: "$3"}\n' > "$T/bad.yaml"
expect_exit 78 "bad.yaml.*sub: invalid replacement" -- fp -c "$T/bad.yaml" "$T/small"
# Malformed CSV is bad data, with the record's byte offset.
printf 'a,b\nc,"d"x,e\n' > "$T/badcsv"
expect_exit 65 "badcsv.*byte offset (4|9)" -- fp --csv -e "sub -f 2 d D" "$T/badcsv"
expect_exit 65 "badcsv.*byte offset (4|9)" -- fp --csv -e "sub x y" "$T/badcsv"
finish
