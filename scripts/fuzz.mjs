#!/usr/bin/env node
// Long fuzz run: every *.fuzz.test.ts with 20 times the default cases per target (or STREAMQC_FUZZ_RUNS),
// then the cases run and the time per target. Usage: npm run fuzz [-- path-filter ...]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Keep in step with defaultFuzzRuns and longFuzzFactor in src/test-support/fuzz-runs.ts.
const runs = process.env.STREAMQC_FUZZ_RUNS || String(100 * 20);
const directory = mkdtempSync(join(tmpdir(), 'streamqc-fuzz-'));
const reportFile = join(directory, 'report.jsonl');
const filters = process.argv.slice(2);
const startedAt = Date.now();
const result = spawnSync(
  process.execPath,
  [join(import.meta.dirname, 'run-tests.mjs'), ...(filters.length > 0 ? filters : ['.fuzz.test.ts'])],
  { stdio: 'inherit', env: { ...process.env, STREAMQC_FUZZ_RUNS: runs, STREAMQC_FUZZ_REPORT: reportFile } },
);
let lines = [];
try {
  lines = readFileSync(reportFile, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
} catch {
  // No target finished.
}
rmSync(directory, { recursive: true, force: true });
console.log(`\nfuzz: STREAMQC_FUZZ_RUNS=${runs}`);
const width = Math.max(6, ...lines.map((line) => line.target.length));
console.log(`${'target'.padEnd(width)}  ${'cases'.padStart(7)}  ${'seconds'.padStart(8)}`);
for (const line of lines.sort((a, b) => a.target.localeCompare(b.target))) {
  console.log(
    `${line.target.padEnd(width)}  ${String(line.cases).padStart(7)}  ${line.seconds.toFixed(1).padStart(8)}`,
  );
}
const total = lines.reduce((sum, line) => sum + line.cases, 0);
console.log(
  `${'total'.padEnd(width)}  ${String(total).padStart(7)}  ${((Date.now() - startedAt) / 1000).toFixed(1).padStart(8)} (wall)`,
);
console.log(result.status === 0 ? 'fuzz: PASS' : 'fuzz: FAIL');
process.exit(result.status ?? 1);
