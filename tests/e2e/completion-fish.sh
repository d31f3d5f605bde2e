#!/bin/bash
# completion-fish.sh - the fish completion (forkpipe --help-completion=fish)
# driven in fish: sourced, then each line completed as fish completes it
# at a TAB (complete -C LINE, whose candidates fish has matched against
# the word): options, their values, files, stages and their options
# inside -e '...', the header's field names.
. "${TEST_SRCDIR:?}/lib.sh"
. "$TEST_SRCDIR/completion-lib.sh"
need_shell fish

F=$T/forkpipe.fish
fp --help-completion=fish > "$F" || die "--help-completion=fish failed"
fish --no-config -n "$F" && pass || fail "the fish completion does not parse"
built=${FORKPIPE%/src/forkpipe}/completions/fish/forkpipe.fish
[ -f "$built" ] && cmp -s "$built" "$F" && pass ||
	fail "completions/fish/forkpipe.fish is not the binary's script"
# Every option --help lists has its line.
[ "$(grep -c '^complete -c forkpipe -l ' "$F")" = "$(help_options | wc -l)" ] && pass ||
	fail "fish: $(grep -c '^complete -c forkpipe -l ' "$F") options, --help lists $(help_options | wc -l)"

common_cases
# fish offers an option with an optional value also as --name=.
case_add "forkpipe --prog" "--progress|--progress="
case_add "forkpipe --" "$( (help_options; grep -oE -- '--[a-z-]+\[=' "$T/help" | tr -d '[') | paste -sd '|')"
case_add "forkpipe --explain=" "--explain=json|--explain=text"
case_add "forkpipe -c " "file1|file2|other|x.csv|y.tsv"
case_add "forkpipe x.csv -e \"top --keys=" "top --keys=status|top --keys=host"

mkdir "$T/home"
case_lines | (cd "$T/dir" && HOME=$T/home XDG_CONFIG_HOME=$T/home XDG_DATA_HOME=$T/home \
	PATH=$(dirname "$FORKPIPE"):$PATH xargs -0 timeout -k 5 60 fish --no-config -c '
	source $argv[1]
	for l in $argv[2..-1]
		complete -C $l
		echo "line: $l"
	end' "$F") > "$T/out" 2> "$T/err" || fail "the fish driver failed: $(head -c 300 "$T/err")"
[ -s "$T/err" ] && fail "fish said: $(head -c 300 "$T/err")" || pass
case_check fish "$T/out"

finish
