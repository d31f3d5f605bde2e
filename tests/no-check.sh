#!/usr/bin/env bash
# no-check.sh - a build on a machine without Check, from the distribution
# tarball: configure warns and goes on, make and make install succeed,
# and make check stops at once (no test runs) saying which package to
# install.  Check is hidden by a pkg-config that knows every package but
# check (configure finds Check only through pkg-config).  Not part of
# make check (it builds forkpipe again): .ci/run runs it after make
# distcheck, on the tarball that made.
#
# usage: tests/no-check.sh forkpipe-VERSION.tar.gz
set -euo pipefail
tarball=$(realpath "${1:?usage: no-check.sh TARBALL}")
real=$(command -v pkg-config) || { echo "no-check: pkg-config not found" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fp-no-check.XXXXXX")
trap 'chmod -R u+w "$tmp"; rm -rf "$tmp"' EXIT
fail() { echo "no-check: FAIL: $*" >&2; exit 1; }

cat > "$tmp/pkg-config" <<EOS
#!/bin/sh
# pkg-config without Check: any question about check fails as if its
# .pc file were not there.
for a; do case \$a in check|check[\ \<\>=]*) exit 1 ;; esac; done
exec "$real" "\$@"
EOS
chmod +x "$tmp/pkg-config"
"$tmp/pkg-config" --exists zlib && ! "$tmp/pkg-config" --exists 'check >= 0.11' ||
	fail "the pkg-config wrapper does not hide check alone"

tar -xzf "$tarball" -C "$tmp"
src=$(echo "$tmp"/forkpipe-*/)
mkdir "$tmp/build"
cd "$tmp/build"
"$src"/configure PKG_CONFIG="$tmp/pkg-config" > configure.out 2>&1 ||
	{ tail -20 configure.out; fail "configure failed without Check"; }
grep -q 'WARNING: check >= 0.11 not found: forkpipe builds and installs, but make check needs the Debian package check' configure.out ||
	fail "configure did not warn that Check is missing"
make -j"$(nproc)" > make.out 2>&1 || { tail -20 make.out; fail "make failed without Check"; }
make install DESTDIR="$tmp/dest" > install.out 2>&1 || { tail -20 install.out; fail "make install failed"; }
"$tmp/dest/usr/local/bin/forkpipe" --version > /dev/null || fail "the installed forkpipe does not run"
for f in share/man/man1/forkpipe.1 share/zsh/vendor-completions/_forkpipe \
	share/fish/vendor_completions.d/forkpipe.fish; do
	[ -s "$tmp/dest/usr/local/$f" ] || fail "make install did not install $f"
done
start=$(date +%s)
if make check > check.out 2>&1; then
	fail "make check succeeded without Check"
fi
grep -qx 'make check needs Check (Debian: check): apt-get install check (or run ./bootstrap as root), then ./configure again' check.out ||
	{ tail -20 check.out; fail "make check did not say which package to install"; }
[ ! -e test-suite.log ] && ! ls tests/e2e/*.log > /dev/null 2>&1 || fail "make check ran tests without Check"
echo "no-check: configure, make and make install without Check; make check stopped in $(($(date +%s) - start)) s naming the package"
