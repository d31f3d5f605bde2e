# lib.sh - shared helpers for the end-to-end tests.  Sourced, not run.
#
# Environment (exported by `make check`):
#   FORKPIPE     absolute path of the binary under test
#   top_srcdir   absolute source directory (conf/, data/)
#   TEST_SRCDIR  $top_srcdir/tests
#
# A test never skips: a missing binary or reference tool is a failure.

set -u
export LC_ALL=C
unset GREP_OPTIONS GREP_COLOR GREP_COLORS POSIXLY_CORRECT 2>/dev/null || :

PASS=0
FAIL=0
TEST_NAME=$(basename "$0" .sh)

die() {
	printf '%s: FATAL: %s\n' "$TEST_NAME" "$*" >&2
	printf '%s passed, %s failed\n' "$PASS" "$((FAIL + 1))"
	exit 1
}

[ -n "${FORKPIPE:-}" ] || die "FORKPIPE is not set"
[ -x "$FORKPIPE" ] || die "FORKPIPE ($FORKPIPE) is not an executable file"
[ -n "${top_srcdir:-}" ] || die "top_srcdir is not set"
[ -n "${TEST_SRCDIR:-}" ] || TEST_SRCDIR=$top_srcdir/tests

for _tool in awk grep wc cmp od tr cat head tail sort mkfifo timeout mktemp; do
	command -v "$_tool" >/dev/null 2>&1 || die "reference tool '$_tool' not found"
done
printf 'ab\n' | grep -a -P 'a(?=b)' >/dev/null 2>&1 ||
	die "grep does not support -P (GNU grep built with PCRE2 is required)"
unset _tool

# Private temp dir, removed on exit whatever happens.
T=$(mktemp -d "${TMPDIR:-/tmp}/fp-$TEST_NAME.XXXXXX") || die "mktemp failed"
BG_PIDS=
cleanup() {
	local p
	for p in $BG_PIDS; do
		kill "$p" 2>/dev/null
	done
	chmod -R u+rwx "$T" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# Run the binary under a time limit so that a hang fails instead of
# stalling the suite.
FP_TIMEOUT=${FP_TIMEOUT:-60}
fp() {
	timeout -k 5 "$FP_TIMEOUT" "$FORKPIPE" "$@"
}

pass() {
	PASS=$((PASS + 1))
}

fail() {
	FAIL=$((FAIL + 1))
	printf 'FAIL: %s\n' "$*"
}

# Show a few bytes around the first difference of two files.
show_diff() {
	local exp=$1 act=$2 at line
	printf '  expected %s bytes, got %s bytes\n' \
		"$(wc -c < "$exp")" "$(wc -c < "$act")"
	at=$(cmp "$exp" "$act" 2>&1 | head -n 1)
	printf '  %s\n' "$at"
	line=$(printf '%s\n' "$at" | awk '{ for (i = 1; i < NF; i++) if ($i == "line") { print $(i + 1) + 0; exit } }')
	if [ -n "$line" ] && [ "$line" -gt 0 ]; then
		printf '  expected line %s:\n' "$line"
		awk -v n="$line" 'NR == n { print; exit }' "$exp" | head -c 160 | od -c | head -n 6 | awk '{ print "    " $0 }'
		printf '  actual line %s:\n' "$line"
		awk -v n="$line" 'NR == n { print; exit }' "$act" | head -c 160 | od -c | head -n 6 | awk '{ print "    " $0 }'
	fi
}

# check_same NAME EXPECTED_FILE ACTUAL_FILE
check_same() {
	local name=$1 exp=$2 act=$3
	if [ ! -e "$act" ]; then
		fail "$name: $act does not exist"
	elif cmp -s "$exp" "$act"; then
		pass
	else
		fail "$name: output differs"
		show_diff "$exp" "$act"
	fi
}

# check_text NAME EXPECTED_STRING ACTUAL_FILE: the file holds the string
# plus a newline.
check_text() {
	printf '%s\n' "$2" > "$T/.expected-text"
	check_same "$1" "$T/.expected-text" "$3"
}

# check_rc NAME EXPECTED ACTUAL [STDERR_FILE]
check_rc() {
	if [ "$2" = "$3" ]; then
		pass
	else
		fail "$1: exit code $3, expected $2"
		if [ -n "${4:-}" ] && [ -s "$4" ]; then
			head -n 3 "$4" | head -c 600 | awk '{ print "  stderr: " $0 }'
		fi
	fi
}

# check_empty NAME FILE
check_empty() {
	if [ -e "$2" ] && [ ! -s "$2" ]; then
		pass
	else
		fail "$1: expected $2 to exist and be empty"
		[ -e "$2" ] && head -c 300 "$2" | od -c | head -n 5 | awk '{ print "    " $0 }'
	fi
}

# check_nonempty NAME FILE
check_nonempty() {
	if [ -s "$2" ]; then
		pass
	else
		fail "$1: expected $2 to be non-empty"
	fi
}

# check_partials_merged REF LINE JOBS OPS BUDGET_ARGS... -- INPUT: INPUT cut
# before LINE into two files, the first's partial made at -j JOBS with
# small chunks, the second's at -j 1, both under the budget; `forkpipe
# merge` of the two gives REF; no temporary file is left in $T/tmp.
check_partials_merged() {
	local ref=$1 at=$2 ja=$3 ops=$4 args=()
	shift 4
	while [ "$1" != -- ]; do args+=("$1"); shift; done
	head -n $((at - 1)) "$2" > "$T/a.tsv"
	tail -n +"$at" "$2" > "$T/b.tsv"
	fp "${args[@]}" --tsv --partial -j "$ja" -b 8K -e "group -k 1 $ops" "$T/a.tsv" > "$T/a.part"
	fp "${args[@]}" --tsv --partial -j 1 -e "group -k 1 $ops" "$T/b.tsv" > "$T/b.part"
	expect_out "partials merged" "$ref" fp merge "${args[@]}" --tsv -e "group -k 1 $ops" \
		"$T/a.part" "$T/b.part"
	check_dir_listing "no temporary file left" "$T/tmp"
}

# check_streamed_peak NAME BLOCK OPS BUDGET_ARGS... -- INPUT: a big group
# streamed under a small budget holds much less than the same run in
# memory.  The peak (max RSS of the run's processes, --stats-json) of
# `group -k 1 OPS` with the budget and with --memory 1G, each over that of
# a run counting only with the same options: the streamed extra must be
# under half the in-memory one (relative, so that an instrumented build's
# larger allocations scale both; ASan's quarantine of freed memory, which
# says nothing of what is held, is turned off for these runs).
check_streamed_peak() {
	local name=$1 blk=$2 ops=$3 args=() in base full mbase mfull
	shift 3
	while [ "$1" != -- ]; do args+=("$1"); shift; done
	in=$2
	_peak() {
		ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0 \
			fp --stats-json="$T/peak.json" "$@" --tsv -j 2 -b "$blk" "$in" > /dev/null || return 1
		grep -o '"max_rss_kb": *[0-9]*' "$T/peak.json" | awk -F: '$2 > m { m = $2 } END { print m + 0 }'
	}
	base=$(_peak "${args[@]}" -e 'group -k 1 count')
	full=$(_peak "${args[@]}" -e "group -k 1 $ops")
	mbase=$(_peak --memory 1G -e 'group -k 1 count')
	mfull=$(_peak --memory 1G -e "group -k 1 $ops")
	if [ -z "$base" ] || [ -z "$full" ] || [ -z "$mbase" ] || [ -z "$mfull" ] || [ "$base" -eq 0 ]; then
		fail "$name: no figures"
	elif [ $(((full - base) * 2)) -ge $((mfull - mbase)) ]; then
		fail "$name: streamed $full KiB over $base counting only, in memory $mfull over $mbase: the group is held in memory"
	else
		pass
	fi
}

# check_dir_listing NAME DIR EXPECTED_NAMES...: the directory holds exactly
# these entries (catches leftover temp files).
check_dir_listing() {
	local name=$1 dir=$2 got want
	shift 2
	got=$(ls -A "$dir" | LC_ALL=C sort | tr '\n' ' ')
	want=$(for f in "$@"; do printf '%s\n' "$f"; done | LC_ALL=C sort | tr '\n' ' ')
	if [ "$got" = "$want" ]; then
		pass
	else
		fail "$name: $dir holds [${got% }], expected [${want% }]"
	fi
}

# expect_exit CODE MSG_REGEX -- CMD...
# Runs CMD with stdin from $EE_STDIN (default /dev/null) and stdout into
# $EE_STDOUT (default $T/ee.out), stderr into $T/ee.err.  Asserts the exit
# code, and that stderr is exactly one line that starts with "forkpipe: "
# and matches the extended regex MSG_REGEX.  Counts as one check.
EE_OUT=
EE_ERR=
expect_exit() {
	local code=$1 re=$2 rc problems= nl
	shift 2
	[ "${1:-}" = "--" ] && shift
	EE_OUT=$T/ee.out
	EE_ERR=$T/ee.err
	"$@" < "${EE_STDIN:-/dev/null}" > "${EE_STDOUT:-$EE_OUT}" 2> "$EE_ERR"
	rc=$?
	[ -n "${EE_STDOUT:-}" ] && : > "$EE_OUT"
	[ "$rc" = "$code" ] || problems="$problems; exit code $rc, expected $code"
	nl=$(tr -cd '\n' < "$EE_ERR" | wc -c)
	if [ ! -s "$EE_ERR" ]; then
		problems="$problems; stderr is empty"
	else
		if [ "$nl" -ne 1 ] || [ "$(tail -c 1 "$EE_ERR" | od -An -c | tr -d ' ')" != '\n' ]; then
			problems="$problems; stderr is not exactly one line"
		fi
		head -n 1 "$EE_ERR" | grep -q '^forkpipe: ' ||
			problems="$problems; stderr does not start with 'forkpipe: '"
		head -n 1 "$EE_ERR" | grep -Eq -- "$re" ||
			problems="$problems; stderr does not match /$re/"
	fi
	if [ -z "$problems" ]; then
		pass
	else
		fail "expect_exit $code /$re/ [$*]${problems}"
		head -n 3 "$EE_ERR" | head -c 600 | awk '{ print "  stderr: " $0 }'
	fi
}

# expect_out NAME EXPECTED_FILE CMD...: CMD exits 0 and prints exactly
# the file (one check; EO_OK tells whether it passed).  Only the first
# failures show a diff, so that a broken build fails quickly.
EO_OK=0
expect_out() {
	local name=$1 exp=$2 rc
	shift 2
	"$@" > "$T/out" 2> "$T/err"
	rc=$?
	EO_OK=0
	if [ "$rc" != 0 ]; then
		fail "$name: exit code $rc, expected 0"
		head -n 2 "$T/err" | head -c 300 | awk '{ print "  stderr: " $0 }'
	elif ! cmp -s "$exp" "$T/out"; then
		fail "$name: output differs"
		[ "$FAIL" -le 20 ] && show_diff "$exp" "$T/out"
	else
		pass
		EO_OK=1
	fi
}

# piped FILE ARGS...: forkpipe reading FILE through a pipe.
piped() {
	local f=$1
	shift
	cat "$f" | fp "$@"
}

# run_left MARK WORD: the live processes of a run started with FP_RUN=MARK
# in its environment (which its workers and commands inherit): forkpipe's
# own, found by /proc/PID/exe (not by name), and those whose command line
# holds WORD (its commands).
run_left() {
	local mark=$1 word=$2 exe f d st
	exe=$(readlink -f "$FORKPIPE")
	for f in $(grep -lzx "FP_RUN=$mark" /proc/[0-9]*/environ 2>/dev/null); do
		d=${f%/environ}
		st=$(awk '/^State:/ { print $2 }' "$d/status" 2>/dev/null)
		[ -n "$st" ] && [ "$st" != Z ] || continue
		if [ "$(readlink "$d/exe" 2>/dev/null)" = "$exe" ] ||
			tr '\0' ' ' < "$d/cmdline" 2>/dev/null | grep -qF -- "$word"; then
			echo "${d#/proc/}"
		fi
	done
}

# none_left NAME MARK WORD: no process of the run is left (polled for up
# to 2 s: the machine may be loaded).
none_left() {
	local left= i p
	for i in $(seq 20); do
		left=$(run_left "$2" "$3")
		[ -z "$left" ] && break
		sleep 0.1
	done
	if [ -z "$left" ]; then
		pass
	else
		fail "$1: processes left behind:"
		for p in $left; do
			ps -o pid=,ppid=,pgid=,args= -p "$p" | head -c 200 | awk '{ print "    " $0 }'
		done
	fi
}

# sq WORD: quote WORD for a stage spec (POSIX shell single quotes).
# sq_v VAR WORD: the same into VAR, without a subshell.
sq_v() {
	local s=$2 q="'"
	printf -v "$1" "'%s'" "${s//$q/$q\\$q$q}"
}
sq() {
	local r
	sq_v r "$1"
	printf '%s' "$r"
}

# terminate [-z] FILE...: the files as one stream, each non-empty file's
# last record terminated, i.e. what forkpipe without a stage must print.
terminate() {
	local want='\n' term='\n' f last
	if [ "${1:-}" = "-z" ]; then
		want='\0' term='\0'
		shift
	fi
	for f in "$@"; do
		cat "$f"
		if [ -s "$f" ]; then
			last=$(tail -c 1 "$f" | od -An -c | tr -d ' ')
			[ "$last" = "$want" ] || printf "$term"
		fi
	done
}

# ref_count FLAGS FILE: what `count FLAGS` must print for FILE (already
# terminated), computed with wc.  FLAGS: "", "-w", "-c", "-w -c".
# ref_count_z FLAGS FILE: the same for NUL-terminated records (FILE
# already terminated); the terminator also separates words.
# The numbers of a regular file are cached: test inputs never change.
declare -A WC_CACHE=()
_wc_numbers() {
	local z=$1 f=$2 key="$1 $2" l w c
	if [ -n "${WC_CACHE[$key]:-}" ] && [ -f "$f" ]; then
		printf '%s\n' "${WC_CACHE[$key]}"
		return
	fi
	if [ -z "$z" ]; then
		read -r l w c <<EOF
$(wc -l -w -c < "$f")
EOF
	else
		l=$(tr -cd '\000' < "$f" | wc -c)
		w=$(tr '\000' '\n' < "$f" | wc -w)
		c=$(wc -c < "$f")
	fi
	[ -f "$f" ] && WC_CACHE[$key]="$l $w $c"
	printf '%s %s %s\n' "$l" "$w" "$c"
}
_ref_count() {
	local z=$1 flags=$2 f=$3 l w c
	_wc_numbers "$z" "$f" > "$T/.wc"
	read -r l w c < "$T/.wc"
	case $flags in
	'') printf '%s\n' "$l" ;;
	-w) printf '%s %s\n' "$l" "$w" ;;
	-c) printf '%s %s\n' "$l" "$c" ;;
	'-w -c' | '-c -w') printf '%s %s %s\n' "$l" "$w" "$c" ;;
	*) die "ref_count: bad flags '$flags'" ;;
	esac
}
ref_count() { _ref_count '' "$1" "$2"; }
ref_count_z() { _ref_count z "$1" "$2"; }

# ---------------------------------------------------------------------
# Deterministic input generators.  awk's rand() with a fixed seed gives
# the same file on every run on a given machine; the references are
# always computed from the generated file, so the exact bytes do not
# matter across machines.

# gen_words FILE SEED NLINES: short lines of words, with empty lines,
# single-word lines, tabs, runs of blanks, leading and trailing blanks.
gen_words() {
	awk -v seed="$2" -v n="$3" 'BEGIN {
		srand(seed)
		nw = split("ERROR WARN INFO DEBUG foo bar foobar foo_bar Foo FOO baz healthz GET POST /api/v1/items a b ab abc 127.0.0.1 x-y 42 3.14 foo.bar Error error_code", W, " ")
		for (i = 1; i <= n; i++) {
			r = rand()
			if (r < 0.07) { print ""; continue }
			if (r < 0.13) { print W[int(rand() * nw) + 1]; continue }
			k = int(rand() * 12) + 1
			line = ""
			for (j = 1; j <= k; j++) {
				s = rand()
				sep = s < 0.08 ? "\t" : (s < 0.16 ? "  " : " ")
				line = line (j > 1 ? sep : "") W[int(rand() * nw) + 1]
			}
			if (rand() < 0.05) line = " " line
			if (rand() < 0.05) line = line " "
			if (rand() < 0.03) line = "a b " line
			print line
		}
	}' > "$1"
}

# gen_long_line N MARK: one line of about N bytes of words, MARK in the
# middle and at the end, newline-terminated.
gen_long_line() {
	awk -v n="$1" -v mark="$2" 'BEGIN {
		s = "foo bar baz "
		while (length(s) < n / 2) s = s s
		s = substr(s, 1, int(n / 2))
		printf "%s%s %s%s\n", s, mark, s, mark
	}'
}

# gen_binary: lines with control characters, bytes 0x80-0xff and NULs,
# and one line holding every byte value except the newline.
gen_binary() {
	local i o all=
	printf 'caf\351 na\357ve ERROR \001\002 x\n'
	printf '\200\201\377 foo \376bar\n'
	printf 'nul\000inside foo\000\000 bar\n'
	printf '\033[31mERROR\033[0m colour\n'
	printf 'vt\vff\fcr\rword\n'
	printf '\351\n'
	# printf -v: no subshell per byte (forks cost milliseconds each).
	for ((i = 0; i < 256; i++)); do
		[ "$i" = 10 ] && continue
		printf -v o '\\%03o' "$i"
		all=$all$o
	done
	printf "$all\n"
}

# gen_crlf: DOS line endings.
gen_crlf() {
	printf 'ERROR crlf line\r\nfoo\r\n\r\nbar baz\r\nfoo bar\r\nhealthz ok\r\n'
}

# gen_mixed FILE [SEED]: the main test input (about 360 KB): word lines,
# three 100 KB lines, binary lines and CRLF lines, newline-terminated.
gen_mixed() {
	local f=$1 seed=${2:-42}
	gen_words "$T/.gw1" "$seed" 700
	gen_words "$T/.gw2" "$((seed + 1))" 500
	gen_words "$T/.gw3" "$((seed + 2))" 300
	{
		cat "$T/.gw1"
		gen_long_line 102400 ERROR
		gen_binary
		cat "$T/.gw2"
		gen_crlf
		gen_long_line 100000 healthz
		cat "$T/.gw3"
		gen_binary
		gen_long_line 100000 'a b'
	} > "$f"
	rm -f "$T/.gw1" "$T/.gw2" "$T/.gw3"
}

# gen_small FILE [SEED] [NLINES]: a few hundred word lines plus binary
# and CRLF lines.
gen_small() {
	local f=$1 seed=${2:-7} n=${3:-300}
	gen_words "$T/.gs" "$seed" "$n"
	{
		cat "$T/.gs"
		gen_binary
		gen_crlf
	} > "$f"
	rm -f "$T/.gs"
}

# gen_nofinal SRC DEST: SRC without its final newline.
gen_nofinal() {
	local n
	n=$(wc -c < "$1")
	head -c "$((n - 1))" "$1" > "$2"
}

gen_empty() { : > "$1"; }
gen_newline() { printf '\n' > "$1"; }

# gen_nul FILE [FINAL]: NUL-terminated records, some holding newlines,
# empty records, binary bytes; the last record is NUL-terminated unless
# FINAL is "nofinal".
gen_nul() {
	local f=$1 final=${2:-final}
	{
		awk -v seed=99 'BEGIN {
			srand(seed)
			nw = split("ERROR WARN foo bar foobar Foo a b healthz 42", W, " ")
			for (i = 1; i <= 600; i++) {
				r = rand()
				if (r < 0.06) { printf "\035"; continue }
				k = int(rand() * 8) + 1
				rec = ""
				for (j = 1; j <= k; j++) {
					s = rand()
					sep = s < 0.15 ? "\n" : (s < 0.2 ? "\t" : " ")
					rec = rec (j > 1 ? sep : "") W[int(rand() * nw) + 1]
				}
				if (rand() < 0.05) rec = rec "\n"
				printf "%s\035", rec
			}
		}' | tr '\035' '\000'
		printf 'caf\351 foo\n\200\377\000'
		printf 'foo\r\nbar\000'
		if [ "$final" = nofinal ]; then
			printf 'last foo record'
		else
			printf 'last foo record\000'
		fi
	} > "$f"
}

# same_as_inflated NAME FILE [OPTIONS...]: each pipeline of SAME_PIPES
# (one a line) on FILE.gz gives what it gives on FILE, at -j 1, 2, 4 with
# small and default chunks, with no message (a gzip file read by its
# index: gzindex.sh, gzindex-csv.sh).
same_as_inflated() {
	local name=$1 f=$2 j b e
	shift 2
	while IFS= read -r e; do
		fp -j1 "$@" -e "$e" "$f" < /dev/null > "$T/want" || fail "$name: plain run"
		for j in 1 2 4; do
			for b in 64K 1 ''; do
				fp -j$j ${b:+-b $b} "$@" -e "$e" "$f.gz" < /dev/null > "$T/got" 2> "$T/err"
				check_rc "$name -j$j -b '$b' -e '$e'" 0 $? "$T/err"
				check_same "$name -j$j -b '$b' -e '$e'" "$T/want" "$T/got"
				check_empty "$name -j$j -b '$b': no message" "$T/err"
			done
		done
	done <<< "$SAME_PIPES"
}

# Sizes and job counts most tests iterate over.
JOBS_LIST="1 2 4 7"
CHUNK_LIST="1 7 100 4K 1M"

# finish: print the counts and exit 1 on any failure.
finish() {
	printf '%s passed, %s failed\n' "$PASS" "$FAIL"
	if [ "$FAIL" -ne 0 ] || [ "$PASS" -eq 0 ]; then
		exit 1
	fi
	exit 0
}
