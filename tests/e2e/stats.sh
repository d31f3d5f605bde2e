#!/bin/bash
# e2e/stats.sh - the run report: --stats (text), --stats-json (one JSON
# object, checked with jq) and --stats-interval (JSON lines).  Records in
# and out agree with wc -l of the input and the output, for map and
# reducer pipelines, over -j and chunk sizes, from a file and from stdin;
# every worker slot has its figures; every stage is listed; the report is
# written on failure (with the exit code and the message, whatever bytes
# it holds) and when a signal stops the run; interval lines come while a
# slow run goes on.
. "$TEST_SRCDIR/lib.sh"

# jq parses the JSON: a report a parser rejects is a failure here.
command -v jq > /dev/null 2>&1 ||
	die "reference tool 'jq' not found (Debian: apt-get install jq; ./bootstrap installs it)"

R=$T/report.json

# js FILTER [FILE]: jq -r FILTER on the report, which must be exactly
# one JSON object (else the answer is INVALID).  One jq per question:
# it takes a tenth of a second to start.
js() {
	jq -s -r "if length == 1 and (.[0] | type) == \"object\" then .[0] | $1 else \"INVALID\" end" \
		"${2:-$R}" 2> /dev/null || echo INVALID
}

# The input: word lines with blanks and tabs, binary bytes and CRLF lines.
gen_small "$T/in" 11 3000
lines_in=$(wc -l < "$T/in")
bytes_in=$(wc -c < "$T/in")

# counts NAME OUTPUT [CHUNKS]: the report in $R must agree with wc on
# the input and the output (and count CHUNKS chunks).  The report is
# kept, and checked with the others by check_counts: one jq for them all.
mkdir "$T/runs"
: > "$T/want"
NRUN=0
counts() {
	local id l c
	NRUN=$((NRUN + 1))
	id=$(printf '%04d' "$NRUN")
	mv "$R" "$T/runs/$id.json"
	read -r l c <<EOF
$(wc -l -c < "$2")
EOF
	printf '%s\t0\t%s\t%s\t%s\t%s\t%s\t%s\n' "$id" "$lines_in" "$bytes_in" "$l" "$c" "${3:--}" "$1" \
		>> "$T/want"
}
# Each file must hold one JSON object: a second value, or no value, or
# text that is not JSON, shows as a missing or doubled line.
check_counts() {
	jq -r '[(input_filename | sub(".*/"; "") | sub("[.]json$"; "")), .exit_code, .input_records,
		.input_bytes, .output_records, .output_bytes, .chunks] | @tsv' "$T"/runs/*.json > "$T/got" 2>&1
	awk -F '\t' 'FNR == NR { n[$1]++; got[$1] = $2 "\t" $3 "\t" $4 "\t" $5 "\t" $6; ch[$1] = $7; next }
		{ w = $2 "\t" $3 "\t" $4 "\t" $5 "\t" $6
		  if (n[$1] == 1 && got[$1] == w && ($7 == "-" || ch[$1] == $7)) print "ok"
		  else printf "%s: exit, records, bytes in and out, chunks [%s %s], expected [%s %s]\n",
			$8, got[$1], ch[$1], w, $7 }' "$T/got" "$T/want" > "$T/verdicts"
	while IFS= read -r v; do
		[ "$v" = ok ] && pass || fail "$v"
	done < "$T/verdicts"
	[ "$(wc -l < "$T/got")" = "$NRUN" ] && pass || fail "reports: $(grep -v -c '^[0-9]' "$T/got") jq errors"
	rm -f "$T"/runs/* "$T/want"
	NRUN=0
}

# Map and reducer pipelines, from a file and from a pipe, over -j and
# chunk sizes (a chunk of one byte is one record).
for j in 1 2 4; do
	for spec in 'grep -F foo' 'uniq -c' 'cut -f 2'; do
		# with -b 1, a chunk per record
		for b in 1 7 4K 1M; do
			fp -j "$j" -b "$b" --stats-json "$R" -e "$spec" "$T/in" > "$T/out" 2> "$T/err"
			counts "-j $j -b $b -e '$spec' FILE" "$T/out" "$([ "$b" = 1 ] && echo "$lines_in")"
		done
		for b in 100 1M; do
			piped "$T/in" -j "$j" -b "$b" --stats-json "$R" -e "$spec" > "$T/out" 2> "$T/err"
			counts "-j $j -b $b -e '$spec' < pipe" "$T/out"
		done
	done
done

# Reducers followed by stages in the merger, head's cut of the output,
# placed output into a file, compressed output, exec, and no stage.
for spec in "-e count" "-e 'uniq -c' -e 'sort -k1,1nr' -e 'head 5'" "-e 'sort -k2'" \
	"-e 'exec \"grep -F bar\"'" "-e 'sub -g o 0'" ""; do
	eval "set -- $spec"
	fp -j 3 -b 2K --stats-json "$R" "$@" "$T/in" > "$T/out" 2> "$T/err"
	counts "-j 3 -b 2K $spec" "$T/out"
done
fp -j 3 -b 2K --stats-json "$R" -e 'grep -F -v foo' -o "$T/placed" "$T/in" 2> "$T/err"
counts "placed output (-o)" "$T/placed"
check_counts
# head stops the run early: the input read is what the chunks processed
# held, however many, and the output is cut exactly
for spec in "-e 'head 7'" "-e 'grep -v -F a' -e 'head 40'"; do
	eval "set -- $spec"
	fp -j 3 -b 2K --stats-json "$R" "$@" "$T/in" > "$T/out" 2> "$T/err"
	[ "$(js '[.output_records, .output_bytes] | @tsv')" = "$(printf '%s\t%s' "$(wc -l < "$T/out")" "$(wc -c < "$T/out")")" ] &&
		[ "$(js ".input_records > 0 and .input_records <= $lines_in and .input_bytes <= $bytes_in")" = true ] &&
		pass || fail "$spec: $(jq -c '[.input_records, .input_bytes, .output_records, .output_bytes]' "$R")"
done
fp -j 3 -b 2K --stats-json "$R" -e 'grep -F -v foo' --gzip "$T/in" > "$T/out.gz" 2> "$T/err"
gzip -dc "$T/out.gz" > "$T/out"
[ "$(js '.output_records')" = "$(wc -l < "$T/out")" ] && [ "$(js '.output_bytes')" = "$(wc -c < "$T/out.gz")" ] &&
	pass || fail "--gzip: records $(js .output_records) and bytes $(js .output_bytes) out"
# -z: NUL-terminated records
gen_nul "$T/nul"
fp -z -j 2 -b 1K --stats-json "$R" -e 'grep -F foo' "$T/nul" > "$T/out" 2> "$T/err"
[ "$(js '.input_records')" = "$(tr -cd '\000' < "$T/nul" | wc -c)" ] &&
	[ "$(js '.output_records')" = "$(tr -cd '\000' < "$T/out" | wc -c)" ] && pass ||
	fail "-z: records in $(js .input_records), out $(js .output_records)"

# CSV with a header and newlines inside quotes: records, not lines; the
# header is a record read and a record written.
awk 'BEGIN { print "id,text"; for (i = 1; i <= 500; i++)
	if (i % 7 == 0) printf "%d,\"two\nlines %d\"\n", i, i; else printf "%d,plain %d\n", i, i }' > "$T/csv"
fp --csv -H -j 2 -b 1K --stats-json "$R" -e 'cut -f text' "$T/csv" > "$T/out" 2> "$T/err"
[ "$(js '[.input_records, .output_records, .input_bytes] | @tsv')" = "$(printf '501\t501\t%s' "$(wc -c < "$T/csv")")" ] &&
	pass || fail "--csv -H: records in and out, bytes in: $(js '[.input_records, .output_records, .input_bytes] | @tsv')"
fp --csv -H -j 2 -b 1K --stats-json "$R" -e 'filter "$id > 100"' -e count "$T/csv" > "$T/out" 2> "$T/err"
[ "$(js '[.input_records, .output_records] | @tsv')" = "$(printf '501\t1')" ] &&
	pass || fail "--csv -H count: records in and out: $(js '[.input_records, .output_records] | @tsv')"

# Per-worker figures, the supervisor's and the stages', on a run with
# enough work to take CPU time.
awk 'BEGIN { for (i = 0; i < 300000; i++) printf "%d foo bar baz %d\n", i, i * 7 }' > "$T/big"
fp -j 3 -b 256K --stats-json "$R" -e 'grep [0-9]7' -e 'sub -g o 0' -e 'uniq -c -k 2' -e 'sort -k1,1nr' \
	"$T/big" > "$T/out" 2> "$T/err"
[ "$(js '.workers | length')" = 3 ] && pass || fail "workers: $(js '.workers | length'), expected 3"
js '.workers[] | [.worker, .processes, .chunks, .user_seconds, .system_seconds, .max_rss_kb] | @tsv' |
	awk -v chunks="$(js .chunks)" '
	{ if ($1 != NR - 1 || $2 != 1 || $3 < 0 || $4 < 0 || $5 < 0 || $6 < 500 || $6 > 4000000) bad = bad " [" $0 "]"
	  sum += $3; cpu += $4 + $5 }
	END { if (sum != chunks) bad = bad " chunks " sum " of " chunks
	      if (cpu <= 0) bad = bad " no CPU"
	      if (bad != "") { print bad; exit 1 } }' > "$T/why" && pass ||
	fail "per-worker figures:$(cat "$T/why")"
[ "$(js '.chunks > 3 and .supervisor.max_rss_kb > 500 and .supervisor.user_seconds >= 0 and
	.cpu_seconds > 0 and .elapsed_seconds > 0 and .mb_per_second > 0 and .records_per_second > 0')" = true ] &&
	pass || fail "run figures: $(jq -c '{chunks, supervisor, cpu_seconds, elapsed_seconds, mb_per_second}' "$R")"
[ "$(js '[.stages[] | .name] | join(" ")')" = "grep sub uniq sort" ] &&
	[ "$(js '[.stages[] | .index] | join(" ")')" = "1 2 3 4" ] &&
	[ "$(js '.stages[0].origin')" = 'grep [0-9]7' ] && pass ||
	fail "stages: $(jq -c '[.stages[] | [.index, .name, .origin]]' "$R")"
# map stages and the reducer's folding run in the workers, the stage
# after the reducer in the merger; a stage's total is the sum
js '.stages[] | [.workers_cpu_seconds, .merger_cpu_seconds, .cpu_seconds] | @tsv' |
	awk 'NR <= 3 && $1 <= 0 { bad = bad " stage " NR " took no CPU in the workers" }
	     NR == 4 && $1 != 0 { bad = bad " sort ran in the workers" }
	     NR <= 2 && $2 != 0 { bad = bad " stage " NR " ran in the merger" }
	     { d = $1 + $2 - $3; if (d > 0.000002 || d < -0.000002) bad = bad " stage " NR " sum" }
	     END { if (bad != "") { print bad; exit 1 } }' > "$T/why" && pass ||
	fail "stage CPU:$(cat "$T/why")"
[ "$(js '.input_records')" = 300000 ] && [ "$(js '.output_records')" = "$(wc -l < "$T/out")" ] &&
	pass || fail "records of the big run: $(jq -c '[.input_records, .output_records]' "$R")"
# the stage CPU of an exec stage holds its commands' CPU
fp -j 2 -b 1M --stats-json "$R" -e 'exec "sort | sort -r | sort"' "$T/big" > /dev/null 2> "$T/err"
awk -v s="$(js '.stages[0].cpu_seconds')" -v all="$(js '.cpu_seconds')" \
	'BEGIN { exit !(s > 0.05 && s <= all + 0.01) }' && pass ||
	fail "exec stage CPU $(js '.stages[0].cpu_seconds') of all $(js '.cpu_seconds')"

# --stats: the same figures, for people.
fp -j 3 -b 256K --stats -e 'grep [0-9]7' -e count "$T/big" > "$T/out" 2> "$T/err"
grep -q '^forkpipe: stats:$' "$T/err" && pass || fail "--stats: no heading: $(head -n 2 "$T/err")"
[ "$(awk '$1 == "input" { print $2, $4 }' "$T/err")" = "$(wc -c < "$T/big") 300000" ] &&
	[ "$(awk '$1 == "output" { print $2, $4 }' "$T/err")" = "$(wc -c < "$T/out") 1" ] && pass ||
	fail "--stats: input/output lines: $(grep -E '^  (in|out)put' "$T/err")"
awk '$1 == "supervisor" && $3 >= 0 && $4 >= 0 && $5 > 0 { s++ }
	$1 == "worker" && $3 >= 0 && $4 >= 0 && $5 >= 0 && $6 > 0 { w[$2]++ }
	$2 == "grep" && $1 == 1 { g++ } $2 == "count" && $1 == 2 { c++ }
	/^  (wall time|chunks|throughput|all CPU) / { k++ }
	END { exit !(s == 1 && w[0] == 1 && w[1] == 1 && w[2] == 1 && length(w) == 3 && g == 1 && c == 1 && k == 4) }' \
	"$T/err" && pass || fail "--stats: a process, stage or figure is missing: $(cat "$T/err")"
# -: the report goes to standard error, after --stats, and the output is untouched
fp -j 2 --stats --stats-json - -e 'grep -F foo' "$T/in" > "$T/out" 2> "$T/err"
tail -n 1 "$T/err" > "$T/last"
[ "$(js .output_records "$T/last")" = "$(wc -l < "$T/out")" ] &&
	grep -q '^forkpipe: stats:$' "$T/err" && pass || fail "--stats-json -: $(tail -c 300 "$T/err")"

# The file is written atomically: nothing is left beside it, and it has
# the permissions a shell's > gives.
mkdir "$T/dir"
(umask 027 && fp -e count --stats-json "$T/dir/r.json" "$T/in" > /dev/null)
check_dir_listing "--stats-json leaves only its file" "$T/dir" r.json
[ "$(stat -c %a "$T/dir/r.json")" = 640 ] && pass || fail "--stats-json mode $(stat -c %a "$T/dir/r.json"), expected 640 under umask 027"

# On failure the report is written, with the exit code and the message,
# and nothing else is left.
# expect_report CODE MESSAGE_REGEX CMD...: the run fails with CODE (a one-
# line message), and the report says so with the same message.
expect_report() {
	local code=$1 re=$2 msg
	shift 2
	rm -f "$R"
	expect_exit "$code" "$re" "$@"
	msg=$(sed 's/^forkpipe: //' "$EE_ERR")
	if [ "$(js '[.type, .exit_code, .error] | @tsv')" = "$(printf 'final\t%s\t%s' "$code" "$msg")" ]; then
		pass
	else
		fail "report of a run failing with $code: $(head -c 400 "$R")"
	fi
}
printf 'a 1\nb x\n' > "$T/badnum"
expect_report 65 "sum:2: invalid numeric value" fp --stats-json "$R" -e 'group sum:2' "$T/badnum"
printf 'a,b\n1,"x\n2,3\n' > "$T/badcsv"
expect_report 65 "malformed CSV at byte offset" fp --stats-json "$R" --csv -e count "$T/badcsv" -o "$T/dir/o"
check_dir_listing "a failed run leaves no output" "$T/dir" r.json
expect_report 66 "nothere: cannot open" fp --stats-json "$R" "$T/nothere"
expect_report 64 "invalid pattern" fp --stats-json "$R" -e 'grep (' "$T/in"
expect_report 64 "head must be the last stage" fp --stats-json "$R" -e 'head 1' -e 'grep a' "$T/in"
expect_report 70 "exited with status 3" fp --stats-json "$R" -j 2 -e 'exec "exit 3"' "$T/in"
expect_report 73 "cannot create" fp --stats-json "$R" -e count -o "$T/nodir/out" "$T/in"
printf 'stages: [\n' > "$T/bad.yaml"
expect_report 78 "bad.yaml:" fp --stats-json "$R" -c "$T/bad.yaml" "$T/in"
printf 'stages:\n  - count: {}\nstats-json: %s\n' "$R" > "$T/ok.yaml"
expect_report 66 "nothere: cannot open" fp -c "$T/ok.yaml" "$T/nothere"
# a message with quotes, backslashes, control bytes and bytes that are
# not UTF-8 (from a file name) comes back whole, the stray bytes as the
# code points of the same numbers (\351 is U+00E9, \377 U+00FF)
bad=$(printf 'q"b\\s\001t\tn\351\377 caf\303\251')
expect_exit 66 "cannot open" fp --stats-json "$R" "$T/$bad"
printf '%s/q"b\\s\001t\tn\303\251\303\277 caf\303\251: cannot open: No such file or directory\n' "$T" > "$T/msg"
js .error > "$T/got"
check_same "escaping: the message decoded" "$T/msg" "$T/got"
grep -q -F "$(printf 'n\\u00e9\\u00ff caf\303\251')" "$R" && [ "$(tr -d '\n' < "$R" | tr -d '\040-\377' | wc -c)" = 0 ] &&
	pass || fail "escaping: $(grep -o '"error":"[^,]*' "$R" | od -c | head -n 4)"
# merge has no run to report
expect_exit 64 "merge: --stats-json reports on runs" fp merge --stats-json "$R" -e count "$T/in"
# an unwritable report: nothing runs, no output is made
expect_exit 73 "^forkpipe: --stats-json: $T/nodir/r.json: cannot create: No such file" \
	fp --stats-json "$T/nodir/r.json" -e count -o "$T/dir/o" "$T/in"
check_dir_listing "an unwritable report leaves no output" "$T/dir" r.json
expect_exit 64 "--stats-interval: invalid interval 'x'" fp --stats-interval x "$T/in"
expect_exit 64 "--stats-interval: invalid interval '0'" fp --stats-interval 0 "$T/in"
printf 'stats-interval: soon\n' > "$T/bad.yaml"
expect_exit 78 "bad.yaml:1:17: 'stats-interval' must be a number of seconds" fp -c "$T/bad.yaml" "$T/in"

# A slow run: exec sleeps in each of 9 chunks, on 2 workers (about 1.5 s).
awk 'BEGIN { for (i = 1; i <= 1200; i++) printf "record %06d\n", i }' > "$T/slow"
SLOW=(-j 2 -b 2K -e 'exec "sleep 0.3; cat"')

# A signal stops it: 128+N, and the report says so.
for sig in TERM:Terminated HUP:Hangup; do
	name=${sig#*:}
	sig=${sig%:*}
	rm -f "$R"
	# not through timeout(1), which would take the signal itself
	"$FORKPIPE" "${SLOW[@]}" --stats-json "$R" -o "$T/dir/o" "$T/slow" 2> "$T/err" &
	p=$!
	sleep 0.8
	kill -s "$sig" "$p"
	wait "$p"
	rc=$?
	n=$(kill -l "$sig")
	want=$((128 + n))
	[ "$rc" = "$want" ] && [ "$(js '[.exit_code, .error] | @tsv')" = "$(printf '%s\tstopped by signal %s (%s)' "$want" "$n" "$name")" ] &&
		[ "$(js '.input_records < 1200 and .chunks < 9')" = true ] && pass ||
		fail "SIG$sig: exit $rc, report $(head -c 300 "$R")"
	check_dir_listing "SIG$sig: no output left" "$T/dir" r.json
done

# --stats-interval: lines while it runs, then the final object.
fp "${SLOW[@]}" --stats-json "$R" --stats-interval 0.25 "$T/slow" > "$T/out" 2> "$T/err"
check_same "--stats-interval: the output" "$T/slow" "$T/out"
n=$(wc -l < "$R")
jq -c . "$R" > /dev/null 2>&1 && pass || fail "--stats-interval: a line is not JSON"
[ "$(jq -s '[.[] | .type] | (.[:-1] | all(. == "interval")) and .[-1] == "final"' "$R")" = true ] &&
	[ "$n" -ge 4 ] && pass || fail "--stats-interval: $n lines of types $(jq -r .type "$R" | tr '\n' ' ')"
# running figures grow, and stay within the final ones
jq -s -r '.[] | [.elapsed_seconds, .input_records, .input_bytes, .chunks, .output_records, .output_bytes] | @tsv' "$R" |
	awk '{ for (i = 1; i <= 6; i++) { if ($i < p[i]) bad = bad " line " NR " field " i; p[i] = $i } }
	     NR == 1 && $1 < 0.2 { bad = bad " first line too early" }
	     END { if (p[2] != 1200 || p[4] != 9) bad = bad " final " p[2] " records " p[4] " chunks"
	           if (bad != "") { print bad; exit 1 } }' > "$T/why" && pass ||
	fail "--stats-interval figures:$(cat "$T/why")"
jq -s -r '.[:-1][] | [.elapsed_seconds] | @tsv' "$R" |
	awk '{ if (NR > 1 && ($1 - p < 0.2 || $1 - p > 0.6)) bad = bad " " p "->" $1; p = $1 }
	     END { if (bad != "") { print bad; exit 1 } }' > "$T/why" && pass ||
	fail "--stats-interval: lines not about 0.25 s apart:$(cat "$T/why")"
# without --stats-json the lines go to standard error
fp "${SLOW[@]}" --stats-interval 0.25 "$T/slow" > "$T/out" 2> "$T/err"
[ "$(jq -s '[.[] | .type] | .[-1] == "final" and length >= 4' "$T/err")" = true ] && pass ||
	fail "--stats-interval on stderr: $(head -c 300 "$T/err")"
# as YAML keys
printf 'stages:\n  - exec: {command: "sleep 0.3; cat"}\nstats-json: %s\nstats-interval: 0.25s\n' "$R" > "$T/i.yaml"
fp -c "$T/i.yaml" -j 2 -b 1K "$T/slow" > "$T/out" 2> "$T/err"
[ "$(jq -s '[.[] | .type] | .[-1] == "final" and length >= 4' "$R")" = true ] && pass ||
	fail "stats-interval in YAML: $(head -c 300 "$R") $(head -c 200 "$T/err")"


# The report never replaces a file the run uses: an input (by any name),
# the output, the lock file, the -c file; 64, and the file is unchanged.
printf 'a\nb\n' > "$T/in.log"
cp "$T/in.log" "$T/in.keep"
ln "$T/in.log" "$T/in.hard"
ln -s in.log "$T/in.sym"
printf 'stages:\n  - count: {}\n' > "$T/r.yaml"
cp "$T/r.yaml" "$T/r.keep"
clash() {
	local name=$1 file=$2 keep=$3 what=$4
	shift 4
	expect_exit 64 "^forkpipe: --stats-json: [^ ]*: is also $what, which the report would replace\$" "$@"
	check_same "$name: unchanged" "$keep" "$file"
}
clash "report = input" "$T/in.log" "$T/in.keep" "an input" \
	fp -e count --stats-json "$T/in.log" "$T/in.log"
clash "report = input, other name" "$T/in.log" "$T/in.keep" "an input" \
	fp --stats-json "$T/in.hard" "$T/in.log"
clash "report = input, a symlink" "$T/in.log" "$T/in.keep" "an input" \
	fp -e count --stats-json "$T/in.sym" -j 2 "$T/in.log"
rm -f "$T/o.out"
clash "report = output" "$T/in.log" "$T/in.keep" "the output \(-o\)" \
	fp -e count -o "$T/o.out" --stats-json "$T/o.out" "$T/in.log"
[ ! -e "$T/o.out" ] && pass || fail "report = output: an output file was left"
cp "$T/in.keep" "$T/o.out"
clash "report = existing output" "$T/o.out" "$T/in.keep" "the output \(-o\)" \
	fp -e count -o "$T/o.out" --stats-json "$T/./o.out" "$T/in.log"
cp "$T/in.keep" "$T/lk"
clash "report = lock file" "$T/lk" "$T/in.keep" "the lock file \\(--lock\\)" \
	fp -e count --lock "$T/lk" --stats-json "$T/lk" "$T/in.log"
clash "report = -c file" "$T/r.yaml" "$T/r.keep" "the configuration file \(-c\)" \
	fp -c "$T/r.yaml" --stats-json "$T/r.yaml" "$T/in.log"
printf 'stages:\n  - count: {}\nstats-json: %s\n' "$T/in.log" > "$T/rj.yaml"
clash "report in YAML = input" "$T/in.log" "$T/in.keep" "an input" fp -c "$T/rj.yaml" "$T/in.log"
printf 'stages:\n  - count: {}\ninputs: [%s]\n' "$T/in.log" > "$T/ri.yaml"
clash "report = input named in YAML" "$T/in.log" "$T/in.keep" "an input" \
	fp -c "$T/ri.yaml" --stats-json "$T/in.log"
# A configuration that fails before naming its inputs: an existing file
# that is not a report is left alone, a missing file or a report written.
printf 'stages: [\ninputs: [%s]\n' "$T/in.log" > "$T/bad.yaml"
fp -c "$T/bad.yaml" --stats-json "$T/in.log" > "$T/out" 2> "$T/err"
check_rc "bad YAML, report = an existing file (exit)" 78 $?
check_same "bad YAML, report = an existing file: unchanged" "$T/in.keep" "$T/in.log"
grep -q "^forkpipe: --stats-json: $T/in.log: not written: it is not a report" "$T/err" && pass ||
	fail "bad YAML, report = an existing file: no warning: $(cat "$T/err")"
rm -f "$T/bad.json"
fp -c "$T/bad.yaml" --stats-json "$T/bad.json" > /dev/null 2>&1
jq -e '.exit_code == 78' "$T/bad.json" > /dev/null && pass || fail "bad YAML: no report in a new file"
fp -c "$T/bad.yaml" --stats-json "$T/bad.json" > /dev/null 2>&1
jq -e '.exit_code == 78' "$T/bad.json" > /dev/null && pass || fail "bad YAML: an earlier report not replaced"
clash "merge: report = input" "$T/in.log" "$T/in.keep" "an input" \
	fp merge -e count --stats-json "$T/in.log" "$T/in.log"
# stdin and stderr are no files; another file is fine
fp -e count --stats-json - - < "$T/in.log" > "$T/out" 2> "$T/err"
check_rc "--stats-json - with stdin input (exit)" 0 $?
fp -e count --stats-json "$T/other.json" "$T/in.log" > "$T/out" 2> "$T/err"
check_rc "--stats-json another file (exit)" 0 $? "$T/err"
jq -e '.exit_code == 0' "$T/other.json" > /dev/null && pass || fail "--stats-json another file: no report"

finish
