#!/bin/bash
# e2e/docs.sh - the documentation matches the binary: every stage, stage
# option, command-line option and exit code that --help lists is in the
# man page (and the options in README.md), both man pages format without
# warnings, README's quick start runs the tests, README stays short,
# docs/architecture.md's file map names every file of src/ and no other,
# and every example pipeline in conf/ runs and agrees with the reference
# tools.
#
# Environment (exported by `make check`): FORKPIPE, MANPAGE (the generated
# man/forkpipe.1), top_srcdir.
. "${TEST_SRCDIR:-${top_srcdir:?top_srcdir is not set}/tests}/lib.sh"

[ -n "${MANPAGE:-}" ] || die "MANPAGE is not set"
[ -s "$MANPAGE" ] || die "MANPAGE ($MANPAGE) is missing or empty: run 'make man/forkpipe.1'"
YAMLPAGE=$top_srcdir/man/forkpipe.yaml.5
README=$top_srcdir/README.md
[ -s "$YAMLPAGE" ] || die "$YAMLPAGE is missing or empty"
[ -s "$README" ] || die "$README is missing or empty"
command -v groff >/dev/null 2>&1 ||
	die "groff is not installed (Debian: apt-get install groff-base; ./bootstrap installs it)"

# The man page source with roff's escaped hyphens made plain, so that
# "\-\-ignore\-case" reads "--ignore-case".
sed -e 's/\\-/-/g' "$MANPAGE" > "$T/man.txt"

fp --help > "$T/help" 2> "$T/err"
check_rc "--help (exit)" 0 $? "$T/err"

# --help: the options come before the "Stages" heading; a stage is a line
# indented by two spaces after it, its options lines indented by six.
awk '/^Stages/ { exit } /^ +(-[A-Za-z], )?--[a-z]/' "$T/help" |
	grep -o -E -e '--[a-z][a-z-]*' | sort -u > "$T/options"
awk '/^Stages/ { s = 1; next } s && /^$/ { exit } s && /^  [a-z]/ { print $1 }' "$T/help" \
	> "$T/stages"
awk '/^Stages/ { s = 1; next } s && /^$/ { exit } s && /^      -/' "$T/help" |
	grep -o -E -e '--[a-z][a-z-]*' | sort -u > "$T/stage-options"
sed -n '/^Exit status/,$p' "$T/help" | grep -o -E '\b(0|6[4-9]|7[0-9])\b' | sort -u > "$T/codes"

[ "$(wc -l < "$T/options")" -ge 8 ] && pass ||
	fail "--help lists only $(wc -l < "$T/options") long options: the parser here is out of date"
[ -s "$T/stages" ] && pass || fail "--help lists no stage"
[ -s "$T/stage-options" ] && pass || fail "--help lists no stage option"
[ -s "$T/codes" ] && pass || fail "--help lists no exit status"

# has FILE WORD: WORD occurs in FILE, not followed by more of a name.
has() {
	grep -q -E -e "(^|[^a-z-])$2([^a-z-]|\$)" "$1"
}

while read -r opt; do
	has "$T/man.txt" "$opt" && pass || fail "option $opt (--help) is not in the man page"
	has "$README" "$opt" && pass || fail "option $opt (--help) is not in README.md"
done < "$T/options"

while read -r st; do
	grep -q -E "^\.B \"$st( |\")" "$T/man.txt" && pass ||
		fail "stage '$st' (--help) has no entry in the man page"
	has "$README" "$st" && pass || fail "stage '$st' (--help) is not in README.md"
done < "$T/stages"

while read -r opt; do
	has "$T/man.txt" "$opt" && pass || fail "stage option $opt (--help) is not in the man page"
done < "$T/stage-options"

while read -r code; do
	grep -q -E "^\.B $code\$" "$T/man.txt" && pass ||
		fail "exit status $code (--help) is not in the man page's EXIT STATUS"
done < "$T/codes"
if grep -q '128+N' "$T/help"; then
	grep -q -E '^\.BI 128\+ N$' "$T/man.txt" && pass ||
		fail "exit status 128+N (--help) is not in the man page's EXIT STATUS"
fi

# --help lists every option, --help-stages too.
grep -q -E -e '^ +--help-stages=man ' "$T/help" && pass || fail "--help does not list --help-stages"
# A stage option's value is named for what it is (LIST, CHAR, ...): the
# only stage options that take a number are -R N of group and crosstab
# (datamash's --round) and grep's -m N, so no other placeholder N.
awk '/^Stages/ { s = 1; next } s && /^$/ { exit } s && /^  [a-z]/' "$T/help" |
	sed 's/ \[-R N\]//; s/^\(  grep .*\) \[-m N\]/\1/' > "$T/synopses"
if grep -n -E -e '(\[-[A-Za-z] N\]|=N\])' "$T/synopses" > "$T/badph"; then
	fail "--help shows the placeholder N for options that take no number: $(tr '\n' ' ' < "$T/badph")"
else
	pass
fi
for want in 'cut [-f LIST]' 'sort [-k KEYDEF]...' '[-t CHAR]' 'exec [--shell=SHELL] COMMAND'; do
	grep -q -F -e "$want" "$T/synopses" && pass || fail "--help lacks '$want'"
done
# The rendered man page shows no roff escape as text (\fB, \-).
MANWIDTH=200 man -l "$MANPAGE" 2> "$T/man.err" | col -b > "$T/man.rendered"
check_nonempty "man -l forkpipe.1 renders" "$T/man.rendered"
if grep -n -F -e '\f' -e '\-' -e '\e' "$T/man.rendered" > "$T/raw"; then
	fail "the rendered man page shows raw roff: $(head -n 3 "$T/raw" | tr '\n' ' ')"
else
	pass
fi
grep -q -E '\(/bin/sh +-c, +or +--shell\)' "$T/man.rendered" && pass ||
	fail "the man page's exec entry does not name /bin/sh -c and --shell"

# The STAGES section was generated, not left as a placeholder.
if grep -q '^@STAGES@$' "$MANPAGE"; then
	fail "the man page still holds the @STAGES@ placeholder"
else
	pass
fi
grep -q 'Generated from the stage table' "$MANPAGE" && pass ||
	fail "the man page lacks the generated stage section"

# The OPTIONS section too, from the option table: what --help-options=man
# prints is in the page, with an entry for every option --help lists.
if grep -q '^@OPTIONS@$' "$MANPAGE"; then
	fail "the man page still holds the @OPTIONS@ placeholder"
else
	pass
fi
fp --help-options=man > "$T/options.roff" 2> "$T/err"
check_rc "--help-options=man (exit)" 0 $? "$T/err"
grep -q 'Generated from the option table' "$T/options.roff" && pass ||
	fail "--help-options=man does not say it is generated"
if awk -v f="$T/options.roff" 'BEGIN { while ((getline l < f) > 0) want = want l "\n" }
	{ have = have $0 "\n" } END { exit index(have, want) == 0 }' "$MANPAGE"; then
	pass
else
	fail "the man page's OPTIONS section is not what --help-options=man prints"
fi
sed -e 's/\\-/-/g' "$T/options.roff" > "$T/options.txt"
while read -r opt; do
	grep -q -E -e "^\.B[IR]? .*$opt([^a-z-]|\$)" "$T/options.txt" && pass ||
		fail "option $opt (--help) has no entry in the man page's OPTIONS section"
done < "$T/options"
expect_exit 64 "^forkpipe: --help-options: unknown format 'html' \\(see --help\\)\$" -- fp --help-options=html

# Both pages format without a single warning.
for page in "$MANPAGE" "$YAMLPAGE" "$top_srcdir/man/forkpipe-partials.5"; do
	groff -man -ww -z "$page" > "$T/groff.out" 2>&1
	rc=$?
	if [ "$rc" = 0 ] && [ ! -s "$T/groff.out" ]; then
		pass
	else
		fail "groff -man -ww -z ${page##*/}: exit $rc"
		head -n 10 "$T/groff.out" | awk '{ print "  " $0 }'
	fi
done

# README: the first code block of the Quick start section runs the tests.
awk '/^## / { q = ($0 ~ /^## Quick start/) } q && /^```/ { if (b) exit; b = 1; next } q && b' \
	"$README" > "$T/quickstart"
[ -s "$T/quickstart" ] && pass || fail "README.md has no code block under '## Quick start'"
grep -q -E '(^|[^a-z])make check($|[^a-z])' "$T/quickstart" && pass ||
	fail "README.md's quick-start block does not run 'make check'"
grep -q 'src/forkpipe -c conf/' "$T/quickstart" && pass ||
	fail "README.md's quick-start block does not run an example from conf/"

# The example pipelines: each runs from the top of the source tree (their
# inputs are relative), and the known ones agree with grep and wc.
reference() {
	case $1 in
	errors.yaml) grep -a -c -E '" (404|5[0-9][0-9]) ' data/access.log ;;
	api-404.yaml) grep -a -F /api/ data/access.log | grep -a -F '" 404 ' | grep -a -v -i bot ;;
	words.yaml) wc -l -w -c < data/access.log | awk '{ print $1, $2, $3 }' ;;
	crawlers.yaml) grep -a -c -i -w -E 'googlebot|bingbot' data/access.log ;;
	*) return 1 ;;
	esac
}

nconf=0
for conf in "$top_srcdir"/conf/*.yaml; do
	[ -e "$conf" ] || continue
	name=${conf##*/}
	nconf=$((nconf + 1))
	(cd "$top_srcdir" && fp -c "conf/$name" < /dev/null) > "$T/out" 2> "$T/err"
	check_rc "conf/$name (exit)" 0 $? "$T/err"
	check_nonempty "conf/$name prints something" "$T/out"
	if (cd "$top_srcdir" && reference "$name") > "$T/ref" 2> "$T/err"; then
		check_same "conf/$name agrees with grep/wc" "$T/ref" "$T/out"
	fi
done
[ "$nconf" -gt 0 ] && pass || fail "no example pipeline in $top_srcdir/conf/*.yaml"

# README.md is a front door, not the manual: the reference is in the man
# pages and docs/.
nreadme=$(wc -l < "$README")
[ "$nreadme" -le 330 ] && pass ||
	fail "README.md has $nreadme lines, more than 330: move the detail to docs/ or the man pages"

# docs/architecture.md's file map stays true: its section "The source
# files, by folder" names every .c and .h file under src/ by its path
# relative to src/ (io/chunker.c), and the whole document names no such
# file that is not there (a path in backquotes, with or without src/; a
# bare name such as agg.c must be the name of some file there).
ARCH=$top_srcdir/docs/architecture.md
if [ -s "$ARCH" ]; then
	(cd "$top_srcdir/src" && find . -name '*.[ch]' | sed -e 's|^\./||') | sort -u > "$T/src-files"
	awk '/^## / { m = ($0 ~ /^## The source files/) } m' "$ARCH" |
		grep -o -E '`[a-z0-9_]+(/[a-z0-9_]+)?\.[ch]`' | tr -d '`' | sort -u > "$T/map-files"
	grep -o -E '`(src/)?[a-z0-9_]+(/[a-z0-9_]+)?\.[ch]`' "$ARCH" | tr -d '`' |
		sed -e 's|^src/||' | sort -u > "$T/arch-files"
	sed -e 's|.*/||' "$T/src-files" | sort -u > "$T/src-names"
	comm -23 "$T/src-files" "$T/map-files" > "$T/unmapped"
	{
		grep / "$T/arch-files" | comm -13 "$T/src-files" -
		grep -v / "$T/arch-files" | comm -13 "$T/src-names" -
	} > "$T/stale"
	[ -s "$T/map-files" ] && pass ||
		fail "docs/architecture.md has no section '## The source files, by folder' naming files"
	if [ -s "$T/unmapped" ]; then
		fail "docs/architecture.md's file map lacks (add a row under its folder):" \
			"$(tr '\n' ' ' < "$T/unmapped")"
	else
		pass
	fi
	if [ -s "$T/stale" ]; then
		fail "docs/architecture.md names files not in src/ (rename or remove them):" \
			"$(tr '\n' ' ' < "$T/stale")"
	else
		pass
	fi
else
	fail "docs/architecture.md is missing or empty"
fi

# The sample input is there and small enough to ship.
if [ -s "$top_srcdir/data/access.log" ] &&
	[ "$(wc -c < "$top_srcdir/data/access.log")" -le 1100000 ]; then
	pass
else
	fail "data/access.log is missing, empty or larger than about 1 MB"
fi

finish
