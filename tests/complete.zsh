# complete.zsh - drive zsh's completion system as a user at a terminal
# does, for tests/e2e/completion-zsh.sh: an interactive zsh -f in a
# pseudo-terminal (zpty) runs compinit with the completion directory
# first in $fpath; each LINE is typed and a TAB pressed; compadd, wrapped,
# prints each candidate that matched; then a key prints the line as the
# completion left it and empties it.  Prints for each LINE its
# candidates, one a line, then "line: " and the line.
#
# usage: zsh -f complete.zsh FPATH-DIR BIN-DIR WORK-DIR LINE...
zmodload zsh/zpty || exit 3
emulate -L zsh
local fdir=$1 bdir=$2 dir=$3 line l out
shift 3
zpty z zsh -f -i || exit 3
# The candidates come between two ^B, each after a ^A; the line after
# the completion between two ^C.
zpty -w z "cd ${(q)dir} && path=(${(q)bdir} \$path) fpath=(${(q)fdir} \$fpath) PS1= RPS1="
zpty -w z 'autoload -Uz compinit && compinit -u -D'
zpty -w z 'bindkey "^I" complete-word; zstyle ":completion:*" insert-tab false'
# (_main_complete runs compprefuncs and comppostfuncs once: set again
# for each line).
zpty -w z '_t_mark() { print -rn -- $'"'"'\x02'"'"' }; _t_arm() { compprefuncs=(_t_mark); comppostfuncs=(_t_mark) }; _t_arm'
zpty -w z '_t_line() { print -rn -- $'"'"'\x03'"'"'$BUFFER$'"'"'\x03'"'"'; BUFFER=; _t_arm }; zle -N _t_line; bindkey "^T" _t_line'
zpty -w z 'compadd() { local -a _t_h; builtin compadd -O _t_h "$@"; (($#_t_h)) && print -rl -- $'"'"'\x01'"'"'${^_t_h}; builtin compadd "$@" }'
zpty -w z 'print -r -- READY${(L):-}'
while zpty -r z l; do [[ $l == READY* ]] && break; done
for line; do
	zpty -w -n z "$line"$'\t\x14'
	zpty -r z out '*'$'\x03''*'$'\x03' || exit 4
	for l in ${(f)${${${out#*$'\x02'}%%$'\x02'*}//$'\r'/}}; do
		[[ $l == $'\x01'* ]] && print -r -- ${l#$'\x01'}
	done
	l=${out##*$'\x02'}
	print -r -- "line: ${${l#*$'\x03'}%%$'\x03'*}"
done
zpty -w z exit
zpty -d z
return 0
