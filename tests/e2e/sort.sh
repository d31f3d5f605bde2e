#!/bin/bash
# e2e/sort.sh - the sort stage against LC_ALL=C sort with the same options:
# keys (-k2,2 -k3,3nr -k1.2,1.4 ...), -n -r -u -s -b -t and -z, on
# generated inputs with duplicates, empty lines, blanks, negative and
# decimal numbers, missing fields and a last line without newline, from
# files and pipes at several job counts and chunk sizes (ties across
# chunks must come out as sort puts them); spilling under a small
# --memory; the delimiter of -d/--tsv/--csv; YAML; bad key definitions.
. "$TEST_SRCDIR/lib.sh"

# chunk_opt SIZE: the -b option for a chunk size, none for "auto".
chunk_opt() {
	[ "$1" = auto ] || printf -- '-b\n%s\n' "$1"
}

# gen_sort FILE SEED NLINES [SEP]: lines of one to five fields drawn from
# words and numbers (negative, decimal, leading zeros, -0, numbers longer
# than 64 bits, not quite numbers), so that keys tie often; with SEP the
# fields are separated by it, else by runs of spaces and tabs, with
# leading and trailing blanks now and then; empty lines and empty fields.
gen_sort() {
	awk -v seed="$2" -v n="$3" -v sep="${4:-}" 'BEGIN {
		srand(seed)
		nw = split("a b ab abc B A foo Foo bar baz x-y 0 00 -0 0.0 .0 1 01 1.0 1.5 1.50 -1 -1.5 -.5 .5 10 9 99 100 -100 2.25 -2.25 1e3 +3 - . -. 3a 12abc 007 -007 0.001 -0.001 123456789012345678 123456789012345679 -123456789012345678 1.00000000000000001 1.0000000000000001", W, " ")
		for (i = 1; i <= n; i++) {
			if (rand() < 0.05) { print ""; continue }
			k = int(rand() * 5) + 1
			line = ""
			for (j = 1; j <= k; j++) {
				w = rand() < 0.08 ? "" : W[int(rand() * nw) + 1]
				if (sep != "") { line = line (j > 1 ? sep : "") w; continue }
				s = rand()
				bl = s < 0.15 ? "\t" : (s < 0.3 ? "  " : (s < 0.35 ? " \t " : " "))
				line = line (j > 1 ? bl : "") w
			}
			if (sep == "" && rand() < 0.1) line = (rand() < 0.5 ? " " : "\t ") line
			if (rand() < 0.05) line = line " "
			print line
		}
	}' > "$1"
}

gen_sort "$T/words" 17 2500
gen_long_line 5000 zz >> "$T/words"	# longer than a 1K chunk
gen_sort "$T/words2" 18 500 >> "$T/words"
cat "$T/words2" >> "$T/words"	# whole duplicate lines
gen_nofinal "$T/words" "$T/words.nofinal"
gen_sort "$T/comma" 19 2500 ,
gen_nofinal "$T/comma" "$T/comma.nofinal"

CONFIGS=("1 1K" "2 64K" "3 auto" "4 1K" "1 64K" "2 auto" "3 1K" "4 64K" "1 auto" "2 1K" "3 64K" "4 auto")

# sort_case INPUT SORT-OPTS [FORKPIPE-OPTS...]: the stage with these
# options against sort, from the file and through a pipe at two rotating
# configurations, and at -j 3 -b 1K, where ties meet across the most
# chunks.
NCASE=0
sort_case() {
	local in=$1 opts=$2 a b
	shift 2
	LC_ALL=C sort $opts "$in" > "$T/ref" || die "sort $opts $in failed"
	set -- ${CONFIGS[$((NCASE % 12))]} "$@"
	a=$1 b=$2
	shift 2
	expect_out "sort $opts < $(basename "$in") -j$a -b$b" "$T/ref" \
		fp "$@" -j "$a" $(chunk_opt "$b") -e "sort $opts" "$in"
	set -- ${CONFIGS[$(((NCASE + 5) % 12))]} "$@"
	a=$1 b=$2
	shift 2
	expect_out "sort $opts < $(basename "$in"), pipe -j$a -b$b" "$T/ref" \
		piped "$in" "$@" -j "$a" $(chunk_opt "$b") -e "sort $opts"
	expect_out "sort $opts < $(basename "$in") -j3 -b1K" "$T/ref" \
		fp "$@" -j 3 -b 1K -e "sort $opts" "$in"
	NCASE=$((NCASE + 1))
}

# ---- blank-separated fields ---------------------------------------------
for opts in "" "-r" "-n" "-nr" "-u" "-s" "-b" "-ur" "-nu" "-ns" "-nrs" "-bu" \
	"-k2,2" "-k2,2n" "-k2,2nr" "-k3,3nr -k1,1" "-k2" "-k1.2,1.4" "-k2,2 -u" "-k2,2n -u" \
	"-k2,2 -s" "-k2,2n -s" "-k2,2n -r" "-k2b,2" "-k2,2b" "-k2,2 -b" "-k2.2b,3.1" \
	"-k2,2r -n" "-k1,1n -r" "-k2.3,2.1" "-k3,2" "-k1.5" "-k2,2n -k1,1r -s" "-b -k2.2,2.3" \
	"-k2bn" "-ur -k1,1" "-k3.2n" "-k1,1.0" "-k2,3.0" "-s -k2b,2b" "-k5,5n" "-k2,2bn -k3" \
	"-k4,4 -k2,2nr -u" "-k1.1,1.1 -s -r"; do
	sort_case "$T/words" "$opts"
done
for opts in "" "-k2,2" "-k2,2n -s" "-k3,3nr -k1,1 -u" "-nr"; do
	sort_case "$T/words.nofinal" "$opts"
done

# Every job count and chunk size, from a file and a pipe.
for opts in "-k2,2 -s" "-k2,2n -u" "-k3,3nr -k1,1"; do
	LC_ALL=C sort $opts "$T/words" > "$T/ref"
	for j in 1 2 3 4; do
		for b in 1K 64K auto; do
			expect_out "sort $opts -j$j -b$b" "$T/ref" \
				fp -j "$j" $(chunk_opt "$b") -e "sort $opts" "$T/words"
			expect_out "sort $opts, pipe -j$j -b$b" "$T/ref" \
				piped "$T/words" -j "$j" $(chunk_opt "$b") -e "sort $opts"
		done
	done
done

# ---- -t, and the delimiter of -d, --tsv and --csv -------------------------
for opts in "-t , -k2,2" "-t , -k2,2n" "-t , -k3,3nr -k1,1" "-t , -k2" "-t , -u -k2,2" \
	"-t , -s -k2,2n" "-t , -k2.2,2.3b" "-t , -k1,1 -k3,3 -r" "-t , -k4" "-t , -k2,3.1" \
	"-t , -b -k2,2" "-t , -n"; do
	sort_case "$T/comma" "$opts"
done
sort_case "$T/comma.nofinal" "-t , -k2,2n -k1,1"
LC_ALL=C sort -t , -k2,2 -k3,3n "$T/comma" > "$T/ref"
expect_out "-d , makes sort's fields comma-separated" "$T/ref" \
	fp -d , -j 2 -b 1K -e 'sort -k2,2 -k3,3n' "$T/comma"
expect_out "--csv makes sort's fields comma-separated" "$T/ref" \
	fp --csv -j 2 -b 1K -e 'sort -k2,2 -k3,3n' "$T/comma"
tr , '\t' < "$T/comma" > "$T/tab"
LC_ALL=C sort -t "$(printf '\t')" -k2,2 -k3,3n "$T/tab" > "$T/ref"
expect_out "--tsv makes sort's fields tab-separated" "$T/ref" \
	fp --tsv -j 2 -b 1K -e 'sort -k2,2 -k3,3n' "$T/tab"
expect_out "-t '\\t'" "$T/ref" fp -j 2 -b 1K -e "sort -t '\\t' -k2,2 -k3,3n" "$T/tab"
LC_ALL=C sort -t : -k2,2 "$T/comma" > "$T/ref"
expect_out "-t wins over -d" "$T/ref" fp -d , -j 2 -b 1K -e 'sort -t : -k2,2' "$T/comma"
# A quoted CSV field may hold newlines: the records stay whole.
printf 'b,"x\ny"\na,"p\nq"\nc,z\n' > "$T/quoted.csv"
printf 'a,"p\nq"\nb,"x\ny"\nc,z\n' > "$T/ref"
expect_out "--csv: records with quoted newlines stay whole" "$T/ref" \
	fp --csv -j 2 -b 1 -e 'sort' "$T/quoted.csv"

# ---- -z: NUL-terminated records, newlines inside are blanks --------------
awk 'BEGIN { srand(23) } { printf "%s%s", $0, (rand() < 0.3 ? "\n" : "\0") }' "$T/words" > "$T/nul"
printf 'last\tno terminator' >> "$T/nul"
for opts in "" "-k2,2" "-k2,2n" "-n -s" "-r -u" "-k1,1 -k3,3nr" "-k2b,2" "-b" "-k1.2,1.4"; do
	LC_ALL=C sort -z $opts "$T/nul" > "$T/ref"
	set -- ${CONFIGS[$((NCASE % 12))]}
	expect_out "-z sort $opts -j$1 -b$2" "$T/ref" fp -z -j "$1" $(chunk_opt "$2") -e "sort $opts" "$T/nul"
	set -- ${CONFIGS[$(((NCASE + 5) % 12))]}
	expect_out "-z sort $opts, pipe -j$1 -b$2" "$T/ref" piped "$T/nul" -z -j "$1" $(chunk_opt "$2") -e "sort $opts"
	expect_out "-z sort $opts -j3 -b1K" "$T/ref" fp -z -j 3 -b 1K -e "sort $opts" "$T/nul"
	NCASE=$((NCASE + 1))
done

# ---- spilling: runs beyond --memory go to temporary files ----------------
# About 600 KB: with --memory 64K both the workers and the merger spill,
# and the merger merges its spilled runs in several passes.
gen_sort "$T/big" 29 40000
mkdir "$T/spill" || die "mkdir failed"
for opts in "-k2,2" "-k2,2n -s" "-u" "-k3,3nr -k1,1 -u" "-r"; do
	LC_ALL=C sort $opts "$T/big" > "$T/ref"
	for jb in "1 16K" "2 64K" "4 auto" "3 16K"; do
		set -- $jb
		expect_out "--memory 64K sort $opts -j$1 -b$2" "$T/ref" \
			fp --memory 64K --tmpdir "$T/spill" -j "$1" $(chunk_opt "$2") -e "sort $opts" "$T/big"
	done
	expect_out "--memory 1M sort $opts, pipe" "$T/ref" \
		piped "$T/big" --memory 1M --tmpdir "$T/spill" -j 2 -b 64K -e "sort $opts"
done
check_dir_listing "spill files leave no names behind" "$T/spill"
expect_exit 74 'sort: cannot create a temporary file in .*nonexistent' -- \
	fp --memory 64K --tmpdir "$T/nonexistent" -j 2 -b 64K -e 'sort' "$T/big"
# A spill file that cannot grow (a file size limit, SIGXFSZ ignored: the
# write fails with EFBIG): the message group's spills give too.
expect_exit 74 "^forkpipe: sort: cannot write a temporary file in $T/spill: File too large\$" -- \
	bash -c 'trap "" XFSZ; ulimit -f 64; exec timeout -k 5 "$@"' _ "$FP_TIMEOUT" \
	"$FORKPIPE" --memory 64K --tmpdir "$T/spill" -j 2 -b 64K -e 'sort' "$T/big"
# Enough memory: nothing is spilled, so no temporary directory is needed.
LC_ALL=C sort "$T/words" > "$T/ref"
expect_out "no spill within the budget" "$T/ref" \
	fp --memory 1G --tmpdir "$T/nonexistent" -j 2 -b 1K -e 'sort' "$T/words"

# ---- empty inputs, other stages around sort, output file -----------------
gen_empty "$T/empty"
gen_newline "$T/newline"
expect_out "empty input" "$T/empty" fp -j 2 -e 'sort -k2,2n' "$T/empty"
expect_out "empty stdin" "$T/empty" piped "$T/empty" -j 2 -e 'sort'
expect_out "one empty line" "$T/newline" fp -j 2 -e 'sort -u' "$T/newline"
grep -a foo "$T/words" | LC_ALL=C sort -k2,2 > "$T/ref"
expect_out "grep, then sort" "$T/ref" fp -j 3 -b 1K -e 'grep -F foo' -e 'sort -k2,2' "$T/words"
LC_ALL=C sort -k2,2nr "$T/words" | grep -a -v foo > "$T/ref"
expect_out "sort, then grep" "$T/ref" fp -j 3 -b 1K -e 'sort -k2,2nr' -e 'grep -v -F foo' "$T/words"
LC_ALL=C sort -u "$T/words" | wc -l | tr -d ' ' > "$T/ref"
expect_out "sort -u, then count" "$T/ref" fp -j 3 -b 1K -e 'sort -u' -e 'count' "$T/words"
LC_ALL=C sort -k3,3n "$T/words" | head -n 7 > "$T/ref"
expect_out "sort, then head" "$T/ref" fp -j 3 -b 1K -e 'sort -k3,3n' -e 'head 7' "$T/words"
LC_ALL=C sort -k2,2 -k1,1r "$T/words" > "$T/ref"
rm -f "$T/out.txt"
fp -j 2 -b 1K -e 'sort -k2,2 -k1,1r' -o "$T/out.txt" "$T/words" > "$T/stdout" 2> "$T/err"
check_rc "-o FILE: exit" 0 $? "$T/err"
check_same "-o FILE" "$T/ref" "$T/out.txt"
check_empty "-o FILE: nothing on stdout" "$T/stdout"

# A sort after a reducer runs in the merger, on the first one's output.
LC_ALL=C sort -k2,2 "$T/words" | LC_ALL=C sort -s -k1,1 > "$T/ref"
expect_out "sort, then sort -s" "$T/ref" fp -j 3 -b 1K -e 'sort -k2,2' -e 'sort -k1,1 -s' "$T/words"
expect_out "sort, then sort -s, spilling" "$T/ref" \
	fp --memory 64K --tmpdir "$T/spill" -j 3 -b 1K -e 'sort -k2,2' -e 'sort -k1,1 -s' "$T/words"
LC_ALL=C sort -r "$T/words" | LC_ALL=C sort -u -k3,3n > "$T/ref"
expect_out "sort, then sort -u, spilling" "$T/ref" \
	fp --memory 64K --tmpdir "$T/spill" -j 2 -b 1K -e 'sort -r' -e 'sort -u -k3,3n' "$T/words"

# ---- the long option names and YAML --------------------------------------
LC_ALL=C sort -k2,2 -k3,3nr -n -s "$T/words" > "$T/ref"
expect_out "long options" "$T/ref" \
	fp -j 2 -b 1K -e 'sort --key 2,2 --key=3,3nr --numeric --stable' "$T/words"
cat > "$T/sort.yaml" <<EOF
jobs: 3
chunk-size: 1K
stages:
  - sort: {key: ["2,2", "3,3nr"], numeric: true, stable: true}
EOF
expect_out "YAML sort {key: [2,2, 3,3nr], numeric, stable}" "$T/ref" fp -c "$T/sort.yaml" "$T/words"
LC_ALL=C sort -t , -k2,2 -u -r "$T/comma" > "$T/ref"
cat > "$T/sortt.yaml" <<EOF
jobs: 2
chunk-size: 1K
stages:
  - sort: {key: "2,2", separator: ",", unique: true, reverse: true}
EOF
expect_out "YAML sort {key: 2,2, separator, unique, reverse}" "$T/ref" fp -c "$T/sortt.yaml" "$T/comma"
LC_ALL=C sort -b -k2,2 "$T/words" > "$T/ref"
printf 'stages:\n  - sort: {key: ["2,2"], ignore-blanks: true}\n' > "$T/sortb.yaml"
expect_out "YAML sort {ignore-blanks}" "$T/ref" fp -c "$T/sortb.yaml" -j 2 -b 1K "$T/words"

# ---- a header stays on top --------------------------------------------------
{ printf 'name\tvalue\n'; awk 'BEGIN { srand(5); for (i = 0; i < 3000; i++) printf "k%d\t%d\n", int(rand() * 500), int(rand() * 1000) - 500 }'; } > "$T/hdr.tsv"
{ head -n 1 "$T/hdr.tsv"; tail -n +2 "$T/hdr.tsv" | LC_ALL=C sort -t "$(printf '\t')" -k2,2n -k1,1; } > "$T/ref"
for j in 1 3; do
	expect_out "--tsv -H sort -k2,2n -k1,1 -j$j: header first" "$T/ref" fp --tsv -H -j "$j" -b 4K -e 'sort -k2,2n -k1,1' "$T/hdr.tsv"
done
{ head -n 1 "$T/hdr.tsv"; tail -n +2 "$T/hdr.tsv" | LC_ALL=C sort -t "$(printf '\t')" -k2,2n -k1,1 | head -n 5; } > "$T/ref"
expect_out "--tsv -H sort then head 5" "$T/ref" fp --tsv -H -j 2 -b 4K -e 'sort -k2,2n -k1,1' -e 'head 5' "$T/hdr.tsv"

# ---- errors ------------------------------------------------------------------
expect_exit 64 "sort: bad key definition '2,x'" -- fp -e 'sort -k2,x' "$T/words"
expect_exit 64 "sort: bad key definition '0'" -- fp -e 'sort -k0' "$T/words"
expect_exit 64 "sort: bad key definition '1\\.0'" -- fp -e 'sort -k1.0' "$T/words"
expect_exit 64 "sort: bad key definition '2,0'" -- fp -e 'sort -k2,0' "$T/words"
expect_exit 64 "sort: bad key definition 'x'" -- fp -e 'sort -k x' "$T/words"
expect_exit 64 "sort: bad key definition ''" -- fp -e "sort -k ''" "$T/words"
expect_exit 64 "sort: bad key definition '1,2\\.'" -- fp -e 'sort -k1,2.' "$T/words"
expect_exit 64 "sort: bad key definition '2\\.'" -- fp -e 'sort -k2.' "$T/words"
expect_exit 64 "sort: bad key definition '2,3x'" -- fp -e 'sort -k2,3x' "$T/words"
expect_exit 64 "sort: bad key definition '2x'.*unexpected 'x'" -- fp -e 'sort -k2x' "$T/words"
expect_exit 64 "sort: bad key definition '2,2Mq'.*'q'" -- fp -e 'sort -k2,2Mq' "$T/words"
expect_exit 64 "sort: bad key definition '-1'" -- fp -e 'sort -k -1' "$T/words"
expect_exit 64 "sort: bad key definition '2,x'" -- fp -e 'sort -k1,1 -k2,x' "$T/words"
expect_exit 64 'sort: the separator must be one byte' -- fp -e 'sort -t ab' "$T/words"
expect_exit 64 'sort.*-k' -- fp -e 'sort -k' "$T/words"
expect_exit 64 "sort: unknown option '-G'" -- fp -e 'sort -G' "$T/words"
check_empty "errors: nothing on stdout" "$EE_OUT"
printf 'stages:\n  - sort: {key: ["2,2", "3,x"]}\n' > "$T/badkey.yaml"
expect_exit 78 "badkey\\.yaml:2:[0-9]+: .*bad key definition '3,x'" -- fp -c "$T/badkey.yaml" "$T/words"

finish
