#!/bin/bash
# e2e/copy.sh - with no stage forkpipe copies: the output bytes are the
# input's exactly (cmp), whatever the input's last byte, the job count,
# the chunk size, the input's form (file, stdin, gzip, zstd, BGZF) and
# the output's (stdout, -o FILE, --gzip, --zstd).  Several files are
# copied as cat copies them.  A copy never supplies a terminator.
. "$TEST_SRCDIR/lib.sh"

for _tool in gzip zstd bgzip; do
	command -v "$_tool" > /dev/null 2>&1 || die "reference tool '$_tool' not found"
done

# The inputs: empty, one byte, one newline, text with and without its
# final newline, binary bytes (NULs, CRs, 0xff) without one.
: > "$T/empty"
printf 'x' > "$T/byte"
printf '\n' > "$T/nl"
gen_small "$T/final"
gen_nofinal "$T/final" "$T/nofinal"
{
	gen_binary
	printf 'a\0b\r\n\0\0\377'
} > "$T/binary"
INPUTS="empty byte nl final nofinal binary"

# unz KIND FILE: FILE decompressed on stdout, checked by the tool.
unz() {
	case $1 in
	gzip) gzip -t "$2" && gzip -dc "$2" ;;
	zstd) zstd -q -t "$2" && zstd -q -dc "$2" ;;
	esac
}

# same NAME EXPECTED ACTUAL: the run's exit status is in $rc.
same() {
	check_rc "$1 (exit)" 0 "$rc" "$T/err"
	check_same "$1" "$2" "$3"
}

# Plain output, from the file and from stdin.
for f in $INPUTS; do
	for j in 1 2 4; do
		for b in 1 100 4K; do
			fp -j "$j" -b "$b" "$T/$f" > "$T/out" 2> "$T/err"
			rc=$?
			same "copy $f -j $j -b $b" "$T/$f" "$T/out"
			fp -j "$j" -b "$b" < "$T/$f" > "$T/out" 2> "$T/err"
			rc=$?
			same "copy $f stdin -j $j -b $b" "$T/$f" "$T/out"
		done
	done
	# -o FILE: the workers write their chunks in place.
	rm -f "$T/o"
	fp -j 3 -b 100 -o "$T/o" "$T/$f" 2> "$T/err"
	rc=$?
	same "copy $f -o FILE" "$T/$f" "$T/o"
done

# Compressed output, from the file and from stdin.
for f in $INPUTS; do
	for kind in gzip zstd; do
		for j in 1 3; do
			fp -j "$j" -b 100 --"$kind" "$T/$f" > "$T/out.z" 2> "$T/err"
			rc=$?
			unz "$kind" "$T/out.z" > "$T/out"
			same "copy $f --$kind -j $j" "$T/$f" "$T/out"
			fp -j "$j" -b 100 --"$kind" < "$T/$f" > "$T/out.z" 2> "$T/err"
			rc=$?
			unz "$kind" "$T/out.z" > "$T/out"
			same "copy $f stdin --$kind -j $j" "$T/$f" "$T/out"
		done
	done
done

# Compressed input: gzip, zstd and BGZF, decompressed to the bytes.
for f in $INPUTS; do
	gzip -c "$T/$f" > "$T/$f.gz"
	zstd -q -c "$T/$f" > "$T/$f.zst"
	bgzip -c "$T/$f" > "$T/$f.bgz"
	for z in gz zst bgz; do
		for j in 1 3; do
			for b in 1 100; do
				fp -j "$j" -b "$b" "$T/$f.$z" > "$T/out" 2> "$T/err"
				rc=$?
				same "copy $f.$z -j $j -b $b" "$T/$f" "$T/out"
			done
		done
		fp -j 2 --gzip "$T/$f.$z" 2> "$T/err" | gzip -dc > "$T/out"
		rc=${PIPESTATUS[0]}
		same "copy $f.$z to --gzip" "$T/$f" "$T/out"
	done
done

# Several files: cat's bytes, the first lacking its final newline.
FILES="$T/nofinal $T/byte $T/empty $T/binary $T/final $T/byte"
# shellcheck disable=SC2086
cat $FILES > "$T/cat"
for j in 1 2 4; do
	for b in 1 100 1M; do
		# shellcheck disable=SC2086
		fp -j "$j" -b "$b" $FILES > "$T/out" 2> "$T/err"
		rc=$?
		same "copy of several files -j $j -b $b" "$T/cat" "$T/out"
	done
done
# shellcheck disable=SC2086
fp -j 2 -b 100 --zstd $FILES 2> "$T/err" | zstd -q -dc > "$T/out"
rc=${PIPESTATUS[0]}
same "copy of several files --zstd" "$T/cat" "$T/out"
cat "$T/byte" "$T/nofinal" "$T/byte" > "$T/exp"
fp -j 2 -b 100 "$T/byte" - "$T/byte.gz" < "$T/nofinal" > "$T/out" 2> "$T/err"
rc=$?
same "copy of a file, stdin and a gzip file" "$T/exp" "$T/out"
printf abc | fp --gzip 2> "$T/err" | gzip -dc > "$T/out"
rc=${PIPESTATUS[1]}
same "printf abc | forkpipe --gzip | gzip -dc is abc" <(printf abc) "$T/out"

# -z: NUL records, the last without its NUL.
gen_nul "$T/nul" nofinal
for j in 1 3; do
	for b in 1 100; do
		fp -z -j "$j" -b "$b" "$T/nul" > "$T/out" 2> "$T/err"
		rc=$?
		same "copy -z -j $j -b $b" "$T/nul" "$T/out"
		fp -z -j "$j" -b "$b" --gzip < "$T/nul" 2> "$T/err" | gzip -dc > "$T/out"
		rc=${PIPESTATUS[0]}
		same "copy -z stdin --gzip -j $j -b $b" "$T/nul" "$T/out"
	done
done

# With a stage the records are records: the last one is terminated, as
# grep terminates it.
printf 'a\nb' > "$T/ab"
fp -e 'grep -v zzz' "$T/ab" > "$T/out" 2> "$T/err"
rc=$?
same "grep terminates the last record" <(grep -a -v zzz "$T/ab") "$T/out"

finish
