#!/bin/bash
# e2e/max-record.sh - --max-record: a record longer than the limit fails
# the run with exit 65, naming the input and the record's byte offset,
# however it comes in (a file, a pipe, CSV with quoted newlines, a
# header, gzip, BGZF), at every job count and chunk size; records up to
# the limit, terminator included, pass.  A decompression bomb that
# inflates to one endless record stops at the limit, within bounded
# memory.  The default follows --memory.
. "$TEST_SRCDIR/lib.sh"

command -v gzip > /dev/null 2>&1 || die "reference tool 'gzip' not found"
command -v bgzip > /dev/null 2>&1 || die "reference tool 'bgzip' not found"

# rec N: a record of N bytes, the newline included.
rec() { head -c $(($1 - 1)) /dev/zero | tr '\0' "${2:-a}"; printf '\n'; }
msg() { printf '%s: record at byte offset %s is longer than --max-record \\(%s bytes\\)$' "$1" "$2" "$3"; }

# ---- exactly at the limit --------------------------------------------------
# Records of 1 to 100 bytes pass --max-record 100 whatever the chunk
# size; a 101-byte record after them fails, named by its offset.
for n in 1 37 100 2 99 64 100 3; do rec "$n" b; done > "$T/ok.txt"
{ cat "$T/ok.txt"; rec 101 c; rec 5; } > "$T/over.txt"
off=$(wc -c < "$T/ok.txt")
for jb in "1 1" "2 7" "3 100" "2 1K" "1 1M"; do
	set -- $jb
	expect_out "records up to the limit: -j $1 -b $2" "$T/ok.txt" \
		fp --max-record 100 -j "$1" -b "$2" "$T/ok.txt"
	expect_out "records up to the limit, piped: -j $1 -b $2" "$T/ok.txt" \
		piped "$T/ok.txt" --max-record 100 -j "$1" -b "$2"
	expect_exit 65 "$(msg "$T/over.txt" "$off" 100)" fp --max-record 100 -j "$1" -b "$2" "$T/over.txt"
	expect_exit 65 "$(msg stdin "$off" 100)" piped "$T/over.txt" --max-record 100 -j "$1" -b "$2"
done
# Through the stages: grep keeps the long record, count folds it.
expect_exit 65 "$(msg "$T/over.txt" "$off" 100)" fp --max-record 100 -e 'grep -F c' "$T/over.txt"
expect_exit 65 "$(msg "$T/over.txt" "$off" 100)" fp --max-record 100 -e count "$T/over.txt"
# The last record, without its newline, counts the one forkpipe adds
# for the stages (a copy does not write it).
{ cat "$T/ok.txt"; rec 100 | head -c 99; } > "$T/last.txt"
cp "$T/last.txt" "$T/ref"
expect_out "an unterminated last record at the limit" "$T/ref" fp --max-record 100 "$T/last.txt"
expect_out "an unterminated last record at the limit, piped" "$T/ref" \
	piped "$T/last.txt" --max-record 100
{ cat "$T/ok.txt"; rec 101 | head -c 100; } > "$T/last.txt"
expect_exit 65 "$(msg "$T/last.txt" "$off" 100)" fp --max-record 100 "$T/last.txt"
expect_exit 65 "$(msg stdin "$off" 100)" piped "$T/last.txt" --max-record 100

# ---- records longer than a block ------------------------------------------
{ rec 10; rec 3000000; rec 10; } > "$T/big.txt"
for jb in "1 1M" "2 64K" "3 1" "2 64M"; do
	set -- $jb
	expect_exit 65 "$(msg "$T/big.txt" 10 1048576)" fp --max-record 1M -j "$1" -b "$2" "$T/big.txt"
	expect_exit 65 "$(msg stdin 10 1048576)" piped "$T/big.txt" --max-record 1M -j "$1" -b "$2"
done
expect_out "a 3 MB record under --max-record 3000000" "$T/big.txt" fp --max-record 3000000 "$T/big.txt"
expect_out "a 3 MB record, piped" "$T/big.txt" piped "$T/big.txt" --max-record 3000000 -b 1K
rm -f "$T/o.txt"
expect_exit 65 "$(msg "$T/big.txt" 10 1048576)" fp --max-record 1M -o "$T/o.txt" "$T/big.txt"
[ ! -e "$T/o.txt" ] && pass || fail "-o left a file behind after a record too long"

# ---- CSV: newlines inside quotes are inside the record ----------------------
{ printf 'id,text\n1,short\n2,"'; head -c 200000 /dev/zero | tr '\0' '\n'; printf '"\n3,x\n'; } > "$T/q.csv"
for jb in "1 1" "2 1K" "2 1M"; do
	set -- $jb
	expect_exit 65 "$(msg "$T/q.csv" 16 65536)" fp --csv --max-record 64K -j "$1" -b "$2" -e count "$T/q.csv"
	expect_exit 65 "$(msg stdin 16 65536)" piped "$T/q.csv" --csv --max-record 64K -j "$1" -b "$2" -e count
done
printf '4\n' > "$T/ref"
expect_out "a long quoted field under the limit" "$T/ref" fp --csv --max-record 300K -b 1K -e count "$T/q.csv"

# ---- a header longer than the limit ----------------------------------------
{ rec 5000 h; rec 10; } > "$T/h.txt"
expect_exit 65 "$(msg "$T/h.txt" 0 4096)" fp -H --max-record 4K "$T/h.txt"
expect_exit 65 "$(msg stdin 0 4096)" piped "$T/h.txt" -H --max-record 4K

# ---- compressed input ------------------------------------------------------
gzip -c "$T/big.txt" > "$T/big.txt.gz"
expect_exit 65 "$(msg "$T/big.txt.gz" 10 1048576)" fp --max-record 1M -e count "$T/big.txt.gz"
bgzip -c "$T/big.txt" > "$T/big.bgz"
for jb in "1 1" "2 64K" "3 1M"; do
	set -- $jb
	expect_exit 65 "$(msg "$T/big.bgz" 10 1048576)" fp --max-record 1M -j "$1" -b "$2" -e count "$T/big.bgz"
done
bgzip -c "$T/over.txt" > "$T/over.bgz"
expect_exit 65 "$(msg "$T/over.bgz" "$off" 100)" fp --max-record 100 -j 2 -b 1 "$T/over.bgz"
bgzip -c "$T/ok.txt" > "$T/ok.bgz"
expect_out "BGZF records up to the limit" "$T/ok.txt" fp --max-record 100 -j 2 -b 1 "$T/ok.bgz"

# A decompression bomb: 256 MiB of zeros, no newline, in about 1 MB of
# gzip.  It fails as soon as the limit is passed, within a small address
# space (no limit without --max-record would hold the record whole).
# ASan maps terabytes of shadow memory, so there the address space is
# not limited, and only the verdict is checked.
head -c 256M /dev/zero | gzip -1 > "$T/bomb.gz"
limit='ulimit -v 400000 &&'
if ldd "$FORKPIPE" 2>/dev/null | grep -q libasan; then
	limit=
	printf '%s: note: ASan build, the bomb runs without an address-space limit\n' "$TEST_NAME"
fi
expect_exit 65 "$(msg "$T/bomb.gz" 0 1048576)" \
	sh -c "$limit exec \"\$@\"" sh "$FORKPIPE" --max-record 1M -e count "$T/bomb.gz"
expect_exit 65 "$(msg stdin 0 1048576)" \
	sh -c "$limit exec \"\$@\" < \"$T/bomb.gz\"" sh "$FORKPIPE" --max-record 1M -e count

# ---- the default follows --memory -----------------------------------------
# A quarter of each process's share: 64M over -j 1 + 1 processes is 8M;
# at least 1M.
expect_out "default under --memory 64M -j 1: 8M" "$T/big.txt" fp --memory 64M -j 1 "$T/big.txt"
expect_exit 65 "$(msg "$T/big.txt" 10 1048576)" fp --memory 8M -j 1 "$T/big.txt"
expect_exit 65 "$(msg "$T/big.txt" 10 1048576)" fp --memory 64K -j 3 "$T/big.txt"

# ---- YAML and bad values ---------------------------------------------------
printf 'max-record: 100\n' > "$T/m.yaml"
expect_exit 65 "$(msg "$T/over.txt" "$off" 100)" fp -c "$T/m.yaml" "$T/over.txt"
printf 'max-record: 100\n' > "$T/m.yaml"
expect_out "YAML max-record, overridden by the command line" "$T/over.txt" \
	fp -c "$T/m.yaml" --max-record 101 "$T/over.txt"
printf 'max-record: lots\n' > "$T/bad.yaml"
expect_exit 78 "bad\\.yaml:1:13: 'max-record' must be a size such as 4M, not 'lots'" fp -c "$T/bad.yaml" "$T/ok.txt"
expect_exit 64 "--max-record: invalid size '0' \\(expected e\\.g\\. 64K, 1G\\)" fp --max-record 0 "$T/ok.txt"
expect_exit 64 "--max-record: invalid size 'x' \\(expected e\\.g\\. 64K, 1G\\)" fp --max-record x "$T/ok.txt"

finish
