#!/bin/bash
# e2e/live.sh - a stream that writes now and then (tail -f, a terminal):
# with --line-buffered its records are processed and written as their
# lines come, and without it once the stream has been quiet for a
# moment, not when a whole chunk has come or the input ends.  The
# writers keep their pipe open, sleeping, while the output is checked.
. "$TEST_SRCDIR/lib.sh"

# writer: a matching line, then one split across two writes, then a
# pause with the pipe open, then the last line.
writer() {
	echo "ERR one"
	echo "ok"
	printf 'ERR tw'
	sleep 0.3
	printf 'o\nok\n'
	sleep 2
	echo "ERR three"
}

# live NAME OUT ARGS...: forkpipe ARGS reading writer's lines, writing
# OUT, in the background (LIVE: the pids).
LIVE=
live() {
	local name=$1 out=$2
	shift 2
	writer | fp "$@" > "$out" 2> "$out.err" &
	LIVE="$LIVE $!"
}

printf 'ERR one\nERR two\n' > "$T/early"
printf 'ERR one\nERR two\nERR three\n' > "$T/all"
live "--line-buffered" "$T/lb" --line-buffered -j 2 -e 'grep ERR'
live "an idle pipe" "$T/idle" -j 2 -e 'grep ERR'
live "--line-buffered, one worker" "$T/lbs" --line-buffered -e 'sub -g x y'

# Within 1.5 s, while the writers sleep, the first lines are out.
for _ in $(seq 75); do
	cmp -s "$T/early" "$T/lb" && cmp -s "$T/early" "$T/idle" && break
	sleep 0.02
done
check_same "--line-buffered: the lines before the pause, during it" "$T/early" "$T/lb"
check_same "an idle pipe: the lines before the pause, during it" "$T/early" "$T/idle"

for p in $LIVE; do
	wait "$p"
	check_rc "a live stream (pid $p)" 0 $?
done
check_same "--line-buffered: all the lines" "$T/all" "$T/lb"
check_same "an idle pipe: all the lines" "$T/all" "$T/idle"
printf 'ERR one\nok\nERR two\nok\nERR three\n' > "$T/exp"	# what writer writes
check_same "--line-buffered: every byte, pauses and split lines included" "$T/exp" "$T/lbs"
for f in lb idle lbs; do
	check_empty "a live stream: stderr ($f)" "$T/$f.err"
done

# A stream that comes in many small pieces gives the bytes a single read
# would, with --line-buffered too.
pieces() {
	for i in $(seq 20); do
		awk -v i="$i" 'BEGIN { for (j = 0; j < 500; j++) printf "%d %d abc\n", i, j }'
		sleep 0.01
	done
}
pieces > "$T/whole"
grep -F 7 "$T/whole" > "$T/exp"
pieces | fp --line-buffered -j 2 -b 4K -e 'grep -F 7' > "$T/out"
check_same "--line-buffered: a stream in pieces" "$T/exp" "$T/out"
wc -l < "$T/whole" | tr -d ' ' > "$T/exp"
pieces | fp --line-buffered -j 2 -e count > "$T/out"
check_same "--line-buffered: count of a stream in pieces" "$T/exp" "$T/out"

finish
