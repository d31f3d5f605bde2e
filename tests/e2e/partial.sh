#!/bin/bash
# e2e/partial.sh - partial results: --partial writes a reducer's partial
# file, `forkpipe merge` merges any number of them in any order and
# finishes the pipeline.  Partials made at -j 1 and at -j 4, with
# different chunk sizes, from a file and from a pipe, merge to the
# result of one run over the inputs one after the other (first, last and
# stable sort order included); partials of partials (merge --partial);
# headers; spills while merging; every bad partial file is refused with
# exit 65 and its message, and -o leaves nothing behind.
. "$TEST_SRCDIR/lib.sh"

command -v datamash > /dev/null 2>&1 || die "reference tool 'datamash' not found"

# Keys with few and many values, negative and decimal numbers, empty
# fields: the data the grouping reducers are tested on.
awk 'BEGIN {
	srand(7);
	for (i = 1; i <= 30000; i++) {
		k = int(rand() * 40);
		v = int(rand() * 2000) - 1000;
		d = sprintf("%.2f", rand() * 100 - 50);
		w = (i % 97 == 0) ? "" : "w" int(rand() * 5000);
		printf "k%d\t%d\t%s\t%s\n", k, v, d, w;
	}
}' > "$T/a.tsv"
awk 'BEGIN {
	srand(11);
	for (i = 1; i <= 20000; i++)
		printf "k%d\t%d\t%.3f\tz%d\n", int(rand() * 60), int(rand() * 100), rand(), i % 300;
}' > "$T/b.tsv"
cat "$T/a.tsv" "$T/b.tsv" > "$T/ab.tsv"

G='group -k 1 count sum:2 min:3 max:3 mean:3 stdev:2 distinct:4 first:4 last:4'
PIPES=("$G" 'count -w -c' 'uniq -c -k 1,4' 'top -k 4 7' 'top -k 1 5 sum:2'
	'sort -k3,3n -k1,1r' 'sort -s -k1,1' 'sort -u -k2,2n' 'group -k 4 first:3 last:2')

# The reference for the group line: datamash, sorted by key like LC_ALL=C.
datamash -s -g 1 count 1 sum 2 min 3 max 3 mean 3 sstdev 2 countunique 4 first 4 last 4 \
	< "$T/ab.tsv" > "$T/dm.ref"
fp --tsv -e "$G" "$T/ab.tsv" > "$T/g.ref"
check_same "group over both files = datamash -s -g" "$T/dm.ref" "$T/g.ref"

# part NAME FILE ARGS...: a partial of FILE into $T/NAME.part.
part() {
	local name=$1 f=$2
	shift 2
	fp --tsv --partial "$@" "$f" > "$T/$name.part" 2> "$T/err" ||
		fail "--partial $name: exit $?: $(head -c 200 "$T/err")"
}

for p in "${PIPES[@]}"; do
	fp --tsv -e "$p" "$T/ab.tsv" > "$T/ref"
	# a at -j 1 with 1K chunks, b at -j 4 with 64K chunks through a pipe
	part a "$T/a.tsv" -j 1 -b 1K -e "$p"
	cat "$T/b.tsv" | fp --tsv --partial -j 4 -b 64K -e "$p" > "$T/b.part"
	expect_out "merge a(-j1) b(-j4): $p" "$T/ref" fp merge --tsv -e "$p" "$T/a.part" "$T/b.part"
	# the other way round: a at -j 4, b at -j 1, automatic chunks
	part a4 "$T/a.tsv" -j 4 -b 2K -e "$p"
	part b1 "$T/b.tsv" -j 1 -e "$p"
	expect_out "merge a(-j4) b(-j1): $p" "$T/ref" fp merge --tsv -e "$p" "$T/a4.part" "$T/b1.part"
	# one partial of both files, at each job count
	part ab1 "$T/ab.tsv" -j 1 -e "$p"
	part ab4 "$T/ab.tsv" -j 4 -b 8K -e "$p"
	expect_out "merge of one -j1 partial: $p" "$T/ref" fp merge --tsv -e "$p" "$T/ab1.part"
	expect_out "merge of one -j4 partial: $p" "$T/ref" fp merge --tsv -e "$p" "$T/ab4.part"
	# partials of partials, and the partial file read from stdin
	fp merge --tsv --partial -e "$p" "$T/a.part" > "$T/aa.part"
	expect_out "merge of a merged partial: $p" "$T/ref" \
		fp merge --tsv -e "$p" "$T/aa.part" "$T/b1.part"
	expect_out "merge from stdin: $p" "$T/ref" \
		sh -c 'cat "$1" | "$FORKPIPE" merge --tsv -e "$2" -' sh "$T/ab4.part" "$p"
done

# The same input twice: partials of one file merge like the file twice.
cat "$T/a.tsv" "$T/a.tsv" > "$T/aa.tsv"
fp --tsv -e "$G" "$T/aa.tsv" > "$T/ref"
part a1 "$T/a.tsv" -j 1 -e "$G"
part a4 "$T/a.tsv" -j 4 -b 4K -e "$G"
expect_out "a -j1 partial + a -j4 partial = a twice" "$T/ref" \
	fp merge --tsv -e "$G" "$T/a1.part" "$T/a4.part"

# Stages after the reducer run in merge, whatever the partial was made with.
fp --tsv -e "$G" -e 'sort -k2,2nr -k1,1' -e 'head 5' "$T/ab.tsv" > "$T/ref"
part a1 "$T/a.tsv" -j 1 -e "$G"
part b4 "$T/b.tsv" -j 4 -e "$G"
expect_out "merge, then sort and head" "$T/ref" \
	fp merge --tsv -e "$G" -e 'sort -k2,2nr -k1,1' -e 'head 5' "$T/a1.part" "$T/b4.part"

# Spills while merging and while making the partials (tiny --memory).
# tiny NAME JOBS SPEC: partials of a (-j 2) and b (-j JOBS) made and
# merged under --memory 64K give the result of one run over both.
tiny() {
	local name=$1 jobs=$2 p=$3
	fp --tsv -e "$p" "$T/ab.tsv" > "$T/ref"
	part as "$T/a.tsv" -j 2 -b 4K --memory 64K -e "$p"
	part bs "$T/b.tsv" -j "$jobs" -b 4K --memory 64K -e "$p"
	expect_out "$name" "$T/ref" fp merge --tsv --memory 64K -e "$p" "$T/as.part" "$T/bs.part"
}
tiny "spilled partials merged under a tiny budget" 2 'uniq -c -k 4'
tiny "first/last of spilled partials merged under a tiny budget" 2 \
	'group -k 4 first:2 last:3 min:2 max:3 count'
tiny "sort partials merged under a tiny budget" 3 'sort -k4,4 -k2,2n'

# CSV with a header: names resolve against the header kept in the file.
{
	printf 'id,city,amount\n'
	awk 'BEGIN { for (i = 1; i <= 4000; i++) printf "%d,\"c,%d\",%d.%d\n", i, i % 9, i % 13, i % 10 }'
} > "$T/h.csv"
HG='group -k city count sum:amount'
fp --csv -H -e "$HG" "$T/h.csv" > "$T/ref"
fp --csv -H --partial -j 3 -b 2K -e "$HG" "$T/h.csv" > "$T/h.part"
expect_out "CSV with header names" "$T/ref" fp merge --csv -H -e "$HG" "$T/h.part"
fp --csv -H -e 'sort -k3,3n' "$T/h.csv" > "$T/ref"
fp --csv -H --partial -e 'sort -k3,3n' "$T/h.csv" > "$T/hs.part"
expect_out "sort -H keeps the header on top after merge" "$T/ref" \
	fp merge --csv -H -e 'sort -k3,3n' "$T/hs.part"
{ printf 'ID,city,amount\n'; tail -n +2 "$T/h.csv"; } > "$T/h2.csv"
fp --csv -H --partial -e "$HG" "$T/h2.csv" > "$T/h2.part"
expect_exit 65 'h2\.part: the header record differs' fp merge --csv -H -e "$HG" "$T/h.part" "$T/h2.part"

# ---- errors -------------------------------------------------------------------

part g "$T/a.tsv" -e "$G"
# expect_fail CODE REGEX ARGS...: merge fails as asked and -o leaves no file.
expect_fail() {
	local code=$1 re=$2
	shift 2
	rm -f "$T/o.out"
	expect_exit "$code" "$re" fp merge -o "$T/o.out" "$@"
	[ ! -e "$T/o.out" ] && pass || fail "merge $*: left $T/o.out behind"
}
expect_fail 65 'g\.part: a partial of another pipeline' --tsv -e 'group -k 2 count' "$T/g.part"
expect_fail 65 'g\.part: a partial of another pipeline' -e "$G" "$T/g.part"
expect_fail 65 'g\.part: a partial of another pipeline' --csv -e "$G" "$T/g.part"
expect_fail 65 'a\.tsv: not a forkpipe partial file at byte offset 0' --tsv -e "$G" "$T/a.tsv"
: > "$T/empty.part"
expect_fail 65 'empty\.part: not a forkpipe partial file' --tsv -e "$G" "$T/empty.part"
size=$(wc -c < "$T/g.part")
for cut in 19 60 130 $((size / 2)) $((size - 9)) $((size - 1)); do
	head -c "$cut" "$T/g.part" > "$T/t.part"
	expect_fail 65 't\.part: (truncated|not a forkpipe partial)' --tsv -e "$G" "$T/t.part"
done
{ cat "$T/g.part"; printf 'x'; } > "$T/tail.part"
expect_fail 65 'tail\.part: trailing bytes after the end' --tsv -e "$G" "$T/tail.part"
# Older versions (1: no checksums; 2: shards without their inputs' prints)
# are refused, naming their version.
for v in 1 2; do
	sed "1s/partial 3/partial $v/" "$T/g.part" > "$T/v$v.part"
	expect_fail 65 "v$v\\.part: partial format version $v; this forkpipe reads version 3\$" \
		--tsv -e "$G" "$T/v$v.part"
done
sed '1s/partial 3/partial 03/' "$T/g.part" > "$T/v03.part"
expect_fail 65 'v03\.part: partial format version 03; this forkpipe reads version 3' \
	--tsv -e "$G" "$T/v03.part"

# Checksums: a damaged head, piece or end is refused, naming where its
# section starts.  (damage FILE OFF BYTES: FILE with BYTES (printf
# escapes) written over it at OFF, into $T/bad.part; flip FILE OFF: with
# the lowest bit of the byte at OFF flipped.)
damage() {
	{ head -c "$2" "$1"; printf "$3"; tail -c +$(($2 + $(printf "$3" | wc -c) + 1)) "$1"; } \
		> "$T/bad.part"
}
flip() {
	damage "$1" "$2" "\\$(printf '%03o' $(($(od -An -tu1 -j "$2" -N 1 "$1") ^ 1)))"
}
crc_re() {
	printf '%s' "bad\\.part: corrupt partial file \\(checksum mismatch in the section\\) at byte offset $1\$"
}
head_len=$(($(head -n 3 "$T/g.part" | wc -c) + 8 + 4))	# three lines, header length, CRC
piece_len=$(od -An -tu8 -j "$head_len" -N 8 "$T/g.part" | tr -d ' ')
damage "$T/g.part" $((head_len + 20 + 2)) '\377\377\377\377'
expect_fail 65 "$(crc_re "$head_len")" --tsv -e "$G" "$T/bad.part"
flip "$T/g.part" $((head_len - 12))	# the header length: 1, not 0
expect_fail 65 "$(crc_re 0)" --tsv -e "$G" "$T/bad.part"
flip "$T/g.part" $((head_len + 8))	# the first piece's base
expect_fail 65 "$(crc_re "$head_len")" --tsv -e "$G" "$T/bad.part"
flip "$T/g.part" $((size - 11))	# the number of pieces
expect_fail 65 "$(crc_re $((size - 28)))" --tsv -e "$G" "$T/bad.part"
flip "$T/g.part" $((size - 1))	# the end's CRC
expect_fail 65 "$(crc_re $((size - 28)))" --tsv -e "$G" "$T/bad.part"
# A length far beyond the file (2^39 bytes) fails as truncated: the
# piece is read in steps, not allocated at the length it claims (which
# would run out of memory, exit 70).
damage "$T/g.part" "$head_len" '\000\000\000\000\200'
expect_fail 65 'bad\.part: truncated partial file' --tsv -e "$G" "$T/bad.part"
# cut inside the origin line (found by fuzz/partial.c: the line read so
# far leaked)
head -c $(($(head -n 2 "$T/g.part" | wc -c) + 5)) "$T/g.part" > "$T/bad.part"
expect_fail 65 'bad\.part: truncated partial file' --tsv -e "$G" "$T/bad.part"

# A damaged piece whose checksum was made to match reaches the reducer's
# decoder, which refuses it.  (crc_fix FILE: the first piece's CRC-32
# made to match its length, base and bytes, into $T/bad.part: it is the
# CRC in a gzip trailer of the same bytes.  A file without -H.)
crc_fix() {
	local h len crc
	h=$(($(head -n 3 "$1" | wc -c) + 8 + 4))
	len=$(od -An -tu8 -j "$h" -N 8 "$1" | tr -d ' ')
	crc=$({ tail -c +$((h + 1)) "$1" | head -c 16
		tail -c +$((h + 21)) "$1" | head -c "$len"; } | gzip -c | tail -c 8 |
		head -c 4 | od -An -to1 -v | tr -d '\n' | sed 's/ /\\/g')
	cp "$1" "$T/crc.part"
	damage "$T/crc.part" $((h + 16)) "$crc"
}
damage "$T/g.part" $((head_len + 20 + 2)) '\377\377\377\377'
crc_fix "$T/bad.part"
expect_fail 65 'bad\.part: piece 1: not a partial result' --tsv -e "$G" "$T/bad.part"
# No error report belongs in a partial file (the run that made one
# failed, and its output was not kept): one there is damage too, not
# the error it reports (found by fuzz/partial.c: a sort run flagged as
# an error made merge exit 74 with the run's bytes as its message).
printf 'b\t1\na\t2\n' > "$T/s.tsv"
fp --tsv --partial -e 'sort -k1,1' "$T/s.tsv" > "$T/s.part"
h=$(($(head -n 3 "$T/s.part" | wc -c) + 8 + 4))
flip "$T/s.part" $((h + 20 + 2))	# the run's flags: an error report
crc_fix "$T/bad.part"
expect_fail 65 'bad\.part: piece 1: not a partial result' --tsv -e 'sort -k1,1' "$T/bad.part"
# A group table reporting a spill failure: its first 11 bytes (magic,
# LD size, 2 ops, one chunk's numbers), then 74 and a message, in a file
# with the head and end of the real one.
fp --tsv --partial -j 1 -e 'group -k 1 count sum:2' "$T/s.tsv" > "$T/s.part"
h=$(($(head -n 3 "$T/s.part" | wc -c) + 8 + 4))
{ head -c "$h" "$T/s.part"; printf '\021\000\000\000\000\000\000\000'
	tail -c +$((h + 9)) "$T/s.part" | head -c 12
	tail -c +$((h + 21)) "$T/s.part" | head -c 11; printf '\112\004oops'
	tail -c 28 "$T/s.part"; } > "$T/io.part"
crc_fix "$T/io.part"
expect_fail 65 'bad\.part: piece 1: not a partial result' --tsv -e 'group -k 1 count sum:2' "$T/bad.part"
expect_fail 66 'nope\.part: No such file' --tsv -e "$G" "$T/nope.part"
expect_fail 64 'merge: the pipeline has no reducer' --tsv -e 'grep -F x' "$T/g.part"
expect_exit 64 '--partial: the pipeline has no reducer' fp --partial -e 'cut -f 1' "$T/a.tsv"

# A data error fails the --partial run as it fails the run without it.
printf 'a\t1\nb\tx\nc\t3\n' > "$T/bad.tsv"
expect_exit 65 "^forkpipe: $T/bad\\.tsv: group: sum:2: invalid numeric value in record 2 at byte offset 4, field 2: 'x'\$" \
	fp --tsv -e 'group -k 1 sum:2' "$T/bad.tsv"
rm -f "$T/o.part"
expect_exit 65 "^forkpipe: $T/bad\\.tsv: group: sum:2: invalid numeric value in record 2 at byte offset 4, field 2: 'x'\$" \
	fp --tsv --partial -o "$T/o.part" -e 'group -k 1 sum:2' "$T/bad.tsv"
[ ! -e "$T/o.part" ] && pass || fail "--partial with bad data left its output behind"

finish
