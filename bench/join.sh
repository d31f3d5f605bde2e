#!/usr/bin/env bash
# bench/join.sh - time the join stage: bench/run.sh's access log
# (BENCH_SIZE, 1 GiB by default) enriched from a 50,000-row lookup keyed
# by the client IP, against mawk with the lookup in an array and
# coreutils join after sorting both inputs.
#
# Run by `make bench` or `make bench-join`, or by hand from the build
# directory:
#   FORKPIPE=src/forkpipe GENLOG=bench/genlog bash bench/join.sh
#
# Environment: FORKPIPE, BENCH_SIZE, BENCH_RUNS, BENCH_DIR (bench/lib.sh),
# GENLOG (default ./bench/genlog).
#
# The lookup is the log's first 50,000 distinct client IPs, each with an
# organisation and a country code ("IP orgN ccM"), blank-separated like
# the log, so that join, mawk and forkpipe split both files the same way
# and print the same fields (key, the log line's other fields, the
# lookup's), joined by one space.
#
# The cases:
#   (a) every log line with its lookup fields, in the log's order: forkpipe
#       against mawk (the reference: the same bytes in the same order);
#   (b) the same join counted (every tool's output into wc -l), so that
#       join after two sorts, whose output is in key order, is checked
#       too: LC_ALL=C sort -S 1G of both inputs, then join.
#       DuckDB (bench/duckdb.js joincount, installed with npm as for
#       bench/agg.sh) joins the log's first field to the lookup's and
#       counts the rows, in the same case.

if [ -z "${BASH_VERSION:-}" ]; then
	if command -v bash > /dev/null 2>&1; then
		exec bash "$0" "$@"
	fi
	echo "bench/join.sh: bash is required" >&2
	exit 1
fi

set -u
set -o pipefail
export LC_ALL=C

HERE=$(dirname "${BASH_SOURCE[0]}")
. "$HERE/lib.sh" || exit 1

GENLOG=${GENLOG:-./bench/genlog}
bench_setup
LABEL_W=56
[ -x "$FORKPIPE" ] || die "no forkpipe at $FORKPIPE (build it first, or set FORKPIPE)"
clean_outputs join_a join_b
LOG=$BENCH_DIR/access.log
need_generator GENLOG genlog
cache_input "$LOG" "$BENCH_SIZE" "$GENLOG"
LOOKUP=$BENCH_DIR/ip-lookup.txt
if [ ! -s "$LOOKUP" ] || [ "$LOG" -nt "$LOOKUP" ]; then
	mawk '!seen[$1]++ { print $1, "org" (n % 977), "cc" (n % 61); if (++n == 50000) exit }' \
		"$LOG" > "$LOOKUP.tmp" && mv -f "$LOOKUP.tmp" "$LOOKUP" || die "cannot write $LOOKUP"
fi
[ "$(wc -l < "$LOOKUP")" -gt 0 ] || die "empty lookup $LOOKUP"

install_missing mawk:mawk
HAVE_MAWK=0
have mawk && HAVE_MAWK=1
duckdb_setup

print_machine "forkpipe join benchmark"
print_input "$LOG" "genlog"
echo "   lookup: $LOOKUP, $(wc -l < "$LOOKUP") rows, $(file_size "$LOOKUP") bytes"
[ "$HAVE_MAWK" = 1 ] && print_tool mawk mawk -W version
[ "$HAVE_DUCK" = 1 ] && print_tool duckdb node "$DUCKDB_JS" version
print_tool join join --version
print_tool sort sort --version
missing=()
[ "$HAVE_MAWK" = 1 ] || missing+=("mawk")
[ "$HAVE_DUCK" = 1 ] || missing+=("DuckDB (node and npm's @duckdb/node-api)")
print_missing "${missing[@]}"
echo

FP=(-e "join -f $LOOKUP" "$LOG")
MAWK_PROG='NR == FNR { v[$1] = substr($0, length($1) + 2); next }
	($1 in v) { $1 = $1; print $0, v[$1] }'
join_a_fpN() { "$FORKPIPE" -j"$N" "${FP[@]}"; }
join_a_fp1() { "$FORKPIPE" -j1 "${FP[@]}"; }
join_a_mawk() { mawk "$MAWK_PROG" "$LOOKUP" "$LOG"; }
join_b_fpN() { "$FORKPIPE" -j"$N" "${FP[@]}" | wc -l; }
join_b_fp1() { "$FORKPIPE" -j1 "${FP[@]}" | wc -l; }
join_b_mawk() { mawk "$MAWK_PROG" "$LOOKUP" "$LOG" | wc -l; }
join_b_duck() { node "$DUCKDB_JS" joincount "$LOG" "$N" "$LOOKUP"; }
join_b_join() {
	join <(sort -S 1G -T "$BENCH_DIR" -k1,1 "$LOG") <(sort -k1,1 "$LOOKUP") | wc -l
}

print_legend
echo

if [ "$HAVE_MAWK" = 1 ]; then
	add_fp join_a "-e 'join -f LOOKUP'"
	add_tool ref "mawk: the lookup in an array" join_a_mawk
	run_case "(a) log: every line with its lookup fields, in input order" lines "$LOG" -j"$N" "${FP[@]}"
	reset_case
fi

add_fp join_b "-e 'join -f LOOKUP' | wc -l"
add_tool ref "sort both | join | wc -l" join_b_join
[ "$HAVE_MAWK" = 1 ] && add_tool peer "mawk: the lookup in an array | wc -l" join_b_mawk
[ "$HAVE_DUCK" = 1 ] && add_tool peer "duckdb threads=$N: JOIN on the IP, count(*)" join_b_duck
run_case "(b) log: the same join, counted" count "$LOG" -j"$N" "${FP[@]}"
