#!/bin/bash
# e2e/gzindex.sh - `forkpipe index FILE.gz...`: an index beside each file,
# written whole; bad gzip data (65), a missing file (66), no file or a bad
# spacing (64) leave no index behind.
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

finish
