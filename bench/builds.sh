#!/usr/bin/env bash
# bench/builds.sh - two builds of forkpipe side by side: the one under
# test (FORKPIPE) against an earlier one (BASE), on the cases a change to
# the engine, the reducers or the codecs could slow down.
#
# Run by `make bench-builds BASE=/path/to/old/forkpipe`, or by hand from
# the build directory:
#   FORKPIPE=src/forkpipe BASE=../old/src/forkpipe GENLOG=bench/genlog \
#       GENCSV=bench/gencsv bash bench/builds.sh
#
# Environment (and FORKPIPE, BENCH_SIZE, BENCH_RUNS, BENCH_DIR: bench/lib.sh):
#   BASE        the earlier forkpipe binary (required)
#   GENLOG, GENCSV  the generators (default ./bench/genlog, ./bench/gencsv)
#
# Each case runs both builds at -jN (N = online CPUs), taking turns run
# by run; BASE's output is the reference, so the build under test must
# print the same bytes (WRONG otherwise).  The ratio is BASE's median over
# FORKPIPE's: above 1, the build under test is faster.  The cases, on a
# BENCH_SIZE access log (genlog) and TSV (gencsv -t): count lines, a
# literal printed, a regex counted, cut, group by the TSV's city (16 keys),
# uniq -c by client (many keys), group by the TSV's email and date (about
# 9 million keys in 1 GiB), sort with --memory 256M (spills), the log as
# one gzip member counted, and --gzip output.

if [ -z "${BASH_VERSION:-}" ]; then
	if command -v bash > /dev/null 2>&1; then
		exec bash "$0" "$@"
	fi
	echo "bench/builds.sh: bash is required" >&2
	exit 1
fi

set -u
set -o pipefail
export LC_ALL=C

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 1

GENLOG=${GENLOG:-./bench/genlog}
GENCSV=${GENCSV:-./bench/gencsv}
[ -n "${BASE:-}" ] || die "BASE (the earlier forkpipe binary) is not set"
[ -x "$BASE" ] || die "BASE ($BASE) is not an executable"

bench_setup
[ -x "$FORKPIPE" ] || die "FORKPIPE ($FORKPIPE) is not an executable"
clean_outputs bl bg bc bu bq bt bs bz bo
LOG=$BENCH_DIR/access.log
TSV=$BENCH_DIR/orders.tsv
need_generator GENLOG genlog
need_generator GENCSV gencsv
cache_input "$LOG" "$BENCH_SIZE" "$GENLOG"
cache_input "$TSV" "$BENCH_SIZE" "$GENCSV" -t
GZ=$BENCH_DIR/access.log.gz
if [ ! -f "$GZ" ] || [ "$GZ" -ot "$LOG" ]; then
	echo "compressing $LOG (gzip -1)..."
	gzip -1 -c "$LOG" > "$GZ.tmp" && mv -f "$GZ.tmp" "$GZ" || die "cannot write $GZ"
fi
PLAIN=$LOG

print_machine "forkpipe: two builds side by side"
print_input "$LOG"
print_input "$TSV" "gencsv -t"
echo "   under test: $FORKPIPE"
echo "   base:       $BASE"
echo

# both TAG CASE-ARGS...: the functions TAG_new and TAG_base run each
# build at -jN with the same arguments (kept in the array ARGS_TAG).
both() {
	local tag=$1
	shift
	eval "ARGS_$tag=(\"\$@\")"
	eval "${tag}_new() { \"\$FORKPIPE\" -j\"\$N\" \"\${ARGS_$tag[@]}\"; }"
	eval "${tag}_base() { \"\$BASE\" -j\"\$N\" \"\${ARGS_$tag[@]}\"; }"
	reset_case
	add_tool ref "base -j$N" "${tag}_base"
	add_tool fpN "under test -j$N" "${tag}_new"
}

case_both() { # TITLE MODE INPUT TAG ARGS...
	local title=$1 mode=$2 input=$3
	shift 3
	both "$@"
	run_case "$title" "$mode" "$input"
}

MEM=256M
case_both "count lines" lines "$LOG" bl -e count "$LOG"
case_both "grep -F ' 404 ' printed" lines "$LOG" bg -e "grep -F ' 404 '" "$LOG"
case_both "grep regex counted" lines "$LOG" bc -e "grep 'GET /[a-z]+/[0-9]+ HTTP'" -e count "$LOG"
case_both "cut -f 1,9 printed" lines "$LOG" bt -e "cut -f 1,9" "$LOG"
case_both "group -k 3 count sum:4 (16 keys)" lines "$TSV" bq -H --tsv -e "group -k 3 count sum:4" "$TSV"
case_both "uniq -c -k 1 (clients)" lines "$LOG" bu -e "uniq -c -k 1" "$LOG"
case_both "group -k 7,8 count (millions of keys)" lines "$TSV" bs -H --tsv -e "group -k 7,8 count" "$TSV"
case_both "sort -k 7,7 --memory $MEM (spills)" lines "$LOG" bo --memory "$MEM" -e "sort -k 7,7" "$LOG"
case_both "count of one gzip member" lines "$GZ" bz -e count "$GZ"
case_both "--gzip output of the log" gz "$LOG" bw --gzip "$LOG"
