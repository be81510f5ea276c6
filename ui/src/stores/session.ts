/**
 * What the session server told us about the robot, the scene, the dialogue and the library.
 * Replaced wholesale by each `hello` (after a reconnect too).
 */
import { createStore } from 'zustand/vanilla';
import type {
  DialogueEntry,
  DialogueStateInfo,
  EntityInfo,
  Phase,
  ProbeInfo,
  ProblemInfo,
  RobotInfo,
  SceneInfo,
  SkillInfo,
} from '../../../server/protocol.js';

export interface LocalProblem extends ProblemInfo {
  t: number;
}

export interface SessionState {
  robot: RobotInfo | null;
  scene: SceneInfo | null;
  probes: ProbeInfo[];
  recordingsDir: string;
  transcript: DialogueEntry[];
  phase: Phase;
  /** what the session is doing (teaching pack · step 3, asking, previewing…); null before the first status */
  dialogue: DialogueStateInfo | null;
  presence: string;
  moving: boolean;
  awaitingPoint: { name: string } | null;
  /** problems reported by the server */
  problems: ProblemInfo[];
  /** problems seen here (refused requests, protocol errors), dismissible */
  localProblems: LocalProblem[];
  skills: SkillInfo[];
  entities: EntityInfo[];
  held: string | null;
  bodies: { name: string; in: string | null; held: boolean }[];
}

export const sessionStore = createStore<SessionState>(() => ({
  robot: null,
  scene: null,
  probes: [],
  recordingsDir: '',
  transcript: [],
  phase: 'idle',
  dialogue: null,
  presence: 'not_connected',
  moving: false,
  awaitingPoint: null,
  problems: [],
  localProblems: [],
  skills: [],
  entities: [],
  held: null,
  bodies: [],
}));

const MAX_LOCAL_PROBLEMS = 4;

export function addLocalProblem(p: ProblemInfo): void {
  sessionStore.setState((s) => ({
    localProblems: [...s.localProblems.filter((x) => x.id !== p.id), { ...p, t: Date.now() }].slice(-MAX_LOCAL_PROBLEMS),
  }));
}

export function dismissLocalProblem(id: string): void {
  sessionStore.setState((s) => ({ localProblems: s.localProblems.filter((p) => p.id !== id) }));
}
