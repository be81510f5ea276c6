/** IK for the console's teaching gizmo: a dragged tool pose → joint values, tracking from the seed. */
import type { IkSolver } from '../skills/kinematics/index.js';
import type { ClientMessage, ServerMessage } from './protocol.js';

export function solveIkRequest(ik: IkSolver, msg: Extract<ClientMessage, { type: 'ik' }>): ServerMessage {
  if (msg.seed.length !== ik.dof) {
    return {
      type: 'ik_result',
      id: msg.id,
      ok: false,
      q: [...msg.seed],
      positionError: Infinity,
      reason: `seed has ${msg.seed.length} values; the arm has ${ik.dof} joints`,
    };
  }
  const goal = { position: msg.position, ...(msg.quaternion ? { quaternion: msg.quaternion } : {}) };
  // Track from the seed first (a drag moves a little per request), then allow a few restarts.
  let r = ik.solve(goal, { seed: msg.seed, maxRestarts: 0, maxIterations: 60 });
  if (!r.ok) r = ik.solve(goal, { seed: msg.seed, maxRestarts: 8 });
  const positionError = Number.isFinite(r.positionError) ? r.positionError : 1e9;
  return { type: 'ik_result', id: msg.id, ok: r.ok, q: r.q, positionError, ...(r.reason ? { reason: r.reason } : {}) };
}
