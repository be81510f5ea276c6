/**
 * Minimal PNG support for the stop-motion studio: read a PNG's size, check the signature, and
 * encode 8-bit RGB/RGBA images (node:zlib). The console captures real frames in the browser;
 * the encoder and the test pattern are for tests, benchmarks and placeholder frames.
 */
import { crc32, deflateSync } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function isPng(data: Uint8Array): boolean {
  return data.length >= 33 && SIGNATURE.every((b, i) => data[i] === b) && Buffer.from(data.subarray(12, 16)).toString('latin1') === 'IHDR';
}

/** Width and height from the IHDR chunk; null when `data` is not a PNG. */
export function pngSize(data: Uint8Array): { width: number; height: number } | null {
  if (!isPng(data)) return null;
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return { width: v.getUint32(16), height: v.getUint32(20) };
}

function chunk(type: string, body: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])) >>> 0, 0);
  return Buffer.concat([head, body, crc]);
}

/** Encode pixels (row-major, `channels` bytes per pixel: 3 = RGB, 4 = RGBA) as a PNG. */
export function encodePng(width: number, height: number, pixels: Uint8Array, channels: 3 | 4 = 3, level = 6): Buffer {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0))
    throw new Error(`[png] bad size ${width}×${height}`);
  if (pixels.length !== width * height * channels)
    throw new Error(`[png] expected ${width * height * channels} bytes, got ${pixels.length}`);
  const stride = width * channels;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (stride + 1)] = 0; // filter: none
    raw.set(pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = channels === 4 ? 6 : 2; // colour type
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level })), chunk('IEND', Buffer.alloc(0))]);
}

/** A test frame: a gradient with a bar that moves with `k`, so every frame differs. */
export function testPattern(width: number, height: number, k: number): Buffer {
  const px = new Uint8Array(width * height * 3);
  const bar = Math.floor((k * 7) % width);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      const onBar = Math.abs(x - bar) < Math.max(2, width >> 5);
      px[o] = onBar ? 255 : (x * 255) / width;
      px[o + 1] = onBar ? 255 : (y * 255) / height;
      px[o + 2] = (k * 17) & 255;
    }
  }
  return encodePng(width, height, px, 3, 1);
}
