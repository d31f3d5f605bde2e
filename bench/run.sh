#!/usr/bin/env bash
# bench/run.sh - time forkpipe against the usual tools on a synthetic log.
#
# Run by `make bench` (before bench/csv.sh), or by hand from the build
# directory:
#   FORKPIPE=src/forkpipe GENLOG=bench/genlog bash bench/run.sh
#
# Environment (and FORKPIPE, BENCH_SIZE, BENCH_RUNS, BENCH_DIR: bench/lib.sh):
#   GENLOG      log generator                   (default ./bench/genlog;
#               built from bench/genlog.c into BENCH_DIR when missing)
#
# The cases, on a BENCH_SIZE access log: (a) count lines, (b) a literal
# and (c) a regex, each counted and printed to a file.  The reference is
# wc -l or grep; the tables are explained in bench/lib.sh.  rg and GNU
# parallel are installed with apt-get when missing and run as root.

# `make bench` runs this with sh; the script needs bash.
if [ -z "${BASH_VERSION:-}" ]; then
	if command -v bash > /dev/null 2>&1; then
		exec bash "$0" "$@"
	fi
	echo "bench/run.sh: bash is required" >&2
	exit 1
fi

set -u
set -o pipefail
export LC_ALL=C

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 1

GENLOG=${GENLOG:-./bench/genlog}
LIT=' 404 '
RE='GET /[a-z]+/[0-9]+ HTTP'
BLOCK=32M

bench_setup
clean_outputs a bc bp cc cp
LOG=$BENCH_DIR/access.log
need_generator GENLOG genlog
cache_input "$LOG" "$BENCH_SIZE" "$GENLOG"

# ---- which tools are here ------------------------------------------------------

install_missing rg:ripgrep parallel:parallel

HAVE_RG=0 HAVE_PAR=0 HAVE_GREP_P=0 HAVE_FP=0
have rg && HAVE_RG=1
have_gnu_parallel && HAVE_PAR=1
# grep -P is a build option of GNU grep.
echo x | grep -P 'x' > /dev/null 2>&1 && HAVE_GREP_P=1
[ -x "$FORKPIPE" ] && HAVE_FP=1

missing=()
[ "$HAVE_FP" = 1 ] || missing+=("forkpipe ($FORKPIPE)")
[ "$HAVE_RG" = 1 ] || missing+=("rg")
[ "$HAVE_PAR" = 1 ] || missing+=("GNU parallel")
[ "$HAVE_GREP_P" = 1 ] || missing+=("grep -P")

print_machine "forkpipe benchmark"
print_input "$LOG"
print_tool grep grep --version
[ "$HAVE_RG" = 1 ] && print_tool rg rg --version
[ "$HAVE_PAR" = 1 ] && print_tool parallel parallel --version
print_missing "${missing[@]}"
echo

# ---- the commands ----------------------------------------------------------------
# Each tool is a function writing its result to stdout; run_case sends
# stdout to a file.  Count tools print one number.

FP_GREP_F="grep -F \"$LIT\""
FP_GREP_E="grep \"$RE\""

# A block without a match makes grep -c exit 1: not an error here.
par() { parallel --pipepart -a "$LOG" --block "$BLOCK" -j "$N" "$@" < /dev/null; }

a_fpN() { "$FORKPIPE" -j"$N" -e count "$LOG"; }
a_fp1() { "$FORKPIPE" -j1 -e count "$LOG"; }
a_wc() { wc -l < "$LOG"; }
a_par() { par "wc -l" | sum; }

bc_fpN() { "$FORKPIPE" -j"$N" -e "$FP_GREP_F" -e count "$LOG"; }
bc_fp1() { "$FORKPIPE" -j1 -e "$FP_GREP_F" -e count "$LOG"; }
bc_grepF() { grep -F -c "$LIT" "$LOG"; }
bc_grep() { grep -c "$LIT" "$LOG"; }
bc_rg() { rg -c -F "$LIT" "$LOG"; }
bc_par() { par "grep -F -c '$LIT' || [ \$? -eq 1 ]" | sum; }

bp_fpN() { "$FORKPIPE" -j"$N" -e "$FP_GREP_F" "$LOG"; }
bp_fp1() { "$FORKPIPE" -j1 -e "$FP_GREP_F" "$LOG"; }
bp_grepF() { grep -F "$LIT" "$LOG"; }
bp_rg() { rg -F --no-filename --no-line-number "$LIT" "$LOG"; }
bp_par() { par -k "grep -F '$LIT' || [ \$? -eq 1 ]"; }

cc_fpN() { "$FORKPIPE" -j"$N" -e "$FP_GREP_E" -e count "$LOG"; }
cc_fp1() { "$FORKPIPE" -j1 -e "$FP_GREP_E" -e count "$LOG"; }
cc_grepE() { grep -E -c "$RE" "$LOG"; }
cc_grepP() { grep -P -c "$RE" "$LOG"; }
cc_rg() { rg -c "$RE" "$LOG"; }
cc_par() { par "grep -E -c '$RE' || [ \$? -eq 1 ]" | sum; }

cp_fpN() { "$FORKPIPE" -j"$N" -e "$FP_GREP_E" "$LOG"; }
cp_fp1() { "$FORKPIPE" -j1 -e "$FP_GREP_E" "$LOG"; }
cp_grepE() { grep -E "$RE" "$LOG"; }
cp_grepP() { grep -P "$RE" "$LOG"; }
cp_rg() { rg --no-filename --no-line-number "$RE" "$LOG"; }
cp_par() { par -k "grep -E '$RE' || [ \$? -eq 1 ]"; }

# ---- the cases ---------------------------------------------------------------------

print_legend
[ "$HAVE_FP" = 1 ] || echo "forkpipe rows are missing: $FORKPIPE is not an executable"
echo

# (a) count lines
add_fp a "-e count"
add_tool ref "wc -l" a_wc
[ "$HAVE_PAR" = 1 ] && add_tool peer "parallel --pipepart -j$N wc -l" a_par
run_case "(a) count lines" count "$LOG" -j"$N" -e count "$LOG"

# (b) literal ' 404 '
add_fp bc "-e 'grep -F \" 404 \"' -e count"
add_tool ref "grep -F -c" bc_grepF
add_tool peer "grep -c" bc_grep
[ "$HAVE_RG" = 1 ] && add_tool peer "rg -c -F" bc_rg
[ "$HAVE_PAR" = 1 ] && add_tool peer "parallel --pipepart -j$N grep -F -c" bc_par
run_case "(b) literal '$LIT': count matching lines" count "$LOG" -j"$N" -e "$FP_GREP_F" -e count "$LOG"

add_fp bp "-e 'grep -F \" 404 \"' > FILE"
add_tool ref "grep -F > FILE" bp_grepF
[ "$HAVE_RG" = 1 ] && add_tool peer "rg -F > FILE" bp_rg
[ "$HAVE_PAR" = 1 ] && add_tool peer "parallel --pipepart -k -j$N grep -F > FILE" bp_par
run_case "(b) literal '$LIT': print matching lines to a file" lines "$LOG" -j"$N" -e "$FP_GREP_F" "$LOG"

# (c) regex
add_fp cc "-e 'grep RE' -e count"
add_tool ref "grep -E -c" cc_grepE
[ "$HAVE_GREP_P" = 1 ] && add_tool peer "grep -P -c" cc_grepP
[ "$HAVE_RG" = 1 ] && add_tool peer "rg -c" cc_rg
[ "$HAVE_PAR" = 1 ] && add_tool peer "parallel --pipepart -j$N grep -E -c" cc_par
run_case "(c) regex RE='$RE': count matching lines" count "$LOG" -j"$N" -e "$FP_GREP_E" -e count "$LOG"

add_fp cp "-e 'grep RE' > FILE"
add_tool ref "grep -E > FILE" cp_grepE
[ "$HAVE_GREP_P" = 1 ] && add_tool peer "grep -P > FILE" cp_grepP
[ "$HAVE_RG" = 1 ] && add_tool peer "rg > FILE" cp_rg
[ "$HAVE_PAR" = 1 ] && add_tool peer "parallel --pipepart -k -j$N grep -E > FILE" cp_par
run_case "(c) regex RE='$RE': print matching lines to a file" lines "$LOG" -j"$N" -e "$FP_GREP_E" "$LOG"

echo "(d) GNU parallel --pipepart --block $BLOCK -j$N appears in the tables above."
