/** Voice input and spoken replies in the console: what the operator chose and what is happening. */
import { createStore } from 'zustand/vanilla';
import type { VoiceServerMessage, VoiceState } from '../../../server/protocol.js';

/** why the microphone cannot be used, for the operator */
export interface MicProblem {
  message: string;
  tip: string;
}

/** the page's localStorage where there is one (not in Node tests) */
const storage = (globalThis as { localStorage?: { getItem(k: string): string | null; setItem(k: string, v: string): void } }).localStorage;

export interface VoicePrefs {
  /** speak the robot's replies */
  speak: boolean;
  /** espeak-ng voice */
  voice: string;
  /** the microphone stays open while the robot talks */
  headphones: boolean;
}

export interface VoiceUiState {
  mic: 'off' | 'starting' | 'on' | 'error';
  /** why the microphone could not be used */
  problem: MicProblem | null;
  /** listening continuously (voice-activity detection) instead of push-to-talk */
  handsFree: boolean;
  /** push-to-talk is held (button or V) */
  talking: boolean;
  /** the server's side of the channel */
  server: VoiceState | null;
  /** words so far of the utterance in progress */
  partial: string;
  /** the last finished utterance */
  heard: { text: string; accepted: boolean; stop: boolean; at: number } | null;
  /** "Did you say …?": the words the recognizer was unsure of, until answered or `until` (performance.now) */
  question: { id: string; text: string; until: number } | null;
  /** the server's endpointer hears speech */
  userSpeaking: boolean;
  /** a reply is playing */
  robotSpeaking: boolean;
  prefs: VoicePrefs;
  /** counters for tests and the status line */
  framesSent: number;
  partials: number;
  repliesPlayed: number;
  /** replies the browser would not play (autoplay policy) */
  repliesBlocked: number;
}

const PREFS_KEY = 'shammie.voice';

export function loadPrefs(): VoicePrefs {
  const fallback: VoicePrefs = { speak: true, voice: '', headphones: false };
  try {
    const raw = storage?.getItem(PREFS_KEY);
    if (!raw) return fallback;
    const p = JSON.parse(raw) as Partial<VoicePrefs>;
    return {
      speak: typeof p.speak === 'boolean' ? p.speak : fallback.speak,
      voice: typeof p.voice === 'string' && /^[A-Za-z0-9_+\-/.]{0,40}$/.test(p.voice) ? p.voice : '',
      headphones: typeof p.headphones === 'boolean' ? p.headphones : false,
    };
  } catch {
    return fallback;
  }
}

export function savePrefs(p: VoicePrefs): void {
  try {
    storage?.setItem(PREFS_KEY, JSON.stringify(p));
  } catch {
    // private mode: the choice lasts for this page only
  }
}

export const voiceStore = createStore<VoiceUiState>(() => ({
  mic: 'off',
  problem: null,
  handsFree: false,
  talking: false,
  server: null,
  partial: '',
  heard: null,
  question: null,
  userSpeaking: false,
  robotSpeaking: false,
  prefs: loadPrefs(),
  framesSent: 0,
  partials: 0,
  repliesPlayed: 0,
  repliesBlocked: 0,
}));

/** The input level, written ~50 times a second by the microphone: read it in animation frames, not in renders. */
export const micLevel = { db: -120, at: 0, /** loudest frame since the microphone opened, dBFS */ peak: -120 };

/** Plays a spoken reply; the voice controller (voice.ts, which needs the DOM's audio) installs it. */
export const replies: { play(m: Extract<VoiceServerMessage, { type: 'speech' }>): void } = { play: () => {} };
