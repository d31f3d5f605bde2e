#!/usr/bin/env bash
# installcheck.sh - the installed forkpipe, run as a user meets it: the
# quick start and the other example pipelines on the installed examples,
# then one of each kind of run (a reducer, CSV, gzip output, a merge of
# partials), the cluster scripts found on PATH and the man pages in place.
# Not part of make check: `make installcheck` (and so `make distcheck`)
# runs it on what make install wrote, and .ci/run on the Debian package.
#
# Environment (set by make installcheck; .ci/run sets the Debian paths):
#   BINDIR      where forkpipe and the scripts are (e.g. /usr/bin)
#   EXAMPLES    the installed examples (e.g. /usr/share/doc/forkpipe/examples)
#   PKGDATADIR  where forkpipe-slurm's job script is (e.g. /usr/share/forkpipe)
#   MANDIR      the man pages' root (e.g. /usr/share/man)
#   DESTDIR     prepended to each of them, as make install did (may be empty)
#   top_srcdir  the source tree (for tests/lib.sh and the list of conf/)

for _v in BINDIR EXAMPLES PKGDATADIR MANDIR top_srcdir; do
	[ -n "${!_v:-}" ] || { echo "installcheck: $_v is not set" >&2; exit 1; }
done
DESTDIR=${DESTDIR:-}
bin=$DESTDIR$BINDIR ex=$DESTDIR$EXAMPLES
FORKPIPE=$bin/forkpipe
export FORKPIPE top_srcdir
# shellcheck source=tests/lib.sh
. "$top_srcdir/tests/lib.sh"
# The scripts run forkpipe from PATH, as they do once installed.
PATH=$bin:$PATH
export PATH
unset FORKPIPE_OPTIONS 2>/dev/null || :

# ---- the examples, run where they are installed, as the README says -----------
cd "$ex" || die "no installed examples in $ex"
for f in "$top_srcdir"/conf/*.yaml; do
	[ -f "conf/${f##*/}" ] && pass || fail "conf/${f##*/} is not installed in $ex"
done
check_same "the sample log is installed" "$top_srcdir/data/access.log" data/access.log

# The quick start: README's `forkpipe -c conf/errors.yaml` prints 323.
fp -c conf/errors.yaml > "$T/out" 2> "$T/err"
check_rc "quick start" 0 $? "$T/err"
grep -c -E '" (404|5[0-9][0-9]) ' data/access.log > "$T/exp"
check_same "quick start: the count of 404 and 5xx" "$T/exp" "$T/out"
check_text "quick start prints 323" 323 "$T/out"

fp -c conf/words.yaml > "$T/out" 2> "$T/err"
wc -l -w -c < data/access.log | awk '{ print $1, $2, $3 }' > "$T/exp"
check_same "conf/words.yaml = wc" "$T/exp" "$T/out"
fp -c conf/crawlers.yaml > "$T/out" 2> "$T/err"
grep -c -i -w -E 'googlebot|bingbot' data/access.log > "$T/exp"
check_same "conf/crawlers.yaml = grep -c" "$T/exp" "$T/out"
grep -F /api/ data/access.log | grep -F '" 404 ' | grep -v -i bot > "$T/api-404"

# ---- one of each -------------------------------------------------------------
# A grouping reducer, against sort | uniq -c.
fp -e 'group -k 9 count' data/access.log > "$T/out" 2> "$T/err"
check_rc "group" 0 $? "$T/err"
awk '{ print $9 }' data/access.log | sort | uniq -c | awk '{ print $2 "\t" $1 }' > "$T/exp"
check_same "group -k 9 count = sort | uniq -c" "$T/exp" "$T/out"

# CSV with quoted fields that hold commas, named by the header.
awk -F'"' 'BEGIN { print "ip,request,status" }
	{ split($1, a, " "); split($3, b, " "); printf "%s,\"%s, x\",%s\n", a[1], $2, b[1] }' \
	data/access.log > "$T/log.csv"
fp --csv -H -e 'cut -f request,status' "$T/log.csv" > "$T/out" 2> "$T/err"
check_rc "csv" 0 $? "$T/err"
awk -F'"' 'BEGIN { print "request,status" }
	{ split($3, b, " "); printf "\"%s, x\",%s\n", $2, b[1] }' data/access.log > "$T/exp"
check_same "--csv -H cut -f request,status" "$T/exp" "$T/out"

# gzip output, written atomically to NAME.gz.
fp -c conf/api-404.yaml -o "$T/api-404.gz" 2> "$T/err"
check_rc "gzip output" 0 $? "$T/err"
gzip -dc "$T/api-404.gz" > "$T/out"
check_same "conf/api-404.yaml -o NAME.gz = grep | grep | grep" "$T/api-404" "$T/out"

# Two shards' partials, merged.
for k in 0 1; do
	fp -c conf/errors.yaml --shard "$k/2" --partial -o "$T/part.$k" 2> "$T/err"
	check_rc "shard $k/2 --partial" 0 $? "$T/err"
done
fp merge -c conf/errors.yaml -o "$T/merged" "$T/part.1" "$T/part.0" 2> "$T/err"
check_rc "merge" 0 $? "$T/err"
grep -c -E '" (404|5[0-9][0-9]) ' data/access.log > "$T/exp"
check_same "merge of two shards = grep -c" "$T/exp" "$T/merged"

# ---- the cluster scripts, from PATH -----------------------------------------
forkpipe-map -e 'grep -F /api/' -e count < data/access.log > "$T/map" 2> "$T/err"
check_rc "forkpipe-map" 0 $? "$T/err"
forkpipe-reduce -e 'grep -F /api/' -e count < "$T/map" > "$T/out" 2> "$T/err"
check_rc "forkpipe-reduce" 0 $? "$T/err"
grep -c -F /api/ data/access.log > "$T/exp"
check_same "forkpipe-map | forkpipe-reduce = grep -c" "$T/exp" "$T/out"

# forkpipe-slurm hands sbatch the installed job script: a stand-in sbatch
# writes down what it was given.
mkdir "$T/stub"
cat > "$T/stub/sbatch" <<'EOF'
#!/bin/sh
for a; do case $a in *.sbatch) printf '%s\n' "$a" >> "$SBATCH_LOG" ;; esac; done
echo 42
EOF
chmod +x "$T/stub/sbatch"
SBATCH_LOG=$T/sbatch.log PATH=$T/stub:$PATH \
	forkpipe-slurm -n 2 conf/errors.yaml "$T/parts" "$T/out" > /dev/null 2> "$T/err"
check_rc "forkpipe-slurm" 0 $? "$T/err"
printf '%s\n' "$PKGDATADIR/forkpipe-array.sbatch" "$PKGDATADIR/forkpipe-array.sbatch" > "$T/exp"
check_same "forkpipe-slurm submits the installed job script" "$T/exp" "$T/sbatch.log"
[ -x "$DESTDIR$PKGDATADIR/forkpipe-array.sbatch" ] && pass ||
	fail "the job script $DESTDIR$PKGDATADIR/forkpipe-array.sbatch is not installed"

# ---- the binary's own, and the man pages -------------------------------------
fp --version > "$T/out" 2> "$T/err"
check_rc "--version" 0 $? "$T/err"
grep -q '^forkpipe [0-9]' "$T/out" && pass || fail "--version: $(head -n 1 "$T/out")"
for m in man1/forkpipe.1 man1/forkpipe-slurm.1 man1/forkpipe-map.1 man1/forkpipe-reduce.1 \
	man5/forkpipe.yaml.5 man5/forkpipe-partials.5 man5/forkpipe-gzindex.5; do
	# (a Debian package compresses them)
	{ [ -f "$DESTDIR$MANDIR/$m" ] || [ -f "$DESTDIR$MANDIR/$m.gz" ]; } && pass ||
		fail "man page $m is not installed in $DESTDIR$MANDIR"
done

finish
