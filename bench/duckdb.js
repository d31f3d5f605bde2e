// bench/duckdb.js - DuckDB's side of bench/agg.sh: run one case's query
// over gencsv -t's TSV in an in-memory DuckDB and write the result to
// stdout as tab-separated lines, in forkpipe's format and key order.
//
//   node bench/duckdb.js CASE FILE THREADS
//   node bench/duckdb.js joincount LOG THREADS LOOKUP
//   node bench/duckdb.js version
//
// CASE: city (group by city: count, sum of amount), uniq (uniq -c of the
// (email, date) pairs), pairs (group count of the same pairs), or kv
// (genkv's key/value TSV: count and sum of the value by key), or
// quantiles (an access log: median and 99th percentile of the bytes by
// status), or users (gencsv -u's CSV: the number of distinct user ids),
// or jsonstatus (bench/json.sh's JSON Lines: count and sum of
// .bytes by .status), or joincount (bench/join.sh: the log's lines whose
// client IP is in the lookup, counted).  THREADS
// is DuckDB's `threads` setting (agg.sh passes the online CPUs, as
// forkpipe -jN).  @duckdb/node-api is found through NODE_PATH (agg.sh
// installs it under BENCH_DIR/node).
//
// Every column is read as text (keys compare byte for byte, as forkpipe's
// do), amount as DECIMAL(18,2) so the sums are exact, like forkpipe's.
// No quote or escape character: gencsv -t's fields hold none, and a TSV
// field is its bytes.  DuckDB sorts VARCHAR in byte order (no collation),
// and COPY writes the rows in the ORDER BY order, straight from DuckDB to
// stdout (no row goes through JavaScript).
'use strict';

const { DuckDBInstance } = require('@duckdb/node-api');

const COLS = ['id', 'name', 'city', 'amount', 'qty', 'note', 'email', 'date', 'flag', 'comment'];

// SQL string literal.
const lit = (s) => "'" + String(s).replace(/'/g, "''") + "'";

function source(file) {
	const cols = COLS.map((c) => `${lit(c)}: ${lit(c === 'amount' ? 'DECIMAL(18,2)' : 'VARCHAR')}`);
	return `read_csv(${lit(file)}, delim = '\t', header = true, quote = '', escape = '',
		auto_detect = false, columns = {${cols.join(', ')}})`;
}

// The queries, each in the output format of forkpipe's command of the case.
const CASES = {
	// group -k 3 count sum:4: city, count, sum (two decimals).
	city: (src) => `SELECT city, count(*), CAST(sum(amount) AS VARCHAR)
		FROM ${src} GROUP BY city ORDER BY city`,
	// uniq -c -k 7,8: "%7d email" and date, as uniq -c prints them.
	uniq: (src) => `SELECT printf('%7d %s', count(*), email), date
		FROM ${src} GROUP BY email, date ORDER BY email, date`,
	// group -k 7,8 count: email, date, count.
	pairs: (src) => `SELECT email, date, count(*)
		FROM ${src} GROUP BY email, date ORDER BY email, date`,
	// genkv's TSV, group -k 1 count sum:2: key, count, sum.
	kv: (src, file) => `SELECT k, count(*), sum(v) FROM read_csv(${lit(file)}, delim = '\t',
		header = false, quote = '', escape = '', auto_detect = false,
		columns = {'k': 'VARCHAR', 'v': 'BIGINT'}) GROUP BY k ORDER BY k`,
	// An access log's lines split at spaces (the status and bytes come
	// before the first field that holds a space), group -k 9 median:10
	// perc:10:99: the interpolated median and 99th percentile, as datamash
	// computes them, printed with 14 significant digits as datamash does.
	quantiles: (src, file) => `SELECT s[9], printf('%.14g', median(b)),
		printf('%.14g', quantile_cont(b, 0.99))
		FROM (SELECT s, CAST(s[10] AS BIGINT) AS b FROM (SELECT string_split(line, ' ') AS s
		FROM ${lines(file)}))
		GROUP BY s[9] ORDER BY s[9]`,
	// gencsv -u's CSV (quoted fields, some holding newlines; the header
	// names the columns), uniq -k user_id then count: one number.
	users: (src, file) => `SELECT count(DISTINCT user_id) FROM ${csv(file, [...COLS, 'user_id'])}`,
	// genlog --json's JSON Lines (bench/json.sh), group --narm --na null
	// -k .status count sum:.bytes: status, count, the sum of the bytes
	// that are not null (0 when none is).
	jsonstatus: (src, file) => `SELECT status, count(*), coalesce(sum(bytes), 0)
		FROM read_json(${lit(file)}, format = 'newline_delimited',
		columns = {'status': 'BIGINT', 'bytes': 'BIGINT'})
		GROUP BY status ORDER BY status`,
	// bench/join.sh's case (b): the log's lines whose client IP (the
	// first blank-separated field) is in the lookup, counted (one match
	// each: the lookup's IPs are distinct), as `| wc -l` prints it.
	joincount: (src, file, lookup) => `SELECT count(*) FROM
		(SELECT split_part(line, ' ', 1) AS ip FROM ${lines(file)}) AS l JOIN
		(SELECT split_part(line, ' ', 1) AS ip FROM ${lines(lookup)}) AS k USING (ip)`,
};

// A CSV with a header line and the columns NAMES, every one text; fields
// quoted with " (doubled inside), as RFC 4180 has them.
function csv(file, names) {
	const cols = names.map((c) => `${lit(c)}: 'VARCHAR'`);
	return `read_csv(${lit(file)}, delim = ',', header = true, quote = '"', escape = '"',
		auto_detect = false, columns = {${cols.join(', ')}})`;
}

// A file's lines as one VARCHAR column, line.
function lines(file) {
	return `read_csv(${lit(file)}, delim = '\x01', header = false, quote = '', escape = '',
		auto_detect = false, columns = {'line': 'VARCHAR'})`;
}

async function main() {
	const [name, file, threads, extra] = process.argv.slice(2);
	if (name === 'version') {
		const con = await (await DuckDBInstance.create(':memory:')).connect();
		const rows = (await con.runAndReadAll('SELECT version()')).getRows();
		const api = require('@duckdb/node-api/package.json').version;
		console.log(`DuckDB ${rows[0][0]} (@duckdb/node-api ${api}, node ${process.version})`);
		return;
	}
	if (!CASES[name] || !file || !/^[1-9][0-9]*$/.test(threads || '')) {
		console.error('usage: node bench/duckdb.js city|uniq|pairs|kv|quantiles|users|jsonstatus FILE ' +
		    'THREADS | joincount LOG THREADS LOOKUP | version');
		process.exit(64);
	}
	const instance = await DuckDBInstance.create(':memory:', { threads });
	const con = await instance.connect();
	await con.run(`COPY (${CASES[name](source(file), file, extra)}) TO '/dev/stdout'
		(FORMAT csv, DELIMITER '\t', HEADER false, QUOTE '', ESCAPE '')`);
	con.closeSync();
}

main().catch((e) => {
	console.error(`duckdb.js: ${e.message}`);
	process.exit(1);
});
