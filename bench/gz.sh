#!/usr/bin/env bash
# bench/gz.sh - time forkpipe on compressed input against zcat, pigz -dc
# and igzip -dc (ISA-L, the inflater forkpipe uses) piped into wc and grep.
#
# Run by `make bench-gz` (and by `make bench`, after the others), or by
# hand from the build directory:
#   FORKPIPE=src/forkpipe GENLOG=bench/genlog bash bench/gz.sh
#
# Environment: as bench/run.sh (GENLOG, and FORKPIPE, BENCH_SIZE,
# BENCH_RUNS, BENCH_DIR of bench/lib.sh), and
#   GENCSV            the CSV generator of cases (f) to (h) (default
#                     ./bench/gencsv; built into BENCH_DIR when missing)
#   BENCH_GZCSV_SIZE  size of that CSV (default BENCH_SIZE)
#   BENCH_GZCSV_SPACING  forkpipe index --spacing of its index (default:
#                     forkpipe's, 4M; a small one gives small files points)
#   BENCH_GZ_CASES    the cases to run, by letter (default "a b c d e f g
#                     h"; the log is not made for f g h alone), e.g.
#                     BENCH_GZ_CASES="f g h" for the CSV cases
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
#
# CSV (issue 16): gencsv's CSV (BENCH_DIR/orders.csv, bench/csv.sh's file
# at the same size; quoted fields, about 8% of records
# spanning lines, so a line end is often no record end) compressed with
# pigz -6 into one member and indexed: (f) --csv -e count and (g) --csv
# -H -e 'group -k city count sum:amount' by the index, -jN and -j1,
# against igzip -dc piped into Python's csv module (a count of rows; the
# groups with Decimal sums, written with csv.writer in key byte order,
# trailing zeros of the sums dropped as forkpipe prints them), forkpipe
# without the index, and for (f) Miller (mlr --icsv
# --implicit-csv-header count: the header is a record, as without -H);
# (h) the cost of --write-index on the run of (f).

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
GENCSV=${GENCSV:-./bench/gencsv}
LIT=' 404 '

bench_setup
BENCH_GZCSV_SIZE=${BENCH_GZCSV_SIZE:-$BENCH_SIZE}
BENCH_GZCSV_SPACING=${BENCH_GZCSV_SPACING:-}
BENCH_GZ_CASES=${BENCH_GZ_CASES:-a b c d e f g h}
want() { case_wanted "$BENCH_GZ_CASES" "$1"; }
want_log() { want a || want b || want c || want d || want e; }
want_csv() { want f || want g || want h; }
clean_outputs ga gc gp gi gw gf gg gh
LOG=$BENCH_DIR/access.log
if want_log; then
	need_generator GENLOG genlog
	cache_input "$LOG" "$BENCH_SIZE" "$GENLOG"
fi
CSV=$BENCH_DIR/orders.csv
if want_csv; then
	need_generator GENCSV gencsv
	cache_input "$CSV" "$BENCH_GZCSV_SIZE" "$GENCSV"
fi

install_missing pigz:pigz bgzip:tabix igzip:isal mlr:miller
for t in zcat pigz bgzip igzip; do
	have "$t" || die "$t is required (Debian: gzip, pigz, tabix, isal)"
done
[ -x "$FORKPIPE" ] || die "forkpipe ($FORKPIPE) is not an executable"
HAVE_PY=0 HAVE_MLR=0
have python3 && HAVE_PY=1
have mlr && HAVE_MLR=1

# gzip_once FILE: FILE.gz, one member (pigz -6), remade when FILE is newer.
gzip_once() {
	if [ ! -s "$1.gz" ] || [ "$1" -nt "$1.gz" ]; then
		echo "compressing $1 with pigz -6 ..."
		pigz -6 -c "$1" > "$1.gz.tmp" && mv "$1.gz.tmp" "$1.gz" || die "pigz failed"
	fi
}

# index_once GZ IX [forkpipe index option...]: the index of GZ in IX,
# a name no run finds by itself (GZ.fpi would make the cases without an
# index use it), remade when GZ is newer.
index_once() {
	local gz=$1 ix=$2
	shift 2
	rm -f "$gz.fpi"
	if [ ! -s "$ix" ] || [ "$gz" -nt "$ix" ]; then
		echo "indexing $gz ..."
		"$FORKPIPE" index "$@" "$gz" && mv "$gz.fpi" "$ix" || die "forkpipe index failed"
	fi
}

# The compressed log and its index.
GZ=$LOG.gz
BGZ=$LOG.bgz
IX=$GZ.idx
if want_log; then
	gzip_once "$LOG"
	if [ ! -s "$BGZ" ] || [ "$LOG" -nt "$BGZ" ]; then
		echo "compressing $LOG with bgzip ..."
		bgzip -@ "$N" -c "$LOG" > "$BGZ.tmp" && mv "$BGZ.tmp" "$BGZ" || die "bgzip failed"
	fi
	index_once "$GZ" "$IX"
fi

# The compressed CSV and its index, one per spacing asked for.
CGZ=$CSV.gz
CIX=$CGZ.idx${BENCH_GZCSV_SPACING:+.$BENCH_GZCSV_SPACING}
if want_csv; then
	gzip_once "$CSV"
	index_once "$CGZ" "$CIX" ${BENCH_GZCSV_SPACING:+--spacing "$BENCH_GZCSV_SPACING"}
fi

print_machine "forkpipe benchmark: compressed input"
if want_log; then
	print_input "$LOG"
	printf '  gzip:     %s, %s bytes, one member (pigz -6)\n' "$GZ" "$(file_size "$GZ")"
	printf '  BGZF:     %s, %s bytes (bgzip)\n' "$BGZ" "$(file_size "$BGZ")"
fi
if want_csv; then
	print_input "$CSV" "gencsv: lines are not records"
	printf '  CSV gzip: %s, %s bytes, one member (pigz -6), index %s, %s bytes%s\n' "$CGZ" \
		"$(file_size "$CGZ")" "$CIX" "$(file_size "$CIX")" \
		"${BENCH_GZCSV_SPACING:+, --spacing $BENCH_GZCSV_SPACING}"
fi
print_tool gzip gzip --version
print_tool pigz pigz --version
print_tool igzip igzip --version
[ "$HAVE_PY" = 1 ] && print_tool python3 python3 --version
[ "$HAVE_MLR" = 1 ] && print_tool mlr mlr --version
missing=()
[ "$HAVE_PY" = 1 ] || missing+=("python3")
[ "$HAVE_MLR" = 1 ] || missing+=("mlr (Miller)")
print_missing "${missing[@]}"
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

# The CSV: Python's csv module counts rows, or groups them as forkpipe's
# group -k city count sum:amount does (exact Decimal sums; forkpipe
# prints a sum without its trailing zeros, 4 for 4.00).
PY_COUNT='import csv; print(sum(1 for _ in csv.reader(open(0, newline=""))))'
PY_GROUP='import csv, sys
from decimal import Decimal
r = csv.reader(open(0, newline="")); h = next(r); c = h.index("city"); a = h.index("amount")
n = {}; s = {}
for row in r:
    k = row[c]; n[k] = n.get(k, 0) + 1; s[k] = s.get(k, 0) + Decimal(row[a])
def num(d):
    t = str(d)
    return t.rstrip("0").rstrip(".") if "." in t else t
w = csv.writer(sys.stdout, lineterminator="\n")
for k in sorted(n, key=lambda k: k.encode()):
    w.writerow([k, n[k], num(s[k])])'
G_CSV=(-H --csv -e 'group -k city count sum:amount')

gf_fpN() { "$FORKPIPE" -j"$N" --index "$CIX" --csv -e count "$CGZ"; }
gf_fp1() { "$FORKPIPE" -j1 --index "$CIX" --csv -e count "$CGZ"; }
gf_py() { igzip -dc "$CGZ" | python3 -c "$PY_COUNT"; }
gf_mlr() { igzip -dc "$CGZ" | mlr --icsv --implicit-csv-header --onidx count; }
gf_noix() { "$FORKPIPE" -j"$N" --csv -e count "$CGZ"; }

gg_fpN() { "$FORKPIPE" -j"$N" --index "$CIX" "${G_CSV[@]}" "$CGZ"; }
gg_fp1() { "$FORKPIPE" -j1 --index "$CIX" "${G_CSV[@]}" "$CGZ"; }
gg_py() { igzip -dc "$CGZ" | python3 -c "$PY_GROUP"; }
gg_noix() { "$FORKPIPE" -j"$N" "${G_CSV[@]}" "$CGZ"; }

gh_write() { rm -f "$CGZ.fpi"; "$FORKPIPE" -j"$N" --write-index --csv -e count "$CGZ"; }
gh_plain() { rm -f "$CGZ.fpi"; "$FORKPIPE" -j"$N" --csv -e count "$CGZ"; }

gp_fpN() { "$FORKPIPE" -j"$N" -e "$FP_GREP_F" "$GZ"; }
gp_fp1() { "$FORKPIPE" -j1 -e "$FP_GREP_F" "$GZ"; }
gp_bgzf() { "$FORKPIPE" -j"$N" -e "$FP_GREP_F" "$BGZ"; }
gp_zcat() { zcat "$GZ" | grep -F "$LIT"; }
gp_pigz() { pigz -dc "$GZ" | grep -F "$LIT"; }
gp_igzip() { igzip -dc "$GZ" | grep -F "$LIT"; }

print_legend
echo "MB/s here: compressed bytes of the .gz file / 10^6 / median"
echo

if want a; then
	add_fp ga "-e count FILE.gz"
	add_tool ref "zcat | wc -l" ga_zcat
	add_tool peer "pigz -dc | wc -l" ga_pigz
	add_tool peer "igzip -dc | wc -l" ga_igzip
	add_tool peer "forkpipe -j$N -e count FILE.bgz (BGZF)" ga_bgzf
	run_case "(a) count lines" count "$GZ" -j"$N" -e count "$GZ"
fi

if want b; then
	add_fp gc "-e 'grep -F \" 404 \"' -e count FILE.gz"
	add_tool ref "zcat | grep -F -c" gc_zcat
	add_tool peer "pigz -dc | grep -F -c" gc_pigz
	add_tool peer "igzip -dc | grep -F -c" gc_igzip
	add_tool peer "forkpipe -j$N ... FILE.bgz (BGZF)" gc_bgzf
	run_case "(b) literal '$LIT': count matching lines" count "$GZ" -j"$N" -e "$FP_GREP_F" -e count "$GZ"
fi

if want c; then
	add_fp gp "-e 'grep -F \" 404 \"' FILE.gz > FILE"
	add_tool ref "zcat | grep -F > FILE" gp_zcat
	add_tool peer "pigz -dc | grep -F > FILE" gp_pigz
	add_tool peer "igzip -dc | grep -F > FILE" gp_igzip
	add_tool peer "forkpipe -j$N ... FILE.bgz > FILE (BGZF)" gp_bgzf
	run_case "(c) literal '$LIT': print matching lines to a file" lines "$GZ" -j"$N" -e "$FP_GREP_F" "$GZ"
fi

if want d; then
	add_fp gi "--index FILE.gz.idx -e count FILE.gz"
	add_tool ref "igzip -dc | wc -l" gi_igzip
	add_tool peer "forkpipe -j$N -e count FILE.gz (no index)" gi_noix
	run_case "(d) count lines of the gzip file by its index" count "$GZ" -j"$N" --index "$IX" -e count "$GZ"
fi

if want e; then
	add_tool fpN "forkpipe -j$N --write-index -e count FILE.gz" gw_write
	add_tool ref "forkpipe -j$N -e count FILE.gz (no index written)" gw_plain
	run_case "(e) the cost of writing the index during a run" count "$GZ" -j"$N" -e count "$GZ"
	rm -f "$GZ.fpi"
fi

# Without python3 the reference of (f) and (g) is forkpipe -j1.
if want f; then
	add_fp gf "--index FILE.csv.gz.idx --csv -e count FILE.csv.gz"
	[ "$HAVE_PY" = 1 ] && add_tool ref "igzip -dc | python3 -c 'csv.reader ... count'" gf_py
	[ "$HAVE_MLR" = 1 ] && add_tool peer "igzip -dc | mlr --icsv --implicit-csv-header count" gf_mlr
	add_tool peer "forkpipe -j$N --csv -e count FILE.csv.gz (no index)" gf_noix
	run_case "(f) CSV: count records of the gzip file by its index" count "$CGZ" \
		-j"$N" --index "$CIX" --csv -e count "$CGZ"
fi

if want g; then
	add_fp gg "--index FILE.csv.gz.idx -H --csv -e 'group -k city count sum:amount'"
	[ "$HAVE_PY" = 1 ] && add_tool ref "igzip -dc | python3 -c 'csv.reader ... Decimal sums'" gg_py
	add_tool peer "forkpipe -j$N -H --csv -e 'group ...' FILE.csv.gz (no index)" gg_noix
	run_case "(g) CSV: group by city, count, sum of amount, by the index" lines "$CGZ" \
		-j"$N" --index "$CIX" "${G_CSV[@]}" "$CGZ"
fi

if want h; then
	add_tool fpN "forkpipe -j$N --write-index --csv -e count FILE.csv.gz" gh_write
	add_tool ref "forkpipe -j$N --csv -e count FILE.csv.gz (no index written)" gh_plain
	run_case "(h) CSV: the cost of writing the index during a run" count "$CGZ" -j"$N" --csv -e count "$CGZ"
	rm -f "$CGZ.fpi"
fi
