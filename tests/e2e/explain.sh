#!/bin/bash
# explain.sh - --explain prints the plan of a run without running it:
# every input kind (plain file, stdin, gzip of one member, BGZF, zstd of
# one frame and of several, CSV on its quote grid), the chunk size and
# what set it, workers, the stages in the workers and in the merger, the
# memory shares, and every output path (stdout, -o placed, --gzip and
# --zstd pieces, ordered through the supervisor); --explain=json checked
# with jq.  Nothing is run: no output file is made, stdin is not read.
. "${TEST_SRCDIR:?}/lib.sh"

for tool in jq gzip bgzip zstd; do
	command -v "$tool" >/dev/null || die "$tool not found"
done

seq 1 200000 > "$T/in"
gzip -c "$T/in" > "$T/in.gz"
bgzip -c "$T/in" > "$T/in.bgz"
zstd -q -c "$T/in" > "$T/in.zst"
# forkpipe --zstd writes a frame per piece
fp -j 2 -b 256K --zstd "$T/in" -o "$T/multi.zst" || die "--zstd failed"
awk 'BEGIN { for (i = 1; i <= 40000; i++) printf "%d,\"a,%d\",x\n", i, i }' > "$T/in.csv"

# J TEST JQ-FILTER ARGS...: the JSON plan, and a jq test that must hold.
J() {
	local name=$1 test=$2
	shift 2
	# through a pipe: a regular file as stdout would be written in place
	fp --explain=json "$@" 2> "$T/err" < /dev/null | cat > "$T/plan.json"
	local rc=${PIPESTATUS[0]}
	[ "$rc" = 0 ] || { fail "$name: exit $rc: $(cat "$T/err")"; return; }
	jq -e "$test" "$T/plan.json" > /dev/null && pass ||
		fail "$name: '$test' does not hold: $(cat "$T/plan.json")"
}

# inputs, one of each kind
J "plain file" '.inputs[0] | .kind == "file" and .cut == "ranges" and .size == 1288895' -e count "$T/in"
J "gzip, one member" '.inputs[0] | .kind == "gzip" and .cut == "stream" and (.how | test("decompressor"))' "$T/in.gz"
cp "$T/in.gz" "$T/ix.gz"
fp index --spacing 64K "$T/ix.gz" || die "forkpipe index failed"
J "gzip with its index" '.inputs[0] | .kind == "gzip" and .cut == "index-points" and .index_points > 1 and .inflated == 1288895' "$T/ix.gz"
J "gzip with its index and --csv: the quote state" '.inputs[0] | .kind == "gzip" and .cut == "index-points" and .csv_quote_state == true' --csv "$T/ix.gz"
J "gzip, its index not used with --csv-lax" '.inputs[0] | .kind == "gzip" and .cut == "stream"' --csv-lax "$T/ix.gz"
fp --explain --csv -H "$T/ix.gz" | grep -q 'from the quote state the index keeps there; the header read through the index$' &&
	pass || fail "--explain: CSV and a header read by the index"
J "BGZF" '.inputs[0] | .kind == "bgzf" and .cut == "members" and .members > 1 and .inflated == 1288895' "$T/in.bgz"
J "BGZF with --csv: one stream" '.inputs[0] | .kind == "gzip" and .cut == "stream"' --csv "$T/in.bgz"
J "zstd, one frame" '.inputs[0] | .kind == "zstd" and .cut == "stream"' "$T/in.zst"
J "zstd, frames" '.inputs[0] | .kind == "zstd-frames" and .cut == "members" and .members > 1 and .inflated == 1288895' "$T/multi.zst"
J "CSV quote grid" '.format == "csv" and (.inputs[0] | .cut == "quote-grid" and .quote_grid.segments == 3 and .quote_grid.segment_size == 262144)' --csv -b 256K "$T/in.csv"
J "CSV lax: ranges" '.inputs[0].cut == "ranges"' --csv-lax -b 256K "$T/in.csv"
J "several inputs" '[.inputs[].kind] == ["file", "gzip", "zstd-frames"]' "$T/in" "$T/in.gz" "$T/multi.zst"
# stdin: a stream, not read
printf 'left unread\n' > "$T/stdin"
cat "$T/stdin" | fp --explain=json -e count 2>&1 | cat > "$T/plan.json"
jq -e '.inputs[0] | .path == "-" and .kind == "stream" and .cut == "stream" and (has("size") | not)' "$T/plan.json" > /dev/null && pass ||
	fail "stdin: $(cat "$T/plan.json")"
seq 1 10 | fp --explain=json | jq -e '.chunk_size.why | test("not known")' > /dev/null && pass ||
	fail "stdin: the chunk size does not say why"
cat "$T/stdin" | { fp --explain -e count > /dev/null; cat; } > "$T/rest"
check_same "--explain does not read stdin" "$T/stdin" "$T/rest"

# stdin redirected from a regular file is cut as one
fp --explain=json < "$T/in" | jq -e '.inputs[0] | .path == "-" and .cut == "ranges"' > /dev/null && pass ||
	fail "stdin from a file: not cut by ranges"

# chunk size, workers, memory: what set them
J "-b" '.chunk_size.bytes == 1048576 and .chunk_size.set_by == "-b"' -b 1M "$T/in"
J "automatic chunks" '.chunk_size.set_by == "automatic" and .chunk_size.bytes == 262144' -j 2 "$T/in"
J "-j" '.workers.count == 7 and .workers.set_by == "-j" and .memory.processes == 8' -j 7 "$T/in"
J "default -j" ".workers.count == $(nproc) and .workers.set_by == \"online CPUs\"" "$T/in"
J "--memory" '.memory.budget == 268435456 and .memory.set_by == "--memory" and .memory.reducer_share == (((268435456 / 5 | floor) / 4 | floor) * 3)' --memory 256M -j 4 -e 'group sum:1' "$T/in"
# group's workers keep their tables across chunks: three quarters of the
# merger's share are theirs while they fold; sort's is shared evenly.
J "--memory: group's shares" '.memory.merger_share == (.memory.reducer_share / 4 | floor) and .memory.worker_share == .memory.reducer_share + ((.memory.reducer_share - (.memory.reducer_share / 4 | floor)) / 4 | floor)' --memory 256M -j 4 -e 'group sum:1' "$T/in"
J "--memory: sort's shares" '.memory.merger_share == .memory.reducer_share and .memory.worker_share == .memory.reducer_share' --memory 256M -j 4 -e 'sort' "$T/in"
J "--max-record" '.memory.max_record == 2097152 and .memory.max_record_set_by == "--max-record"' --max-record 2M "$T/in"

# stages: the workers' and the merger's
J "map stages" '[.stages.workers[].name] == ["grep", "cut"] and .stages.reducer == null and .stages.merger == []' -e 'grep -F 9' -e 'cut -f 1' "$T/in"
J "reducer" '[.stages.workers[].name] == ["grep", "group"] and .stages.reducer == "group" and [.stages.merger[].name] == ["sort"]' -e 'grep -F 9' -e 'group -k 1 count:1' -e sort "$T/in"

# output paths
J "stdout, ordered" '.output.path == null and .output.mode == "ordered" and .output.set_by == "stdout"' "$T/in"
fp --explain=json "$T/in" > "$T/plan.json"
jq -e '.output.mode == "placed" and .output.path == null' "$T/plan.json" > /dev/null && pass ||
	fail "stdout to a file: not placed: $(cat "$T/plan.json")"
J "-o placed" ".output.path == \"$T/o\" and .output.mode == \"placed\" and .output.set_by == \"-o\"" -o "$T/o" "$T/in"
J "-o, a reducer" '.output.mode == "ordered" and (.output.why | test("partials"))' -o "$T/o" -e count "$T/in"
J "-o, --unordered" '.output.mode == "ordered" and (.output.why | test("unordered"))' -o "$T/o" --unordered "$T/in"
J "--gzip pieces" '.output.mode == "pieces" and .output.compression == "gzip" and .output.set_by == "--gzip"' --gzip -o "$T/o" "$T/in"
J "--zstd pieces" '.output.mode == "pieces" and .output.compression == "zstd" and .output.set_by == "--zstd"' --zstd -o "$T/o" "$T/in"
J "-o NAME.gz" '.output.mode == "pieces" and .output.compression == "gzip" and (.output.set_by | test("suffix"))' -o "$T/o.gz" "$T/in"
J "--gzip with a reducer" '.output.mode == "compressed"' --gzip -e count "$T/in"
[ ! -e "$T/o" ] && [ ! -e "$T/o.gz" ] && pass || fail "--explain made an output file"

# the text plan names the same choices
fp --explain -j 3 -b 1M -e 'grep -F 9' -e count "$T/in.bgz" -o "$T/o" 2>&1 | cat > "$T/text"
for want in "in.bgz: BGZF, " "members" "chunks: 1 MiB (set by -b)" "workers: 3 (-j)" \
	"in the workers: grep -F 9 | count (partials)" "in the merger: merge of count's partials" \
	"memory: " "output: $T/o (-o): ordered through the supervisor"; do
	grep -qF -- "$want" "$T/text" && pass || fail "--explain text: no '$want' in: $(cat "$T/text")"
done

# errors: as a run's
expect_exit 64 "--explain: expected 'json' or 'text', not 'x'" fp --explain=x "$T/in"
expect_exit 66 "$T/none: cannot open: No such file or directory" fp --explain "$T/none"
expect_exit 64 "^forkpipe: --explain: forkpipe merge reads whole partial files in one process: there is no plan to explain\$" \
	fp merge --explain -e count "$T/in"

finish
