/**
 * The console's microphones and loudspeakers: one voice channel per connected console.
 *
 * - Audio in: after `voice_open` the console streams 16 kHz s16 PCM as binary frames; a
 *   VoiceLoop per channel turns it into utterances (push-to-talk: `voice_end` ends one;
 *   hands-free: the recognizer's endpointer does). Accepted utterances go through the hub's
 *   command queue like typed ones; "stop" (a final, or the recognizer's keyword spotter) takes
 *   the loop's fast path; audio the recognizer does not vouch for becomes "Sorry, say that
 *   again?" and never reaches the planner, or "Did you say '…'?" when it was merely unsure: the
 *   console shows the words with Yes / No buttons (`voice_question`, `voice_answer`), and a yes
 *   plans them like any command (preview first). A spoken "yes" confirms only the preview on
 *   screen when it was heard (the loop passes its id to the hub's confirm gate).
 * - Audio out: every robot line of the dialogue is synthesized (espeak-ng) in the channel's
 *   voice and sent as a WAV; recognition on that channel is muted until the console says it
 *   has played it (plus an echo tail), unless the operator wears headphones.
 *
 * The recognizer is created on the first `voice_open` and shared by all channels (one grammar,
 * regenerated when something is taught). A missing recognizer is a state with a hint, not an
 * exception: typing keeps working.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../skills/library/library.js';
import { PocketsphinxStt } from '../speech/pocketsphinx.js';
import type { WebSocket } from 'ws';
import { headphonesFromEnv, sttFromEnv, ttsFromEnv } from '../speech/config.js';
import { isNoise, VoiceLoop } from '../speech/loop.js';
import { run } from '../speech/proc.js';
import { EspeakTts, NullTts } from '../speech/tts.js';
import type { Speech, SpeechToText, TextToSpeech } from '../speech/types.js';
import type { ConsoleHub, HubExtension } from './hub.js';
import { VOICE_MAX_FRAME_BYTES, type ClientMessage, type DialogueEntry, type VoiceMode, type VoiceState } from './protocol.js';

export interface VoiceOptions {
  /** the recognizer, made on first use (default: from the environment, pocketsphinx) */
  stt?: () => SpeechToText;
  /** spoken replies in a voice (default: espeak-ng; SHAMMIE_TTS=off turns them off) */
  tts?: (voice: string) => TextToSpeech;
  /** the voice new channels start with (default SHAMMIE_TTS_VOICE or en-us) */
  voice?: string;
  /** voices offered (default: espeak-ng's English voices) */
  voices?: string[];
  /** new channels assume headphones (default SHAMMIE_HEADPHONES) */
  headphones?: boolean;
  /** extra wait for `speech_played` beyond a reply's duration before unmuting anyway, ms */
  playSlackMs?: number;
  /**
   * Where pocketsphinx's cepstral-mean estimate is kept between runs, so the first utterance
   * after a restart is decoded warm (a cold decoder misreads it and has to hear it twice).
   */
  cmnFile?: string;
  env?: NodeJS.ProcessEnv;
}

/** pocketsphinx's cepstral mean: 13 comma-separated numbers */
const CMN = /^-?\d+(?:\.\d+)?(?:,-?\d+(?:\.\d+)?){12}$/;

/** audio buffered while the recognizer starts (the first press of Talk), seconds */
const STARTUP_BUFFER_S = 15;

interface Channel {
  ws: WebSocket;
  mode: VoiceMode | null;
  loop: VoiceLoop | null;
  opening: Promise<VoiceLoop | null> | null;
  /** audio that arrived while the loop was starting */
  early: Buffer[];
  earlyBytes: number;
  speak: boolean;
  voice: string;
  headphones: boolean;
  /** replies waiting for the console's speech_played, by id */
  plays: Map<string, () => void>;
  /** replies are spoken one after another */
  speech: Promise<void>;
  queued: number;
  unsubscribe: (() => void) | null;
  /** a user-facing problem (recognizer missing, stream error) */
  problem: { message: string; tip?: string } | null;
  closed: boolean;
}

export class VoiceChannels implements HubExtension {
  readonly #hub: ConsoleHub;
  readonly #o: VoiceOptions;
  readonly #channels = new Map<WebSocket, Channel>();
  #stt: SpeechToText | null = null;
  #sttProblem: { message: string; tip?: string } | null = null;
  #backend = 'pocketsphinx';
  #voices: string[];
  readonly #tts = new Map<string, TextToSpeech>();
  readonly #recent = new Map<string, Promise<Speech | null>>();
  #savedCmn: string | null = null;
  #cmnSavedAt = 0;
  #ttsProblem: string | null = null;
  readonly #unsubscribe: () => void;

  constructor(hub: ConsoleHub, options: VoiceOptions = {}) {
    this.#hub = hub;
    this.#o = options;
    const env = options.env ?? process.env;
    this.#backend = (env.SHAMMIE_STT ?? 'pocketsphinx').trim().toLowerCase() || 'pocketsphinx';
    this.#voices = options.voices ?? [this.defaultVoice];
    if (!options.voices)
      void englishVoices().then((v) => {
        if (v.length) {
          this.#voices = [...new Set([this.defaultVoice, ...v])];
          this.#pushAll();
        }
      });
    if (!options.tts) {
      try {
        const t = ttsFromEnv(env);
        if (t instanceof NullTts) this.#ttsProblem = 'spoken replies are off (SHAMMIE_TTS=off)';
        else
          void t.availability().then((a) => {
            if (!a.available) {
              this.#ttsProblem = a.reason;
              this.#pushAll();
            }
          });
      } catch (err) {
        this.#ttsProblem = (err as Error).message.replace(/^\[speech\] /, '');
      }
    }
    this.#unsubscribe = hub.onEntry((e) => this.#onEntry(e));
  }

  get defaultVoice(): string {
    return this.#o.voice ?? ((this.#o.env ?? process.env).SHAMMIE_TTS_VOICE || 'en-us');
  }

  // -------------------------------------------------------------------------------------------
  // HubExtension

  attach(ws: WebSocket): void {
    const ch: Channel = {
      ws,
      mode: null,
      loop: null,
      opening: null,
      early: [],
      earlyBytes: 0,
      speak: true,
      voice: this.defaultVoice,
      headphones: this.#o.headphones ?? headphonesFromEnv(this.#o.env),
      plays: new Map(),
      speech: Promise.resolve(),
      queued: 0,
      unsubscribe: null,
      problem: null,
      closed: false,
    };
    this.#channels.set(ws, ch);
    this.#push(ch);
  }

  detach(ws: WebSocket): void {
    const ch = this.#channels.get(ws);
    if (!ch) return;
    this.#channels.delete(ws);
    ch.closed = true;
    for (const done of ch.plays.values()) done();
    void this.#close(ch);
  }

  async handle(ws: WebSocket, msg: ClientMessage): Promise<boolean> {
    const ch = this.#channels.get(ws);
    if (!ch) return false;
    switch (msg.type) {
      case 'voice_open':
        await this.#open(ch, msg.mode);
        return true;
      case 'voice_end': {
        const loop = ch.loop ?? (await ch.opening);
        if (loop) {
          this.#drainEarly(ch, loop);
          await loop.flush();
        }
        return true;
      }
      case 'voice_close':
        await this.#close(ch);
        this.#push(ch);
        return true;
      case 'voice_settings': {
        if (msg.voice !== undefined) {
          if (!this.#voices.includes(msg.voice)) {
            this.#hub.sendTo(ws, {
              type: 'error',
              re: 'voice_settings',
              message: `no voice "${msg.voice}" here; choose one of ${this.#voices.join(', ')}`,
            });
          } else ch.voice = msg.voice;
        }
        if (msg.speak !== undefined) ch.speak = msg.speak;
        if (msg.headphones !== undefined) {
          ch.headphones = msg.headphones;
          if (ch.loop) ch.loop.headphones = msg.headphones;
        }
        this.#push(ch);
        return true;
      }
      case 'speech_played':
        ch.plays.get(msg.id)?.();
        return true;
      case 'voice_answer': {
        // The hub has already refused a watcher (voice_answer is not a watcher's message).
        const answered = ch.loop?.answer(msg.id, msg.yes) ?? null;
        if (!answered) {
          this.#hub.sendTo(ws, {
            type: 'error',
            re: 'voice_answer',
            message: 'That question is no longer open (it was answered, replaced or expired); nothing was done.',
            tip: 'Say the command again, or type it.',
          });
          return true;
        }
        if (!msg.yes) this.#hub.addEntry('user', '(clicked “No”)', 'answer', this.#hub.sourceOf(ws));
        await answered;
        return true;
      }
      default:
        return false;
    }
  }

  binary(ws: WebSocket, data: Buffer): boolean {
    const ch = this.#channels.get(ws);
    if (!ch || (!ch.loop && !ch.opening)) return false;
    if (data.length > VOICE_MAX_FRAME_BYTES) {
      this.#hub.sendTo(ws, {
        type: 'error',
        re: 'audio',
        message: `audio frame of ${data.length} bytes refused: at most ${VOICE_MAX_FRAME_BYTES} (one second of 16 kHz s16)`,
      });
      return true;
    }
    const pcm = data.length % 2 ? data.subarray(0, data.length - 1) : data;
    if (ch.loop) {
      ch.loop.write(pcm);
    } else if (ch.earlyBytes < STARTUP_BUFFER_S * 32000) {
      ch.early.push(Buffer.from(pcm));
      ch.earlyBytes += pcm.length;
    }
    return true;
  }

  /** The last run's cepstral mean, if it was saved and looks like one (13 numbers). */
  #loadCmn(): void {
    const file = this.#o.cmnFile;
    if (!file || !(this.#stt instanceof PocketsphinxStt) || !existsSync(file)) return;
    try {
      const text = readFileSync(file, 'utf8').trim();
      if (CMN.test(text)) this.#stt.lastCmn = text;
    } catch {
      // unreadable: start cold, as without a file
    }
  }

  #saveCmn(): void {
    const file = this.#o.cmnFile;
    const cmn = this.#stt instanceof PocketsphinxStt ? this.#stt.lastCmn : null;
    if (!file || !cmn || cmn === this.#savedCmn || !CMN.test(cmn)) return;
    try {
      mkdirSync(dirname(file), { recursive: true });
      writeFileAtomic(file, cmn + '\n');
      this.#savedCmn = cmn;
    } catch {
      // not worth bothering the operator: the next run just starts cold
    }
  }

  async dispose(): Promise<void> {
    this.#saveCmn();
    this.#unsubscribe();
    await Promise.all(
      [...this.#channels.values()].map((ch) => {
        ch.closed = true;
        return this.#close(ch);
      }),
    );
    this.#channels.clear();
    await this.#stt?.close();
    this.#stt = null;
  }

  // -------------------------------------------------------------------------------------------
  // Microphone

  #recognizer(): SpeechToText | null {
    if (this.#stt) return this.#stt;
    try {
      this.#stt = this.#o.stt ? this.#o.stt() : sttFromEnv(this.#o.env, { live: true });
      this.#backend = this.#stt.name;
      this.#sttProblem = null;
      this.#loadCmn();
    } catch (err) {
      this.#sttProblem = {
        message: (err as Error).message.replace(/^\[speech\] /, ''),
        tip: 'Check SHAMMIE_STT (pocketsphinx, whisper or openai). Typing still works.',
      };
    }
    return this.#stt;
  }

  async #open(ch: Channel, mode: VoiceMode): Promise<void> {
    if (ch.loop || ch.opening) {
      // Switching push-to-talk ↔ hands-free: the channel stays; end any half utterance.
      if (ch.mode !== mode) {
        ch.mode = mode;
        const loop = ch.loop ?? (await ch.opening);
        await loop?.flush();
      }
      this.#push(ch); // the answer to every voice_open, also a repeated one
      return;
    }
    ch.mode = mode;
    ch.problem = null;
    const stt = this.#recognizer();
    if (!stt) {
      ch.problem = this.#sttProblem;
      this.#push(ch);
      return;
    }
    const hub = this.#hub;
    ch.opening = (async () => {
      try {
        const loop = await VoiceLoop.start({
          app: hub.app,
          stt,
          headphones: ch.headphones,
          speakReplies: false, // every robot line is spoken by #onEntry, typed turns' too
          // A "yes" names the preview that was on screen when it was heard ('' for none), so the
          // hub's gate never lets it confirm one shown later.
          say: (text, heard) =>
            hub.say(text, 'voice', hub.sourceOf(ch.ws), heard.previewId === undefined ? undefined : (heard.previewId ?? '')),
          shownPreview: () => hub.pendingPreviewId,
          stop: () => hub.stopNow('voice'),
        });
        if (ch.closed) {
          await loop.close();
          return null;
        }
        ch.unsubscribe = loop.subscribe((e) => {
          const ws = ch.ws;
          switch (e.type) {
            case 'speaking':
              hub.sendTo(ws, { type: 'voice_activity', speaking: e.speaking });
              return;
            case 'partial':
              hub.sendTo(ws, { type: 'voice_partial', text: e.text });
              return;
            case 'final': {
              const t = e.transcript;
              if (Date.now() - this.#cmnSavedAt > 10_000) {
                this.#cmnSavedAt = Date.now();
                this.#saveCmn();
              }
              if (isNoise(t)) return; // a click or a cough: nothing to show
              hub.sendTo(ws, {
                type: 'voice_final',
                text: t.text,
                accepted: t.accepted,
                confidence: Math.round(t.confidence * 1000) / 1000,
                ...(t.reason ? { reason: t.reason } : {}),
                stop: e.stop,
              });
              return;
            }
            case 'stop':
              // The keyword spotter's stop has no final yet: show it as heard, like a spoken "stop".
              if (e.spotted)
                hub.sendTo(ws, {
                  type: 'voice_final',
                  text: e.transcript.text,
                  accepted: true,
                  confidence: Math.round(e.transcript.confidence * 1000) / 1000,
                  stop: true,
                });
              hub.addEntry('user', e.transcript.text, 'voice', hub.sourceOf(ws));
              return;
            case 'question':
              hub.sendTo(ws, { type: 'voice_question', question: e.question });
              return;
            case 'turn': {
              // The session's turns are in the dialogue already; those made here are added.
              if (!e.local || e.stopped) return;
              const t = e.transcript;
              const by = hub.sourceOf(ws);
              if (e.via === 'voice') {
                if (t.accepted) hub.addEntry('user', t.text, 'voice', by);
                else hub.addEntry('user', t.text ? `(heard “${t.text}”, not sure)` : '(speech I could not make out)', 'voice-rejected', by);
              }
              hub.addEntry('robot', e.turn.reply, e.turn.kind === 'rejected' ? 'rejected' : 'voice-question');
              return;
            }
            case 'error':
              hub.sendTo(ws, {
                type: 'error',
                re: 'voice',
                message: e.message,
                tip: 'Press Talk again; if it keeps failing, restart `shammie start`.',
              });
              return;
            default:
              return;
          }
        });
        ch.loop = loop;
        this.#drainEarly(ch, loop);
        return loop;
      } catch (err) {
        const message = (err as Error).message.replace(/^\[speech\] /, '');
        ch.problem = {
          message,
          tip: /pocketsphinx/.test(message)
            ? 'Install it with: sudo apt-get install pocketsphinx pocketsphinx-en-us. Typing still works.'
            : 'Typing still works.',
        };
        return null;
      } finally {
        ch.opening = null;
        ch.early = [];
        ch.earlyBytes = 0;
        if (!ch.closed) this.#push(ch);
      }
    })();
    this.#push(ch);
    await ch.opening;
  }

  #drainEarly(ch: Channel, loop: VoiceLoop): void {
    for (const b of ch.early) loop.write(b);
    ch.early = [];
    ch.earlyBytes = 0;
  }

  async #close(ch: Channel): Promise<void> {
    const loop = ch.loop ?? (await ch.opening);
    ch.loop = null;
    ch.mode = null;
    ch.unsubscribe?.();
    ch.unsubscribe = null;
    // A "Did you say …?" dies with its channel: take the buttons away.
    if (loop?.question && !ch.closed) this.#hub.sendTo(ch.ws, { type: 'voice_question', question: null });
    if (loop) {
      await loop.flush().catch(() => undefined);
      await loop.close().catch(() => undefined);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Spoken replies

  #ttsFor(voice: string): TextToSpeech {
    let t = this.#tts.get(voice);
    if (!t) {
      t = this.#o.tts ? this.#o.tts(voice) : new EspeakTts({ ...ttsOptions(this.#o.env), voice });
      this.#tts.set(voice, t);
    }
    return t;
  }

  /** Several consoles hear the same reply: synthesize it once per voice. */
  #synthesize(voice: string, text: string): Promise<Speech | null> {
    const key = `${voice}\n${text}`;
    let p = this.#recent.get(key);
    if (!p) {
      p = this.#ttsFor(voice).synthesize(text);
      this.#recent.set(key, p);
      p.catch(() => this.#recent.delete(key));
      while (this.#recent.size > 8) this.#recent.delete(this.#recent.keys().next().value!);
    }
    return p;
  }

  #onEntry(e: DialogueEntry): void {
    if (e.role !== 'robot' || this.#ttsProblem) return;
    for (const ch of this.#channels.values()) {
      if (!ch.speak || ch.closed) continue;
      // A backlog of replies is stale: say the latest, skip the rest.
      if (ch.queued >= 2) continue;
      ch.queued++;
      ch.speech = ch.speech
        .then(() => this.#say(ch, e.text))
        .catch((err: Error) => {
          this.#hub.sendTo(ch.ws, { type: 'error', re: 'speech', message: `could not speak the reply: ${err.message}` });
        })
        .finally(() => {
          ch.queued--;
        });
    }
  }

  async #say(ch: Channel, text: string): Promise<void> {
    if (ch.closed || !ch.speak) return;
    const speech = await this.#synthesize(ch.voice, speakable(text));
    if (!speech || ch.closed) return;
    const id = randomBytes(6).toString('hex');
    const played = new Promise<void>((resolve) => {
      const timer = setTimeout(() => done(), speech.duration * 1000 + (this.#o.playSlackMs ?? 2000));
      const done = () => {
        clearTimeout(timer);
        ch.plays.delete(id);
        resolve();
      };
      ch.plays.set(id, done);
    });
    const send = async () => {
      this.#hub.sendTo(ch.ws, {
        type: 'speech',
        id,
        text,
        wav: speech.wav.toString('base64'),
        duration: Math.round(speech.duration * 1000) / 1000,
      });
      this.#push(ch);
      await played;
    };
    try {
      if (ch.loop) await ch.loop.muted(send);
      else await send();
    } finally {
      if (!ch.closed) this.#push(ch);
    }
  }

  // -------------------------------------------------------------------------------------------
  // State

  /** the recognizer, once a console has opened its microphone */
  get recognizer(): SpeechToText | null {
    return this.#stt;
  }

  state(ws: WebSocket): VoiceState | null {
    const ch = this.#channels.get(ws);
    return ch ? this.#state(ch) : null;
  }

  #state(ch: Channel): VoiceState {
    const problem = ch.problem ?? (ch.mode && !ch.loop && !ch.opening ? this.#sttProblem : null);
    const state: VoiceState['state'] = ch.loop ? 'listening' : ch.opening ? 'starting' : problem ? 'unavailable' : 'off';
    const message =
      state === 'listening'
        ? ch.mode === 'handsfree'
          ? `Listening hands-free (${this.#backend}).`
          : `Push-to-talk ready (${this.#backend}): hold Talk or V while you speak.`
        : state === 'starting'
          ? `Starting speech recognition (${this.#backend})…`
          : state === 'unavailable'
            ? problem!.message
            : `Microphone off. Hold Talk (or V) to speak${this.#ttsProblem ? '' : '; replies are spoken'}.`;
    return {
      state,
      mode: ch.mode,
      backend: this.#backend,
      message,
      ...(state === 'unavailable' && problem?.tip ? { tip: problem.tip } : {}),
      speak: ch.speak && !this.#ttsProblem,
      ttsAvailable: !this.#ttsProblem,
      voice: ch.voice,
      voices: this.#voices,
      headphones: ch.headphones,
      muted: ch.loop?.isMuted ?? false,
    };
  }

  #push(ch: Channel): void {
    if (ch.closed) return;
    this.#hub.sendTo(ch.ws, { type: 'voice_state', voice: this.#state(ch) });
  }

  #pushAll(): void {
    for (const ch of this.#channels.values()) this.#push(ch);
  }
}

/** "Done: pickup(CANDY) → goto(GIFT_BAG)." → "Done: pickup candy, then goto gift bag." */
export function speakable(text: string): string {
  return text
    .replace(/\b([a-z][a-z0-9_]*)\(([^()]*)\)/g, (_, name: string, args: string) =>
      `${name.replace(/_/g, ' ')} ${args.replace(/[_,]/g, ' ').toLowerCase()}`.trim(),
    )
    .replace(/\s*→\s*/g, ', then ')
    .replace(/\b([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)\b/g, (m) => m.replace(/_/g, ' ').toLowerCase())
    .replace(/\s+/g, ' ')
    .trim();
}

function ttsOptions(env: NodeJS.ProcessEnv = process.env): { rate?: number } {
  return env.SHAMMIE_TTS_RATE ? { rate: Number(env.SHAMMIE_TTS_RATE) } : {};
}

/** espeak-ng's own English voices (not the mbrola ones, which need extra packages), plus a few variants. */
export async function englishVoices(): Promise<string[]> {
  try {
    const r = await run('espeak-ng', ['--voices=en'], { timeoutMs: 5000 });
    if (r.code !== 0) return [];
    const langs = r.stdout
      .toString()
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(/\s+/))
      .filter((c) => c.length >= 5 && c[4].startsWith('gmw/'))
      .map((c) => c[1]);
    const out = [...new Set(langs)];
    if (out.includes('en-us')) out.push('en-us+f2', 'en-us+f4', 'en-us+m3');
    return out;
  } catch {
    return [];
  }
}
