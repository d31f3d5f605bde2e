#!/bin/bash
# completion-fields.sh - the field names the completions offer after an
# option that takes them (cut -f, group -k, ...): first what
# forkpipe --help-completion=fields -- WORD... prints for the words of a
# line (the header of its CSV, or of its -H TSV or delimited file; quoted
# CSV names unquoted; a byte-order mark, CR, gzip; only the first record,
# at most 64 KiB read; nothing when there is no header to read), then
# bash's completion function offering them, with the file before or
# after the stage spec.  zsh and fish: completion-zsh.sh, completion-fish.sh.
. "${TEST_SRCDIR:?}/lib.sh"

cd "$T" || die "cd $T"
printf '\xef\xbb\xbf"user id",status,"by""tes",host,"ok",path,"a,b",3,2-4\r\n1,2,3,4,5,6,7,8,9\n' > x.csv
printf 'when\tcode\tn\n1\t2\t3\n' > y.tsv
printf 'x y z\n1 2 3\n' > blanks.txt
printf 'k;v\n1;2\n' > semi.txt
printf '{"a":1}\n' > j.json
gzip -c x.csv > z.csv.gz
{ printf 'big'; head -c 70000 /dev/zero | tr '\0' 'x'; printf ',b\n'; } > big.csv
printf 'p,q\0r\0' > nul.csv

# fields WANT WORD...: what the program prints, the lines joined by |.
fields() {
	local want=$1 got
	shift
	got=$(fp --help-completion=fields -- "$@" 2> "$T/err" | paste -sd '|')
	[ "$got" = "$want" ] && [ ! -s "$T/err" ] && pass ||
		fail "fields of [$*]: got [$got], want [$want] $(head -c 200 "$T/err")"
}
csv='status|host|ok|path'
fields "$csv" x.csv
fields "$csv" -e 'group -k ' x.csv
fields "$csv" x.csv -e 'cut -f '
fields "$csv" --csv -j 2 -o out.csv x.csv
fields "$csv" -o y.tsv z.csv.gz
fields "$csv" missing.csv y.tsv x.csv
fields "" y.tsv
fields "when|code|n" -H y.tsv
fields "when|code|n" --header --tsv y.tsv
fields "when|code|n" -H -d '	' y.tsv
fields "" -H --csv y.tsv
fields "x|y|z" -H blanks.txt
fields "" blanks.txt
fields "k|v" --csv-delimiter=';' semi.txt
fields "k|v" -H -d ';' semi.txt
fields "" --json -H j.json
fields "" big.csv
fields "p|q" -z nul.csv
fields "" - < x.csv
fields "" -- -H
fields ""
fields "" .
mkfifo fifo.csv
fields "" fifo.csv
# -c and stages are not read; a half-typed line is no error.
fields "$csv" -c nothing.yaml -e "'group -k" x.csv --jobs
fields "$csv" x.csv --memory
fp --help-completion=fields > out 2> err && check_empty "fields without --: nothing" out &&
	check_empty "fields without --: no message" err

# ---- bash: the completion function offers them -----------------------------
B=$T/forkpipe.bash
fp --help-completion=bash > "$B" || die "--help-completion=bash failed"
# comp AT WORD...: complete word AT (the words after the command, from
# 1) with the binary as the command; COMPREPLY sorted, one a line.
comp() {
	local at=$1
	shift
	bash --norc -c '
		at=$1 fp=$2; shift 2
		. "$B"
		COMP_WORDS=("$fp" "$@"); COMP_CWORD=$at
		COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}
		_forkpipe
		printf "%s\n" "${COMPREPLY[@]}" | sed "/^$/d" | sort' bash "$at" "$FORKPIPE" "$@"
}
# expect NAME WANT AT WORD...: the candidates, exactly (WANT: by |).
expect() {
	local name=$1 want=$2 got
	shift 2
	got=$(B=$B comp "$@" | paste -sd '|')
	[ "$got" = "$(printf '%s' "$want" | tr '|' '\n' | sort | paste -sd '|')" ] && pass ||
		fail "completion of $name: got [$got], want [$want]"
}
export B
expect "group -k, the file before" "'group -k host|'group -k ok|'group -k path|'group -k status" \
	3 x.csv -e "'group -k "
expect "cut -f, the file after" "'cut -f status" 2 -e "'cut -f st" x.csv
expect "cut --fields=a,b" "'cut --fields=status,host" 2 -e "'cut --fields=status,h" x.csv
expect "a list" "'cut -f ok,path" 2 -e "'cut -f ok,p" x.csv
expect "uniq -k, -H --tsv" "uniq -k when" 4 -H --tsv -e "uniq -k wh" y.tsv
expect "sub -f" "'sub -f status" 2 -e "'sub -f s" x.csv
expect "rmdup's argument" "rmdup host" 2 -e "rmdup h" x.csv
expect "crosstab's argument" "\"crosstab status,host" 2 -e "\"crosstab status,h" x.csv
expect "join -k" "'join -k host" 2 -e "'join -k h" x.csv
expect "top --keys" "'top --keys=ok" 2 --stage "'top --keys=o" x.csv
expect "group's ops are no fields" "" 2 -e "'group s" x.csv
expect "sort -k takes KEYDEFs" "" 2 -e "'sort -k s" x.csv
expect "cut -b takes positions" "" 2 -e "'cut -b s" x.csv
expect "a TSV without -H" "" 2 -e "'cut -f w" y.tsv
expect "no file" "" 2 -e "'cut -f s"
expect "options still" "'cut --fields" 2 -e "'cut --fi" x.csv
# bash splits --csv-delimiter=; at "=": the words are joined again.
expect "--csv-delimiter = ;" "'cut -f k|'cut -f v" 2 -e "'cut -f " --csv-delimiter = ';' semi.txt

finish
