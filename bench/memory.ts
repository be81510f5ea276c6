/**
 * Benchmark: peak memory (max RSS) of `shammie run` on a 20-line dialogue script, measured
 * in a separate process as the user would run it.
 */
import { runStandalone } from './standalone.js';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const MEMORY_SCRIPT = join(root, 'bench', 'scripts', 'twenty-lines.txt');

export async function runMemoryBench() {
  const t0 = Date.now();
  const { code, stderr, stdout } = await new Promise<{ code: number | null; stderr: string; stdout: string }>((resolve) => {
    const child = spawn(process.execPath, [join(root, 'launch', 'bin', 'shammie.js'), 'run', MEMORY_SCRIPT, '--json'], {
      // A fresh data folder, so the run starts from what a new user has.
      env: { ...process.env, SHAMMIE_REPORT_MAXRSS: '1', SHAMMIE_DATA: mkdtempSync(join(tmpdir(), 'shammie-bench-')) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    let out = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d) => (out += d));
    child.on('close', (c) => resolve({ code: c, stderr: err, stdout: out }));
  });
  const m = stderr.match(/maxrss_kb=(\d+)/);
  if (code !== 0 || !m) throw new Error(`memory bench: shammie run exited ${code}: ${stderr.slice(-500)}`);
  const report = JSON.parse(stdout) as { turns: unknown[] };
  const peakMb = Number(m[1]) / 1024;
  return {
    script: 'bench/scripts/twenty-lines.txt',
    lines: 20,
    turns: report.turns.length,
    wallSeconds: (Date.now() - t0) / 1000,
    peakRssMb: Math.round(peakMb * 10) / 10,
    target: { peakRssMb: 300 },
    pass: peakMb <= 300,
  };
}

await runStandalone(import.meta, 'memory', () => runMemoryBench());
