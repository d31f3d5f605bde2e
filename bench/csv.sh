#!/usr/bin/env bash
# bench/csv.sh - time forkpipe --csv and --tsv against Miller, Python's csv
# module, coreutils, mawk, gawk and GNU parallel on synthetic CSV and TSV.
#
# Run by `make bench` (after bench/run.sh) or `make bench-csv`, or by hand
# from the build directory:
#   FORKPIPE=src/forkpipe GENCSV=bench/gencsv bash bench/csv.sh
#
# Environment (and FORKPIPE, BENCH_SIZE, BENCH_RUNS, BENCH_DIR: bench/lib.sh):
#   GENCSV          CSV generator               (default ./bench/gencsv;
#                   built from bench/gencsv.c into BENCH_DIR when missing)
#   BENCH_CSV_SIZE  size of the CSV and of the TSV file (default BENCH_SIZE)
#
# The cases, on the CSV file: (a) count records, (b) cut -f 1,3,5 into a
# file, (c) filter '$4 > 500' into a file; then on a TSV file of the same
# size with the same records (gencsv -t): (d) count records, (e) cut and
# (f) filter, against the tools that split lines on tabs.  forkpipe -j1 is
# the reference of every case; the tables are explained in bench/lib.sh.
#
# The header line is data everywhere: forkpipe runs without -H, Miller
# with --implicit-csv-header --headerless-csv-output, and the header's
# "amount" > 500 holds in every tool (a non-numeric string compares as a
# string, above "500"), so all outputs can be compared byte for byte.
# GNU parallel --pipepart splits the CSV at newlines, some inside quotes,
# so its count of lines is not a count of records: it is shown WRONG,
# never timed.  TSV records never span lines, so on TSV it is timed.

# `make bench` runs this with sh; the script needs bash.
if [ -z "${BASH_VERSION:-}" ]; then
	if command -v bash > /dev/null 2>&1; then
		exec bash "$0" "$@"
	fi
	echo "bench/csv.sh: bash is required" >&2
	exit 1
fi

set -u
set -o pipefail
export LC_ALL=C

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 1

GENCSV=${GENCSV:-./bench/gencsv}
BLOCK=32M
# shellcheck disable=SC2016 # an expression for the tools, not for this shell
FILTER='$4 > 500'

bench_setup
BENCH_CSV_SIZE=${BENCH_CSV_SIZE:-$BENCH_SIZE}
LABEL_W=57
# forkpipe -j1 is every case's reference: nothing to check against without it.
[ -x "$FORKPIPE" ] || die "no forkpipe at $FORKPIPE (build it first, or set FORKPIPE)"
clean_outputs csv_a csv_b csv_c tsv_d tsv_e tsv_f
CSV=$BENCH_DIR/orders.csv
TSV=$BENCH_DIR/orders.tsv
need_generator GENCSV gencsv
cache_input "$CSV" "$BENCH_CSV_SIZE" "$GENCSV"
cache_input "$TSV" "$BENCH_CSV_SIZE" "$GENCSV" -t

# ---- which tools are here ------------------------------------------------------

install_missing mlr:miller parallel:parallel mawk:mawk gawk:gawk

HAVE_MLR=0 HAVE_PAR=0 HAVE_PY=0 HAVE_MAWK=0 HAVE_GAWK=0 HAVE_FILTER=0
have mlr && HAVE_MLR=1
have_gnu_parallel && HAVE_PAR=1
have python3 && python3 -c 'import csv' > /dev/null 2>&1 && HAVE_PY=1
have mawk && HAVE_MAWK=1
have gawk && HAVE_GAWK=1
# The filter stage is newer than the others; an older build lacks it.
"$FORKPIPE" --help 2> /dev/null | grep -q '^  filter ' && HAVE_FILTER=1

missing=()
[ "$HAVE_MLR" = 1 ] || missing+=("mlr (Miller)")
[ "$HAVE_PY" = 1 ] || missing+=("python3")
[ "$HAVE_PAR" = 1 ] || missing+=("GNU parallel")
[ "$HAVE_MAWK" = 1 ] || missing+=("mawk")
[ "$HAVE_GAWK" = 1 ] || missing+=("gawk")
[ "$HAVE_FILTER" = 1 ] || missing+=("the filter stage of this forkpipe: cases (c) and (f)")

print_machine "forkpipe CSV/TSV benchmark"
print_input "$CSV" "quoted newlines: more lines than records"
print_input "$TSV" "the same records as TSV (gencsv -t)"
[ "$HAVE_MLR" = 1 ] && print_tool mlr mlr --version
[ "$HAVE_PY" = 1 ] && print_tool python3 python3 --version
[ "$HAVE_PAR" = 1 ] && print_tool parallel parallel --version
[ "$HAVE_MAWK" = 1 ] && print_tool mawk mawk -W version
[ "$HAVE_GAWK" = 1 ] && print_tool gawk gawk --version
print_tool cut cut --version
print_missing "${missing[@]}"
echo

# ---- the commands ----------------------------------------------------------------
# Each tool is a function writing its result to stdout; run_case sends
# stdout to a file.  Count tools print one number.

FP_CUT='cut -f 1,3,5'
FP_FILTER="filter '$FILTER'"
# The header is a record, as for forkpipe without -H; fields are named 1..10.
MLR=(mlr --icsv --ocsv --implicit-csv-header --headerless-csv-output)
# shellcheck disable=SC2016 # an awk program
AWK_CUT='{ print $1, $3, $5 }'

csv_a_fpN() { "$FORKPIPE" -j"$N" --csv -e count "$CSV"; }
csv_a_fp1() { "$FORKPIPE" -j1 --csv -e count "$CSV"; }
csv_a_mlr() { "${MLR[@]}" count "$CSV"; }
csv_a_py() { python3 -c 'import csv, sys; print(sum(1 for _ in csv.reader(open(sys.argv[1], newline=""))))' "$CSV"; }
csv_a_par() { parallel --pipepart -a "$CSV" --block "$BLOCK" -j "$N" wc -l < /dev/null | sum; }

csv_b_fpN() { "$FORKPIPE" -j"$N" --csv -e "$FP_CUT" "$CSV"; }
csv_b_fp1() { "$FORKPIPE" -j1 --csv -e "$FP_CUT" "$CSV"; }
csv_b_mlr() { "${MLR[@]}" cut -f 1,3,5 "$CSV"; }

csv_c_fpN() { "$FORKPIPE" -j"$N" --csv -e "$FP_FILTER" "$CSV"; }
csv_c_fp1() { "$FORKPIPE" -j1 --csv -e "$FP_FILTER" "$CSV"; }
csv_c_mlr() { "${MLR[@]}" filter "$FILTER" "$CSV"; }

# The same filters counting their matches: the work of filtering without
# the cost of writing half the input into the page cache, which is serial
# in the kernel (one inode) and on a small VM costs as much as the filter.
csv_g_fpN() { "$FORKPIPE" -j"$N" --csv -e "$FP_FILTER" -e count "$CSV"; }
csv_g_fp1() { "$FORKPIPE" -j1 --csv -e "$FP_FILTER" -e count "$CSV"; }
csv_g_mlr() { "${MLR[@]}" filter "$FILTER" then count "$CSV"; }
tsv_h_fpN() { "$FORKPIPE" -j"$N" --tsv -e "$FP_FILTER" -e count "$TSV"; }
tsv_h_fp1() { "$FORKPIPE" -j1 --tsv -e "$FP_FILTER" -e count "$TSV"; }
tsv_h_mawk() { mawk -F'\t' "$FILTER { n++ } END { print n + 0 }" "$TSV"; }
tsv_h_gawk() { gawk -F'\t' "$FILTER { n++ } END { print n + 0 }" "$TSV"; }

tsv_d_fpN() { "$FORKPIPE" -j"$N" --tsv -e count "$TSV"; }
tsv_d_fp1() { "$FORKPIPE" -j1 --tsv -e count "$TSV"; }
tsv_d_wc() { wc -l < "$TSV"; }
tsv_d_mawk() { mawk 'END { print NR }' "$TSV"; }
tsv_d_gawk() { gawk 'END { print NR }' "$TSV"; }

tsv_e_fpN() { "$FORKPIPE" -j"$N" --tsv -e "$FP_CUT" "$TSV"; }
tsv_e_fp1() { "$FORKPIPE" -j1 --tsv -e "$FP_CUT" "$TSV"; }
tsv_e_cut() { cut -f1,3,5 "$TSV"; }
tsv_e_mawk() { mawk -F'\t' -v OFS='\t' "$AWK_CUT" "$TSV"; }
tsv_e_gawk() { gawk -F'\t' -v OFS='\t' "$AWK_CUT" "$TSV"; }

tsv_f_fpN() { "$FORKPIPE" -j"$N" --tsv -e "$FP_FILTER" "$TSV"; }
tsv_f_fp1() { "$FORKPIPE" -j1 --tsv -e "$FP_FILTER" "$TSV"; }
tsv_f_mawk() { mawk -F'\t' "$FILTER" "$TSV"; }
tsv_f_gawk() { gawk -F'\t' "$FILTER" "$TSV"; }
# Lines are whole TSV records, so blocks cut at newlines are correct here.
tsv_f_par() { parallel --pipepart -a "$TSV" --block "$BLOCK" -k -j "$N" "mawk -F'\\t' '$FILTER'" < /dev/null; }

# ---- the cases: CSV ------------------------------------------------------------------

print_legend
[ "$HAVE_MLR" = 1 ] && echo "mlr ... = ${MLR[*]} (the header line is a record, as for forkpipe without -H)"
echo

add_fp csv_a "--csv -e count"
[ "$HAVE_MLR" = 1 ] && add_tool peer "mlr ... count" csv_a_mlr
[ "$HAVE_PY" = 1 ] && add_tool peer "python3 csv.reader, count rows" csv_a_py
[ "$HAVE_PAR" = 1 ] && add_tool peer "parallel --pipepart -j$N wc -l (counts lines)" csv_a_par
run_case "(a) CSV: count records" count "$CSV" -j"$N" --csv -e count "$CSV"

add_fp csv_b "--csv -e '$FP_CUT' > FILE"
[ "$HAVE_MLR" = 1 ] && add_tool peer "mlr ... cut -f 1,3,5 > FILE" csv_b_mlr
run_case "(b) CSV: cut -f 1,3,5 to a file" lines "$CSV" -j"$N" --csv -e "$FP_CUT" "$CSV"

if [ "$HAVE_FILTER" = 1 ]; then
	add_fp csv_c "--csv -e \"$FP_FILTER\" > FILE"
	[ "$HAVE_MLR" = 1 ] && add_tool peer "mlr ... filter '$FILTER' > FILE" csv_c_mlr
	run_case "(c) CSV: filter '$FILTER' to a file" lines "$CSV" -j"$N" --csv -e "$FP_FILTER" "$CSV"
else
	echo "(c) CSV filter: not timed, $FORKPIPE has no filter stage"
	echo
fi

if [ "$HAVE_FILTER" = 1 ]; then
	add_fp csv_g "--csv -e \"$FP_FILTER\" -e count"
	[ "$HAVE_MLR" = 1 ] && add_tool peer "mlr ... filter '$FILTER' then count" csv_g_mlr
	run_case "(g) CSV: filter '$FILTER', count the matches" count "$CSV" -j"$N" --csv -e "$FP_FILTER" -e count "$CSV"
fi

# ---- the cases: TSV ------------------------------------------------------------------

add_fp tsv_d "--tsv -e count"
add_tool peer "wc -l" tsv_d_wc
[ "$HAVE_MAWK" = 1 ] && add_tool peer "mawk 'END { print NR }'" tsv_d_mawk
[ "$HAVE_GAWK" = 1 ] && add_tool peer "gawk 'END { print NR }'" tsv_d_gawk
run_case "(d) TSV: count records" count "$TSV" -j"$N" --tsv -e count "$TSV"

add_fp tsv_e "--tsv -e '$FP_CUT' > FILE"
add_tool peer "cut -f1,3,5 > FILE" tsv_e_cut
[ "$HAVE_MAWK" = 1 ] && add_tool peer "mawk -F'\\t' -v OFS='\\t' '$AWK_CUT' > FILE" tsv_e_mawk
[ "$HAVE_GAWK" = 1 ] && add_tool peer "gawk -F'\\t' -v OFS='\\t' '$AWK_CUT' > FILE" tsv_e_gawk
run_case "(e) TSV: cut -f 1,3,5 to a file" lines "$TSV" -j"$N" --tsv -e "$FP_CUT" "$TSV"

if [ "$HAVE_FILTER" = 1 ]; then
	add_fp tsv_f "--tsv -e \"$FP_FILTER\" > FILE"
	[ "$HAVE_MAWK" = 1 ] && add_tool peer "mawk -F'\\t' '$FILTER' > FILE" tsv_f_mawk
	[ "$HAVE_GAWK" = 1 ] && add_tool peer "gawk -F'\\t' '$FILTER' > FILE" tsv_f_gawk
	[ "$HAVE_PAR" = 1 ] && [ "$HAVE_MAWK" = 1 ] &&
		add_tool peer "parallel --pipepart -k -j$N mawk -F'\\t' '$FILTER' > FILE" tsv_f_par
	run_case "(f) TSV: filter '$FILTER' to a file" lines "$TSV" -j"$N" --tsv -e "$FP_FILTER" "$TSV"
else
	echo "(f) TSV filter: not timed, $FORKPIPE has no filter stage"
	echo
fi

if [ "$HAVE_FILTER" = 1 ]; then
	add_fp tsv_h "--tsv -e \"$FP_FILTER\" -e count"
	[ "$HAVE_MAWK" = 1 ] && add_tool peer "mawk -F'\\t' '$FILTER { n++ } END ...'" tsv_h_mawk
	[ "$HAVE_GAWK" = 1 ] && add_tool peer "gawk -F'\\t' '$FILTER { n++ } END ...'" tsv_h_gawk
	run_case "(h) TSV: filter '$FILTER', count the matches" count "$TSV" -j"$N" --tsv -e "$FP_FILTER" -e count "$TSV"
fi
