#!/bin/bash
# e2e/csv.sh - CSV input (--csv, --csv-delimiter, --csv-lax, --header):
# the hand-written corpus in tests/csv at every job count and at chunk
# sizes that put a boundary search at every offset, from a file and from
# a pipe; a 1 MB quoted field; malformed input (exit 65, one line naming
# the file and the byte offset, no -o file); headers across several
# files; and a randomized differential test against the expected output
# that the generator writes along with the input.
. "$TEST_SRCDIR/lib.sh"

CORPUS=$TEST_SRCDIR/csv
[ -d "$CORPUS" ] || die "no corpus directory $CORPUS"
CSV_JOBS="1 2 3"
CSV_CHUNKS="1 2 3 5 16 64 1K 1M"

# ---- the corpus ----------------------------------------------------------
# tests/csv/NAME.csv with NAME.count and NAME.cut13; NAME.args holds extra
# options, one per line.  The cases without options run together as the
# inputs of one run (each input is cut on its own, and counts add up);
# from pipes, the ones that end with a newline are one stream on stdin,
# the others come through process substitution.  A failed run is
# repeated case by case, the first few times, to name the culprits.  The
# cases with options run one by one.
PLAIN=() ARGCASES=()
for csv in "$CORPUS"/*.csv; do
	name=$(basename "$csv" .csv)
	[ -f "$CORPUS/$name.count" ] || die "corpus: $name.count is missing"
	[ -f "$CORPUS/$name.cut13" ] || die "corpus: $name.cut13 is missing"
	if [ -f "$CORPUS/$name.args" ]; then
		ARGCASES+=("$name")
	else
		PLAIN+=("$name")
	fi
done
[ "$((${#PLAIN[@]} + ${#ARGCASES[@]}))" -ge 20 ] || die "corpus: too few cases in $CORPUS"

# case_args NAME: the options of a case into ARGS.
case_args() {
	ARGS=()
	local a
	if [ -f "$CORPUS/$1.args" ]; then
		while IFS= read -r a; do
			[ -n "$a" ] && ARGS+=("$a")
		done < "$CORPUS/$1.args"
	fi
}

# run_inputs MODE STAGE J B OPTIONS... -- FILE...: forkpipe --csv over the
# files (MODE file) or pipes of them (MODE pipe).
run_inputs() {
	local mode=$1 stage=$2 j=$3 b=$4 opts=() f
	shift 4
	while [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	shift
	if [ "$mode" = file ]; then
		fp --csv "${opts[@]}" -j "$j" -b "$b" -e "$stage" "$@"
		return
	fi
	f=$1
	shift
	local subst=() g quoted
	for g in "$@"; do
		sq_v quoted "$g"
		subst+=("<(cat $quoted)")
	done
	eval 'cat "$f" | fp --csv "${opts[@]}" -j "$j" -b "$b" -e "$stage" - '"${subst[*]}"
}

# The plain cases: those ending with a newline first, in one stream too.
files=() tail_files=()
for name in "${PLAIN[@]}"; do
	if [ -s "$CORPUS/$name.csv" ] && [ "$(tail -c 1 "$CORPUS/$name.csv" | od -An -c | tr -d ' ')" != '\n' ]; then
		tail_files+=("$CORPUS/$name.csv")
	else
		files+=("$CORPUS/$name.csv")
	fi
done
cat "${files[@]}" > "$T/plain-stream.csv"
files+=("${tail_files[@]}")
: > "$T/plain.cut13"
total=0
for f in "${files[@]}"; do
	cat "${f%.csv}.cut13" >> "$T/plain.cut13"
	total=$((total + $(cat "${f%.csv}.count")))
done
printf '%s\n' "$total" > "$T/plain.count"

# corpus_check LABEL MODE STAGE J B: the plain cases together; when that
# fails, the first few times, each case alone names the culprits.
DIAG=2
corpus_check() {
	local label=$1 mode=$2 stage=$3 j=$4 b=$5 ext=count f
	[ "$stage" = count ] || ext=cut13
	if [ "$mode" = file ]; then
		expect_out "corpus $label: $stage, $mode -j$j -b$b" "$T/plain.$ext" run_inputs file "$stage" "$j" "$b" -- "${files[@]}"
	else
		expect_out "corpus $label: $stage, $mode -j$j -b$b" "$T/plain.$ext" run_inputs pipe "$stage" "$j" "$b" -- "$T/plain-stream.csv" "${tail_files[@]}"
	fi
	[ "$EO_OK" = 1 ] && return
	[ "$DIAG" -gt 0 ] || return
	DIAG=$((DIAG - 1))
	for f in "${files[@]}"; do
		run_inputs "$mode" "$stage" "$j" "$b" -- "$f" > "$T/out1" 2> "$T/err1"
		if [ $? != 0 ] || ! cmp -s "$T/out1" "${f%.csv}.$ext"; then
			printf '  culprit: %s (%s)\n' "$(basename "$f" .csv)" "$(head -n 1 "$T/err1" | head -c 200)"
		fi
	done
}
for j in $CSV_JOBS; do
	for b in $CSV_CHUNKS; do
		for mode in file pipe; do
			corpus_check "(${#files[@]} inputs)" "$mode" count "$j" "$b"
			corpus_check "(${#files[@]} inputs)" "$mode" 'cut -f 1,3' "$j" "$b"
		done
	done
done
# Stdin redirected from a file is seekable: read as a file.
expect_out "corpus: count, stdin from a file" "$CORPUS/crlf.count" fp --csv -j 2 -b 3 -e count < "$CORPUS/crlf.csv"
expect_out "corpus: cut, stdin from a file" "$CORPUS/quoted-newline.cut13" fp --csv -j 2 -b 1 -e 'cut -f 1,3' < "$CORPUS/quoted-newline.csv"

# The cases with options, one by one.
for name in "${ARGCASES[@]}"; do
	case_args "$name"
	i=0
	for b in 1 3 16 1M; do
		j=$((1 + i % 3))
		i=$((i + 1))
		expect_out "$name: count -j$j -b$b" "$CORPUS/$name.count" run_inputs file count "$j" "$b" "${ARGS[@]}" -- "$CORPUS/$name.csv"
		expect_out "$name: cut -f 1,3 -j$j -b$b" "$CORPUS/$name.cut13" run_inputs file 'cut -f 1,3' "$j" "$b" "${ARGS[@]}" -- "$CORPUS/$name.csv"
		if [ $((i % 2)) = 0 ]; then
			expect_out "$name: count, pipe -j$j -b$b" "$CORPUS/$name.count" run_inputs pipe count "$j" "$b" "${ARGS[@]}" -- "$CORPUS/$name.csv"
		else
			expect_out "$name: cut -f 1,3, pipe -j$j -b$b" "$CORPUS/$name.cut13" run_inputs pipe 'cut -f 1,3' "$j" "$b" "${ARGS[@]}" -- "$CORPUS/$name.csv"
		fi
	done
done

# A 1 MB quoted field holding newlines, CRLFs, commas and doubled quotes,
# in the middle of one record and at the start of the next.
awk 'BEGIN {
	s = "lorem, ipsum\ndolor \"\"sit\"\" amet,\r\n"
	while (length(s) < 1048576) s = s s
	printf "first,\"%s\",third\n", s > "'"$T/big.csv"'"
	printf "\"%s\",x,y\na,b,c\n", s > "'"$T/big.csv"'"
	printf "first,third\n\"%s\",y\na,c\n", s > "'"$T/big.cut13"'"
}'
printf '3\n' > "$T/big.count"
for jb in "1 1" "3 7" "2 1M"; do
	set -- $jb
	expect_out "1 MB quoted field: count -j$1 -b$2" "$T/big.count" run_inputs file count "$1" "$2" -- "$T/big.csv"
	expect_out "1 MB quoted field: cut -f 1,3 -j$1 -b$2" "$T/big.cut13" run_inputs file 'cut -f 1,3' "$1" "$2" -- "$T/big.csv"
	expect_out "1 MB quoted field: cut -f 1,3, pipe -j$1 -b$2" "$T/big.cut13" run_inputs pipe 'cut -f 1,3' "$1" "$2" -- "$T/big.csv"
done
expect_out "1 MB quoted field: count, pipe -j2 -b1" "$T/big.count" run_inputs pipe count 2 1 -- "$T/big.csv"

# A 100 KB quoted header field holding newlines, and a field named by
# the header after it.
awk 'BEGIN {
	s = "head, er\nline\r\n"
	while (length(s) < 102400) s = s s
	printf "\"%s\",id\n1,2\n", s
}' > "$T/bighdr.csv"
printf 'id\n2\n' > "$T/bighdr.cut"
for jb in "1 1" "3 1M"; do
	set -- $jb
	for mode in file pipe; do
		expect_out "100 KB header, cut -f id, $mode -j$1 -b$2" "$T/bighdr.cut" run_inputs "$mode" 'cut -f id' "$1" "$2" -H -- "$T/bighdr.csv"
	done
done

# ---- header names in CSV -------------------------------------------------
printf 'city,id\nParis,1\n"Rome, IT",2\n' > "$T/names.exp"
for j in 1 2; do
	for b in 1 1M; do
		expect_out "cut -f city,id by header names -j$j -b$b" "$T/names.exp" \
			fp --csv -H -j "$j" -b "$b" -e 'cut -f city,id' "$CORPUS/header-quoted.csv"
		expect_out "cut -f city,id by header names, pipe -j$j -b$b" "$T/names.exp" \
			run_inputs pipe 'cut -f city,id' "$j" "$b" -H -- "$CORPUS/header-quoted.csv"
	done
done
# A name may hold a newline (a quoted header field).
printf '"full\nname"\n"Ann ""A"""\nBob\n' > "$T/fullname.exp"
expect_out "cut by a header name holding a newline" "$T/fullname.exp" \
	fp --csv -H -e "cut -f 'full
name'" "$CORPUS/header-quoted.csv"
# The header alone: written once, as it is, without a map stage.
expect_out "header without a stage is copied" "$CORPUS/header-quoted.csv" fp --csv -H -b 1 -j 3 "$CORPUS/header-quoted.csv"
# A UTF-8 byte order mark before the header is dropped: "id" is a name.
printf 'id\n1\n' > "$T/bom.exp"
expect_out "a BOM is no part of the first header name" "$T/bom.exp" fp --csv -H -e 'cut -f id' "$CORPUS/bom.csv"

# ---- headers across several files ---------------------------------------
printf 'h1,"h 2",h3\n1,2,3\n"4\n",5,6\n' > "$T/h1.csv"
printf 'h1,"h 2",h3\n7,8,9\n' > "$T/h2.csv"
printf 'h1,"h 2",h3\n' > "$T/h3.csv"
printf 'h1,h2,h3\n0,0,0\n' > "$T/hx.csv"
printf 'h1,h3\n1,3\n"4\n",6\n7,9\n' > "$T/hh.cut"
printf 'h1,"h 2",h3\n1,2,3\n"4\n",5,6\n7,8,9\n' > "$T/hh.all"
printf '3\n' > "$T/hh.count"
for jb in "1 1" "2 5" "4 1M"; do
	set -- $jb
	expect_out "matching headers: cut -j$1 -b$2" "$T/hh.cut" fp --csv -H -j "$1" -b "$2" -e 'cut -f h1,h3' "$T/h1.csv" "$T/h3.csv" "$T/h2.csv"
	expect_out "matching headers: copy -j$1 -b$2" "$T/hh.all" fp --csv -H -j "$1" -b "$2" "$T/h1.csv" "$T/h2.csv" "$T/h3.csv"
	expect_out "matching headers: count -j$1 -b$2" "$T/hh.count" fp --csv -H -j "$1" -b "$2" -e count "$T/h1.csv" "$T/h2.csv"
	expect_out "matching headers, pipes -j$1 -b$2" "$T/hh.cut" run_inputs pipe 'cut -f h1,h3' "$1" "$2" -H -- "$T/h1.csv" "$T/h3.csv" "$T/h2.csv"
done
expect_exit 65 "hx\.csv: header differs" -- fp --csv -H -e 'cut -f 1' "$T/h1.csv" "$T/hx.csv"
expect_exit 65 "hx\.csv: header differs" -- fp --csv -H -j 3 -b 1 -e count "$T/h1.csv" "$T/h2.csv" "$T/hx.csv" "$T/h3.csv"
EE_STDIN=$T/hx.csv expect_exit 65 "stdin: header differs" -- fp --csv -H -j 2 -b 1 "$T/h1.csv" -
mkdir "$T/odir"
expect_exit 65 "hx\.csv: header differs" -- fp --csv -H -o "$T/odir/out" "$T/h1.csv" "$T/hx.csv"
check_dir_listing "header mismatch with -o: no output file" "$T/odir"

# ---- malformed CSV -------------------------------------------------------
# malformed LATE NAME CONTENT OFFSET WHY [LAX_CUT13]: exit 65 and one
# line "forkpipe: FILE: malformed CSV at byte offset OFFSET: WHY" whatever
# the chunking, from a file and a pipe, with count, cut and grep; with -o
# nothing is left behind, and an existing file is untouched.  With LATE
# "late" the same again after 500 good records.  LAX_CUT13, if given, is
# what cut -f 1,3 prints with --csv-lax; "-" means --csv-lax fails too.
prefix_lines=500
awk -v n="$prefix_lines" 'BEGIN { for (i = 1; i <= n; i++) printf "%d,\"v,%d\",\"x\ny\"\n", i, i }' > "$T/prefix"
awk -v n="$prefix_lines" 'BEGIN { for (i = 1; i <= n; i++) printf "%d,\"x\ny\"\n", i }' > "$T/prefix.cut13"
prefix_size=$(wc -c < "$T/prefix")
MF_N=0
malformed() {
	local lates=0 name=$2 content=$3 off0=$4 why=$5 lax=${6:-} f off re late jb
	[ "$1" = late ] && lates="0 1"
	for late in $lates; do
		MF_N=$((MF_N + 1))
		f=$T/bad-$name.csv
		off=$off0
		if [ "$late" = 1 ]; then
			f=$T/bad-$name-late.csv
			off=$((off0 + prefix_size))
			{ cat "$T/prefix"; printf '%s' "$content"; } > "$f"
		else
			printf '%s' "$content" > "$f"
		fi
		# Job counts, chunk sizes and stages vary from case to case.
		case $((MF_N % 3)) in
		0) jb="1 1 count" ;;
		1) jb="3 7 cut -f 1,3" ;;
		2) jb="2 1M grep -F ," ;;
		esac
		set -- $jb
		expect_exit 65 "^forkpipe: ${f//./\\.}: malformed CSV at byte offset $off: $why\$" -- \
			fp --csv -j "$1" -b "$2" -e "${*:3}" "$f"
		set -- $([ "$1" = 1 ] && echo 3 7 || echo 2 1)
		expect_exit 65 "^forkpipe: stdin: malformed CSV at byte offset $off: $why\$" -- \
			run_inputs pipe 'cut -f 2' "$1" "$2" -- "$f"
		expect_exit 65 "malformed CSV at byte offset $off: $why\$" -- fp --csv -j 2 -b 1 -o "$T/odir/out" "$f"
		check_dir_listing "$name: -o leaves nothing" "$T/odir"
		if [ "$late" = 0 ] && [ $((MF_N % 2)) = 0 ]; then
			printf 'old\n' > "$T/odir/keep"
			expect_exit 65 "malformed CSV at byte offset $off: $why\$" -- fp --csv -o "$T/odir/keep" -e 'cut -f 1,3' "$f"
			check_text "$name: an existing -o file is untouched" old "$T/odir/keep"
			rm -f "$T/odir/keep"
		elif [ "$late" = 0 ] && [ "$name" != bom-quoted ]; then
			# With a header the error is in the header itself (a
			# byte-order mark before a header is dropped, though).
			expect_exit 65 "malformed CSV.*$why" -- fp --csv -H -e 'cut -f 1' "$f"
		fi
		if [ "$lax" = - ]; then
			expect_exit 65 "malformed CSV at byte offset $off: $why\$" -- fp --csv-lax -b 1 -e count "$f"
		elif [ -n "$lax" ]; then
			if [ "$late" = 1 ]; then
				{ cat "$T/prefix.cut13"; printf '%s' "$lax"; } > "$T/lax.exp"
				expect_out "$name: --csv-lax cut, pipe -j3 -b7" "$T/lax.exp" run_inputs pipe 'cut -f 1,3' 3 7 --csv-lax -- "$f"
			else
				printf '%s' "$lax" > "$T/lax.exp"
				expect_out "$name: --csv-lax cut -j2 -b1" "$T/lax.exp" fp --csv-lax -j 2 -b 1 -e 'cut -f 1,3' "$f"
			fi
		fi
	done
}
malformed late unterminated $'a,b\nc,"d\ne,f\n' 6 'unterminated quoted field' -
malformed - unterminated-first $'"abc' 0 'unterminated quoted field' -
malformed late quote-inside $'a,b"c,d\n' 3 'quote inside an unquoted field \(--csv-lax accepts it\)' $'a,d\n'
malformed - quote-inside-end $'ab,c"\n' 4 'quote inside an unquoted field \(--csv-lax accepts it\)' $'ab\n'
malformed - space-before-quote $'a, "b",c\n' 3 'quote inside an unquoted field \(--csv-lax accepts it\)' $'a,c\n'
malformed - text-after-quote $'"ab"c,d,e\n' 4 'text after a closing quote' $'abc,e\n'
malformed late text-after-quote-mid $'x,"a\nb"c,d\nok,ok,ok\n' 7 'text after a closing quote' $'x,d\nok,ok\n'
malformed - bom-quoted $'\357\273\277"id",x,y\n' 3 'quote inside an unquoted field \(--csv-lax accepts it\)' $'"\357\273\277""id""",y\n'
# Offsets count from the start of the file that holds the error.
printf 'a,b\n"x\ny",z\n' > "$T/good.csv"
printf 'h,i\nq,w"e\n' > "$T/bad2.csv"
expect_exit 65 "^forkpipe: ${T//./\\.}/bad2\\.csv: malformed CSV at byte offset 7: quote inside an unquoted field \(--csv-lax accepts it\)\$" -- \
	fp --csv -j 3 -b 1 -e count "$T/good.csv" "$CORPUS/quoted-newline.csv" "$T/bad2.csv"
EE_STDIN=$T/bad2.csv expect_exit 65 "^forkpipe: stdin: malformed CSV at byte offset 7: quote inside an unquoted field \(--csv-lax accepts it\)\$" -- \
	fp --csv -j 2 -b 1M -e count "$T/good.csv" -

# Lax: a stray quote does not open a field, a quote at a field start does.
printf 'a"b,"c\nd",e\nf,g,h\n' > "$T/lax2.csv"
printf '"a""b",e\nf,h\n' > "$T/lax2.exp"
printf '2\n' > "$T/lax2.count"
for jb in "1 1" "3 1M"; do
	set -- $jb
	expect_out "lax: stray quote, then a quoted newline -j$1 -b$2" "$T/lax2.exp" fp --csv-lax -j "$1" -b "$2" -e 'cut -f 1,3' "$T/lax2.csv"
	expect_out "lax: stray quote, then a quoted newline, count -j$1 -b$2" "$T/lax2.count" fp --csv-lax -j "$1" -b "$2" -e count "$T/lax2.csv"
	expect_out "lax: stray quote, then a quoted newline, pipe -j$1 -b$2" "$T/lax2.exp" run_inputs pipe 'cut -f 1,3' "$1" "$2" --csv-lax -- "$T/lax2.csv"
done

# ---- randomized -----------------------------------------------------------
# gen_random SEED NREC PREFIX [nofinal]: PREFIX.csv holds NREC records
# whose fields mix letters, commas, quotes, CR and LF (quoted exactly when
# needed, and sometimes when not), empty fields, some long fields, and
# CRLF line ends; PREFIX.count, PREFIX.cut13, PREFIX.grep (the records
# holding an "x", as written) and PREFIX.grepv (the others) are what
# forkpipe must print.  With nofinal the last record has no terminator
# (and ends with an unquoted field).
gen_random() {
	awk -v seed="$1" -v n="$2" -v p="$3" -v nofinal="${4:-}" '
	function val(   len, s, k, r) {
		r = rand()
		if (r < 0.15) return ""
		len = r < 0.02 ? 200 + int(rand() * 3000) : 1 + int(rand() * 8)
		s = ""
		for (k = 0; k < len; k++) {
			r = rand()
			s = s (r < 0.35 ? substr("abcxyz", 1 + int(rand() * 6), 1) : r < 0.5 ? "," : r < 0.65 ? "\"" : r < 0.75 ? "\r" : r < 0.9 ? "\n" : " ")
		}
		return s
	}
	function needs(v) { return v ~ /[,"\r\n]/ }
	function q(v) { gsub(/"/, "\"\"", v); return "\"" v "\"" }
	function enc(v) { return (needs(v) || rand() < 0.1) ? q(v) : v }
	function out(v) { return needs(v) ? q(v) : v }
	BEGIN {
		srand(seed)
		printf "" > (p ".grep"); printf "" > (p ".grepv")
		for (i = 1; i <= n; i++) {
			nf = rand() < 0.08 ? 1 : 1 + int(rand() * 6)
			rec = ""; cut = ""
			for (f = 1; f <= nf; f++) {
				last = nofinal && i == n && f == nf
				v = last ? "end" : val()
				rec = rec (f > 1 ? "," : "") (last ? v : enc(v))
				if (f == 1) cut = out(v)
				if (f == 3) cut = cut "," out(v)
			}
			term = rand() < 0.2 ? "\r\n" : "\n"
			if (nofinal && i == n) term = ""
			printf "%s%s", rec, term > (p ".csv")
			printf "%s\n", cut > (p ".cut13")
			printf "%s%s", rec, (term == "" ? "\n" : term) > (p (index(rec, "x") ? ".grep" : ".grepv"))
		}
		printf "%d\n", n > (p ".count")
	}'
}

# Three random inputs, the last without a final terminator, run as the
# inputs of one run; when a run fails, each input alone shows which.
gen_random 11 700 "$T/r1"
gen_random 12 700 "$T/r2"
gen_random 13 500 "$T/r3" nofinal
RFILES=("$T/r1.csv" "$T/r2.csv" "$T/r3.csv")
for ext in cut13 grep grepv; do
	cat "$T/r1.$ext" "$T/r2.$ext" "$T/r3.$ext" > "$T/rall.$ext"
done
printf '%s\n' "$(($(cat "$T/r1.count") + $(cat "$T/r2.count") + $(cat "$T/r3.count")))" > "$T/rall.count"
[ "$(wc -c < "$T/r1.csv")" -gt 10000 ] || die "gen_random wrote too little"

random_check() { # MODE STAGE EXT J B
	local r
	expect_out "random: $2, $1 -j$4 -b$5" "$T/rall.$3" run_inputs "$1" "$2" "$4" "$5" -- "${RFILES[@]}"
	[ "$EO_OK" = 1 ] && return
	for r in r1 r2 r3; do
		run_inputs "$1" "$2" "$4" "$5" -- "$T/$r.csv" > "$T/out1" 2> "$T/err1"
		if [ $? != 0 ] || ! cmp -s "$T/out1" "$T/$r.$3"; then
			printf '  culprit: %s, from gen_random in this script (%s)\n' "$r" "$(head -n 1 "$T/err1" | head -c 200)"
		fi
	done
}
i=0
for b in 1 2 3 5 8 13 31 64 257 4K 1M; do
	j=$((1 + i % 4))
	k=$((1 + (i + 2) % 4))
	i=$((i + 1))
	random_check file count count "$j" "$b"
	random_check file 'cut -f 1,3' cut13 "$j" "$b"
	random_check pipe 'cut -f 1,3' cut13 "$k" "$b"
	if [ $((i % 2)) = 0 ]; then
		random_check pipe count count "$k" "$b"
		random_check file 'grep -F x' grep "$k" "$b"
	else
		random_check file 'grep -v x' grepv "$j" "$b"
		random_check pipe 'grep x' grep "$j" "$b"
	fi
done
for j in 1 4; do
	random_check file 'cut -f 1,3' cut13 "$j" 1
	random_check pipe count count "$j" 1
done

# ---- large inputs at the default chunk size -------------------------------
# Files of a few MB are cut at 256K and more, the way real inputs are (CSV
# files on a grid whose quote counts the workers supply first).  A header
# record, then the first random input 128 times.
printf 'h1,h2,h3\n' > "$T/large.csv"
printf 'h1,h3\n' > "$T/large.cut13"
cp "$T/r1.csv" "$T/l1.csv"
cp "$T/r1.cut13" "$T/l1.cut13"
for k in 1 2 3 4 5 6 7; do
	cat "$T/l1.csv" "$T/l1.csv" > "$T/l2.csv" && mv "$T/l2.csv" "$T/l1.csv"
	cat "$T/l1.cut13" "$T/l1.cut13" > "$T/l2.cut13" && mv "$T/l2.cut13" "$T/l1.cut13"
done
cat "$T/l1.csv" >> "$T/large.csv"
cat "$T/l1.cut13" >> "$T/large.cut13"
printf '%s\n' "$((128 * $(cat "$T/r1.count") + 1))" > "$T/large.count"
[ "$(wc -c < "$T/large.csv")" -gt 1500000 ] || die "large.csv is too small"
for j in 2 4; do
	expect_out "large: count -j$j, default chunks" "$T/large.count" fp --csv -j "$j" -e count "$T/large.csv"
	expect_out "large: cut -f 1,3 -j$j, default chunks" "$T/large.cut13" fp --csv -j "$j" -e 'cut -f 1,3' "$T/large.csv"
done
expect_out "large: cut -f 1,3 -j3 -b256K" "$T/large.cut13" fp --csv -j 3 -b 256K -e 'cut -f 1,3' "$T/large.csv"
expect_out "large: cut -f 1,3, pipe -j3, default chunks" "$T/large.cut13" run_inputs pipe 'cut -f 1,3' 3 4M -- "$T/large.csv"
# Twice with --header: one header, the records of both.
{ cat "$T/large.cut13"; tail -n +2 "$T/large.cut13"; } > "$T/large2.cut13"
printf '%s\n' "$((2 * $(cat "$T/large.count") - 2))" > "$T/large2.count"
expect_out "large, twice, -H: cut -f h1,3 -j4" "$T/large2.cut13" fp --csv -H -j 4 -e 'cut -f h1,3' "$T/large.csv" "$T/large.csv"
expect_out "large, twice, -H: count -j3 -b300K" "$T/large2.count" fp --csv -H -j 3 -b 300K -e count "$T/large.csv" "$T/large.csv"

# ---- the first error in input order wins ---------------------------------
# When several chunks fail, the error named is the one of the lowest
# chunk, whatever order the workers finish in.  first_error NAME RE CODE
# OPTIONS... -- FILE: at -j 1-4 and -b 64K (cut by the supervisor, which
# validates as it walks), 256K, 512K, 1M (cut on the quote-count grid,
# the workers validate) and the automatic size, exit CODE and stderr
# matching RE (FILE's name is "%F"): from the file, from stdin
# redirected from it (seekable, read as a file) and from a pipe (the
# supervisor validates the stream as it cuts it, so a CSV error has its
# offset there too); with -o nothing is left behind.
first_error() {
	local name=$1 re=$2 code=$3 opts=() f j b bo fre sre
	shift 3
	while [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	f=$2
	fre=${re//%F/${f//./\\.}}
	sre=${re//%F/stdin}
	for j in 1 2 4; do
		for b in 64K 512K auto; do
			bo=(-b "$b")
			[ "$b" = auto ] && bo=()
			expect_exit "$code" "$fre" -- fp --csv -j "$j" ${bo[@]+"${bo[@]}"} "${opts[@]}" "$f"
			EE_STDIN=$f expect_exit "$code" "$sre" -- fp --csv -j "$j" ${bo[@]+"${bo[@]}"} "${opts[@]}"
			expect_exit "$code" "$sre" -- piped "$f" --csv -j "$j" ${bo[@]+"${bo[@]}"} "${opts[@]}" -
			expect_exit "$code" "$fre" -- fp --csv -j "$j" ${bo[@]+"${bo[@]}"} -o "$T/odir/out" "${opts[@]}" "$f"
			check_dir_listing "$name -j$j -b$b: -o leaves nothing" "$T/odir"
		done
	done
	printf 'old\n' > "$T/odir/keep"
	expect_exit "$code" "$fre" -- fp --csv -j 4 -b 256K -o "$T/odir/keep" "${opts[@]}" "$f"
	check_text "$name: an existing -o file is untouched" old "$T/odir/keep"
	rm -f "$T/odir/keep"
}
csv_err() { # OFFSET WHY: the message of a CSV error in file %F
	printf '^forkpipe: %%F: malformed CSV at byte offset %s: %s$' "$1" "$2"
}
# 50000 records with a quoted newline: 500000 bytes.
awk 'BEGIN { for (i = 0; i < 50000; i++) print "1,\"a\nb\",c" }' > "$T/quoted500k"
[ "$(wc -c < "$T/quoted500k")" = 500000 ] || die "quoted500k is not 500000 bytes"

# A stray quote half way through 1 MB: it flips the quote parity for the
# rest of the file, so every chunk after it is cut in the wrong place
# and fails too, at once (at 512K the next chunk starts inside a quoted
# field), while the chunk holding the quote fails only after 500 KB.
{ cat "$T/quoted500k"; printf 'x,y"z\n'; cat "$T/quoted500k"; } > "$T/stray.csv"
first_error "stray quote, count" "$(csv_err 500003 'quote inside an unquoted field \(--csv-lax accepts it\)')" 65 -e count -- "$T/stray.csv"
first_error "stray quote, cut" "$(csv_err 500003 'quote inside an unquoted field \(--csv-lax accepts it\)')" 65 -e 'cut -f 1,3' -- "$T/stray.csv"

# Two errors: the stray quote, and an unterminated quoted field near the
# end.  The first is named; without it, the second.
{ cat "$T/stray.csv"; printf 'u,"open\n'; awk 'BEGIN { for (i = 0; i < 1000; i++) print "1,2,3" }'; } > "$T/two.csv"
{ cat "$T/quoted500k" "$T/quoted500k"; printf 'u,"open\n'; awk 'BEGIN { for (i = 0; i < 1000; i++) print "1,2,3" }'; } > "$T/second.csv"
first_error "stray quote, then an unterminated field" "$(csv_err 500003 'quote inside an unquoted field \(--csv-lax accepts it\)')" 65 -e count -- "$T/two.csv"
first_error "an unterminated field" "$(csv_err 1000002 'unterminated quoted field')" 65 -e count -- "$T/second.csv"

# Two errors that leave the quote parity right: the chunks between them
# are cut well and pass, and the last, small chunk fails first.
{ cat "$T/quoted500k"; printf '"ab"c,d,e\n'; awk 'BEGIN { for (i = 0; i < 10000; i++) print "1,2,3" }'; printf 'u,"open\n1,2,3\n'; } > "$T/even.csv"
first_error "text after a quote, then an unterminated field" "$(csv_err 500004 'text after a closing quote')" 65 -e 'cut -f 1,3' -- "$T/even.csv"

# A stage's error (the regex match limit, on the record of 40 "a"s: also
# 65, bad input for that pattern) comes before a CSV error further on:
# the stage's is named.
{ awk 'BEGIN { for (i = 0; i < 90000; i++) print "1,2,3"; s = "a"; while (length(s) < 40) s = s "a"; print s; for (i = 0; i < 10000; i++) print "1,2,3" }'; printf 'u,"open\n1,2,3\n'; } > "$T/stage.csv"
first_error "a stage error, then a CSV error" '^forkpipe: %F: byte offset 540000: sub: pattern "\(a\|a\)\*\\d" hit the match limit \(PCRE2 backtracking limit\) on this record$' 65 -e "sub '(a|a)*\\d' x" -- "$T/stage.csv"

# With --header, a later input's header is read ahead of the workers: an
# error in the data before it comes first all the same.
{ printf 'h1,h2,h3\n'; cat "$T/quoted500k" "$T/quoted500k"; printf '"ab"c,d,e\n1,2,3\n'; } > "$T/hdata.csv"
printf 'h1,h2,hX\n1,2,3\n' > "$T/hother.csv"
re="^forkpipe: ${T//./\\.}/hdata\\.csv: malformed CSV at byte offset 1000013: text after a closing quote\$"
for j in 1 2 4; do
	for b in 64K 256K 1M; do
		expect_exit 65 "$re" -- fp --csv -H -j "$j" -b "$b" -e count "$T/hdata.csv" "$T/hother.csv"
	done
done

finish
