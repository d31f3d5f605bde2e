#!/bin/bash
# e2e/errors.sh - every error: exit code, a one-line message naming the
# culprit, nothing on stdout, and no output or temp file left with -o.
. "$TEST_SRCDIR/lib.sh"

Y=$TEST_SRCDIR/yaml
gen_small "$T/small"
printf 'one\ntwo\n' > "$T/two"

# A clean directory for -o checks.
ODIR=$T/odir
mkdir "$ODIR"

# no_stdout NAME: stdout of the last expect_exit was empty.
no_stdout() {
	check_empty "$1: stdout is empty" "$EE_OUT"
}

# ---- input files (66) ----
expect_exit 66 'nope-missing' -- fp "$T/nope-missing"
no_stdout "missing input"
expect_exit 66 'nope-missing' -- fp -e count "$T/nope-missing"
no_stdout "missing input with count"
expect_exit 66 'nope-missing' -- fp -e 'grep -v zzz' "$T/two" "$T/nope-missing"
no_stdout "missing second input"
expect_exit 66 'nope-missing' -- fp -j 4 -b 1 -e count "$T/two" - "$T/nope-missing"
no_stdout "missing input after stdin"

mkdir "$T/adir"
expect_exit 66 'adir' -- fp "$T/adir"
no_stdout "directory as input"
expect_exit 66 'adir' -- fp -e count "$T/two" "$T/adir"
no_stdout "directory as second input"

cp "$T/two" "$T/unreadable"
chmod 000 "$T/unreadable"
if [ "$(id -u)" = 0 ] || cat "$T/unreadable" >/dev/null 2>&1; then
	# Permission bits do not stop this user; the directory cases above
	# cover an input that cannot be read.
	printf 'note: running with privileges that ignore file modes; chmod 000 case covered by the directory case\n'
else
	expect_exit 66 'unreadable' -- fp "$T/unreadable"
	no_stdout "unreadable input"
	expect_exit 66 'unreadable' -- fp -e count "$T/two" "$T/unreadable"
	no_stdout "unreadable second input"
fi

# ---- command line (64) ----
expect_exit 64 'frobnicate' -- fp --frobnicate "$T/two"
no_stdout "unknown long option"
expect_exit 64 "Q" -- fp -Q "$T/two"
no_stdout "unknown short option"
# A flag given a value names the argument as given (not a stray byte).
expect_exit 64 "^forkpipe: unknown option '--tsv=x' \\(see --help\\)\$" -- fp --tsv=x "$T/two"
no_stdout "a flag given a value"
# A duration is checked once, as in a pipeline file: at least 1 ms for a
# timeout, and any way of writing 0 turns the stall warning off.
expect_exit 64 "^forkpipe: --timeout: invalid duration '0.0005' \\(expected e.g. 30, 1.5s, 500ms, 10m, 2h\\)\$" \
	-- fp --timeout=0.0005 "$T/two"
for off in 0 0s 0ms 0.0; do
	fp --stall-warning=$off "$T/two" > "$T/out" 2> "$T/err"
	check_rc "--stall-warning=$off (off)" 0 $? "$T/err"
	check_same "--stall-warning=$off: the copy" "$T/two" "$T/out"
done
# An option missing its argument at the end: the operand before it is
# still an input file, never the option's value (and never overwritten).
for opt in -j -e -o -b -c; do
	printf 'keep\n' > "$T/victim"
	EE_STDIN=$T/two expect_exit 64 "(^forkpipe: $opt|[^a-z]$opt[^a-z]|[^a-z]${opt#-}[^a-z]|argument)" -- \
		fp "$T/victim" "$opt"
	if grep -q victim "$EE_ERR"; then
		fail "[victim $opt]: the file before $opt was taken as its argument: $(head -n 1 "$EE_ERR")"
	else
		pass
	fi
	check_text "[victim $opt]: the file before the option is untouched" keep "$T/victim"
	no_stdout "[victim $opt]"
done
expect_exit 64 '(-o|output)' -- fp -o
expect_exit 64 '(-e|stage)' -- fp -e count -e
expect_exit 64 '(-j|jobs)' -- fp -j 0 "$T/two"
no_stdout "-j 0"
expect_exit 64 'abc' -- fp -j abc "$T/two"
expect_exit 64 '(-j|jobs)' -- fp -j -1 "$T/two"
expect_exit 64 '(-j|jobs)' -- fp -j '' "$T/two"
expect_exit 64 '99999999999999999999' -- fp --jobs=99999999999999999999 "$T/two"
expect_exit 64 '(-j|jobs).*2x|2x' -- fp -j 2x "$T/two"
expect_exit 64 '(-b|chunk)' -- fp -b 0 "$T/two"
no_stdout "-b 0"
expect_exit 64 '12Q' -- fp -b 12Q "$T/two"
expect_exit 64 '(-b|chunk)' -- fp -b '' "$T/two"
expect_exit 64 '(-b|chunk)' -- fp -b -5 "$T/two"
expect_exit 64 'K1' -- fp --chunk-size=K1 "$T/two"
expect_exit 64 '99999999999G' -- fp -b 99999999999G "$T/two"

# ---- stages (64) ----
expect_exit 64 'frobnicate' -- fp -e frobnicate "$T/two"
no_stdout "unknown stage"
expect_exit 64 'frobnicate' -- fp -e 'grep x' -e 'frobnicate -x' -e count "$T/two"
expect_exit 64 'grep.*Q|Q.*grep' -- fp -e 'grep -Q x' "$T/two"
no_stdout "bad grep option"
expect_exit 64 'grep.*frob|frob.*grep' -- fp -e 'grep --frob x' "$T/two"
expect_exit 64 'count.*x|x.*count' -- fp -e 'count -x' "$T/two"
expect_exit 64 'extraword' -- fp -e 'count extraword' "$T/two"
expect_exit 64 'extraword' -- fp -e 'grep foo extraword' "$T/two"
expect_exit 64 'grep.*[Pp]attern|[Pp]attern.*grep|PATTERN' -- fp -e grep "$T/two"
no_stdout "missing pattern"
expect_exit 64 'grep.*[Pp]attern|[Pp]attern.*grep|PATTERN' -- fp -e 'grep -F -i' "$T/two"
expect_exit 64 '(grep|a\().*offset [0-9]+' -- fp -e 'grep "a("' "$T/two"
no_stdout "invalid regex"
expect_exit 64 'offset 2([^0-9]|$)' -- fp -e 'grep "a("' "$T/two"
expect_exit 64 'offset [0-9]+' -- fp -e 'grep -w "[z-a]"' "$T/two"
expect_exit 64 'offset [0-9]+' -- fp -e 'grep -x -i "*x"' "$T/two"
expect_exit 64 'offset [0-9]+' -- fp -e 'grep -F foo' -e 'grep "(?<"' "$T/two"
expect_exit 64 '[Qq]uot|unterminated|unbalanced|unmatched' -- fp -e "grep 'abc" "$T/two"
no_stdout "unbalanced single quote"
expect_exit 64 '[Qq]uot|unterminated|unbalanced|unmatched' -- fp -e 'grep "abc' "$T/two"
expect_exit 64 '[Qq]uot|unterminated|unbalanced|unmatched' -- fp -e "grep -F 'a'\"b" "$T/two"
expect_exit 64 '[Bb]ackslash|escape' -- fp -e 'grep abc\' "$T/two"
expect_exit 64 '.' -- fp -e '' "$T/two"
expect_exit 64 '.' -- fp -e '   ' "$T/two"

# A literal "a(" is fine with -F.
grep -a -F 'a(' < "$T/two" > "$T/exp"
fp -e 'grep -F "a("' "$T/two" > "$T/out" 2> "$T/err"
check_rc "grep -F a( (exit)" 0 $? "$T/err"
check_same "grep -F a( output" "$T/exp" "$T/out"

# Ranges: a zstd level above 19, a chunk above 1G.
rm -rf "$ODIR" && mkdir "$ODIR"
expect_exit 64 "^forkpipe: --zstd: invalid level '20' \\(expected 1 to 19\\)\$" -- \
	fp --zstd=20 -o "$ODIR/result" "$T/two"
expect_exit 64 "^forkpipe: --gzip: invalid level '10' \\(expected 1 to 9\\)\$" -- \
	fp --gzip=10 -o "$ODIR/result" "$T/two"
expect_exit 64 "^forkpipe: -b: invalid chunk size '2G' \\(expected e.g. 512K, 4M; at most 1G\\)\$" -- \
	fp -b 2G -o "$ODIR/result" "$T/two"
check_dir_listing "refused ranges: no output file" "$ODIR"
# Options that contradict each other: neither silently wins.
contra() {
	local first=$1 second=$2
	shift 2
	rm -rf "$ODIR" && mkdir "$ODIR"
	expect_exit 64 "^forkpipe: --$first and --$second contradict each other \\(choose one\\)\$" -- \
		fp "$@" -o "$ODIR/result" "$T/two"
	no_stdout "--$first with --$second"
	check_dir_listing "--$first with --$second: no output file" "$ODIR"
}
contra gzip zstd --gzip --zstd
contra zstd gzip --zstd=3 --gzip=6
contra zstd gzip-independent --zstd --gzip-independent
contra csv tsv --csv --tsv
contra tsv csv-lax --tsv --csv-lax
contra tsv csv-delimiter --tsv --csv-delimiter=';'
contra tsv delimiter --tsv -d ,
contra delimiter csv-delimiter -d , --csv-delimiter ';'
# Agreeing options are fine.
for args in "--gzip --gzip-independent" "--tsv -d \t" "--csv -d ;" "--csv --csv-lax" "-d , -d ;"; do
	# shellcheck disable=SC2086
	fp $args -e count "$T/two" > "$T/out" 2> "$T/err"
	check_rc "agreeing options [$args] (exit)" 0 $? "$T/err"
done

# ---- YAML (78, or 66 when the file cannot be opened) ----
yaml_err() {
	local file=$1 re=$2
	expect_exit 78 "$re" -- fp -c "$Y/$file" "$T/two"
	no_stdout "$file"
}
yaml_err bad-syntax.yaml 'bad-syntax\.yaml:[0-9]+:[0-9]+'
yaml_err bad-quote.yaml 'bad-quote\.yaml:[0-9]+:[0-9]+'
yaml_err bad-key.yaml 'bad-key\.yaml:2:1([^0-9]|$).*frobnicate|frobnicate.*bad-key\.yaml:2:1([^0-9]|$)'
yaml_err bad-type.yaml 'bad-type\.yaml:2:[0-9]+'
yaml_err bad-jobs-zero.yaml 'bad-jobs-zero\.yaml:1:[0-9]+'
yaml_err bad-inputs-type.yaml 'bad-inputs-type\.yaml:1:[0-9]+'
yaml_err bad-stages-type.yaml 'bad-stages-type\.yaml:2:[0-9]+'
yaml_err bad-stage-key.yaml 'bad-stage-key\.yaml:2:[0-9]+.*frobnicate|frobnicate.*bad-stage-key\.yaml:2:[0-9]+'
yaml_err bad-flag-type.yaml 'bad-flag-type\.yaml:2:[0-9]+'
yaml_err bad-chunk-size.yaml 'bad-chunk-size\.yaml:1:[0-9]+'
yaml_err bad-null-type.yaml 'bad-null-type\.yaml:1:[0-9]+'
yaml_err bad-unknown-stage.yaml 'bad-unknown-stage\.yaml:3:[0-9]+.*frobnicate|frobnicate.*bad-unknown-stage\.yaml:3:[0-9]+'
# A NUL in a YAML string would cut the value ("GET\0zzz" matching every
# GET): refused, with where it is.  Duplicate keys and a second document
# would be silently dropped: refused too.
printf 'stages:\n  - grep: {pattern: "GET\\0zzz"}\n' > "$T/nul.yaml"
printf 'jobs: 2\nstages:\n  - grep: {pattern: a, pattern: b}\n' > "$T/dupkey.yaml"
printf 'jobs: 2\njobs: 3\n' > "$T/dupjobs.yaml"
printf 'stages: [count: ~]\n---\nstages: [grep: {pattern: x}]\n' > "$T/twodocs.yaml"
for f in nul dupkey dupjobs twodocs; do
	o_yaml() {
		expect_exit 78 "$1" -- fp -c "$T/$f.yaml" -o "$ODIR/result" "$T/two"
		no_stdout "$f.yaml"
		check_dir_listing "$f.yaml: no output file" "$ODIR"
	}
	case $f in
	nul) o_yaml "^forkpipe: $T/nul\.yaml:2:21: the string 'GET\.\.\.' contains a NUL byte \(.0\), which a value cannot hold \(in a regular expression, write .x00\)\$" ;;
	dupkey) o_yaml "^forkpipe: $T/dupkey\.yaml:3:24: duplicate key 'pattern' \(first given at line 3, column 12\)\$" ;;
	dupjobs) o_yaml "^forkpipe: $T/dupjobs\.yaml:2:1: duplicate key 'jobs' \(first given at line 1, column 1\)\$" ;;
	twodocs) o_yaml "^forkpipe: $T/twodocs\.yaml:2:1: a second YAML document: a pipeline file holds one\$" ;;
	esac
done
# -c -: the pipeline from stdin, which cannot then be an input as well.
printf 'stages: [count: ~]\n' > "$T/count.yaml"
for args in "" "-" "$T/two -"; do
	# shellcheck disable=SC2086
	EE_STDIN=$T/count.yaml expect_exit 64 \
		'^forkpipe: -c -: stdin holds the pipeline, so it cannot be an input too \(name the input files\)$' \
		-- fp -c - -o "$ODIR/result" $args
	check_dir_listing "-c - with stdin as input [$args]: no output file" "$ODIR"
done
printf 'inputs: [-]\nstages: [count: ~]\n' > "$T/stdin-input.yaml"
EE_STDIN=$T/stdin-input.yaml expect_exit 64 '^forkpipe: -c -: stdin holds the pipeline' -- \
	fp -c - -o "$ODIR/result"
check_dir_listing "-c - with inputs: [-]: no output file" "$ODIR"
printf 'jobs: 2\njobs: 3\n' > "$T/dupjobs.yaml"
EE_STDIN=$T/dupjobs.yaml expect_exit 78 '^forkpipe: \(stdin\):2:1: duplicate key' -- fp -c - "$T/two"
# A bad config is reported even when the command line overrides the key.
expect_exit 78 'bad-key\.yaml' -- fp -c "$Y/bad-key.yaml" -j 2 "$T/two"
expect_exit 66 'nope-config\.yaml' -- fp -c "$T/nope-config.yaml" "$T/two"
no_stdout "missing config"
expect_exit 66 'nope-config\.yaml' -- fp --config="$T/nope-config.yaml"
# A config whose input is missing: the input is named, 66.
printf 'inputs: [%s]\n' "$T/nope-from-yaml" > "$T/missing-input.yaml"
expect_exit 66 'nope-from-yaml' -- fp -c "$T/missing-input.yaml"

# ---- output (73, 74) ----
expect_exit 73 'no-such-dir' -- fp -o "$T/no-such-dir/out.txt" "$T/two"
no_stdout "-o into a missing directory"
[ ! -e "$T/no-such-dir" ] && pass || fail "-o into a missing directory created it"
expect_exit 73 'no-such-dir' -- fp -e count --output="$T/no-such-dir/out.txt" "$T/two"

mkdir -p "$ODIR/sub"
expect_exit 73 'sub' -- fp -o "$ODIR/sub" "$T/two"
check_dir_listing "-o onto a directory: no temp file" "$ODIR" sub
check_dir_listing "-o onto a directory: directory untouched" "$ODIR/sub"
rm -rf "$ODIR" && mkdir "$ODIR"

EE_STDOUT=/dev/full expect_exit 74 '.' -- fp "$T/two"
EE_STDOUT=/dev/full expect_exit 74 '.' -- fp -e count "$T/two"
EE_STDOUT=/dev/full expect_exit 74 '.' -- fp -j 4 -b 1K -e 'grep -v zzz' "$T/small"
EE_STDOUT=/dev/full expect_exit 74 '.' -- fp --unordered -j 4 -b 1K "$T/small"
EE_STDOUT=/dev/full expect_exit 74 '.' -- fp -e count -e 'grep .' "$T/two"

# ---- stages after a reducer keep their own exit code ----
# They run in the supervisor on the reducer's result: a data error there
# is 65, not an output error.  count prints 2, sub makes it 2"x, which
# is malformed CSV for cut.
expect_exit 65 'malformed CSV.*quote inside an unquoted field \(--csv-lax accepts it\)$' -- \
	fp --csv -e count -e 'sub "$" "\"x"' -e 'cut -f 1' "$T/two"
no_stdout "data error after a reducer"
rm -rf "$ODIR" && mkdir "$ODIR"
expect_exit 65 'quote inside an unquoted field \(--csv-lax accepts it\)$' -- \
	fp --csv -o "$ODIR/result" -e count -e 'sub "$" "\"x"' -e 'cut -f 1' "$T/two"
check_dir_listing "data error after a reducer, -o: no output or temp file" "$ODIR"

# ---- -o and errors: the output file never appears half-written ----
# Fresh output file: it must not exist after the error.
o_fresh() {
	local code=$1 re=$2
	shift 2
	rm -rf "$ODIR" && mkdir "$ODIR"
	expect_exit "$code" "$re" -- fp -o "$ODIR/result" "$@"
	check_dir_listing "fresh -o, exit $code [$*]: no output or temp file" "$ODIR"
}
# Existing output file: it keeps its content.
o_kept() {
	local code=$1 re=$2
	shift 2
	rm -rf "$ODIR" && mkdir "$ODIR"
	printf 'previous content\n' > "$ODIR/result"
	expect_exit "$code" "$re" -- fp -o "$ODIR/result" "$@"
	check_dir_listing "existing -o, exit $code [$*]: no temp file" "$ODIR" result
	check_text "existing -o, exit $code [$*]: content kept" 'previous content' "$ODIR/result"
}
for f in o_fresh o_kept; do
	$f 66 'nope-missing' "$T/nope-missing"
	$f 66 'nope-missing' -e count "$T/small" "$T/nope-missing"
	$f 66 'adir' -j 4 -b 1 "$T/small" "$T/adir"
	$f 64 'frobnicate' -e frobnicate "$T/small"
	$f 64 'offset [0-9]+' -e 'grep "a("' "$T/small"
	$f 64 'frobnicate' --frobnicate "$T/small"
	$f 64 '(-j|jobs)' -j 0 "$T/small"
	$f 78 'bad-syntax\.yaml:[0-9]+:[0-9]+' -c "$Y/bad-syntax.yaml" "$T/small"
	$f 66 'nope-config' -c "$T/nope-config.yaml" "$T/small"
done
# With the output key in a config too.
rm -rf "$ODIR" && mkdir "$ODIR"
printf 'output: %s\ninputs: [%s, %s]\n' "$ODIR/result" "$T/small" "$T/nope-missing" > "$T/o.yaml"
expect_exit 66 'nope-missing' -- fp -c "$T/o.yaml"
check_dir_listing "output: key and a missing input: no output or temp file" "$ODIR"

# ---- control bytes in names: every message stays one line ----
# A newline is written \n, other control bytes \xHH.
expect_exit 66 "^forkpipe: $T/a\\\\nb\\.log: cannot open: No such file or directory\$" -- \
	fp -e count "$T/a
b.log"
printf 'not gzip data at all' | gzip -c | head -c 20 > "$T/bad
z.gz"
expect_exit 65 "^forkpipe: $T/bad\\\\nz\\.gz: unexpected end of gzip data at compressed byte offset 20\$" -- \
	fp -o "$ODIR/result" "$T/bad
z.gz"
check_dir_listing "bad gzip with a newline in its name: no output or temp file" "$ODIR"
printf '\037\213\010\000garbagegarbage' > "$T/c$(printf '\001\t')d.gz"
expect_exit 65 "^forkpipe: $T/c\\\\x01\\\\td\\.gz: corrupt gzip data at compressed byte offset" -- \
	fp -j 2 -e count "$T/c$(printf '\001\t')d.gz"

# ---- a pattern that hits PCRE2's match limit on a record: 65, with the
# file, the record's offset and the pattern ----
{ printf 'x\nyy\n'; head -c 5000 /dev/zero | tr '\0' a; printf '!b\nz\n'; } > "$T/catastrophe.log"
gzip -c "$T/catastrophe.log" > "$T/catastrophe.log.gz"
limit_msg() {	# FILE STAGE PATTERN
	printf '^forkpipe: %s: byte offset 5: %s: pattern "%s" hit the match limit \\(PCRE2 backtracking limit\\) on this record$' \
		"$1" "$2" "$(printf '%s' "$3" | sed 's/[][()+*.?|^$\\]/\\&/g')"
}
for j in 1 3; do
	expect_exit 65 "$(limit_msg "$T/catastrophe.log" grep '(a+)+b')" -- \
		fp -j "$j" -b 100 -e 'grep "(a+)+b"' "$T/catastrophe.log"
	expect_exit 65 "$(limit_msg "$T/catastrophe.log" grep '(a+)+b')" -- \
		fp -j "$j" -e 'grep -v "(a+)+b"' -o "$ODIR/result" "$T/catastrophe.log"
	check_dir_listing "grep hitting the match limit -j $j: no output or temp file" "$ODIR"
	expect_exit 65 "$(limit_msg stdin grep '(?=a)(a+)+b')" -- \
		sh -c "\"\$0\" -j $j -e 'grep \"(?=a)(a+)+b\"' < \"\$1\"" "$FORKPIPE" "$T/catastrophe.log.gz"
	# grep's new options: the pattern that hit the limit is named.
	expect_exit 65 "$(limit_msg "$T/catastrophe.log" grep '(a+)+b')" -- \
		fp -j "$j" -b 100 -e 'grep -e x -e "(a+)+b" -e y' "$T/catastrophe.log"
	expect_exit 65 "$(limit_msg "$T/catastrophe.log" grep '(a+)+b')" -- \
		fp -j "$j" -e 'grep -n -o "(a+)+b"' -o "$ODIR/result" "$T/catastrophe.log"
	expect_exit 65 "$(limit_msg stdin grep '(a+)+b')" -- \
		sh -c "\"\$0\" -j $j -e 'grep -c -m 5 \"(a+)+b\"' < \"\$1\"" "$FORKPIPE" "$T/catastrophe.log"
	check_dir_listing "grep -n -o hitting the match limit -j $j: no output or temp file" "$ODIR"
	expect_exit 65 "$(limit_msg "$T/catastrophe.log" sub '(a+)+b')" -- \
		fp -j "$j" -e 'sub "(a+)+b" X' "$T/catastrophe.log"
	expect_exit 65 "$(limit_msg "$T/catastrophe.log" sub 'y|(a+)+b')" -- \
		fp -j "$j" -e 'sub -g "y|(a+)+b" X' "$T/catastrophe.log"
	expect_exit 65 "$(limit_msg "$T/catastrophe.log" filter '(a+)+b')" -- \
		fp -j "$j" -e 'filter "$0 ~ \"(a+)+b\""' "$T/catastrophe.log"
done

# ---- delimiters: " is a plain byte outside CSV, a newline separates the
# fields of NUL-terminated records; where they cannot be, 64 saying why ----
printf 'a"b"c\n"x\nno quote\n""\n' > "$T/quoted"
cut -d '"' -f 2,3 "$T/quoted" > "$T/quoted.exp"
for j in 1 2; do
	expect_out "-d '\"' cut -j $j" "$T/quoted.exp" fp -j "$j" -b 1 -d '"' -e 'cut -f 2,3' "$T/quoted"
done
datamash -t '"' -s -g 1 count 1 < "$T/quoted" > "$T/quoted.dm"
expect_out "-d '\"' group" "$T/quoted.dm" fp -j 2 -d '"' -e 'group -k 1 count' "$T/quoted"
printf 'a\nb\0c\nd\ne\0\0f\0' > "$T/nulnl"
cut -z -d $'\n' -f 2 "$T/nulnl" > "$T/nulnl.exp"
expect_out "-z -d newline cut" "$T/nulnl.exp" fp -j 2 -b 1 -z -d $'\n' -e 'cut -f 2' "$T/nulnl"
NLMSG='^forkpipe: -d: the delimiter cannot be a newline, which ends records \(with -z, records end at NUL and a newline may separate fields\)$'
rm -rf "$ODIR" && mkdir "$ODIR"
expect_exit 64 "$NLMSG" -- fp -d $'\n' -e 'cut -f 1' -o "$ODIR/result" "$T/two"
no_stdout "-d newline"
check_dir_listing "-d newline: no output file" "$ODIR"
QMSG="^forkpipe: --csv: the delimiter of CSV cannot be '\"', which quotes its fields \\(without --csv it is a plain delimiter\\)\$"
expect_exit 64 "$QMSG" -- fp --csv -d '"' -e 'cut -f 1' -o "$ODIR/result" "$T/two"
expect_exit 64 "$QMSG" -- fp --csv-delimiter='"' -e 'cut -f 1' "$T/two"
expect_exit 64 '^forkpipe: --csv: the delimiter of CSV cannot be a newline or a CR, which end its records$' -- \
	fp -z --csv-delimiter=$'\r' -e 'cut -f 1' "$T/two"
printf 'input: {format: csv, delimiter: "\\""}\nstages:\n  - count: {}\n' > "$T/csvq.yaml"
expect_exit 78 "^forkpipe: $T/csvq\\.yaml:1:[0-9]+: 'delimiter' cannot be '\"' with 'format: csv', whose fields it quotes\$" -- \
	fp -c "$T/csvq.yaml" "$T/two"
printf 'input: {delimiter: "\\""}\nstages:\n  - cut: {fields: "2,3"}\n' > "$T/q.yaml"
expect_out "YAML delimiter '\"'" "$T/quoted.exp" fp -c "$T/q.yaml" "$T/quoted"
expect_exit 64 "^forkpipe: -d: the delimiter must be one byte \\(or \\\\t\\), not 'ab'\$" -- fp -d ab "$T/two"
check_dir_listing "refused delimiters: no output file" "$ODIR"

# ---- a number out of long double's range (underflow, overflow) is not a
# number, as datamash says: 65 naming the op, the record and the field ----
printf 'a 1\na 2\nb 1e-20000\n' > "$T/under"
for v in 1e-20000 -1e-4940 1e99999; do
	printf 'a 1\na 2\nb %s\n' "$v" > "$T/under"
	datamash -W -g 1 sum 2 < "$T/under" > /dev/null 2>&1
	check_rc "datamash refuses $v" 1 $?
	for j in 1 3; do
		expect_exit 65 "^forkpipe: $T/under: group: sum:2: invalid numeric value in record 3 at byte offset 8, field 2: '$v'\$" -- \
			fp -j "$j" -b 1 -e 'group -k 1 sum:2' -o "$ODIR/result" "$T/under"
		EE_STDIN=$T/under expect_exit 65 "^forkpipe: stdin: group: sum:2: invalid numeric value in record 3 at byte offset 8, field 2: '$v'\$" -- \
			fp -j "$j" -e 'group -k 1 sum:2'
	done
done
check_dir_listing "out-of-range numbers: no output file" "$ODIR"
printf 'a 0e-20000\na 1e-400\n' > "$T/inrange"
datamash -W -s -g 1 sum 2 < "$T/inrange" > "$T/inrange.exp"
expect_out "0e-20000 and 1e-400 are numbers" "$T/inrange.exp" fp -e 'group -k 1 sum:2' "$T/inrange"

finish
