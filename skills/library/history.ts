/**
 * Undo patches: what a change must restore to be undone. A patch part holds the names in their
 * order before the change and the previous value of every name the change touched (null: it
 * did not exist), so undo needs no copy of the whole library.
 */
import { clone, type PatchPart } from './types.js';

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function diffPart<T extends { name: string }>(before: T[], after: T[]): PatchPart<T> | undefined {
  const afterByName = new Map(after.map((x) => [x.name, x]));
  const beforeNames = new Set(before.map((x) => x.name));
  const restore: Record<string, T | null> = {};
  for (const b of before) {
    const a = afterByName.get(b.name);
    if (!a || !same(a, b)) restore[b.name] = clone(b);
  }
  for (const a of after) if (!beforeNames.has(a.name)) restore[a.name] = null;
  const reordered = before.length !== after.length || before.some((b, i) => b.name !== after[i].name);
  if (!Object.keys(restore).length && !reordered) return undefined;
  return { order: before.map((b) => b.name), restore };
}

export function applyPart<T extends { name: string }>(current: T[], part: PatchPart<T> | undefined): T[] {
  if (!part) return current;
  const byName = new Map(current.map((x) => [x.name, x]));
  for (const [name, v] of Object.entries(part.restore)) {
    if (v === null) byName.delete(name);
    else byName.set(name, clone(v));
  }
  const out = part.order.filter((n) => byName.has(n)).map((n) => byName.get(n)!);
  const ordered = new Set(part.order);
  for (const [n, v] of byName) if (!ordered.has(n)) out.push(v);
  return out;
}
