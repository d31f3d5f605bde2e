#!/bin/bash
# e2e/compress.sh - compressed output: --gzip[=LEVEL], --gzip-independent,
# --zstd[=LEVEL] and -o NAME.gz / NAME.zst.  Every output passes
# `gzip -t` (or `zstd -t`) and decompresses to exactly the bytes of the
# same run without compression, at levels 1, 6 and 9, -j 1 to 4, chunk
# sizes from one byte up, inputs of 0 to 3 bytes and larger, from files
# and stdin, with and without stages, after a reducer and with head; the
# parallel gzip stays within 1% of gzip's size at the same level; bad
# levels and combinations are refused; a failed run leaves no file.
. "$TEST_SRCDIR/lib.sh"

for _tool in gzip zstd; do
	command -v "$_tool" > /dev/null 2>&1 || die "reference tool '$_tool' not found"
done

# A log-like input, compressible as real logs are.
awk 'BEGIN {
	srand(3);
	split("GET POST HEAD PUT", m, " ");
	for (i = 1; i <= 40000; i++)
		printf "10.0.%d.%d - - [24/Nov/2026:10:%02d:%02d] \"%s /api/v%d/item/%d HTTP/1.1\" %d %d\n",
			int(rand() * 8), int(rand() * 250), int(rand() * 60), int(rand() * 60),
			m[1 + int(rand() * 4)], 1 + int(rand() * 3), int(rand() * 100000),
			(rand() < 0.9) ? 200 : 404, int(rand() * 50000);
}' > "$T/log"
printf '' > "$T/e0"
printf 'a' > "$T/e1"
printf 'a\n' > "$T/e2"
printf 'ab\n' > "$T/e3"

# unz KIND FILE: the decompressed bytes on stdout, and the tool's own check.
unz() {
	if [ "$1" = gzip ]; then
		gzip -t "$2" 2> "$T/unz.err" || { echo "gzip -t failed: $(head -c 200 "$T/unz.err")" >&2; return 1; }
		gzip -dc "$2"
	else
		zstd -q -t "$2" 2> "$T/unz.err" || { echo "zstd -t failed: $(head -c 200 "$T/unz.err")" >&2; return 1; }
		zstd -q -dc "$2"
	fi
}

# round NAME KIND EXPECTED ARGS...: forkpipe ARGS with -o $T/out.KIND
# succeeds, and its output checks and decompresses to EXPECTED.
round() {
	local name=$1 kind=$2 exp=$3 ext=gz
	shift 3
	[ "$kind" = zstd ] && ext=zst
	rm -f "$T/out.$ext"
	if ! fp "$@" -o "$T/out.$ext" 2> "$T/err"; then
		fail "$name: exit $?: $(head -c 200 "$T/err")"
		return
	fi
	if ! unz "$kind" "$T/out.$ext" > "$T/dec" 2> "$T/unz.msg"; then
		fail "$name: $(head -c 200 "$T/unz.msg")"
		return
	fi
	cmp -s "$exp" "$T/dec" && pass || { fail "$name: decompressed output differs"; show_diff "$exp" "$T/dec"; }
}

# Copies (no stage): every level, job count and chunk size, file and stdin.
for level in 1 6 9; do
	for j in 1 2 3 4; do
		for b in 1 7K 64K auto; do
			bopt=()
			[ "$b" != auto ] && bopt=(-b "$b")
			[ "$b" = 1 ] && [ "$j" -gt 2 ] && continue
			f=$T/log
			[ "$b" = 1 ] && { head -n 300 "$T/log" > "$T/small"; f=$T/small; }
			round "copy --gzip=$level -j $j -b $b" gzip "$f" --gzip="$level" -j "$j" "${bopt[@]}" "$f"
		done
	done
	round "copy stdin --gzip=$level" gzip "$T/log" --gzip="$level" -j 2 -b 32K - < "$T/log"
done
# A copy is byte-exact: "a" stays "a", without a newline.
for f in e0 e1 e2 e3; do
	for j in 1 3; do
		round "$f bytes --gzip -j $j" gzip "$T/$f" --gzip -j "$j" "$T/$f"
		round "$f bytes --zstd -j $j" zstd "$T/$f" --zstd -j "$j" "$T/$f"
		round "$f bytes stdin --gzip -j $j" gzip "$T/$f" --gzip -j "$j" - < "$T/$f"
	done
done

# -o NAME.gz and NAME.zst choose the codec; --gzip-independent; zstd levels.
round "-o NAME.gz" gzip "$T/log" -j 2 -b 16K "$T/log"
round "-o NAME.zst" zstd "$T/log" -j 2 -b 16K "$T/log"
round "--gzip-independent" gzip "$T/log" --gzip-independent -j 3 -b 8K "$T/log"
round "--gzip=9 --gzip-independent" gzip "$T/log" --gzip=9 --gzip-independent -j 2 "$T/log"
for level in 1 3 19; do
	round "--zstd=$level" zstd "$T/log" --zstd="$level" -j 2 -b 20K "$T/log"
done
# several files, the first without a final newline: a copy is cat's
head -c 1001 "$T/log" > "$T/part1"
tail -n 300 "$T/log" > "$T/part2"
cat "$T/part1" "$T/part2" > "$T/parts.exp"
round "two files --gzip" gzip "$T/parts.exp" -j 2 -b 300 "$T/part1" "$T/part2"

# With stages: the output of the same run, compressed.
grep -F '" 404 ' "$T/log" > "$T/grep.exp"
round "grep --gzip -j 3" gzip "$T/grep.exp" -j 3 -b 16K -e "grep -F '\" 404 '" "$T/log"
round "grep --zstd stdin" zstd "$T/grep.exp" -j 2 -b 16K -e "grep -F '\" 404 '" - < "$T/log"
fp -e 'cut -f 1,6' -e 'sub -g "[0-9]" "#"' "$T/log" > "$T/cut.exp"
round "cut and sub --gzip" gzip "$T/cut.exp" -j 4 -b 4K -e 'cut -f 1,6' -e 'sub -g "[0-9]" "#"' "$T/log"
{ printf 'ip,status\n'; awk '{ print $1 "," $9 }' "$T/log"; } > "$T/h.csv"
fp --csv -H -e 'filter "$status == 404"' "$T/h.csv" > "$T/h.exp"
round "CSV with a header --gzip" gzip "$T/h.exp" --csv -H -j 2 -b 8K -e 'filter "$status == 404"' "$T/h.csv"
round "CSV with a header, no stage --gzip" gzip "$T/h.csv" --csv -H -j 2 -b 8K "$T/h.csv"
# after a reducer, and with head: the merger's output is compressed
awk '{ print $9 }' "$T/log" | sort | uniq -c > "$T/uniq.exp"
round "uniq -c --gzip" gzip "$T/uniq.exp" -j 2 -e 'uniq -c -k 9' "$T/log"
round "sort --zstd" zstd <(LC_ALL=C sort -k7,7 "$T/log") -j 2 -b 32K -e 'sort -k7,7' "$T/log"
head -n 1234 "$T/log" > "$T/head.exp"
round "head --gzip" gzip "$T/head.exp" -j 2 -b 8K -e 'head 1234' "$T/log"

# To stdout, into a pipe: the same stream.
fp --gzip -j 2 -b 16K "$T/log" | gzip -dc > "$T/dec" 2> "$T/err"
cmp -s "$T/log" "$T/dec" && pass || fail "--gzip to a pipe: output differs"

# The parallel gzip is within 1% of gzip's size at the same level.
cat "$T/log" "$T/log" "$T/log" > "$T/big"
for level in 1 6 9; do
	want=$(gzip -"$level" -c "$T/big" | wc -c)
	got=$(fp --gzip="$level" -j 2 -b 64K "$T/big" | wc -c)
	if [ "$got" -le $((want + want / 100)) ]; then
		pass
	else
		fail "--gzip=$level: $got bytes, more than 1% over gzip -$level's $want"
	fi
done

# ---- errors -------------------------------------------------------------------
expect_exit 64 "--gzip: invalid level '0' \\(expected 1 to 9\\)" fp --gzip=0 "$T/log"
expect_exit 64 "--gzip: invalid level '10'" fp --gzip=10 "$T/log"
expect_exit 64 "--gzip: invalid level 'x'" fp --gzip=x "$T/log"
expect_exit 64 "--zstd: invalid level '99' \\(expected 1 to 19\\)" fp --zstd=99 "$T/log"
expect_exit 64 '--partial: partial files are not compressed' fp --gzip --partial -e count "$T/log"
expect_exit 74 'stdout: write error' sh -c '"$FORKPIPE" --gzip "$1" > /dev/full' sh "$T/log"
# a failing run leaves no compressed file behind
printf '1\n2\nx\n' > "$T/bad"
rm -f "$T/o.gz"
expect_exit 65 "invalid numeric value" fp -e 'group sum:1' -o "$T/o.gz" "$T/bad"
[ ! -e "$T/o.gz" ] && pass || fail "a failed run left $T/o.gz behind"

finish
