/**
 * A small PNG decoder for the common case of small images (datasets of 28×28 or 32×32 PNGs),
 * where sharp's per-call pipeline setup (~0.8 ms) dwarfs the work: zlib's native inflate plus
 * PNG's row filters take ~40 µs for a 28×28 image. It reads non-interlaced PNGs of bit depth
 * 1, 2, 4 or 8 in every colour type, with tRNS transparency, and returns what sharp returns for
 * them (lossless: identical pixels). Anything else — interlaced, 16-bit, large — returns null and
 * goes to sharp.
 *
 * Files are untrusted: chunk lengths are bounded by the buffer, critical chunks' CRCs are
 * checked, the pixel count is checked against the caller's limit before inflating, and inflate
 * output is capped at the exact expected size (no decompression bomb).
 */
import { inflateSync } from 'node:zlib';
import type { U8Image } from './pilImage.js';

/** Raw images above this many bytes go to sharp (off the main thread). */
const MAX_RAW_BYTES = 1 << 20;
const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const CRC_TABLE = ((): Uint32Array => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(b: Uint8Array, from: number, to: number): number {
  let c = 0xffffffff;
  for (let i = from; i < to; i++) c = CRC_TABLE[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function isPng(b: Uint8Array): boolean {
  return b.length >= 8 && SIGNATURE.every((v, i) => b[i] === v);
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/**
 * Decodes `buf` (a PNG) or returns null when it is one this decoder leaves to sharp.
 * @throws Error (the reason of an ImageLoadError) for a corrupt or truncated PNG.
 */
export function decodePngFast(buf: Uint8Array, limit: number): U8Image | null {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 8;
  let w = 0, h = 0, depth = 0, type = -1, interlace = 0;
  let palette: Uint8Array | null = null, trns: Uint8Array | null = null;
  const idat: Uint8Array[] = [];
  let ended = false;
  while (pos + 12 <= buf.length) {
    const len = v.getUint32(pos);
    const name = String.fromCharCode(buf[pos + 4], buf[pos + 5], buf[pos + 6], buf[pos + 7]);
    if (len > buf.length - pos - 12) throw new Error(`truncated PNG (chunk ${name}).`);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    const critical = (buf[pos + 4] & 0x20) === 0;
    if (critical && crc32(buf, pos + 4, pos + 8 + len) !== v.getUint32(pos + 8 + len)) throw new Error(`PNG ${name}: CRC error.`);
    if (name === 'IHDR') {
      if (len < 13) throw new Error('bad PNG IHDR.');
      w = v.getUint32(pos + 8); h = v.getUint32(pos + 12);
      depth = data[8]; type = data[9]; interlace = data[12];
    } else if (name === 'PLTE') palette = data;
    else if (name === 'tRNS') trns = data;
    else if (name === 'IDAT') idat.push(data);
    else if (name === 'IEND') {
      ended = true;
      break;
    }
    pos += 12 + len;
  }
  if (type < 0) throw new Error('PNG without IHDR.');
  if (!ended) throw new Error('truncated PNG (no IEND).');
  const ch = CHANNELS[type];
  if (ch === undefined || w < 1 || h < 1) throw new Error(`bad PNG header (colour type ${type}, ${w}×${h}).`);
  if (w * h > limit) throw new Error('Input image exceeds pixel limit.');
  if (interlace !== 0 || depth > 8 || ![1, 2, 4, 8].includes(depth) || w * h * 4 > MAX_RAW_BYTES) return null;
  if ((type === 2 || type === 4 || type === 6) && depth !== 8) throw new Error(`bad PNG bit depth ${depth} for colour type ${type}.`);
  if (type === 3 && (!palette || palette.length % 3 !== 0)) throw new Error('PNG palette missing.');
  if (idat.length === 0) throw new Error('PNG without image data.');
  const rowBytes = Math.ceil((w * ch * depth) / 8);
  const expected = h * (rowBytes + 1);
  let raw: Buffer;
  try {
    raw = inflateSync(idat.length === 1 ? idat[0] : Buffer.concat(idat), { maxOutputLength: expected });
  } catch (e) {
    throw new Error(`corrupt PNG data (${(e as Error).message}).`);
  }
  if (raw.length < expected) throw new Error('truncated PNG data.');
  unfilter(raw, h, rowBytes, Math.max(1, (ch * depth) >> 3));
  return expand(raw, w, h, rowBytes, depth, type, palette, trns);
}

/** Reverses PNG's per-row filters in place (rows of 1 filter byte + rowBytes). */
function unfilter(d: Uint8Array, h: number, rowBytes: number, bpp: number): void {
  const stride = rowBytes + 1;
  for (let y = 0; y < h; y++) {
    const r = y * stride + 1, p = r - stride, f = d[r - 1];
    if (f === 0) continue;
    for (let i = 0; i < rowBytes; i++) {
      const a = i >= bpp ? d[r + i - bpp] : 0, b = y > 0 ? d[p + i] : 0, c = y > 0 && i >= bpp ? d[p + i - bpp] : 0;
      let add: number;
      switch (f) {
        case 1: add = a; break;
        case 2: add = b; break;
        case 3: add = (a + b) >> 1; break;
        case 4: {
          const q = a + b - c, pa = Math.abs(q - a), pb = Math.abs(q - b), pc = Math.abs(q - c);
          add = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default: throw new Error(`bad PNG filter type ${f}.`);
      }
      d[r + i] = (d[r + i] + add) & 0xff;
    }
  }
}

/** Unpacks samples to 8-bit channels: gray (1), gray+alpha (2), RGB (3), RGBA (4) as sharp returns. */
function expand(d: Uint8Array, w: number, h: number, rowBytes: number, depth: number, type: number,
  palette: Uint8Array | null, trns: Uint8Array | null): U8Image {
  const stride = rowBytes + 1;
  const sample = (y: number, i: number): number => {
    // i-th sample of row y at bit depth `depth`.
    if (depth === 8) return d[y * stride + 1 + i];
    const bit = i * depth, byte = d[y * stride + 1 + (bit >> 3)];
    return (byte >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
  };
  if (type === 3) {
    const alpha = trns !== null, C = alpha ? 4 : 3, out = new Uint8Array(w * h * C), n = palette!.length / 3;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const k = sample(y, x);
        if (k >= n) throw new Error('PNG palette index out of range.');
        const o = (y * w + x) * C;
        out[o] = palette![k * 3]; out[o + 1] = palette![k * 3 + 1]; out[o + 2] = palette![k * 3 + 2];
        if (alpha) out[o + 3] = k < trns!.length ? trns![k] : 255;
      }
    }
    return { data: out, height: h, width: w, channels: C };
  }
  const ch = CHANNELS[type];
  const key = trns && (type === 0 || type === 2) ? trns : null; // one transparent colour (16-bit big-endian samples)
  const C = key ? ch + 1 : ch, out = new Uint8Array(w * h * C);
  if (depth === 8 && !key) {
    // The common case: rows are already the output's bytes.
    for (let y = 0; y < h; y++) out.set(d.subarray(y * stride + 1, y * stride + 1 + rowBytes), y * rowBytes);
    return { data: out, height: h, width: w, channels: C };
  }
  const scale = type === 0 ? 255 / ((1 << depth) - 1) : 1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * C;
      let transparent = key !== null;
      for (let k = 0; k < ch; k++) {
        const s = sample(y, x * ch + k);
        out[o + k] = scale === 1 ? s : Math.round(s * scale);
        if (key && (key.length < 2 * (k + 1) || ((key[2 * k] << 8) | key[2 * k + 1]) !== s)) transparent = false;
      }
      if (key) out[o + ch] = transparent ? 0 : 255;
    }
  }
  return { data: out, height: h, width: w, channels: C };
}
