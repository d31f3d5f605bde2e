/* completion.c - shell completions for bash, zsh and fish, written from
 * the option table and the stage table (--help-completion=SHELL), as
 * --help and the man page are, so that they always offer what the parser
 * accepts.  The build writes them into completions/ (Makefile.am).
 *
 * Each script completes: the options; the fixed values of those that
 * have them (--progress=always, --gzip=LEVEL, --explain=json), after
 * "=" and, for a required value, as the next word; file names for the
 * options that take files; inside -e '...' the stage names, then each
 * stage's own options; and after the stage options that take fields
 * (their help says they take header names), the names in the header of
 * the file on the line, which the scripts ask the program for
 * (forkpipe --help-completion=fields -- WORD..., compfields.c). */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "completion.h"
#include "options.h"
#include "stage.h"

/* Whether the option takes files or directories (JOBOPT_STRING, -c). */
static bool takes_files(const struct jobopt *o)
{
	return o->kind == JOBOPT_STRING || o->kind == JOBOPT_CONFIG;
}

/* Options hidden from --help are left out too (none is today but
 * --help-completion, which only the build needs). */
static bool offered(const struct jobopt *o)
{
	return o->help != NULL;
}

static void all_options(FILE *fp)
{
	const char *sep = "";

	for (const struct jobopt *o = jobopts; o->name != NULL; o++) {
		if (!offered(o))
			continue;
		fprintf(fp, "%s--%s", sep, o->name);
		sep = " ";
		if (o->letter != 0)
			fprintf(fp, " -%c", o->letter);
	}
}

static void stage_names(FILE *fp)
{
	for (const struct stage_def *const *d = stage_table; *d != NULL; d++)
		fprintf(fp, "%s%s", d == stage_table ? "" : " ", (*d)->name);
}

/* The options of d; false if it has none. */
static bool stage_options(FILE *fp, const struct stage_def *d)
{
	const struct stage_opt *so = d->opts;

	for (; so != NULL && so->name != NULL; so++) {
		if (so->letter != 0)
			fprintf(fp, "-%c ", so->letter);
		fprintf(fp, "--%s%s", so->name, so[1].name != NULL ? " " : "");
	}
	return so != d->opts;
}

/* Whether a stage option's value (or argument) names fields: its help
 * says it takes header names (cut -f, group -k, rmdup's FIELD, ...). */
static bool names_fields(const char *help)
{
	return help != NULL && strstr(help, "header name") != NULL;
}

/* The options of d whose value names fields, "@" for its first argument
 * when that is fields (rmdup's, not group's ops); false if none does. */
static bool field_options(FILE *fp, const struct stage_def *d)
{
	const char *sep = "";

	for (const struct stage_opt *so = d->opts; so != NULL && so->name != NULL; so++) {
		if (!names_fields(so->help))
			continue;
		if (so->letter != 0)
			fprintf(fp, "%s-%c", sep, so->letter), sep = " ";
		fprintf(fp, "%s--%s", sep, so->name), sep = " ";
	}
	if (d->args != NULL && d->args[0].name != NULL &&
	    strncmp(d->args[0].name, "field", 5) == 0 && names_fields(d->args[0].help))
		fprintf(fp, "%s@", sep), sep = " ";
	return *sep != '\0';
}

/* The options whose next word is their value: "-o|--output|..." of
 * those that take files (files == true) or any other value. */
static void value_pattern(FILE *fp, bool files)
{
	const char *sep = "";

	for (const struct jobopt *o = jobopts; o->name != NULL; o++) {
		if (o->arg == NULL || o->optional || o->kind == JOBOPT_STAGE ||
		    takes_files(o) != files)
			continue;
		fprintf(fp, "%s--%s", sep, o->name);
		sep = "|";
		if (o->letter != 0)
			fprintf(fp, "|-%c", o->letter);
	}
	if (*sep == '\0')
		fputs("--", fp);	/* a pattern that never matches an option */
}

/* A shell function fn that echoes, for stage $1, the words list prints
 * for that stage. */
static void stage_case_fn(FILE *fp, const char *fn,
    bool (*list)(FILE *fp, const struct stage_def *d))
{
	fprintf(fp, "%s() {\n\tcase $1 in\n", fn);
	for (const struct stage_def *const *d = stage_table; *d != NULL; d++) {
		fprintf(fp, "\t%s) echo '", (*d)->name);
		(void)list(fp, *d);
		fputs("' ;;\n", fp);
	}
	fputs("\tesac\n}\n\n", fp);
}

/* The shared part of bash and zsh: a function that prints the
 * candidates for CUR, one a line, with the word before it PREV. */
static void candidates_fn(FILE *fp)
{
	stage_case_fn(fp, "_forkpipe_stage_opts", stage_options);
	fputs("# The options of stage $1 whose value names fields (\"@\": its first argument).\n", fp);
	stage_case_fn(fp, "_forkpipe_field_opts", field_options);
	fputs("# Whether option $2 of stage $1 names fields.\n"
	    "_forkpipe_names_fields() {\n"
	    "\tlocal w IFS=$' \\t\\n'\n"
	    "\tfor w in $(_forkpipe_field_opts \"$1\"); do\n"
	    "\t\t[[ $w == \"$2\" ]] && return 0\n"
	    "\tdone\n\treturn 1\n}\n\n"
	    "# The field names that complete $1 (in a list, its last item): the\n"
	    "# program reads them from the header of the file the line names\n"
	    "# (the command $_forkpipe_cmd, its words $_forkpipe_words).\n"
	    "_forkpipe_fields() {\n"
	    "\tlocal pre= w\n"
	    "\t[[ $1 == *,* ]] && pre=${1%,*},\n"
	    "\t\"$_forkpipe_cmd\" --help-completion=fields -- \"${_forkpipe_words[@]}\" 2> /dev/null |\n"
	    "\twhile IFS= read -r w; do\n"
	    "\t\t[[ $w == \"${1##*,}\"* ]] && printf '%s\\n' \"$pre$w\"\n"
	    "\tdone\n}\n\n", fp);
	fputs("# The fixed values of option $1 (--name), if it has a set.\n"
	    "_forkpipe_values() {\n\tcase $1 in\n", fp);
	for (const struct jobopt *o = jobopts; o->name != NULL; o++) {
		if (o->values == NULL)
			continue;
		fprintf(fp, "\t--%s", o->name);
		if (o->letter != 0)
			fprintf(fp, "|-%c", o->letter);
		fprintf(fp, ") echo '%s' ;;\n", o->values);
	}
	fputs("\t*) return 1 ;;\n\tesac\n}\n\n", fp);
	/* Inside -e '...': the word may open with a quote; a stage name
	 * first, then that stage's options after the last space.  Each
	 * candidate is the whole word, so the start of the spec stays. */
	fputs("# Candidates inside -e '...', one a line: the spec so far ($1).\n"
	    "_forkpipe_stage_spec() {\n"
	    "\tlocal spec=$1 q= head stage last w IFS=$' \\t\\n'\n"
	    "\tcase $spec in \\'* | \\\"*) q=${spec:0:1}; spec=${spec:1} ;; esac\n"
	    "\tif [[ $spec != *' '* ]]; then\n"
	    "\t\tfor w in ", fp);
	stage_names(fp);
	fputs("; do\n\t\t\t[[ $w == \"$spec\"* ]] && printf '%s\\n' \"$q$w\"\n\t\tdone\n"
	    "\t\treturn\n\tfi\n"
	    "\tstage=${spec%% *} head=${spec% *} last=${spec##* }\n"
	    "\t# a field list: after an option that takes one (or as its\n"
	    "\t# --name=value), or as the first argument (@)\n"
	    "\tw=${head##* }\n"
	    "\t[[ $head == \"$stage\" ]] && w=@\n"
	    "\tif [[ $last == --*=* ]] && _forkpipe_names_fields \"$stage\" \"${last%%=*}\"; then\n"
	    "\t\t_forkpipe_fields \"${last#*=}\" | while IFS= read -r w; do\n"
	    "\t\t\tprintf '%s\\n' \"$q$head ${last%%=*}=$w\"\n"
	    "\t\tdone\n"
	    "\telif [[ $last != -* ]] && _forkpipe_names_fields \"$stage\" \"$w\"; then\n"
	    "\t\t_forkpipe_fields \"$last\" | while IFS= read -r w; do\n"
	    "\t\t\tprintf '%s\\n' \"$q$head $w\"\n"
	    "\t\tdone\n"
	    "\tfi\n"
	    "\t[[ $last == -* ]] || return\n"
	    "\tfor w in $(_forkpipe_stage_opts \"$stage\"); do\n"
	    "\t\t[[ $w == \"$last\"* ]] && printf '%s\\n' \"$q$head $w\"\n"
	    "\tdone\n}\n\n", fp);
	fputs("# Candidates for the word cur ($1) after prev ($2), one a line;\n"
	    "# status 2: complete file names instead.\n"
	    "_forkpipe_candidates() {\n"
	    "\tlocal cur=$1 prev=$2 opt w IFS=$' \\t\\n'\n"
	    "\tcase $prev in\n\t-e|--stage) _forkpipe_stage_spec \"$cur\"; return ;;\n\t", fp);
	value_pattern(fp, true);
	fputs(") return 2 ;;\n\t", fp);
	value_pattern(fp, false);
	fputs(")\n\t\tfor w in $(_forkpipe_values \"$prev\"); do\n"
	    "\t\t\t[[ $w == \"$cur\"* ]] && printf '%s\\n' \"$w\"\n"
	    "\t\tdone\n\t\treturn ;;\n\tesac\n"
	    "\tcase $cur in\n"
	    "\t--*=*)\n"
	    "\t\topt=${cur%%=*}\n"
	    "\t\tif ! _forkpipe_values \"$opt\" > /dev/null; then\n"
	    "\t\t\tcase $opt in\n\t\t\t", fp);
	value_pattern(fp, true);
	fputs(") return 2 ;;\n\t\t\tesac\n\t\t\treturn\n\t\tfi\n"
	    "\t\tfor w in $(_forkpipe_values \"$opt\"); do\n"
	    "\t\t\t[[ $w == \"${cur#*=}\"* ]] && printf '%s\\n' \"$opt=$w\"\n"
	    "\t\tdone ;;\n"
	    "\t-*)\n\t\tfor w in ", fp);
	all_options(fp);
	fputs("; do\n\t\t\t[[ $w == \"$cur\"* ]] && printf '%s\\n' \"$w\"\n\t\tdone ;;\n"
	    "\t*) return 2 ;;\n\tesac\n}\n", fp);
}

static void bash(FILE *fp)
{
	fputs("# bash completion for forkpipe(1); generated by forkpipe --help-completion=bash\n"
	    "# from its option and stage tables.\n\n", fp);
	candidates_fn(fp);
	fputs("\n_forkpipe() {\n"
	    "\tlocal cur prev= strip IFS=$'\\n' rc w i n at=0\n"
	    "\t# bash splits --name=value at \"=\" (COMP_WORDBREAKS): the words\n"
	    "\t# are joined again, for _forkpipe_candidates and _forkpipe_fields,\n"
	    "\t# and the candidates lose what bash holds in the words before.\n"
	    "\tlocal _forkpipe_cmd=${COMP_WORDS[0]/#\\~/$HOME}\n"
	    "\tlocal -a _forkpipe_words=()\n"
	    "\tfor ((i = 1; i < ${#COMP_WORDS[@]}; i++)); do\n"
	    "\t\tw=${COMP_WORDS[i]} n=${#_forkpipe_words[@]}\n"
	    "\t\tif ((n > 0)) && [[ $w == = || ${_forkpipe_words[n - 1]} == *= ]]; then\n"
	    "\t\t\t_forkpipe_words[n - 1]+=$w\n"
	    "\t\telse\n"
	    "\t\t\t_forkpipe_words+=(\"$w\")\n"
	    "\t\tfi\n"
	    "\t\t((i == COMP_CWORD)) && at=${#_forkpipe_words[@]}\n"
	    "\tdone\n"
	    "\tcur=${_forkpipe_words[at - 1]}\n"
	    "\t((at > 1)) && prev=${_forkpipe_words[at - 2]}\n"
	    "\tstrip=${cur%\"${COMP_WORDS[COMP_CWORD]}\"}\n"
	    "\tCOMPREPLY=($(_forkpipe_candidates \"$cur\" \"$prev\"))\n"
	    "\trc=$?\n"
	    "\tif ((rc == 2)); then\n"
	    "\t\tcase $cur in\n"
	    "\t\t--*=*) COMPREPLY=($(compgen -f -P \"${cur%%=*}=\" -- \"${cur#*=}\")) ;;\n"
	    "\t\t*) COMPREPLY=($(compgen -f -- \"$cur\")) ;;\n"
	    "\t\tesac\n"
	    "\tfi\n"
	    "\t[[ -n $strip ]] && COMPREPLY=(\"${COMPREPLY[@]#\"$strip\"}\")\n"
	    "\t((rc == 2)) && return\n"
	    "\t# A stage spec or an option=value goes on: no space after it.\n"
	    "\tif [[ $prev == -e || $prev == --stage || $cur == --*= ]] ||\n"
	    "\t    [[ ${#COMPREPLY[@]} == 1 && ${COMPREPLY[0]} == *= ]]; then\n"
	    "\t\tcompopt -o nospace 2> /dev/null\n"
	    "\tfi\n"
	    "}\n"
	    "complete -F _forkpipe forkpipe\n", fp);
}

static void zsh(FILE *fp)
{
	fputs("#compdef forkpipe\n"
	    "# zsh completion for forkpipe(1); generated by forkpipe --help-completion=zsh\n"
	    "# from its option and stage tables.\n\n", fp);
	candidates_fn(fp);
	fputs("\n_forkpipe() {\n"
	    "\tlocal -a c _forkpipe_words\n"
	    "\tlocal out rc _forkpipe_cmd=${words[1]/#\\~/$HOME}\n"
	    "\t_forkpipe_words=(\"${(@Q)words[2,-1]}\")\n"
	    "\tout=$(_forkpipe_candidates \"${words[CURRENT]}\" \"${words[CURRENT-1]}\")\n"
	    "\trc=$?\n"
	    "\tif ((rc == 2)); then\n"
	    "\t\t_files\n"
	    "\t\treturn\n"
	    "\tfi\n"
	    "\tc=(${(f)out})\n"
	    "\t# Inside quotes zsh completes what follows the quote: the\n"
	    "\t# candidates (a stage spec) lose theirs.\n"
	    "\t[[ -n $compstate[quote] ]] && c=(\"${c[@]#?}\")\n"
	    "\t((${#c})) && compadd -Q -S '' -U -- \"${c[@]}\"\n"
	    "}\n\n"
	    "_forkpipe \"$@\"\n", fp);
}

/* s in fish's single quotes. */
static void fish_quote(FILE *fp, const char *s, size_t n)
{
	fputc('\'', fp);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\'' || s[i] == '\\')
			fputc('\\', fp);
		fputc(s[i], fp);
	}
	fputc('\'', fp);
}

static void fish(FILE *fp)
{
	fputs("# fish completion for forkpipe(1); generated by forkpipe --help-completion=fish\n"
	    "# from its option and stage tables.\n\n"
	    "# The options of stage $argv[1] whose value names fields (@: its first argument).\n"
	    "function __forkpipe_field_opts\n"
	    "\tswitch $argv[1]\n", fp);
	for (const struct stage_def *const *d = stage_table; *d != NULL; d++) {
		fprintf(fp, "\tcase %s\n\t\tstring join \\n -- ", (*d)->name);
		(void)field_options(fp, *d);	/* none: nothing printed */
		fputc('\n', fp);
	}
	fputs("\tend\nend\n\n"
	    "# The field names that complete $argv[1] (in a list, its last item): the\n"
	    "# program reads them from the header of the file the line names.\n"
	    "function __forkpipe_fields\n"
	    "\tset -l line (commandline -o)\n"
	    "\tset -l pre (string replace -r '[^,]*$' '' -- $argv[1])\n"
	    "\tfor n in ($line[1] --help-completion=fields -- $line[2..-1] 2> /dev/null)\n"
	    "\t\tprintf '%s\\n' \"$pre$n\"\n"
	    "\tend\nend\n\n"
	    "function __forkpipe_stage_spec\n"
	    "\t# The token without the quote that opens it: fish matches the\n"
	    "\t# candidates against what follows the quote.\n"
	    "\tset -l spec (commandline -ct | string replace -r '^[\\'\"]' '')\n"
	    "\tset -l words (string split ' ' -- $spec)\n"
	    "\tif test (count $words) -le 1\n"
	    "\t\tprintf '%s\\n' ", fp);
	stage_names(fp);
	fputs("\n\t\treturn\n\tend\n"
	    "\tset -l head (string join ' ' -- $words[1..-2])\n"
	    "\tset -l last $words[-1]\n"
	    "\tset -l opt (string replace -r '=.*' '' -- $last)\n"
	    "\tset -l before $words[-2]\n"
	    "\ttest (count $words) -eq 2; and set before @\n"
	    "\t# a field list: after an option that takes one (or as its\n"
	    "\t# --name=value), or as the first argument (@)\n"
	    "\tif string match -q -- '--*=*' $last; and contains -- $opt (__forkpipe_field_opts $words[1])\n"
	    "\t\tfor n in (__forkpipe_fields (string replace -r '^[^=]*=' '' -- $last))\n"
	    "\t\t\tprintf '%s\\n' \"$head $opt=$n\"\n"
	    "\t\tend\n"
	    "\telse if not string match -q -- '-*' $last; and contains -- $before (__forkpipe_field_opts $words[1])\n"
	    "\t\tfor n in (__forkpipe_fields $last)\n"
	    "\t\t\tprintf '%s\\n' \"$head $n\"\n"
	    "\t\tend\n"
	    "\tend\n"
	    "\tstring match -q -- '-*' $last; or return\n"
	    "\tswitch $words[1]\n", fp);
	for (const struct stage_def *const *d = stage_table; *d != NULL; d++) {
		fprintf(fp, "\tcase %s\n\t\tfor o in ", (*d)->name);
		stage_options(fp, *d);
		fputs("\n\t\t\tprintf '%s\\n' \"$head $o\"\n\t\tend\n", fp);
	}
	fputs("\tend\nend\n\n", fp);
	for (const struct jobopt *o = jobopts; o->name != NULL; o++) {
		size_t n;

		if (!offered(o))
			continue;
		fprintf(fp, "complete -c forkpipe -l %s", o->name);
		if (o->letter != 0)
			fprintf(fp, " -s %c", o->letter);
		if (o->kind == JOBOPT_STAGE)
			fputs(" -x -a '(__forkpipe_stage_spec)'", fp);
		else if (o->values != NULL)
			fprintf(fp, " -%s -a '%s'", o->optional ? "f" : "x", o->values);
		else if (o->arg != NULL && !takes_files(o))
			fputs(o->optional ? " -f" : " -x", fp);
		else if (takes_files(o))
			fputs(" -r -F", fp);
		n = strcspn(o->help, "\n");
		fputs(" -d ", fp);
		fish_quote(fp, o->help, n);
		fputc('\n', fp);
	}
}

int completion_print(FILE *fp, const char *shell)
{
	if (shell == NULL)
		return -1;
	if (strcmp(shell, "bash") == 0)
		bash(fp);
	else if (strcmp(shell, "zsh") == 0)
		zsh(fp);
	else if (strcmp(shell, "fish") == 0)
		fish(fp);
	else
		return -1;
	return 0;
}
