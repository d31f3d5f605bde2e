#!/bin/bash
# completion-zsh.sh - the zsh completion (forkpipe --help-completion=zsh)
# driven as a user at a terminal drives it: an interactive zsh -f in a
# pseudo-terminal loads it through compinit from $fpath, each line is
# typed and completed with TAB (tests/complete.zsh); the candidates and
# the line after the TAB are checked: options, their values, files,
# stages and their options inside -e '...' (quoted: the quote stays
# single), the header's field names.
. "${TEST_SRCDIR:?}/lib.sh"
. "$TEST_SRCDIR/completion-lib.sh"
need_shell zsh

mkdir "$T/zfunc" && fp --help-completion=zsh > "$T/zfunc/_forkpipe" || die "--help-completion=zsh failed"
zsh -f -n "$T/zfunc/_forkpipe" && pass || fail "the zsh completion does not parse"
built=${FORKPIPE%/src/forkpipe}/completions/zsh/_forkpipe
[ -f "$built" ] && cmp -s "$built" "$T/zfunc/_forkpipe" && pass ||
	fail "completions/zsh/_forkpipe is not the binary's script"

common_cases
case_add "forkpipe --prog" "--progress"
case_add "forkpipe --" "$(help_options | paste -sd '|')"
# What the TAB leaves on the line: one candidate inserted whole, the
# quote that opens a spec kept once; several: their common start.
case_add "forkpipe --strict-e" "--strict-epipe" "forkpipe --strict-epipe"
case_add "forkpipe -e 'cut --fi" "cut --fields" "forkpipe -e 'cut --fields"
case_add "forkpipe -e \"sort --rev" "sort --reverse" "forkpipe -e \"sort --reverse"
case_add "forkpipe x.csv -e 'group -k st" "group -k status" "forkpipe x.csv -e 'group -k status"
case_add "forkpipe --progress=al" "--progress=always" "forkpipe --progress=always"
case_add "forkpipe -o oth" "other" "forkpipe -o other "

case_lines | xargs -0 timeout -k 5 60 zsh -f "$TEST_SRCDIR/complete.zsh" "$T/zfunc" \
	"$(dirname "$FORKPIPE")" "$T/dir" > "$T/out" 2> "$T/err" ||
	fail "the zsh driver failed: $(head -c 300 "$T/err")"
case_check zsh "$T/out"

finish
