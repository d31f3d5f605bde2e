#!/usr/bin/env bash
# bench/safety.sh - what forkpipe's safety costs: -o (a temporary file,
# fsync, rename) against stdout redirected to a file, and a run in which
# a worker is killed every second against a clean run.
#
# Run by `make bench` or `make bench-safety`, or by hand from the build
# directory:
#   FORKPIPE=src/forkpipe GENLOG=bench/genlog bash bench/safety.sh
#
# Environment: FORKPIPE, BENCH_SIZE, BENCH_RUNS, BENCH_DIR (bench/lib.sh),
# GENLOG (as bench/run.sh).

if [ -z "${BASH_VERSION:-}" ]; then
	if command -v bash > /dev/null 2>&1; then
		exec bash "$0" "$@"
	fi
	echo "bench/safety.sh: bash is required" >&2
	exit 1
fi

set -u
set -o pipefail
export LC_ALL=C

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 1

GENLOG=${GENLOG:-./bench/genlog}
AWK_SUM='{ s[$9] += $10 } END { for (k in s) print k, s[k] }'

bench_setup
LABEL_W=52
[ -x "$FORKPIPE" ] || die "no forkpipe at $FORKPIPE (build it first, or set FORKPIPE)"
clean_outputs so sk
LOG=$BENCH_DIR/access.log
OUT=$BENCH_DIR/safety.o
need_generator GENLOG genlog
cache_input "$LOG" "$BENCH_SIZE" "$GENLOG"
install_missing mawk:mawk
AWK=awk
have mawk && AWK=mawk

print_machine "forkpipe safety benchmark"
print_input "$LOG"
echo

# (a) The matching lines into a file: -o writes a temporary file beside
# it, fsyncs it and renames it into place; > FILE does none of that.
so_fpN() { "$FORKPIPE" -j"$N" -e 'grep -F " 404 "' "$LOG" -o "$OUT" && cat "$OUT"; }
so_fp1() { "$FORKPIPE" -j1 -e 'grep -F " 404 "' "$LOG" -o "$OUT" && cat "$OUT"; }
so_ref() { "$FORKPIPE" -j"$N" -e 'grep -F " 404 "' "$LOG"; }

# (b) A CPU-bound exec stage, with a worker killed with SIGKILL every
# second from outside; the output must not change.
SK_ARGS=(-b 16M -e "exec \"$AWK '$AWK_SUM'\"" -e 'group -k 1 sum:2' "$LOG")
sk_fpN() {
	local pid killer rc
	# forkpipe itself in the background (not a function's subshell), so
	# that its workers are its children.
	"$FORKPIPE" -j"$N" "${SK_ARGS[@]}" &
	pid=$!
	(
		while sleep 1; do
			w=$(pgrep -P "$pid" -x forkpipe-worker | shuf -n 1)
			[ -n "$w" ] || break
			kill -9 "$w" 2> /dev/null && echo killed >> "$BENCH_DIR/sk.kills"
		done
	) &
	killer=$!
	wait "$pid"
	rc=$?
	kill "$killer" 2> /dev/null
	wait "$killer" 2> /dev/null
	return "$rc"
}
sk_ref() { "$FORKPIPE" -j"$N" "${SK_ARGS[@]}"; }

print_legend
echo

add_tool fpN "forkpipe -j$N grep -F ' 404 ' -o FILE (fsync, rename)" so_fpN
add_tool fp1 "forkpipe -j1 grep -F ' 404 ' -o FILE" so_fp1
add_tool ref "forkpipe -j$N grep -F ' 404 ' > FILE" so_ref
run_case "(a) -o FILE against stdout into a file (cat of the result included in both)" lines "$LOG"

rm -f "$BENCH_DIR/sk.kills"
add_tool fpN "forkpipe -j$N exec $AWK | group, a worker killed every second" sk_fpN
add_tool ref "forkpipe -j$N exec $AWK | group, clean" sk_ref
run_case "(b) workers killed every second against a clean run" lines "$LOG"
echo "   workers killed in all (b) runs: $(cat "$BENCH_DIR/sk.kills" 2> /dev/null | wc -l)"
rm -f "$OUT"
