#!/bin/bash
# e2e/to.sh - the output format (--to jsonl|tsv|csv): CSV to JSON Lines and
# back against Python's csv and json modules (commas, quotes, line breaks,
# tabs, unicode), CSV to TSV, JSON Lines to CSV by a cut's paths, reducer
# results as objects against jq, at several job counts, tiny chunks, file
# and stdin; TSV refusing a tab (65) and bad values of --to (64).
. "$TEST_SRCDIR/lib.sh"

command -v jq >/dev/null 2>&1 || die "reference tool 'jq' not found"
command -v python3 >/dev/null 2>&1 || die "reference tool 'python3' not found"

# 400 CSV records with awkward values; a header a,b,c,n.
python3 - "$T/in.csv" <<'PY'
import csv, random, sys
random.seed(5)
vals = ['plain', 'with,comma', 'q"uote', 'line\nbreak', 'caf\u00e9', '', '007', '-1.5e3', '12', 'tab\there']
with open(sys.argv[1], 'w', newline='') as f:
    w = csv.writer(f, lineterminator='\n')
    w.writerow(['a', 'b', 'c', 'n'])
    for i in range(400):
        w.writerow([random.choice(vals), random.choice(vals), 'k%d' % (i % 7), str(i % 13)])
PY
python3 - "$T/in.csv" "$T/exp.jsonl" "$T/exp.tsvsrc" <<'PY'
import csv, json, re, sys
num = re.compile(r'-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$')
rows = list(csv.reader(open(sys.argv[1], newline='')))
with open(sys.argv[2], 'w') as f:
    for r in rows[1:]:
        f.write('{' + ','.join(json.dumps(k, ensure_ascii=False) + ':' +
            (v if num.match(v) else json.dumps(v, ensure_ascii=False)) for k, v in zip(rows[0], r)) + '}\n')
PY

for j in 1 2 4; do
	expect_out "csv to jsonl -j $j" "$T/exp.jsonl" fp -j "$j" --csv -H --to jsonl "$T/in.csv"
	expect_out "csv to jsonl -j $j -b 1" "$T/exp.jsonl" fp -j "$j" -b 1 --csv -H --to jsonl "$T/in.csv"
	expect_out "csv to jsonl stdin -j $j" "$T/exp.jsonl" piped "$T/in.csv" -j "$j" --csv -H --to jsonl
	expect_out "jsonl back to csv -j $j" "$T/in.csv" fp -j "$j" -b 1 --json --to csv \
		-e 'cut -f .a,.b,.c,.n' "$T/exp.jsonl"
done
# jq reads every line back to the values Python wrote
jq -c . "$T/exp.jsonl" > /dev/null 2>&1 && pass || fail "jq does not read the output"

# CSV to TSV: values without tabs and line breaks as they are; with them 65.
printf 'a,b\n"x,y","q""t"\n' > "$T/s.csv"
printf 'a\tb\nx,y\tq"t\n' > "$T/s.tsv"
expect_out "csv to tsv" "$T/s.tsv" fp --csv -H --to tsv "$T/s.csv"
expect_out "tsv to csv" "$T/s.csv" fp --tsv -H --to csv "$T/s.tsv"
expect_exit 65 '^forkpipe: .*in\.csv: at byte offset [0-9]+: --to tsv: a value holds a tab or a line break, which TSV cannot carry \(--to csv or jsonl can\)$' \
	fp --csv -H --to tsv -o "$T/no.tsv" "$T/in.csv"
[ -e "$T/no.tsv" ] && fail "--to tsv left its -o file" || pass
# without a header: arrays
printf '["x,y","q\\"t"]\n' > "$T/arr.jsonl"
expect_out "csv to jsonl arrays" "$T/arr.jsonl" fp --csv --to jsonl <(tail -n 1 "$T/s.csv")

# Reducers: objects named by the keys and datamash's --header-out names.
jq -c -s 'group_by(.c) | .[] | {c: .[0].c, count: length, "sum(n)": (map(.n) | add)}' \
	"$T/exp.jsonl" > "$T/group.exp"
sed 's/"sum(n)"/"sum(.n)"/' "$T/group.exp" > "$T/jgroup.exp"	# ops name paths as written
for j in 1 2 4; do
	expect_out "group to jsonl -j $j" "$T/group.exp" fp -j "$j" -b 1 --csv -H --to jsonl \
		-e 'group -k c count sum:n' "$T/in.csv"
	expect_out "json group to jsonl -j $j" "$T/jgroup.exp" fp -j "$j" -b 1 --json --to jsonl \
		-e 'group -k .c count sum:.n' "$T/exp.jsonl"
done

# Bad values.
expect_exit 64 "^forkpipe: --to: expected 'jsonl', 'tsv' or 'csv', not 'xml'$" fp --to xml "$T/in.csv"
expect_exit 64 "^forkpipe: --to csv: --json records become columns by the paths of a cut -f \(add -e 'cut -f \.a,\.b'\)$" \
	fp --json --to csv -e 'grep x' "$T/exp.jsonl"
expect_exit 64 '^forkpipe: --to jsonl: not with group --output-delimiter$' \
	fp --to jsonl -e 'group -k 1 --output-delimiter , count' "$T/in.csv"


finish
