#!/usr/bin/env bash
# bench/agg.sh - time forkpipe's reducers (group, uniq, sort) against
# mawk, GNU datamash, Miller, DuckDB and GNU sort on synthetic TSV, and
# measure the peak memory of the whole process tree.
#
# Run by `make bench` (after bench/csv.sh) or `make bench-agg`, or by hand
# from the build directory:
#   FORKPIPE=src/forkpipe GENCSV=bench/gencsv bash bench/agg.sh
#
# Environment (and FORKPIPE, BENCH_SIZE, BENCH_RUNS, BENCH_DIR: bench/lib.sh):
#   GENCSV          TSV generator (gencsv -t)   (default ./bench/gencsv;
#                   built from bench/gencsv.c into BENCH_DIR when missing)
#   BENCH_AGG_SIZE  size of the TSV of cases (a) to (c) (default BENCH_SIZE;
#                   the same file as bench/csv.sh's orders.tsv)
#   BENCH_SORT_MEM  the memory of case (c): forkpipe --memory and GNU sort
#                   -S alike (default 1G)
#   BENCH_BIG       size of the TSV of case (d), run once (default 5G;
#                   0 skips case (d))
#   BENCH_BIG_MEM   forkpipe --memory in case (d) (default 1G)
#   BENCH_BIG_PEERS 1: also time GNU sort -S BENCH_BIG_MEM in case (d)
#                   (default 0: it takes minutes)
#   GENKV           key/value TSV generator of case (e) (default ./bench/genkv;
#                   built from bench/genkv.c into BENCH_DIR when missing)
#   BENCH_KV_SIZE   size of case (e)'s TSV (default BENCH_SIZE)
#   BENCH_KV_SPILL_MEM forkpipe --memory of case (e)'s spilling row (default
#                   256M: below what the run takes in memory, so tables spill)
#   GENLOG          the access log generator of case (f) (default ./bench/genlog)
#   BENCH_USERS_SIZE size of case (u)'s CSV, gencsv -u (default BENCH_AGG_SIZE:
#                   1G holds about 10M records and 671K distinct user ids)
#   BENCH_AGG_CASES the cases to run, by letter (default "a b c d e f u"; the
#                   inputs of the others are not made), e.g. BENCH_AGG_CASES=u
#
# DuckDB runs through node and @duckdb/node-api (bench/duckdb.js): when
# node finds no @duckdb/node-api (NODE_PATH, then BENCH_DIR/node), it is
# installed with `npm install --prefix BENCH_DIR/node` if npm is there;
# else the tables say DuckDB is missing.
#
# The TSV comes from gencsv -t: ten columns, a header line, city (3) has
# 16 values, amount (4) is a decimal, email (7) has 80,000 values and
# date (8) 336, so the pair email, date has about 8.9 million distinct
# values in 1 GiB (10.8 million records), in random order; id (1) is
# unique, so a 5 GiB file has about 54 million distinct ids.
#
# The cases:
#   (a) group by city: count and sum of amount, vs mawk, datamash -s,
#       Miller, DuckDB; the sums are printed with %.2f by every tool (each
#       sums in its own floating point or, forkpipe and DuckDB's DECIMAL,
#       exactly), and mawk's groups are sorted;
#   (b) the ~9M distinct (email, date) pairs: uniq -c vs
#       cut | sort | uniq -c and DuckDB, then group count vs datamash -s
#       and DuckDB;
# DuckDB reads the TSV with read_csv (every key as text, amount as
# DECIMAL), runs with threads = the online CPUs (as forkpipe -jN), and
# writes forkpipe's format in forkpipe's order with COPY ... ORDER BY.
#   (c) sort by email (-k7,7) vs LC_ALL=C sort --parallel=2 -S MEM -T DIR,
#       forkpipe with --memory MEM and its spills in the same DIR;
#   (e) high cardinality: genkv's two-column TSV (about 60M records a GiB,
#       the key one of 1,000,000 values, the value an integer below 10^9),
#       group -k 1 count sum:2 vs DuckDB, mawk and datamash -s, and
#       forkpipe itself under --memory BENCH_KV_SPILL_MEM (its spill path
#       against its run in memory);
#   (f) order statistics: the median and 99th percentile of the bytes
#       (10) by status (9) in bench/run.sh's access log (BENCH_SIZE)
#       without the records whose bytes are "-" (a 304's; datamash has no
#       way to skip them), vs datamash -s -W and DuckDB's median and
#       quantile_cont (what datamash computes: the interpolated
#       percentile; quantile_disc is the nearest rank, another number),
#       its doubles printed with 14 significant digits as datamash's;
#   (u) distinct users: gencsv -u's CSV (user_id, its eleventh column,
#       has SIZE/1600 values: about 671K in 1 GiB's 10M records, as
#       issue 15's "670K distinct user ids in 10.8M records"; quoted
#       fields, some spanning lines), --csv -H -e 'uniq -k user_id' -e
#       count vs DuckDB's count(DISTINCT user_id) and Miller's
#       count-distinct then count (CSV-aware), and mawk counting the
#       distinct last fields of the lines that end with one (line-based:
#       right on this file only, since the user id is the last column,
#       never quoted, and no line inside a quoted value ends like one);
#   (d) once each on the big file with --memory BENCH_BIG_MEM: group by
#       id (every record its own group: ~54M groups in 5 GiB) and sort
#       by email, with wall time and peak memory.
# Every output is checked against the reference tool of its case (in (d),
# cheap checks: the number of groups, the order and size of the sort).
#
# Peak memory: bench/peakmem.sh samples the summed PSS and RSS of the
# process tree every 20 ms (see there); --stats gives each process's
# maximum RSS, and supervisor + jobs x the largest worker's is an upper
# bound of the tree's peak.

# `make bench` runs this with sh; the script needs bash.
if [ -z "${BASH_VERSION:-}" ]; then
	if command -v bash > /dev/null 2>&1; then
		exec bash "$0" "$@"
	fi
	echo "bench/agg.sh: bash is required" >&2
	exit 1
fi

set -u
set -o pipefail
export LC_ALL=C

HERE=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh" || exit 1
# shellcheck source-path=SCRIPTDIR source=peakmem.sh
. "$HERE/peakmem.sh" || exit 1

GENCSV=${GENCSV:-./bench/gencsv}
GENKV=${GENKV:-./bench/genkv}
GENLOG=${GENLOG:-./bench/genlog}
TAB=$(printf '\t')

bench_setup
BENCH_AGG_SIZE=${BENCH_AGG_SIZE:-$BENCH_SIZE}
BENCH_KV_SIZE=${BENCH_KV_SIZE:-$BENCH_SIZE}
BENCH_KV_SPILL_MEM=${BENCH_KV_SPILL_MEM:-256M}
BENCH_SORT_MEM=${BENCH_SORT_MEM:-1G}
BENCH_BIG=${BENCH_BIG:-5G}
BENCH_BIG_MEM=${BENCH_BIG_MEM:-1G}
BENCH_BIG_PEERS=${BENCH_BIG_PEERS:-0}
BENCH_USERS_SIZE=${BENCH_USERS_SIZE:-$BENCH_AGG_SIZE}
BENCH_AGG_CASES=${BENCH_AGG_CASES:-a b c d e f u}
LABEL_W=60
want() { case_wanted "$BENCH_AGG_CASES" "$1"; }
[ -x "$FORKPIPE" ] || die "no forkpipe at $FORKPIPE (build it first, or set FORKPIPE)"
clean_outputs agg_a agg_b agg_c agg_s agg_e agg_f agg_u
rm -f "$BENCH_DIR"/big.*.out "$BENCH_DIR"/peak.*
TSV=$BENCH_DIR/orders.tsv
KV=$BENCH_DIR/kv.tsv
LOG=$BENCH_DIR/access.log
LOGB=$BENCH_DIR/access-bytes.log
USERS=$BENCH_DIR/users.csv
if want a || want b || want c; then
	need_generator GENCSV gencsv
	cache_input "$TSV" "$BENCH_AGG_SIZE" "$GENCSV" -t
fi
if want e; then
	need_generator GENKV genkv
	cache_input "$KV" "$BENCH_KV_SIZE" "$GENKV"
fi
if want f; then
	need_generator GENLOG genlog
	cache_input "$LOG" "$BENCH_SIZE" "$GENLOG"
	# The log without the records whose bytes are "-", made again when
	# the log is newer.
	if [ ! -s "$LOGB" ] || [ "$LOG" -nt "$LOGB" ]; then
		mawk '$10 != "-"' "$LOG" > "$LOGB.tmp" && mv -f "$LOGB.tmp" "$LOGB" || die "cannot write $LOGB"
	fi
fi
if want u; then
	need_generator GENCSV gencsv
	cache_input "$USERS" "$BENCH_USERS_SIZE" "$GENCSV" -u
fi

# Bytes a SIZE (K/M/G/T: powers of 1024) stands for.
size_bytes() {
	awk -v s="$1" 'BEGIN {
		if (s !~ /^[0-9]+(\.[0-9]+)?[KMGTkmgt]?$/) exit 1
		m = 1; u = toupper(substr(s, length(s)))
		if (u ~ /[KMGT]/) { m = 1024 ^ index("KMGT", u); s = substr(s, 1, length(s) - 1) }
		printf "%.0f\n", s * m }'
}
size_bytes "$BENCH_SORT_MEM" > /dev/null || die "bad BENCH_SORT_MEM '$BENCH_SORT_MEM'"
BIG_MEM_B=$(size_bytes "$BENCH_BIG_MEM") || die "bad BENCH_BIG_MEM '$BENCH_BIG_MEM'"

# ---- which tools are here ------------------------------------------------------

install_missing mawk:mawk datamash:datamash mlr:miller

HAVE_MAWK=0 HAVE_DM=0 HAVE_MLR=0
have mawk && HAVE_MAWK=1
have datamash && HAVE_DM=1
have mlr && HAVE_MLR=1
duckdb_setup

missing=()
[ "$HAVE_MAWK" = 1 ] || missing+=("mawk")
[ "$HAVE_DM" = 1 ] || missing+=("datamash")
[ "$HAVE_MLR" = 1 ] || missing+=("mlr (Miller)")
[ "$HAVE_DUCK" = 1 ] || missing+=("DuckDB (node and npm's @duckdb/node-api)")

print_machine "forkpipe group, uniq and sort benchmark"
if want a || want b || want c; then print_input "$TSV" "gencsv -t"; fi
want u && print_input "$USERS" "gencsv -u: CSV, user_id the 11th column; lines are not records"
[ "$HAVE_MAWK" = 1 ] && print_tool mawk mawk -W version
[ "$HAVE_DM" = 1 ] && print_tool datamash datamash --version
[ "$HAVE_MLR" = 1 ] && print_tool mlr mlr --version
[ "$HAVE_DUCK" = 1 ] && print_tool duckdb node "$DUCKDB_JS" version
print_tool sort sort --version
print_missing "${missing[@]}"
echo

# ---- peak memory -------------------------------------------------------------------

MiB() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

# mem_run JOBS OUT COMMAND...: run COMMAND once more (stdout to OUT,
# stderr to a file) under peakmem_run, and set PK_PSS, PK_RSS (KiB,
# sampled), PK_BOUND (KiB: supervisor + JOBS x worker max RSS from
# --stats, when COMMAND printed them, else empty), PK_WALL and PK_STATUS.
mem_run() {
	local jobs=$1 out=$2 rep=$BENCH_DIR/peak.rep err=$BENCH_DIR/peak.err
	shift 2
	rm -f "$rep"
	sync
	peakmem_run 0.02 "$rep" "$@" > "$out" 2> "$err"
	PK_STATUS=$?
	read -r PK_PSS PK_RSS PK_WALL < <(awk '{
		for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		print v["pss_kb"], v["rss_kb"], v["wall_s"] }' "$rep")
	# --stats's process table: "supervisor - USER SYS MAXRSS", and
	# "worker K CHUNKS USER SYS MAXRSS" for each worker (MaxRSS in KiB).
	PK_BOUND=$(awk -v j="$jobs" '/^forkpipe: stats:/ { on = 1 }
		on && $1 == "supervisor" && $NF ~ /^[0-9]+$/ { sup = $NF; seen = 1 }
		on && $1 == "worker" && $NF ~ /^[0-9]+$/ && $NF > w { w = $NF }
		END { if (seen) print sup + j * w }' "$err")
	if [ "$PK_STATUS" != 0 ]; then
		echo "   note: exit status $PK_STATUS: $(head -c 300 "$err" | tr '\n' ' ')"
	fi
}

# peak_line LABEL JOBS COMMAND...: mem_run, then one line of figures.
peak_line() {
	local label=$1 jobs=$2 out=$BENCH_DIR/peak.out bound
	shift 2
	mem_run "$jobs" "$out" "$@"
	rm -f "$out"
	bound=""
	[ -n "$PK_BOUND" ] && bound=", --stats bound $(MiB "$PK_BOUND") MiB"
	printf '   peak memory, %s: PSS %s MiB, RSS sum %s MiB%s (%.1f s, load %s)\n' \
		"$label" "$(MiB "$PK_PSS")" "$(MiB "$PK_RSS")" "$bound" "$PK_WALL" "$(load_avg)"
}

peak_legend() {
	echo "peak memory: one more run under bench/peakmem.sh, the process tree's summed PSS and RSS"
	echo "  sampled every 20 ms (/proc/PID/smaps_rollup, /proc/PID/statm); --stats bound ="
	echo "  supervisor max RSS + jobs x largest worker max RSS (each process's own peak, an upper bound)"
}

# ---- the commands ----------------------------------------------------------------

# Sums with two decimals, whichever way a tool prints them.
norm_sum() { awk -F'\t' -v OFS='\t' '{ $3 = sprintf("%.2f", $3); print }'; }

# (a) group by city (3): count, sum of amount (4).  The header is a header.
A_FP=(-H --tsv -e 'group -k 3 count sum:4' "$TSV")
agg_a_fpN() { "$FORKPIPE" -j"$N" "${A_FP[@]}" | norm_sum; }
agg_a_fp1() { "$FORKPIPE" -j1 "${A_FP[@]}" | norm_sum; }
agg_a_dm() { datamash -s --header-in -g 3 count 3 sum 4 < "$TSV" | norm_sum; }
agg_a_mawk() {
	mawk -F'\t' 'NR > 1 { n[$3]++; s[$3] += $4 }
		END { for (k in n) printf "%s\t%d\t%.2f\n", k, n[k], s[k] }' "$TSV" | sort
}
agg_a_mlr() {
	mlr --itsv --otsv --headerless-tsv-output stats1 -a count,sum -f amount -g city \
		'then' sort -f city "$TSV" | norm_sum
}
# DuckDB prints the DECIMAL sums with their two decimals already.
agg_a_duck() { node "$DUCKDB_JS" city "$TSV" "$N"; }

# (b) the (email, date) pairs: about 9M distinct in 1 GiB.
B_FP=(-H --tsv -e 'uniq -c -k 7,8' "$TSV")
agg_b_fpN() { "$FORKPIPE" -j"$N" "${B_FP[@]}"; }
agg_b_fp1() { "$FORKPIPE" -j1 "${B_FP[@]}"; }
agg_b_sort() { cut -f 7,8 "$TSV" | tail -n +2 | sort | uniq -c; }
agg_b_duck() { node "$DUCKDB_JS" uniq "$TSV" "$N"; }
B2_FP=(-H --tsv -e 'group -k 7,8 count' "$TSV")
agg_s_fpN() { "$FORKPIPE" -j"$N" "${B2_FP[@]}"; }
agg_s_fp1() { "$FORKPIPE" -j1 "${B2_FP[@]}"; }
agg_s_dm() { datamash -s --header-in -g 7,8 count 7 < "$TSV"; }
agg_s_duck() { node "$DUCKDB_JS" pairs "$TSV" "$N"; }

# (c) sort by email; the header line is a record to both.
C_FP=(--memory "$BENCH_SORT_MEM" --tmpdir "$BENCH_DIR" --tsv -e 'sort -k7,7' "$TSV")
# shellcheck disable=SC2054 # -k7,7 is one word
C_GNU=(sort --parallel=2 -S "$BENCH_SORT_MEM" -T "$BENCH_DIR" -t "$TAB" -k7,7 "$TSV")
agg_c_fpN() { "$FORKPIPE" -j"$N" "${C_FP[@]}"; }
agg_c_fp1() { "$FORKPIPE" -j1 "${C_FP[@]}"; }
agg_c_sort() { "${C_GNU[@]}"; }

# (e) a million keys: count and sum of integers, printed as integers.
E_FP=(--tsv -e 'group -k 1 count sum:2' "$KV")
agg_e_fpN() { "$FORKPIPE" -j"$N" "${E_FP[@]}"; }
agg_e_fp1() { "$FORKPIPE" -j1 "${E_FP[@]}"; }
agg_e_dm() { datamash -s -g 1 count 1 sum 2 < "$KV"; }
agg_e_mawk() {
	mawk -F'\t' '{ n[$1]++; s[$1] += $2 }
		END { for (k in n) printf "%s\t%d\t%.0f\n", k, n[k], s[k] }' "$KV" | sort
}
agg_e_duck() { node "$DUCKDB_JS" kv "$KV" "$N"; }
agg_e_spill() { "$FORKPIPE" -j"$N" --memory "$BENCH_KV_SPILL_MEM" "${E_FP[@]}"; }

# (f) median and 99th percentile of the bytes by status.
F_FP=(-e 'group -k 9 median:10 perc:10:99' "$LOGB")
agg_f_fpN() { "$FORKPIPE" -j"$N" "${F_FP[@]}"; }
agg_f_fp1() { "$FORKPIPE" -j1 "${F_FP[@]}"; }
agg_f_dm() { datamash -s -W -g 9 median 10 perc:99 10 < "$LOGB"; }
agg_f_duck() { node "$DUCKDB_JS" quantiles "$LOGB" "$N"; }

# (u) distinct user ids in a CSV; every tool prints the one number.
U_FP=(--csv -H -e 'uniq -k user_id' -e count "$USERS")
agg_u_fpN() { "$FORKPIPE" -j"$N" "${U_FP[@]}"; }
agg_u_fp1() { "$FORKPIPE" -j1 "${U_FP[@]}"; }
agg_u_duck() { node "$DUCKDB_JS" users "$USERS" "$N"; }
agg_u_mlr() { mlr --icsv --onidx count-distinct -f user_id 'then' count "$USERS"; }
# Line-based: the last field of the lines ending in ",u<digits>", which
# on gencsv -u's file are exactly the records' user ids (see the top).
agg_u_mawk() {
	mawk -F, '$NF ~ /^u[0-9]+$/ && !($NF in s) { s[$NF]; n++ } END { print n + 0 }' "$USERS"
}

# ---- the cases ------------------------------------------------------------------------

print_legend
peak_legend
echo

if want a; then
	add_fp agg_a "-H --tsv -e 'group -k 3 count sum:4'"
	[ "$HAVE_DM" = 1 ] && add_tool ref "datamash -s --header-in -g 3 count 3 sum 4" agg_a_dm
	[ "$HAVE_MAWK" = 1 ] && add_tool peer "mawk -F'\\t' '{ n[\$3]++; s[\$3] += \$4 } ...' | sort" agg_a_mawk
	[ "$HAVE_MLR" = 1 ] && add_tool peer "mlr --itsv stats1 -a count,sum -f amount -g city then sort" agg_a_mlr
	[ "$HAVE_DUCK" = 1 ] && add_tool peer "duckdb threads=$N: GROUP BY city count(*), sum(amount)" agg_a_duck
	echo "(a): every tool's sums are printed with %.2f (| awk ... sprintf), the groups in key order"
	run_case "(a) TSV: group by a 16-value key (city): count, sum" lines "$TSV" -j"$N" "${A_FP[@]}"
	peak_line "forkpipe -j$N (default --memory)" "$N" "$FORKPIPE" --stats -j"$N" "${A_FP[@]}"
	echo
fi

if want b; then
	add_fp agg_b "-H --tsv -e 'uniq -c -k 7,8'"
	add_tool ref "cut -f 7,8 | tail -n +2 | sort | uniq -c" agg_b_sort
	[ "$HAVE_DUCK" = 1 ] && add_tool peer "duckdb threads=$N: GROUP BY email, date printf('%7d %s')" agg_b_duck
	run_case "(b) TSV: uniq -c over ~9M distinct (email, date) pairs" lines "$TSV" -j"$N" "${B_FP[@]}"
	peak_line "forkpipe -j$N (default --memory)" "$N" "$FORKPIPE" --stats -j"$N" "${B_FP[@]}"
	[ "$HAVE_DUCK" = 1 ] && peak_line "duckdb threads=$N" 1 node "$DUCKDB_JS" uniq "$TSV" "$N"
	echo

	if [ "$HAVE_DM" = 1 ] || [ "$HAVE_DUCK" = 1 ]; then
		add_fp agg_s "-H --tsv -e 'group -k 7,8 count'"
		[ "$HAVE_DM" = 1 ] && add_tool ref "datamash -s --header-in -g 7,8 count 7" agg_s_dm
		[ "$HAVE_DUCK" = 1 ] && add_tool peer "duckdb threads=$N: GROUP BY email, date count(*)" agg_s_duck
		run_case "(b') TSV: group count over the same ~9M pairs" lines "$TSV" -j"$N" "${B2_FP[@]}"
	fi
fi

if want e; then
	add_fp agg_e "--tsv -e 'group -k 1 count sum:2'"
	[ "$HAVE_DM" = 1 ] && add_tool ref "datamash -s -g 1 count 1 sum 2" agg_e_dm
	[ "$HAVE_DUCK" = 1 ] && add_tool peer "duckdb threads=$N: GROUP BY k count(*), sum(v)" agg_e_duck
	[ "$HAVE_MAWK" = 1 ] && add_tool peer "mawk -F'\\t' '{ n[\$1]++; s[\$1] += \$2 } ...' | sort" agg_e_mawk
	add_tool peer "forkpipe -j$N --memory $BENCH_KV_SPILL_MEM (spills)" agg_e_spill
	run_case "(e) TSV: group by a 1,000,000-value key: count, sum" lines "$KV" -j"$N" "${E_FP[@]}"
	peak_line "forkpipe -j$N (default --memory)" "$N" "$FORKPIPE" --stats -j"$N" "${E_FP[@]}"
	peak_line "forkpipe -j$N --memory $BENCH_KV_SPILL_MEM" "$N" "$FORKPIPE" --stats -j"$N" \
	    --memory "$BENCH_KV_SPILL_MEM" "${E_FP[@]}"
	[ "$HAVE_DUCK" = 1 ] && peak_line "duckdb threads=$N" 1 node "$DUCKDB_JS" kv "$KV" "$N"
	echo
fi

if want f; then
	add_fp agg_f "-e 'group -k 9 median:10 perc:10:99'"
	[ "$HAVE_DM" = 1 ] && add_tool ref "datamash -s -W -g 9 median 10 perc:99 10" agg_f_dm
	[ "$HAVE_DUCK" = 1 ] && add_tool peer "duckdb threads=$N: GROUP BY status median, quantile_cont 0.99" agg_f_duck
	run_case "(f) log: median and 99th percentile of the bytes by status" lines "$LOGB" -j"$N" "${F_FP[@]}"
	echo
fi

if want u; then
	add_fp agg_u "--csv -H -e 'uniq -k user_id' -e count"
	[ "$HAVE_DUCK" = 1 ] && add_tool peer "duckdb threads=$N: SELECT count(DISTINCT user_id)" agg_u_duck
	[ "$HAVE_MLR" = 1 ] && add_tool peer "mlr --icsv count-distinct -f user_id then count" agg_u_mlr
	[ "$HAVE_MAWK" = 1 ] && add_tool peer "mawk -F, '\$NF ~ /^u[0-9]+\$/ ...' (line-based, see the top)" agg_u_mawk
	run_case "(u) CSV: count the distinct user ids (user_id, ~SIZE/1600 values)" count "$USERS" -j"$N" "${U_FP[@]}"
	peak_line "forkpipe -j$N (default --memory)" "$N" "$FORKPIPE" --stats -j"$N" "${U_FP[@]}"
	[ "$HAVE_DUCK" = 1 ] && peak_line "duckdb threads=$N" 1 node "$DUCKDB_JS" users "$USERS" "$N"
	echo
fi

if want c; then
	add_fp agg_c "--memory $BENCH_SORT_MEM --tmpdir DIR --tsv -e 'sort -k7,7'"
	add_tool ref "sort --parallel=2 -S $BENCH_SORT_MEM -T DIR -t '\\t' -k7,7" agg_c_sort
	run_case "(c) TSV: sort by email (-k7,7), $BENCH_SORT_MEM of memory each" lines "$TSV" -j"$N" "${C_FP[@]}"
	peak_line "forkpipe -j$N --memory $BENCH_SORT_MEM" "$N" "$FORKPIPE" --stats -j"$N" "${C_FP[@]}"
	peak_line "GNU sort --parallel=2 -S $BENCH_SORT_MEM" 1 "${C_GNU[@]}"
	echo
fi

# ---- (d) the big runs, once each ------------------------------------------------------

# One row of the table of (d): the figures of the last mem_run.
big_row() { # label check
	local within=no
	[ "$PK_PSS" -le $((BIG_MEM_B / 1024)) ] && within=yes
	[ "$PK_STATUS" = 0 ] || within="exit $PK_STATUS"
	printf "   %-58s %8.1f %10s %10s %10s %7s  %s\n" "$1" "$PK_WALL" "$(MiB "$PK_PSS")" \
		"$(MiB "$PK_RSS")" "$([ -n "$PK_BOUND" ] && MiB "$PK_BOUND" || echo n/a)" "$within" "$2"
}

# Checks that cost one pass over the output, not a second tool's run.
check_groups() { # out want-lines
	local got
	got=$(wc -l < "$1")
	[ "$got" = "$2" ] || {
		echo "WRONG: $got groups, want $2"
		return
	}
	sort -c -t "$TAB" -k1,1 "$1" 2> /dev/null && echo "ok: $got groups, sorted" || echo "WRONG: out of order"
}
check_sorted() { # out in
	local got want
	got=$(file_size "$1")
	want=$(file_size "$2")
	[ "$got" = "$want" ] || {
		echo "WRONG: $got bytes, want $want"
		return
	}
	sort -c -t "$TAB" -k7,7 "$1" 2> /dev/null && echo "ok: $got bytes, sorted" || echo "WRONG: out of order"
}

if want d && [ "$(size_bytes "$BENCH_BIG" 2> /dev/null || echo 0)" != 0 ]; then
	BIG=$BENCH_DIR/big.tsv
	cache_input "$BIG" "$BENCH_BIG" "$GENCSV" -t
	print_input "$BIG" "gencsv -t"
	BIG_RECS=$(($(wc -l < "$BIG") - 1))
	D_GROUP=(--memory "$BENCH_BIG_MEM" --tmpdir "$BENCH_DIR" -H --tsv -e 'group -k 1 count sum:4' "$BIG")
	D_SORT=(--memory "$BENCH_BIG_MEM" --tmpdir "$BENCH_DIR" --tsv -e 'sort -k7,7' "$BIG")
	echo "== (d) big runs, once each, --memory $BENCH_BIG_MEM ($((BIG_MEM_B / 1048576)) MiB), spills in $BENCH_DIR"
	echo "   load average (1, 5, 15 min): $(load_avg) before"
	printf "   %-58s %8s %10s %10s %10s %7s  %s\n" run "wall s" "PSS MiB" "RSS MiB" "bound MiB" within check
	mem_run "$N" "$BENCH_DIR/big.group.out" "$FORKPIPE" --stats -j"$N" "${D_GROUP[@]}"
	big_row "forkpipe -j$N group -k 1 count sum:4 ($BIG_RECS groups)" \
		"$(check_groups "$BENCH_DIR/big.group.out" "$BIG_RECS")"
	rm -f "$BENCH_DIR/big.group.out"
	mem_run "$N" "$BENCH_DIR/big.sort.out" "$FORKPIPE" --stats -j"$N" "${D_SORT[@]}"
	big_row "forkpipe -j$N sort -k7,7" "$(check_sorted "$BENCH_DIR/big.sort.out" "$BIG")"
	rm -f "$BENCH_DIR/big.sort.out"
	if [ "$BENCH_BIG_PEERS" = 1 ]; then
		mem_run 1 "$BENCH_DIR/big.sort.out" sort --parallel=2 -S "$BENCH_BIG_MEM" -T "$BENCH_DIR" \
			-t "$TAB" -k7,7 "$BIG"
		big_row "GNU sort --parallel=2 -S $BENCH_BIG_MEM -k7,7" \
			"$(check_sorted "$BENCH_DIR/big.sort.out" "$BIG")"
		rm -f "$BENCH_DIR/big.sort.out"
	fi
	echo "   load average (1, 5, 15 min): $(load_avg) after"
	echo "   within: the sampled PSS peak is at most --memory; bound: --stats, as above"
	echo
fi
rm -f "$BENCH_DIR"/peak.*
