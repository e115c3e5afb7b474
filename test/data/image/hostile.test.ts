/**
 * Hostile input: files that are not decodable images, decompression bombs, FIFOs, broken links,
 * symlink loops, empty class folders. The default policy skips a bad file with one warning
 * naming it (the batch is shorter); 'throw' fails with an ImageLoadError naming it. Nothing hangs
 * or crashes, and the walk terminates.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ImageDataGenerator } from '../../../src/data/image/imageDataGenerator.js';
import { imageDatasetFromDirectory } from '../../../src/data/image/imageDatasetFromDirectory.js';
import { ImageLoadError } from '../../../src/data/image/imageLoadError.js';
import { loadImg } from '../../../src/data/image/loadImg.js';
import { tempDir, writeImage } from './tree.js';

let root: string;
const BAD = ['empty.png', 'text.jpg', 'trunc.jpg', 'broken.png', 'fifo.png'];

beforeAll(async () => {
  root = tempDir('hostile');
  const good = path.join(root, 'good'), bad = path.join(root, 'bad');
  for (let i = 0; i < 3; i++) await writeImage(path.join(good, `g${i}.png`), 8, 8, 3, (y, x, k) => (y * 30 + x * 3 + k + i * 50) % 256);
  await writeImage(path.join(bad, 'ok.png'), 8, 8, 3, () => 200);
  await writeImage(path.join(bad, 'big.png'), 64, 64, 3, (y, x) => (x * y) % 256); // 4096 pixels
  writeFileSync(path.join(bad, 'empty.png'), '');
  writeFileSync(path.join(bad, 'text.jpg'), 'this is not a JPEG at all\n');
  const jpg = await sharp(Buffer.alloc(32 * 32 * 3, 120), { raw: { width: 32, height: 32, channels: 3 } }).jpeg().toBuffer();
  writeFileSync(path.join(bad, 'trunc.jpg'), jpg.subarray(0, jpg.length >> 1));
  symlinkSync(path.join(bad, 'does-not-exist.png'), path.join(bad, 'broken.png'));
  execFileSync('mkfifo', [path.join(bad, 'fifo.png')]); // reading it blocking would hang a worker
  mkdirSync(path.join(root, 'empty'));
  // A loop: good/loop → good. Entered only with followLinks.
  symlinkSync(path.join(root, 'good'), path.join(good, 'loop'));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  vi.restoreAllMocks();
});

describe('skip policy (default)', () => {
  it('skips each bad file with one warning naming it, keeps the good ones, and the bomb over limitInputPixels', async () => {
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const iter = await new ImageDataGenerator().flowFromDirectory(root, {
      targetSize: [8, 8], batchSize: 64, shuffle: false, classMode: 'sparse', limitInputPixels: 1000,
    });
    expect(iter.classIndices).toEqual({ bad: 0, empty: 1, good: 2 }); // the empty class folder is a class
    expect(iter.samples).toBe(10);
    for (let epoch = 0; epoch < 2; epoch++) {
      const batches = [];
      for await (const b of iter) batches.push(b);
      expect(batches).toHaveLength(1);
      expect(batches[0].x.shape).toEqual([4, 8, 8, 3]); // ok.png + 3 good
      expect(Array.from(batches[0].y!.data)).toEqual([0, 2, 2, 2]);
    }
    const messages = warn.mock.calls.map((c) => String(c[0]));
    for (const f of [...BAD, 'big.png']) expect(messages.filter((m) => m.includes(path.join(root, 'bad', f)))).toHaveLength(1);
    expect(messages.find((m) => m.includes('big.png'))).toMatch(/pixel limit/);
    expect(messages.find((m) => m.includes('fifo.png'))).toMatch(/not a regular file/);
    expect(messages.find((m) => m.includes('empty.png'))).toMatch(/empty/);
    vi.restoreAllMocks();
  });

  it('imageDatasetFromDirectory skips the same files', async () => {
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const ds = await imageDatasetFromDirectory(path.join(root), { imageSize: [8, 8], shuffle: false, classNames: ['bad'], limitInputPixels: 1000 });
    const rows = [];
    for await (const b of ds) rows.push(b.x.shape[0]);
    expect(rows).toEqual([1]);
    expect(warn.mock.calls.length).toBe(6);
    vi.restoreAllMocks();
  });
});

describe("'throw' policy", () => {
  it('fails the batch with an ImageLoadError naming the file', async () => {
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const iter = await new ImageDataGenerator().flowFromDirectory(root, { classes: ['bad'], targetSize: [8, 8], batchSize: 1, shuffle: false, onInvalidImage: 'throw' });
    expect(iter.filenames[0]).toBe(path.join('bad', 'big.png'));
    const e = await iter.getBatch(1).catch((err: unknown) => err); // broken.png
    expect(e).toBeInstanceOf(ImageLoadError);
    expect((e as ImageLoadError).file).toBe(path.join(root, 'bad', 'broken.png'));
    expect((e as Error).message).toMatch(/broken link/);
    await expect(async () => {
      for await (const b of iter) void b;
    }).rejects.toThrow(ImageLoadError);
    vi.restoreAllMocks();
  });

  it('loadImg throws ImageLoadError for each kind of bad file', async () => {
    for (const f of BAD) await expect(loadImg(path.join(root, 'bad', f))).rejects.toThrow(ImageLoadError);
    await expect(loadImg(path.join(root, 'bad', 'big.png'), { limitInputPixels: 4095 })).rejects.toThrow(/pixel limit/);
    expect((await loadImg(path.join(root, 'bad', 'big.png'), { limitInputPixels: 4096 })).shape).toEqual([64, 64, 3]);
  });
});

describe('symlink loops', () => {
  it('followLinks walks into linked folders once and terminates on a loop', async () => {
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const no = await new ImageDataGenerator().flowFromDirectory(root, { classes: ['good'], targetSize: [8, 8] });
    expect(no.samples).toBe(3);
    const yes = await new ImageDataGenerator().flowFromDirectory(root, { classes: ['good'], targetSize: [8, 8], followLinks: true });
    expect(yes.samples).toBe(3);
    expect(warn.mock.calls.some((c) => String(c[0]).includes('symlink loop'))).toBe(true);
    vi.restoreAllMocks();
  });
});
