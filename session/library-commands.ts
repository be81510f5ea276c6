/**
 * Dialogue about what the robot knows: undo, forget, rename, "what can you do?", "what is X?",
 * "no, the other one". None of these moves the arm or changes the dialogue state, except that
 * "undo" during a lesson takes back its last step and "the other one" proposes a new plan.
 */
import { DEFAULT_TAUGHT_SIZE } from '../collision/index.js';
import type { Vec3 } from '../model/math/transform.js';
import type { BehaviorDefinition, Plan, SkillCall } from '../skills/registry.js';
import { formatBody, formatSignature } from '../planner/teach.js';
import { answer, type SessionCore } from './core.js';
import type { Source, Turn } from './types.js';

/** A pending plan that calls or names what was just forgotten or renamed no longer means what was shown: it goes. */
function dropPreviewUsing(core: SessionCore, name: string): void {
  const s = core.state;
  if (s.kind !== 'previewing') return;
  if (s.preview.plan.some((c) => c.skill === name || Object.values(c.args).includes(name)))
    core.enter({ kind: 'idle', lesson: s.lesson }, 'library_changed');
}

const isBuiltin = (core: SessionCore, name: string): boolean => {
  const d = core.deps.registry.get(name);
  return d.kind === 'primitive' ? !d.learned : Boolean(d.builtin);
};

export function undo(core: SessionCore, utterance: string): Turn {
  const lesson = core.state.lesson;
  if (lesson && lesson.steps.length) {
    const step = lesson.steps.pop()!;
    core.touched('undo_step');
    return answer(core, utterance, 'plan', `Okay, "${step.utterance}" is no longer part of ${lesson.name}. (The arm does not move back.)`);
  }
  const r = core.library.undo();
  if (!r) return answer(core, utterance, 'question', 'There is nothing to undo.');
  core.sync();
  core.emit({ type: 'library', change: 'undo', summary: r.summary, t: Date.now() });
  return answer(core, utterance, 'taught', `Undone: ${r.summary}.`);
}

export function forget(core: SessionCore, utterance: string, name: string): Turn {
  const { registry, world } = core.deps;
  const behavior = registry.has(name) ? registry.get(name) : undefined;
  if (behavior) {
    if (isBuiltin(core, name)) return answer(core, utterance, 'question', `${name} is built in; I can't forget it.`);
    const users = registry
      .list()
      .filter(
        (s) =>
          s.kind === 'behavior' && s.name !== name && (registry.get(s.name) as BehaviorDefinition).body.some((st) => st.skill === name),
      );
    if (users.length) {
      const who = users.map((u) => u.name).join(' and ');
      return answer(
        core,
        utterance,
        'question',
        `${who} use${users.length === 1 ? 's' : ''} ${name}; forget ${users.length === 1 ? 'it' : 'them'} first.`,
      );
    }
    if (behavior.kind === 'primitive') core.library.removeMotion(name);
    else core.library.removeBehavior(name);
  } else if (world.has(name)) {
    if (core.sceneEntities.has(name)) return answer(core, utterance, 'question', `${name} came with the scene; I can't forget it.`);
    core.library.removeEntity(name);
  } else {
    return answer(core, utterance, 'question', `I don't know ${name}. ${listTaught(core)}`);
  }
  core.sync();
  dropPreviewUsing(core, name);
  core.emit({ type: 'library', change: 'forget', summary: `forgot ${name}`, t: Date.now() });
  return answer(core, utterance, 'taught', `Okay, I forgot ${name}. Say "undo" to take that back.`);
}

export function rename(core: SessionCore, utterance: string, from: string, to: string): Turn {
  const { registry, world } = core.deps;
  if (registry.has(to) || world.has(to)) return answer(core, utterance, 'question', `I already know ${to}; pick another name.`);
  const def = registry.has(from) ? registry.get(from) : undefined;
  if (def) {
    if (isBuiltin(core, from)) return answer(core, utterance, 'question', `${from} is built in; I can't rename it.`);
    if (!/^[a-z][a-z0-9_]*$/.test(to)) {
      return answer(
        core,
        utterance,
        'question',
        `${def.kind === 'primitive' ? 'Skill' : 'Behavior'} names are lower_snake_case, like ${from}.`,
      );
    }
    try {
      // Learned motion skills (DMPs) are renamed like taught behaviors: callers follow the new name.
      if (def.kind === 'primitive') core.library.renameMotion(from, to);
      else core.library.renameBehavior(from, to);
    } catch (err) {
      const why = (err as Error).message;
      return answer(core, utterance, 'error', `I could not rename ${from}: ${why}`, why);
    }
  } else if (world.has(from) && !core.sceneEntities.has(from)) {
    const e = world.get(from)!;
    if (!/^[A-Z][A-Z0-9_]*$/.test(to)) return answer(core, utterance, 'question', `Object names are UPPER_SNAKE_CASE, like ${from}.`);
    core.library.addEntity({ ...e, name: to });
    core.library.removeEntity(from);
  } else {
    return answer(core, utterance, 'question', `I can only rename things you taught me. ${listTaught(core)}`);
  }
  core.sync();
  dropPreviewUsing(core, from);
  core.emit({ type: 'library', change: 'rename', summary: `renamed ${from} to ${to}`, t: Date.now() });
  return answer(core, utterance, 'taught', `Okay, ${from} is now called ${to}.`);
}

const cm = (m: number): string => `${+(m * 100).toPrecision(3)}`;

/**
 * "The lotion is about 15 centimeters tall": the size planning keeps clear for an object whose
 * shape the robot cannot measure (taught by pointing, or a TF frame). A body whose real shape
 * the scene knows (the sim) keeps it, and the reply says so. Taught names keep the size in the
 * library; a plan waiting with the object is dropped (it was checked against the old size).
 */
export function resize(core: SessionCore, utterance: string, name: string, axis: 'height' | 'width', meters: number): Turn {
  const { world } = core.deps;
  const e = world.get(name);
  if (!e) return answer(core, utterance, 'question', `I don't know ${name}. ${listTaught(core)}`);
  if (e.container)
    return answer(core, utterance, 'question', `${name} is a container; I only keep sizes for objects I pick up and plan around.`);
  if (e.kind === 'location' && e.source.type !== 'point')
    return answer(core, utterance, 'question', `${name} is a place; I only keep sizes for objects I pick up and plan around.`);
  const what = axis === 'height' ? 'tall' : 'across';
  const half = e.source.type === 'body' ? world.halfExtents(name) : undefined;
  if (half) {
    const real = axis === 'height' ? 2 * half[2] : 2 * Math.max(half[0], half[1]);
    return answer(core, utterance, 'plan', `I can see ${name}'s real shape: it is ${cm(real)} cm ${what}, so I'll plan with that.`);
  }
  const size: Vec3 = [...(e.size ?? DEFAULT_TAUGHT_SIZE)];
  if (axis === 'height') size[2] = meters;
  else size[0] = size[1] = meters;
  // A place taught by pointing that has a height is a thing standing there (on a real arm, every
  // pointed object starts as a place: the console cannot see it).
  const next = { ...e, kind: 'object' as const, size };
  if (core.sceneEntities.has(name)) world.add(next);
  else {
    core.library.addEntity(next);
    core.sync();
  }
  dropPreviewUsing(core, name);
  core.emit({ type: 'library', change: 'resize', summary: `${name} is ${cm(meters)} cm ${what}`, t: Date.now() });
  return answer(
    core,
    utterance,
    'taught',
    `Okay, ${name} is ${e.kind === 'location' ? 'an object ' : ''}${cm(meters)} cm ${what}: I'll keep a ${cm(size[0])} × ${cm(size[1])} × ${cm(size[2])} cm box clear for it when planning.`,
  );
}

function listTaught(core: SessionCore): string {
  const lib = core.library;
  const all = [...lib.behaviors().map((b) => b.name), ...lib.motions().map((m) => m.name), ...lib.entities().map((e) => e.name)];
  return all.length ? `You taught me: ${all.join(', ')}.` : 'You have not taught me anything yet.';
}

/** "What can you do?" */
export function listSkills(core: SessionCore): string {
  const skills = core.deps.registry.list();
  const sig = (s: { name: string; params: { name: string }[] }) => `${s.name}(${s.params.map((p) => p.name).join(', ')})`;
  const builtin = skills.filter((s) => isBuiltin(core, s.name)).map(sig);
  const taught = skills.filter((s) => !isBuiltin(core, s.name)).map(sig);
  const names = core.deps.world.list().map((e) => e.name);
  return `I can ${builtin.join(', ')}.${taught.length ? ` You taught me ${taught.join(', ')}.` : ''} I know ${names.join(', ')}.`;
}

/** "What is pack?" */
export function describe(core: SessionCore, name: string): string {
  const { registry, world } = core.deps;
  if (registry.has(name)) {
    const def = registry.get(name);
    if (def.kind === 'behavior') return `${formatSignature(def)}: ${def.description} It does ${formatBody(def)}.`;
    return `${def.name}(${def.params.map((p) => p.name).join(', ')}): ${def.description}`;
  }
  const e = world.get(name);
  if (e) return `${e.name} is ${e.kind === 'location' ? 'a place' : 'an object'}: ${e.description}`;
  return `I don't know ${name}. Say "what can you do?" to hear what I know.`;
}

/** The last planned command, for "no, the other one": the objects already tried. */
export interface LastPlanned {
  utterance: string;
  plan: Plan;
  tried: Set<string>;
}

/** Entity names used as arguments in a plan, in order. */
export function entityArgs(plan: Plan): string[] {
  const out: string[] = [];
  for (const c of plan)
    for (const v of Object.values(c.args)) if (typeof v === 'string' && /^[A-Z][A-Z0-9_]*$/.test(v) && !out.includes(v)) out.push(v);
  return out;
}

/** "No, the other one": swap the last command's object for the next best match and propose it. */
export function otherOne(core: SessionCore, utterance: string, last: LastPlanned | null, by: Source): Turn {
  if (!last) return answer(core, utterance, 'question', 'The other one of what? Tell me what to do.');
  const target = entityArgs(last.plan)[0];
  const { world } = core.deps;
  const original = world.get(target);
  const words = new Set(`${last.utterance} ${original?.description ?? ''}`.toLowerCase().match(/[a-z]+/g) ?? []);
  const candidates = world
    .list()
    .filter((e) => !last.tried.has(e.name) && e.kind === (original?.kind ?? 'object') && !e.container)
    .map((e) => ({ e, score: (e.description.toLowerCase().match(/[a-z]+/g) ?? []).filter((w) => words.has(w) && w.length > 2).length }))
    .sort((a, b) => b.score - a.score);
  if (!target || !candidates.length) {
    const known = world
      .list()
      .map((e) => e.name)
      .join(', ');
    return answer(core, utterance, 'question', `Which one do you mean? I know ${known}.`);
  }
  const next = candidates[0].e.name;
  last.tried.add(next);
  const plan: Plan = last.plan.map((c): SkillCall => ({
    skill: c.skill,
    args: Object.fromEntries(Object.entries(c.args).map(([k, v]) => [k, v === target ? next : v])),
  }));
  last.plan = plan;
  return core.propose(utterance, plan, by);
}
