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
# PINFLATE (default bench/pinflate, built from bench/pinflate.c when
# missing).  Each FRACTION (default 0.5 0.85) is a split point of the
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
	cc -O3 -march=native -o "$PINFLATE" "$SRC" -lisal -lz || die "cannot build $PINFLATE"
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
for f in $FRACS; do
	echo "two processes at $f, medians of pinflate's parts:"
	for part in find markers ISA-L "A:" resolve total; do
		vals=$(grep '^B: ' "$LOG.$f" | sed "s/.*$part \([0-9.]*\) s.*/\1/")
		read -r m _ <<< "$(stat_of "$vals")"
		printf '   %-8s %.4f s\n' "$part" "$m"
	done
	grep '^split' "$LOG.$f" | head -n 1 | sed 's/^/   /'
	rm -f "$LOG.$f"
done
