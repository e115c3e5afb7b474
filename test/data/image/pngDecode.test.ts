/**
 * The small-PNG decoder against sharp (libpng) on PNGs sharp writes with every row filter, and
 * its handling of corrupt, truncated, oversized and interlaced files. (Its parity with PIL for
 * bit depths 1–8, palettes and tRNS is in loadImage.test.ts.)
 */
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { convertChannels } from '../../../src/data/image/pilImage.js';
import { decodePngFast } from '../../../src/data/image/pngDecode.js';

async function viaSharp(buf: Buffer, channels: 1 | 3 | 4) {
  const { data, info } = await sharp(buf).raw().toBuffer({ resolveWithObject: true });
  return convertChannels({ data: new Uint8Array(data), height: info.height, width: info.width, channels: info.channels }, channels);
}

/** CRC-32 as PNG computes it (an independent copy, to forge chunks). */
function crc32(b: Uint8Array): number {
  let c = ~0;
  for (const byte of b) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

function noise(n: number, seed: number): Uint8Array {
  let s = seed;
  return Uint8Array.from({ length: n }, (_, i) => ((s = (s * 1103515245 + 12345) >>> 0) >>> 24) ^ (i & 0x3f));
}

describe('decodePngFast equals libpng', () => {
  for (const [c, w, h] of [[1, 28, 28], [3, 32, 32], [4, 45, 7], [3, 200, 150]] as const) {
    it(`${c} channel(s) ${w}×${h}, adaptive filters`, async () => {
      let img = sharp(noise(w * h * c, w + c), { raw: { width: w, height: h, channels: c } });
      if (c === 1) img = img.toColourspace('b-w');
      const png = await img.png({ adaptiveFiltering: true, compressionLevel: 9 }).toBuffer();
      const fast = decodePngFast(png, 1e9)!;
      expect(fast).not.toBeNull();
      const ch = c === 1 ? 1 : c;
      expect(Array.from(convertChannels(fast, ch).data)).toEqual(Array.from((await viaSharp(png, ch)).data));
    });
  }

  it('leaves interlaced PNGs to sharp', async () => {
    const png = await sharp(noise(300, 1), { raw: { width: 10, height: 10, channels: 3 } }).png({ progressive: true }).toBuffer();
    expect(decodePngFast(png, 1e9)).toBeNull();
  });
});

describe('hostile PNGs', () => {
  const good = (): Promise<Buffer> => sharp(noise(64 * 3, 2), { raw: { width: 8, height: 8, channels: 3 } }).png().toBuffer();

  it('rejects a CRC error, a truncated file, a missing IEND', async () => {
    const png = await good();
    const bad = Buffer.from(png);
    bad[20] ^= 0xff; // inside IHDR
    expect(() => decodePngFast(bad, 1e9)).toThrow(/CRC error/);
    expect(() => decodePngFast(png.subarray(0, png.length - 20), 1e9)).toThrow(/truncated/);
    expect(() => decodePngFast(png.subarray(0, png.length - 12), 1e9)).toThrow(/no IEND/);
  });

  it('checks the pixel limit before inflating and caps inflate output (decompression bombs)', async () => {
    const png = await good();
    expect(() => decodePngFast(png, 63)).toThrow(/pixel limit/);
    // An IDAT that inflates to far more than an 8×8 image needs.
    const bomb = Buffer.from(png);
    const start = bomb.indexOf('IDAT') - 4;
    const len = bomb.readUInt32BE(start);
    const payload = deflateSync(Buffer.alloc(10_000_000));
    const chunk = Buffer.alloc(12 + payload.length);
    chunk.writeUInt32BE(payload.length, 0);
    chunk.write('IDAT', 4, 'latin1');
    payload.copy(chunk, 8);
    chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + payload.length)), 8 + payload.length);
    const forged = Buffer.concat([bomb.subarray(0, start), chunk, bomb.subarray(start + 12 + len)]);
    expect(() => decodePngFast(forged, 1e9)).toThrow(/corrupt PNG data/);
  });
});
