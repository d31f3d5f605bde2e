#!/bin/bash
# progress.sh - --progress on a terminal (script(1) gives the command a
# pseudo-terminal): the bar is drawn when stderr is a terminal whether
# the output goes to that terminal, a file or a pipe; on the terminal
# it is erased before each write of output and drawn again after, so
# the output comes out whole, never on a line with the bar.  A stream
# of unknown size shows bytes, records and rates without an ETA.
. "${TEST_SRCDIR:?}/lib.sh"

command -v script >/dev/null || die "script (util-linux) not found"
command -v perl >/dev/null || die "perl not found"

seq 1 200000 > "$T/in"
# A slow stage so that the bar is drawn several times between writes.
SLOW="exec \"sleep 0.05; cat\""

# The output on the terminal, the bar's drawings taken out.  Every "\r"
# (but a newline's) starts a drawing of the bar, or its erasing
# ("\r\e[K"); a drawing must start a line: right after a newline,
# another drawing or an erasing, never after output that ends inside a
# line.  What the drawings would have mixed into is reported on stderr
# and fails the comparison.
strip_bar() { # FILE
	perl -0777 -ne 's/\r\n/\n/g; my @seg = split /\r/, $_, -1; my $out = shift @seg;
		my $clean = 1;	# the line is empty or holds only the bar
		my $shown = 0;	# a bar is on the screen
		$clean = 0 if length($out) && $out !~ /\n\z/;
		for my $s (@seg) {
			if ($s =~ /^\e\[K(.*)\z/s) { $out .= $1; $clean = length($1) == 0 || $1 =~ /\n\z/; $shown = 0; next }
			$shown = 1;
			if ($s !~ / records  .* rec\/s/ || $s =~ /\n/) { print STDERR "not a bar: [$s]\n"; $out .= "<MIXED>"; next }
			$out .= "<BAR OVER OUTPUT>" unless $clean;
		}
		$out .= "<BAR LEFT AT THE END>" if $shown;
		print $out' "$1"
}
bars() { # FILE: how many times the bar was drawn
	tr '\r' '\n' < "$1" | grep -c ' records  .* rec/s'
}

# 1. Output to the same terminal, from a file: bar and output apart.
script -qec "\"$FORKPIPE\" --progress -j 2 -b 64K -e '$SLOW' '$T/in'" /dev/null < /dev/null > "$T/tty" 2>&1
strip_bar "$T/tty" > "$T/out"
check_same "--progress, output on the terminal" "$T/in" "$T/out"
[ "$(bars "$T/tty")" -ge 2 ] && pass ||
	fail "--progress, output on the terminal: the bar was not drawn: $(head -c 200 "$T/tty" | od -c | head -n 4)"
grep -q 'ETA' "$T/tty" && pass || fail "--progress from a file: no ETA"
# drawn again after output was written: some bar comes after a newline
perl -0777 -ne 'exit(/\n\r\[/ ? 0 : 1)' "$T/tty" && pass ||
	fail "--progress: the bar is not drawn again after output"
# (a bar left at the end would be text after the output's last line)

# 2. Output to the terminal from stdin: no size known, no ETA.
script -qec "cat '$T/in' | \"$FORKPIPE\" --progress -j 2 -b 64K -e '$SLOW'" /dev/null < /dev/null > "$T/tty" 2>&1
strip_bar "$T/tty" > "$T/out"
check_same "--progress from stdin, output on the terminal" "$T/in" "$T/out"
[ "$(bars "$T/tty")" -ge 2 ] && pass || fail "--progress from stdin: the bar was not drawn"
! grep -q 'ETA' "$T/tty" && ! grep -q '%' "$T/tty" && pass ||
	fail "--progress from stdin shows an ETA or a fraction of an unknown size"

# 3. Output to a file: the bar on the terminal, the file exact.
script -qec "\"$FORKPIPE\" --progress -j 2 -b 64K -e '$SLOW' '$T/in' -o '$T/o'" /dev/null < /dev/null > "$T/tty" 2>&1
check_same "--progress, output to a file" "$T/in" "$T/o"
[ "$(bars "$T/tty")" -ge 2 ] && grep -q 'ETA' "$T/tty" && pass || fail "--progress, output to a file: no bar"
[ -z "$(strip_bar "$T/tty")" ] && pass || fail "--progress, output to a file: the terminal holds more than the bar"

# 4. Output to a pipe: the bar on the terminal, the pipe's reader gets
# the output whole.
script -qec "cat '$T/in' | \"$FORKPIPE\" --progress -j 2 -b 64K -e '$SLOW' | cat > '$T/o'" /dev/null < /dev/null > "$T/tty" 2>&1
check_same "--progress, output to a pipe" "$T/in" "$T/o"
[ "$(bars "$T/tty")" -ge 2 ] && pass || fail "--progress, output to a pipe: no bar"
! grep -q 'ETA' "$T/tty" && pass || fail "--progress from stdin into a pipe shows an ETA"

# 5. A short run on the terminal: the output whole, whatever was drawn.
script -qec "\"$FORKPIPE\" --progress -e 'head 2' '$T/in'" /dev/null < /dev/null > "$T/tty" 2>&1
[ "$(strip_bar "$T/tty")" = "1
2" ] && pass || fail "--progress, head on the terminal: $(od -c "$T/tty" | head -n 3)"

finish
