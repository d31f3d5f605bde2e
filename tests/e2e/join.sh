#!/bin/bash
# e2e/join.sh - the join stage against LC_ALL=C join -t SEP on the same
# inputs sorted on the key (stably, so that a key's records keep their
# order): default output, -a, -v, -o, several key fields, duplicate keys on
# both sides, records without the key field (an empty key, as join), an
# empty lookup, --header, CSV, gzip and zstd lookups, at -j 1, 2, 4 and
# tiny chunks, from files and stdin; every bad option and bad lookup with
# its exit code and exact message, and no -o file left behind.
. "$TEST_SRCDIR/lib.sh"

for _tool in join gzip zstd; do
	command -v "$_tool" > /dev/null 2>&1 || die "reference tool '$_tool' not found"
done

# gen_big FILE SEED N D: records of 0 to 5 fields separated by D, keys from
# a small set (so most match, some twice), empty fields and empty records.
gen_big() {
	awk -v seed="$2" -v n="$3" -v d="$4" 'BEGIN {
		srand(seed)
		for (i = 1; i <= n; i++) {
			nf = int(rand() * 6)
			s = ""
			for (f = 1; f <= nf; f++) {
				r = rand()
				v = r < 0.08 ? "" : r < 0.7 ? "k" int(rand() * 40) : "v" i "_" f
				s = s (f > 1 ? d : "") v
			}
			print s
		}
	}' > "$1"
}

# gen_lookup FILE SEED N D: keys in fields 1 and 2 from the same set,
# some repeated, some missing, a few empty ones.
gen_lookup() {
	awk -v seed="$2" -v n="$3" -v d="$4" 'BEGIN {
		srand(seed)
		for (i = 1; i <= n; i++) {
			r = rand()
			if (r < 0.03) { print ""; continue }
			k1 = r < 0.06 ? "" : "k" int(rand() * 50)
			k2 = "k" int(rand() * 40)
			nf = int(rand() * 4)
			s = k1 d k2
			for (f = 1; f <= nf; f++) s = s d "L" i "_" f
			print s
		}
	}' > "$1"
}

# sorted FILE D K: FILE sorted stably on field K, as join wants it.
sorted() {
	sort -s -t "$2" -k "$3,$3" "$1"
}

gen_big "$T/big" 11 3000 :
gen_lookup "$T/lk" 12 120 :
tr : '\t' < "$T/big" > "$T/big.tsv"
tr : '\t' < "$T/lk" > "$T/lk.tsv"
gzip -c "$T/lk" > "$T/lk.gz"
zstd -q -c "$T/lk" > "$T/lk.zst"

CONFIGS=("1 1M" "2 1" "4 100" "2 7" "4 1M" "1 1")

# differ NAME SEP K1 K2 JOINOPTS FPOPTS: one comparison per config, file
# and stdin alternating; the lookup handed to forkpipe is unsorted.
differ() {
	local name=$1 sep=$2 k1=$3 k2=$4 jopts=$5 fopts=$6 big lk lkf i=0 fmt
	if [ "$sep" = : ]; then big=$T/big lk=$T/lk fmt=(-d :); else big=$T/big.tsv lk=$T/lk.tsv fmt=(--tsv); fi
	sorted "$big" "$sep" "$k1" > "$T/sbig"
	sorted "$lk" "$sep" "$k2" > "$T/slk"
	# shellcheck disable=SC2086
	join -t "$sep" --nocheck-order -1 "$k1" -2 "$k2" $jopts "$T/sbig" "$T/slk" > "$T/ref" ||
		die "join failed ($name)"
	for lkf in "$lk" "$lk.gz" "$lk.zst"; do
		[ "$sep" = : ] || [ "$lkf" = "$lk" ] || continue
		local c=${CONFIGS[$((i % ${#CONFIGS[@]}))]}
		set -- $c
		if [ $((i % 2)) = 0 ]; then
			expect_out "$name $lkf -j $1 -b $2" "$T/ref" fp -j "$1" -b "$2" "${fmt[@]}" \
				-e "join -k $k1 --lookup-key $k2 $fopts -f $lkf" "$T/sbig"
		else
			expect_out "$name $lkf stdin -j $1 -b $2" "$T/ref" piped "$T/sbig" -j "$1" -b "$2" \
				"${fmt[@]}" -e "join -k $k1 --lookup-key $k2 $fopts -f $lkf"
		fi
		i=$((i + 1))
	done
}

for sep in : $'\t'; do
	for keys in "1 1" "2 1" "3 2" "1 2"; do
		set -- $keys
		k1=$1 k2=$2
		differ "default $k1/$k2" "$sep" "$k1" "$k2" "" ""
		differ "-a $k1/$k2" "$sep" "$k1" "$k2" "-a 1" "-a"
		differ "-v $k1/$k2" "$sep" "$k1" "$k2" "-v 1" "-v"
		differ "-o $k1/$k2" "$sep" "$k1" "$k2" "-o 0,2.3,1.2,2.1,1.5" "-o 0,2.3,1.2,2.1,1.5"
		differ "-a -o $k1/$k2" "$sep" "$k1" "$k2" "-a 1 -o 1.1,0,2.4" "-a -o '1.1 0 2.4'"
	done
done

# The input's order, not sorted: each record's output stays where the
# record is (checked against join one record at a time would be slow;
# against awk with an in-memory array, as the benchmark does).
awk -F : 'NR == FNR { k = $1; L[k, ++n[k]] = $0; next }
	{ k = $1
	  for (i = 1; i <= n[k]; i++) {
		s = k; for (f = 2; f <= NF; f++) s = s ":" $f
		c = split(L[k, i], F, ":"); for (f = 2; f <= c; f++) s = s ":" F[f]
		print s } }' "$T/lk" "$T/big" > "$T/ref.order"
for c in "${CONFIGS[@]}"; do
	set -- $c
	expect_out "input order -j $1 -b $2" "$T/ref.order" fp -j "$1" -b "$2" -d : -e "join -f $T/lk" "$T/big"
done

# Several key fields: the records whose fields 1 and 2 both match.
awk -F : 'NR == FNR { k = $1 ":" $2; L[k, ++n[k]] = $0; next }
	{ k = $2 ":" $1
	  for (i = 1; i <= n[k]; i++) {
		s = $2 ":" $1; for (f = 3; f <= NF; f++) s = s ":" $f
		c = split(L[k, i], F, ":"); for (f = 3; f <= c; f++) s = s ":" F[f]
		print s } }' "$T/lk" "$T/big" > "$T/ref.two"
expect_out "two key fields" "$T/ref.two" fp -j 2 -b 100 -d : -e "join -k 2,1 --lookup-key 1,2 -f $T/lk" "$T/big"

# An empty lookup: nothing matches.
: > "$T/empty"
gzip -c "$T/empty" > "$T/empty.gz"
sorted "$T/big" : 1 > "$T/sbig"
join -t : --nocheck-order -a 1 "$T/sbig" "$T/empty" > "$T/ref"
expect_out "empty lookup -a" "$T/ref" fp -j 2 -b 7 -d : -e "join -a -f $T/empty.gz" "$T/sbig"
: > "$T/ref"
expect_out "empty lookup" "$T/ref" fp -j 2 -d : -e "join -f $T/empty" "$T/sbig"

# A lookup whose last record has no newline.
gen_nofinal "$T/slk" "$T/slk.nofinal"
sorted "$T/lk" : 1 > "$T/slk"
gen_nofinal "$T/slk" "$T/slk.nofinal"
join -t : --nocheck-order "$T/sbig" "$T/slk" > "$T/ref"
expect_out "lookup without final newline" "$T/ref" fp -j 2 -d : -e "join -f $T/slk.nofinal" "$T/sbig"

# --header: the first records are headers, joined as join --header joins them.
{ echo "id:name:x:y"; sorted "$T/big" : 1; } > "$T/hbig"
{ echo "id:code:extra"; sorted "$T/lk" : 1; } > "$T/hlk"
for o in "" "-a 1" "-v 1" "-o 2.2,0,1.2"; do
	case $o in "-a 1") f=-a ;; "-v 1") f=-v ;; *) f=$o ;; esac
	# shellcheck disable=SC2086
	join -t : --nocheck-order --header $o "$T/hbig" "$T/hlk" > "$T/ref"
	expect_out "--header $o" "$T/ref" fp -j 2 -b 100 -H -d : -e "join $f -f $T/hlk" "$T/hbig"
done
join -t : --nocheck-order --header -a 1 "$T/hbig" "$T/empty" > "$T/ref"
expect_out "--header, empty lookup" "$T/ref" fp -j 2 -H -d : -e "join -a -f $T/empty" "$T/hbig"
# Keys by header names, on both sides.
{ echo "name:id:x:y"; sorted "$T/big" : 2; } > "$T/hbig2"
{ echo "code:id:extra"; sorted "$T/lk" : 2; } > "$T/hlk2"
join -t : --nocheck-order --header -1 2 -2 2 "$T/hbig2" "$T/hlk2" > "$T/ref"
expect_out "--header, keys by name" "$T/ref" fp -j 4 -b 100 -H -d : -e "join -k id -f $T/hlk2" "$T/hbig2"

# CSV: quoted values with commas and quotes; the reference is join on the
# same data as TSV, written back as CSV (quoting what needs it).
awk 'BEGIN { srand(7)
	for (i = 1; i <= 800; i++) {
		k = "k" int(rand() * 30); if (rand() < 0.2) k = k ",c"
		v = rand() < 0.3 ? "say \"hi\", " i : "v" i
		print k "\t" v > "'"$T"'/cbig.tsv" }
	for (i = 1; i <= 40; i++) {
		k = "k" int(rand() * 35); if (rand() < 0.2) k = k ",c"
		print k "\tL" i (rand() < 0.3 ? ", more" : "") > "'"$T"'/clk.tsv" } }'
to_csv() {
	awk -F '\t' '{ s = ""
		for (f = 1; f <= NF; f++) { v = $f
			if (v ~ /[",]/) { gsub(/"/, "\"\"", v); v = "\"" v "\"" }
			s = s (f > 1 ? "," : "") v }
		print s }'
}
sorted "$T/cbig.tsv" $'\t' 1 > "$T/scbig.tsv"
to_csv < "$T/scbig.tsv" > "$T/scbig.csv"
to_csv < "$T/clk.tsv" > "$T/clk.csv"
join -t $'\t' --nocheck-order -a 1 "$T/scbig.tsv" <(sorted "$T/clk.tsv" $'\t' 1) | to_csv > "$T/ref"
expect_out "CSV -a" "$T/ref" fp -j 2 -b 50 --csv -e "join -a -f $T/clk.csv" "$T/scbig.csv"
expect_out "CSV big input, TSV lookup" "$T/ref" fp -j 2 -b 50 --csv -e "join -a --lookup-format tsv -f $T/clk.tsv" "$T/scbig.csv"
join -t $'\t' --nocheck-order -a 1 "$T/scbig.tsv" <(sorted "$T/clk.tsv" $'\t' 1) > "$T/ref"
expect_out "TSV big input, CSV lookup" "$T/ref" fp -j 2 --tsv -e "join -a --lookup-format csv -f $T/clk.csv" "$T/scbig.tsv"

# Blank-separated input: join without -t, on records without trailing
# blanks (join makes an empty last field of them; forkpipe splits as awk).
tr : ' ' < "$T/big" | sed 's/ *$//' | awk 'NF > 0' | sort -s -b -k1,1 > "$T/sbig.sp"
tr : ' ' < "$T/lk" | sed 's/ *$//' | awk 'NF > 0' | sort -s -b -k1,1 > "$T/slk.sp"
join "$T/sbig.sp" "$T/slk.sp" > "$T/ref"
check_nonempty "blanks reference" "$T/ref"
expect_out "blanks" "$T/ref" fp -j 2 -b 100 -e "join -f $T/slk.sp" "$T/sbig.sp"

# The YAML form.
cat > "$T/p.yaml" <<YAML
input: {format: csv}
stages:
  - join: {file: $T/clk.csv, keep-unmatched: true}
YAML
join -t $'\t' --nocheck-order -a 1 "$T/scbig.tsv" <(sorted "$T/clk.tsv" $'\t' 1) | to_csv > "$T/ref"
expect_out "YAML" "$T/ref" fp -c "$T/p.yaml" "$T/scbig.csv"

# Bad options and bad lookups: exit code, the exact message, no -o file.
bad() {
	local code=$1 msg=$2
	shift 2
	expect_exit "$code" "^forkpipe: $msg\$" fp -o "$T/out.bad" "$@"
	if [ -e "$T/out.bad" ]; then fail "$msg: -o file left"; rm -f "$T/out.bad"; else pass; fi
}
printf 'a,"b\n' > "$T/bad.csv"
head -c 30 "$T/lk.gz" > "$T/trunc.gz"
seq 100000 > "$T/huge"
gzip -c "$T/huge" > "$T/huge.gz"
bad 64 "join: missing -f LOOKUP" -d : -e 'join' "$T/big"
bad 66 "join: lookup '$T/nope': cannot open: No such file or directory" -d : -e "join -f $T/nope" "$T/big"
bad 65 "join: lookup '$T/trunc.gz': unexpected end of gzip data at compressed byte offset 30" -d : -e "join -f $T/trunc.gz" "$T/big"
bad 65 "join: lookup '$T/bad.csv': malformed CSV at byte offset 0: unterminated quoted field" --csv -e "join -f $T/bad.csv" "$T/scbig.csv"
bad 64 "join: lookup '$T/huge' is 588895 bytes, more than the memory budget of 524288 bytes \\(half of --memory\\)" --memory 1M -d : -e "join -f $T/huge" "$T/big"
bad 64 "join: lookup '$T/huge.gz' is more than 524288 bytes, the memory budget \\(half of --memory\\)" --memory 1M -d : -e "join -f $T/huge.gz" "$T/big"
printf 'k0,x\nk1,"y\n' > "$T/badbig.csv"
bad 65 "$T/badbig.csv: malformed CSV at byte offset 8: unterminated quoted field" --csv -e "join -f $T/clk.csv" "$T/badbig.csv"
bad 64 "join: -o: invalid field specifier '3.1' \\(0, 1.N or 2.N\\)" -d : -e "join -o 0,3.1 -f $T/lk" "$T/big"
bad 64 "join: -o: invalid field specifier '1.0' \\(0, 1.N or 2.N\\)" -d : -e "join -o 1.0 -f $T/lk" "$T/big"
bad 64 "join: -o: invalid field specifier '' \\(0, 1.N or 2.N\\)" -d : -e "join -o 0,,1.1 -f $T/lk" "$T/big"
bad 64 "join: --lookup-format: unknown format 'json' \\(csv, tsv, blanks, csv:C or delim:C\\)" -d : -e "join --lookup-format json -f $T/lk" "$T/big"
bad 64 "join: -k: '1-2': a key is single fields, not ranges" -d : -e "join -k 1-2 -f $T/lk" "$T/big"
bad 64 "join: -k: field list: bad field '0' \\(fields are numbered from 1\\)" -d : -e "join -k 0 -f $T/lk" "$T/big"
bad 64 "join: -k names 2 fields, --lookup-key 1: they must match" -d : -e "join -k 1,2 --lookup-key 1 -f $T/lk" "$T/big"
bad 64 "join: -k: field 'id': field names need a header \\(--header\\)" -d : -e "join -k id -f $T/lk" "$T/big"
bad 64 "join: --lookup-key \\(in '$T/hlk'\\): field 'nope': no such field in the header" -H -d : -e "join -k id --lookup-key nope -f $T/hlk" "$T/hbig"
EE_STDIN=$T/big bad 64 "join: -f -: standard input is already the input" -d : -e 'join -f -'
bad 64 "-e: join: unknown option '-x'" -d : -e "join -x -f $T/lk" "$T/big"
printf '{"a":1}\n' > "$T/one.jsonl"
bad 64 "join: JSON Lines input \\(--json\\) cannot be joined yet" --json -e "join -f $T/lk" "$T/one.jsonl"
# A bad lookup in YAML keeps its own exit code; a bad option is a configuration error.
cat > "$T/bad.yaml" <<YAML
stages:
  - join: {file: $T/nope}
YAML
bad 66 "$T/bad.yaml:2:5: join: lookup '$T/nope': cannot open: No such file or directory" -c "$T/bad.yaml" "$T/big"

# The lookup from standard input, the big input from a file.
sorted "$T/lk" : 1 > "$T/slk"
join -t : --nocheck-order "$T/sbig" "$T/slk" > "$T/ref"
expect_out "lookup on stdin" "$T/ref" piped "$T/lk" -j 2 -d : -e 'join -f -' "$T/sbig"

finish
