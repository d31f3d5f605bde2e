#!/bin/bash
# e2e/json.sh - JSON Lines input (--json, input: {format: jsonl}): jq-style
# paths in cut, filter, group, uniq, top and sort, differential against jq on
# generated records (nested objects and arrays, escapes, surrogate pairs,
# raw UTF-8, big integers, exponents, -0, duplicate keys) at several job
# counts and chunk sizes, from a file, stdin and gzip; the first stage
# on the worker's scan and later ones scanning again; --partial and
# merge; --shard; and every kind of bad record (exit 65, the exact
# message with the record's offset, no -o file).
. "$TEST_SRCDIR/lib.sh"

command -v jq >/dev/null 2>&1 || die "reference tool 'jq' not found"
command -v datamash >/dev/null 2>&1 || die "reference tool 'datamash' not found"

# ---- the input -------------------------------------------------------------
# 3000 records; every field a stage reads below is present in each, except
# .opt (missing from a third: null) and .tags (sometimes short).
awk 'BEGIN {
	split("/a /b/c /caf\\u00e9 /x\\/y /\\\"q\\\" /\\ud83d\\ude00 /na\xc3\xafve /t", paths, " ")
	split("1e2 -0 2.5E-1 0.5 -3 7 1E+1 12.0", xs, " ")
	srand(17)
	for (i = 0; i < 3000; i++) {
		p = paths[1 + int(rand() * 8)]
		x = xs[1 + int(rand() * 8)]
		st = (rand() < 0.1) ? 500 + int(rand() * 4) : (rand() < 0.3 ? 404 : 200)
		n = int(rand() * 100000)
		sp = (i % 5 == 0) ? " " : ""
		printf "{\"status\":%d,%s\"req\":{\"path\":\"%s\",%s\"m\":\"GET\"},\"n\":%d,\"x\":%s", st, sp, p, sp, n, x
		if (i % 3 != 0)
			printf ",\"opt\":{\"deep\":[%d,{\"k\":\"v%d\"}]}", i % 7, i % 4
		if (i % 4 == 0)
			printf ",\"tags\":[\"a\",\"b\\tc\",%s]", (i % 8 == 0 ? "null" : "{\"z\" : 1}")
		else if (i % 4 == 1)
			printf ",\"tags\":[]"
		printf ",\"big\":1234567890123456789%d", i % 10
		if (i % 11 == 0)
			printf ",\"n\":%d", n + 1	# a duplicate key: the last wins
		printf ",\"odd key\":\"k%d\"}%s\n", i % 3, (i % 13 == 0 ? "\r" : "")
	}
}' > "$T/in.jsonl"
gzip -c "$T/in.jsonl" > "$T/in.jsonl.gz"
jq -c . "$T/in.jsonl" > /dev/null || die "the generated input is not valid JSON"

# ---- differential against jq ----------------------------------------------
# jq_ref NAME FILTER: jq -r/-c over the input into $T/NAME.ref.
jq_ref() {
	jq "${@:2}" "$T/in.jsonl" > "$T/$1.ref" || die "jq failed for $1"
}
jq_ref uniq -r '.req.path'
sort "$T/uniq.ref" | uniq -c | sort > "$T/uniq.exp"
jq_ref group -r '[.status, .n] | @tsv'
datamash -s -g 1 count 1 sum 2 < "$T/group.ref" > "$T/group.exp"
jq_ref groupx -r '[(.req.path), (."odd key")] | @tsv'
datamash -s -g 1,2 count 1 < "$T/groupx.ref" > "$T/groupx.exp"
jq_ref filter -c 'select(.status >= 500 and .x > 0)'
jq_ref cut -c '{req: {path: .req.path}, n: .n, tags: [null, .tags[1]], opt: {deep: [.opt.deep[0]]}}'
jq_ref odd -r '.["odd key"]'
jq_ref top -r '.req.path'
sort "$T/top.ref" | uniq -c | sort -k1,1nr -k2 | head -n 3 | awk '{ n = $1; sub(/^ *[0-9]+ /, ""); print n "\t" $0 }' > "$T/top.exp"

# run_case NAME JOBS CHUNK SRC ARGS...: forkpipe's output into $T/NAME.out,
# SRC being file, stdin or gzip.
run_case() {
	local name=$1 j=$2 b=$3 src=$4
	shift 4
	case $src in
	file) fp --json -j "$j" -b "$b" "$@" "$T/in.jsonl" ;;
	stdin) fp --json -j "$j" -b "$b" "$@" < "$T/in.jsonl" ;;
	gzip) fp --json -j "$j" -b "$b" "$@" "$T/in.jsonl.gz" ;;
	esac > "$T/$name.out" 2> "$T/err" || fail "$name -j $j -b $b $src: exit $?: $(head -c 300 "$T/err")"
}

for j in 1 2 4 7; do
	for b in 1 700 1M; do
		for src in file stdin gzip; do
			# Tiny chunks cost time: from a file, at two job counts;
			# streams at one chunk size.
			[ "$b" = 1 ] && { [ "$src" != file ] || [ "$j" = 1 ] || [ "$j" = 4 ]; } && continue
			[ "$b" = 1M ] && [ "$src" != file ] && continue
			at="-j $j -b $b $src"
			run_case uniq "$j" "$b" "$src" -e 'uniq -c -k .req.path'
			sort "$T/uniq.out" > "$T/uniq.sorted"
			check_same "uniq $at" "$T/uniq.exp" "$T/uniq.sorted"
			run_case group "$j" "$b" "$src" -e 'group -k .status count sum:.n'
			check_same "group $at" "$T/group.exp" "$T/group.out"
			run_case groupx "$j" "$b" "$src" -e "group -k '.req.path,.\"odd key\"' count"
			check_same "group two keys $at" "$T/groupx.exp" "$T/groupx.out"
			run_case filter "$j" "$b" "$src" -e 'filter ".status >= 500 && .x > 0"'
			jq -c . "$T/filter.out" > "$T/filter.norm"
			check_same "filter $at" "$T/filter.ref" "$T/filter.norm"
			run_case cut "$j" "$b" "$src" -e 'cut -f .req.path,.n,.tags[1],.opt.deep[0]'
			jq -c . "$T/cut.out" > "$T/cut.norm"
			check_same "cut $at" "$T/cut.ref" "$T/cut.norm"
		done
	done
done

# Only the first stage gets the values the worker's scan kept; the later
# ones scan again.
jq -c 'select(.status >= 500 and .x > 0) | {n: .n, req: {path: .req.path}}' "$T/in.jsonl" > "$T/two.ref"
run_case two 2 700 file -e 'grep -F status' -e 'filter ".status >= 500 && .x > 0"' -e 'cut -f .n,.req.path'
jq -c . "$T/two.out" > "$T/two.norm"
check_same "grep, filter and cut" "$T/two.ref" "$T/two.norm"
jq -r 'select(.status >= 500 and .x > 0) | [.status, .n] | @tsv' "$T/in.jsonl" | datamash -s -g 1 count 1 sum 2 > "$T/fg.exp"
run_case fg 2 700 file -e 'filter ".status >= 500 && .x > 0"' -e 'group -k .status count sum:.n'
check_same "filter then group" "$T/fg.exp" "$T/fg.out"

# sort by paths, stable, against jq's stable sort_by; numbers by value.
jq -c -s 'sort_by(-.n, ."odd key") | .[]' "$T/in.jsonl" > "$T/sort.ref"
jq -c -s 'sort_by(."odd key") | .[]' "$T/in.jsonl" > "$T/sort2.ref"
for j in 1 2 7; do
	run_case sort "$j" 700 file -e "sort -s -k .n:nr -k '.\"odd key\"'"
	jq -c . "$T/sort.out" > "$T/sort.norm"
	check_same "sort -k .n:nr -k .\"odd key\" -j $j" "$T/sort.ref" "$T/sort.norm"
	run_case sort2 "$j" 700 stdin -e "sort -s -k '.[\"odd key\"]'" -e 'head 2000'
	jq -c . "$T/sort2.out" > "$T/sort2.norm"
	head -n 2000 "$T/sort2.ref" > "$T/sort2.head"
	check_same "sort then head -j $j" "$T/sort2.head" "$T/sort2.norm"
done
expect_exit 64 "^forkpipe: sort: bad key definition '\.\[odd key\]': not a JSON path" \
	fp --json -e 'sort -k .["odd key"]' "$T/in.jsonl"
expect_exit 64 "^forkpipe: sort: -k 2: JSON records are sorted by paths \(-k \.status, -k \.bytes:nr\)\$" \
	fp --json -e 'sort -k 2' "$T/in.jsonl"

# Spilling under a tiny --memory.
mkdir -p "$T/tmp"
for j in 1 2; do
	TMPDIR=$T/tmp run_case spill "$j" 700 file --memory 64K -e 'group -k .status count sum:.n'
	check_same "group spilled -j $j" "$T/group.exp" "$T/spill.out"
	TMPDIR=$T/tmp run_case spills "$j" 700 file --memory 64K -e "sort -s -k .n:nr -k '.\"odd key\"'"
	jq -c . "$T/spills.out" > "$T/spills.norm"
	check_same "sort spilled -j $j" "$T/sort.ref" "$T/spills.norm"
done

# filter and grep write the records byte for byte.
run_case bytes 2 700 file -e 'filter ".n >= 0"'
check_same "filter keeps the bytes" "$T/in.jsonl" "$T/bytes.out"
run_case grepb 2 700 file -e 'grep -F "odd key"'
check_same "grep keeps the bytes" "$T/in.jsonl" "$T/grepb.out"

# Keys with odd characters, both spellings; top; uniq over a path.
# (-e splits its words as the shell does: a quoted key is quoted again.)
run_case odd1 2 1M file -e "cut -f '.\"odd key\"'"
run_case odd2 2 1M file -e "cut -f '.[\"odd key\"]'"
check_same "cut .\"odd key\" = .[\"odd key\"]" "$T/odd1.out" "$T/odd2.out"
jq -r '."odd key"' "$T/odd1.out" > "$T/odd1.vals"
check_same "cut .\"odd key\"" "$T/odd.ref" "$T/odd1.vals"
run_case top 2 700 file -e 'top -k .req.path 3'
check_same "top" "$T/top.exp" "$T/top.out"

# A missing path is null; a path through a scalar too; duplicate keys:
# the last wins.
printf '%s\n' '{"a":1,"a":{"b":2}}' '{"a":{"b":1},"a":{"c":2}}' '{"a":5}' '{}' '[1,[2,3]]' > "$T/dup.jsonl"
fp --json -e 'cut -f .a.b,.a.c' "$T/dup.jsonl" > "$T/dup.out" 2> "$T/err" || fail "dup: $(cat "$T/err")"
check_text "duplicate keys: the last wins" '{"a":{"b":2,"c":null}}
{"a":{"b":null,"c":2}}
{"a":{"b":null,"c":null}}
{"a":{"b":null,"c":null}}
{"a":{"b":null,"c":null}}' "$T/dup.out"
fp --json -e 'uniq -c -k .[1],.[0]' "$T/dup.jsonl" > "$T/arr.out" 2> "$T/err" || fail "arr: $(cat "$T/err")"
check_text "indexes and compact values" '      1 [2,3]	1
      4 null	null' "$T/arr.out"
printf '%s\n' '{"s":"\u00e9"}' '{"s":"é"}' '{"s":"\ud83d\ude00"}' '{"s":"😀"}' '{"s":"a\"b\\c\/"}' > "$T/esc.jsonl"
fp --json -e 'uniq -c -k .s' "$T/esc.jsonl" > "$T/esc.out" 2> "$T/err" || fail "esc: $(cat "$T/err")"
check_text "strings compare unescaped" '      1 a"b\c/
      2 é
      2 😀' "$T/esc.out"

# A numeric op over a path some records lack: null is no number.
expect_exit 65 "^forkpipe: $T/in\\.jsonl: group: sum:\.opt\.deep\[0\]: invalid numeric value in record 1 at byte offset 0, field 2: 'null'\$" \
	fp --json -j 1 -e 'group -k .status sum:.opt.deep[0]' "$T/in.jsonl"
jq -r '[.status, (.opt.deep[0] // "null")] | @tsv' "$T/in.jsonl" |
	datamash -s --narm --na null -g 1 sum 2 > "$T/narm.exp" 2> /dev/null ||
	jq -r 'select(.opt) | [.status, .opt.deep[0]] | @tsv' "$T/in.jsonl" | datamash -s -g 1 sum 2 > "$T/narm.exp"
run_case narm 2 700 file -e 'group --narm --na null -k .status sum:.opt.deep[0]'
check_same "--narm --na null" "$T/narm.exp" "$T/narm.out"

# YAML: input: {format: jsonl}.
cat > "$T/p.yaml" <<'EOF'
input: {format: jsonl}
stages:
  - group: {keys: .status, ops: [count, "sum:.n"]}
EOF
fp -c "$T/p.yaml" "$T/in.jsonl" > "$T/yaml.out" 2> "$T/err" || fail "yaml: $(cat "$T/err")"
check_same "YAML input: {format: jsonl}" "$T/group.exp" "$T/yaml.out"

# --partial and merge; --shard.
for k in 0 1 2; do
	fp --json --shard "$k/3" --partial -e 'group -k .status count sum:.n' "$T/in.jsonl" > "$T/s$k.part" 2> "$T/err" ||
		fail "--partial --shard $k/3: $(cat "$T/err")"
done
fp merge --json -e 'group -k .status count sum:.n' "$T/s2.part" "$T/s0.part" "$T/s1.part" > "$T/merged.out" 2> "$T/err" || fail "merge: $(cat "$T/err")"
check_same "--shard, --partial and merge" "$T/group.exp" "$T/merged.out"
for k in 0 1 2; do
	fp --json --shard "$k/3" -e 'filter ".n >= 0"' "$T/in.jsonl"
done > "$T/shards.out" 2> "$T/err" || fail "--shard map: $(cat "$T/err")"
check_same "--shard map output" "$T/in.jsonl" "$T/shards.out"

# -o writes the output atomically.
fp --json -j 2 -e 'group -k .status count sum:.n' -o "$T/o.out" "$T/in.jsonl" 2> "$T/err" || fail "-o: $(cat "$T/err")"
check_same "-o" "$T/group.exp" "$T/o.out"

# Many groups: past the table size where plain records are folded in
# batches, JSON records still go through the scanner's values.
awk 'BEGIN { srand(4); for (i = 0; i < 60000; i++)
	printf "{\"k\":\"u%d\",\"n\":%d,\"s\":{\"x\":1}}\n", int(rand() * 40000), int(rand() * 201) - 100 }' \
	> "$T/many.jsonl"
jq -r '[.k, .n] | @tsv' "$T/many.jsonl" | datamash -s -g 1 count 1 sum 2 > "$T/many.exp"
for j in 1 2 4; do
	fp --json -j "$j" -e 'group -k .k count sum:.n' "$T/many.jsonl" > "$T/many.out" 2> "$T/err" ||
		fail "many groups -j $j: $(cat "$T/err")"
	check_same "many groups -j $j" "$T/many.exp" "$T/many.out"
done

# ---- bad records -----------------------------------------------------------
# bad NAME LINE WHY: the line after 40 good ones; exit 65, the message
# with the record's offset, at every job count, and no -o file.
head -n 40 "$T/in.jsonl" > "$T/good40"
OFF=$(wc -c < "$T/good40")
bad() {
	local name=$1 line=$2 why=$3 j
	{ cat "$T/good40"; printf '%s\n' "$line"; head -n 20 "$T/in.jsonl"; } > "$T/$name.jsonl"
	for j in 1 2 4; do
		expect_exit 65 "^forkpipe: $T/$name.jsonl: invalid JSON at byte offset $OFF: $why\$" \
			fp --json -j "$j" -b 500 -e count "$T/$name.jsonl"
		rm -f "$T/bad.out"
		expect_exit 65 "^forkpipe: $T/$name.jsonl: invalid JSON at byte offset $OFF: $why\$" \
			fp --json -j "$j" -b 500 -e 'cut -f .n' -o "$T/bad.out" "$T/$name.jsonl"
		[ -e "$T/bad.out" ] && fail "$name -j $j: -o left a file" || pass
	done
	EE_STDIN=$T/$name.jsonl expect_exit 65 "^forkpipe: stdin: invalid JSON at byte offset $OFF: $why\$" \
		fp --json -j 2 -b 500 -e 'group -k .status count'
}
bad unterminated '{"a":"abc}' 'unterminated string'
bad utf8 "$(printf '{"a":"\xc3\x28"}')" 'invalid UTF-8 in string'
bad overlong "$(printf '{"a":"\xc0\xaf"}')" 'invalid UTF-8 in string'
bad utf8-surrogate "$(printf '{"a":"\xed\xa0\x80"}')" 'invalid UTF-8 in string'
bad utf8-range "$(printf '{"a":"\xf4\x90\x80\x80"}')" 'invalid UTF-8 in string'
bad utf8-cont "$(printf '{"a":"\x80"}')" 'invalid UTF-8 in string'
bad utf8-trunc "$(printf '{"a":"\xe2\x82"}')" 'invalid UTF-8 in string'
bad surrogate '{"a":"\ud800x"}' 'lone surrogate in \\u escape'
bad escape '{"a":"\x41"}' 'invalid escape in string'
bad control "$(printf '{"a":"\001"}')" 'control character in string'
bad zero '{"a":01}' 'leading zero in number'
bad number '{"a":1.}' 'invalid number'
bad literal '{"a":tru}' 'invalid literal'
bad trailing '{"a":1} x' 'text after the value'
bad comma '{"a":1,}' 'expected a string key'
bad close '[1,2' "expected ',' or '\\]' in an array"
bad colon '{"a" 1}' "expected ':' after a key"
bad empty '' 'empty line'
bad blank '   ' 'empty line'
bad deep "$(printf '%0600d' 0 | tr 0 '[')" 'nested too deeply'

# ---- JSONTestSuite (tests/jsonsuite, made by its gen.mjs) -----------------
# Every y_ case accepted, every n_ case refused on its own, the i_ cases
# as i.verdicts says; then the two deepest n_ structures.
SUITE=$TEST_SRCDIR/jsonsuite
[ -f "$SUITE/y.jsonl" ] || die "no JSONTestSuite cases in $SUITE"
ny=$(wc -l < "$SUITE/y.jsonl")
fp --json -j 2 -b 1 -e count "$SUITE/y.jsonl" > "$T/y.out" 2> "$T/err" || fail "y_ cases: $(cat "$T/err")"
check_text "JSONTestSuite: every y_ case accepted" "$ny" "$T/y.out"
# suite_verdicts NAME: one line per case of NAME.jsonl: its name, a tab,
# accept or the reason it was refused.
suite_verdicts() {
	local k n=$(wc -l < "$SUITE/$1.jsonl")
	for ((k = 1; k <= n; k++)); do
		sed -n "${k}p" "$SUITE/$1.jsonl" > "$T/case"
		if fp --json -j 1 -e count "$T/case" > /dev/null 2> "$T/err"; then
			echo accept
		else
			[ $? = 65 ] || echo "exit $?"
			sed 's/^forkpipe: .*: invalid JSON at byte offset 0: //' "$T/err"
		fi
	done | paste -d '\t' "$SUITE/$1.names" -
}
suite_verdicts n | awk -F '\t' '$2 == "accept" || $2 ~ /^exit/ || $2 ~ /^forkpipe/' > "$T/n.wrong"
check_empty "JSONTestSuite: every n_ case refused with 65 and a reason" "$T/n.wrong"
suite_verdicts i > "$T/i.out"
check_same "JSONTestSuite: the i_ cases' verdicts" "$SUITE/i.verdicts" "$T/i.out"
printf '%0100000d\n' 0 | tr 0 '[' > "$T/open"
expect_exit 65 "^forkpipe: $T/open: invalid JSON at byte offset 0: nested too deeply\$" fp --json -e count "$T/open"
{ yes '[{"":' | head -n 50000 | tr -d '\n'; echo; } > "$T/open2"
expect_exit 65 "^forkpipe: $T/open2: invalid JSON at byte offset 0: nested too deeply\$" fp --json -e count "$T/open2"

# Gzip and zstd input: the same message and offset.
gzip -c "$T/zero.jsonl" > "$T/zero.jsonl.gz"
expect_exit 65 "^forkpipe: $T/zero.jsonl.gz: invalid JSON at byte offset $OFF: leading zero in number\$" \
	fp --json -j 2 -e count "$T/zero.jsonl.gz"
if command -v zstd > /dev/null 2>&1; then
	zstd -q -c "$T/zero.jsonl" > "$T/zero.jsonl.zst"
	expect_exit 65 "^forkpipe: $T/zero.jsonl.zst: invalid JSON at byte offset $OFF: leading zero in number\$" \
		fp --json -j 2 -e count "$T/zero.jsonl.zst"
	zstd -q -c "$T/in.jsonl" > "$T/in.jsonl.zst"
	fp --json -j 2 -b 700 -e 'group -k .status count sum:.n' "$T/in.jsonl.zst" > "$T/zst.out" 2> "$T/err" ||
		fail "zstd: $(cat "$T/err")"
	check_same "group from zstd" "$T/group.exp" "$T/zst.out"
else
	die "reference tool 'zstd' not found"
fi

# ---- --reject and --max-rejects ------------------------------------------------
# Every 97th record of the input spoiled: the good ones go through the
# stages as if alone, the bad ones to the reject file, byte for byte, in
# input order; a bad last record without its newline stays without.
awk 'NR % 97 == 0 { print substr($0, 1, length($0) - 2); next } { print }' "$T/in.jsonl" > "$T/mixed.jsonl"
printf '{"status":' >> "$T/mixed.jsonl"
awk 'NR % 97 != 0' "$T/in.jsonl" > "$T/good.jsonl"
{ awk 'NR % 97 == 0' "$T/mixed.jsonl"; printf '{"status":'; } > "$T/bad.exp"
nbad=$(($(wc -l < "$T/in.jsonl") / 97 + 1))
jq -r '[.status, .n] | @tsv' "$T/good.jsonl" | datamash -s -g 1 count 1 sum 2 > "$T/rgroup.exp"
gzip -c "$T/mixed.jsonl" > "$T/mixed.jsonl.gz"
for j in 1 2 4; do
	for src in file stdin gzip; do
		rm -f "$T/rej" "$T/rep.json"
		case $src in
		file) fp --json -j "$j" -b 700 --reject "$T/rej" --stats-json "$T/rep.json" -e 'group -k .status count sum:.n' "$T/mixed.jsonl" ;;
		stdin) fp --json -j "$j" -b 700 --reject "$T/rej" --stats-json "$T/rep.json" -e 'group -k .status count sum:.n' < "$T/mixed.jsonl" ;;
		gzip) fp --json -j "$j" -b 700 --reject "$T/rej" --stats-json "$T/rep.json" -e 'group -k .status count sum:.n' "$T/mixed.jsonl.gz" ;;
		esac > "$T/rgroup.out" 2> "$T/err" || fail "--reject -j $j $src: exit $?: $(cat "$T/err")"
		check_same "--reject: the good records -j $j $src" "$T/rgroup.exp" "$T/rgroup.out"
		check_same "--reject: the reject file -j $j $src" "$T/bad.exp" "$T/rej"
		jq -r '.rejected_records' "$T/rep.json" > "$T/nrej"
		check_text "--reject: rejected_records -j $j $src" "$nbad" "$T/nrej"
	done
done
fp --json -j 2 -b 1 --reject "$T/rej" -e 'filter ".n >= 0"' "$T/mixed.jsonl" > "$T/rmap.out" 2> "$T/err" ||
	fail "--reject map: $(cat "$T/err")"
check_same "--reject: filter writes the good records" "$T/good.jsonl" "$T/rmap.out"
check_same "--reject: the reject file, -b 1" "$T/bad.exp" "$T/rej"
first=$(awk 'NR % 97 == 0 { print off; exit } { off += length($0) + 1 }' "$T/mixed.jsonl")
fp --json -j 2 --reject "$T/rej" --stats-json "$T/rep.json" -e count "$T/mixed.jsonl" > /dev/null 2> "$T/err"
jq -r '.rejected_first[0] | "\(.input) \(.offset)"' "$T/rep.json" > "$T/first"
check_text "--reject: the first offset in the report" "$T/mixed.jsonl $first" "$T/first"
fp --json --reject "$T/rej" --max-rejects "$nbad" -e count "$T/mixed.jsonl" > /dev/null 2> "$T/err" ||
	fail "--max-rejects $nbad: $(cat "$T/err")"
rm -f "$T/rej" "$T/o"
expect_exit 65 "^forkpipe: $T/mixed.jsonl: more than $((nbad - 1)) records rejected \(--max-rejects\), the last at byte offset $(wc -c < "$T/good.jsonl" | awk -v b="$(wc -c < "$T/bad.exp")" '{ print $1 + b - 10 }')\$" \
	fp --json -j 2 -b 700 --reject "$T/rej" --max-rejects $((nbad - 1)) -e 'cut -f .n' -o "$T/o" "$T/mixed.jsonl"
[ -e "$T/rej" ] || [ -e "$T/o" ] && fail "--max-rejects: a file was left" || pass
expect_exit 64 "^forkpipe: --reject: records are rejected only when they do not parse \(--json, --csv\) or a reducer's op cannot take them \(group, top, crosstab\)\$" \
	fp --tsv --reject "$T/rej" -e count "$T/mixed.jsonl"
expect_exit 64 "^forkpipe: --max-rejects: needs --reject FILE\$" \
	fp --json --max-rejects 3 -e count "$T/mixed.jsonl"
printf 'input: {format: jsonl}\nreject: %s\nmax-rejects: 100\nstages:\n  - count: {}\n' "$T/rej" > "$T/r.yaml"
rm -f "$T/rej"
fp -c "$T/r.yaml" "$T/mixed.jsonl" > "$T/ycount" 2> "$T/err" || fail "--reject in YAML: $(cat "$T/err")"
check_text "--reject in YAML: count" "$(wc -l < "$T/good.jsonl")" "$T/ycount"
check_same "--reject in YAML: the file" "$T/bad.exp" "$T/rej"

# Fields are paths, never numbers; names must be paths; no header.
expect_exit 64 "^forkpipe: cut: field '1': JSON fields are named by paths \(\.key, \.a\.b, \.\[0\]\), not numbers\$" \
	fp --json -e 'cut -f 1' "$T/in.jsonl"
expect_exit 64 "^forkpipe: cut: field 'status': 'status' is not a JSON path" \
	fp --json -e 'cut -f status' "$T/in.jsonl"
expect_exit 64 "^forkpipe: filter: field '\\\$2': JSON fields are named by paths" \
	fp --json -e 'filter "$2 > 1"' "$T/in.jsonl"
expect_exit 64 "^forkpipe: group: op 'sum:3': JSON fields are named by paths" \
	fp --json -e 'group -k .a sum:3' "$T/in.jsonl"
expect_exit 64 "^forkpipe: sub: -f: JSON fields are named by paths \(\.key, \.a\.b, \.\[0\]\), not numbers\$" \
	fp --json -e 'sub -f 1 x y' "$T/in.jsonl"
expect_exit 64 "^forkpipe: cut: an index above 4095 would write that many nulls before its value\$" \
	fp --json -e 'cut -f .a[4096]' "$T/in.jsonl"
expect_exit 64 "^forkpipe: --header: JSON Lines have no header record" \
	fp --json -H -e count "$T/in.jsonl"
expect_exit 64 "^forkpipe: --json and --csv contradict each other" \
	fp --json --csv -e count "$T/in.jsonl"

finish
