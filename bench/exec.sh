#!/usr/bin/env bash
# bench/exec.sh - time forkpipe's exec stage against GNU parallel
# --pipepart and --pipe running the same command on the synthetic log.
#
# Run by `make bench` or `make bench-exec`, or by hand from the build
# directory:
#   FORKPIPE=src/forkpipe GENLOG=bench/genlog bash bench/exec.sh
#
# Environment: FORKPIPE, BENCH_SIZE, BENCH_RUNS, BENCH_DIR (bench/lib.sh),
# GENLOG (as bench/run.sh).
#
# The cases, on a BENCH_SIZE access log: (a) `wc -l` per chunk, the counts
# summed; (b) a CPU-bound command, awk counting the 404 statuses (field 9), the counts
# summed.  Every tool runs the command with -j N (the online CPUs) on
# blocks of the same size; the reference is the command on the whole log.

if [ -z "${BASH_VERSION:-}" ]; then
	if command -v bash > /dev/null 2>&1; then
		exec bash "$0" "$@"
	fi
	echo "bench/exec.sh: bash is required" >&2
	exit 1
fi

set -u
set -o pipefail
export LC_ALL=C

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 1

GENLOG=${GENLOG:-./bench/genlog}
BLOCK=16M
# shellcheck disable=SC2016 # an awk program
AWK_SUM='$9 == 404 { n++ } END { print n + 0 }'

bench_setup
LABEL_W=52
[ -x "$FORKPIPE" ] || die "no forkpipe at $FORKPIPE (build it first, or set FORKPIPE)"
clean_outputs xw xa
LOG=$BENCH_DIR/access.log
need_generator GENLOG genlog
cache_input "$LOG" "$BENCH_SIZE" "$GENLOG"
install_missing parallel:parallel mawk:mawk
HAVE_PAR=0
have_gnu_parallel && HAVE_PAR=1
AWK=awk
have mawk && AWK=mawk

print_machine "forkpipe exec benchmark"
print_input "$LOG"
[ "$HAVE_PAR" = 1 ] && print_tool parallel parallel --version
print_tool "$AWK" "$AWK" -W version
[ "$HAVE_PAR" = 1 ] || print_missing "GNU parallel"
echo

par_part() { parallel --pipepart -a "$LOG" --block "$BLOCK" -j "$N" "$@" < /dev/null; }
par_pipe() { parallel --pipe --block "$BLOCK" -j "$N" "$@" < "$LOG"; }

xw_fpN() { "$FORKPIPE" -j"$N" -b "$BLOCK" -e 'exec "wc -l"' "$LOG" | sum; }
xw_fp1() { "$FORKPIPE" -j1 -b "$BLOCK" -e 'exec "wc -l"' "$LOG" | sum; }
xw_ref() { wc -l < "$LOG"; }
xw_part() { par_part "wc -l" | sum; }
xw_pipe() { par_pipe "wc -l" | sum; }

xa_fpN() { "$FORKPIPE" -j"$N" -b "$BLOCK" -e "exec \"$AWK '$AWK_SUM'\"" "$LOG" | sum; }
xa_fp1() { "$FORKPIPE" -j1 -b "$BLOCK" -e "exec \"$AWK '$AWK_SUM'\"" "$LOG" | sum; }
xa_ref() { "$AWK" "$AWK_SUM" "$LOG"; }
xa_part() { par_part "$AWK '$AWK_SUM'" | sum; }
xa_pipe() { par_pipe "$AWK '$AWK_SUM'" | sum; }

print_legend
echo "every tool runs the command on $BLOCK blocks with -j $N; the per-block results are summed"
echo

add_fp xw "-b $BLOCK -e 'exec \"wc -l\"'"
add_tool ref "wc -l (the whole log)" xw_ref
if [ "$HAVE_PAR" = 1 ]; then
	add_tool peer "parallel --pipepart --block $BLOCK -j$N wc -l" xw_part
	add_tool peer "parallel --pipe --block $BLOCK -j$N wc -l" xw_pipe
fi
run_case "(a) exec wc -l" count "$LOG" -j"$N" -b "$BLOCK" -e 'exec "wc -l"' "$LOG"

add_fp xa "-b $BLOCK -e 'exec \"$AWK ...\"'"
add_tool ref "$AWK '$AWK_SUM' (the whole log)" xa_ref
if [ "$HAVE_PAR" = 1 ]; then
	add_tool peer "parallel --pipepart --block $BLOCK -j$N $AWK ..." xa_part
	add_tool peer "parallel --pipe --block $BLOCK -j$N $AWK ..." xa_pipe
fi
run_case "(b) exec $AWK counting \$9 == 404" count "$LOG" -j"$N" -b "$BLOCK" -e "exec \"$AWK '$AWK_SUM'\"" "$LOG"
