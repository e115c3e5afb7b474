/** Helpers for tests that look at rendered PNGs: decode with sharp and inspect pixels. */
import sharp from 'sharp';

export interface Image {
  width: number;
  height: number;
  channels: number;
  data: Buffer;
}

export async function decodePng(path: string): Promise<Image> {
  const { data, info } = await sharp(path).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: info.channels, data };
}

export function pixel(img: Image, x: number, y: number): [number, number, number] {
  const o = (Math.round(y) * img.width + Math.round(x)) * img.channels;
  return [img.data[o], img.data[o + 1], img.data[o + 2]];
}

/** Relative luminance in [0, 1] of an sRGB pixel. */
export function luminance([r, g, b]: [number, number, number]): number {
  const lin = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** Pixels of the rectangle [x0, x1) × [y0, y1) that satisfy `pred`. */
export function countWhere(img: Image, x0: number, y0: number, x1: number, y1: number, pred: (p: [number, number, number]) => boolean): number {
  let n = 0;
  for (let y = Math.ceil(y0); y < Math.floor(y1); y++) for (let x = Math.ceil(x0); x < Math.floor(x1); x++) if (pred(pixel(img, x, y))) n++;
  return n;
}

/** Euclidean RGB distance to a hex colour. */
export function near(hex: string, tolerance = 40): (p: [number, number, number]) => boolean {
  const n = parseInt(hex.slice(1), 16);
  const c = [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  return (p) => Math.hypot(p[0] - c[0], p[1] - c[1], p[2] - c[2]) <= tolerance;
}

/** Attributes of every `<tag ...>` in an SVG string whose attributes match `filter`. */
export function elements(svg: string, tag: string, filter: (a: Record<string, string>) => boolean = () => true): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  for (const m of svg.matchAll(new RegExp(`<${tag}\\s([^>]*?)/?>`, 'g'))) {
    const attrs: Record<string, string> = {};
    for (const a of m[1].matchAll(/([\w:-]+)="([^"]*)"/g)) attrs[a[1]] = a[2];
    if (filter(attrs)) out.push(attrs);
  }
  return out;
}
