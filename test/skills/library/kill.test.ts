/**
 * kill -9 during a save must never leave a library that fails to load, nor lose a save that
 * had returned. A child process saves in a tight loop; we SIGKILL it at random moments many
 * times and load the library after each kill. Then, to be sure the dangerous moments are hit,
 * children kill themselves at exact points of a save (mid-write, before fsync, before rename,
 * after rename).
 *
 * The child runs plain JS transpiled from the library's sources (tsx would cost ~0.4 s per
 * start; plain node ~0.1 s), which buys many more kills in the time budget.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SkillLibrary } from '../../../skills/library/library.js';
import { behavior, others, tmp } from './helpers.js';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const CHILD = join(import.meta.dirname, 'save-loop.mjs');
const RANDOM_KILL_BUDGET_MS = 12_000;
const MAX_RANDOM_KILLS = 300;
const FILLERS = 100;

let outDir: string;
let moduleUrl: string;

/** Transpile a TS file and every relative module it imports at run time into outDir (same layout). */
function transpileClosure(entry: string): string {
  const queue = [entry];
  const seen = new Set<string>();
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const js = ts.transpileModule(readFileSync(file, 'utf8'), {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    }).outputText;
    const out = join(outDir, relative(ROOT, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, js);
    for (const m of js.matchAll(/(?:from|import)\s*['"](\.{1,2}\/[^'"]+)\.js['"]/g)) queue.push(resolve(dirname(file), `${m[1]}.ts`));
  }
  return join(outDir, relative(ROOT, entry)).replace(/\.ts$/, '.js');
}

beforeAll(() => {
  // Inside the repo so the transpiled files resolve zod from node_modules; test-artifacts/ is ignored by git.
  outDir = join(ROOT, 'test-artifacts', `library-kill-${process.pid}`);
  moduleUrl = pathToFileURL(transpileClosure(join(ROOT, 'skills', 'library', 'library.ts'))).href;
});

afterAll(() => {
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

const counterOf = (lib: SkillLibrary) =>
  Number(/step (\d+)/.exec(lib.behaviors().find((b) => b.name === 'counter')?.description ?? '')?.[1] ?? 0);

/** A library big enough (~60 kB) that each save takes a while, so kills land inside saves. */
function seed(): string {
  const dir = tmp('kill');
  const lib = SkillLibrary.open(dir);
  const padding = join(tmp('kill-seed'), 'seed.json');
  const behaviors = Array.from({ length: FILLERS }, (_, i) =>
    behavior(
      `filler_${i}`,
      [
        { skill: 'goto', args: { object: { param: 'thing' } } },
        { skill: 'nudge', args: { dx: i / 1000, dy: -i / 1000, note: 'x'.repeat(100) } },
        { skill: 'release', args: {} },
      ],
      [{ name: 'thing', type: 'entity', description: 'Something to visit on the way.' }],
    ),
  );
  writeFileSync(
    padding,
    JSON.stringify({ format: 'shammie-library', version: 1, lastSeq: 0, behaviors, entities: [], motions: [], history: [] }),
  );
  lib.importFrom(padding);
  return dir;
}

interface Run {
  signal: NodeJS.Signals | null;
  code: number | null;
  ready: number;
  lastSaved: number | null;
  stderr: string;
}

/** Spawn the child; once it is ready, wait `killAfterMs` (if given) and SIGKILL it. */
function runChild(dir: string, phase: string, killAfterMs?: number): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CHILD, moduleUrl, dir, phase], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let stderr = '';
    let ready: number | null = null;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (ready === null) {
        const m = /^ready (\d+)\n/.exec(out);
        if (m) {
          ready = Number(m[1]);
          if (killAfterMs !== undefined) setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        }
      }
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (ready === null) {
        reject(new Error(`child never became ready (exit ${code ?? signal}): ${stderr}`));
        return;
      }
      const saved = [...out.matchAll(/^saved (\d+)$/gm)].map((m) => Number(m[1]));
      resolvePromise({ signal, code, ready, lastSaved: saved.length ? saved.at(-1)! : null, stderr });
    });
  });
}

describe('SkillLibrary survives kill -9 during saves', () => {
  it('random SIGKILLs of a process saving in a tight loop: always loads, never loses a returned save', async () => {
    const dir = seed();
    const start = Date.now();
    let kills = 0;
    let killedMidSave = 0;
    let saves = 0;
    while (Date.now() - start < RANDOM_KILL_BUDGET_MS && kills < MAX_RANDOM_KILLS) {
      const r = await runChild(dir, 'loop', Math.random() * 30);
      expect(r.signal, r.stderr).toBe('SIGKILL');
      kills++;
      const confirmed = r.lastSaved ?? r.ready;
      saves += confirmed - r.ready;
      // A leftover temp file means the kill landed between opening the temp file and the rename.
      if (others(dir).length) killedMidSave++;
      const lib = SkillLibrary.open(dir); // must not throw
      const c = counterOf(lib);
      // Either the last confirmed save or the one in flight when killed, nothing older.
      expect([confirmed, confirmed + 1]).toContain(c);
      expect(lib.behaviors()).toHaveLength(c > 0 ? FILLERS + 1 : FILLERS);
      expect(others(dir)).toEqual([]); // open() removed the dead writer's temp file
    }
    console.log(`[kill -9] ${kills} kills, ${saves} confirmed saves, ${killedMidSave} kills landed mid-save`);
    // Time-bounded, so a loaded machine gets fewer rounds: ~60 on an idle 2-core box, ~20 with both cores busy.
    expect(kills).toBeGreaterThanOrEqual(10);
    expect(saves).toBeGreaterThan(0);
  }, 40_000);

  for (const [phase, expectNew, expectTemp] of [
    ['mid-write', false, true],
    ['before-fsync', false, true],
    ['before-rename', false, true],
    ['after-rename', true, false],
  ] as const) {
    it(`a kill ${phase.replace('-', ' ')} leaves the ${expectNew ? 'new' : 'old'} library, loadable`, async () => {
      const dir = seed();
      const before = counterOf(SkillLibrary.open(dir));
      const r = await runChild(dir, phase);
      expect(r.signal, r.stderr).toBe('SIGKILL');
      expect(r.lastSaved).toBeNull();
      expect(others(dir)).toHaveLength(expectTemp ? 1 : 0);
      const lib = SkillLibrary.open(dir);
      expect(counterOf(lib)).toBe(expectNew ? before + 1 : before);
      expect(lib.behaviors()).toHaveLength(expectNew ? FILLERS + 1 : FILLERS);
      expect(others(dir)).toEqual([]);
    });
  }
});
