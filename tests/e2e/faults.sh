#!/bin/bash
# e2e/faults.sh - a run either completes or fails cleanly: workers killed
# from outside (found as forkpipe's children, no test hook in the engine)
# are replaced and the output is the same as a clean run's; a chunk that
# kills its worker every time ends the run with 70 after --retries;
# --chunk-timeout, --timeout, --max-memory-per-worker; SIGINT, SIGTERM
# and SIGHUP stop everything and remove the temporary output; the
# supervisor's death (SIGKILL) takes every process of the run with it,
# running, stopped or decompressing; --lock; write errors.
. "$TEST_SRCDIR/lib.sh"

command -v pgrep > /dev/null 2>&1 || die "reference tool 'pgrep' (procps) not found"
command -v flock > /dev/null 2>&1 || die "reference tool 'flock' (util-linux) not found"

awk 'BEGIN { for (i = 1; i <= 150000; i++) printf "%d k%d %d.%d\n", i, i % 37, i * 7, i % 10 }' > "$T/in"

# alive PID...: the processes among PID that are alive (not zombies).
alive() {
	local p st
	for p in "$@"; do
		st=$(awk '/^State:/ { print $2 }' "/proc/$p/status" 2>/dev/null)
		[ -n "$st" ] && [ "$st" != Z ] && echo "$p"
	done
}

# nothing_written NAME FILE: neither FILE nor a temporary file for it.
nothing_written() {
	local d b
	d=$(dirname "$2")
	b=$(basename "$2")
	if [ -e "$2" ] || ls -A "$d" | grep -q "^\.$b\.forkpipe-"; then
		fail "$1: $2 or a temporary file for it exists: $(ls -A "$d" | tr '\n' ' ')"
	else
		pass
	fi
}

# gone NAME PATTERN: no live process has PATTERN on its command line.
gone() {
	local left
	left=$(alive $(pgrep -f -- "$2"))
	[ -z "$left" ] && pass || fail "$1: left behind: $(ps -o pid=,args= -p "$(echo $left | tr ' ' ,)")"
}

EXE=$(readlink -f "$FORKPIPE")

# session_procs SID [exe]: the live processes of session SID (with exe:
# only those running the binary under test).
session_procs() {
	local p
	# /proc/PID/stat: pid (comm) state ppid pgrp session ...
	# (cat, not awk FILES: mawk stops at a process that has just ended)
	for p in $(cat /proc/[0-9]*/stat 2> /dev/null |
	    awk -v sid="$1" '{ pid = $1; sub(/.*\) /, ""); if ($4 == sid && $1 != "Z") print pid }'); do
		[ "${2:-}" = exe ] && [ "$(readlink "/proc/$p/exe" 2> /dev/null)" != "$EXE" ] && continue
		echo "$p"
	done
}

# workers_of PID: the workers of forkpipe PID (its children running the
# binary, not a command's process between fork and exec).
workers_of() {
	local p
	for p in $(pgrep -P "$1"); do
		[ "$(readlink "/proc/$p/exe" 2> /dev/null)" = "$EXE" ] && echo "$p"
	done
}

# killer PID N: kill a random worker of forkpipe PID with SIGKILL, N times,
# every 0.3 s, while it runs; prints how many it killed.
killer() {
	local pid=$1 n=$2 k=0 w
	for _ in $(seq "$n"); do
		sleep 0.3
		w=$(pgrep -P "$pid" -x forkpipe-worker | shuf -n 1)
		[ -n "$w" ] && kill -9 "$w" 2> /dev/null && k=$((k + 1))
	done
	echo "$k"
}

# bg ARGS...: forkpipe in the background, itself (no timeout wrapper:
# signals and pgrep -P must reach it), with its stdin from $BG_IN.
bg() {
	"$FORKPIPE" "$@" < "${BG_IN:-/dev/null}" &
	BG=$!
}

# faulty NAME ARGS...: a run with workers killed under it gives the bytes
# of a clean run, exit 0, and a warning for each chunk processed again.
# The exec stage that sleeps keeps the run going long enough to be hit.
faulty() {
	local name=$1 kills rc
	shift
	fp "$@" < "${BG_IN:-/dev/null}" > "$T/clean" 2> "$T/clean.err" ||
		fail "$name: the clean run failed: $(head -c 300 "$T/clean.err")"
	bg "$@" > "$T/hit" 2> "$T/hit.err"
	kills=$(killer "$BG" 3)
	wait "$BG"
	rc=$?
	[ "$rc" = 0 ] && pass || fail "$name: exit $rc with workers killed: $(head -c 300 "$T/hit.err")"
	check_same "$name: output with $kills workers killed" "$T/clean" "$T/hit"
	[ "$kills" -gt 0 ] && pass || fail "$name: no worker was there to kill"
	grep -v '^forkpipe: warning: worker [0-9]* (pid [0-9]*) was killed by signal 9 (Killed) while processing .* bytes [0-9]*-[0-9]*; processing them again (attempt [23] of 3)$' \
		"$T/hit.err" > "$T/other.err"
	check_empty "$name: stderr holds only the retry warnings" "$T/other.err"
}

SLOW='exec "sleep 0.05; cat"'
faulty "map to stdout" -j 2 -b 64K -e "$SLOW" -e 'grep -F 7' "$T/in"
BG_IN=$T/in faulty "map from stdin" -j 3 -b 64K -e "$SLOW" -e 'cut -f 1,3' -
faulty "group" -j 2 -b 64K -e "$SLOW" -e 'group -k 2 count sum:3 first:1 last:1' "$T/in"
faulty "sort" -j 2 -b 64K -e "$SLOW" -e 'sort -k 2,2 -k 3,3nr' "$T/in"
faulty "uniq -c and head after it" -j 2 -b 64K -e "$SLOW" -e 'uniq -c -k 2' -e 'sort -k1,1nr -k2,2' -e 'head 5' "$T/in"
faulty "gzip output" -j 2 -b 64K --gzip -e "$SLOW" "$T/in"
faulty "--unordered count" -j 2 -b 64K --unordered -e "$SLOW" -e count "$T/in"
faulty "grep -n -o: numbers across re-run chunks" -j 2 -b 64K -e "$SLOW" -e 'grep -n -o "7+"' "$T/in"

# Output placed by the workers themselves (-o, a regular file).
fp -j 2 -b 64K -e "$SLOW" -e 'grep -F 3' "$T/in" -o "$T/clean"
bg -j 2 -b 64K -e "$SLOW" -e 'grep -F 3' "$T/in" -o "$T/hit" 2> "$T/hit.err"
kills=$(killer "$BG" 3)
wait "$BG" && pass || fail "-o with workers killed: $(head -c 300 "$T/hit.err")"
check_same "-o with $kills workers killed" "$T/clean" "$T/hit"

# A chunk that kills its worker every time: 70 after --retries, naming the
# chunk's file and byte range; nothing written.
KILLER='exec "if [ \$FORKPIPE_CHUNK = 2 ]; then kill -9 \$PPID; fi; cat"'
expect_exit 70 "^forkpipe: .*/in: chunk 2 \\(bytes [0-9]+-[0-9]+\\): its worker was killed by signal 9 \\(Killed\\), 1 time \\(--retries 0\\)\$" \
	fp --retries 0 -j 2 -b 64K -e "$KILLER" "$T/in" -o "$T/never"
nothing_written "--retries 0: no output file" "$T/never"
fp -j 2 -b 64K -e "$KILLER" "$T/in" -o "$T/never" 2> "$T/err"
check_rc "default retries: the chunk that always kills" 70 $?
[ "$(grep -c 'warning: worker .* processing them again (attempt [23] of 3)$' "$T/err")" = 2 ] &&
	tail -n 1 "$T/err" | grep -q 'chunk 2 (bytes [0-9]*-[0-9]*): its worker was killed by signal 9 (Killed), 3 times (--retries 2)$' &&
	[ "$(wc -l < "$T/err")" = 3 ] && pass || fail "default retries: stderr: $(cat "$T/err")"
nothing_written "after the retries: no output file" "$T/never"
expect_exit 64 "--retries: invalid number 'x' \\(expected 0 to 100\\)" fp --retries x "$T/in"

# --chunk-timeout: a chunk that hangs once is retried and the run completes;
# one that hangs every time fails the run.
HANG='exec "if [ \$FORKPIPE_CHUNK = 3 ] && mkdir '"$T"'/hung 2>/dev/null; then sleep 59.7; fi; cat"'
fp --chunk-timeout 1 -j 2 -b 64K -e "$HANG" -e 'grep -F 9' "$T/in" > "$T/out" 2> "$T/err"
check_rc "--chunk-timeout: a chunk that hangs once" 0 $?
grep -F 9 "$T/in" > "$T/exp"
check_same "--chunk-timeout: the output" "$T/exp" "$T/out"
grep -q 'warning: worker [0-9]* (pid [0-9]*) took longer than --chunk-timeout 1s while processing' "$T/err" &&
	pass || fail "--chunk-timeout: no warning: $(cat "$T/err")"
expect_exit 70 "chunk 1 \\(bytes [0-9]+-[0-9]+\\): its worker took longer than --chunk-timeout 0.5s, 1 time \\(--retries 0\\)\$" \
	fp --chunk-timeout 500ms --retries 0 -j 2 -b 64K -e 'exec "if [ \$FORKPIPE_CHUNK = 1 ]; then sleep 59.8; fi; cat"' "$T/in"
# the hung commands went with their workers
sleep 0.5
gone "--chunk-timeout: the command of the stopped worker" 'sleep 59.[78]'
expect_exit 64 "--chunk-timeout: invalid duration '0'" fp --chunk-timeout 0 "$T/in"
expect_exit 64 "--chunk-timeout: invalid duration '5x'" fp --chunk-timeout 5x "$T/in"

# --stall-warning: a worker silent on a chunk that long is named on
# stderr, again as the silence doubles, and in --stats-interval lines; a
# stopped one (SIGSTOP) is continued, so the run ends instead of hanging.
setsid "$FORKPIPE" --stall-warning 300ms -j 2 -b 64K -e "$SLOW" -e 'grep -F 7' "$T/in" > "$T/out" 2> "$T/err" &
SID=$!
for _ in $(seq 250); do
	w=$(workers_of "$SID" | head -n 1)
	[ -n "$w" ] && break
	sleep 0.02
done
kill -STOP $w
for _ in $(seq 1000); do
	kill -0 "$SID" 2> /dev/null || break
	sleep 0.02
done
kill -9 "$SID" 2> /dev/null && fail "--stall-warning: a stopped worker hangs the run"
wait "$SID"
check_rc "--stall-warning: a stopped worker" 0 $? "$T/err"
grep -F 7 "$T/in" > "$T/exp"
check_same "--stall-warning: the output with a worker stopped" "$T/exp" "$T/out"
grep -q "^forkpipe: warning: worker [01] (pid $w) has made no progress for 0.3 s while processing .*/in bytes [0-9]*-[0-9]*: it is stopped (SIGSTOP); continuing it (SIGCONT)\$" "$T/err" &&
	[ "$(wc -l < "$T/err")" = 1 ] && pass || fail "--stall-warning: a stopped worker: stderr: $(cat "$T/err")"
head -n 3 "$T/in" > "$T/small"
fp --stall-warning 300ms --stats-interval 200ms -e 'exec "sleep 1.3; cat"' "$T/small" > "$T/out" 2> "$T/err"
check_rc "--stall-warning: a slow command" 0 $? "$T/err"
check_same "--stall-warning: a slow command's output" "$T/small" "$T/out"
grep -v '^{' "$T/err" > "$T/warn"
printf 'forkpipe: warning: worker 0 (pid P) has made no progress for %s s while processing F bytes 0-%s\n' \
	0.3 "$(wc -c < "$T/small")" 0.6 "$(wc -c < "$T/small")" 1.2 "$(wc -c < "$T/small")" > "$T/exp"
sed -e 's/(pid [0-9]*)/(pid P)/' -e 's/processing .*\/small bytes/processing F bytes/' "$T/warn" > "$T/got"
check_same "--stall-warning: warnings as the silence doubles" "$T/exp" "$T/got"
grep -q '"stalled_workers":\[{"worker":0,"pid":[0-9]*,"seconds":[0-9.]*,"stopped":false}\]' "$T/err" &&
	grep -q '"stalled_workers":\[\]' "$T/err" && pass ||
	fail "--stall-warning: no stalled worker in the interval lines: $(cat "$T/err")"
fp --stall-warning 0 -e 'exec "sleep 0.5; cat"' "$T/small" > "$T/out" 2> "$T/err"
check_empty "--stall-warning 0: no warning" "$T/err"
expect_exit 64 "^forkpipe: --stall-warning: invalid duration 'x' \\(expected e.g. 30, 1.5s, 500ms, 10m, 2h\\)\$" fp --stall-warning x "$T/in"

# --timeout: 124, nothing written.
expect_exit 124 "^forkpipe: the run took longer than --timeout 0.5s\$" \
	fp --timeout 0.5 -j 2 -e 'exec "sleep 30; cat"' "$T/in" -o "$T/never"
nothing_written "--timeout: no output file" "$T/never"
expect_exit 124 "--timeout 1s" fp --timeout 1s -j 2 -b 64K -e "$SLOW" -e 'sort -k3,3n' "$T/in" -o "$T/never"

# --max-memory-per-worker: a record too big for the limit fails its chunk
# (70 after the retries), a limit with room changes nothing.
{ head -c 48000000 /dev/zero | tr '\0' x; echo; head -n 1000 "$T/in"; } > "$T/huge"
fp --max-memory-per-worker 1G -j 2 -e 'grep -F 7' "$T/huge" > "$T/out"
grep -F 7 "$T/huge" > "$T/exp"
check_same "--max-memory-per-worker with room" "$T/exp" "$T/out"
fp --max-memory-per-worker 32M --retries 1 -j 2 -e 'grep -F 7' "$T/huge" -o "$T/never" 2> "$T/err"
rc=$?
if grep -q 'not enforced in a build with AddressSanitizer' "$T/err"; then
	# documented: the sanitizers' address space cannot be limited
	check_rc "--max-memory-per-worker under AddressSanitizer" 0 $rc
	rm -f "$T/never"	# the run succeeded: later checks need it absent
else
	check_rc "--max-memory-per-worker exceeded" 70 $rc
	tail -n 1 "$T/err" | grep -q '^forkpipe: .*/huge: chunk 0 (bytes 0-48000001): its worker ran out of memory (--max-memory-per-worker), 2 times (--retries 1)$' &&
		pass || fail "--max-memory-per-worker: $(cat "$T/err")"
	nothing_written "--max-memory-per-worker: no output file" "$T/never"
fi
expect_exit 64 "--max-memory-per-worker: invalid size '1M'" fp --max-memory-per-worker 1M "$T/in"

# Signals: 128+N, the temporary output removed, no process left behind
# (the commands of exec stages included).
for sig in INT TERM HUP; do
	bg -j 2 -b 64K -e 'exec "sleep 0.2; cat"' -e 'exec "sleep 59.6; cat"' "$T/in" -o "$T/sig.out" 2> "$T/err"
	pid=$BG
	sleep 0.6
	kids=$(pgrep -P "$pid")
	kill -"$sig" "$pid"
	wait "$pid"
	rc=$?
	case $sig in INT) want=130 ;; TERM) want=143 ;; HUP) want=129 ;; esac
	check_rc "SIG$sig" "$want" "$rc"
	check_empty "SIG$sig: nothing on stderr" "$T/err"
	ls -a "$T" | grep -q 'sig.out' && fail "SIG$sig: an output file is left: $(ls -a "$T")" || pass
	sleep 0.3
	[ -z "$(alive $kids)" ] && pass || fail "SIG$sig: workers left: $(alive $kids)"
	gone "SIG$sig: the commands" 'sleep 59.6'
done
# a signal while the stages after a reducer run (the merger's last phase)
bg -j 2 -e 'exec "cat"' -e count -e 'exec "sleep 59.4"' "$T/in" -o "$T/sig.out"
pid=$BG
for _ in $(seq 100); do
	pgrep -f -x 'sleep 59.4' > /dev/null && break
	sleep 0.1
done
kill -TERM "$pid"
wait "$pid"
check_rc "SIGTERM in the last phase" 143 $?
ls -a "$T" | grep -q 'sig.out' && fail "SIGTERM in the last phase: an output file is left" || pass
gone "SIGTERM in the last phase: the command" 'sleep 59.4'

# The supervisor killed outright: every process of the run follows at
# once, whatever it was doing (running, stopped, in an exec command,
# decompressing).  The run gets a session of its own, so that its
# processes are found after they lose their parent: those whose
# /proc/PID/exe is the binary, and, for the commands, any process of the
# session.
# supervisor_death NAME N STOP ARGS...: forkpipe ARGS in a session of
# its own; once N of its processes run (and, with STOP=stop, its workers
# are stopped), SIGKILL it; nothing of the run may be left 100 ms later
# (it takes a few milliseconds; what is left is then killed, so that a
# failure leaves nothing behind).
supervisor_death() {
	local name=$1 n=$2 stop=$3 left i
	shift 3
	# (stdin given explicitly: a background job's is /dev/null otherwise)
	setsid "$FORKPIPE" "$@" <&0 > /dev/null 2> "$T/death.err" &
	SID=$!
	for i in $(seq 250); do
		[ "$(session_procs "$SID" exe | wc -l)" -ge "$n" ] && break
		sleep 0.02
	done
	[ "$(session_procs "$SID" exe | wc -l)" -ge "$n" ] ||
		fail "supervisor killed $name: fewer than $n processes: $(session_procs "$SID" exe)"
	[ "$stop" = stop ] && kill -STOP $(workers_of "$SID")
	sleep 0.1
	kill -9 "$SID"
	wait "$SID" 2> /dev/null
	sleep 0.1
	left=$(session_procs "$SID")
	[ -z "$left" ] && pass ||
		fail "supervisor killed $name: left 100 ms later: $(ps -o pid=,stat=,args= -p "$(echo $left | tr ' ' ,)")"
	for i in $(seq 50); do
		[ -z "$left" ] && break
		sleep 0.02
		left=$(session_procs "$SID")
	done
	kill -9 $left 2> /dev/null
	check_empty "supervisor killed $name: stderr" "$T/death.err"
}
gzip -c "$T/in" > "$T/in.gz"
supervisor_death "while its workers run" 3 run -j 2 -b 64K -e 'grep -F 7' -e 'cut -f 2' - < <(while cat "$T/in" 2> /dev/null; do :; done)
supervisor_death "with its workers stopped" 3 stop -j 2 -b 64K -e 'grep -F 7' - < <(while cat "$T/in" 2> /dev/null; do :; done)
supervisor_death "while exec commands run" 3 run -j 2 -b 64K -e 'exec "sleep 59.5; cat"' "$T/in"
supervisor_death "with its workers stopped in exec commands" 3 stop -j 2 -b 64K -e 'exec "sleep 59.5; cat"' "$T/in"
supervisor_death "while it decompresses stdin" 4 run -j 2 -b 64K -e "$SLOW" - < "$T/in.gz"
supervisor_death "while it decompresses a file" 4 stop -j 2 -b 64K -e "$SLOW" "$T/in.gz"
gone "supervisor killed: the commands of its workers" 'sleep 59.5'

# cmds_of PID...: the processes of the commands the worker PID runs
# (its children but the guards, and theirs: sh and its sleep).
cmds_of() {
	local p c
	for p in "$@"; do
		for c in $(pgrep -P "$p"); do
			echo "$c"
			pgrep -P "$c"
		done
	done
}

# A worker killed outright while its command runs: the command's whole
# group (sh and the sleep it started) goes with it, before the chunk runs
# again; a SIGTERM to the supervisor then ends the run, and no process
# of it is left.  The processes are found by /proc/PID/exe and by the
# command line's sleep (see run_left), not by name.
export FP_RUN=faults-exec-$$
bg -j 2 -e 'exec "sleep 1053; cat"' -e count "$T/in" > /dev/null 2> "$T/err"
pid=$BG
for _ in $(seq 100); do
	[ "$(run_left "$FP_RUN" 'sleep 1053' | xargs -r ps -o args= -p | grep -c '^sleep 1053$')" -ge 2 ] && break
	sleep 0.1
done
w=$(pgrep -P "$pid" -x forkpipe-worker | head -n 1)
old=$(cmds_of "$w")
kill -9 "$w"
for _ in $(seq 20); do
	[ -z "$(alive $old)" ] && break
	sleep 0.1
done
[ -n "$old" ] && [ -z "$(alive $old)" ] && pass ||
	fail "a worker killed: its command left running: $(alive $old) (its commands were: '$old')"
sleep 0.3
kill -TERM "$pid"
wait "$pid"
check_rc "a worker killed, then SIGTERM" 143 $?
none_left "a worker killed, then SIGTERM" "$FP_RUN" 'sleep 1053'
# Every worker killed outright at once with the supervisor (none can stop
# its commands): the commands' guards kill their groups.
export FP_RUN=faults-exec-all-$$
bg -j 2 -e 'exec "sleep 1054; cat"' -e count "$T/in" > /dev/null 2> "$T/err"
pid=$BG
for _ in $(seq 100); do
	[ "$(run_left "$FP_RUN" 'sleep 1054' | xargs -r ps -o args= -p | grep -c '^sleep 1054$')" -ge 2 ] && break
	sleep 0.1
done
kill -9 "$pid" $(pgrep -P "$pid" -x forkpipe-worker)
wait "$pid" 2> /dev/null
none_left "the supervisor and its workers killed" "$FP_RUN" 'sleep 1054'
unset FP_RUN

# A worker dies after part of its chunk's output was written, and its
# command writes something else when the chunk runs again: the run fails
# rather than splice two outputs (the bytes already written are checked
# against the re-run's, not written twice).
VARY='exec "echo \$\$; cat; if [ \$FORKPIPE_CHUNK = 0 ] && mkdir '"$T"'/varied 2>/dev/null; then sleep 0.5; kill -9 \$PPID; fi"'
fp -j 2 -b 256K -e "$VARY" "$T/in" -o "$T/never" 2> "$T/err"
check_rc "a command whose output varies, re-run" 70 $? "$T/err"
[ "$(wc -l < "$T/err")" = 2 ] && grep -q '^forkpipe: warning: worker [0-9]* (pid [0-9]*) was killed by signal 9 .* processing them again (attempt 2 of 3)$' "$T/err" &&
	[ "$(tail -n 1 "$T/err")" = "forkpipe: chunk 0: its output changed when it was processed again after its worker died (a command whose output varies?)" ] &&
	pass || fail "a command whose output varies: stderr: $(cat "$T/err")"
nothing_written "a command whose output varies: no output file" "$T/never"

# lock_held FILE: whether a process holds a lock on FILE, seen in
# /proc/locks (probing with flock -n would take the lock for an instant,
# and a run starting then would find it held).
lock_held() {
	local ino
	ino=$(stat -c %i "$1") || return 1
	awk -v ino="$ino" '{ n = split($6, f, ":"); if (f[n] == ino) found = 1 } END { exit !found }' /proc/locks
}

# --lock: 75 while another run holds it, naming it; --lock-wait waits.
# The holder keeps the lock until it is told to let go (killed).
( flock -x 9; exec sleep 59.3 ) 9> "$T/lk" &
lockpid=$!
for _ in $(seq 100); do
	lock_held "$T/lk" && break
	sleep 0.1
done
expect_exit 75 "^forkpipe: --lock: .*/lk: held by another run\$" fp --lock "$T/lk" -e count "$T/in" -o "$T/never"
nothing_written "--lock held: no output file" "$T/never"
expect_exit 75 "still held by another run after --lock-wait 0.3s" fp --lock "$T/lk" --lock-wait 300ms -e count "$T/in"
bg --lock "$T/lk" --lock-wait 30 -e count "$T/in" > "$T/out"
sleep 0.5
kill "$lockpid"
wait "$BG"
check_rc "--lock-wait until the other run lets go" 0 $?
wc -l < "$T/in" | tr -d ' ' > "$T/exp"
check_same "--lock-wait: the result" "$T/exp" "$T/out"
# two forkpipe runs at once: one runs, the other is refused
bg --lock "$T/lk" -e 'exec "sleep 3; cat"' -e count "$T/in" > "$T/out"
first=$BG
for _ in $(seq 100); do
	lock_held "$T/lk" && break
	sleep 0.1
done
expect_exit 75 "held by another run" fp --lock "$T/lk" -e count "$T/in"
wait "$first"
check_rc "the run holding the lock" 0 $?
expect_exit 73 "^forkpipe: --lock: $T/no/lk: No such file or directory\$" fp --lock "$T/no/lk" "$T/in"

# Write errors: 74, nothing half-written.
expect_exit 74 "stdout: write error: No space left on device" -- sh -c '"$1" -e "grep -F 1" "$2" > /dev/full' sh "$FORKPIPE" "$T/in"
expect_exit 74 "/dev/full: write error: No space left on device" fp -e 'grep -F 1' "$T/in" -o /dev/full
mkdir "$T/ro" && chmod 555 "$T/ro"
if [ "$(id -u)" != 0 ]; then
	expect_exit 73 "ro/out: cannot create: Permission denied" fp "$T/in" -o "$T/ro/out"
fi
# an input truncated while it is read: 74, naming it and the offset
cp "$T/in" "$T/shrink"
bg -j 2 -b 64K -e "$SLOW" "$T/shrink" -o "$T/never" 2> "$T/err"
sleep 0.5
truncate -s 100000 "$T/shrink"
wait "$BG"
check_rc "an input truncated while read" 74 $? "$T/err"
grep -q "^forkpipe: .*/shrink: file shrank while being read (offset [0-9]*)$" "$T/err" && [ "$(wc -l < "$T/err")" = 1 ] &&
	pass || fail "an input truncated while read: $(cat "$T/err")"
nothing_written "an input truncated while read" "$T/never"
# an earlier output stays as it was when a run fails
echo "precious" > "$T/keep"
fp --retries 0 -j 2 -b 64K -e "$KILLER" "$T/in" -o "$T/keep" 2> /dev/null
[ "$(cat "$T/keep")" = precious ] && pass || fail "a failed run changed the earlier output"
# a new output gets the mode a shell redirection gives it
(umask 027; fp -e count "$T/in" -o "$T/mode1")
[ "$(stat -c %a "$T/mode1")" = 640 ] && pass || fail "-o with umask 027: mode $(stat -c %a "$T/mode1")"
(umask 022; fp -e count "$T/in" -o "$T/mode2")
[ "$(stat -c %a "$T/mode2")" = 644 ] && pass || fail "-o with umask 022: mode $(stat -c %a "$T/mode2")"
# an existing file keeps its mode, as with a shell redirection
chmod 604 "$T/mode2"
fp -e 'head 1' "$T/in" -o "$T/mode2"
[ "$(stat -c %a "$T/mode2")" = 604 ] && [ "$(cat "$T/mode2")" = "$(head -n 1 "$T/in")" ] && pass ||
	fail "-o over a file of mode 604: mode $(stat -c %a "$T/mode2")"
# the supervisor killed outright leaves no temporary file (O_TMPFILE)
# where the file system has it (tmpfs and ext4 do)
mkdir "$T/k"
bg -j 2 -b 64K -e "$SLOW" "$T/in" -o "$T/k/out"
sleep 0.6
kill -9 "$BG"
wait "$BG" 2> /dev/null
check_dir_listing "SIGKILL of forkpipe -o: nothing left" "$T/k"

finish
