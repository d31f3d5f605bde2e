#!/bin/bash
# completion.sh - the shell completions the build writes from the option
# and stage tables (forkpipe --help-completion=SHELL): bash's completion
# function driven as bash calls it (COMP_WORDS, COMP_CWORD, then
# COMPREPLY) in a bash --norc: options, their fixed values, files after
# the options that take them, stage names and each stage's options
# inside -e '...'; every option and stage of --help is offered.  zsh and
# fish: completion-zsh.sh and completion-fish.sh; the header's field
# names: completion-fields.sh.
. "${TEST_SRCDIR:?}/lib.sh"
. "$TEST_SRCDIR/completion-lib.sh"

B=$T/forkpipe.bash
fp --help-completion=bash > "$B" || die "--help-completion=bash failed"
bash --norc -n "$B" && pass || fail "the bash completion does not parse"
# The build's copy is the same script.
built=${FORKPIPE%/src/forkpipe}/completions/bash/forkpipe
[ -f "$built" ] && cmp -s "$built" "$B" && pass || fail "completions/bash/forkpipe is not the binary's script"

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
# At a terminal bash splits --name=value at "=" (COMP_WORDBREAKS), so
# the words are "--progress" "=" "al"; the candidates then replace only
# the last of them.
expect "--progress = al" "always" --progress = al
expect "--progress =" "=always|=auto" --progress =
expect "--output = fi" "file1|file2" --output = fi
expect "a file after --to = jsonl" "file1|file2" --to = jsonl fi
expect "-e after --csv-delimiter = ;" "'cut --fields" --csv-delimiter = ";" -e "'cut --fi"
expect "-j (a number)" "" -j ""
expect "--cs" "--csv|--csv-delimiter|--csv-lax" --cs
expect "-o (files)" "file1|file2" -o fi
expect "--output=" "--output=file1|--output=file2" --output=fi
expect "a file operand" "file1|file2|other|x.csv|y.tsv" -e count ""
expect "--to" "jsonl" --to j
# stages inside -e '...'
expect "-e gr" "grep|group" -e gr
expect "-e 'gr" "'grep|'group" -e "'gr"
expect "-e 'cut --f" "'cut --fields" -e "'cut --f"
expect "--stage 'sort -" "$(printf "'sort %s\n" -k --key -n --numeric -g --general-numeric -h --human-numeric -M --month -V --version -f --ignore-case -d --dictionary-order -i --ignore-nonprinting -R --random --random-source -r --reverse -u --unique -s --stable -b --ignore-blanks -t --separator -c --check -C --check-quiet -m --merge | tr '\n' '|')" \
	--stage "'sort -"
expect "-e 'grep -i -" "$(printf "'grep -i %s\n" -F --fixed -i --ignore-case -v --invert -w --word -x --line -e --regexp -f --file -o --only-matching -m --max-count -n --line-number -c --count | tr '\n' '|')" \
	-e "'grep -i -"
expect "-e 'group -k 1 co" "" -e "'group -k 1 co"

# Every option --help lists, and every stage, is offered, and each
# stage's options, as its --help section lists them.
help_options > "$T/want"
comp -- | grep -- '^--' > "$T/got"
check_same "every --help option is offered" "$T/want" "$T/got"
help_stages > "$T/want"
comp -e "" > "$T/got"
check_same "every stage is offered" "$T/want" "$T/got"
for st in $(help_stages); do
	help_stage_options "$st" > "$T/so"
	comp -e "$st -" | sed "s/^$st //" | sort -u > "$T/got"
	check_same "the options of $st" "$T/so" "$T/got"
done
expect_exit 64 "^forkpipe: --help-completion: unknown format 'tcsh' \\(see --help\\)$" fp --help-completion=tcsh

finish
