# completion-lib.sh - shared by the completion tests (sourced after
# lib.sh): what --help lists, to compare each shell's candidates with;
# a directory of files to complete in; and lines to complete, with the
# candidates and, where the shell says, the line after the TAB.

fp --help > "$T/help" || die "--help failed"
# Every long option --help lists, sorted.
help_options() {
	sed -n '/^Usage/,/^With no FILE/p' "$T/help" | grep -oE -- '^(  -[a-zA-Z], |      )--[a-z-]+' |
		sed 's/.*--/--/' | sort
}
# Every stage, sorted.
help_stages() {
	sed -n '/^Stages/,/^Exit status/p' "$T/help" | awk '/^  [a-z]+( |$)/ { print $1 }' | sort
}
# The options of stage $1 as its --help section lists them, sorted.
help_stage_options() {
	sed -n '/^Stages/,/^Exit status/p' "$T/help" | awk -v st="$1" '
		/^  [a-z]+( |$)/ { on = $1 == st; next }
		on && /^ +-/ { for (i = 1; i <= NF; i++) if ($i ~ /^--?[a-zA-Z]/) { sub(/[,=].*/, "", $i); print $i } else break }' |
		sort -u
}

mkdir "$T/dir" && : > "$T/dir/file1" && : > "$T/dir/file2" && : > "$T/dir/other" &&
	printf '"user id",status,"by""tes",host\n1,2,3,4\n' > "$T/dir/x.csv" &&
	printf 'when\tcode\n1\t2\n' > "$T/dir/y.tsv" || die "set-up failed"

# case_add LINE WANT [AFTER]: complete the end of LINE; the candidates
# are WANT exactly (separated by |; a candidate's description after a
# tab is left out), and the line after the TAB is AFTER (if given).
CASES=()
case_add() {
	CASES+=("$1" "$2" "${3-}")
}
# The lines, one an argument: case_lines; then case_check NAME OUT with
# the driver's output OUT: for each line its candidates, one a line,
# then "line: " and the line after the TAB.
case_lines() {
	local i
	for ((i = 0; i < ${#CASES[@]}; i += 3)); do
		printf '%s\0' "${CASES[i]}"
	done
}
case_check() {
	local name=$1 out=$2 i=0 l got= want
	while IFS= read -r l; do
		if [[ $l != "line: "* ]]; then
			got+=${l%%$'\t'*}$'\n'
			continue
		fi
		((i < ${#CASES[@]})) || { fail "$name: more output than lines: $l"; return; }
		got=$(printf '%s' "$got" | sed '/^$/d' | sort -u | paste -sd '|')
		want=$(printf '%s' "${CASES[i + 1]}" | tr '|' '\n' | sed '/^$/d' | sort -u | paste -sd '|')
		[ "$got" = "$want" ] && pass ||
			fail "$name: completion of [${CASES[i]}]: got [$got], want [$want]"
		if [ -n "${CASES[i + 2]}" ]; then
			[ "${l#line: }" = "${CASES[i + 2]}" ] && pass ||
				fail "$name: [${CASES[i]}] became [${l#line: }], want [${CASES[i + 2]}]"
		fi
		got= i=$((i + 3))
	done < "$out"
	((i == ${#CASES[@]})) && pass || fail "$name: $((i / 3)) lines completed of $((${#CASES[@]} / 3))"
}

# need_shell SHELL: a completion test never skips (CI or not): a missing
# shell is a failure that names its package (./bootstrap installs it).
need_shell() {
	command -v "$1" > /dev/null ||
		die "$1 not found: install it (Debian: apt-get install $1, or run ./bootstrap as root)"
}

# The common cases for zsh and fish: options, values, files, stages and
# their options inside -e '...' (quoted or not), the header's field names.
common_cases() {
	local st
	case_add "forkpipe --progress=" "--progress=always|--progress=auto"
	case_add "forkpipe --gzip=" "$(printf -- '--gzip=%s|' 1 2 3 4 5 6 7 8 9)"
	case_add "forkpipe --to " "jsonl|tsv|csv"
	case_add "forkpipe --cs" "--csv|--csv-delimiter|--csv-lax"
	case_add "forkpipe -o fi" "file1|file2"
	case_add "forkpipe -e gr" "grep|group"
	case_add "forkpipe -e " "$(help_stages | paste -sd '|')"
	for st in $(help_stages); do
		case_add "forkpipe -e '$st -" "$(help_stage_options "$st" | sed "s/^/$st /" | paste -sd '|')"
	done
	case_add "forkpipe x.csv -e 'group -k " "group -k status|group -k host"
	case_add "forkpipe x.csv -e \"cut -f host,st" "cut -f host,status"
	case_add "forkpipe x.csv -e 'cut --fields=h" "cut --fields=host"
	case_add "forkpipe x.csv -e 'rmdup h" "rmdup host"
	case_add "forkpipe x.csv -e 'group s" ""
	case_add "forkpipe -H --tsv y.tsv -e 'uniq -k w" "uniq -k when"
	case_add "forkpipe y.tsv -e 'uniq -k w" ""
}
