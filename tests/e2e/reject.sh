#!/bin/bash
# e2e/reject.sh - --reject FILE and --max-rejects N beyond JSON Lines
# (json.sh has those): malformed CSV records, and records a grouping
# reducer's ops cannot take (a number that does not parse, a field the
# record lacks).  The runs over the mixed input give what runs over the
# good records alone give, and the reject file holds the bad records byte
# for byte in input order, at -j 1, 2, 4, 7, small chunks, file and
# stdin, tables kept across chunks, spills under a small --memory and a
# worker killed while it holds a table; the counts and first offsets in
# --stats-json; --max-rejects; no -o or reject file left by a failure.
. "$TEST_SRCDIR/lib.sh"

for _tool in python3 jq datamash; do
	command -v "$_tool" > /dev/null 2>&1 || die "reference tool '$_tool' not found"
done

# The inputs, and the good records and the bad ones apart.  CSV: good
# records (quoted commas, doubled quotes, quoted newlines), malformed ones
# (a stray quote, text after a closing quote, a stray quote after a quoted
# newline), ones whose third field is no number, and last an unterminated
# quoted field running to the end.  A malformed record ends at the first
# newline from its error on.  TSV: many keys (spills), bad values, records
# without field 2, and a bad last record without its newline.
python3 - "$T" << 'EOF'
import random, sys
d = sys.argv[1]
r = random.Random(17)
def word():
    return ''.join(r.choice('abcxyz') for _ in range(r.randint(1, 6)))
def good_csv(i):
    w = word()
    k = r.choice([w, '"%s, %s"' % (w, word()), '"say ""%s"""' % w, '"two\nlines %s"' % w])
    return '%d,%s,%d\n' % (i, k, r.randint(-500, 500))
def bad_csv(i):
    return r.choice(['%d,%s"%s,5\n' % (i, word(), word()), '%d,"%s"%s,6\n' % (i, word(), word()),
                     '"a\n%d",%s"x,7\n' % (i, word()), '%d,%s,8"\n' % (i, word())])
def w(name, parts):
    open('%s/%s' % (d, name), 'w', newline='').write(''.join(parts))
def first(name, parts, rejected, n=10):
    off, out = 0, []
    for p in parts:
        if p in rejected and len(out) < n:
            out.append('%d' % off)
        off += len(p.encode())
    w(name, [o + '\n' for o in out])
csv, good, mapped, rej_map, rej_red = [], [], [], [], []
for i in range(1, 3001):
    x = r.random()
    if x < 0.03:
        s = bad_csv(i); rej_map.append(s); rej_red.append(s)
    elif x < 0.05:
        s = '%d,%s,%s\n' % (i, word(), r.choice(['x1', '', '1e', '--2', 'nan?']))
        mapped.append(s); rej_red.append(s)
    else:
        s = good_csv(i); good.append(s); mapped.append(s)
    csv.append(s)
s = '3001,"open\n3002,9\n'
csv.append(s); rej_map.append(s); rej_red.append(s)
w('mixed.csv', csv); w('good.csv', good); w('map.csv', mapped)
w('rej_map.csv', rej_map); w('rej_red.csv', rej_red)
tsv, good, rej = [], [], []
for i in range(40000):
    k = 'k%d' % r.randint(0, 7999)
    x = r.random()
    if x < 0.01:
        s = '%s\t%s\n' % (k, r.choice(['x', '1.2.3', 'abc', '', '0x']))
    elif x < 0.015:
        s = '%s\n' % k
    else:
        s = '%s\t%d\n' % (k, r.randint(-1000, 1000)); good.append(s); tsv.append(s); continue
    rej.append(s); tsv.append(s)
s = 'k1\tzz'
tsv.append(s); rej.append(s)
w('mixed.tsv', tsv); w('good.tsv', good); w('rej.tsv', rej)
first('first.tsv', tsv, set(rej))
print(len(rej), file=open(d + '/nrej.tsv', 'w'))
# JSON Lines: values sum cannot take (strings, a missing path: null)
# beside lines that do not parse.
js, good, rej = [], [], []
for i in range(2000):
    x = r.random()
    if x < 0.02:
        s = '{"k":"%s","n":"x%d"}\n' % (word()[:1], i)
    elif x < 0.03:
        s = '{"k":"%s"}\n' % word()[:1]
    elif x < 0.04:
        s = '{"k":"%s","n":%d\n' % (word()[:1], i)
    else:
        s = '{"k":"%s","n":%d.5}\n' % (word()[:1], r.randint(-99, 99)); good.append(s); js.append(s); continue
    rej.append(s); js.append(s)
w('mixed.jsonl', js); w('good.jsonl', good); w('rej.jsonl', rej)
EOF
[ -s "$T/mixed.csv" ] || die "the inputs were not made"

# check_run NAME EXPECTED_OUT EXPECTED_REJECTS ARGS...: forkpipe ARGS
# --reject exits 0, writes the expected output (sorted with SORT=1) and
# the expected reject file.
check_run() {
	local name=$1 exp=$2 rexp=$3 rc
	shift 3
	rm -f "$T/rej"
	fp --reject "$T/rej" "$@" > "$T/out" 2> "$T/err"
	rc=$?
	if [ "$rc" != 0 ]; then
		fail "$name: exit $rc: $(head -c 300 "$T/err")"
		return
	fi
	[ "${SORT:-0}" = 1 ] && sort -o "$T/out" "$T/out"
	check_same "$name: output" "$exp" "$T/out"
	check_same "$name: reject file" "$rexp" "$T/rej"
}

# ---- CSV: malformed records, map and reducer ---------------------------------
fp --csv -e 'cut -f 1,3' "$T/map.csv" > "$T/cut.exp" || fail "cut over the good records"
GOPS='group -k 2 count sum:3 mean:3 median:3'
fp --csv -e "$GOPS" "$T/good.csv" > "$T/group.exp" || fail "group over the good records"
for j in 1 2 4 7; do
	for b in 1 auto; do
		bopt=()
		[ "$b" != auto ] && bopt=(-b "$b")
		check_run "csv cut -j$j -b$b" "$T/cut.exp" "$T/rej_map.csv" \
			--csv -j "$j" "${bopt[@]}" -e 'cut -f 1,3' "$T/mixed.csv"
		check_run "csv group -j$j -b$b" "$T/group.exp" "$T/rej_red.csv" \
			--csv -j "$j" "${bopt[@]}" -e "$GOPS" "$T/mixed.csv"
		check_run "csv cut from stdin -j$j -b$b" "$T/cut.exp" \
			"$T/rej_map.csv" --csv -j "$j" "${bopt[@]}" -e 'cut -f 1,3' - < "$T/mixed.csv"
		check_run "csv group from stdin -j$j -b$b" "$T/group.exp" "$T/rej_red.csv" \
			--csv -j "$j" "${bopt[@]}" -e "$GOPS" - < "$T/mixed.csv"
	done
done
# Lax CSV takes stray quotes as data; an unterminated quote is still rejected.
printf 'a,b"c\n1,2\n"open\n' > "$T/lax.csv"
printf '"open\n' > "$T/lax.rej"
printf 'a,b"c\n1,2\n' > "$T/lax.exp"
check_run "csv-lax" "$T/lax.exp" "$T/lax.rej" --csv-lax -e 'grep ""' "$T/lax.csv"
# Without --reject the first malformed record still ends the run.
printf '1,2\n3,4"\n5,6\n' > "$T/one.csv"
expect_exit 65 "^forkpipe: $T/one.csv: malformed CSV at byte offset 7: quote inside an unquoted field \(--csv-lax accepts it\)\$" \
	fp --csv -j 2 -b 1 -e 'cut -f 1' "$T/one.csv"

# ---- TSV: values the ops cannot take -------------------------------------------
TOPS='group -k 1 count sum:2 mean:2 median:2 min:2'
fp -e "$TOPS" "$T/good.tsv" | sort > "$T/tgroup.exp"
for j in 1 2 4 7; do
	for b in 1K 64K; do
		SORT=1 check_run "tsv group -j$j -b$b" "$T/tgroup.exp" "$T/rej.tsv" \
			-j "$j" -b "$b" -e "$TOPS" "$T/mixed.tsv"
		SORT=1 check_run "tsv group, spilled -j$j -b$b" "$T/tgroup.exp" "$T/rej.tsv" \
			-j "$j" -b "$b" --memory 2M -e "$TOPS" - < "$T/mixed.tsv"
	done
done
for ops in 'top -k 1 5 sum:2' 'crosstab 1,1 sum:2'; do
	fp -e "$ops" "$T/good.tsv" > "$T/o.exp"
	check_run "$ops" "$T/o.exp" "$T/rej.tsv" -j 3 -b 5K -e "$ops" "$T/mixed.tsv"
done
# The figures: how many, and the first offsets.
rm -f "$T/rep.json"
fp -j 2 -b 4K --reject "$T/rej" --stats-json "$T/rep.json" -e "$TOPS" "$T/mixed.tsv" > /dev/null ||
	fail "--stats-json with --reject"
jq -r '.rejected_records' "$T/rep.json" > "$T/n"
check_same "rejected_records" "$T/nrej.tsv" "$T/n"
jq -r '.rejected_first[] | .offset' "$T/rep.json" > "$T/f"
check_same "rejected_first" "$T/first.tsv" "$T/f"
fp -j 2 -b 4K --reject "$T/rej" --stats -e "$TOPS" "$T/mixed.tsv" 2> "$T/st" > /dev/null
grep -q "^  rejected     $(cat "$T/nrej.tsv") records ($T/mixed.tsv:$(head -1 "$T/first.tsv"), " "$T/st" &&
	pass || fail "--stats: rejected: $(grep rejected "$T/st")"
# A stage before the reducer rewrites the block: no offsets then.
printf 'a\t1\nb\tx\n' > "$T/two.tsv"
fp --reject "$T/rej" --stats-json "$T/rep.json" -e 'grep ""' -e 'group -k 1 sum:2' "$T/two.tsv" > /dev/null
jq -c '.rejected_first' "$T/rep.json" > "$T/f"
check_text "no offset after a map stage" "[{\"input\":\"$T/two.tsv\"}]" "$T/f"
printf 'b\tx\n' > "$T/two.rej"
check_same "the reject file after a map stage" "$T/two.rej" "$T/rej"
# Without --reject: the first bad value ends the run, as before.
expect_exit 65 "^forkpipe: $T/two.tsv: group: sum:2: invalid numeric value in record 2 at byte offset 4, field 2: 'x'\$" \
	fp -j 2 -b 1 -e 'group -k 1 sum:2' "$T/two.tsv"

# ---- JSON Lines: ops on strings and missing paths, beside bad lines -------------
fp --json -e 'group -k .k count sum:.n' "$T/good.jsonl" > "$T/jgroup.exp"
for j in 1 2 7; do
	check_run "json group -j$j" "$T/jgroup.exp" "$T/rej.jsonl" --json -j "$j" -b 500 \
		-e 'group -k .k count sum:.n' "$T/mixed.jsonl"
done

# ---- --max-rejects, and nothing half-written -----------------------------------
n=$(cat "$T/nrej.tsv")
rm -f "$T/rej" "$T/o"
fp -j 2 -b 4K --reject "$T/rej" --max-rejects "$n" -e "$TOPS" -o "$T/o" "$T/mixed.tsv" 2> "$T/err" &&
	pass || fail "--max-rejects $n: $(cat "$T/err")"
rm -f "$T/rej" "$T/o"
expect_exit 65 "^forkpipe: $T/mixed.tsv: more than 3 records rejected \(--max-rejects\), the last at byte offset $(sed -n 4p "$T/first.tsv")\$" \
	fp -j 2 -b 4K --reject "$T/rej" --max-rejects 3 -e "$TOPS" -o "$T/o" "$T/mixed.tsv"
[ -e "$T/rej" ] || [ -e "$T/o" ] && fail "--max-rejects: a file was left" || pass
expect_exit 65 "^forkpipe: $T/mixed.csv: more than 0 records rejected \(--max-rejects\), the last at byte offset [0-9]+\$" \
	fp --csv -j 4 -b 300 --reject "$T/rej" --max-rejects 0 -e 'cut -f 1' -o "$T/o" "$T/mixed.csv"
[ -e "$T/rej" ] || [ -e "$T/o" ] && fail "--max-rejects 0: a file was left" || pass
expect_exit 65 "^forkpipe: $T/two.tsv: more than 0 records rejected \(--max-rejects\)\$" \
	fp --reject "$T/rej" --max-rejects 0 -e 'grep ""' -e 'group -k 1 sum:2' "$T/two.tsv"
expect_exit 64 "^forkpipe: --reject: not with head or grep -m as the last stage \(the records read past the limit depend on the chunks\)\$" \
	fp --csv --reject "$T/rej" -e 'head 5' "$T/mixed.csv"
expect_exit 64 "^forkpipe: --reject: not with head or grep -m as the last stage" \
	fp --json --reject "$T/rej" -e 'grep -m 2 a' "$T/mixed.jsonl"
fp --csv --reject "$T/rej" -e "$GOPS" -e 'head 2' "$T/mixed.csv" > "$T/out" 2> "$T/err" &&
	pass || fail "--reject with head after a reducer: $(cat "$T/err")"
head -n 2 "$T/group.exp" > "$T/head.exp"
check_same "--reject with head after a reducer" "$T/head.exp" "$T/out"
check_same "--reject with head after a reducer: the reject file" "$T/rej_red.csv" "$T/rej"
expect_exit 64 "^forkpipe: --reject: records are rejected only when they do not parse \(--json, --csv\) or a reducer's op cannot take them \(group, top, crosstab\)\$" \
	fp --reject "$T/rej" -e 'grep x' "$T/two.tsv"

# ---- a gzip file with an index: malformed CSV is read in order -------------------
# Stray quotes make the quote state at an index point meaningless, so with
# --reject an indexed CSV .gz is inflated and cut as a stream, and the
# reject file is the plain file's (30 copies of the records, the
# unterminated last record once, so that it spans many access points).
for i in $(seq 30); do head -n -2 "$T/mixed.csv"; done > "$T/big.csv"
tail -n 2 "$T/mixed.csv" >> "$T/big.csv"
for i in $(seq 30); do head -n -2 "$T/rej_map.csv"; done > "$T/big.rej"
tail -n 2 "$T/rej_map.csv" >> "$T/big.rej"
for i in $(seq 30); do cat "$T/cut.exp"; done > "$T/big.exp"
gzip -c "$T/big.csv" > "$T/big.csv.gz"
fp index --spacing 64K "$T/big.csv.gz" && pass || fail "index of the big CSV"
for j in 1 2 4; do
	check_run "indexed gzip -j $j" "$T/big.exp" "$T/big.rej" -j "$j" -b 64K --csv \
		-e 'cut -f 1,3' "$T/big.csv.gz"
done
fp --reject "$T/rej" --csv -b 64K --explain -e 'cut -f 1,3' "$T/big.csv.gz" 2>&1 |
	grep -q 'no gzip index is used with --csv-lax or --reject' && pass ||
	fail "--explain: an indexed CSV .gz under --reject is read as a stream"

# ---- a worker killed while it holds a table: its chunks run again ---------------
# A stream pauses, a worker is killed, then the rest comes: the chunks it
# folded run again and their rejects replace the first ones.
awk 'BEGIN { srand(5); for (i = 0; i < 60000; i++) {
	v = int(rand() * 2001) - 1000; if (i % 101 == 0) v = "x" v
	printf "k%d\t%s\n", int(rand() * 40), v } }' > "$T/rep"
grep -v 'x' "$T/rep" | datamash -s -g 1 count 1 sum 2 > "$T/rep.ref"
grep 'x' "$T/rep" > "$T/rep.rej"
split -b 400000 "$T/rep" "$T/part."
{
	cat "$T/part.aa"
	sleep 1.5
	pkill -9 -P "$(cat "$T/pid")" -x forkpipe-worker -n
	sleep 0.5
	cat "$T/part.ab" "$T/part.ac" 2> /dev/null
} | { echo $BASHPID > "$T/pid"; exec "$FORKPIPE" -j 2 -b 64K --reject "$T/rej" \
	--stats-json "$T/rep.json" -e 'group -k 1 count sum:2' -; } > "$T/killed" 2> "$T/killed.err"
check_same "killed worker: output" "$T/rep.ref" "$T/killed"
check_same "killed worker: reject file" "$T/rep.rej" "$T/rej"
[ "$(jq -r '[.rejected_records, (.retries > 0)] | @tsv' "$T/rep.json")" = \
	"$(printf '%s\ttrue' "$(wc -l < "$T/rep.rej")")" ] && pass ||
	fail "killed worker: figures $(jq -c '[.rejected_records, .retries]' "$T/rep.json")"

finish
