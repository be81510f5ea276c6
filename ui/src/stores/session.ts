/**
 * What the session server told us about the robot, the scene, the dialogue and the library.
 * Replaced wholesale by each `hello` (after a reconnect too).
 */
import { createStore } from 'zustand/vanilla';
import type {
  ControlInfo,
  DialogueEntry,
  DialogueStateInfo,
  EntityInfo,
  Pace,
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
  /** this console's source ('console:<id>') and label, from hello */
  you: string;
  youLabel: string;
  /** who drives the arm; null before the first status */
  control: ControlInfo | null;
  /** the sim's pace (null: a real arm, or not told yet) */
  pace: Pace | null;
  /** server problems the operator closed: hidden while the server keeps reporting them, shown again if they come back */
  dismissedProblems: string[];
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
  you: '',
  youLabel: '',
  control: null,
  pace: null,
  dismissedProblems: [],
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

/** This console may confirm, execute and teach: it holds control, or nobody does (it takes it by acting). */
export function inControl(s: Pick<SessionState, 'control' | 'you'>): boolean {
  return !s.control || s.control.holder === null || s.control.holder === s.you;
}

/** Close a server problem's toast; it shows again only if the problem ends and comes back. */
export function dismissServerProblem(id: string): void {
  sessionStore.setState((s) => (s.dismissedProblems.includes(id) ? s : { dismissedProblems: [...s.dismissedProblems, id] }));
}

/** The server problems to show: those not closed by the operator. */
export function visibleProblems(s: Pick<SessionState, 'problems' | 'dismissedProblems'>): ProblemInfo[] {
  return s.dismissedProblems.length ? s.problems.filter((p) => !s.dismissedProblems.includes(p.id)) : s.problems;
}

/** A new problem list from the server: a closed problem that has ended is forgotten, so its return shows again. */
export function setServerProblems(problems: ProblemInfo[]): Pick<SessionState, 'problems' | 'dismissedProblems'> {
  const dismissed = sessionStore.getState().dismissedProblems;
  const kept = dismissed.filter((id) => problems.some((p) => p.id === id));
  return { problems, dismissedProblems: kept.length === dismissed.length ? dismissed : kept };
}
