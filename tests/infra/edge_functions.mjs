// Runs one CloudFront Function file under Node for tests/infra/test_infra_edge.py.
// The code is evaluated in a fresh context with no module system, as CloudFront runs it;
// `handler` is called on every event of the JSON list on stdin, and the results and the
// file's top-level SUFFIXES and CODINGS (when it has them) are printed as JSON.
// With --lines (tests/infra/test_edge_differential.py) it stays up instead: one event a
// line on stdin, its result a line on stdout, so one process answers a whole property run.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import vm from 'node:vm';

const file = process.argv[2];
const context = vm.createContext({});
vm.runInContext(readFileSync(file, 'utf8'), context, { filename: file });
if (process.argv[3] === '--lines') {
    const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
    lines.on('line', (line) => {
        process.stdout.write(JSON.stringify(context.handler(JSON.parse(line))) + '\n');
    });
} else {
    const events = JSON.parse(readFileSync(0, 'utf8'));
    const results = events.map((event) => context.handler(event));
    const constants = { SUFFIXES: context.SUFFIXES ?? null, CODINGS: context.CODINGS ?? null };
    process.stdout.write(JSON.stringify({ results, ...constants }));
}
