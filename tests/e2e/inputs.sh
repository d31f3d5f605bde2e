#!/bin/bash
# e2e/inputs.sh - how input reaches forkpipe: the no-stage copy, several
# files, stdin, empty files, tiny chunks, huge records, FIFOs and pipes.
. "$TEST_SRCDIR/lib.sh"

gen_mixed "$T/mixed"
gen_nofinal "$T/mixed" "$T/mixed.nofinal"
gen_small "$T/small"
gen_nofinal "$T/small" "$T/small.nofinal"
gen_empty "$T/empty"
gen_newline "$T/nl"
printf '\n\n\n' > "$T/nls"
printf 'x' > "$T/x"
printf 'one\ntwo\nthree\n' > "$T/three"
gen_nul "$T/nul"
gen_nul "$T/nul.nofinal" nofinal

# copy NAME REF_FILE FORKPIPE_ARGS...
copy() {
	local name=$1 ref=$2
	shift 2
	fp "$@" > "$T/out" 2> "$T/err"
	check_rc "$name (exit)" 0 $? "$T/err"
	check_same "$name" "$ref" "$T/out"
}

# No stage: a copy, the input's bytes exactly (no terminator supplied).
for j in $JOBS_LIST; do
	for b in $CHUNK_LIST; do
		copy "copy -j $j -b $b" "$T/mixed" -j "$j" -b "$b" "$T/mixed"
	done
done
terminate "$T/mixed.nofinal" > "$T/ref.nofinal"
cmp -s "$T/ref.nofinal" "$T/mixed" || die "terminate() is broken"
for j in 1 2 7; do
	for b in 1 100 4K 1M; do
		copy "copy no final newline -j $j -b $b" "$T/mixed.nofinal" -j "$j" -b "$b" "$T/mixed.nofinal"
		fp -j "$j" -b "$b" < "$T/mixed.nofinal" > "$T/out" 2> "$T/err"
		check_rc "copy no final newline stdin -j $j -b $b (exit)" 0 $? "$T/err"
		check_same "copy no final newline stdin -j $j -b $b" "$T/mixed.nofinal" "$T/out"
	done
done
copy "copy one unterminated byte" "$T/x" "$T/x"
copy "copy single newline" "$T/nl" "$T/nl"
copy "copy empty lines" "$T/nls" -b 1 "$T/nls"
copy "copy empty file" "$T/empty" "$T/empty"
copy "copy empty stdin" "$T/empty" < /dev/null
copy "copy empty file, 7 jobs" "$T/empty" -j 7 -b 1 "$T/empty"

# Several files are one stream, in order: a copy is cat's.
cat "$T/small.nofinal" "$T/x" "$T/mixed.nofinal" "$T/three" "$T/x" > "$T/ref.multi"
for j in 1 2 4 7; do
	for b in 1 7 4K 1M; do
		copy "several files -j $j -b $b" "$T/ref.multi" -j "$j" -b "$b" \
			"$T/small.nofinal" "$T/x" "$T/mixed.nofinal" "$T/three" "$T/x"
	done
done
copy "same file twice" <(cat "$T/three" "$T/three") "$T/three" "$T/three"

# Empty files anywhere in the list add nothing.
cat "$T/small.nofinal" "$T/three" "$T/x" > "$T/ref.emptymid"
for j in 1 3; do
	copy "empty files in the middle -j $j" "$T/ref.emptymid" -j "$j" -b 100 \
		"$T/empty" "$T/small.nofinal" "$T/empty" "$T/empty" "$T/three" "$T/empty" "$T/x" "$T/empty"
done
copy "only empty files" "$T/empty" "$T/empty" "$T/empty" "$T/empty"
copy "newline file between unterminated files" <(printf 'x\nx') "$T/x" "$T/nl" "$T/x"

# "-" reads stdin at its place in the list.
cat "$T/three" "$T/small.nofinal" "$T/x" > "$T/ref.dash"
for j in 1 4; do
	for b in 7 4K; do
		fp -j "$j" -b "$b" "$T/three" - "$T/x" < "$T/small.nofinal" > "$T/out" 2> "$T/err"
		check_rc "'-' among files -j $j -b $b (exit)" 0 $? "$T/err"
		check_same "'-' among files -j $j -b $b" "$T/ref.dash" "$T/out"
		cat "$T/small.nofinal" | fp -j "$j" -b "$b" "$T/three" - "$T/x" > "$T/out" 2> "$T/err"
		check_rc "'-' among files, pipe -j $j -b $b (exit)" 0 $? "$T/err"
		check_same "'-' among files, pipe -j $j -b $b" "$T/ref.dash" "$T/out"
	done
done
fp - < "$T/small" > "$T/out" 2> "$T/err"
check_rc "'-' alone (exit)" 0 $? "$T/err"
check_same "'-' alone" "$T/small" "$T/out"

# A 1-byte chunk size on a file of long records.
{
	gen_long_line 30000 a
	gen_long_line 70000 b
	printf '\n'
	gen_long_line 50000 c
} > "$T/longrecs"
for j in 1 2 4; do
	copy "1-byte chunks on long records -j $j" "$T/longrecs" -j "$j" -b 1 "$T/longrecs"
	wc -l < "$T/longrecs" > "$T/exp"
	fp -j "$j" -b 1 -e count "$T/longrecs" > "$T/out" 2> "$T/err"
	check_same "1-byte chunks on long records, count -j $j" "$T/exp" "$T/out"
	grep -a -P 'b$' < "$T/longrecs" > "$T/exp"
	fp -j "$j" -b 1 -e 'grep b$' "$T/longrecs" > "$T/out" 2> "$T/err"
	check_same "1-byte chunks on long records, grep -j $j" "$T/exp" "$T/out"
done

# 64 workers on a small file, and on an empty one.
copy "-j 64 small file" "$T/three" -j 64 "$T/three"
copy "-j 64 -b 1 small file" "$T/three" -j 64 -b 1 "$T/three"
copy "--jobs=64 small file, grep" <(printf 'two\n') --jobs=64 -e 'grep -F tw' "$T/three"
copy "-j 64 empty file" "$T/empty" -j 64 "$T/empty"
printf '3\n' > "$T/exp"
fp -j 64 -b 1 -e count "$T/three" > "$T/out" 2> "$T/err"
check_same "-j 64 count" "$T/exp" "$T/out"

# A 2 MB record, much longer than the chunk size, among short ones.
{
	printf 'short one\n'
	gen_long_line 2097152 ENDMARK
	printf 'short two\n'
	gen_long_line 2097152 LAST | head -c 2097000
} > "$T/huge"
terminate "$T/huge" > "$T/ref.huge"
for j in 1 2 4; do
	for b in 1 4K 64K; do
		copy "2 MB records -j $j -b $b" "$T/huge" -j "$j" -b "$b" "$T/huge"
	done
	wc -l -w -c < "$T/ref.huge" | awk -v c="$(wc -c < "$T/huge")" '{ print $1, $2, c }' > "$T/exp"
	fp -j "$j" -b 4K -e 'count -w -c' "$T/huge" > "$T/out" 2> "$T/err"
	check_same "2 MB records count -w -c -j $j" "$T/exp" "$T/out"
	grep -a -F ENDMARK < "$T/ref.huge" > "$T/exp"
	fp -j "$j" -b 4K -e 'grep -F ENDMARK' < "$T/huge" > "$T/out" 2> "$T/err"
	check_same "2 MB records grep stdin -j $j" "$T/exp" "$T/out"
	grep -a -P -v '^short' < "$T/ref.huge" > "$T/exp"
	cat "$T/huge" | fp -j "$j" -b 4K -e "grep -v '^short'" > "$T/out" 2> "$T/err"
	check_same "2 MB records grep -v pipe -j $j" "$T/exp" "$T/out"
done

# FIFOs and pipes.
reap() {
	local p
	for p in $BG_PIDS; do
		kill "$p" 2>/dev/null
	done
	wait
	BG_PIDS=
}
mkfifo "$T/fifo" "$T/fifo2"
for j in 1 4; do
	cat "$T/mixed.nofinal" > "$T/fifo" &
	BG_PIDS="$BG_PIDS $!"
	fp -j "$j" -b 4K "$T/fifo" > "$T/out" 2> "$T/err"
	check_rc "FIFO copy -j $j (exit)" 0 $? "$T/err"
	check_same "FIFO copy -j $j" "$T/mixed.nofinal" "$T/out"
	reap

	cat "$T/small" > "$T/fifo" &
	BG_PIDS="$BG_PIDS $!"
	cat "$T/three" > "$T/fifo2" &
	BG_PIDS="$BG_PIDS $!"
	cat "$T/x" "$T/small" "$T/three" > "$T/exp"
	fp -j "$j" -b 100 "$T/x" "$T/fifo" "$T/fifo2" > "$T/out" 2> "$T/err"
	check_rc "two FIFOs among files -j $j (exit)" 0 $? "$T/err"
	check_same "two FIFOs among files -j $j" "$T/exp" "$T/out"
	reap

	ref_count '-w -c' "$T/mixed" > "$T/exp"
	cat "$T/mixed" > "$T/fifo" &
	BG_PIDS="$BG_PIDS $!"
	fp -j "$j" -b 1K -e 'count -w -c' < "$T/fifo" > "$T/out" 2> "$T/err"
	check_rc "FIFO as stdin count -j $j (exit)" 0 $? "$T/err"
	check_same "FIFO as stdin count -j $j" "$T/exp" "$T/out"
	reap
done
# A slow writer: records arrive in pieces over time.
{
	printf 'slow one\nslow t'
	sleep 0.3
	printf 'wo\nslow '
	sleep 0.3
	printf 'three'
} | fp -j 2 -b 1 > "$T/out" 2> "$T/err"
check_rc "slow pipe (exit)" 0 $? "$T/err"
check_same "slow pipe" <(printf 'slow one\nslow two\nslow three') "$T/out"
cat "$T/mixed" | cat | fp -j 3 -b 1K > "$T/out" 2> "$T/err"
check_same "pipe copy" "$T/mixed" "$T/out"

# -z: NUL records, copied as they are.
for j in 1 2 7; do
	for b in 1 100 1M; do
		copy "copy -z -j $j -b $b" "$T/nul" -z -j "$j" -b "$b" "$T/nul"
		copy "copy -z no final NUL -j $j -b $b" "$T/nul.nofinal" -z -j "$j" -b "$b" \
			"$T/nul.nofinal"
	done
done
cat "$T/nul.nofinal" "$T/x" "$T/empty" "$T/three" > "$T/exp"
copy "copy -z several files" "$T/exp" --null -b 7 "$T/nul.nofinal" "$T/x" "$T/empty" "$T/three"

# --unordered copy: the same records, in any chunk order.
sort < "$T/mixed" > "$T/exp"
fp --unordered -j 4 -b 1K "$T/mixed" | sort > "$T/out"
check_same "unordered copy (sorted)" "$T/exp" "$T/out"

# A 6 MB stream in many chunks, from a file and through a pipe.
cp "$T/mixed" "$T/big"
for i in 1 2 3 4; do
	cat "$T/big" "$T/big" > "$T/big.2" && mv "$T/big.2" "$T/big"
done
copy "6 MB copy -j 4 -b 16K" "$T/big" -j 4 -b 16K "$T/big"
ref_count '-w -c' "$T/big" > "$T/exp"
cat "$T/big" | fp -j 7 -b 4K -e 'count -w -c' > "$T/out" 2> "$T/err"
check_same "6 MB count -w -c from a pipe, -j 7 -b 4K" "$T/exp" "$T/out"
grep -a -F -v foo < "$T/big" | sort > "$T/exp"
fp --unordered -j 3 -b 8K -e 'grep -F -v foo' < "$T/big" 2> "$T/err" | sort > "$T/out"
check_same "6 MB unordered grep from stdin (sorted)" "$T/exp" "$T/out"

# Many files on one command line.
mkdir "$T/many"
: > "$T/ref.many"
names=()
for i in $(seq 1 300); do
	case $((i % 3)) in
	0) printf 'file %d\nline two %d\n' "$i" "$i" > "$T/many/f$i" ;;
	1) printf 'file %d no newline' "$i" > "$T/many/f$i" ;;
	2) : > "$T/many/f$i" ;;
	esac
	names+=("$T/many/f$i")
done
cat "${names[@]}" > "$T/ref.many"
copy "300 files" "$T/ref.many" -j 4 -b 100 "${names[@]}"
terminate "${names[@]}" | wc -l > "$T/exp"
fp -j 4 -e count "${names[@]}" > "$T/out" 2> "$T/err"
check_same "300 files, count" "$T/exp" "$T/out"

# A reader that goes away early: forkpipe must end, not hang.
fp -j 4 -b 1K "$T/huge" 2> "$T/err" | head -c 10 > "$T/out"
rc=${PIPESTATUS[0]}
[ "$rc" != 124 ] && [ "$rc" != 137 ] && pass || fail "closed stdout: forkpipe hung (timeout)"
check_same "closed stdout: first bytes" <(head -c 10 "$T/huge") "$T/out"
fp -j 2 -b 1K -e 'grep -v zzz' "$T/mixed" 2> "$T/err" | head -n 1 > /dev/null
rc=${PIPESTATUS[0]}
[ "$rc" != 124 ] && [ "$rc" != 137 ] && pass || fail "closed stdout with grep: forkpipe hung (timeout)"

# --help and --version.
fp --help > "$T/out" 2> "$T/err"
check_rc "--help (exit)" 0 $?
check_nonempty "--help prints to stdout" "$T/out"
grep -q -e '--stage' "$T/out" && pass || fail "--help does not mention --stage"
fp -V > "$T/out" 2> "$T/err"
check_rc "-V (exit)" 0 $?
grep -q 'forkpipe' "$T/out" && pass || fail "-V does not print the program name"

finish
