#!/bin/bash
# e2e/sort-opts.sh - sort's other orderings against LC_ALL=C sort (GNU
# coreutils 9.1) with the same options: -g -h -M -V -f -d -i and -R with
# --random-source, globally and as key letters, with -r -u -s -b and -t;
# -c and -C (the first disorder within a chunk and at the seams between
# chunks); -m; at -j 1, 2, 4 and 7, chunks of 1 byte and the default, a
# --memory that spills, from files and stdin; -R's properties with a
# random seed; the messages and exit codes of bad values.
. "$TEST_SRCDIR/lib.sh"

# gen_opts FILE SEED NLINES [PLAIN]: lines of one to four blank-separated
# fields drawn from numbers of every form (exponents, hexadecimal, inf,
# nan, signs), sizes with SI suffixes, version strings, month names, words
# in mixed case with punctuation, and (without PLAIN) control and high
# bytes; empty fields and lines, leading blanks, many ties.
gen_opts() {
	awk -v seed="$2" -v n="$3" -v plain="${4:-}" 'BEGIN {
		srand(seed)
		nw = split("1e3 1E-2 -1e3 +5 0x1A 0x1p4 inf -inf INF infinity nan -nan NaN nan(1) " \
			"1.5 -0 0 .5 5. 1e5000 -1e5000 1e-5000 abc 12abc 007 -1.5e1 " \
			"1K 1k 2M 0.5G -1K 0K 1KB K 10 999 1G 1T 1P 1E 1Z 1Y 1Q -2M 0.0M 1,5K 1.5k " \
			"1.2.10 1.2.9 1.10 1.9 foo-1.0.tar.gz foo-1.0~rc1 foo-1.0a foo-1.0 . .. .hidden " \
			"a.b~ 1.0.0 v2 2.0-1 9 ~x x~ a1b2 a01b2 " \
			"jan Feb MAR apr mAy JUNE July aug Sept oct nov DEC Dec xyz ja " \
			"Apple apple APPLE _under a-b a.b A1 a1 Zed zed z-z Z_z { ~ @at", W, " ")
		if (plain == "") {
			W[++nw] = "\001ctl"; W[++nw] = "a\177b"; W[++nw] = "\351t\351"
			W[++nw] = "ctl\002"; W[++nw] = "\351"
		}
		for (i = 1; i <= n; i++) {
			if (rand() < 0.03) { print ""; continue }
			k = int(rand() * 4) + 1
			line = rand() < 0.1 ? " " : ""
			for (j = 1; j <= k; j++) {
				w = rand() < 0.06 ? "" : W[int(rand() * nw) + 1]
				line = line (j > 1 ? (rand() < 0.2 ? "  " : " ") : "") w
			}
			print line
		}
	}' > "$1"
}

gen_opts "$T/in" 41 1500
gen_opts "$T/plain" 42 1500 plain
tr ' ' , < "$T/plain" > "$T/comma"
# GNU sort -g orders NaNs among themselves by their bytes in memory,
# padding included (see sortcmp.c), an order forkpipe cannot copy; -g is
# compared on inputs without NaNs, and on NaNs that tie on the rest.
for f in in comma plain; do
	grep -avi nan "$T/$f" > "$T/$f.g"
done
head -c 64 /dev/urandom > "$T/seed"

chunk_opt() {
	[ "$1" = auto ] || printf -- '-b\n%s\n' "$1"
}

CONFIGS=("1 1" "2 auto" "4 1" "7 auto" "1 auto" "2 1" "4 auto" "7 1")

# opts_case INPUT SORT-OPTS: the stage against sort, from the file and
# through a pipe at two rotating configurations of -j and chunk size.
NCASE=0
opts_case() {
	local in=$1 opts=$2 a b
	case $opts in *g*) in=$in.g ;; esac
	LC_ALL=C sort $opts "$in" > "$T/ref" 2> "$T/ref.err" || die "sort $opts $in failed"
	set -- ${CONFIGS[$((NCASE % 8))]}
	a=$1 b=$2
	expect_out "sort $opts < $(basename "$in") -j$a -b$b" "$T/ref" \
		fp -j "$a" $(chunk_opt "$b") -e "sort $opts" "$in"
	set -- ${CONFIGS[$(((NCASE + 3) % 8))]}
	a=$1 b=$2
	expect_out "sort $opts < $(basename "$in"), pipe -j$a -b$b" "$T/ref" \
		piped "$in" -j "$a" $(chunk_opt "$b") -e "sort $opts"
	NCASE=$((NCASE + 1))
}

# ---- each ordering, globally and as key letters --------------------------
R="--random-source $T/seed"
for opts in -g -gr -gu -gs -h -hr -hu -hs -M -Mr -Mu -Ms -V -Vr -Vu -Vs \
	-f -fr -fu -fs -d -dr -du -i -iu -fd -fi -dfu -fdr -fV -fM -fh -fg -bM -bV -bh \
	"-k2,2g" "-k2,2h" "-k1,1V" "-k3M" "-k2,2gr" "-k1,1f" "-k1,1d" "-k2,2i" "-k2" \
	"-k2,2h -k1,1V" "-k3V -k1,1fr" "-k2b,2bM" "-k1,1f -u" "-k2,2 -f" "-k2,2n -g" \
	"-k2,2d -u" "-b -k2,2h" "-k2.2,2.4V" "-k2,2nf" "-k1,1Mr -k2,2g -s" "-k2,2V -s" \
	"-k1,1h -u" "-k2,2 -k1,1 -d" "-k1.2,1.3f -u" "-k2,2g -k3,3h -r" "-k1,1di" -dV -iV \
	"-dR $R" "-k2,2Vi" \
	"-R $R" "-R -u $R" "-Rr $R" "-k2,2R $R" "-R -s $R" "-k1,1fR $R" "-k2,2R -k1,1 $R"; do
	opts_case "$T/in" "$opts"
done
for opts in "-t , -k2,2g" "-t , -k2,2h -k1,1M" "-t , -k1,1V -u" "-t , -k3,3f -s" \
	"-t , -d -k2" "-t , -k2,2R $R"; do
	opts_case "$T/comma" "$opts"
done

# Every job count and both chunk sizes, from a file and a pipe.
printf 'nan\n-nan\nnan(1)\n1\n-inf\nx\n\nNAN\n-nan(2)\n' > "$T/nans"
cp "$T/nans" "$T/nans.g"
opts_case "$T/nans" "-s -g"
opts_case "$T/nans" "-s -gr"
for opts in "-k2,2h -k1,1V" "-fu -M"; do
	LC_ALL=C sort $opts "$T/in" > "$T/ref"
	for j in 1 2 4 7; do
		for b in 1 auto; do
			expect_out "sort $opts -j$j -b$b" "$T/ref" \
				fp -j "$j" $(chunk_opt "$b") -e "sort $opts" "$T/in"
			expect_out "sort $opts, pipe -j$j -b$b" "$T/ref" \
				piped "$T/in" -j "$j" $(chunk_opt "$b") -e "sort $opts"
		done
	done
done

# Spilling: with --memory 64K the workers and the merger spill their runs.
gen_opts "$T/big" 43 12000
mkdir "$T/spill"
grep -avi nan "$T/big" > "$T/big.g"
for opts in "-V" "-k2,2h -k1,1f -u" "-g -s" "-R $R"; do
	case $opts in *g*) mv "$T/big.g" "$T/big" ;; esac
	LC_ALL=C sort $opts "$T/big" > "$T/ref"
	expect_out "--memory 64K sort $opts" "$T/ref" \
		fp --memory 64K --tmpdir "$T/spill" -j 2 -b 16K -e "sort $opts" "$T/big"
	expect_out "--memory 64K sort $opts, pipe" "$T/ref" \
		piped "$T/big" --memory 64K --tmpdir "$T/spill" -j 4 -b 1K -e "sort $opts"
done
check_dir_listing "spill files leave no names behind" "$T/spill"

# ---- -R with a random seed: a permutation, equal keys together -----------
for opts in "-R" "-k1,1R -s" "-R -f"; do
	fp -j 3 -b 1K -e "sort $opts" "$T/plain" > "$T/out" || fail "sort $opts failed"
	LC_ALL=C sort "$T/out" | cmp -s - <(LC_ALL=C sort "$T/plain") &&
		pass || fail "sort $opts: not a permutation of the input"
	# Keys (the whole line, field 1, or the line folded) that come back
	# after another key came between them.
	# (sort's field 1 holds its leading blanks)
	split=$(awk -v o="$opts" '{ match($0, /^[ \t]*[^ \t]*/); k = substr($0, 1, RLENGTH)
		k = o ~ /k1/ ? k : (o ~ /f/ ? toupper($0) : $0) }
		k != prev && (k in seen) { n++ } { seen[k] = 1; prev = k } END { print n + 0 }' "$T/out")
	[ "$split" = 0 ] && pass || fail "sort $opts: $split keys not together"
done
fp -j 2 -e 'sort -R' "$T/plain" > "$T/r1"
fp -j 2 -e 'sort -R' "$T/plain" > "$T/r2"
cmp -s "$T/r1" "$T/r2" && fail "sort -R: two runs gave the same order" || pass

# ---- -m: merging sorted inputs -------------------------------------------
gen_opts "$T/m1" 51 700 plain
gen_opts "$T/m2" 52 500 plain
gen_opts "$T/m3" 53 300 plain
for f in m1 m2 m3; do
	grep -avi nan "$T/$f" > "$T/$f.g"
	mv "$T/$f.g" "$T/$f"
done
for opts in "-r" "-k2,2 -u" "-V" "-k1,1f -s" "-k2,2g -k1,1M -u"; do
	for f in m1 m2 m3; do
		LC_ALL=C sort $opts "$T/$f" > "$T/$f.s"
	done
	LC_ALL=C sort -m $opts "$T/m1.s" "$T/m2.s" "$T/m3.s" > "$T/ref"
	for c in "1 1" "2 auto" "4 1" "7 auto"; do
		set -- $c
		expect_out "sort -m $opts -j$1 -b$2" "$T/ref" \
			fp -j "$1" $(chunk_opt "$2") -e "sort -m $opts" "$T/m1.s" "$T/m2.s" "$T/m3.s"
	done
	expect_out "sort -m $opts, pipe" "$T/m1.s" piped "$T/m1.s" -j 2 -b 1 -e "sort -m $opts"
done

# ---- -c and -C ------------------------------------------------------------
# check_case FILE SORT-OPTS: exit code and message as sort's (with
# "forkpipe: " before it), from the file at two rotating configurations
# of -j and chunk size, from stdin, and with -C.
check_case() {
	local in=$1 opts=$2 want rc c
	LC_ALL=C sort -c $opts "$in" 2> "$T/ref.err"
	want=$?
	sed 's/^/forkpipe: /' "$T/ref.err" > "$T/want.err"
	for c in "${CONFIGS[$((NCASE % 8))]}" "${CONFIGS[$(((NCASE + 3) % 8))]}"; do
		set -- $c
		fp -j "$1" $(chunk_opt "$2") -e "sort -c $opts" "$in" > "$T/out" 2> "$T/err"
		rc=$?
		check_rc "sort -c $opts $(basename "$in") -j$1 -b$2" "$want" "$rc" "$T/err"
		check_same "sort -c $opts $(basename "$in") -j$1 -b$2: message" "$T/want.err" "$T/err"
		check_empty "sort -c: no output" "$T/out"
	done
	NCASE=$((NCASE + 1))
	(cd "$(dirname "$in")" && LC_ALL=C sort -c $opts < "$in") 2> "$T/ref.err"
	sed 's/^/forkpipe: /' "$T/ref.err" > "$T/want.err"
	piped "$in" -j 3 -b 1 -e "sort -c $opts" > "$T/out" 2> "$T/err"
	rc=$?
	check_rc "sort -c $opts < $(basename "$in")" "$want" "$rc" "$T/err"
	check_same "sort -c $opts < $(basename "$in"): message" "$T/want.err" "$T/err"
	fp -j 2 -b 1 -e "sort -C $opts" "$in" > "$T/out" 2> "$T/err"
	rc=$?
	check_rc "sort -C $opts $(basename "$in")" "$want" "$rc" "$T/err"
	check_empty "sort -C $opts: no message" "$T/err"
	check_empty "sort -C $opts: no output" "$T/out"
}

for opts in "-g" "-h" "-V" "-M -r" "-d" "-k2,2h -k1,1V" "-fu" "-s -k1,1f"; do
	in=$T/plain
	case $opts in *g*) in=$T/plain.g ;; esac
	LC_ALL=C sort $opts "$in" > "$T/sorted"
	check_case "$T/sorted" "$opts"
	# A record out of place: in the middle (across chunks of 1 byte at
	# a seam, else within a chunk) and last.
	for at in 700 1500; do
		awk -v at="$at" 'NR == at { held = $0; next } { print } NR == at + 1 && held != "" { print held }
			END { if (at >= NR) print "zzz-out-of-place" }' "$T/sorted" > "$T/moved"
		check_case "$T/moved" "$opts"
	done
done
# Every job count and chunk size, the disorder within a chunk or at a seam.
LC_ALL=C sort -k2,2h "$T/plain" | awk 'NR == 900 { held = $0; next } { print } NR == 901 { print held }' > "$T/moved"
LC_ALL=C sort -c -k2,2h "$T/moved" 2>&1 | sed 's/^/forkpipe: /' > "$T/want.err"
for j in 1 2 4 7; do
	for b in 1 100 auto; do
		fp -j "$j" $(chunk_opt "$b") -e "sort -c -k2,2h" "$T/moved" > "$T/out" 2> "$T/err"
		rc=$?
		check_rc "sort -c -k2,2h -j$j -b$b" 1 "$rc" "$T/err"
		check_same "sort -c -k2,2h -j$j -b$b: message" "$T/want.err" "$T/err"
	done
done
printf 'b\na\n' > "$T/ba"
EE_STDOUT= expect_exit 1 '^forkpipe: sort: .*/ba:2: disorder: a$' -- fp -o "$T/o.txt" -e 'sort -c' "$T/ba"
[ -e "$T/o.txt" ] && fail "sort -c: -o file left behind" || pass
# -C's quiet exit still cleans up and reports: no -o file, the report
# records exit 1 and no message; with --partial the same.
fp -o "$T/o.txt" --stats-json="$T/r.json" -e 'sort -C' "$T/ba" 2> "$T/err"
check_rc "sort -C -o" 1 $? "$T/err"
check_empty "sort -C -o: no message" "$T/err"
[ -e "$T/o.txt" ] && fail "sort -C: -o file left behind" || pass
[ "$(jq -c '[.exit_code, .error]' "$T/r.json")" = '[1,""]' ] && pass ||
	fail "sort -C: the report says $(jq -c '[.exit_code, .error]' "$T/r.json")"
fp --partial -o "$T/o.part" -e 'sort -C' "$T/ba" 2> "$T/err"
check_rc "sort -C --partial" 1 $? "$T/err"
check_empty "sort -C --partial: no message" "$T/err"
[ -e "$T/o.part" ] && fail "sort -C --partial: -o file left behind" || pass

# ---- the YAML form --------------------------------------------------------
printf 'stages:\n  - sort: {key: ["2,2h", "1,1V"], unique: true}\n' > "$T/keys.yaml"
LC_ALL=C sort -k2,2h -k1,1V -u "$T/in" > "$T/ref"
expect_out "YAML: key letters" "$T/ref" fp -j 2 -b 1K -c "$T/keys.yaml" "$T/in"
printf 'stages:\n  - sort: {month: true, ignore-case: true, reverse: true, random-source: %s}\n' \
	"$T/seed" > "$T/month.yaml"
LC_ALL=C sort -M -f -r "$T/in" > "$T/ref"
expect_out "YAML: month, ignore-case, reverse" "$T/ref" fp -j 2 -b 1K -c "$T/month.yaml" "$T/in"

# ---- bad values -----------------------------------------------------------
for o in "-gn" "-hM" "-dn" "-iM" "-MR" "-Vh" "-k1,1dn" "-k2,2Vg" "-g -k1,1hn" "-k2,2fbrgM"; do
	msg=$(LC_ALL=C sort $o "$T/plain" 2>&1 >/dev/null)
	expect_exit 64 "^forkpipe: ${msg//\'/.}\$" -- fp -e "sort $o" "$T/plain"
	check_empty "sort $o: nothing on stdout" "$EE_OUT"
done
expect_exit 64 "^forkpipe: sort: options '-cC' are incompatible$" -- fp -e 'sort -c -C' "$T/plain"
expect_exit 64 "^forkpipe: sort: options '-cm' are incompatible$" -- fp -e 'sort -c -m' "$T/plain"
expect_exit 64 "^forkpipe: sort: -c checks one input, not 2$" -- fp -e 'sort -c' "$T/plain" "$T/in"
expect_exit 64 "^forkpipe: sort: --random-source '$T/none': No such file or directory$" -- \
	fp -e "sort -R --random-source $T/none" "$T/plain"
head -c 15 "$T/seed" > "$T/short"
expect_exit 64 "^forkpipe: sort: --random-source '$T/short': fewer than 16 bytes$" -- \
	fp -e "sort -R --random-source $T/short" "$T/plain"
expect_exit 64 "^forkpipe: sort: bad key definition '2,2Gx': unexpected 'G'$" -- fp -e 'sort -k2,2Gx' "$T/plain"
expect_exit 64 "^forkpipe: sort: bad key definition '1q': unexpected 'q'$" -- \
	fp -o "$T/o.txt" -e 'sort -k1q' "$T/plain"
[ -e "$T/o.txt" ] && fail "bad key: -o file left behind" || pass

finish
