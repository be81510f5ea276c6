/**
 * Speech in `shammie run` scripts: `!say FILE.wav` lines, and --speak-through (every text line
 * is synthesized with espeak-ng and recognized, a full speech loop). The runner hands each
 * such line here and gets back the words to say, or a finished turn (rejected audio; the stop
 * fast path).
 */
import { isAbsolute, resolve } from 'node:path';
import { isStopUtterance } from '../planner/rule-planner.js';
import type { App } from '../session/app.js';
import type { TurnReport } from '../session/script-run.js';
import type { ScriptLine } from '../session/script.js';
import { isNoise, SAY_AGAIN } from './loop.js';
import { readAudioFile, toPcm16k } from './pcm.js';
import { PocketsphinxStt } from './pocketsphinx.js';
import { trimSilence, withNoise } from './synth.js';
import { EspeakTts } from './tts.js';
import { SpeechUnavailableError, type SpeechToText, type TextToSpeech, type Transcript } from './types.js';
import { appVocabulary } from './vocabulary.js';

export type Heard =
  | { text: string; transcript?: Transcript }
  /** the line is done: rejected audio, or the stop fast path (`stopped`) */
  | { report: TurnReport; stopped: boolean };

export interface ScriptSpeechOptions {
  /** where relative !say paths point (the script's folder) */
  baseDir: string;
  /** synthesize every text line and recognize it */
  speakThrough?: boolean;
  /** default: pocketsphinx with the app's grammar */
  stt?: SpeechToText;
  /** the voice for --speak-through (default espeak-ng en-us at 150 words per minute) */
  tts?: TextToSpeech;
  /** --speak-through mixes in pink room noise at this SNR (dB; null: none) */
  roomSnrDb?: number | null;
}

export interface ScriptSpeech {
  hear(line: Extract<ScriptLine, { type: 'say' | 'utterance' }>): Promise<Heard>;
  close(): Promise<void>;
}

/** Several finals from one recording (a pause split it) count as one utterance. */
export function joinTranscripts(ts: readonly Transcript[]): Transcript | null {
  const said = ts.filter((t) => !isNoise(t));
  if (!said.length) return null;
  if (said.length === 1) return said[0];
  return {
    text: said.map((t) => t.text).join(' '),
    confidence: Math.min(...said.map((t) => t.confidence)),
    accepted: said.every((t) => t.accepted),
    ...(said.some((t) => !t.accepted) ? { reason: said.find((t) => !t.accepted)!.reason } : {}),
    start: said[0].start,
    end: said[said.length - 1].end,
    backend: said[0].backend,
  };
}

function turnReport(line: number, utterance: string, kind: TurnReport['kind'], reply: string, notes: string[]): TurnReport {
  return {
    line,
    utterance,
    kind,
    reply,
    plan: kind === 'rejected' ? null : [],
    preview: null,
    executed: false,
    outcome: 'not_run',
    failure: null,
    notes,
  };
}

export async function createScriptSpeech(app: App, options: ScriptSpeechOptions): Promise<ScriptSpeech> {
  const stt = options.stt ?? new PocketsphinxStt();
  const a = await stt.availability();
  if (!a.available) throw new SpeechUnavailableError(stt.name, a.reason);
  // A clear, unhurried voice: the en-us model misreads espeak-ng's default 175 wpm more often.
  const tts = options.tts ?? (options.speakThrough ? new EspeakTts({ voice: 'en-us', rate: 150 }) : undefined);
  if (tts) {
    const t = await tts.availability();
    if (!t.available) throw new SpeechUnavailableError(tts.name, t.reason);
  }
  // The grammar follows what is taught: rebuilt before the next line after any change.
  let dirty = true;
  const offs = [
    app.registry.onChange(() => {
      dirty = true;
    }),
    app.world.onChange(() => {
      dirty = true;
    }),
  ];

  return {
    async hear(l) {
      if (l.type === 'utterance' && !options.speakThrough) return { text: l.text };
      let pcm: Buffer;
      let source: string;
      if (l.type === 'say') {
        const path = isAbsolute(l.file) ? l.file : resolve(options.baseDir, l.file);
        pcm = await readAudioFile(path);
        source = l.file;
      } else {
        const speech = await tts!.synthesize(l.text);
        if (!speech) return { text: l.text };
        pcm = await toPcm16k(speech.wav);
        // A microphone in a room, not a file: the model misreads noiseless synthetic speech.
        if (options.roomSnrDb !== null)
          pcm = (await withNoise(trimSilence(pcm), options.roomSnrDb ?? 20, { seed: l.line, lead: 0.3, tail: 0.3 })).pcm;
        source = `espeak-ng "${l.text}"`;
      }
      if (dirty) {
        dirty = false;
        await stt.setVocabulary(appVocabulary(app));
      }
      const t = joinTranscripts(await stt.transcribe(pcm));
      if (!t)
        return {
          report: turnReport(l.line, `(${source})`, 'rejected', SAY_AGAIN, [`speech: nothing recognized in ${source}`]),
          stopped: false,
        };
      const note = `speech: heard "${t.text}" in ${source} (confidence ${t.confidence.toFixed(2)}${t.score !== undefined ? `, score ${t.score}` : ''})`;
      if (!t.accepted) return { report: turnReport(l.line, t.text, 'rejected', SAY_AGAIN, [note]), stopped: false };
      if (isStopUtterance(t.text)) {
        // Fast path: no planner.
        await app.session.stop();
        return { report: turnReport(l.line, t.text, 'plan', 'Stopping.', [note]), stopped: true };
      }
      return { text: t.text, transcript: t };
    },
    async close() {
      for (const off of offs) off();
      if (!options.stt) await stt.close();
    },
  };
}
