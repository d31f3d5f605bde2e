#!/bin/bash
# e2e/gzip-in.sh - compressed input: gzip and zstd files and streams,
# known by their first bytes, read as `gzip -dc` and `zstd -dc` read them
# (multi-member, pigz -i, BGZF, zero padding), mixed with plain files;
# corrupt, truncated and trailing-garbage input fails with 65, one line
# naming the file and the compressed offset, no output file, and the
# same verdict as `gzip -t`; no decompressor process outlives a run.
. "$TEST_SRCDIR/lib.sh"

for tool in gzip pigz bgzip zstd; do
	command -v "$tool" >/dev/null 2>&1 ||
		die "reference tool '$tool' not found (./bootstrap installs it: gzip, pigz, tabix, zstd)"
done

gen_mixed "$T/mixed"
gen_small "$T/small"
gen_nofinal "$T/small" "$T/small.nofinal"
# A log big enough for several automatic (4 MiB) stream chunks.
for i in 1 2 3 4 5 6 7 8 9 10; do cat "$top_srcdir/data/access.log"; done > "$T/big"
printf 'x' > "$T/x"

# The compressed forms of one file F: F.gz, F.pigz (pigz -i: many
# members), F.bgz (BGZF), F.multi (three gzip files back to back),
# F.zst (one zstd frame), F.zst2 (two zstd frames).
compress_all() {
	local f=$1 n h
	gzip -c "$f" > "$f.gz"
	pigz -i -b 32 -c "$f" > "$f.pigz"
	bgzip -c "$f" > "$f.bgz"
	n=$(wc -c < "$f")
	h=$((n / 3))
	{
		head -c "$h" "$f" | gzip -c
		head -c "$((2 * h))" "$f" | tail -c "$h" | gzip -1 -c
		tail -c "$((n - 2 * h))" "$f" | gzip -9 -c
	} > "$f.multi"
	zstd -q -c "$f" > "$f.zst"
	{
		head -c "$h" "$f" | zstd -q -c
		tail -c "$((n - h))" "$f" | zstd -q -c
	} > "$f.zst2"
	for k in gz pigz bgz multi; do
		gzip -t "$f.$k" || die "gzip -t rejects $f.$k"
		gzip -dc "$f.$k" | cmp -s - "$f" || die "gzip -dc $f.$k is not $f"
	done
	for k in zst zst2; do
		zstd -q -dc "$f.$k" | cmp -s - "$f" || die "zstd -dc $f.$k is not $f"
	done
}
KINDS="gz pigz bgz multi zst zst2"
for f in mixed small small.nofinal big x; do
	compress_all "$T/$f"
done

# The references: a copy is the bytes exactly; a last record without
# terminator counts as a record.
for f in mixed small small.nofinal big x; do
	cp "$T/$f" "$T/$f.ref"
	terminate "$T/$f" | wc -l | tr -d ' ' > "$T/$f.count"
	grep -a -F foo "$T/$f.ref" > "$T/$f.foo" || :
	grep -a -F ' 404 ' "$T/$f.ref" > "$T/$f.404" || :
done

# No stage: the inflated bytes; count; grep -F.  File and stdin.
for k in $KINDS; do
	for j in 1 2 4; do
		for b in 1K auto; do
			bo=()
			[ "$b" = auto ] || bo=(-b "$b")
			expect_out "copy mixed.$k -j $j -b $b" "$T/mixed.ref" fp -j "$j" "${bo[@]}" "$T/mixed.$k"
			expect_out "count mixed.$k -j $j -b $b" "$T/mixed.count" fp -j "$j" "${bo[@]}" -e count "$T/mixed.$k"
			expect_out "grep mixed.$k stdin -j $j -b $b" "$T/mixed.foo" \
				piped "$T/mixed.$k" -j "$j" "${bo[@]}" -e 'grep -F foo'
		done
	done
	for j in 2 4; do
		expect_out "grep big.$k -j $j" "$T/big.404" fp -j "$j" -e "grep -F ' 404 '" "$T/big.$k"
		expect_out "count big.$k stdin -j $j -b 64K" "$T/big.count" piped "$T/big.$k" -j "$j" -b 64K -e count
	done
	expect_out "copy small.nofinal.$k" "$T/small.nofinal.ref" fp -b 100 "$T/small.nofinal.$k"
	expect_out "copy small.nofinal.$k stdin" "$T/small.nofinal.ref" piped "$T/small.nofinal.$k" -b 100
	expect_out "copy x.$k" "$T/x.ref" fp "$T/x.$k"
	expect_out "copy x.$k stdin" "$T/x.ref" piped "$T/x.$k"
	fp -j 2 -b 4K -o "$T/out.file" "$T/mixed.$k" 2> "$T/err"
	check_rc "-o mixed.$k (exit)" 0 $? "$T/err"
	check_same "-o mixed.$k" "$T/mixed.ref" "$T/out.file"
	rm -f "$T/out.file"
done

# BGZF files are cut between members and inflated by the workers; records
# cross members (mixed has 100 KB lines, members hold 64 KB), so every
# chunk size and job count must give the same records.  NUL records too.
gen_nul "$T/nul" nofinal
cp "$T/nul" "$T/nul.ref"
bgzip -c "$T/nul" > "$T/nul.bgz"
for f in mixed big; do
	for j in 1 3; do
		for b in 1 100K 1M; do
			expect_out "bgzf $f copy -j $j -b $b" "$T/$f.ref" fp -j "$j" -b "$b" "$T/$f.bgz"
			expect_out "bgzf $f count -j $j -b $b" "$T/$f.count" fp -j "$j" -b "$b" -e count "$T/$f.bgz"
		done
	done
done
for b in 1 1K 64K; do
	expect_out "bgzf -z -b $b" "$T/nul.ref" fp -z -j 3 -b "$b" "$T/nul.bgz"
done
# CSV and --header read a BGZF file as one stream: the same records.
{ printf 'a,b\n'; awk 'BEGIN { for (i = 1; i <= 30000; i++) printf "%d,\"x\ny %d\"\n", i, i }'; } > "$T/q.csv"
bgzip -c "$T/q.csv" > "$T/q.csv.bgz"
fp --csv -e count "$T/q.csv" > "$T/q.count" 2> "$T/err" || fail "csv count on plain input: $(cat "$T/err")"
expect_out "bgzf csv count" "$T/q.count" fp --csv -j 3 -b 4K -e count "$T/q.csv.bgz"
fp --csv -H -e 'cut -f b' "$T/q.csv" > "$T/q.b" 2> "$T/err" || fail "csv cut on plain input: $(cat "$T/err")"
expect_out "bgzf csv -H cut" "$T/q.b" fp --csv -H -j 3 -b 4K -e 'cut -f b' "$T/q.csv.bgz"

# Empty and tiny inputs, as files and streams, each compressor.
for s in '' a ab abc 'a\n' '\n\n'; do
	printf "$s" > "$T/tiny"
	cp "$T/tiny" "$T/tiny.ref"	# a copy is byte-exact
	terminate "$T/tiny" | wc -l | tr -d ' ' > "$T/tiny.count"
	gzip -c "$T/tiny" > "$T/tiny.gz"
	bgzip -c "$T/tiny" > "$T/tiny.bgz"
	zstd -q -c "$T/tiny" > "$T/tiny.zst"
	for k in gz bgz zst; do
		expect_out "tiny '$s' .$k" "$T/tiny.ref" fp "$T/tiny.$k"
		expect_out "tiny '$s' .$k stdin" "$T/tiny.ref" piped "$T/tiny.$k"
		expect_out "tiny '$s' .$k count -j 3" "$T/tiny.count" fp -j 3 -e count "$T/tiny.$k"
	done
done
# Plain inputs of one to three bytes stay plain, whatever they start with.
for s in '\037' '\037\213' '\037a' 'ab' '\050\265' '\050\265\057'; do
	printf "$s" > "$T/short"
	cp "$T/short" "$T/short.ref"
	case $s in '\037\213') continue ;; esac
	expect_out "plain short '$s'" "$T/short.ref" fp "$T/short"
	expect_out "plain short '$s' stdin" "$T/short.ref" piped "$T/short"
done

# The name does not matter: a plain file called .gz, gzip data called .txt.
cp "$T/small" "$T/plain.gz"
cp "$T/small.gz" "$T/packed.txt"
expect_out "plain file named .gz" "$T/small.ref" fp "$T/plain.gz"
expect_out "gzip file named .txt" "$T/small.ref" fp "$T/packed.txt"
expect_out "gzip stream" "$T/small.ref" piped "$T/packed.txt"

# Several inputs, each detected on its own, like `zcat -f` (and zstd).
cat "$T/small.nofinal" "$T/x" "$T/mixed" "$T/small" "$T/big" "$T/x" > "$T/ref.mix"
for j in 1 2 4; do
	for b in 1K 64K auto; do
		bo=()
		[ "$b" = auto ] || bo=(-b "$b")
		expect_out "mix of plain and compressed -j $j -b $b" "$T/ref.mix" fp -j "$j" "${bo[@]}" \
			"$T/small.nofinal.gz" "$T/x" "$T/mixed.zst" "$T/small" "$T/big.bgz" "$T/x.multi"
	done
	fp -j "$j" -b 4K "$T/small.nofinal" - "$T/x.zst" "$T/mixed.pigz" < "$T/small.gz" > "$T/out" 2> "$T/err"
	check_rc "'-' compressed among files -j $j (exit)" 0 $? "$T/err"
	cat "$T/small.nofinal" "$T/small" "$T/x" "$T/mixed" > "$T/ref.dash"
	check_same "'-' compressed among files -j $j" "$T/ref.dash" "$T/out"
done
gzip -dc -f "$T/small.gz" "$T/mixed" "$T/big.pigz" "$T/mixed.multi" > "$T/ref.zcat"
expect_out "like zcat -f" "$T/ref.zcat" fp "$T/small.gz" "$T/mixed" "$T/big.pigz" "$T/mixed.multi"

# Zero padding after the last member is accepted, as gzip accepts it.
for k in gz pigz bgz; do
	{ cat "$T/small.$k"; head -c 1000 /dev/zero; } > "$T/padded.$k"
	gzip -t "$T/padded.$k" 2> /dev/null || fail "gzip -t rejects padded.$k (reference)"
	expect_out "zero padding after .$k" "$T/small.ref" fp "$T/padded.$k"
	expect_out "zero padding after .$k stdin" "$T/small.ref" piped "$T/padded.$k"
done

# --header on compressed input: the first record of the inflated data.
{ printf 'id name size\n'; awk 'BEGIN { for (i = 1; i <= 20000; i++) print i, "n" (i % 97), i * 3 }'; } > "$T/table"
gzip -c "$T/table" > "$T/table.gz"
zstd -q -c "$T/table" > "$T/table.zst"
{ printf 'name\n'; awk 'NR > 1 { print $2 }' "$T/table"; } > "$T/table.names"
awk 'NR > 1 && $3 > 30000' "$T/table" | wc -l | tr -d ' ' > "$T/table.big"
for j in 1 2 4; do
	for k in gz zst; do
		expect_out "-H cut by name .$k -j $j" "$T/table.names" fp -j "$j" -b 16K -H -e 'cut -f name' "$T/table.$k"
		expect_out "-H cut by name .$k stdin -j $j" "$T/table.names" piped "$T/table.$k" -j "$j" -b 16K -H -e 'cut -f name'
		expect_out "-H filter and count .$k -j $j" "$T/table.big" fp -j "$j" -H -e 'filter "$size > 30000"' -e count "$T/table.$k"
	done
done
expect_out "-H two compressed files" <(cat "$T/table.names"; awk 'NR > 1 { print $2 }' "$T/table") \
	fp -H -e 'cut -f name' "$T/table.gz" "$T/table.zst"

# ---------------------------------------------------------------------
# Damaged input.  bad NAME FILE OFFSET_REGEX: with and without -o, as a
# file and as stdin, forkpipe exits 65 with one line naming the file and
# the compressed offset, and -o leaves no file behind; gzip -t (or
# zstd -t) rejects the file too.
mkdir "$T/od"
bad() {
	local name=$1 f=$2 what=$3 tester=gzip
	case $f in *.zst*) tester=zstd ;; esac
	if $tester -t -q "$f" > /dev/null 2>&1; then
		fail "$name: $tester -t accepts $f (the test is wrong)"
	else
		pass
	fi
	expect_exit 65 "^forkpipe: $f: $what" -- fp -j 2 -b 4K -e count "$f"
	expect_exit 65 "^forkpipe: $f: $what" -- fp -j 3 -b 4K -o "$T/od/out" -e 'grep -F a' "$f"
	check_dir_listing "$name: no output file" "$T/od"
	EE_STDIN=$f expect_exit 65 "^forkpipe: stdin: $what" -- fp -j 2 -o "$T/od/out"
	check_dir_listing "$name: no output file (stdin)" "$T/od"
	# Also behind a good plain file and a good compressed one.
	expect_exit 65 "^forkpipe: $f: $what" -- fp -j 2 -o "$T/od/out" "$T/small" "$T/mixed.gz" "$f"
	check_dir_listing "$name: no output file (third input)" "$T/od"
}
AT='at compressed byte offset [0-9]+'
size() { wc -c < "$1" | tr -d ' '; }
flip() {	# flip FILE OFFSET OUT: the byte at OFFSET inverted
	local f=$1 at=$2 out=$3 byte
	byte=$(od -An -tu1 -j "$at" -N 1 "$f" | tr -d ' ')
	{
		head -c "$at" "$f"
		printf "\\$(printf '%03o' $((255 - byte)))"
		tail -c +"$((at + 2))" "$f"
	} > "$out"
}

for k in gz pigz bgz multi; do
	src=$T/mixed.$k
	n=$(size "$src")
	# Truncated: at the magic, the header, inside the data, in the trailer.
	offsets="2 5 10 30 1000 $((n / 2)) $((n - 8)) $((n - 4)) $((n - 1))"
	case $k in pigz | multi) offsets="30 $((n / 2)) $((n - 1))" ;; esac
	for at in $offsets; do
		head -c "$at" "$src" > "$T/trunc-$at.$k"
		bad "truncated .$k at $at" "$T/trunc-$at.$k" "unexpected end of gzip data at compressed byte offset $at\$"
	done
	# A flipped byte in the middle of the deflate data.
	flip "$src" $((n / 2)) "$T/flip.$k"
	bad "flipped byte .$k" "$T/flip.$k" "corrupt gzip data $AT"
	# Garbage after the end, also after zero padding; one stray byte.
	{ cat "$src"; printf 'garbage\n'; } > "$T/garbage.$k"
	bad "garbage after .$k" "$T/garbage.$k" "trailing garbage after gzip data at compressed byte offset $n\$"
	{ cat "$src"; head -c 100 /dev/zero; printf 'x'; } > "$T/zgarbage.$k"
	bad "garbage after padding .$k" "$T/zgarbage.$k" "trailing garbage after gzip data at compressed byte offset $n\$"
	{ cat "$src"; printf 'x'; } > "$T/stray.$k"
	bad "one byte after .$k" "$T/stray.$k" "unexpected end of gzip data $AT"
done
# A flipped byte that makes the deflate data invalid (the first from
# byte 200 on: early in a member a changed distance reaches back before
# its start, where later it mostly changes the output): named at
# the byte where inflating stops, as zlib names it, not before the flip;
# the same offset for the file, read by the workers or not, and for the
# stream, however they cut the input.
for k in gz pigz bgz multi; do
	src=$T/big.$k
	at=200 where=
	for ((try = 0; try < 40; try++, at += 89)); do
		flip "$src" "$at" "$T/bad.$k"
		where=$(fp -e count < "$T/bad.$k" 2>&1 |
			sed -n 's/^forkpipe: stdin: corrupt gzip data at compressed byte offset \([0-9]*\): invalid .*/\1/p')
		[ -n "$where" ] && break
	done
	[ -n "$where" ] && [ "$where" -ge "$at" ] && [ "$where" -lt $((at + 8192)) ] && pass ||
		fail "invalid deflate data in .$k, flipped at $at: reported at '$where'"
	bad "invalid deflate data .$k" "$T/bad.$k" "corrupt gzip data at compressed byte offset $where: invalid "
	expect_exit 65 "^forkpipe: $T/bad.$k: corrupt gzip data at compressed byte offset $where: invalid " \
		-- fp -j 1 -b 1 -e count "$T/bad.$k"
done
# Bad CRC and bad length of a single-member file: the trailer's fields.
n=$(size "$T/mixed.gz")
flip "$T/mixed.gz" $((n - 6)) "$T/crc.gz"
bad "bad CRC" "$T/crc.gz" "corrupt gzip data at compressed byte offset $((n - 8)): CRC-32 mismatch"
flip "$T/mixed.gz" $((n - 2)) "$T/len.gz"
bad "bad length" "$T/len.gz" "corrupt gzip data at compressed byte offset $((n - 4)): length mismatch"
# The same in the last member of a BGZF file (before the empty EOF block).
n=$(size "$T/big.bgz")
flip "$T/big.bgz" $((n - 28 - 6)) "$T/crc.bgz"
bad "bad CRC in BGZF" "$T/crc.bgz" "corrupt gzip data at compressed byte offset $((n - 28 - 8)): CRC-32 mismatch"
# Not gzip at all, after gzip's magic: an unknown method.
{ printf '\037\213\007\000\000\000\000\000\000\003'; cat "$T/small"; } > "$T/method.gz"
bad "unknown method" "$T/method.gz" "corrupt gzip header at compressed byte offset 0: unknown compression method"
# zstd: truncated, flipped, garbage after.
n=$(size "$T/mixed.zst")
for at in 4 10 $((n / 2)) $((n - 1)); do
	head -c "$at" "$T/mixed.zst" > "$T/trunc-$at.zst"
	bad "truncated .zst at $at" "$T/trunc-$at.zst" "unexpected end of zstd data $AT"
done
flip "$T/mixed.zst" $((n / 2)) "$T/flip.zst"
bad "flipped byte .zst" "$T/flip.zst" "corrupt zstd data $AT"
{ cat "$T/mixed.zst"; printf 'garbage\n'; } > "$T/garbage.zst"
bad "garbage after .zst" "$T/garbage.zst" "trailing garbage after zstd data at compressed byte offset $n\$"

# Damaged streams through a pipe.
for f in "$T/trunc-1000.gz" "$T/garbage.pigz" "$T/flip.zst"; do
	cat "$f" | fp -j 2 -b 4K -e count > "$T/out" 2> "$T/err"
	check_rc "$f through a pipe (exit)" 65 $? "$T/err"
	grep -q -E "^forkpipe: stdin: .* $AT" "$T/err" && pass || fail "$f through a pipe: message: $(cat "$T/err")"
done

# A plain file is not damaged gzip: it is read as it is, like `zcat -f`.
expect_out "plain input read as it is" "$T/small.ref" fp "$T/plain.gz"

# ---------------------------------------------------------------------
# No decompressor outlives a run: not after an error, not when head ends
# the run early, not when the reader of the output goes away.  Every
# process of a run has $T in its command line (forked, never exec'd).
left() {
	local p i
	# A child killed with its parent (PR_SET_PDEATHSIG) may take a moment.
	for i in 1 2 3 4 5 6 7 8 9 10; do
		p=$(pgrep -f -- "$T/" | tr '\n' ' ')
		[ -z "$p" ] && break
		sleep 0.1
	done
	if [ -z "$p" ]; then
		pass
	else
		fail "$1: processes left behind: $p"
		kill $p 2>/dev/null
	fi
}
fp -e 'head 3' "$T/big.gz" > "$T/out" 2> "$T/err"
check_rc "head on .gz (exit)" 0 $? "$T/err"
head -n 3 "$T/big" > "$T/head3"
check_same "head on .gz" "$T/head3" "$T/out"
left "head on .gz"
fp "$T/big.zst" "$T/big.gz" 2> "$T/err" | head -n 1 > "$T/out"
check_rc "output reader gone (exit)" 0 "${PIPESTATUS[0]}" "$T/err"
left "output reader gone"
fp -e count "$T/trunc-1000.gz" > /dev/null 2>&1
left "after an error"
sleep 2 | timeout --preserve-status -s INT 0.5 "$FORKPIPE" -e count "$T/big.gz" - > /dev/null 2>&1
check_rc "interrupted (exit)" 130 "${PIPESTATUS[1]}"
left "interrupted"

finish
