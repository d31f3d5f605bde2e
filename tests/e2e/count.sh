#!/bin/bash
# e2e/count.sh - the count stage against wc (C locale), across job counts,
# chunk sizes and ways of feeding the input.
. "$TEST_SRCDIR/lib.sh"

gen_mixed "$T/mixed"
gen_nofinal "$T/mixed" "$T/mixed.nofinal"
gen_small "$T/small"
gen_nofinal "$T/small" "$T/small.nofinal"
gen_empty "$T/empty"
gen_newline "$T/nl"
printf 'word' > "$T/oneword"
printf '\n\n\n' > "$T/nls"
printf '   \t  \n \n' > "$T/blanks"
gen_nul "$T/nul"
gen_nul "$T/nul.nofinal" nofinal

# count_exp [-z] FLAGS REF_FILE RAW_FILE: wc's figures for REF_FILE (the
# terminated stream: a last record without terminator is a record), but
# the bytes of RAW_FILE (the input: -c counts no supplied terminator).
count_exp() {
	local z= l w c
	if [ "$1" = -z ]; then
		z=_z
		shift
	fi
	ref_count$z "$1" "$2" > "$T/exp.ref"
	c=$(wc -c < "$3")
	case $1 in
	*-c*) awk -v c="$c" '{ $NF = c; print }' "$T/exp.ref" ;;
	*) cat "$T/exp.ref" ;;
	esac
}

# run_count NAME FLAGS REF_FILE FORKPIPE_ARGS...: the reference is
# computed from REF_FILE (the terminated stream), its bytes from $RAW
# (the input itself, REF_FILE if unset).
run_count() {
	local name=$1 flags=$2 ref=$3
	shift 3
	count_exp "$flags" "$ref" "${RAW:-$ref}" > "$T/exp"
	fp "$@" -e "count $flags" > "$T/out" 2> "$T/err"
	check_rc "$name (exit)" 0 $? "$T/err"
	check_same "$name" "$T/exp" "$T/out"
}

# Every variant, every job count and chunk size, on a file.
for j in $JOBS_LIST; do
	for b in $CHUNK_LIST; do
		for flags in '' -w -c '-w -c'; do
			case $flags:$b in -w:7 | -w:100 | -w:1M | -c:7 | -c:100 | -c:1M) continue ;; esac
			run_count "count $flags -j $j -b $b file" "$flags" "$T/mixed" \
				-j "$j" -b "$b" "$T/mixed"
		done
	done
done

# Standard input: redirected file and a pipe.
for j in $JOBS_LIST; do
	for b in $CHUNK_LIST; do
		ref_count '-w -c' "$T/mixed" > "$T/exp"
		fp -j "$j" -b "$b" -e 'count -w -c' < "$T/mixed" > "$T/out" 2> "$T/err"
		check_rc "count stdin redirect -j $j -b $b (exit)" 0 $? "$T/err"
		check_same "count stdin redirect -j $j -b $b" "$T/exp" "$T/out"

		cat "$T/mixed" | fp -j "$j" -b "$b" -e 'count -w -c' > "$T/out" 2> "$T/err"
		check_rc "count pipe -j $j -b $b (exit)" 0 $? "$T/err"
		check_same "count pipe -j $j -b $b" "$T/exp" "$T/out"

		[ "$j" = 2 ] || continue
		cat "$T/mixed" | fp -j "$j" -b "$b" -e 'count -w -c' - > "$T/out" 2> "$T/err"
		check_rc "count pipe '-' -j $j -b $b (exit)" 0 $? "$T/err"
		check_same "count pipe '-' -j $j -b $b" "$T/exp" "$T/out"
	done
done

# Flag order and long forms give the same line.
ref_count '-w -c' "$T/small" > "$T/exp"
for spec in 'count -c -w' 'count -wc' 'count --words --bytes'; do
	fp -j 2 -e "$spec" "$T/small" > "$T/out" 2> "$T/err"
	check_rc "$spec (exit)" 0 $? "$T/err"
	check_same "$spec" "$T/exp" "$T/out"
done

# A missing final newline: the last record counts as one, but -c counts
# the input's bytes (wc -c), not the terminator supplied.
terminate "$T/mixed.nofinal" > "$T/ref.nofinal"
terminate "$T/small.nofinal" > "$T/ref.small.nofinal"
for j in 1 2 7; do
	for b in 1 100 1M; do
		for flags in '' '-w -c'; do
			RAW=$T/mixed.nofinal run_count "count $flags no final newline -j $j -b $b" "$flags" \
				"$T/ref.nofinal" -j "$j" -b "$b" "$T/mixed.nofinal"
		done
		count_exp '-w -c' "$T/ref.small.nofinal" "$T/small.nofinal" > "$T/exp"
		fp -j "$j" -b "$b" -e 'count -w -c' < "$T/small.nofinal" > "$T/out" 2> "$T/err"
		check_rc "count no final newline stdin -j $j -b $b (exit)" 0 $? "$T/err"
		check_same "count no final newline stdin -j $j -b $b" "$T/exp" "$T/out"
	done
done
RAW=$T/oneword run_count "count -c single unterminated word" -c <(printf 'word\n') "$T/oneword"
check_text "count -c single unterminated word is 1 4" "1 4" "$T/out"
printf x | fp -e 'count -c' > "$T/out" 2> "$T/err"
check_text "count -c of x on stdin is 1 1" "1 1" "$T/out"
printf x | gzip -c | fp -j 2 -e 'count -w -c' > "$T/out" 2> "$T/err"
check_text "count -w -c of gzipped x is 1 1 1" "1 1 1" "$T/out"

# Several files are one stream; each file's last record is a record.
terminate "$T/small.nofinal" "$T/mixed" "$T/empty" "$T/small.nofinal" "$T/nl" \
	"$T/oneword" "$T/mixed.nofinal" > "$T/ref.multi"
cat "$T/small.nofinal" "$T/mixed" "$T/empty" "$T/small.nofinal" "$T/nl" \
	"$T/oneword" "$T/mixed.nofinal" > "$T/raw.multi"
for j in 1 2 7; do
	for b in 7 1M; do
		for flags in '' '-w -c'; do
			RAW=$T/raw.multi run_count "count $flags several files -j $j -b $b" "$flags" "$T/ref.multi" \
				-j "$j" -b "$b" "$T/small.nofinal" "$T/mixed" "$T/empty" \
				"$T/small.nofinal" "$T/nl" "$T/oneword" "$T/mixed.nofinal"
		done
	done
done
# Two unterminated one-word files are two records, not one.
RAW=<(printf 'wordword') run_count "count -w -c two unterminated files" '-w -c' \
	<(printf 'word\nword\n') "$T/oneword" "$T/oneword"
check_text "count -w -c two unterminated files is 2 2 8" "2 2 8" "$T/out"

# Empty input prints 0.
for j in 1 4; do
	for flags in '' -w -c '-w -c'; do
		zero=$(ref_count "$flags" "$T/empty")
		fp -j "$j" -e "count $flags" "$T/empty" > "$T/out" 2> "$T/err"
		check_rc "count $flags empty file -j $j (exit)" 0 $? "$T/err"
		check_text "count $flags empty file -j $j" "$zero" "$T/out"
		fp -j "$j" -e "count $flags" < /dev/null > "$T/out" 2> "$T/err"
		check_rc "count $flags empty stdin -j $j (exit)" 0 $? "$T/err"
		check_text "count $flags empty stdin -j $j" "$zero" "$T/out"
	done
done
fp -e count "$T/empty" "$T/empty" > "$T/out" 2> "$T/err"
check_text "count of two empty files" 0 "$T/out"

# Small special inputs.
for f in nl nls blanks; do
	for flags in '' -w -c '-w -c'; do
		run_count "count $flags $f" "$flags" "$T/$f" -j 2 -b 1 "$T/$f"
	done
done
run_count "count single newline" '' "$T/nl" "$T/nl"
check_text "count single newline is 1" 1 "$T/out"

# -z: NUL-terminated records; the terminator also separates words.
terminate -z "$T/nul" > "$T/ref.nul"
terminate -z "$T/nul.nofinal" > "$T/ref.nul.nofinal"
terminate -z "$T/nul" "$T/nul.nofinal" "$T/nul.nofinal" > "$T/ref.nul.multi"
cat "$T/nul" "$T/nul.nofinal" "$T/nul.nofinal" > "$T/raw.nul.multi"
for j in 1 2 7; do
	for b in 1 7 100 4K 1M; do
		for flags in '' '-w -c'; do
			ref_count_z "$flags" "$T/ref.nul" > "$T/exp"
			fp -z -j "$j" -b "$b" -e "count $flags" "$T/nul" > "$T/out" 2> "$T/err"
			check_rc "count -z $flags -j $j -b $b (exit)" 0 $? "$T/err"
			check_same "count -z $flags -j $j -b $b" "$T/exp" "$T/out"
		done
	done
	for b in 1 100 1M; do
		for flags in -w -c; do
			count_exp -z "$flags" "$T/ref.nul.nofinal" "$T/nul.nofinal" > "$T/exp"
			fp --null -j "$j" -b "$b" -e "count $flags" < "$T/nul.nofinal" > "$T/out" 2> "$T/err"
			check_rc "count -z $flags no final NUL stdin -j $j -b $b (exit)" 0 $? "$T/err"
			check_same "count -z $flags no final NUL stdin -j $j -b $b" "$T/exp" "$T/out"
		done
		count_exp -z '-w -c' "$T/ref.nul.multi" "$T/raw.nul.multi" > "$T/exp"
		fp -z -j "$j" -b "$b" -e 'count -w -c' "$T/nul" "$T/nul.nofinal" "$T/nul.nofinal" \
			> "$T/out" 2> "$T/err"
		check_rc "count -z several files -j $j -b $b (exit)" 0 $? "$T/err"
		check_same "count -z several files -j $j -b $b" "$T/exp" "$T/out"
	done
done
# In -z mode a newline-only file is one record; "a\0b" is two words.
printf 'a\0b' > "$T/ab.z"
fp -z -e 'count -w -c' "$T/ab.z" > "$T/out" 2> "$T/err"
check_text "count -z -w -c of a NUL b" "2 2 3" "$T/out"
fp -z -e 'count' "$T/mixed" > "$T/out" 2> "$T/err"
ref_count_z '' <(terminate -z "$T/mixed") > "$T/exp"
check_same "count -z on newline data" "$T/exp" "$T/out"

finish
