#!/usr/bin/env bash
# bench/shard.sh - what --shard costs: one run over the synthetic log
# against the same work cut into 4 shards (as 4 tasks of a job array
# would run it) and merged.
#
# Run by `make bench-shard` (and by `make bench`), or by hand from the
# build directory:
#   FORKPIPE=src/forkpipe GENLOG=bench/genlog BENCH_SIZE=200M bash bench/shard.sh
#
# Environment: as bench/run.sh (GENLOG, and FORKPIPE, BENCH_SIZE,
# BENCH_RUNS, BENCH_DIR of bench/lib.sh).
#
# The cases, on a BENCH_SIZE access log: (a) requests per status (group,
# a reducer: the shards write partial files, then forkpipe merge); (b)
# the lines holding " 404 " (map only: the shards' outputs concatenated).
# The shards run one after the other at -jN, or N at a time at -j1 (one
# core each, as on N machines of one core); both are checked against the
# single run.  Last, one shard alone: the time a task of a 4-task array
# takes, against the single run.

if [ -z "${BASH_VERSION:-}" ]; then
	if command -v bash > /dev/null 2>&1; then
		exec bash "$0" "$@"
	fi
	echo "bench/shard.sh: bash is required" >&2
	exit 1
fi

set -u
set -o pipefail
export LC_ALL=C

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 1

GENLOG=${GENLOG:-./bench/genlog}
SHARDS=4
GROUP='group -k 9 count'
LIT=' 404 '

bench_setup
LABEL_W=52
[ -x "$FORKPIPE" ] || die "no forkpipe at $FORKPIPE (build it first, or set FORKPIPE)"
clean_outputs sg sl
LOG=$BENCH_DIR/access.log
PARTS=$BENCH_DIR/shard-parts
need_generator GENLOG genlog
cache_input "$LOG" "$BENCH_SIZE" "$GENLOG"
mkdir -p "$PARTS" || die "cannot create $PARTS"

print_machine "forkpipe shard benchmark"
print_input "$LOG"
echo

# in_turn ARGS...: the shards one after the other at -jN, each output
# into $PARTS/K.
in_turn() {
	local k
	for ((k = 0; k < SHARDS; k++)); do
		"$FORKPIPE" -j"$N" --shard "$k/$SHARDS" "$@" "$LOG" > "$PARTS/$k" || return
	done
}
# side_by_side ARGS...: N shards at a time, at -j1 each.
side_by_side() {
	local k pids=() rc=0 p
	for ((k = 0; k < SHARDS; k++)); do
		"$FORKPIPE" -j1 --shard "$k/$SHARDS" "$@" "$LOG" > "$PARTS/$k" &
		pids+=($!)
		if [ ${#pids[@]} -ge "$N" ] || [ "$k" = $((SHARDS - 1)) ]; then
			for p in "${pids[@]}"; do
				wait "$p" || rc=1
			done
			pids=()
		fi
	done
	return "$rc"
}
merge_parts() { "$FORKPIPE" merge -e "$GROUP" "$PARTS"/[0-9]*; }

sg_fpN() { "$FORKPIPE" -j"$N" -e "$GROUP" "$LOG"; }
sg_fp1() { "$FORKPIPE" -j1 -e "$GROUP" "$LOG"; }
sg_turn() { in_turn --partial -e "$GROUP" && merge_parts; }
sg_side() { side_by_side --partial -e "$GROUP" && merge_parts; }

sl_fpN() { "$FORKPIPE" -j"$N" -e "grep -F '$LIT'" "$LOG"; }
sl_fp1() { "$FORKPIPE" -j1 -e "grep -F '$LIT'" "$LOG"; }
sl_turn() { in_turn -e "grep -F '$LIT'" && cat "$PARTS"/[0-9]*; }
sl_side() { side_by_side -e "grep -F '$LIT'" && cat "$PARTS"/[0-9]*; }

print_legend
echo "the shards' results are merged (a) or concatenated (b) and checked against forkpipe -j1"
echo

add_fp sg "-e '$GROUP'"
add_tool peer "$SHARDS shards in turn (-j$N) + merge" sg_turn
add_tool peer "$SHARDS shards, $N at a time (-j1) + merge" sg_side
run_case "(a) requests per status: group -k 9 count" lines "$LOG"

add_fp sl "-e 'grep -F \"$LIT\"'"
add_tool peer "$SHARDS shards in turn (-j$N), concatenated" sl_turn
add_tool peer "$SHARDS shards, $N at a time (-j1), concatenated" sl_side
run_case "(b) the lines holding \"$LIT\": grep -F" lines "$LOG"

# One task of a 4-task array: shard 1 of 4 at -jN, against the whole.
one=() whole=()
for ((run = 1; run <= BENCH_RUNS; run++)); do
	cat "$LOG" > /dev/null
	now
	t0=$REPLY
	"$FORKPIPE" -j"$N" --shard "1/$SHARDS" --partial -e "$GROUP" "$LOG" > /dev/null || die "shard 1/$SHARDS failed"
	now
	one+=("$(awk -v a="$t0" -v b="$REPLY" 'BEGIN { printf "%.6f", b - a }')")
	cat "$LOG" > /dev/null
	now
	t0=$REPLY
	"$FORKPIPE" -j"$N" --partial -e "$GROUP" "$LOG" > /dev/null || die "the whole run failed"
	now
	whole+=("$(awk -v a="$t0" -v b="$REPLY" 'BEGIN { printf "%.6f", b - a }')")
done
echo "== (c) one task of $SHARDS: --shard 1/$SHARDS --partial -e '$GROUP' at -j$N"
printf '%s %s\n' "$(stat_of "${one[*]}")" "$(stat_of "${whole[*]}")" | awk '{
	printf "   shard 1/4: median %.3f s (min %.3f, max %.3f); the whole: median %.3f s (min %.3f, max %.3f); ratio %.2f\n",
		$1, $2, $3, $4, $5, $6, $1 / $4 }'
echo "   load average (1, 5, 15 min): $(load_avg)"
rm -rf "$PARTS"
