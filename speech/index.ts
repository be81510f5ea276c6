/**
 * speech/: talk to the robot. Speech in (SpeechToText: pocketsphinx by default, whisper.cpp and
 * OpenAI-compatible servers optionally), speech out (TextToSpeech: espeak-ng), the voice loop
 * that ties them to a Session, and the grammar generated from what the robot knows.
 *
 * Audio format everywhere: PCM_FORMAT, 16 kHz mono signed 16-bit little-endian.
 */
export type { Availability, Speech, SpeechToText, SttEvent, SttStream, TextToSpeech, Transcript } from './types.js';
export { SpeechUnavailableError } from './types.js';
export { PCM_FORMAT, SAMPLE_RATE, AudioError, PcmResampler, encodeWav, parseWav, readAudioFile, toPcm16k } from './pcm.js';
export { buildGrammar, toJsgf, TEACHABLE_VERBS, type GrammarInput, type SceneObject } from './grammar.js';
export { PocketsphinxStt, DEFAULT_THRESHOLD, type PocketsphinxOptions } from './pocketsphinx.js';
export { WhisperCppStt, type WhisperOptions } from './whisper.js';
export { OpenAiCompatibleStt, type OpenAiSttOptions } from './openai-stt.js';
export { EspeakTts, NullTts, type EspeakOptions } from './tts.js';
export { VoiceLoop, SAY_AGAIN, type VoiceEvent, type VoiceLoopOptions, type VoiceResult } from './loop.js';
export { appVocabulary, colourName, sceneObjects } from './vocabulary.js';
export { sttFromEnv, ttsFromEnv, headphonesFromEnv } from './config.js';
