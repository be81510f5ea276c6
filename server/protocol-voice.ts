/**
 * The voice part of the console protocol (see protocol.ts for the conventions).
 *
 * Audio in: after `voice_open`, the console sends the microphone as binary WebSocket frames of
 * raw PCM, 16 kHz mono s16le (little-endian), at most one second per frame. In push-to-talk
 * mode `voice_end` ends the utterance (button or V released); in hands-free mode the server's
 * endpointer finds the utterances. Audio out: replies arrive as `speech` messages carrying a
 * WAV; the console answers `speech_played` when it has played it (the server mutes recognition
 * until then, unless the operator wears headphones).
 *
 * Dependency-free apart from zod: bundled into the browser.
 */
import { z } from 'zod';

export const VOICE_SAMPLE_RATE = 16000;
/** longest binary audio frame the server accepts, bytes (one second of 16 kHz s16) */
export const VOICE_MAX_FRAME_BYTES = VOICE_SAMPLE_RATE * 2;

export const voiceModeSchema = z.enum(['ptt', 'handsfree']);
export type VoiceMode = z.infer<typeof voiceModeSchema>;

/** espeak-ng voice names: letters, digits and + - _ / (e.g. en-us, en-us+f2, en-gb-x-rp) */
export const voiceNameSchema = z.string().regex(/^[A-Za-z0-9_+\-/.]{1,40}$/, 'not a voice name');

/** the id of a "Did you say …?" question (the server makes them: q1, q2, …) */
export const voiceQuestionIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'not a question id');

/** "Did you say …?": the recognizer was unsure of likely-right words and asks before planning them */
export const voiceQuestionSchema = z.object({
  id: voiceQuestionIdSchema,
  /** the words it heard */
  text: z.string().max(500),
  /** it is dropped if not answered within this, ms */
  expiresInMs: z.number().int().nonnegative(),
});
export type VoiceQuestion = z.infer<typeof voiceQuestionSchema>;

export const voiceClientMessages = [
  /** start (or switch the mode of) this console's microphone channel */
  z.object({ type: z.literal('voice_open'), mode: voiceModeSchema, sampleRate: z.literal(VOICE_SAMPLE_RATE) }),
  /** push-to-talk released: the utterance is over */
  z.object({ type: z.literal('voice_end') }),
  /** microphone off */
  z.object({ type: z.literal('voice_close') }),
  /** spoken replies on/off, the voice, headphones (microphone stays open while the robot talks) */
  z.object({
    type: z.literal('voice_settings'),
    speak: z.boolean().optional(),
    voice: voiceNameSchema.optional(),
    headphones: z.boolean().optional(),
  }),
  /** the console finished (or gave up) playing a `speech` reply */
  z.object({ type: z.literal('speech_played'), id: z.string().max(40) }),
  /**
   * the answer to "Did you say …?" by a click: yes plans the words as if heard surely (preview,
   * then Execute as always), no asks to say it again. Only the console in control may answer.
   */
  z.object({ type: z.literal('voice_answer'), id: voiceQuestionIdSchema, yes: z.boolean() }),
] as const;

export const voiceStateSchema = z.object({
  /** off: no microphone channel; starting: the recognizer is loading; listening: audio is welcome; unavailable: see message */
  state: z.enum(['off', 'starting', 'listening', 'unavailable']),
  mode: voiceModeSchema.nullable(),
  /** the speech-to-text backend, e.g. pocketsphinx */
  backend: z.string(),
  /** a plain sentence for the operator */
  message: z.string(),
  tip: z.string().optional(),
  /** spoken replies */
  speak: z.boolean(),
  /** spoken replies can be produced here (espeak-ng installed) */
  ttsAvailable: z.boolean(),
  voice: z.string(),
  voices: z.array(z.string()),
  headphones: z.boolean(),
  /** recognition is muted while the robot speaks */
  muted: z.boolean(),
});
export type VoiceState = z.infer<typeof voiceStateSchema>;

export const voiceServerMessages = [
  z.object({ type: z.literal('voice_state'), voice: voiceStateSchema }),
  /** the endpointer heard speech start or stop */
  z.object({ type: z.literal('voice_activity'), speaking: z.boolean() }),
  /** the words so far (a hypothesis that may still change) */
  z.object({ type: z.literal('voice_partial'), text: z.string() }),
  /** an utterance is done; accepted ones go to the dialogue, others get "say that again" */
  z.object({
    type: z.literal('voice_final'),
    text: z.string(),
    accepted: z.boolean(),
    confidence: z.number(),
    reason: z.string().optional(),
    /** the stop fast path fired for it */
    stop: z.boolean(),
  }),
  /** "Did you say …?" waits for a yes or no on this console (null: answered, dropped or expired) */
  z.object({ type: z.literal('voice_question'), question: voiceQuestionSchema.nullable() }),
  /** a spoken reply: WAV bytes, base64 */
  z.object({ type: z.literal('speech'), id: z.string(), text: z.string(), wav: z.string(), duration: z.number() }),
] as const;
