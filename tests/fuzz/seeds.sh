#!/bin/bash
# seeds.sh - write the seed corpora of the fuzz targets (fuzz/*.c) into
# tests/fuzz/NAME/, from real inputs and from what forkpipe itself
# writes.  Run from the top of the source tree after make, when a format
# changes:  FORKPIPE=src/forkpipe tests/fuzz/seeds.sh
# Each seed starts with the bytes the target reads first (see its
# comment); they are written here with printf.  Seeds named regress-*
# are inputs that once crashed a target, kept as they are.
set -euo pipefail
FORKPIPE=${FORKPIPE:-src/forkpipe}
FORKPIPE=$(cd "$(dirname "$FORKPIPE")" && pwd)/$(basename "$FORKPIPE")
cd "$(dirname "$0")"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
for d in config stage record frame partial gzip gzindex json; do
	mkdir -p "$d"
	find "$d" -type f ! -name 'regress-*' -delete
done

# Little-endian numbers as bytes.
le32() { printf "$(printf '\\%03o\\%03o\\%03o\\%03o' $(($1 & 255)) $(($1 >> 8 & 255)) \
	$(($1 >> 16 & 255)) $(($1 >> 24 & 255)))"; }
le64() { le32 $(($1 & 0xffffffff)); le32 $(($1 >> 32)); }

# A small log and CSV to make everything else from.
head -n 20 ../../data/access.log > "$T/log"
printf 'k1\t5\t1.5\tw1\nk2\t-3\t2.25\tw2\nk1\t7\t-0.5\t\nk3\t0\t1e3\tw1\n' > "$T/tsv"
printf 'id,city,amount\n1,"c,1",3.5\n2,Oslo,4\n3,"c,1",-1\n' > "$T/csv"

# config: the example pipelines, and the bad ones the tests use.
for f in ../../conf/*.yaml ../yaml/*.yaml; do
	cp "$f" "config/$(basename "$f")"
done

# stage: a format byte (0 blanks, 1 delimited, 2 CSV), then specs
# separated by NUL bytes.
spec() { local name=$1 fmt=$2; shift 2; { printf "\\$fmt"; printf '%s\0' "$@"; } > "stage/$name"; }
spec grep 0 "grep -F -i 'GET /'" "grep -v -w '\" (404|5[0-9][0-9]) '" count
spec cut-sort 1 'cut -f 3,1' 'sort -k2,2nr -k1,1 -s -t ,' 'head 5'
spec sub-filter 2 'sub -g -f 2 "(a+)b" "[$1]"' 'filter "$3 > 10 && $1 ~ \"^a\" || !($2 == \"x\")"'
spec group 1 'group -k 1,2 count sum:3 min:3 max:3 mean:3 stdev:3 distinct:4 first:4 last:4'
spec uniq-top 0 'uniq -c -k 2' 'top -k 1 10 sum:2'
spec exec 0 "exec --shell /bin/sh 'cut -d\" \" -f7 | sort -u'" 'count -w -c'

# record: a format byte (bit 0 CSV, 1 delimited, 2 ';', 3 lax, 4 NUL
# terminators, 5 header, 6 a pipe), a chunk size byte, where the data
# splits into two inputs (0: it does not), then the data.
rec() { local name=$1 fmt=$2 size=$3 cut=$4 file=$5; { printf "\\$fmt\\$size\\$cut"; cat "$file"; } > "record/$name"; }
head -c 1500 "$T/log" > "$T/log1k"
rec log 000 017 200 "$T/log1k"
rec log-pipe 100 005 000 "$T/log1k"
rec csv 041 003 000 "$T/csv"
rec csv-quoted-newline 001 002 100 ../csv/quoted-newline.csv
rec csv-crlf 101 001 000 ../csv/crlf.csv
rec csv-semicolon 005 003 000 ../csv/semicolon.csv
rec csv-lax 011 004 000 ../csv/quote-runs.csv
# every kind of malformed record, for the walk with --reject's resync
printf 'a,b"c\nd\n"x"y,z\n"a\nb"c\n1,"q\nq",2\n"open\nx\n' > "$T/bad.csv"
rec csv-resync 001 105 000 "$T/bad.csv"
tr '\n' '\0' < "$T/tsv" > "$T/tsv0"
rec nul 022 002 100 "$T/tsv0"

# partial: a byte choosing the pipeline of fuzz/partial.c (bit 7: a
# tiny memory budget), then a partial file forkpipe wrote for it.
part() {
	local name=$1 n=$2 in=$3
	shift 3
	{ printf "\\$n"; "$FORKPIPE" --partial -j 2 -b 64 "$@" "$in"; } > "partial/$name"
}
part count 000 "$T/tsv" --tsv -e 'count -w -c'
part sort 001 "$T/tsv" --tsv -e 'sort -k3,3n -k1,1r'
part sort-su 201 "$T/tsv" --tsv -e 'sort -s -u -k2,2n'
part group 003 "$T/tsv" --tsv \
	-e 'group -k 1 count sum:2 min:3 max:3 mean:3 stdev:2 distinct:4 first:4 last:4'
part uniq 204 "$T/tsv" --tsv -e 'uniq -c -k 1,4'
part top 005 "$T/tsv" --tsv -e 'top -k 4 7'
part top-sum 006 "$T/tsv" --tsv -e 'top -k 1 5 sum:2'
part csv-header 007 "$T/csv" --csv -H -e 'group -k city count sum:amount'
part group-values 210 "$T/tsv" --tsv -e "group -k 1 median:2 q1:3 perc:3:90 mode:2 \
trimmean:3:0.2 sskew:3 jarque:2 geomean:3 unique:4 collapse:4 countunique:4"
# A group's lists of numbers long enough to be written in pieces (several
# entries of one key).
awk 'BEGIN { for (i = 1; i <= 600; i++) printf "k%d\t%d\t%d.5\tw\n", i % 7 ? 1 : 2, i * 7 % 101, i % 13 }' > "$T/long"
part group-values-split 210 "$T/long" --tsv --memory 64K -e "group -k 1 median:2 q1:3 perc:3:90 \
mode:2 trimmean:3:0.2 sskew:3 jarque:2 geomean:3 unique:4 collapse:4 countunique:4"
# A group's distinct sets and collapse values long enough to be written in
# pieces.
awk 'BEGIN { for (i = 1; i <= 700; i++) printf "k%d\t%d\t%d.5\tw%d\n", i % 9 ? 1 : 2, i % 5, i % 3, i * 7 % 1000 }' > "$T/sets"
part group-sets-split 210 "$T/sets" --tsv --memory 64K -e "group -k 1 median:2 q1:3 perc:3:90 \
mode:2 trimmean:3:0.2 sskew:3 jarque:2 geomean:3 unique:4 collapse:4 countunique:4"
part group-fixed 011 "$T/tsv" --tsv -e 'group -k 1 pstdev:2 range:3 absmax:3 pcov:2:3 dotprod:3:2 ms:2'
part group-narm 212 "$T/tsv" --tsv -e 'group -k 1 --narm --full count:2 mean:3 sstdev:2 min:3 last:2'
part rmdup 013 "$T/tsv" --tsv -e 'rmdup 1'
part crosstab 014 "$T/tsv" --tsv -e 'crosstab 1,4 sum:2'
part count-width 016 "$T/tsv" --tsv -e 'count -m -L'
# A shard's partial: its input named and timed alike in every run, so
# that the seed does not change.
touch -d @1700000000 "$T/tsv"
{ printf '\003'; (cd "$T" && "$FORKPIPE" --partial -j 2 -b 64 --tsv --shard 1/2 \
	-e 'group -k 1 count sum:2 min:3 max:3 mean:3 stdev:2 distinct:4 first:4 last:4' tsv); } \
	> partial/shard

# frame: how many bytes of piece sizes follow, those, then frames as a
# worker writes them: a 24-byte header (magic "FP" and the type, aux,
# chunk number, payload length) and the payload.
frame() {
	local type=$1 aux=$2 seq=$3 file=$4
	le32 $((0x46500000 | type)); le32 "$aux"; le64 "$seq"; le64 "$(wc -c < "$file")"; cat "$file"
}
printf '' > "$T/empty"
le64 4096 > "$T/u64"
{ le32 0; le64 0; le64 1500; } > "$T/range"
# a count partial: the payload of a FRAME_PARTIAL, cut from a partial file
"$FORKPIPE" --partial -j 1 -e count "$T/log" > "$T/count.part"
skip=$(($(head -n 3 "$T/count.part" | wc -c) + 8 + 4 + 20))
tail -c +$((skip + 1)) "$T/count.part" | head -c 24 > "$T/count"
printf 'forkpipe: log: chunk 0 (bytes 0-1500): bad' > "$T/msg"
{ printf '\003\001\007\077'; frame 3 1 0 "$T/log1k"; frame 3 0 0 "$T/empty"; } > frame/result
{ printf '\000'; frame 4 0 0 "$T/count"; frame 4 0 1 "$T/count"; } > frame/partial
{ printf '\002\000\377'; frame 6 0 2 "$T/u64"; frame 8 0 2 "$T/empty"; frame 10 0 3 "$T/u64"; } > frame/placed
{ printf '\001\005'; frame 1 0 0 "$T/range"; frame 5 65 1 "$T/msg"; } > frame/task-error
{ printf '\000'; frame 12 0 4 "$T/msg"; frame 3 0 5 "$T/log1k" | head -c 100; } > frame/truncated

# gzip: a byte choosing the reader (bits 0-1: 0 gzip, 1 zstd, 2 BGZF
# members), the output room (bit 3: one byte) and the input piece
# (bits 4-6: 4^k bytes), then the compressed bytes.
gz() { local name=$1 mode=$2; shift 2; { printf "\\$mode"; "$@"; } > "gzip/$name"; }
# (-n, or a fixed time: the same seeds at every run.)
touch -d @1700000000 "$T/tsv"
gz gzip 060 gzip -n -c "$T/log1k"
gz gzip-multi 010 sh -c 'gzip -n -c "$1"; gzip -n -1 -c "$1"; printf "\0\0\0"' sh "$T/tsv"
gz gzip-name 040 sh -c 'cd "$1" && gzip -c --name tsv' sh "$T"
gz pigz-independent 020 pigz -n -i -c -b 32 "$T/log1k"
gz bgzf 002 bgzip -c "$T/log1k"
gz bgzf-two 002 sh -c 'bgzip -c "$1"; bgzip -c "$2"' sh "$T/tsv" "$T/csv"
gz zstd 061 zstd -q -c "$T/log1k"
gz zstd-frames 011 sh -c 'zstd -q -c "$1"; zstd -q -c --no-check "$2"' sh "$T/tsv" "$T/csv"

# gzindex: indexes forkpipe index writes (forkpipe-gzindex(5)): one
# point; CSV of two points, the second inside a quoted field (its quote
# state flag, its CSV record end after its line end).
printf 'one\ntwo\nthree\n' | gzip -c > "$T/small.gz"
awk 'BEGIN { srand(2); for (i = 0; i < 3000; i++) { printf "%d,\"", i
	for (k = 0; k < 6; k++) printf "%d %x\n", k, int(rand() * 65536); printf "\"\"q\"\"\",%d\n", i % 7 } }' |
	gzip -c > "$T/quoted.gz"
"$FORKPIPE" index --spacing 64K "$T/small.gz" "$T/quoted.gz"
cp "$T/small.gz.fpi" gzindex/small
cp "$T/quoted.gz.fpi" gzindex/csv-two-points

# json: up to three paths, each ended by a NUL byte, then one record.
js() { local name=$1 paths=$2 rec=$3; { printf "$paths"; printf '%s' "$rec"; } > "json/$name"; }
js obj '.status\0.req.path\0' '{"status":200,"req":{"path":"/a\/b","m":"GET"},"tags":["x",1]}'
js nested '.a.b\0.a\0.c[1]\0' '{"a":{"b":[1,{"x":null}]},"c":[true,false,null], "d" : -0.5e+3 }'
js escapes '."odd key"\0.["\\u00e9"]\0' '{"odd key":"\ud83d\ude00 \" \\\\ \u00e9","é":"caf\u00e9\t"}'
js dup '.a.b\0' '{"a":{"b":1},"a":{"c":2},"a":{"b":3}}'
js numbers '.[0]\0.[3]\0' '[0,-0,12345678901234567890,1E400,-1.5e-7,0.25]'
js crlf '.k\0' "$(printf '{"k":"v"}\r')"
js bad-string '.a\0' '{"a":"unterminated}'
js bad-utf8 '.a\0' "$(printf '{"a":"\xed\xa0\x80"}')"
js bad-surrogate '' '"\udc00"'
js bad-number '' '[01,1.,-]'
js deep '.a\0' "$(printf '%0100d' 0 | tr 0 '[')$(printf '%0100d' 0 | tr 0 ']')"
# The fast scanner's 64-byte blocks: escapes, a surrogate pair, UTF-8
# and numbers across the boundaries, a string over three blocks, and a
# record like the access logs the benchmarks read.
x60=$(printf '%060d' 0 | tr 0 x)
js block-escapes '.a\0.b\0' "{\"a\":\"${x60:4}\\\\\\\"\\ud83d\\ude00\",\"b\":\"${x60}y\\\\\\\\\"}"
js block-utf8 '.a\0' "$(printf '{"a":"%s\xe6\x9d\xb1\xe4\xba\xac\xf0\x9f\x98\x80","%s\xc3\xa9":1}' "${x60:3}" "$x60")"
js block-numbers '.[1]\0' "[$(printf '%060d' 0 | tr 0 ' ')-12.5e+3, $x60$x60]"
js block-string '.s\0' "{\"s\":\"$x60$x60$x60$x60\\n\"}"
js access '.req.path\0.status\0' '{"ip":"10.0.3.96","user":null,"time":"01/Mar/2024:00:00:00 +0000","ts":1709251200.132,"req":{"method":"GET", "path":"\/static\/js\/v.js","proto":"HTTP/1.1"},"status":200,"bytes":41570,"ref":"https:\/\/www.google.com\/","ua":"Mozilla/5.0 (compatible; bingbot/2.0)","lat":7.5e-3,"id":15675010400899942332,"geo":{"city":"東京","pt":[ 47.37 , -8.54 ]},"tags":["a","café"]}'

for d in config stage record frame partial gzip gzindex json; do
	printf '%s: %s seeds\n' "$d" "$(find "$d" -type f | wc -l)"
done
