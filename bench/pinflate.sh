#!/usr/bin/env bash
# bench/pinflate.sh - does inflating one gzip member without an index on
# two processes pay (issue 16, item 5)?  Times bench/pinflate.c's modes
# against forkpipe and igzip, taking turns run by run, and prints the
# median, min and max wall time of each, the load average before and
# after, and the median of each part of the two-process run (pinflate's
# own timings).  Not run by `make bench`: a measurement for
# docs/performance.md ("Inflating one member on two cores").
#
# By hand, from the build directory, on any single-member .gz:
#   bash bench/pinflate.sh FILE.gz [FRACTION...]
# Environment: FORKPIPE (default ./src/forkpipe), BENCH_RUNS (default 5),
# PINFLATE (default bench/pinflate: `make bench/pinflate`; built here
# with cc when missing).  Each FRACTION (default 0.5 0.85) is a split point of the
# two-process run.  Every result must count the same lines as
# `igzip -dc | wc -l`; pinflate also checks the CRC-32 and length
# against the gzip trailer.

set -u
set -o pipefail
export LC_ALL=C

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 1

[ $# -ge 1 ] || die "usage: bench/pinflate.sh FILE.gz [FRACTION...]"
GZ=$1
shift
FRACS=${*:-0.5 0.85}
FORKPIPE=${FORKPIPE:-./src/forkpipe}
BENCH_RUNS=${BENCH_RUNS:-5}
PINFLATE=${PINFLATE:-bench/pinflate}
SRC=$(dirname "${BASH_SOURCE[0]}")/pinflate.c
if [ ! -x "$PINFLATE" ]; then
	cc -O2 -o "$PINFLATE" "$SRC" -lisal -lz || die "cannot build $PINFLATE"
fi
LOG=$(mktemp) || die "no temporary file"
trap 'rm -f "$LOG"' EXIT

labels=("igzip -dc | wc -l" "forkpipe -j2 -e count" "forkpipe -j1 -e count"
	"pinflate -1 (ISA-L, one process)" "pinflate -M (marker inflater, one process)")
cmds=("igzip -dc '$GZ' | wc -l" "'$FORKPIPE' -j2 -e count '$GZ'" "'$FORKPIPE' -j1 -e count '$GZ'"
	"'$PINFLATE' -1 '$GZ'" "'$PINFLATE' -M '$GZ'")
for f in $FRACS; do
	labels+=("pinflate -f $f (two processes)")
	cmds+=("'$PINFLATE' -f $f '$GZ' 2>>'$LOG.$f'")
	: > "$LOG.$f"
done

declare -a times
want=""
echo "load before: $(load_avg)"
for ((run = 1; run <= BENCH_RUNS; run++)); do
	for ((i = 0; i < ${#cmds[@]}; i++)); do
		cat "$GZ" > /dev/null
		now
		t0=$REPLY
		out=$(bash -c "${cmds[i]}" 2> /dev/null | awk '{ for (k = 1; k <= NF; k++) if ($k ~ /^[0-9]+$/) { print $k; exit } }')
		now
		[ -n "$want" ] || want=$out
		[ "$out" = "$want" ] || die "${labels[i]} counted '$out', igzip counted '$want'"
		times[i]="${times[i]:-} $(awk -v a="$t0" -v b="$REPLY" 'BEGIN { printf "%.4f", b - a }')"
	done
done
echo "load after:  $(load_avg)"
echo "lines: $want; $BENCH_RUNS runs each, seconds: median (min max)"
for ((i = 0; i < ${#cmds[@]}; i++)); do
	read -r m lo hi <<< "$(stat_of "${times[i]}")"
	printf '%-44s %7.3f  (%.3f %.3f)\n' "${labels[i]}" "$m" "$lo" "$hi"
done
# The median of a figure of pinflate's report: the number before " s"
# after TEXT, on the lines that start with PREFIX.
med_of() { # file prefix text
	local vals m
	vals=$(grep "^$2" "$1" | sed -n "s/.*$3 \([0-9.]*\) s.*/\1/p")
	read -r m _ <<< "$(stat_of "$vals")"
	printf '%.3f' "$m"
}

for f in $FRACS; do
	l=$LOG.$f
	echo "two processes at $f ($(grep -m1 '^split' "$l" | sed 's/^split at [0-9.]*: //')), medians:"
	echo "   wall: find $(med_of "$l" B: find) s, markers $(med_of "$l" B: markers) s," \
		"ISA-L after the handoff $(med_of "$l" B: ISA-L) s, A $(med_of "$l" B: A:) s," \
		"resolve $(med_of "$l" B: resolve) s, total $(med_of "$l" B: total) s"
	echo "   CPU:  markers $(med_of "$l" CPU: markers) s (kernel $(med_of "$l" CPU: ';') s)," \
		"A $(med_of "$l" CPU: A) s, resolve $(med_of "$l" CPU: resolve) s in B" \
		"+ $(med_of "$l" CPU: +) s in A"
	grep -m1 '^B: ' "$l" | sed 's/.*bytes (\([0-9]* MB\/s\), last marker at \([0-9-]*\)).*/   marked output ends \2 + 1 bytes in; one run: \1 of marked output/' 
	rm -f "$l"
done
