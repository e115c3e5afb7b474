/**
 * Decoders for the two formats Keras's legacy loader lists that sharp cannot read: BMP
 * (uncompressed BI_RGB with 1, 4, 8, 24 or 32 bits per pixel, and 16/32-bit BI_BITFIELDS) and
 * Netpbm (P1–P6: PBM, PGM, PPM, ASCII or binary, maxval up to 65535, scaled to 8 bits).
 * Output is 8-bit RGB (3 channels) or RGBA (4, for 32-bit BMPs with an alpha mask).
 *
 * Files are untrusted: every offset and size is checked against the buffer before use, and the
 * pixel count against the caller's limit before allocating. Problems throw an Error whose message
 * becomes the ImageLoadError reason.
 */
import type { U8Image } from './pilImage.js';

export function isBmp(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x42 && b[1] === 0x4d; // 'BM'
}

export function isPnm(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x50 && b[1] >= 0x31 && b[1] <= 0x36; // 'P1'..'P6'
}

function checkSize(w: number, h: number, limit: number): void {
  if (!(w >= 1 && h >= 1 && w <= 0x7fff && h <= 0x7fff)) throw new Error(`bad image size ${w}×${h}.`);
  if (w * h > limit) throw new Error('Input image exceeds pixel limit.');
}

// ------------------------------------------------------------------------------ BMP

function maskShift(mask: number): { shift: number; bits: number } {
  if (mask === 0) return { shift: 0, bits: 0 };
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  let bits = 0;
  while (((mask >>> (shift + bits)) & 1) === 1) bits++;
  return { shift, bits };
}

export function decodeBmp(buf: Uint8Array, limit: number): U8Image {
  if (buf.length < 26) throw new Error('truncated BMP header.');
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dataOffset = v.getUint32(10, true), headerSize = v.getUint32(14, true);
  if (headerSize < 40 || 14 + headerSize > buf.length) throw new Error(`unsupported BMP header (size ${headerSize}).`);
  const w = v.getInt32(18, true), rawH = v.getInt32(22, true);
  const topDown = rawH < 0, h = Math.abs(rawH);
  const bpp = v.getUint16(28, true), compression = v.getUint32(30, true);
  checkSize(w, h, limit);
  let masks: number[] | null = null;
  if (compression === 3 || compression === 6) {
    // BI_BITFIELDS masks follow a 40-byte header, or sit inside a larger one.
    const at = 14 + 40;
    if (at + 12 > buf.length) throw new Error('truncated BMP masks.');
    masks = [v.getUint32(at, true), v.getUint32(at + 4, true), v.getUint32(at + 8, true), headerSize >= 56 || compression === 6 ? v.getUint32(at + 12, true) : 0];
    if (masks.some((m) => maskShift(m).bits > 16)) throw new Error('unsupported BMP bit masks.');
  } else if (compression !== 0) {
    throw new Error(`unsupported BMP compression ${compression} (only uncompressed BMPs are read).`);
  }
  if (![1, 4, 8, 16, 24, 32].includes(bpp) || (bpp === 16 && !masks)) throw new Error(`unsupported BMP bit depth ${bpp}.`);
  let palette: Uint8Array | null = null;
  if (bpp <= 8) {
    const colours = v.getUint32(46, true) || 1 << bpp;
    const at = 14 + headerSize;
    if (colours > 256 || at + colours * 4 > buf.length) throw new Error('bad BMP palette.');
    palette = buf.subarray(at, at + colours * 4);
  }
  if (bpp === 32 && !masks) masks = [0xff0000, 0xff00, 0xff, 0]; // BI_RGB 32-bit: X8R8G8B8, alpha ignored
  const stride = Math.ceil((w * bpp) / 32) * 4;
  if (dataOffset + stride * h > buf.length) throw new Error('truncated BMP pixel data.');
  const alpha = masks !== null && masks[3] !== 0;
  const C = alpha ? 4 : 3, out = new Uint8Array(w * h * C);
  const fields = masks?.map(maskShift);
  for (let y = 0; y < h; y++) {
    const row = dataOffset + (topDown ? y : h - 1 - y) * stride;
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * C;
      if (palette) {
        const bit = x * bpp, byte = buf[row + (bit >> 3)];
        const idx = (byte >> (8 - bpp - (bit & 7))) & ((1 << bpp) - 1);
        if (idx * 4 + 2 >= palette.length) throw new Error('BMP palette index out of range.');
        out[o] = palette[idx * 4 + 2]; out[o + 1] = palette[idx * 4 + 1]; out[o + 2] = palette[idx * 4];
      } else if (bpp === 24) {
        const p = row + x * 3;
        out[o] = buf[p + 2]; out[o + 1] = buf[p + 1]; out[o + 2] = buf[p];
      } else {
        const px = bpp === 16 ? v.getUint16(row + x * 2, true) : v.getUint32(row + x * 4, true);
        for (let k = 0; k < C; k++) {
          const f = fields![k];
          const val = f.bits === 0 ? 0 : (px >>> f.shift) & ((1 << f.bits) - 1);
          // Narrow fields scale with integer division, as PIL's BGR;15/BGR;16 unpackers do.
          out[o + k] = f.bits >= 8 ? val >>> (f.bits - 8) : f.bits === 0 ? 0 : Math.floor((val * 255) / ((1 << f.bits) - 1));
        }
      }
    }
  }
  return { data: out, height: h, width: w, channels: C };
}

// ------------------------------------------------------------------------------ Netpbm

export function decodePnm(buf: Uint8Array, limit: number): U8Image {
  const kind = buf[1] - 0x30;
  let pos = 2;
  const token = (): number => {
    for (;;) {
      while (pos < buf.length && (buf[pos] === 0x20 || (buf[pos] >= 0x09 && buf[pos] <= 0x0d))) pos++;
      if (buf[pos] !== 0x23) break; // '#' comment to end of line
      while (pos < buf.length && buf[pos] !== 0x0a) pos++;
    }
    let n = 0, digits = 0;
    while (pos < buf.length && buf[pos] >= 0x30 && buf[pos] <= 0x39 && digits < 10) n = n * 10 + buf[pos++] - 0x30, digits++;
    if (digits === 0) throw new Error('truncated or malformed Netpbm header.');
    return n;
  };
  const w = token(), h = token();
  checkSize(w, h, limit);
  const bitmap = kind === 1 || kind === 4;
  const maxval = bitmap ? 1 : token();
  if (maxval < 1 || maxval > 65535) throw new Error(`bad Netpbm maxval ${maxval}.`);
  const colour = kind === 3 || kind === 6, binary = kind >= 4;
  const samples = w * h * (colour ? 3 : 1);
  const out = new Uint8Array(w * h * 3);
  const put = (i: number, value: number): void => {
    // PBM: 1 is black. Others scale to 8 bits with rounding.
    const v8 = bitmap ? (value ? 0 : 255) : maxval === 255 ? value : Math.round((Math.min(value, maxval) * 255) / maxval);
    if (colour) out[i] = v8;
    else out[i * 3] = out[i * 3 + 1] = out[i * 3 + 2] = v8;
  };
  if (!binary) {
    for (let i = 0; i < samples; i++) {
      if (bitmap) {
        while (pos < buf.length && buf[pos] !== 0x30 && buf[pos] !== 0x31) pos++;
        if (pos >= buf.length) throw new Error('truncated Netpbm data.');
        put(i, buf[pos++] - 0x30);
      } else put(i, token());
    }
  } else {
    pos++; // the single whitespace after the header
    if (kind === 4) {
      const rowBytes = Math.ceil(w / 8);
      if (pos + rowBytes * h > buf.length) throw new Error('truncated Netpbm data.');
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) put(y * w + x, (buf[pos + y * rowBytes + (x >> 3)] >> (7 - (x & 7))) & 1);
    } else {
      const bytes = maxval > 255 ? 2 : 1;
      if (pos + samples * bytes > buf.length) throw new Error('truncated Netpbm data.');
      for (let i = 0; i < samples; i++) put(i, bytes === 2 ? (buf[pos + 2 * i] << 8) | buf[pos + 2 * i + 1] : buf[pos + i]);
    }
  }
  return { data: out, height: h, width: w, channels: 3 };
}
