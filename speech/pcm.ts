/**
 * The one audio format every recognizer takes: 16 kHz, mono, signed 16-bit little-endian PCM
 * (the pocketsphinx en-us model's rate). WAV reading/writing and resampling (through sox) live
 * here so the backends only ever see that format.
 */
import { StreamResampler } from './resample.js';
import { mulberry32 } from '../model/math/random.js';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { findOnPath } from './proc.js';

/** The PCM frame format of every STT stream. Frames may be any length; 20–100 ms chunks work well. */
export const PCM_FORMAT = { sampleRate: 16000, channels: 1, bitsPerSample: 16, encoding: 's16le' } as const;
export const SAMPLE_RATE = PCM_FORMAT.sampleRate;
export const BYTES_PER_SAMPLE = 2;

export class AudioError extends Error {
  constructor(message: string) {
    super(`[speech] ${message}`);
    this.name = 'AudioError';
  }
}

export interface WavInfo {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** 1 = integer PCM, 3 = float */
  format: number;
  /** the sample bytes */
  data: Buffer;
}

/** Parse a RIFF/WAVE buffer. A streaming size (espeak-ng --stdout writes 0x7fffffff) is clamped. */
export function parseWav(buf: Buffer): WavInfo {
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE')
    throw new AudioError('not a WAV file (no RIFF/WAVE header)');
  let off = 12;
  let fmt: Omit<WavInfo, 'data'> | undefined;
  while (off + 8 <= buf.length) {
    const id = buf.toString('ascii', off, off + 4);
    const size = buf.readUInt32LE(off + 4);
    const body = off + 8;
    if (id === 'fmt ') {
      let format = buf.readUInt16LE(body);
      // WAVE_FORMAT_EXTENSIBLE: the real format is the first 2 bytes of the sub-format GUID.
      if (format === 0xfffe && size >= 26) format = buf.readUInt16LE(body + 24);
      fmt = {
        format,
        channels: buf.readUInt16LE(body + 2),
        sampleRate: buf.readUInt32LE(body + 4),
        bitsPerSample: buf.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (!fmt) throw new AudioError('WAV data chunk before its fmt chunk');
      const end = Math.min(buf.length, body + size);
      return { ...fmt, data: buf.subarray(body, end - ((end - body) % ((fmt.bitsPerSample / 8) * fmt.channels || 1))) };
    }
    off = body + size + (size % 2);
  }
  throw new AudioError('WAV file has no data chunk');
}

export function isPcm16kMono(w: Omit<WavInfo, 'data'>): boolean {
  return w.format === 1 && w.sampleRate === SAMPLE_RATE && w.channels === 1 && w.bitsPerSample === 16;
}

/** A 44-byte PCM WAV header plus the samples. */
export function encodeWav(pcm: Buffer | Int16Array, sampleRate = SAMPLE_RATE): Buffer {
  const data = Buffer.isBuffer(pcm) ? pcm : Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

/** Samples of a s16le buffer as an Int16Array (copies when the buffer is not 2-byte aligned). */
export function samples(pcm: Buffer): Int16Array {
  if (pcm.byteOffset % 2 === 0) return new Int16Array(pcm.buffer, pcm.byteOffset, Math.floor(pcm.length / 2));
  const copy = Buffer.from(pcm);
  return new Int16Array(copy.buffer, copy.byteOffset, Math.floor(copy.length / 2));
}

export function toBuffer(pcm: Buffer | Int16Array): Buffer {
  return Buffer.isBuffer(pcm) ? pcm : Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
}

export const seconds = (pcm: Buffer | Int16Array): number => (Buffer.isBuffer(pcm) ? pcm.length / 2 : pcm.length) / SAMPLE_RATE;

/** Run sox with `input` on stdin, return its stdout. */
function sox(args: string[], input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const p = spawn('sox', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    p.on('error', (e) => reject(new AudioError(`cannot run sox: ${e.message}`)));
    p.on('close', (code) =>
      code === 0 ? resolve(Buffer.concat(out)) : reject(new AudioError(`sox failed (${code}): ${err.trim().split('\n').pop() ?? ''}`)),
    );
    p.stdin.on('error', () => undefined); // sox may exit before reading everything; 'close' reports it
    p.stdin.end(input);
  });
}

const RAW_OUT = ['-t', 'raw', '-r', String(SAMPLE_RATE), '-c', '1', '-b', '16', '-e', 'signed-integer', '-L', '-'];

/**
 * Any WAV (or anything sox reads, by `type`) → 16 kHz mono s16le samples. 16 kHz mono s16 WAV
 * is read directly; everything else goes through sox (channels mixed down, rate converted).
 */
export async function toPcm16k(audio: Buffer, type = 'wav'): Promise<Buffer> {
  if (type === 'wav') {
    const w = parseWav(audio);
    if (isPcm16kMono(w)) return Buffer.from(w.data);
  }
  if (!findOnPath('sox')) throw new AudioError('this audio is not 16 kHz mono 16-bit, and converting it needs sox (apt-get install sox)');
  return sox(['-V1', '-t', type, '-', ...RAW_OUT], audio);
}

/** Read an audio file (WAV, or raw 16 kHz s16le for .raw/.pcm) as 16 kHz mono s16le samples. */
export async function readAudioFile(path: string): Promise<Buffer> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (err) {
    throw new AudioError(
      `cannot read ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
    );
  }
  if (/\.(raw|pcm)$/i.test(path)) return buf.subarray(0, buf.length - (buf.length % 2));
  const ext = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase();
  if (ext && ext !== 'wav' && ext !== 'wave') return toPcm16k(buf, ext);
  return toPcm16k(buf, 'wav');
}

/** Root mean square of s16 samples, in dBFS (−Infinity for digital silence). */
export function rmsDb(s: Int16Array): number {
  let sum = 0;
  for (let i = 0; i < s.length; i++) sum += s[i] * s[i];
  const rms = Math.sqrt(sum / Math.max(1, s.length));
  return rms > 0 ? 20 * Math.log10(rms / 32768) : -Infinity;
}

/** A deterministic pseudo-random generator, for noise that repeats run to run. */
export const prng = mulberry32;

/**
 * Near-silence (about −80 dBFS dither), not digital zeros: pocketsphinx's noise estimator
 * misbehaves on exact zeros. Used for padding, flushing and muting.
 */
export function comfortNoise(n: number, seed = 1, amplitude = 1): Buffer {
  const r = prng(seed);
  const out = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) out.writeInt16LE(Math.round((r() - 0.5) * 6 * amplitude), i * 2);
  return out;
}

/**
 * Pink-ish noise (Paul Kellet's economy filter over white noise) at `rmsDbfs`: a stand-in for
 * the room tone of a recording, for padding that does not jump to an unnatural silence.
 */
export function pinkNoise(n: number, rmsDbfs: number, seed = 1): Buffer {
  const r = prng(seed);
  const raw = new Float64Array(n);
  let b0 = 0,
    b1 = 0,
    b2 = 0,
    sum = 0;
  for (let i = 0; i < n; i++) {
    const w = r() * 2 - 1;
    b0 = 0.99765 * b0 + w * 0.099046;
    b1 = 0.963 * b1 + w * 0.2965164;
    b2 = 0.57 * b2 + w * 1.0526913;
    raw[i] = b0 + b1 + b2 + w * 0.1848;
    sum += raw[i] * raw[i];
  }
  const gain = n ? (32768 * 10 ** (rmsDbfs / 20)) / Math.sqrt(sum / n || 1) : 0;
  const out = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) out.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(raw[i] * gain))), i * 2);
  return out;
}

/** The recording's noise floor: the 10th-percentile level of its 10 ms frames, in dBFS (at least −75). */
export function noiseFloorDb(pcm: Buffer): number {
  const s = samples(pcm);
  const frame = SAMPLE_RATE / 100;
  const levels: number[] = [];
  for (let i = 0; i + frame <= s.length; i += frame) levels.push(rmsDb(s.subarray(i, i + frame)));
  if (!levels.length) return -75;
  levels.sort((a, b) => a - b);
  return Math.max(-75, levels[Math.floor(levels.length * 0.1)]);
}

/**
 * Float samples at any rate → PCM_FORMAT (see resample.ts; the console's AudioWorklet runs the
 * same resampler). Keep one per stream; feed chunks in order.
 */
export class PcmResampler {
  readonly #r: StreamResampler;

  constructor(readonly inputRate: number) {
    try {
      this.#r = new StreamResampler(inputRate);
    } catch (err) {
      throw new AudioError((err as Error).message);
    }
  }

  /** Float samples in −1..1 (mono) → 16 kHz s16le. */
  push(input: Float32Array): Buffer {
    const s = this.#r.push(input);
    return Buffer.from(s.buffer.slice(s.byteOffset, s.byteOffset + s.byteLength));
  }
}
