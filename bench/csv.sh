#!/usr/bin/env bash
# bench/csv.sh - time forkpipe --csv against Miller, Python's csv module
# and GNU parallel on a synthetic CSV file.
#
# Run by hand from the build directory (or by a make target):
#   FORKPIPE=src/forkpipe GENCSV=bench/gencsv bash bench/csv.sh
#
# Environment:
#   FORKPIPE    forkpipe binary                 (default ./src/forkpipe)
#   GENCSV      CSV generator                   (default ./bench/gencsv;
#               built from bench/gencsv.c into BENCH_DIR when missing)
#   BENCH_SIZE  size of the generated CSV       (default 1G; K/M/G suffixes)
#   BENCH_RUNS  timed runs per tool and case    (default 5)
#   BENCH_DIR   work directory: the cached CSV and every tool's output
#               (default bench/out under the current directory)
#
# The cases: (a) count records, (b) cut -f 1,3,5 into a file, and (c)
# filter '$4 > 500' into a file when this forkpipe has the filter stage.
# forkpipe -j1 is the reference: every other result is checked against
# it, and a tool that disagrees shows WRONG instead of a time (GNU
# parallel --pipepart with wc -l counts lines, not records: quoted
# newlines make it wrong, and it is shown so, never timed).  Each table
# reports the median wall time of BENCH_RUNS runs, throughput, min and
# max, and ratio = tool median / forkpipe -jN median (N = online CPUs), so
# a ratio above 1 is how many times faster forkpipe -jN is.  Tools take
# turns run by run, and the file is read into the page cache before every
# timed run.  This follows bench/run.sh; the harness is repeated here
# because run.sh runs its cases when sourced.

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

FORKPIPE=${FORKPIPE:-./src/forkpipe}
GENCSV=${GENCSV:-./bench/gencsv}
BENCH_SIZE=${BENCH_SIZE:-1G}
BENCH_RUNS=${BENCH_RUNS:-5}
BENCH_DIR=${BENCH_DIR:-bench/out}
BLOCK=32M

die() {
	echo "bench: $*" >&2
	exit 1
}

case $BENCH_RUNS in
'' | *[!0-9]*) die "BENCH_RUNS must be a positive integer, not '$BENCH_RUNS'" ;;
esac
[ "$BENCH_RUNS" -ge 1 ] || die "BENCH_RUNS must be at least 1"
[ -x "$FORKPIPE" ] || die "no forkpipe at $FORKPIPE (build it first, or set FORKPIPE)"

mkdir -p "$BENCH_DIR" || die "cannot create $BENCH_DIR"
rm -f "$BENCH_DIR"/csv-*.out "$BENCH_DIR"/csv-*.err "$BENCH_DIR"/csv-*.ref "$BENCH_DIR/orders.csv.tmp"
NPROC=$(nproc 2> /dev/null || getconf _NPROCESSORS_ONLN 2> /dev/null || echo 1)
CSV=$BENCH_DIR/orders.csv

# ---- the generator and the cached file ---------------------------------------

if [ ! -x "$GENCSV" ]; then
	src=$(dirname "$0")/gencsv.c
	[ -f "$src" ] || die "no generator: $GENCSV is missing and $src not found"
	echo "building $BENCH_DIR/gencsv from $src"
	"${CC:-cc}" -O2 -std=gnu11 -o "$BENCH_DIR/gencsv" "$src" || die "cannot build gencsv"
	GENCSV=$BENCH_DIR/gencsv
fi

SIZE_BYTES=$("$GENCSV" -n "$BENCH_SIZE") || die "bad BENCH_SIZE '$BENCH_SIZE'"

file_size() {
	stat -c %s "$1" 2> /dev/null || wc -c < "$1"
}

if [ ! -f "$CSV" ] || [ "$(file_size "$CSV")" != "$SIZE_BYTES" ]; then
	echo "generating $CSV ($BENCH_SIZE = $SIZE_BYTES bytes)..."
	t0=${EPOCHREALTIME:-$(date +%s.%N)}
	"$GENCSV" "$BENCH_SIZE" > "$CSV.tmp" || die "gencsv failed"
	mv -f "$CSV.tmp" "$CSV" || die "cannot write $CSV"
	t1=${EPOCHREALTIME:-$(date +%s.%N)}
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "generated in %.2f s\n", b - a }'
fi
LINES=$(wc -l < "$CSV")

# ---- which tools are here ------------------------------------------------------

have() { command -v "$1" > /dev/null 2>&1; }

missing_pkgs=()
have mlr || missing_pkgs+=(miller)
have parallel || missing_pkgs+=(parallel)
if [ "${#missing_pkgs[@]}" -gt 0 ] && [ "$(id -u)" = 0 ] && have apt-get; then
	echo "installing ${missing_pkgs[*]} with apt-get (log: $BENCH_DIR/apt.log)..."
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing_pkgs[@]}" \
		> "$BENCH_DIR/apt.log" 2>&1 < /dev/null ||
		echo "apt-get install failed; going on without ${missing_pkgs[*]}"
fi

HAVE_MLR=0 HAVE_PAR=0 HAVE_PY=0 HAVE_FILTER=0
have mlr && HAVE_MLR=1
have parallel && parallel --version 2> /dev/null < /dev/null | grep -q 'GNU parallel' && HAVE_PAR=1
have python3 && python3 -c 'import csv' > /dev/null 2>&1 && HAVE_PY=1
"$FORKPIPE" --help 2> /dev/null | grep -q '^  filter ' && HAVE_FILTER=1

missing=()
[ "$HAVE_MLR" = 1 ] || missing+=("mlr (Miller)")
[ "$HAVE_PY" = 1 ] || missing+=("python3")
[ "$HAVE_PAR" = 1 ] || missing+=("GNU parallel")
[ "$HAVE_FILTER" = 1 ] || missing+=("the filter stage of this forkpipe: case (c)")

# ---- machine facts -------------------------------------------------------------

cpu_model=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2> /dev/null)
[ -n "$cpu_model" ] || cpu_model=unknown
mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo 2> /dev/null)
first_line() { "$@" 2>&1 < /dev/null | head -n 1; }

echo "forkpipe CSV benchmark"
echo "  date:     $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "  host:     $(uname -srm)"
echo "  cpu:      $cpu_model"
echo "  nproc:    $NPROC"
echo "  memory:   ${mem:-unknown}"
awk -v b="$SIZE_BYTES" -v l="$LINES" -v f="$CSV" 'BEGIN {
	printf "  input:    %s, %d bytes (%.1f MiB), %d lines\n", f, b, b / 1048576, l }'
echo "  runs:     $BENCH_RUNS per tool (median reported), page cache warmed before each"
[ "$HAVE_MLR" = 1 ] && echo "  mlr:      $(first_line mlr --version)"
[ "$HAVE_PY" = 1 ] && echo "  python3:  $(first_line python3 --version)"
[ "$HAVE_PAR" = 1 ] && echo "  parallel: $(first_line parallel --version)"
[ "${#missing[@]}" -gt 0 ] && echo "  missing:  $(printf '%s, ' "${missing[@]}" | sed 's/, $//') (not timed)"
echo

# ---- the commands ----------------------------------------------------------------

N=$NPROC
FILTER='$4 > 500'

sum() { awk '{ s += $1 } END { print s + 0 }'; }

a_fp1() { "$FORKPIPE" -j1 --csv -e count "$CSV"; }
a_fpN() { "$FORKPIPE" -j"$N" --csv -e count "$CSV"; }
a_mlr() { mlr --icsv --implicit-csv-header --onidx count "$CSV"; }
a_py() { python3 -c 'import csv, sys; print(sum(1 for _ in csv.reader(open(sys.argv[1], newline=""))))' "$CSV"; }
a_par() { parallel --pipepart -a "$CSV" --block "$BLOCK" -j "$N" wc -l < /dev/null | sum; }

b_fp1() { "$FORKPIPE" -j1 --csv -e 'cut -f 1,3,5' "$CSV"; }
b_fpN() { "$FORKPIPE" -j"$N" --csv -e 'cut -f 1,3,5' "$CSV"; }
b_mlr() { mlr --icsv --ocsv --implicit-csv-header --headerless-csv-output cut -f 1,3,5 "$CSV"; }

c_fp1() { "$FORKPIPE" -j1 --csv -H -e "filter '$FILTER'" "$CSV"; }
c_fpN() { "$FORKPIPE" -j"$N" --csv -H -e "filter '$FILTER'" "$CSV"; }
c_mlr() { mlr --icsv --ocsv filter '$amount > 500' "$CSV"; }

# ---- the harness (as in bench/run.sh) ---------------------------------------------

now() {
	if [ -n "${EPOCHREALTIME:-}" ]; then
		REPLY=$EPOCHREALTIME
	else
		REPLY=$(date +%s.%N)
	fi
}

count_of() {
	awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/) { print $i; exit } }' "$1"
}

stat_of() { # times -> "median min max"
	printf '%s\n' "$1" | tr ' ' '\n' | awk 'NF' | sort -g | awk '{ t[NR] = $1 } END {
		if (NR == 0) exit
		m = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
		printf "%.6f %.6f %.6f\n", m, t[1], t[NR] }'
}

T_LABEL=() T_FUNC=() T_KIND=() T_STATUS=() T_TIMES=() T_NOTE=()
add_tool() { # kind label func; kind: ref (forkpipe -j1), fpN, peer
	T_KIND+=("$1")
	T_LABEL+=("$2")
	T_FUNC+=("$3")
	T_STATUS+=(ok)
	T_TIMES+=("")
	T_NOTE+=("")
}

# run_case TITLE MODE: MODE "count" compares the first number printed,
# "lines" the whole output, byte for byte, with the reference's.
run_case() {
	local title=$1 mode=$2 n=${#T_FUNC[@]} i run ref=-1 fpn=-1 want="" out err rc t0 t1 got dt
	local tag=csv-${T_FUNC[0]%%_*}
	for ((i = 0; i < n; i++)); do
		[ "${T_KIND[i]}" = ref ] && [ "$ref" -lt 0 ] && ref=$i
		[ "${T_KIND[i]}" = fpN ] && fpn=$i
	done
	[ "$ref" -ge 0 ] || die "internal: case '$title' has no reference"
	local refout=$BENCH_DIR/$tag.ref runorder=("$ref")
	for ((i = 0; i < n; i++)); do
		[ "$i" = "$ref" ] || runorder+=("$i")
	done

	echo "== $title"
	for ((run = 1; run <= BENCH_RUNS; run++)); do
		printf '   run %d/%d:' "$run" "$BENCH_RUNS"
		for i in "${runorder[@]}"; do
			[ "${T_STATUS[i]}" = ok ] || continue
			if [ "$i" = "$ref" ]; then out=$refout; else out=$BENCH_DIR/$tag.$i.out; fi
			err=$BENCH_DIR/$tag.$i.err
			rm -f "$out"
			cat "$CSV" > /dev/null
			now
			t0=$REPLY
			"${T_FUNC[i]}" > "$out" 2> "$err"
			rc=$?
			now
			t1=$REPLY
			printf ' .'
			if [ "$rc" != 0 ]; then
				T_STATUS[i]=FAILED
				T_NOTE[i]="exit status $rc: $(head -c 300 "$err" | head -n 2 | tr '\n' ' ')"
				continue
			fi
			if [ "$i" != "$ref" ] && [ "${T_STATUS[ref]}" != ok ]; then
				:
			elif [ "$mode" = count ]; then
				got=$(count_of "$out")
				if [ "$i" = "$ref" ]; then
					want=$got
				elif [ "$got" != "$want" ]; then
					T_STATUS[i]=WRONG
					T_NOTE[i]="counted ${got:-nothing}, ${T_LABEL[ref]} counted $want"
				fi
			elif [ "$i" != "$ref" ] && ! cmp -s "$out" "$refout"; then
				T_STATUS[i]=WRONG
				T_NOTE[i]="output differs from ${T_LABEL[ref]}: $(wc -l < "$out") lines vs $(wc -l < "$refout"); $(cmp "$out" "$refout" 2>&1 | head -n 1)"
			fi
			[ "${T_STATUS[i]}" = ok ] || continue
			dt=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')
			T_TIMES[i]="${T_TIMES[i]} $dt"
		done
		echo
	done

	local expect base=""
	if [ "$mode" = count ]; then
		expect="${want:-?} records"
	else
		expect="$(wc -l < "$refout" 2> /dev/null || echo '?') lines, $(file_size "$refout" 2> /dev/null || echo '?') bytes"
	fi
	if [ "$fpn" -ge 0 ] && [ "${T_STATUS[fpn]}" = ok ] && [ -n "${T_TIMES[fpn]}" ]; then
		base=$(stat_of "${T_TIMES[fpn]}" | awk '{ print $1 }')
	fi
	echo "   reference (${T_LABEL[ref]}): $expect"
	printf '   %-52s %9s %9s %9s %9s %8s\n' tool "median s" "MB/s" "min s" "max s" ratio
	local order=() k notes=()
	for k in fpN ref peer; do
		for ((i = 0; i < n; i++)); do
			[ "${T_KIND[i]}" = "$k" ] && order+=("$i")
		done
	done
	for i in "${order[@]}"; do
		if [ "${T_STATUS[i]}" != ok ]; then
			printf '   %-52s %9s\n' "${T_LABEL[i]}" "${T_STATUS[i]}"
			notes+=("${T_LABEL[i]}: ${T_NOTE[i]}")
			continue
		fi
		stat_of "${T_TIMES[i]}" | awk -v label="${T_LABEL[i]}" -v bytes="$SIZE_BYTES" -v base="$base" '{
			ratio = (base != "" && base > 0) ? sprintf("%.2fx", $1 / base) : "n/a"
			printf "   %-52s %9.3f %9.1f %9.3f %9.3f %8s\n", label, $1, bytes / 1e6 / $1, $2, $3, ratio
		}'
	done
	if [ -n "$base" ] && [ "${T_STATUS[ref]}" = ok ]; then
		stat_of "${T_TIMES[ref]}" | awk -v base="$base" -v n="$N" '{
			printf "   speed-up forkpipe -j1 / -j%d: %.2fx\n", n, $1 / base }'
	fi
	for k in "${notes[@]}"; do
		echo "   note: $k"
	done
	echo
	[ "$mode" = lines ] && rm -f "$refout" "$BENCH_DIR/$tag".*.out
	T_LABEL=() T_FUNC=() T_KIND=() T_STATUS=() T_TIMES=() T_NOTE=()
}

echo "ratio = tool median / forkpipe -j$N median (above 1: forkpipe -j$N is that many times faster)"
echo "MB/s = input bytes / 10^6 / median; every command runs with LC_ALL=C and writes to a file"
echo

# (a) count records
add_tool ref "forkpipe -j1 --csv -e count" a_fp1
add_tool fpN "forkpipe -j$N --csv -e count" a_fpN
[ "$HAVE_MLR" = 1 ] && add_tool peer "mlr --icsv --implicit-csv-header count" a_mlr
[ "$HAVE_PY" = 1 ] && add_tool peer "python3 csv.reader, count rows" a_py
[ "$HAVE_PAR" = 1 ] && add_tool peer "parallel --pipepart -j$N wc -l (lines)" a_par
run_case "(a) count CSV records" count

# (b) cut
add_tool ref "forkpipe -j1 --csv -e 'cut -f 1,3,5' > FILE" b_fp1
add_tool fpN "forkpipe -j$N --csv -e 'cut -f 1,3,5' > FILE" b_fpN
[ "$HAVE_MLR" = 1 ] && add_tool peer "mlr --icsv --ocsv (implicit header) cut -f 1,3,5" b_mlr
run_case "(b) cut -f 1,3,5 to a file" lines

# (c) filter
if [ "$HAVE_FILTER" = 1 ]; then
	add_tool ref "forkpipe -j1 --csv -H -e 'filter \"$FILTER\"'" c_fp1
	add_tool fpN "forkpipe -j$N --csv -H -e 'filter \"$FILTER\"'" c_fpN
	[ "$HAVE_MLR" = 1 ] && add_tool peer "mlr --icsv --ocsv filter '\$amount > 500'" c_mlr
	run_case "(c) filter '$FILTER' (amount) to a file" lines
else
	echo "(c) filter: not timed, $FORKPIPE has no filter stage"
fi
