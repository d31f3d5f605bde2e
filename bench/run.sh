#!/usr/bin/env bash
# bench/run.sh - time forkpipe against the usual tools on a synthetic log.
#
# Run by `make bench`, or by hand from the build directory:
#   FORKPIPE=src/forkpipe GENLOG=bench/genlog bash bench/run.sh
#
# Environment:
#   FORKPIPE    forkpipe binary                 (default ./src/forkpipe)
#   GENLOG      log generator                   (default ./bench/genlog)
#   BENCH_SIZE  size of the generated log       (default 1G; K/M/G suffixes)
#   BENCH_RUNS  timed runs per tool and case    (default 5)
#   BENCH_DIR   work directory: the cached log and every tool's output
#               (default bench/out under the current directory)
#
# Each table reports the median wall time of BENCH_RUNS runs, throughput,
# min and max, and ratio = tool median / forkpipe -jN median, so a ratio
# above 1 is how many times faster forkpipe -jN is.  Tools take turns run
# by run, the log is read into the page cache before every timed run, and
# every result is checked against the reference tool (wc -l or grep): a
# tool that disagrees shows WRONG instead of a time.

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

FORKPIPE=${FORKPIPE:-./src/forkpipe}
GENLOG=${GENLOG:-./bench/genlog}
BENCH_SIZE=${BENCH_SIZE:-1G}
BENCH_RUNS=${BENCH_RUNS:-5}
BENCH_DIR=${BENCH_DIR:-bench/out}

LIT=' 404 '
RE='GET /[a-z]+/[0-9]+ HTTP'
BLOCK=32M

die() {
	echo "bench: $*" >&2
	exit 1
}

case $BENCH_RUNS in
'' | *[!0-9]*) die "BENCH_RUNS must be a positive integer, not '$BENCH_RUNS'" ;;
esac
[ "$BENCH_RUNS" -ge 1 ] || die "BENCH_RUNS must be at least 1"

mkdir -p "$BENCH_DIR" || die "cannot create $BENCH_DIR"
# Outputs of an earlier run (the cached log stays).
rm -f "$BENCH_DIR"/*.out "$BENCH_DIR"/*.err "$BENCH_DIR"/*.ref "$BENCH_DIR/access.log.tmp"
NPROC=$(nproc 2> /dev/null || getconf _NPROCESSORS_ONLN 2> /dev/null || echo 1)
LOG=$BENCH_DIR/access.log

# ---- the generator and the cached log ----------------------------------

if [ ! -x "$GENLOG" ]; then
	# Not built (e.g. run by hand): build it next to the log.
	src=$(dirname "$0")/genlog.c
	[ -f "$src" ] || die "no generator: $GENLOG is missing and $src not found"
	echo "building $BENCH_DIR/genlog from $src"
	"${CC:-cc}" -O2 -std=gnu11 -o "$BENCH_DIR/genlog" "$src" || die "cannot build genlog"
	GENLOG=$BENCH_DIR/genlog
fi

SIZE_BYTES=$("$GENLOG" -n "$BENCH_SIZE") || die "bad BENCH_SIZE '$BENCH_SIZE'"
[ "$SIZE_BYTES" -gt 0 ] || die "BENCH_SIZE must be more than 0 bytes"

file_size() {
	stat -c %s "$1" 2> /dev/null || wc -c < "$1"
}

if [ ! -f "$LOG" ] || [ "$(file_size "$LOG")" != "$SIZE_BYTES" ]; then
	echo "generating $LOG ($BENCH_SIZE = $SIZE_BYTES bytes)..."
	t0=${EPOCHREALTIME:-$(date +%s.%N)}
	"$GENLOG" "$BENCH_SIZE" > "$LOG.tmp" || die "genlog failed"
	mv -f "$LOG.tmp" "$LOG" || die "cannot write $LOG"
	t1=${EPOCHREALTIME:-$(date +%s.%N)}
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "generated in %.2f s\n", b - a }'
fi
LINES=$(wc -l < "$LOG")

# ---- which tools are here ------------------------------------------------

have() { command -v "$1" > /dev/null 2>&1; }

missing_pkgs=()
have rg || missing_pkgs+=(ripgrep)
have parallel || missing_pkgs+=(parallel)
if [ "${#missing_pkgs[@]}" -gt 0 ] && [ "$(id -u)" = 0 ] && have apt-get; then
	echo "installing ${missing_pkgs[*]} with apt-get (log: $BENCH_DIR/apt.log)..."
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing_pkgs[@]}" \
		> "$BENCH_DIR/apt.log" 2>&1 < /dev/null ||
		echo "apt-get install failed; going on without ${missing_pkgs[*]}"
fi

HAVE_RG=0 HAVE_PAR=0 HAVE_GREP_P=0 HAVE_FP=0
have rg && HAVE_RG=1
# GNU parallel, not the moreutils one.
have parallel && parallel --version 2> /dev/null < /dev/null | grep -q 'GNU parallel' && HAVE_PAR=1
# grep -P is a build option of GNU grep.
echo x | grep -P 'x' > "$BENCH_DIR/grep-p.check" 2>&1 && HAVE_GREP_P=1
[ -x "$FORKPIPE" ] && HAVE_FP=1

missing=()
[ "$HAVE_FP" = 1 ] || missing+=("forkpipe ($FORKPIPE)")
[ "$HAVE_RG" = 1 ] || missing+=("rg")
[ "$HAVE_PAR" = 1 ] || missing+=("GNU parallel")
[ "$HAVE_GREP_P" = 1 ] || missing+=("grep -P")

# ---- machine facts -------------------------------------------------------

cpu_model=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2> /dev/null)
[ -n "$cpu_model" ] || cpu_model=$(lscpu 2> /dev/null | awk -F': *' '/^Model name/ { print $2; exit }')
[ -n "$cpu_model" ] || cpu_model=unknown
mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo 2> /dev/null)

first_line() { "$@" 2>&1 < /dev/null | head -n 1; }

echo "forkpipe benchmark"
echo "  date:     $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "  host:     $(uname -srm)"
echo "  cpu:      $cpu_model"
echo "  nproc:    $NPROC"
echo "  memory:   ${mem:-unknown}"
awk -v b="$SIZE_BYTES" -v l="$LINES" -v f="$LOG" 'BEGIN {
	printf "  input:    %s, %d bytes (%.1f MiB), %d lines\n", f, b, b / 1048576, l }'
echo "  runs:     $BENCH_RUNS per tool (median reported), page cache warmed before each"
echo "  grep:     $(first_line grep --version)"
[ "$HAVE_RG" = 1 ] && echo "  rg:       $(first_line rg --version)"
[ "$HAVE_PAR" = 1 ] && echo "  parallel: $(first_line parallel --version)"
[ "${#missing[@]}" -gt 0 ] && echo "  missing:  $(printf '%s, ' "${missing[@]}" | sed 's/, $//') (not timed)"
echo

# ---- the commands ----------------------------------------------------------
# Each tool is a function writing its result to stdout; the runner sends
# stdout to a file.  Count tools print one number.

N=$NPROC
FP_GREP_F="grep -F \"$LIT\""
FP_GREP_E="grep \"$RE\""

sum() { awk '{ s += $1 } END { print s + 0 }'; }
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

# ---- helpers -----------------------------------------------------------------

now() {
	if [ -n "${EPOCHREALTIME:-}" ]; then
		REPLY=$EPOCHREALTIME
	else
		REPLY=$(date +%s.%N)
	fi
}

# The first run of digits in a count tool's output ("123", "123 lines", ...).
count_of() {
	awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/) { print $i; exit } }' "$1"
}

stat_of() { # times -> "median min max"
	printf '%s\n' "$1" | tr ' ' '\n' | awk 'NF' | sort -g | awk '{ t[NR] = $1 } END {
		if (NR == 0) exit
		m = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
		printf "%.6f %.6f %.6f\n", m, t[1], t[NR] }'
}

# Per-case state, filled by add_tool and the runner.
T_LABEL=() T_FUNC=() T_KIND=() T_STATUS=() T_TIMES=() T_NOTE=()

add_tool() { # kind label func; kind: ref (reference), fpN, fp1, peer
	T_KIND+=("$1")
	T_LABEL+=("$2")
	T_FUNC+=("$3")
	T_STATUS+=(ok)
	T_TIMES+=("")
	T_NOTE+=("")
}

reset_case() {
	T_LABEL=() T_FUNC=() T_KIND=() T_STATUS=() T_TIMES=() T_NOTE=()
}

# Supervisor share of forkpipe's CPU time, from `--stats` on stderr:
# a line with supervisor_cpu=<s> and workers_cpu=<s> (any other *_cpu=
# fields count toward the total).  Prints "n/a" without such a line.
supervisor_share() { # func-args...
	local err=$BENCH_DIR/stats.err out=$BENCH_DIR/stats.out
	if ! "$FORKPIPE" --stats "$@" > "$out" 2> "$err"; then
		echo "n/a"
		return
	fi
	awk '{
		for (i = 1; i <= NF; i++) {
			if (split($i, kv, "=") != 2 || kv[1] !~ /_cpu$/) continue
			v = kv[2]; sub(/s$/, "", v)
			if (v !~ /^[0-9]*\.?[0-9]+$/) continue
			if (kv[1] == "supervisor_cpu") { sup = v; found = 1 }
			total += v
		}
	}
	END {
		if (!found) print "n/a"
		else if (total <= 0) print "0.0% (no CPU time recorded)"
		else printf "%.1f%% (supervisor %.3f s of %.3f s CPU)\n", 100 * sup / total, sup, total
	}' "$err"
}

# run_case TITLE MODE [fp-args...]
#   MODE is "count" (results are numbers) or "lines" (outputs compared
#   byte for byte).  The fp-args rebuild forkpipe -jN's command line for
#   the --stats run.  Tools were registered with add_tool; the first tool
#   of kind "ref" is the reference.
run_case() {
	local title=$1 mode=$2
	shift 2
	local n=${#T_FUNC[@]} i run ref=-1 want="" out err rc t0 t1 got dt
	local tag=${T_FUNC[0]%%_*}

	for ((i = 0; i < n; i++)); do
		if [ "${T_KIND[i]}" = ref ]; then
			ref=$i
			break
		fi
	done
	[ "$ref" -ge 0 ] || die "internal: case '$title' has no reference tool"
	local refout=$BENCH_DIR/$tag.ref
	local runorder=("$ref")
	for ((i = 0; i < n; i++)); do
		[ "$i" = "$ref" ] || runorder+=("$i")
	done

	echo "== $title"
	for ((run = 1; run <= BENCH_RUNS; run++)); do
		printf '   run %d/%d:' "$run" "$BENCH_RUNS"
		# The reference goes first so every other result can be checked.
		for i in "${runorder[@]}"; do
			[ "${T_STATUS[i]}" = ok ] || continue
			if [ "$i" = "$ref" ]; then out=$refout; else out=$BENCH_DIR/$tag.$i.out; fi
			err=$BENCH_DIR/$tag.$i.err
			rm -f "$out"
			sync
			cat "$LOG" > /dev/null
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
				: # no reference result to check against
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

	# Reference result for the header.
	local expect
	if [ "$mode" = count ]; then
		expect="${want:-?} lines"
	else
		expect="$(wc -l < "$refout" 2> /dev/null || echo '?') lines, $(file_size "$refout" 2> /dev/null || echo '?') bytes"
	fi

	# Median of forkpipe -jN, the base of the ratios.
	local fpn=-1 base=""
	for ((i = 0; i < n; i++)); do
		if [ "${T_KIND[i]}" = fpN ]; then fpn=$i; fi
	done
	if [ "$fpn" -ge 0 ] && [ "${T_STATUS[fpn]}" = ok ] && [ -n "${T_TIMES[fpn]}" ]; then
		base=$(stat_of "${T_TIMES[fpn]}" | awk '{ print $1 }')
	fi

	echo "   reference (${T_LABEL[ref]}): $expect"
	printf '   %-44s %9s %9s %9s %9s %8s\n' tool "median s" "MB/s" "min s" "max s" ratio
	local order=() k
	for k in fpN fp1 ref peer; do
		for ((i = 0; i < n; i++)); do
			[ "${T_KIND[i]}" = "$k" ] && order+=("$i")
		done
	done
	local notes=()
	for i in "${order[@]}"; do
		if [ "${T_STATUS[i]}" != ok ]; then
			printf '   %-44s %9s\n' "${T_LABEL[i]}" "${T_STATUS[i]}"
			notes+=("${T_LABEL[i]}: ${T_NOTE[i]}")
			continue
		fi
		stat_of "${T_TIMES[i]}" | awk -v label="${T_LABEL[i]}" -v bytes="$SIZE_BYTES" -v base="$base" '{
			ratio = (base != "" && base > 0) ? sprintf("%.2fx", $1 / base) : "n/a"
			printf "   %-44s %9.3f %9.1f %9.3f %9.3f %8s\n", label, $1, bytes / 1e6 / $1, $2, $3, ratio
		}'
	done
	local j1=-1
	for ((i = 0; i < n; i++)); do
		if [ "${T_KIND[i]}" = fp1 ]; then j1=$i; fi
	done
	if [ "$fpn" -ge 0 ] && [ "$j1" -ge 0 ]; then
		if [ -n "$base" ] && [ "${T_STATUS[j1]}" = ok ]; then
			stat_of "${T_TIMES[j1]}" | awk -v base="$base" -v n="$N" '{
				printf "   speed-up forkpipe -j1 / -j%d: %.2fx\n", n, $1 / base }'
		else
			echo "   speed-up forkpipe -j1 / -j$N: n/a"
		fi
	fi
	if [ "$fpn" -ge 0 ]; then
		if [ -n "$base" ]; then
			echo "   supervisor CPU share (forkpipe -j$N): $(supervisor_share "$@")"
		else
			echo "   supervisor CPU share (forkpipe -j$N): n/a"
		fi
	fi
	for k in "${notes[@]}"; do
		echo "   note: $k"
	done
	echo

	# Line outputs can be large: keep only the small count results.
	if [ "$mode" = lines ]; then
		rm -f "$refout" "$BENCH_DIR/$tag".*.out "$BENCH_DIR/stats.out"
	fi
	reset_case
}

# Register forkpipe -jN and -j1 (or show them as missing).
add_fp() { # prefix label-suffix
	if [ "$HAVE_FP" = 1 ]; then
		add_tool fpN "forkpipe -j$N $2" "$1_fpN"
		add_tool fp1 "forkpipe -j1 $2" "$1_fp1"
	fi
}

echo "ratio = tool median / forkpipe -j$N median (above 1: forkpipe -j$N is that many times faster)"
echo "MB/s = input bytes / 10^6 / median; every command runs with LC_ALL=C and writes to a file"
[ "$HAVE_FP" = 1 ] || echo "forkpipe rows are missing: $FORKPIPE is not an executable"
echo

# (a) count lines
add_fp a "-e count"
add_tool ref "wc -l" a_wc
[ "$HAVE_PAR" = 1 ] && add_tool peer "parallel --pipepart -j$N wc -l" a_par
run_case "(a) count lines" count -j"$N" -e count "$LOG"

# (b) literal ' 404 '
add_fp bc "-e 'grep -F \" 404 \"' -e count"
add_tool ref "grep -F -c" bc_grepF
add_tool peer "grep -c" bc_grep
[ "$HAVE_RG" = 1 ] && add_tool peer "rg -c -F" bc_rg
[ "$HAVE_PAR" = 1 ] && add_tool peer "parallel --pipepart -j$N grep -F -c" bc_par
run_case "(b) literal '$LIT': count matching lines" count -j"$N" -e "$FP_GREP_F" -e count "$LOG"

add_fp bp "-e 'grep -F \" 404 \"' > FILE"
add_tool ref "grep -F > FILE" bp_grepF
[ "$HAVE_RG" = 1 ] && add_tool peer "rg -F > FILE" bp_rg
[ "$HAVE_PAR" = 1 ] && add_tool peer "parallel --pipepart -k -j$N grep -F > FILE" bp_par
run_case "(b) literal '$LIT': print matching lines to a file" lines -j"$N" -e "$FP_GREP_F" "$LOG"

# (c) regex
add_fp cc "-e 'grep RE' -e count"
add_tool ref "grep -E -c" cc_grepE
[ "$HAVE_GREP_P" = 1 ] && add_tool peer "grep -P -c" cc_grepP
[ "$HAVE_RG" = 1 ] && add_tool peer "rg -c" cc_rg
[ "$HAVE_PAR" = 1 ] && add_tool peer "parallel --pipepart -j$N grep -E -c" cc_par
run_case "(c) regex RE='$RE': count matching lines" count -j"$N" -e "$FP_GREP_E" -e count "$LOG"

add_fp cp "-e 'grep RE' > FILE"
add_tool ref "grep -E > FILE" cp_grepE
[ "$HAVE_GREP_P" = 1 ] && add_tool peer "grep -P > FILE" cp_grepP
[ "$HAVE_RG" = 1 ] && add_tool peer "rg > FILE" cp_rg
[ "$HAVE_PAR" = 1 ] && add_tool peer "parallel --pipepart -k -j$N grep -E > FILE" cp_par
run_case "(c) regex RE='$RE': print matching lines to a file" lines -j"$N" -e "$FP_GREP_E" "$LOG"

echo "(d) GNU parallel --pipepart --block $BLOCK -j$N appears in the tables above."
