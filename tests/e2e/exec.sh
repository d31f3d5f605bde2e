#!/bin/bash
# e2e/exec.sh - the exec stage: a command run on each chunk.  Line-local
# commands give exactly the output of running them over the whole input,
# at -j 1, 2 and 4, small and automatic chunks, from a file and a pipe;
# commands that write ten times their input, that ignore it or stop
# reading it early; the environment; exec before a reducer, after one and
# between filters; failing and killed commands (exit 70, the command, its
# status, the chunk, and nothing left behind with -o); YAML.
. "$TEST_SRCDIR/lib.sh"

awk 'BEGIN {
	srand(5);
	for (i = 1; i <= 20000; i++)
		printf "u%d %d %s\n", int(rand() * 300), int(rand() * 1000), (rand() < 0.5) ? "GET" : "POST";
}' > "$T/in"

# same NAME CMD: forkpipe's exec of CMD gives what CMD gives on the whole
# input, for every job count and chunk size, from the file and a pipe.
same() {
	local name=$1 cmd=$2 spec j b
	sh -c "$cmd" < "$T/in" > "$T/exp"
	sq_v spec "$cmd"
	for j in 1 2 4; do
		# 16K: about 16 chunks, each its own command (a process
		# start costs milliseconds: 1K chunks made this test slow).
		for b in 16K 64K auto; do
			local bopt=()
			[ "$b" != auto ] && bopt=(-b "$b")
			expect_out "$name -j $j -b $b" "$T/exp" fp -j "$j" "${bopt[@]}" -e "exec $spec" "$T/in"
		done
		expect_out "$name -j $j stdin" "$T/exp" piped "$T/in" -j "$j" -b 16K -e "exec $spec"
	done
}
same "tr" "tr a-z A-Z"
same "cut" "cut -d ' ' -f 1,3"
same "awk print \$1" "awk '{ print \$1 }'"
same "sed, in a pipeline of commands" "sed 's/u/user/' | tr ' ' ','"
# ten times its input, before it has read all of it: no deadlock
same "awk that writes 10x" "awk '{ for (i = 0; i < 10; i++) print }'"

# A command that ignores its input runs once per chunk.
fp --stats -j 2 -b 16K -e 'exec "echo x"' "$T/in" > "$T/out" 2> "$T/err"
chunks=$(sed -n 's/^  chunks  *\([0-9]*\) .*/\1/p' "$T/err")
[ -n "$chunks" ] && [ "$chunks" -gt 1 ] && [ "$(grep -c '^x$' "$T/out")" = "$chunks" ] && pass ||
	fail "exec 'echo x': $(wc -l < "$T/out") lines for ${chunks:-?} chunks"
# ... as does one that stops reading: head -1 gives each chunk's first record.
fp -j 2 -b 16K -e 'exec "head -n 1"' "$T/in" > "$T/out" 2> "$T/err" && [ ! -s "$T/err" ] &&
	[ "$(wc -l < "$T/out")" = "$chunks" ] && [ "$(head -n 1 "$T/out")" = "$(head -n 1 "$T/in")" ] &&
	pass || fail "exec 'head -n 1': $(wc -l < "$T/out") lines for $chunks chunks, stderr: $(head -c 200 "$T/err")"
# ... and one that no record reaches still runs: wc -l says 0 per chunk.
fp -j 2 -b 16K -e 'grep -F NOMATCH' -e 'exec "wc -l"' "$T/in" > "$T/out"
[ "$(grep -c '^0$' "$T/out")" = "$chunks" ] && [ "$(wc -l < "$T/out")" = "$chunks" ] && pass ||
	fail "exec 'wc -l' after grep that keeps nothing: $(tr '\n' ' ' < "$T/out" | head -c 100)"
# A last record without a terminator gets one.
printf 'a\nb\n' > "$T/ab"
printf 'x\n' > "$T/exp"
expect_out "output without a final newline" "$T/exp" fp -e 'exec "printf x"' "$T/ab"

# The environment: chunk numbers in order, offsets of the chunks, the file.
fp -j 2 -b 16K -e 'exec "head -c 0; echo \$FORKPIPE_CHUNK \$FORKPIPE_OFFSET \$FORKPIPE_FILE \$FORKPIPE_WORKER"' \
	"$T/in" > "$T/env"
awk -v f="$T/in" -v n="$chunks" '
	$1 != NR - 1 { print "chunk " $1 " on line " NR; bad = 1 }
	NR == 1 && $2 != 0 { print "first offset " $2; bad = 1 }
	NR > 1 && $2 <= last { print "offset " $2 " after " last; bad = 1 }
	$3 != f { print "file " $3; bad = 1 }
	$4 !~ /^[01]$/ { print "worker " $4; bad = 1 }
	{ last = $2 }
	END { if (NR != n) { print NR " lines for " n " chunks"; bad = 1 }; exit bad }' "$T/env" > "$T/why" &&
	pass || fail "exec environment: $(head -n 3 "$T/why" | tr '\n' ';')"
# the offsets are where the chunks start: each chunk's first record is there
while read -r _ off _; do
	tail -c +$((off + 1)) "$T/in" | head -n 1
done < "$T/env" > "$T/firsts"
fp -j 2 -b 16K -e 'exec "head -n 1"' "$T/in" > "$T/out"
check_same "FORKPIPE_OFFSET is the chunk's first byte" "$T/firsts" "$T/out"

# With reducers: exec feeds one, follows one, sits between filters.
cut -d ' ' -f 3 "$T/in" | sort | uniq -c > "$T/exp"
expect_out "exec then uniq -c" "$T/exp" fp -j 2 -b 8K -e "exec 'cut -d \" \" -f 3'" -e 'uniq -c' "$T/in"
awk '{ print $1 }' "$T/in" | sort | uniq -c | sort -k1,1nr -k2,2 | head -n 5 > "$T/exp"
expect_out "uniq -c, then exec sort | head" "$T/exp" \
	fp -j 2 -e 'uniq -c -k 1' -e 'exec "sort -k1,1nr -k2,2 | head -n 5"' "$T/in"
grep POST "$T/in" | tr a-z A-Z | grep -c U9 > "$T/exp"
expect_out "grep, exec, grep, count" "$T/exp" \
	fp -j 3 -b 4K -e 'grep -F POST' -e 'exec "tr a-z A-Z"' -e 'grep -F U9' -e count "$T/in"
# --shell
printf 'x\n' | bash -c 'read -r a; echo "${a^^}"' > "$T/exp"
expect_out "--shell /bin/bash" "$T/exp" sh -c 'printf "x\n" | "$FORKPIPE" -e "exec --shell /bin/bash \"read -r a; echo \\\${a^^}\""'

# YAML
cat > "$T/job.yaml" <<'EOF'
stages:
  - exec: {command: "tr a-z A-Z"}
  - count: {}
EOF
printf '%s\n' "$(wc -l < "$T/in" | tr -d ' ')" > "$T/exp"
expect_out "YAML exec" "$T/exp" fp -c "$T/job.yaml" "$T/in"

# ---- output as it comes ---------------------------------------------------------
# A command's output is handed on as it comes, through the later stages
# and to the merger, never held whole.  One that never ends (yes) is
# ended by head: exactly its records, exit 0, and nothing of the run left.
export FP_RUN=exec-yes-$$
printf 'fp-yes-7\nfp-yes-7\nfp-yes-7\n' > "$T/exp"
FP_TIMEOUT=20 expect_out "exec yes, then head 3" "$T/exp" fp -j 2 -e 'exec "yes fp-yes-7"' -e 'head 3' "$T/in"
none_left "exec yes, then head 3" "$FP_RUN" fp-yes-7
FP_TIMEOUT=20 expect_out "exec yes, then head 3, -j 1" "$T/exp" fp -j 1 -e 'exec "yes fp-yes-7"' -e 'head 3' "$T/in"
none_left "exec yes, then head 3, -j 1" "$FP_RUN" fp-yes-7
unset FP_RUN
# head has its count with a command's last output, when the command has
# ended: in the workers, and after a reducer in the merger.
printf 'a\n' > "$T/exp"
expect_out "head sated by a command's last record" "$T/exp" fp -j 2 -b 16K -e 'exec "echo a; echo b"' -e 'head 1' "$T/in"
{ wc -l < "$T/in" | tr -d ' '; echo y; } > "$T/exp"
expect_out "head sated by a command's last record, after a reducer" "$T/exp" \
	fp -j 2 -e count -e 'exec "cat; yes | head -n 5"' -e 'head 2' "$T/in"
# 200 MB of output into count: the right count, and no process of the
# run holds anything like it (the workers' peak RSS, from --stats-json).
printf 'x\n' > "$T/one"
printf '%s\n' $((200 * 1024 * 1024 / 2)) > "$T/exp"
expect_out "200 MB of exec output, counted" "$T/exp" \
	fp --stats-json "$T/report.json" -e 'exec "yes | head -c 200M"' -e count "$T/one"
rss=$(grep -o '"max_rss_kb":[0-9]*' "$T/report.json" | cut -d: -f2 | sort -n | tail -n 1)
[ -n "$rss" ] && [ "$rss" -lt 102400 ] && pass ||
	fail "200 MB of exec output: a process of the run peaked at ${rss:-?} KiB (the output held whole?)"
# Each chunk writes more than a frame holds (several frames per chunk):
# the output is each chunk's in input order, as running the command on
# each chunk one after the other gives, whatever the job count, to a
# pipe, a file and gzip.
fp -j 2 -b 16K -e 'exec "head -c 0; echo \$FORKPIPE_CHUNK"' "$T/in" > "$T/seqs"
while read -r c; do yes "$c" | head -n 300000; done < "$T/seqs" > "$T/exp"
[ "$(wc -l < "$T/seqs")" -gt 4 ] && pass || fail "multi-frame output: only $(wc -l < "$T/seqs") chunks"
for j in 1 2 4; do
	expect_out "multi-frame output in order, -j $j" "$T/exp" \
		fp -j "$j" -b 16K -e 'exec "yes \$FORKPIPE_CHUNK | head -n 300000"' "$T/in"
done
rm -f "$T/o"
fp -j 3 -b 16K -e 'exec "yes \$FORKPIPE_CHUNK | head -n 300000"' -o "$T/o" "$T/in"
check_same "multi-frame output in order, -o" "$T/exp" "$T/o"
fp -j 3 -b 16K --gzip -e 'exec "yes \$FORKPIPE_CHUNK | head -n 300000"' "$T/in" | gzip -dc > "$T/out"
check_same "multi-frame output in order, --gzip" "$T/exp" "$T/out"
# and through a later stage, with grep keeping some of each piece
grep -v '^1' "$T/exp" > "$T/exp2"
expect_out "multi-frame output through grep" "$T/exp2" \
	fp -j 2 -b 16K -e 'exec "yes \$FORKPIPE_CHUNK | head -n 300000"' -e 'grep -v ^1' "$T/in"

# ---- failures -----------------------------------------------------------------
rm -f "$T/o"
expect_exit 70 "in: chunk 0 \\(bytes 0-[0-9]+\\): exec: 'exit 3' exited with status 3" \
	fp -j 2 -b 16K -o "$T/o" -e 'exec "exit 3"' "$T/in"
[ ! -e "$T/o" ] && pass || fail "a failed exec left its output behind"
expect_exit 70 "exec: 'kill -9 \\\$\\\$' was killed by signal 9" fp -j 2 -e 'exec "kill -9 \$\$"' "$T/in"
# only the third chunk fails: the first failure in input order is named
expect_exit 70 "chunk 2 \\(bytes [0-9]+-[0-9]+\\): exec: .* exited with status 5" \
	fp -j 2 -b 16K -e 'exec "cat; [ \$FORKPIPE_CHUNK != 2 ] || exit 5"' "$T/in"
expect_exit 70 "stdin: chunk 0 .*exec: 'false' exited with status 1" sh -c 'cat "$1" | "$FORKPIPE" -e "exec false"' sh "$T/in"
expect_exit 70 "exec: 'exit 4' exited with status 4" fp -e count -e 'exec "exit 4"' "$T/in"
expect_exit 70 "exec: '/nonexistent/cmd 2>/dev/null' exited with status 127" fp -e 'exec "/nonexistent/cmd 2>/dev/null"' "$T/in"
expect_exit 64 "exec: .*command" fp -e 'exec' "$T/in"

# --keep-going: the chunks whose command fails lose their output, the
# others are all there, in order; each failure is one line, then the
# count, and the exit status is 70.  To a pipe, a file (-o) and gzip.
FAILS='exec "cat; [ \$FORKPIPE_CHUNK != 1 ] && [ \$FORKPIPE_CHUNK != 3 ] || exit 5"'
fp -j 2 -b 16K -e 'exec "echo \$FORKPIPE_OFFSET"' "$T/in" > "$T/offs"
o1=$(sed -n 2p "$T/offs") o2=$(sed -n 3p "$T/offs") o3=$(sed -n 4p "$T/offs") o4=$(sed -n 5p "$T/offs")
{ head -c "$o1" "$T/in"; tail -c +$((o2 + 1)) "$T/in" | head -c $((o3 - o2)); tail -c +$((o4 + 1)) "$T/in"; } \
	> "$T/kept"
# keep_check NAME FILE: FILE holds what was kept; stderr and status as said
keep_check() {
	local name=$1 got=$2
	check_same "--keep-going $name: the output" "$T/kept" "$got"
	[ "$rc" = 70 ] && pass || fail "--keep-going $name: exit $rc, expected 70"
	[ "$(wc -l < "$T/err")" = 3 ] &&
		grep -q "^forkpipe: .*in: chunk 1 (bytes $o1-$o2): exec: .* exited with status 5 (output skipped: --keep-going)\$" "$T/err" &&
		grep -q "^forkpipe: .*in: chunk 3 (bytes $o3-$o4): exec: .* exited with status 5 (output skipped: --keep-going)\$" "$T/err" &&
		[ "$(tail -n 1 "$T/err")" = "forkpipe: 2 chunks skipped: a command failed on them (--keep-going)" ] &&
		pass || fail "--keep-going $name: stderr: $(head -c 600 "$T/err")"
}
fp --keep-going -j 2 -b 16K -e "$FAILS" "$T/in" 2> "$T/err" | cat > "$T/out"
rc=${PIPESTATUS[0]}
keep_check "to a pipe" "$T/out"
rm -f "$T/o"
fp --keep-going -j 2 -b 16K -e "$FAILS" -o "$T/o" "$T/in" 2> "$T/err"
rc=$?
keep_check "to a file" "$T/o"
fp --keep-going -j 3 -b 16K --gzip -e "$FAILS" "$T/in" 2> "$T/err" > "$T/o.gz"
rc=$?
gzip -dc "$T/o.gz" > "$T/out"
keep_check "--gzip" "$T/out"
grep -c . "$T/kept" > "$T/exp"
fp --keep-going -j 2 -b 16K -e "$FAILS" -e count "$T/in" 2> "$T/err" > "$T/out"
rc=$?
[ "$rc" = 70 ] && cmp -s "$T/exp" "$T/out" && pass ||
	fail "--keep-going with count: exit $rc, '$(cat "$T/out")' vs '$(cat "$T/exp")'"
# without it the first failure ends the run
expect_exit 70 "in: chunk 1 \\(bytes $o1-$o2\\): exec: .* exited with status 5\$" \
	fp -j 2 -b 16K -e "$FAILS" "$T/in"

# --keep-going holds a chunk's output until its command's status is
# known, in memory up to a few MiB and the rest in an unlinked temporary
# file under --tmpdir: 200 MB from one command all come out, no process
# of the run holds anything like it, and no file is left.
mkdir -p "$T/tmp"
printf '%s\n' $((200 * 1024 * 1024 / 2)) > "$T/exp"
fp --keep-going --tmpdir "$T/tmp" --stats-json "$T/report.json" -e 'exec "yes | head -c 200M"' "$T/one" |
	wc -l | tr -d ' ' > "$T/out"
check_same "--keep-going, 200 MB of exec output" "$T/exp" "$T/out"
rss=$(grep -o '"max_rss_kb":[0-9]*' "$T/report.json" | cut -d: -f2 | sort -n | tail -n 1)
[ -n "$rss" ] && [ "$rss" -lt 102400 ] && pass ||
	fail "--keep-going, 200 MB of exec output: a process of the run peaked at ${rss:-?} KiB (the output held whole?)"
[ -z "$(ls -A "$T/tmp")" ] && pass || fail "--keep-going left files in --tmpdir: $(ls -A "$T/tmp")"
# Chunks that each write more than memory holds: a failed command's
# output (held in the file too) is skipped, the others' come whole and
# in order, as running the command on each chunk gives; at -j 1 one
# worker reuses its file chunk after chunk.
KEEPS='exec "yes \$FORKPIPE_CHUNK | head -c 6M; cat; [ \$FORKPIPE_CHUNK != 1 ] || exit 5"'
fp -j 2 -b 64K -e 'exec "echo \$FORKPIPE_OFFSET"' "$T/in" > "$T/offs"
mapfile -t offs < "$T/offs"
offs+=("$(wc -c < "$T/in")")
[ "${#offs[@]}" -gt 3 ] && pass || fail "--keep-going spilled: only $((${#offs[@]} - 1)) chunks"
for ((i = 0; i + 1 < ${#offs[@]}; i++)); do
	[ "$i" = 1 ] && continue
	yes "$i" | head -c 6M
	tail -c +$((offs[i] + 1)) "$T/in" | head -c $((offs[i + 1] - offs[i]))
done > "$T/exp"
for j in 1 3; do
	fp --keep-going -j "$j" -b 64K --tmpdir "$T/tmp" -e "$KEEPS" "$T/in" 2> "$T/err" | cat > "$T/out"
	rc=${PIPESTATUS[0]}
	check_same "--keep-going spilled, -j $j: the output" "$T/exp" "$T/out"
	[ "$rc" = 70 ] && [ "$(wc -l < "$T/err")" = 2 ] &&
		grep -q "^forkpipe: .*in: chunk 1 (bytes ${offs[1]}-${offs[2]}): exec: .* exited with status 5 (output skipped: --keep-going)\$" "$T/err" &&
		pass || fail "--keep-going spilled, -j $j: exit $rc, stderr: $(head -c 600 "$T/err")"
done
[ -z "$(ls -A "$T/tmp")" ] && pass || fail "--keep-going left files in --tmpdir: $(ls -A "$T/tmp")"
# where the file cannot be made: 74, and -o leaves nothing
rm -f "$T/o"
expect_exit 74 "^forkpipe: --keep-going: cannot create a temporary file in $T/none: No such file or directory\$" \
	fp --keep-going --tmpdir "$T/none" -o "$T/o" -e 'exec "yes | head -c 10M"' "$T/one"
[ ! -e "$T/o" ] && pass || fail "--keep-going: a temporary file that cannot be made left -o behind"

# ---- --max-record: a command's output records ------------------------------
# A command's output record is held whole until it ends, so --max-record
# bounds it: a longer one fails the run with 65 naming the command and
# the chunk, even an endless one (no terminator ever comes); the
# command is killed and -o leaves no file.  Under --keep-going too: it
# is bad data, not a failed command.  Records up to the limit pass.
ML="an output record is longer than --max-record"
# rec N...: records of N bytes each, the newline included.
printf '%s\n' 'for n; do head -c $((n - 1)) /dev/zero | tr "\0" a; echo; done' > "$T/rec"
export FP_RUN=maxrec$$
rm -f "$T/o"
expect_exit 65 "^forkpipe: .*one: chunk 0 \\(bytes 0-2\\): exec: 'yes maxrec$$ \\| tr -dc m': $ML \\(1048576 bytes\\)\$" \
	fp --max-record 1M -o "$T/o" -e "exec 'yes maxrec$$ | tr -dc m'" "$T/one"
[ ! -e "$T/o" ] && pass || fail "an endless output record left -o behind"
none_left "an endless output record" "maxrec$$" "maxrec$$"
expect_exit 65 "^forkpipe: .*one: chunk 0 \\(bytes 0-2\\): exec: 'yes maxrec$$ \\| tr -dc m': $ML \\(1048576 bytes\\)\$" \
	fp --keep-going --max-record 1M -e "exec 'yes maxrec$$ | tr -dc m'" "$T/one"
none_left "an endless output record, --keep-going" "maxrec$$" "maxrec$$"
unset FP_RUN
sh "$T/rec" 100 1 100 99 > "$T/exp"
expect_out "output records up to --max-record" "$T/exp" \
	fp --max-record 100 -e "exec $(sq "sh $T/rec 100 1 100 99")" "$T/one"
expect_exit 65 "^forkpipe: .*in: chunk 0 \\(bytes 0-[0-9]+\\): exec: 'sh .*/rec 100 101 5': $ML \\(100 bytes\\)\$" \
	fp -j 2 -b 16K --max-record 100 -e "exec $(sq "sh $T/rec 100 101 5")" "$T/in"
expect_exit 65 "^forkpipe: .*one: chunk 0 \\(bytes 0-2\\): exec: 'head -c 100 /dev/zero': $ML \\(100 bytes\\)\$" \
	fp --max-record 100 -e "exec 'head -c 100 /dev/zero'" "$T/one"
sh "$T/rec" 10 3000000 10 > "$T/exp"
expect_out "a 3 MB output record under --max-record 3000000" "$T/exp" \
	fp --max-record 3000000 -e "exec $(sq "sh $T/rec 10 3000000 10")" "$T/one"
expect_exit 65 "^forkpipe: .*one: chunk 0 \\(bytes 0-2\\): exec: 'sh .*/rec 10 3000000 10': $ML \\(1048576 bytes\\)\$" \
	fp --max-record 1M -e "exec $(sq "sh $T/rec 10 3000000 10")" "$T/one"
# after a reducer, in the merger
expect_exit 65 "^forkpipe: exec: 'cat; head -c 3M /dev/zero': $ML \\(1048576 bytes\\)\$" \
	fp --max-record 1M -e count -e 'exec "cat; head -c 3M /dev/zero"' "$T/in"

finish
