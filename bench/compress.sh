#!/usr/bin/env bash
# bench/compress.sh - time forkpipe's compressed output and input against
# pigz, gzip, zstd and the zcat/pigz pipelines on the synthetic log.
#
# Run by `make bench` (after the other tables) or `make bench-compress`,
# or by hand from the build directory:
#   FORKPIPE=src/forkpipe GENLOG=bench/genlog bash bench/compress.sh
#
# Environment: FORKPIPE, BENCH_SIZE, BENCH_RUNS, BENCH_DIR (bench/lib.sh),
# GENLOG (as bench/run.sh).
#
# The cases, on a BENCH_SIZE access log: (a) gzip -6 compression: forkpipe
# --gzip vs pigz -p N and gzip; (b) zstd -3: forkpipe --zstd vs zstd -T N;
# and on the log compressed by pigz (one gzip member): (c) decompression,
# forkpipe with no stage vs gzip -dc and pigz -dc; (d) a literal filter
# counting its matches, forkpipe on the .gz vs zcat | grep -F -c and
# pigz -dc | grep -F -c; (e) the same filter printing its matches.
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
PATTERN='" 404 '

bench_setup
LABEL_W=50
[ -x "$FORKPIPE" ] || die "no forkpipe at $FORKPIPE (build it first, or set FORKPIPE)"
clean_outputs gz zs gunz gzc gzp
LOG=$BENCH_DIR/access.log
GZ=$BENCH_DIR/access.log.gz
need_generator GENLOG genlog
cache_input "$LOG" "$BENCH_SIZE" "$GENLOG"
install_missing pigz:pigz zstd:zstd
have gzip || die "gzip is required"
have pigz || die "pigz is required (Debian: apt-get install pigz)"
have zstd || die "zstd is required (Debian: apt-get install zstd)"
# The compressed input, made once per log (pigz: fast, one member).
if [ ! -f "$GZ" ] || [ "$GZ" -ot "$LOG" ]; then
	echo "compressing $LOG with pigz -6..."
	pigz -6 -c "$LOG" > "$GZ.tmp" && mv -f "$GZ.tmp" "$GZ" || die "cannot make $GZ"
fi
# Compressed input is newer than compressed output: an older build
# cannot read it, and its cases are then not timed.
HAVE_GZIN=0
[ "$(printf 'x\ny\n' | gzip -c | "$FORKPIPE" 2> /dev/null | tr '\n' ' ')" = "x y " ] && HAVE_GZIN=1

print_machine "forkpipe compression benchmark"
print_input "$LOG"
print_input "$GZ" "the log compressed by pigz -6"
print_tool gzip gzip --version
print_tool pigz pigz --version
print_tool zstd zstd --version
[ "$HAVE_GZIN" = 1 ] || print_missing "compressed input in this forkpipe: cases (c) to (e)"
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

gunz_fpN() { "$FORKPIPE" -j"$N" "$GZ"; }
gunz_fp1() { "$FORKPIPE" -j1 "$GZ"; }
gunz_gzip() { gzip -dc "$GZ"; }
gunz_pigz() { pigz -dc "$GZ"; }

gzc_fpN() { "$FORKPIPE" -j"$N" -e "grep -F '$PATTERN'" -e count "$GZ"; }
gzc_fp1() { "$FORKPIPE" -j1 -e "grep -F '$PATTERN'" -e count "$GZ"; }
gzc_zcat() { zcat "$GZ" | grep -F -c "$PATTERN"; }
gzc_pigz() { pigz -dc "$GZ" | grep -F -c "$PATTERN"; }

gzp_fpN() { "$FORKPIPE" -j"$N" -e "grep -F '$PATTERN'" "$GZ"; }
gzp_fp1() { "$FORKPIPE" -j1 -e "grep -F '$PATTERN'" "$GZ"; }
gzp_zcat() { zcat "$GZ" | grep -F "$PATTERN"; }
gzp_pigz() { pigz -dc "$GZ" | grep -F "$PATTERN"; }

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

if [ "$HAVE_GZIN" = 1 ]; then
	add_fp gunz "FILE.gz > FILE (no stage)"
	add_tool ref "gzip -dc > FILE" gunz_gzip
	add_tool peer "pigz -dc > FILE" gunz_pigz
	run_case "(c) decompression of the .gz log" lines "$GZ" -j"$N" "$GZ"

	add_fp gzc "-e 'grep -F ...' -e count FILE.gz"
	add_tool ref "zcat | grep -F -c" gzc_zcat
	add_tool peer "pigz -dc | grep -F -c" gzc_pigz
	run_case "(d) .gz log: count the lines with '$PATTERN'" count "$GZ" -j"$N" -e "grep -F '$PATTERN'" -e count "$GZ"

	add_fp gzp "-e 'grep -F ...' FILE.gz > FILE"
	add_tool ref "zcat | grep -F > FILE" gzp_zcat
	add_tool peer "pigz -dc | grep -F > FILE" gzp_pigz
	run_case "(e) .gz log: print the lines with '$PATTERN'" lines "$GZ" -j"$N" -e "grep -F '$PATTERN'" "$GZ"
fi
