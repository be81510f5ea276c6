#!/usr/bin/env node
// The whole test run: Prettier's format check and ESLint (type-checked rules) first, then the
// vitest suite. Ends the output with a plain "N passed, N failed" line (CI reads that line, not
// vitest's summary); the two checks count as one test each. Exit status is non-zero when
// anything failed. With arguments (`npm test -- test/session`), only vitest runs, with them.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const bin = (pkg, file) => join(dirname(require.resolve(`${pkg}/package.json`)), file);
const args = process.argv.slice(2);

const checks = [];
if (args.length === 0) {
  for (const [name, cmd] of [
    ['format (prettier --check)', [bin('prettier', 'bin/prettier.cjs'), '--check', '--log-level', 'warn', '**/*.{ts,tsx,js,mjs,cjs}']],
    ['lint (eslint, typescript-eslint type-checked)', [bin('eslint', 'bin/eslint.js'), '.']],
  ]) {
    process.stdout.write(`\n▶ ${name}\n`);
    const r = spawnSync(process.execPath, cmd, { stdio: 'inherit' });
    const ok = r.status === 0;
    checks.push({ name, ok });
    process.stdout.write(`${ok ? '✓' : '✗'} ${name}\n`);
  }
}

const vitest = bin('vitest', 'vitest.mjs');
mkdirSync('test-artifacts', { recursive: true });
const out = 'test-artifacts/vitest.json';
const child = spawn(process.execPath, [vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...args], {
  stdio: 'inherit',
});
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
  for (const c of checks) {
    if (c.ok) passed++;
    else failed++;
  }
  if (checks.length) process.stdout.write(`\nchecks: ${checks.map((c) => `${c.name} ${c.ok ? 'ok' : 'FAILED'}`).join('; ')}`);
  process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  process.exit(code === 0 && checks.every((c) => c.ok) ? 0 : (code ?? 1) || 1);
});
