#!/bin/bash
# e2e/grep-random.sh - randomized differential test of the grep stage
# against GNU grep -a -P / -a -F: many small random inputs (a tiny alphabet
# with blanks, CR, NUL and high bytes, so that anchors, word boundaries and
# empty records come up often), patterns chosen to probe how whole-block
# matching could differ from matching record by record, every flag, in
# newline and NUL mode, at chunk sizes that cut between every record.
. "$TEST_SRCDIR/lib.sh"

ROUNDS=${ROUNDS:-40}

# Patterns that stress block matching: anchors, classes that match the
# terminator, lookaround, \z \Z \A \K, inline options, back-references.
PATTERNS=(
	'a' 'ab' '^a' 'a$' '^$' '^' '$' 'b\s' '\sa' 'a\s*$' '^\s*$' '\s$' '^\s'
	'a b' '[^a]' '.' 'a.b' '\bab\b' '(a|b)+$' '\w+' '\S+$' 'a\nb' 'a\Z'
	'a\z' '\Ab' 'a(?=b)' 'a(?!\s)' '(?<=b)a' '^(a|)$' '' '(?m)^b' '(?s)a.b'
	'a{2,}' '[ab]{3}' ' ' '\r$' '(?i)ab' 'a\K b' '(a)\1' 'a|^' 'b$|^a'
)
FIXED=('a' 'ab' 'a b' ' ' 'b a' 'aa' 'B')
FLAGS=('' '-i' '-v' '-w' '-x' '-v -x' '-w -i' '-v -w' '-i -x')
FFLAGS=('' '-i' '-v' '-w' '-x' '-i -w' '-v -x')

# gen SEED FILE TERM: 0..40 random records, sometimes without a final
# terminator.
gen() {
	awk -v seed="$1" -v nul="$3" 'BEGIN {
		srand(seed)
		n = int(rand() * 41)
		for (i = 0; i < n; i++) {
			len = int(rand() * 9)
			s = ""
			for (k = 0; k < len; k++) {
				r = int(rand() * 8)
				s = s (r == 0 ? "a" : r == 1 ? "b" : r == 2 ? "A" : r == 3 ? "B" : r == 4 ? " " : r == 5 ? "\t" : r == 6 ? "\r" : "\377")
			}
			printf "%s", s
			if (i < n - 1 || rand() < 0.8)
				printf (nul ? "%c" : "\n"), 0
		}
	}' > "$2"
}

for round in $(seq 1 "$ROUNDS"); do
	for mode in nl nul; do
		z=
		[ "$mode" = nul ] && z=-z
		gen "$round" "$T/in" "$([ "$mode" = nul ] && echo 1)"
		if [ $((round % 3)) = 0 ]; then
			pat=${FIXED[$(( (round * 7) % ${#FIXED[@]} ))]}
			flags="-F ${FFLAGS[$(( (round * 5) % ${#FFLAGS[@]} ))]}"
			engine=-F
		else
			pat=${PATTERNS[$(( (round * 13 + ${#mode}) % ${#PATTERNS[@]} ))]}
			flags=${FLAGS[$(( (round * 11) % ${#FLAGS[@]} ))]}
			engine=-P
		fi
		refflags=${flags/-F/}
		terminate $z "$T/in" > "$T/term"
		# shellcheck disable=SC2086
		grep -a $z $engine $refflags -e "$pat" < "$T/term" > "$T/exp"
		rc=$?
		[ "$rc" -le 1 ] || continue	# a pattern GNU grep refuses
		# Into a regular file the workers write the output themselves;
		# into a pipe the supervisor does: both are checked.
		for run in "1 1 file" "2 3 pipe" "3 1M file" "2 1 pipe"; do
			set -- $run
			if [ "$3" = pipe ]; then
				fp $z -j "$1" -b "$2" -e "grep $flags -- $(sq "$pat")" "$T/in" 2> "$T/err" | cat > "$T/out"
				rc=${PIPESTATUS[0]}
			else
				fp $z -j "$1" -b "$2" -e "grep $flags -- $(sq "$pat")" "$T/in" > "$T/out" 2> "$T/err"
				rc=$?
			fi
			check_rc "round $round $mode grep $flags '$pat' -j$1 -b$2 $3" 0 "$rc" "$T/err"
			check_same "round $round $mode grep $flags '$pat' -j$1 -b$2" "$T/exp" "$T/out"
		done
	done
done

finish
