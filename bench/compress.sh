#!/usr/bin/env bash
# bench/compress.sh - time forkpipe's compressed output against pigz, gzip
# and zstd on the synthetic log (compressed input: bench/gz.sh).
#
# Run by `make bench` (after the other tables) or `make bench-compress`,
# or by hand from the build directory:
#   FORKPIPE=src/forkpipe GENLOG=bench/genlog bash bench/compress.sh
#
# Environment: FORKPIPE, BENCH_SIZE, BENCH_RUNS, BENCH_DIR (bench/lib.sh),
# GENLOG (as bench/run.sh).
#
# The cases, on a BENCH_SIZE access log: (a) gzip -6 compression: forkpipe
# --gzip vs pigz -p N and gzip; (b) zstd -3: forkpipe --zstd vs zstd -T N.
# Compressed outputs are checked by decompressing them (gzip -t, zstd -t,
# then a byte comparison with the log), outside the timed runs, and their
# sizes are noted with the difference from the first peer's.

if [ -z "${BASH_VERSION:-}" ]; then
	if command -v bash > /dev/null 2>&1; then
		exec bash "$0" "$@"
	fi
	echo "bench/compress.sh: bash is required" >&2
	exit 1
fi

set -u
set -o pipefail
export LC_ALL=C

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 1

GENLOG=${GENLOG:-./bench/genlog}

bench_setup
LABEL_W=50
[ -x "$FORKPIPE" ] || die "no forkpipe at $FORKPIPE (build it first, or set FORKPIPE)"
clean_outputs gz zs
LOG=$BENCH_DIR/access.log
need_generator GENLOG genlog
cache_input "$LOG" "$BENCH_SIZE" "$GENLOG"
install_missing pigz:pigz zstd:zstd
have gzip || die "gzip is required"
have pigz || die "pigz is required (Debian: apt-get install pigz)"
have zstd || die "zstd is required (Debian: apt-get install zstd)"
print_machine "forkpipe compression benchmark"
print_input "$LOG"
print_tool gzip gzip --version
print_tool pigz pigz --version
print_tool zstd zstd --version
echo

# ---- the commands ----------------------------------------------------------------

gz_fpN() { "$FORKPIPE" -j"$N" --gzip=6 "$LOG"; }
gz_fp1() { "$FORKPIPE" -j1 --gzip=6 "$LOG"; }
gz_pigz() { pigz -p "$N" -6 -c "$LOG"; }
gz_gzip() { gzip -6 -c "$LOG"; }

zs_fpN() { "$FORKPIPE" -j"$N" --zstd=3 "$LOG"; }
zs_fp1() { "$FORKPIPE" -j1 --zstd=3 "$LOG"; }
zs_zstdN() { zstd -q -3 -T"$N" -c "$LOG"; }
zs_zstd1() { zstd -q -3 -T1 -c "$LOG"; }

# ---- the cases ---------------------------------------------------------------------

print_legend
echo

PLAIN=$LOG
add_fp gz "--gzip=6 > FILE"
add_tool peer "pigz -p $N -6 > FILE" gz_pigz
add_tool peer "gzip -6 > FILE" gz_gzip
run_case "(a) gzip -6 compression of the log" gz "$LOG" -j"$N" --gzip=6 "$LOG"

add_fp zs "--zstd=3 > FILE"
add_tool peer "zstd -3 -T$N > FILE" zs_zstdN
add_tool peer "zstd -3 -T1 > FILE" zs_zstd1
run_case "(b) zstd -3 compression of the log" zst "$LOG" -j"$N" --zstd=3 "$LOG"
