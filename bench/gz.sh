#!/usr/bin/env bash
# bench/gz.sh - time forkpipe on compressed input against zcat, pigz -dc
# and igzip -dc (ISA-L, the inflater forkpipe uses) piped into wc and grep.
#
# Run by `make bench-gz` (and by `make bench`, after the others), or by
# hand from the build directory:
#   FORKPIPE=src/forkpipe GENLOG=bench/genlog bash bench/gz.sh
#
# Environment: as bench/run.sh (GENLOG, and FORKPIPE, BENCH_SIZE,
# BENCH_RUNS, BENCH_DIR of bench/lib.sh).
#
# The log of bench/run.sh is compressed twice, cached beside it: as one
# gzip member (pigz -6, what gzip also writes: inflated by one process)
# and as BGZF (bgzip: members that forkpipe's workers inflate in
# parallel).  The cases: (a) count lines, (b) count the lines holding a
# literal, (c) print them to a file.  The references are zcat piped
# into wc -l, grep -F -c and grep -F; pigz and igzip are peers.  Then the
# gzip file with an index (forkpipe-gzindex(5), kept as FILE.gz.idx and
# named with --index, so that the cases above run without one): (d)
# count lines, forkpipe -jN and -j1 against igzip -dc | wc -l; (e) the
# cost of writing the index during a run (--write-index against the same
# run without it).

if [ -z "${BASH_VERSION:-}" ]; then
	if command -v bash > /dev/null 2>&1; then
		exec bash "$0" "$@"
	fi
	echo "bench/gz.sh: bash is required" >&2
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
clean_outputs ga gc gp gi gw
LOG=$BENCH_DIR/access.log
need_generator GENLOG genlog
cache_input "$LOG" "$BENCH_SIZE" "$GENLOG"

install_missing pigz:pigz bgzip:tabix igzip:isal
for t in zcat pigz bgzip igzip; do
	have "$t" || die "$t is required (Debian: gzip, pigz, tabix, isal)"
done
[ -x "$FORKPIPE" ] || die "forkpipe ($FORKPIPE) is not an executable"

# The compressed logs are remade when the log is newer.
GZ=$LOG.gz
BGZ=$LOG.bgz
if [ ! -s "$GZ" ] || [ "$LOG" -nt "$GZ" ]; then
	echo "compressing $LOG with pigz -6 ..."
	pigz -6 -c "$LOG" > "$GZ.tmp" && mv "$GZ.tmp" "$GZ" || die "pigz failed"
fi
if [ ! -s "$BGZ" ] || [ "$LOG" -nt "$BGZ" ]; then
	echo "compressing $LOG with bgzip ..."
	bgzip -@ "$N" -c "$LOG" > "$BGZ.tmp" && mv "$BGZ.tmp" "$BGZ" || die "bgzip failed"
fi

# The index, under a name no run finds by itself (FILE.gz.fpi would make
# the cases without an index use it).
IX=$GZ.idx
rm -f "$GZ.fpi"
if [ ! -s "$IX" ] || [ "$GZ" -nt "$IX" ]; then
	echo "indexing $GZ ..."
	"$FORKPIPE" index "$GZ" && mv "$GZ.fpi" "$IX" || die "forkpipe index failed"
fi

print_machine "forkpipe benchmark: compressed input"
print_input "$LOG"
printf '  gzip:     %s, %s bytes, one member (pigz -6)\n' "$GZ" "$(file_size "$GZ")"
printf '  BGZF:     %s, %s bytes (bgzip)\n' "$BGZ" "$(file_size "$BGZ")"
print_tool gzip gzip --version
print_tool pigz pigz --version
print_tool igzip igzip --version
echo

FP_GREP_F="grep -F \"$LIT\""

ga_fpN() { "$FORKPIPE" -j"$N" -e count "$GZ"; }
ga_fp1() { "$FORKPIPE" -j1 -e count "$GZ"; }
ga_bgzf() { "$FORKPIPE" -j"$N" -e count "$BGZ"; }
ga_zcat() { zcat "$GZ" | wc -l; }
ga_pigz() { pigz -dc "$GZ" | wc -l; }
ga_igzip() { igzip -dc "$GZ" | wc -l; }

gc_fpN() { "$FORKPIPE" -j"$N" -e "$FP_GREP_F" -e count "$GZ"; }
gc_fp1() { "$FORKPIPE" -j1 -e "$FP_GREP_F" -e count "$GZ"; }
gc_bgzf() { "$FORKPIPE" -j"$N" -e "$FP_GREP_F" -e count "$BGZ"; }
gc_zcat() { zcat "$GZ" | grep -F -c "$LIT"; }
gc_pigz() { pigz -dc "$GZ" | grep -F -c "$LIT"; }
gc_igzip() { igzip -dc "$GZ" | grep -F -c "$LIT"; }

gi_fpN() { "$FORKPIPE" -j"$N" --index "$IX" -e count "$GZ"; }
gi_fp1() { "$FORKPIPE" -j1 --index "$IX" -e count "$GZ"; }
gi_igzip() { igzip -dc "$GZ" | wc -l; }
gi_noix() { "$FORKPIPE" -j"$N" -e count "$GZ"; }

# The index written is removed before each run, which would use it.
gw_write() { rm -f "$GZ.fpi"; "$FORKPIPE" -j"$N" --write-index -e count "$GZ"; }
gw_plain() { rm -f "$GZ.fpi"; "$FORKPIPE" -j"$N" -e count "$GZ"; }

gp_fpN() { "$FORKPIPE" -j"$N" -e "$FP_GREP_F" "$GZ"; }
gp_fp1() { "$FORKPIPE" -j1 -e "$FP_GREP_F" "$GZ"; }
gp_bgzf() { "$FORKPIPE" -j"$N" -e "$FP_GREP_F" "$BGZ"; }
gp_zcat() { zcat "$GZ" | grep -F "$LIT"; }
gp_pigz() { pigz -dc "$GZ" | grep -F "$LIT"; }
gp_igzip() { igzip -dc "$GZ" | grep -F "$LIT"; }

print_legend
echo "MB/s here: compressed bytes of the .gz file / 10^6 / median"
echo

add_fp ga "-e count FILE.gz"
add_tool ref "zcat | wc -l" ga_zcat
add_tool peer "pigz -dc | wc -l" ga_pigz
add_tool peer "igzip -dc | wc -l" ga_igzip
add_tool peer "forkpipe -j$N -e count FILE.bgz (BGZF)" ga_bgzf
run_case "(a) count lines" count "$GZ" -j"$N" -e count "$GZ"

add_fp gc "-e 'grep -F \" 404 \"' -e count FILE.gz"
add_tool ref "zcat | grep -F -c" gc_zcat
add_tool peer "pigz -dc | grep -F -c" gc_pigz
add_tool peer "igzip -dc | grep -F -c" gc_igzip
add_tool peer "forkpipe -j$N ... FILE.bgz (BGZF)" gc_bgzf
run_case "(b) literal '$LIT': count matching lines" count "$GZ" -j"$N" -e "$FP_GREP_F" -e count "$GZ"

add_fp gp "-e 'grep -F \" 404 \"' FILE.gz > FILE"
add_tool ref "zcat | grep -F > FILE" gp_zcat
add_tool peer "pigz -dc | grep -F > FILE" gp_pigz
add_tool peer "igzip -dc | grep -F > FILE" gp_igzip
add_tool peer "forkpipe -j$N ... FILE.bgz > FILE (BGZF)" gp_bgzf
run_case "(c) literal '$LIT': print matching lines to a file" lines "$GZ" -j"$N" -e "$FP_GREP_F" "$GZ"

add_fp gi "--index FILE.gz.idx -e count FILE.gz"
add_tool ref "igzip -dc | wc -l" gi_igzip
add_tool peer "forkpipe -j$N -e count FILE.gz (no index)" gi_noix
run_case "(d) count lines of the gzip file by its index" count "$GZ" -j"$N" --index "$IX" -e count "$GZ"

add_tool fpN "forkpipe -j$N --write-index -e count FILE.gz" gw_write
add_tool ref "forkpipe -j$N -e count FILE.gz (no index written)" gw_plain
run_case "(e) the cost of writing the index during a run" count "$GZ" -j"$N" -e count "$GZ"
rm -f "$GZ.fpi"
