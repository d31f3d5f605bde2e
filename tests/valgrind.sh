#!/bin/bash
# valgrind.sh - end-to-end cases under valgrind's memcheck: a map
# pipeline from a file and from a pipe, reducers, sort spilling to disk,
# gzip and BGZF input, gzip and zstd output, exec, partial files and
# their merge, head, CSV with a header, and error exits.  Each must give
# the output (or the exit code) it gives without valgrind, and memcheck
# must report nothing: no invalid read or write, no use of uninitialised
# memory, no leak (definitely or possibly lost) at exit.  The one
# suppression (tests/valgrind.supp) is PCRE2's JIT code reading past a
# subject's end, which is no fault of forkpipe's.
#
# Checked: the supervisor and every process it forks (the workers, the
# decompressor), which valgrind follows across fork.  Not checked: the
# commands the exec stage runs (sh -c COMMAND), which are not forkpipe
# (--trace-children=no).
#
# Run by `make valgrind` (and .ci/run); small inputs, as memcheck runs
# the code 20 to 50 times slower.
. "$TEST_SRCDIR/lib.sh"

command -v valgrind > /dev/null 2>&1 || die "valgrind not found (Debian: apt-get install valgrind)"
for tool in gzip bgzip zstd; do
	command -v "$tool" > /dev/null 2>&1 || die "reference tool '$tool' not found"
done
if ldd "$FORKPIPE" 2>/dev/null | grep -q libasan; then
	die "$FORKPIPE is built with ASan, which valgrind cannot run: configure without --enable-sanitizers"
fi

VG_N=0
# vg EXPECTED_RC NAME ARGS...: forkpipe under memcheck exits with
# EXPECTED_RC, its stdout in $T/vg.out; a report from any of its
# processes is a failure.
vg() {
	local want=$1 name=$2 rc
	shift 2
	VG_N=$((VG_N + 1))
	rm -f "$T"/vg.log.*
	timeout -k 5 600 valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite,possible --trace-children=no \
		--suppressions="$TEST_SRCDIR/valgrind.supp" \
		--log-file="$T/vg.log.%p" "$FORKPIPE" "$@" > "$T/vg.out" 2> "$T/vg.err" < "${VG_STDIN:-/dev/null}"
	rc=$?
	if [ "$rc" != "$want" ]; then
		fail "$name: exit code $rc, expected $want"
		head -n 5 "$T/vg.err" | awk '{ print "  stderr: " $0 }'
	else
		pass
	fi
	if cat "$T"/vg.log.* 2> /dev/null | grep -q .; then
		fail "$name: memcheck reported:"
		cat "$T"/vg.log.* | head -n 60 | awk '{ print "  " $0 }'
	else
		pass
	fi
}
# vg_out NAME EXPECTED_FILE ARGS...: vg that exits 0 with that output.
vg_out() {
	local name=$1 exp=$2
	shift 2
	vg 0 "$name" "$@"
	cmp -s "$exp" "$T/vg.out" && pass || { fail "$name: output differs"; show_diff "$exp" "$T/vg.out"; }
}

head -n 3000 "$top_srcdir/data/access.log" > "$T/log"
LOG=$T/log

# Map stages, from a file (placed output, ordered) and from a pipe.
grep -a -F '" 404 ' "$LOG" | cut -d ' ' -f 1 > "$T/ref"
vg_out "map pipeline, file" "$T/ref" -j 2 -b 16K -e 'grep -F "\" 404 "' -e 'cut -f 1' "$LOG"
VG_STDIN=$LOG vg_out "map pipeline, stdin" "$T/ref" -j 2 -b 16K -e 'grep -F "\" 404 "' -e 'cut -f 1'
vg_out "map pipeline into -o" /dev/null -j 2 -b 16K -o "$T/o.txt" -e 'grep -F "\" 404 "' -e 'cut -f 1' "$LOG"
cmp -s "$T/ref" "$T/o.txt" && pass || fail "map pipeline into -o: file differs"
grep -a -c -E '" (404|5[0-9][0-9]) ' "$LOG" > "$T/ref"
vg_out "grep and count (regex)" "$T/ref" -j 2 -b 8K -e "grep '\" (404|5[0-9][0-9]) '" -e count "$LOG"

# Reducers; sort spilling to disk under a tiny budget.
awk '{ print $9 }' "$LOG" | sort | uniq -c | awk '{ printf "%s\t%s\n", $2, $1 }' > "$T/ref"
vg_out "group" "$T/ref" -j 2 -b 8K -e 'group -k 9 count' "$LOG"
LC_ALL=C sort -k 1,1 -k 7,7 -s "$LOG" > "$T/ref"
vg_out "sort with spills" "$T/ref" -j 2 -b 4K --memory 256K -e 'sort -s -k 1,1 -k 7,7' "$LOG"
awk '{ print $1 }' "$LOG" | sort | uniq -c | sort -k1,1nr -k2,2 | head -n 5 |
	awk '{ printf "%s\t%s\n", $1, $2 }' > "$T/ref"
vg_out "top" "$T/ref" -j 2 -b 8K -e 'top -k 1 5' "$LOG"
head -n 7 "$LOG" > "$T/ref"
vg_out "head stops the run" "$T/ref" -j 2 -b 4K -e 'head 7' "$LOG"

# Compressed input (a gzip stream, BGZF members in parallel), output.
gzip -c "$LOG" > "$T/log.gz"
bgzip -c "$LOG" > "$T/log.bgz"
wc -l < "$LOG" | tr -d ' ' > "$T/ref"
vg_out "gzip input" "$T/ref" -j 2 -b 16K -e count "$T/log.gz"
vg_out "BGZF input" "$T/ref" -j 2 -b 16K -e count "$T/log.bgz"
vg_out "gzip output" /dev/null -j 2 -b 16K -o "$T/out.gz" "$LOG"
gzip -dc "$T/out.gz" | cmp -s - "$LOG" && pass || fail "gzip output: does not inflate to the input"
vg_out "zstd output" /dev/null -j 2 -b 16K --zstd -o "$T/out.zst" "$LOG"
zstd -q -dc "$T/out.zst" | cmp -s - "$LOG" && pass || fail "zstd output: does not decompress to the input"

# exec: a command per chunk.
grep -a -c -F POST "$LOG" > "$T/ref"
vg_out "exec" "$T/ref" -j 2 -b 16K -e 'exec "grep -a -F POST"' -e count "$LOG"

# Partial files and their merge.
G='group -k 9 count first:1 last:7'
awk '!($9 in f) { f[$9] = $1 } { c[$9]++; l[$9] = $7 }
	END { for (k in c) printf "%s\t%d\t%s\t%s\n", k, c[k], f[k], l[k] }' "$LOG" "$LOG" |
	LC_ALL=C sort > "$T/ref"
vg 0 "--partial" -j 2 -b 16K --partial -e "$G" "$LOG"
cp "$T/vg.out" "$T/a.part"
vg_out "merge of partials" "$T/ref" merge -e "$G" "$T/a.part" "$T/a.part"

# CSV with a header.
{ printf 'id,city,amount\n'; awk 'BEGIN { for (i = 1; i <= 500; i++) printf "%d,\"c,%d\",%d\n", i, i % 7, i }'; } > "$T/h.csv"
printf '"c,0",71\n"c,1",72\n"c,2",72\n"c,3",72\n"c,4",71\n"c,5",71\n"c,6",71\n' > "$T/ref"
vg_out "CSV with a header" "$T/ref" --csv -H -j 2 -b 1K -e 'group -k city count' "$T/h.csv"

# Errors: exit codes, and the clean-up path they take.
{ head -n 100 "$LOG"; printf 'a "b\n'; } > "$T/bad.csv"
vg 65 "malformed CSV" --csv -j 2 -b 1K -e count "$T/bad.csv"
vg 65 "record longer than --max-record" --max-record 100 -j 2 -e count "$LOG"
head -c 5000 "$T/log.gz" > "$T/trunc.gz"
vg 65 "truncated gzip" -j 2 -e count "$T/trunc.gz"
vg 66 "missing input" -e count "$T/nope"
printf 'stages: [\n' > "$T/bad.yaml"
vg 78 "bad YAML" -c "$T/bad.yaml" "$LOG"
vg 70 "exec command fails" -j 2 -b 16K -e 'exec false' "$LOG"
vg 65 "damaged partial" merge -e "$G" "$T/h.csv"

printf '%s: %d cases under memcheck\n' "$TEST_NAME" "$VG_N"
finish
