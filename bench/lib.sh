# shellcheck shell=bash
# bench/lib.sh - the timing harness shared by bench/run.sh (log cases) and
# bench/csv.sh (CSV and TSV cases).  Sourced with bash; it only defines
# functions, so a script decides what runs and in which order.
#
# A script calls bench_setup, makes its inputs with need_generator and
# cache_input, prints the machine with print_machine, and then, case by
# case, registers tools with add_tool (or add_fp) and runs them with
# run_case, which prints one table per case:
#
#   median wall time of BENCH_RUNS runs, throughput (input file bytes /
#   10^6 / median), min, max, and ratio = tool median / forkpipe -jN
#   median (N = online CPUs), so a ratio above 1 is how many times faster
#   forkpipe -jN is.
#
# Tools take turns run by run, in reverse order every other run (a slow
# phase of the machine, or the wake of the run before, hits every tool
# alike), the case's input file is read into the page cache before every
# timed run, and every result is checked against the case's reference: a
# tool that disagrees shows WRONG and is not timed again.
#
# Environment read by bench_setup:
#   FORKPIPE    forkpipe binary                 (default ./src/forkpipe)
#   BENCH_SIZE  size of the generated inputs    (default 1G; K/M/G/T suffixes)
#   BENCH_RUNS  timed runs per tool and case    (default 5)
#   BENCH_DIR   work directory: the cached inputs and every tool's output
#               (default bench/out under the current directory)

# ---- small helpers -----------------------------------------------------------

die() {
	echo "bench: $*" >&2
	exit 1
}

have() { command -v "$1" > /dev/null 2>&1; }

file_size() {
	stat -c %s "$1" 2> /dev/null || wc -c < "$1"
}

# The first line a command prints about itself (for --version banners).
first_line() { "$@" 2>&1 < /dev/null | head -n 1; }

# Sum of the first column: per-block counts of parallel --pipepart.
sum() { awk '{ s += $1 } END { print s + 0 }'; }

# Wall clock in seconds into REPLY; EPOCHREALTIME (bash 5) costs no fork.
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

stat_of() { # "t1 t2 ..." -> "median min max"
	printf '%s\n' "$1" | tr ' ' '\n' | awk 'NF' | sort -g | awk '{ t[NR] = $1 } END {
		if (NR == 0) exit
		m = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
		printf "%.6f %.6f %.6f\n", m, t[1], t[NR] }'
}

# case_wanted LIST LETTER: whether LIST (a script's BENCH_*_CASES: the
# letters of its cases, separated by spaces) names the case LETTER.
case_wanted() {
	case " $1 " in
	*" $2 "*) return 0 ;;
	esac
	return 1
}

# GNU parallel, not the moreutils one of the same name.
have_gnu_parallel() {
	have parallel && parallel --version 2> /dev/null < /dev/null | grep -q 'GNU parallel'
}

# ---- setup -------------------------------------------------------------------

# Defaults, validation, the work directory; sets N to the online CPUs.
bench_setup() {
	FORKPIPE=${FORKPIPE:-./src/forkpipe}
	BENCH_SIZE=${BENCH_SIZE:-1G}
	BENCH_RUNS=${BENCH_RUNS:-5}
	BENCH_DIR=${BENCH_DIR:-bench/out}
	case $BENCH_RUNS in
	'' | *[!0-9]*) die "BENCH_RUNS must be a positive integer, not '$BENCH_RUNS'" ;;
	esac
	[ "$BENCH_RUNS" -ge 1 ] || die "BENCH_RUNS must be at least 1"
	mkdir -p "$BENCH_DIR" || die "cannot create $BENCH_DIR"
	N=$(nproc 2> /dev/null || getconf _NPROCESSORS_ONLN 2> /dev/null || echo 1)
	# Column width of the tool labels; a script may widen it after this.
	LABEL_W=44
}

# Remove what earlier runs of these cases left (cached inputs stay).
clean_outputs() { # tag...
	local t
	for t in "$@"; do
		rm -f "$BENCH_DIR/$t".*.out "$BENCH_DIR/$t".*.err "$BENCH_DIR/$t".ref
	done
	rm -f "$BENCH_DIR"/*.tmp "$BENCH_DIR"/stats.out "$BENCH_DIR"/stats.json
}

# need_generator VAR NAME: make $VAR a runnable generator.  `make bench`
# passes the built one; run by hand without it, build bench/NAME.c (which
# includes bench/genutil.h from its own directory) into BENCH_DIR.
need_generator() {
	local var=$1 name=$2 src
	[ -x "${!var}" ] && return
	src=$(dirname "${BASH_SOURCE[0]}")/$name.c
	[ -f "$src" ] || die "no generator: ${!var} is missing and $src not found"
	echo "building $BENCH_DIR/$name from $src"
	"${CC:-cc}" -O2 -std=gnu11 -o "$BENCH_DIR/$name" "$src" || die "cannot build $name"
	printf -v "$var" '%s' "$BENCH_DIR/$name"
}

# cache_input FILE SIZE GENERATOR [OPTION...]: write FILE with the
# generator unless it already has the size SIZE stands for.  Generators
# are deterministic, so a file of the right size is the right file.
cache_input() {
	local file=$1 size=$2 gen=$3 bytes t0 t1
	shift 3
	bytes=$("$gen" "$@" -n "$size" 2> /dev/null) || die "bad size '$size' for $gen"
	[ "$bytes" -gt 0 ] || die "the size must be more than 0 bytes, not '$size'"
	[ -f "$file" ] && [ "$(file_size "$file")" = "$bytes" ] && return
	echo "generating $file ($size = $bytes bytes)..."
	now
	t0=$REPLY
	"$gen" "$@" "$size" > "$file.tmp" || die "$gen failed"
	mv -f "$file.tmp" "$file" || die "cannot write $file"
	now
	t1=$REPLY
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "generated in %.2f s\n", b - a }'
}

# DuckDB, a peer of bench/agg.sh and bench/join.sh: node and
# @duckdb/node-api, from NODE_PATH or BENCH_DIR/node, installed there with
# npm when missing (never by ./bootstrap or CI).  Sets DUCKDB_JS and
# HAVE_DUCK (1 when it runs).
duckdb_setup() {
	DUCKDB_JS=$(dirname "${BASH_SOURCE[0]}")/duckdb.js
	export NODE_PATH=$BENCH_DIR/node/node_modules${NODE_PATH:+:$NODE_PATH}
	if have node && ! have_duckdb && have npm; then
		echo "installing @duckdb/node-api with npm into $BENCH_DIR/node (log: $BENCH_DIR/npm.log)..."
		npm install --prefix "$BENCH_DIR/node" @duckdb/node-api > "$BENCH_DIR/npm.log" 2>&1 < /dev/null ||
			echo "npm install failed; going on without DuckDB"
	fi
	HAVE_DUCK=0
	have_duckdb && HAVE_DUCK=1
}
have_duckdb() { have node && node -e "require('@duckdb/node-api')" > /dev/null 2>&1; }

# install_missing COMMAND:PACKAGE...: apt-get the packages whose command
# is missing, only as root (never sudo from a benchmark); else carry on
# and let the tables say what is missing.
install_missing() {
	local pair pkgs=()
	for pair in "$@"; do
		have "${pair%%:*}" || pkgs+=("${pair#*:}")
	done
	[ "${#pkgs[@]}" -gt 0 ] && [ "$(id -u)" = 0 ] && have apt-get || return 0
	echo "installing ${pkgs[*]} with apt-get (log: $BENCH_DIR/apt.log)..."
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${pkgs[@]}" \
		> "$BENCH_DIR/apt.log" 2>&1 < /dev/null ||
		echo "apt-get install failed; going on without ${pkgs[*]}"
}

# ---- what the tables were measured on ----------------------------------------

# The 1, 5 and 15 minute load averages: other work on the machine slows
# every figure, so each table says what the load was.
load_avg() {
	local a b c
	read -r a b c _ < /proc/loadavg 2> /dev/null && echo "$a $b $c" && return
	uptime | sed 's/.*load average: *//; s/,//g'
}

print_machine() { # title
	local cpu mem
	cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2> /dev/null)
	[ -n "$cpu" ] || cpu=$(lscpu 2> /dev/null | awk -F': *' '/^Model name/ { print $2; exit }')
	mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo 2> /dev/null)
	echo "$1"
	echo "  date:     $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	echo "  host:     $(uname -srm)"
	echo "  cpu:      ${cpu:-unknown}"
	echo "  nproc:    $N"
	echo "  memory:   ${mem:-unknown}"
	echo "  runs:     $BENCH_RUNS per tool (median reported), page cache warmed before each"
	echo "  load:     $(load_avg) (1, 5, 15 min) at the start"
}

print_input() { # file [what]
	local bytes lines
	bytes=$(file_size "$1")
	lines=$(wc -l < "$1")
	awk -v b="$bytes" -v l="$lines" -v f="$1" -v w="${2:-}" 'BEGIN {
		printf "  input:    %s, %d bytes (%.1f MiB), %d lines%s\n", f, b, b / 1048576, l, (w == "" ? "" : ", " w) }'
}

print_tool() { # name version-command...
	printf '  %-9s %s\n' "$1:" "$(first_line "${@:2}")"
}

print_missing() { # what...
	[ "$#" -gt 0 ] && echo "  missing:  $(printf '%s, ' "$@" | sed 's/, $//') (not timed)"
	return 0
}

print_legend() {
	echo "ratio = tool median / forkpipe -j$N median (above 1: forkpipe -j$N is that many times faster)"
	echo "MB/s = input file bytes / 10^6 / median; every command runs with LC_ALL=C and writes to a file"
	echo "CPU s = median user + system seconds of the command and every process it waited for (bash's times)"
}

# ---- one case ----------------------------------------------------------------

# Per-case state, filled by add_tool and run_case.
T_LABEL=() T_FUNC=() T_KIND=() T_STATUS=() T_TIMES=() T_CPU=() T_NOTE=()

# add_tool KIND LABEL FUNC.  FUNC writes the tool's result to stdout.
# KIND: ref (the reference), fpN (forkpipe -jN, the base of the ratios),
# fp1 (forkpipe -j1: the reference when the case has no ref), peer.
add_tool() {
	T_KIND+=("$1")
	T_LABEL+=("$2")
	T_FUNC+=("$3")
	T_STATUS+=(ok)
	T_TIMES+=("")
	T_CPU+=("")
	T_NOTE+=("")
	T_SIZE+=("")
}

# add_fp PREFIX LABEL-ARGS: forkpipe -jN and -j1 as the functions
# PREFIX_fpN and PREFIX_fp1, when forkpipe is there (HAVE_FP=1).
add_fp() {
	[ "${HAVE_FP:-1}" = 1 ] || return 0
	add_tool fpN "forkpipe -j$N $2" "$1_fpN"
	add_tool fp1 "forkpipe -j1 $2" "$1_fp1"
}

reset_case() {
	T_LABEL=() T_FUNC=() T_KIND=() T_STATUS=() T_TIMES=() T_CPU=() T_NOTE=() T_SIZE=()
}

# Supervisor share of forkpipe's CPU time, from the run report
# (--stats-json: the supervisor's user and system seconds over the run's
# cpu_seconds).  Prints "n/a" when the run fails or jq is missing.
supervisor_share() { # forkpipe-args...
	local rep=$BENCH_DIR/stats.json out=$BENCH_DIR/stats.out
	if ! have jq || ! "$FORKPIPE" --stats-json "$rep" "$@" > "$out" 2> /dev/null; then
		echo "n/a"
		return
	fi
	jq -r '"\(.supervisor.user_seconds + .supervisor.system_seconds) \(.cpu_seconds)"' "$rep" 2> /dev/null |
		awk 'NF == 2 { if ($2 <= 0) print "0.0% (no CPU time recorded)"
			else printf "%.1f%% (supervisor %.3f s of %.3f s CPU)\n", 100 * $1 / $2, $1, $2; ok = 1 }
			END { if (!ok) print "n/a" }'
}

# The index of the first tool of a kind into REPLY, or -1.
find_kind() { # kind
	local i
	REPLY=-1
	for ((i = 0; i < ${#T_KIND[@]}; i++)); do
		if [ "${T_KIND[i]}" = "$1" ]; then
			REPLY=$i
			return
		fi
	done
}

# check_result I OUT REFOUT MODE: mark tool I WRONG when its output
# disagrees with the reference's (count mode: the first number, kept in
# WANT from the reference's own run; lines mode: every byte).
check_result() {
	local i=$1 out=$2 refout=$3 mode=$4 got
	if [ "$mode" = gz ] || [ "$mode" = zst ]; then
		check_compressed "$i" "$out" "$mode"
		return
	fi
	if [ "$i" = "$REF" ]; then
		[ "$mode" = count ] && WANT=$(count_of "$out")
		return
	fi
	[ "${T_STATUS[REF]}" = ok ] || return 0 # nothing to check against
	if [ "$mode" = count ]; then
		got=$(count_of "$out")
		[ "$got" = "$WANT" ] && return
		T_STATUS[i]=WRONG
		T_NOTE[i]="counted ${got:-nothing}, ${T_LABEL[REF]} counted $WANT"
	elif cmp -s "$out" "$refout"; then
		rm -f "$out" # checked; large outputs need not pile up on disk
	else
		T_STATUS[i]=WRONG
		T_NOTE[i]="output differs from ${T_LABEL[REF]}: $(wc -l < "$out") lines vs $(wc -l < "$refout"); $(cmp "$out" "$refout" 2>&1 | head -n 1)"
	fi
}

# check_compressed I OUT gz|zst: tool I's output is compressed; it must
# pass the format's own test and decompress to exactly $PLAIN (the
# uncompressed input).  Its size goes into T_SIZE[I] for the table.
check_compressed() {
	local i=$1 out=$2 mode=$3 ok=1
	if [ "$mode" = gz ]; then
		gzip -t "$out" 2> /dev/null && gzip -dc "$out" | cmp -s - "$PLAIN" || ok=0
	else
		zstd -q -t "$out" 2> /dev/null && zstd -q -dc "$out" | cmp -s - "$PLAIN" || ok=0
	fi
	if [ "$ok" = 0 ]; then
		T_STATUS[i]=WRONG
		T_NOTE[i]="its output does not decompress to the input"
		return
	fi
	T_SIZE[i]=$(file_size "$out")
}

# time_tool I OUT INPUT: one timed run of tool I, its time appended to
# T_TIMES[I], or its status set to FAILED.
# The CPU seconds (user + system) of this shell's children so far, in
# REPLY: bash's `times` counts every process waited for, so a tool's
# workers, threads and pipeline members are all in the difference.
children_cpu() {
	local line f=$BENCH_DIR/times.out
	# Not in $(...): a subshell's times are its own children's.
	times > "$f"
	line=$(tail -n 1 "$f")
	REPLY=$(awk -v l="$line" 'BEGIN {
		n = split(l, f, " "); t = 0
		for (i = 1; i <= n; i++) {
			s = f[i]; sub(/s$/, "", s); split(s, ms, "m"); t += ms[1] * 60 + ms[2]
		}
		printf "%.3f", t }')
}

time_tool() {
	local i=$1 out=$2 input=$3 err=$BENCH_DIR/$TAG.$1.err rc t0 t1 c0
	rm -f "$out"
	# Earlier outputs are written back now, not during the timed run.
	sync
	cat "$input" > /dev/null
	children_cpu
	c0=$REPLY
	now
	t0=$REPLY
	"${T_FUNC[i]}" > "$out" 2> "$err"
	rc=$?
	now
	t1=$REPLY
	children_cpu
	T_CPU[i]="${T_CPU[i]} $(awk -v a="$c0" -v b="$REPLY" 'BEGIN { printf "%.3f", b - a }')"
	REPLY=$t1
	if [ "$rc" != 0 ]; then
		T_STATUS[i]=FAILED
		T_NOTE[i]="exit status $rc: $(head -c 300 "$err" | head -n 2 | tr '\n' ' ')"
		return
	fi
	T_TIMES[i]="${T_TIMES[i]} $(awk -v a="$t0" -v b="$REPLY" 'BEGIN { printf "%.6f", b - a }')"
}

# print_table BYTES BASE: one row per tool, forkpipe first; notes after.
print_table() {
	local bytes=$1 base=$2 w=$LABEL_W i k cpu order=() notes=()
	for ((i = 0; i < ${#T_LABEL[@]}; i++)); do
		[ "${#T_LABEL[i]}" -le "$w" ] || w=${#T_LABEL[i]}
	done
	printf "   %-${w}s %9s %9s %9s %9s %8s %9s\n" tool "median s" "MB/s" "min s" "max s" ratio "CPU s"
	for k in fpN fp1 ref peer; do
		for ((i = 0; i < ${#T_KIND[@]}; i++)); do
			[ "${T_KIND[i]}" = "$k" ] && order+=("$i")
		done
	done
	for i in "${order[@]}"; do
		if [ "${T_STATUS[i]}" != ok ]; then
			printf "   %-${w}s %9s\n" "${T_LABEL[i]}" "${T_STATUS[i]}"
			notes+=("${T_LABEL[i]}: ${T_NOTE[i]}")
			continue
		fi
		# The label goes through the environment: awk -v would turn a \t
		# in it into a tab.
		cpu=$(stat_of "${T_CPU[i]}" | awk '{ print $1 }')
		stat_of "${T_TIMES[i]}" | LABEL=${T_LABEL[i]} awk -v bytes="$bytes" -v base="$base" -v w="$w" \
			-v cpu="${cpu:-0}" '{
			label = ENVIRON["LABEL"]
			ratio = (base != "" && base > 0) ? sprintf("%.2fx", $1 / base) : "n/a"
			printf "   %-" w "s %9.3f %9.1f %9.3f %9.3f %8s %9.2f\n", label, $1, bytes / 1e6 / $1, $2, $3, ratio, cpu
		}'
	done
	for i in "${order[@]}"; do
		[ -n "${T_SIZE[i]:-}" ] && notes+=("${T_LABEL[i]}: output $(awk -v b="${T_SIZE[i]}" 'BEGIN { printf "%.1f MB", b / 1e6 }')$(size_vs "$i")")
	done
	CASE_NOTES=("${notes[@]}")
}

# How tool I's output size compares with the first peer's, for notes.
size_vs() {
	local i=$1 k
	for ((k = 0; k < ${#T_KIND[@]}; k++)); do
		if [ "${T_KIND[k]}" = peer ] && [ -n "${T_SIZE[k]:-}" ] && [ "$k" != "$i" ]; then
			awk -v a="${T_SIZE[i]}" -v b="${T_SIZE[k]}" -v l="${T_LABEL[k]}" \
				'BEGIN { printf " (%+.2f%% vs %s)", 100 * (a - b) / b, l }'
			return
		fi
	done
}

# run_case TITLE MODE INPUT [FP-ARGS...]
#   MODE is "count" (results are numbers) or "lines" (outputs compared
#   byte for byte).  INPUT is the file the tools read: it is warmed before
#   every run and its size gives MB/s.  FP-ARGS, when given, rebuild
#   forkpipe -jN's command line for a --stats run (supervisor CPU share).
#   The reference is the first tool of kind ref, else forkpipe -j1; it
#   runs first in every round so the others can be checked.
run_case() {
	local title=$1 mode=$2 input=$3 i k run out base="" j1 fpn expect order
	shift 3
	TAG=${T_FUNC[0]%_*} WANT=""
	find_kind ref
	REF=$REPLY
	[ "$REF" -ge 0 ] || { find_kind fp1 && REF=$REPLY; }
	[ "$REF" -ge 0 ] || die "internal: case '$title' has no reference tool"
	local refout=$BENCH_DIR/$TAG.ref runorder=("$REF")
	for ((i = 0; i < ${#T_FUNC[@]}; i++)); do
		[ "$i" = "$REF" ] || runorder+=("$i")
	done

	echo "== $title"
	local load0
	load0=$(load_avg)
	for ((run = 1; run <= BENCH_RUNS; run++)); do
		printf '   run %d/%d:' "$run" "$BENCH_RUNS"
		# After the first round, every other round runs the tools in
		# reverse: a run can be slowed by the one before it (the
		# write-back of a large output, evicted page cache), and the
		# reference's output is there from the first round on.
		order=("${runorder[@]}")
		if [ $((run % 2)) = 0 ]; then
			order=()
			for ((k = ${#runorder[@]} - 1; k >= 0; k--)); do
				order+=("${runorder[k]}")
			done
		fi
		for i in "${order[@]}"; do
			[ "${T_STATUS[i]}" = ok ] || continue
			if [ "$i" = "$REF" ]; then out=$refout; else out=$BENCH_DIR/$TAG.$i.out; fi
			time_tool "$i" "$out" "$input"
			printf ' .'
			[ "${T_STATUS[i]}" = ok ] && check_result "$i" "$out" "$refout" "$mode"
			# A WRONG tool keeps no time: its speed is not comparable.
			[ "${T_STATUS[i]}" = ok ] || T_TIMES[i]="" T_CPU[i]=""
		done
		echo
	done

	if [ "$mode" = count ]; then
		expect="${WANT:-?} records"
	elif [ "$mode" = gz ] || [ "$mode" = zst ]; then
		expect="output decompresses to $PLAIN"
	else
		expect="$(wc -l < "$refout" 2> /dev/null || echo '?') lines, $(file_size "$refout" 2> /dev/null || echo '?') bytes"
	fi
	find_kind fpN
	fpn=$REPLY
	if [ "$fpn" -ge 0 ] && [ "${T_STATUS[fpn]}" = ok ]; then
		base=$(stat_of "${T_TIMES[fpn]}" | awk '{ print $1 }')
	fi
	echo "   reference (${T_LABEL[REF]}): $expect"
	echo "   load average (1, 5, 15 min): $load0 before, $(load_avg) after"
	print_table "$(file_size "$input")" "$base"

	find_kind fp1
	j1=$REPLY
	if [ "$fpn" -ge 0 ] && [ "$j1" -ge 0 ]; then
		if [ -n "$base" ] && [ "${T_STATUS[j1]}" = ok ]; then
			stat_of "${T_TIMES[j1]}" | awk -v base="$base" -v n="$N" '{
				printf "   speed-up forkpipe -j1 / -j%d: %.2fx\n", n, $1 / base }'
		else
			echo "   speed-up forkpipe -j1 / -j$N: n/a"
		fi
	fi
	if [ "$fpn" -ge 0 ] && [ "$#" -gt 0 ]; then
		if [ -n "$base" ]; then
			echo "   supervisor CPU share (forkpipe -j$N): $(supervisor_share "$@")"
		else
			echo "   supervisor CPU share (forkpipe -j$N): n/a"
		fi
	fi
	for i in "${CASE_NOTES[@]}"; do
		echo "   note: $i"
	done
	echo

	# Line outputs can be large: keep only the small count results.
	if [ "$mode" != count ]; then
		rm -f "$refout" "$BENCH_DIR/$TAG".*.out "$BENCH_DIR/stats.out"
	fi
	reset_case
}
