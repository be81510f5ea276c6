/**
 * The optional backends say plainly when they cannot run (no model, no binary, no server),
 * the whisper.cpp backend drives its CLI as documented (checked against a stand-in script),
 * and speech output: espeak-ng WAVs, off, and the environment switches.
 */
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { headphonesFromEnv, sttFromEnv, ttsFromEnv } from '../../speech/config.js';
import { OpenAiCompatibleStt } from '../../speech/openai-stt.js';
import { parseWav } from '../../speech/pcm.js';
import { PocketsphinxStt } from '../../speech/pocketsphinx.js';
import { EspeakTts, NullTts } from '../../speech/tts.js';
import { SpeechUnavailableError } from '../../speech/types.js';
import { WhisperCppStt } from '../../speech/whisper.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'shammie-backend-'));
const second = Buffer.alloc(32000); // 1 s of 16 kHz silence

/** A port nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe('whisper.cpp (optional, user-supplied model)', () => {
  it('is not available without a model, and says how to get one without downloading', async () => {
    const w = new WhisperCppStt({ env: { PATH: process.env.PATH } });
    const a = await w.availability();
    expect(a).toMatchObject({ available: false });
    expect(!a.available && a.reason).toMatch(/SHAMMIE_WHISPER_MODEL.*nothing is downloaded/);
    await expect(w.transcribe(second)).rejects.toThrow(SpeechUnavailableError);
  });

  it('names the problem: missing file, empty file (a failed download), not a ggml model, no CLI', async () => {
    const d = tmp();
    const reason = async (model: string, env: NodeJS.ProcessEnv = { PATH: '/nonexistent' }) => {
      const a = await new WhisperCppStt({ model, env }).availability();
      return a.available ? 'available' : a.reason;
    };
    expect(await reason(join(d, 'nope.bin'))).toMatch(/does not exist/);
    writeFileSync(join(d, 'empty.bin'), '');
    expect(await reason(join(d, 'empty.bin'))).toMatch(/empty \(0 bytes\)/);
    writeFileSync(join(d, 'text.bin'), 'hello, not a model');
    expect(await reason(join(d, 'text.bin'))).toMatch(/not a ggml\/gguf/);
    writeFileSync(join(d, 'ggml-tiny.en.bin'), Buffer.concat([Buffer.from('lmgg', 'latin1'), Buffer.alloc(64)]));
    expect(await reason(join(d, 'ggml-tiny.en.bin'))).toMatch(/whisper\.cpp command line was not found.*SHAMMIE_WHISPER_BIN/);
  });

  it('runs the CLI in a child process: model, 16 kHz WAV, language, no timestamps; reads the text it prints', async () => {
    const d = tmp();
    const model = join(d, 'ggml-base.en.bin');
    writeFileSync(model, Buffer.concat([Buffer.from('lmgg', 'latin1'), Buffer.alloc(64)]));
    // A stand-in whisper-cli: records its arguments and the WAV header, prints a transcript.
    const bin = join(d, 'whisper-cli');
    writeFileSync(
      bin,
      `#!/bin/sh\nprintf '%s\\n' "$@" > "${d}/args"\nwhile [ $# -gt 0 ]; do [ "$1" = -f ] && head -c 44 "$2" > "${d}/header"; shift; done\necho ' Pick up the candy.'\n`,
    );
    chmodSync(bin, 0o755);
    const w = new WhisperCppStt({ env: { PATH: `${d}:${process.env.PATH}`, SHAMMIE_WHISPER_MODEL: model } });
    expect(await w.availability()).toMatchObject({ available: true });
    await w.setVocabulary({ skills: [], entities: [{ name: 'LOKI', description: 'A LEGO Loki minifigure.', kind: 'object' }] });
    const [t] = await w.transcribe(second);
    expect(t).toMatchObject({ text: 'pick up the candy.', accepted: true, backend: 'whisper.cpp' });
    const args = readFileSync(join(d, 'args'), 'utf8').split('\n');
    expect(args).toEqual(expect.arrayContaining(['-m', model, '-f', '-l', 'en', '-nt', '--prompt']));
    expect(args.join(' ')).toMatch(/loki/);
    expect(parseWav(Buffer.concat([readFileSync(join(d, 'header')), Buffer.alloc(2)]))).toMatchObject({
      sampleRate: 16000,
      channels: 1,
      bitsPerSample: 16,
    });
  });
});

describe('OpenAI-compatible transcription (optional)', () => {
  it('is not available unless a server is configured', async () => {
    const s = new OpenAiCompatibleStt({ env: {} });
    const a = await s.availability();
    expect(!a.available && a.reason).toMatch(/SHAMMIE_STT_BASE_URL/);
    await expect(s.transcribe(second)).rejects.toThrow(/SHAMMIE_STT_BASE_URL/);
  });

  it('reports a missing server plainly (connection refused), without retrying', async () => {
    const port = await closedPort();
    const s = new OpenAiCompatibleStt({ baseURL: `http://127.0.0.1:${port}/v1`, timeoutMs: 2000 });
    const a = await s.availability();
    expect(!a.available && a.reason).toMatch(/no transcription server at http:\/\/127\.0\.0\.1:\d+\/v1 \(connection refused\)/);
    const t0 = performance.now();
    await expect(s.transcribe(second)).rejects.toThrow(/connection refused/);
    expect(performance.now() - t0).toBeLessThan(1500);
  });

  it('rejects a malformed URL at construction', () => {
    expect(() => new OpenAiCompatibleStt({ baseURL: 'not a url' })).toThrow(/not a URL/);
  });
});

describe('speech out', () => {
  it('espeak-ng returns a playable WAV with real sizes, and its duration', async () => {
    const tts = new EspeakTts({ voice: 'en-us+f2', rate: 160 });
    expect(await tts.availability()).toMatchObject({ available: true });
    const s = (await tts.synthesize('-v this starts with a dash; it is text, not an option.'))!;
    const w = parseWav(s.wav);
    expect(w).toMatchObject({ channels: 1, bitsPerSample: 16 });
    expect(s.wav.readUInt32LE(4)).toBe(s.wav.length - 8);
    expect(s.duration).toBeGreaterThan(1);
    expect(s.duration).toBeLessThan(8);
  });

  it('can be switched off, and the voice chosen, from the environment', async () => {
    expect(await new NullTts().synthesize()).toBeNull();
    expect(ttsFromEnv({ SHAMMIE_TTS: 'off' })).toBeInstanceOf(NullTts);
    const t = ttsFromEnv({ SHAMMIE_TTS_VOICE: 'en-us+f3', SHAMMIE_TTS_RATE: '140' });
    expect(t).toMatchObject({ voice: 'en-us+f3', rate: 140 });
    expect(() => ttsFromEnv({ SHAMMIE_TTS_VOICE: 'x; rm -rf /' })).toThrow(/not an espeak-ng voice/);
    expect(() => ttsFromEnv({ SHAMMIE_TTS: 'festival' })).toThrow(/espeak or off/);
    expect(headphonesFromEnv({ SHAMMIE_HEADPHONES: '1' })).toBe(true);
    expect(headphonesFromEnv({})).toBe(false);
  });

  it('speech in defaults to pocketsphinx; the others by name', () => {
    expect(sttFromEnv({})).toBeInstanceOf(PocketsphinxStt);
    expect(sttFromEnv({ SHAMMIE_STT: 'whisper' })).toBeInstanceOf(WhisperCppStt);
    expect(sttFromEnv({ SHAMMIE_STT: 'openai' })).toBeInstanceOf(OpenAiCompatibleStt);
    expect(() => sttFromEnv({ SHAMMIE_STT: 'vosk' })).toThrow(/pocketsphinx, whisper or openai/);
  });
});
