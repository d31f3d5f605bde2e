#!/bin/bash
# e2e/shard.sh - --shard K/N: the shards of the inputs, run one by one as
# the tasks of a job array would, together give the result of one run.
# Map-only parts concatenated in shard order equal the single run byte
# for byte (records longer than a shard, no final newline, CSV quoted
# newlines with a header, NUL records, several files); partials of the
# shards merge to the single run's result for every reducer, in any
# order (as given, reversed, shuffled, in rounds); bad partials, and
# shards that do not cover their inputs once (missing, twice, of another
# count, of inputs that changed in between) are refused; --shard auto reads Slurm's job array variables;
# inputs that cannot be sharded are refused.  Then the Hadoop Streaming
# and Spark contract (contrib/hadoop): mappers fed byte-range splits on
# stdin as Hadoop's line reader cuts them, the reducer merging their
# partials in key order.
. "$TEST_SRCDIR/lib.sh"

command -v base64 > /dev/null 2>&1 || die "reference tool 'base64' not found"
HADOOP=$top_srcdir/contrib/hadoop
NS="1 2 3 7 64"
TAB=$(printf '\t')

# ---- helpers -------------------------------------------------------------

# shards N PREFIX ARGS...: forkpipe --shard K/N ARGS for every K, each
# output into PREFIX.KKK (so that a glob lists them in shard order), four
# at a time, as the tasks of a job array run side by side.
shards() {
	local n=$1 prefix=$2 k pids=() bad=
	shift 2
	rm -f "$prefix".*
	for ((k = 0; k < n; k++)); do
		fp --shard "$k/$n" "$@" > "$prefix.$(printf %03d "$k")" 2> "$T/err.$k" &
		pids[k]=$!
		if ((k % 4 == 3 || k == n - 1)); then
			for k2 in "${!pids[@]}"; do
				wait "${pids[k2]}" || bad="$bad $k2"
			done
			pids=()
		fi
	done
	for k in $bad; do
		fail "--shard $k/$n $*: $(head -c 200 "$T/err.$k")"
	done
	[ -z "$bad" ]
}

# refused CODE REGEX ARGS...: merge (of the pipeline $RP, else $G) fails
# as asked and -o leaves no file.
refused() {
	local code=$1 re=$2
	shift 2
	rm -f "$T/o.out"
	expect_exit "$code" "$re" fp merge --tsv -o "$T/o.out" -e "${RP:-$G}" "$@"
	[ ! -e "$T/o.out" ] && pass || fail "merge $*: left $T/o.out behind"
}

# permute SEED: the lines of stdin in an order fixed by SEED.
permute() {
	awk -v seed="$1" 'BEGIN { srand(seed) } { print rand() "\t" $0 }' | sort -k1,1 | cut -f 2-
}

# concat NAME REF N ARGS...: the shards' outputs, concatenated in shard
# order, are REF.
concat() {
	local name=$1 ref=$2 n=$3
	shift 3
	shards "$n" "$T/part" "$@" || return
	cat "$T"/part.* > "$T/cat"
	check_same "$name: $n shards concatenated" "$ref" "$T/cat"
}

# ---- inputs --------------------------------------------------------------

# Two lines of 60 KB, longer than most shards, between short ones.
gen_small "$T/small" 5 200
gen_words "$T/words" 6 2000
{
	head -n 1000 "$T/words"
	gen_long_line 60000 foo
	tail -n +1001 "$T/words"
	gen_long_line 60000 bar
	cat "$T/small"
} > "$T/mixed"
gen_nofinal "$T/small" "$T/nofinal"
: > "$T/empty"
FILES=("$T/mixed" "$T/empty" "$T/small" "$T/nofinal")
gen_nul "$T/nul" nofinal

# CSV with a header: quoted newlines, commas and quotes, a few long
# quoted fields, CRLF ends; the second file has the same header and no
# final newline.
gen_csv() {
	awk -v seed="$1" -v n="$2" 'BEGIN {
		srand(seed)
		print "id,city,amount,note"
		for (i = 1; i <= n; i++) {
			r = rand()
			note = r < 0.1 ? "\"two\nlines, \"\"quoted\"\"\"" : r < 0.12 ? "\"" sprintf("%3000s", "") "\n\"" : "n" i
			printf "%d,\"c,%d\",%d.%d,%s%s", i, i % 9, i % 13, i % 10, note, rand() < 0.1 ? "\r\n" : "\n"
		}
	}'
}
gen_csv 3 3000 > "$T/a.csv"
{ gen_csv 4 1000; printf '0,"last\nrecord",1,x'; } > "$T/b.csv"

# TSV for the reducers: keys, integers, decimals, words, a few long records.
awk 'BEGIN {
	srand(7)
	for (i = 1; i <= 6000; i++) {
		w = (i % 997 == 0) ? sprintf("%8000s", "") : (i % 97 == 0) ? "" : "w" int(rand() * 900)
		printf "k%d\t%d\t%.2f\t%s\n", int(rand() * 40), int(rand() * 2000) - 1000, rand() * 100 - 50, w
	}
}' > "$T/a.tsv"
awk 'BEGIN { srand(11); for (i = 1; i <= 3000; i++) printf "k%d\t%d\t%.3f\tz%d\n", int(rand() * 60), int(rand() * 100), rand(), i % 300 }' |
	head -c -1 > "$T/b.tsv"

# ---- map-only: the parts concatenated are the single run ------------------

fp "${FILES[@]}" > "$T/ref"
cat "${FILES[@]}" > "$T/ref.t"
check_same "single run = the files concatenated" "$T/ref.t" "$T/ref"
fp -e 'grep -F foo' "${FILES[@]}" > "$T/ref.grep"
fp -z "$T/nul" > "$T/ref.nul"
fp --csv -H -e 'cut -f id,note' "$T/a.csv" "$T/b.csv" > "$T/ref.csv"
fp --csv -e 'cut -f 1,4' "$T/b.csv" > "$T/ref.csvb"
grep -c '^id,note' "$T/ref.csv" > "$T/hdr"
check_text "the header once in the single run" 1 "$T/hdr"
# Every shard count on the plain files and on CSV cut by its quote grid;
# a few on the other cases (each shard is a run of its own).
for n in $NS; do
	concat "copy, automatic chunks" "$T/ref" "$n" "${FILES[@]}"
	concat "CSV -H, quote grid" "$T/ref.csv" "$n" --csv -H -e 'cut -f id,note' "$T/a.csv" "$T/b.csv"
done
concat "grep -j 1 -b 100" "$T/ref.grep" 64 -j 1 -b 100 -e 'grep -F foo' "${FILES[@]}"
concat "CSV -H, records walked" "$T/ref.csv" 7 -j 1 --csv -H -b 1K -e 'cut -f id,note' \
	"$T/a.csv" "$T/b.csv"
concat "copy -j 1 -b 1K" "$T/ref" 3 -j 1 -b 1K "${FILES[@]}"
concat "NUL records" "$T/ref.nul" 7 -z -b 7 "$T/nul"
concat "CSV without header" "$T/ref.csvb" 7 --csv -b 5 -e 'cut -f 1,4' "$T/b.csv"
# A grid of more segments than the early shards need counted.
{ cat "$T/a.csv"; for i in 1 2 3; do tail -n +2 "$T/a.csv"; done; } > "$T/big.csv"
fp --csv -H -b 256K -e 'cut -f id,note' "$T/big.csv" > "$T/ref.big"
concat "CSV -H, 256K quote grid" "$T/ref.big" 7 --csv -H -b 256K -e 'cut -f id,note' "$T/big.csv"
# The header belongs to the first shard's part only, even when that
# shard holds no record (more shards than bytes).
printf 'h\na\nb\n' > "$T/tiny"
fp -H "$T/tiny" > "$T/ref.h"
concat "-H over more shards than bytes" "$T/ref.h" 9 -H "$T/tiny"
check_text "shard 0 of 9 writes the header" h "$T/part.000"

# ---- reducers: the shards' partials merge to the single run's result ------

G='group -k 1 count sum:2 min:3 max:3 mean:3 distinct:4 first:4 last:4'
PIPES=("$G" 'count -w -c' 'uniq -c -k 1,4' 'top -k 4 7' 'sort -k3,3n -k1,1r'
	'sort -s -k1,1' 'sort -u -k2,2n' 'group -k 4 first:3 last:2')
# merged NAME REF ARGS...: merge ARGS prints REF.
merged() {
	local name=$1 ref=$2
	shift 2
	expect_out "$name" "$ref" fp merge --tsv "$@"
}
# Every reducer at 1, 2, 3 and 7 shards; those that go by input order
# (first, last, sort -s) at 64 too.
for p in "${PIPES[@]}"; do
	fp --tsv -e "$p" "$T/a.tsv" "$T/b.tsv" > "$T/ref"
	ns="1 2 3 7"
	case $p in *first*|'sort -s'*) ns=$NS ;; esac
	for n in $ns; do
		shards "$n" "$T/p" --tsv --partial -j 1 -b 4K -e "$p" "$T/a.tsv" "$T/b.tsv" || continue
		ls "$T"/p.* > "$T/list"
		merged "$p: $n shards merged" "$T/ref" -e "$p" $(cat "$T/list")
		merged "$p: $n shards merged, reversed" "$T/ref" -e "$p" $(sort -r "$T/list")
		merged "$p: $n shards merged, shuffled" "$T/ref" -e "$p" $(permute "$n" < "$T/list")
	done
done

# Stages after the reducer run once, in merge.
fp --tsv -e "$G" -e 'sort -k2,2nr -k1,1' -e 'head 5' "$T/a.tsv" "$T/b.tsv" > "$T/ref"
shards 7 "$T/p" --tsv --partial -e "$G" "$T/a.tsv" "$T/b.tsv"
merged "reducer, sort, head after 7 shards (shuffled)" "$T/ref" -e "$G" -e 'sort -k2,2nr -k1,1' \
	-e 'head 5' $(ls "$T"/p.* | permute 3)

# Rounds: merge --partial of adjacent shards records which shards it
# holds, so the rounds merge in any order too.
P='group -k 4 first:3 last:2 count'
fp --tsv -e "$P" "$T/a.tsv" "$T/b.tsv" > "$T/ref"
shards 16 "$T/p" --tsv --partial -j 1 -b 2K -e "$P" "$T/a.tsv" "$T/b.tsv"
fp merge --tsv --partial -e "$P" $(ls "$T"/p.00[0-9] | sort -r) > "$T/r1.part"
fp merge --tsv --partial -e "$P" $(ls "$T"/p.01[0-2] | permute 5) > "$T/r2.part"
sed -n 3p "$T/r1.part" > "$T/range"
check_text "a round of shards 0-9 says so" "origin shards 0-9 of 16, inputs 2" "$T/range"
merged "rounds and shards merged in reverse" "$T/ref" -e "$P" $(ls "$T"/p.01[3-5] | sort -r) \
	"$T/r2.part" "$T/r1.part"
# A round of all shards is a whole cover; a round of shards that are not
# adjacent could not be merged in input order with the shards between.
fp merge --tsv --partial -e "$P" "$T/r2.part" $(ls "$T"/p.01[3-5]) "$T/r1.part" > "$T/all.part"
sed -n 3p "$T/all.part" > "$T/range"
check_text "a round of every shard says so" "origin shards 0-15 of 16, inputs 2" "$T/range"
merged "a round of every shard, merged alone" "$T/ref" -e "$P" "$T/all.part"
RP=$P refused 65 "^forkpipe: merge: shard 11/16 given twice \\(.*all\\.part, .*p\\.011\\)\$" \
	"$T/all.part" "$T/p.011"
RP=$P refused 65 "^forkpipe: merge: shard 5/16 given twice \\(.*p\\.005, .*r1\\.part\\)\$" \
	"$T/p.005" "$T/r1.part" "$T/r2.part" $(ls "$T"/p.01[3-5])
RP=$P refused 65 '^forkpipe: merge: shard 1/16 is missing \(a round of merge --partial merges adjacent shards\)$' \
	--partial "$T/p.000" "$T/p.002"
RP=$P refused 65 '^forkpipe: merge: shard 13/16 is missing$' "$T/r1.part" "$T/r2.part"

# Shards of other inputs: each inputs' shards go by their ranges, the
# inputs in the order they first appear.
fp --tsv -e "$P" "$T/b.tsv" "$T/a.tsv" > "$T/ref"
shards 3 "$T/pa" --tsv --partial -e "$P" "$T/a.tsv"
shards 2 "$T/pb" --tsv --partial -e "$P" "$T/b.tsv"
merged "shards of two inputs, interleaved" "$T/ref" -e "$P" \
	"$T/pb.001" "$T/pa.002" "$T/pa.000" "$T/pb.000" "$T/pa.001"
# A partial of a run without --shard stays where it is given.
fp --tsv --partial -e "$P" "$T/b.tsv" > "$T/whole.part"
fp --tsv -e "$P" "$T/a.tsv" "$T/b.tsv" > "$T/ref"
merged "a whole-run partial after the first of the shards" "$T/ref" -e "$P" \
	"$T/pa.002" "$T/whole.part" "$T/pa.000" "$T/pa.001"

# CSV with a header: names resolve, the header is written once.
HG='group -k city count sum:amount first:id last:note'
fp --csv -H -e "$HG" "$T/a.csv" "$T/b.csv" > "$T/ref"
fp --csv -H -e 'sort -k3,3n' "$T/a.csv" "$T/b.csv" > "$T/ref.sort"
for n in 7; do
	shards "$n" "$T/p" --csv -H --partial -e "$HG" "$T/a.csv" "$T/b.csv"
	expect_out "CSV -H group: $n shards merged, reversed" "$T/ref" \
		fp merge --csv -H -e "$HG" $(ls "$T"/p.* | sort -r)
	shards "$n" "$T/p" --csv -H --partial -b 1K -e 'sort -k3,3n' "$T/a.csv" "$T/b.csv"
	expect_out "CSV -H sort keeps the header on top: $n shards" "$T/ref.sort" \
		fp merge --csv -H -e 'sort -k3,3n' $(ls "$T"/p.* | permute "$n")
done

# ---- bad partials ----------------------------------------------------------

shards 3 "$T/p" --tsv --partial -e "$G" "$T/a.tsv"
shards 2 "$T/q" --tsv --partial -e "$G" "$T/a.tsv"
# The shards of one count, each once, all of them.
refused 65 '^forkpipe: merge: shard 1/3 given twice \(.*p\.001, .*p\.001\)$' \
	"$T/p.000" "$T/p.001" "$T/p.002" "$T/p.001"
cp "$T/p.002" "$T/dup.part"
refused 65 '^forkpipe: merge: shard 2/3 given twice \(.*dup\.part, .*p\.002\)$' \
	"$T/dup.part" "$T/p.000" "$T/p.001" "$T/p.002"
refused 65 '^forkpipe: .*q\.001: shard 1/2 does not belong with shard 0/3 of .*p\.000$' \
	"$T/p.000" "$T/p.001" "$T/q.001"
refused 65 '^forkpipe: .*p\.002: shard 2/3 does not belong with shard 0/2 of .*q\.000$' \
	"$T/q.000" "$T/p.002" "$T/q.001"
for miss in 0 1 2; do
	refused 65 "^forkpipe: merge: shard $miss/3 is missing\$" $(ls "$T"/p.00[0-2] | grep -v "p.00$miss")
done
# A partial of whole inputs merges with complete covers only.
fp --tsv --partial -e "$G" "$T/b.tsv" > "$T/whole.part"
refused 65 '^forkpipe: merge: shard 2/3 is missing$' "$T/whole.part" "$T/p.000" "$T/p.001"
# Shards of inputs that changed between the runs: grown, touched, or
# rewritten in place with the time put back.  (changed REGEX: shard 1 of
# 2 made now and merged with shard 0 made before is refused with REGEX.)
head -n 3000 "$T/a.tsv" > "$T/c.tsv"
fp --shard 0/2 --tsv --partial -e "$G" "$T/c.tsv" > "$T/c.0"
changed() {
	fp --shard 1/2 --tsv --partial -e "$G" "$T/c.tsv" > "$T/c.1"
	refused 65 "^forkpipe: .*c\\.1: shard 1/2 was made from other inputs than .*c\\.0 \\(.*c\\.tsv: $1\\)\$" \
		"$T/c.0" "$T/c.1"
}
refused 65 '^forkpipe: merge: shard 1/2 of the inputs of .*c\.0 is missing$' \
	"$T/p.000" "$T/p.001" "$T/p.002" "$T/c.0"
touch -r "$T/c.tsv" "$T/c.time"
size=$(wc -c < "$T/c.tsv")
tail -n 1 "$T/a.tsv" >> "$T/c.tsv"
changed "size $size vs $(wc -c < "$T/c.tsv")"
head -n 3000 "$T/a.tsv" > "$T/c.tsv"
touch -d @981173106 "$T/c.tsv"
changed 'modification time [0-9]+\.[0-9]{9} vs 981173106\.000000000'
printf 'X' | dd of="$T/c.tsv" bs=1 seek=100 conv=notrunc 2> /dev/null
touch -r "$T/c.time" "$T/c.tsv"
changed 'sampled bytes differ'
# bad REGEX SED: a shard's partial edited by SED is refused.
bad() {
	sed "$2" "$T/p.001" > "$T/bad.part"
	refused 65 "$1" "$T/p.000" "$T/bad.part" "$T/p.002"
}
bad 'bad\.part: corrupt partial file \(origin\) at byte offset' '3s/^origin shards [0-9]*/origin shards x/'
bad 'bad\.part: corrupt partial file \(origin\)' '3s/^origin shards \([0-9]*\)-[0-9]*/origin shards \1-0/'
bad 'bad\.part: corrupt partial file \(origin\)' '3s/ of [0-9]*/ of 1/'
bad 'bad\.part: corrupt partial file \(origin\)' '3s/^origin /origin: /'
bad 'bad\.part: corrupt partial file \(origin\)' '3s/inputs 1/inputs 2/'
bad 'bad\.part: corrupt partial file \(origin\)' '4s/^input [0-9]*/input x/'
bad 'bad\.part: corrupt partial file \(origin\)' '4s/ [0-9a-f]* "/ 1 "/'
bad 'bad\.part: corrupt partial file \(origin\)' '4s/"//'
bad 'bad\.part: a partial of another pipeline' '2s/count/count "sum:2"/'
head -c 150 "$T/p.001" > "$T/bad.part"
refused 65 'bad\.part: truncated partial file' "$T/p.000" "$T/bad.part"

# ---- inputs and values that cannot be sharded -----------------------------

gzip -c "$T/small" > "$T/small.gz"
zstd -q -c "$T/small" > "$T/small.zst" 2> /dev/null ||
	die "reference tool 'zstd' not found"
SHARDABLE='only regular files can be sharded: plain files, BGZF \(bgzip\) files, zstd files of several frames and gzip files with an index'
expect_exit 64 "^forkpipe: --shard: standard input cannot be sharded \\(name the file; $SHARDABLE\\)\$" \
	fp --shard 0/2 -e count
EE_STDIN=$T/small expect_exit 64 '--shard: standard input cannot be sharded' \
	fp --shard 1/2 -e count "$T/small" -
expect_exit 64 "^forkpipe: --shard: $T/small\\.gz: a gzip file without an index cannot be sharded \\(make one with: forkpipe index $T/small\\.gz\\)\$" \
	fp --shard 0/2 -e count "$T/small" "$T/small.gz"
expect_exit 64 'small\.zst: a zstd file of one frame cannot be sharded \(write it in frames, as pzstd or forkpipe --zstd do\)$' fp --shard 1/3 "$T/small.zst"
expect_exit 64 "/dev/null: not a regular file \\($SHARDABLE\\)\$" \
	fp --shard 0/1 /dev/null
for v in 2/2 -1/2 1/0 0/0 a/b 1 1/2/3 '' ' 1/2' '1/ 2' +1/2 1/1000001 0x1/2 1/2x; do
	expect_exit 64 "^forkpipe: --shard: invalid shard '.*' \\(expected K/N with 0 <= K < N <= 1000000, or auto\\)\$" \
		fp --shard "$v" -e count "$T/small"
done
expect_exit 64 '--shard: merge reads whole partial files' fp merge --shard 0/2 -e "$G" "$T/p.000"
rm -f "$T/o.out"
expect_exit 64 '--shard: .*small\.gz: a gzip file without an index' fp --shard 0/2 -o "$T/o.out" "$T/small.gz"
[ ! -e "$T/o.out" ] && pass || fail "a refused --shard left its output file"

# The YAML key.
printf 'shard: 1/3\nstages:\n  - grep: {pattern: foo, fixed: true}\n' > "$T/s.yaml"
fp --shard 1/3 -e 'grep -F foo' "${FILES[@]}" > "$T/ref"
expect_out "shard: 1/3 in a pipeline file" "$T/ref" fp -c "$T/s.yaml" "${FILES[@]}"
printf 'shard: 3/3\n' > "$T/bad.yaml"
expect_exit 78 'bad\.yaml:1:8: .shard.: invalid shard .3/3.' fp -c "$T/bad.yaml" "$T/small"

# ---- --shard auto: Slurm's job array -----------------------------------------

unset SLURM_ARRAY_TASK_ID SLURM_ARRAY_TASK_COUNT SLURM_ARRAY_TASK_MIN SLURM_ARRAY_TASK_MAX \
	SLURM_ARRAY_TASK_STEP
fp "${FILES[@]}" > "$T/ref"
rm -f "$T"/auto.*
for id in 0 1 2 3; do
	SLURM_ARRAY_TASK_ID=$id SLURM_ARRAY_TASK_COUNT=4 fp --shard auto "${FILES[@]}" > "$T/auto.$id"
done
cat "$T"/auto.* > "$T/cat"
check_same "--shard auto: tasks 0-3 of --array=0-3 concatenated" "$T/ref" "$T/cat"
# auto_is K/N ENV...: --shard auto under ENV does what --shard K/N does.
auto_is() {
	local want=$1
	shift
	fp --shard "$want" "${FILES[@]}" > "$T/ref"
	expect_out "--shard auto with $* is $want" "$T/ref" env "$@" "$FORKPIPE" --shard auto "${FILES[@]}"
}
auto_is 1/4 SLURM_ARRAY_TASK_ID=5 SLURM_ARRAY_TASK_MIN=4 SLURM_ARRAY_TASK_MAX=7
auto_is 2/4 SLURM_ARRAY_TASK_ID=9 SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_MAX=13 SLURM_ARRAY_TASK_STEP=4
auto_is 3/5 SLURM_ARRAY_TASK_ID=4 SLURM_ARRAY_TASK_COUNT=5 SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_MAX=5
# auto_bad REGEX ENV...: --shard auto under ENV is refused.
auto_bad() {
	local re=$1
	shift
	expect_exit 64 "$re" env "$@" "$FORKPIPE" --shard auto -e count "$T/small"
}
auto_bad '^forkpipe: --shard: auto: SLURM_ARRAY_TASK_ID is not set \(not a task of a Slurm job array; give K/N instead\)$' \
	SLURM_ARRAY_TASK_COUNT=4
auto_bad 'auto: neither SLURM_ARRAY_TASK_COUNT nor SLURM_ARRAY_TASK_MAX is set' SLURM_ARRAY_TASK_ID=1
auto_bad "auto: SLURM_ARRAY_TASK_ID is not a number: 'x'" SLURM_ARRAY_TASK_ID=x SLURM_ARRAY_TASK_COUNT=4
auto_bad 'auto: array task 5 is not one of 4 evenly spaced tasks from 0 by 1 \(use --array=0-3, or give K/N\)' \
	SLURM_ARRAY_TASK_ID=5 SLURM_ARRAY_TASK_COUNT=4
auto_bad 'auto: array task 6 is not one of 4 evenly spaced' SLURM_ARRAY_TASK_ID=6 \
	SLURM_ARRAY_TASK_MIN=0 SLURM_ARRAY_TASK_MAX=12 SLURM_ARRAY_TASK_STEP=4
auto_bad 'auto: array task 1 is not one of' SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_MIN=2 \
	SLURM_ARRAY_TASK_MAX=3

# ---- Hadoop Streaming and Spark: splits on stdin, then merge ---------------

# hadoop_split FILE START END: what Hadoop's line record reader hands the
# mapper of the split [START, END): it skips the line at START (or the
# rest of the one it is in) unless START is 0, and reads on past END to
# the end of the line there: a line belongs to the split its first byte
# is in, or the one before when it starts exactly at a split's start.
hadoop_split() {
	local f=$1 s=$2 e=$3 size from to
	size=$(wc -c < "$f")
	from=$s
	[ "$s" -gt 0 ] && from=$((s + $(tail -c +$((s + 1)) "$f" | head -n 1 | wc -c)))
	to=$e
	[ "$e" -lt "$size" ] && to=$((e + $(tail -c +$((e + 1)) "$f" | head -n 1 | wc -c)))
	[ "$to" -gt "$from" ] && tail -c +$((from + 1)) "$f" | head -c $((to - from))
	return 0
}

# The inputs (parts of the TSV files above, with a long record, the
# second without a final newline),
# named so that the shuffle's order of file names is theirs.
head -n 1200 "$T/a.tsv" > "$T/h1.tsv"
head -n 500 "$T/b.tsv" | head -c -1 > "$T/h2.tsv"
# The splits, as Hadoop cuts files into splits of a given size.
rm -f "$T"/split.*
i=0
for size in 1999 16384; do
	for f in "$T/h1.tsv" "$T/h2.tsv"; do
		total=$(wc -c < "$f")
		for ((s = 0; s < total; s += size)); do
			i=$((i + 1))
			hadoop_split "$f" "$s" $((s + size < total ? s + size : total)) \
				> "$T/split.$size.$(printf %04d "$i")"
			printf '%s %s\n' "$f" "$s" > "$T/at.$size.$(printf %04d "$i")"
		done
	done
done
cat "$T"/split.1999.* > "$T/cat"
cat "$T/h1.tsv" "$T/h2.tsv" > "$T/ref"
check_same "the 1999-byte splits together are the files" "$T/ref" "$T/cat"
find "$T" -name 'split.1999.*' -empty | grep -q . && pass ||
	fail "no 1999-byte split lies inside a long record"
HPIPES=("$G" 'sort -s -k1,1' 'uniq -c -k 4')
for size in 1999 16384; do
	for k in "${!HPIPES[@]}"; do
		p=${HPIPES[$k]}
		fp --tsv -e "$p" "$T/h1.tsv" "$T/h2.tsv" > "$T/ref"
		: > "$T/map.out"
		for split in "$T"/split.$size.*; do
			read -r f s < "$T/at.${split#"$T"/split.}"
			mapreduce_map_input_file=$f mapreduce_map_input_start=$s \
				"$HADOOP/forkpipe-map" --tsv -e "$p" < "$split" >> "$T/map.out"
		done
		# The shuffle: mappers finish in any order, and the reducer
		# gets their lines sorted by key.
		permute "$size" < "$T/map.out" | sort -t "$TAB" -k1,1 > "$T/shuffled"
		expect_out "Hadoop: forkpipe-map, the shuffle, forkpipe-reduce ($size-byte splits): $p" \
			"$T/ref" "$HADOOP/forkpipe-reduce" --tsv -e "$p" < "$T/shuffled"
		# Spark: collect() gives the lines in the partitions' order.
		cut -f 2 "$T/map.out" | sed 's/^/:00000000000000000000\t/' > "$T/spark.$size.$k"
		expect_out "Spark: forkpipe-map lines in partition order, forkpipe-reduce ($size): $p" \
			"$T/ref" "$HADOOP/forkpipe-reduce" --tsv -e "$p" < "$T/spark.$size.$k"
	done
done
# Without Hadoop's variables the key is empty and sorts nothing.
"$HADOOP/forkpipe-map" --tsv -e "$G" < "$T/split.1999.0001" | cut -f 1 > "$T/key"
check_text "forkpipe-map outside Hadoop: an empty key" ":00000000000000000000" "$T/key"
# The same partials as binary files, merged in split order: what the
# reducer does.
rm -f "$T"/m.*
for split in "$T"/split.16384.*; do
	fp --tsv --partial -e "$G" < "$split" > "$T/m.${split##*.}"
done
fp --tsv -e "$G" "$T/h1.tsv" "$T/h2.tsv" > "$T/ref"
expect_out "partials of stdin splits, merged in split order" "$T/ref" fp merge --tsv -e "$G" "$T"/m.*
# The stages after the reducer run in the reducer; no split at all is the
# result of no records; a line that is no mapper's is refused.
fp --tsv -e "$G" -e 'sort -k2,2nr' -e 'head 3' "$T/h1.tsv" "$T/h2.tsv" > "$T/ref"
expect_out "forkpipe-reduce runs the stages after the reducer" "$T/ref" \
	"$HADOOP/forkpipe-reduce" --tsv -e "$G" -e 'sort -k2,2nr' -e 'head 3' < "$T/spark.16384.0"
expect_out "forkpipe-reduce of no split" /dev/null "$HADOOP/forkpipe-reduce" --tsv -e "$G" < /dev/null
printf '0\n' > "$T/zero"
expect_out "forkpipe-reduce of no split, count" "$T/zero" "$HADOOP/forkpipe-reduce" -e count < /dev/null
printf 'garbage\n' | "$HADOOP/forkpipe-reduce" -e count > /dev/null 2> "$T/err"
check_rc "forkpipe-reduce refuses a line without a key" 65 $? "$T/err"
printf 'x\tnot base64\n' | "$HADOOP/forkpipe-reduce" -e count > /dev/null 2> "$T/err"
rc=$?
[ "$rc" -ne 0 ] && pass || fail "forkpipe-reduce took a line that is not base64"
: > "$T/empty.out"
"$HADOOP/forkpipe-map" -e 'cut -f 1' < "$T/small" > "$T/empty.out" 2> "$T/err"
check_rc "forkpipe-map of a pipeline without reducer fails" 64 $? "$T/err"
check_empty "forkpipe-map writes no line when forkpipe fails" "$T/empty.out"

finish
