#!/usr/bin/env bash
# bench/zst.sh - time forkpipe on multi-frame zstd input (cut between
# frames, each worker decompressing its own) against zstd -dc and
# pzstd -dc piped into wc and grep.
#
# Run by `make bench-gz`, after bench/gz.sh, or by hand from the build
# directory:
#   FORKPIPE=src/forkpipe GENLOG=bench/genlog bash bench/zst.sh
#
# Environment: as bench/run.sh (GENLOG, and FORKPIPE, BENCH_SIZE,
# BENCH_RUNS, BENCH_DIR of bench/lib.sh).
#
# The log of bench/run.sh is compressed twice, cached beside it: by
# pzstd (frames whose sizes are not stated, each after a skippable
# frame) and by forkpipe --zstd (a frame per chunk, with its size, and
# the seekable format's seek table).  The cases: (a) and (b) count the
# lines of each, (c) count the lines of the pzstd file holding a
# literal.  The references are zstd -dc piped into wc -l and
# grep -F -c; pzstd -dc (parallel) is the peer.

if [ -z "${BASH_VERSION:-}" ]; then
	if command -v bash > /dev/null 2>&1; then
		exec bash "$0" "$@"
	fi
	echo "bench/zst.sh: bash is required" >&2
	exit 1
fi

set -u
set -o pipefail
export LC_ALL=C

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 1

GENLOG=${GENLOG:-./bench/genlog}
LIT=' 404 '

bench_setup
clean_outputs za zb zc
LOG=$BENCH_DIR/access.log
need_generator GENLOG genlog
cache_input "$LOG" "$BENCH_SIZE" "$GENLOG"

install_missing zstd:zstd
for t in zstd pzstd; do
	have "$t" || die "$t is required (Debian: zstd)"
done
[ -x "$FORKPIPE" ] || die "forkpipe ($FORKPIPE) is not an executable"

# The compressed logs are remade when the log (or forkpipe) is newer.
PZ=$LOG.pz.zst
FZ=$LOG.fp.zst
if [ ! -s "$PZ" ] || [ "$LOG" -nt "$PZ" ]; then
	echo "compressing $LOG with pzstd ..."
	pzstd -q -p "$N" -c "$LOG" > "$PZ.tmp" && mv "$PZ.tmp" "$PZ" || die "pzstd failed"
fi
if [ ! -s "$FZ" ] || [ "$LOG" -nt "$FZ" ] || [ "$FORKPIPE" -nt "$FZ" ]; then
	echo "compressing $LOG with forkpipe --zstd ..."
	"$FORKPIPE" -j"$N" --zstd "$LOG" > "$FZ.tmp" && mv "$FZ.tmp" "$FZ" || die "forkpipe --zstd failed"
fi

frames() { zstd -l "$1" 2> /dev/null | awk 'NR == 2 { print $1 - $2 }'; }
print_machine "forkpipe benchmark: multi-frame zstd input"
print_input "$LOG"
printf '  pzstd:    %s, %s bytes, %s frames (pzstd -p %s)\n' "$PZ" "$(file_size "$PZ")" "$(frames "$PZ")" "$N"
printf '  forkpipe: %s, %s bytes, %s frames and a seek table (forkpipe --zstd)\n' "$FZ" \
	"$(file_size "$FZ")" "$(frames "$FZ")"
print_tool zstd zstd --version
echo

FP_GREP_F="grep -F \"$LIT\""

za_fpN() { "$FORKPIPE" -j"$N" -e count "$PZ"; }
za_fp1() { "$FORKPIPE" -j1 -e count "$PZ"; }
za_zstd() { zstd -q -dc "$PZ" | wc -l; }
za_pzstd() { pzstd -q -p "$N" -dc "$PZ" | wc -l; }

zb_fpN() { "$FORKPIPE" -j"$N" -e count "$FZ"; }
zb_fp1() { "$FORKPIPE" -j1 -e count "$FZ"; }
zb_zstd() { zstd -q -dc "$FZ" | wc -l; }
zb_pzstd() { pzstd -q -p "$N" -dc "$FZ" | wc -l; }

zc_fpN() { "$FORKPIPE" -j"$N" -e "$FP_GREP_F" -e count "$PZ"; }
zc_fp1() { "$FORKPIPE" -j1 -e "$FP_GREP_F" -e count "$PZ"; }
zc_zstd() { zstd -q -dc "$PZ" | grep -F -c "$LIT"; }
zc_pzstd() { pzstd -q -p "$N" -dc "$PZ" | grep -F -c "$LIT"; }

print_legend
echo "MB/s here: compressed bytes of the .zst file / 10^6 / median"
echo

add_fp za "-e count FILE.zst (pzstd's)"
add_tool ref "zstd -dc | wc -l" za_zstd
add_tool peer "pzstd -dc | wc -l" za_pzstd
run_case "(a) count lines, pzstd's file" count "$PZ" -j"$N" -e count "$PZ"

add_fp zb "-e count FILE.zst (forkpipe's)"
add_tool ref "zstd -dc | wc -l" zb_zstd
add_tool peer "pzstd -dc | wc -l" zb_pzstd
run_case "(b) count lines, forkpipe's file" count "$FZ" -j"$N" -e count "$FZ"

add_fp zc "-e 'grep -F \" 404 \"' -e count FILE.zst (pzstd's)"
add_tool ref "zstd -dc | grep -F -c" zc_zstd
add_tool peer "pzstd -dc | grep -F -c" zc_pzstd
run_case "(c) literal '$LIT': count matching lines, pzstd's file" count "$PZ" -j"$N" -e "$FP_GREP_F" -e count "$PZ"
