/**
 * Pixels after loading, against PIL (keras.utils.load_img) and tf.image.resize
 * (image_dataset_from_directory's loader), on PNGs written here from the pixels stored in the
 * fixture (PNG is lossless, so both sides decode the same bytes).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFile, modernPixels } from '../../../src/data/image/loadImage.js';
import { loadImg } from '../../../src/data/image/loadImg.js';
import { golden, maxAbsDiff } from './golden.js';

let dir: string;
const file = (name: string): string => path.join(dir, `${name}.png`);

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'kerno-load-'));
  for (const [name, src] of Object.entries(golden.sources)) {
    const [h, w, c = 1] = src.shape;
    let img = sharp(Uint8Array.from(src.data), { raw: { width: w, height: h, channels: c as 1 | 3 | 4 } });
    if (c === 1) img = img.toColourspace('b-w'); // a true 1-channel (PIL 'L') PNG
    await img.png().toFile(file(name));
  }
  for (const [name, b64] of Object.entries(golden.codecFiles)) writeFileSync(path.join(dir, name), Buffer.from(b64, 'base64'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadImg matches keras.utils.load_img + img_to_array (PIL conversion and resampling)', () => {
  for (const c of golden.loadImg) {
    const size = c.targetSize ? `${c.targetSize.join('x')}` : 'own size';
    it(`${c.source} → ${c.colorMode}, ${size}, ${c.interpolation}${c.keepAspectRatio ? ', keepAspectRatio' : ''}`, async () => {
      const t = await loadImg(file(c.source), {
        colorMode: c.colorMode, targetSize: c.targetSize, interpolation: c.interpolation, keepAspectRatio: c.keepAspectRatio,
      });
      expect(t.shape).toEqual(c.shape);
      expect(Array.from(t.data)).toEqual(c.data); // 8-bit results: exact
    });
  }
});

describe('BMP and Netpbm (not read by sharp) decode as PIL reads them', () => {
  for (const c of golden.codecLoad) {
    it(`${c.file} → ${c.colorMode}`, async () => {
      const t = await loadImg(path.join(dir, c.file), { colorMode: c.colorMode });
      expect(t.shape).toEqual(c.shape);
      expect(Array.from(t.data)).toEqual(c.data);
    });
  }
});

describe('the modern loader matches image_dataset_from_directory (tf.image.resize, float32)', () => {
  for (const c of golden.tfLoad) {
    it(`${c.source} ${c.imageSize.join('x')} ${c.interpolation}${c.cropToAspectRatio ? ' cropToAspectRatio' : ''}`, async () => {
      const raw = await decodeFile(file(c.source), 1e8);
      const im = modernPixels(raw, { colorMode: c.colorMode, imageSize: c.imageSize, interpolation: c.interpolation, cropToAspectRatio: c.cropToAspectRatio });
      expect([im.height, im.width, im.channels]).toEqual(c.shape);
      expect(maxAbsDiff(im.data, c.data)).toBeLessThan(1e-4);
    });
  }
});
