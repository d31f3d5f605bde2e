#!/usr/bin/env bash
# bench/json.sh - time forkpipe --json against jq on the access log as
# JSON Lines (genlog --json: nested objects, escapes, unicode, numbers in
# every form).
#
# Run by `make bench` or `make bench-json`, or by hand from the build
# directory:
#   FORKPIPE=src/forkpipe GENLOG=bench/genlog bash bench/json.sh
#
# Environment (and FORKPIPE, BENCH_SIZE, BENCH_RUNS, BENCH_DIR: bench/lib.sh):
#   GENLOG           log generator (default ./bench/genlog)
#   BENCH_JSON_SIZE  size of the JSON Lines file (default BENCH_SIZE)
#
# The cases: (a) count records (every record validated), (b) group by
# .status: count, against jq -r .status into sort | uniq -c, (c) group by
# .status: count and the sum of .bytes, against jq's reduce, (d) filter
# '.status >= 500' and count the matches, against jq's select into wc -l,
# (e) cut -f .status,.bytes into a file, against jq -c's object of the
# same paths (numbers only, so both write the same bytes).  Every result
# is checked against the reference's; jq runs on one core by design.
# Case (c) also runs DuckDB's read_json (through bench/duckdb.js, when
# node finds @duckdb/node-api or npm can install it, as for bench/agg.sh).

# `make bench` runs this with sh; the script needs bash.
if [ -z "${BASH_VERSION:-}" ]; then
	if command -v bash > /dev/null 2>&1; then
		exec bash "$0" "$@"
	fi
	echo "bench/json.sh: bash is required" >&2
	exit 1
fi

set -u
set -o pipefail
export LC_ALL=C

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 1

GENLOG=${GENLOG:-./bench/genlog}

bench_setup
BENCH_JSON_SIZE=${BENCH_JSON_SIZE:-$BENCH_SIZE}
LABEL_W=60
[ -x "$FORKPIPE" ] || die "no forkpipe at $FORKPIPE (build it first, or set FORKPIPE)"
clean_outputs json_a json_b json_c json_d json_e
JSONL=$BENCH_DIR/access.jsonl
need_generator GENLOG genlog
cache_input "$JSONL" "$BENCH_JSON_SIZE" "$GENLOG" --json

install_missing jq:jq
HAVE_JQ=0
have jq && HAVE_JQ=1
duckdb_setup
missing=()
[ "$HAVE_JQ" = 1 ] || missing+=("jq")
[ "$HAVE_DUCK" = 1 ] || missing+=("DuckDB (node and npm's @duckdb/node-api)")

print_machine "forkpipe JSON Lines benchmark"
print_input "$JSONL" "genlog --json"
[ "$HAVE_JQ" = 1 ] && print_tool jq jq --version
[ "$HAVE_DUCK" = 1 ] && print_tool duckdb node "$DUCKDB_JS" version
print_missing "${missing[@]}"
echo

# ---- the commands ------------------------------------------------------------

GROUP='group -k .status count'
GSUM='group --narm --na null -k .status count sum:.bytes'
FILTER='filter ".status >= 500"'
CUT='cut -f .status,.bytes'

json_a_fpN() { "$FORKPIPE" -j"$N" --json -e count "$JSONL"; }
json_a_fp1() { "$FORKPIPE" -j1 --json -e count "$JSONL"; }
json_a_jq() { jq -c empty "$JSONL" && wc -l < "$JSONL"; }

json_b_fpN() { "$FORKPIPE" -j"$N" --json -e "$GROUP" "$JSONL"; }
json_b_fp1() { "$FORKPIPE" -j1 --json -e "$GROUP" "$JSONL"; }
json_b_jq() { jq -r .status "$JSONL" | sort | uniq -c | awk '{ print $2 "\t" $1 }'; }

json_c_fpN() { "$FORKPIPE" -j"$N" --json -e "$GSUM" "$JSONL"; }
json_c_fp1() { "$FORKPIPE" -j1 --json -e "$GSUM" "$JSONL"; }
json_c_jq() {
	jq -n -r 'reduce inputs as $r ({}; .[$r.status | tostring] |=
		[(.[0] // 0) + 1, (.[1] // 0) + ($r.bytes // 0)])
		| to_entries[] | "\(.key)\t\(.value[0])\t\(.value[1])"' "$JSONL" | sort
}

json_c_duck() { node "$DUCKDB_JS" jsonstatus "$JSONL" "$N"; }

json_d_fpN() { "$FORKPIPE" -j"$N" --json -e "$FILTER" -e count "$JSONL"; }
json_d_fp1() { "$FORKPIPE" -j1 --json -e "$FILTER" -e count "$JSONL"; }
json_d_jq() { jq -c 'select(.status >= 500)' "$JSONL" | wc -l; }

json_e_fpN() { "$FORKPIPE" -j"$N" --json -e "$CUT" "$JSONL"; }
json_e_fp1() { "$FORKPIPE" -j1 --json -e "$CUT" "$JSONL"; }
json_e_jq() { jq -c '{status: .status, bytes: .bytes}' "$JSONL"; }

# ---- the cases ---------------------------------------------------------------

print_legend
echo

add_fp json_a "--json -e count"
[ "$HAVE_JQ" = 1 ] && add_tool peer "jq -c empty (validates), wc -l" json_a_jq
run_case "(a) JSON Lines: validate and count records" count "$JSONL" -j"$N" --json -e count "$JSONL"

add_fp json_b "--json -e '$GROUP'"
[ "$HAVE_JQ" = 1 ] && add_tool peer "jq -r .status | sort | uniq -c" json_b_jq
run_case "(b) JSON Lines: $GROUP" lines "$JSONL" -j"$N" --json -e "$GROUP" "$JSONL"

add_fp json_c "--json -e '$GSUM'"
[ "$HAVE_JQ" = 1 ] && add_tool peer "jq -n 'reduce inputs ...' | sort" json_c_jq
[ "$HAVE_DUCK" = 1 ] && add_tool peer "duckdb threads=$N: read_json GROUP BY status" json_c_duck
run_case "(c) JSON Lines: count and sum:.bytes by .status" lines "$JSONL" -j"$N" --json -e "$GSUM" "$JSONL"

add_fp json_d "--json -e '$FILTER' -e count"
[ "$HAVE_JQ" = 1 ] && add_tool peer "jq -c 'select(.status >= 500)' | wc -l" json_d_jq
run_case "(d) JSON Lines: $FILTER, count the matches" count "$JSONL" -j"$N" --json -e "$FILTER" -e count "$JSONL"

add_fp json_e "--json -e '$CUT' > FILE"
[ "$HAVE_JQ" = 1 ] && add_tool peer "jq -c '{status: .status, bytes: .bytes}' > FILE" json_e_jq
run_case "(e) JSON Lines: $CUT to a file" lines "$JSONL" -j"$N" --json -e "$CUT" "$JSONL"
