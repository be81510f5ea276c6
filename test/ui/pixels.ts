/**
 * Tolerant pixel checks for screenshots, computed inside the browser (no PNG library needed):
 * counts of a few colour classes, and how many pixels differ between two shots.
 */
import type { Page } from 'playwright-core';

// These run inside the page (the root tsconfig has no DOM library).
interface Ctx2d {
  drawImage(i: unknown, x: number, y: number): void;
  getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
}
declare const Image: new () => { src: string; width: number; height: number; decode(): Promise<void> };
declare const document: { createElement(t: 'canvas'): { width: number; height: number; getContext(t: '2d', o?: unknown): Ctx2d | null } };

export interface PixelStats {
  total: number;
  /** the preview path (#00e5ff) */
  cyan: number;
  /** unsafe path / steps (#ff3344) */
  red: number;
  /** the robot's white links */
  white: number;
  /** the table top */
  table: number;
  /** the gift bag (crimson) */
  bag: number;
  /** the toy car (green) */
  green: number;
  /** pixels that differ from `other` (max channel difference > 30), when given */
  diff: number;
}

export async function pixelStats(page: Page, png: Buffer, other?: Buffer): Promise<PixelStats> {
  return page.evaluate(
    async ([a, b]) => {
      const load = async (b64: string) => {
        const img = new Image();
        img.src = `data:image/png;base64,${b64}`;
        await img.decode();
        const c = document.createElement('canvas');
        c.width = img.width;
        c.height = img.height;
        const ctx = c.getContext('2d', { willReadFrequently: true })!;
        ctx.drawImage(img, 0, 0);
        return ctx.getImageData(0, 0, c.width, c.height).data;
      };
      const d = await load(a);
      const o = b ? await load(b) : null;
      const s = { total: d.length / 4, cyan: 0, red: 0, white: 0, table: 0, bag: 0, green: 0, diff: 0 };
      for (let i = 0; i < d.length; i += 4) {
        const r = d[i],
          g = d[i + 1],
          bl = d[i + 2];
        const max = Math.max(r, g, bl),
          min = Math.min(r, g, bl);
        if (r < 90 && g > 170 && bl > 190) s.cyan++;
        if (r > 200 && g < 90 && bl < 100) s.red++;
        if (min > 185 && max - min < 22) s.white++;
        if (r > 170 && g > 150 && bl > 120 && r - bl > 15 && r - bl < 70 && g < r) s.table++;
        if (r > 130 && g < 80 && bl > 50 && bl < 120 && r - g > 80) s.bag++;
        if (g > 120 && r < 140 && bl < 150 && g - r > 40 && g - bl > 30) s.green++;
        if (o) {
          const dd = Math.max(Math.abs(r - o[i]), Math.abs(g - o[i + 1]), Math.abs(bl - o[i + 2]));
          if (dd > 30) s.diff++;
        }
      }
      return s;
    },
    [png.toString('base64'), other ? other.toString('base64') : ''] as const,
  );
}

/** RGB of a PNG's pixels at integer points (decoded in the page: no PNG library here). */
export async function pixelsAt(page: Page, png: Buffer, points: [number, number][]): Promise<[number, number, number][]> {
  return page.evaluate(
    async ([b64, pts]) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.width;
      c.height = img.height;
      const ctx = c.getContext('2d', { willReadFrequently: true })!;
      ctx.drawImage(img, 0, 0);
      const d = ctx.getImageData(0, 0, c.width, c.height).data;
      return pts.map(([x, y]) => {
        const i = (y * c.width + x) * 4;
        return [d[i], d[i + 1], d[i + 2]] as [number, number, number];
      });
    },
    [png.toString('base64'), points] as const,
  );
}
