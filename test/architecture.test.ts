/**
 * The layer rules of ARCHITECTURE.md, enforced: dependency-cruiser with .dependency-cruiser.cjs
 * over the whole tree must find no upward import, no circle and no import that resolves to
 * nothing. The same rules are run on a small tree with a planted upward import and a planted
 * circle, so a rule set that stopped catching them would fail here too.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise, type ICruiseResult, type IViolation } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CONFIG = join(root, '.dependency-cruiser.cjs');
const SOURCES = [
  'model',
  'collision',
  'sim',
  'robot-bridge',
  'skills',
  'planner',
  'studio',
  'session',
  'speech',
  'server',
  'launch',
  'bench',
  'ui/src',
];

async function violations(cwd: string, dirs: string[]): Promise<IViolation[]> {
  const before = process.cwd();
  process.chdir(cwd); // the rules' paths are relative to the folder cruised from
  try {
    const options = await extractDepcruiseOptions(CONFIG);
    const out = await cruise(dirs, { ...options, validate: true }, undefined, { tsConfig: extractTSConfig(join(cwd, 'tsconfig.json')) });
    return (out.output as ICruiseResult).summary.violations;
  } finally {
    process.chdir(before);
  }
}

const show = (v: IViolation) =>
  `${v.rule.name}: ${v.from} → ${v.to}${v.cycle ? ` (circle: ${v.cycle.map((c) => c.name).join(' → ')})` : ''}`;

describe('architecture: who may import whom', () => {
  it('the tree has no upward import, no import circle and no unresolvable import', async () => {
    const found = await violations(root, SOURCES);
    expect(found.map(show)).toEqual([]);
  });

  const tmp = mkdtempSync(join(tmpdir(), 'shammie-arch-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const file = (path: string, text: string) => {
    mkdirSync(dirname(join(tmp, path)), { recursive: true });
    writeFileSync(join(tmp, path), text);
  };

  it('catches a planted upward import, a planted circle and a speech → session value import', async () => {
    file('tsconfig.json', JSON.stringify({ compilerOptions: { module: 'ESNext', moduleResolution: 'Bundler', strict: true } }));
    file('session/app.ts', 'export const app = 1;\nexport type App = { n: number };\n');
    // skills is below session: importing it is upward
    file('skills/primitives.ts', "import { app } from '../session/app.js';\nexport const p = app;\n");
    // a circle inside one folder
    file('planner/a.ts', "import { b } from './b.js';\nexport const a = () => b;\n");
    file('planner/b.ts', "import { a } from './a.js';\nexport const b = () => a;\n");
    // speech may read session types, not run session code
    file('speech/ok.ts', "import type { App } from '../session/app.js';\nexport type Ok = App;\n");
    file('speech/bad.ts', "import { app } from '../session/app.js';\nexport const bad = app;\n");
    const found = (await violations(tmp, ['session', 'skills', 'planner', 'speech'])).map(show);
    expect(found).toContain('layer-skills: skills/primitives.ts → session/app.ts');
    expect(found.some((v) => v.startsWith('no-circular: planner/'))).toBe(true);
    expect(found).toContain('speech-uses-session-types-only: speech/bad.ts → session/app.ts');
    expect(found.some((v) => v.includes('speech/ok.ts'))).toBe(false);
  });
});
