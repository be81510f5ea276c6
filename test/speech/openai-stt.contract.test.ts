/**
 * Contract test: OpenAiCompatibleStt against an in-process fake of an OpenAI-compatible
 * transcription server (faster-whisper-server, LocalAI): POST {base}/audio/transcriptions as
 * multipart with the WAV, model, language and prompt; a verbose_json answer becomes a
 * transcript with a confidence; server errors become plain messages.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenAiCompatibleStt } from '../../speech/openai-stt.js';
import { parseWav } from '../../speech/pcm.js';

interface Received {
  path: string;
  auth: string | undefined;
  fields: Record<string, string>;
  file: Buffer;
  filename: string;
}

let server: Server;
let base = '';
const received: Received[] = [];
let answer: { status: number; body: unknown } = { status: 200, body: {} };

/** Minimal multipart/form-data reader (fields and one file). */
function multipart(req: IncomingMessage, body: Buffer): { fields: Record<string, string>; file: Buffer; filename: string } {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(req.headers['content-type'] ?? '');
  const b = `--${boundary?.[1] ?? boundary?.[2]}`;
  const fields: Record<string, string> = {};
  let file = Buffer.alloc(0);
  let filename = '';
  let at = body.indexOf(b);
  while (at >= 0) {
    const next = body.indexOf(b, at + b.length);
    if (next < 0) break;
    const part = body.subarray(at + b.length + 2, next - 2);
    const split = part.indexOf('\r\n\r\n');
    const head = part.subarray(0, split).toString();
    const value = part.subarray(split + 4);
    const name = /name="([^"]+)"/.exec(head)?.[1] ?? '';
    const fn = /filename="([^"]+)"/.exec(head)?.[1];
    if (fn) {
      file = Buffer.from(value);
      filename = fn;
    } else fields[name] = value.toString();
    at = next;
  }
  return { fields, file, filename };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":[]}');
        return;
      }
      received.push({ path: req.url ?? '', auth: req.headers.authorization, ...multipart(req, Buffer.concat(chunks)) });
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}/v1`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('OpenAiCompatibleStt (contract, fake local server)', () => {
  it("sends the utterance as a 16 kHz WAV with model, language and the robot's names as prompt", async () => {
    answer = {
      status: 200,
      body: {
        text: 'Zoom in on Loki.',
        segments: [
          { avg_logprob: -0.1, no_speech_prob: 0.02 },
          { avg_logprob: -0.3, no_speech_prob: 0.01 },
        ],
      },
    };
    const stt = new OpenAiCompatibleStt({ env: { SHAMMIE_STT_BASE_URL: base, SHAMMIE_STT_MODEL: 'Systran/faster-whisper-small.en' } });
    expect(await stt.availability()).toMatchObject({ available: true });
    await stt.setVocabulary({
      skills: [{ name: 'zoom_in', kind: 'behavior', description: 'Push in.', params: [] }],
      entities: [{ name: 'LOKI', description: 'A LEGO Loki minifigure.', kind: 'object' }],
    });
    const pcm = Buffer.alloc(16000 * 2 * 1.5);
    const [t] = await stt.transcribe(pcm);
    const r = received.at(-1)!;
    expect(r.path).toBe('/v1/audio/transcriptions');
    expect(r.auth).toBe('Bearer local');
    expect(r.fields).toMatchObject({ model: 'Systran/faster-whisper-small.en', language: 'en', response_format: 'verbose_json' });
    expect(r.fields.prompt).toMatch(/loki.*zoom in|zoom in.*loki/);
    expect(r.filename).toBe('utterance.wav');
    const wav = parseWav(r.file);
    expect(wav).toMatchObject({ sampleRate: 16000, channels: 1, bitsPerSample: 16 });
    expect(wav.data.length).toBe(pcm.length);
    expect(t).toMatchObject({ text: 'zoom in on loki.', accepted: true, backend: 'openai-compatible', start: 0, end: 1.5 });
    expect(t.confidence).toBeCloseTo((Math.exp(-0.1) * 0.98 + Math.exp(-0.3) * 0.99) / 2, 5);
  });

  it('works with plain json answers (no segments) and streams utterances cut by flush()', async () => {
    answer = { status: 200, body: { text: 'go home' } };
    const stt = new OpenAiCompatibleStt({ baseURL: base, responseFormat: 'json' });
    const s = stt.stream();
    const finals: string[] = [];
    s.subscribe((e) => {
      if (e.type === 'final') finals.push(e.transcript.text);
    });
    s.write(Buffer.alloc(16000));
    const out = await s.flush();
    await s.close();
    expect(out.map((t) => [t.text, t.confidence, t.accepted])).toEqual([['go home', 1, true]]);
    expect(finals).toEqual(['go home']);
    expect(received.at(-1)!.fields.response_format).toBe('json');
  });

  it('turns a server error into a plain message', async () => {
    answer = { status: 500, body: { error: { message: 'model not loaded' } } };
    const stt = new OpenAiCompatibleStt({ baseURL: base });
    await expect(stt.transcribe(Buffer.alloc(3200))).rejects.toThrow(/answered HTTP 500.*model not loaded/);
  });
});
