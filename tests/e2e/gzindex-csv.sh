#!/bin/bash
# e2e/gzindex-csv.sh - CSV and --header read by a gzip index: each access
# point keeps its quote state, so the workers cut CSV with quoted
# newlines between points (most points here fall inside quotes).  The
# results equal the same pipeline on the decompressed file at -j 1, 2, 4
# with small and default chunks, with and without a header (also after a
# byte-order mark), NUL-terminated too, by shards; an index made with one spacing serves any
# chunk size.  An index of the format before the quote state (version 2)
# is refused: a warning and a serial run, 65 with --index; --csv-lax
# reads the file serially.
. "$TEST_SRCDIR/lib.sh"

# Records of four lines, most of each inside a quoted field with doubled
# quotes; random hex so that deflate blocks (and points) come often.
awk 'BEGIN { srand(5); for (i = 0; i < 12000; i++) { printf "%d,\"", i
	for (k = 0; k < 4; k++) printf "%08x %08x\n", int(rand() * 4294967295), int(rand() * 4294967295)
	printf "\"\"q\"\" %d\",%d\n", i, i % 7 } }' > "$T/q.csv"
{ printf 'id,"the\ntext",k\n'; cat "$T/q.csv"; } > "$T/h.csv"
{ printf '\357\273\277'; cat "$T/h.csv"; } > "$T/bom.csv"
tr '\n' '\0' < "$T/q.csv" > "$T/z.csv"
for f in q h bom z; do
	gzip -6 -c "$T/$f.csv" > "$T/$f.csv.gz"
done
fp index --spacing 64K "$T/q.csv.gz" "$T/h.csv.gz" "$T/bom.csv.gz" "$T/z.csv.gz" && pass ||
	fail "index of the CSV files"

# The points of q.csv.gz: many, most inside quotes (the flag each keeps
# says so, and says it right).
python3 - "$T/q.csv.gz.fpi" "$T/q.csv" > "$T/points" <<'EOF' || fail "reading the index's points"
import struct, sys
d = open(sys.argv[1], "rb").read()
u = open(sys.argv[2], "rb").read()
n = struct.unpack_from("<I", d, 12)[0]
p, inside, wrong = 56, 0, 0
for i in range(n):
    cbit, uoff, le, ce, fl, wl, crc, zl = struct.unpack_from("<QQQQIIII", d, p)
    p += 48 + zl
    odd = u[:uoff].count(b'"') % 2
    inside += odd
    wrong += odd != (fl >> 1 & 1)
    if ce != 2**64 - 1:
        # the first line end outside quotes at or after the point
        j, q = uoff, odd
        while u[j:j + 1] != b"\n" or q:
            q ^= u[j:j + 1] == b'"'
            j += 1
        wrong += ce != j
print(n, inside, wrong)
EOF
read -r npoints inside wrong < "$T/points"
[ "$npoints" -ge 8 ] && [ "$inside" -ge $((npoints / 2)) ] && [ "$wrong" = 0 ] && pass ||
	fail "points: $npoints, inside quotes: $inside, wrong quote states or record ends: $wrong"

# same NAME FILE [OPTIONS...]: these pipelines on FILE.gz by its index
# give what they give on FILE (same_as_inflated in lib.sh).
SAME_PIPES='cut -f 2
count'
same() { same_as_inflated "$@"; }
same "CSV" "$T/q.csv" --csv
same "CSV of NUL-terminated records" "$T/z.csv" --csv -z
same "CSV with a header" "$T/h.csv" --csv -H
same "CSV with a byte-order mark and a header" "$T/bom.csv" --csv -H
fp -j2 -b 64K --csv -H -e 'cut -f k' "$T/h.csv" > "$T/want"
fp -j2 -b 64K --csv -H -e 'cut -f k' "$T/h.csv.gz" > "$T/got"
check_same "a field named by the header read through the index" "$T/want" "$T/got"
fp -j2 -b 64K --stats --csv -e count "$T/q.csv.gz" 2>&1 > /dev/null | grep -Eq 'chunks +[0-9]{2,}' &&
	pass || fail "CSV by the index is cut into chunks"
# The header is counted once in --stats, as for the plain file.
fp -j2 --stats --csv -H -e count "$T/h.csv" 2>&1 > /dev/null | grep '^  input ' > "$T/want"
fp -j2 -b 64K --stats --csv -H -e count "$T/h.csv.gz" 2>&1 > /dev/null | grep '^  input ' > "$T/got"
check_same "--stats: the input's bytes and records" "$T/want" "$T/got"
# Two indexed files with one header each.
fp -j2 --csv -H -e count "$T/h.csv" "$T/bom.csv" > "$T/want"
fp -j2 -b 64K --csv -H -e count "$T/h.csv.gz" "$T/bom.csv.gz" > "$T/got"
check_same "two indexed files with headers" "$T/want" "$T/got"

# An index made with the default spacing serves any chunk size.
cp "$T/q.csv" "$T/wide.csv"
cp "$T/q.csv.gz" "$T/wide.csv.gz"
fp index "$T/wide.csv.gz" && pass || fail "index with the default spacing"
same "CSV, default spacing" "$T/wide.csv" --csv

# Shards: the records of every shard, once.
fp -j1 --csv -e 'cut -f 1' "$T/h.csv" > "$T/want"
for j in 1 2; do
	: > "$T/got"
	for k in 0 1 2 3; do
		fp -j$j -b 64K --csv -H --shard $k/4 -e 'cut -f 1' "$T/h.csv.gz" >> "$T/got" ||
			fail "shard $k/4"
	done
	# each shard writes the header's field once
	grep -v '^id$' "$T/got" > "$T/got.r"
	grep -v '^id$' "$T/want" > "$T/want.r"
	check_same "4 CSV shards with a header, -j$j" "$T/want.r" "$T/got.r"
done

# --csv-lax: stray quotes make a point's quote state meaningless; read
# serially, without a message.
fp -j2 --csv-lax -e count "$T/q.csv" > "$T/want"
fp -j2 -b 64K --csv-lax -e count "$T/q.csv.gz" > "$T/got" 2> "$T/err"
check_same "--csv-lax" "$T/want" "$T/got"
check_empty "--csv-lax: no message" "$T/err"

# An index of version 2 (no quote state): refused as damaged, a warning
# and a serial run; 65 with --index, no output file.
cp -p "$T/q.csv.gz" "$T/old.csv.gz"
python3 - "$T/q.csv.gz.fpi" "$T/old.csv.gz.fpi" <<'EOF' || fail "making a version 2 index"
import struct, sys, zlib
d = bytearray(open(sys.argv[1], "rb").read()[:-4])
struct.pack_into("<I", d, 8, 2)
d += struct.pack("<I", zlib.crc32(d))
open(sys.argv[2], "wb").write(d)
EOF
fp -j1 --csv -e count "$T/q.csv" > "$T/want"
EE_STDOUT=$T/got expect_exit 0 "^forkpipe: $T/old\\.csv\\.gz\\.fpi: warning: damaged gzip index: unknown version; reading $T/old\\.csv\\.gz serially\$" \
	-- fp -j2 -b 64K --csv -e count "$T/old.csv.gz"
check_same "a version 2 index: the result" "$T/want" "$T/got"
rm -f "$T/o.out"
expect_exit 65 "^forkpipe: $T/old\\.csv\\.gz\\.fpi: damaged gzip index: unknown version\$" \
	-- fp -j2 --csv --index "$T/old.csv.gz.fpi" -o "$T/o.out" -e count "$T/old.csv.gz"
[ ! -e "$T/o.out" ] && pass || fail "a refused --index left its output file"
# Another file's index, named: 65.
expect_exit 65 "^forkpipe: $T/h\\.csv\\.gz\\.fpi: not the index of $T/q\\.csv\\.gz as it is now" \
	-- fp -j2 --csv --index "$T/h.csv.gz.fpi" -e count "$T/q.csv.gz"

# Malformed CSV behind a good index (a stray quote, which turns the
# quote state of every later point; a quote left open at the end): the
# verdict of the decompressed file.
{ head -n 20000 "$T/q.csv"; printf '1,a"b,c\n'; tail -n 20000 "$T/q.csv"; } > "$T/bad.csv"
{ cat "$T/q.csv"; printf '1,"open\n2,x\n'; } > "$T/open.csv"
for f in bad open; do
	gzip -c "$T/$f.csv" > "$T/$f.csv.gz"
	fp index --spacing 64K "$T/$f.csv.gz"
	for j in 1 2 4; do
		for b in 64K ''; do
			fp -j$j ${b:+-b $b} --csv -e count "$T/$f.csv" > /dev/null 2> "$T/want"
			rm -f "$T/o.out"
			fp -j$j ${b:+-b $b} --csv -e count -o "$T/o.out" "$T/$f.csv.gz" 2> "$T/err"
			check_rc "malformed CSV ($f) -j$j -b '$b'" 65 $? "$T/err"
			sed "s/$f\\.csv\\.gz/$f.csv/" "$T/err" > "$T/got"
			check_same "malformed CSV ($f) -j$j -b '$b': the message" "$T/want" "$T/got"
			[ ! -e "$T/o.out" ] && pass || fail "malformed CSV ($f): output left"
		done
	done
done

finish
