#!/bin/bash
# e2e/zstd-in.sh - multi-frame zstd input, cut between frames and
# decompressed by the workers: pzstd's output, forkpipe's own --zstd
# output (which ends in the seekable format's seek table), frames with
# and without their sizes, the seekable format, skippable frames between
# data frames, records that cross frames.  Every form at -j 1, 2, 4, tiny
# and default chunks, for lines, NUL records and CSV with quoted
# newlines, gives what the same pipeline gives on the decompressed file.
# Truncated and corrupt frames fail as decompressing the file as one
# stream does (65, the same message), with no -o file left.  --shard
# K/N over BGZF and multi-frame zstd files: the shards together are the
# whole run.
. "$TEST_SRCDIR/lib.sh"

for tool in zstd pzstd bgzip; do
	command -v "$tool" >/dev/null 2>&1 || die "reference tool '$tool' not found"
done

# Four little-endian bytes of $1.
le32() {
	printf "\\$(printf '%03o' $(($1 & 255)))\\$(printf '%03o' $(($1 >> 8 & 255)))"
	printf "\\$(printf '%03o' $(($1 >> 16 & 255)))\\$(printf '%03o' $(($1 >> 24 & 255)))"
}
size() { wc -c < "$1" | tr -d ' '; }

# The inputs: lines (4.5 MB, so that pzstd -1 writes three frames), NUL
# records, CSV whose quoted fields hold newlines.
awk 'BEGIN { srand(5); split("GET POST foo bar ERROR /index.html 404 200 x", W, " ")
	for (i = 0; i < 140000; i++) {
		n = int(rand() * 12); s = i
		for (k = 0; k < n; k++) s = s " " W[int(rand() * 9) + 1]
		print s
	} }' > "$T/lines"
gen_nul "$T/nul"
for i in 1 2 3 4 5 6 7 8; do cat "$T/nul"; done > "$T/nul8"
mv "$T/nul8" "$T/nul"
awk 'BEGIN { srand(9)
	for (i = 0; i < 3000; i++) {
		if (rand() < 0.3) printf "%d,\"multi\nline, %d\",z\n", i, i
		else printf "%d,plain %d,\"q\"\"uote\"\n", i, i
	} }' > "$T/csv"

# The forms of file F, each decompressing to F:
#   F.cat   pieces cut at arbitrary bytes, zstd'ed from files (sizes stated)
#   F.nofcs the pieces zstd'ed from a pipe (no sizes: estimated)
#   F.seek  F.nofcs with a seek table (sizes from the table)
#   F.skip  F.cat with skippable frames before, between and after frames
#   F.fp    forkpipe --zstd's output (frames with sizes, and a seek table)
#   F.pz    pzstd's (a skippable frame before each frame; no sizes)
forms() {
	local f=$1 n cuts p prev=0 i=0 c
	n=$(size "$f")
	cuts="$((n / 5 + 3)) $((n / 2 + 1)) $((n * 4 / 5 + 7)) $n"
	: > "$f.cat"; : > "$f.nofcs"; : > "$f.skip"; : > "$f.table"
	{ printf 'P*M\030'; le32 5; printf hello; } >> "$f.skip"
	for c in $cuts; do
		p=$T/piece.$i
		head -c "$c" "$f" | tail -c "$((c - prev))" > "$p"
		zstd -q -c "$p" >> "$f.cat"
		zstd -q -c "$p" >> "$f.skip"
		{ printf '\x5f\x2a\x4d\x18'; le32 3; printf abc; } >> "$f.skip"
		zstd -q -c < "$p" > "$p.zst"
		cat "$p.zst" >> "$f.nofcs"
		{ le32 "$(size "$p.zst")"; le32 "$((c - prev))"; } >> "$f.table"
		[ "$i" = 0 ] && zstd -q -c "$p" | wc -c | tr -d ' ' > "$f.first"
		prev=$c
		i=$((i + 1))
	done
	{
		cat "$f.nofcs"
		printf '\x5e\x2a\x4d\x18'; le32 $((4 * 8 + 9))
		cat "$f.table"
		le32 4; printf '\000'; printf '\xb1\xea\x92\x8f'
	} > "$f.seek"
	fp -b 64K --zstd "$f" > "$f.fp" || die "forkpipe --zstd $f failed"
	pzstd -q -1 -p 2 -c "$f" > "$f.pz" 2> /dev/null || die "pzstd $f failed"
	for k in cat nofcs seek skip fp pz; do
		zstd -q -dc "$f.$k" | cmp -s - "$f" || die "zstd -dc $f.$k is not $f"
	done
}
FORMS="cat nofcs seek skip fp pz"
for f in lines nul csv; do
	forms "$T/$f"
done
[ "$(zstd -l "$T/lines.pz" | awk 'NR == 2 { print $1 - $2 }')" -ge 3 ] ||
	die "pzstd wrote too few frames for the test"

# run NAME PLAIN-FILE OPTIONS...: every form at every job count and chunk
# size gives what the same pipeline gives on the decompressed file.
run() {
	local name=$1 f=$2 k j b
	shift 2
	fp -j 1 "$@" "$f" > "$T/exp" 2> "$T/err" || die "$name: reference run failed: $(cat "$T/err")"
	for k in $FORMS; do
		for j in 1 2 4; do
			for b in 100 default; do
				if [ "$b" = default ]; then
					fp -j "$j" "$@" "$f.$k" > "$T/out" 2> "$T/err"
				else
					fp -j "$j" -b "$b" "$@" "$f.$k" > "$T/out" 2> "$T/err"
				fi
				check_rc "$name .$k -j $j -b $b" 0 $? "$T/err"
				check_same "$name .$k -j $j -b $b" "$T/exp" "$T/out"
			done
		done
	done
}
run "lines copy" "$T/lines"
run "lines grep" "$T/lines" -e 'grep -F ERROR'
run "NUL grep" "$T/nul" -z -e 'grep -F foo'
run "CSV cut" "$T/csv" --csv -e 'cut -f 2'

# Several inputs: plain, multi-frame, BGZF, single-frame zstd, in a row.
bgzip -c "$T/lines" > "$T/lines.bgz"
zstd -q -c "$T/nul" > "$T/nul.one"
cat "$T/csv" "$T/lines" "$T/lines" "$T/nul" "$T/lines" > "$T/all"
expect_out "several inputs" "$T/all" fp -j 2 -b 50K "$T/csv" "$T/lines.pz" "$T/lines.bgz" \
	"$T/nul.one" "$T/lines.seek"

# --zstd output ends in a seek table describing its frames.
fp -j 2 -b 100K --zstd "$T/lines" > "$T/o.zst"
zstd -q -t "$T/o.zst" && pass || fail "--zstd output fails zstd -t"
[ "$(tail -c 4 "$T/o.zst" | od -An -tx1 | tr -d ' \n')" = b1ea928f ] && pass ||
	fail "--zstd output does not end in a seek table footer"
nframes=$(tail -c 9 "$T/o.zst" | head -c 4 | od -An -tu4 | tr -d ' ')
[ "$(zstd -l "$T/o.zst" | awk 'NR == 2 { print $1 - $2 }')" = "$nframes" ] && pass ||
	fail "seek table: $nframes frames, zstd -l says otherwise"
: | fp --zstd > "$T/empty.zst"
[ "$(zstd -q -dc "$T/empty.zst" | wc -c)" = 0 ] && [ "$(size "$T/empty.zst")" = $((13 + 8 + 8 + 9)) ] &&
	pass || fail "empty --zstd output: not one empty frame and its seek table"

# A record longer than --max-record inside a frame: with sizes known its
# offset is named; without (pzstd), the message says so.
{ head -c 3000000 "$T/lines"; head -c 300000 /dev/zero | tr '\0' x; echo; cat "$T/lines"; } > "$T/long"
forms "$T/long"
expect_exit 65 "^forkpipe: $T/long.pz: a record is longer than --max-record \\(100000 bytes\\)\$" \
	fp -j 2 --max-record 100000 -e count "$T/long.pz"
cat "$T/long.cat" | fp -j 2 --max-record 100000 -e count > /dev/null 2> "$T/ee.err"
grep -q -E "^forkpipe: stdin: record at byte offset [0-9]+ is longer than --max-record" "$T/ee.err" &&
	pass || fail "long record through a pipe: $(cat "$T/ee.err")"
sed 's/^forkpipe: stdin:/forkpipe: '"$(printf '%s' "$T/long.cat" | sed 's/[\/&]/\\&/g')"':/' "$T/ee.err" > "$T/want.err"
fp -j 2 --max-record 100000 -e count "$T/long.cat" > /dev/null 2> "$T/got.err"
check_same "long record in a frame: the stream's message" "$T/want.err" "$T/got.err"

# ---------------------------------------------------------------------
# Damaged files fail as the same bytes through a pipe (one stream) do,
# with the file's name; -o leaves nothing.  In corrupt data the offset
# is where the decoder was when it found out, which depends on how the
# bytes came (zstd checks whole blocks): the frame's offset and the
# reason must be the same, and the offset inside that frame.
mkdir "$T/od"
bad() {	# bad NAME FILE
	local name=$1 f=$2 j
	cat "$f" | fp -j 2 -e count > /dev/null 2> "$T/stream.err"
	check_rc "$name: through a pipe" 65 $? "$T/stream.err"
	sed 's/^forkpipe: stdin:/forkpipe: '"$(printf '%s' "$f" | sed 's/[\/&]/\\&/g')"':/' "$T/stream.err" |
		sed -E 's/offset [0-9]+ \(frame at/offset N (frame at/' > "$T/want.err"
	for j in 1 2 4; do
		fp -j "$j" -b 100 -o "$T/od/out" "$f" > /dev/null 2> "$T/got.raw"
		check_rc "$name -j $j" 65 $? "$T/got.raw"
		sed -E 's/offset [0-9]+ \(frame at/offset N (frame at/' "$T/got.raw" > "$T/got.err"
		check_same "$name -j $j: the stream's message" "$T/want.err" "$T/got.err"
		awk '{ for (i = 1; i < NF; i++) if ($i == "offset" && $(i + 2) == "(frame") {
			n = $(i + 1); f = $(i + 4); sub(/\):$/, "", f)
			if (n + 0 < f + 0) exit 1 } }' "$T/got.raw" && pass ||
			fail "$name -j $j: the offset is before its frame: $(cat "$T/got.raw")"
		check_dir_listing "$name -j $j: no output file" "$T/od"
	done
}
flip() {	# flip FILE OFFSET OUT: the byte at OFFSET inverted
	local f=$1 at=$2 out=$3 byte
	byte=$(od -An -tu1 -j "$at" -N 1 "$f" | tr -d ' ')
	{
		head -c "$at" "$f"
		printf "\\$(printf '%03o' $((255 - byte)))"
		tail -c +"$((at + 2))" "$f"
	} > "$out"
}
# Frame offsets of lines.cat: the pieces' compressed sizes.
first=$(cat "$T/lines.first")
flip "$T/lines.cat" $((first + 200)) "$T/flip2.zst"
bad "corrupt second frame" "$T/flip2.zst"
n=$(size "$T/lines.cat")
flip "$T/lines.cat" $((n - 2)) "$T/sum.zst"
bad "bad checksum of the last frame" "$T/sum.zst"
flip "$T/lines.pz" 5000 "$T/flip.pz"
bad "corrupt pzstd frame" "$T/flip.pz"
for at in $((first + 3)) $((n / 2)) $((n - 1)); do
	head -c "$at" "$T/lines.cat" > "$T/trunc-$at.zst"
	bad "truncated at $at" "$T/trunc-$at.zst"
done
{ cat "$T/lines.fp"; printf 'garbage\n'; } > "$T/garbage.zst"
bad "garbage after the frames" "$T/garbage.zst"
# A seek table whose sizes are wrong: the frame is not what it says.
{
	cat "$T/lines.nofcs"
	printf '\x5e\x2a\x4d\x18'; le32 $((4 * 8 + 9))
	head -c 4 "$T/lines.table"; le32 12345; tail -c +9 "$T/lines.table"
	le32 4; printf '\000'; printf '\xb1\xea\x92\x8f'
} > "$T/lie.zst"
expect_exit 65 "^forkpipe: $T/lie.zst: corrupt zstd data at compressed byte offset 0: the frame holds [0-9]+ bytes, not the 12345 its seek table gives\$" \
	fp -j 2 -o "$T/od/out" "$T/lie.zst"
check_dir_listing "lying seek table: no output file" "$T/od"

# ---------------------------------------------------------------------
# --shard K/N over BGZF and multi-frame zstd: each shard's records are
# those of the members or frames that start in its range; the shards
# together, in order, are the whole run.
bgzip -c "$T/nul" > "$T/nul.bgz"
for f in lines.pz lines.fp lines.seek lines.bgz nul.bgz; do
	z=; case $f in nul*) z=-z ;; esac
	fp $z -j 1 -e 'grep -F o' "$T/$f" > "$T/exp"
	fp $z -j 1 -e 'count -w' "$T/$f" > "$T/exp.count"
	for n in 3 7; do
		: > "$T/got"
		for k in $(seq 0 $((n - 1))); do
			fp $z -j 2 -b 1K --shard "$k/$n" -e 'grep -F o' "$T/$f" >> "$T/got" 2> "$T/err" ||
				fail "$f shard $k/$n: $(cat "$T/err")"
			fp $z -j 2 --shard "$k/$n" -e 'count -w' --partial -o "$T/p.$k" "$T/$f" 2> "$T/err" ||
				fail "$f shard $k/$n partial: $(cat "$T/err")"
		done
		check_same "$f: $n shards concatenated" "$T/exp" "$T/got"
		fp merge $z -e 'count -w' $(for k in $(seq 0 $((n - 1))); do echo "$T/p.$k"; done) > "$T/got.count"
		check_same "$f: $n shards merged" "$T/exp.count" "$T/got.count"
	done
done
# Shards of several inputs, compressed and plain, in a row.
fp -j 1 "$T/lines.pz" "$T/csv" "$T/lines.bgz" > "$T/exp"
: > "$T/got"
for k in 0 1 2 3 4; do
	fp -j 2 --shard "$k/5" "$T/lines.pz" "$T/csv" "$T/lines.bgz" >> "$T/got"
done
check_same "several compressed inputs: 5 shards concatenated" "$T/exp" "$T/got"
# What cannot be cut: one zstd frame; BGZF or frames read as one stream
# (--csv, --header).
expect_exit 64 "^forkpipe: --shard: $T/nul.one: a zstd file of one frame cannot be sharded \\(write it in frames, as pzstd or forkpipe --zstd do\\)\$" \
	fp --shard 0/2 "$T/nul.one"
expect_exit 64 "^forkpipe: --shard: $T/lines.pz: a compressed file cannot be sharded with --csv or --header \\(only plain files can\\)\$" \
	fp --csv --shard 0/2 "$T/lines.pz"
expect_exit 64 "^forkpipe: --shard: $T/lines.bgz: a compressed file cannot be sharded with --csv or --header \\(only plain files can\\)\$" \
	fp --header --shard 1/2 -o "$T/od/out" "$T/lines.bgz"
check_dir_listing "refused shard: no output file" "$T/od"

finish
