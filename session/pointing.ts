/**
 * Teaching a name by pointing: the robot asked "Can you show me where LOTION is?" and the
 * operator clicks (or says "it's here" with the gripper on it). A click on an unnamed body binds
 * the name to it (it then follows the object); a click on nothing names a location; a click on
 * something already known asks first ("That's the GIFT_BAG. Is LOTION there?"). Once the name
 * is taught, the command that asked for it is planned again and previewed, so the operator need
 * not repeat it.
 */
import { workspaceFor, type Workspace } from '../model/bounds.js';
import { answer, type SessionCore } from './core.js';
import type { DialogueState } from './state.js';
import type { Turn } from './types.js';

type Asking = Extract<DialogueState, { kind: 'asking' }>;

/** How far (m) from a body's box a point may be and still mean that body. */
const NEAR_BODY = 0.05;

/** The workspace points must lie in: the app's (reach and table), or the robot's reach alone. */
const reachOnly = new WeakMap<object, Workspace>();
export function sessionWorkspace(core: SessionCore): Workspace {
  const given = core.deps.workspace;
  if (given) return given;
  const model = core.deps.motion.model;
  let ws = reachOnly.get(model);
  if (!ws) reachOnly.set(model, (ws = workspaceFor(model)));
  return ws;
}

/** Why `p` cannot be a pointed position (outside the workspace, not finite), or null. */
export function pointProblem(core: SessionCore, p: readonly number[]): string | null {
  return sessionWorkspace(core).problem(p);
}

const fmt = (p: readonly number[], digits: number) => p.map((v) => v.toFixed(digits)).join(', ');

/**
 * The answer to "show me where X is". `carryOn` plans the command that raised the question again
 * (it returns once that plan is previewed or refused).
 */
export async function pointAt(
  core: SessionCore,
  p: [number, number, number],
  utterance: string,
  carryOn: (command: string) => Promise<void>,
): Promise<Turn> {
  const s = core.state;
  // Checked first, whatever the state: a point from any input (API, console, script, "it's here")
  // that is outside the workspace is refused and nothing is taught; a question stays open.
  const outside = pointProblem(core, p);
  if (outside) return answer(core, utterance, 'error', `I can't use that point: ${outside}.`, outside);
  if (s.kind !== 'asking' || (s.expects.kind !== 'point' && s.expects.kind !== 'there')) {
    return answer(core, utterance, 'error', 'I wasn\'t asking where something is. Say a command first, e.g. "pick up the toy car".');
  }
  const { name, description } = s.expects;
  const { world, locator } = core.deps;
  const body = locator?.nearestBody(p, NEAR_BODY);
  const known = body ? world.list().find((e) => e.source.type === 'body' && e.source.body === body && e.name !== name) : undefined;
  if (known) {
    // The click landed on something the robot already knows: never rename it silently.
    const question = `That's the ${known.name}. Is ${name} there? Say "yes" and I'll remember ${name} at this spot, or click where ${name} is.`;
    core.enter({ ...s, question, expects: { kind: 'there', name, description, known: known.name, point: p } }, 'point_known');
    return answer(core, utterance, 'question', question);
  }
  core.enter({ kind: 'idle', lesson: s.lesson }, 'point');
  let turn: Turn;
  if (body) {
    core.library.addEntity({ name, description, kind: 'object', source: { type: 'body', body } });
    core.sync();
    core.emit({ type: 'taught', what: 'object', name, detail: `body ${body}`, t: Date.now() });
    turn = answer(core, utterance, 'taught', `Got it: that is ${name} (${description})`);
  } else {
    turn = teachLocation(core, name, description, p, utterance, `Got it: ${name} is the location (${fmt(p, 2)}).`);
  }
  await carryOn(s.utterance);
  return turn;
}

/** "Yes" to "That's the GIFT_BAG. Is LOTION there?": LOTION is the spot that was clicked. */
export async function confirmThere(
  core: SessionCore,
  s: Asking,
  utterance: string,
  carryOn: (command: string) => Promise<void>,
): Promise<Turn> {
  if (s.expects.kind !== 'there') throw new Error('[session] confirmThere outside a "there" question');
  const { name, description, known, point } = s.expects;
  core.enter({ kind: 'idle', lesson: s.lesson }, 'there_confirmed');
  const turn = teachLocation(core, name, description, point, utterance, `Okay: ${name} is at (${fmt(point, 2)}), at the ${known}.`);
  await carryOn(s.utterance);
  return turn;
}

/** "No" (or cancel) to "Is LOTION there?": back to asking where it is. */
export function notThere(core: SessionCore, s: Asking, utterance: string): Turn {
  if (s.expects.kind !== 'there') throw new Error('[session] notThere outside a "there" question');
  const { name, description } = s.expects;
  const question = `Okay. Then show me where ${name} is: click it in the scene.`;
  core.enter({ ...s, question, expects: { kind: 'point', name, description } }, 'not_there');
  return answer(core, utterance, 'question', question);
}

function teachLocation(
  core: SessionCore,
  name: string,
  description: string,
  p: [number, number, number],
  utterance: string,
  reply: string,
): Turn {
  core.library.addEntity({ name, description, kind: 'location', source: { type: 'point', position: p } });
  core.sync();
  core.emit({ type: 'taught', what: 'location', name, detail: fmt(p, 3).replace(/, /g, ' '), t: Date.now() });
  return answer(core, utterance, 'taught', reply);
}
