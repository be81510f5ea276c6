/** Shared fixtures for the skill-library tests. */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BehaviorDefinition } from '../../../skills/registry.js';
import type { Entity } from '../../../model/world.js';

export const tmp = (tag = 'lib') => mkdtempSync(join(tmpdir(), `shammie-${tag}-`));

export const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Files other than library.json in a folder (leftover temps would show up here). */
export const others = (dir: string) => readdirSync(dir).filter((n) => n !== 'library.json');

export function behavior(
  name: string,
  body: BehaviorDefinition['body'] = [{ skill: 'go_home', args: {} }],
  params: BehaviorDefinition['params'] = [],
): BehaviorDefinition {
  return { name, description: `Do ${name}.`, kind: 'behavior', params, body };
}

/** put_in(object, into) = pickup(object); goto(into); release() */
export const putIn = (name = 'put_in'): BehaviorDefinition =>
  behavior(
    name,
    [
      { skill: 'pickup', args: { object: { param: 'object' } } },
      { skill: 'goto', args: { object: { param: 'into' } } },
      { skill: 'release', args: {} },
    ],
    [
      { name: 'object', type: 'entity', description: 'What to move.' },
      { name: 'into', type: 'entity', description: 'The container.' },
    ],
  );

export const location = (name: string, position: [number, number, number] = [0.4, 0, 0.2]): Entity => ({
  name,
  description: `The ${name.toLowerCase()} spot.`,
  kind: 'location',
  source: { type: 'point', position },
});

export const object = (name: string, body = name.toLowerCase(), container?: boolean): Entity => ({
  name,
  description: `The ${body}.`,
  kind: 'object',
  source: { type: 'body', body },
  ...(container === undefined ? {} : { container }),
});
