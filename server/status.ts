/** The JSON status of a running session (GET /api/status, and GET / for non-browser clients). */
import { worldReport, type App } from '../session/app.js';
import type { ProbeResult } from './probe.js';

export function status(app: App, probes: ProbeResult[]) {
  const js = app.backend.jointState();
  return {
    service: 'shammie',
    robot: app.model.name,
    scene: app.scenePath,
    simTime: app.backend.now(),
    backend: app.backend.status(),
    capabilities: app.backend.capabilities,
    joints: { names: js.name, positions: js.position, velocities: js.velocity },
    gripper: app.backend.gripperPosition(),
    objects: worldReport(app),
    known: app.world.list().map((e) => ({ name: e.name, description: e.description, kind: e.kind })),
    held: app.world.held,
    skills: app.registry.list(),
    executing: app.session.executing,
    pendingPlan: app.session.pending ? { plan: app.session.pending.plan, summary: app.session.pending.summary } : null,
    optional: probes,
    api: {
      'GET /': 'the operator console in a browser; this status for other clients',
      'GET /api/status': 'this status',
      'WS /ws': 'the console protocol (server/protocol.ts)',
      'POST /api/say {"text": "pick up the candy"}': 'plan an utterance; returns the turn with its preview',
      'POST /api/confirm': 'execute the pending plan',
      'POST /api/cancel': 'drop the pending plan',
      'POST /api/stop': 'halt the robot now',
      'POST /api/point {"position": [x, y, z]}': 'answer "show me where X is" with a world point (m)',
    },
  };
}
