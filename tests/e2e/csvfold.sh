#!/bin/bash
# e2e/csvfold.sh - CSV records folded in batches (src/reduce/agg.c: the
# pipeline engages once a table has 16,384 groups): keys and values with
# doubled quotes, commas and newlines inside quotes, CRLF line ends,
# simple records (no doubled quotes) found and split in one pass, values
# unescaped and kept per batch while the batch's buffer grows (long
# values with doubled quotes), and lax CSV (a stray quote is data, text
# after a closing quote joins the value).  The results equal python3's
# csv module, and lax CSV's equal the one-by-one fold's (--reject takes
# it), at -j 1, 2 and 4, default and small chunks, spilled, from a file
# and a pipe; a bad number after the batches engaged names its record and
# byte offset.
. "$TEST_SRCDIR/lib.sh"

re_name() { printf '%s' "${1//./\\.}"; }

command -v python3 > /dev/null 2>&1 || die "reference tool 'python3' not found"

# 80000 records over some 40000 keys, then 300 long ones.
python3 - > "$T/in.csv" <<'PY' || die "generating the input"
import csv, random, sys
random.seed(15)
w = csv.writer(sys.stdout, lineterminator='\n')
w.writerow(['id', 'amount', 'note', 'key'])
def odd(i, base):
    r = random.random()
    if r < 0.03: return base + ',' + str(i % 7)
    if r < 0.06: return base + '"q"' + str(i % 5)
    if r < 0.08: return base + '\nline' + str(i % 3)
    if r < 0.09: return ''
    return base
for i in range(1, 80001):
    k = odd(i, 'u%d' % random.randrange(40000))
    w.writerow([i, random.randrange(-500, 1000), odd(i, 'n%d' % random.randrange(30)), k])
for i in range(80001, 80301):
    n = random.randrange(3000)
    w.writerow([i, i % 9, 'a""b' * (n // 4), 'w"' + 'x' * n])
PY

python3 - "$T/in.csv" > "$T/ref" <<'PY' || die "the reference"
import csv, sys
rows = csv.reader(open(sys.argv[1], newline=''))
next(rows)
g = {}
for r in rows:
    k, a = r[3].encode(), int(r[1])
    e = g.get(k)
    if e is None:
        g[k] = e = [0, 0, r[2], r[2], set(), a]
    e[0] += 1; e[1] += a; e[3] = r[2]; e[4].add(r[2]); e[5] = min(e[5], a)
w = csv.writer(sys.stdout, lineterminator='\n')
for k in sorted(g):
    e = g[k]
    w.writerow([k.decode(), e[0], e[1], e[2], e[3], len(e[4]), e[5]])
PY
[ "$(wc -l < "$T/ref")" -gt 30000 ] || die "too few groups in the reference"

OPS='group -k key count sum:amount first:note last:note distinct:note min:amount'
for j in 1 2 4; do
	for b in '' '-b 64K'; do
		# shellcheck disable=SC2086
		expect_out "-j $j $b" "$T/ref" fp --csv -H -j "$j" $b -e "$OPS" "$T/in.csv"
	done
	expect_out "-j $j stdin" "$T/ref" piped "$T/in.csv" --csv -H -j "$j" -e "$OPS"
done
# Spilled: a --memory small enough that the tables spill as they fold.
mkdir "$T/tmp"
for j in 1 2; do
	expect_out "spilled -j $j" "$T/ref" fp --csv -H -j "$j" --memory 1M --tmpdir "$T/tmp" \
	    -e "$OPS" "$T/in.csv"
done
check_dir_listing "no spill file left" "$T/tmp"

# CRLF line ends (a CR inside a quoted field stays data).
python3 -c 'import csv, sys
w = csv.writer(sys.stdout, lineterminator="\r\n")
w.writerows(csv.reader(open(sys.argv[1], newline="")))' "$T/in.csv" > "$T/crlf.csv" ||
	die "making CRLF input"
for j in 1 2; do
	expect_out "CRLF -j $j" "$T/ref" fp --csv -H -j "$j" -e "$OPS" "$T/crlf.csv"
done
python3 -c 'import csv, sys
rows = csv.reader(open(sys.argv[1], newline=""))
next(rows)
print(len({r[3] for r in rows}))' "$T/in.csv" > "$T/nkeys"
expect_out "uniq, count" "$T/nkeys" fp --csv -H -j 2 -e 'uniq -k key' -e count "$T/in.csv"

# Lax CSV: every 50th one-line record gets a stray quote in its note and
# text after the closing quote of its key.
python3 - "$T/in.csv" > "$T/lax.csv" <<'PY' || die "making lax input"
import sys
src = open(sys.argv[1], 'rb').read().split(b'\n')
out = []
for i, l in enumerate(src):
    parts = l.split(b',')
    if i > 0 and i % 50 == 0 and b'"' not in l and len(parts) == 4:
        parts[2] += b'x"y'
        parts[3] = b'"' + parts[3] + b'"t' + str(i % 4).encode()
        l = b','.join(parts)
    out.append(l)
sys.stdout.buffer.write(b'\n'.join(out))
PY
fp --csv-lax -H -j 1 --reject "$T/rej" -e "$OPS" "$T/lax.csv" > "$T/lax.ref" ||
	fail "lax one by one: exit code $?"
check_empty "lax: nothing rejected" "$T/rej"
grep -q 'x""y' "$T/lax.ref" || fail "lax: no stray quote kept"
for j in 1 2 4; do
	expect_out "lax -j $j" "$T/lax.ref" fp --csv-lax -H -j "$j" -e "$OPS" "$T/lax.csv"
	expect_out "lax -j $j -b 64K" "$T/lax.ref" fp --csv-lax -H -j "$j" -b 64K -e "$OPS" "$T/lax.csv"
done

# A bad number in record 60000, long after the batches engaged.
python3 - "$T/in.csv" > "$T/bad.csv" 2> "$T/off" <<'PY' || die "making bad input"
import sys
d = open(sys.argv[1], 'rb').read()
q = i = recs = 0
while recs < 60000:
    c = d[i]
    if c == 34: q ^= 1
    elif c == 10 and not q: recs += 1
    i += 1
sys.stdout.buffer.write(d[:i] + b'x,zz,abc,u1\n' + d[i:])
sys.stderr.write(str(i))
PY
for j in 1 2; do
	expect_exit 65 "^forkpipe: $(re_name "$T/bad.csv"): group: sum:amount: invalid numeric value in record 60000 at byte offset $(cat "$T/off"), field 2: 'zz'\$" -- \
		fp --csv -H -j "$j" -e "$OPS" "$T/bad.csv"
done

finish
