#!/bin/bash
# e2e/yaml.sh - YAML pipelines (-c FILE): the shipped examples, equivalence
# with -e pipelines, command-line overrides and the option keys.
. "$TEST_SRCDIR/lib.sh"

gen_mixed "$T/mixed"
gen_small "$T/small"
gen_nofinal "$T/small" "$T/small.nofinal"
printf 'one\ntwo\nthree\n' > "$T/three"
gen_nul "$T/nul"

# yrun NAME EXPECTED_FILE FORKPIPE_ARGS...
yrun() {
	local name=$1 exp=$2
	shift 2
	fp "$@" > "$T/out" 2> "$T/err" < /dev/null
	check_rc "$name (exit)" 0 $? "$T/err"
	check_same "$name" "$exp" "$T/out"
}

# The shipped examples run from the source tree and print something.
nconf=0
for conf in "$top_srcdir"/conf/*.yaml "$top_srcdir"/conf/*.yml; do
	[ -e "$conf" ] || continue
	nconf=$((nconf + 1))
	(cd "$top_srcdir" && fp -c "$conf" < /dev/null) > "$T/out" 2> "$T/err"
	check_rc "example ${conf##*/} (exit)" 0 $? "$T/err"
	check_nonempty "example ${conf##*/} prints something" "$T/out"
	(cd "$top_srcdir" && fp -c "$conf" -j 1 -b 1K < /dev/null) > "$T/out1" 2> "$T/err"
	check_rc "example ${conf##*/} -j 1 -b 1K (exit)" 0 $? "$T/err"
	# Unordered examples may legitimately differ in order.
	sort < "$T/out" > "$T/out.s"
	sort < "$T/out1" > "$T/out1.s"
	check_same "example ${conf##*/}: same records with -j 1 -b 1K" "$T/out.s" "$T/out1.s"
done
[ "$nconf" -gt 0 ] || fail "no example pipeline in $top_srcdir/conf/*.yaml"

# A YAML pipeline equals the same -e pipeline.
# yeq NAME YAML_STAGES_BLOCK -- -e STAGE...
yeq() {
	local name=$1 stages=$2 n=$((${YEQ_N:-0} + 1))
	YEQ_N=$n
	shift 2
	[ "${1:-}" = -- ] && shift
	{
		printf 'inputs:\n  - %s\n' "$T/mixed"
		printf 'stages:\n%s\n' "$stages"
	} > "$T/p$n.yaml"
	fp -j 3 -b 4K "$@" "$T/mixed" > "$T/exp" 2> "$T/err"
	check_rc "$name: -e pipeline (exit)" 0 $? "$T/err"
	yrun "$name" "$T/exp" -j 3 -b 4K -c "$T/p$n.yaml"
	# The reference tools agree too, so a shared bug cannot hide.
	if [ -n "${YEQ_REF:-}" ]; then
		eval "$YEQ_REF" < "$T/mixed" > "$T/ref"
		check_same "$name: reference tools" "$T/ref" "$T/out"
	fi
	YEQ_REF=
}

YEQ_REF="grep -a -F ERROR | wc -l" \
yeq 'grep fixed | count' '  - grep: {pattern: "ERROR", fixed: true}
  - count: {}' -- -e 'grep -F ERROR' -e count

YEQ_REF="grep -a -F ERROR | grep -a -P -v healthz | wc -l -w -c | awk '{ print \$1, \$2, \$3 }'" \
yeq 'grep | grep -v | count words bytes' '  - grep: {pattern: ERROR, fixed: true}
  - grep: {pattern: healthz, invert: true}
  - count: {words: true, bytes: true}' -- -e 'grep -F ERROR' -e 'grep -v healthz' -e 'count -w -c'

YEQ_REF="grep -a -F -i -w 'a b'" \
yeq 'grep fixed ignore-case word, block style' '  - grep:
      pattern: "a b"
      fixed: true
      ignore-case: true
      word: true' -- -e 'grep -F -i -w "a b"'

YEQ_REF="grep -a -P -v -x 'foo|bar baz'" \
yeq 'grep invert line' "  - grep: {pattern: 'foo|bar baz', invert: true, line: true}" \
	-- -e "grep -v -x 'foo|bar baz'"

YEQ_REF="grep -a -P '^[A-Z]+\\s+\\d'" \
yeq 'grep regex with backslashes' "  - grep: {pattern: '^[A-Z]+\\s+\\d'}" \
	-- -e "grep '^[A-Z]+\\s+\\d'"

PAT_Q="it's|\"q\"|error"
YEQ_REF='grep -a -P -i -e "$PAT_Q"' \
yeq 'grep pattern with quotes' "  - grep: {pattern: 'it''s|\"q\"|error', ignore-case: true}" \
	-- -e "grep -i 'it'\\''s|\"q\"|error'"

YEQ_REF="grep -a -P -w foo | wc -l | awk '{ print \$1 }'" \
yeq 'false flags are off' '  - grep: {pattern: foo, fixed: false, invert: false, word: true, line: false, ignore-case: false}
  - count: {words: false, bytes: false}' -- -e 'grep -w foo' -e count

YEQ_REF="grep -a -P ''" \
yeq 'empty pattern' '  - grep: {pattern: ""}' -- -e "grep ''"

YEQ_REF="cat" \
yeq 'empty stage list copies' '  []' --

# Keys: jobs, chunk-size, inputs (several, unterminated), null, unordered,
# output.
cat > "$T/opts.yaml" <<EOF
inputs:
  - $T/small.nofinal
  - $T/three
  - $T/small.nofinal
jobs: 2
chunk-size: 1K
stages:
  - grep: {pattern: foo, invert: true}
EOF
terminate "$T/small.nofinal" "$T/three" "$T/small.nofinal" | grep -a -P -v foo > "$T/exp"
yrun "jobs, chunk-size: 1K, several inputs" "$T/exp" -c "$T/opts.yaml"

for size in 1 7 100 4K 1M 1024; do
	cat > "$T/size.yaml" <<EOF
chunk-size: $size
jobs: 4
inputs: [$T/mixed]
EOF
	yrun "chunk-size: $size copy" "$T/mixed" -c "$T/size.yaml"
done

cat > "$T/null.yaml" <<EOF
null: true
chunk-size: 100
inputs: ["$T/nul"]
stages:
  - grep: {pattern: "^foo|bar\$"}
EOF
grep -z -a -P '^foo|bar$' < "$T/nul" > "$T/exp"
yrun "null: true with grep" "$T/exp" -c "$T/null.yaml"
cat > "$T/null-count.yaml" <<EOF
null: true
inputs: ["$T/nul"]
stages:
  - count: {words: true, bytes: true}
EOF
ref_count_z '-w -c' "$T/nul" > "$T/exp"
yrun "null: true with count" "$T/exp" -c "$T/null-count.yaml"
cat > "$T/null-false.yaml" <<EOF
null: false
inputs: ["$T/nul"]
stages:
  - count: {}
EOF
wc -l < "$T/nul" | awk '{ print $1 + 1 }' > "$T/exp"
yrun "null: false counts newlines" "$T/exp" -c "$T/null-false.yaml"

cat > "$T/unordered.yaml" <<EOF
unordered: true
jobs: 4
chunk-size: 2K
inputs: [$T/mixed]
stages:
  - grep: {pattern: "foo|ERROR"}
EOF
grep -a -P 'foo|ERROR' < "$T/mixed" | sort > "$T/exp"
fp -c "$T/unordered.yaml" < /dev/null 2> "$T/err" | sort > "$T/out"
check_same "unordered: true (sorted)" "$T/exp" "$T/out"

mkdir "$T/odir"
cat > "$T/output.yaml" <<EOF
output: $T/odir/result.txt
inputs: [$T/small]
stages:
  - grep: {pattern: ERROR, fixed: true}
EOF
grep -a -F ERROR < "$T/small" > "$T/exp"
fp -c "$T/output.yaml" > "$T/out" 2> "$T/err" < /dev/null
check_rc "output: (exit)" 0 $? "$T/err"
check_empty "output: stdout is empty" "$T/out"
check_same "output: file content" "$T/exp" "$T/odir/result.txt"
check_dir_listing "output: no temp file left" "$T/odir" result.txt
# -o overrides output:
rm -f "$T/odir/result.txt"
fp -c "$T/output.yaml" -o "$T/odir/other.txt" > "$T/out" 2> "$T/err" < /dev/null
check_rc "-o overrides output: (exit)" 0 $? "$T/err"
check_same "-o overrides output: content" "$T/exp" "$T/odir/other.txt"
check_dir_listing "-o overrides output: only the -o file" "$T/odir" other.txt

# Command-line options override the YAML ones.
cat > "$T/base.yaml" <<EOF
inputs:
  - $T/small
jobs: 1
chunk-size: 64
stages:
  - grep: {pattern: foo, fixed: true}
EOF
grep -a -F foo < "$T/small" > "$T/exp.small"
grep -a -F foo < "$T/three" > "$T/exp.three"
yrun "base config" "$T/exp.small" -c "$T/base.yaml"
yrun "-j overrides jobs" "$T/exp.small" -c "$T/base.yaml" -j 4
yrun "-b overrides chunk-size" "$T/exp.small" -c "$T/base.yaml" -b 1M
yrun "options before -c still override" "$T/exp.small" -j 7 -b 1 -c "$T/base.yaml"
yrun "files replace inputs" "$T/exp.three" -c "$T/base.yaml" "$T/three"
{ cat "$T/three"; cat "$T/small"; } | grep -a -F foo > "$T/exp.both"
yrun "files replace inputs (several)" "$T/exp.both" -c "$T/base.yaml" "$T/three" "$T/small"
fp -c "$T/base.yaml" - < "$T/three" > "$T/out" 2> "$T/err"
check_rc "'-' replaces inputs (exit)" 0 $? "$T/err"
check_same "'-' replaces inputs" "$T/exp.three" "$T/out"
ref_count '' "$T/small" > "$T/exp"
yrun "-e replaces stages" "$T/exp" -c "$T/base.yaml" -e count
grep -a -F foo < "$T/small" | grep -a -P -v bar > "$T/exp"
yrun "several -e replace stages" "$T/exp" -c "$T/base.yaml" -e 'grep -F foo' -e 'grep -v bar'
wc -l < "$T/three" > "$T/exp"
yrun "files and -e together" "$T/exp" -c "$T/base.yaml" -e count "$T/three"
terminate -z "$T/nul" | grep -z -a -F foo > "$T/exp"
yrun "-z overrides null: absent" "$T/exp" -c "$T/base.yaml" -z "$T/nul"
grep -a -F foo < "$T/small" | sort > "$T/exp"
fp -c "$T/base.yaml" --unordered -j 4 -b 100 < /dev/null 2> "$T/err" | sort > "$T/out"
check_same "--unordered on top of a config (sorted)" "$T/exp" "$T/out"

# --config= long form, and a config whose inputs are relative to the
# working directory is not tested (resolution is unspecified).
yrun "--config= long form" "$T/exp.small" --config="$T/base.yaml"

# -c -: the pipeline read from stdin; the inputs are named.
printf 'stages:\n  - grep: {pattern: ERROR, fixed: true}\n  - count: {}\n' > "$T/stdin.yaml"
grep -a -F -c ERROR < "$T/mixed" > "$T/exp.stdin"
fp -c - "$T/mixed" < "$T/stdin.yaml" > "$T/out" 2> "$T/err"
check_rc "-c - (exit)" 0 $? "$T/err"
check_same "-c -: the YAML from stdin" "$T/exp.stdin" "$T/out"
printf 'inputs: [%s]\nstages:\n  - grep: {pattern: ERROR, fixed: true}\n  - count: {}\n' \
	"$T/mixed" | fp -c - > "$T/out" 2> "$T/err"
check_rc "-c - with inputs: (exit)" 0 $? "$T/err"
check_same "-c - with the inputs in the YAML" "$T/exp.stdin" "$T/out"

# The keys of --gzip, --zstd, --keep-going and --lock.
printf 'gzip: 9\n' > "$T/gzip.yaml"
fp -c "$T/gzip.yaml" "$T/mixed" > "$T/out.gz" 2> "$T/err"
check_rc "gzip: 9 (exit)" 0 $? "$T/err"
gzip -dc < "$T/out.gz" > "$T/out" 2> "$T/err"
check_same "gzip: 9 gives gzip data of the input" "$T/mixed" "$T/out"
printf 'zstd: 19\n' > "$T/zstd.yaml"
fp -c "$T/zstd.yaml" "$T/mixed" > "$T/out.zst" 2> "$T/err"
check_rc "zstd: 19 (exit)" 0 $? "$T/err"
zstd -q -dc < "$T/out.zst" > "$T/out" 2> "$T/err"
check_same "zstd: 19 gives zstd data of the input" "$T/mixed" "$T/out"
printf 'one\ntwo\nthree\nfour\n' > "$T/four"
printf 'one\ntwo\nfour\n' > "$T/exp.kg"
printf 'keep-going: true\nstages:\n  - exec: {command: "grep -v three"}\n' > "$T/kg.yaml"
fp -j 1 -b 1 -c "$T/kg.yaml" "$T/four" > "$T/out" 2> "$T/err"
check_rc "keep-going: true, one chunk's command fails (exit)" 70 $? "$T/err"
check_same "keep-going: true: the other chunks' output" "$T/exp.kg" "$T/out"
grep -q 'output skipped: --keep-going' "$T/err" && pass || fail "keep-going: true: no skip message"
printf 'lock: %s\nlock-wait: 10ms\n' "$T/run.lock" > "$T/lock.yaml"
exec 9> "$T/run.lock"
flock -x 9
expect_exit 75 'run\.lock' fp -c "$T/lock.yaml" "$T/three"
exec 9>&-
fp -c "$T/lock.yaml" "$T/three" > "$T/out" 2> "$T/err"
check_rc "lock: free (exit)" 0 $? "$T/err"
check_same "lock: free: the input copied" "$T/three" "$T/out"

# Hostile documents: 100,000 nested flow sequences (which libyaml alone
# takes minutes to load: its scanner's time per token grows with the
# depth), and aliases that would expand to a billion values if they were
# followed, are a config error (78) at once.
awk 'BEGIN { s = "stages: "; for (i = 0; i < 100000; i++) s = s "["; printf "%s", s;
	for (i = 0; i < 100000; i++) printf "]"; print "" }' > "$T/deep.yaml"
FP_TIMEOUT=10 expect_exit 78 'deep\.yaml:1:72: nested more than 64 levels deep$' \
	fp -c "$T/deep.yaml" "$T/small"
{ printf 'stages:\n'; for i in $(seq 1 70); do printf -- '- '; done; printf 'count: {}\n'; } > "$T/deep.yaml"
FP_TIMEOUT=10 expect_exit 78 'deep\.yaml:2:127: nested more than 64 levels deep$' \
	fp -c "$T/deep.yaml" "$T/small"
{
	printf 'stages:\n  - grep: {pattern: &a0 x}\n'
	for i in 1 2 3 4 5 6 7 8 9; do
		printf '  - count: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n' \
			"$i" $((i - 1)) $((i - 1)) $((i - 1)) $((i - 1)) $((i - 1)) $((i - 1)) $((i - 1)) \
			$((i - 1)) $((i - 1)) $((i - 1))
	done
} > "$T/laugh.yaml"
expect_exit 78 "laugh\\.yaml:3:12: the options of stage 'count' must be a mapping" \
	fp -c "$T/laugh.yaml" "$T/small"
# A mapping of 200,000 keys is checked for duplicates in a moment.
awk 'BEGIN { printf "stages:\n  - grep: {pattern: x"; for (i = 0; i < 200000; i++)
	printf ", k%d: 1", i; print ", k7: 2}" }' > "$T/wide.yaml"
FP_TIMEOUT=20 expect_exit 78 "wide\\.yaml:2:[0-9]+: duplicate key 'k7' \\(first given at line 2, column [0-9]+\\)$" \
	fp -c "$T/wide.yaml" "$T/small"

finish
