#!/usr/bin/env node
// Runs the whole vitest suite, then ends the output with a plain "N passed, N failed" line
// (CI reads that line, not vitest's own summary). Exit status is vitest's.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const vitest = join(dirname(require.resolve('vitest/package.json')), 'vitest.mjs');
mkdirSync('test-artifacts', { recursive: true });
const out = 'test-artifacts/vitest.json';
const args = [vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...process.argv.slice(2)];
const child = spawn(process.execPath, args, { stdio: 'inherit' });
child.on('close', (code) => {
  let passed = 0,
    failed = 0,
    skipped = 0;
  if (existsSync(out)) {
    const r = JSON.parse(readFileSync(out, 'utf8'));
    passed = r.numPassedTests ?? 0;
    failed = (r.numFailedTests ?? 0) + (r.numFailedTestSuites && !r.numFailedTests ? r.numFailedTestSuites : 0);
    skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  } else if (code !== 0) {
    failed = 1;
  }
  process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  process.exit(code ?? 1);
});
