#!/bin/bash
# e2e/sub-json.sh - sub -f PATH over JSON Lines against jq's sub and gsub:
# the string at the path replaced (matched as UTF-8 characters, written
# back escaped as jq writes strings), the rest of the record byte for
# byte, a record without the path left as it is; at -j 1, 2, 4, 7, one
# record a chunk, file and stdin, as the first stage and after another;
# a value that is not a string fails the run (65) and leaves no -o file.
. "$TEST_SRCDIR/lib.sh"

command -v jq > /dev/null 2>&1 || die "reference tool 'jq' not found"
command -v python3 > /dev/null 2>&1 || die "reference tool 'python3' not found"

# Records whose .a.b holds ASCII, UTF-8 (two to four bytes), quotes,
# backslashes, control characters and DEL; some without .a.b.  raw.jsonl
# writes the strings with escapes of every kind (\u00e9, a surrogate
# pair, \/), each holding an "a"; in.jsonl is jq's compact form of
# records like them, so that a record sub leaves alone is jq's too.
python3 - "$T" << 'EOF'
import json, random, sys
d = sys.argv[1]
r = random.Random(3)
parts = ['a', 'o', 'oo', 'word', 'é', 'ü', '😀', '中', '"', '\\', '\n', '\t', '\x01', '\x7f', ' ', '/']
with open(d + '/gen.jsonl', 'w') as f:
    for i in range(1500):
        rec = {'id': i, 'a': {}, 'z': r.choice(['x', 'é', 'q"q'])}
        if r.random() < 0.9:
            rec['a']['b'] = ''.join(r.choice(parts) for _ in range(r.randint(0, 8)))
        f.write(json.dumps(rec, ensure_ascii=r.random() < 0.5) + '\n')
esc = ['\\u00e9', '\\ud83d\\ude00', '\\/', '\\"', '\\\\', '\\n', '\\u0041', 'plain', '\\t']
with open(d + '/raw.jsonl', 'w') as f:
    for i in range(300):
        s = ''.join(r.choice(esc) for _ in range(r.randint(0, 4))) + 'a' + r.choice(esc)
        f.write('{"id":%d,"a":{"b":"%s"},"z":1}\n' % (i, s))
EOF
jq -c . "$T/gen.jsonl" > "$T/in.jsonl" || die "jq could not read the generated records"

# case NAME SUB-ARGS JQ-EXPR INPUT: sub over INPUT against jq's EXPR on
# the records whose .a.b is a string.
case_() {
	local name=$1 sub=$2 expr=$3 in=$4 j b
	jq -c "if (.a.b | type) == \"string\" then .a.b |= ($expr) else . end" "$in" > "$T/exp" ||
		die "$name: jq failed"
	for j in 1 2 4 7; do
		for b in 1 auto; do
			bopt=()
			[ "$b" != auto ] && bopt=(-b "$b")
			expect_out "$name -j$j -b$b" "$T/exp" fp --json -j "$j" "${bopt[@]}" -e "sub $sub" "$in"
		done
		expect_out "$name from stdin -j$j" "$T/exp" piped "$in" --json -j "$j" -b 2K -e "sub $sub"
		expect_out "$name after filter -j$j" "$T/exp" fp --json -j "$j" -b 2K \
			-e 'filter ".id >= 0"' -e "sub $sub" "$in"
	done
}

case_ "gsub of characters" "-g -f .a.b '[éa😀\\x{7f}]' $(sq '<"\>')" 'gsub("[éa😀\u007f]"; "<\"\\>")' "$T/in.jsonl"
case_ "sub with a group" "-f .a.b '(o+)(.)' $(sq '[$2$1]')" 'sub("(?<x>o+)(?<y>.)"; "[\(.y)\(.x)]")' "$T/in.jsonl"
case_ "gsub to control characters" "-g -f .a.b 'o' $(sq "$(printf '\t\001')")" 'gsub("o"; "\t\u0001")' "$T/in.jsonl"
case_ "escaped input" "-g -f .a.b '[aé😀/]' '_'" 'gsub("[aé😀/]"; "_")' "$T/raw.jsonl"

# Another value than a string: 65, as jq's sub fails; no -o file left.
printf '{"a":{"b":"x"}}\n{"a":{"b":[1]}}\n' > "$T/bad.jsonl"
expect_exit 65 "^forkpipe: $T/bad.jsonl: record at byte offset 16: sub -f \.a\.b: the value is an array, not a string\$" \
	fp --json -j 2 -b 1 -e 'sub -f .a.b x y' -o "$T/o" "$T/bad.jsonl"
[ -e "$T/o" ] && fail "a non-string value: -o was left" || pass
printf '{"a":{"b":null}}\n' > "$T/null.jsonl"
expect_exit 65 "^forkpipe: $T/null.jsonl: record at byte offset 0: sub -f \.a\.b: the value is null, not a string\$" \
	fp --json -e 'sub -f .a.b x y' "$T/null.jsonl"
expect_exit 64 "^forkpipe: sub: -f: 'b' is not a JSON path" \
	fp --json -e 'sub -f b x y' "$T/null.jsonl"

finish
