#!/bin/bash
# e2e/pipeline.sh - forkpipe in shell pipelines: stdin from a pipe, a FIFO
# and a terminal (a pty made with script(1)); a reader that goes away
# (| head -1) ends the run quietly with status 0 and no process left
# behind, or 141 with --strict-epipe; --line-buffered writes each chunk's
# output as soon as it is released; --progress draws its bar only where
# it should (a terminal, made here with script(1)), erases it at the end
# and before an error message, and shows the records done.
. "$TEST_SRCDIR/lib.sh"

command -v script > /dev/null 2>&1 || die "reference tool 'script' (util-linux) not found"

awk 'BEGIN { for (i = 1; i <= 400000; i++) printf "line %d of the input\n", i }' > "$T/in"
# A name no other process has, to look for leftovers by.
ln -s "$T/in" "$T/in-$$-unique"
U=$T/in-$$-unique

# leftovers: 0 when no process has U on its command line (after a grace).
leftovers() {
	local i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		pgrep -f -- "$U" > /dev/null || return 0
		sleep 0.2
	done
	return 1
}

for j in 1 2 4; do
	for stage in '' "-e 'grep -F line'" "-e 'exec cat'"; do
		eval "set -- $stage"
		out=$(fp -j "$j" -b 64K "$@" "$U" 2> "$T/err" | head -n 1; echo "rc=${PIPESTATUS[0]}")
		[ "$out" = "line 1 of the input
rc=0" ] && [ ! -s "$T/err" ] && pass ||
			fail "| head -1 -j $j $stage: '$out', stderr: $(head -c 200 "$T/err")"
		leftovers && pass || fail "| head -1 -j $j $stage: a process is left behind"
	done
	out=$(fp -j "$j" --strict-epipe "$U" 2> "$T/err" | head -n 1 > /dev/null; echo "${PIPESTATUS[0]}")
	[ "$out" = 141 ] && [ ! -s "$T/err" ] && pass ||
		fail "--strict-epipe -j $j: exit $out, stderr: $(head -c 200 "$T/err")"
	leftovers && pass || fail "--strict-epipe -j $j: a process is left behind"
done
# from a pipe, too
out=$(cat "$U" | fp -j 2 2> "$T/err" | head -n 1; echo "rc=${PIPESTATUS[1]}")
[ "$out" = "line 1 of the input
rc=0" ] && [ ! -s "$T/err" ] && pass || fail "stdin | forkpipe | head -1: '$out'"

# from a FIFO
mkfifo "$T/fifo"
cat "$T/in" > "$T/fifo" &
fp -j 2 -b 64K -e 'grep -F 7' < "$T/fifo" > "$T/out"
grep -F 7 "$T/in" > "$T/exp"
check_same "stdin from a FIFO" "$T/exp" "$T/out"
wait
# from a terminal: script's pty is the command's stdin, fed what script
# reads from its own stdin, with end of file at the end (^D).  The
# terminal echoes the lines typed, so the result goes to a file.
printf 'a 1\nb 22\nc 3\nb 4\n' | script -qec "\"$FORKPIPE\" -j 2 -b 1 -e 'grep -F b' -o '$T/tty-out'; \
	echo rc=\$?; test -t 0 && echo stdin-was-a-terminal" /dev/null > "$T/tty" 2>&1
printf 'b 22\nb 4\n' > "$T/exp"
check_same "stdin from a terminal" "$T/exp" "$T/tty-out"
tr -d '\r' < "$T/tty" | grep -qx 'rc=0' && tr -d '\r' < "$T/tty" | grep -qx 'stdin-was-a-terminal' &&
	pass || fail "stdin from a terminal: $(od -c "$T/tty" | head -n 5)"
printf '1\n2\n3\n' | script -qec "\"$FORKPIPE\" -e count -o '$T/tty-out'" /dev/null > /dev/null 2>&1
[ "$(cat "$T/tty-out")" = 3 ] && pass || fail "count of stdin from a terminal: $(cat "$T/tty-out")"

# --line-buffered: the first record is out long before the input ends.
ms() { echo $(($(date +%s%N) / 1000000)); }
first_after() { # OPTION...: milliseconds until the first output line
	local t0
	t0=$(ms)
	(printf 'a\n'; sleep 3; printf 'b\n') | fp -b 1 "$@" | { read -r _; echo $(($(ms) - t0)); cat > /dev/null; }
}
t=$(first_after --line-buffered)
[ "$t" -lt 2000 ] && pass || fail "--line-buffered: the first record took $t ms"
t=$(first_after --line-buffered -e 'grep -F a')
[ "$t" -lt 2000 ] && pass || fail "--line-buffered with grep: the first record took $t ms"
# and the output is the same as without it
fp --line-buffered -j 3 -b 4K -e 'grep -F 7' "$T/in" > "$T/out"
grep -F 7 "$T/in" > "$T/exp"
check_same "--line-buffered output" "$T/exp" "$T/out"

# --progress under a terminal (script gives the command a pty).
script -qc "\"$FORKPIPE\" --progress -j 2 -b 256K -e 'grep -F 9' -e count '$T/in' -o '$T/c'" /dev/null \
	< /dev/null > "$T/tty" 2>&1
grep -c 9 "$T/in" > "$T/exp"
check_same "--progress: the result" "$T/exp" "$T/c"
grep -q '%' "$T/tty" && grep -q ' / ' "$T/tty" && grep -q 'ETA' "$T/tty" && pass ||
	fail "--progress on a terminal drew no bar: $(od -c "$T/tty" | head -n 3 | tr '\n' ' ')"
[ "$(tail -c 4 "$T/tty" | od -An -c | tr -d ' ')" = '\r033[K' ] && pass ||
	fail "--progress: the bar is not erased at the end: $(tail -c 20 "$T/tty" | od -An -c)"
# not drawn when stderr is not a terminal, drawn with =always
fp --progress -e count "$T/in" > /dev/null 2> "$T/err"
[ ! -s "$T/err" ] && pass || fail "--progress wrote to a stderr that is not a terminal"
fp --progress=always -b 256K -e 'grep -F 9' -e count "$T/in" > /dev/null 2> "$T/err"
grep -q 'ETA' "$T/err" && pass || fail "--progress=always drew nothing"
# output on the same terminal: see progress.sh
# an error message starts on a clean line
printf 'a 1\nb x\n' > "$T/bad"
script -qc "\"$FORKPIPE\" --progress=always -e 'group sum:2' '$T/bad' -o '$T/o'" /dev/null < /dev/null > "$T/tty" 2>&1
tr -d '\r' < "$T/tty" | sed 's/.*\x1b\[K//' | grep -q "^forkpipe: $T/bad: group: sum:2: invalid numeric value in record 2 at byte offset 4" && pass ||
	fail "--progress: the error message is not on a line of its own: $(od -c "$T/tty" | head -n 4)"
expect_exit 64 "--progress: expected 'always' or 'auto', not 'x'" fp --progress=x "$T/in"

# The bar shows the records done and their rate: with records of 20
# bytes, the records shown are a twentieth of the bytes (within the
# rounding of each to a tenth of its unit), never more than the input
# holds.
awk 'BEGIN { for (i = 1; i <= 400000; i++) printf "%019d\n", i }' > "$T/fixed"
check_records_drawn() { # NAME FILE
	tr '\r' '\n' < "$2" | awk '
	function val(s, u) { m = 1
		if (s ~ /k$/ || u ~ /^k/) m = 1e3; if (s ~ /M$/ || u ~ /^M/) m = 1e6
		sub(/[kM]$/, "", s); return s * m }
	/ records  .* rec\/s / { for (i = 1; i <= NF; i++) if ($i == "records") r = val($(i - 1), "")
		slack = 0.06 * m * 20	# each figure is rounded to a tenth of its unit
		b = $1 ~ /^\[/ ? val($3, $4) : val($1, $2)
		slack += 0.06 * m
		n++
		if (r > 400000 || r * 20 - b > slack || b - r * 20 > slack) bad = bad " [" $0 "]" }
	END { if (n < 2 || bad != "") { print n " lines drawn" bad; exit 1 } }' > "$T/why" && pass ||
		fail "$1: records on the bar: $(head -c 600 "$T/why")"
}
script -qc "\"$FORKPIPE\" --progress -j 2 -b 512K -e 'exec \"sleep 0.1; cat\"' -e count '$T/fixed' -o '$T/c'" \
	/dev/null < /dev/null > "$T/tty" 2>&1
check_text "--progress with records: the result" 400000 "$T/c"
check_records_drawn "--progress on a terminal" "$T/tty"
# from a stream, whose size is unknown
cat "$T/fixed" | fp --progress=always -j 2 -b 512K -e 'exec "sleep 0.1; cat"' -e count > "$T/c" 2> "$T/err"
check_records_drawn "--progress=always from a pipe" "$T/err"

finish
