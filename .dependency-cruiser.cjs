/**
 * Who may import whom (ARCHITECTURE.md draws the same picture). test/architecture.test.ts runs
 * dependency-cruiser with these rules and fails on any violation; `npm run lint` does too.
 *
 * The layers, bottom first. A folder may import its own files and any folder below it, never one
 * above it, so no two folders can import each other (no circle at folder level); `no-circular`
 * also forbids circles between files inside one folder.
 */
const LAYERS = [
  'model', // robot description (URDF), world model, math: imports nothing of the project
  'collision', // the planning scene (robot, table, objects, containers, held object) and collision checks
  'sim', // MuJoCo physics
  'robot-bridge', // RobotBackend, the sim and ROS backends, the safety layer
  'skills', // kinematics, trajectories, primitives, the registry, the library, DMPs, demonstrations
  'planner', // utterance -> plan or question
  'studio', // stop-motion films, cameras, moves split into frames, film export
  'session', // the dialogue core: state machine, teaching, scripts, the App composition root
  'speech', // speech to text and spoken replies; uses the session's public types
  'server', // the session server: HTTP, WebSocket hub, protocol, voice and studio channels
  'launch', // the shammie CLI, profiles, examples (bench sits beside it)
];

/** Top-level folders that are tools around the product, not layers of it. */
const TOOLS = ['bench', 'test'];

const esc = (s) => s.replace(/[-/\\^$*+?.()|[\]{}]/g, '\\$&');

const layerRules = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `layer-${layer}`,
  comment: `${layer}/ is below ${LAYERS.slice(i + 1).join(', ')}: it must not import them (see ARCHITECTURE.md)`,
  severity: 'error',
  from: { path: `^${esc(layer)}/` },
  to: { path: `^(${[...LAYERS.slice(i + 1), ...TOOLS, 'ui'].map(esc).join('|')})/` },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'A circle of imports: move the shared part down a layer, or pass it in.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...layerRules,
    {
      name: 'launch-not-test',
      comment: 'The CLI must not import the tests (only bench may use their harness).',
      severity: 'error',
      from: { path: '^launch/' },
      to: { path: '^(test|ui)/' },
    },
    {
      name: 'speech-uses-session-types-only',
      comment: "speech/ may read the session's public types, never run session code.",
      severity: 'error',
      from: { path: '^speech/' },
      to: { path: '^session/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'ui-browser-safe',
      comment: 'The console bundles only its own files, the protocol schemas and the shared resampler.',
      severity: 'error',
      from: { path: '^ui/' },
      to: { path: '^(?!ui/|server/protocol[^/]*\\.ts$|speech/resample\\.ts$|node_modules/)' },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'A relative import that resolves to no file.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true, path: '^\\.' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|ui/dist|test-artifacts)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.json'],
    },
  },
};
