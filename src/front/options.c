/* options.c - the job options' table: for each option, its names on the
 * command line and in YAML, the kind and range of its value, where the
 * value goes, and its --help and man page text (see options.h).
 *
 * One file, though long: it is the table, one entry per option in
 * --help order, and most of its lines are the man page's OPTIONS
 * section, generated from it (--help-options=man); the checks are in
 * optvalue.c, the rendering in optdoc.c. */
#include "autoconfig.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "completion.h"
#include "options.h"
#include "stagedoc.h"
#include "util.h"
#include "version.h"

#define STR_(x) #x
#define STR(x) STR_(x)
/* A size option of at least min bytes (no upper limit). */
#define SIZE(min_, expect_) .kind = JOBOPT_SIZE, .min = (min_), .noun = "size", \
	.expect = (expect_), .arg = "SIZE"
/* A duration option of at least min seconds. */
#define DURATION(min_) .kind = JOBOPT_SECONDS, .min = (min_), .noun = "duration", \
	.expect = "expected e.g. 30, 1.5s, 500ms, 10m, 2h", .arg = "DURATION"

static int parse_codec(struct job *job, enum compress_kind kind, const char *arg, char **why)
{
	return compress_choose(&job->compress, kind, arg, why);
}

static int parse_gzip(struct job *job, const char *arg, char **why)
{
	return parse_codec(job, COMPRESS_GZIP, arg, why);
}

static int parse_zstd(struct job *job, const char *arg, char **why)
{
	return parse_codec(job, COMPRESS_ZSTD, arg, why);
}

/* A gzip level chosen before is kept; another codec's is not. */
static void set_gzip_independent(struct job *job, const union jobopt_value *v)
{
	(void)v;
	if (job->compress.kind != COMPRESS_GZIP)
		job->compress.level = 0;
	job->compress.kind = COMPRESS_GZIP;
	job->compress.independent = true;
}

static int parse_shard(struct job *job, const char *arg, char **why)
{
	return shard_parse(&job->shard, arg, why);
}

static int parse_progress(struct job *job, const char *arg, char **why)
{
	if (arg == NULL || strcmp(arg, "auto") == 0)
		job->progress = PROGRESS_AUTO;
	else if (strcmp(arg, "always") == 0)
		job->progress = PROGRESS_ALWAYS;
	else {
		*why = xasprintf("expected 'always' or 'auto', not '%s'", arg);
		return -1;
	}
	return 0;
}

static int parse_to(struct job *job, const char *arg, char **why)
{
	for (int k = TO_JSONL; to_kind_names[k] != NULL; k++) {
		if (strcmp(arg, to_kind_names[k]) == 0) {
			job->to = (enum to_kind)k;
			return 0;
		}
	}
	*why = xasprintf("expected 'jsonl', 'tsv' or 'csv', not '%s'", arg);
	return -1;
}

static int parse_explain(struct job *job, const char *arg, char **why)
{
	if (arg == NULL || strcmp(arg, "text") == 0)
		job->explain = EXPLAIN_TEXT;
	else if (strcmp(arg, "json") == 0)
		job->explain = EXPLAIN_JSON;
	else {
		*why = xasprintf("expected 'json' or 'text', not '%s'", arg);
		return -1;
	}
	return 0;
}

/* -d (and YAML's input delimiter) keeps CSV CSV, with another delimiter. */
static void set_delimiter(struct job *job, const union jobopt_value *v)
{
	job->format.delim = v->delim;
	if (job->format.kind != FORMAT_CSV)
		job->format.kind = FORMAT_DELIM;
}

static void set_tsv(struct job *job, const union jobopt_value *v)
{
	(void)v;
	job->format.kind = FORMAT_DELIM;
	job->format.delim = '\t';
}

/* --csv keeps a delimiter --csv-delimiter chose. */
static void set_csv(struct job *job, const union jobopt_value *v)
{
	(void)v;
	if (job->format.kind != FORMAT_CSV)
		job->format.delim = ',';
	job->format.kind = FORMAT_CSV;
}

static void set_csv_lax(struct job *job, const union jobopt_value *v)
{
	set_csv(job, v);
	job->format.lax = true;
}

static void set_csv_delimiter(struct job *job, const union jobopt_value *v)
{
	job->format.delim = v->delim;
	job->format.kind = FORMAT_CSV;
}

/* JSON Lines: fields are paths; the tab joins values where a stage
 * writes fields as text (the reducers). */
static void set_json(struct job *job, const union jobopt_value *v)
{
	(void)v;
	job->format.kind = FORMAT_JSON;
	job->format.delim = '\t';
}

static void set_max_rejects(struct job *job, const union jobopt_value *v)
{
	job->max_rejects = v->count;
}

static void set_retries(struct job *job, const union jobopt_value *v)
{
	job->retries = (unsigned)v->count;
}

static int show_stages(FILE *fp, const char *format)
{
	if (strcmp(format, "man") != 0)
		return -1;
	stagedoc_man(fp);
	return 0;
}

static int show_version(FILE *fp, const char *arg)
{
	(void)arg;
	version_print(fp);
	return 0;
}

/*
 * An option with no YAML key says why.  Those of the input format are
 * keys of the 'input' mapping instead (config.c), whose form differs.
 */
const struct jobopt jobopts[] = {
	{
		.name = "stage",
		.letter = 'e',
		.yaml = "stages",
		.kind = JOBOPT_STAGE,
		.arg = "SPEC",
		.help =
		    "add a stage, applied in order (repeatable)",
		.man =
		    "Add a stage to the pipeline.\n"
		    "Stages run in the order given.\n"
		    ".I SPEC\n"
		    "is a stage name followed by its options and arguments, split into words as\n"
		    "described under\n"
		    ".BR \"STAGE SPECS\" ,\n"
		    "for example\n"
		    ".BR \"\\-e \\(aqgrep \\-F \\-i error\\(aq\" .\n"
		    "The first\n"
		    ".B \\-e\n"
		    "replaces any stages a\n"
		    ".B \\-c\n"
		    "file declared.\n",
	},
	{
		.name = "config",
		.letter = 'c',
		/* no YAML key: a pipeline file does not load another */
		.kind = JOBOPT_CONFIG,
		.arg = "FILE",
		.help =
		    "load a YAML pipeline; command-line options override it",
		.man =
		    "Load a YAML pipeline file (see\n"
		    ".BR forkpipe.yaml (5)).\n"
		    "The file is read first, wherever\n"
		    ".B \\-c\n"
		    "appears on the command line; the other options then override it.\n"
		    "If\n"
		    ".B \\-c\n"
		    "is given more than once, the last one is used.\n"
		    "A file that cannot be opened or read ends the run with status 66; a syntax\n"
		    "or value error in it ends the run with status 78 and a message naming\n"
		    ".IR file:line:column .\n"
		    ".B \\-c \\-\n"
		    "reads the pipeline from standard input (messages name it\n"
		    ".BR (stdin) );\n"
		    "the inputs must then be named, since standard input cannot be read twice\n"
		    "(status 64 otherwise).\n",
	},
	{
		.name = "jobs",
		.letter = 'j',
		.yaml = "jobs",
		.kind = JOBOPT_COUNT,
		.min = 1,
		.max = JOB_MAX_JOBS,
		.noun = "number of jobs",
		.expect = "expected 1 to " STR(JOB_MAX_JOBS),
		.field = offsetof(struct job, jobs),
		.arg = "N",
		.help =
		    "worker processes (default: online CPUs)",
		.man =
		    "Run\n"
		    ".I N\n"
		    "worker processes, from 1 to 1024.\n"
		    "The default is the number of online CPUs.\n"
		    "The supervisor needs two descriptors per worker and 16 more: a\n"
		    ".B \\-j\n"
		    "that the limit of open files\n"
		    ".RB ( \"ulimit \\-n\" )\n"
		    "cannot hold is refused with status 64, and the default is lowered to fit.\n",
	},
	{
		.name = "chunk-size",
		.letter = 'b',
		.yaml = "chunk-size",
		.kind = JOBOPT_SIZE,
		.min = 1,
		.max = JOB_MAX_CHUNK_SIZE,
		.noun = "chunk size",
		.expect = "expected e.g. 512K, 4M; at most 1G",
		.field = offsetof(struct job, chunk_size),
		.arg = "SIZE",
		.help =
		    "target chunk size, with K/M/G suffixes (default: from\n"
		    "the input size, 256K to 16M; 4M for streams)",
		.man =
		    "Target size of a chunk, the unit of work handed to a worker.\n"
		    "Chunks always end on a record boundary, so their sizes are close to\n"
		    ".IR SIZE ,\n"
		    "not equal to it.\n"
		    ".I SIZE\n"
		    "is a number of bytes with an optional\n"
		    ".BR K ,\n"
		    ".BR M ,\n"
		    ".B G\n"
		    "or\n"
		    ".B T\n"
		    "suffix (powers of 1024; an\n"
		    ".B i\n"
		    "and a\n"
		    ".B B\n"
		    "may follow, as in\n"
		    ".BR 4MiB ,\n"
		    "and fractions such as\n"
		    ".B 1.5M\n"
		    "work).\n"
		    "By default the size follows the input: about 16 chunks per worker,\n"
		    "between 256 KiB and 16 MiB (up to 64 MiB for a pipeline with a reducer,\n"
		    "whose chunks leave only a few bytes in flight), and 4 MiB for streams.\n"
		    "At most\n"
		    ".BR 1G .\n"
		    "The output does not depend on the chunk size.\n",
	},
	{
		.name = "null",
		.letter = 'z',
		.yaml = "null",
		.kind = JOBOPT_FLAG,
		.field = offsetof(struct job, null),
		.help =
		    "records end with NUL instead of newline",
		.man =
		    "Records end with a NUL byte instead of a newline, as with\n"
		    ".B grep \\-z\n"
		    "or the output of\n"
		    ".BR \"find \\-print0\" .\n",
	},
	{
		.name = "output",
		.letter = 'o',
		.yaml = "output",
		.kind = JOBOPT_STRING,
		.field = offsetof(struct job, output),
		.arg = "FILE",
		.help =
		    "write here (atomically, on success) instead of stdout;\n"
		    "NAME.gz and NAME.zst are compressed",
		.man =
		    "Write the result to\n"
		    ".I FILE\n"
		    "instead of standard output, atomically: see\n"
		    ".BR OUTPUT .\n"
		    ".B \\-o \\-\n"
		    "means standard output.\n"
		    "A\n"
		    ".I FILE\n"
		    "ending in\n"
		    ".B .gz\n"
		    "is written compressed with gzip, one ending in\n"
		    ".B .zst\n"
		    "with zstd, unless an option below says otherwise.\n",
	},
	{
		.name = "gzip",
		.values = "1 2 3 4 5 6 7 8 9",
		.optional = true,
		.yaml = "gzip",
		.kind = JOBOPT_CUSTOM,
		.parse = parse_gzip,
		.codec = "gzip",
		.arg = "LEVEL",
		.help =
		    "compress the output with gzip, in parallel (level 1-9,\n"
		    "default 6): one gzip member, like pigz",
		.man =
		    "Compress the output with gzip at\n"
		    ".I LEVEL\n"
		    "(1 fastest to 9 smallest, default 6), in parallel, the way\n"
		    ".BR pigz (1)\n"
		    "does: each worker compresses its chunk's output into raw deflate data\n"
		    "ending with a sync flush, and the pieces are assembled in input order into\n"
		    "one gzip member whose trailer has the CRC\\-32 of the whole output combined\n"
		    "from the pieces'.\n"
		    "When the output is a copy of a regular file (no stage), each piece is primed\n"
		    "with the 32 KiB of input before its chunk, so the size stays within a\n"
		    "fraction of a percent of\n"
		    ".BR gzip (1)\n"
		    "at the same level; otherwise pieces are compressed on their own (a few\n"
		    "hundred bytes more per chunk).\n"
		    "What the merger writes itself (the header record, a reducer's result, the\n"
		    "records\n"
		    ".B head\n"
		    "keeps) is compressed by the merger.\n"
		    "The result passes\n"
		    ".B gzip \\-t\n"
		    "and\n"
		    ".B gzip \\-dc\n"
		    "gives exactly the bytes of the same run without\n"
		    ".BR \\-\\-gzip .\n"
		    "With no stage, forkpipe is a parallel gzip:\n"
		    ".B forkpipe \\-\\-gzip < big > big.gz .\n",
	},
	{
		.name = "gzip-independent",
		/* no YAML key: command line only */
		.kind = JOBOPT_FLAG,
		.store = set_gzip_independent,
		.codec = "gzip",
		.help =
		    "gzip pieces that do not share a dictionary",
		.man =
		    "Like\n"
		    ".BR \\-\\-gzip ,\n"
		    "without priming pieces with the bytes before them, so that each piece's\n"
		    "deflate data decompresses on its own.\n",
	},
	{
		.name = "zstd",
		.values = "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19",
		.optional = true,
		.yaml = "zstd",
		.kind = JOBOPT_CUSTOM,
		.parse = parse_zstd,
		.codec = "zstd",
		.arg = "LEVEL",
		.help =
		    "compress the output with zstd, a frame per chunk\n"
		    "(level 1-19, default 3)",
		.man =
		    "Compress the output with zstd at\n"
		    ".I LEVEL\n"
		    "(1 to 19, default 3): each worker compresses its chunk's output into one\n"
		    "zstd frame (with its content size and checksum); frames back to back are one\n"
		    "zstd stream, which\n"
		    ".B zstd \\-dc\n"
		    "reads whole.\n"
		    "The output ends in the seek table of zstd's seekable format (a skippable\n"
		    "frame that lists each frame's compressed and decompressed sizes), so that\n"
		    "other tools can seek in it; forkpipe cuts such a file between its frames.\n",
	},
	{
		.name = "delimiter",
		.letter = 'd',
		/* no YAML key: YAML: input: {delimiter: C} */
		.kind = JOBOPT_DELIM,
		.store = set_delimiter,
		.delim = JOBOPT_DELIM_ARG,
		.arg = "C",
		.help =
		    "fields are separated by the byte C (default for field\n"
		    "stages: runs of blanks, like awk)",
		.man =
		    "Fields are separated by the single byte\n"
		    ".I C\n"
		    "(or a tab, written\n"
		    ".BR \\et ),\n"
		    "each occurrence separating two fields, as with\n"
		    ".BR \"cut \\-d\" .\n"
		    "Any byte but the one that ends records: a double quote is a plain\n"
		    "delimiter outside\n"
		    ".BR \\-\\-csv ,\n"
		    "and with\n"
		    ".B \\-z\n"
		    "a newline may separate fields.\n"
		    "Without\n"
		    ".BR \\-d ,\n"
		    ".B \\-\\-tsv\n"
		    "or\n"
		    ".BR \\-\\-csv ,\n"
		    "field stages split records on runs of blanks (spaces and tabs), like\n"
		    ".BR awk .\n",
	},
	{
		.name = "tsv",
		/* no YAML key: YAML: input: {format: tsv} */
		.kind = JOBOPT_FLAG,
		.store = set_tsv,
		.format = "tsv",
		.delim = "\t",
		.help =
		    "fields are separated by tabs",
		.man =
		    "Fields are separated by tabs (the same as\n"
		    ".BR \"\\-d \\(aq\\et\\(aq\" ).\n",
	},
	{
		.name = "csv",
		/* no YAML key: YAML: input: {format: csv} */
		.kind = JOBOPT_FLAG,
		.store = set_csv,
		.format = "csv",
		.help =
		    "records are CSV (RFC 4180): quoted fields may hold\n"
		    "delimiters, quotes (doubled) and newlines",
		.man =
		    "Records are CSV as in RFC 4180: fields separated by commas, a field in\n"
		    "double quotes may hold the delimiter, newlines and quotes written twice;\n"
		    "a CR before the newline is accepted.\n"
		    "A chunk never starts or ends inside a quoted field, whether the input is\n"
		    "a file cut by offsets or a stream.\n"
		    "Malformed CSV (an unterminated quote, a quote inside an unquoted field,\n"
		    "text after a closing quote) ends the run with status 65, naming the file\n"
		    "and the byte offset; a quote inside an unquoted field is data with\n"
		    ".BR \\-\\-csv\\-lax ,\n"
		    "which the message says.\n",
	},
	{
		.name = "csv-delimiter",
		/* no YAML key: YAML: input: {format: csv, delimiter: C} */
		.kind = JOBOPT_DELIM,
		.store = set_csv_delimiter,
		.format = "csv",
		.delim = JOBOPT_DELIM_ARG,
		.arg = "C",
		.help =
		    "CSV with C instead of a comma (e.g. ';' or '|')",
		.man =
		    "CSV with the delimiter\n"
		    ".I C\n"
		    "instead of a comma, for the\n"
		    ".B ;\n"
		    "and\n"
		    ".B |\n"
		    "dialects.\n",
	},
	{
		.name = "csv-lax",
		/* no YAML key: YAML: input: {format: csv, lax: true} */
		.kind = JOBOPT_FLAG,
		.store = set_csv_lax,
		.format = "csv",
		.help =
		    "CSV that tolerates stray quotes, as common parsers do",
		.man =
		    "CSV that accepts stray quotes inside unquoted fields, and text after a\n"
		    "closing quote, as data, the way common CSV parsers do.\n",
	},
	{
		.name = "json",
		/* no YAML key: YAML: input: {format: jsonl} */
		.kind = JOBOPT_FLAG,
		.store = set_json,
		.format = "json",
		.delim = "none",
		.help =
		    "records are JSON Lines: one JSON value per line, validated;\n"
		    "fields are jq-style paths (.status, .req.path, .tags[0])",
		.man =
		    "Records are JSON Lines: each line holds one JSON value (RFC 8259, UTF-8).\n"
		    "Every record is validated whole, whatever the stages read: strings' UTF-8\n"
		    "and escapes (a \\eu escape of a lone surrogate is refused), numbers,\n"
		    "nesting up to 512 levels; a CR before the newline is accepted, an empty\n"
		    "or blank line is not.\n"
		    "A record that is not valid ends the run with status 65, naming the file,\n"
		    "the record's byte offset and what is wrong.\n"
		    "Fields are named by jq's paths, described under\n"
		    ".B JSON LINES\n"
		    "below.\n",
	},
	{
		.name = "header",
		.letter = 'H',
		/* no YAML key: YAML: input: {header: true} */
		.kind = JOBOPT_FLAG,
		.field = offsetof(struct job, header),
		.help =
		    "the first record is a header: written once, never\n"
		    "processed; stages may name fields by it",
		.man =
		    "The first record of the input is a header: it is written once at the\n"
		    "top of the output (cut by\n"
		    ".B cut\n"
		    "when a\n"
		    ".B cut\n"
		    "stage selects fields; left out when the pipeline has a reducer that makes\n"
		    "new records, such as\n"
		    ".BR count ;\n"
		    "kept on top by\n"
		    ".BR sort )\n"
		    "and is never processed as data.\n"
		    "Stages may name fields by it as well as by number.\n"
		    "With several input files each file's header is consumed and must be the\n"
		    "same as the first one's, or the run ends with status 65 naming the file.\n"
		    "An empty file has no header and no records, and is accepted anywhere.\n"
		    "A UTF\\-8 byte\\-order mark (EF BB BF, which Excel writes at the start of\n"
		    "CSV) before a file's header is dropped: it is no part of the first\n"
		    "field's name, and is not written to the output.\n",
	},
	{
		.name = "unordered",
		.yaml = "unordered",
		.kind = JOBOPT_FLAG,
		.field = offsetof(struct job, unordered),
		.help =
		    "emit chunk results as they finish",
		.man =
		    "Write each chunk's results as they arrive instead of in input order.\n"
		    "Records stay whole and keep their order within a chunk, but records from\n"
		    "different chunks may interleave.\n"
		    "This saves holding back results when order does not matter.\n"
		    "It makes no difference to a reducing stage.\n",
	},
	{
		.name = "memory",
		.yaml = "memory",
		SIZE(1, "expected e.g. 512M, 2G"),
		.field = offsetof(struct job, memory),
		.help =
		    "memory for the whole run (all processes); reducers\n"
		    "spill to temporary files beyond it (default: half\n"
		    "of RAM or of the cgroup's limit, whichever is less)",
		.man =
		    "The memory the whole run may use, all processes together (K, M, G\n"
		    "suffixes).\n"
		    "With a reducing stage, three quarters of it are for its state (group\n"
		    "tables, sort runs), shared by the workers and the merger (the rest holds\n"
		    "the chunks, which a small budget cuts smaller, pipes and code); without\n"
		    "one, half.\n"
		    "The workers of\n"
		    ".BR group ,\n"
		    ".BR uniq ,\n"
		    ".BR top ,\n"
		    ".B crosstab\n"
		    "and\n"
		    ".B rmdup\n"
		    "keep their tables across chunks and take three quarters of the merger's\n"
		    "share while they fold (the merger keeps their big tables as sorted runs),\n"
		    "and the merger's finish, once they have exited, takes theirs.\n"
		    "When a stage's state outgrows\n"
		    "its share it is written to temporary files as sorted runs and merged at\n"
		    "the end, so a group\\-by over more distinct keys than fit in memory, or a\n"
		    "sort of a file larger than memory, still finishes.\n"
		    "The default is half of the physical memory or of the cgroup's memory limit,\n"
		    "whichever is less (at least 64 MiB).\n"
		    "YAML:\n"
		    ".BR \"memory: \" \\fISIZE\\fR.\n",
	},
	{
		.name = "tmpdir",
		.yaml = "tmpdir",
		.kind = JOBOPT_STRING,
		.field = offsetof(struct job, tmpdir),
		.arg = "DIR",
		.help =
		    "where spill files go (default: $TMPDIR, else /tmp)",
		.man =
		    "Where spill files go; the default is\n"
		    ".B $TMPDIR\n"
		    "or\n"
		    ".IR /tmp .\n"
		    "Spill files are unlinked as soon as they are created, so none is left\n"
		    "behind whatever way the run ends, a signal or SIGKILL included.\n"
		    "YAML:\n"
		    ".BR \"tmpdir: \" \\fIDIR\\fR.\n",
	},
	{
		.name = "max-record",
		.yaml = "max-record",
		SIZE(1, "expected e.g. 64K, 1G"),
		.field = offsetof(struct job, max_record),
		.help =
		    "the longest record accepted, terminator included; a\n"
		    "longer one fails the run (default: a quarter of\n"
		    "--memory over -j + 1 processes, at least 1M)",
		.man =
		    "The longest record accepted, in bytes, its terminator included (K, M, G\n"
		    "suffixes); the terminator that ends the last record of a file that lacks\n"
		    "one counts.\n"
		    "A longer record ends the run with status 65 and the message\n"
		    ".IR \"FILE\" \": record at byte offset \" \"N\" \" is longer than \\-\\-max\\-record (\" \"SIZE\" \" bytes),\"\n"
		    "where\n"
		    ".I N\n"
		    "is where the record starts (after decompression, for compressed input).\n"
		    "A record longer than a block (1 MiB) is held whole in memory, by a worker\n"
		    "and, from a stream, by the supervisor too, so this is what bounds the\n"
		    "memory a single record can take: a line of gigabytes, or a decompression\n"
		    "bomb that inflates to one endless record, stops at the limit, once that\n"
		    "many bytes have been read, not at the end of the input.\n"
		    "The records an\n"
		    ".B exec\n"
		    "command writes are held whole too until they end, and bounded alike: a\n"
		    "longer one (one line without end, as\n"
		    ".B \"yes | tr \\-dc y\"\n"
		    "writes, included) kills the command and ends the run with status 65 and\n"
		    "the message\n"
		    ".IR \"FILE\" \": chunk \" \"K\" \" (bytes \" \"A\\-B\" \"): exec: '\" \"COMMAND\" \"': an output record is longer than \\-\\-max\\-record (\" \"SIZE\" \" bytes),\"\n"
		    "naming the chunk's input and byte range (without them after a reducer),\n"
		    "also with\n"
		    ".BR \\-\\-keep\\-going .\n"
		    "The default is a quarter of each process's share of\n"
		    ".B \\-\\-memory\n"
		    "(the budget over\n"
		    ".B \\-j\n"
		    "+ 1 processes), at least 1 MiB.\n"
		    "YAML:\n"
		    ".BR \"max\\-record: \" \\fISIZE\\fR.\n",
	},
	{
		.name = "partial",
		/* no YAML key: how one run writes its result, not part of the pipeline */
		.kind = JOBOPT_FLAG,
		.field = offsetof(struct job, partial_out),
		.help =
		    "write the reducer's partial results (a partial file,\n"
		    "see forkpipe-partials(5)) instead of the result",
		.man =
		    "Write the reducer's partial results instead of the pipeline's result: a\n"
		    "partial file, in the format\n"
		    ".BR forkpipe\\-partials (5)\n"
		    "describes, holding the state each chunk folded into (groups and their\n"
		    "sums, sorted runs, counts), with the input format, the header record and the\n"
		    "stages up to the reducer that made it.\n"
		    "The stages after the reducer are not run.\n"
		    "Runs over different files, or over parts of one file, on this machine or\n"
		    "others, make partial files that\n"
		    ".B forkpipe merge\n"
		    "combines into the result of one run over all of them.\n"
		    "Bad data fails the run as it would without\n"
		    ".BR \\-\\-partial .\n"
		    "The pipeline must have a reducer (exit 64 otherwise).\n",
	},
	{
		.name = "shard",
		.yaml = "shard",
		.kind = JOBOPT_CUSTOM,
		.parse = parse_shard,
		.arg = "K/N",
		.help =
		    "process only shard K of N (0-based): the records\n"
		    "that start in the K-th of N equal byte ranges of\n"
		    "the input files; auto: K and N from the task of a\n"
		    "Slurm job array (SLURM_ARRAY_TASK_ID, ...)",
		.man_tag = ".BI \\-\\-shard= K / N\\fR,\\fB \" \\-\\-shard=auto\"",
		.man =
		    "Process shard\n"
		    ".I K\n"
		    "of\n"
		    ".I N\n"
		    "(0 \\(<=\n"
		    ".I K\n"
		    "<\n"
		    ".I N\n"
		    "\\(<= 1000000) only: the byte space of the input files, taken one after\n"
		    "the other, is cut into\n"
		    ".I N\n"
		    "equal ranges, and the shard's records are those that start in range\n"
		    ".IR K .\n"
		    "Every shard cuts the same way, so the\n"
		    ".I N\n"
		    "shards process every record once: for a pipeline without a reducer,\n"
		    "their outputs concatenated in shard order are the output of one run over\n"
		    "all the files, byte for byte; with a reducer and\n"
		    ".BR \\-\\-partial ,\n"
		    ".B forkpipe merge\n"
		    "merges their partial files, in any order, into the result of one run.\n"
		    "See\n"
		    ".BR \"SHARDS AND CLUSTERS\" .\n"
		    ".B auto\n"
		    "takes\n"
		    ".I K\n"
		    "and\n"
		    ".I N\n"
		    "from the task of a Slurm job array that runs forkpipe (see\n"
		    ".BR ENVIRONMENT ).\n"
		    "Only regular files that can be cut by offsets can be sharded: plain files,\n"
		    "BGZF files, zstd files of several frames (cut between members and\n"
		    "frames) and gzip files read with their index (see\n"
		    ".BR \\-\\-index ;\n"
		    "the range is then one of inflated bytes, moved to the index's access\n"
		    "points); not with\n"
		    ".B \\-\\-csv\n"
		    "or\n"
		    ".BR \\-\\-header ,\n"
		    "which read them as one stream.\n"
		    "Standard input, a pipe, a gzip file without an index (the message says to\n"
		    "make one with\n"
		    ".BR \"forkpipe index\" )\n"
		    "or a zstd file of one frame is refused with exit 64, as is a bad value.\n"
		    "YAML:\n"
		    ".BR \"shard: \" \\fIK\\fR/\\fIN\\fR \" or \" \"shard: auto\" .\n",
	},
	{
		.name = "index",
		/* no YAML key: it names a file beside one input, as the inputs
		 * themselves are named on the command line */
		.kind = JOBOPT_STRING,
		.field = offsetof(struct job, index),
		.arg = "FILE",
		.help =
		    "read the gzip input by the index FILE (see\n"
		    "forkpipe-gzindex(5)) instead of FILE.gz.fpi; one that\n"
		    "does not fit the input is an error",
		.man =
		    "A gzip input (not BGZF) with an index, made by\n"
		    ".BR \"forkpipe index\" ,\n"
		    "is cut between the index's access points and the workers inflate\n"
		    "their ranges themselves, in parallel, every byte checked (see\n"
		    ".BR forkpipe\\-gzindex (5)).\n"
		    "By default each gzip file's index is\n"
		    ".IB FILE .fpi\n"
		    "beside it, if there is one; when it does not match its file (the file\n"
		    "was appended to, truncated or replaced) or is damaged, it is ignored\n"
		    "with a warning,\n"
		    ".IR \"FILE.fpi\" \": warning: \" \"WHY\" \"; reading \" \"FILE\" \" serially\" ,\n"
		    "and the file is inflated as one stream.\n"
		    ".B \\-\\-index\n"
		    ".I FILE\n"
		    "names the index of the one gzip input instead; one that cannot be\n"
		    "used is an error: 65 when it is damaged or does not match, 66 when it\n"
		    "cannot be opened, 64 when the inputs do not hold exactly one gzip file\n"
		    "that could use it.\n"
		    "CSV is cut there too: each point keeps its quote state, from which\n"
		    "the workers find the first record end after it, and with\n"
		    ".B \\-\\-header\n"
		    "the header is read through the index.\n"
		    "With\n"
		    ".B \\-\\-csv\\-lax\n"
		    "no index is used (its stray quotes make the quote state meaningless):\n"
		    "gzip files are inflated as one stream; one named with\n"
		    ".B \\-\\-index\n"
		    "is still checked.\n",
	},
	{
		.name = "write-index",
		/* no YAML key: it writes files beside the inputs, not part of
		 * the pipeline */
		.kind = JOBOPT_FLAG,
		.field = offsetof(struct job, write_index),
		.help =
		    "write FILE.gz.fpi for each gzip input read without\n"
		    "an index, while inflating it",
		.man =
		    "Write the index of each gzip input that is read without one (a named\n"
		    "file, not BGZF; see\n"
		    ".BR \\-\\-index ),\n"
		    "as\n"
		    ".B forkpipe index\n"
		    "would with its default spacing, while the run inflates it: the\n"
		    "decompressor keeps the access points as it goes, so it costs no second\n"
		    "pass, and the next run over the file is cut between the points.\n"
		    "The index is written, whole (a temporary file renamed), only when the\n"
		    "whole file was inflated and good; a run that fails, or stops\n"
		    ".RB ( head )\n"
		    "before the whole file was inflated, writes none.\n"
		    "An index that cannot be written is a warning.\n",
	},
	{
		.name = "stats",
		.yaml = "stats",
		.kind = JOBOPT_FLAG,
		.field = offsetof(struct job, stats),
		.help =
		    "print what the run did and cost on stderr at the end:\n"
		    "records, bytes, CPU and memory of each process, CPU\n"
		    "of each stage",
		.man =
		    "When the run succeeds, print on standard error what it did and cost, a\n"
		    "figure a line: wall\\-clock seconds; bytes and records in and out; the\n"
		    "number of chunks and of chunks run again after their worker died\n"
		    "(retries); throughput in MB/s and records/s; a table of the processes,\n"
		    "the supervisor and each worker slot, with the chunks each completed,\n"
		    "their user and system CPU seconds and peak resident memory in KiB (from\n"
		    ".BR wait4 (2)\n"
		    "and\n"
		    ".BR getrusage (2);\n"
		    "a slot served by several processes in turn, after a crash, adds up their\n"
		    "CPU and keeps the largest peak); the CPU seconds of them all; and the\n"
		    "profiler view: each stage's CPU seconds in the workers and in the merger,\n"
		    "and its share of all the CPU.\n"
		    "See\n"
		    ".B RUN REPORT\n"
		    "for what each figure counts.\n",
	},
	{
		.name = "stats-json",
		.yaml = "stats-json",
		.kind = JOBOPT_STRING,
		.field = offsetof(struct job, stats_json),
		.arg = "FILE",
		.help =
		    "write the same as one JSON object to FILE (- for\n"
		    "stderr), atomically, also when the run fails",
		.man =
		    "Write the same figures as one JSON object to\n"
		    ".I FILE\n"
		    ".RB ( \\- :\n"
		    "standard error), also when the run fails, with its exit status and error\n"
		    "message, so that a job run from\n"
		    ".BR cron (8)\n"
		    "can be monitored by reading one file.\n"
		    "The object is written to a temporary file beside\n"
		    ".I FILE\n"
		    "and renamed over it at the end, so\n"
		    ".I FILE\n"
		    "always holds a whole report, this run's or the previous one's.\n"
		    "The file is created before any input is read: if it cannot be, the run\n"
		    "ends at once with status 73.\n"
		    "A\n"
		    ".I FILE\n"
		    "that is an input, the output, the\n"
		    ".B \\-\\-lock\n"
		    "file or the\n"
		    ".B \\-c\n"
		    "file (the same file by any name: compared by device and inode) is refused\n"
		    "with status 64, and nothing is written.\n"
		    "When the\n"
		    ".B \\-c\n"
		    "file cannot be loaded, the inputs it names are not all known: the report\n"
		    "then replaces only a missing file or an earlier report, and a warning says\n"
		    "why any other file was left alone.\n"
		    "The fields are described under\n"
		    ".BR \"RUN REPORT\" .\n",
	},
	{
		.name = "stats-interval",
		.yaml = "stats-interval",
		.kind = JOBOPT_SECONDS,
		.min = JOB_MIN_STATS_INTERVAL,
		.noun = "interval",
		.expect = "expected seconds, such as 10 or 0.5, at least " STR(JOB_MIN_STATS_INTERVAL),
		.field = offsetof(struct job, stats_interval),
		.arg = "SECONDS",
		.help =
		    "every SECONDS, a JSON line with the figures\n"
		    "so far, to the --stats-json file (else stderr)",
		.man =
		    "Every\n"
		    ".I SECONDS\n"
		    "(a number such as\n"
		    ".B 10\n"
		    "or\n"
		    ".BR 0.5 ,\n"
		    "at least 0.01, or with an\n"
		    ".BR s ,\n"
		    ".BR m ,\n"
		    ".B h\n"
		    "or\n"
		    ".B d\n"
		    "suffix), append a line with the running figures to the\n"
		    ".B \\-\\-stats\\-json\n"
		    "file, or to standard error without one; the final object comes last.\n"
		    "Lines come while chunks are being processed: the merger's work after\n"
		    "the last chunk (finishing a reducer such as\n"
		    ".BR sort )\n"
		    "adds none.\n"
		    "See\n"
		    ".BR \"RUN REPORT\" .\n",
	},
	{
		.name = "progress",
		.values = "always auto",
		.optional = true,
		/* no YAML key: the terminal of one run */
		.kind = JOBOPT_CUSTOM,
		.parse = parse_progress,
		.arg = "always",
		.help =
		    "a progress bar on stderr when it is a terminal\n"
		    "(always: also when it is not)",
		.man_tag = ".BR \\-\\-progress [=\\fBalways\\fR]",
		.man =
		    "Draw a one\\-line progress bar on standard error: bytes done of the total\n"
		    "(when every input is a regular file), the rate, the records done and\n"
		    "their rate, and the time left,\n"
		    "redrawn four times a second and erased at the end (and before an error\n"
		    "message).\n"
		    "For standard input and other streams, whose size is not known, it shows\n"
		    "the bytes and records done and their rates, without a time left.\n"
		    "It is drawn only when standard error is a terminal.\n"
		    "When the output goes to the same terminal, the bar is erased before each\n"
		    "write of output and drawn again after it, so the two never share a line;\n"
		    ".B \\-\\-progress=always\n"
		    "draws it whatever standard error is.\n",
	},
	{
		.name = "explain",
		.values = "json text",
		.optional = true,
		/* no YAML key: a question about one run */
		.kind = JOBOPT_CUSTOM,
		.parse = parse_explain,
		.arg = "json",
		.help =
		    "print the plan of the run and exit without running it\n"
		    "(json: as one JSON object)",
		.man_tag = ".BR \\-\\-explain [=\\fBjson\\fR]",
		.man =
		    "Print the plan of the run on standard output and exit without running it:\n"
		    "each input and how it is cut (ranges of a plain file, the members of a\n"
		    "BGZF file or the frames of a zstd file, a stream, the quote grid of a\n"
		    "CSV file), the chunk size and why, the number of workers, the stages that\n"
		    "run in the workers and in the merger, the memory budget and each\n"
		    "process's share of it, and the output path (placed by the workers,\n"
		    "ordered through the supervisor, or compressed pieces), each with the\n"
		    "option that set it.\n"
		    "The inputs are opened (a missing one fails as a run would) but a stream\n"
		    "is not read, and no output file is made.\n"
		    ".B \\-\\-explain=json\n"
		    "prints the same as one JSON object\n"
		    "(members inputs, chunk_size, workers, stages, memory, output).\n"
		    "For example:\n"
		    ".RS\n"
		    ".nf\n"
		    "$ forkpipe \\-\\-explain \\-j 4 \\-e 'grep \\-F x' \\-e count big.log\n"
		    "plan (\\-\\-explain: nothing is run)\n"
		    "inputs (fields split at blanks):\n"
		    "  big.log: a plain file of 1 GiB, cut by offsets into ranges the workers read themselves\n"
		    "chunks: 16 MiB (the inputs' bytes / (16 x 4 workers), between 256 KiB and 51.2 MiB\n"
		    "  (a reducer's chunks, by \\-\\-memory))\n"
		    "workers: 4 (\\-j)\n"
		    "in the workers: grep \\-F x | count (partials)\n"
		    "in the merger: merge of count's partials\n"
		    "memory: 8 GiB (default: half of RAM or the cgroup's limit): 1.2 GiB of\n"
		    "  reducer state in each of the 4 workers and 1.2 GiB in the merger, ...\n"
		    "output: stdout (stdout): ordered through the supervisor (the reducer's\n"
		    "  partials are merged)\n"
		    ".fi\n"
		    ".RE\n",
	},
	{
		.name = "line-buffered",
		/* no YAML key: the reader of one run */
		.kind = JOBOPT_FLAG,
		.field = offsetof(struct job, line_buffered),
		.help =
		    "hand a stream's records to a worker as they come and\n"
		    "write each chunk's output as soon as it is released",
		.man =
		    "Write each chunk's output as soon as it is released, instead of gathering\n"
		    "small outputs into large writes, and hand the complete records of a\n"
		    "stream (a pipe, standard input) to a worker as soon as they are read,\n"
		    "instead of waiting for a whole chunk: for a reader that wants records as\n"
		    "they come (a\n"
		    ".B tail \\-f\n"
		    "fed through forkpipe), whose matches then show up within a fraction of a\n"
		    "second.\n"
		    "Standard input that is a terminal is read that way without the option.\n"
		    "Without it, the records of a stream that has given nothing for 0.2\n"
		    "seconds are handed out too, so a quiet pipe's records never wait for\n"
		    "more input; a stream that keeps coming is cut into whole chunks.\n",
	},
	{
		.name = "strict-epipe",
		/* no YAML key: the reader of one run */
		.kind = JOBOPT_FLAG,
		.field = offsetof(struct job, strict_epipe),
		.help =
		    "exit 141 when the output's reader goes away (default:\n"
		    "stop quietly with status 0)",
		.man =
		    "When the output's reader goes away (\\fBforkpipe ... | head \\-1\\fR), exit\n"
		    "with status 141 (128 + SIGPIPE), as a program killed by SIGPIPE would.\n"
		    "By default forkpipe stops as promptly, silently, and exits 0, since that\n"
		    "is how a pipeline that wanted only the start of the output ends.\n",
	},
	{
		.name = "keep-going",
		.yaml = "keep-going",
		.kind = JOBOPT_FLAG,
		.field = offsetof(struct job, keep_going),
		.help =
		    "an exec command that fails skips its chunk's output;\n"
		    "the run goes on and exits 70 at the end",
		.man =
		    "When an\n"
		    ".B exec\n"
		    "command fails on a chunk (a status other than 0, or a signal), report it\n"
		    "on standard error, drop that chunk's output (or its partial result, before\n"
		    "a reducer), and go on with the others; at the end, print how many chunks\n"
		    "were dropped and exit with status 70.\n"
		    "The output of the other chunks is complete and in order, and with\n"
		    ".B \\-o\n"
		    "it is kept.\n"
		    "A chunk's output waits in its worker until its command's status is\n"
		    "known: up to 4 MiB in memory, the rest in a temporary file under\n"
		    ".B \\-\\-tmpdir\n"
		    "(unlinked at once, so none is left behind), so a command may write any\n"
		    "amount.\n"
		    "Other errors still end the run at once, bad data too: an\n"
		    ".B exec\n"
		    "command's output record longer than\n"
		    ".B \\-\\-max\\-record\n"
		    "is not a failed command, and ends the run with status 65.\n",
	},
	{
		.name = "to",
		.values = "jsonl tsv csv",
		.yaml = "to",
		.kind = JOBOPT_CUSTOM,
		.parse = parse_to,
		.arg = "FORMAT",
		.help =
		    "write the output as jsonl (JSON Lines), tsv or csv,\n"
		    "whatever the input's format",
		.man =
		    "Write the output records as\n"
		    ".B jsonl\n"
		    "(JSON Lines),\n"
		    ".B tsv\n"
		    "or\n"
		    ".B csv\n"
		    "(RFC 4180), whatever the input's format: CSV to TSV or JSON Lines and\n"
		    "back. Each record is split as the last stage wrote it (the input's\n"
		    "format, or a reducer's results) and written in\n"
		    ".IR FORMAT .\n"
		    ".B jsonl\n"
		    "writes an object per record, its keys the header's names (\n"
		    ".BR \\-H ,\n"
		    "as the stages map it; it is not written as a line), or after a reducer\n"
		    "with a header line\n"
		    ".RB ( group ,\n"
		    ".BR uniq ,\n"
		    ".BR top )\n"
		    "the names of its\n"
		    ".B \\-\\-header\\-out\n"
		    "line, which it turns on: ops as datamash names them (\n"
		    ".BR count ,\n"
		    ".BR sum(bytes) ,\n"
		    ".BR perc:95(bytes) ),\n"
		    "a key field by its name\n"
		    ".RB ( GroupBy(.status)\n"
		    "is\n"
		    ".BR status );\n"
		    "without names an array per record.\n"
		    "A value that is a JSON number as written (404, -1.5e3; not 007, inf or\n"
		    "nan) is written as that number, any other as a string, so that\n"
		    "converting back gives the same text.\n"
		    ".B csv\n"
		    "quotes exactly the values that need it (a comma, a quote, a line break).\n"
		    ".B tsv\n"
		    "joins the values with tabs as they are, as forkpipe reads TSV: a value\n"
		    "holding a tab, a line feed or a carriage return cannot be written, and\n"
		    "ends the run with status 65 (use\n"
		    ".B csv\n"
		    "or\n"
		    ".B jsonl\n"
		    "for such values).\n"
		    "With\n"
		    ".B \\-\\-json\n"
		    "input,\n"
		    ".B jsonl\n"
		    "changes nothing, and\n"
		    ".B tsv\n"
		    "and\n"
		    ".B csv\n"
		    "take their columns from the pipeline's last\n"
		    ".B cut \\-f\n"
		    "(after a reducer, its results' columns): a header line of the paths\n"
		    "first, then their values as text (strings unescaped, objects and arrays\n"
		    "compact), null or a missing value empty.\n"
		    "Not with\n"
		    ".BR \\-\\-partial ,\n"
		    ".B grep \\-n\n"
		    "or\n"
		    ".B grep \\-o \\-m\n"
		    "as the workers' last stage, nor\n"
		    ".B group \\-\\-output\\-delimiter\n"
		    "(exit 64).\n",
	},
	{
		.name = "reject",
		.yaml = "reject",
		.kind = JOBOPT_STRING,
		.field = offsetof(struct job, reject),
		.arg = "FILE",
		.help =
		    "write bad records (JSON or CSV that does not parse,\n"
		    "values a reducer's ops cannot take) to FILE\n"
		    "(atomically) instead of failing the run",
		.man =
		    "A bad record does not end the run: it is written to\n"
		    ".I FILE\n"
		    "byte for byte, in input order, and left out of the stages' input.\n"
		    "Bad are: a record that does not parse with\n"
		    ".B \\-\\-json\n"
		    "or\n"
		    ".BR \\-\\-csv\n"
		    "(a quote inside an unquoted field, text after a closing quote, a quoted\n"
		    "field still open at the end of the input); such a CSV record ends at the\n"
		    "first newline from the error on, quotes no longer counting, so a newline\n"
		    "inside its quotes may end it early and the rest be rejected as a record of\n"
		    "its own.\n"
		    "And a record that the ops of\n"
		    ".BR group ,\n"
		    ".B top\n"
		    "or\n"
		    ".B crosstab\n"
		    "cannot take, for any input format: a value of a numeric op that is not a\n"
		    "number, a field an op reads or (crosstab) a key field that the record\n"
		    "lacks.\n"
		    "Such a record is checked before it reaches a group, and left out of the\n"
		    "reducer entirely: it is in no group and in no op's result, not even\n"
		    ".BR count .\n"
		    "It is written as the reducer received it, with its terminator: after a\n"
		    "map stage before the reducer, as that stage wrote it, and without a byte\n"
		    "offset (none is in the report then).\n"
		    "The reject file does not depend on\n"
		    ".BR \\-j ,\n"
		    "the chunk size, spills or retried chunks.\n"
		    "Not with\n"
		    ".B merge\n"
		    "(exit 64), nor without a format or a reducer that rejects records, nor\n"
		    "with\n"
		    ".B head\n"
		    "or\n"
		    ".B grep \\-m\n"
		    "as the last stage (what the workers read past the limit depends on the\n"
		    "chunks; after a reducer they are fine).\n"
		    ".I FILE\n"
		    "is written as\n"
		    ".B \\-o\n"
		    "writes its file: atomically, when the run succeeds, and not at all when\n"
		    "it fails.\n"
		    "How many records were rejected, and the input and offset of the first\n"
		    "ten, are in\n"
		    ".B \\-\\-stats\n"
		    "and\n"
		    ".B \\-\\-stats\\-json\n"
		    ".RB ( rejected_records ,\n"
		    ".BR rejected_first ).\n",
	},
	{
		.name = "max-rejects",
		.yaml = "max-rejects",
		.kind = JOBOPT_COUNT,
		.min = 0,
		.max = 1e15,
		.noun = "number",
		.expect = "expected a whole number from 0",
		.store = set_max_rejects,
		.arg = "N",
		.help =
		    "with --reject: fail (65) once more than N records\n"
		    "were rejected",
		.man =
		    "With\n"
		    ".BR \\-\\-reject ,\n"
		    "end the run with status 65 once more than\n"
		    ".I N\n"
		    "records were rejected, naming the input and offset of the last; neither\n"
		    "the output nor\n"
		    ".I FILE\n"
		    "is then written.\n",
	},
	{
		.name = "retries",
		.yaml = "retries",
		.kind = JOBOPT_COUNT,
		.min = 0,
		.max = 100,
		.noun = "number",
		.expect = "expected 0 to 100",
		.store = set_retries,
		.arg = "N",
		.help =
		    "process a chunk again up to N times when its worker\n"
		    "dies or times out (default 2), then exit 70",
		.man =
		    "When a worker dies while it processes a chunk (killed by a signal, out of\n"
		    "memory, past\n"
		    ".BR \\-\\-chunk\\-timeout ),\n"
		    "a new worker takes its place and the chunk is processed again, up to\n"
		    ".I N\n"
		    "more times (default 2, at most 100); then the run ends with exit status 70\n"
		    "naming the chunk's file and byte range.\n"
		    "Each retry is reported on standard error as a warning.\n"
		    "Nothing is lost or repeated: the chunks the dead worker held are processed\n"
		    "again, and the part of a chunk's output already written is not written\n"
		    "twice.\n"
		    "That relies on the stages giving the same output for the same chunk, which\n"
		    "every built\\-in stage does; an\n"
		    ".B exec\n"
		    "command whose output varies from run to run may not: the bytes of its\n"
		    "output already written are checked against the new run's (a CRC\\-32), and\n"
		    "when they differ the run fails with status 70\n"
		    ".RB (\\(lq \"its output changed when it was processed again\" \\(rq)\n"
		    "rather than join two different outputs.\n"
		    "Before the chunk runs again, the commands the dead worker ran are killed,\n"
		    "with every process they started (each command runs in a process group of\n"
		    "its own).\n"
		    "Only the chunk the worker was working on counts as an attempt.\n",
	},
	{
		.name = "chunk-timeout",
		.yaml = "chunk-timeout",
		DURATION(JOB_MIN_TIMEOUT),
		.field = offsetof(struct job, chunk_timeout),
		.help =
		    "kill a worker that spends longer on one chunk\n"
		    "(30, 1.5s, 500ms, 10m, 2h): the chunk is retried",
		.man =
		    "A worker that spends longer than\n"
		    ".I DURATION\n"
		    "on one chunk is stopped (SIGTERM, which also stops the commands of its\n"
		    ".B exec\n"
		    "stages; SIGKILL 2 seconds later) and the chunk retried as above.\n"
		    "A\n"
		    ".I DURATION\n"
		    "is a positive number of seconds, or a number with a unit:\n"
		    ".BR ms ,\n"
		    ".BR s ,\n"
		    ".BR m ,\n"
		    ".BR h ,\n"
		    ".B d\n"
		    "(500ms, 1.5s, 10m, 2h).\n",
	},
	{
		.name = "stall-warning",
		.yaml = "stall-warning",
		DURATION(0),
		.field = offsetof(struct job, stall_warning),
		.help =
		    "warn when a worker sends nothing for that long\n"
		    "on a chunk (default 30s; 0: never)",
		.man =
		    "A worker that holds a chunk and sends nothing back for\n"
		    ".I DURATION\n"
		    "(default 30s;\n"
		    ".B 0\n"
		    "turns the warning off) is named on standard error:\n"
		    ".RS\n"
		    ".PP\n"
		    ".EX\n"
		    "forkpipe: warning: worker 1 (pid 4242) has made no progress for 30 s while processing big.log bytes 0\\-4194304\n"
		    ".EE\n"
		    ".PP\n"
		    "and again each time the silence doubles (60 s, 120 s, ...), and it is\n"
		    "listed in the\n"
		    ".B stalled_workers\n"
		    "member of\n"
		    ".B \\-\\-stats\\-interval\n"
		    "lines.\n"
		    "A slow\n"
		    ".B exec\n"
		    "command is a common cause, and the warning changes nothing for it.\n"
		    "A worker that is stopped (by SIGSTOP, a stray\n"
		    ".BR \"kill \\-STOP\" )\n"
		    "would hang the run for good, since nothing else wakes it: the warning\n"
		    "then ends with\n"
		    ".RB \\(lq \": it is stopped (SIGSTOP); continuing it (SIGCONT)\" \\(rq\n"
		    "and the worker is sent SIGCONT, after which the run goes on.\n"
		    "A worker that is working but stuck is ended only by\n"
		    ".BR \\-\\-chunk\\-timeout ,\n"
		    "which kills it and retries its chunk as above.\n"
		    ".RE\n",
	},
	{
		.name = "timeout",
		.yaml = "timeout",
		DURATION(JOB_MIN_TIMEOUT),
		.field = offsetof(struct job, timeout),
		.help =
		    "end the whole run with exit 124 when it takes longer",
		.man =
		    "End the run with exit status 124 (as\n"
		    ".BR timeout (1))\n"
		    "and the message\n"
		    ".RB \\(lq \"the run took longer than \\-\\-timeout\" \\(rq\n"
		    "when it takes longer than\n"
		    ".IR DURATION ;\n"
		    "the workers are stopped and nothing is written with\n"
		    ".BR \\-o .\n",
	},
	{
		.name = "max-memory-per-worker",
		.yaml = "max-memory-per-worker",
		SIZE(JOB_MIN_WORKER_MEMORY, "expected 16M or more, e.g. 512M, 2G"),
		.field = offsetof(struct job, worker_memory),
		.help =
		    "address-space limit of each worker; a\n"
		    "worker that reaches it is retried like one that died",
		.man =
		    "Limit each worker's address space to\n"
		    ".I SIZE\n"
		    "(16M or more) with\n"
		    ".BR setrlimit (2)\n"
		    ".RB ( RLIMIT_AS ),\n"
		    "so that a record that makes a stage allocate without bound fails that worker\n"
		    "rather than the machine.\n"
		    "A worker that reaches the limit counts as a worker that died: its chunk is\n"
		    "retried, and ends the run with status 70 and\n"
		    ".RB \\(lq \"ran out of memory\" \\(rq\n"
		    "when it fails every time.\n"
		    "The commands of\n"
		    ".B exec\n"
		    "stages inherit the limit.\n"
		    "A build with AddressSanitizer cannot limit its address space: it warns and\n"
		    "runs without the limit.\n",
	},
	{
		.name = "lock",
		.yaml = "lock",
		.kind = JOBOPT_STRING,
		.field = offsetof(struct job, lock),
		.arg = "FILE",
		.help =
		    "hold an exclusive lock on FILE for the run; if another\n"
		    "run holds it, exit 75 at once",
		.man =
		    "Before anything else, take an exclusive lock on\n"
		    ".I FILE\n"
		    ".RB ( flock (2);\n"
		    "the file is created if need be, mode 0666 less the umask, and never\n"
		    "written), and hold it until the run ends.\n"
		    "If another run holds it, exit at once with status 75 and\n"
		    ".RB \\(lq \"\\-\\-lock: FILE: held by another run\" \\(rq,\n"
		    "having written nothing.\n"
		    "The kernel releases the lock however the run ends, a crash included, so a\n"
		    "stale lock never blocks the next run.\n"
		    "The same\n"
		    ".I FILE\n"
		    "works with\n"
		    ".BR flock (1)\n"
		    "in scripts.\n",
	},
	{
		.name = "lock-wait",
		.yaml = "lock-wait",
		DURATION(JOB_MIN_TIMEOUT),
		.field = offsetof(struct job, lock_wait),
		.help =
		    "wait that long for the lock before exit 75",
		.man =
		    "With\n"
		    ".BR \\-\\-lock ,\n"
		    "wait up to\n"
		    ".I DURATION\n"
		    "for the lock before giving up with status 75.\n",
	},
	{
		.name = "help",
		.letter = 'h',
		/* no YAML key: command line only */
		.kind = JOBOPT_SHOW,
		.show = jobopt_usage,
		.help =
		    "show this help",
		.man =
		    "Print a summary of the options and of every stage, and exit.\n",
	},
	{
		.name = "help-stages",
		.values = "man",
		/* no YAML key: command line only */
		.kind = JOBOPT_SHOW,
		.show = show_stages,
		.arg = "man",
		.help =
		    "print the man page's STAGES section (roff)",
		.man_tag = ".B \\-\\-help\\-stages=man",
		.man =
		    "Print the\n"
		    ".B STAGES\n"
		    "section of this manual, in roff, from the stage table built into the binary,\n"
		    "and exit.\n"
		    ".B man\n"
		    "is the only format.\n",
	},
	{
		.name = "help-options",
		.values = "man",
		/* no YAML key: command line only */
		.kind = JOBOPT_SHOW,
		.show = jobopt_man,
		.arg = "man",
		.man_tag = ".B \\-\\-help\\-options=man",
		.man =
		    "Print the entries of this\n"
		    ".B OPTIONS\n"
		    "section, in roff, from the option table built into the binary,\n"
		    "and exit.\n"
		    ".B man\n"
		    "is the only format.\n",
	},
	{
		.name = "help-completion",
		.values = "bash zsh fish",
		/* no YAML key: command line only */
		.kind = JOBOPT_SHOW,
		.show = completion_print,
		.arg = "SHELL",
		/* no .help: the build's, not the user's (Makefile.am writes
		 * completions/ with it) */
		.man =
		    "Print the completion script for\n"
		    ".I SHELL\n"
		    "(\\fBbash\\fR, \\fBzsh\\fR or \\fBfish\\fR), written from the option and stage\n"
		    "tables, and exit.\n"
		    "The build installs its output where each shell finds it (see\n"
		    ".BR \"SHELL COMPLETION\" ).\n"
		    "The scripts call\n"
		    ".B \\-\\-help\\-completion=fields \\-\\- \\fIWORD\\fR...\n"
		    "for the header's field names of the file the line names.\n",
	},
	{
		.name = "version",
		.letter = 'V',
		/* no YAML key: command line only */
		.kind = JOBOPT_SHOW,
		.show = show_version,
		.help =
		    "show the version, the libraries' and the byte kernels'",
		.man =
		    "Print the version, then a line for each library: the version it was\n"
		    "built with and the one found at run time (PCRE2 also says whether its\n"
		    "JIT is on; ISA\\-L has only the version built with), then the byte\n"
		    "kernels chosen for this CPU\n"
		    "(\\fBAVX2\\fR or \\fBportable\\fR), and exit.\n",
	},
	{ .name = NULL },
};
