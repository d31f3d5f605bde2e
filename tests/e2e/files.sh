#!/bin/bash
# e2e/files.sh - what an input file is: files whose size says nothing
# (/proc, /sys), empty files, stdin named more than once, and any number
# of files within a small descriptor limit.
. "$TEST_SRCDIR/lib.sh"

command -v gzip >/dev/null 2>&1 || die "reference tool 'gzip' not found"
command -v bgzip >/dev/null 2>&1 || die "reference tool 'bgzip' not found"
gen_mixed "$T/mixed"
gen_small "$T/small"
gen_empty "$T/empty"
gzip -c "$T/mixed" > "$T/mixed.gz"
bgzip -c "$T/mixed" > "$T/mixed.bgz"

# Files whose size the kernel gives as 0 (or a page) whatever they hold
# are read as streams, not cut by that size.
for f in /proc/cpuinfo /proc/self/status /proc/version /sys/devices/system/cpu/online; do
	[ -r "$f" ] || die "$f is missing"
done
wc -l < /proc/cpuinfo | awk '{ print $1 }' > "$T/cpuinfo.count"
for j in 1 3; do
	for b in 1 100 1M; do
		expect_out "/proc/cpuinfo count -j $j -b $b" "$T/cpuinfo.count" \
			fp -j "$j" -b "$b" -e count /proc/cpuinfo
	done
done
cat /proc/version > "$T/version"
expect_out "/proc/version copy" "$T/version" fp /proc/version
expect_out "/proc/version grep" "$T/version" fp -e 'grep Linux' /proc/version
cat /sys/devices/system/cpu/online > "$T/online"
expect_out "/sys file copy" "$T/online" fp -b 1 /sys/devices/system/cpu/online
cat "$T/small" /proc/version "$T/small" /sys/devices/system/cpu/online > "$T/ref.mix"
expect_out "/proc and /sys among files" "$T/ref.mix" \
	fp -j 2 -b 7 "$T/small" /proc/version "$T/small" /sys/devices/system/cpu/online
expect_out "/proc file as stdin" "$T/version" fp -b 1 < /proc/version
# A process's status has the same lines while it is stopped.
sleep 30 &
SLEEPER=$!
BG_PIDS="$BG_PIDS $SLEEPER"
wc -l < /proc/$SLEEPER/status | awk '{ print $1 }' > "$T/status.count"
expect_out "/proc/PID/status count" "$T/status.count" fp -b 16 -e count /proc/$SLEEPER/status
kill "$SLEEPER" 2>/dev/null
expect_exit 64 '^forkpipe: --shard: /proc/version: its size is not known \(only regular files whose size is that of their contents can be sharded\)$' \
	fp --shard 1/2 /proc/version

# Empty regular files still add nothing, shards included.
printf '0\n' > "$T/zero"
expect_out "empty file count" "$T/zero" fp -e count "$T/empty"
expect_out "empty files around one" "$T/mixed" fp -j 3 -b 100 "$T/empty" "$T/mixed" "$T/empty"
for k in 0 1 2; do
	fp --shard "$k/3" -e count "$T/empty" "$T/mixed" "$T/empty" > "$T/shard.$k" 2> "$T/err"
	check_rc "shard $k/3 with empty files (exit)" 0 $? "$T/err"
done
cat "$T/shard.0" "$T/shard.1" "$T/shard.2" | awk '{ n += $1 } END { print n }' > "$T/shards.sum"
wc -l < "$T/mixed" | awk '{ print $1 }' > "$T/mixed.count"
check_same "shards with empty files add up" "$T/mixed.count" "$T/shards.sum"

# stdin named twice: the second is what the first left of it, nothing,
# as with cat - -.
for f in mixed mixed.gz mixed.bgz; do
	for b in 1 100 1M; do
		cat - - < "$T/$f" | gzip -dcf | wc -l | awk '{ print $1 }' > "$T/ref.count"
		expect_out "- - < $f count -b $b" "$T/ref.count" fp -j 2 -b "$b" -e count - - < "$T/$f"
		{ gzip -dcf < "$T/$f"; cat "$T/small"; } > "$T/ref.copy"
		expect_out "- small - < $f copy -b $b" "$T/ref.copy" fp -j 2 -b "$b" - "$T/small" - < "$T/$f"
		cat "$T/$f" | cat - - | gzip -dcf | wc -l | awk '{ print $1 }' > "$T/ref.count"
		expect_out "- - from a pipe of $f -b $b" "$T/ref.count" piped "$T/$f" -j 2 -b "$b" -e count - -
	done
done
# stdin opened at an offset, and left at the end of what was read.
{ head -n 3 > /dev/null; fp -e count - -; cat; } < "$T/small" > "$T/out" 2> "$T/err"
{ head -n 3 > /dev/null; cat - - | wc -l | awk '{ print $1 }'; cat; } < "$T/small" > "$T/ref"
check_same "- - from an offset, and after it" "$T/ref" "$T/out"

# Any number of files within a small descriptor limit: each is open
# only while it is read.  limited N CMD...: CMD under ulimit -n N.
limited() {
	local n=$1
	shift
	(ulimit -n "$n" && "$@")
}
mkdir "$T/many"
awk -v d="$T/many" 'BEGIN {
	for (i = 0; i < 5000; i++) {
		f = sprintf("%s/f%04d", d, i)
		for (k = 0; k <= i % 4; k++)
			printf "file %d line %d%s\n", i, k, (i * 7 + k) % 13 == 0 ? " ERR" : "" > f
		close(f)
	}
}' || die "cannot make the files"
cat "$T"/many/f* > "$T/many.all"
wc -l < "$T/many.all" | awk '{ print $1 }' > "$T/many.count"
grep ERR "$T/many.all" > "$T/many.err"
expect_out "5000 files count, ulimit -n 64" "$T/many.count" limited 64 fp -e count "$T"/many/f*
expect_out "5000 files grep, ulimit -n 64" "$T/many.err" limited 64 fp -j 3 -b 1 -e 'grep ERR' "$T"/many/f*
expect_out "5000 files copy, ulimit -n 64" "$T/many.all" limited 64 fp -j 2 "$T"/many/f*
mkdir "$T/manygz"
gzfiles=()
for i in $(seq 0 79); do
	f=$T/many/f$(printf %04d "$i")
	if [ $((i % 2)) = 0 ]; then
		gzip -c "$f" > "$T/manygz/g$i.gz"
	else
		bgzip -c "$f" > "$T/manygz/g$i.gz"
	fi
	gzfiles+=("$T/manygz/g$i.gz")
	cat "$f"
done > "$T/manygz.all"
expect_out "80 gzip and BGZF files, ulimit -n 32" "$T/manygz.all" limited 32 fp -j 2 -b 1 "${gzfiles[@]}"
mkdir "$T/manycsv"
for i in $(seq 0 299); do
	printf 'name,value\n"a\nb",%d\nc,%d\n' "$i" "$i" > "$T/manycsv/c$i.csv"
done
printf '600\n' > "$T/csv.count"
expect_out "300 CSV files -H, ulimit -n 32" "$T/csv.count" \
	limited 32 fp -j 2 --csv -H -e count "$T"/manycsv/c*.csv

# A -j the descriptor limit cannot hold is refused before any work.
expect_exit 64 '^forkpipe: -j 40: needs at least 96 open files, the limit is 64 \(ulimit -n\)$' \
	limited 64 fp -j 40 -o "$T/j40.out" -e count "$T/mixed"
[ ! -e "$T/j40.out" ] && pass || fail "-j 40 under ulimit -n 64 left its output file"
expect_out "-j 24 under ulimit -n 64" "$T/mixed.count" limited 64 fp -j 24 -e count "$T/mixed"

# After a worker dies on a compressed stream, the messages say that the
# chunk's offsets are decompressed ones; a plain file's are the file's.
for f in mixed mixed.gz; do
	case $f in *.gz) unit='decompressed bytes' ;; *) unit=bytes ;; esac
	kill_once='exec "if [ \$FORKPIPE_CHUNK = 2 ] && mkdir '"$T/killed.$f"' 2>/dev/null; then kill -9 \$PPID; fi; cat"'
	fp -j 2 -b 1K -e "$kill_once" "$T/$f" > "$T/out" 2> "$T/err"
	check_rc "worker killed on $f (exit)" 0 $? "$T/err"
	check_same "worker killed on $f (output)" "$T/mixed" "$T/out"
	grep -Ev "^forkpipe: warning: worker [0-9]+ \(pid [0-9]+\) was killed by signal 9 \(Killed\) while processing $T/$f $unit [0-9]+-[0-9]+; processing them again \(attempt 2 of 3\)\$" \
		"$T/err" > "$T/other.err"
	[ -s "$T/err" ] && [ ! -s "$T/other.err" ] && pass ||
		fail "worker killed on $f: the warning: $(cat "$T/err")"
done
KILLER='exec "if [ \$FORKPIPE_CHUNK = 2 ]; then kill -9 \$PPID; fi; cat"'
expect_exit 70 "^forkpipe: $T/mixed.gz: chunk 2 \\(decompressed bytes [0-9]+-[0-9]+\\): its worker was killed by signal 9 \\(Killed\\), 1 time \\(--retries 0\\)\$" \
	fp --retries 0 -j 2 -b 1K -e "$KILLER" "$T/mixed.gz" -o "$T/never"
[ ! -e "$T/never" ] && pass || fail "--retries 0 on gzip input left its output file"

# With -H, an empty file has no header and no records: it is accepted
# wherever it stands, as an empty input is; the first header read is the
# one the others must repeat.
printf 'name,value\n"x\ny",1\nz,2\n' > "$T/h.csv"
printf 'name,value\nw,3\n' > "$T/h2.csv"
printf 'other,value\nv,4\n' > "$T/hx.csv"
printf 'name,value\n"x\ny",1\nz,2\nw,3\n"x\ny",1\nz,2\n' > "$T/ref.h"
expect_out "-H with empty files" "$T/ref.h" \
	fp --csv -H -j 2 -b 1 "$T/empty" "$T/h.csv" "$T/empty" "$T/h2.csv" "$T/empty" "$T/h.csv"
printf 'value\n1\n2\n3\n' > "$T/ref.hv"
expect_out "-H with an empty file first, field by name" "$T/ref.hv" \
	fp --csv -H -e 'cut -f value' "$T/empty" "$T/h.csv" "$T/h2.csv"
expect_out "-H with an empty stdin among files" "$T/ref.hv" \
	fp --csv -H -e 'cut -f value' "$T/h.csv" - "$T/h2.csv" < "$T/empty"
printf '2\n' > "$T/ref.hc"
expect_out "-H count with empty files" "$T/ref.hc" fp -H -e count "$T/empty" "$T/h2.csv" "$T/empty" "$T/h2.csv" "$T/empty"
expect_out "-H on empty files only" "$T/empty" fp --csv -H "$T/empty" "$T/empty"
expect_exit 65 "^forkpipe: $T/hx.csv: header differs from that of $T/h.csv\$" \
	fp --csv -H "$T/empty" "$T/h.csv" "$T/hx.csv"

# A byte-order mark before a header (Excel writes one) is no part of the
# first field's name: it is dropped from each file's header.
printf '\357\273\277name,value\nb,5\n' > "$T/bom.csv"
printf '\357\273\277name,value\nc,6\n' > "$T/bom2.csv"
printf 'name\nb\n"x\ny"\nz\nc\n' > "$T/ref.bom"
expect_out "BOM header, field by name" "$T/ref.bom" \
	fp --csv -H -j 2 -b 1 -e 'cut -f name' "$T/bom.csv" "$T/h.csv" "$T/bom2.csv"
expect_out "BOM header on stdin" "$T/ref.bom" \
	piped "$T/bom.csv" --csv -H -e 'cut -f name' - "$T/h.csv" "$T/bom2.csv"
printf 'name\nq\n' > "$T/ref.bomq"
expect_out "BOM before a quoted header field" "$T/ref.bomq" \
	fp --csv -H -e 'cut -f name' <(printf '\357\273\277"name",value\nq,7\n')
printf 'name\nb\nc\n' > "$T/ref.bomtsv"
expect_out "BOM header, TSV" "$T/ref.bomtsv" \
	fp --tsv -H -e 'cut -f name' <(printf '\357\273\277name\tvalue\nb\t5\nc\t6\n')
printf '\357\273\277name,value\nb,5\n' > "$T/ref.nobom"
expect_out "BOM kept without -H" "$T/ref.nobom" fp --csv "$T/bom.csv"

# A file replaced before its turn comes is not read in its place.
mkfifo "$T/fifo"
cp "$T/small" "$T/later"
"$FORKPIPE" "$T/fifo" "$T/later" > "$T/out" 2> "$T/err" &
FPPID=$!
BG_PIDS="$BG_PIDS $FPPID"
exec 3> "$T/fifo"
# The workers start once every input has been looked at.
for _ in $(seq 200); do
	pgrep -P "$FPPID" -x forkpipe-worker > /dev/null && break
	sleep 0.05
done
mv "$T/mixed" "$T/later"
printf 'x\n' >&3
exec 3>&-
wait "$FPPID"
check_rc "replaced file (exit)" 66 $? "$T/err"
printf 'forkpipe: %s: replaced by another file while forkpipe ran\n' "$T/later" > "$T/ref.err"
check_same "replaced file (message)" "$T/ref.err" "$T/err"

finish
