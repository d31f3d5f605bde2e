#!/bin/bash
# version.sh - --version names forkpipe's version, each library's version
# built with and found at run time (those pkg-config reports here, as
# the build used them), whether PCRE2's JIT is on, and the byte kernels
# the CPU allows.
. "${TEST_SRCDIR:?}/lib.sh"

command -v pkg-config >/dev/null || die "pkg-config not found"
mv_() { pkg-config --modversion "$1" || die "pkg-config knows no $1"; }

fp --version > "$T/out" 2> "$T/err"
check_rc "--version (exit)" 0 $?
check_empty "--version: stderr" "$T/err"
fp -V > "$T/v" 2>&1
check_same "-V is --version" "$T/out" "$T/v"

line() { # NAME EXPECTED: the line must be there, exactly
	grep -qxF -- "$2" "$T/out" && pass || fail "--version: $1: expected '$2' in: $(tr '\n' '|' < "$T/out")"
}
line program "forkpipe $(sed -n 's/^AC_INIT(\[forkpipe\], \[\([^]]*\)\].*/\1/p' "$top_srcdir/configure.ac")"
v=$(mv_ libpcre2-8)
# The JIT: on, unless PCRE2 lacks one or the system forbids it.
grep -qxE "PCRE2 $v \\(run time $v, JIT (on|not built in|off: it cannot compile here)\\)" "$T/out" && pass ||
	fail "--version: no PCRE2 $v line: $(tr '\n' '|' < "$T/out")"
v=$(mv_ zlib); line zlib "zlib $v (run time $v)"
v=$(mv_ libzstd); line libzstd "libzstd $v (run time $v)"
v=$(mv_ yaml-0.1); line libyaml "libyaml $v (run time $v)"
v=$(mv_ libisal); line ISA-L "ISA-L $v (no run-time version)"
if [ "$(uname -m)" = x86_64 ] && grep -qw avx2 /proc/cpuinfo; then
	line kernels "byte kernels: AVX2"
else
	line kernels "byte kernels: portable"
fi
[ "$(wc -l < "$T/out")" -eq 7 ] && pass || fail "--version: $(wc -l < "$T/out") lines, 7 expected"

finish
