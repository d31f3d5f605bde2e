#!/bin/bash
# completion.sh - the shell completions the build writes from the option
# and stage tables (forkpipe --help-completion=SHELL): bash's completion
# function driven as bash calls it (COMP_WORDS, COMP_CWORD, then
# COMPREPLY) in a bash --norc: options, their fixed values, files after
# the options that take them, stage names and each stage's options
# inside -e '...'; every option and stage of --help is offered.  The zsh
# and fish scripts are checked for the same tables.
. "${TEST_SRCDIR:?}/lib.sh"

B=$T/forkpipe.bash
fp --help-completion=bash > "$B" || die "--help-completion=bash failed"
bash --norc -n "$B" && pass || fail "the bash completion does not parse"
# The build's copy is the same script.
built=${FORKPIPE%/src/forkpipe}/completions/bash/forkpipe
[ -f "$built" ] && cmp -s "$built" "$B" && pass || fail "completions/bash/forkpipe is not the binary's script"

mkdir "$T/dir" && : > "$T/dir/file1" && : > "$T/dir/file2" && : > "$T/dir/other"

# comp WORD...: complete the last word, print COMPREPLY sorted, one a line.
comp() {
	(cd "$T/dir" && bash --norc -c '
		. "$1"; shift
		COMP_WORDS=(forkpipe "$@"); COMP_CWORD=$#
		COMP_LINE="forkpipe $*"; COMP_POINT=${#COMP_LINE}
		_forkpipe
		printf "%s\n" "${COMPREPLY[@]}" | sed "/^$/d" | sort' bash "$B" "$@")
}
# expect NAME WANT WORD...: the candidates, exactly (WANT: separated by |).
expect() {
	local name=$1 want=$2
	shift 2
	local got
	got=$(comp "$@")
	[ "$got" = "$(printf '%s' "$want" | tr '|' '\n' | sort)" ] && pass ||
		fail "completion of $name: got [$(echo $got)], want [$want]"
}

expect "--prog" "--progress" --prog
expect "--progress=" "--progress=always|--progress=auto" --progress=
expect "--progress=al" "--progress=always" --progress=al
expect "--gzip=" "--gzip=1|--gzip=2|--gzip=3|--gzip=4|--gzip=5|--gzip=6|--gzip=7|--gzip=8|--gzip=9" --gzip=
expect "--zstd=1" "--zstd=1|--zstd=10|--zstd=11|--zstd=12|--zstd=13|--zstd=14|--zstd=15|--zstd=16|--zstd=17|--zstd=18|--zstd=19" --zstd=1
expect "--explain=" "--explain=json|--explain=text" --explain=
expect "--help-completion=" "--help-completion=bash|--help-completion=fish|--help-completion=zsh" --help-completion=
expect "--help-completion b" "bash" --help-completion b
expect "-j (a number)" "" -j ""
expect "--cs" "--csv|--csv-delimiter|--csv-lax" --cs
expect "-o (files)" "file1|file2" -o fi
expect "--output=" "--output=file1|--output=file2" --output=fi
expect "a file operand" "file1|file2|other" -e count ""
# stages inside -e '...'
expect "-e gr" "grep|group" -e gr
expect "-e 'gr" "'grep|'group" -e "'gr"
expect "-e 'cut --f" "'cut --fields" -e "'cut --f"
expect "--stage 'sort -" "$(printf "'sort %s\n" -k --key -n --numeric -g --general-numeric -h --human-numeric -M --month -V --version -f --ignore-case -d --dictionary-order -i --ignore-nonprinting -R --random --random-source -r --reverse -u --unique -s --stable -b --ignore-blanks -t --separator -c --check -C --check-quiet -m --merge | tr '\n' '|')" \
	--stage "'sort -"
expect "-e 'grep -i -" "$(printf "'grep -i %s\n" -F --fixed -i --ignore-case -v --invert -w --word -x --line -e --regexp -f --file -o --only-matching -m --max-count -n --line-number -c --count | tr '\n' '|')" \
	-e "'grep -i -"
expect "-e 'group -k 1 co" "" -e "'group -k 1 co"

# Every option --help lists, and every stage, is offered.
fp --help > "$T/help"
sed -n '/^Usage/,/^With no FILE/p' "$T/help" | grep -oE -- '^(  -[a-zA-Z], |      )--[a-z-]+' |
	sed 's/.*--/--/' | sort > "$T/want"
comp -- | grep -- '^--' > "$T/got"
check_same "every --help option is offered" "$T/want" "$T/got"
sed -n '/^Stages/,/^Exit status/p' "$T/help" | awk '/^  [a-z]+( |$)/ { print $1 }' | sort > "$T/want"
comp -e "" > "$T/got"
check_same "every stage is offered" "$T/want" "$T/got"
# and each stage's options, as its --help section lists them
for st in $(cat "$T/want"); do
	sed -n '/^Stages/,/^Exit status/p' "$T/help" | awk -v st="$st" '
		/^  [a-z]+( |$)/ { on = $1 == st; next }
		on && /^ +-/ { for (i = 1; i <= NF; i++) if ($i ~ /^--?[a-zA-Z]/) { sub(/[,=].*/, "", $i); print $i } else break }' |
		sort -u > "$T/so"
	comp -e "$st -" | sed "s/^$st //" | sort -u > "$T/got"
	check_same "the options of $st" "$T/so" "$T/got"
done

# zsh and fish: the same tables
fp --help-completion=zsh > "$T/z" && head -n 1 "$T/z" | grep -qx '#compdef forkpipe' && pass ||
	fail "the zsh completion does not start with #compdef"
grep -q "^	--progress) echo 'always auto' ;;" "$T/z" && grep -q "^	grep) echo '-F --fixed" "$T/z" && pass ||
	fail "the zsh completion lacks the value sets or stage options"
fp --help-completion=fish > "$T/f"
grep -qx "complete -c forkpipe -l progress -f -a 'always auto' -d 'a progress bar on stderr when it is a terminal'" "$T/f" &&
	grep -q "^complete -c forkpipe -l stage -s e -x -a '(__forkpipe_stage_spec)'" "$T/f" &&
	grep -q "^complete -c forkpipe -l output -s o -r -F" "$T/f" && pass ||
	fail "the fish completion lacks an option line: $(grep -e progress -e 'l stage' "$T/f")"
n_fish=$(grep -c '^complete -c forkpipe -l ' "$T/f")
n_help=$(sed -n '/^Usage/,/^With no FILE/p' "$T/help" | grep -cE -- '^(  -[a-zA-Z], |      )--[a-z-]+')
[ "$n_fish" = "$n_help" ] && pass || fail "fish: $n_fish options, --help lists $n_help"
for sh in zsh fish; do
	command -v "$sh" > /dev/null || continue
	"$sh" -n "$T/${sh:0:1}" && pass || fail "the $sh completion does not parse"
done
expect_exit 64 "^forkpipe: --help-completion: unknown format 'tcsh' \\(see --help\\)$" fp --help-completion=tcsh

finish
