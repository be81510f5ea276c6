/**
 * The console's voice controller: push-to-talk (hold Talk or V), hands-free listening, and
 * playing the robot's spoken replies.
 *
 * Push-to-talk keeps the last 300 ms of microphone audio before the press (people start
 * talking as they press) and 200 ms after the release (and finish as they let go), then says
 * `voice_end`. Hands-free streams everything and the server's endpointer finds the utterances.
 * The server mutes recognition while a reply plays (unless headphones), so the robot does not
 * hear itself; `speech_played` tells it when the reply is over.
 */
import type { VoiceMode, VoiceServerMessage } from '../../../server/protocol.js';
import { getClient } from '../net/client.js';
import { connectionStore } from '../stores/connection.js';
import { Mic, MicError, type MicFrame } from './mic.js';
import { micLevel, replies, savePrefs, voiceStore, type VoicePrefs } from './store.js';

const PREROLL_FRAMES = 15; // 20 ms each
const POSTROLL_MS = 200;

const mic = new Mic();
/** frames heard while not talking, oldest first (a ring, reused) */
const preroll: (Int16Array | null)[] = new Array<Int16Array | null>(PREROLL_FRAMES).fill(null);
let prerollAt = 0;
let postrollUntil = 0;
let endTimer: ReturnType<typeof setTimeout> | null = null;
/** the mode of the channel the server has open for us (null: none) */
let opened: VoiceMode | null = null;
let starting: Promise<boolean> | null = null;

mic.onFrame = (f: MicFrame) => {
  micLevel.db = f.db;
  micLevel.at = performance.now();
  if (f.db > micLevel.peak) micLevel.peak = f.db;
  const s = voiceStore.getState();
  if (s.handsFree || s.talking || performance.now() < postrollUntil) {
    if (getClient().sendAudio(f.pcm)) voiceStore.setState({ framesSent: s.framesSent + 1 });
  } else {
    preroll[prerollAt] = f.pcm;
    prerollAt = (prerollAt + 1) % PREROLL_FRAMES;
  }
};

mic.onEnded = () => {
  voiceStore.setState({
    mic: 'error',
    talking: false,
    handsFree: false,
    problem: { message: 'The microphone went away (unplugged, or access was revoked).', tip: 'Reconnect it, then press Talk again.' },
  });
  closeChannel();
  void mic.stop();
};

/** Open the microphone (asks for permission the first time); false with a problem shown on failure. */
function ensureMic(): Promise<boolean> {
  if (mic.open) return Promise.resolve(true);
  starting ??= (async () => {
    voiceStore.setState({ mic: 'starting', problem: null });
    try {
      await mic.start();
      voiceStore.setState({ mic: 'on' });
      return true;
    } catch (err) {
      const problem = err instanceof MicError ? err.problem : { message: String(err), tip: 'Reload the page and try again.' };
      voiceStore.setState({ mic: 'error', problem, talking: false, handsFree: false });
      return false;
    } finally {
      starting = null;
    }
  })();
  return starting;
}

function openChannel(mode: VoiceMode): void {
  if (opened === mode) return;
  if (getClient().send({ type: 'voice_open', mode, sampleRate: 16000 })) opened = mode;
}

function closeChannel(): void {
  if (opened) getClient().send({ type: 'voice_close' });
  opened = null;
}

function flushPreroll(): void {
  for (let k = 0; k < PREROLL_FRAMES; k++) {
    const i = (prerollAt + k) % PREROLL_FRAMES;
    const f = preroll[i];
    if (f) getClient().sendAudio(f);
    preroll[i] = null;
  }
}

/** Talk pressed (button down, V down). */
export async function pressTalk(): Promise<void> {
  const s = voiceStore.getState();
  if (s.talking || s.handsFree) return;
  if (endTimer) {
    // Pressed again within the post-roll: one utterance continues.
    clearTimeout(endTimer);
    endTimer = null;
  }
  voiceStore.setState({ talking: true, partial: '' });
  if (!(await ensureMic())) return;
  if (!voiceStore.getState().talking) return; // released while the permission prompt was up
  openChannel('ptt');
  flushPreroll();
}

/** Talk released. */
export function releaseTalk(): void {
  if (!voiceStore.getState().talking) return;
  voiceStore.setState({ talking: false });
  if (!mic.open) return;
  postrollUntil = performance.now() + POSTROLL_MS;
  endTimer = setTimeout(() => {
    endTimer = null;
    getClient().send({ type: 'voice_end' });
  }, POSTROLL_MS + 20);
}

/** Hands-free listening on or off. */
export async function setHandsFree(on: boolean): Promise<void> {
  if (!on) {
    voiceStore.setState({ handsFree: false, userSpeaking: false });
    closeChannel();
    await mic.stop();
    voiceStore.setState({ mic: 'off' });
    return;
  }
  voiceStore.setState({ handsFree: true, talking: false });
  if (!(await ensureMic())) return;
  if (!voiceStore.getState().handsFree) return;
  openChannel('handsfree');
}

export function setPrefs(change: Partial<VoicePrefs>): void {
  const prefs = { ...voiceStore.getState().prefs, ...change };
  voiceStore.setState({ prefs });
  savePrefs(prefs);
  getClient().send({ type: 'voice_settings', ...change });
}

/** The answer to "Did you say …?" by a click; the server plans the words on yes (a preview first). */
export function answerQuestion(yes: boolean): void {
  const q = voiceStore.getState().question;
  if (!q) return;
  voiceStore.setState({ question: null });
  getClient().send({ type: 'voice_answer', id: q.id, yes });
}

/** A new connection has a fresh channel on the server: send the preferences, re-open if listening. */
connectionStore.subscribe((s, prev) => {
  if (s.connects === prev.connects) return;
  opened = null;
  // The question belonged to the old channel.
  voiceStore.setState({ question: null });
  const { prefs, handsFree } = voiceStore.getState();
  getClient().send({
    type: 'voice_settings',
    speak: prefs.speak,
    headphones: prefs.headphones,
    ...(prefs.voice ? { voice: prefs.voice } : {}),
  });
  if (handsFree && mic.open) openChannel('handsfree');
});

// ---------------------------------------------------------------------------------------------
// Spoken replies

let playback: AudioContext | null = null;

function base64ToBuffer(b64: string): ArrayBuffer {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out.buffer;
}

export async function playReply(m: Extract<VoiceServerMessage, { type: 'speech' }>): Promise<void> {
  const done = () => {
    getClient().send({ type: 'speech_played', id: m.id });
    voiceStore.setState({ robotSpeaking: false });
  };
  try {
    playback ??= new AudioContext();
    if (playback.state === 'suspended') await playback.resume().catch(() => undefined);
    if (playback.state !== 'running') {
      // Autoplay policy: no audio until the operator has clicked or typed on the page.
      voiceStore.setState((s) => ({ repliesBlocked: s.repliesBlocked + 1 }));
      done();
      return;
    }
    const buffer = await playback.decodeAudioData(base64ToBuffer(m.wav));
    const src = playback.createBufferSource();
    src.buffer = buffer;
    src.connect(playback.destination);
    src.onended = () => {
      voiceStore.setState((s) => ({ repliesPlayed: s.repliesPlayed + 1 }));
      done();
    };
    voiceStore.setState({ robotSpeaking: true });
    src.start();
  } catch {
    done();
  }
}

replies.play = (m) => {
  void playReply(m);
};
