#!/bin/bash
# e2e/gzindex.sh - `forkpipe index FILE.gz...`: an index beside each file,
# written whole; bad gzip data (65), a missing file (66), no file or a bad
# spacing (64) leave no index behind.  Runs that read a gzip file by its
# index: the same results as on the decompressed bytes for every form
# (one member, members cut inside a record, empty members, a record over
# several points, no final terminator, NUL records, CSV) at
# -j 1, 2, 4 and small and default chunks; stale, damaged and foreign
# indexes (a warning, or 65 with --index); corrupt data behind a good
# index; --shard.
. "$TEST_SRCDIR/lib.sh"

mkdir -p "$T/d"
awk 'BEGIN { for (i = 0; i < 200000; i++) printf "line %d of the log, status %d\n", i, 200 + i % 4 * 100 }' \
	> "$T/log"
gzip -6 -c "$T/log" > "$T/d/a.gz"
{ head -c 100000 "$T/log" | gzip -c; tail -c +100001 "$T/log" | gzip -c; } > "$T/d/b.gz"
fp index --spacing 64K "$T/d/a.gz" "$T/d/b.gz" && pass || fail "index of two files"
check_dir_listing "an index beside each file" "$T/d" a.gz a.gz.fpi b.gz b.gz.fpi
head -c 8 "$T/d/a.gz.fpi" | od -An -c | tr -d ' ' | grep -qx 'FPGZIX\\r\\n' && pass ||
	fail "the index starts with its magic"

# Bad data: a flipped CRC, a truncated member, not gzip at all.
n=$(wc -c < "$T/d/a.gz")
{ head -c $((n - 8)) "$T/d/a.gz"; printf 'xxxx'; tail -c 4 "$T/d/a.gz"; } > "$T/d/crc.gz"
head -c $((n / 2)) "$T/d/a.gz" > "$T/d/trunc.gz"
expect_exit 65 "^forkpipe: $T/d/crc.gz: corrupt gzip data at compressed byte offset [0-9]+: CRC-32 or length mismatch\$" \
	-- fp index "$T/d/crc.gz"
expect_exit 65 "^forkpipe: $T/d/trunc.gz: corrupt gzip data at compressed byte offset $((n / 2)): unexpected end of gzip data\$" \
	-- fp index "$T/d/trunc.gz"
expect_exit 65 "^forkpipe: $T/log: corrupt gzip data at compressed byte offset 0: not in gzip format\$" \
	-- fp index "$T/log"
expect_exit 66 "^forkpipe: $T/d/none.gz: cannot open: " -- fp index "$T/d/none.gz"
expect_exit 64 "^forkpipe: index: no file given" -- fp index
expect_exit 64 "^forkpipe: index: invalid spacing '1'" -- fp index --spacing 1 "$T/d/a.gz"
check_dir_listing "no index of a bad file" "$T/d" a.gz a.gz.fpi b.gz b.gz.fpi crc.gz trunc.gz

# ---- runs by the index ---------------------------------------------------
# Each form: a plain file, its gzip file in $T/r, and the index.
mkdir -p "$T/r"
# 60000 lines, about 2 MB, random enough that deflate blocks (and so
# access points 64 KiB apart) come often.
awk 'BEGIN { srand(7); for (i = 0; i < 60000; i++)
	printf "line %d %08x status %d\n", i, int(rand() * 4294967295), 200 + i % 4 * 100 }' > "$T/r/log"
cp "$T/r/log" "$T/r/one"
gzip -6 -c "$T/r/log" > "$T/r/one.gz"
# Members cut inside records, empty members between and around them.
{ gzip -c < /dev/null; head -c 100000 "$T/r/log" | gzip -c; gzip -c < /dev/null
  tail -c +100001 "$T/r/log" | head -c 1000000 | gzip -1 -c; tail -c +1100001 "$T/r/log" | gzip -c
  gzip -c < /dev/null; } > "$T/r/members.gz"
cp "$T/r/log" "$T/r/members"
# A record longer than several points' spacing, and no final newline.
{ head -n 20000 "$T/log"; head -c 300000 /dev/zero | tr '\0' 'x'; echo; tail -n 20000 "$T/log"
  printf 'last line without end'; } > "$T/r/long"
gzip -c "$T/r/long" > "$T/r/long.gz"
# NUL-terminated records.
tr '\n' '\0' < "$T/r/log" > "$T/r/nul"
gzip -c "$T/r/nul" > "$T/r/nul.gz"
fp index --spacing 64K "$T/r/one.gz" "$T/r/members.gz" "$T/r/long.gz" "$T/r/nul.gz" && pass ||
	fail "index of the forms"

# same NAME FILE [OPTIONS...]: these pipelines on FILE.gz by its index
# give what they give on FILE (same_as_inflated in lib.sh).
SAME_PIPES='grep -F " 300"
count'
same() { same_as_inflated "$@"; }
same "one member" "$T/r/one"
same "members" "$T/r/members"
same "a long record, no final newline" "$T/r/long"
same "NUL records" "$T/r/nul" -z
fp -j2 -b 64K -o "$T/out" "$T/r/members.gz"; check_same "a copy of the members" "$T/r/log" "$T/out"

# A record longer than --max-record across points: the serial verdict.
cp "$T/r/long.gz" "$T/r/long2.gz"
fp --max-record 100K -e count "$T/r/long2.gz" 2> "$T/want"
for j in 1 2 4; do
	rm -f "$T/o.out"
	fp -j$j -b 64K --max-record 100K -e count -o "$T/o.out" "$T/r/long.gz" 2> "$T/got.err"
	check_rc "--max-record -j$j" 65 $? "$T/got.err"
	sed 's/long\.gz/long2.gz/' "$T/got.err" > "$T/got"
	check_same "--max-record -j$j: the serial verdict" "$T/want" "$T/got"
	[ ! -e "$T/o.out" ] && pass || fail "--max-record: output left"
done

# The workers read the ranges: a run by the index takes more than one
# chunk where a stream would take one.
fp -j2 -b 64K --stats -e count "$T/r/one.gz" 2>&1 > /dev/null | grep -Eq 'chunks +[0-9]{2,}' &&
	pass || fail "a run by the index is cut into chunks"

# An index made with another spacing serves any chunk size.
gzip -c "$T/log" > "$T/r/wide.gz"
cp "$T/log" "$T/r/wide"
fp index "$T/r/wide.gz" && pass || fail "index with the default spacing"
same "default spacing" "$T/r/wide"

# CSV with quoted newlines (gzindex-csv.sh tests CSV by the index in depth).
awk 'BEGIN { for (i = 0; i < 30000; i++) printf "%d,\"a\nb %d\",c\n", i, i % 7 }' > "$T/r/q.csv"
gzip -c "$T/r/q.csv" > "$T/r/q.csv.gz"
fp index --spacing 64K "$T/r/q.csv.gz"
same "CSV with quoted newlines" "$T/r/q.csv" --csv
fp -j2 --csv -H -e count "$T/r/q.csv" > "$T/want"
fp -j2 -b 64K --csv -H -e count "$T/r/q.csv.gz" > "$T/got" 2> "$T/err"
check_same "CSV with a header" "$T/want" "$T/got"
check_empty "CSV with a header: no message" "$T/err"

# ---- indexes that do not fit -------------------------------------------------
# warned NAME FILE.gz WHY_RE WANT [OPTIONS...]: a warning naming the index,
# the run goes on serially and gives WANT.
warned() {
	local name=$1 f=$2 why=$3 want=$4
	shift 4
	EE_STDOUT=$T/got expect_exit 0 "^forkpipe: $f\\.fpi: warning: $why; reading $f serially\$" \
		-- fp -j2 -b 64K "$@" "$f"
	check_same "$name: the result" "$want" "$T/got"
}
stale='not the index of [^ ]+ as it is now \(its size, modification time or sampled bytes differ\)'
cp -p "$T/r/one.gz" "$T/r/s.gz"
cp "$T/r/one.gz.fpi" "$T/r/s.gz.fpi"
fp -j1 "$T/r/s.gz" > /dev/null 2> "$T/err"; check_empty "a copy keeping its time fits" "$T/err"
gzip -c < /dev/null >> "$T/r/s.gz"
warned "appended" "$T/r/s.gz" "$stale" "$T/r/log"
head -c 100000 "$T/log" | gzip -c > "$T/r/s.gz"
head -c 100000 "$T/log" > "$T/want"
warned "replaced" "$T/r/s.gz" "$stale" "$T/want"
head -c $(( $(stat -c %s "$T/r/one.gz") - 1000 )) "$T/r/one.gz" > "$T/r/t.gz"
cp "$T/r/one.gz.fpi" "$T/r/t.gz.fpi"
rm -f "$T/o.out"
fp -j2 -e count -o "$T/o.out" "$T/r/t.gz" 2> "$T/err"
check_rc "truncated" 65 $? "$T/err"
printf 'forkpipe: %s.fpi: warning: %s; reading %s serially\nforkpipe: %s: unexpected end of gzip data at compressed byte offset %s\n' \
	"$T/r/t.gz" "not the index of $T/r/t.gz as it is now (its size, modification time or sampled bytes differ)" \
	"$T/r/t.gz" "$T/r/t.gz" "$(stat -c %s "$T/r/t.gz")" > "$T/want"
check_same "truncated: the warning, then the verdict" "$T/want" "$T/err"
[ ! -e "$T/o.out" ] && pass || fail "a truncated file left its output file"
cp -p "$T/r/one.gz" "$T/r/s.gz"
touch -d '2001-01-01' "$T/r/s.gz"
warned "touched" "$T/r/s.gz" "$stale" "$T/r/log"
cp -p "$T/r/one.gz" "$T/r/s.gz"
cp "$T/r/members.gz.fpi" "$T/r/s.gz.fpi"
warned "another file's index" "$T/r/s.gz" "$stale" "$T/r/log"
rm -f "$T/o.out"
expect_exit 65 "^forkpipe: $T/r/members\\.gz\\.fpi: $stale\$" \
	-- fp -j2 --index "$T/r/members.gz.fpi" -o "$T/o.out" "$T/r/one.gz"
[ ! -e "$T/o.out" ] && pass || fail "a refused --index left its output file"
fp -j2 -b 64K --index "$T/r/one.gz.fpi" "$T/r/s.gz" > "$T/got"; check_same "--index FILE" "$T/r/log" "$T/got"
expect_exit 65 "^forkpipe: $T/r/members\\.gz\\.fpi: $stale\$" \
	-- fp --csv --index "$T/r/members.gz.fpi" -e count "$T/r/one.gz"
fp --csv --index "$T/r/one.gz.fpi" -e count "$T/r/one.gz" > "$T/got"; check_text "--csv --index FILE" 60000 "$T/got"
expect_exit 66 "^forkpipe: $T/r/none\\.fpi: cannot open: No such file or directory\$" \
	-- fp --index "$T/r/none.fpi" "$T/r/one.gz"
expect_exit 64 "^forkpipe: --index: names the index of one gzip file \\(not BGZF\\); the inputs hold 2\$" \
	-- fp --index "$T/r/one.gz.fpi" "$T/r/one.gz" "$T/r/s.gz"

# Standard input is read as a stream: no index, no message; --index
# has no file to serve.
fp -j2 -b 64K -e count < "$T/r/one.gz" > "$T/got" 2> "$T/err"
check_text "stdin" 60000 "$T/got"
check_empty "stdin: no message" "$T/err"
EE_STDIN=$T/r/one.gz expect_exit 64 "^forkpipe: --index: names the index of one gzip file \(not BGZF\); the inputs hold 0\$" \
	-- fp --index "$T/r/one.gz.fpi" -e count -

# A damaged index: every byte of a small one flipped in turn is refused
# (a warning; 65 with --index), and the result stays right.
printf 'one\ntwo\nthree\n' | gzip -c > "$T/r/small.gz"
fp index "$T/r/small.gz"
cp "$T/r/small.gz.fpi" "$T/r/good.fpi"
n=$(stat -c %s "$T/r/good.fpi") bad=0
mkdir "$T/flip"
python3 -c 'import sys
g = open(sys.argv[1], "rb").read()
for i in range(len(g)):
    b = bytearray(g); b[i] ^= 0x41; open("%s/%d" % (sys.argv[2], i), "wb").write(b)' "$T/r/good.fpi" "$T/flip"
for ((i = 0; i < n; i++)); do
	cp "$T/flip/$i" "$T/r/small.gz.fpi"
	out=$(fp -j2 "$T/r/small.gz" 2> "$T/err")
	[ "$out" = "$(printf 'one\ntwo\nthree')" ] || bad=$((bad + 1))
	grep -Eqx "forkpipe: $T/r/small\\.gz\\.fpi: warning: (damaged gzip index: [a-zA-Z -]+|not a forkpipe gzip index); reading $T/r/small\\.gz serially" "$T/err" || bad=$((bad + 1))
	fp --index "$T/r/small.gz.fpi" -o "$T/o.out" "$T/r/small.gz" 2> /dev/null
	[ $? = 65 ] && [ ! -e "$T/o.out" ] || bad=$((bad + 1))
done
[ $bad = 0 ] && pass || fail "$bad wrong outcomes of damaged indexes"
cp "$T/r/good.fpi" "$T/r/small.gz.fpi"
expect_exit 65 "^forkpipe: $T/r/x\\.fpi: damaged gzip index: checksum mismatch\$" \
	-- sh -c "head -c 60 '$T/r/good.fpi' > '$T/r/x.fpi'; cat '$T/r/good.fpi' | tail -c +61 >> '$T/r/x.fpi'; printf 'x' | dd of='$T/r/x.fpi' bs=1 seek=70 conv=notrunc 2> /dev/null; exec \"\$@\"" \
	sh "$FORKPIPE" --index "$T/r/x.fpi" "$T/r/small.gz"

# Corrupt data behind an index that still fits (the byte flipped is in
# none of the sampled ones): 65, nothing left with -o.
cp -p "$T/r/one.gz" "$T/r/c.gz"
cp "$T/r/one.gz.fpi" "$T/r/c.gz.fpi"
size=$(stat -c %s "$T/r/c.gz")
python3 -c 'import sys; f = open(sys.argv[1], "r+b"); f.seek(int(sys.argv[2])); b = f.read(1); f.seek(int(sys.argv[2])); f.write(bytes([b[0] ^ 0x10]))' \
	"$T/r/c.gz" $((size / 64 * 40 + 200))
touch -r "$T/r/one.gz" "$T/r/c.gz"
for j in 1 2 4; do
	rm -f "$T/o.out"
	expect_exit 65 "^forkpipe: $T/r/c\\.gz: corrupt gzip data at compressed byte offset [0-9]+: " \
		-- fp -j$j -b 64K -e count -o "$T/o.out" "$T/r/c.gz"
	[ ! -e "$T/o.out" ] && pass || fail "corrupt data left its output file"
done

# Invalid deflate data behind a fitting index (the first flip from byte
# 200 on that makes it invalid, serially): the workers name the byte the
# serial run names, where inflating stops.
at=200 where=
for ((try = 0; try < 40; try++, at += 89)); do
	cp -p "$T/r/one.gz" "$T/r/c.gz"
	python3 -c 'import sys; f = open(sys.argv[1], "r+b"); f.seek(int(sys.argv[2])); b = f.read(1); f.seek(int(sys.argv[2])); f.write(bytes([b[0] ^ 0xff]))' \
		"$T/r/c.gz" "$at"
	touch -r "$T/r/one.gz" "$T/r/c.gz"
	where=$(fp -e count < "$T/r/c.gz" 2>&1 |
		sed -n 's/^forkpipe: stdin: corrupt gzip data at compressed byte offset \([0-9]*\): \(invalid .*\)/\1: \2/p')
	[ -n "$where" ] && break
done
[ -n "$where" ] && [ "${where%%:*}" -ge "$at" ] && pass || fail "invalid deflate data flipped at $at: reported at '$where'"
for j in 1 2 4; do
	for b in 64K 1; do
		rm -f "$T/o.out"
		expect_exit 65 "^forkpipe: $T/r/c\\.gz: corrupt gzip data at compressed byte offset $where\$" \
			-- fp -j$j -b $b -e count -o "$T/o.out" "$T/r/c.gz"
		[ ! -e "$T/o.out" ] && pass || fail "invalid deflate data left its output file"
	done
done
# forkpipe index names the same byte, whatever its spacing.
for sp in 64K 1M; do
	expect_exit 65 "^forkpipe: $T/r/c\\.gz: corrupt gzip data at compressed byte offset $where\$" \
		-- fp index --spacing $sp "$T/r/c.gz"
done

# ---- --write-index: the index written while a run inflates ---------------------
mkdir "$T/w"
cp "$T/r/members.gz" "$T/w/m.gz"
fp -j2 --write-index -e 'grep -F " 300"' "$T/w/m.gz" > "$T/got" 2> "$T/err"
check_rc "--write-index" 0 $? "$T/err"
fp -j1 -e 'grep -F " 300"' "$T/r/members" > "$T/want"
check_same "--write-index: the result" "$T/want" "$T/got"
check_empty "--write-index: no message" "$T/err"
cp -p "$T/w/m.gz" "$T/w/n.gz"
fp index "$T/w/n.gz"
check_same "--write-index writes what forkpipe index writes" "$T/w/n.gz.fpi" "$T/w/m.gz.fpi"
fp -j2 -b 64K --write-index -e 'grep -F " 300"' "$T/w/m.gz" > "$T/got" 2> "$T/err"
check_same "the written index serves the next run" "$T/want" "$T/got"
check_dir_listing "an index that fits is not written again" "$T/w" m.gz m.gz.fpi n.gz n.gz.fpi
rm "$T/w/"*.fpi
cp "$T/r/q.csv.gz" "$T/w/q.csv.gz"
fp --write-index --csv -e count "$T/w/q.csv.gz" > /dev/null &&
	[ -s "$T/w/q.csv.gz.fpi" ] && pass || fail "--write-index with --csv"
rm "$T/w/"*.fpi
# Bad data: the verdict of a run without the option, and no index.
cp "$T/d/crc.gz" "$T/d/trunc.gz" "$T/w/"
for f in crc trunc; do
	fp -e count "$T/w/$f.gz" > /dev/null 2> "$T/want"
	rm -f "$T/o.out"
	fp --write-index -e count -o "$T/o.out" "$T/w/$f.gz" 2> "$T/err"
	check_rc "--write-index, $f.gz" 65 $? "$T/err"
	check_same "--write-index, $f.gz: the same verdict" "$T/want" "$T/err"
	[ ! -e "$T/o.out" ] && pass || fail "--write-index, $f.gz: output left"
done
check_dir_listing "no index of bad data" "$T/w" crc.gz m.gz n.gz q.csv.gz trunc.gz

# ---- shards of an indexed file ---------------------------------------------
for f in one members long; do
	for j in 1 2; do
		: > "$T/got"
		for k in 0 1 2 3 4; do
			fp -j$j -b 64K --shard $k/5 "$T/r/$f.gz" >> "$T/got" || fail "shard $k/5 of $f.gz"
		done
		check_same "5 shards of $f.gz, -j$j" "$T/r/$f" "$T/got"
	done
done
# A plain file and an indexed one in one byte space; partials merged.
: > "$T/got"
for k in 0 1 2; do
	fp -j2 -b 64K --shard $k/3 "$T/r/one" "$T/r/members.gz" >> "$T/got" || fail "shard $k/3 of two files"
	fp -j2 -b 64K --shard $k/3 --partial -e 'uniq -c' -o "$T/p$k" "$T/r/one" "$T/r/members.gz" ||
		fail "partial of shard $k/3"
done
cat "$T/r/one" "$T/r/members" > "$T/want"
check_same "3 shards of a plain and an indexed file" "$T/want" "$T/got"
fp -j1 -e 'uniq -c' "$T/want" > "$T/want.u"
fp merge -e 'uniq -c' "$T/p2" "$T/p0" "$T/p1" > "$T/got"; check_same "their partials merged" "$T/want.u" "$T/got"
rm -f "$T/r/q.csv.gz.fpi"
expect_exit 64 "^forkpipe: --shard: $T/r/q\\.csv\\.gz: a gzip file without an index cannot be sharded \\(make one with: forkpipe index $T/r/q\\.csv\\.gz\\)\$" \
	-- fp --shard 0/2 --csv "$T/r/q.csv.gz"
rm -f "$T/r/wide.gz.fpi"
expect_exit 64 "^forkpipe: --shard: $T/r/wide\\.gz: a gzip file without an index cannot be sharded \\(make one with: forkpipe index $T/r/wide\\.gz\\)\$" \
	-- fp --shard 1/2 "$T/r/wide.gz"

finish
