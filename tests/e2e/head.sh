#!/bin/bash
# e2e/head.sh - the head stage against head -n N: alone (the run stops once
# the first N records are out, even on an endless input), after map
# stages' placement rules, after a reducer; records with -z and CSV
# records spanning lines; files, pipes and -o; misuse and bad counts.
. "$TEST_SRCDIR/lib.sh"

gen_mixed "$T/mixed"
gen_nofinal "$T/mixed" "$T/nofinal"
gen_nul "$T/nul"
NLINES=$(wc -l < "$T/mixed")

# head alone, from a file and a pipe, at every job count and chunk size.
for n in 0 1 5 300 $((NLINES - 1)) "$NLINES" $((NLINES + 10)); do
	head -n "$n" "$T/mixed" > "$T/ref"
	for j in $JOBS_LIST; do
		for b in $CHUNK_LIST; do
			expect_out "head $n -j$j -b$b file" "$T/ref" fp -j "$j" -b "$b" -e "head $n" "$T/mixed"
		done
		expect_out "head $n -j$j pipe" "$T/ref" piped "$T/mixed" -j "$j" -b 4K -e "head $n"
	done
done

# The last record without a newline gets one, as everywhere else.
terminate "$T/nofinal" | head -n "$NLINES" > "$T/ref"
expect_out "head past a last record without newline" "$T/ref" fp -j 2 -b 100 -e "head $NLINES" "$T/nofinal"

# NUL-terminated records.
for n in 1 17 1000; do
	head -z -n "$n" "$T/nul" > "$T/ref"
	expect_out "head -z $n" "$T/ref" fp -z -j 3 -b 100 -e "head $n" "$T/nul"
done

# CSV records spanning lines count once.
printf 'id,note\n1,"a\nb"\n2,plain\n3,"x\n\ny"\n4,z\n' > "$T/q.csv"
printf 'id,note\n1,"a\nb"\n2,plain\n' > "$T/ref"
expect_out "CSV head 3" "$T/ref" fp --csv -j 2 -b 1 -e 'head 3' "$T/q.csv"
printf 'id,note\n1,"a\nb"\n2,plain\n3,"x\n\ny"\n' > "$T/ref"
expect_out "CSV -H head 3: the header is not counted" "$T/ref" fp --csv -H -j 2 -b 1 -e 'head 3' "$T/q.csv"

# map stages before head; head after a reducer.
grep -a ERROR "$T/mixed" | head -n 7 > "$T/ref"
expect_out "grep then head" "$T/ref" fp -j 4 -b 1K -e 'grep ERROR' -e 'head 7' "$T/mixed"
printf '%s\n' "$NLINES" > "$T/ref"
expect_out "count then head" "$T/ref" fp -j 2 -e count -e 'head 1' "$T/mixed"
: > "$T/ref"
expect_out "count then head 0" "$T/ref" fp -j 2 -e count -e 'head 0' "$T/mixed"

# -o FILE holds exactly the first N records.
head -n 40 "$T/mixed" > "$T/ref"
fp -j 2 -b 1K -e 'head 40' -o "$T/o.txt" "$T/mixed" > "$T/out" 2> "$T/err"
check_rc "head -o: exit" 0 $? "$T/err"
check_same "head -o: contents" "$T/ref" "$T/o.txt"
check_empty "head -o: nothing on stdout" "$T/out"

# An endless input: the run must stop by itself once N records are out
# (fp's time limit turns a hang into a failure).
yes 'forkpipe head' | head -n 3 > "$T/ref"
yes 'forkpipe head' | fp -j 2 -e 'head 3' > "$T/out" 2> "$T/err"
check_rc "head on an endless pipe stops" 0 $? "$T/err"
check_same "head on an endless pipe: output" "$T/ref" "$T/out"
check_empty "head on an endless pipe: stderr" "$T/err"

yes 'forkpipe head' | fp -j 2 -e 'head 0' > "$T/out" 2> "$T/err"
check_rc "head 0 on an endless pipe stops" 0 $? "$T/err"
check_empty "head 0 on an endless pipe: no output" "$T/out"

# Misuse.
expect_exit 64 "head.*must be the last stage, or come after a reducer" -- \
	fp -e 'head 3' -e 'grep a' "$T/mixed"
expect_exit 64 "head.*must be the last stage, or come after a reducer" -- \
	fp -e 'head 3' -e count "$T/mixed"
expect_exit 64 "head: the count must be a number of records, not 'x'" -- fp -e 'head x' "$T/mixed"
expect_exit 64 "head: the count must be a number of records, not '-1'" -- fp -e 'head -- -1' "$T/mixed"
expect_exit 64 "head: missing count" -- fp -e 'head' "$T/mixed"

finish
